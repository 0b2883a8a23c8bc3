/*
 * Tests of softmmu/walker.c: page tables built by hand in guest RAM for every paging mode,
 * large pages, A/D updates, the #PF error code bits of SDM Vol. 3A §4.7, reserved bits
 * (including MAXPHYADDR), NX, WP, SMEP, SMAP with AC and implicit accesses, PDPTE loads.
 */
#include "check.h"
#include "softmmu/paging.h"
#include "util/endian.h"
#include "util/log.h"

#define RAM_SIZE (16u << 20)

#define CR0_PG PAGING_CR0_PG
#define CR0_WP PAGING_CR0_WP

static const MmuMode sup = {false, false, false};
static const MmuMode sup_ac = {false, false, true};
static const MmuMode implicit_ac = {false, true, true};
static const MmuMode user = {true, false, false};

typedef struct Fixture {
    PhysMap *m;
    uint8_t *ram;
    unsigned maxphyaddr;
} Fixture;

static Fixture fixture_new(void)
{
    Fixture f;
    f.m = phys_map_new(40);
    f.ram = phys_region_host_ptr(phys_map_add_ram(f.m, "ram", 0, RAM_SIZE, NULL, 0));
    f.maxphyaddr = 36;
    return f;
}

static void put32(Fixture *f, uint64_t gpa, uint32_t v)
{
    st_le32(f->ram + gpa, v);
}

static void put64(Fixture *f, uint64_t gpa, uint64_t v)
{
    st_le64(f->ram + gpa, v);
}

static uint64_t get64(Fixture *f, uint64_t gpa)
{
    return ld_le64(f->ram + gpa);
}

static uint32_t get32(Fixture *f, uint64_t gpa)
{
    return ld_le32(f->ram + gpa);
}

/* Walks; true on success with *res filled, false with *fault filled (CR2 checked). */
static bool try_walk(Fixture *f, const PagingState *ps, uint64_t gva, MemAccess acc,
                     const MmuMode *mode, PagingResult *res, PageFault *fault)
{
    fault->cr2 = 0;
    fault->error_code = 0xdead;
    if (paging_walk(f->m, ps, f->maxphyaddr, gva, acc, mode, res, fault)) {
        return true;
    }
    CHECK_EQ(fault->cr2, gva);
    CHECK(fault->error_code != 0xdead);
    return false;
}

/* Walks expecting success: 0, or ~0 when it faulted. */
static uint32_t walk(Fixture *f, const PagingState *ps, uint64_t gva, MemAccess acc,
                     const MmuMode *mode, PagingResult *res)
{
    PageFault fault;
    PagingResult scratch;
    return try_walk(f, ps, gva, acc, mode, res ? res : &scratch, &fault) ? 0 : ~0u;
}

/* Walks expecting a fault: its error code, or ~0 when the walk succeeded. */
static uint32_t fault_of(Fixture *f, const PagingState *ps, uint64_t gva, MemAccess acc,
                         const MmuMode *mode)
{
    PageFault fault;
    PagingResult res;
    return try_walk(f, ps, gva, acc, mode, &res, &fault) ? ~0u : fault.error_code;
}

/* ---- 32-bit paging (§4.3) ---- */

/* PD at 0x1000; PD[0] -> PT at 0x2000; PT[5] -> 0x5000 (user, writable); PT[6] supervisor RO. */
static PagingState setup_32bit(Fixture *f)
{
    put32(f, 0x1000, 0x2000 | PTE_P | PTE_RW | PTE_US);
    put32(f, 0x2000 + 5 * 4, 0x5000 | PTE_P | PTE_RW | PTE_US);
    put32(f, 0x2000 + 6 * 4, 0x6000 | PTE_P);
    put32(f, 0x2000 + 7 * 4, 0x7000 | PTE_P | PTE_US); /* user, read-only */
    PagingState ps = {.cr0 = CR0_PG | 1, .cr3 = 0x1000};
    return ps;
}

