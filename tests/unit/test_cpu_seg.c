/*
 * Segment-register loads, far JMP/CALL/RET and call gates, descriptor-table instructions and
 * hardware task switches (cpu/seg.c, cpu/exec_seg.c, cpu/exec_far.c, cpu/exec_desc.c,
 * cpu/task.c). Expected values follow SDM Vol. 2B "MOV" (#NP(sel), #GP(sel), null selectors),
 * Vol. 3A §3.4.5.1 (accessed bit), §5.8.5 figure 5-13 (call-gate stack switch with parameter
 * copy), §5.8.6 (far return to an outer level), §6.14.4/§5.8.3.1 (64-bit call gates), Vol. 2A
 * "LAR", "LSL", "ARPL", "LLDT", "LTR", "SGDT", "LGDT" (24-bit base with a 16-bit operand),
 * Vol. 2B "VERR/VERW", "PUSH" (16-bit write of a segment register), §7.3 and table 7-2
 * (task switch: saved state, busy bits, NT and the previous task link).
 */
#include "check.h"
#include "cpu_fixture.h"
#include "seg_test_util.h"

static Fixture fx;

/* 32-bit: mov ax, 0x38; mov ds, ax; hlt */
static const uint8_t load_np_ds[] = {
    0x66, 0xb8, 0x38, 0x00, 0x8e, 0xd8, 0xf4,
};
/* 32-bit: mov ax, 0x23; mov ss, ax; hlt */
static const uint8_t load_bad_ss[] = {
    0x66, 0xb8, 0x23, 0x00, 0x8e, 0xd0, 0xf4,
};
/* 32-bit: xor eax, eax; mov ds, ax; mov ebx, [0]; hlt */
static const uint8_t null_ds_access[] = {
    0x31, 0xc0, 0x8e, 0xd8, 0x8b, 0x1d, 0x00, 0x00, 0x00, 0x00, 0xf4,
};
/* 32-bit: mov ax, 0x70; mov es, ax; mov eax, ds; hlt */
static const uint8_t load_es_accessed[] = {
    0x66, 0xb8, 0x70, 0x00, 0x8e, 0xc0, 0x8c, 0xd8, 0xf4,
};
/* 32-bit: push dword 0x11111111; push dword 0x22222222; call 0x40:0; jmp $ */
static const uint8_t user_call_gate[] = {
    0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22, 0x9a, 0x00,
    0x00, 0x00, 0x00, 0x40, 0x00, 0xeb, 0xfe,
};
/* 32-bit: hlt; retf 8 */
static const uint8_t gate_handler[] = {
    0xf4, 0xca, 0x08, 0x00,
};
/* 32-bit: call 0x60:0x20; hlt */
static const uint8_t call_code16[] = {
    0x9a, 0x20, 0x00, 0x00, 0x00, 0x60, 0x00, 0xf4,
};
/* 16-bit: mov ax, 0x5678; o32 retf */
static const uint8_t code16_body[] = {
    0xb8, 0x78, 0x56, 0x66, 0xcb,
};
/*
 * 32-bit: mov ax, 0x88; lldt ax; sldt bx; mov ax, 0x58; ltr ax; str ecx; sgdt [0x20000]; sidt
 * [0x20010]; o16 lgdt [0x20020]; hlt
 */
static const uint8_t desc_insns[] = {
    0x66, 0xb8, 0x88, 0x00, 0x0f, 0x00, 0xd0, 0x66, 0x0f, 0x00, 0xc3, 0x66,
    0xb8, 0x58, 0x00, 0x0f, 0x00, 0xd8, 0x0f, 0x00, 0xc9, 0x0f, 0x01, 0x05,
    0x00, 0x00, 0x02, 0x00, 0x0f, 0x01, 0x0d, 0x10, 0x00, 0x02, 0x00, 0x66,
    0x0f, 0x01, 0x15, 0x20, 0x00, 0x02, 0x00, 0xf4,
};
/*
 * 32-bit: mov cx, 0x10; lar eax, cx; setz dl; mov cx, 0x23; lar eax, cx; setz dh; lsl ebx, cx;
 * mov cx, 0x33; verr cx; setz byte [0x20000]; verw cx; setz byte [0x20001]; mov cx, 0x10; mov
 * si, 0x23; arpl cx, si; setz byte [0x20002]; jmp $
 */
