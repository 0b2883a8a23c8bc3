/*
 * The 8086 and 80286 models (cpu/model.h): each difference from the x86-64 processor, in real
 * mode. Expected values come from the manuals cited in the code under test (Intel 8086 Family
 * User's Manual, 80286 Programmer's Reference Manual, SDM pseudocode) and from the behaviour
 * the SingleStepTests vectors record (../shared/conformance/singlestep README and metadata),
 * worked out by hand; where the x86-64 model differs, it is run on the same bytes too.
 */
#include "check.h"
#include "cpu_fixture.h"

static Fixture fx;

#define CODE_CS 0x1000 /* code at 10000h */
#define DATA_DS 0x3000 /* data at 30000h */
#define STACK_SS 0x2000
#define STACK_SP 0x1000   /* stack top at 21000h */
#define HANDLER_CS 0x4000 /* interrupt handlers at 40000h */

/* Real mode with CS:IP = 1000:0000 on `code`; every exception is intercepted (not delivered). */
static void setup(CpuModel model, const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, model), 0);
    fixture_set_mode(&fx, FIXTURE_REAL, 0);
    fixture_write(&fx, (uint64_t)CODE_CS << 4, code, len);
    cpu_load_segment_real(&fx.cpu, SEG_CS, CODE_CS);
    cpu_load_segment_real(&fx.cpu, SEG_DS, DATA_DS);
    cpu_load_segment_real(&fx.cpu, SEG_ES, DATA_DS);
    cpu_load_segment_real(&fx.cpu, SEG_SS, STACK_SS);
    fx.cpu.regs[R_SP] = STACK_SP;
    fx.cpu.rip = 0;
    fx.cpu.exception_intercept = ~0u;
}

/* IVT entry `vector` -> HANDLER_CS:vector*4, where a HLT waits; the vector is delivered. */
static void deliver_to_handler(unsigned vector)
{
    uint8_t entry[4] = {(uint8_t)(vector * 4), 0, HANDLER_CS & 0xff, HANDLER_CS >> 8};
    uint8_t hlt = 0xf4;
    fixture_write(&fx, vector * 4, entry, 4);
    fixture_write(&fx, ((uint64_t)HANDLER_CS << 4) + vector * 4, &hlt, 1);
    fx.cpu.exception_intercept &= ~(1u << vector);
}

static uint16_t peek16(uint64_t gpa)
{
    uint8_t b[2];
    fixture_read(&fx, gpa, b, 2);
    return (uint16_t)(b[0] | b[1] << 8);
}

static void poke16(uint64_t gpa, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fixture_write(&fx, gpa, b, 2);
}

static uint16_t reg16(unsigned r)
{
    return (uint16_t)fx.cpu.regs[r];
}

static uint16_t stack_word(unsigned index)
{
    return peek16(((uint64_t)STACK_SS << 4) + reg16(R_SP) + 2 * index);
}

static uint64_t flags(void)
{
    return cpu_get_rflags(&fx.cpu);
}

/* 8086: 60-6F repeat the Jcc of 70-7F; 64-67 are not prefixes there. */
static void test_cpu_models_8086_jcc_aliases(void)
{
    const uint8_t code[] = {0x60, 0x10, 0x66, 0x20}; /* jo +10h; jbe +20h */
    setup(CPU_MODEL_8086, code, sizeof(code));
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1); /* OF = 0: falls through */
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 2);
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_ZF); /* below or equal: taken */
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 4 + 0x20);
    fixture_destroy(&fx);
}

/* 8086: C0/C1 are RET imm16/RET, C8/C9 RETF imm16/RETF. */
static void test_cpu_models_8086_return_aliases(void)
{
    const uint8_t code[] = {0xc0, 0x04, 0x00}; /* ret 4 */
    setup(CPU_MODEL_8086, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0x1234);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 0x1234);
    CHECK_EQ(reg16(R_SP), STACK_SP + 2 + 4);
    fixture_destroy(&fx);

    const uint8_t retf[] = {0xc9}; /* retf */
    setup(CPU_MODEL_8086, retf, sizeof(retf));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0x5678);
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP + 2, 0x0123);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x0123);
    CHECK_EQ(fx.cpu.rip, 0x5678);
    fixture_destroy(&fx);
}

