/*
 * tests/guest/cpu/exceptions64.c: exceptions in 64-bit mode: vectors, error codes and the 64-bit
 * frame, the interrupt stack table, and what 64-bit mode removed.
 *
 * Sources: SDM Vol. 3A §6.14 "Exception and Interrupt Handling in 64-bit Mode": §6.14.2 (the CPU
 * aligns RSP to 16 bytes and always pushes SS:RSP), §6.14.5 (IST: the TSS field selected by the
 * gate's IST index becomes RSP, unconditionally), §6.15 (each exception; non-canonical addresses
 * raise #GP(0), or #SS(0) for stack references), §6.13 (selector error codes: the index of an IDT
 * reference is the vector), Table 6-5 (#DF). SDM Vol. 2A "INTO": #UD in 64-bit mode; "JMP": a far
 * JMP to a TSS in IA-32e mode is #GP(selector). SDM Vol. 3B §17.3.1.1 (RF = 1 in the EFLAGS image
 * of a fault). Command-line words (QEMU run only, see README): qemu-skip-ac, qemu-skip-rf,
 * qemu-skip-idt64-error, qemu-skip-ss-noncanonical.
 */
#include "sys.h"

extern char de_at[], db_after[], bp_after[], ud_at[], into_at[], nm_at[], gp_at[], gp_nc_at[];
extern char np_at[], pf_at[], pf_w_at[], ss_at[], tss_jmp_at[], align_at[];
extern char user_pf_at[], user_pfw_at[], user_int_at[], user_ac_at[];

__attribute__((aligned(16))) static uint8_t ist_stacks[3][4096];
#define IST_TOP(n) ((uintptr_t)ist_stacks[(n) - 1] + sizeof(ist_stacks[0]))

#define NONCANONICAL 0x0000800000000000ull
#define UNMAPPED 0x0000000100000000ull /* PDPT[4]: entry64.asm maps 4 GiB only */

NOINLINE static void do_de(uintptr_t a)
{
    (void)a;
    __asm__ volatile("xor %%ecx, %%ecx\n" LABEL(de_at) "div %%rcx" : : : "rax", "rcx", "rdx");
}

NOINLINE static void do_db(uintptr_t a)
{
    (void)a;
    __asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop\n" LABEL(db_after) "nop" ::: "memory");
}

NOINLINE static void do_bp(uintptr_t a)
{
    (void)a;
    __asm__ volatile("int3\n" LABEL(bp_after) "nop");
}

NOINLINE static void do_ud(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(ud_at) "ud2");
}

NOINLINE static void do_into(uintptr_t a)
{
    (void)a;
    __asm__ volatile("mov $0x7f, %%al; add $1, %%al\n" LABEL(into_at) ".byte 0xce" ::: "rax");
}

NOINLINE static void do_nm(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(nm_at) "fnop");
}

NOINLINE static void do_load_ds(uintptr_t sel)
{
    __asm__ volatile(LABEL(gp_at) "mov %w0, %%ds; mov %w1, %%ds" : : "r"(sel), "r"(SEL_KDATA));
}

NOINLINE static void do_noncanonical(uintptr_t gva)
{
    __asm__ volatile(LABEL(gp_nc_at) "mov (%0), %%rax" : : "r"(gva) : "rax");
}

NOINLINE static void do_int_np(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(np_at) "int $0x50");
}

NOINLINE static void do_pf(uintptr_t gva)
{
    __asm__ volatile(LABEL(pf_at) "mov (%0), %%rax" : : "r"(gva) : "rax");
}

NOINLINE static void do_pf_write(uintptr_t gva)
{
    __asm__ volatile(LABEL(pf_w_at) "movq $1, (%0)" : : "r"(gva) : "memory");
}

/* PUSH with a non-canonical RSP: #SS(0); delivered through IST1, as the current stack is
 * unusable. The catch restores RSP. */
NOINLINE static void do_ss(uintptr_t sp)
{
    __asm__ volatile("mov %0, %%rsp\n" LABEL(ss_at) "push %%rax" : : "r"(sp) : "memory");
}

NOINLINE static void do_tss_jmp(uintptr_t sel)
{
    struct __attribute__((packed)) {
        uint32_t offset;
        uint16_t sel;
    } target = { 0, (uint16_t)sel };
    __asm__ volatile(LABEL(tss_jmp_at) "ljmpl *%0" : : "m"(target));
}

NOINLINE static void do_gp_from_gp(uintptr_t a)
{
    (void)a;
    __asm__ volatile("mov %w0, %%ds; mov %w1, %%ds" : : "r"(0x1000), "r"(SEL_KDATA));
}

/* UD2 with RSP = sp (misaligned on purpose): the CPU aligns RSP down to 16 before it pushes. */
NOINLINE static void do_misaligned(uintptr_t sp)
{
    __asm__ volatile("mov %0, %%rsp\n" LABEL(align_at) "ud2" : : "r"(sp) : "memory");
}