static void test_walker_32bit_translation_and_ad_bits(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x5123, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x5123);
    CHECK_EQ(r.page_size, 0x1000);
    CHECK(r.is_writable && r.is_user && r.is_executable && !r.is_dirty);
    CHECK_EQ(r.table_count, 2);
    CHECK_EQ(r.table_gpa[0], 0x1000);
    CHECK_EQ(r.table_gpa[1], 0x2000);
    /* A read sets A at both levels, D nowhere. */
    CHECK(get32(&f, 0x1000) & PTE_A);
    CHECK(get32(&f, 0x2014) & PTE_A);
    CHECK(!(get32(&f, 0x2014) & PTE_D));
    CHECK(!(get32(&f, 0x1000) & PTE_D));
    /* A write sets D in the PTE only. */
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_WRITE, &sup, &r), 0);
    CHECK(r.is_dirty);
    CHECK(get32(&f, 0x2014) & PTE_D);
    CHECK(!(get32(&f, 0x1000) & PTE_D));
    /* Linear addresses are 32 bits: bit 32 and above are dropped. */
    CHECK_EQ(walk(&f, &ps, 0x100005123ull, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x5123);
    phys_map_free(f.m);
}

static void test_walker_32bit_not_present_error_codes(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_READ, &sup), 0);
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_WRITE, &sup), PF_ERR_W);
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_READ, &user), PF_ERR_U);
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_WRITE, &user), PF_ERR_W | PF_ERR_U);
    /* Not-present PDE. */
    CHECK_EQ(fault_of(&f, &ps, 0x400000, MEM_READ, &user), PF_ERR_U);
    /* I/D only with SMEP in 32-bit paging (no XD there). */
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_FETCH, &sup), 0);
    ps.efer = PAGING_EFER_NXE;
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_FETCH, &sup), 0);
    ps.cr4 = PAGING_CR4_SMEP;
    CHECK_EQ(fault_of(&f, &ps, 0x8000, MEM_FETCH, &sup), PF_ERR_ID);
    /* A faulting walk sets no accessed flag. */
    CHECK(!(get32(&f, 0x1000) & PTE_A));
    phys_map_free(f.m);
}

static void test_walker_32bit_protection_error_codes(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    /* User access to a supervisor page. */
    CHECK_EQ(fault_of(&f, &ps, 0x6000, MEM_READ, &user), PF_ERR_P | PF_ERR_U);
    CHECK_EQ(fault_of(&f, &ps, 0x6000, MEM_WRITE, &user), PF_ERR_P | PF_ERR_W | PF_ERR_U);
    CHECK_EQ(fault_of(&f, &ps, 0x6000, MEM_FETCH, &user), PF_ERR_P | PF_ERR_U);
    /* A protection fault sets no accessed flag. */
    CHECK(!(get32(&f, 0x2018) & PTE_A));
    CHECK(!(get32(&f, 0x1000) & PTE_A));
    /* User write to a read-only user page. */
    CHECK_EQ(fault_of(&f, &ps, 0x7000, MEM_WRITE, &user), PF_ERR_P | PF_ERR_W | PF_ERR_U);
    /* Supervisor write to read-only pages: allowed with WP = 0, faults with WP = 1. */
    CHECK_EQ(walk(&f, &ps, 0x6000, MEM_WRITE, &sup, NULL), 0);
    CHECK_EQ(walk(&f, &ps, 0x7000, MEM_WRITE, &sup, NULL), 0);
    ps.cr0 |= CR0_WP;
    CHECK_EQ(fault_of(&f, &ps, 0x6000, MEM_WRITE, &sup), PF_ERR_P | PF_ERR_W);
    CHECK_EQ(fault_of(&f, &ps, 0x7000, MEM_WRITE, &sup), PF_ERR_P | PF_ERR_W);
    /* A read-only PDE makes the whole 4 MiB read-only. */
    put32(&f, 0x1000, 0x2000 | PTE_P | PTE_US);
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_WRITE, &user), PF_ERR_P | PF_ERR_W | PF_ERR_U);
    phys_map_free(f.m);
}

