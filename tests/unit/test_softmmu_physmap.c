/*
 * Tests of softmmu/physmap.c, phys_access.c, phys_track.c and io_ops.c: region lookup and
 * overlap, aliases, ROM, unassigned space, MMIO width fitting (against a recording device),
 * accesses across pages and regions, A20, dirty logs and the code-write hook.
 */
#include <errno.h>

#include "check.h"
#include "softmmu/memory.h"
#include "util/log.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)

typedef struct Access {
    bool is_write;
    uint64_t offset;
    uint64_t value;
    unsigned size;
} Access;

/* A device that records every access and backs its registers with a byte array. */
typedef struct FakeDev {
    Access log[64];
    unsigned count;
    uint8_t regs[0x2000];
} FakeDev;

static void record(FakeDev *d, bool is_write, uint64_t offset, uint64_t value, unsigned size)
{
    if (d->count < 64) {
        d->log[d->count++] = (Access){is_write, offset, value, size};
    }
}

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(offset + i) % sizeof(d->regs)] << (8 * i);
    }
    record(d, false, offset, v, size);
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FakeDev *d = opaque;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(offset + i) % sizeof(d->regs)] = (uint8_t)(value >> (8 * i));
    }
    record(d, true, offset, value, size);
}

static const IoOps ops_byte = {fake_read, fake_write, 1, 1};
static const IoOps ops_dword = {fake_read, fake_write, 4, 4};
static const IoOps ops_any = {fake_read, fake_write, 1, 8};
static const IoOps ops_2_to_8 = {fake_read, fake_write, 2, 8};

static void test_physmap_ram_lookup(void)
{
    PhysMap *m = phys_map_new(36);
    MemRegion *ram = phys_map_add_ram(m, "ram", 0, 1 * MIB, NULL, 0);
    CHECK(ram != NULL);
    uint8_t *host = phys_region_host_ptr(ram);
    PhysPage pg = phys_map_page(m, 0x5123);
    CHECK_EQ(pg.kind, PHYS_PAGE_RAM);
    CHECK(pg.hva == host + 0x5000);
    CHECK(pg.region == ram);
    CHECK_EQ(pg.offset, 0x5000);
    phys_st32(m, 0x5124, 0xdeadbeef);
    CHECK_EQ(host[0x5124], 0xef);
    CHECK_EQ(host[0x5127], 0xde);
    CHECK_EQ(phys_ld32(m, 0x5124), 0xdeadbeef);
    CHECK_EQ(phys_map_page(m, 1 * MIB).kind, PHYS_PAGE_UNASSIGNED);
    CHECK(phys_map_range_is_ram(m, 0, 1 * MIB));
    CHECK(!phys_map_range_is_ram(m, 1 * MIB - 4, 8));
    phys_map_free(m);
}

static void test_physmap_unassigned_reads_all_ones(void)
{
    PhysMap *m = phys_map_new(36);
    phys_map_add_ram(m, "ram", 0, 64 * KIB, NULL, 0);
    CHECK_EQ(phys_ld8(m, 0x100000), 0xff);
    CHECK_EQ(phys_ld16(m, 0x100000), 0xffff);
    CHECK_EQ(phys_ld32(m, 0x100000), 0xffffffffu);
    CHECK_EQ(phys_ld64(m, 0x100000), ~0ull);
    phys_st32(m, 0x100000, 0); /* ignored */
    CHECK_EQ(phys_ld32(m, 0x100000), 0xffffffffu);
    /* Beyond 2^phys_bits, and at the very top of the 64-bit space. */
    CHECK_EQ(phys_ld64(m, 1ull << 36), ~0ull);
    CHECK_EQ(phys_ld64(m, ~0ull - 3), ~0ull);
    phys_st64(m, ~0ull - 3, 0);
    /* A load straddling RAM's end: low bytes from RAM, high bytes all-ones. */
    phys_st16(m, 64 * KIB - 2, 0x1234);
    CHECK_EQ(phys_ld32(m, 64 * KIB - 2), 0xffff1234u);
    phys_map_free(m);
}

