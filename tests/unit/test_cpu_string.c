/*
 * String instructions and their repeat prefixes (cpu/exec_string.c). Expected values follow
 * the SDM's definitions by hand: Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ" (count, termination, the
 * restartable iteration) and each instruction's "Operation" (element by element, DF picks the
 * direction, registers at the address size). Larger copies are checked against the SDM's
 * element-by-element operation written out in ref_movs().
 */
#include "check.h"
#include "cpu_fixture.h"

#include "util/endian.h"

static Fixture fx;

#define CODE_ADDR 0x10000

static void setup(FixtureMode mode, const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, mode, 0);
    fixture_write(&fx, CODE_ADDR, code, len);
    fx.cpu.rip = CODE_ADDR;
    fx.cpu.regs[R_SP] = 0x80000;
    if (mode == FIXTURE_REAL) {
        fx.cpu.seg[SEG_CS].base = CODE_ADDR;
        fx.cpu.seg[SEG_CS].selector = CODE_ADDR >> 4;
        fx.cpu.rip = 0;
        fx.cpu.regs[R_SP] = 0x8000;
    }
}

static void set_df(void)
{
    cpu_set_rflags(&fx.cpu, cpu_get_rflags(&fx.cpu) | FLAG_DF);
}

static uint8_t peek8(uint64_t gpa)
{
    uint8_t b;
    fixture_read(&fx, gpa, &b, 1);
    return b;
}

/* The SDM's MOVS "Operation", one element after the other, on a byte array. */
static void ref_movs(uint8_t *mem, uint64_t si, uint64_t di, uint64_t count, unsigned size,
                     bool is_backward)
{
    for (uint64_t k = 0; k < count; k++) {
        uint8_t tmp[8];
        memcpy(tmp, mem + si, size);
        memcpy(mem + di, tmp, size);
        si = is_backward ? si - size : si + size;
        di = is_backward ? di - size : di + size;
    }
}

static void test_cpu_string_rep_movsb_forward(void)
{
    const uint8_t code[] = {0xf3, 0xa4, 0xf4}; /* rep movsb; hlt */
    setup(FIXTURE_LONG64, code, sizeof(code));
    uint8_t src[100];
    for (unsigned i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i * 3 + 1);
    }
    fixture_write(&fx, 0x20000, src, sizeof(src));
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = sizeof(src);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t dst[100];
    fixture_read(&fx, 0x30000, dst, sizeof(dst));
    CHECK_MEM_EQ(dst, src, sizeof(src));
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20000 + sizeof(src));
    CHECK_EQ(fx.cpu.regs[R_DI], 0x30000 + sizeof(src));
    CHECK_EQ(peek8(0x30000 + sizeof(src)), 0);
    fixture_destroy(&fx);
}

/* DI = SI + 1 going up: every element reads what the previous one wrote, so 'A' repeats. */
static void test_cpu_string_rep_movsb_overlap_replicates(void)
{
    const uint8_t code[] = {0xf3, 0xa4, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "ABCDEFGHI", 9);
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x20001;
    fx.cpu.regs[R_CX] = 8;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t out[9];
    fixture_read(&fx, 0x20000, out, 9);
    CHECK_MEM_EQ(out, "AAAAAAAAA", 9);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20008);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20009);
    fixture_destroy(&fx);
}

/* DF = 1 from the top, DI = SI + 1: the bytes move up by one, as memmove would. */
static void test_cpu_string_rep_movsb_backward_overlap(void)
{
    const uint8_t code[] = {0xf3, 0xa4, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "ABCDEFGHI", 9);
    set_df();
    fx.cpu.regs[R_SI] = 0x20007;
    fx.cpu.regs[R_DI] = 0x20008;
    fx.cpu.regs[R_CX] = 8;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t out[9];
    fixture_read(&fx, 0x20000, out, 9);
    CHECK_MEM_EQ(out, "AABCDEFGH", 9);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x1ffff);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20000);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    fixture_destroy(&fx);
}

