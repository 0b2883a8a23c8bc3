/*
 * tests/guest/cpu/v86.c: virtual-8086 mode: entry by IRET with VM = 1 from ring 0, segment
 * arithmetic, the IOPL-sensitive instructions, I/O through the TSS I/O permission bitmap, and
 * INT n through the protected-mode IDT to a ring-0 handler with the virtual-8086 frame.
 *
 * Sources: SDM Vol. 3A Chapter 20 "8086 Emulation": §20.1.1 (linear address = selector * 16 +
 * offset), §20.2.5 (entering virtual-8086 mode with IRET: CPL 0, VM = 1 in the EFLAGS image, the
 * frame holds GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP), §20.2.7 (CLI, STI, PUSHF, POPF, INT n and
 * IRET are IOPL-sensitive: #GP(0) when IOPL < 3; IN/OUT are not), §20.2.8.1 (I/O instructions are
 * checked against the I/O permission bitmap), §20.3.1.1 and Figure 20-2 (an interrupt or
 * exception from virtual-8086 mode to a ring-0 handler: the stack comes from TSS SS0:ESP0, the
 * CPU pushes GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP and loads DS, ES, FS, GS with null), Table
 * 20-2 method 1 (CR4.VME = 0: INT n with IOPL 3 goes through the IDT). SDM Vol. 1 §19.5.2 (an
 * access of N bytes checks the N bits of its ports). SDM Vol. 2A "INT n/INTO/INT3" (INT3 is not
 * "INT n": not IOPL-sensitive; a gate with DPL < CPL is #GP(vector * 8 + 2)), Vol. 2B "POPF"
 * (virtual-8086 mode with IOPL 3: IOPL is not modified).
 *
 * The v86 code is tests/guest/cpu/v86_code.asm, copied to V86_CODE_GPA and run with CS = 0x0800.
 * CR4.VME stays 0 (no virtual interrupt flag, no redirection bitmap).
 */
#include "sys.h"

#define V86_CODE_GPA 0x8000u
#define V86_CS (V86_CODE_GPA >> 4)
#define V86_SS 0x0700u
#define V86_SP 0x1000u
#define V86_DS 0x0900u
#define V86_ES 0x0a00u
#define V86_FS 0x0b00u
#define V86_GS 0x0c00u
#define MULTIBOOT_HEADER_MAGIC 0x1badb002u /* first dword of the image, at 1 MiB (guest.ld) */

extern char v86_code[], v86_code_end[];
extern char v86_seg[], v86_seg_hlt[];
extern char v86_cli[], v86_sti[], v86_pushf[], v86_popf[], v86_int[], v86_iret[], v86_int3[],
    v86_int3_next[];
extern char v86_emul[], v86_emul_cli[], v86_emul_hlt[];
extern char v86_io[], v86_io_denied[], v86_io_word[], v86_out_denied[];
extern char v86_iopl3[], v86_iopl3_after_int[], v86_int_dpl0[];

/* The IRET frame that enters virtual-8086 mode, in pop order (SDM Vol. 3A Figure 20-2). */
typedef struct V86Frame {
    uint32_t ip, cs, flags, sp, ss, es, ds, fs, gs;
} V86Frame;

static V86Frame frame;

static uint32_t ip_of(const char *label)
{
    return (uint32_t)(label - v86_code);
}

static void enter_v86(uintptr_t arg)
{
    const V86Frame *f = (const V86Frame *)arg;
    __asm__ volatile("pushl 32(%0); pushl 28(%0); pushl 24(%0); pushl 20(%0); pushl 16(%0);"
                     "pushl 12(%0); pushl 8(%0); pushl 4(%0); pushl 0(%0); iret"
                     : : "r"(f) : "memory");
}

