/*
 * tests/unit/test_hw_acpi_pm.c: the ACPI PM timer, PM1 and GPE0 registers against ACPI 6.4
 * §4.8 (values written here from the specification), with time from a fake instruction
 * counter (1 instruction = 1 ns).
 */
#include <string.h>

#include "check.h"
#include "hw/timer/acpi_pm.h"
#include "snapshot/state.h"

#define PM_BASE 0x600
#define GPE_BASE 0xafe0

static uint64_t fake_ns;
static VirtualClock clk;
static PortSpace *ports;
static AcpiPmState pm;
static bool sci_level;
static int sleep_typ;

static uint64_t read_ns(void *opaque)
{
    (void)opaque;
    return fake_ns;
}

static void sci_handler(void *opaque, int n, bool level)
{
    (void)opaque;
    (void)n;
    sci_level = level;
}

static void on_sleep(void *opaque, unsigned typ)
{
    (void)opaque;
    sleep_typ = (int)typ;
}

static void setup(void)
{
    fake_ns = 1000;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    ports = port_space_new();
    memset(&pm, 0, sizeof(pm));
    sci_level = false;
    sleep_typ = -1;
    CHECK_EQ(acpi_pm_init(&pm, ports, PM_BASE, GPE_BASE, &clk, irq_line(sci_handler, NULL, 9)), 0);
    pm.sleep = on_sleep;
}

static void teardown(void)
{
    port_space_free(ports);
}

static void test_hw_acpi_pm_reset_values(void)
{
    setup();
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_STS, 2), 0);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_EN, 2), 0);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM_TMR, 4), 0);
    CHECK_EQ(port_read(ports, GPE_BASE, 4), 0);
    CHECK(!sci_level);
    teardown();
}

static void test_hw_acpi_pm_timer_counts_at_3_579545_mhz(void)
{
    setup();
    fake_ns += 1000000000; /* one second: 3579545 ticks */
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM_TMR, 4), 3579545);
    fake_ns += 1000; /* 1 us more: 3.58 ticks, floor */
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM_TMR, 4), 3579548);
    /* Byte reads see the same counter. */
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM_TMR, 1), 3579548 & 0xff);
    /* Writes to the timer are ignored. */
    port_write(ports, PM_BASE + ACPI_PM_TMR, 0, 4);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM_TMR, 4), 3579548);
    teardown();
}

static void test_hw_acpi_pm_tmr_sts_on_bit31_change(void)
{
    setup();
    port_write(ports, PM_BASE + ACPI_PM1_EN, ACPI_PM1_TMR, 2);
    /* 2^31 ticks at 3579545 Hz: 599.925... s. Just before, nothing; just after, TMR_STS. */
    uint64_t edge_ns = (uint64_t)((2147483648.0 / 3579545.0) * 1e9);
    fake_ns = 1000 + edge_ns - 1000;
    clock_run_timers(&clk);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_STS, 2) & ACPI_PM1_TMR, 0);
    fake_ns = 1000 + edge_ns + 1000;
    clock_run_timers(&clk);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_STS, 2) & ACPI_PM1_TMR, ACPI_PM1_TMR);
    CHECK(port_read(ports, PM_BASE + ACPI_PM_TMR, 4) >= 0x80000000u);
    CHECK(sci_level);
    /* Write 1 to clear lowers the SCI; writing 0 changes nothing. */
    port_write(ports, PM_BASE + ACPI_PM1_STS, 0, 2);
    CHECK(sci_level);
    port_write(ports, PM_BASE + ACPI_PM1_STS, ACPI_PM1_TMR, 2);
    CHECK(!sci_level);
    teardown();
}