static void test_physmap_overlap_priority(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    MemRegion *ram = phys_map_add_ram(m, "ram", 0, 64 * KIB, NULL, 0);
    MemRegion *mmio = phys_map_add_mmio(m, "dev", 0x4000, 0x1000, &ops_any, &dev, 1);
    CHECK_EQ(phys_map_page(m, 0x4000).kind, PHYS_PAGE_MMIO);
    /* A later region of lower priority does not cover the MMIO window. */
    MemRegion *ram2 = phys_map_add_ram(m, "ram2", 0, 64 * KIB, NULL, 0);
    CHECK_EQ(phys_map_page(m, 0x4000).kind, PHYS_PAGE_MMIO);
    /* Equal priority: the later registration wins. */
    CHECK(phys_map_page(m, 0x3000).region == ram2);
    phys_map_set_region_enabled(m, ram2, false);
    CHECK(phys_map_page(m, 0x3000).region == ram);
    /* Re-enabling counts as a newer registration. */
    phys_map_set_region_enabled(m, ram2, true);
    CHECK(phys_map_page(m, 0x3000).region == ram2);
    CHECK_EQ(phys_map_remove_region(m, ram2), 0);
    CHECK(phys_map_page(m, 0x3000).region == ram);
    phys_map_set_region_enabled(m, mmio, false);
    CHECK(phys_map_page(m, 0x4000).region == ram);
    phys_map_set_region_enabled(m, mmio, true);
    /* A BAR move: the old window shows RAM again, the new one the device. */
    CHECK_EQ(phys_map_move_region(m, mmio, 0x8000), 0);
    CHECK(phys_map_page(m, 0x4000).region == ram);
    CHECK(phys_map_page(m, 0x8000).region == mmio);
    phys_st8(m, 0x8010, 0x5a);
    CHECK_EQ(dev.count, 1);
    CHECK_EQ(dev.log[0].offset, 0x10);
    CHECK_EQ(phys_map_move_region(m, mmio, 1ull << 36), -EINVAL);
    phys_map_free(m);
}

static void test_physmap_alias_window(void)
{
    PhysMap *m = phys_map_new(36);
    MemRegion *block = phys_map_add_ram(m, "block", 0, 1 * MIB, NULL, 0);
    phys_map_set_region_enabled(m, block, false);
    uint8_t *host = phys_region_host_ptr(block);
    MemRegion *alias = phys_map_add_alias(m, "low", 0x100000, 0x4000, block, 0x2000, 0);
    CHECK(alias != NULL);
    CHECK_EQ(phys_map_page(m, 0).kind, PHYS_PAGE_UNASSIGNED);
    phys_st32(m, 0x100004, 0x11223344);
    CHECK_EQ(host[0x2004], 0x44);
    PhysPage pg = phys_map_page(m, 0x101000);
    CHECK(pg.region == block);
    CHECK_EQ(pg.offset, 0x3000);
    /* An alias of the alias resolves to the block. */
    MemRegion *alias2 = phys_map_add_alias(m, "again", 0x200000, 0x1000, alias, 0x1000, 0);
    CHECK(alias2 != NULL);
    CHECK(phys_map_page(m, 0x200000).region == block);
    CHECK_EQ(phys_map_page(m, 0x200000).offset, 0x3000);
    /* Windows outside the target or not page-aligned over RAM are refused. */
    CHECK(phys_map_add_alias(m, "bad", 0x300000, 0x2000, block, 1 * MIB - 0x1000, 0) == NULL);
    CHECK(phys_map_add_alias(m, "bad", 0x300000, 0x1000, block, 0x800, 0) == NULL);
    CHECK_EQ(phys_map_remove_region(m, block), -EBUSY);
    CHECK_EQ(phys_map_remove_region(m, alias2), 0);
    CHECK_EQ(phys_map_remove_region(m, alias), 0);
    CHECK_EQ(phys_map_remove_region(m, block), 0);
    phys_map_free(m);
}

