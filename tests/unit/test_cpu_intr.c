/*
 * Interrupt and exception delivery, INT n/INT3/INTO and IRET in real, protected, virtual-8086
 * and IA-32e mode (cpu/excp.c, cpu/excp_protected.c, cpu/exec_far.c). Expected frames, stacks
 * and error codes follow SDM Vol. 3A §6.12 figure 6-4 (protected-mode frames), §6.13 (error
 * code: IDT bit, EXT), §6.14 figure 6-9 (IA-32e frames, 16-byte alignment, IST), table 6-5
 * (double faults), Vol. 3B §20.3.1.1 figure 20-4 (frame from virtual-8086 mode), Vol. 2A
 * "INT n" (the DPL check, IOPL in virtual-8086 mode) and "IRET" (return to an outer level
 * nulls data segments the outer level may not use).
 */
#include "check.h"
#include "cpu_fixture.h"
#include "seg_test_util.h"

static Fixture fx;

/* 16-bit: int 0x21; hlt */
static const uint8_t real_main[] = {
    0xcd, 0x21, 0xf4,
};
/* 16-bit: mov ax, 0x1234; pushf; pop bx; iret */
static const uint8_t real_handler[] = {
    0xb8, 0x34, 0x12, 0x9c, 0x5b, 0xcf,
};
/* 32-bit: int 0x30; hlt */
static const uint8_t pm_main[] = {
    0xcd, 0x30, 0xf4,
};
/* 32-bit: pushfd; pop ebx; iretd */
static const uint8_t pm_handler[] = {
    0x9c, 0x5b, 0xcf,
};
/* 32-bit: int 0x40 */
static const uint8_t user_int40[] = {
    0xcd, 0x40,
};
/* 32-bit: hlt */
static const uint8_t hlt_only[] = {
    0xf4,
};
/* 32-bit: xor eax, eax; div eax; jmp $ */
static const uint8_t user_div[] = {
    0x31, 0xc0, 0xf7, 0xf0, 0xeb, 0xfe,
};
/* 32-bit: mov ax, 0x10; mov es, ax; add dword [esp], 2; iretd */
static const uint8_t div_handler[] = {
    0x66, 0xb8, 0x10, 0x00, 0x8e, 0xc0, 0x83, 0x04, 0x24, 0x02, 0xcf,
};
/* 64-bit: int 0x31; hlt */
static const uint8_t lm_int31[] = {
    0xcd, 0x31, 0xf4,
};
/* 64-bit: int 0x80; jmp $ */
static const uint8_t lm_user_int80[] = {
    0xcd, 0x80, 0xeb, 0xfe,
};
/* 64-bit: mov ebx, ss; iretq */
static const uint8_t lm_handler_ss[] = {
    0x8c, 0xd3, 0x48, 0xcf,
};
/* 64-bit: mov ax, 0x800; mov ds, ax; hlt */
static const uint8_t lm_bad_ds[] = {
    0x66, 0xb8, 0x00, 0x08, 0x8e, 0xd8, 0xf4,
};
/* 64-bit: mov rbx, 0x300000000; mov eax, [rbx]; hlt */
static const uint8_t lm_touch_unmapped[] = {
    0x48, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x8b, 0x03,
    0xf4,
};
/*
 * 32-bit: push dword 0; push dword 0; push dword 0x0300; push dword 0; push dword 0x2000; push
 * dword 0x0100; push dword 0x00020002; push dword 0x1000; push dword 0x0040; iretd
 */
static const uint8_t pm_to_v86[] = {
    0x6a, 0x00, 0x6a, 0x00, 0x68, 0x00, 0x03, 0x00, 0x00, 0x6a, 0x00, 0x68,
    0x00, 0x20, 0x00, 0x00, 0x68, 0x00, 0x01, 0x00, 0x00, 0x68, 0x02, 0x00,
    0x02, 0x00, 0x68, 0x00, 0x10, 0x00, 0x00, 0x6a, 0x40, 0xcf,
};
/* 16-bit: int 0x21 */
static const uint8_t v86_int21[] = {
    0xcd, 0x21,
};
/* 32-bit: int3; mov al, 0x7f; add al, 1; into; hlt */
static const uint8_t pm_int3_into[] = {
    0xcc, 0xb0, 0x7f, 0x04, 0x01, 0xce, 0xf4,
};
/* 32-bit: iretd */
static const uint8_t iret_handler[] = {
    0xcf,
};

static void start(FixtureMode mode, unsigned cpl)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    t_setup(&fx, mode, cpl);
}