static void test_walker_32bit_4mib_pages_and_pse36(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    put32(&f, 0x1000 + 4, 0x00400000u | PTE_PS | PTE_P | PTE_RW | PTE_G);
    /* Without CR4.PSE the PS bit is ignored: the PDE points to a (zero) page table. */
    CHECK_EQ(fault_of(&f, &ps, 0x00412345, MEM_READ, &sup), 0);
    ps.cr4 = PAGING_CR4_PSE;
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x00412345, MEM_WRITE, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x00412345);
    CHECK_EQ(r.page_size, 4u << 20);
    CHECK_EQ(r.table_count, 1);
    CHECK(!r.is_global); /* CR4.PGE = 0 */
    CHECK_EQ(get32(&f, 0x1004) & (PTE_A | PTE_D), PTE_A | PTE_D);
    ps.cr4 |= PAGING_CR4_PGE;
    CHECK_EQ(walk(&f, &ps, 0x00412345, MEM_READ, &sup, &r), 0);
    CHECK(r.is_global);
    /* PSE-36: PDE bits 16:13 are address bits 35:32 with MAXPHYADDR 36. */
    put32(&f, 0x1000 + 8, 0x00800000u | (0x5u << 13) | PTE_PS | PTE_P);
    CHECK_EQ(walk(&f, &ps, 0x00800010, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x500800010ull);
    /* Bit 17 is reserved with MAXPHYADDR 36, an address bit with 40; bit 21 always. */
    put32(&f, 0x1000 + 8, 0x00800000u | (1u << 17) | PTE_PS | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x00800010, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    f.maxphyaddr = 40;
    CHECK_EQ(walk(&f, &ps, 0x00800010, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x1000800010ull);
    put32(&f, 0x1000 + 8, 0x00800000u | (1u << 21) | PTE_PS | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x00800010, MEM_WRITE, &user),
             PF_ERR_P | PF_ERR_RSVD | PF_ERR_W | PF_ERR_U);
    phys_map_free(f.m);
}

static void test_walker_smep_and_smap(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    /* Supervisor fetch from a user page: allowed without SMEP. */
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_FETCH, &sup, NULL), 0);
    ps.cr4 = PAGING_CR4_SMEP;
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_FETCH, &sup), PF_ERR_P | PF_ERR_ID);
    CHECK_EQ(walk(&f, &ps, 0x6000, MEM_FETCH, &sup, NULL), 0);
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_FETCH, &user, NULL), 0);
    /* SMAP: supervisor data access to a user page, AC overrides only explicit accesses. */
    ps.cr4 = PAGING_CR4_SMAP;
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_READ, &sup), PF_ERR_P);
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_WRITE, &sup), PF_ERR_P | PF_ERR_W);
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_READ, &sup_ac, NULL), 0);
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_WRITE, &sup_ac, NULL), 0);
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_READ, &implicit_ac), PF_ERR_P);
    /* Supervisor pages and user-mode accesses are unaffected; fetches are SMEP's business. */
    CHECK_EQ(walk(&f, &ps, 0x6000, MEM_READ, &sup, NULL), 0);
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_READ, &user, NULL), 0);
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_FETCH, &sup, NULL), 0);
    /* With SMAP and AC, WP still protects read-only user pages. */
    ps.cr0 |= CR0_WP;
    CHECK_EQ(fault_of(&f, &ps, 0x7000, MEM_WRITE, &sup_ac), PF_ERR_P | PF_ERR_W);
    ps.cr4 = 0;
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_READ, &implicit_ac, NULL), 0);
    phys_map_free(f.m);
}

/* ---- PAE paging (§4.4) ---- */

/* PDPT at 0x1020; PDPTE0 -> PD 0x3000; PD[0] -> PT 0x4000; PT[1] -> 0x7000 user RW. */
static PagingState setup_pae(Fixture *f)
{
    put64(f, 0x1020, 0x3000 | PTE_P);
    put64(f, 0x3000, 0x4000 | PTE_P | PTE_RW | PTE_US);
    put64(f, 0x4000 + 8, 0x7000 | PTE_P | PTE_RW | PTE_US);
    PagingState ps = {.cr0 = CR0_PG | 1, .cr3 = 0x1020, .cr4 = PAGING_CR4_PAE};
    CHECK_EQ(paging_load_pdptes(f->m, &ps, f->maxphyaddr), 0);
    return ps;
}

