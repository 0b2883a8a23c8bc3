/*
 * tests/conformance/native/native_worker.c: the forked process that runs the snippets.
 *
 * Set-up, while the C library may still be used: map the code page and the data region at
 * their fixed addresses, check that their neighbours are unmapped, install the fault handler on
 * an alternate stack (a snippet's RSP may point anywhere; a frame pushed there would corrupt
 * the data region or kill the worker), then enter seccomp.
 *
 * Seccomp: a filter rather than strict mode (seccomp(2)). Strict mode would leave read and
 * write open to a snippet's SYSCALL (it could write to any inherited descriptor) and would kill
 * the worker on every other call, costing a fork per such case; it would also rule out futexes
 * for the hand-off. The filter sends every call made from the code page, and every call of
 * another ABI (INT 80h, SYSENTER: AUDIT_ARCH_I386), to SIGSYS without running it, which the
 * handler reports as NATIVE_OUTCOME_SYSCALL. From elsewhere it allows what the worker itself
 * needs: futex and sched_yield (hand-off), rt_sigreturn (fault recovery), arch_prctl (FS/GS base
 * repair) and exit_group; anything else also raises SIGSYS. Nothing in that list acts outside
 * the worker, save a futex wake-up of the parent, which the hand-off tolerates.
 *
 * After seccomp the worker lives without the C library's thread-local state: a snippet may
 * reload FS or GS (clearing the TLS base on some CPUs), so nothing here may touch errno or the
 * stack protector's FS-relative canary (this file is built with -fno-stack-protector).
 */
#define _GNU_SOURCE
#include "native_internal.h"

#include <asm/prctl.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

_Static_assert(offsetof(NativeCpuState, gpr) == STATE_GPR, "stub offsets");
_Static_assert(offsetof(NativeCpuState, gpr[NATIVE_RSP]) == STATE_RSP, "stub offsets");
_Static_assert(offsetof(NativeCpuState, rip) == STATE_RIP, "stub offsets");
_Static_assert(offsetof(NativeCpuState, rflags) == STATE_RFLAGS, "stub offsets");
_Static_assert(offsetof(NativeCpuState, fx) == STATE_FX, "stub offsets");
_Static_assert(sizeof(NativeCpuState) == 656, "native_stub.S reserves 656 bytes per state");
_Static_assert(sizeof(NativeFxState) == 512, "FXSAVE image");
_Static_assert(STUB_CODE_ADDR == NATIVE_CODE_ADDR, "stub jumps to the code page");

#define RFLAGS_RF (1ull << 16)
/* The epilogue's jump, and where in the code page it finds native_stub_exit's address. */
#define EPILOGUE_LEN 6
#define EXIT_SLOT (NATIVE_CODE_SIZE - 8)
_Static_assert(NATIVE_CODE_MAX_LEN + EPILOGUE_LEN == EXIT_SLOT, "code page layout");
#define ALT_STACK_SIZE 65536

/* The worker process's own state: one per process, reached from the signal handler. */
static struct {
    NativeCtl *ctl;
    uint8_t *code_rw; /* writable view of the code page */
    uint32_t code_len;
    uint16_t host_cs, host_ss;
    uint64_t host_fs_base, host_gs_base;
    NativeRawFault fault;
} worker;

static uint8_t alt_stack[ALT_STACK_SIZE] __attribute__((aligned(64)));

/* The kernel's struct sigaction for rt_sigaction (arch/x86/include/uapi/asm/signal.h). */
typedef struct KernelSigaction {
    void (*handler)(void);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
} KernelSigaction;

#define KERNEL_SA_RESTORER 0x04000000ul

/* Appends s to the error message; for reports made after seccomp, without snprintf. */
static void append_str(const char *s)
{
    char *e = worker.ctl->error;
    size_t n = strnlen(e, sizeof(worker.ctl->error));
    while (*s && n + 1 < sizeof(worker.ctl->error)) {
        e[n++] = *s++;
    }
    e[n] = 0;
}

static void append_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    }
    buf[18] = 0;
    append_str(buf);
}

/*
 * Ends the worker. The parent sees it die, not finish, and prints ctl->error: a case during
 * which the harness itself failed has no result to report.
 */
static _Noreturn void fail(void)
{
    native_syscall(SYS_exit_group, 1, 0, 0, 0, 0);
    __builtin_unreachable();
}

static _Noreturn void fail_errno(const char *what, int err)
{
    append_str(what);
    append_str(": ");
    append_str(strerror(err));
    fail();
}

