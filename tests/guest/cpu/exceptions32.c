/*
 * tests/guest/cpu/exceptions32.c: every exception of 32-bit protected mode, with its vector, error
 * code and the frame the CPU pushes.
 *
 * Sources: SDM Vol. 3A Chapter 6 "Interrupt and Exception Handling": Table 6-1 (vectors, which
 * push an error code, fault or trap), §6.12.1 and Figure 6-4 (frame without and with a privilege
 * change), §6.13 and Figure 6-7 (selector error code: EXT, IDT, TI), §6.15 (each exception: the
 * saved CS:EIP points at the faulting instruction for faults and after the instruction for
 * traps), Table 6-5 (contributory exceptions and #DF). SDM Vol. 3B §17.3.1.1: the EFLAGS image of
 * a fault-class exception has RF = 1. Instruction pages of SDM Vol. 2 for each exception source.
 *
 * Checks the CPU, not the helpers: every expected value is a constant or a label of this file.
 * Command-line words (QEMU run only, see README): qemu-skip-ac, qemu-skip-rf, qemu-skip-seglimit.
 */
#include "sys.h"


extern char de_at[], db_after[], bp_after[], of_after[], br_at[], ud_at[], nm_at[], nm_wait_at[];
extern char gp_at[], gp_limit_at[], np_at[], pf_at[], pf_w_at[], ts_at[], int_np_at[];
extern char user_ss_at[], user_ac_at[], user_int_at[], user_cli_at[];

static uint32_t bounds[2] = { 10, 20 };
static uint8_t small_seg[0x100];

NOINLINE static void do_de(uintptr_t a)
{
    (void)a;
    __asm__ volatile("xor %%ecx, %%ecx\n" LABEL(de_at) "div %%ecx" : : : "eax", "ecx", "edx");
}

/* POPF setting TF: the single-step trap follows the instruction after the POPF (SDM Vol. 3B
 * §17.3.1.4), so the saved EIP is the one after the NOP. */
NOINLINE static void do_db(uintptr_t a)
{
    (void)a;
    __asm__ volatile("pushf; orl $0x100, (%%esp); popf; nop\n" LABEL(db_after) "nop" ::: "memory");
}

NOINLINE static void do_bp(uintptr_t a)
{
    (void)a;
    __asm__ volatile("int3\n" LABEL(bp_after) "nop");
}

NOINLINE static void do_of(uintptr_t a)
{
    (void)a;
    __asm__ volatile("mov $0x7f, %%al; add $1, %%al; into\n" LABEL(of_after) "nop" ::: "eax");
}

NOINLINE static void do_br(uintptr_t a)
{
    (void)a;
    __asm__ volatile("mov $21, %%eax\n" LABEL(br_at) "bound %%eax, %0" : : "m"(bounds) : "eax");
}

NOINLINE static void do_ud(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(ud_at) "ud2");
}

/* CR0.TS = 1: an x87 instruction raises #NM (SDM Vol. 3A §2.5, Table 2-2); WAIT does only when
 * MP = 1 as well. */
NOINLINE static void do_nm(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(nm_at) "fnop");
}

NOINLINE static void do_nm_wait(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(nm_wait_at) "wait");
}

/* MOV to DS: a selector whose index is past the GDT limit is #GP(selector), RPL dropped. */
NOINLINE static void do_load_ds(uintptr_t sel)
{
    __asm__ volatile(LABEL(gp_at) "mov %w0, %%ds; mov %w1, %%ds" : : "r"(sel), "r"(SEL_KDATA));
}

NOINLINE static void do_load_ss(uintptr_t sel)
{
    __asm__ volatile("mov %w0, %%ss; mov %w1, %%ss" : : "r"(sel), "r"(SEL_KDATA));
}

NOINLINE static void do_np(uintptr_t sel)
{
    __asm__ volatile(LABEL(np_at) "mov %w0, %%es; mov %w1, %%es" : : "r"(sel), "r"(SEL_KDATA));
}

/* FS is a 256-byte segment; a dword read at offset 0xfe crosses its limit: #GP(0). */
NOINLINE static void do_gp_limit(uintptr_t sel)
{
    __asm__ volatile("mov %w0, %%fs\n" LABEL(gp_limit_at) "mov %%fs:0xfe, %%eax"
                     : : "r"(sel) : "eax");
}