static int run_v86(const char *entry, uint32_t flags)
{
    frame = (V86Frame){ .ip = ip_of(entry), .cs = V86_CS, .flags = EFLAGS_FIXED | EFLAGS_VM | flags,
                        .sp = V86_SP, .ss = V86_SS, .es = V86_ES, .ds = V86_DS, .fs = V86_FS,
                        .gs = V86_GS };
    return guest_trap(enter_v86, (uintptr_t)&frame);
}

/* What a ring-0 handler saw on entry from virtual-8086 mode. */
static volatile struct {
    uint32_t ds, es, fs, gs, cs, ss;
    uint32_t ip, flags, sp, v86_ss, v86_seg[4];
    uintptr_t frame_gva;
    unsigned count;
} seen;

static void record_entry(GuestExcFrame *f)
{
    uint32_t fs, gs, cs, ss;
    __asm__ volatile("mov %%fs, %0; mov %%gs, %1; mov %%cs, %2; mov %%ss, %3"
                     : "=r"(fs), "=r"(gs), "=r"(cs), "=r"(ss));
    seen.count++;
    seen.ds = f->ds & 0xffff; /* pushed by the stub before it loads its own */
    seen.es = f->es & 0xffff;
    seen.fs = fs & 0xffff;
    seen.gs = gs & 0xffff;
    seen.cs = cs & 0xffff;
    seen.ss = ss & 0xffff;
    seen.ip = f->ip;
    seen.flags = f->flags;
    seen.sp = f->sp;
    seen.v86_ss = f->ss;
    seen.v86_seg[0] = f->v86_es;
    seen.v86_seg[1] = f->v86_ds;
    seen.v86_seg[2] = f->v86_fs;
    seen.v86_seg[3] = f->v86_gs;
    seen.frame_gva = (uintptr_t)&f->ip;
}

static int record_and_catch(GuestExcFrame *f)
{
    record_entry(f);
    return GUEST_EXC_CATCH;
}

static int int80_handler(GuestExcFrame *f)
{
    record_entry(f);
    f->eax += 0x100;
    return GUEST_EXC_IRET;
}

static unsigned emulated_cli;

/* The monitor's #GP handler: emulates CLI (opcode FA) at the faulting CS:IP. */
static int monitor_gp(GuestExcFrame *f)
{
    const uint8_t *insn = (const uint8_t *)(uintptr_t)((f->cs & 0xffff) * 16 + (f->ip & 0xffff));
    if ((f->flags & EFLAGS_VM) && f->error == 0 && *insn == 0xfa) {
        emulated_cli++;
        f->flags &= ~EFLAGS_IF;
        f->ip += 1;
        return GUEST_EXC_IRET;
    }
    return GUEST_EXC_CATCH;
}

static void check_gp_at(const char *name, int v, const char *at)
{
    guest_check_fault(name, v, VEC_GP, ip_of(at), 0);
}

