/*
 * IN/OUT, INS/OUTS and the I/O protection check (cpu/exec_io.c, cpu/exec_string.c) against a
 * fake port device that records every access. Expected behaviour from SDM Vol. 2A "IN", "INS",
 * Vol. 2B "OUT", "OUTS" and Vol. 1 §19.5 (IOPL, the TSS I/O permission bitmap).
 */
#include "check.h"
#include "cpu_fixture.h"

#include "util/endian.h"

#define CODE_ADDR 0x10000
#define DEV_PORT 0x80
#define DEV_PORTS 16
#define TSS_ADDR 0x9000
#define TSS_MAP_OFFSET 0x68
#define TSS_MAP_BYTES 0x20 /* ports 0-FFh, then one all-ones byte */

typedef struct Access {
    bool is_write;
    uint64_t offset;
    uint64_t value;
    unsigned size;
} Access;

/* A device whose reads pop a FIFO: each returns next_value, which then moves on. */
typedef struct FakeDevice {
    Access log[64];
    unsigned count;
    unsigned reads;
    uint64_t next_value;
} FakeDevice;

static Fixture fx;
static FakeDevice dev;

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakeDevice *d = opaque;
    uint64_t v = d->next_value & ((1ull << (8 * size)) - 1);
    d->next_value += 0x01010101;
    d->reads++;
    if (d->count < 64) {
        d->log[d->count++] = (Access){false, offset, v, size};
    }
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FakeDevice *d = opaque;
    if (d->count < 64) {
        d->log[d->count++] = (Access){true, offset, value, size};
    }
}

static const IoOps fake_ops = {fake_read, fake_write, 1, 4};

static void check_access(unsigned i, bool is_write, uint64_t offset, uint64_t value, unsigned size)
{
    CHECK(i < dev.count);
    if (i >= dev.count) {
        return;
    }
    CHECK_EQ(dev.log[i].is_write, is_write);
    CHECK_EQ(dev.log[i].offset, offset);
    CHECK_EQ(dev.log[i].value, value);
    CHECK_EQ(dev.log[i].size, size);
}

static void setup(FixtureMode mode, unsigned cpl, const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    memset(&dev, 0, sizeof(dev));
    dev.next_value = 0x44332211;
    CHECK_EQ(port_space_register(fx.ports, DEV_PORT, DEV_PORTS, &fake_ops, &dev), 0);
    fixture_set_mode(&fx, mode, cpl);
    fixture_write(&fx, CODE_ADDR, code, len);
    fx.cpu.rip = CODE_ADDR;
    fx.cpu.regs[R_SP] = 0x80000;
}

/*
 * A 32-bit TSS at TSS_ADDR whose bitmap denies every port but 80h and 84h-87h, ending with the
 * all-ones byte, and TR caching it (type 11: busy 32-bit TSS).
 */
static void install_tss(unsigned type)
{
    uint8_t tss[TSS_MAP_OFFSET + TSS_MAP_BYTES + 1];
    memset(tss, 0, sizeof(tss));
    st_le16(tss + 0x66, TSS_MAP_OFFSET);
    memset(tss + TSS_MAP_OFFSET, 0xff, TSS_MAP_BYTES + 1);
    tss[TSS_MAP_OFFSET + DEV_PORT / 8] = 0x0e; /* 80h and 84h-87h allowed */
    fixture_write(&fx, TSS_ADDR, tss, sizeof(tss));
    fx.cpu.tr = (SegmentCache){.base = TSS_ADDR,
                               .limit = sizeof(tss) - 1,
                               .selector = 0x38,
                               .attr = (uint16_t)(SEG_ATTR_P | type)};
}

static void set_iopl(unsigned iopl)
{
    uint64_t f = cpu_get_rflags(&fx.cpu) & ~(uint64_t)FLAG_IOPL;
    cpu_set_rflags(&fx.cpu, f | ((uint64_t)iopl << 12));
}