static void test_physmap_rom_write_ignored(void)
{
    PhysMap *m = phys_map_new(36);
    MemRegion *rom = phys_map_add_rom(m, "bios", 0xf0000, 64 * KIB, 0);
    uint8_t *host = phys_region_host_ptr(rom);
    host[0x10] = 0x90;
    CHECK_EQ(phys_map_page(m, 0xf0000).kind, PHYS_PAGE_ROM);
    phys_st8(m, 0xf0010, 0xcc);
    CHECK_EQ(phys_ld8(m, 0xf0010), 0x90);
    /* Read-only RAM (PAM "read DRAM, write PCI") behaves as ROM until made writable. */
    MemRegion *ram = phys_map_add_ram(m, "ram", 0, 64 * KIB, NULL, 0);
    MemRegion *shadow = phys_map_add_alias(m, "shadow", 0x20000, 0x1000, ram, 0, 0);
    phys_map_set_region_readonly(m, shadow, true);
    CHECK_EQ(phys_map_page(m, 0x20000).kind, PHYS_PAGE_ROM);
    phys_st8(m, 0x20000, 1);
    CHECK_EQ(phys_ld8(m, 0), 0);
    phys_map_set_region_readonly(m, shadow, false);
    phys_st8(m, 0x20000, 1);
    CHECK_EQ(phys_ld8(m, 0), 1);
    phys_map_free(m);
}

static void test_physmap_mmio_byte_device_split(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    phys_map_add_mmio(m, "bytes", 0x10000, 0x100, &ops_byte, &dev, 0);
    phys_st32(m, 0x10010, 0x44332211);
    CHECK_EQ(dev.count, 4);
    for (unsigned i = 0; i < 4; i++) {
        CHECK(dev.log[i].is_write);
        CHECK_EQ(dev.log[i].offset, 0x10 + i);
        CHECK_EQ(dev.log[i].size, 1);
        CHECK_EQ(dev.log[i].value, 0x11 * (i + 1));
    }
    dev.count = 0;
    CHECK_EQ(phys_ld16(m, 0x10011), 0x3322);
    CHECK_EQ(dev.count, 2);
    CHECK_EQ(dev.log[0].offset, 0x11);
    CHECK_EQ(dev.log[1].offset, 0x12);
    phys_map_free(m);
}

static void test_physmap_mmio_narrow_access_filtered(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    dev.regs[0] = 0x12;
    phys_map_add_mmio(m, "dwords", 0x10000, 0x100, &ops_dword, &dev, 0);
    CHECK_EQ(phys_ld8(m, 0x10000), 0xff); /* narrower than min_size: all-ones */
    phys_st16(m, 0x10000, 0xbeef);        /* dropped */
    CHECK_EQ(dev.count, 0);
    CHECK_EQ(dev.regs[0], 0x12);
    /* Wider than max_size: two dword accesses at increasing offsets. */
    phys_st64(m, 0x10008, 0x8877665544332211ull);
    CHECK_EQ(dev.count, 2);
    CHECK_EQ(dev.log[0].offset, 8);
    CHECK_EQ(dev.log[0].size, 4);
    CHECK_EQ(dev.log[0].value, 0x44332211);
    CHECK_EQ(dev.log[1].offset, 12);
    CHECK_EQ(dev.log[1].value, 0x88776655);
    CHECK_EQ(phys_ld64(m, 0x10008), 0x8877665544332211ull);
    phys_map_free(m);
}

