/*
 * tests/unit/test_hw_mc146818.c: the MC146818A RTC against its datasheet and the PC AT
 * conventions: BCD and binary, 24- and 12-hour forms, the calendar rolling over Feb 29 and a
 * century, SET holding the time for software writes, UIP before the update, periodic,
 * update-ended and alarm interrupts with register C read-to-clear, the NMI mask bit, CMOS RAM.
 * Dates were converted to Unix time by Python's calendar.timegm (an independent reference).
 * Time: 1 instruction = 1 ns.
 */
#include <string.h>

#include "check.h"
#include "hw/timer/mc146818.h"
#include "snapshot/state.h"

#define T_2024_02_28_235958 1709164798ll /* a Wednesday (RTC day 4) */
#define T_2099_12_31_235959 4102444799ll /* a Thursday (RTC day 5) */
#define T_2023_07_04_133000 1688477400ll /* a Tuesday (RTC day 3) */

static uint64_t fake_ns;
static VirtualClock clk;
static PortSpace *ports;
static RtcState rtc;
static bool irq8;
static unsigned rises;

static uint64_t read_ns(void *o) { (void)o; return fake_ns; }

static void irq_handler(void *o, int n, bool level)
{
    (void)o;
    (void)n;
    if (level && !irq8) {
        rises++;
    }
    irq8 = level;
}

static void setup(int64_t wall)
{
    fake_ns = 0;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    ports = port_space_new();
    memset(&rtc, 0, sizeof(rtc));
    irq8 = false;
    rises = 0;
    CHECK_EQ(rtc_init(&rtc, ports, &clk, irq_line(irq_handler, NULL, 8), wall), 0);
}

static uint8_t rd(uint8_t idx)
{
    port_write(ports, 0x70, idx, 1);
    return (uint8_t)port_read(ports, 0x71, 1);
}

static void wr(uint8_t idx, uint8_t v)
{
    port_write(ports, 0x70, idx, 1);
    port_write(ports, 0x71, v, 1);
}

static void advance(uint64_t ns)
{
    fake_ns += ns;
    clock_run_timers(&clk);
}

static void test_hw_mc146818_calendar_bcd_and_leap_day(void)
{
    setup(T_2024_02_28_235958);
    CHECK_EQ(rd(RTC_SECONDS), 0x58);
    CHECK_EQ(rd(RTC_MINUTES), 0x59);
    CHECK_EQ(rd(RTC_HOURS), 0x23);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 4);
    CHECK_EQ(rd(RTC_DATE), 0x28);
    CHECK_EQ(rd(RTC_MONTH), 0x02);
    CHECK_EQ(rd(RTC_YEAR), 0x24);
    CHECK_EQ(rd(RTC_CENTURY), 0x20);
    CHECK_EQ(rd(RTC_REG_D), 0x80);            /* valid RAM and time */
    advance(2000000000ull);                   /* 2024 is a leap year: Feb 29 */
    CHECK_EQ(rd(RTC_DATE), 0x29);
    CHECK_EQ(rd(RTC_MONTH), 0x02);
    CHECK_EQ(rd(RTC_HOURS), 0x00);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 5);
    advance(86400ull * 1000000000ull);        /* then Mar 1 */
    CHECK_EQ(rd(RTC_DATE), 0x01);
    CHECK_EQ(rd(RTC_MONTH), 0x03);
    port_space_free(ports);
}

static void test_hw_mc146818_century_binary_12h(void)
{
    setup(T_2099_12_31_235959);
    advance(1000000000ull);
    CHECK_EQ(rd(RTC_YEAR), 0x00);
    CHECK_EQ(rd(RTC_CENTURY), 0x21);
    CHECK_EQ(rd(RTC_MONTH), 0x01);
    CHECK_EQ(rd(RTC_DATE), 0x01);
    port_space_free(ports);

    setup(T_2023_07_04_133000);
    wr(RTC_REG_B, RTC_B_DM_BINARY);           /* binary, 12-hour */
    CHECK_EQ(rd(RTC_HOURS), 0x80 | 1);        /* 1 PM */
    CHECK_EQ(rd(RTC_MINUTES), 30);
    CHECK_EQ(rd(RTC_YEAR), 23);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 3);
    wr(RTC_REG_B, RTC_B_DM_BINARY | RTC_B_24H);
    CHECK_EQ(rd(RTC_HOURS), 13);
    port_space_free(ports);
}

