/*
 * Tests of softmmu/tlb.c and tlb_context.c: fills and hits, the slow-path flags (MMIO, ROM,
 * code, dirty tracking, page tables), flushes (INVLPG with large pages, non-global, INVPCID),
 * shadow contexts across CR3 loads and their invalidation by page-table writes from every
 * path, cross-page accesses with precise faults, A20; and a seeded random storm checked
 * against fresh page walks (run it under ASan for bounds).
 */
#include "check.h"
#include "softmmu/tlb.h"
#include "util/endian.h"
#include "util/log.h"

#define RAM_SIZE (8u << 20)
#define TABLE_POOL 0x100000u /* page tables are allocated from here up */

static const MmuMode sup = {false, false, false};
static const MmuMode user = {true, false, false};

typedef struct Fixture {
    PhysMap *m;
    uint8_t *ram;
    Tlb *t;
    uint64_t next_table;
} Fixture;

static Fixture fixture_new(void)
{
    Fixture f;
    f.m = phys_map_new(40);
    f.ram = phys_region_host_ptr(phys_map_add_ram(f.m, "ram", 0, RAM_SIZE, NULL, 0));
    f.t = tlb_new(f.m, 40);
    f.next_table = TABLE_POOL;
    return f;
}

static void fixture_free(Fixture *f)
{
    tlb_free(f->t);
    phys_map_free(f->m);
}

static uint64_t new_table(Fixture *f)
{
    uint64_t t = f->next_table;
    f->next_table += 0x1000;
    memset(f->ram + t, 0, 0x1000);
    return t;
}

/* Maps the 4 KiB page gva -> gpa in the 4-level tables at cr3; returns the PTE's address. */
static uint64_t map_page(Fixture *f, uint64_t cr3, uint64_t gva, uint64_t gpa, uint64_t flags)
{
    uint64_t table = cr3 & ~0xfffull;
    for (unsigned shift = 39; shift > 12; shift -= 9) {
        uint64_t at = table + ((gva >> shift) & 511) * 8;
        uint64_t e = ld_le64(f->ram + at);
        if (!(e & PTE_P)) {
            e = new_table(f) | PTE_P | PTE_RW | PTE_US;
            st_le64(f->ram + at, e);
        }
        table = e & 0xffffffffff000ull;
    }
    uint64_t at = table + ((gva >> 12) & 511) * 8;
    st_le64(f->ram + at, gpa | flags | PTE_P);
    return at;
}

static PagingState paging_4level(uint64_t cr3)
{
    PagingState ps = {.cr0 = PAGING_CR0_PG | PAGING_CR0_WP | 1,
                      .cr3 = cr3,
                      .cr4 = PAGING_CR4_PAE,
                      .efer = PAGING_EFER_LME | PAGING_EFER_LMA | PAGING_EFER_NXE};
    return ps;
}

static void *lookup(Fixture *f, const MmuMode *mode, uint64_t gva, unsigned size, MemAccess acc)
{
    return tlb_lookup(f->t, tlb_mmu_index(mode), gva, size, acc);
}

static bool fill(Fixture *f, const PagingState *ps, uint64_t gva, MemAccess acc,
                 const MmuMode *mode)
{
    PageFault fault;
    return tlb_fill(f->t, ps, gva, acc, mode, &fault);
}

static void test_tlb_hit_after_fill(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    CHECK(lookup(&f, &sup, 0x400010, 4, MEM_READ) == NULL);
    CHECK(fill(&f, &ps, 0x400010, MEM_READ, &sup));
    CHECK_EQ(f.t->stats.walks, 1);
    CHECK(lookup(&f, &sup, 0x400010, 4, MEM_READ) == f.ram + 0x5010);
    /* The same fill allowed writes (RW, D set) and fetches (no XD). */
    CHECK(lookup(&f, &sup, 0x400ff8, 8, MEM_WRITE) == f.ram + 0x5ff8);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_FETCH) == f.ram + 0x5000);
    /* Other MMU indices are separate; a supervisor page gives user nothing. */
    CHECK(lookup(&f, &user, 0x400010, 4, MEM_READ) == NULL);
    PageFault fault;
    CHECK(!tlb_fill(f.t, &ps, 0x400010, MEM_READ, &user, &fault));
    CHECK_EQ(fault.error_code, PF_ERR_P | PF_ERR_U);
    CHECK_EQ(fault.cr2, 0x400010);
    /* An access crossing the page misses the fast path. */
    CHECK(lookup(&f, &sup, 0x400ffe, 4, MEM_READ) == NULL);
    CHECK_EQ(f.t->stats.walks, 2);
    fixture_free(&f);
}

typedef struct WatchLog {
    unsigned hits;
    uint64_t addr;
    MemAccess acc;
} WatchLog;

static void record_watch(void *opaque, const TlbWatch *w, uint64_t addr, MemAccess acc)
{
    WatchLog *log = opaque;
    (void)w;
    log->hits++;
    log->addr = addr;
    log->acc = acc;
}

