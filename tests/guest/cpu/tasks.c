/*
 * tests/guest/cpu/tasks.c: hardware task switching with 32-bit TSSs: JMP to a TSS and back, CALL
 * to a TSS and IRET back through the previous-task link (EFLAGS.NT), INT n through a task gate,
 * #DF through a task gate, the saved and loaded state (general and segment registers, EFLAGS,
 * EIP, CR3), the busy bits in the GDT, and the faults on a busy or not-busy target.
 *
 * Sources: SDM Vol. 3A Chapter 7 "Task Management": §7.2.1 and Figure 7-2 (32-bit TSS layout),
 * §7.2.2 (TSS descriptor: type 1001B available, 1011B busy), §7.3 (task switch steps: the old
 * task's general registers, segment selectors, EFLAGS and EIP are saved in its TSS; CR3 and LDTR
 * are not; the new task's state, CR3 included, is loaded from its TSS), Table 7-1 (a JMP, CALL or
 * INT to a busy TSS is #GP, an IRET to a TSS that is not busy is #TS), §7.4 and Table 7-2 (busy
 * flag: set in the new task; cleared in the old one for JMP and IRET, kept for CALL and INT; NT:
 * set in the new task for CALL and INT, cleared in the old task's saved EFLAGS by IRET; previous
 * task link written for CALL and INT only; CR0.TS set by every task switch), §6.11.1 and §6.12.2
 * (task gates in the IDT; an error code is pushed on the new task's stack), Table 6-5 (a #NP
 * while delivering a #GP is a #DF, error code 0). Vol. 2 "JMP", "CALL", "IRET": #GP(selector)
 * for a busy TSS, #TS(selector) for a task return to a TSS that is not busy.
 *
 * Paging is on (4 MiB pages, CR4.PSE), so that task B can run with its own CR3: linear ALIAS_GVA
 * maps a different physical page in B's page directory.
 */
#include "sys.h"

#define IDX_A GUEST_GDT_FREE
#define SEL_A (IDX_A << 3)       /* 0x50, entered by JMP */
#define SEL_B ((IDX_A + 1) << 3) /* 0x58, entered by CALL, own CR3 */
#define SEL_C ((IDX_A + 2) << 3) /* 0x60, entered by INT 0x50 through a task gate */
#define SEL_D ((IDX_A + 3) << 3) /* 0x68, #DF through a task gate */
#define VEC_TASK 0x50
#define SEL_BAD_DS 0x1230 /* past the GDT limit: #GP(0x1230) */

#define PDE_4M 0x83u /* P | RW | PS */
#define ALIAS_GVA 0x40000000u
#define ALIAS_GPA_MAIN 0x00800000u
#define ALIAS_GPA_B 0x00c00000u

/* EFLAGS of task A's TSS: CF, PF, ZF, OF set, IF and NT clear. */
#define A_FLAGS (EFLAGS_FIXED | EFLAGS_CF | 0x4u | 0x40u | EFLAGS_OF)
/* EFLAGS task A leaves with: CF, PF, SF. */
#define A_EXIT_FLAGS (EFLAGS_FIXED | EFLAGS_CF | 0x4u | 0x80u)
#define LINK_SENTINEL 0x7770u

static uint32_t pd_main[1024] __attribute__((aligned(4096)));
static uint32_t pd_b[1024] __attribute__((aligned(4096)));

static GuestTss32 tss_a __attribute__((aligned(128)));
static GuestTss32 tss_b __attribute__((aligned(128)));
static GuestTss32 tss_c __attribute__((aligned(128)));
static GuestTss32 tss_d __attribute__((aligned(128)));
static uint8_t stack_a[8192] __attribute__((aligned(16)));
static uint8_t stack_b[8192] __attribute__((aligned(16)));
static uint8_t stack_c[8192] __attribute__((aligned(16)));
static uint8_t stack_d[8192] __attribute__((aligned(16)));

/* What the task entries saw, in register order EAX ECX EDX EBX ESP EBP ESI EDI. */
volatile uint32_t a_regs[8], a_segs[6], a_flags, a_tr, a_cr0;
volatile uint32_t b_flags, b_tr, b_cr3, b_alias, b_cr0;
volatile uint32_t c_flags, c_tr;
volatile uint32_t d_flags, d_esp, d_error, d_tr;
volatile uint32_t main_eax, main_esi, main_flags, main_alias;