static void test_physmap_mmio_ten_byte_access(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    phys_map_add_mmio(m, "wide", 0x10000, 0x100, &ops_2_to_8, &dev, 0);
    uint8_t in[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out[10];
    phys_write(m, 0x10020, in, sizeof(in));
    CHECK_EQ(dev.count, 2);
    CHECK_EQ(dev.log[0].size, 8);
    CHECK_EQ(dev.log[1].size, 2);
    CHECK_EQ(dev.log[1].offset, 0x28);
    phys_read(m, 0x10020, out, sizeof(out));
    CHECK_MEM_EQ(in, out, sizeof(in));
    phys_map_free(m);
}

static void test_physmap_mmio_alias_offsets(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    MemRegion *mmio = phys_map_add_mmio(m, "dev", 0xfe000000ull, 0x2000, &ops_any, &dev, 0);
    phys_map_add_alias(m, "dev-alias", 0xa0000, 0x100, mmio, 0x1f00, 0);
    phys_st8(m, 0xa0004, 7);
    CHECK_EQ(dev.count, 1);
    CHECK_EQ(dev.log[0].offset, 0x1f04);
    phys_map_free(m);
}

static void test_physmap_subpage_regions(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev a = {0}, b = {0};
    phys_map_add_mmio(m, "a", 0x1000, 0x100, &ops_any, &a, 0);
    phys_map_add_mmio(m, "b", 0x1200, 0x100, &ops_any, &b, 0);
    CHECK_EQ(phys_map_page(m, 0x1000).kind, PHYS_PAGE_MIXED);
    uint8_t buf[0x200];
    memset(buf, 0x33, sizeof(buf));
    phys_write(m, 0x10f8, buf, 0x110); /* a: 8 bytes, gap 0x100, b: 8 bytes */
    unsigned a_bytes = 0, b_bytes = 0;
    for (unsigned i = 0; i < a.count; i++) {
        a_bytes += a.log[i].size;
        CHECK(a.log[i].offset >= 0xf8 && a.log[i].offset < 0x100);
    }
    for (unsigned i = 0; i < b.count; i++) {
        b_bytes += b.log[i].size;
        CHECK(b.log[i].offset < 8);
    }
    CHECK_EQ(a_bytes, 8);
    CHECK_EQ(b_bytes, 8);
    phys_read(m, 0x10f8, buf, 0x110);
    CHECK_EQ(buf[0], 0x33);
    CHECK_EQ(buf[8], 0xff); /* the gap is unassigned */
    CHECK_EQ(buf[0x10f], 0x33);
    /* A whole-page region painted over the mixed page replaces it. */
    MemRegion *ram = phys_map_add_ram(m, "ram", 0, 0x4000, NULL, 1);
    CHECK_EQ(phys_map_page(m, 0x1000).kind, PHYS_PAGE_RAM);
    phys_map_remove_region(m, ram);
    CHECK_EQ(phys_map_page(m, 0x1000).kind, PHYS_PAGE_MIXED);
    phys_map_free(m);
}

static void test_phys_access_crosses_pages_and_regions(void)
{
    PhysMap *m = phys_map_new(36);
    FakeDev dev = {0};
    MemRegion *r1 = phys_map_add_ram(m, "r1", 0, 0x2000, NULL, 0);
    MemRegion *r2 = phys_map_add_ram(m, "r2", 0x2000, 0x1000, NULL, 0);
    phys_map_add_mmio(m, "dev", 0x3000, 0x10, &ops_any, &dev, 0);
    uint8_t in[0x1020], out[0x1020];
    for (unsigned i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 7 + 1);
    }
    /* 0x1ff0..0x3010: the end of r1's second page, all of r2, 16 bytes of MMIO. */
    phys_write(m, 0x1ff0, in, sizeof(in));
    CHECK_MEM_EQ(phys_region_host_ptr(r1) + 0x1ff0, in, 0x10);
    CHECK_MEM_EQ(phys_region_host_ptr(r2), in + 0x10, 0x1000);
    CHECK_MEM_EQ(dev.regs, in + 0x1010, 0x10);
    phys_read(m, 0x1ff0, out, sizeof(out));
    CHECK_MEM_EQ(in, out, sizeof(in));
    /* An 8-byte load across the r1/r2 boundary. */
    CHECK_EQ(phys_ld64(m, 0x1ffc), (uint64_t)in[0xc] | (uint64_t)in[0xd] << 8 |
                                       (uint64_t)in[0xe] << 16 | (uint64_t)in[0xf] << 24 |
                                       (uint64_t)in[0x10] << 32 | (uint64_t)in[0x11] << 40 |
                                       (uint64_t)in[0x12] << 48 | (uint64_t)in[0x13] << 56);
    phys_map_free(m);
}