static void map_fixed(uint64_t addr, size_t size, int prot, int fd, size_t offset)
{
    void *want = (void *)(uintptr_t)addr;
    void *p = mmap(want, size, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, (off_t)offset);
    if (p == MAP_FAILED) {
        append_str("mmap ");
        append_hex(addr);
        fail_errno("", errno);
    }
    if (p != want) { /* kernels before 4.17 take MAP_FIXED_NOREPLACE as a hint */
        append_str("mmap ");
        append_hex(addr);
        append_str(": placed elsewhere");
        fail();
    }
}

/* mincore fails with ENOMEM exactly when the page is not mapped. */
static void check_unmapped(uint64_t addr)
{
    unsigned char vec;
    if (mincore((void *)(uintptr_t)addr, 4096, &vec) == 0 || errno != ENOMEM) {
        append_str("guard page ");
        append_hex(addr);
        append_str(" is mapped");
        fail();
    }
}

static void install_handlers(void)
{
    stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
    if (sigaltstack(&ss, NULL) != 0) {
        fail_errno("sigaltstack", errno);
    }
    /*
     * rt_sigaction directly, not sigaction(3): the C library would install its own restorer,
     * and sanitizer runtimes intercept sigaction to keep their handlers in front.
     */
    KernelSigaction ksa = {
        .handler = native_stub_signal,
        .flags = SA_SIGINFO | SA_ONSTACK | KERNEL_SA_RESTORER,
        .restorer = native_stub_sigreturn,
        .mask = ~0ull,
    };
    static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS };
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        long r = native_syscall(SYS_rt_sigaction, signals[i], (long)&ksa, 0, 8, 0);
        if (r < 0) {
            fail_errno("rt_sigaction", (int)-r);
        }
    }
    uint64_t none = 0;
    long r = native_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0);
    if (r < 0) {
        fail_errno("rt_sigprocmask", (int)-r);
    }
}

static void save_host_state(void)
{
    __asm__ volatile("fxsave64 %0" : "=m"(native_stub_host_fx));
    __asm__ volatile("mov %%ds, %0" : "=r"(native_stub_host_sel[0]));
    __asm__ volatile("mov %%es, %0" : "=r"(native_stub_host_sel[1]));
    __asm__ volatile("mov %%fs, %0" : "=r"(native_stub_host_sel[2]));
    __asm__ volatile("mov %%gs, %0" : "=r"(native_stub_host_sel[3]));
    __asm__ volatile("mov %%cs, %0" : "=r"(worker.host_cs));
    __asm__ volatile("mov %%ss, %0" : "=r"(worker.host_ss));
    long r = native_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&worker.host_fs_base, 0, 0, 0);
    if (r == 0) {
        r = native_syscall(SYS_arch_prctl, ARCH_GET_GS, (long)&worker.host_gs_base, 0, 0, 0);
    }
    if (r < 0) {
        fail_errno("arch_prctl", (int)-r);
    }
}

/* The filter described at the top of the file. BPF jumps go forward only, hence the layout. */
static void enter_seccomp(void)
{
    enum { IP_LO = offsetof(struct seccomp_data, instruction_pointer), IP_HI = IP_LO + 4 };
    struct sock_filter insns[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 11),
        /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
        /* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NATIVE_CODE_ADDR, 0, 1),
        /* 6: in [code, code + size] (IP is past the instruction) */
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, NATIVE_CODE_ADDR + NATIVE_CODE_SIZE, 0, 6),
        /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 5, 0),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_yield, 4, 0),
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 3, 0),
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 2, 0),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
        /* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        /* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail_errno("PR_SET_NO_NEW_PRIVS", errno);
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fail_errno("seccomp", errno);
    }
}

void native_worker_handle_signal(int signo, void *info, void *ucv)
{
    siginfo_t *si = info;
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    if (!native_stub_in_snippet) {
        append_str("signal ");
        append_hex((uint64_t)signo);
        append_str(" in the harness at RIP ");
        append_hex((uint64_t)g[REG_RIP]);
        fail();
    }
    native_stub_in_snippet = 0;

    static const int gregs_of[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    NativeCpuState *o = &native_stub_out;
    for (int i = 0; i < 16; i++) {
        o->gpr[i] = (uint64_t)g[gregs_of[i]];
    }
    o->rip = (uint64_t)g[REG_RIP];
    /* A #DB after the epilogue's jump (a POPF set TF) is a trap at the end of the snippet. */
    if (o->rip == (uint64_t)(uintptr_t)native_stub_exit) {
        o->rip = NATIVE_CODE_ADDR + worker.code_len;
    }
    o->rflags = (uint64_t)g[REG_EFL] & ~RFLAGS_RF;
    worker.fault = (NativeRawFault){
        .signo = signo,
        .code = si->si_code,
        .trapno = (uint64_t)g[REG_TRAPNO],
        .err = (uint64_t)g[REG_ERR],
        .addr = (uint64_t)(uintptr_t)si->si_addr,
    };

    /* Resume at the recovery path on the harness's stack, in 64-bit CS with clean flags. */
    g[REG_RIP] = (greg_t)(uintptr_t)native_stub_recover;
    g[REG_RSP] = (greg_t)native_stub_host_rsp;
    g[REG_EFL] = STUB_CLEAN_RFLAGS;
    /* REG_CSGSFS packs CS, GS, FS and SS in 16-bit fields; the kernel restores CS and SS. */
    uint64_t csgsfs = (uint64_t)g[REG_CSGSFS] & 0x0000ffffffff0000ull;
    g[REG_CSGSFS] = (greg_t)(csgsfs | worker.host_cs | ((uint64_t)worker.host_ss << 48));
}

