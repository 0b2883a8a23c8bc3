/*
 * tests/conformance/native/native_internal.h: what the parent side (native_exec.c), the worker
 * (native_worker.c) and the entry/exit stub (native_stub.S) share: the control block in shared
 * memory, the stub's static areas, raw system calls and the futex hand-off.
 *
 * Included by the .S file too, so everything C sits behind !__ASSEMBLER__.
 */
#ifndef VIREO_TESTS_CONFORMANCE_NATIVE_INTERNAL_H
#define VIREO_TESTS_CONFORMANCE_NATIVE_INTERNAL_H

/* Offsets into NativeCpuState for the stub; native_worker.c checks them against the struct. */
#define STATE_GPR 0
#define STATE_RSP (4 * 8)
#define STATE_RIP 128
#define STATE_RFLAGS 136
#define STATE_FX 144

/* NATIVE_CODE_ADDR without the C suffix, for the .S file; native_worker.c checks they agree. */
#define STUB_CODE_ADDR 0x08000000

/* Host RFLAGS for harness code: bit 1 and IF; AC, DF and TF clear. */
#define STUB_CLEAN_RFLAGS 0x202

/* native_stub_enter's return values. */
#define STUB_RESULT_DONE 0
#define STUB_RESULT_SIGNAL 1

#ifndef __ASSEMBLER__

#include "native_exec.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* What the worker's signal handler saw, raw; native_exec.c maps it to a NativeFault. */
typedef struct NativeRawFault {
    int32_t signo;
    int32_t code;
    uint64_t trapno;
    uint64_t err;
    uint64_t addr;
} NativeRawFault;

/*
 * The control block at the start of the shared memory. The two sequence words sit on their
 * own cache lines: each is written by one side and spun on by the other.
 */
typedef struct NativeCtl {
    _Alignas(64) _Atomic uint32_t req_seq;  /* parent: case number to run */
    _Atomic uint32_t req_waiting;           /* worker: asleep on req_seq */
    _Alignas(64) _Atomic uint32_t done_seq; /* worker: last case finished */
    _Atomic uint32_t done_waiting;          /* parent: asleep on done_seq */
    _Alignas(64) uint32_t code_len;
    int32_t result; /* STUB_RESULT_* */
    NativeRawFault fault;
    NativeCpuState in;
    NativeCpuState out;
    uint8_t code[NATIVE_CODE_MAX_LEN];
    char error[256]; /* set by a worker that could not start, or hit a bug in itself */
} NativeCtl;

/* Shared memory: control block, then the code page, then the data region. */
#define NATIVE_CTL_SIZE ((sizeof(NativeCtl) + 4095) & ~(size_t)4095)
#define NATIVE_SHM_CODE_OFFSET NATIVE_CTL_SIZE
#define NATIVE_SHM_DATA_OFFSET (NATIVE_CTL_SIZE + NATIVE_CODE_SIZE)
#define NATIVE_SHM_SIZE (NATIVE_SHM_DATA_OFFSET + NATIVE_DATA_SIZE)

/* The stub (native_stub.S). */
int native_stub_enter(void);
void native_stub_exit(void);
void native_stub_recover(void);
void native_stub_signal(void);
void native_stub_sigreturn(void);
extern NativeCpuState native_stub_in, native_stub_out;
extern NativeFxState native_stub_host_fx;
extern uint64_t native_stub_host_rsp;
extern uint16_t native_stub_host_sel[4]; /* DS, ES, FS, GS */
extern uint8_t native_stub_in_snippet, native_stub_fsgs_changed;

/*
 * A system call without the C library: the worker must not touch errno (thread-local, reached
 * through FS, which a snippet may have reloaded). Returns the kernel's value, -errno on error.
 */
static inline long native_syscall(long nr, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

/*
 * Hand-off between the two processes: a sequence word that one side bumps and the other waits
 * on, spinning and yielding first, then sleeping on a shared (not FUTEX_PRIVATE) futex, since
 * the word is in memory shared between processes. The waiting flag spares the poster a
 * FUTEX_WAKE when nobody sleeps.
 */
void native_post(_Atomic uint32_t *word, _Atomic uint32_t *waiting, uint32_t value);

/*
 * Waits until *word != old, sleeping at most `timeout` (NULL: no limit) after the spinning.
 * Returns the new value, or old on timeout.
 */
uint32_t native_wait_change(_Atomic uint32_t *word, _Atomic uint32_t *waiting, uint32_t old,
                            const struct timespec *timeout);

/* The worker's main loop; never returns. */
_Noreturn void native_worker_main(NativeCtl *ctl, uint8_t *code_rw, int shm_fd, pid_t parent);

/* Called by native_stub_signal with AC already clear. */
void native_worker_handle_signal(int signo, void *info, void *uc);

#endif
#endif