static void test_physmap_a20_mask_cpu_side_only(void)
{
    PhysMap *m = phys_map_new(36);
    phys_map_add_ram(m, "ram", 0, 2 * MIB, NULL, 0);
    CHECK(phys_map_a20_enabled(m));
    CHECK_EQ(phys_map_a20_mask(m), ~0ull);
    phys_map_set_a20(m, false);
    CHECK(!phys_map_a20_enabled(m));
    CHECK_EQ(phys_map_a20_mask(m), ~(1ull << 20));
    /* DMA is not masked: 1 MiB and 0 stay distinct. */
    phys_st8(m, 0x100000, 0xaa);
    CHECK_EQ(phys_ld8(m, 0), 0);
    CHECK_EQ(phys_ld8(m, 0x100000), 0xaa);
    phys_map_free(m);
}

static void test_physmap_bad_regions_refused(void)
{
    CHECK(phys_map_new(31) == NULL);
    CHECK(phys_map_new(53) == NULL);
    PhysMap *m = phys_map_new(32);
    CHECK(phys_map_add_ram(m, "odd", 0x800, 0x1000, NULL, 0) == NULL);
    CHECK(phys_map_add_ram(m, "odd", 0, 0x1800, NULL, 0) == NULL);
    CHECK(phys_map_add_ram(m, "big", 0xfffff000u, 0x2000, NULL, 0) == NULL);
    CHECK(phys_map_add_ram(m, "empty", 0, 0, NULL, 0) == NULL);
    CHECK(phys_map_add_mmio(m, "noops", 0, 0x10, NULL, NULL, 0) == NULL);
    CHECK(phys_map_add_mmio(m, "top", 0xfffffff0u, 0x10, &ops_any, NULL, 0) != NULL);
    phys_map_free(m);
    /* The widest space, with a region near its top. */
    m = phys_map_new(52);
    FakeDev dev = {0};
    CHECK(phys_map_add_mmio(m, "high", (1ull << 52) - 0x1000, 0x1000, &ops_any, &dev, 0) != NULL);
    phys_st8(m, (1ull << 52) - 1, 9);
    CHECK_EQ(dev.regs[0xfff], 9);
    phys_map_free(m);
}

static void test_dirty_log_per_client(void)
{
    PhysMap *m = phys_map_new(36);
    phys_map_add_ram(m, "ram", 0, 64 * KIB, NULL, 0);
    uint8_t bits[2];
    /* Pages start dirty for every client. */
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_VGA, 0, 64 * KIB, bits), 16);
    CHECK_EQ(bits[0], 0xff);
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_VGA, 0, 64 * KIB, bits), 0);
    phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_CODE, 0, 64 * KIB, NULL);
    phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_MIGRATION, 0, 64 * KIB, NULL);
    phys_st8(m, 0x3001, 1);
    phys_st16(m, 0x9fff, 1); /* touches pages 9 and 10 */
    CHECK(phys_map_dirty_test(m, DIRTY_CLIENT_VGA, 0x3000));
    CHECK(!phys_map_dirty_test(m, DIRTY_CLIENT_VGA, 0x4000));
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_VGA, 0, 64 * KIB, bits), 3);
    CHECK_EQ(bits[0], 1u << 3);
    CHECK_EQ(bits[1], (1u << 1) | (1u << 2));
    /* Each client has its own bit: the others still see the writes. */
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_VGA, 0, 64 * KIB, bits), 0);
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_MIGRATION, 0x3000, 0x1000, bits), 1);
    CHECK_EQ(bits[0], 1);
    CHECK(phys_map_dirty_test(m, DIRTY_CLIENT_CODE, 0xa000));
    /* A sub-range bitmap counts from its first page. */
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_CODE, 0x9000, 0x2000, bits), 2);
    CHECK_EQ(bits[0], 3);
    /* Non-RAM is never dirty; an out-of-range client is refused. */
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_VGA, 1 * MIB, 0x4000, bits), 0);
    CHECK_EQ(phys_map_dirty_get_and_clear(m, DIRTY_CLIENT_COUNT, 0, 0x1000, bits), 0);
    phys_map_free(m);
}