/*
 * Long copies cross pages and run over several exec calls (the instruction restarts); the
 * result must equal the element-by-element operation, also when source and destination
 * overlap by less than an element.
 */
static void check_long_copy(const uint8_t *code, unsigned len, unsigned size, uint64_t src,
                            uint64_t dst, uint64_t count, bool is_backward)
{
    enum { AREA = 0x100000, AREA_LEN = 0x20000 };
    setup(FIXTURE_LONG64, code, len);
    static uint8_t ref[AREA_LEN], got[AREA_LEN];
    for (unsigned i = 0; i < AREA_LEN; i++) {
        ref[i] = (uint8_t)(i * 7 + (i >> 8) + 3);
    }
    fixture_write(&fx, AREA, ref, AREA_LEN);
    if (is_backward) {
        set_df();
    }
    fx.cpu.regs[R_SI] = AREA + src;
    fx.cpu.regs[R_DI] = AREA + dst;
    fx.cpu.regs[R_CX] = count;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1000), CPU_EXIT_HALT);
    ref_movs(ref, src, dst, count, size, is_backward);
    fixture_read(&fx, AREA, got, AREA_LEN);
    CHECK_MEM_EQ(got, ref, AREA_LEN);
    int64_t delta = (int64_t)(count * size) * (is_backward ? -1 : 1);
    CHECK_EQ(fx.cpu.regs[R_SI], AREA + src + (uint64_t)delta);
    CHECK_EQ(fx.cpu.regs[R_DI], AREA + dst + (uint64_t)delta);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    fixture_destroy(&fx);
}

static void test_cpu_string_rep_movsq_long_copy(void)
{
    const uint8_t code[] = {0xf3, 0x48, 0xa5, 0xf4}; /* rep movsq */
    check_long_copy(code, sizeof(code), 8, 0x10, 0xa008, 5000, false);
}

static void test_cpu_string_rep_movsd_backward_overlap_by_two(void)
{
    const uint8_t code[] = {0xf3, 0xa5, 0xf4}; /* rep movsd */
    check_long_copy(code, sizeof(code), 4, 0x10000, 0x10002, 5000, true);
}

static void test_cpu_string_rep_movsw_forward_overlap_by_one(void)
{
    const uint8_t code[] = {0xf3, 0x66, 0xa5, 0xf4}; /* rep movsw */
    check_long_copy(code, sizeof(code), 2, 0x0ffe, 0x0fff, 9000, false);
}

static void test_cpu_string_rep_stos_sizes(void)
{
    /* rep stosb; mov rcx, 3; rep stosw; mov ecx, 2; rep stosq; hlt */
    const uint8_t code[] = {0xf3, 0xaa, 0x48, 0xc7, 0xc1, 3, 0,    0,    0,    0xf3, 0x66,
                            0xab, 0xb9, 2,    0,    0,    0, 0xf3, 0x48, 0xab, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x1122334455667788ull;
    fx.cpu.regs[R_DI] = 0x20ffd; /* the bytes cross a page */
    fx.cpu.regs[R_CX] = 5;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    const uint8_t want[] = {0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x77, 0x88, 0x77, 0x88,
                            0x77, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x88,
                            0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0};
    uint8_t got[sizeof(want)];
    fixture_read(&fx, 0x20ffd, got, sizeof(got));
    CHECK_MEM_EQ(got, want, sizeof(want));
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20ffd + 5 + 6 + 16);
    fixture_destroy(&fx);
}

static void test_cpu_string_rep_count_zero_does_nothing(void)
{
    /* cmp eax, eax (ZF = 1); rep stosb; repne scasb; hlt */
    const uint8_t code[] = {0x39, 0xc0, 0xf3, 0xaa, 0xf2, 0xae, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x55;
    fx.cpu.regs[R_DI] = 0x20000;
    fx.cpu.regs[R_CX] = 0;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(peek8(0x20000), 0);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20000);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    CHECK(cpu_get_rflags(&fx.cpu) & FLAG_ZF); /* SCAS did not compare */
    fixture_destroy(&fx);
}