static const uint8_t inspect_insns[] = {
    0x66, 0xb9, 0x10, 0x00, 0x0f, 0x02, 0xc1, 0x0f, 0x94, 0xc2, 0x66, 0xb9,
    0x23, 0x00, 0x0f, 0x02, 0xc1, 0x0f, 0x94, 0xc6, 0x0f, 0x03, 0xd9, 0x66,
    0xb9, 0x33, 0x00, 0x0f, 0x00, 0xe1, 0x0f, 0x94, 0x05, 0x00, 0x00, 0x02,
    0x00, 0x0f, 0x00, 0xe9, 0x0f, 0x94, 0x05, 0x01, 0x00, 0x02, 0x00, 0x66,
    0xb9, 0x10, 0x00, 0x66, 0xbe, 0x23, 0x00, 0x63, 0xf1, 0x0f, 0x94, 0x05,
    0x02, 0x00, 0x02, 0x00, 0xeb, 0xfe,
};
/* 32-bit: mov eax, 0x1111; mov ebx, 0x2222; call 0x58:0; hlt */
static const uint8_t task_call[] = {
    0xb8, 0x11, 0x11, 0x00, 0x00, 0xbb, 0x22, 0x22, 0x00, 0x00, 0x9a, 0x00,
    0x00, 0x00, 0x00, 0x58, 0x00, 0xf4,
};
/* 32-bit: mov eax, 0x1111; jmp 0x58:0 */
static const uint8_t task_jmp[] = {
    0xb8, 0x11, 0x11, 0x00, 0x00, 0xea, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00,
};
/* 32-bit: hlt; iretd */
static const uint8_t task2_body[] = {
    0xf4, 0xcf,
};
/* 64-bit: call far dword [rel p]; jmp $; p: dd 0; dw 0x7b */
static const uint8_t lm_gate64_call[] = {
    0xff, 0x1d, 0x02, 0x00, 0x00, 0x00, 0xeb, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x7b, 0x00,
};
/* 64-bit: hlt; o64 retf */
static const uint8_t lm_gate64_handler[] = {
    0xf4, 0x48, 0xcb,
};
/*
 * 32-bit: mov ax, 0x10; mov ss, ax; pop ds; push es; pop fs; lss esp, [0x20000]; lfs ebx,
 * [0x20008]; hlt
 */
static const uint8_t mov_ss_shadow[] = {
    0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x1f, 0x06, 0x0f, 0xa1, 0x0f, 0xb2,
    0x25, 0x00, 0x00, 0x02, 0x00, 0x0f, 0xb4, 0x1d, 0x08, 0x00, 0x02, 0x00,
    0xf4,
};

/* 32-bit: hlt */
static const uint8_t hlt_only_seg[] = { 0xf4 };

static void start_at(FixtureMode mode, unsigned cpl, const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    t_setup(&fx, mode, cpl);
    uint64_t at = cpl ? T_USER : T_CODE;
    t_write_code(&fx, at, code, len);
    fx.cpu.rip = at;
}

/* An exception handler at T_HANDLER that halts: its frame stays on the ring-0 stack. */
static void install_halting_handler(unsigned vector)
{
    t_set_idt32(&fx, vector, S_CODE32, T_HANDLER, 0x8e);
    t_write_code(&fx, T_HANDLER, hlt_only_seg, 1);
}

static void test_cpu_load_not_present_data_segment_is_np_with_selector(void)
{
    start_at(FIXTURE_FLAT32, 0, load_np_ds, sizeof(load_np_ds));
    install_halting_handler(EXC_NP);
    CpuState *cpu = &fx.cpu;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->rip, T_HANDLER + 1);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 16), S_DATA_NP);  /* error code: the selector */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), T_CODE + 4); /* the MOV DS */
    CHECK_EQ(cpu->seg[SEG_DS].selector, S_DATA);
    fixture_destroy(&fx);
}

static void test_cpu_load_ss_with_rpl_not_cpl_is_gp_with_selector(void)
{
    start_at(FIXTURE_FLAT32, 0, load_bad_ss, sizeof(load_bad_ss));
    install_halting_handler(EXC_GP);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 16), S_UDATA & ~3u);
    CHECK_EQ(fx.cpu.seg[SEG_SS].selector, S_DATA);
    fixture_destroy(&fx);
}

/* A null selector loads into DS; using DS then faults with #GP(0). */
static void test_cpu_null_data_segment_loads_and_faults_on_use(void)
{
    start_at(FIXTURE_FLAT32, 0, null_ds_access, sizeof(null_ds_access));
    install_halting_handler(EXC_GP);
    CpuState *cpu = &fx.cpu;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->seg[SEG_DS].selector, 0);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 16), 0);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), T_CODE + 4); /* the MOV EBX, [0] */
    fixture_destroy(&fx);
}