static void deny_port(unsigned port, bool deny)
{
    if (deny) {
        guest_tss.iomap[port / 8] |= (uint8_t)(1u << (port % 8));
    } else {
        guest_tss.iomap[port / 8] &= (uint8_t)~(1u << (port % 8));
    }
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    guest_sys_init();
    int v;

    size_t n = (size_t)(v86_code_end - v86_code);
    uint8_t *low = (uint8_t *)(uintptr_t)V86_CODE_GPA;
    for (size_t i = 0; i < n; i++) {
        low[i] = (uint8_t)v86_code[i];
    }
    *(volatile uint16_t *)(uintptr_t)(V86_DS * 16 + 0x10) = 0x1234;
    *(volatile uint16_t *)(uintptr_t)(V86_ES * 16 + 0x20) = 0x5678;
    *(volatile uint16_t *)(uintptr_t)(V86_GS * 16 + 0x30) = 0x9abc;

    /* Entry by IRET, segment arithmetic, exit by #GP with the v86 frame on the TSS.ESP0 stack. */
    guest_exc_handlers[VEC_GP] = record_and_catch;
    v = run_v86(v86_seg, 0);
    check_gp_at("seg-hlt-gp", v, v86_seg_hlt);
    GUEST_CHECK_EQ("seg-ds-0900", guest_exc.ax & 0xffff, 0x1234);
    GUEST_CHECK_EQ("seg-es-0a00", guest_exc.bx & 0xffff, 0x5678);
    GUEST_CHECK_EQ("seg-gs-0c00", guest_exc.cx & 0xffff, 0x9abc);
    GUEST_CHECK_EQ("seg-ffff-above-1mib", guest_exc.dx, MULTIBOOT_HEADER_MAGIC);
    GUEST_CHECK_EQ("exit-cs", guest_exc.cs, V86_CS);
    GUEST_CHECK_EQ("exit-flags-vm", guest_exc.flags & (EFLAGS_VM | EFLAGS_IOPL3), EFLAGS_VM);
    GUEST_CHECK_EQ("exit-ss", guest_exc.ss, V86_SS);
    GUEST_CHECK_EQ("exit-sp", guest_exc.sp, V86_SP);
    GUEST_CHECK_EQ("exit-pushed-es", guest_exc.v86_seg[0], V86_ES);
    GUEST_CHECK_EQ("exit-pushed-ds", guest_exc.v86_seg[1], V86_DS);
    GUEST_CHECK_EQ("exit-pushed-fs", guest_exc.v86_seg[2], 0xffff);
    GUEST_CHECK_EQ("exit-pushed-gs", guest_exc.v86_seg[3], V86_GS);
    GUEST_CHECK_EQ("exit-stack-from-tss", seen.frame_gva, GUEST_KSTACK_TOP - 9 * 4);
    GUEST_CHECK_EQ("exit-ds-null", seen.ds, 0);
    GUEST_CHECK_EQ("exit-es-null", seen.es, 0);
    GUEST_CHECK_EQ("exit-fs-null", seen.fs, 0);
    GUEST_CHECK_EQ("exit-gs-null", seen.gs, 0);
    GUEST_CHECK_EQ("exit-ring0-cs", seen.cs, SEL_KCODE);
    GUEST_CHECK_EQ("exit-ring0-ss", seen.ss, SEL_KDATA);

    /* IOPL 0: every IOPL-sensitive instruction is #GP(0) at the instruction. */
    check_gp_at("iopl0-cli", run_v86(v86_cli, 0), v86_cli);
    check_gp_at("iopl0-sti", run_v86(v86_sti, 0), v86_sti);
    check_gp_at("iopl0-pushf", run_v86(v86_pushf, 0), v86_pushf);
    check_gp_at("iopl0-popf", run_v86(v86_popf, 0), v86_popf);
    check_gp_at("iopl0-int-n", run_v86(v86_int, 0), v86_int);
    check_gp_at("iopl0-iret", run_v86(v86_iret, 0), v86_iret);
    guest_exc_handlers[VEC_GP] = 0;

    /* INT3 at IOPL 0: #BP through the DPL 3 gate of vector 3, a trap: IP after the INT3. */
    v = run_v86(v86_int3, 0);
    GUEST_CHECK_EQ("iopl0-int3-bp", v, VEC_BP);
    GUEST_CHECK_EQ("iopl0-int3-ip", guest_exc.ip, ip_of(v86_int3_next));
    GUEST_CHECK_EQ("iopl0-int3-vm", guest_exc.flags & EFLAGS_VM, EFLAGS_VM);

    /* The monitor emulates CLI and returns to virtual-8086 mode by IRET. */
    guest_exc_handlers[VEC_GP] = monitor_gp;
    v = run_v86(v86_emul, EFLAGS_IF);
    guest_exc_handlers[VEC_GP] = 0;
    check_gp_at("monitor-hlt", v, v86_emul_hlt);
    GUEST_CHECK_EQ("monitor-emulated-cli", emulated_cli, 1);
    GUEST_CHECK_EQ("monitor-resumed", guest_exc.ax & 0xffff, 2);
    GUEST_CHECK_EQ("monitor-if-clear", guest_exc.flags & EFLAGS_IF, 0);

    /* The I/O permission bitmap, at IOPL 0 and at IOPL 3 alike. */
    deny_port(0xa1, true);
    v = run_v86(v86_io, 0);
    check_gp_at("io-denied-in", v, v86_io_denied);
    GUEST_CHECK_EQ("io-allowed-in", guest_exc.bx & 0xff, 0xff);
    check_gp_at("io-denied-word", run_v86(v86_io_word, EFLAGS_IOPL3), v86_io_word);
    check_gp_at("io-denied-out-iopl3", run_v86(v86_out_denied, EFLAGS_IOPL3), v86_out_denied + 2);
    deny_port(0xa1, false);

    /* IOPL 3: CLI/STI/PUSHF/POPF run; INT 0x80 reaches the ring-0 handler, which IRETs back. */
    seen.count = 0;
    guest_exc_handlers[GUEST_VEC_SYSCALL] = int80_handler;
    v = run_v86(v86_iopl3, EFLAGS_IOPL3);
    guest_exc_handlers[GUEST_VEC_SYSCALL] = 0;
    GUEST_CHECK_EQ("iopl3-done", v, GUEST_VEC_USER_DONE);
    GUEST_CHECK_EQ("iopl3-sti", guest_exc.bx & (EFLAGS_IF | EFLAGS_IOPL3), EFLAGS_IF | EFLAGS_IOPL3);
    GUEST_CHECK_EQ("iopl3-cli", guest_exc.cx & EFLAGS_IF, 0);
    GUEST_CHECK_EQ("iopl3-popf-keeps-iopl", guest_exc.dx & 0xffff, EFLAGS_FIXED | EFLAGS_IOPL3);
    GUEST_CHECK_EQ("int80-handler-ran", seen.count, 1);
    GUEST_CHECK_EQ("int80-result", guest_exc.ax & 0xffff, 0x111);
    GUEST_CHECK_EQ("int80-pushed-ip", seen.ip, ip_of(v86_iopl3_after_int));
    GUEST_CHECK_EQ("int80-pushed-vm", seen.flags & (EFLAGS_VM | EFLAGS_IOPL3),
                   EFLAGS_VM | EFLAGS_IOPL3);
    GUEST_CHECK_EQ("int80-pushed-ss-sp", seen.v86_ss << 16 | (seen.sp & 0xffff),
                   V86_SS << 16 | V86_SP);
    GUEST_CHECK_EQ("int80-pushed-ds", seen.v86_seg[1], V86_DS);
    GUEST_CHECK_EQ("int80-pushed-fs", seen.v86_seg[2], V86_FS);
    GUEST_CHECK_EQ("int80-stack-from-tss", seen.frame_gva, GUEST_KSTACK_TOP - 9 * 4);
    GUEST_CHECK_EQ("int80-ds-null", seen.ds, 0);
    GUEST_CHECK_EQ("int80-fs-null", seen.fs, 0);
    GUEST_CHECK_EQ("int80-gs-null", seen.gs, 0);
    GUEST_CHECK_EQ("int80-ring0-cs", seen.cs, SEL_KCODE);
    /* After the IRET back the v86 segments are the ones the IRET frame held. */
    GUEST_CHECK_EQ("iret-back-ds", guest_exc.v86_seg[1], V86_DS);
    GUEST_CHECK_EQ("iret-back-gs", guest_exc.v86_seg[3], V86_GS);
    GUEST_CHECK_EQ("iret-back-vm", guest_exc.flags & EFLAGS_VM, EFLAGS_VM);

    /* IOPL 3, INT 0x50 through a DPL 0 gate: #GP(0x50 * 8 + 2), the IDT bit set. */
    v = run_v86(v86_int_dpl0, EFLAGS_IOPL3);
    guest_check_fault("int-dpl0-gate", v, VEC_GP, ip_of(v86_int_dpl0), 0x50 * 8 + ERR_IDT);
    return guest_finish_checks();
}
