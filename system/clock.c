/*
 * system/clock.c: the virtual clock and timer queue (see clock.h). The only place in vireo that
 * reads the host's clock (CLOCK_MONOTONIC).
 */
#define _POSIX_C_SOURCE 200809L
#include "system/clock.h"

#include <stddef.h>
#include <time.h>

static int64_t source_ns(const VirtualClock *c)
{
    if (c->mode == CLOCK_ICOUNT) {
        return c->icount ? (int64_t)(c->icount(c->icount_opaque) << c->icount_shift) : 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_init(VirtualClock *c, ClockMode mode, unsigned icount_shift)
{
    *c = (VirtualClock){ .mode = mode, .icount_shift = icount_shift };
}

void clock_start(VirtualClock *c)
{
    if (!c->is_running) {
        c->offset_ns = c->stopped_at_ns - source_ns(c);
        c->is_running = true;
    }
}

void clock_stop(VirtualClock *c)
{
    if (c->is_running) {
        c->stopped_at_ns = clock_now_ns(c);
        c->is_running = false;
    }
}

int64_t clock_now_ns(const VirtualClock *c)
{
    return c->is_running ? source_ns(c) + c->offset_ns : c->stopped_at_ns;
}

void clock_set_ns(VirtualClock *c, int64_t ns)
{
    c->stopped_at_ns = ns;
    if (c->is_running) {
        c->offset_ns = ns - source_ns(c);
    }
}

void timer_init(Timer *t, VirtualClock *c, TimerCallback cb, void *opaque)
{
    *t = (Timer){ .cb = cb, .opaque = opaque, .clock = c };
}

void timer_del(Timer *t)
{
    if (!t->is_pending) {
        return;
    }
    for (Timer **p = &t->clock->head; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->is_pending = false;
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    timer_del(t);
    t->expire_ns = expire_ns;
    Timer **p = &t->clock->head;
    while (*p && (*p)->expire_ns <= expire_ns) {
        p = &(*p)->next;
    }
    t->next = *p;
    *p = t;
    t->is_pending = true;
}

int64_t clock_deadline_ns(const VirtualClock *c)
{
    return c->head ? c->head->expire_ns : CLOCK_NO_DEADLINE;
}

unsigned clock_run_timers(VirtualClock *c)
{
    unsigned n = 0;
    int64_t now = clock_now_ns(c);
    while (c->head && c->head->expire_ns <= now) {
        Timer *t = c->head;
        c->head = t->next;
        t->next = NULL;
        t->is_pending = false;
        t->cb(t->opaque);
        n++;
    }
    return n;
}