/* 8086: 8F, C6, C7 ignore ModRM.reg; FF /7 is PUSH; MOV Sreg takes reg mod 4. */
static void test_cpu_models_8086_modrm_reg_aliases(void)
{
    /* mov bl, 5Ah (c6 /3); push bx (ff /7); pop cx (8f /1); mov es, cx (8e /4) */
    const uint8_t code[] = {0xc6, 0xdb, 0x5a, 0xff, 0xfb, 0x8f, 0xc9, 0x8e, 0xe1};
    setup(CPU_MODEL_8086, code, sizeof(code));
    fx.cpu.regs[R_BX] = 0x1200;
    CHECK_EQ(fixture_run(&fx, ~0ull, 4), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_BX), 0x125a);
    CHECK_EQ(reg16(R_CX), 0x125a);
    CHECK_EQ(fx.cpu.seg[SEG_ES].selector, 0x125a);
    CHECK_EQ(reg16(R_SP), STACK_SP);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_UD);
    fixture_destroy(&fx);
}

/* 8086: 0F is POP CS; F1 is a LOCK prefix. */
static void test_cpu_models_8086_pop_cs_and_f1_prefix(void)
{
    const uint8_t code[] = {0xf1, 0x40, 0x0f}; /* lock inc ax; pop cs */
    setup(CPU_MODEL_8086, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0x0777);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 1);
    CHECK_EQ(fx.cpu.rip, 2);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x0777);
    CHECK_EQ(fx.cpu.seg[SEG_CS].base, 0x7770);
    CHECK_EQ(fx.cpu.rip, 3);
    fixture_destroy(&fx);
}

/* 8086: group 2 /6 is SETMO (all ones), and SETMOC with a nonzero CL. */
static void test_cpu_models_8086_setmo(void)
{
    /* setmo al (d0 /6); setmoc bx, cl (d3 /6) with CL = 0, then with CL = 1 */
    const uint8_t code[] = {0xd0, 0xf0, 0xd3, 0xf3, 0xd3, 0xf3};
    setup(CPU_MODEL_8086, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x1234;
    fx.cpu.regs[R_BX] = 0x5678;
    CHECK_EQ(fixture_run(&fx, ~0ull, 2), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0x12ff);
    CHECK_EQ(reg16(R_BX), 0x5678);
    fx.cpu.regs[R_CX] = 1;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_BX), 0xffff);
    fixture_destroy(&fx);
}

/* The 8086 shifts by all of CL; the 80286 and later mask the count to 5 bits. */
static void test_cpu_models_8086_shift_count_unmasked(void)
{
    const uint8_t code[] = {0xd2, 0xe0}; /* shl al, cl */
    setup(CPU_MODEL_8086, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x81;
    fx.cpu.regs[R_CX] = 0x20; /* 32 shifts of a byte: 0, the last bit out was 0 */
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0);
    CHECK_EQ(flags() & (FLAG_CF | FLAG_ZF), FLAG_ZF);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x81;
    fx.cpu.regs[R_CX] = 0x20; /* masked to 0: nothing changes */
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0x81);
    fixture_destroy(&fx);
}

/* PUSH SP: the 8086 pushes the decremented SP, later processors the old one. */
static void test_cpu_models_push_sp(void)
{
    const uint8_t code[] = {0x54}; /* push sp */
    setup(CPU_MODEL_8086, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(stack_word(0), STACK_SP - 2);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(stack_word(0), STACK_SP);
    fixture_destroy(&fx);
}

/*
 * 8086 divide error: INT 0 from the microcode pushes the next IP, and the flags are those of
 * its overflow test high - divisor: 8Fh - 8Fh = 0 sets ZF and PF.
 */
static void test_cpu_models_8086_divide_error_pushes_next_ip(void)
{
    const uint8_t code[] = {0xf6, 0xf4}; /* div ah */
    setup(CPU_MODEL_8086, code, sizeof(code));
    deliver_to_handler(EXC_DE);
    fx.cpu.regs[R_AX] = 0x8f35;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_CF | FLAG_SF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, HANDLER_CS);
    CHECK_EQ(fx.cpu.rip, EXC_DE * 4);
    CHECK_EQ(stack_word(0), 2); /* IP after the DIV */
    CHECK_EQ(stack_word(1), CODE_CS);
    CHECK_EQ(stack_word(2) & FLAGS_ARITH, FLAG_ZF | FLAG_PF);
    CHECK_EQ(reg16(R_AX), 0x8f35);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x8f35;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_DE);
    CHECK_EQ(fx.cpu.rip, 0); /* a fault: the DIV restarts */
    fixture_destroy(&fx);
}