NOINLINE static void do_int_np(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(int_np_at) "int $0x50");
}

NOINLINE static void do_pf(uintptr_t gva)
{
    __asm__ volatile(LABEL(pf_at) "mov (%0), %%eax" : : "r"(gva) : "eax");
}

NOINLINE static void do_pf_write(uintptr_t gva)
{
    __asm__ volatile(LABEL(pf_w_at) "movl $1, (%0)" : : "r"(gva) : "memory");
}

NOINLINE static void do_ts(uintptr_t sel)
{
    struct __attribute__((packed)) {
        uint32_t offset;
        uint16_t sel;
    } target = { 0, (uint16_t)sel };
    __asm__ volatile(LABEL(ts_at) "ljmp *%0" : : "m"(target));
}

NOINLINE static void do_gp_from_gp(uintptr_t a)
{
    (void)a;
    __asm__ volatile("mov %w0, %%ds; mov %w1, %%ds" : : "r"(0x1000), "r"(SEL_KDATA));
}

/* Ring-3 code, entered by IRET (naked: no prologue touches the stack): each ends with
 * INT GUEST_VEC_USER_DONE unless it faults first. SEL_USER_SMALL is GDT index 13, RPL 3. */
#define SEL_USER_SMALL 0x6b
_Static_assert(SEL_USER_SMALL == ((GUEST_GDT_FREE + 3) << 3 | 3), "user small selector");
__attribute__((naked)) static void user_ss_limit(void)
{
    __asm__ volatile("mov $0x6b, %eax; mov %eax, %ss; mov $2, %esp\n" LABEL(user_ss_at)
                     "push %eax; int $0x81");
}

__attribute__((naked)) static void user_ac(void)
{
    __asm__ volatile("pushf; orl $0x40000, (%esp); popf\n" LABEL(user_ac_at)
                     "mov -7(%esp), %eax; int $0x81");
}

__attribute__((naked)) static void user_int_dpl0(void)
{
    __asm__ volatile(LABEL(user_int_at) "int $0x40; int $0x81");
}

__attribute__((naked)) static void user_cli(void)
{
    __asm__ volatile(LABEL(user_cli_at) "cli; int $0x81");
}

__attribute__((naked)) static void user_int3(void)
{
    __asm__ volatile("int3; int $0x81");
}

