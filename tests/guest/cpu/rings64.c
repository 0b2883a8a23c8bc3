/*
 * tests/guest/cpu/rings64.c: privilege transitions in 64-bit mode: SYSCALL/SYSRET, a 64-bit call
 * gate and far RET, SYSENTER/SYSEXIT with REX.W, IRETQ to ring 3 and to compatibility mode.
 *
 * Sources: SDM Vol. 2B "SYSCALL" (RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~IA32_FMASK,
 * CS = STAR[47:32], SS = STAR[47:32] + 8), "SYSRET" (64-bit: CS = STAR[63:48] + 16 | 3,
 * SS = STAR[63:48] + 8 | 3, RFLAGS = (R11 & 3C7FD7H) | 2; a non-canonical RCX is #GP(0)),
 * "SYSENTER"/"SYSEXIT" (REX.W SYSEXIT: CS = IA32_SYSENTER_CS + 32 | 3, SS = + 40 | 3), SDM Vol. 3A
 * §5.8.3.1 and §5.8.5 (64-bit call gates: 16 bytes, no parameter copy, the new SS is a null
 * selector with RPL = the new CPL; SS:RSP, CS:RIP pushed as quadwords), Vol. 2A "IRET"
 * (IRETQ to a 32-bit code segment enters compatibility mode).
 * SYSENTER/SYSEXIT in 64-bit mode are Intel behaviour (AMD raises #UD in long mode, AMD APM
 * Vol. 3 "SYSENTER"), so the guest checks for GenuineIntel and QEMU runs with -cpu Nehalem: its
 * default qemu64 model says AuthenticAMD. vireo is GenuineIntel.
 */
#include "sys.h"

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define GATE_IDX GUEST_GDT_FREE
#define SEL_GATE ((GATE_IDX << 3) | 3)

extern char user_after_syscall[], user_after_lcall[], user_after_sysenter[], compat_code[];

volatile uint64_t k_rsp, k_cs, k_ss, k_rcx, k_r11, k_flags, k_ret_rip, k_ret_cs, k_old_rsp;
volatile uint64_t k_old_ss;

__attribute__((naked)) static void syscall_entry(void)
{
    __asm__ volatile("mov %rsp, k_rsp(%rip)\n"
                     "mov %rcx, k_rcx(%rip)\n"
                     "mov %r11, k_r11(%rip)\n"
                     "mov %cs, %eax; mov %rax, k_cs(%rip)\n"
                     "mov %ss, %eax; mov %rax, k_ss(%rip)\n"
                     "pushfq; popq k_flags(%rip)\n"
                     "sysretq");
}

/* Sets DF and OF-free flags the FMASK test can see; RSP stays the user stack. */
__attribute__((naked)) static void user_syscall(void)
{
    __asm__ volatile("std\n"
                     "syscall\n" LABEL(user_after_syscall)
                     "mov %cs, %eax; mov %ss, %ebx; pushfq; popq %rcx; cld\n"
                     "int $0x81");
}

__attribute__((naked)) static void gate_target(void)
{
    __asm__ volatile("mov %rsp, k_rsp(%rip)\n"
                     "mov %cs, %eax; mov %rax, k_cs(%rip)\n"
                     "mov %ss, %eax; mov %rax, k_ss(%rip)\n"
                     "mov 0(%rsp), %rax; mov %rax, k_ret_rip(%rip)\n"
                     "mov 8(%rsp), %rax; mov %rax, k_ret_cs(%rip)\n"
                     "mov 16(%rsp), %rax; mov %rax, k_old_rsp(%rip)\n"
                     "mov 24(%rsp), %rax; mov %rax, k_old_ss(%rip)\n"
                     "lretq");
}

__attribute__((used)) static struct __attribute__((packed)) {
    uint32_t offset;
    uint16_t sel;
} gate_ptr = { 0, SEL_GATE };

__attribute__((naked)) static void user_lcall(void)
{
    __asm__ volatile("lcall *gate_ptr(%rip)\n" LABEL(user_after_lcall)
                     "mov %rsp, %rax; mov %cs, %ebx; mov %ss, %ecx; int $0x81");
}

__attribute__((naked)) static void sysenter_entry(void)
{
    __asm__ volatile("mov %rsp, k_rsp(%rip)\n"
                     "mov %cs, %eax; mov %rax, k_cs(%rip)\n"
                     "mov %ss, %eax; mov %rax, k_ss(%rip)\n"
                     "rex64 sysexit");
}

__attribute__((naked)) static void user_sysenter(void)
{
    __asm__ volatile("lea user_after_sysenter(%rip), %rdx; lea -32(%rsp), %rcx\n"
                     "sysenter\n" LABEL(user_after_sysenter)
                     "mov %cs, %eax; mov %ss, %ebx; mov %rsp, %rcx; int $0x81");
}

/* Compatibility-mode code at ring 3: reports CS and the 32-bit view of a 64-bit register. */
__attribute__((naked, used)) static void user_compat(void)
{
    __asm__ volatile(".code32\n" LABEL(compat_code)
                     "mov %cs, %eax; mov $0xffffffff, %ebx; inc %ebx; int $0x81\n"
                     ".code64");
}