static void test_walker_pae_translation(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_pae(&f);
    CHECK_EQ(paging_mode(&ps), PAGING_MODE_PAE);
    CHECK_EQ(ps.pdpte[0], 0x3000 | PTE_P);
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x1abc, MEM_WRITE, &user, &r), 0);
    CHECK_EQ(r.gpa, 0x7abc);
    CHECK_EQ(r.table_count, 2); /* the PDPT is in registers, not walked */
    CHECK_EQ(get64(&f, 0x3000) & (PTE_A | PTE_D), PTE_A);
    CHECK_EQ(get64(&f, 0x4008) & (PTE_A | PTE_D), PTE_A | PTE_D);
    /* PDPTE registers: changing memory does not change translation until reloaded. */
    put64(&f, 0x1020, 0);
    CHECK_EQ(walk(&f, &ps, 0x1abc, MEM_READ, &user, NULL), 0);
    CHECK_EQ(paging_load_pdptes(f.m, &ps, f.maxphyaddr), 0);
    CHECK_EQ(fault_of(&f, &ps, 0x1abc, MEM_READ, &user), PF_ERR_U);
    /* 2 MiB page. */
    put64(&f, 0x1020, 0x3000 | PTE_P);
    paging_load_pdptes(f.m, &ps, f.maxphyaddr);
    put64(&f, 0x3000 + 8, 0x600000 | PTE_PS | PTE_P | PTE_RW);
    CHECK_EQ(walk(&f, &ps, 0x2fedcb, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x6fedcb);
    CHECK_EQ(r.page_size, 2u << 20);
    phys_map_free(f.m);
}