static uint32_t page_dir[1024] __attribute__((aligned(4096)));

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    bool skip_ac = guest_has_word(mb_info_gpa, "qemu-skip-ac");
    bool skip_rf = guest_has_word(mb_info_gpa, "qemu-skip-rf");
    bool skip_seglimit = guest_has_word(mb_info_gpa, "qemu-skip-seglimit");
    guest_sys_init();
    int v;

    v = guest_trap(do_de, 0);
    guest_check_fault("de", v, VEC_DE, (uintptr_t)de_at, 0);
    GUEST_CHECK_EQ("de-cs", guest_exc.cs, SEL_KCODE);
    /* Same privilege: no SS:ESP pushed, the frame is on the interrupted stack. */
    GUEST_CHECK("de-frame-on-same-stack",
                guest_exc.frame_gva < GUEST_KSTACK_TOP - sizeof(guest_kstack) ||
                    guest_exc.frame_gva >= GUEST_KSTACK_TOP);
    if (!skip_rf) {
        GUEST_CHECK_EQ("de-rf-pushed", guest_exc.flags & EFLAGS_RF, EFLAGS_RF);
    }

    v = guest_trap(do_db, 0);
    GUEST_CHECK_EQ("db-vector", v, VEC_DB);
    GUEST_CHECK_EQ("db-eip-after-next", guest_exc.ip, (uintptr_t)db_after);
    GUEST_CHECK_EQ("db-tf-in-frame", guest_exc.flags & EFLAGS_TF, EFLAGS_TF);
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    GUEST_CHECK_EQ("db-dr6-bs", dr6 & 0x4000, 0x4000);

    v = guest_trap(do_bp, 0);
    guest_check_fault("bp", v, VEC_BP, (uintptr_t)bp_after, 0);
    v = guest_trap(do_of, 0);
    guest_check_fault("of", v, VEC_OF, (uintptr_t)of_after, 0);
    v = guest_trap(do_br, 0);
    guest_check_fault("br", v, VEC_BR, (uintptr_t)br_at, 0);
    v = guest_trap(do_ud, 0);
    guest_check_fault("ud", v, VEC_UD, (uintptr_t)ud_at, 0);

    uintptr_t cr0 = guest_read_cr0();
    guest_write_cr0((cr0 & ~(uintptr_t)CR0_EM) | CR0_TS);
    v = guest_trap(do_nm, 0);
    guest_check_fault("nm", v, VEC_NM, (uintptr_t)nm_at, 0);
    v = guest_trap(do_nm_wait, 0);
    GUEST_CHECK_EQ("nm-wait-mp0-no-fault", v, -1);
    guest_write_cr0((cr0 & ~(uintptr_t)CR0_EM) | CR0_TS | CR0_MP);
    v = guest_trap(do_nm_wait, 0);
    guest_check_fault("nm-wait-mp1", v, VEC_NM, (uintptr_t)nm_wait_at, 0);
    __asm__ volatile("clts");
    GUEST_CHECK_EQ("clts", guest_read_cr0() & CR0_TS, 0);
    guest_write_cr0(cr0);

    /* #GP with selector error codes (index | TI | IDT | EXT, SDM Vol. 3A §6.13). */
    v = guest_trap(do_load_ds, 0x1003);
    guest_check_fault("gp-beyond-gdt", v, VEC_GP, (uintptr_t)gp_at, 0x1000);
    v = guest_trap(do_load_ds, SEL_TSS);
    guest_check_fault("gp-system-desc-in-ds", v, VEC_GP, (uintptr_t)gp_at, SEL_TSS);
    __asm__ volatile("lldt %w0" : : "r"(0)); /* null LDTR: LDT references are #GP(sel) */
    v = guest_trap(do_load_ds, 0x0c);
    guest_check_fault("gp-ldt-null", v, VEC_GP, (uintptr_t)gp_at, 0x0c);
    v = guest_trap(do_load_ss, SEL_UDATA);
    GUEST_CHECK_EQ("gp-ss-rpl-not-cpl-vector", v, VEC_GP);
    GUEST_CHECK_EQ("gp-ss-rpl-not-cpl-error", guest_exc.error, SEL_UDATA & ~3u);
    v = guest_trap(do_load_ss, SEL_KCODE);
    GUEST_CHECK_EQ("gp-ss-code-seg-error", guest_exc.error, SEL_KCODE);
    v = guest_trap(do_load_ss, 0);
    GUEST_CHECK_EQ("gp-ss-null-vector", v, VEC_GP);
    GUEST_CHECK_EQ("gp-ss-null-error", guest_exc.error, 0);

    unsigned small = GUEST_GDT_FREE;
    guest_gdt[small] = guest_seg_desc((uintptr_t)small_seg, 0xff, 0x92, 0x4);
    if (!skip_seglimit) {
        v = guest_trap(do_gp_limit, small << 3);
        guest_check_fault("gp-limit", v, VEC_GP, (uintptr_t)gp_limit_at, 0);
    }

    /* #NP: a data segment with P = 0; an IDT gate with P = 0 (IDT bit set in the code). */
    guest_gdt[small + 1] = guest_seg_desc(0, 0xfffff, 0x12, 0xc);
    v = guest_trap(do_np, (small + 1) << 3);
    guest_check_fault("np-segment", v, VEC_NP, (uintptr_t)np_at, (small + 1) << 3);
    guest_idt[0x50 * 8 + 5] &= 0x7f;
    v = guest_trap(do_int_np, 0);
    guest_check_fault("np-idt-gate", v, VEC_NP, (uintptr_t)int_np_at, 0x50 << 3 | ERR_IDT);
    guest_idt_restore(0x50);

    /* #SS: MOV SS with a not-present segment is #SS(selector), not #NP (SDM Vol. 2B "MOV"). */
    v = guest_trap(do_load_ss, (small + 1) << 3);
    GUEST_CHECK_EQ("ss-not-present-vector", v, VEC_SS);
    GUEST_CHECK_EQ("ss-not-present-error", guest_exc.error, (small + 1) << 3);

    /* #TS: a TSS whose limit is below 67H (SDM Vol. 3A §7.3, Table 7-1). */
    guest_gdt[small + 2] = guest_seg_desc((uintptr_t)small_seg, 0x50, 0x80 | DESC_TSS_AVAIL, 0);
    v = guest_trap(do_ts, (small + 2) << 3);
    guest_check_fault("ts-tss-limit", v, VEC_TS, (uintptr_t)ts_at, (small + 2) << 3);

    /* #DF: #GP whose gate is not present raises #NP while delivering: two contributory
     * exceptions make a double fault with error code 0 (SDM Vol. 3A Table 6-5). */
    guest_idt[VEC_GP * 8 + 5] &= 0x7f;
    v = guest_trap(do_gp_from_gp, 0);
    guest_idt_restore(VEC_GP);
    GUEST_CHECK_EQ("df-vector", v, VEC_DF);
    GUEST_CHECK_EQ("df-error", guest_exc.error, 0);

    /* #PF: 4 MiB identity pages for the first GiB, nothing above (SDM Vol. 3A §4.3). */
    for (unsigned i = 0; i < 256; i++) {
        page_dir[i] = i << 22 | 0x87; /* P | RW | US | PS */
    }
    guest_write_cr3((uintptr_t)page_dir);
    guest_write_cr4(guest_read_cr4() | CR4_PSE);
    guest_write_cr0(guest_read_cr0() | CR0_PG);
    v = guest_trap(do_pf, 0x40000123);
    guest_check_fault("pf-read-not-present", v, VEC_PF, (uintptr_t)pf_at, 0);
    GUEST_CHECK_EQ("pf-read-cr2", guest_exc.cr2, 0x40000123);
    v = guest_trap(do_pf_write, 0x7fc00ffe);
    guest_check_fault("pf-write-not-present", v, VEC_PF, (uintptr_t)pf_w_at, PF_W);
    GUEST_CHECK_EQ("pf-write-cr2", guest_exc.cr2, 0x7fc00ffe);
    guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_PG);

    /* Ring 3. INT3 (DPL 3 gate): stack switch to TSS.SS0:ESP0, frame SS, ESP, EFLAGS, CS, EIP
     * at its top (SDM Vol. 3A Figure 6-4). */
    v = guest_run_user(user_int3);
    GUEST_CHECK_EQ("user-bp-vector", v, VEC_BP);
    GUEST_CHECK_EQ("user-bp-cs", guest_exc.cs, SEL_UCODE32);
    GUEST_CHECK_EQ("user-bp-ss", guest_exc.ss, SEL_UDATA);
    GUEST_CHECK_EQ("user-bp-frame-at-esp0", guest_exc.frame_gva, GUEST_KSTACK_TOP - 20);
    GUEST_CHECK_EQ("user-bp-esp", guest_exc.sp, GUEST_USTACK_TOP);

    v = guest_run_user(user_int_dpl0);
    guest_check_fault("user-int-dpl0-gp", v, VEC_GP, (uintptr_t)user_int_at, 0x40 << 3 | ERR_IDT);
    v = guest_run_user(user_cli);
    guest_check_fault("user-cli-iopl0-gp", v, VEC_GP, (uintptr_t)user_cli_at, 0);

    /* #SS(0): a push below a 256-byte DPL 3 stack segment (expand-up, limit 0xff). */
    guest_gdt[small + 3] = guest_seg_desc((uintptr_t)small_seg, 0xff, 0xf2, 0x4);
    if (!skip_seglimit) {
        v = guest_run_user(user_ss_limit);
        guest_check_fault("user-ss-limit", v, VEC_SS, (uintptr_t)user_ss_at, 0);
        GUEST_CHECK_EQ("user-ss-limit-frame-ss", guest_exc.ss, SEL_USER_SMALL);
        GUEST_CHECK_EQ("user-ss-limit-frame-esp", guest_exc.sp, 2);
        GUEST_CHECK_EQ("user-ss-limit-frame-at-esp0", guest_exc.frame_gva, GUEST_KSTACK_TOP - 20);
    }

    /* #AC: CR0.AM = 1, EFLAGS.AC = 1, CPL 3, a misaligned dword (SDM Vol. 3A §6.15 "Interrupt
     * 17"): error code 0. */
    if (!skip_ac) {
        guest_write_cr0(guest_read_cr0() | CR0_AM);
        v = guest_run_user(user_ac);
        guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_AM);
        guest_check_fault("user-ac", v, VEC_AC, (uintptr_t)user_ac_at, 0);
    }
    v = guest_run_user(user_ac);
    GUEST_CHECK_EQ("user-ac-am0-no-fault", v, GUEST_VEC_USER_DONE);

    return guest_finish_checks();
}