static void test_hw_acpi_pm_sleep_and_status(void)
{
    setup();
    /* SLP_TYP = 5 with SLP_EN: the board is asked for sleep type 5; SLP_EN reads back 0. */
    port_write(ports, PM_BASE + ACPI_PM1_CNT, (5u << 10) | ACPI_PM1_CNT_SLP_EN, 2);
    CHECK_EQ(sleep_typ, 5);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_CNT, 2), (5u << 10) | ACPI_PM1_CNT_SCI_EN);
    CHECK(port_read(ports, PM_BASE + ACPI_PM1_STS, 2) & ACPI_PM1_WAK);
    /* SLP_TYP alone does not sleep. */
    sleep_typ = -1;
    port_write(ports, PM_BASE + ACPI_PM1_CNT, 0, 2);
    CHECK_EQ(sleep_typ, -1);
    /* A power-button press raises the SCI only when enabled. */
    acpi_pm_raise_status(&pm, ACPI_PM1_PWRBTN);
    CHECK(!sci_level);
    port_write(ports, PM_BASE + ACPI_PM1_EN, ACPI_PM1_PWRBTN, 2);
    CHECK(sci_level);
    teardown();
}

static void test_hw_acpi_pm_gpe0(void)
{
    setup();
    pm.gpe0_sts[0] = 0x02;
    port_write(ports, GPE_BASE + 2, 0x02, 1);
    CHECK(sci_level);
    CHECK_EQ(port_read(ports, GPE_BASE, 2), 0x02);
    port_write(ports, GPE_BASE, 0x02, 1);
    CHECK(!sci_level);
    CHECK_EQ(port_read(ports, GPE_BASE + 2, 2), 0x02);
    teardown();
}

static void test_hw_acpi_pm_state_round_trip(void)
{
    setup();
    port_write(ports, PM_BASE + ACPI_PM1_EN, ACPI_PM1_TMR | ACPI_PM1_PWRBTN, 2);
    acpi_pm_raise_status(&pm, ACPI_PM1_PWRBTN);
    fake_ns += 123456789;
    uint32_t tmr = acpi_pm_timer_read(&pm);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&acpi_pm_state_desc, &pm, &a), 0);
    AcpiPmState copy = pm;
    acpi_pm_reset(&copy);
    sci_level = false;
    char err[200];
    CHECK_EQ(state_load(&acpi_pm_state_desc, &copy, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK(sci_level); /* post_load re-raised the SCI */
    CHECK_EQ(acpi_pm_timer_read(&copy), tmr);
    CHECK_EQ(state_save(&acpi_pm_state_desc, &copy, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    timer_del(&copy.overflow);
    /* A corrupt PM1_CNT is refused. */
    a.data[2 + 4] = 0xff;
    a.data[2 + 5] = 0xff;
    CHECK_EQ(state_load(&acpi_pm_state_desc, &copy, a.data, a.len, err, sizeof(err)), -1);
    timer_del(&copy.overflow);
    state_buf_free(&a);
    state_buf_free(&b);
    teardown();
}

static void test_hw_acpi_pm_moves_with_pmba(void)
{
    setup();
    CHECK_EQ(acpi_pm_set_base(&pm, ports, 0xb000, true), 0);
    CHECK_EQ(port_read(ports, PM_BASE + ACPI_PM1_CNT, 2), 0xffff); /* nothing there now */
    CHECK_EQ(port_read(ports, 0xb000 + ACPI_PM1_CNT, 2), ACPI_PM1_CNT_SCI_EN);
    CHECK_EQ(acpi_pm_set_base(&pm, ports, 0xb000, false), 0);
    CHECK_EQ(port_read(ports, 0xb000 + ACPI_PM1_CNT, 2), 0xffff);
    CHECK_EQ(port_read(ports, GPE_BASE + 2, 1), 0); /* GPE0 stays */
    teardown();
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_acpi_pm_moves_with_pmba),
    CHECK_TEST(test_hw_acpi_pm_reset_values),
    CHECK_TEST(test_hw_acpi_pm_timer_counts_at_3_579545_mhz),
    CHECK_TEST(test_hw_acpi_pm_tmr_sts_on_bit31_change),
    CHECK_TEST(test_hw_acpi_pm_sleep_and_status),
    CHECK_TEST(test_hw_acpi_pm_gpe0),
    CHECK_TEST(test_hw_acpi_pm_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