extern char task_a_entry[], task_a_back[], task_b_entry[], task_b_after_iret[];
extern char task_c_entry[], task_d_entry[];
extern char main_after_jmp[], b_call_busy_at[], b_jmp_self_at[], main_jmp_busy_at[];
extern char main_call_busy_at[], iret_nt_at[], df_recover[];

void task_a_body(void);
void task_b_body(void);
void task_c_body(void);
void task_d_body(void);

/*
 * Task entries. Each first saves what the TSS loaded, then clears DF for C code, calls its body,
 * and leaves: A by JMP to the main task, B, C and D by IRET (NT = 1, task return). A later switch
 * into the same task resumes after the JMP or IRET, hence the jump back to the entry.
 */
__asm__(".text\n"
        ".globl task_a_entry\n"
        "task_a_entry:\n"
        "  mov %eax, a_regs; mov %ecx, a_regs+4; mov %edx, a_regs+8; mov %ebx, a_regs+12\n"
        "  mov %esp, a_regs+16; mov %ebp, a_regs+20; mov %esi, a_regs+24; mov %edi, a_regs+28\n"
        "  mov %cs, a_segs; mov %ss, a_segs+4; mov %ds, a_segs+8; mov %es, a_segs+12\n"
        "  mov %fs, a_segs+16; mov %gs, a_segs+20\n"
        "  pushf; popl a_flags; str a_tr; mov %cr0, %eax; mov %eax, a_cr0\n"
        "  cld; call task_a_body\n"
        "  mov $0xa5a5a5a5, %eax; mov $0x23, %ecx; mov %ecx, %gs; pushl $0x87; popf\n"
        "  ljmp $0x38, $0\n"
        ".globl task_a_back\n"
        "task_a_back:\n"
        "  jmp task_a_entry\n"

        ".globl task_b_entry\n"
        "task_b_entry:\n"
        "  pushf; popl b_flags; str b_tr; mov %cr3, %eax; mov %eax, b_cr3\n"
        "  mov %cr0, %eax; mov %eax, b_cr0; mov 0x40000000, %eax; mov %eax, b_alias\n"
        "  cld; call task_b_body\n"
        "  mov $0xb0b0b0b0, %eax\n"
        "  iret\n"
        ".globl task_b_after_iret\n"
        "task_b_after_iret:\n"
        "  jmp task_b_entry\n"

        ".globl task_c_entry\n"
        "task_c_entry:\n"
        "  pushf; popl c_flags; str c_tr\n"
        "  cld; call task_c_body\n"
        "  iret\n"
        "  jmp task_c_entry\n"

        ".globl task_d_entry\n"
        "task_d_entry:\n"
        "  mov %esp, d_esp; mov (%esp), %eax; mov %eax, d_error\n"
        "  pushf; popl d_flags; str d_tr\n"
        "  cld; call task_d_body\n"
        "  add $4, %esp\n"
        "  iret\n"
        "  jmp task_d_entry\n");

static unsigned desc_type(uint16_t sel)
{
    return (unsigned)(guest_gdt[sel >> 3] >> 40) & 0xf;
}

static void tss_init(GuestTss32 *t, uint16_t sel, const char *entry, uint8_t *stack_top,
                     uint32_t cr3)
{
    uint8_t *p = (uint8_t *)t;
    for (size_t i = 0; i < sizeof(*t); i++) {
        p[i] = 0;
    }
    t->link = LINK_SENTINEL;
    t->eip = (uintptr_t)entry;
    t->esp = (uintptr_t)stack_top;
    t->eflags = EFLAGS_FIXED;
    t->cr3 = cr3;
    t->cs = SEL_KCODE;
    t->ss = SEL_KDATA;
    t->ds = SEL_KDATA;
    t->es = SEL_KDATA;
    t->fs = SEL_UDATA;
    t->gs = 0;
    t->iomap_base = sizeof(*t); /* past the limit: no I/O bitmap */
    guest_gdt[sel >> 3] = guest_seg_desc((uintptr_t)t, sizeof(*t) - 1, 0x80 | DESC_TSS_AVAIL, 0);
}

