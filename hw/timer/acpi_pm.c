/* hw/timer/acpi_pm.c: ACPI PM timer, PM1 and GPE0 registers (see acpi_pm.h). */
#include "hw/timer/acpi_pm.h"

#include <stdio.h>

#include "util/log.h"

#define NS_PER_S 1000000000ull
#define PM1_SCI_SOURCES                                                                           \
    (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
/* PM1_STS bits that exist (the rest read 0); PM1_EN has the enables of the SCI sources. */
#define PM1_STS_BITS (PM1_SCI_SOURCES | ACPI_PM1_BM | ACPI_PM1_WAK)
#define PM1_CNT_WRITABLE 0x1c06u /* SLP_TYP (12:10), GBL_RLS (2), BM_RLD (1) */

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * ACPI_PM_TIMER_HZ + ns % NS_PER_S * ACPI_PM_TIMER_HZ / NS_PER_S;
}

/* The first virtual time (relative to the base) at which `ticks` ticks have elapsed. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
    return ticks / ACPI_PM_TIMER_HZ * NS_PER_S +
           (ticks % ACPI_PM_TIMER_HZ * NS_PER_S + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

static uint64_t elapsed_ticks(const AcpiPmState *s)
{
    int64_t ns = clock_now_ns(s->clock) - s->timer_base_ns;
    return ns > 0 ? ns_to_ticks((uint64_t)ns) : 0;
}

uint32_t acpi_pm_timer_read(const AcpiPmState *s)
{
    return (uint32_t)elapsed_ticks(s);
}

static void update_sci(AcpiPmState *s)
{
    bool level = (s->pm1_sts & s->pm1_en & PM1_SCI_SOURCES) ||
                 (s->gpe0_sts[0] & s->gpe0_en[0]) || (s->gpe0_sts[1] & s->gpe0_en[1]);
    irq_set(&s->sci, level);
}

/* TMR_STS is set each time bit 31 of the counter changes (ACPI 6.4 §4.8.3.3). */
static void arm_overflow(AcpiPmState *s)
{
    uint64_t next = ((elapsed_ticks(s) >> 31) + 1) << 31;
    timer_mod_ns(&s->overflow, s->timer_base_ns + (int64_t)ticks_to_ns(next));
}

static void overflow_fired(void *opaque)
{
    AcpiPmState *s = opaque;
    s->pm1_sts |= ACPI_PM1_TMR;
    update_sci(s);
    arm_overflow(s);
}

void acpi_pm_raise_status(AcpiPmState *s, uint16_t pm1_bits)
{
    s->pm1_sts |= pm1_bits & PM1_STS_BITS;
    update_sci(s);
}

static uint8_t read_byte(const AcpiPmState *s, unsigned off, uint32_t tmr)
{
    switch (off) {
    case ACPI_PM1_STS:
    case ACPI_PM1_STS + 1:
        return (uint8_t)(s->pm1_sts >> (8 * (off & 1)));
    case ACPI_PM1_EN:
    case ACPI_PM1_EN + 1:
        return (uint8_t)(s->pm1_en >> (8 * (off & 1)));
    case ACPI_PM1_CNT:
    case ACPI_PM1_CNT + 1:
        return (uint8_t)((s->pm1_cnt | ACPI_PM1_CNT_SCI_EN) >> (8 * (off & 1)));
    case ACPI_PM_TMR:
    case ACPI_PM_TMR + 1:
    case ACPI_PM_TMR + 2:
    case ACPI_PM_TMR + 3:
        return (uint8_t)(tmr >> (8 * (off - ACPI_PM_TMR)));
    default:
        return 0;
    }
}

static uint64_t pm_read(void *opaque, uint64_t offset, unsigned size)
{
    AcpiPmState *s = opaque;
    uint32_t tmr = acpi_pm_timer_read(s); /* one sample for the whole access */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)read_byte(s, (unsigned)offset + i, tmr) << (8 * i);
    }
    return v;
}

