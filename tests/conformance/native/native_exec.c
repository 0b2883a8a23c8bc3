/*
 * tests/conformance/native/native_exec.c: the parent side of the native runner: shared memory,
 * forking and watching the worker, and mapping what the worker's signal handler saw to x86
 * exceptions.
 *
 * Signals to vectors: the kernel records the vector of the exception behind a signal in the
 * signal frame (sigcontext.trapno, with the error code in .err), so it is read from there rather
 * than guessed from the signal (SIGSEGV is #GP, #PF or INT n; SIGBUS is #AC, #SS or #PF on a
 * truncated file; SIGFPE is #DE, #MF or #XM). SIGSYS is the seccomp filter, not an exception.
 *
 * The watchdog: a case normally ends in microseconds. The parent spins and yields, then sleeps
 * on the futex in 1 ms slices; after each slice it checks that the worker is alive and how much
 * CPU it used since the first slice (clock_getcpuclockid(3)), so a loaded machine that delays
 * the worker is not mistaken for an endless loop. Past NATIVE_EXEC_CPU_BUDGET_MS of CPU, or
 * WALL_LIMIT_NS (a worker that stopped running, which only a debugger should cause), the worker
 * is killed; the next run forks a new one.
 */
#define _GNU_SOURCE
#include "native_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define WALL_LIMIT_NS 10000000000ull

struct NativeExec {
    uint8_t *shm; /* NATIVE_SHM_SIZE bytes: control block, code page, data region */
    NativeCtl *ctl;
    int shm_fd;
    pid_t pid; /* 0: no worker */
    clockid_t worker_clock;
    uint32_t seq;
    unsigned starts;
    uint32_t mxcsr_mask;
};

typedef enum WaitResult { WAIT_DONE, WAIT_TIMEOUT, WAIT_DIED } WaitResult;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void kill_worker(NativeExec *ne, int *status)
{
    kill(ne->pid, SIGKILL);
    while (waitpid(ne->pid, status, 0) < 0 && errno == EINTR) {
    }
    ne->pid = 0;
}

/* Waits for the worker to finish case seq; on WAIT_DIED, *status is its wait status. */
static WaitResult wait_done(NativeExec *ne, uint32_t seq, int *status)
{
    static const struct timespec slice = { 0, 1000000 };
    const uint64_t budget_ns = (uint64_t)NATIVE_EXEC_CPU_BUDGET_MS * 1000000u;
    uint64_t wall_start = 0, cpu_start = 0;
    for (;;) {
        uint32_t v = atomic_load(&ne->ctl->done_seq);
        if (v == seq) {
            return WAIT_DONE;
        }
        if (native_wait_change(&ne->ctl->done_seq, &ne->ctl->done_waiting, v, &slice) != v) {
            continue;
        }
        if (waitpid(ne->pid, status, WNOHANG) == ne->pid) {
            ne->pid = 0;
            return WAIT_DIED;
        }
        uint64_t wall = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(ne->worker_clock);
        if (!wall_start) {
            wall_start = wall;
            cpu_start = cpu;
        } else if (cpu - cpu_start > budget_ns || wall - wall_start > WALL_LIMIT_NS) {
            kill_worker(ne, status);
            return WAIT_TIMEOUT;
        }
    }
}

/* Prints and clears a message the worker left in the control block. */
static void report_worker_error(NativeExec *ne)
{
    if (ne->ctl->error[0]) {
        ne->ctl->error[sizeof(ne->ctl->error) - 1] = 0;
        fprintf(stderr, "native_exec: worker: %s\n", ne->ctl->error);
        ne->ctl->error[0] = 0;
    }
}

static int start_worker(NativeExec *ne)
{
    NativeCtl *ctl = ne->ctl;
    uint32_t seq = ++ne->seq;
    int status = 0;
    ctl->error[0] = 0;
    atomic_store(&ctl->req_seq, seq); /* the worker answers it when it is ready */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        fprintf(stderr, "native_exec: fork: %s\n", strerror(err));
        return -err;
    }
    if (pid == 0) {
        native_worker_main(ctl, ne->shm + NATIVE_SHM_CODE_OFFSET, ne->shm_fd, parent);
    }
    ne->pid = pid;
    ne->starts++;
    if (clock_getcpuclockid(pid, &ne->worker_clock) != 0) {
        ne->worker_clock = CLOCK_MONOTONIC;
    }
    WaitResult r = wait_done(ne, seq, &status);
    if (r == WAIT_DONE && !ctl->error[0]) {
        return 0;
    }
    if (ne->pid) {
        kill_worker(ne, &status);
    }
    if (ctl->error[0]) {
        report_worker_error(ne);
    } else {
        fprintf(stderr, "native_exec: worker did not start (wait status 0x%x)\n", status);
    }
    return -EIO;
}