/* REPE CMPSB ends after the first unequal pair, which it has counted; flags as SUB 'x' - 'y'. */
static void test_cpu_string_repe_cmpsb_stops_at_mismatch(void)
{
    const uint8_t code[] = {0xf3, 0xa6, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "HELLOxWORLD", 11);
    fixture_write(&fx, 0x30000, "HELLOyWORLD", 11);
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = 11;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_CX], 5);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20006);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x30006);
    uint64_t f = cpu_get_rflags(&fx.cpu);
    /* 0x78 - 0x79 = 0xff: borrow, negative, not zero, no overflow, PF of 0xff = 1, AF = 1 */
    CHECK_EQ(f & (FLAG_ZF | FLAG_CF | FLAG_SF | FLAG_OF | FLAG_PF | FLAG_AF),
             FLAG_CF | FLAG_SF | FLAG_PF | FLAG_AF);
    fixture_destroy(&fx);
}

static void test_cpu_string_repe_cmpsw_all_equal(void)
{
    const uint8_t code[] = {0x66, 0xf3, 0xa7, 0xf4}; /* repe cmpsw */
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "abcdefgh", 8);
    fixture_write(&fx, 0x30000, "abcdefgh", 8);
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = 4;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20008);
    CHECK(cpu_get_rflags(&fx.cpu) & FLAG_ZF);
    fixture_destroy(&fx);
}

/* The strlen idiom: REPNE SCASB with AL = 0 and RCX = -1 ends on the NUL, which it counts. */
static void test_cpu_string_repne_scasb_finds_byte(void)
{
    const uint8_t code[] = {0xf2, 0xae, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "abc\0def", 8);
    fx.cpu.regs[R_AX] = 0x1200; /* AL = 0; AH is not compared */
    fx.cpu.regs[R_DI] = 0x20000;
    fx.cpu.regs[R_CX] = ~0ull;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_CX], ~0ull - 4);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20004);
    uint64_t f = cpu_get_rflags(&fx.cpu);
    CHECK(f & FLAG_ZF);
    CHECK(!(f & FLAG_CF));
    fixture_destroy(&fx);
}

/* REPE SCASD across a page: ends on the first dword unequal to EAX, found on the next page. */
static void test_cpu_string_repe_scasd_across_page(void)
{
    const uint8_t code[] = {0xf3, 0xaf, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    uint8_t buf[0x1000];
    for (unsigned i = 0; i < sizeof(buf); i += 4) {
        st_le32(buf + i, 0xcafef00d);
    }
    st_le32(buf + 0x808, 0xcafef00e);
    fixture_write(&fx, 0x20800, buf, sizeof(buf)); /* the odd one at 0x21008 */
    fx.cpu.regs[R_AX] = 0xffffffff00000000ull | 0xcafef00d;
    fx.cpu.regs[R_DI] = 0x20800;
    fx.cpu.regs[R_CX] = 1000;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x2100c);
    CHECK_EQ(fx.cpu.regs[R_CX], 1000 - 0x203);
    uint64_t f = cpu_get_rflags(&fx.cpu);
    CHECK(!(f & FLAG_ZF));
    CHECK(f & FLAG_CF); /* 0xcafef00d - 0xcafef00e borrows */
    fixture_destroy(&fx);
}

/* LODS keeps the last element; LODSD writes EAX and so zeroes RAX's upper half. */
static void test_cpu_string_lods(void)
{
    /* rep lodsb; lodsd; hlt */
    const uint8_t code[] = {0xf3, 0xac, 0xad, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10);
    fx.cpu.regs[R_AX] = 0xffffffffffffff00ull;
    fx.cpu.regs[R_SI] = 0x20003;
    fx.cpu.regs[R_CX] = 3;
    set_df();
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    /* rep lodsb reads 0x20003, 2, 1 (AL = 0x02); lodsd then reads 0x20000 going down */
    CHECK_EQ(fx.cpu.regs[R_AX], 0x04030201);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20000 - 4);
    fixture_destroy(&fx);
}