/* A watched range sends its page's accesses of the watched kind to the slow path, which
 * reports the first watched byte an access touched; other kinds and pages stay fast. */
static void test_tlb_watchpoints_report_accesses(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW | PTE_D);
    map_page(&f, cr3, 0x401000, 0x6000, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    WatchLog log = { 0 };
    f.t->watch_hit = record_watch;
    f.t->watch_opaque = &log;
    CHECK(tlb_watch_insert(f.t, 0x400104, 4, 1u << MEM_WRITE));
    CHECK(!tlb_watch_insert(f.t, 0x400104, 0, 1u << MEM_WRITE));
    PageFault fault;
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t in[8];
    /* Reads of the page and writes beside the range: no report, and reads stay fast. */
    CHECK(tlb_read(f.t, &ps, 0x400104, in, 4, MEM_READ, &sup, &fault));
    CHECK(lookup(&f, &sup, 0x400104, 4, MEM_READ) == f.ram + 0x5104);
    CHECK(tlb_write(f.t, &ps, 0x4000fc, buf, 8, &sup, &fault));
    CHECK_EQ(log.hits, 0);
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) == NULL);
    CHECK(fill(&f, &ps, 0x401000, MEM_WRITE, &sup));
    CHECK(lookup(&f, &sup, 0x401000, 4, MEM_WRITE) == f.ram + 0x6000);
    /* An 8-byte write overlapping the range's last byte reports that byte, after writing. */
    CHECK(tlb_write(f.t, &ps, 0x400107, buf, 8, &sup, &fault));
    CHECK_EQ(log.hits, 1);
    CHECK_EQ(log.addr, 0x400107);
    CHECK_EQ(log.acc, MEM_WRITE);
    CHECK_EQ(f.ram[0x5107], 1);
    /* Removing needs the exact range and kinds; then the page is fast again. */
    CHECK(!tlb_watch_remove(f.t, 0x400104, 4, 1u << MEM_READ));
    CHECK(tlb_watch_remove(f.t, 0x400104, 4, 1u << MEM_WRITE));
    CHECK(tlb_write(f.t, &ps, 0x400104, buf, 4, &sup, &fault));
    CHECK_EQ(log.hits, 1);
    CHECK(lookup(&f, &sup, 0x400104, 4, MEM_WRITE) == f.ram + 0x5104);
    /* A read watchpoint reports reads only. */
    CHECK(tlb_watch_insert(f.t, 0x400200, 2, 1u << MEM_READ));
    CHECK(tlb_write(f.t, &ps, 0x400200, buf, 2, &sup, &fault));
    CHECK_EQ(log.hits, 1);
    CHECK(tlb_read(f.t, &ps, 0x4001ff, in, 2, MEM_READ, &sup, &fault));
    CHECK_EQ(log.hits, 2);
    CHECK_EQ(log.addr, 0x400200);
    CHECK_EQ(log.acc, MEM_READ);
    tlb_watch_clear(f.t);
    CHECK(tlb_read(f.t, &ps, 0x400200, in, 2, MEM_READ, &sup, &fault));
    CHECK_EQ(log.hits, 2);
    fixture_free(&f);
}

static void test_tlb_write_tag_waits_for_dirty(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    uint64_t pte = map_page(&f, cr3, 0x400000, 0x5000, PTE_RW);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    CHECK(fill(&f, &ps, 0x400000, MEM_READ, &sup));
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) == NULL); /* D = 0: the walk must set it */
    uint32_t v = 0x12345678;
    PageFault fault;
    CHECK(tlb_write(f.t, &ps, 0x400004, &v, 4, &sup, &fault));
    CHECK(ld_le64(f.ram + pte) & PTE_D);
    CHECK_EQ(ld_le32(f.ram + 0x5004), 0x12345678);
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) == f.ram + 0x5000);
    /* A read-only page never gets a write tag; with WP the write faults. */
    map_page(&f, cr3, 0x401000, 0x6000, PTE_D);
    CHECK(fill(&f, &ps, 0x401000, MEM_READ, &sup));
    CHECK(lookup(&f, &sup, 0x401000, 4, MEM_WRITE) == NULL);
    CHECK(!tlb_write(f.t, &ps, 0x401000, &v, 4, &sup, &fault));
    CHECK_EQ(fault.error_code, PF_ERR_P | PF_ERR_W);
    fixture_free(&f);
}