static void start_at(FixtureMode mode, unsigned cpl, const uint8_t *code, unsigned len)
{
    start(mode, cpl);
    uint64_t at = cpl ? T_USER : T_CODE;
    t_write_code(&fx, at, code, len);
    fx.cpu.rip = at;
}

/* Real mode: INT pushes FLAGS, CS, IP and clears IF; IRET restores all three (§20.1.4). */
static void test_cpu_real_mode_int_iret_round_trip(void)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_REAL, 0);
    CpuState *cpu = &fx.cpu;
    t_write_code(&fx, 0x10000, real_main, sizeof(real_main));
    t_write_code(&fx, 0x10100, real_handler, sizeof(real_handler));
    t_put32(&fx, 0x21 * 4, 0x10000100); /* 1000h:0100h */
    cpu_load_segment_real(cpu, SEG_CS, 0x1000);
    cpu_load_segment_real(cpu, SEG_SS, 0x2000);
    cpu->rip = 0;
    cpu->regs[R_SP] = 0x8000;
    cpu_set_rflags(cpu, FLAG_FIXED1 | FLAG_IF);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->regs[R_AX] & 0xffff, 0x1234);
    CHECK_EQ(cpu->regs[R_BX] & FLAG_IF, 0); /* IF clear inside the handler */
    CHECK(cpu_get_rflags(cpu) & FLAG_IF);
    CHECK_EQ(cpu->regs[R_SP] & 0xffff, 0x8000);
    CHECK_EQ(cpu->seg[SEG_CS].selector, 0x1000);
    CHECK_EQ(cpu->rip, 3);
    /* The frame: IP 2, CS 1000h, FLAGS with IF, below SP 8000h. */
    CHECK_EQ(t_get16(&fx, 0x20000 + 0x7ffa), 2);
    CHECK_EQ(t_get16(&fx, 0x20000 + 0x7ffc), 0x1000);
    CHECK(t_get16(&fx, 0x20000 + 0x7ffe) & FLAG_IF);
    fixture_destroy(&fx);
}

/* Same-privilege INT through a 32-bit interrupt gate and IRETD back (§6.12.1). */
static void test_cpu_protected_int_same_privilege_frame(void)
{
    start_at(FIXTURE_FLAT32, 0, pm_main, sizeof(pm_main));
    CpuState *cpu = &fx.cpu;
    t_set_idt32(&fx, 0x30, S_CODE32, T_HANDLER, 0x8e);
    t_write_code(&fx, T_HANDLER, pm_handler, sizeof(pm_handler));
    cpu_set_rflags(cpu, FLAG_FIXED1 | FLAG_IF);
    CHECK_EQ(fixture_run(&fx, T_HANDLER + 2, 100), CPU_EXIT_REQUEST); /* at the IRETD */
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 12);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), T_CODE + 2);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 8), S_CODE32);
    CHECK(t_get32(&fx, T_STACK0 - 4) & FLAG_IF);
    CHECK_EQ(cpu->regs[R_BX] & FLAG_IF, 0);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0);
    CHECK_EQ(cpu->rip, T_CODE + 3);
    CHECK(cpu_get_rflags(cpu) & FLAG_IF);
    fixture_destroy(&fx);
}

/* INT n from ring 3 to a DPL-0 gate: #GP(vector * 8 + 2) on the ring-0 stack (Vol. 2A). */
static void test_cpu_int_gate_dpl_violation_is_gp_with_idt_error_code(void)
{
    start_at(FIXTURE_FLAT32, 3, user_int40, sizeof(user_int40));
    CpuState *cpu = &fx.cpu;
    t_set_idt32(&fx, 0x40, S_CODE32, T_HANDLER, 0x8e);
    t_set_idt32(&fx, EXC_GP, S_CODE32, t_handler_addr(1), 0x8e);
    t_write_code(&fx, t_handler_addr(1), hlt_only, 1);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->rip, t_handler_addr(1) + 1);
    CHECK_EQ(cpu->cpl, 0);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_DATA);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 24);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 24), 0x40 * 8 + 2); /* IDT bit, no EXT */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 20), T_USER);      /* the INT itself (a fault) */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 16), S_UCODE32);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 8), T_STACK3);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 4), S_UDATA);
    /* Faults push RF set (Vol. 3B §17.3.1.1). */
    CHECK(t_get32(&fx, T_STACK0 - 12) & FLAG_RF);
    fixture_destroy(&fx);
}

