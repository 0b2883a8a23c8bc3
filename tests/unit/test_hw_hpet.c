/*
 * tests/unit/test_hw_hpet.c: the HPET against the IA-PC HPET Specification 1.0a (§2.3
 * registers and reset values, §2.3.9 one-shot and periodic comparators, 32-bit mode, level and
 * edge interrupts, §2.4 legacy replacement routing), with time from a fake instruction counter
 * (1 instruction = 1 ns, so one main-counter tick is 10 instructions).
 */
#include <string.h>

#include "check.h"
#include "hw/timer/hpet.h"
#include "snapshot/state.h"

#define BASE 0xfed00000ull
#define T0 (BASE + HPET_TIMER_BASE)
#define T1 (BASE + HPET_TIMER_BASE + HPET_TIMER_STRIDE)
#define T2 (BASE + HPET_TIMER_BASE + 2 * HPET_TIMER_STRIDE)

static uint64_t fake_ns;
static VirtualClock clk;
static PhysMap *map;
static HpetState hpet;
static unsigned pulses[6];
static bool levels[6];
static int legacy_seen;

static uint64_t read_ns(void *opaque)
{
    (void)opaque;
    return fake_ns;
}

static void line_handler(void *opaque, int n, bool level)
{
    (void)opaque;
    if (level && !levels[n]) {
        pulses[n]++;
    }
    levels[n] = level;
}

static void on_legacy(void *opaque, bool is_legacy)
{
    (void)opaque;
    legacy_seen = is_legacy;
}

/* Lines: 0 = IRQ 0, 1 = IRQ 8, 2..5 = I/O APIC 20..23. */
static void setup(void)
{
    fake_ns = 5;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    map = phys_map_new(36);
    memset(&hpet, 0, sizeof(hpet));
    memset(pulses, 0, sizeof(pulses));
    memset(levels, 0, sizeof(levels));
    legacy_seen = -1;
    hpet.legacy_irq[0] = irq_line(line_handler, NULL, 0);
    hpet.legacy_irq[1] = irq_line(line_handler, NULL, 1);
    for (int i = 0; i < 4; i++) {
        hpet.ioapic[i] = irq_line(line_handler, NULL, 2 + i);
    }
    hpet.legacy_changed = on_legacy;
    CHECK_EQ(hpet_init(&hpet, map, BASE, &clk), 0);
}

static void advance(uint64_t ns)
{
    fake_ns += ns;
    clock_run_timers(&clk);
}

static void test_hw_hpet_reset_values(void)
{
    setup();
    /* Period 10^7 fs, vendor 8086h, LEG_RT_CAP, 64-bit counter, 3 timers, revision 1. */
    CHECK_EQ(phys_ld64(map, BASE + HPET_GCAP_ID), 0x009896808086a201ull);
    CHECK_EQ(hpet_capabilities_low(), 0x8086a201u);
    CHECK_EQ(phys_ld64(map, BASE + HPET_GEN_CONF), 0);
    CHECK_EQ(phys_ld64(map, BASE + HPET_MAIN_CNT), 0);
    /* Timer 0: periodic capable, 64-bit capable, routes 20-23; timers 1, 2 not periodic. */
    CHECK_EQ(phys_ld64(map, T0), 0x00f0000000000030ull);
    CHECK_EQ(phys_ld64(map, T1), 0x00f0000000000020ull);
    CHECK_EQ(phys_ld64(map, T0 + HPET_TN_CMP), ~0ull);
    advance(1000);
    CHECK_EQ(phys_ld64(map, BASE + HPET_MAIN_CNT), 0); /* halted */
    phys_map_free(map);
}

static void test_hw_hpet_counter_runs_at_100mhz(void)
{
    setup();
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    advance(1000000);
    CHECK_EQ(phys_ld64(map, BASE + HPET_MAIN_CNT), 100000);
    CHECK_EQ(phys_ld32(map, BASE + HPET_MAIN_CNT), 100000);
    CHECK_EQ(phys_ld32(map, BASE + HPET_MAIN_CNT + 4), 0);
    phys_st64(map, BASE + HPET_GEN_CONF, 0);
    advance(1000000);
    CHECK_EQ(phys_ld64(map, BASE + HPET_MAIN_CNT), 100000); /* halted keeps its value */
    phys_st64(map, BASE + HPET_MAIN_CNT, 0xfffffff0ull);
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    advance(200);
    CHECK_EQ(phys_ld64(map, BASE + HPET_MAIN_CNT), 0x100000004ull);
    phys_map_free(map);
}

static void test_hw_hpet_one_shot_edge_to_ioapic(void)
{
    setup();
    /* Timer 2, route 21, edge, enabled; comparator 1000 ticks = 10 us. */
    phys_st64(map, T2, HPET_TN_INT_ENB | 21u << HPET_TN_INT_ROUTE_SHIFT);
    phys_st64(map, T2 + HPET_TN_CMP, 1000);
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    advance(9990);
    CHECK_EQ(pulses[3], 0);
    advance(20);
    CHECK_EQ(pulses[3], 1);
    CHECK(!levels[3]);                                     /* an edge: pulsed */
    CHECK_EQ(phys_ld64(map, BASE + HPET_GINTR_STA), 0);    /* no status in edge mode */
    advance(100000000);
    CHECK_EQ(pulses[3], 1);                                /* one-shot 64-bit: once */
    phys_map_free(map);
}