static void test_tlb_flush_page_and_large_pages(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW);
    map_page(&f, cr3, 0x401000, 0x6000, PTE_RW);
    /* A 2 MiB page at 0x600000 -> 0x200000. */
    uint64_t pd = ld_le64(f.ram + (ld_le64(f.ram + cr3) & ~0xfffull)) & 0xffffffffff000ull;
    st_le64(f.ram + pd + 3 * 8, 0x200000 | PTE_PS | PTE_P | PTE_RW);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    fill(&f, &ps, 0x400000, MEM_READ, &sup);
    fill(&f, &ps, 0x401000, MEM_READ, &sup);
    fill(&f, &ps, 0x600000, MEM_READ, &sup);
    fill(&f, &ps, 0x7ff000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x7ff123, 1, MEM_READ) == f.ram + 0x3ff123);
    tlb_flush_page(f.t, 0x400abc);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) != NULL);
    /* INVLPG of any address in the large page drops every 4 KiB piece of it. */
    tlb_flush_page(f.t, 0x654321);
    CHECK(lookup(&f, &sup, 0x600000, 1, MEM_READ) == NULL);
    CHECK(lookup(&f, &sup, 0x7ff000, 1, MEM_READ) == NULL);
    fixture_free(&f);
}

static void test_tlb_flush_nonglobal_keeps_global(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW | PTE_G);
    map_page(&f, cr3, 0x401000, 0x6000, PTE_RW);
    PagingState ps = paging_4level(cr3);
    ps.cr4 |= PAGING_CR4_PGE;
    tlb_write_cr3(f.t, &ps);
    fill(&f, &ps, 0x400000, MEM_READ, &sup);
    fill(&f, &ps, 0x401000, MEM_READ, &sup);
    tlb_flush_nonglobal(f.t);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) != NULL);
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) == NULL);
    /* INVLPG drops globals too; a full flush drops everything. */
    fill(&f, &ps, 0x401000, MEM_READ, &sup);
    tlb_flush_page(f.t, 0x400000);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    fill(&f, &ps, 0x400000, MEM_READ, &sup);
    tlb_flush_all(f.t);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) == NULL);
    fixture_free(&f);
}

static void test_tlb_context_switch_reuses_translations(void)
{
    Fixture f = fixture_new();
    uint64_t cr3a = new_table(&f), cr3b = new_table(&f);
    map_page(&f, cr3a, 0x400000, 0x5000, PTE_RW);
    map_page(&f, cr3b, 0x400000, 0x6000, PTE_RW);
    PagingState a = paging_4level(cr3a), b = paging_4level(cr3b);
    tlb_write_cr3(f.t, &a);
    fill(&f, &a, 0x400000, MEM_READ, &sup);
    tlb_write_cr3(f.t, &b);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    fill(&f, &b, 0x400000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x6000);
    uint64_t walks = f.t->stats.walks;
    tlb_write_cr3(f.t, &a);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x5000);
    tlb_write_cr3(f.t, &a); /* reloading the same CR3 keeps untouched translations too */
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x5000);
    CHECK_EQ(f.t->stats.walks, walks);
    CHECK_EQ(f.t->stats.context_reuses, 2);
    /* More address spaces than contexts: the least recently used one is evicted. */
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        PagingState other = paging_4level(new_table(&f));
        tlb_write_cr3(f.t, &other);
    }
    tlb_write_cr3(f.t, &a);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    fixture_free(&f);
}

static void test_tlb_page_table_write_drops_context(void)
{
    Fixture f = fixture_new();
    uint64_t cr3a = new_table(&f), cr3b = new_table(&f);
    uint64_t pte_a = map_page(&f, cr3a, 0x400000, 0x5000, PTE_RW);
    /* B maps A's page-table page, so the CPU can write A's PTE while running B. */
    map_page(&f, cr3b, 0x800000, pte_a & ~0xfffull, PTE_RW | PTE_D);
    PagingState a = paging_4level(cr3a), b = paging_4level(cr3b);
    PageFault fault;

    /* 1. CPU write (through the TLB slow path) while in B. */
    tlb_write_cr3(f.t, &a);
    fill(&f, &a, 0x400000, MEM_READ, &sup);
    tlb_write_cr3(f.t, &b);
    uint64_t new_pte = 0x6000 | PTE_P | PTE_RW;
    CHECK(tlb_write(f.t, &b, 0x800000 + (pte_a & 0xfff), &new_pte, 8, &sup, &fault));
    tlb_write_cr3(f.t, &a);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    fill(&f, &a, 0x400000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x6000);

    /* 2. DMA (phys_write) while in B. */
    tlb_write_cr3(f.t, &b);
    phys_st64(f.m, pte_a, 0x7000 | PTE_P | PTE_RW);
    tlb_write_cr3(f.t, &a);
    fill(&f, &a, 0x400000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x7000);

    /* 3. A write in the current context may leave the old translation until CR3 is reloaded. */
    phys_st64(f.m, pte_a, 0x8000 | PTE_P | PTE_RW);
    tlb_write_cr3(f.t, &a);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    fill(&f, &a, 0x400000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == f.ram + 0x8000);
    CHECK(f.t->stats.context_drops >= 2);

    /* 4. The walker's own A/D updates do not drop anything: B walks A's page table too. */
    uint64_t pd_b = ld_le64(f.ram + (ld_le64(f.ram + cr3b) & ~0xfffull)) & 0xffffffffff000ull;
    st_le64(f.ram + pd_b + 5 * 8, (pte_a & ~0xfffull) | PTE_P | PTE_RW);
    tlb_write_cr3(f.t, &b);
    fill(&f, &b, 0xa00000, MEM_READ, &sup);
    uint64_t drops = f.t->stats.context_drops;
    tlb_write_cr3(f.t, &a);
    st_le64(f.ram + pte_a, 0x8000 | PTE_P | PTE_RW); /* A clear, behind the TLB's back */
    tlb_flush_page(f.t, 0x400000);
    uint8_t byte;
    CHECK(tlb_read(f.t, &a, 0x400000, &byte, 1, MEM_READ, &sup, &fault));
    CHECK(ld_le64(f.ram + pte_a) & PTE_A);
    CHECK_EQ(f.t->stats.context_drops, drops);
    uint64_t walks = f.t->stats.walks;
    tlb_write_cr3(f.t, &b);
    CHECK(lookup(&f, &sup, 0xa00000, 1, MEM_READ) == f.ram + 0x8000);
    CHECK_EQ(f.t->stats.walks, walks);
    fixture_free(&f);
}

