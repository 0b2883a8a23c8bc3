/*
 * First end-to-end checks of the interpreter through the block cache: small programs whose
 * results follow from the SDM by hand, in real, flat 32-bit and 64-bit mode.
 */
#include "check.h"
#include "cpu/cpuid.h"
#include "cpu_fixture.h"

static Fixture fx;

static void run_code(FixtureMode mode, const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, mode, 0);
    fixture_write(&fx, 0x10000, code, len);
    fx.cpu.rip = 0x10000;
    if (mode == FIXTURE_REAL) {
        fx.cpu.seg[SEG_CS].base = 0x10000;
        fx.cpu.seg[SEG_CS].selector = 0x1000;
        fx.cpu.rip = 0;
        fx.cpu.regs[R_SP] = 0x8000;
        fx.cpu.seg[SEG_SS].base = 0x20000;
    } else {
        fx.cpu.regs[R_SP] = 0x80000;
    }
}

static void test_cpu_long_mode_arithmetic(void)
{
    /* mov rax, 5; add rax, 7; mov rcx, -1; adc rcx, 0 (CF from add is 0); hlt */
    const uint8_t code[] = { 0x48, 0xc7, 0xc0, 5, 0, 0, 0, 0x48, 0x83, 0xc0, 7,
                             0x48, 0xc7, 0xc1, 0xff, 0xff, 0xff, 0xff, 0x48, 0x83, 0xd1, 0, 0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX], 12);
    CHECK_EQ(fx.cpu.regs[R_CX], ~0ull);
    CHECK_EQ(fx.cpu.rip, 0x10000 + sizeof(code));
    fixture_destroy(&fx);
}

static void test_cpu_long_mode_loop_and_stack(void)
{
    /* xor eax,eax; mov ecx,10; l: add eax,ecx; push rax; pop rdx; loop l; hlt */
    const uint8_t code[] = { 0x31, 0xc0, 0xb9, 10, 0, 0, 0, 0x01, 0xc8, 0x50, 0x5a, 0xe2, 0xfa,
                             0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1000), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX], 55);
    CHECK_EQ(fx.cpu.regs[R_DX], 55);
    CHECK_EQ(fx.cpu.regs[R_SP], 0x80000);
    fixture_destroy(&fx);
}

static void test_cpu_real_mode_word_ops(void)
{
    /* mov ax, 0x1234; mov bx, 0x0f0f; and ax, bx; push ax; pop cx; hlt */
    const uint8_t code[] = { 0xb8, 0x34, 0x12, 0xbb, 0x0f, 0x0f, 0x21, 0xd8, 0x50, 0x59, 0xf4 };
    run_code(FIXTURE_REAL, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX] & 0xffff, 0x0204);
    CHECK_EQ(fx.cpu.regs[R_CX] & 0xffff, 0x0204);
    CHECK_EQ(fx.cpu.rip, sizeof(code));
    fixture_destroy(&fx);
}

static void test_cpu_self_modifying_code(void)
{
    /* mov byte [rip+1], 0x2a (patches the imm of the next mov); mov eax, 0; hlt */
    const uint8_t code[] = { 0xc6, 0x05, 0x01, 0, 0, 0, 0x2a, 0xb8, 0, 0, 0, 0, 0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX], 0x2a);
    fixture_destroy(&fx);
}

static void test_cpu_divide_error_is_precise(void)
{
    /* mov ecx, 0; mov eax, 7; div ecx -> #DE; the IDT is not set up: the fault leaves
     * RIP at the DIV until delivery, which here fails into shutdown. */
    const uint8_t code[] = { 0xb9, 0, 0, 0, 0, 0xb8, 7, 0, 0, 0, 0xf7, 0xf1, 0xf4 };
    run_code(FIXTURE_REAL, code, sizeof(code));
    fx.cpu.idtr.limit = 0; /* IVT entry 0 beyond the limit: #GP, #DF, shutdown */
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_SHUTDOWN);
    CHECK_EQ(fx.cpu.rip, 10);
    CHECK_EQ(fx.cpu.regs[R_AX] & 0xffff, 7);
    fixture_destroy(&fx);
}

static void test_cpu_intercepted_exception_stops_before_delivery(void)
{
    /* mov rcx, 0; div rcx -> #DE intercepted: RIP stays on the DIV, nothing delivered. */
    const uint8_t code[] = { 0x48, 0xc7, 0xc1, 0, 0, 0, 0, 0x48, 0xf7, 0xf1, 0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.exception_intercept = 1u << EXC_DE;
    uint64_t sp = fx.cpu.regs[R_SP];
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_DE);
    CHECK_EQ(fx.cpu.rip, 0x10007);
    CHECK_EQ(fx.cpu.regs[R_SP], sp);
    fixture_destroy(&fx);
}