/* Loading sets the descriptor's accessed bit; MOV r32, Sreg zero-extends. */
static void test_cpu_segment_load_sets_accessed_bit(void)
{
    start_at(FIXTURE_FLAT32, 0, load_es_accessed, sizeof(load_es_accessed));
    CpuState *cpu = &fx.cpu;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    uint8_t access;
    fixture_read(&fx, T_GDT + S_DATA_NA + 5, &access, 1);
    CHECK_EQ(access, 0x93);
    CHECK_EQ(cpu->seg[SEG_ES].selector, S_DATA_NA);
    CHECK_EQ(cpu->regs[R_AX], S_DATA);
    fixture_destroy(&fx);
}

/* MOV SS / POP DS / PUSH ES writes 16 bits of its slot / POP FS / LSS / LFS. */
static void test_cpu_segment_push_pop_and_far_pointer_loads(void)
{
    start_at(FIXTURE_FLAT32, 0, mov_ss_shadow, sizeof(mov_ss_shadow));
    CpuState *cpu = &fx.cpu;
    t_put32(&fx, T_STACK0, 0xdead0023);
    t_put32(&fx, 0x20000, 0x7000);
    t_put16(&fx, 0x20004, S_DATA);
    t_put32(&fx, 0x20008, 0x1234);
    t_put16(&fx, 0x2000c, S_UDATA);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->seg[SEG_DS].selector, S_UDATA);
    CHECK_EQ(t_get32(&fx, T_STACK0), 0xdead0010);
    CHECK_EQ(cpu->seg[SEG_FS].selector, S_UDATA);
    CHECK_EQ(cpu->regs[R_BX], 0x1234);
    CHECK_EQ(cpu->regs[R_SP], 0x7000);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_DATA);
    fixture_destroy(&fx);
}

/*
 * CALL through a 32-bit call gate from ring 3 to ring 0 (figure 5-13): the new stack comes
 * from the TSS and holds the caller's SS, ESP, the two parameters, CS and EIP. RETF 8 returns
 * to ring 3 and releases the parameters on the caller's stack.
 */
static void test_cpu_call_gate_to_ring0_switches_stack_and_copies_parameters(void)
{
    start_at(FIXTURE_FLAT32, 3, user_call_gate, sizeof(user_call_gate));
    CpuState *cpu = &fx.cpu;
    t_write_code(&fx, T_HANDLER, gate_handler, sizeof(gate_handler));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->cpl, 0);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_CODE32);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_DATA);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 24);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 24), T_USER + 17); /* return EIP */
    CHECK_EQ(t_get32(&fx, T_STACK0 - 20), S_UCODE32);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 16), 0x22222222);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 12), 0x11111111);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 8), T_STACK3 - 8);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 4), S_UDATA);
    cpu->halted = false;
    CHECK_EQ(fixture_run(&fx, T_USER + 17, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->cpl, 3);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_UCODE32);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_UDATA);
    CHECK_EQ(cpu->regs[R_SP], T_STACK3);
    fixture_destroy(&fx);
}

/* A 64-bit call gate (16 bytes) from ring 3: RSP0 from the TSS, SS null, 8-byte frame. */
static void test_cpu_long_mode_call_gate_and_far_return(void)
{
    start_at(FIXTURE_LONG64, 3, lm_gate64_call, sizeof(lm_gate64_call));
    CpuState *cpu = &fx.cpu;
    t_put64(&fx, T_GDT + S_GATE64 + 8, 0); /* offset 63:32 = 0, upper type 0 */
    t_write_code(&fx, T_HANDLER, lm_gate64_handler, sizeof(lm_gate64_handler));
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->cpl, 0);
    CHECK_EQ(cpu->seg[SEG_SS].selector, 0);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0 - 32);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 32), T_USER + 6);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 24), S_UCODE64);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 16), T_STACK3);
    CHECK_EQ(t_get64(&fx, T_STACK0 - 8), S_UDATA);
    cpu->halted = false;
    CHECK_EQ(fixture_run(&fx, T_USER + 6, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->cpl, 3);
    CHECK_EQ(cpu->regs[R_SP], T_STACK3);
    CHECK_EQ(cpu->seg[SEG_SS].selector, S_UDATA);
    fixture_destroy(&fx);
}