/* 8086 IDIV: quotient magnitudes above 7Fh are errors (-128 too); REP negates the quotient. */
static void test_cpu_models_8086_idiv(void)
{
    const uint8_t code[] = {0xf6, 0xfb, 0xf3, 0xf6, 0xfb}; /* idiv bl; rep idiv bl */
    setup(CPU_MODEL_8086, code, sizeof(code));
    deliver_to_handler(EXC_DE);
    fx.cpu.regs[R_AX] = (uint16_t)-256; /* -256 / 2 = -128 */
    fx.cpu.regs[R_BX] = 2;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, HANDLER_CS);
    fixture_destroy(&fx);

    setup(CPU_MODEL_8086, code, sizeof(code));
    fx.cpu.regs[R_AX] = (uint16_t)-7; /* -7 / 2 = -3 rest -1 */
    fx.cpu.regs[R_BX] = 2;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0xfffd);
    fx.cpu.regs[R_AX] = (uint16_t)-7; /* with REP: quotient +3, remainder still -1 */
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0xff03);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_AX] = (uint16_t)-256; /* the 80286 produces -128 */
    fx.cpu.regs[R_BX] = 2;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0x0080);
    fixture_destroy(&fx);
}

/* FLAGS bits 12-15: always 1 on the 8086; POPF cannot set them on the 80286 in real mode. */
static void test_cpu_models_flags_high_bits(void)
{
    const uint8_t code[] = {0x9d, 0x9c}; /* popf; pushf */
    setup(CPU_MODEL_8086, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0x0001);
    CHECK_EQ(fixture_run(&fx, ~0ull, 2), CPU_EXIT_BUDGET);
    CHECK_EQ(stack_word(0), 0xf003);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0xf001);
    CHECK_EQ(fixture_run(&fx, ~0ull, 2), CPU_EXIT_BUDGET);
    CHECK_EQ(stack_word(0), 0x0003);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0x7001);
    CHECK_EQ(fixture_run(&fx, ~0ull, 2), CPU_EXIT_BUDGET);
    CHECK_EQ(stack_word(0), 0x7003);
    fixture_destroy(&fx);
}

/* 8086 DAA: with AF set the high digit is adjusted only above 9Fh (9Bh + 6 = A1h, CF = 0). */
static void test_cpu_models_8086_daa(void)
{
    const uint8_t code[] = {0x27}; /* daa */
    setup(CPU_MODEL_8086, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x9b;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_AF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0xa1);
    CHECK_EQ(flags() & FLAG_CF, 0);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x9b;
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_AF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0x01);
    CHECK_EQ(flags() & FLAG_CF, FLAG_CF);
    fixture_destroy(&fx);
}

/* DAS: CF takes the borrow of AL - 6 (SDM pseudocode), except on the 8086. */
static void test_cpu_models_das_borrow(void)
{
    const uint8_t code[] = {0x2f}; /* das */
    const CpuModel models[] = {CPU_MODEL_X86_64, CPU_MODEL_80286, CPU_MODEL_8086};
    for (unsigned i = 0; i < 3; i++) {
        setup(models[i], code, sizeof(code));
        fx.cpu.regs[R_AX] = 0x03;
        cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_AF);
        CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
        CHECK_EQ(reg16(R_AX), 0xfd);
        CHECK_EQ(flags() & FLAG_CF, models[i] == CPU_MODEL_8086 ? 0 : FLAG_CF);
        fixture_destroy(&fx);
    }
}

/* 80286: LOCK is accepted on any instruction; the x86-64 processor raises #UD. */
static void test_cpu_models_80286_lock_ignored(void)
{
    const uint8_t code[] = {0xf0, 0x5b}; /* lock pop bx */
    setup(CPU_MODEL_80286, code, sizeof(code));
    poke16(((uint64_t)STACK_SS << 4) + STACK_SP, 0xbeef);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_BX), 0xbeef);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_UD);
    fixture_destroy(&fx);
}

/* 80286: at most 10 bytes per instruction, else #GP(0). */
static void test_cpu_models_80286_length_limit(void)
{
    /* 7 prefixes + mov ax, [1234h] (3 bytes) = 10 bytes; one prefix more is 11 */
    const uint8_t code10[] = {0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0xa1, 0x34, 0x12};
    const uint8_t code11[] = {0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0xa1, 0x34, 0x12};
    setup(CPU_MODEL_80286, code10, sizeof(code10));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 10);
    fixture_destroy(&fx);

    setup(CPU_MODEL_80286, code11, sizeof(code11));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_GP);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code11, sizeof(code11));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(fx.cpu.rip, 11);
    fixture_destroy(&fx);
}

/* 80286: four segment registers; MOV to FS (8E /4) is #UD. */
static void test_cpu_models_80286_no_fs_gs(void)
{
    const uint8_t code[] = {0x8e, 0xe0}; /* mov fs, ax */
    setup(CPU_MODEL_80286, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_UD);
    fixture_destroy(&fx);
}