static void test_hw_mc146818_set_and_write(void)
{
    setup(T_2023_07_04_133000);
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
    CHECK_EQ(rd(RTC_REG_B) & RTC_B_UIE, 0);   /* SET clears UIE */
    wr(RTC_HOURS, 0x08);
    wr(RTC_MINUTES, 0x15);
    advance(5000000000ull);
    CHECK_EQ(rd(RTC_MINUTES), 0x15);          /* held while SET */
    CHECK_EQ(rd(RTC_SECONDS), 0x00);
    wr(RTC_REG_B, RTC_B_24H);
    advance(3000000000ull);
    CHECK_EQ(rd(RTC_SECONDS), 0x03);
    CHECK_EQ(rd(RTC_HOURS), 0x08);
    port_space_free(ports);
}

static void test_hw_mc146818_uip(void)
{
    setup(T_2023_07_04_133000);
    CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
    advance(1000000000ull - 244000 - 1000);
    CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
    advance(2000);
    CHECK(rd(RTC_REG_A) & RTC_A_UIP);         /* within 244 us of the update */
    advance(300000);
    CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
    CHECK_EQ(rd(RTC_REG_A) & 0x7f, 0x26);     /* divider on, 1024 Hz */
    port_space_free(ports);
}

static void test_hw_mc146818_interrupts(void)
{
    setup(T_2023_07_04_133000);
    /* Periodic, 1024 Hz (RS 0110): 1024 interrupts per second, each acknowledged. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    unsigned acked = 0;
    for (unsigned i = 0; i < 100000; i++) {
        advance(10000);
        if (irq8) {
            uint8_t c = rd(RTC_REG_C);
            CHECK_EQ(c & 0xc0, 0xc0);         /* IRQF and PF */
            CHECK(!irq8);                     /* the read lowered IRQ 8 */
            acked++;
        }
    }
    CHECK_EQ(acked, 1024);
    /* Update-ended, once a second; PF keeps being set without PIE. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    rd(RTC_REG_C);
    rises = 0;
    advance(3000000000ull);
    CHECK_EQ(rises, 1);                       /* not read: IRQ 8 stays up after the first */
    CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    /* Alarm at hh:mm:05 with don't-care hours and minutes. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    wr(RTC_SECONDS_ALARM, 0x05);
    wr(RTC_MINUTES_ALARM, 0xc0);
    wr(RTC_HOURS_ALARM, 0xff);
    rd(RTC_REG_C);
    unsigned sec = rd(RTC_SECONDS);
    CHECK(sec < 0x05);
    advance((uint64_t)(5 - ((sec >> 4) * 10 + (sec & 0xf))) * 1000000000ull + 10000000);
    CHECK(irq8);
    CHECK(rd(RTC_REG_C) & RTC_C_AF);
    port_space_free(ports);
}

static void test_hw_mc146818_nmi_and_ram(void)
{
    setup(T_2023_07_04_133000);
    CHECK(!rtc_nmi_masked(&rtc));
    port_write(ports, 0x70, 0x8f, 1);
    CHECK(rtc_nmi_masked(&rtc));
    port_write(ports, 0x71, 0x42, 1);         /* index 0Fh with NMI masked */
    CHECK_EQ(rd(0x0f), 0x42);
    CHECK(!rtc_nmi_masked(&rtc));
    rtc_cmos_set(&rtc, 0x34, 0x3f);
    CHECK_EQ(rd(0x34), 0x3f);
    rtc_cmos_set(&rtc, RTC_SECONDS, 0x99);    /* not RAM: ignored */
    CHECK(rd(RTC_SECONDS) != 0x99);
    wr(RTC_REG_D, 0);
    CHECK_EQ(rd(RTC_REG_D), 0x80);
    port_space_free(ports);
}

static void test_hw_mc146818_state_round_trip(void)
{
    setup(T_2023_07_04_133000);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    rtc_cmos_set(&rtc, 0x40, 0x12);
    advance(1500000000ull);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&rtc_state_desc, &rtc, &a), 0);
    rtc_reset(&rtc);
    char err[100];
    CHECK_EQ(state_load(&rtc_state_desc, &rtc, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&rtc_state_desc, &rtc, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK_EQ(rd(RTC_SECONDS), 0x01);
    CHECK_EQ(rd(0x40), 0x12);
    a.data[2 + 128] = 0x80;                   /* index out of range */
    CHECK_EQ(state_load(&rtc_state_desc, &rtc, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_mc146818_calendar_bcd_and_leap_day),
    CHECK_TEST(test_hw_mc146818_century_binary_12h),
    CHECK_TEST(test_hw_mc146818_set_and_write),
    CHECK_TEST(test_hw_mc146818_uip),
    CHECK_TEST(test_hw_mc146818_interrupts),
    CHECK_TEST(test_hw_mc146818_nmi_and_ram),
    CHECK_TEST(test_hw_mc146818_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