static void test_hw_hpet_level_and_status(void)
{
    setup();
    phys_st64(map, T1, HPET_TN_INT_ENB | HPET_TN_INT_TYPE_LEVEL | 22u << HPET_TN_INT_ROUTE_SHIFT);
    phys_st64(map, T1 + HPET_TN_CMP, 10);
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    advance(200);
    CHECK(levels[4]);
    CHECK_EQ(phys_ld64(map, BASE + HPET_GINTR_STA), 2);
    phys_st64(map, BASE + HPET_GINTR_STA, 1); /* other bit: nothing */
    CHECK(levels[4]);
    phys_st64(map, BASE + HPET_GINTR_STA, 2);
    CHECK(!levels[4]);
    phys_map_free(map);
}

static void test_hw_hpet_periodic_like_linux(void)
{
    setup();
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF | HPET_LEG_RT_CNF);
    CHECK_EQ(legacy_seen, 1);
    /* Linux hpet_set_periodic: cfg with PERIODIC | VAL_SET | 32-bit | INT_ENB, comparator =
     * now + delta, then comparator = delta (the period). 100000 ticks = 1 ms. */
    uint64_t now = phys_ld64(map, BASE + HPET_MAIN_CNT);
    phys_st32(map, T0, HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | HPET_TN_VAL_SET |
                           HPET_TN_32MODE);
    phys_st32(map, T0 + HPET_TN_CMP, (uint32_t)(now + 100000));
    phys_st32(map, T0 + HPET_TN_CMP, 100000);
    CHECK_EQ(phys_ld64(map, T0) & HPET_TN_VAL_SET, 0); /* VAL_SET clears itself */
    for (unsigned ms = 0; ms < 1000; ms++) {
        advance(1000000);
    }
    CHECK_EQ(pulses[0], 1000); /* legacy replacement: timer 0 on IRQ 0, no drift */
    CHECK_EQ(pulses[2], 0);
    /* A late host: 10.5 ms at once gives one interrupt, and the next lands on the grid. */
    advance(10500000);
    CHECK_EQ(pulses[0], 1001);
    advance(500000);
    CHECK_EQ(pulses[0], 1002);
    phys_map_free(map);
}

static void test_hw_hpet_32bit_mode_wraps(void)
{
    setup();
    phys_st64(map, BASE + HPET_MAIN_CNT, 0xffffff00ull);
    phys_st64(map, T2, HPET_TN_INT_ENB | HPET_TN_32MODE | 20u << HPET_TN_INT_ROUTE_SHIFT);
    phys_st64(map, T2 + HPET_TN_CMP, 0x1000000080ull); /* upper half dropped in 32-bit mode */
    CHECK_EQ(phys_ld64(map, T2 + HPET_TN_CMP), 0x80);
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    advance(0x100 * 10 + 0x80 * 10 - 10);
    CHECK_EQ(pulses[2], 0);
    advance(20);
    CHECK_EQ(pulses[2], 1);
    phys_map_free(map);
}

static void test_hw_hpet_bad_accesses(void)
{
    setup();
    phys_st64(map, BASE + HPET_GCAP_ID, 0);         /* read-only */
    phys_st8(map, BASE + HPET_GEN_CONF, 3);         /* too narrow: filtered */
    phys_st64(map, BASE + 0x300, ~0ull);            /* reserved */
    phys_st64(map, T1, HPET_TN_TYPE_PERIODIC);      /* timer 1 is not periodic-capable */
    CHECK_EQ(phys_ld64(map, BASE + HPET_GCAP_ID), 0x009896808086a201ull);
    CHECK_EQ(phys_ld64(map, BASE + HPET_GEN_CONF), 0);
    CHECK_EQ(phys_ld64(map, T1) & HPET_TN_TYPE_PERIODIC, 0);
    phys_map_free(map);
}

static void test_hw_hpet_state_round_trip(void)
{
    setup();
    phys_st64(map, T0, HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | HPET_TN_VAL_SET |
                           20u << HPET_TN_INT_ROUTE_SHIFT);
    phys_st64(map, T0 + HPET_TN_CMP, 500);
    phys_st64(map, T0 + HPET_TN_CMP, 500);
    phys_st64(map, BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
    for (unsigned i = 0; i < 12; i++) {
        advance(1000);
    }
    CHECK_EQ(pulses[2], 2); /* ticks 500 and 1000 */
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&hpet_state_desc, &hpet, &a), 0);
    char err[200];
    /* Load into the same device after a reset: the periodic timer keeps ticking on the grid. */
    hpet_reset(&hpet);
    CHECK_EQ(state_load(&hpet_state_desc, &hpet, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&hpet_state_desc, &hpet, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    for (unsigned i = 0; i < 50; i++) {
        advance(1000);
    }
    CHECK_EQ(pulses[2], 2 + 10);
    a.data[2] = 0x80; /* GEN_CONF reserved bit */
    CHECK_EQ(state_load(&hpet_state_desc, &hpet, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    phys_map_free(map);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_hpet_reset_values),
    CHECK_TEST(test_hw_hpet_counter_runs_at_100mhz),
    CHECK_TEST(test_hw_hpet_one_shot_edge_to_ioapic),
    CHECK_TEST(test_hw_hpet_level_and_status),
    CHECK_TEST(test_hw_hpet_periodic_like_linux),
    CHECK_TEST(test_hw_hpet_32bit_mode_wraps),
    CHECK_TEST(test_hw_hpet_bad_accesses),
    CHECK_TEST(test_hw_hpet_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