/*
 * 80286 shifts run count 1-bit steps and keep the last step's OF: SHR by 2 clears OF; RCL by 9
 * returns CF:BL = 0:40h to itself and sets OF = MSB(40h) XOR CF = 0, where the x86-64
 * processor takes the count modulo 9 and changes no flag.
 */
static void test_cpu_models_80286_shift_overflow(void)
{
    const uint8_t code[] = {0xc0, 0xe8, 0x02, 0xc0, 0xd3, 0x09}; /* shr al, 2; rcl bl, 9 */
    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x80;
    fx.cpu.regs[R_BX] = 0x40;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_AX), 0x20);
    CHECK_EQ(flags() & FLAG_OF, 0);
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_OF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_BX), 0x40);
    CHECK_EQ(flags() & (FLAG_OF | FLAG_CF), 0);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code, sizeof(code));
    fx.cpu.regs[R_AX] = 0x80;
    fx.cpu.regs[R_BX] = 0x40;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    cpu_set_rflags(&fx.cpu, FLAG_FIXED1 | FLAG_OF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(reg16(R_BX), 0x40);
    CHECK_EQ(flags() & FLAG_OF, FLAG_OF);
    fixture_destroy(&fx);
}

/* 80286 real mode: a word at SS:FFFFh is #GP, not #SS. */
static void test_cpu_models_80286_stack_overrun_is_gp(void)
{
    const uint8_t code[] = {0x58}; /* pop ax */
    const CpuModel models[] = {CPU_MODEL_80286, CPU_MODEL_X86_64};
    for (unsigned i = 0; i < 2; i++) {
        setup(models[i], code, sizeof(code));
        fx.cpu.regs[R_SP] = 0xffff;
        CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
        CHECK_EQ(fx.cpu.intercepted.vector, models[i] == CPU_MODEL_80286 ? EXC_GP : EXC_SS);
        fixture_destroy(&fx);
    }
}

/* 80286 real mode: a string element at offset FFFFh faults with its index already stepped. */
static void test_cpu_models_80286_string_overrun_steps_index(void)
{
    const uint8_t code[] = {0xf3, 0xab}; /* rep stosw */
    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_DI] = 0xffff;
    fx.cpu.regs[R_CX] = 5;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_GP);
    CHECK_EQ(reg16(R_DI), 0x0001);
    CHECK_EQ(reg16(R_CX), 3); /* a write overrun: counted down twice */
    CHECK_EQ(fx.cpu.rip, 0);
    fixture_destroy(&fx);

    setup(CPU_MODEL_X86_64, code, sizeof(code));
    fx.cpu.regs[R_DI] = 0xffff;
    fx.cpu.regs[R_CX] = 5;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(reg16(R_DI), 0xffff);
    CHECK_EQ(reg16(R_CX), 5);
    fixture_destroy(&fx);
}

/* 80286 real mode: POP to a word at offset FFFFh faults after SP was incremented. */
static void test_cpu_models_80286_pop_memory_overrun(void)
{
    const uint8_t code[] = {0x8f, 0x04}; /* pop word [si] */
    setup(CPU_MODEL_80286, code, sizeof(code));
    fx.cpu.regs[R_SI] = 0xffff;
    CHECK_EQ(fixture_run(&fx, ~0ull, 1), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_GP);
    CHECK_EQ(reg16(R_SP), STACK_SP + 2);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_models_8086_jcc_aliases),
    CHECK_TEST(test_cpu_models_8086_return_aliases),
    CHECK_TEST(test_cpu_models_8086_modrm_reg_aliases),
    CHECK_TEST(test_cpu_models_8086_pop_cs_and_f1_prefix),
    CHECK_TEST(test_cpu_models_8086_setmo),
    CHECK_TEST(test_cpu_models_8086_shift_count_unmasked),
    CHECK_TEST(test_cpu_models_push_sp),
    CHECK_TEST(test_cpu_models_8086_divide_error_pushes_next_ip),
    CHECK_TEST(test_cpu_models_8086_idiv),
    CHECK_TEST(test_cpu_models_flags_high_bits),
    CHECK_TEST(test_cpu_models_8086_daa),
    CHECK_TEST(test_cpu_models_das_borrow),
    CHECK_TEST(test_cpu_models_80286_lock_ignored),
    CHECK_TEST(test_cpu_models_80286_length_limit),
    CHECK_TEST(test_cpu_models_80286_no_fs_gs),
    CHECK_TEST(test_cpu_models_80286_shift_overflow),
    CHECK_TEST(test_cpu_models_80286_stack_overrun_is_gp),
    CHECK_TEST(test_cpu_models_80286_string_overrun_steps_index),
    CHECK_TEST(test_cpu_models_80286_pop_memory_overrun),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