static void test_cpu_bound_raises_br_outside_the_bounds(void)
{
    /* bound ax, [0x100] with bounds -5..10 (SDM Vol. 2A "BOUND": signed, inclusive). */
    const uint8_t code[] = { 0x62, 0x06, 0x00, 0x01, 0xf4 };
    const uint8_t bounds[] = { 0xfb, 0xff, 0x0a, 0x00 };
    const uint16_t index[] = { 0xfffb, 10, 0, 0xfffa, 11 };
    const bool in_range[] = { true, true, true, false, false };
    for (unsigned i = 0; i < 5; i++) {
        run_code(FIXTURE_REAL, code, sizeof(code));
        fixture_write(&fx, 0x100, bounds, sizeof(bounds)); /* DS base 0 */
        fx.cpu.regs[R_AX] = index[i];
        fx.cpu.exception_intercept = 1u << EXC_BR;
        CpuExit e = fixture_run(&fx, ~0ull, 10);
        CHECK_EQ(e, in_range[i] ? CPU_EXIT_HALT : CPU_EXIT_EXCEPTION);
        if (!in_range[i]) {
            CHECK_EQ(fx.cpu.intercepted.vector, EXC_BR);
            CHECK_EQ(fx.cpu.rip, 0);
        }
        fixture_destroy(&fx);
    }
}

static void test_cpu_unadvertised_features_follow_the_model(void)
{
    /* popcnt eax, ecx; lzcnt edx, ecx; hlt -- with ECX = 0x00f0. */
    const uint8_t code[] = { 0xf3, 0x0f, 0xb8, 0xc1, 0xf3, 0x0f, 0xbd, 0xd1, 0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.cpuid = cpuid_find_model("max");
    fx.cpu.regs[R_CX] = 0xf0;
    CHECK_EQ(fixture_run(&fx, ~0ull, 10), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_AX], 4);
    CHECK_EQ(fx.cpu.regs[R_DX], 24); /* 0xf0 has 24 leading zeros in 32 bits */
    fixture_destroy(&fx);

    /* The base model has no LZCNT: F3 0F BD is BSR (SDM "LZCNT"). */
    run_code(FIXTURE_LONG64, code + 4, sizeof(code) - 4);
    fx.cpu.regs[R_CX] = 0xf0;
    CHECK_EQ(fixture_run(&fx, ~0ull, 10), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_DX], 7);
    fixture_destroy(&fx);
    /* A model without POPCNT: #UD. */
    run_code(FIXTURE_LONG64, code, sizeof(code));
    CpuidModel no_popcnt = *cpuid_default_model();
    no_popcnt.features[CPUID_W_1_ECX] &= ~(1u << (CPUID_POPCNT & 31));
    fx.cpu.cpuid = &no_popcnt;
    fx.cpu.exception_intercept = 1u << EXC_UD;
    CHECK_EQ(fixture_run(&fx, ~0ull, 10), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.rip, 0x10000);
    fixture_destroy(&fx);
}

static void test_cpu_tzcnt_without_bmi1_is_bsf(void)
{
    /* mov edx, 0x55; tzcnt edx, ecx (ECX = 0); hlt. No model has BMI1, so this is BSF: a zero
     * source leaves EDX and sets ZF (SDM Vol. 2B "TZCNT" on processors without BMI1). */
    const uint8_t code[] = { 0xba, 0x55, 0, 0, 0, 0xf3, 0x0f, 0xbc, 0xd1, 0xf4 };
    run_code(FIXTURE_LONG64, code, sizeof(code));
    fx.cpu.cpuid = cpuid_find_model("max");
    fx.cpu.regs[R_CX] = 0;
    CHECK_EQ(fixture_run(&fx, ~0ull, 10), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_DX], 0x55);
    CHECK(cpu_get_rflags(&fx.cpu) & FLAG_ZF);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_tzcnt_without_bmi1_is_bsf),
    CHECK_TEST(test_cpu_unadvertised_features_follow_the_model),
    CHECK_TEST(test_cpu_bound_raises_br_outside_the_bounds),
    CHECK_TEST(test_cpu_intercepted_exception_stops_before_delivery),
    CHECK_TEST(test_cpu_long_mode_arithmetic),
    CHECK_TEST(test_cpu_long_mode_loop_and_stack),
    CHECK_TEST(test_cpu_real_mode_word_ops),
    CHECK_TEST(test_cpu_self_modifying_code),
    CHECK_TEST(test_cpu_divide_error_is_precise),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