static void restore_fs_gs_base(void)
{
    native_stub_fsgs_changed = 0;
    long r = native_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)worker.host_fs_base, 0, 0, 0);
    if (r == 0) {
        r = native_syscall(SYS_arch_prctl, ARCH_SET_GS, (long)worker.host_gs_base, 0, 0, 0);
    }
    if (r < 0) {
        append_str("arch_prctl failed after a snippet reloaded FS or GS");
        fail();
    }
}

static void run_case(void)
{
    NativeCtl *ctl = worker.ctl;
    uint32_t len = ctl->code_len;
    if (len > NATIVE_CODE_MAX_LEN) { /* the parent checks; a snippet may have scribbled here */
        append_str("corrupt control block");
        fail();
    }
    /*
     * JMP [RIP+disp32] (FF /4, ModRM 0x25) to the address in the page's last 8 bytes, where
     * the read is aligned: with RFLAGS.AC set, a misaligned one would raise #AC.
     */
    int32_t disp = (int32_t)(EXIT_SLOT - (len + EPILOGUE_LEN));
    uint8_t epilogue[EPILOGUE_LEN] = { 0xff, 0x25 };
    memcpy(epilogue + 2, &disp, sizeof(disp));
    memcpy(worker.code_rw, ctl->code, len);
    memcpy(worker.code_rw + len, epilogue, EPILOGUE_LEN);
    worker.code_len = len;
    native_stub_in = ctl->in;
    /* FXSAVE leaves bytes 464-511 alone, and on AMD FOP/FIP/FDP unless FSW.ES is set. */
    memset(&native_stub_out, 0, sizeof(native_stub_out));
    memset(&worker.fault, 0, sizeof(worker.fault));

    int result = native_stub_enter();
    if (result == STUB_RESULT_DONE) {
        native_stub_out.rip = NATIVE_CODE_ADDR + len;
    }
    if (native_stub_fsgs_changed) {
        restore_fs_gs_base();
    }
    ctl->result = result;
    ctl->fault = worker.fault;
    ctl->out = native_stub_out;
    memset(worker.code_rw, 0xcc, len + EPILOGUE_LEN);
}

_Noreturn void native_worker_main(NativeCtl *ctl, uint8_t *code_rw, int shm_fd, pid_t parent)
{
    worker.ctl = ctl;
    worker.code_rw = code_rw;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        native_syscall(SYS_exit_group, 1, 0, 0, 0, 0);
    }
    map_fixed(NATIVE_CODE_ADDR, NATIVE_CODE_SIZE, PROT_READ | PROT_EXEC, shm_fd,
              NATIVE_SHM_CODE_OFFSET);
    map_fixed(NATIVE_DATA_ADDR, NATIVE_DATA_SIZE, PROT_READ | PROT_WRITE, shm_fd,
              NATIVE_SHM_DATA_OFFSET);
    close(shm_fd);
    check_unmapped(NATIVE_CODE_ADDR - 4096);
    check_unmapped(NATIVE_CODE_ADDR + NATIVE_CODE_SIZE);
    check_unmapped(NATIVE_DATA_ADDR - 4096);
    check_unmapped(NATIVE_DATA_ADDR + NATIVE_DATA_SIZE);
    memset(code_rw, 0xcc, NATIVE_CODE_SIZE);

    uint64_t exit_addr = (uint64_t)(uintptr_t)native_stub_exit;
    memcpy(code_rw + EXIT_SLOT, &exit_addr, sizeof(exit_addr));

    install_handlers();
    save_host_state();
    enter_seccomp();

    uint32_t seq = atomic_load(&ctl->req_seq);
    native_post(&ctl->done_seq, &ctl->done_waiting, seq);
    for (;;) {
        uint32_t next;
        do {
            next = native_wait_change(&ctl->req_seq, &ctl->req_waiting, seq, NULL);
        } while (next == seq);
        seq = next;
        run_case();
        native_post(&ctl->done_seq, &ctl->done_waiting, seq);
    }
}