/* Far CALL to a 16-bit code segment and a 32-bit far RET back (same privilege). */
static void test_cpu_far_call_to_16bit_code_and_back(void)
{
    start_at(FIXTURE_FLAT32, 0, call_code16, sizeof(call_code16));
    CpuState *cpu = &fx.cpu;
    t_write_code(&fx, T_CODE + 0x20, code16_body, sizeof(code16_body));
    CHECK_EQ(fixture_run(&fx, 0x20, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_CODE16);
    CHECK_EQ(cpu->seg[SEG_CS].base, T_CODE);
    CHECK_EQ(cpu->seg[SEG_CS].attr & SEG_ATTR_DB, 0);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 8), T_CODE + 7);
    CHECK_EQ(t_get32(&fx, T_STACK0 - 4), S_CODE32);
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->regs[R_AX] & 0xffff, 0x5678);
    CHECK_EQ(cpu->seg[SEG_CS].selector, S_CODE32);
    CHECK_EQ(cpu->rip, T_CODE + 8);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0);
    fixture_destroy(&fx);
}

/* LLDT, SLDT, LTR (marks the TSS busy), STR, SGDT, SIDT, LGDT with a 16-bit operand. */
static void test_cpu_descriptor_table_instructions(void)
{
    start_at(FIXTURE_FLAT32, 0, desc_insns, sizeof(desc_insns));
    CpuState *cpu = &fx.cpu;
    t_put16(&fx, 0x20020, 0x1ff);
    t_put32(&fx, 0x20022, 0x12345678);
    cpu->regs[R_CX] = ~0ull;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->ldtr.selector, S_LDT);
    CHECK_EQ(cpu->ldtr.base, T_LDT);
    CHECK_EQ(cpu->ldtr.limit, 0xff);
    CHECK_EQ(cpu->regs[R_BX] & 0xffff, S_LDT);
    CHECK_EQ(cpu->tr.selector, S_TSS2);
    CHECK_EQ(cpu->tr.base, T_TSS2);
    uint8_t access;
    fixture_read(&fx, T_GDT + S_TSS2 + 5, &access, 1);
    CHECK_EQ(access, 0x8b);
    CHECK_EQ(cpu->regs[R_CX], S_TSS2); /* STR r32 zero-extends */
    CHECK_EQ(t_get16(&fx, 0x20000), 0x7ff);
    CHECK_EQ(t_get32(&fx, 0x20002), T_GDT);
    CHECK_EQ(t_get16(&fx, 0x20010), 0x7ff);
    CHECK_EQ(t_get32(&fx, 0x20012), T_IDT);
    CHECK_EQ(cpu->gdtr.limit, 0x1ff);
    CHECK_EQ(cpu->gdtr.base, 0x345678);
    fixture_destroy(&fx);
}

/* LAR, LSL, VERR, VERW and ARPL at ring 3. */
static void test_cpu_selector_inspection_instructions(void)
{
    start_at(FIXTURE_FLAT32, 3, inspect_insns, sizeof(inspect_insns));
    CpuState *cpu = &fx.cpu;
    CHECK_EQ(fixture_run(&fx, T_USER + sizeof(inspect_insns) - 2, 100), CPU_EXIT_REQUEST);
    CHECK_EQ(cpu->regs[R_DX] & 0xff, 0);       /* LAR of a DPL-0 segment at CPL 3 */
    CHECK_EQ((cpu->regs[R_DX] >> 8) & 0xff, 1);
    CHECK_EQ(cpu->regs[R_AX], 0x00c0f300);     /* 00CFF300h masked with 00F0FF00h */
    CHECK_EQ(cpu->regs[R_BX], 0xffffffff);     /* LSL: limit FFFFFh, 4 KiB granular */
    uint8_t z[3];
    fixture_read(&fx, 0x20000, z, 3);
    CHECK_EQ(z[0], 1); /* VERR of readable code */
    CHECK_EQ(z[1], 0); /* VERW of code */
    CHECK_EQ(z[2], 1); /* ARPL raised the RPL */
    CHECK_EQ(cpu->regs[R_CX] & 0xffff, 0x13);
    fixture_destroy(&fx);
}

/* Task 2 runs ring-0 flat code at T_HANDLER (HLT; IRETD) with EAX AAAAh, ESP 50000h. */
static void setup_task2(void)
{
    t_put32(&fx, T_TSS2 + 0x20, T_HANDLER); /* EIP */
    t_put32(&fx, T_TSS2 + 0x24, 0x2);       /* EFLAGS */
    t_put32(&fx, T_TSS2 + 0x28, 0xaaaa);    /* EAX */
    t_put32(&fx, T_TSS2 + 0x38, 0x50000);   /* ESP */
    static const unsigned sels[] = { S_DATA, S_CODE32, S_DATA, S_DATA, S_DATA, S_DATA };
    for (unsigned i = 0; i < 6; i++) {
        t_put16(&fx, T_TSS2 + 0x48 + 4 * i, (uint16_t)sels[i]);
    }
    t_write_code(&fx, T_HANDLER, task2_body, sizeof(task2_body));
}