static void test_cpu_io_out_forms(void)
{
    /* mov al, 5ah; out 80h, al; mov dx, 84h; mov eax, 12345678h; out dx, eax;
     * mov ax, 0beefh; out dx, ax; hlt */
    const uint8_t code[] = {0xb0, 0x5a, 0xe6, 0x80, 0x66, 0xba, 0x84, 0x00, 0xb8, 0x78, 0x56,
                            0x34, 0x12, 0xef, 0x66, 0xb8, 0xef, 0xbe, 0x66, 0xef, 0xf4};
    setup(FIXTURE_LONG64, 0, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(dev.count, 3);
    check_access(0, true, 0, 0x5a, 1);
    check_access(1, true, 4, 0x12345678, 4);
    check_access(2, true, 4, 0xbeef, 2);
    fixture_destroy(&fx);
}

/* IN AL keeps the rest of RAX; IN EAX zero-extends into RAX; IN AX keeps bits 16-63. */
static void test_cpu_io_in_forms(void)
{
    /* in al, 81h; mov dx, 88h; in eax, dx; in ax, dx; hlt */
    const uint8_t code[] = {0xe4, 0x81, 0x66, 0xba, 0x88, 0x00, 0xed, 0x66, 0xed, 0xf4};
    setup(FIXTURE_LONG64, 0, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0xffffffffffffff00ull;
    CHECK_EQ(fixture_run(&fx, CODE_ADDR + 2, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(fx.cpu.regs[R_AX], 0xffffffffffffff11ull);
    CHECK_EQ(fixture_run(&fx, CODE_ADDR + 7, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(fx.cpu.regs[R_AX], 0x45342312);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX], 0x45342413);
    CHECK_EQ(dev.count, 3);
    check_access(0, false, 1, 0x11, 1);
    check_access(1, false, 8, 0x45342312, 4);
    check_access(2, false, 8, 0x2413, 2);
    fixture_destroy(&fx);
}

/* Runs `code` at CPL 3 in flat 32-bit mode with the bitmap TSS until stop_rip or a #GP. */
static CpuExit run_user(const uint8_t *code, unsigned len, unsigned iopl, unsigned tss_type)
{
    setup(FIXTURE_FLAT32, 3, code, len);
    install_tss(tss_type);
    set_iopl(iopl);
    fx.cpu.exception_intercept = 1u << EXC_GP;
    return fixture_run(&fx, CODE_ADDR + len, 100);
}

static void test_cpu_io_bitmap_allows_then_denies(void)
{
    /* out 80h, al (allowed); out 81h, al (denied) */
    const uint8_t code[] = {0xe6, 0x80, 0xe6, 0x81};
    CHECK_EQ(run_user(code, sizeof(code), 0, 11), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_GP);
    CHECK_EQ(fx.cpu.intercepted.error_code, 0);
    CHECK_EQ(fx.cpu.rip, CODE_ADDR + 2);
    CHECK_EQ(dev.count, 1);
    check_access(0, true, 0, 0, 1);
    fixture_destroy(&fx);
}

/* A dword at 80h also needs the bits of ports 81h-83h: denied, nothing reaches the device. */
static void test_cpu_io_bitmap_checks_every_port_of_access(void)
{
    const uint8_t code[] = {0xe5, 0x80}; /* in eax, 80h */
    CHECK_EQ(run_user(code, sizeof(code), 0, 11), CPU_EXIT_EXCEPTION);
    CHECK_EQ(dev.count, 0);
    CHECK_EQ(fx.cpu.rip, CODE_ADDR);
    fixture_destroy(&fx);
}

static void test_cpu_io_bitmap_allows_dword_range(void)
{
    const uint8_t code[] = {0x66, 0xba, 0x84, 0x00, 0xed}; /* mov dx, 84h; in eax, dx */
    CHECK_EQ(run_user(code, sizeof(code), 0, 11), CPU_EXIT_REQUEST);
    CHECK_EQ(dev.count, 1);
    CHECK_EQ(fx.cpu.regs[R_AX], 0x44332211);
    fixture_destroy(&fx);
}

/* Port 100h's bits would be past the TSS limit: denied like a set bit. */
static void test_cpu_io_bitmap_beyond_limit_denies(void)
{
    const uint8_t code[] = {0x66, 0xba, 0x00, 0x01, 0xec}; /* mov dx, 100h; in al, dx */
    CHECK_EQ(run_user(code, sizeof(code), 0, 11), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.rip, CODE_ADDR + 4);
    fixture_destroy(&fx);
}

/* CPL <= IOPL skips the bitmap, even for a port it denies. */
static void test_cpu_io_iopl3_skips_bitmap(void)
{
    const uint8_t code[] = {0xe6, 0x81};
    CHECK_EQ(run_user(code, sizeof(code), 3, 11), CPU_EXIT_REQUEST);
    CHECK_EQ(dev.count, 1);
    fixture_destroy(&fx);
}

/* A 16-bit TSS has no bitmap: every port is denied above IOPL. */
static void test_cpu_io_16bit_tss_denies(void)
{
    const uint8_t code[] = {0xe6, 0x80};
    CHECK_EQ(run_user(code, sizeof(code), 0, 3), CPU_EXIT_EXCEPTION);
    CHECK_EQ(dev.count, 0);
    fixture_destroy(&fx);
}

/* Virtual-8086 mode consults the bitmap whatever IOPL is (SDM Vol. 2A "IN" Operation). */
static void test_cpu_io_v86_uses_bitmap_despite_iopl3(void)
{
    const uint8_t code[] = {0xe6, 0x80, 0xe6, 0x81}; /* out 80h, al; out 81h, al */
    setup(FIXTURE_FLAT32, 0, code, sizeof(code));
    install_tss(11);
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        fx.cpu.seg[i] =
            (SegmentCache){.base = 0,
                           .limit = 0xffff,
                           .selector = 0,
                           .attr = SEG_ATTR_P | SEG_ATTR_S | 3 | (3 << SEG_ATTR_DPL_SHIFT)};
    }
    fx.cpu.seg[SEG_CS].base = CODE_ADDR;
    fx.cpu.seg[SEG_CS].selector = CODE_ADDR >> 4;
    fx.cpu.rip = 0;
    cpu_set_rflags(&fx.cpu, cpu_get_rflags(&fx.cpu) | FLAG_VM | FLAG_IOPL);
    cpu_update_mode(&fx.cpu);
    CHECK_EQ(fx.cpu.cpl, 3);
    fx.cpu.exception_intercept = 1u << EXC_GP;
    CHECK_EQ(fixture_run(&fx, 4, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.rip, 2);
    CHECK_EQ(dev.count, 1);
    fixture_destroy(&fx);
}

/* Real mode has no I/O protection: TR is not looked at. */
static void test_cpu_io_real_mode_unchecked(void)
{
    const uint8_t code[] = {0xe6, 0x81, 0xf4};
    setup(FIXTURE_REAL, 0, code, sizeof(code));
    fx.cpu.seg[SEG_CS].base = CODE_ADDR;
    fx.cpu.rip = 0;
    fx.cpu.tr.attr = 0;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(dev.count, 1);
    fixture_destroy(&fx);
}

/*
 * REP INSB into ES with limit 20003h: four bytes land, the fifth iteration faults (#GP(0))
 * before its port read, so the device gave exactly four values and the guest can restart
 * without losing one.
 */
static void test_cpu_io_ins_fault_reads_no_port(void)
{
    const uint8_t code[] = {0xf3, 0x6c, 0xf4}; /* rep insb */
    setup(FIXTURE_FLAT32, 0, code, sizeof(code));
    fx.cpu.seg[SEG_ES].limit = 0x20003;
    fx.cpu.regs[R_DX] = DEV_PORT + 2;
    fx.cpu.regs[R_DI] = 0x20000;
    fx.cpu.regs[R_CX] = 8;
    fx.cpu.exception_intercept = 1u << EXC_GP;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(dev.reads, 4);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20004);
    CHECK_EQ(fx.cpu.regs[R_CX], 4);
    CHECK_EQ(fx.cpu.rip, CODE_ADDR);
    uint8_t got[5];
    fixture_read(&fx, 0x20000, got, 5);
    CHECK_MEM_EQ(got, "\x11\x12\x13\x14\x00", 5);
    fixture_destroy(&fx);
}

/* A single INSW whose destination is past the limit: no port read at all. */
static void test_cpu_io_ins_single_fault_reads_no_port(void)
{
    const uint8_t code[] = {0x66, 0x6d, 0xf4}; /* insw */
    setup(FIXTURE_FLAT32, 0, code, sizeof(code));
    fx.cpu.seg[SEG_ES].limit = 0x20000; /* the word's second byte is outside */
    fx.cpu.regs[R_DX] = DEV_PORT;
    fx.cpu.regs[R_DI] = 0x20000;
    fx.cpu.exception_intercept = 1u << EXC_GP;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(dev.reads, 0);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20000);
    fixture_destroy(&fx);
}

static void test_cpu_io_rep_insw_long_mode(void)
{
    const uint8_t code[] = {0x66, 0xf3, 0x6d, 0xf4}; /* rep insw */
    setup(FIXTURE_LONG64, 0, code, sizeof(code));
    fx.cpu.regs[R_DX] = DEV_PORT;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = 3;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t got[6];
    fixture_read(&fx, 0x30000, got, 6);
    CHECK_MEM_EQ(got, "\x11\x22\x12\x23\x13\x24", 6);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x30006);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    fixture_destroy(&fx);
}

/* REP OUTSW with DF = 1 sends the words from the top down, with a segment override. */
static void test_cpu_io_rep_outsw_backward(void)
{
    const uint8_t code[] = {0x66, 0x64, 0xf3, 0x6f, 0xf4}; /* rep outsw fs: */
    setup(FIXTURE_FLAT32, 0, code, sizeof(code));
    fx.cpu.seg[SEG_FS].base = 0x40000;
    fixture_write(&fx, 0x40000, "\x01\x02\x03\x04\x05\x06", 6);
    cpu_set_rflags(&fx.cpu, cpu_get_rflags(&fx.cpu) | FLAG_DF);
    fx.cpu.regs[R_DX] = DEV_PORT + 2;
    fx.cpu.regs[R_SI] = 4;
    fx.cpu.regs[R_CX] = 3;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(dev.count, 3);
    check_access(0, true, 2, 0x0605, 2);
    check_access(1, true, 2, 0x0403, 2);
    check_access(2, true, 2, 0x0201, 2);
    CHECK_EQ(fx.cpu.regs[R_SI], 0xfffffffe);
    fixture_destroy(&fx);
}

/* INS/OUTS are checked like IN/OUT: a denied port faults before any access. */
static void test_cpu_io_outs_denied_at_cpl3(void)
{
    /* mov dx, 81h; rep outsb */
    const uint8_t code[] = {0x66, 0xba, 0x81, 0x00, 0xf3, 0x6e};
    setup(FIXTURE_FLAT32, 3, code, sizeof(code));
    install_tss(11);
    fx.cpu.regs[R_CX] = 5;
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.exception_intercept = 1u << EXC_GP;
    CHECK_EQ(fixture_run(&fx, CODE_ADDR + sizeof(code), 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(dev.count, 0);
    CHECK_EQ(fx.cpu.regs[R_CX], 5);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20000);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_io_out_forms),
    CHECK_TEST(test_cpu_io_in_forms),
    CHECK_TEST(test_cpu_io_bitmap_allows_then_denies),
    CHECK_TEST(test_cpu_io_bitmap_checks_every_port_of_access),
    CHECK_TEST(test_cpu_io_bitmap_allows_dword_range),
    CHECK_TEST(test_cpu_io_bitmap_beyond_limit_denies),
    CHECK_TEST(test_cpu_io_iopl3_skips_bitmap),
    CHECK_TEST(test_cpu_io_16bit_tss_denies),
    CHECK_TEST(test_cpu_io_v86_uses_bitmap_despite_iopl3),
    CHECK_TEST(test_cpu_io_real_mode_unchecked),
    CHECK_TEST(test_cpu_io_ins_fault_reads_no_port),
    CHECK_TEST(test_cpu_io_ins_single_fault_reads_no_port),
    CHECK_TEST(test_cpu_io_rep_insw_long_mode),
    CHECK_TEST(test_cpu_io_rep_outsw_backward),
    CHECK_TEST(test_cpu_io_outs_denied_at_cpl3),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