static void enter_compat(uintptr_t fn)
{
    __asm__ volatile("pushq %0; pushq %1; pushq %2; pushq %3; pushq %4; iretq"
                     : : "i"(SEL_UDATA), "r"(GUEST_USTACK_TOP), "i"(EFLAGS_FIXED),
                       "i"(SEL_UCODE32), "r"(fn));
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    uint32_t id[4];
    guest_cpuid(0, 0, id);
    /* "Genu" "ineI" "ntel" in EBX, EDX, ECX. */
    GUEST_CHECK("cpuid-vendor-intel",
                id[1] == 0x756e6547 && id[3] == 0x49656e69 && id[2] == 0x6c65746e);
    guest_sys_init();
    int v;

    guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_SCE);
    guest_wrmsr(MSR_STAR, (uint64_t)0x18 << 48 | (uint64_t)SEL_KCODE << 32);
    guest_wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    guest_wrmsr(MSR_FMASK, EFLAGS_DF | EFLAGS_IF);
    v = guest_run_user(user_syscall);
    GUEST_CHECK_EQ("syscall-sysret-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("syscall-rcx-next-rip", k_rcx, (uintptr_t)user_after_syscall);
    GUEST_CHECK_EQ("syscall-r11-rflags", k_r11, EFLAGS_FIXED | EFLAGS_DF);
    GUEST_CHECK_EQ("syscall-cs", k_cs, SEL_KCODE);
    GUEST_CHECK_EQ("syscall-ss", k_ss, SEL_KDATA);
    GUEST_CHECK_EQ("syscall-rsp-unchanged", k_rsp, GUEST_USTACK_TOP);
    GUEST_CHECK_EQ("syscall-fmask-clears-df", k_flags & EFLAGS_DF, 0);
    GUEST_CHECK_EQ("sysret-cs", guest_exc.ax, SEL_UCODE64);
    GUEST_CHECK_EQ("sysret-ss", guest_exc.bx, SEL_UDATA);
    GUEST_CHECK_EQ("sysret-rflags-from-r11", guest_exc.cx, EFLAGS_FIXED | EFLAGS_DF);

    /* SYSCALL with EFER.SCE = 0 is #UD. */
    guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) & ~(uint64_t)EFER_SCE);
    v = guest_run_user(user_syscall);
    GUEST_CHECK_EQ("syscall-sce0-ud", v, VEC_UD);

    /* 64-bit call gate, DPL 3, to the 64-bit kernel code segment. */
    guest_gdt_set_system64(GATE_IDX, (uintptr_t)gate_target, 0, DESC_CALL_GATE, 3, SEL_KCODE);
    v = guest_run_user(user_lcall);
    GUEST_CHECK_EQ("callgate64-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("callgate64-cs", k_cs, SEL_KCODE);
    GUEST_CHECK_EQ("callgate64-ss-null", k_ss, 0);
    GUEST_CHECK_EQ("callgate64-rsp-from-tss", k_rsp, GUEST_KSTACK_TOP - 32);
    GUEST_CHECK_EQ("callgate64-pushed-rip", k_ret_rip, (uintptr_t)user_after_lcall);
    GUEST_CHECK_EQ("callgate64-pushed-cs", k_ret_cs, SEL_UCODE64);
    GUEST_CHECK_EQ("callgate64-pushed-rsp", k_old_rsp, GUEST_USTACK_TOP);
    GUEST_CHECK_EQ("callgate64-pushed-ss", k_old_ss, SEL_UDATA);
    GUEST_CHECK_EQ("callgate64-lret-rsp", guest_exc.ax, GUEST_USTACK_TOP);
    GUEST_CHECK_EQ("callgate64-lret-cs", guest_exc.bx, SEL_UCODE64);
    GUEST_CHECK_EQ("callgate64-lret-ss", guest_exc.cx, SEL_UDATA);

    /* SYSENTER in 64-bit mode (Intel) and SYSEXIT with REX.W back to 64-bit ring 3. */
    guest_wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
    guest_wrmsr(MSR_SYSENTER_ESP, GUEST_KSTACK_TOP - 128);
    guest_wrmsr(MSR_SYSENTER_EIP, (uintptr_t)sysenter_entry);
    v = guest_run_user(user_sysenter);
    GUEST_CHECK_EQ("sysenter64-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("sysenter64-cs", k_cs, SEL_KCODE);
    GUEST_CHECK_EQ("sysenter64-ss", k_ss, SEL_KDATA);
    GUEST_CHECK_EQ("sysenter64-rsp", k_rsp, GUEST_KSTACK_TOP - 128);
    GUEST_CHECK_EQ("sysexit64-cs", guest_exc.ax, SEL_UCODE64);
    GUEST_CHECK_EQ("sysexit64-ss", guest_exc.bx, SEL_UDATA64);
    GUEST_CHECK_EQ("sysexit64-rsp", guest_exc.cx, GUEST_USTACK_TOP - 32);

    /* IRETQ to a 32-bit ring-3 code segment: compatibility mode, 32-bit arithmetic. */
    v = guest_trap(enter_compat, (uintptr_t)compat_code);
    GUEST_CHECK_EQ("iretq-compat-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("iretq-compat-cs", guest_exc.ax, SEL_UCODE32);
    GUEST_CHECK_EQ("compat-32bit-wrap", guest_exc.bx & 0xffffffffu, 0);
    GUEST_CHECK_EQ("compat-frame-cs", guest_exc.cs, SEL_UCODE32);
    return guest_finish_checks();
}