static void test_tlb_page_table_page_writes_take_slow_path(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    uint64_t pte = map_page(&f, cr3, 0x400000, 0x5000, PTE_RW);
    /* Map the page-table page of 0x400000 as data (another TLB index), write it fast. */
    map_page(&f, cr3, 0x901000, pte & ~0xfffull, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    fill(&f, &ps, 0x901000, MEM_WRITE, &sup);
    CHECK(lookup(&f, &sup, 0x901000, 8, MEM_WRITE) != NULL);
    /* Walking 0x400000 makes that page a page table: the existing write tag is demoted. */
    fill(&f, &ps, 0x400000, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0x901000, 8, MEM_WRITE) == NULL);
    CHECK(lookup(&f, &sup, 0x901000, 8, MEM_READ) != NULL);
    fixture_free(&f);
}

static void test_tlb_cross_page_accesses(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x9000, PTE_RW | PTE_D);
    map_page(&f, cr3, 0x401000, 0x5000, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    PageFault fault;
    uint8_t in[16], out[16];
    for (unsigned i = 0; i < 16; i++) {
        in[i] = (uint8_t)(0xa0 + i);
    }
    CHECK(tlb_write(f.t, &ps, 0x400ffa, in, 16, &sup, &fault));
    CHECK_MEM_EQ(f.ram + 0x9ffa, in, 6);
    CHECK_MEM_EQ(f.ram + 0x5000, in + 6, 10);
    CHECK(tlb_read(f.t, &ps, 0x400ffa, out, 16, MEM_READ, &sup, &fault));
    CHECK_MEM_EQ(in, out, 16);
    /* Second page not present: the fault names it and the first page stays unwritten. */
    map_page(&f, cr3, 0x402000, 0x6000, PTE_RW | PTE_D);
    st_le64(f.ram + map_page(&f, cr3, 0x403000, 0, 0), 0);
    tlb_write_cr3(f.t, &ps);
    memset(f.ram + 0x6ff8, 0x22, 8);
    CHECK(!tlb_write(f.t, &ps, 0x402ff8, in, 10, &sup, &fault));
    CHECK_EQ(fault.cr2, 0x403000);
    CHECK_EQ(fault.error_code, PF_ERR_W);
    CHECK_EQ(f.ram[0x6ff8], 0x22);
    CHECK(tlb_probe(f.t, &ps, 0x402ff0, 16, MEM_WRITE, &sup, &fault));
    CHECK(!tlb_probe(f.t, &ps, 0x402ff0, 17, MEM_WRITE, &sup, &fault));
    /* An x87 10-byte store across pages. */
    CHECK(tlb_write(f.t, &ps, 0x400ffc, in, 10, &sup, &fault));
    CHECK_MEM_EQ(f.ram + 0x5000, in + 4, 6);
    fixture_free(&f);
}

static void test_tlb_legacy_linear_address_wraps(void)
{
    Fixture f = fixture_new();
    PagingState ps = {0}; /* paging off: linear = physical, 32 bits */
    PageFault fault;
    f.ram[0] = 0x5a;
    f.ram[1] = 0xa5;
    uint8_t out[2];
    CHECK(tlb_read(f.t, &ps, 0xffffffffull, out, 2, MEM_READ, &sup, &fault));
    CHECK_EQ(out[1], 0x5a); /* the second byte comes from linear address 0 */
    CHECK_EQ(out[0], 0xff); /* 0xffffffff is unassigned */
    fixture_free(&f);
}

typedef struct Dev {
    unsigned reads, writes;
    uint64_t last_offset;
} Dev;

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    Dev *d = opaque;
    d->reads++;
    d->last_offset = offset;
    return 0x1122334455667788ull;
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Dev *d = opaque;
    d->writes++;
    d->last_offset = offset;
}

static const IoOps dev_ops = {dev_read, dev_write, 1, 8};

