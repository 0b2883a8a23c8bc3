/*
 * tests/unit/test_hw_i8254.c: the 8254 PIT and port 61h against the 8254 datasheet (231164):
 * mode 0, 2 and 3 OUT waveforms and counter values at chosen times, LSB/MSB access, the counter
 * latch and read-back commands with the status byte, BCD counting, channel 2's gate and OUT
 * through port 61h as Linux's PIT calibration uses them, the refresh toggle, and IRQ 0 edges
 * over a long run (no drift). Time: 1 instruction = 1 ns; one PIT tick is 838.095 ns.
 */
#include <string.h>

#include "check.h"
#include "hw/timer/i8254.h"
#include "snapshot/state.h"

static uint64_t fake_ns;
static VirtualClock clk;
static PortSpace *ports;
static PitState pit;
static bool irq0;
static unsigned rises;

static uint64_t read_ns(void *o) { (void)o; return fake_ns; }

static void irq_handler(void *o, int n, bool level)
{
    (void)o;
    (void)n;
    if (level && !irq0) {
        rises++;
    }
    irq0 = level;
}

static void setup(void)
{
    fake_ns = 1000;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    ports = port_space_new();
    memset(&pit, 0, sizeof(pit));
    irq0 = false;
    rises = 0;
    CHECK_EQ(pit_init(&pit, ports, &clk, irq_line(irq_handler, NULL, 0)), 0);
}

static void out(uint16_t port, uint8_t v) { port_write(ports, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)port_read(ports, port, 1); }

/* ns for n ticks of 1.193182 MHz, rounded up. */
static uint64_t ticks(uint64_t n)
{
    return (n * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static void advance(uint64_t ns)
{
    fake_ns += ns;
    clock_run_timers(&clk);
}

static void test_hw_i8254_mode0_terminal_count(void)
{
    setup();
    out(0x43, 0x30);                      /* channel 0, LSB/MSB, mode 0, binary */
    CHECK(!pit_get_out(&pit, 0));         /* mode 0: OUT low after the control word */
    out(0x40, 100);
    out(0x40, 0);
    advance(ticks(50));
    out(0x43, 0x00);                      /* latch channel 0 */
    uint16_t lo = in(0x40);               /* LSB first: two statements fix the order */
    uint16_t v = (uint16_t)(lo | in(0x40) << 8);
    CHECK_EQ(v, 50);
    CHECK(!irq0);
    advance(ticks(49) + 1);
    CHECK(!irq0);
    advance(ticks(2));
    CHECK(irq0);                          /* OUT high at terminal count: IRQ 0 rises */
    CHECK_EQ(rises, 1);
    advance(ticks(100000));
    CHECK_EQ(rises, 1);                   /* once */
    port_space_free(ports);
}

static void test_hw_i8254_mode2_rate_no_drift(void)
{
    setup();
    out(0x43, 0x34);                      /* channel 0, LSB/MSB, mode 2: OUT goes high */
    CHECK_EQ(rises, 1);
    out(0x40, 0xa9);                      /* 04A9h = 1193 ticks: Linux's LATCH for HZ=1000 */
    out(0x40, 0x04);
    for (unsigned ms = 0; ms < 2000; ms++) {
        advance(100000);                  /* 0.1 ms steps */
    }
    /* 200 ms of 1193-tick periods: 200 ms * 1193182 / 1193 = 200.03 periods, each ending
     * with OUT low for one clock and rising again. */
    CHECK_EQ(rises, 1 + 200);
    port_space_free(ports);
}

static void test_hw_i8254_mode3_square_wave(void)
{
    setup();
    out(0x43, 0x36);                      /* mode 3 */
    out(0x40, 10);
    out(0x40, 0);
    CHECK(pit_get_out(&pit, 0));
    advance(ticks(4) + 1);
    CHECK(pit_get_out(&pit, 0));          /* high for the first 5 ticks */
    advance(ticks(2));
    CHECK(!pit_get_out(&pit, 0));         /* then low for 5 */
    advance(ticks(5));
    CHECK(pit_get_out(&pit, 0));
    port_space_free(ports);
}

static void test_hw_i8254_readback_and_bcd(void)
{
    setup();
    out(0x43, 0xb1);                      /* channel 2, LSB/MSB, mode 0, BCD */
    out(0x42, 0x34);
    out(0x42, 0x12);                      /* 1234 decimal */
    out(0x43, 0xe8);                      /* read-back: status only of channel 2 */
    /* Status: OUT low (gate low: mode 0 not counting), null count 0, rw 3, mode 0, BCD. */
    CHECK_EQ(in(0x42), 0x31);
    out(0x43, 0xd8);                      /* read-back: count of channel 2 */
    CHECK_EQ(in(0x42), 0x34);
    CHECK_EQ(in(0x42), 0x12);
    out(0x43, 0x10 | 0x80);               /* channel 2, LSB only, mode 0 */
    out(0x42, 0x20);
    CHECK_EQ(in(0x42), 0x20);
    CHECK_EQ(in(0x43), 0xff);             /* the control register reads nothing */
    port_space_free(ports);
}

/* Linux's pit_calibrate_tsc: port 61h gate on, speaker off; channel 2 mode 0, count 0xffff;
 * poll port 61h bit 5 (OUT2) until it goes high. */
static void test_hw_i8254_port61_calibration(void)
{
    setup();
    out(0x61, (in(0x61) & ~0x02) | 0x01);
    out(0x43, 0xb0);
    out(0x42, 0xff);
    out(0x42, 0xff);
    CHECK_EQ(in(0x61) & 0x20, 0);
    advance(ticks(0xfffe));
    CHECK_EQ(in(0x61) & 0x20, 0);
    advance(ticks(2));
    CHECK_EQ(in(0x61) & 0x20, 0x20);
    /* Gate low holds a mode 0 count. */
    out(0x61, 0);
    out(0x43, 0xb0);
    out(0x42, 100);
    out(0x42, 0);
    advance(ticks(500));
    out(0x43, 0x80);
    CHECK_EQ(in(0x42), 100);
    /* The refresh bit toggles every 15.085 us. */
    uint8_t r0 = in(0x61) & 0x10;
    advance(15085);
    CHECK_EQ(in(0x61) & 0x10, r0 ^ 0x10);
    CHECK_EQ(in(0x61) & 0x0f, 0);
    port_space_free(ports);
}

static void test_hw_i8254_state_round_trip(void)
{
    setup();
    out(0x43, 0x34);
    out(0x40, 0xa9);
    out(0x40, 0x04);
    for (unsigned i = 0; i < 50; i++) {
        advance(100000);
    }
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&pit_state_desc, &pit, &a), 0);
    pit_reset(&pit);
    char err[100];
    CHECK_EQ(state_load(&pit_state_desc, &pit, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&pit_state_desc, &pit, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    unsigned before = rises;
    for (unsigned i = 0; i < 100; i++) {
        advance(100000);
    }
    CHECK_EQ(rises, before + 10);         /* the 1 kHz rate goes on */
    a.data[2 + 2 + 4 + 2 + 2] = 9;        /* channel 0 mode 9 */
    CHECK_EQ(state_load(&pit_state_desc, &pit, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_i8254_mode0_terminal_count),
    CHECK_TEST(test_hw_i8254_mode2_rate_no_drift),
    CHECK_TEST(test_hw_i8254_mode3_square_wave),
    CHECK_TEST(test_hw_i8254_readback_and_bcd),
    CHECK_TEST(test_hw_i8254_port61_calibration),
    CHECK_TEST(test_hw_i8254_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