/*
 * CALL to a TSS: the old task's state goes to its TSS, the new TSS is busy and links back to
 * the old one, NT is set; IRET with NT returns and frees the new TSS (table 7-2).
 */
static void test_cpu_task_switch_by_call_and_iret(void)
{
    start_at(FIXTURE_FLAT32, 0, task_call, sizeof(task_call));
    CpuState *cpu = &fx.cpu;
    setup_task2();
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->tr.selector, S_TSS2);
    CHECK_EQ(cpu->regs[R_AX], 0xaaaa);
    CHECK_EQ(cpu->regs[R_SP], 0x50000);
    CHECK(cpu_get_rflags(cpu) & FLAG_NT);
    CHECK(cpu->paging.cr0 & CR0_TS);
    CHECK_EQ(t_get16(&fx, T_TSS2), S_TSS);            /* previous task link */
    CHECK_EQ(t_get32(&fx, T_TSS + 0x20), T_CODE + 17); /* saved EIP: after the CALL */
    CHECK_EQ(t_get32(&fx, T_TSS + 0x28), 0x1111);
    CHECK_EQ(t_get32(&fx, T_TSS + 0x34), 0x2222);
    CHECK_EQ(t_get32(&fx, T_TSS + 0x38), T_STACK0);
    uint8_t access;
    fixture_read(&fx, T_GDT + S_TSS2 + 5, &access, 1);
    CHECK_EQ(access, 0x8b);
    fixture_read(&fx, T_GDT + S_TSS + 5, &access, 1);
    CHECK_EQ(access, 0x8b); /* the caller stays busy */
    cpu->halted = false;
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->tr.selector, S_TSS);
    CHECK_EQ(cpu->rip, T_CODE + 18);
    CHECK_EQ(cpu->regs[R_AX], 0x1111);
    CHECK_EQ(cpu->regs[R_SP], T_STACK0);
    CHECK_EQ(cpu_get_rflags(cpu) & FLAG_NT, 0);
    fixture_read(&fx, T_GDT + S_TSS2 + 5, &access, 1);
    CHECK_EQ(access, 0x89);
    fixture_destroy(&fx);
}

/* JMP to a TSS: the old TSS is freed, no link, NT untouched (table 7-2). */
static void test_cpu_task_switch_by_jmp(void)
{
    start_at(FIXTURE_FLAT32, 0, task_jmp, sizeof(task_jmp));
    CpuState *cpu = &fx.cpu;
    setup_task2();
    CHECK_EQ(fixture_run(&fx, ~0ull, 100), CPU_EXIT_HALT);
    CHECK_EQ(cpu->tr.selector, S_TSS2);
    CHECK_EQ(cpu_get_rflags(cpu) & FLAG_NT, 0);
    CHECK_EQ(t_get16(&fx, T_TSS2), 0);
    CHECK_EQ(t_get32(&fx, T_TSS + 0x28), 0x1111);
    uint8_t access;
    fixture_read(&fx, T_GDT + S_TSS + 5, &access, 1);
    CHECK_EQ(access, 0x89);
    fixture_read(&fx, T_GDT + S_TSS2 + 5, &access, 1);
    CHECK_EQ(access, 0x8b);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_load_not_present_data_segment_is_np_with_selector),
    CHECK_TEST(test_cpu_load_ss_with_rpl_not_cpl_is_gp_with_selector),
    CHECK_TEST(test_cpu_null_data_segment_loads_and_faults_on_use),
    CHECK_TEST(test_cpu_segment_load_sets_accessed_bit),
    CHECK_TEST(test_cpu_segment_push_pop_and_far_pointer_loads),
    CHECK_TEST(test_cpu_call_gate_to_ring0_switches_stack_and_copies_parameters),
    CHECK_TEST(test_cpu_long_mode_call_gate_and_far_return),
    CHECK_TEST(test_cpu_far_call_to_16bit_code_and_back),
    CHECK_TEST(test_cpu_descriptor_table_instructions),
    CHECK_TEST(test_cpu_selector_inspection_instructions),
    CHECK_TEST(test_cpu_task_switch_by_call_and_iret),
    CHECK_TEST(test_cpu_task_switch_by_jmp),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
