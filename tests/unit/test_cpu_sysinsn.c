/*
 * System instructions: CLI/STI/PUSHF/POPF privilege rules (with VME and PVI), SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, SWAPGS, FS/GS base instructions, single-stepping with EFLAGS.TF,
 * RDRAND/RDSEED, RDTSC, RDPMC, XGETBV/XSETBV, INVPCID, MONITOR/MWAIT, CLAC/STAC, RSM.
 * Expected values come from the SDM pages of each instruction, never from vireo.
 */
#include <string.h>

#include "check.h"
#include "cpu/cpuid.h"
#include "cpu_fixture.h"
#include "sys_test_util.h"

#define KERNEL 0x11000ull

static void expect_fault(unsigned vector, uint64_t rip)
{
    CHECK_EQ(fixture_run(&fx, ~0ull, MAX_STEPS), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, vector);
    CHECK_EQ(fx.cpu.rip, rip);
}

static void run_to(uint64_t rip)
{
    CHECK_EQ(fixture_run(&fx, rip, MAX_STEPS), CPU_EXIT_REQUEST);
}

static unsigned dpl_of(unsigned seg)
{
    return (fx.cpu.seg[seg].attr >> SEG_ATTR_DPL_SHIFT) & 3;
}

/* mov eax, 43001h (AC, IOPL 3, CF; IF clear); push rax; popfq; pushfq; pop rbx; jmp $ */
static const uint8_t popf_code[] = {0xb8, 0x01, 0x30, 0x04, 0x00, 0x50,
                                    0x9d, 0x9c, 0x5b, 0xeb, 0xfe};

static void test_cpu_sysinsn_popf_cpl3_keeps_if_and_iopl(void)
{
    start(FIXTURE_LONG64, 3, "base", popf_code, sizeof(popf_code));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_IF);
    run_to(CODE + 9);
    /* IF and IOPL unchanged (CPL 3 > IOPL 0), AC and CF loaded. */
    CHECK_EQ(fx.cpu.regs[R_BX], FLAG_FIXED1 | FLAG_IF | FLAG_AC | FLAG_CF);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_popf_cpl0_loads_if_and_iopl(void)
{
    start(FIXTURE_LONG64, 0, "base", popf_code, sizeof(popf_code));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_IF);
    run_to(CODE + 9);
    CHECK_EQ(fx.cpu.regs[R_BX], FLAG_FIXED1 | FLAG_IOPL | FLAG_AC | FLAG_CF);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_cli_sti_privilege(void)
{
    const uint8_t cli[] = {0xfa, 0xeb, 0xfe};
    start(FIXTURE_LONG64, 3, "base", cli, sizeof(cli));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_IF);
    expect_fault(EXC_GP, CODE); /* CPL 3 > IOPL 0 */
    CHECK(fx.cpu.rflags & FLAG_IF);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 3, "base", cli, sizeof(cli));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_IF | FLAG_IOPL);
    run_to(CODE + 1);
    CHECK(!(fx.cpu.rflags & FLAG_IF));
    fixture_destroy(&fx);

    /* STI opens the interrupt shadow only when IF was 0. */
    const uint8_t sti[] = {0xfb, 0xfb, 0xf4};
    start(FIXTURE_LONG64, 0, "base", sti, sizeof(sti));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1);
    CHECK_EQ(cpu_exec(&fx.cpu, 1), CPU_EXIT_BUDGET);
    CHECK(fx.cpu.rflags & FLAG_IF);
    CHECK(fx.cpu.inhibit_irq);
    CHECK_EQ(cpu_exec(&fx.cpu, 1), CPU_EXIT_BUDGET);
    CHECK(!fx.cpu.inhibit_irq);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_pvi_uses_vif(void)
{
    /* CPL 3, IOPL 0, CR4.PVI: cli clears VIF; sti sets it (VIP = 0); jmp $ */
    const uint8_t code[] = {0xfa, 0xfb, 0xeb, 0xfe};
    start(FIXTURE_FLAT32, 3, "max", code, sizeof(code));
    fx.cpu.paging.cr4 |= CR4_PVI;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_VIF);
    run_to(CODE + 1);
    CHECK(!(fx.cpu.rflags & FLAG_VIF));
    run_to(CODE + 2);
    CHECK(fx.cpu.rflags & FLAG_VIF);
    CHECK(!(fx.cpu.rflags & FLAG_IF));
    fixture_destroy(&fx);

    /* With VIP pending, STI faults. */
    start(FIXTURE_FLAT32, 3, "max", code + 1, 3);
    fx.cpu.paging.cr4 |= CR4_PVI;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_VIP);
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