static void test_walker_pae_nx_and_reserved_bits(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_pae(&f);
    put64(&f, 0x4000 + 16, 0x8000 | PTE_P | PTE_RW | PTE_US | PTE_XD);
    /* NXE = 0: XD is reserved; I/D is not reported (no SMEP, no NXE). */
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_FETCH, &user), PF_ERR_P | PF_ERR_RSVD | PF_ERR_U);
    ps.efer = PAGING_EFER_NXE;
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x2000, MEM_READ, &user, &r), 0);
    CHECK(!r.is_executable);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_FETCH, &user), PF_ERR_P | PF_ERR_U | PF_ERR_ID);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_FETCH, &sup), PF_ERR_P | PF_ERR_ID);
    /* Not-present fetch with NXE in PAE mode reports I/D. */
    CHECK_EQ(fault_of(&f, &ps, 0x9000, MEM_FETCH, &sup), PF_ERR_ID);
    /* Address bits at or above MAXPHYADDR (36), and bit 62, are reserved. */
    put64(&f, 0x4000 + 16, (1ull << 36) | 0x8000 | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    put64(&f, 0x4000 + 16, (1ull << 62) | 0x8000 | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    f.maxphyaddr = 40;
    put64(&f, 0x4000 + 16, (1ull << 36) | 0x8000 | PTE_P);
    CHECK_EQ(walk(&f, &ps, 0x2000, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, (1ull << 36) | 0x8000);
    /* Bits 20:13 of a 2 MiB PDE are reserved; bit 12 is PAT. */
    put64(&f, 0x3000 + 8, 0x600000 | (1ull << 13) | PTE_PS | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x200000, MEM_WRITE, &sup), PF_ERR_P | PF_ERR_RSVD | PF_ERR_W);
    put64(&f, 0x3000 + 8, 0x600000 | (1ull << 12) | PTE_PS | PTE_P);
    CHECK_EQ(walk(&f, &ps, 0x200000, MEM_READ, &sup, NULL), 0);
    /* A reserved-bit fault in the PTE leaves the PDE's A flag alone. */
    put64(&f, 0x3000, 0x4000 | PTE_P | PTE_RW | PTE_US);
    put64(&f, 0x4000 + 16, (1ull << 62) | 0x8000 | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0x2000, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    CHECK(!(get64(&f, 0x3000) & PTE_A));
    phys_map_free(f.m);
}

static void test_walker_pae_pdpte_load_reserved_bits(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_pae(&f);
    uint64_t before[4];
    memcpy(before, ps.pdpte, sizeof(before));
    const uint64_t bad[] = {PTE_RW, PTE_US, 1ull << 5, 1ull << 8, 1ull << 36, PTE_XD};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put64(&f, 0x1020 + 8 * 2, 0x5000 | PTE_P | bad[i]);
        CHECK_EQ(paging_load_pdptes(f.m, &ps, f.maxphyaddr), -1);
        CHECK_MEM_EQ(ps.pdpte, before, sizeof(before));
    }
    /* Reserved bits of a not-present PDPTE do not matter; PWT/PCD and 11:9 are fine. */
    put64(&f, 0x1020 + 8 * 2, PTE_RW | (1ull << 36));
    CHECK_EQ(paging_load_pdptes(f.m, &ps, f.maxphyaddr), 0);
    put64(&f, 0x1020 + 8 * 2, 0x5000 | PTE_P | PTE_PWT | PTE_PCD | (7ull << 9));
    CHECK_EQ(paging_load_pdptes(f.m, &ps, f.maxphyaddr), 0);
    CHECK_EQ(ps.pdpte[2], 0x5000 | PTE_P | PTE_PWT | PTE_PCD | (7ull << 9));
    phys_map_free(f.m);
}

/* ---- 4-level and 5-level paging (§4.5) ---- */

#define GVA_HIGH 0xffff800000201abcull /* PML4 256, PDPT 0, PD 1, PT 1 */

static PagingState setup_4level(Fixture *f)
{
    put64(f, 0x1000 + 256 * 8, 0x2000 | PTE_P | PTE_RW | PTE_US);
    put64(f, 0x2000, 0x3000 | PTE_P | PTE_RW | PTE_US);
    put64(f, 0x3000 + 8, 0x4000 | PTE_P | PTE_RW | PTE_US);
    put64(f, 0x4000 + 8, 0x9000 | PTE_P | PTE_RW | PTE_G);
    PagingState ps = {.cr0 = CR0_PG | 1,
                      .cr3 = 0x1000,
                      .cr4 = PAGING_CR4_PAE,
                      .efer = PAGING_EFER_LME | PAGING_EFER_LMA | PAGING_EFER_NXE};
    return ps;
}

static void test_walker_4level_translation(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_4level(&f);
    CHECK_EQ(paging_mode(&ps), PAGING_MODE_4LEVEL);
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, GVA_HIGH, MEM_WRITE, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x9abc);
    CHECK_EQ(r.table_count, 4);
    CHECK(!r.is_user);
    CHECK(!r.is_global);
    CHECK_EQ(get64(&f, 0x1800) & (PTE_A | PTE_D), PTE_A);
    CHECK_EQ(get64(&f, 0x2000) & (PTE_A | PTE_D), PTE_A);
    CHECK_EQ(get64(&f, 0x3008) & (PTE_A | PTE_D), PTE_A);
    CHECK_EQ(get64(&f, 0x4008) & (PTE_A | PTE_D), PTE_A | PTE_D);
    ps.cr4 |= PAGING_CR4_PGE;
    CHECK_EQ(walk(&f, &ps, GVA_HIGH, MEM_READ, &sup, &r), 0);
    CHECK(r.is_global);
    CHECK_EQ(fault_of(&f, &ps, GVA_HIGH, MEM_READ, &user), PF_ERR_P | PF_ERR_U);
    /* PCID bits of CR3 do not move the tables. */
    ps.cr4 |= PAGING_CR4_PCIDE;
    ps.cr3 = 0x1000 | 0x123;
    CHECK_EQ(walk(&f, &ps, GVA_HIGH, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x9abc);
    /* Bits 62:52 are ignored in 4-level paging. */
    put64(&f, 0x4000 + 8, 0x9000 | PTE_P | (1ull << 55));
    CHECK_EQ(walk(&f, &ps, GVA_HIGH, MEM_READ, &sup, NULL), 0);
    phys_map_free(f.m);
}

static void test_walker_4level_large_pages_and_reserved(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_4level(&f);
    PagingResult r;
    /* 1 GiB page at PDPT[1]. */
    put64(&f, 0x2000 + 8, 0x40000000ull | PTE_PS | PTE_P | PTE_RW);
    CHECK_EQ(walk(&f, &ps, 0xffff800076543210ull, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x76543210ull);
    CHECK_EQ(r.page_size, 1ull << 30);
    CHECK_EQ(r.table_count, 2);
    put64(&f, 0x2000 + 8, 0x40000000ull | (1ull << 29) | PTE_PS | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0xffff800076543210ull, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    /* 2 MiB page at PD[2]. */
    put64(&f, 0x3000 + 16, 0xa00000ull | PTE_PS | PTE_P);
    CHECK_EQ(walk(&f, &ps, 0xffff800000412345ull, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0xa12345);
    /* PS in a PML4E is reserved. */
    put64(&f, 0x1000 + 257 * 8, 0x2000 | PTE_PS | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0xffff808000000000ull, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    /* Address bits above MAXPHYADDR at an upper level; below it they address a table. */
    phys_map_add_ram(f.m, "high", 1ull << 38, 0x4000, NULL, 0);
    put64(&f, 0x1000 + 258 * 8, (1ull << 38) | 0x2000 | PTE_P);
    CHECK_EQ(fault_of(&f, &ps, 0xffff810000000000ull, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    f.maxphyaddr = 40;
    CHECK_EQ(fault_of(&f, &ps, 0xffff810000000000ull, MEM_READ, &sup), 0); /* zero table */
    phys_map_free(f.m);
}

static void test_walker_4level_xd_at_upper_level(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_4level(&f);
    put64(&f, 0x2000, 0x3000 | PTE_P | PTE_RW | PTE_US | PTE_XD);
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, GVA_HIGH, MEM_READ, &sup, &r), 0);
    CHECK(!r.is_executable);
    CHECK_EQ(fault_of(&f, &ps, GVA_HIGH, MEM_FETCH, &sup), PF_ERR_P | PF_ERR_ID);
    ps.efer &= ~PAGING_EFER_NXE;
    CHECK_EQ(fault_of(&f, &ps, GVA_HIGH, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    phys_map_free(f.m);
}

static void test_walker_5level_translation(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_4level(&f);
    /* PML5 at 0xa000: entry 256 (gva bits 56:48 = 0x100) -> the PML4 at 0x1000. */
    put64(&f, 0xa000 + 256 * 8, 0x1000 | PTE_P | PTE_RW | PTE_US);
    ps.cr3 = 0xa000;
    ps.cr4 |= PAGING_CR4_LA57;
    CHECK_EQ(paging_mode(&ps), PAGING_MODE_5LEVEL);
    PagingResult r;
    CHECK_EQ(
        walk(&f, &ps, 0xff00000000000000ull | (GVA_HIGH & 0xffffffffffffull), MEM_READ, &sup, &r),
        0);
    CHECK_EQ(r.gpa, 0x9abc);
    CHECK_EQ(r.table_count, 5);
    phys_map_free(f.m);
}

static void test_walker_no_paging_and_a20(void)
{
    Fixture f = fixture_new();
    PagingState ps = {0};
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x123456789ull, MEM_WRITE, &user, &r), 0);
    CHECK_EQ(r.gpa, 0x23456789);
    phys_map_set_a20(f.m, false);
    CHECK_EQ(walk(&f, &ps, 0x101234, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x1234);
    /* With A20 masked, the page tables themselves are read at masked addresses. */
    ps = setup_32bit(&f);
    ps.cr3 = 0x101000;
    CHECK_EQ(walk(&f, &ps, 0x5000, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.table_gpa[0], 0x1000);
    phys_map_set_a20(f.m, true);
    CHECK_EQ(fault_of(&f, &ps, 0x5000, MEM_READ, &sup), 0); /* 0x101000 holds zeroes */
    phys_map_free(f.m);
}

typedef struct Retarget {
    Fixture *f;
    unsigned calls;
} Retarget;

/* Rewrites the PTE the walker is about to mark accessed, as another CPU could. */
static void retarget_hook(void *opaque, uint64_t gpa, unsigned len)
{
    Retarget *rt = opaque;
    if (rt->calls++ == 0) {
        put32(rt->f, 0x2000 + 5 * 4, 0x9000 | PTE_P | PTE_RW | PTE_US);
    }
}

static void test_walker_restarts_when_entry_changes(void)
{
    Fixture f = fixture_new();
    PagingState ps = setup_32bit(&f);
    put32(&f, 0x1000, get32(&f, 0x1000) | PTE_A); /* only the PTE needs an update */
    Retarget rt = {&f, 0};
    phys_map_set_code_write_hook(f.m, retarget_hook, &rt);
    phys_map_set_code_page(f.m, 0x2000, true);
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x5010, MEM_READ, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x9010); /* the compare-and-exchange failed, the walk started over */
    CHECK(get32(&f, 0x2014) & PTE_A);
    CHECK_EQ(rt.calls, 2);
    phys_map_free(f.m);
}

static void test_walker_tables_outside_ram(void)
{
    Fixture f = fixture_new();
    MemRegion *rom = phys_map_add_rom(f.m, "rom", 0x2000000, 0x2000, 0);
    uint8_t *host = phys_region_host_ptr(rom);
    st_le32(host, 0x2001000 | PTE_P | PTE_RW);
    st_le32(host + 0x1000 + 4, 0x5000 | PTE_P | PTE_RW);
    PagingState ps = {.cr0 = CR0_PG | 1, .cr3 = 0x2000000};
    PagingResult r;
    CHECK_EQ(walk(&f, &ps, 0x1000, MEM_WRITE, &sup, &r), 0);
    CHECK_EQ(r.gpa, 0x5000);
    CHECK(r.has_non_ram_table);
    CHECK_EQ(ld_le32(host + 0x1004) & PTE_A, 0); /* A/D to ROM are dropped */
    /* CR3 in unassigned space: the all-ones PDE maps a 4 MiB page with reserved bits set. */
    ps.cr3 = 0x8000000;
    ps.cr4 = PAGING_CR4_PSE;
    CHECK_EQ(fault_of(&f, &ps, 0x1000, MEM_READ, &sup), PF_ERR_P | PF_ERR_RSVD);
    phys_map_free(f.m);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_walker_32bit_translation_and_ad_bits),
    CHECK_TEST(test_walker_32bit_not_present_error_codes),
    CHECK_TEST(test_walker_32bit_protection_error_codes),
    CHECK_TEST(test_walker_32bit_4mib_pages_and_pse36),
    CHECK_TEST(test_walker_smep_and_smap),
    CHECK_TEST(test_walker_pae_translation),
    CHECK_TEST(test_walker_pae_nx_and_reserved_bits),
    CHECK_TEST(test_walker_pae_pdpte_load_reserved_bits),
    CHECK_TEST(test_walker_4level_translation),
    CHECK_TEST(test_walker_4level_large_pages_and_reserved),
    CHECK_TEST(test_walker_4level_xd_at_upper_level),
    CHECK_TEST(test_walker_5level_translation),
    CHECK_TEST(test_walker_no_paging_and_a20),
    CHECK_TEST(test_walker_restarts_when_entry_changes),
    CHECK_TEST(test_walker_tables_outside_ram),
    {0},
};

int main(int argc, char **argv)
{
    log_set_mask(0);
    return check_run_tests(argc, argv, tests);
}
