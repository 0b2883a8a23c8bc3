/* hw/timer/mc146818.c: the MC146818A RTC and CMOS RAM (see mc146818.h for the sources). */
#include "hw/timer/mc146818.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define NS_PER_S 1000000000ll
#define UIP_BEFORE_UPDATE_NS 244000 /* UIP rises 244 us before the update (datasheet) */
#define DIVIDER_RUNNING 0x20        /* register A DV2-0 = 010: 32.768 kHz time base */
#define DIVIDER_MASK 0x70
#define DONT_CARE 0xc0              /* alarm bytes 11xxxxxx match any value */
#define SECONDS_PER_DAY 86400

typedef struct RtcTime {
    int64_t year;
    unsigned month, day, hour, minute, second, weekday; /* weekday 0 = Sunday */
} RtcTime;

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (eras of 400 years). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static RtcTime time_from_seconds(int64_t t)
{
    int64_t days = t >= 0 ? t / SECONDS_PER_DAY : (t - SECONDS_PER_DAY + 1) / SECONDS_PER_DAY;
    int64_t rem = t - days * SECONDS_PER_DAY;
    RtcTime r;
    r.hour = (unsigned)(rem / 3600);
    r.minute = (unsigned)(rem / 60 % 60);
    r.second = (unsigned)(rem % 60);
    r.weekday = (unsigned)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    r.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    r.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    r.year = yoe + era * 400 + (r.month <= 2);
    return r;
}

static int64_t seconds_from_time(const RtcTime *t)
{
    return days_from_civil(t->year, t->month, t->day) * SECONDS_PER_DAY + t->hour * 3600 +
           t->minute * 60 + t->second;
}

static bool is_running(const RtcState *s)
{
    return (s->cmos[RTC_REG_A] & DIVIDER_MASK) == DIVIDER_RUNNING &&
           !(s->cmos[RTC_REG_B] & RTC_B_SET);
}

static int64_t now_ns(const RtcState *s)
{
    return clock_now_ns(s->clock);
}

/* Current time in seconds, and how far into the second. */
static int64_t current_seconds(const RtcState *s, int64_t *phase_ns)
{
    if (!is_running(s)) {
        *phase_ns = 0;
        return s->base_seconds;
    }
    int64_t el = now_ns(s) - s->base_ns;
    int64_t secs = el >= 0 ? el / NS_PER_S : (el - NS_PER_S + 1) / NS_PER_S;
    *phase_ns = el - secs * NS_PER_S;
    return s->base_seconds + secs;
}

static bool is_binary(const RtcState *s)
{
    return (s->cmos[RTC_REG_B] & RTC_B_DM_BINARY) != 0;
}