static void test_tlb_mmio_and_rom_take_slow_path(void)
{
    Fixture f = fixture_new();
    Dev dev = {0};
    phys_map_add_mmio(f.m, "dev", 0xfee00000ull, 0x1000, &dev_ops, &dev, 0);
    MemRegion *rom = phys_map_add_rom(f.m, "rom", 0xff000000ull, 0x1000, 0);
    phys_region_host_ptr(rom)[8] = 0x77;
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0xfee00000ull, PTE_RW | PTE_D);
    map_page(&f, cr3, 0x401000, 0xff000000ull, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    PageFault fault;
    uint32_t v;
    CHECK(tlb_read(f.t, &ps, 0x400020, &v, 4, MEM_READ, &sup, &fault));
    CHECK_EQ(v, 0x55667788);
    CHECK_EQ(dev.last_offset, 0x20);
    CHECK(lookup(&f, &sup, 0x400020, 4, MEM_READ) == NULL);
    CHECK(tlb_write(f.t, &ps, 0x400030, &v, 4, &sup, &fault));
    CHECK_EQ(dev.writes, 1);
    CHECK_EQ(dev.last_offset, 0x30);
    /* ROM: reads hit the fast path, writes are dropped. */
    uint8_t b;
    CHECK(tlb_read(f.t, &ps, 0x401008, &b, 1, MEM_READ, &sup, &fault));
    CHECK_EQ(b, 0x77);
    CHECK(lookup(&f, &sup, 0x401008, 1, MEM_READ) != NULL);
    b = 0;
    CHECK(tlb_write(f.t, &ps, 0x401008, &b, 1, &sup, &fault));
    CHECK_EQ(phys_region_host_ptr(rom)[8], 0x77);
    CHECK(lookup(&f, &sup, 0x401008, 1, MEM_WRITE) == NULL);
    fixture_free(&f);
}

typedef struct Hook {
    const uint8_t *watch;
    unsigned calls;
    uint8_t seen;
    PhysMap *m;
} Hook;

static void hook_fn(void *opaque, uint64_t gpa, unsigned len)
{
    Hook *h = opaque;
    h->calls++;
    h->seen = *h->watch;
    phys_map_set_code_page(h->m, gpa, false); /* translate/ drops the page's blocks */
}

static void test_tlb_code_page_write_calls_hook_first(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    Hook h = {f.ram + 0x5010, 0, 0, f.m};
    phys_map_set_code_write_hook(f.m, hook_fn, &h);
    fill(&f, &ps, 0x400000, MEM_WRITE, &sup);
    CHECK(lookup(&f, &sup, 0x400010, 1, MEM_WRITE) != NULL);
    f.ram[0x5010] = 1;
    /* Marking the page demotes the existing write tag. */
    phys_map_set_code_page(f.m, 0x5000, true);
    CHECK(lookup(&f, &sup, 0x400010, 1, MEM_WRITE) == NULL);
    CHECK(lookup(&f, &sup, 0x400010, 1, MEM_READ) != NULL);
    uint8_t b = 2;
    PageFault fault;
    CHECK(tlb_write(f.t, &ps, 0x400010, &b, 1, &sup, &fault));
    CHECK_EQ(h.calls, 1);
    CHECK_EQ(h.seen, 1); /* the hook ran before the byte changed */
    CHECK_EQ(f.ram[0x5010], 2);
    /* The hook unmarked the page, so the write tag is fast again. */
    CHECK(lookup(&f, &sup, 0x400010, 1, MEM_WRITE) != NULL);
    fixture_free(&f);
}

static void test_tlb_cpu_writes_feed_dirty_logs(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW | PTE_D);
    PagingState ps = paging_4level(cr3);
    tlb_write_cr3(f.t, &ps);
    PageFault fault;
    uint32_t v = 1;
    CHECK(tlb_write(f.t, &ps, 0x400000, &v, 4, &sup, &fault));
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) != NULL);
    phys_map_dirty_get_and_clear(f.m, DIRTY_CLIENT_VGA, 0x5000, 0x1000, NULL);
    /* Clearing the bit sends the next write to the slow path, which sets it again. */
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) == NULL);
    CHECK(!phys_map_dirty_test(f.m, DIRTY_CLIENT_VGA, 0x5000));
    CHECK(tlb_write(f.t, &ps, 0x400000, &v, 4, &sup, &fault));
    CHECK(phys_map_dirty_test(f.m, DIRTY_CLIENT_VGA, 0x5000));
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) != NULL);
    /* The same for a write tag in a context that is not current. */
    PagingState other = paging_4level(new_table(&f));
    tlb_write_cr3(f.t, &other);
    phys_map_dirty_get_and_clear(f.m, DIRTY_CLIENT_MIGRATION, 0x5000, 0x1000, NULL);
    tlb_write_cr3(f.t, &ps);
    CHECK(lookup(&f, &sup, 0x400000, 4, MEM_WRITE) == NULL);
    fixture_free(&f);
}