/*
 * #DE at ring 3 goes to ring 0 on the TSS stack; the handler loads ES with a ring-0 segment
 * and IRETs past the DIV: back at ring 3, SS:ESP are reloaded and ES is null.
 */
static void test_cpu_iret_to_outer_level_reloads_stack_and_nulls_segments(void)
{
    start_at(FIXTURE_FLAT32, 3, user_div, sizeof(user_div));
    CpuState *cpu = &fx.cpu;
    t_set_idt32(&fx, EXC_DE, S_CODE32, T_HANDLER, 0x8e);
    t_write_code(&fx, T_HANDLER, div_handler, sizeof(div_handler));
    CHECK_EQ(fixture_run(&fx, T_USER + 4, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->cpl, 3);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_UCODE32);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_UDATA);
    CHECK_EQ(cpu->regs[R_SP], T_STACK3);
    CHECK_EQ(cpu->seg[SEG_ES].selector, 0);
    CHECK_EQ(cpu->seg[SEG_ES].attr & SEG_ATTR_P, 0);
    CHECK_EQ(cpu->seg[SEG_DS].selector, S_UDATA);
    fixture_destroy(&fx);
}

/* IA-32e: IST stacks are aligned down to 16 and take the 64-bit frame (§6.14.2, §6.14.5). */
static void test_cpu_long_mode_int_uses_ist_aligned(void)
{
    start_at(FIXTURE_LONG64, 0, lm_int31, sizeof(lm_int31));
    CpuState *cpu = &fx.cpu;
    t_set_idt64(&fx, 0x31, S_CODE64, T_HANDLER, 0x8e, 1);
    t_put64(&fx, T_TSS + 0x24, T_IST + 8);
    t_write_code(&fx, T_HANDLER, hlt_only, 1);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->regs[R_SP], T_IST - 40);
    CHECK_EQ(t_get64(&fx, T_IST - 40), T_CODE + 2);
    CHECK_EQ(t_get64(&fx, T_IST - 32), S_CODE64);
    CHECK_EQ(t_get64(&fx, T_IST - 16), T_STACK0);
    CHECK_EQ(t_get64(&fx, T_IST - 8), S_DATA);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_DATA); /* no privilege change: SS kept */
    fixture_destroy(&fx);
}

/* Ring 3 -> ring 0 in IA-32e mode: SS becomes null (RPL 0), IRETQ restores SS:RSP. */
static void test_cpu_long_mode_privilege_change_and_iretq(void)
{
    start_at(FIXTURE_LONG64, 3, lm_user_int80, sizeof(lm_user_int80));
    CpuState *cpu = &fx.cpu;
    t_set_idt64(&fx, 0x80, S_CODE64, T_HANDLER, 0xee, 0);
    t_write_code(&fx, T_HANDLER, lm_handler_ss, sizeof(lm_handler_ss));
    cpu->regs[R_BX] = 0x5555;
    CHECK_EQ(fixture_run(&fx, T_HANDLER + 2, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->cpl, 0);
    CHECK_EQ(cpu->regs[R_BX], 0); /* MOV EBX, SS read the null selector */
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 40);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 16), T_STACK3);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 8), S_UDATA);
    CHECK_EQ(fixture_run(&fx, T_USER + 2, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->cpl, 3);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_UDATA);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_UCODE64);
    CHECK_EQ(cpu->regs[R_SP], T_STACK3);
    fixture_destroy(&fx);
}

/*
 * Table 6-5: a #PF while delivering #GP is handled serially (#PF is delivered), and a #PF
 * while delivering that #PF is a double fault. The stack is on an unmapped page; #DF uses
 * IST1 and pushes error code 0.
 */
static void test_cpu_page_fault_during_delivery_becomes_double_fault(void)
{
    start_at(FIXTURE_LONG64, 0, lm_bad_ds, sizeof(lm_bad_ds));
    CpuState *cpu = &fx.cpu;
    t_set_idt64(&fx, EXC_GP, S_CODE64, t_handler_addr(0), 0x8e, 0);
    t_set_idt64(&fx, EXC_PF, S_CODE64, t_handler_addr(1), 0x8e, 0);
    t_set_idt64(&fx, EXC_DF, S_CODE64, t_handler_addr(2), 0x8e, 1);
    t_put64(&fx, T_TSS + 0x24, T_IST);
    for (unsigned i = 0; i < 3; i++) {
        t_write_code(&fx, t_handler_addr(i), hlt_only, 1);
    }
    cpu->regs[R_SP] = 0x200000010ull; /* PDPT entry 8: not present */
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->rip, t_handler_addr(2) + 1);
    CHECK_EQ(cpu->cr2, 0x200000008ull); /* the first push of the #GP frame */
    CHECK_EQ(cpu->regs[R_SP], T_IST - 48);
    CHECK_EQ(t_get64(&fx, T_IST - 48), 0);
    CHECK_EQ(cpu->seg[SEG_DS].selector, S_DATA); /* the faulting MOV changed nothing */
    fixture_destroy(&fx);
}

