/*
 * tests/guest/cpu/rings32.c: privilege transitions in 32-bit protected mode: IRET to ring 3, a
 * call gate with parameter copy and RET back, INT to a DPL 3 gate with a stack switch and IRET
 * back, SYSENTER/SYSEXIT.
 *
 * Sources: SDM Vol. 3A §5.8.5 and Figure 5-13 (call gate to an inner level: new SS:ESP from the
 * TSS; caller SS, ESP, the parameters, CS, EIP pushed; §5.8.6 RET pops them back), §6.12.1
 * (interrupt to an inner level), SDM Vol. 2A "IRET" (return to an outer level nulls ES, FS, GS,
 * DS when their DPL is below the new CPL), Vol. 2B "SYSENTER" (CS = IA32_SYSENTER_CS, SS = CS + 8,
 * ESP/EIP from the MSRs, IF and VM cleared) and "SYSEXIT" (CS = IA32_SYSENTER_CS + 16 | 3,
 * SS = + 24 | 3, EIP = EDX, ESP = ECX).
 */
#include "sys.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define GATE_IDX GUEST_GDT_FREE
#define SEL_GATE ((GATE_IDX << 3) | 3)

extern char user_after_lcall[], user_after_sysenter[], user_after_int[];

/* What ring-0 code saw, written by the gate target and the SYSENTER entry. */
volatile uint32_t k_esp, k_cs, k_ss, k_p0, k_p1, k_ret_cs, k_ret_eip, k_old_esp, k_old_ss;
volatile uint32_t k_flags;

/* Call-gate target (ring 0, on the TSS.ESP0 stack): [EIP][CS][B][A][ESP][SS]. */
__attribute__((naked)) static void gate_target(void)
{
    __asm__ volatile("mov %esp, k_esp\n"
                     "mov %cs, %eax; mov %eax, k_cs\n"
                     "mov %ss, %eax; mov %eax, k_ss\n"
                     "mov 0(%esp), %eax; mov %eax, k_ret_eip\n"
                     "mov 4(%esp), %eax; mov %eax, k_ret_cs\n"
                     "mov 8(%esp), %eax; mov %eax, k_p0\n"
                     "mov 12(%esp), %eax; mov %eax, k_p1\n"
                     "mov 16(%esp), %eax; mov %eax, k_old_esp\n"
                     "mov 20(%esp), %eax; mov %eax, k_old_ss\n"
                     "lret $8");
}

__attribute__((naked)) static void user_lcall(void)
{
    __asm__ volatile("pushl $0xaaaa0001; pushl $0xbbbb0002\n"
                     "lcall $" "0x53" ", $0\n" LABEL(user_after_lcall)
                     "mov %esp, %eax; mov %cs, %ebx; int $0x81");
}
_Static_assert(SEL_GATE == 0x53, "gate selector in user_lcall");

__attribute__((naked)) static void sysenter_entry(void)
{
    __asm__ volatile("mov %esp, k_esp\n"
                     "mov %cs, %eax; mov %eax, k_cs\n"
                     "mov %ss, %eax; mov %eax, k_ss\n"
                     "pushf; pop %eax; mov %eax, k_flags\n"
                     "sysexit");
}

__attribute__((naked)) static void user_sysenter_iopl3(void)
{
    __asm__ volatile("sti\n"
                     "mov $user_after_sysenter, %edx; mov %esp, %ecx; sub $16, %ecx\n"
                     "sysenter\n" LABEL(user_after_sysenter)
                     "mov %cs, %eax; mov %ss, %ebx; mov %esp, %ecx; pushf; pop %edx; cli\n"
                     "int $0x81");
}

static int int80_handler(GuestExcFrame *f)
{
    f->eax += 0x100; /* the user sees the handler's change after IRET */
    return GUEST_EXC_IRET;
}

__attribute__((naked)) static void user_int80(void)
{
    __asm__ volatile("mov $0x11, %eax; int $0x80\n" LABEL(user_after_int)
                     "mov %cs, %ebx; mov %ds, %ecx; int $0x81");
}

__attribute__((naked)) static void user_report_segs(void)
{
    __asm__ volatile("mov %cs, %eax; mov %ss, %ebx; mov %ds, %ecx; mov %es, %edx; int $0x81");
}

static void enter_with_kernel_ds(uintptr_t fn)
{
    /* DS = ES = kernel data (DPL 0) at the IRET: both must come out null (SDM "IRET"). */
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; pushl %1; pushl %2; pushl %3; pushl %4;"
                     "pushl %5; iret"
                     : : "r"(SEL_KDATA), "i"(SEL_UDATA), "r"(GUEST_USTACK_TOP), "i"(EFLAGS_FIXED),
                       "i"(SEL_UCODE32), "r"(fn));
}