static void pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPmState *s = opaque;
    bool is_sleep_requested = false;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)offset + i;
        unsigned shift = 8 * (off & 1);
        uint16_t byte = (uint16_t)(((value >> (8 * i)) & 0xff) << shift);
        switch (off) {
        case ACPI_PM1_STS:
        case ACPI_PM1_STS + 1:
            s->pm1_sts &= (uint16_t)~byte; /* write 1 to clear */
            break;
        case ACPI_PM1_EN:
        case ACPI_PM1_EN + 1:
            s->pm1_en = (uint16_t)((s->pm1_en & ~(0xffu << shift)) |
                                   (byte & PM1_SCI_SOURCES));
            break;
        case ACPI_PM1_CNT:
        case ACPI_PM1_CNT + 1:
            s->pm1_cnt = (uint16_t)((s->pm1_cnt & ~(0xffu << shift)) | (byte & PM1_CNT_WRITABLE));
            is_sleep_requested |= (byte & ACPI_PM1_CNT_SLP_EN) != 0;
            break;
        default:
            log_guest_error("acpi-pm: write to read-only or reserved offset %#x", off);
            break;
        }
    }
    update_sci(s);
    if (is_sleep_requested) {
        /* SLP_EN is write-only (reads 0): the transition starts at once. WAK_STS is set for
         * the OS to find when it wakes; S5 never returns. */
        s->pm1_sts |= ACPI_PM1_WAK;
        if (s->sleep) {
            s->sleep(s->sleep_opaque,
                     (s->pm1_cnt >> ACPI_PM1_CNT_SLP_TYP_SHIFT) & 7);
        }
    }
}

static const IoOps pm_ops = {
    .read = pm_read, .write = pm_write, .min_size = 1, .max_size = 4,
};

static uint64_t gpe_read(void *opaque, uint64_t offset, unsigned size)
{
    AcpiPmState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)offset + i;
        uint8_t b = off < 2 ? s->gpe0_sts[off] : off < 4 ? s->gpe0_en[off - 2] : 0;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void gpe_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPmState *s = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)offset + i;
        uint8_t b = (uint8_t)(value >> (8 * i));
        if (off < 2) {
            s->gpe0_sts[off] &= (uint8_t)~b;
        } else if (off < 4) {
            s->gpe0_en[off - 2] = b;
        }
    }
    update_sci(s);
}

static const IoOps gpe_ops = {
    .read = gpe_read, .write = gpe_write, .min_size = 1, .max_size = 4,
};

/* Power-on values: everything clear, the timer at 0 (ACPI 6.4 §4.8.3; SCI_EN set, see .h). */
void acpi_pm_reset(AcpiPmState *s)
{
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = 0;
    s->gpe0_sts[0] = s->gpe0_sts[1] = 0;
    s->gpe0_en[0] = s->gpe0_en[1] = 0;
    s->timer_base_ns = clock_now_ns(s->clock);
    arm_overflow(s);
    update_sci(s);
}

static int acpi_pm_post_load(void *opaque, char *err, size_t err_size)
{
    AcpiPmState *s = opaque;
    if (s->pm1_cnt & ~PM1_CNT_WRITABLE) {
        snprintf(err, err_size, "PM1_CNT %#x has bits that cannot be set", s->pm1_cnt);
        return -1;
    }
    s->pm1_sts &= PM1_STS_BITS;
    s->pm1_en &= PM1_SCI_SOURCES;
    if (s->clock) {
        arm_overflow(s);
        update_sci(s);
    }
    return 0;
}

static const StateField acpi_pm_fields[] = {
    STATE_U16(AcpiPmState, pm1_sts),
    STATE_U16(AcpiPmState, pm1_en),
    STATE_U16(AcpiPmState, pm1_cnt),
    STATE_UINT_ARRAY(AcpiPmState, gpe0_sts, 2),
    STATE_UINT_ARRAY(AcpiPmState, gpe0_en, 2),
    STATE_I64(AcpiPmState, timer_base_ns),
    STATE_END,
};

const StateDesc acpi_pm_state_desc = {
    .name = "acpi-pm", .version = 1, .min_version = 1, .fields = acpi_pm_fields,
    .post_load = acpi_pm_post_load,
};

int acpi_pm_set_base(AcpiPmState *s, PortSpace *ports, uint16_t pm_base, bool is_enabled)
{
    if (s->is_mapped) {
        port_space_unregister(ports, s->pm_base, ACPI_PM_IO_SIZE);
        s->is_mapped = false;
    }
    s->pm_base = pm_base;
    if (!is_enabled) {
        return 0;
    }
    int r = port_space_register(ports, pm_base, ACPI_PM_IO_SIZE, &pm_ops, s);
    s->is_mapped = r == 0;
    return r;
}

int acpi_pm_init(AcpiPmState *s, PortSpace *ports, uint16_t pm_base, uint16_t gpe0_base,
                 VirtualClock *clock, IrqLine sci)
{
    s->clock = clock;
    s->sci = sci;
    s->is_mapped = false;
    timer_init(&s->overflow, clock, overflow_fired, s);
    int r = acpi_pm_set_base(s, ports, pm_base, true);
    if (r == 0) {
        r = port_space_register(ports, gpe0_base, ACPI_GPE0_SIZE, &gpe_ops, s);
    }
    if (r == 0) {
        acpi_pm_reset(s);
    }
    return r;
}