/* Table 6-5: #NP (contributory) while delivering #PF is a double fault. */
static void test_cpu_not_present_gate_during_page_fault_is_double_fault(void)
{
    start_at(FIXTURE_LONG64, 0, lm_touch_unmapped, sizeof(lm_touch_unmapped));
    CpuState *cpu = &fx.cpu;
    t_set_idt64(&fx, EXC_PF, S_CODE64, t_handler_addr(1), 0x0e, 0); /* P clear */
    t_set_idt64(&fx, EXC_NP, S_CODE64, t_handler_addr(0), 0x8e, 0);
    t_set_idt64(&fx, EXC_DF, S_CODE64, t_handler_addr(2), 0x8e, 0);
    for (unsigned i = 0; i < 3; i++) {
        t_write_code(&fx, t_handler_addr(i), hlt_only, 1);
    }
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->rip, t_handler_addr(2) + 1);
    CHECK_EQ(cpu->cr2, 0x300000000ull);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 48), 0); /* #DF error code */
    fixture_destroy(&fx);
}

/*
 * IRETD from ring 0 with VM set in the image enters virtual-8086 mode (Vol. 2A "IRET"); there
 * INT n with IOPL < 3 is #GP(0), delivered to ring 0 with GS, FS, DS, ES on the frame and the
 * data segment registers null (Vol. 3B §20.3.1.1).
 */
static void test_cpu_v86_int_with_iopl_below_3_is_gp0(void)
{
    start_at(FIXTURE_FLAT32, 0, pm_to_v86, sizeof(pm_to_v86));
    CpuState *cpu = &fx.cpu;
    t_write_code(&fx, 0x10040, v86_int21, sizeof(v86_int21));
    t_set_idt32(&fx, EXC_GP, S_CODE32, T_HANDLER, 0x8e);
    t_write_code(&fx, T_HANDLER, hlt_only, 1);
    cpu->regs[R_SP] = 0x50000;
    CHECK_EQ(fixture_run(&fx, 0x40, 100), CPU_EXIT_REQUEST);
    CHECK(cpu->rflags & FLAG_VM);
    CHECK_EQ(cpu->cpl, 3);
    CHECK_EQ(cpu->seg[SEG_CS].base, 0x10000);
    CHECK_EQ(cpu->seg[SEG_DS].base, 0x3000);
    CHECK_EQ(cpu->regs[R_SP], 0x100);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK(!(cpu->rflags & FLAG_VM));
    CHECK_EQ(cpu->cpl, 0);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 40);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 40), 0);      /* error code */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 36), 0x40);   /* EIP of the INT */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 32), 0x1000); /* CS */
    CHECK(t_get32(&fx, T_STACK0 - 28) & FLAG_VM);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 24), 0x100);  /* ESP */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 20), 0x2000); /* SS */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), 0x0300); /* DS */
    CHECK_EQ(cpu->seg[SEG_DS].selector, 0);
    CHECK_EQ(cpu->seg[SEG_DS].attr & SEG_ATTR_P, 0);
    fixture_destroy(&fx);
}

/* INT3 and INTO are traps: the frame records the next instruction (Vol. 2A "INT n"). */
static void test_cpu_int3_and_into_are_traps(void)
{
    start_at(FIXTURE_FLAT32, 0, pm_int3_into, sizeof(pm_int3_into));
    CpuState *cpu = &fx.cpu;
    t_set_idt32(&fx, EXC_BP, S_CODE32, t_handler_addr(0), 0x8e);
    t_set_idt32(&fx, EXC_OF, S_CODE32, t_handler_addr(1), 0x8e);
    t_write_code(&fx, t_handler_addr(0), iret_handler, 1);
    t_write_code(&fx, t_handler_addr(1), hlt_only, 1);
    CHECK_EQ(fixture_run(&fx, t_handler_addr(0), 100), CPU_EXIT_REQUEST);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), T_CODE + 1);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->rip, t_handler_addr(1) + 1);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), T_CODE + 6);
    fixture_destroy(&fx);
}