static uint8_t to_reg(const RtcState *s, unsigned v)
{
    return is_binary(s) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_reg(const RtcState *s, uint8_t v)
{
    return is_binary(s) ? v : (unsigned)(v >> 4) * 10 + (v & 0xf);
}

/* Hours in 24-hour or 12-hour form (1-12, bit 7 = PM). */
static uint8_t hours_to_reg(const RtcState *s, unsigned h)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return to_reg(s, h);
    }
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(to_reg(s, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hours_from_reg(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return from_reg(s, v);
    }
    unsigned h = from_reg(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

static uint8_t read_time_register(const RtcState *s, unsigned idx)
{
    int64_t phase;
    RtcTime t = time_from_seconds(current_seconds(s, &phase));
    switch (idx) {
    case RTC_SECONDS: return to_reg(s, t.second);
    case RTC_MINUTES: return to_reg(s, t.minute);
    case RTC_HOURS: return hours_to_reg(s, t.hour);
    case RTC_DAY_OF_WEEK: return to_reg(s, t.weekday + 1);
    case RTC_DATE: return to_reg(s, t.day);
    case RTC_MONTH: return to_reg(s, t.month);
    case RTC_YEAR: return to_reg(s, (unsigned)(t.year % 100));
    default: return to_reg(s, (unsigned)(t.year / 100)); /* RTC_CENTURY */
    }
}

static bool is_time_register(unsigned idx)
{
    return idx == RTC_SECONDS || idx == RTC_MINUTES || idx == RTC_HOURS ||
           (idx >= RTC_DAY_OF_WEEK && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

/* Sets one calendar field, keeping the phase within the second. */
static void write_time_register(RtcState *s, unsigned idx, uint8_t v)
{
    int64_t phase;
    RtcTime t = time_from_seconds(current_seconds(s, &phase));
    unsigned value = idx == RTC_HOURS ? hours_from_reg(s, v) : from_reg(s, v);
    switch (idx) {
    case RTC_SECONDS: t.second = value % 60; break;
    case RTC_MINUTES: t.minute = value % 60; break;
    case RTC_HOURS: t.hour = value % 24; break;
    case RTC_DAY_OF_WEEK: return; /* derived from the date here */
    case RTC_DATE: t.day = value >= 1 && value <= 31 ? value : 1; break;
    case RTC_MONTH: t.month = value >= 1 && value <= 12 ? value : 1; break;
    case RTC_YEAR: t.year = t.year / 100 * 100 + value % 100; break;
    default: t.year = (int64_t)(value % 100) * 100 + t.year % 100; break;
    }
    s->base_seconds = seconds_from_time(&t);
    s->base_ns = now_ns(s) - phase;
}

static unsigned periodic_rate_hz(const RtcState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & 0xf;
    if (rs == 0) {
        return 0;
    }
    return rs <= 2 ? 256u >> (rs - 1) : 32768u >> (rs - 1); /* datasheet table 3 */
}

/* Index of the periodic tick at time t (ticks counted from base_ns). */
static int64_t periodic_index(const RtcState *s, int64_t t, unsigned hz)
{
    int64_t el = t - s->base_ns;
    return el >= 0 ? el / NS_PER_S * hz + el % NS_PER_S * hz / NS_PER_S : -1;
}

static void update_irq(RtcState *s)
{
    uint8_t b = s->cmos[RTC_REG_B];
    bool irqf = ((s->flags & RTC_C_PF) && (b & RTC_B_PIE)) ||
                ((s->flags & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((s->flags & RTC_C_UF) && (b & RTC_B_UIE));
    s->flags = (uint8_t)((s->flags & ~RTC_C_IRQF) | (irqf ? RTC_C_IRQF : 0));
    irq_set(&s->irq, irqf);
}

static void arm_update(RtcState *s)
{
    timer_del(&s->update_timer);
    if (is_running(s)) {
        int64_t phase;
        current_seconds(s, &phase);
        timer_mod_ns(&s->update_timer, now_ns(s) - phase + NS_PER_S);
    }
}

/* The periodic timer's next tick after time `after` (ticks count from base_ns). */
static void arm_periodic(RtcState *s, int64_t after)
{
    timer_del(&s->periodic_timer);
    unsigned hz = periodic_rate_hz(s);
    if (hz && (s->cmos[RTC_REG_B] & RTC_B_PIE) &&
        (s->cmos[RTC_REG_A] & DIVIDER_MASK) == DIVIDER_RUNNING) {
        int64_t k = periodic_index(s, after, hz) + 1;
        timer_mod_ns(&s->periodic_timer, s->base_ns + k / hz * NS_PER_S +
                                             (k % hz * NS_PER_S + hz - 1) / hz);
    }
}

static void arm_timers(RtcState *s)
{
    arm_update(s);
    arm_periodic(s, now_ns(s));
}

static bool alarm_field_matches(uint8_t alarm, uint8_t value)
{
    return (alarm & DONT_CARE) == DONT_CARE || alarm == value;
}

static void update_fired(void *opaque)
{
    RtcState *s = opaque;
    s->flags |= RTC_C_UF;
    if (alarm_field_matches(s->cmos[RTC_SECONDS_ALARM], read_time_register(s, RTC_SECONDS)) &&
        alarm_field_matches(s->cmos[RTC_MINUTES_ALARM], read_time_register(s, RTC_MINUTES)) &&
        alarm_field_matches(s->cmos[RTC_HOURS_ALARM], read_time_register(s, RTC_HOURS))) {
        s->flags |= RTC_C_AF;
    }
    update_irq(s);
    arm_update(s);
}

/* The next tick follows the one that fired, so a late callback skips none. */
static void periodic_fired(void *opaque)
{
    RtcState *s = opaque;
    s->flags |= RTC_C_PF;
    update_irq(s);
    arm_periodic(s, s->periodic_timer.expire_ns);
}

static uint8_t read_register_c(RtcState *s)
{
    unsigned hz = periodic_rate_hz(s);
    int64_t now = now_ns(s);
    if (hz && (s->cmos[RTC_REG_A] & DIVIDER_MASK) == DIVIDER_RUNNING &&
        periodic_index(s, now, hz) > periodic_index(s, s->pf_checked_ns, hz)) {
        s->flags |= RTC_C_PF; /* periods passed without PIE: the flag is still set */
    }
    s->pf_checked_ns = now;
    update_irq(s);
    uint8_t v = s->flags;
    s->flags = 0;
    update_irq(s);
    return v;
}

static uint8_t read_data(RtcState *s)
{
    unsigned idx = s->index;
    switch (idx) {
    case RTC_REG_A: {
        int64_t phase;
        current_seconds(s, &phase);
        bool uip = is_running(s) && phase >= NS_PER_S - UIP_BEFORE_UPDATE_NS;
        return (uint8_t)((s->cmos[RTC_REG_A] & 0x7f) | (uip ? RTC_A_UIP : 0));
    }
    case RTC_REG_C:
        return read_register_c(s);
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return is_time_register(idx) ? read_time_register(s, idx) : s->cmos[idx];
    }
}

static void write_data(RtcState *s, uint8_t v)
{
    unsigned idx = s->index;
    int64_t phase;
    int64_t secs = current_seconds(s, &phase);
    switch (idx) {
    case RTC_REG_A: {
        bool was_running = is_running(s);
        s->cmos[RTC_REG_A] = v & 0x7f;
        if (was_running && !is_running(s)) {
            s->base_seconds = secs; /* the divider stopped: time holds */
        } else if (!was_running && is_running(s)) {
            s->base_ns = now_ns(s) - NS_PER_S / 2; /* the first update 500 ms later */
        }
        break;
    }
    case RTC_REG_B: {
        bool was_running = is_running(s);
        if (v & RTC_B_SET) {
            v &= (uint8_t)~RTC_B_UIE; /* SET clears UIE (datasheet, register B) */
        }
        s->cmos[RTC_REG_B] = v;
        if (was_running && !is_running(s)) {
            s->base_seconds = secs;
        } else if (!was_running && is_running(s)) {
            s->base_ns = now_ns(s);
        }
        break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
        log_guest_error("rtc: write %#x to read-only register %#x", v, idx);
        return;
    default:
        if (is_time_register(idx)) {
            write_time_register(s, idx, v);
        } else {
            s->cmos[idx] = v;
        }
        break;
    }
    update_irq(s);
    arm_timers(s);
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
    RtcState *s = opaque;
    (void)size;
    /* The index register is write-only on the AT; reads of 70h return the last index. */
    return offset == 0 ? s->index : read_data(s);
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    RtcState *s = opaque;
    (void)size;
    if (offset == 0) {
        s->index = (uint8_t)value & 0x7f;
        s->is_nmi_masked = (value & 0x80) != 0;
    } else {
        write_data(s, (uint8_t)value);
    }
}

static const IoOps rtc_ops = {
    .read = rtc_read, .write = rtc_write, .min_size = 1, .max_size = 1,
};

void rtc_cmos_set(RtcState *s, uint8_t index, uint8_t value)
{
    if (index < RTC_CMOS_SIZE && !is_time_register(index) && index > RTC_REG_D) {
        s->cmos[index] = value;
    }
}

bool rtc_nmi_masked(const RtcState *s)
{
    return s->is_nmi_masked;
}

/* Reset (datasheet "RESET"): PIE, AIE, UIE and the flags clear; the time, RAM and the rest of
 * registers A and B survive. Power-on defaults set by rtc_init: 32.768 kHz divider with
 * 1024 Hz periodic rate (26h), 24-hour BCD (02h), as PC firmware leaves them. */
void rtc_reset(RtcState *s)
{
    s->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
    s->flags = 0;
    update_irq(s);
    arm_timers(s);
}

static int rtc_post_load(void *opaque, char *err, size_t err_size)
{
    RtcState *s = opaque;
    if (s->index >= RTC_CMOS_SIZE) {
        snprintf(err, err_size, "index %u out of range", s->index);
        return -1;
    }
    s->flags &= RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF;
    if (s->clock) {
        update_irq(s);
        arm_timers(s);
    }
    return 0;
}

static const StateField rtc_fields[] = {
    STATE_UINT_ARRAY(RtcState, cmos, RTC_CMOS_SIZE),
    STATE_U8(RtcState, index),
    STATE_BOOL(RtcState, is_nmi_masked),
    STATE_U8(RtcState, flags),
    STATE_I64(RtcState, base_seconds),
    STATE_I64(RtcState, base_ns),
    STATE_I64(RtcState, pf_checked_ns),
    STATE_END,
};

const StateDesc rtc_state_desc = {
    .name = "rtc", .version = 1, .min_version = 1, .fields = rtc_fields,
    .post_load = rtc_post_load,
};

int rtc_init(RtcState *s, PortSpace *ports, VirtualClock *clock, IrqLine irq, int64_t wall_seconds)
{
    memset(s->cmos, 0, sizeof(s->cmos));
    s->clock = clock;
    s->irq = irq;
    s->index = 0;
    s->is_nmi_masked = false;
    s->flags = 0;
    s->cmos[RTC_REG_A] = DIVIDER_RUNNING | 0x06;
    s->cmos[RTC_REG_B] = RTC_B_24H;
    s->base_seconds = wall_seconds;
    s->base_ns = clock_now_ns(clock);
    s->pf_checked_ns = s->base_ns;
    timer_init(&s->update_timer, clock, update_fired, s);
    timer_init(&s->periodic_timer, clock, periodic_fired, s);
    rtc_reset(s);
    return port_space_register(ports, RTC_PORT, 2, &rtc_ops, s);
}