/* Virtual-8086 mode at CS = 1000h (CODE), SS:SP = 2000h:0100h, IOPL 0. */
static void enter_v86(uint64_t flags)
{
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        fx.cpu.seg[i] =
            (SegmentCache){.base = 0x20000,
                           .limit = 0xffff,
                           .selector = 0x2000,
                           .attr = SEG_ATTR_P | SEG_ATTR_S | 3 | (3u << SEG_ATTR_DPL_SHIFT)};
    }
    fx.cpu.seg[SEG_CS].base = CODE;
    fx.cpu.seg[SEG_CS].selector = (uint16_t)(CODE >> 4);
    fx.cpu.rip = 0;
    fx.cpu.regs[R_SP] = 0x100;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_VM | flags);
    cpu_update_mode(&fx.cpu);
}

static void test_cpu_sysinsn_v86_pushf_popf_with_vme(void)
{
    /* pushf; pop ax; jmp $ */
    const uint8_t pushf[] = {0x9c, 0x58, 0xeb, 0xfe};
    start(FIXTURE_FLAT32, 3, "max", pushf, sizeof(pushf));
    enter_v86(FLAG_VIF);
    expect_fault(EXC_GP, 0); /* IOPL < 3 without VME */
    fixture_destroy(&fx);

    start(FIXTURE_FLAT32, 3, "max", pushf, sizeof(pushf));
    fx.cpu.paging.cr4 |= CR4_VME;
    enter_v86(FLAG_VIF);
    run_to(2);
    /* VIF replaces IF and IOPL reads 3 in the image. */
    CHECK_EQ(fx.cpu.regs[R_AX] & 0xffff, FLAG_FIXED1 | FLAG_IF | FLAG_IOPL);
    fixture_destroy(&fx);

    /* mov ax, 0202h; push ax; popf; jmp $: sets VIF, not IF */
    const uint8_t popf[] = {0xb8, 0x02, 0x02, 0x50, 0x9d, 0xeb, 0xfe};
    start(FIXTURE_FLAT32, 3, "max", popf, sizeof(popf));
    fx.cpu.paging.cr4 |= CR4_VME;
    enter_v86(0);
    run_to(5);
    CHECK(fx.cpu.rflags & FLAG_VIF);
    CHECK(!(fx.cpu.rflags & FLAG_IF));
    CHECK(fx.cpu.rflags & FLAG_VM);
    fixture_destroy(&fx);

    /* The same with TF set in the image: #GP(0). */
    const uint8_t popf_tf[] = {0xb8, 0x02, 0x01, 0x50, 0x9d, 0xeb, 0xfe};
    start(FIXTURE_FLAT32, 3, "max", popf_tf, sizeof(popf_tf));
    fx.cpu.paging.cr4 |= CR4_VME;
    enter_v86(0);
    expect_fault(EXC_GP, 4);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_syscall_sysret_round_trip(void)
{
    /* user: syscall; nop; jmp $    kernel: sysretq */
    const uint8_t user[] = {0x0f, 0x05, 0x90, 0xeb, 0xfe};
    const uint8_t kernel[] = {0x48, 0x0f, 0x07};
    start(FIXTURE_LONG64, 3, "base", user, sizeof(user));
    fixture_write(&fx, KERNEL, kernel, sizeof(kernel));
    fx.cpu.star = (0x20ull << 48) | (0x18ull << 32);
    fx.cpu.lstar = KERNEL;
    fx.cpu.sfmask = FLAG_TF | FLAG_IF | FLAG_DF;
    uint64_t user_flags = FLAG_FIXED1 | FLAG_IF | FLAG_DF | FLAG_CF;
    cpu_set_rflags(&fx.cpu, user_flags);
    run_to(KERNEL);
    CHECK_EQ(fx.cpu.regs[R_CX], CODE + 2);
    CHECK_EQ(fx.cpu.regs[R_R11], user_flags);
    CHECK_EQ(cpu_get_rflags(&fx.cpu), FLAG_FIXED1 | FLAG_CF); /* masked by IA32_FMASK */
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x18);
    CHECK_EQ(fx.cpu.seg[SEG_SS].selector, 0x20);
    CHECK_EQ(fx.cpu.cpl, 0);
    CHECK_EQ(dpl_of(SEG_CS), 0);
    CHECK(fx.cpu.code64);

    run_to(CODE + 2);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x33); /* STAR[63:48] + 16, RPL 3 */
    CHECK_EQ(fx.cpu.seg[SEG_SS].selector, 0x2b); /* STAR[63:48] + 8, RPL 3 */
    CHECK_EQ(fx.cpu.cpl, 3);
    CHECK_EQ(dpl_of(SEG_CS), 3);
    CHECK(fx.cpu.code64);
    CHECK_EQ(cpu_get_rflags(&fx.cpu), user_flags);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_sysret_to_compat_mode(void)
{
    /* mov ecx, 12345h; sysret (32-bit operand size) */
    const uint8_t code[] = {0xb9, 0x45, 0x23, 0x01, 0x00, 0x0f, 0x07};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    fx.cpu.star = 0x23ull << 48;
    fx.cpu.regs[R_R11] = FLAG_IF | FLAG_VM | FLAG_RF; /* VM and RF are dropped */
    CHECK_EQ(cpu_exec(&fx.cpu, 2), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 0x12345);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x23);
    CHECK(!fx.cpu.code64);
    CHECK(fx.cpu.long_mode);
    CHECK_EQ(cpu_get_rflags(&fx.cpu), FLAG_FIXED1 | FLAG_IF);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_sysret_noncanonical_rcx_faults(void)
{
    /* mov rcx, 0000800000000000h; sysretq -> #GP(0) at CPL 0 (Intel) */
    const uint8_t code[] = {0x48, 0xb9, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x48, 0x0f, 0x07};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 10);
    CHECK_EQ(fx.cpu.cpl, 0);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, FIXTURE_SEL_CODE64);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_syscall_needs_sce(void)
{
    const uint8_t code[] = {0x0f, 0x05};
    start(FIXTURE_LONG64, 3, "base", code, sizeof(code));
    fx.cpu.paging.efer &= ~(uint64_t)EFER_SCE;
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);
    /* SYSRET at CPL 3: #GP(0) */
    const uint8_t sysret[] = {0x48, 0x0f, 0x07};
    start(FIXTURE_LONG64, 3, "base", sysret, sizeof(sysret));
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_sysenter_sysexit(void)
{
    /* user: sysenter    kernel: mov ecx, 60000h; mov edx, CODE+10h; sysexit    CODE+10h: jmp $ */
    const uint8_t user[] = {0x0f, 0x34};
    const uint8_t kernel[] = {0xb9, 0, 0, 6, 0, 0xba, 0x10, 0, 1, 0, 0x0f, 0x35};
    const uint8_t back[] = {0xeb, 0xfe};
    start(FIXTURE_FLAT32, 3, "base", user, sizeof(user));
    fixture_write(&fx, KERNEL, kernel, sizeof(kernel));
    fixture_write(&fx, CODE + 0x10, back, sizeof(back));
    fx.cpu.sysenter_cs = 0x08;
    fx.cpu.sysenter_esp = 0x70000;
    fx.cpu.sysenter_eip = KERNEL;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_IF);
    run_to(KERNEL);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x08);
    CHECK_EQ(fx.cpu.seg[SEG_SS].selector, 0x10);
    CHECK_EQ(fx.cpu.regs[R_SP], 0x70000);
    CHECK_EQ(fx.cpu.cpl, 0);
    CHECK(!(fx.cpu.rflags & FLAG_IF));
    CHECK(fx.cpu.seg[SEG_CS].attr & SEG_ATTR_DB);

    run_to(CODE + 0x10);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x1b); /* SYSENTER_CS + 16, RPL 3 */
    CHECK_EQ(fx.cpu.seg[SEG_SS].selector, 0x23); /* SYSENTER_CS + 24, RPL 3 */
    CHECK_EQ(fx.cpu.regs[R_SP], 0x60000);
    CHECK_EQ(fx.cpu.cpl, 3);
    fixture_destroy(&fx);

    start(FIXTURE_FLAT32, 3, "base", user, sizeof(user));
    fx.cpu.sysenter_cs = 0;
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_swapgs(void)
{
    const uint8_t code[] = {0x0f, 0x01, 0xf8, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    fx.cpu.seg[SEG_GS].base = 0x1000;
    fx.cpu.kernel_gs_base = 0xffff800000002000ull;
    expect_halt();
    CHECK_EQ(fx.cpu.seg[SEG_GS].base, 0xffff800000002000ull);
    CHECK_EQ(fx.cpu.kernel_gs_base, 0x1000);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 3, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_fsgsbase(void)
{
    /* mov rax, imm64; wrfsbase rax; rdfsbase rbx; hlt */
    uint8_t code[] = {0x48, 0xb8, 0,    0x10, 0,    0,    0,    0x80, 0xff, 0xff, 0xf3,
                      0x48, 0x0f, 0xae, 0xd0, 0xf3, 0x48, 0x0f, 0xae, 0xc3, 0xf4};
    start(FIXTURE_LONG64, 3, "max", code, sizeof(code));
    fx.cpu.paging.cr4 |= CR4_FSGSBASE;
    CHECK_EQ(fixture_run(&fx, CODE + 20, MAX_STEPS), CPU_EXIT_REQUEST);
    CHECK_EQ(fx.cpu.seg[SEG_FS].base, 0xffff800000001000ull);
    CHECK_EQ(fx.cpu.regs[R_BX], 0xffff800000001000ull);
    fixture_destroy(&fx);

    code[9] = 0x7f; /* 7fff8000_00001000h: not canonical */
    start(FIXTURE_LONG64, 3, "max", code, sizeof(code));
    fx.cpu.paging.cr4 |= CR4_FSGSBASE;
    expect_fault(EXC_GP, CODE + 10);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 3, "max", code, sizeof(code));
    expect_fault(EXC_UD, CODE + 10); /* CR4.FSGSBASE = 0 */
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_tf_single_step(void)
{
    /* TF set: each instruction traps with #DB after it completes. nop; nop; hlt */
    const uint8_t nops[] = {0x90, 0x90, 0xf4};
    start(FIXTURE_LONG64, 0, "base", nops, sizeof(nops));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_TF);
    uint64_t icount = fx.cpu.icount;
    expect_fault(EXC_DB, CODE + 1);
    CHECK_EQ(fx.cpu.icount, icount + 1);
    CHECK(fx.cpu.dr[6] & DR6_BS);
    expect_fault(EXC_DB, CODE + 2);
    CHECK_EQ(fx.cpu.icount, icount + 2);
    fixture_destroy(&fx);

    /* POPF that sets TF is not trapped; the instruction after it is.
     * pushfq; or qword [rsp], 100h; popfq; nop; nop; hlt */
    const uint8_t popf[] = {0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01,
                            0x00, 0x00, 0x9d, 0x90, 0x90, 0xf4};
    start(FIXTURE_LONG64, 0, "base", popf, sizeof(popf));
    expect_fault(EXC_DB, CODE + 11);
    CHECK(fx.cpu.rflags & FLAG_TF);
    fixture_destroy(&fx);

    /* POPF that clears TF is itself trapped (TF was set when it started).
     * push 2; popfq; nop; hlt */
    const uint8_t clear[] = {0x6a, 0x02, 0x9d, 0x90, 0xf4};
    start(FIXTURE_LONG64, 0, "base", clear, sizeof(clear));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_TF);
    expect_fault(EXC_DB, CODE + 2); /* after push */
    expect_fault(EXC_DB, CODE + 3); /* after popfq */
    expect_halt();
    CHECK_EQ(fx.cpu.rip, CODE + sizeof(clear));
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_rdrand_reproducible(void)
{
    /* rdrand rax; rdrand rbx; hlt */
    const uint8_t code[] = {0x48, 0x0f, 0xc7, 0xf0, 0x48, 0x0f, 0xc7, 0xf3, 0xf4};
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    fx.cpu.rng_state = 0;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_ZF | FLAG_SF);
    expect_halt();
    /* SplitMix64's published first outputs for seed 0. */
    CHECK_EQ(fx.cpu.regs[R_AX], 0xe220a8397b1dcdafull);
    CHECK_EQ(fx.cpu.regs[R_BX], 0x6e789e6aa1b965f4ull);
    CHECK_EQ(cpu_get_rflags(&fx.cpu) & (FLAGS_ARITH), FLAG_CF);
    fixture_destroy(&fx);

    /* 16-bit form: rdrand ax takes the low word. */
    const uint8_t word[] = {0x66, 0x0f, 0xc7, 0xf0, 0xf4};
    start(FIXTURE_LONG64, 0, "max", word, sizeof(word));
    fx.cpu.regs[R_AX] = 0x1111222233334444ull;
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_AX], 0x111122223333cdafull);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_UD, CODE); /* not advertised by "base" */
    fixture_destroy(&fx);
}