__attribute__((naked)) static void user_pf(void)
{
    __asm__ volatile("mov $0x100000000, %rax\n" LABEL(user_pf_at) "mov (%rax), %rax\n"
                     "int $0x81");
}

__attribute__((naked)) static void user_pf_write(void)
{
    __asm__ volatile("mov $0x100000000, %rax\n" LABEL(user_pfw_at) "mov %rax, (%rax)\n"
                     "int $0x81");
}

__attribute__((naked)) static void user_int3(void)
{
    __asm__ volatile("int3; int $0x81");
}

__attribute__((naked)) static void user_int_dpl0(void)
{
    __asm__ volatile(LABEL(user_int_at) "int $0x40; int $0x81");
}

__attribute__((naked)) static void user_ac(void)
{
    __asm__ volatile("pushfq; orq $0x40000, (%rsp); popfq\n" LABEL(user_ac_at)
                     "mov -7(%rsp), %eax; int $0x81");
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    bool skip_ac = guest_has_word(mb_info_gpa, "qemu-skip-ac");
    bool skip_rf = guest_has_word(mb_info_gpa, "qemu-skip-rf");
    bool skip_idt64_error = guest_has_word(mb_info_gpa, "qemu-skip-idt64-error");
    bool skip_ss_noncanonical = guest_has_word(mb_info_gpa, "qemu-skip-ss-noncanonical");
    guest_sys_init();
    for (int i = 1; i <= 3; i++) {
        guest_tss.ist[i] = IST_TOP(i);
    }
    int v;
    uint16_t ss;
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));

    v = guest_trap(do_de, 0);
    guest_check_fault("de", v, VEC_DE, (uintptr_t)de_at, 0);
    GUEST_CHECK_EQ("de-cs", guest_exc.cs, SEL_KCODE);
    GUEST_CHECK_EQ("de-ss-pushed-same-cpl", guest_exc.ss, ss);
    /* The frame sits 16-byte aligned right below the interrupted RSP. */
    GUEST_CHECK_EQ("de-frame-below-rsp", guest_exc.frame_gva, (guest_exc.sp & ~15ull) - 40);
    if (!skip_rf) {
        GUEST_CHECK_EQ("de-rf-pushed", guest_exc.flags & EFLAGS_RF, EFLAGS_RF);
    }

    v = guest_trap(do_db, 0);
    GUEST_CHECK_EQ("db-vector", v, VEC_DB);
    GUEST_CHECK_EQ("db-rip-after-next", guest_exc.ip, (uintptr_t)db_after);
    uint64_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    GUEST_CHECK_EQ("db-dr6-bs", dr6 & 0x4000, 0x4000);

    v = guest_trap(do_bp, 0);
    guest_check_fault("bp", v, VEC_BP, (uintptr_t)bp_after, 0);
    v = guest_trap(do_ud, 0);
    guest_check_fault("ud", v, VEC_UD, (uintptr_t)ud_at, 0);
    v = guest_trap(do_into, 0);
    guest_check_fault("into-is-ud", v, VEC_UD, (uintptr_t)into_at, 0);

    uintptr_t cr0 = guest_read_cr0();
    guest_write_cr0((cr0 & ~(uintptr_t)CR0_EM) | CR0_TS);
    v = guest_trap(do_nm, 0);
    guest_write_cr0(cr0);
    guest_check_fault("nm", v, VEC_NM, (uintptr_t)nm_at, 0);

    v = guest_trap(do_load_ds, 0x1003);
    guest_check_fault("gp-beyond-gdt", v, VEC_GP, (uintptr_t)gp_at, 0x1000);
    v = guest_trap(do_noncanonical, NONCANONICAL);
    guest_check_fault("gp-noncanonical", v, VEC_GP, (uintptr_t)gp_nc_at, 0);
    v = guest_trap(do_tss_jmp, SEL_TSS);
    guest_check_fault("gp-jmp-tss-in-long-mode", v, VEC_GP, (uintptr_t)tss_jmp_at, SEL_TSS);

    guest_idt[0x50 * 16 + 5] &= 0x7f;
    v = guest_trap(do_int_np, 0);
    guest_idt_restore(0x50);
    GUEST_CHECK_EQ("np-idt-gate-vector", v, VEC_NP);
    GUEST_CHECK_EQ("np-idt-gate-rip", guest_exc.ip, (uintptr_t)np_at);
    if (!skip_idt64_error) {
        /* The index field holds the vector, not the byte offset of the 16-byte gate. */
        GUEST_CHECK_EQ("np-idt-gate-error", guest_exc.error, 0x50 << 3 | ERR_IDT);
    }

    v = guest_trap(do_pf, UNMAPPED + 0x123);
    guest_check_fault("pf-read", v, VEC_PF, (uintptr_t)pf_at, 0);
    GUEST_CHECK_EQ("pf-read-cr2", guest_exc.cr2, UNMAPPED + 0x123);
    v = guest_trap(do_pf_write, UNMAPPED + 0xff8);
    guest_check_fault("pf-write", v, VEC_PF, (uintptr_t)pf_w_at, PF_W);
    GUEST_CHECK_EQ("pf-write-cr2", guest_exc.cr2, UNMAPPED + 0xff8);

    /* IST1 for #SS: the frame lands at the top of IST1 whatever RSP was. #GP goes through IST1
     * too, so that an emulator raising #GP instead reports a failure, not a triple fault. */
    if (!skip_ss_noncanonical) {
        guest_idt_set_gate(VEC_SS, SEL_KCODE, guest_idt_stub(VEC_SS), DESC_INT_GATE, 0, 1);
        guest_idt_set_gate(VEC_GP, SEL_KCODE, guest_idt_stub(VEC_GP), DESC_INT_GATE, 0, 1);
        v = guest_trap(do_ss, NONCANONICAL + 0x40);
        guest_idt_restore(VEC_SS);
        guest_idt_restore(VEC_GP);
        guest_check_fault("ss-noncanonical-rsp", v, VEC_SS, (uintptr_t)ss_at, 0);
        GUEST_CHECK_EQ("ss-ist1-frame", guest_exc.frame_gva, IST_TOP(1) - 40);
        GUEST_CHECK_EQ("ss-pushed-rsp", guest_exc.sp, NONCANONICAL + 0x40);
    }

    /* #DF through IST2. */
    guest_idt_set_gate(VEC_DF, SEL_KCODE, guest_idt_stub(VEC_DF), DESC_INT_GATE, 0, 2);
    guest_idt[VEC_GP * 16 + 5] &= 0x7f;
    v = guest_trap(do_gp_from_gp, 0);
    guest_idt_restore(VEC_GP);
    guest_idt_restore(VEC_DF);
    GUEST_CHECK_EQ("df-vector", v, VEC_DF);
    GUEST_CHECK_EQ("df-error", guest_exc.error, 0);
    GUEST_CHECK_EQ("df-ist2-frame", guest_exc.frame_gva, IST_TOP(2) - 40);

    uintptr_t odd_sp = (uintptr_t)ist_stacks[2] + 2048 + 8 + 3;
    v = guest_trap(do_misaligned, odd_sp);
    guest_check_fault("misaligned-rsp-ud", v, VEC_UD, (uintptr_t)align_at, 0);
    GUEST_CHECK_EQ("misaligned-rsp-pushed", guest_exc.sp, odd_sp);
    GUEST_CHECK_EQ("misaligned-rsp-frame-aligned", guest_exc.frame_gva, (odd_sp & ~15ull) - 40);

    /* Ring 3: stack switch to TSS.RSP0; SS:RSP, RFLAGS, CS, RIP at its top. */
    v = guest_run_user(user_int3);
    GUEST_CHECK_EQ("user-bp-vector", v, VEC_BP);
    GUEST_CHECK_EQ("user-bp-cs", guest_exc.cs, SEL_UCODE64);
    GUEST_CHECK_EQ("user-bp-ss", guest_exc.ss, SEL_UDATA);
    GUEST_CHECK_EQ("user-bp-rsp", guest_exc.sp, GUEST_USTACK_TOP);
    GUEST_CHECK_EQ("user-bp-frame-at-rsp0", guest_exc.frame_gva, GUEST_KSTACK_TOP - 40);

    /* IST3 on a gate used from ring 3 wins over RSP0. */
    guest_idt_set_gate(VEC_BP, SEL_KCODE, guest_idt_stub(VEC_BP), DESC_INT_GATE, 3, 3);
    v = guest_run_user(user_int3);
    guest_idt_restore(VEC_BP);
    GUEST_CHECK_EQ("user-bp-ist3-frame", guest_exc.frame_gva, IST_TOP(3) - 40);

    v = guest_run_user(user_int_dpl0);
    GUEST_CHECK_EQ("user-int-dpl0-gp-vector", v, VEC_GP);
    GUEST_CHECK_EQ("user-int-dpl0-gp-rip", guest_exc.ip, (uintptr_t)user_int_at);
    if (!skip_idt64_error) {
        GUEST_CHECK_EQ("user-int-dpl0-gp-error", guest_exc.error, 0x40 << 3 | ERR_IDT);
    }
    v = guest_run_user(user_pf);
    guest_check_fault("user-pf-read", v, VEC_PF, (uintptr_t)user_pf_at, PF_U);
    v = guest_run_user(user_pf_write);
    guest_check_fault("user-pf-write", v, VEC_PF, (uintptr_t)user_pfw_at, PF_U | PF_W);

    if (!skip_ac) {
        guest_write_cr0(guest_read_cr0() | CR0_AM);
        v = guest_run_user(user_ac);
        guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_AM);
        guest_check_fault("user-ac", v, VEC_AC, (uintptr_t)user_ac_at, 0);
    }
    return guest_finish_checks();
}