typedef struct HookLog {
    PhysMap *m;
    const uint8_t *host;
    unsigned calls;
    uint64_t gpa;
    unsigned len;
    uint8_t seen; /* memory at the written byte when the hook ran */
    bool unmark;
} HookLog;

static void code_hook(void *opaque, uint64_t gpa, unsigned len)
{
    HookLog *h = opaque;
    h->calls++;
    h->gpa = gpa;
    h->len = len;
    h->seen = h->host[gpa];
    if (h->unmark) {
        phys_map_set_code_page(h->m, gpa, false);
    }
}

static void test_code_write_hook_runs_before_write(void)
{
    PhysMap *m = phys_map_new(36);
    MemRegion *ram = phys_map_add_ram(m, "ram", 0, 64 * KIB, NULL, 0);
    HookLog h = {m, phys_region_host_ptr(ram), 0, 0, 0, 0, false};
    phys_map_set_code_write_hook(m, code_hook, &h);
    phys_st8(m, 0x5000, 0x11);
    phys_map_set_code_page(m, 0x5000, true);
    CHECK(phys_map_is_code_page(m, 0x5abc));
    CHECK(!phys_map_is_code_page(m, 0x6000));
    CHECK(!phys_map_page(m, 0x5000).is_write_fast);
    phys_st8(m, 0x5000, 0x22);
    CHECK_EQ(h.calls, 1);
    CHECK_EQ(h.gpa, 0x5000);
    CHECK_EQ(h.len, 1);
    CHECK_EQ(h.seen, 0x11); /* the hook saw the old byte */
    CHECK_EQ(phys_ld8(m, 0x5000), 0x22);
    /* A write spanning two pages reports only the code page's part. */
    uint8_t buf[16] = {0};
    phys_write(m, 0x4ff8, buf, sizeof(buf));
    CHECK_EQ(h.calls, 2);
    CHECK_EQ(h.gpa, 0x5000);
    CHECK_EQ(h.len, 8);
    /* The hook may unmark the page; later writes do not call it. */
    h.unmark = true;
    phys_st8(m, 0x5001, 0x33);
    CHECK_EQ(h.calls, 3);
    CHECK(!phys_map_is_code_page(m, 0x5000));
    phys_st8(m, 0x5001, 0x44);
    CHECK_EQ(h.calls, 3);
    phys_map_free(m);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_physmap_ram_lookup),
    CHECK_TEST(test_physmap_unassigned_reads_all_ones),
    CHECK_TEST(test_physmap_overlap_priority),
    CHECK_TEST(test_physmap_alias_window),
    CHECK_TEST(test_physmap_rom_write_ignored),
    CHECK_TEST(test_physmap_mmio_byte_device_split),
    CHECK_TEST(test_physmap_mmio_narrow_access_filtered),
    CHECK_TEST(test_physmap_mmio_ten_byte_access),
    CHECK_TEST(test_physmap_mmio_alias_offsets),
    CHECK_TEST(test_physmap_subpage_regions),
    CHECK_TEST(test_phys_access_crosses_pages_and_regions),
    CHECK_TEST(test_physmap_a20_mask_cpu_side_only),
    CHECK_TEST(test_physmap_bad_regions_refused),
    CHECK_TEST(test_dirty_log_per_client),
    CHECK_TEST(test_code_write_hook_runs_before_write),
    {0},
};

int main(int argc, char **argv)
{
    log_set_mask(0); /* the guest errors these tests provoke on purpose stay quiet */
    return check_run_tests(argc, argv, tests);
}