/*
 * CR4.VME with IOPL < 3 (SDM Vol. 3A §20.3.3.5, table 20-2): INT n whose redirection-bitmap
 * bit is clear goes to the v86 program's own IVT entry (method 6), pushing a real-mode frame
 * whose FLAGS carry VIF as IF and IOPL = 3; a set bit is #GP(0) (method 5).
 */
static void test_cpu_v86_vme_redirects_int_through_the_ivt(void)
{
    for (unsigned redirect_to_pm = 0; redirect_to_pm < 2; redirect_to_pm++) {
        start_at(FIXTURE_FLAT32, 0, pm_to_v86, sizeof(pm_to_v86));
        CpuState *cpu = &fx.cpu;
        cpu->paging.cr4 |= CR4_VME;
        /* TSS limit covers a redirection bitmap at 0x68 and the I/O bitmap base at 0x88. */
        cpu->tr.limit = 0x88 + 8192 / 8;
        t_put16(&fx, T_TSS + 0x66, 0x88);
        fixture_write(&fx, T_TSS + 0x68, (uint8_t[32]){ 0 }, 32);
        if (redirect_to_pm) {
            fixture_write(&fx, T_TSS + 0x68 + 0x21 / 8, (uint8_t[1]){ 1u << (0x21 & 7) }, 1);
        }
        t_write_code(&fx, 0x10040, v86_int21, sizeof(v86_int21));
        t_put32(&fx, 0x21 * 4, 0x10000200); /* IVT: 1000:0200 */
        t_set_idt32(&fx, EXC_GP, S_CODE32, T_HANDLER, 0x8e);
        t_write_code(&fx, T_HANDLER, hlt_only, 1);
        cpu->regs[R_SP] = 0x50000;
        CHECK_EQ(fixture_run(&fx, 0x40, 100), CPU_EXIT_REQUEST);
        CHECK(cpu->rflags & FLAG_VM);
        if (redirect_to_pm) {
            CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
            CHECK_EQ(cpu->cpl, 0);
            CHECK_EQ(t_get32(&fx, T_STACK0 - 36), 0x40); /* #GP at the INT */
        } else {
            CHECK_EQ(fixture_run(&fx, 0x200, 10), CPU_EXIT_REQUEST);
            CHECK(cpu->rflags & FLAG_VM);
            CHECK_EQ(cpu->seg[SEG_CS].selector, 0x1000);
            CHECK_EQ(cpu->regs[R_SP] & 0xffff, 0xfa);
            CHECK_EQ(t_get16(&fx, 0x200fa), 0x42);   /* IP after INT 21h */
            CHECK_EQ(t_get16(&fx, 0x200fc), 0x1000); /* CS */
            CHECK_EQ(t_get16(&fx, 0x200fe), 0x3002); /* FLAGS: IOPL 3, IF = VIF = 0 */
            /* The v86 handler returns with IRET (16-bit, VME): the popped IF lands in VIF. */
            t_put16(&fx, 0x200fe, 0x3202);
            t_write_code(&fx, 0x10200, (const uint8_t[]){ 0xcf }, 1);
            CHECK_EQ(fixture_run(&fx, 0x42, 10), CPU_EXIT_REQUEST);
            CHECK(cpu->rflags & FLAG_VM);
            CHECK(cpu->rflags & FLAG_VIF);
            CHECK(!(cpu->rflags & FLAG_IF));
            CHECK_EQ(cpu->rflags & FLAG_IOPL, 0);
            CHECK_EQ(cpu->regs[R_SP] & 0xffff, 0x100);
        }
        fixture_destroy(&fx);
    }
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_real_mode_int_iret_round_trip),
    CHECK_TEST(test_cpu_protected_int_same_privilege_frame),
    CHECK_TEST(test_cpu_int_gate_dpl_violation_is_gp_with_idt_error_code),
    CHECK_TEST(test_cpu_iret_to_outer_level_reloads_stack_and_nulls_segments),
    CHECK_TEST(test_cpu_long_mode_int_uses_ist_aligned),
    CHECK_TEST(test_cpu_long_mode_privilege_change_and_iretq),
    CHECK_TEST(test_cpu_page_fault_during_delivery_becomes_double_fault),
    CHECK_TEST(test_cpu_not_present_gate_during_page_fault_is_double_fault),
    CHECK_TEST(test_cpu_v86_int_with_iopl_below_3_is_gp0),
    CHECK_TEST(test_cpu_v86_vme_redirects_int_through_the_ivt),
    CHECK_TEST(test_cpu_int3_and_into_are_traps),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