static void test_tlb_a20_with_paging_off(void)
{
    Fixture f = fixture_new();
    PagingState ps = {0};
    PageFault fault;
    f.ram[0x100000] = 0xbb;
    f.ram[0] = 0xaa;
    uint8_t b;
    phys_map_set_a20(f.m, false);
    CHECK(tlb_read(f.t, &ps, 0x100000, &b, 1, MEM_READ, &sup, &fault));
    CHECK_EQ(b, 0xaa);
    phys_map_set_a20(f.m, true); /* flushes the translation made with A20 masked */
    CHECK(tlb_read(f.t, &ps, 0x100000, &b, 1, MEM_READ, &sup, &fault));
    CHECK_EQ(b, 0xbb);
    fixture_free(&f);
}

static void test_tlb_invpcid(void)
{
    Fixture f = fixture_new();
    uint64_t cr3 = new_table(&f);
    map_page(&f, cr3, 0x400000, 0x5000, PTE_RW);
    map_page(&f, cr3, 0x401000, 0x6000, PTE_RW | PTE_G);
    PagingState p1 = paging_4level(cr3 | 1), p2 = paging_4level(cr3 | 2);
    p1.cr4 |= PAGING_CR4_PCIDE | PAGING_CR4_PGE;
    p2.cr4 = p1.cr4;
    tlb_write_cr3(f.t, &p2);
    fill(&f, &p2, 0x400000, MEM_READ, &sup);
    tlb_write_cr3(f.t, &p1);
    fill(&f, &p1, 0x400000, MEM_READ, &sup);
    fill(&f, &p1, 0x401000, MEM_READ, &sup);
    /* Single-context: PCID 1's non-global translations only. */
    CHECK(tlb_invpcid(f.t, TLB_INVPCID_SINGLE, 1, 0));
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) != NULL);
    tlb_write_cr3(f.t, &p2);
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) != NULL);
    /* Individual address in PCID 2. */
    CHECK(tlb_invpcid(f.t, TLB_INVPCID_ADDRESS, 2, 0x400000));
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    /* All contexts but globals, then everything. */
    fill(&f, &p2, 0x400000, MEM_READ, &sup);
    fill(&f, &p2, 0x401000, MEM_READ, &sup);
    CHECK(tlb_invpcid(f.t, TLB_INVPCID_ALL_NONGLOBAL, 0, 0));
    CHECK(lookup(&f, &sup, 0x400000, 1, MEM_READ) == NULL);
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) != NULL);
    CHECK(tlb_invpcid(f.t, TLB_INVPCID_ALL_GLOBAL, 0, 0));
    CHECK(lookup(&f, &sup, 0x401000, 1, MEM_READ) == NULL);
    CHECK(!tlb_invpcid(f.t, 4, 0, 0));
    fixture_free(&f);
}

static void test_tlb_pae_context_checks_pdptes(void)
{
    Fixture f = fixture_new();
    /* PDPT at 0x1000 -> PD 0x2000 -> PT 0x3000 -> 0x5000; an alternative PD at 0x4000. */
    st_le64(f.ram + 0x1000, 0x2000 | PTE_P);
    st_le64(f.ram + 0x2000, 0x3000 | PTE_P | PTE_RW);
    st_le64(f.ram + 0x3000, 0x5000 | PTE_P | PTE_RW);
    st_le64(f.ram + 0x4000, 0x3000 | PTE_P | PTE_RW);
    st_le64(f.ram + 0x3008, 0x6000 | PTE_P | PTE_RW);
    PagingState ps = {.cr0 = PAGING_CR0_PG | 1, .cr3 = 0x1000, .cr4 = PAGING_CR4_PAE};
    CHECK_EQ(paging_load_pdptes(f.m, &ps, 40), 0);
    tlb_write_cr3(f.t, &ps);
    fill(&f, &ps, 0, MEM_READ, &sup);
    CHECK(lookup(&f, &sup, 0, 1, MEM_READ) == f.ram + 0x5000);
    /* The PDPT is not write-tracked, but a reload with new PDPTEs gets a clean context. */
    st_le64(f.ram + 0x1000, 0x4000 | PTE_P);
    st_le64(f.ram + 0x3000, 0x6000 | PTE_P | PTE_RW);
    CHECK_EQ(paging_load_pdptes(f.m, &ps, 40), 0);
    tlb_write_cr3(f.t, &ps);
    CHECK(lookup(&f, &sup, 0, 1, MEM_READ) == NULL);
    fixture_free(&f);
}

/* ---- random storm ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

#define STORM_SPACES 10
#define STORM_TABLES 16

/*
 * A random paging-structure entry, biased so that a fair share of walks succeed: mostly
 * present and permissive, pointing into the table pool (so data pages are often page tables
 * too) or at RAM, MMIO and unassigned pages, now and then with reserved bits.
 */
