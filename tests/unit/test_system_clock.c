/*
 * tests/unit/test_system_clock.c: the virtual clock and its timer queue, in instruction-count
 * mode (deterministic: time is what the fake instruction counter says) and in real time
 * (monotonic, standing still while stopped).
 */
#include <string.h>

#include "check.h"
#include "system/clock.h"

static uint64_t fake_icount;

static uint64_t read_icount(void *opaque)
{
    (void)opaque;
    return fake_icount;
}

typedef struct Probe {
    char log[64];
    Timer *rearm;
    int64_t rearm_at;
} Probe;

static Probe probe;

static void fire_a(void *opaque)
{
    (void)opaque;
    strcat(probe.log, "a");
}

static void fire_b(void *opaque)
{
    (void)opaque;
    strcat(probe.log, "b");
    if (probe.rearm) {
        timer_mod_ns(probe.rearm, probe.rearm_at);
        probe.rearm = NULL;
    }
}

static void start_icount(VirtualClock *c, unsigned shift)
{
    fake_icount = 0;
    memset(&probe, 0, sizeof(probe));
    clock_init(c, CLOCK_ICOUNT, shift);
    c->icount = read_icount;
    clock_start(c);
}

static void test_system_clock_icount_time(void)
{
    VirtualClock c;
    start_icount(&c, 3);
    CHECK_EQ(clock_now_ns(&c), 0);
    fake_icount = 1000;
    CHECK_EQ(clock_now_ns(&c), 8000);
    clock_stop(&c);
    fake_icount = 5000;
    CHECK_EQ(clock_now_ns(&c), 8000); /* stopped: time stands */
    clock_start(&c);
    fake_icount = 5001;
    CHECK_EQ(clock_now_ns(&c), 8008);
    clock_set_ns(&c, 1000000);
    CHECK_EQ(clock_now_ns(&c), 1000000);
}

static void test_system_clock_timers_fire_in_deadline_order(void)
{
    VirtualClock c;
    start_icount(&c, 0);
    Timer a, b;
    timer_init(&a, &c, fire_a, NULL);
    timer_init(&b, &c, fire_b, NULL);
    CHECK_EQ(clock_deadline_ns(&c), CLOCK_NO_DEADLINE);
    timer_mod_ns(&a, 300);
    timer_mod_ns(&b, 100);
    CHECK_EQ(clock_deadline_ns(&c), 100);
    fake_icount = 99;
    CHECK_EQ(clock_run_timers(&c), 0);
    fake_icount = 1000;
    CHECK_EQ(clock_run_timers(&c), 2);
    CHECK_STR_EQ(probe.log, "ba");
    CHECK(!a.is_pending && !b.is_pending);
    CHECK_EQ(clock_deadline_ns(&c), CLOCK_NO_DEADLINE);
}

static void test_system_clock_mod_and_del(void)
{
    VirtualClock c;
    start_icount(&c, 0);
    Timer a, b;
    timer_init(&a, &c, fire_a, NULL);
    timer_init(&b, &c, fire_b, NULL);
    timer_mod_ns(&a, 100);
    timer_mod_ns(&b, 200);
    timer_mod_ns(&a, 300); /* re-arming moves it, never duplicates it */
    CHECK_EQ(clock_deadline_ns(&c), 200);
    timer_del(&b);
    timer_del(&b);
    CHECK_EQ(clock_deadline_ns(&c), 300);
    fake_icount = 300;
    CHECK_EQ(clock_run_timers(&c), 1);
    CHECK_STR_EQ(probe.log, "a");
}

static void test_system_clock_callback_rearms(void)
{
    VirtualClock c;
    start_icount(&c, 0);
    Timer a, b;
    timer_init(&a, &c, fire_a, NULL);
    timer_init(&b, &c, fire_b, NULL);
    timer_mod_ns(&b, 10);
    probe.rearm = &a;
    probe.rearm_at = 20; /* due already: runs in the same pass */
    fake_icount = 50;
    CHECK_EQ(clock_run_timers(&c), 2);
    CHECK_STR_EQ(probe.log, "ba");
    timer_mod_ns(&b, 60);
    probe.rearm = &a;
    probe.rearm_at = 500; /* later: stays queued */
    fake_icount = 100;
    CHECK_EQ(clock_run_timers(&c), 1);
    CHECK_EQ(clock_deadline_ns(&c), 500);
}

static void test_system_clock_realtime_is_monotonic_and_stops(void)
{
    VirtualClock c;
    clock_init(&c, CLOCK_REALTIME, 0);
    CHECK_EQ(clock_now_ns(&c), 0);
    clock_start(&c);
    int64_t t0 = clock_now_ns(&c);
    int64_t t1 = clock_now_ns(&c);
    CHECK(t0 >= 0 && t1 >= t0);
    clock_stop(&c);
    int64_t s0 = clock_now_ns(&c), s1 = clock_now_ns(&c);
    CHECK_EQ(s0, s1);
    CHECK(s0 >= t1);
    clock_start(&c);
    CHECK(clock_now_ns(&c) >= s0);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_system_clock_icount_time),
    CHECK_TEST(test_system_clock_timers_fire_in_deadline_order),
    CHECK_TEST(test_system_clock_mod_and_del),
    CHECK_TEST(test_system_clock_callback_rearms),
    CHECK_TEST(test_system_clock_realtime_is_monotonic_and_stops),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
