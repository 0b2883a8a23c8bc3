/*
 * tests/conformance/native/native_handoff.c: the futex hand-off between the parent and the
 * worker (futex(2), "FUTEX_WAIT"/"FUTEX_WAKE"). Runs in both processes; in the worker after
 * seccomp, so it makes its system calls through native_syscall and never touches errno.
 */
#include "native_internal.h"

#include <linux/futex.h>
#include <sys/syscall.h>

/*
 * A case takes about a microsecond when both processes have a CPU, so each side first spins
 * (256 PAUSEs, about 5 µs here). When the two share a CPU, spinning only delays the other
 * side; sched_yield hands the CPU over at the cost of a system call (YIELDS of them, some tens
 * of µs). Only then does the waiter sleep on the futex, whose wake-up costs tens of µs.
 */
#define SPINS 256
#define YIELDS 64

void native_post(_Atomic uint32_t *word, _Atomic uint32_t *waiting, uint32_t value)
{
    /*
     * Sequentially consistent store then load, against the waiter's store of *waiting then
     * load of *word: at least one side sees the other's store, so a sleeper is always woken.
     */
    atomic_store(word, value);
    if (atomic_load(waiting)) {
        atomic_store(waiting, 0);
        native_syscall(SYS_futex, (long)word, FUTEX_WAKE, 1, 0, 0);
    }
}

uint32_t native_wait_change(_Atomic uint32_t *word, _Atomic uint32_t *waiting, uint32_t old,
                            const struct timespec *timeout)
{
    uint32_t v;
    for (unsigned i = 0; i < SPINS; i++) {
        v = atomic_load_explicit(word, memory_order_acquire);
        if (v != old) {
            return v;
        }
        __builtin_ia32_pause();
    }
    for (unsigned i = 0; i < YIELDS; i++) {
        v = atomic_load_explicit(word, memory_order_acquire);
        if (v != old) {
            return v;
        }
        native_syscall(SYS_sched_yield, 0, 0, 0, 0, 0);
    }
    atomic_store(waiting, 1);
    v = atomic_load(word);
    if (v == old) {
        /* Returns at once if *word moved on since the load; a timeout or a signal is fine. */
        native_syscall(SYS_futex, (long)word, FUTEX_WAIT, old, (long)timeout, 0);
        v = atomic_load(word);
    }
    return v;
}