static uint64_t random_entry(void)
{
    uint64_t r = rng();
    uint64_t e = 0;
    e |= (r % 16 != 0) ? PTE_P : 0;
    e |= ((r >> 4) % 4 != 0) ? PTE_RW : 0;
    e |= ((r >> 6) % 4 != 0) ? PTE_US : 0;
    e |= ((r >> 8) % 16 == 0) ? PTE_XD : 0;
    e |= ((r >> 12) % 16 == 0) ? PTE_PS : 0;
    e |= ((r >> 16) % 2 == 0) ? PTE_D | PTE_A : 0;
    uint64_t target;
    switch ((r >> 20) % 8) {
    case 0:
        target = RAM_SIZE; /* the MMIO page */
        break;
    case 1:
        target = (rng() % (RAM_SIZE / 0x1000)) * 0x1000;
        break;
    default:
        target = TABLE_POOL + (rng() % STORM_TABLES) * 0x1000;
        break;
    }
    if ((r >> 24) % 64 == 0) {
        target |= 1ull << (36 + rng() % 16); /* reserved with MAXPHYADDR 40, or unassigned */
    }
    return e | target;
}

/* Walks use entries 0..7 of each table; stores often land on those bytes of a page. */
#define STORM_HOT_ENTRIES 8

static uint64_t storm_gva(void)
{
    uint64_t offset = (rng() % 2) ? rng() % (STORM_HOT_ENTRIES * 8) : rng() & 0xfff;
    return ((rng() % 2) << 39) | ((rng() % 2) << 30) | ((rng() % 4) << 21) |
           ((rng() % STORM_HOT_ENTRIES) << 12) | offset;
}

typedef struct StormDev {
    uint8_t regs[0x1000];
} StormDev;

static uint64_t storm_read(void *opaque, uint64_t offset, unsigned size)
{
    StormDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(offset + i) & 0xfff] << (8 * i);
    }
    return v;
}

static void storm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    StormDev *d = opaque;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(offset + i) & 0xfff] = (uint8_t)(value >> (8 * i));
    }
}

static const IoOps storm_ops = {storm_read, storm_write, 1, 8};

/* Checks one translation against a fresh walk; returns whether it is usable. */
static bool storm_check(Fixture *f, const PagingState *ps, uint64_t gva, MemAccess acc,
                        const MmuMode *mode)
{
    PagingResult ref;
    PageFault ref_fault, fault;
    bool ref_ok = paging_walk(f->m, ps, 40, gva, acc, mode, &ref, &ref_fault);
    uint64_t gpa;
    bool ok = tlb_translate(f->t, ps, gva, acc, mode, &gpa, &fault);
    CHECK_EQ(ok, ref_ok);
    if (ok && ref_ok) {
        CHECK_EQ(gpa, ref.gpa);
    } else if (!ok && !ref_ok) {
        CHECK_EQ(fault.error_code, ref_fault.error_code);
        CHECK_EQ(fault.cr2, ref_fault.cr2);
    }
    return ok && ref_ok;
}