/* F2 before MOVS repeats like F3: ZF plays no part for instructions other than CMPS/SCAS. */
static void test_cpu_string_repne_movs_repeats_on_count(void)
{
    /* cmp eax, eax (ZF = 1); repne movsb; hlt */
    const uint8_t code[] = {0x39, 0xc0, 0xf2, 0xa4, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "xyz", 3);
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = 3;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t out[3];
    fixture_read(&fx, 0x30000, out, 3);
    CHECK_MEM_EQ(out, "xyz", 3);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    fixture_destroy(&fx);
}

/* 16-bit address size: SI and DI wrap from FFFFh to 0 within their segments; CX counts. */
static void test_cpu_string_address_size16_wraps(void)
{
    const uint8_t code[] = {0xf3, 0xa4, 0xf4};
    setup(FIXTURE_REAL, code, sizeof(code));
    cpu_load_segment_real(&fx.cpu, SEG_DS, 0x2000);
    cpu_load_segment_real(&fx.cpu, SEG_ES, 0x3000);
    fixture_write(&fx, 0x2ffff, "x", 1);
    fixture_write(&fx, 0x20000, "y", 1);
    fx.cpu.regs[R_SI] = 0x1234ffff; /* the upper halves are not address bits here */
    fx.cpu.regs[R_DI] = 0x5678ffff;
    fx.cpu.regs[R_CX] = 0xabcd0002;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(peek8(0x3ffff), 'x');
    CHECK_EQ(peek8(0x30000), 'y');
    CHECK_EQ(peek8(0x40000), 0); /* not continued past the segment */
    CHECK_EQ(fx.cpu.regs[R_SI], 0x12340001);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x56780001);
    CHECK_EQ(fx.cpu.regs[R_CX], 0xabcd0000);
    fixture_destroy(&fx);
}

/* 67h in 64-bit mode: ESI/EDI/ECX are used and written as 32-bit registers (zero-extended). */
static void test_cpu_string_address_size32_in_long_mode(void)
{
    const uint8_t code[] = {0x67, 0xf3, 0xa4, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    fixture_write(&fx, 0x20000, "pq", 2);
    fx.cpu.regs[R_SI] = 0xffffffff00020000ull;
    fx.cpu.regs[R_DI] = 0x0000000100030000ull;
    fx.cpu.regs[R_CX] = 0x1200000002ull;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(peek8(0x30000), 'p');
    CHECK_EQ(peek8(0x30001), 'q');
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20002);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x30002);
    CHECK_EQ(fx.cpu.regs[R_CX], 0);
    fixture_destroy(&fx);
}

/* A segment override names the source; the destination stays ES (its base applies in PM). */
static void test_cpu_string_source_segment_override(void)
{
    const uint8_t code[] = {0x64, 0xf3, 0xa4, 0x26, 0xa4, 0xf4}; /* rep fs:movsb; es:movsb */
    setup(FIXTURE_FLAT32, code, sizeof(code));
    fx.cpu.seg[SEG_FS].base = 0x40000;
    fx.cpu.seg[SEG_ES].base = 0x50000;
    fixture_write(&fx, 0x40010, "fs", 2);
    fixture_write(&fx, 0x00012, "ds", 2);
    fixture_write(&fx, 0x50012, "E", 1);
    fx.cpu.regs[R_SI] = 0x10;
    fx.cpu.regs[R_DI] = 0x100;
    fx.cpu.regs[R_CX] = 2;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t out[3];
    fixture_read(&fx, 0x50100, out, 3);
    CHECK_MEM_EQ(out, "fsE", 3); /* the second copies ES:0x12 to ES:0x102 */
    fixture_destroy(&fx);
}

