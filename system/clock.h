/*
 * system/clock.h: the virtual clock and its timer queue (DESIGN.md "Time").
 *
 * One clock in nanoseconds with two modes: real time, which follows the host's monotonic clock
 * while the machine runs and stands still while it is stopped; and instruction counting
 * (`-icount SHIFT`), where each retired instruction is 2^SHIFT ns, so a run is reproducible.
 * Devices read time and arm timers here only; the main loop runs the CPU up to the next
 * deadline and then calls clock_run_timers(). Catching up lost ticks (a periodic timer that
 * fired late) is the device's policy: it sees how late it is from clock_now_ns().
 */
#ifndef VIREO_SYSTEM_CLOCK_H
#define VIREO_SYSTEM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_NO_DEADLINE INT64_MAX

typedef enum ClockMode {
    CLOCK_REALTIME,
    CLOCK_ICOUNT,
} ClockMode;

typedef void (*TimerCallback)(void *opaque);

struct VirtualClock;

typedef struct Timer {
    int64_t expire_ns;
    TimerCallback cb;
    void *opaque;
    struct VirtualClock *clock;
    struct Timer *next;
    bool is_pending;
} Timer;

typedef struct VirtualClock {
    ClockMode mode;
    unsigned icount_shift;       /* CLOCK_ICOUNT: ns per instruction = 1 << shift */
    uint64_t (*icount)(void *opaque); /* CLOCK_ICOUNT: instructions retired so far */
    void *icount_opaque;
    int64_t offset_ns;           /* virtual = source + offset; kept across stop/start */
    int64_t stopped_at_ns;       /* virtual time while stopped */
    bool is_running;
    Timer *head;                 /* pending timers, earliest first */
} VirtualClock;

/* A stopped clock at 0 ns. For CLOCK_ICOUNT, set icount/icount_opaque before starting. */
void clock_init(VirtualClock *c, ClockMode mode, unsigned icount_shift);
void clock_start(VirtualClock *c);
void clock_stop(VirtualClock *c);
int64_t clock_now_ns(const VirtualClock *c);
/* Set the time (snapshot load); the timers keep their absolute deadlines. */
void clock_set_ns(VirtualClock *c, int64_t ns);

void timer_init(Timer *t, VirtualClock *c, TimerCallback cb, void *opaque);
/* (Re)arm to fire once at virtual time expire_ns (already past: at the next run). */
void timer_mod_ns(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);

/* The earliest pending deadline, or CLOCK_NO_DEADLINE. */
int64_t clock_deadline_ns(const VirtualClock *c);
/* Runs every timer whose deadline has passed, earliest first; a callback may re-arm timers.
 * Returns the number run. */
unsigned clock_run_timers(VirtualClock *c);

#endif