NativeExec *native_exec_open(void)
{
    NativeExec *ne = calloc(1, sizeof(*ne));
    if (!ne) {
        fprintf(stderr, "native_exec: out of memory\n");
        return NULL;
    }
    ne->shm_fd = memfd_create("vireo-native-exec", MFD_CLOEXEC);
    if (ne->shm_fd < 0 || ftruncate(ne->shm_fd, (off_t)NATIVE_SHM_SIZE) != 0) {
        fprintf(stderr, "native_exec: memfd: %s\n", strerror(errno));
        native_exec_close(ne);
        return NULL;
    }
    void *p = mmap(NULL, NATIVE_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ne->shm_fd, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "native_exec: mmap: %s\n", strerror(errno));
        native_exec_close(ne);
        return NULL;
    }
    ne->shm = p;
    ne->ctl = p;

    NativeFxState fx;
    __asm__ volatile("fxsave64 %0" : "=m"(fx));
    /* SDM Vol. 1 §11.6.6: a zero MXCSR_MASK means the default, 0xFFBF. */
    ne->mxcsr_mask = fx.mxcsr_mask ? fx.mxcsr_mask : 0xffbf;

    if (start_worker(ne) != 0) {
        native_exec_close(ne);
        return NULL;
    }
    return ne;
}

void native_exec_close(NativeExec *ne)
{
    if (!ne) {
        return;
    }
    if (ne->pid) {
        int status;
        kill_worker(ne, &status);
    }
    if (ne->shm) {
        munmap(ne->shm, NATIVE_SHM_SIZE);
    }
    if (ne->shm_fd >= 0) {
        close(ne->shm_fd);
    }
    free(ne);
}

static bool has_error_code(unsigned vector)
{
    /* SDM Vol. 3A §6.13, table 6-1: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP. */
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

static NativeOutcome map_fault(const NativeRawFault *raw, NativeFault *fault)
{
    fault->host_signal = raw->signo;
    fault->host_code = raw->code;
    if (raw->signo == SIGSYS) {
        return NATIVE_OUTCOME_SYSCALL;
    }
    fault->vector = (uint8_t)raw->trapno;
    fault->has_error_code = has_error_code(fault->vector);
    fault->error_code = fault->has_error_code ? (uint32_t)raw->err : 0;
    fault->address = fault->vector == NATIVE_EXC_PF ? raw->addr : 0;
    return NATIVE_OUTCOME_EXCEPTION;
}

static bool is_valid_input(const NativeExec *ne, size_t len, const NativeCpuState *in)
{
    return len <= NATIVE_CODE_MAX_LEN && in->rip == NATIVE_CODE_ADDR &&
           (in->rflags & ~NATIVE_RFLAGS_SETTABLE) == NATIVE_RFLAGS_FIXED &&
           (in->fx.mxcsr & ~ne->mxcsr_mask) == 0;
}

int native_exec_run(NativeExec *ne, const uint8_t *code, size_t len, const NativeCpuState *in,
                    NativeCpuState *out, NativeFault *fault)
{
    memset(out, 0, sizeof(*out));
    memset(fault, 0, sizeof(*fault));
    if (!is_valid_input(ne, len, in)) {
        return -EINVAL;
    }
    if (!ne->pid) {
        int rc = start_worker(ne);
        if (rc < 0) {
            return rc;
        }
    }
    NativeCtl *ctl = ne->ctl;
    ctl->code_len = (uint32_t)len;
    memcpy(ctl->code, code, len);
    ctl->in = *in;
    uint32_t seq = ++ne->seq;
    native_post(&ctl->req_seq, &ctl->req_waiting, seq);

    int status = 0;
    switch (wait_done(ne, seq, &status)) {
    case WAIT_TIMEOUT:
        fault->host_signal = SIGKILL;
        return NATIVE_OUTCOME_TIMEOUT;
    case WAIT_DIED:
        report_worker_error(ne);
        fault->host_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        fault->host_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        return NATIVE_OUTCOME_CRASHED;
    case WAIT_DONE:
        break;
    }
    *out = ctl->out;
    if (ctl->result == STUB_RESULT_DONE) {
        return NATIVE_OUTCOME_DONE;
    }
    return map_fault(&ctl->fault, fault);
}

uint8_t *native_exec_data(NativeExec *ne)
{
    return ne->shm + NATIVE_SHM_DATA_OFFSET;
}

unsigned native_exec_worker_starts(const NativeExec *ne)
{
    return ne->starts;
}

uint32_t native_exec_mxcsr_mask(const NativeExec *ne)
{
    return ne->mxcsr_mask;
}

void native_exec_init_state(NativeCpuState *s)
{
    memset(s, 0, sizeof(*s));
    s->rip = NATIVE_CODE_ADDR;
    s->rflags = NATIVE_RFLAGS_FIXED;
    s->fx.fcw = 0x37f;
    s->fx.mxcsr = 0x1f80;
}