static void enter_iopl3(uintptr_t fn)
{
    guest_enter_user(fn, GUEST_USTACK_TOP, EFLAGS_FIXED | EFLAGS_IOPL3);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    guest_sys_init();
    int v;

    v = guest_trap(enter_with_kernel_ds, (uintptr_t)user_report_segs);
    GUEST_CHECK_EQ("iret-ring3-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("iret-ring3-cs", guest_exc.ax, SEL_UCODE32);
    GUEST_CHECK_EQ("iret-ring3-ss", guest_exc.bx, SEL_UDATA);
    GUEST_CHECK_EQ("iret-ring3-ds-nulled", guest_exc.cx, 0);
    GUEST_CHECK_EQ("iret-ring3-es-nulled", guest_exc.dx, 0);

    /* Call gate: DPL 3, to ring-0 code, two dword parameters (SDM Vol. 3A Figure 5-11). */
    guest_gdt[GATE_IDX] = guest_gate32(SEL_KCODE, (uintptr_t)gate_target, DESC_CALL_GATE, 3, 2);
    v = guest_run_user(user_lcall);
    GUEST_CHECK_EQ("callgate-returned-to-ring3", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("callgate-cs", k_cs, SEL_KCODE);
    GUEST_CHECK_EQ("callgate-ss-from-tss", k_ss, SEL_KDATA);
    GUEST_CHECK_EQ("callgate-esp-from-tss", k_esp, GUEST_KSTACK_TOP - 24);
    GUEST_CHECK_EQ("callgate-param-near", k_p0, 0xbbbb0002);
    GUEST_CHECK_EQ("callgate-param-far", k_p1, 0xaaaa0001);
    GUEST_CHECK_EQ("callgate-pushed-cs", k_ret_cs, SEL_UCODE32);
    GUEST_CHECK_EQ("callgate-pushed-eip", k_ret_eip, (uintptr_t)user_after_lcall);
    GUEST_CHECK_EQ("callgate-pushed-esp", k_old_esp, GUEST_USTACK_TOP - 8);
    GUEST_CHECK_EQ("callgate-pushed-ss", k_old_ss, SEL_UDATA);
    GUEST_CHECK_EQ("callgate-ret-pops-params", guest_exc.ax, GUEST_USTACK_TOP);
    GUEST_CHECK_EQ("callgate-ret-cs", guest_exc.bx, SEL_UCODE32);

    /* A gate with DPL 0 is out of reach of ring 3: #GP(gate selector). */
    guest_gdt[GATE_IDX] = guest_gate32(SEL_KCODE, (uintptr_t)gate_target, DESC_CALL_GATE, 0, 2);
    v = guest_run_user(user_lcall);
    GUEST_CHECK_EQ("callgate-dpl0-gp", v, VEC_GP);
    GUEST_CHECK_EQ("callgate-dpl0-error", guest_exc.error, SEL_GATE & ~3u);

    /* INT 0x80 to a DPL 3 interrupt gate; the handler IRETs back to ring 3. */
    guest_exc_handlers[GUEST_VEC_SYSCALL] = int80_handler;
    v = guest_run_user(user_int80);
    guest_exc_handlers[GUEST_VEC_SYSCALL] = 0;
    GUEST_CHECK_EQ("int80-back-in-ring3", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("int80-result", guest_exc.ax, 0x111);
    GUEST_CHECK_EQ("int80-cs-after-iret", guest_exc.bx, SEL_UCODE32);
    GUEST_CHECK_EQ("int80-ds-kept", guest_exc.cx, SEL_UDATA);
    /* MOV r, CS; MOV r, DS; INT 0x81: 6 bytes after the return point of INT 0x80. */
    GUEST_CHECK_EQ("int80-returned-after-int", guest_exc.ip, (uintptr_t)user_after_int + 6);

    /* SYSENTER/SYSEXIT. STI at ring 3 needs IOPL 3, so that SYSENTER's IF clearing shows. */
    guest_wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
    guest_wrmsr(MSR_SYSENTER_ESP, GUEST_KSTACK_TOP - 64);
    guest_wrmsr(MSR_SYSENTER_EIP, (uintptr_t)sysenter_entry);
    v = guest_trap(enter_iopl3, (uintptr_t)user_sysenter_iopl3);
    GUEST_CHECK_EQ("sysenter-sysexit-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("sysenter-cs", k_cs, SEL_KCODE);
    GUEST_CHECK_EQ("sysenter-ss", k_ss, SEL_KDATA);
    GUEST_CHECK_EQ("sysenter-esp", k_esp, GUEST_KSTACK_TOP - 64);
    GUEST_CHECK_EQ("sysenter-clears-if", k_flags & EFLAGS_IF, 0);
    GUEST_CHECK_EQ("sysexit-cs", guest_exc.ax, SEL_UCODE32);
    GUEST_CHECK_EQ("sysexit-ss", guest_exc.bx, SEL_UDATA);
    GUEST_CHECK_EQ("sysexit-esp-from-ecx", guest_exc.cx, GUEST_USTACK_TOP - 16);
    GUEST_CHECK_EQ("sysexit-keeps-if-clear", guest_exc.dx & EFLAGS_IF, 0);

    /* SYSENTER with IA32_SYSENTER_CS = 0 is #GP(0). */
    guest_wrmsr(MSR_SYSENTER_CS, 0);
    v = guest_trap(enter_iopl3, (uintptr_t)user_sysenter_iopl3);
    GUEST_CHECK_EQ("sysenter-null-cs-gp", v, VEC_GP);
    GUEST_CHECK_EQ("sysenter-null-cs-error", guest_exc.error, 0);
    return guest_finish_checks();
}