static void test_tlb_random_storm(void)
{
    rng_state = 0x5eed5eedcafef00dull;
    Fixture f = fixture_new();
    StormDev dev = {{0}};
    phys_map_add_mmio(f.m, "storm", RAM_SIZE, 0x1000, &storm_ops, &dev, 0);
    for (unsigned i = 0; i < STORM_TABLES; i++) {
        for (unsigned j = 0; j < 512; j++) {
            st_le64(f.ram + TABLE_POOL + i * 0x1000 + j * 8, random_entry());
        }
    }
    PagingState spaces[STORM_SPACES];
    for (unsigned i = 0; i < STORM_SPACES; i++) {
        spaces[i] = paging_4level(TABLE_POOL + (rng() % STORM_TABLES) * 0x1000);
        spaces[i].cr3 |= i; /* PCID, used when PCIDE is on */
    }
    const MmuMode modes[] = {
        {false, false, false}, {false, false, true}, {false, true, true}, {true, false, false}};
    unsigned cur = 0, checked = 0, translated = 0, accessed = 0;
    uint64_t recent[16] = {0}; /* pages that translated lately: stores aim at them */
    unsigned recent_at = 0;
    bool is_modified = false;
    tlb_write_cr3(f.t, &spaces[cur]);
    for (unsigned step = 0; step < 200000; step++) {
        unsigned action = rng() % 1000;
        PagingState *ps = &spaces[cur];
        PageFault fault;
        if (action < 100) {
            /* Rewrite an entry some walk may use, by DMA. */
            uint64_t at =
                TABLE_POOL + (rng() % STORM_TABLES) * 0x1000 + (rng() % STORM_HOT_ENTRIES) * 8;
            phys_st64(f.m, at, random_entry());
            is_modified = true;
        } else if (action < 250) {
            /* A CPU store: random bytes anywhere, or an entry-sized store of a new entry. */
            uint8_t buf[16];
            unsigned size = 1 + rng() % 16;
            for (unsigned i = 0; i < size; i++) {
                buf[i] = (uint8_t)rng();
            }
            uint64_t gva = (rng() % 2) ? storm_gva() : recent[rng() % 16];
            if (rng() % 2) {
                size = 8;
                gva = (gva & ~0xfffull) | (rng() % STORM_HOT_ENTRIES) * 8;
                st_le64(buf, random_entry());
            }
            const MmuMode *mode = &modes[rng() % 4];
            if (tlb_write(f.t, ps, gva, buf, size, mode, &fault)) {
                accessed++;
            }
            is_modified = true;
        } else if (action < 300) {
            cur = rng() % STORM_SPACES;
            tlb_write_cr3(f.t, &spaces[cur]);
            is_modified = false;
        } else if (action < 301) {
            /* A paging-control change: new CR0.WP/CR4 bits, full flush as the CPU does. */
            uint64_t cr4 = PAGING_CR4_PAE;
            cr4 |= (rng() & 1) ? PAGING_CR4_SMEP : 0;
            cr4 |= (rng() & 1) ? PAGING_CR4_SMAP : 0;
            cr4 |= (rng() & 1) ? PAGING_CR4_PCIDE : 0;
            uint64_t cr0 = PAGING_CR0_PG | 1 | ((rng() & 1) ? PAGING_CR0_WP : 0);
            for (unsigned i = 0; i < STORM_SPACES; i++) {
                spaces[i].cr4 = cr4;
                spaces[i].cr0 = cr0;
            }
            tlb_flush_all(f.t);
            tlb_write_cr3(f.t, &spaces[cur]);
            is_modified = false;
        } else if (action < 302) {
            phys_map_set_a20(f.m, rng() & 1);
        } else if (action < 320) {
            tlb_flush_page(f.t, storm_gva());
        } else {
            /* Translations must match a fresh walk once CR3 has been reloaded. */
            if (is_modified) {
                tlb_write_cr3(f.t, ps);
                is_modified = false;
            }
            const MmuMode *mode = &modes[rng() % 4];
            MemAccess acc = (MemAccess)(rng() % 3);
            uint64_t gva = storm_gva();
            bool is_translated = storm_check(&f, ps, gva, acc, mode);
            translated += is_translated;
            if (is_translated) {
                recent[recent_at++ % 16] = gva;
            }
            if (is_translated && acc != MEM_WRITE) {
                /* And the bytes read through the TLB are the bytes at the walked address. */
                uint8_t via_tlb[8], direct[8];
                unsigned size = 1 + rng() % 8;
                size = size > 0x1000 - (gva & 0xfff) ? 0x1000 - (gva & 0xfff) : size;
                PagingResult ref;
                paging_walk(f.m, ps, 40, gva, acc, mode, &ref, &fault);
                CHECK(tlb_read(f.t, ps, gva, via_tlb, size, acc, mode, &fault));
                phys_read(f.m, ref.gpa, direct, size);
                CHECK_MEM_EQ(via_tlb, direct, size);
            }
            checked++;
        }
    }
    printf("storm: %u checked, %u translated, %u stores, %" PRIu64 " walks, %" PRIu64
           " faults, %" PRIu64 " reuses, %" PRIu64 " drops\n",
           checked, translated, accessed, f.t->stats.walks, f.t->stats.faults,
           f.t->stats.context_reuses, f.t->stats.context_drops);
    CHECK(checked > 100000);
    CHECK(translated > 5000);
    CHECK(accessed > 1000);
    CHECK(f.t->stats.context_reuses > 100);
    CHECK(f.t->stats.context_drops > 10);
    fixture_free(&f);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_tlb_hit_after_fill),
    CHECK_TEST(test_tlb_watchpoints_report_accesses),
    CHECK_TEST(test_tlb_write_tag_waits_for_dirty),
    CHECK_TEST(test_tlb_flush_page_and_large_pages),
    CHECK_TEST(test_tlb_flush_nonglobal_keeps_global),
    CHECK_TEST(test_tlb_context_switch_reuses_translations),
    CHECK_TEST(test_tlb_page_table_write_drops_context),
    CHECK_TEST(test_tlb_page_table_page_writes_take_slow_path),
    CHECK_TEST(test_tlb_cross_page_accesses),
    CHECK_TEST(test_tlb_legacy_linear_address_wraps),
    CHECK_TEST(test_tlb_mmio_and_rom_take_slow_path),
    CHECK_TEST(test_tlb_code_page_write_calls_hook_first),
    CHECK_TEST(test_tlb_cpu_writes_feed_dirty_logs),
    CHECK_TEST(test_tlb_a20_with_paging_off),
    CHECK_TEST(test_tlb_invpcid),
    CHECK_TEST(test_tlb_pae_context_checks_pdptes),
    CHECK_TEST(test_tlb_random_storm),
    {0},
};

int main(int argc, char **argv)
{
    log_set_mask(0);
    return check_run_tests(argc, argv, tests);
}