/* Task A, entered by JMP: the TSS values arrived; the JMP cleared the main task's busy bit. */
void task_a_body(void)
{
    static const uint32_t want[8] = { 0xa0000001, 0xa0000002, 0xa0000003, 0xa0000004,
                                      0, 0xa0000005, 0xa0000006, 0xa0000007 };
    bool regs_ok = true;
    for (int i = 0; i < 8; i++) {
        uint32_t w = i == 4 ? (uint32_t)(uintptr_t)(stack_a + sizeof(stack_a)) : want[i];
        if (a_regs[i] != w) {
            guest_fail("jmp-a-registers", "register %d: 0x%x, want 0x%x", i, a_regs[i], w);
            regs_ok = false;
        }
    }
    if (regs_ok) {
        guest_pass("jmp-a-registers");
    }
    GUEST_CHECK_EQ("jmp-a-cs", a_segs[0] & 0xffff, SEL_KCODE);
    GUEST_CHECK_EQ("jmp-a-ss", a_segs[1] & 0xffff, SEL_KDATA);
    GUEST_CHECK_EQ("jmp-a-ds", a_segs[2] & 0xffff, SEL_KDATA);
    GUEST_CHECK_EQ("jmp-a-fs", a_segs[4] & 0xffff, SEL_UDATA);
    GUEST_CHECK_EQ("jmp-a-gs-null", a_segs[5] & 0xffff, 0);
    GUEST_CHECK_EQ("jmp-a-eflags", a_flags, A_FLAGS);
    GUEST_CHECK_EQ("jmp-a-tr", a_tr & 0xffff, SEL_A);
    GUEST_CHECK_EQ("jmp-a-cr0-ts", a_cr0 & CR0_TS, CR0_TS);
    GUEST_CHECK_EQ("jmp-a-busy", desc_type(SEL_A), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("jmp-old-not-busy", desc_type(SEL_TSS), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("jmp-no-link", tss_a.link, LINK_SENTINEL);
    GUEST_CHECK_EQ("jmp-saved-old-eip", guest_tss.tss.eip, (uintptr_t)main_after_jmp);
    GUEST_CHECK_EQ("jmp-saved-old-eax", guest_tss.tss.eax, 0x5a5a0001);
    GUEST_CHECK_EQ("jmp-saved-old-esi", guest_tss.tss.esi, 0x5a5a0002);
}

NOINLINE static void call_busy(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(b_call_busy_at) "lcall $0x38, $0" ::: "memory");
}

NOINLINE static void jmp_self(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(b_jmp_self_at) "ljmp $0x58, $0" ::: "memory");
}