/* In 64-bit mode ES's base is ignored for the destination; an FS override's base applies. */
static void test_cpu_string_long_mode_bases(void)
{
    const uint8_t code[] = {0x64, 0xa4, 0xf4}; /* fs: movsb */
    setup(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.seg[SEG_FS].base = 0x40000;
    fx.cpu.seg[SEG_ES].base = 0x50000;
    fixture_write(&fx, 0x40010, "f", 1);
    fx.cpu.regs[R_SI] = 0x10;
    fx.cpu.regs[R_DI] = 0x30000;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(peek8(0x30000), 'f');
    CHECK_EQ(peek8(0x80000), 0);
    fixture_destroy(&fx);
}

/*
 * Long-mode page tables with 4 KiB pages for the first 2 MiB (identity, writable) where
 * `hole` is not present; everything else as the fixture's identity map.
 */
#define PT_BASE 0x200000
static void map_with_hole(uint64_t hole)
{
    uint8_t e[8];
    uint64_t pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000;
    uint64_t pt = PT_BASE + 0x3000;
    st_le64(e, pdpt | 3);
    fixture_write(&fx, pml4, e, 8);
    st_le64(e, pd | 3);
    fixture_write(&fx, pdpt, e, 8);
    st_le64(e, pt | 3);
    fixture_write(&fx, pd, e, 8);
    for (unsigned j = 1; j < 512; j++) {
        st_le64(e, ((uint64_t)j << 21) | 0x83);
        fixture_write(&fx, pd + 8 * j, e, 8);
    }
    for (unsigned i = 0; i < 512; i++) {
        uint64_t page = (uint64_t)i << 12;
        st_le64(e, page == hole ? 0 : page | 3);
        fixture_write(&fx, pt + 8 * i, e, 8);
    }
    fx.cpu.paging.cr3 = PT_BASE;
    tlb_flush_all(fx.cpu.tlb);
    tlb_write_cr3(fx.cpu.tlb, &fx.cpu.paging);
}

/*
 * A #PF in the middle of REP MOVSB: the copy stops before the element that faults, with
 * RSI/RDI/RCX as after the last finished one and RIP at the instruction (SDM REP page), CR2
 * the first byte not mapped, error code "write, not present, supervisor".
 */
static void test_cpu_string_fault_mid_rep_movs_is_precise(void)
{
    const uint8_t code[] = {0xf3, 0xa4, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    map_with_hole(0x31000);
    uint8_t src[0x1000];
    for (unsigned i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i ^ 0x5a);
    }
    fixture_write(&fx, 0x20000, src, sizeof(src));
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30800;
    fx.cpu.regs[R_CX] = 0x1000;
    fx.cpu.exception_intercept = 1u << EXC_PF;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_PF);
    CHECK_EQ(fx.cpu.intercepted.error_code, 2);
    CHECK_EQ(fx.cpu.cr2, 0x31000);
    CHECK_EQ(fx.cpu.rip, CODE_ADDR);
    CHECK_EQ(fx.cpu.regs[R_CX], 0x800);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20800);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x31000);
    uint8_t got[0x800];
    fixture_read(&fx, 0x30800, got, sizeof(got));
    CHECK_MEM_EQ(got, src, sizeof(got));
    fixture_destroy(&fx);
}

/* An element that straddles into the missing page faults whole: none of its bytes land. */
static void test_cpu_string_fault_on_straddling_element(void)
{
    const uint8_t code[] = {0xf3, 0xa5, 0xf4}; /* rep movsd */
    setup(FIXTURE_LONG64, code, sizeof(code));
    map_with_hole(0x31000);
    fixture_write(&fx, 0x20000, "abcdefghijkl", 12);
    fx.cpu.regs[R_SI] = 0x20000;
    fx.cpu.regs[R_DI] = 0x30ffa;
    fx.cpu.regs[R_CX] = 3;
    fx.cpu.exception_intercept = 1u << EXC_PF;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.cr2, 0x31000);
    CHECK_EQ(fx.cpu.regs[R_CX], 2);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x20004);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x30ffe);
    uint8_t got[6];
    fixture_read(&fx, 0x30ffa, got, 6);
    CHECK_MEM_EQ(got, "abcd\0\0", 6);
    fixture_destroy(&fx);
}