static uint64_t fixed_clock(void *opaque)
{
    return *(const uint64_t *)opaque;
}

static void test_cpu_sysinsn_rdtsc(void)
{
    const uint8_t code[] = {0x0f, 0x31, 0xf4};
    uint64_t clock = 0x123456789ull;
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    fx.cpu.tsc_source = fixed_clock;
    fx.cpu.tsc_opaque = &clock;
    fx.cpu.tsc_offset = 0x100;
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_AX], 0x23456889ull);
    CHECK_EQ(fx.cpu.regs[R_DX], 1);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 3, "base", code, sizeof(code));
    fx.cpu.paging.cr4 |= CR4_TSD;
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);

    /* mov ecx, 10h; mov eax, 5000; xor edx, edx; wrmsr; rdtsc; hlt: the counter restarts at
     * the written value and only grows */
    const uint8_t write[] = {0xb9, 0x10, 0,    0,    0,    0xb8, 0x88, 0x13, 0,
                             0,    0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x31, 0xf4};
    start(FIXTURE_LONG64, 0, "base", write, sizeof(write));
    expect_halt();
    CHECK(fx.cpu.regs[R_AX] >= 5000 && fx.cpu.regs[R_AX] < 5010);
    CHECK_EQ(fx.cpu.regs[R_DX], 0);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_rdpmc(void)
{
    const uint8_t code[] = {0x0f, 0x33, 0xf4};
    start(FIXTURE_LONG64, 3, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE); /* CPL 3 without CR4.PCE */
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    fx.cpu.regs[R_CX] = 1;
    fx.cpu.regs[R_AX] = fx.cpu.regs[R_DX] = ~0ull;
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_AX], 0);
    CHECK_EQ(fx.cpu.regs[R_DX], 0);
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    fx.cpu.regs[R_CX] = 9;
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_xsetbv_xgetbv(void)
{
    /* mov rax, cr4; or eax, 40000h; mov cr4, rax; xor ecx, ecx; xor edx, edx; mov eax, 3;
     * xsetbv; xor eax, eax; xgetbv; hlt */
    const uint8_t code[] = {0x0f, 0x20, 0xe0, 0x0d, 0,    0,    4,    0,    0x0f, 0x22,
                            0xe0, 0x31, 0xc9, 0x31, 0xd2, 0xb8, 3,    0,    0,    0,
                            0x0f, 0x01, 0xd1, 0x31, 0xc0, 0x0f, 0x01, 0xd0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_AX], 3);
    CHECK_EQ(fx.cpu.xcr0, 3);
    uint32_t r[4];
    cpuid_query(&fx.cpu, 1, 0, r);
    CHECK(r[2] & (1u << 27)); /* OSXSAVE mirrors CR4 */
    cpuid_query(&fx.cpu, 0xd, 0, r);
    CHECK_EQ(r[0], 3); /* x87 and SSE */
    CHECK_EQ(r[1], 576);
    CHECK_EQ(r[2], 576);
    cpuid_query(&fx.cpu, 0xd, 1, r);
    CHECK_EQ(r[0], 3); /* XSAVEOPT, XSAVEC */
    fixture_destroy(&fx);

    /* xor ecx, ecx; xor edx, edx; mov eax, N; xsetbv: 0 (x87 cleared), 2 (SSE without x87)
     * and 7 (AVX, unsupported) fault (SDM Vol. 2B "XSETBV") */
    uint8_t bad[] = {0x31, 0xc9, 0x31, 0xd2, 0xb8, 0, 0, 0, 0, 0x0f, 0x01, 0xd1, 0xf4};
    const uint8_t values[] = {0, 2, 7};
    for (unsigned i = 0; i < sizeof(values); i++) {
        bad[5] = values[i];
        start(FIXTURE_LONG64, 0, "base", bad, sizeof(bad));
        fx.cpu.paging.cr4 |= CR4_OSXSAVE;
        expect_fault(EXC_GP, CODE + 9);
        fixture_destroy(&fx);
    }

    /* Without CR4.OSXSAVE, XGETBV is #UD. */
    const uint8_t xgetbv[] = {0x0f, 0x01, 0xd0};
    start(FIXTURE_LONG64, 0, "max", xgetbv, sizeof(xgetbv));
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_invpcid(void)
{
    /* mov eax, type; mov ebx, 30000h (zeroed descriptor); invpcid rax, [rbx]; hlt */
    uint8_t code[] = {0xb8, 4, 0, 0, 0, 0xbb, 0, 0, 3, 0, 0x66, 0x0f, 0x38, 0x82, 0x03, 0xf4};
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 10); /* type 4 */
    fixture_destroy(&fx);
    code[1] = 2;
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_halt();
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_UD, CODE + 10);
    fixture_destroy(&fx);
}