/* Task B, entered by CALL: NT, the link, both busy bits, its own CR3. */
void task_b_body(void)
{
    GUEST_CHECK_EQ("call-b-nt", b_flags & EFLAGS_NT, EFLAGS_NT);
    GUEST_CHECK_EQ("call-b-tr", b_tr & 0xffff, SEL_B);
    GUEST_CHECK_EQ("call-b-link", tss_b.link, SEL_TSS);
    GUEST_CHECK_EQ("call-b-busy", desc_type(SEL_B), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("call-old-stays-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("call-b-cr3", b_cr3, (uintptr_t)pd_b);
    GUEST_CHECK_EQ("call-b-alias", b_alias, ALIAS_GPA_B);
    GUEST_CHECK_EQ("call-b-cr0-ts", b_cr0 & CR0_TS, CR0_TS);
    int v = guest_trap(call_busy, 0);
    guest_check_fault("call-busy-main", v, VEC_GP, (uintptr_t)b_call_busy_at, SEL_TSS);
    v = guest_trap(jmp_self, 0);
    guest_check_fault("jmp-busy-self", v, VEC_GP, (uintptr_t)b_jmp_self_at, SEL_B);
}

void task_c_body(void)
{
    GUEST_CHECK_EQ("gate-c-nt", c_flags & EFLAGS_NT, EFLAGS_NT);
    GUEST_CHECK_EQ("gate-c-tr", c_tr & 0xffff, SEL_C);
    GUEST_CHECK_EQ("gate-c-link", tss_c.link, SEL_TSS);
    GUEST_CHECK_EQ("gate-c-busy", desc_type(SEL_C), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("gate-old-stays-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
}

/* #DF task: the main task's saved CS:EIP is undefined (SDM Vol. 3A §6.15, Interrupt 8), so the
 * handler points it at df_recover and puts the #GP gate back before the task return. */
void task_d_body(void)
{
    GUEST_CHECK_EQ("df-task-error", d_error, 0);
    GUEST_CHECK_EQ("df-task-error-on-new-stack", d_esp,
                   (uintptr_t)(stack_d + sizeof(stack_d)) - 4);
    GUEST_CHECK_EQ("df-task-nt", d_flags & EFLAGS_NT, EFLAGS_NT);
    GUEST_CHECK_EQ("df-task-tr", d_tr & 0xffff, SEL_D);
    GUEST_CHECK_EQ("df-task-link", tss_d.link, SEL_TSS);
    guest_idt[VEC_GP * 8 + 5] |= 0x80;
    guest_tss.tss.eip = (uintptr_t)df_recover;
}

NOINLINE static void main_jmp_busy(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(main_jmp_busy_at) "ljmp $0x38, $0" ::: "memory");
}

NOINLINE static void main_call_busy(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(main_call_busy_at) "lcall $0x38, $0" ::: "memory");
}

/* IRET with NT = 1 returns to the task in the link field; that TSS is not busy: #TS. */
NOINLINE static void iret_nt_not_busy(uintptr_t a)
{
    (void)a;
    __asm__ volatile("pushf; orl %0, (%%esp); popf\n" LABEL(iret_nt_at) "iret"
                     : : "i"(EFLAGS_NT) : "memory", "cc");
}

static void setup_paging(void)
{
    for (unsigned i = 0; i < 256; i++) { /* identity map of the first GiB */
        pd_main[i] = (i << 22) | PDE_4M;
        pd_b[i] = (i << 22) | PDE_4M;
    }
    pd_main[ALIAS_GVA >> 22] = ALIAS_GPA_MAIN | PDE_4M;
    pd_b[ALIAS_GVA >> 22] = ALIAS_GPA_B | PDE_4M;
    /* Each physical page holds its own address, written before paging is on. */
    *(volatile uint32_t *)(uintptr_t)ALIAS_GPA_MAIN = ALIAS_GPA_MAIN;
    *(volatile uint32_t *)(uintptr_t)ALIAS_GPA_B = ALIAS_GPA_B;
    guest_write_cr4(guest_read_cr4() | CR4_PSE);
    guest_write_cr3((uintptr_t)pd_main);
    guest_write_cr0(guest_read_cr0() | CR0_PG);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    guest_sys_init();
    setup_paging();
    /* CR3 is not saved by a task switch (§7.3), but loaded when the main task is resumed. */
    guest_tss.tss.cr3 = (uintptr_t)pd_main;

    tss_init(&tss_a, SEL_A, task_a_entry, stack_a + sizeof(stack_a), (uintptr_t)pd_main);
    tss_a.eax = 0xa0000001;
    tss_a.ecx = 0xa0000002;
    tss_a.edx = 0xa0000003;
    tss_a.ebx = 0xa0000004;
    tss_a.ebp = 0xa0000005;
    tss_a.esi = 0xa0000006;
    tss_a.edi = 0xa0000007;
    tss_a.eflags = A_FLAGS;
    tss_init(&tss_b, SEL_B, task_b_entry, stack_b + sizeof(stack_b), (uintptr_t)pd_b);
    tss_init(&tss_c, SEL_C, task_c_entry, stack_c + sizeof(stack_c), (uintptr_t)pd_main);
    tss_init(&tss_d, SEL_D, task_d_entry, stack_d + sizeof(stack_d), (uintptr_t)pd_main);
    GUEST_CHECK_EQ("main-busy-after-ltr", desc_type(SEL_TSS), DESC_TSS_BUSY);

    /* 1. JMP to task A and JMP back. */
    __asm__ volatile("clts");
    __asm__ volatile("mov $0x5a5a0001, %%eax; mov $0x5a5a0002, %%esi\n"
                     "ljmp %2, $0\n" LABEL(main_after_jmp)
                     "mov %%eax, %0; mov %%esi, %1"
                     : "=m"(main_eax), "=m"(main_esi) : "i"(SEL_A)
                     : "eax", "esi", "memory");
    GUEST_CHECK_EQ("jmp-back-eax-restored", main_eax, 0x5a5a0001);
    GUEST_CHECK_EQ("jmp-back-esi-restored", main_esi, 0x5a5a0002);
    GUEST_CHECK_EQ("jmp-back-main-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("jmp-back-a-not-busy", desc_type(SEL_A), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("jmp-back-a-saved-eip", tss_a.eip, (uintptr_t)task_a_back);
    GUEST_CHECK_EQ("jmp-back-a-saved-eax", tss_a.eax, 0xa5a5a5a5);
    GUEST_CHECK_EQ("jmp-back-a-saved-gs", tss_a.gs, SEL_UDATA);
    GUEST_CHECK_EQ("jmp-back-a-saved-fs", tss_a.fs, SEL_UDATA);
    GUEST_CHECK_EQ("jmp-back-a-saved-eflags", tss_a.eflags, A_EXIT_FLAGS);
    GUEST_CHECK_EQ("jmp-back-cr0-ts", guest_read_cr0() & CR0_TS, CR0_TS);

    /* 2. CALL to task B (own CR3), which IRETs back through the link. */
    __asm__ volatile("clts");
    __asm__ volatile("lcall %0, $0" : : "i"(SEL_B) : "eax", "ecx", "edx", "memory");
    __asm__ volatile("mov 0x40000000, %%eax; mov %%eax, %0; pushf; popl %1"
                     : "=m"(main_alias), "=m"(main_flags) : : "eax", "memory");
    GUEST_CHECK_EQ("iret-back-cr3", guest_read_cr3(), (uintptr_t)pd_main);
    GUEST_CHECK_EQ("iret-back-alias", main_alias, ALIAS_GPA_MAIN);
    GUEST_CHECK_EQ("iret-back-main-nt-clear", main_flags & EFLAGS_NT, 0);
    GUEST_CHECK_EQ("iret-back-main-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("iret-back-b-not-busy", desc_type(SEL_B), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("iret-back-b-saved-eip", tss_b.eip, (uintptr_t)task_b_after_iret);
    GUEST_CHECK_EQ("iret-back-b-saved-eax", tss_b.eax, 0xb0b0b0b0);
    GUEST_CHECK_EQ("iret-back-b-saved-nt-clear", tss_b.eflags & EFLAGS_NT, 0);
    GUEST_CHECK_EQ("iret-back-b-link-kept", tss_b.link, SEL_TSS);

    /* 3. INT 0x50 through a task gate. */
    guest_idt_set_gate(VEC_TASK, SEL_C, 0, DESC_TASK_GATE, 0, 0);
    __asm__ volatile("int %0" : : "i"(VEC_TASK) : "eax", "ecx", "edx", "memory");
    guest_idt_restore(VEC_TASK);
    GUEST_CHECK_EQ("gate-back-main-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
    GUEST_CHECK_EQ("gate-back-c-not-busy", desc_type(SEL_C), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("gate-back-nt-clear", guest_read_flags() & EFLAGS_NT, 0);

    /* 4. #GP with the #GP gate not present: #DF, through a task gate to task D. */
    guest_idt_set_gate(VEC_DF, SEL_D, 0, DESC_TASK_GATE, 0, 0);
    guest_idt[VEC_GP * 8 + 5] &= 0x7f;
    __asm__ volatile("mov %0, %%ds\n" LABEL(df_recover) "nop"
                     : : "r"(SEL_BAD_DS) : "eax", "ecx", "edx", "memory");
    guest_idt_restore(VEC_DF);
    GUEST_CHECK_EQ("df-back-gp-gate-present", guest_idt[VEC_GP * 8 + 5] & 0x80, 0x80);
    GUEST_CHECK_EQ("df-back-d-not-busy", desc_type(SEL_D), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("df-back-main-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);

    /* 5. Busy and not-busy targets. */
    int v = guest_trap(main_jmp_busy, 0);
    guest_check_fault("jmp-busy-main", v, VEC_GP, (uintptr_t)main_jmp_busy_at, SEL_TSS);
    v = guest_trap(main_call_busy, 0);
    guest_check_fault("call-busy-self", v, VEC_GP, (uintptr_t)main_call_busy_at, SEL_TSS);
    guest_tss.tss.link = SEL_A;
    v = guest_trap(iret_nt_not_busy, 0);
    guest_tss.tss.link = 0;
    guest_check_fault("iret-nt-not-busy", v, VEC_TS, (uintptr_t)iret_nt_at, SEL_A);
    GUEST_CHECK_EQ("iret-nt-not-busy-a-avail", desc_type(SEL_A), DESC_TSS_AVAIL);
    GUEST_CHECK_EQ("iret-nt-not-busy-main-busy", desc_type(SEL_TSS), DESC_TSS_BUSY);
    return guest_finish_checks();
}