/* A source fault comes before the destination is touched (REPE CMPS reads rSI first). */
static void test_cpu_string_cmps_source_fault(void)
{
    const uint8_t code[] = {0xf3, 0xa6, 0xf4};
    setup(FIXTURE_LONG64, code, sizeof(code));
    map_with_hole(0x21000);
    fx.cpu.regs[R_SI] = 0x20ffe;
    fx.cpu.regs[R_DI] = 0x30000;
    fx.cpu.regs[R_CX] = 10;
    fx.cpu.exception_intercept = 1u << EXC_PF;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.error_code, 0); /* read, not present */
    CHECK_EQ(fx.cpu.cr2, 0x21000);
    CHECK_EQ(fx.cpu.regs[R_CX], 8);
    CHECK_EQ(fx.cpu.regs[R_SI], 0x21000);
    fixture_destroy(&fx);
}

/* A segment limit met mid-repeat in protected mode: #GP(0) after the elements inside it. */
static void test_cpu_string_segment_limit_mid_rep(void)
{
    const uint8_t code[] = {0xf3, 0xaa, 0xf4}; /* rep stosb */
    setup(FIXTURE_FLAT32, code, sizeof(code));
    fx.cpu.seg[SEG_ES].limit = 0x20003;
    fx.cpu.regs[R_AX] = 0x77;
    fx.cpu.regs[R_DI] = 0x20000;
    fx.cpu.regs[R_CX] = 100;
    fx.cpu.exception_intercept = 1u << EXC_GP;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.regs[R_DI], 0x20004);
    CHECK_EQ(fx.cpu.regs[R_CX], 96);
    CHECK_EQ(peek8(0x20003), 0x77);
    CHECK_EQ(peek8(0x20004), 0);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_string_rep_movsb_forward),
    CHECK_TEST(test_cpu_string_rep_movsb_overlap_replicates),
    CHECK_TEST(test_cpu_string_rep_movsb_backward_overlap),
    CHECK_TEST(test_cpu_string_rep_movsq_long_copy),
    CHECK_TEST(test_cpu_string_rep_movsd_backward_overlap_by_two),
    CHECK_TEST(test_cpu_string_rep_movsw_forward_overlap_by_one),
    CHECK_TEST(test_cpu_string_rep_stos_sizes),
    CHECK_TEST(test_cpu_string_rep_count_zero_does_nothing),
    CHECK_TEST(test_cpu_string_repe_cmpsb_stops_at_mismatch),
    CHECK_TEST(test_cpu_string_repe_cmpsw_all_equal),
    CHECK_TEST(test_cpu_string_repne_scasb_finds_byte),
    CHECK_TEST(test_cpu_string_repe_scasd_across_page),
    CHECK_TEST(test_cpu_string_lods),
    CHECK_TEST(test_cpu_string_repne_movs_repeats_on_count),
    CHECK_TEST(test_cpu_string_address_size16_wraps),
    CHECK_TEST(test_cpu_string_address_size32_in_long_mode),
    CHECK_TEST(test_cpu_string_source_segment_override),
    CHECK_TEST(test_cpu_string_long_mode_bases),
    CHECK_TEST(test_cpu_string_fault_mid_rep_movs_is_precise),
    CHECK_TEST(test_cpu_string_fault_on_straddling_element),
    CHECK_TEST(test_cpu_string_cmps_source_fault),
    CHECK_TEST(test_cpu_string_segment_limit_mid_rep),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