static void test_cpu_sysinsn_monitor_mwait_clac_stac_rsm(void)
{
    /* mov eax, 30000h; xor ecx, ecx; xor edx, edx; monitor; mwait; stac; hlt */
    const uint8_t code[] = {0xb8, 0,    0,    3,    0,    0x31, 0xc9, 0x31, 0xd2, 0x0f,
                            0x01, 0xc8, 0x0f, 0x01, 0xc9, 0x0f, 0x01, 0xcb, 0xf4};
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_halt();
    CHECK(fx.cpu.rflags & FLAG_AC);
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_UD, CODE + 9);
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 3, "max", code, sizeof(code));
    expect_fault(EXC_UD, CODE + 9); /* MONITOR above CPL 0 */
    fixture_destroy(&fx);

    const uint8_t clac[] = {0x0f, 0x01, 0xca};
    start(FIXTURE_LONG64, 3, "max", clac, sizeof(clac));
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);

    const uint8_t rsm[] = {0x0f, 0xaa};
    start(FIXTURE_LONG64, 0, "max", rsm, sizeof(rsm));
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);

    const uint8_t wbinvd[] = {0x0f, 0x09};
    start(FIXTURE_LONG64, 3, "base", wbinvd, sizeof(wbinvd));
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_sysinsn_popf_cpl3_keeps_if_and_iopl),
    CHECK_TEST(test_cpu_sysinsn_popf_cpl0_loads_if_and_iopl),
    CHECK_TEST(test_cpu_sysinsn_cli_sti_privilege),
    CHECK_TEST(test_cpu_sysinsn_pvi_uses_vif),
    CHECK_TEST(test_cpu_sysinsn_v86_pushf_popf_with_vme),
    CHECK_TEST(test_cpu_sysinsn_syscall_sysret_round_trip),
    CHECK_TEST(test_cpu_sysinsn_sysret_to_compat_mode),
    CHECK_TEST(test_cpu_sysinsn_sysret_noncanonical_rcx_faults),
    CHECK_TEST(test_cpu_sysinsn_syscall_needs_sce),
    CHECK_TEST(test_cpu_sysinsn_sysenter_sysexit),
    CHECK_TEST(test_cpu_sysinsn_swapgs),
    CHECK_TEST(test_cpu_sysinsn_fsgsbase),
    CHECK_TEST(test_cpu_sysinsn_tf_single_step),
    CHECK_TEST(test_cpu_sysinsn_rdrand_reproducible),
    CHECK_TEST(test_cpu_sysinsn_rdtsc),
    CHECK_TEST(test_cpu_sysinsn_rdpmc),
    CHECK_TEST(test_cpu_sysinsn_xsetbv_xgetbv),
    CHECK_TEST(test_cpu_sysinsn_invpcid),
    CHECK_TEST(test_cpu_sysinsn_monitor_mwait_clac_stac_rsm),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
