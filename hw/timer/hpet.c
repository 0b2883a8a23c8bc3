/* hw/timer/hpet.c: the High Precision Event Timer (see hpet.h). */
#include "hw/timer/hpet.h"

#include <errno.h>
#include <stdio.h>

#include "util/log.h"

#define VENDOR_INTEL 0x8086u
#define REV_ID 1u
/* GCAP_ID: period, vendor, LEG_RT_CAP (15), COUNT_SIZE_CAP (13), NUM_TIM_CAP (12:8), REV. */
#define GCAP_LOW                                                                                   \
    (VENDOR_INTEL << 16 | 1u << 15 | 1u << 13 | (uint32_t)(HPET_TIMERS - 1) << 8 | REV_ID)
#define ROUTE_CAP ((uint64_t)((1u << HPET_ROUTE_COUNT) - 1) << HPET_ROUTE_FIRST)
#define TN_WRITABLE                                                                                \
    (HPET_TN_INT_TYPE_LEVEL | HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | HPET_TN_VAL_SET |          \
     HPET_TN_32MODE | 0x1fu << HPET_TN_INT_ROUTE_SHIFT)
#define GEN_CONF_WRITABLE (HPET_ENABLE_CNF | HPET_LEG_RT_CNF)

uint32_t hpet_capabilities_low(void)
{
    return GCAP_LOW;
}

static bool is_enabled(const HpetState *s)
{
    return (s->config & HPET_ENABLE_CNF) != 0;
}

uint64_t hpet_counter(const HpetState *s)
{
    if (!is_enabled(s)) {
        return s->counter_base;
    }
    int64_t ns = clock_now_ns(s->clock) - s->counter_base_ns;
    return s->counter_base + (uint64_t)(ns > 0 ? ns : 0) / HPET_NS_PER_TICK;
}

static bool is_32bit(const HpetTimer *t)
{
    return (t->config & HPET_TN_32MODE) != 0;
}

static bool is_periodic_capable(const HpetTimer *t)
{
    return t->index == 0;
}

/* The line a timer's interrupt goes to, or NULL when its route is not wired (§2.4). */
static const IrqLine *timer_line(HpetState *s, const HpetTimer *t)
{
    if ((s->config & HPET_LEG_RT_CNF) && t->index < 2) {
        return &s->legacy_irq[t->index];
    }
    unsigned route = (unsigned)(t->config >> HPET_TN_INT_ROUTE_SHIFT) & 0x1f;
    if (route >= HPET_ROUTE_FIRST && route < HPET_ROUTE_FIRST + HPET_ROUTE_COUNT) {
        return &s->ioapic[route - HPET_ROUTE_FIRST];
    }
    return NULL;
}

/* Level-triggered timers hold their line while their GINTR_STA bit is set and enabled. */
static void update_level(HpetState *s, HpetTimer *t)
{
    const IrqLine *line = timer_line(s, t);
    if (line && (t->config & HPET_TN_INT_TYPE_LEVEL)) {
        irq_set(line, ((s->isr >> t->index) & 1) && (t->config & HPET_TN_INT_ENB));
    }
}

static void arm(HpetState *s, HpetTimer *t)
{
    timer_del(&t->timer);
    if (!is_enabled(s)) {
        return;
    }
    uint64_t now = hpet_counter(s);
    uint64_t mask = is_32bit(t) ? 0xffffffffull : ~0ull;
    uint64_t delta = (t->comparator - now) & mask;
    if (delta == 0) {
        delta = mask == ~0ull ? 0 : mask + 1; /* matched just now: next time round */
    }
    if (delta == 0 || delta > (uint64_t)INT64_MAX / (2 * HPET_NS_PER_TICK)) {
        return; /* a 64-bit match centuries away */
    }
    int64_t when = s->counter_base_ns + (int64_t)((now + delta - s->counter_base) * HPET_NS_PER_TICK);
    timer_mod_ns(&t->timer, when);
}

static void timer_fired(void *opaque)
{
    HpetTimer *t = opaque;
    HpetState *s = t->hpet;
    if (t->config & HPET_TN_INT_ENB) {
        const IrqLine *line = timer_line(s, t);
        if (t->config & HPET_TN_INT_TYPE_LEVEL) {
            s->isr |= 1ull << t->index;
            update_level(s, t);
        } else if (line) {
            irq_pulse(line);
        }
    }
    if ((t->config & HPET_TN_TYPE_PERIODIC) && t->period) {
        /* The comparator advances by whole periods from the match, not from when the callback
         * ran, so the ticks do not drift. Periods a late host missed entirely are skipped
         * (one interrupt is delivered for them): the counter, which Linux keeps time with,
         * stays exact. */
        uint64_t mask = is_32bit(t) ? 0xffffffffull : ~0ull;
        uint64_t behind = (hpet_counter(s) - t->comparator) & mask;
        uint64_t steps = behind <= (mask >> 1) ? behind / t->period + 1 : 1;
        t->comparator = (t->comparator + steps * t->period) & mask;
    }
    arm(s, t);
}

static uint64_t read_timer(HpetState *s, HpetTimer *t, unsigned reg)
{
    switch (reg) {
    case HPET_TN_CONF: {
        uint64_t caps = ROUTE_CAP << 32 | HPET_TN_SIZE_CAP;
        if (is_periodic_capable(t)) {
            caps |= HPET_TN_PER_INT_CAP;
        }
        return caps | (t->config & ~(uint64_t)HPET_TN_VAL_SET);
    }
    case HPET_TN_CMP:
        return is_32bit(t) ? t->comparator & 0xffffffffull : t->comparator;
    case HPET_TN_FSB:
        return t->fsb;
    default:
        (void)s;
        return 0;
    }
}

static void write_timer(HpetState *s, HpetTimer *t, unsigned reg, uint64_t v, uint64_t mask)
{
    switch (reg) {
    case HPET_TN_CONF: {
        uint64_t writable = TN_WRITABLE;
        if (!is_periodic_capable(t)) {
            writable &= ~(uint64_t)HPET_TN_TYPE_PERIODIC;
        }
        uint64_t old_config = t->config;
        /* Release a held level line first: the route or the trigger mode may change. */
        const IrqLine *old_line = timer_line(s, t);
        if (old_line && (old_config & HPET_TN_INT_TYPE_LEVEL) && ((s->isr >> t->index) & 1)) {
            irq_lower(old_line);
        }
        t->config = (t->config & ~(writable & mask)) | (v & writable & mask);
        if (is_32bit(t)) {
            t->comparator &= 0xffffffffull;
            t->period &= 0xffffffffull;
        }
        if (((old_config ^ t->config) & HPET_TN_INT_TYPE_LEVEL) &&
            !(t->config & HPET_TN_INT_TYPE_LEVEL)) {
            s->isr &= ~(1ull << t->index); /* status is meaningful for level mode only */
        }
        update_level(s, t);
        arm(s, t);
        break;
    }
    case HPET_TN_CMP: {
        if (is_32bit(t)) {
            mask &= 0xffffffffull;
        }
        uint64_t value = (t->comparator & ~mask) | (v & mask);
        if (t->config & HPET_TN_TYPE_PERIODIC) {
            /* Periodic: a write sets the period; with VAL_SET it also sets the comparator
             * (the accumulator) and VAL_SET clears itself (§2.3.9.2.2). */
            t->period = (t->period & ~mask) | (v & mask);
            if (t->config & HPET_TN_VAL_SET) {
                t->comparator = value;
                t->config &= ~(uint64_t)HPET_TN_VAL_SET;
            }
        } else {
            t->comparator = value;
        }
        arm(s, t);
        break;
    }
    case HPET_TN_FSB:
        t->fsb = (t->fsb & ~mask) | (v & mask);
        break;
    default:
        log_guest_error("hpet: write to reserved timer register %#x", reg);
        break;
    }
}

static uint64_t read_reg64(HpetState *s, unsigned off)
{
    switch (off) {
    case HPET_GCAP_ID:
        return (uint64_t)HPET_PERIOD_FS << 32 | GCAP_LOW;
    case HPET_GEN_CONF:
        return s->config;
    case HPET_GINTR_STA:
        return s->isr;
    case HPET_MAIN_CNT:
        return hpet_counter(s);
    default:
        if (off >= HPET_TIMER_BASE && off < HPET_TIMER_BASE + HPET_TIMERS * HPET_TIMER_STRIDE) {
            unsigned n = (off - HPET_TIMER_BASE) / HPET_TIMER_STRIDE;
            return read_timer(s, &s->timers[n], (off - HPET_TIMER_BASE) % HPET_TIMER_STRIDE);
        }
        return 0;
    }
}

static void set_config(HpetState *s, uint64_t v)
{
    uint64_t old = s->config;
    if ((v ^ old) & HPET_ENABLE_CNF) {
        /* Starting: the counter runs on from its value; halting: it keeps its value. */
        s->counter_base = hpet_counter(s);
        s->counter_base_ns = clock_now_ns(s->clock);
    }
    s->config = v & GEN_CONF_WRITABLE;
    if (((v ^ old) & HPET_LEG_RT_CNF) && s->legacy_changed) {
        s->legacy_changed(s->legacy_opaque, (s->config & HPET_LEG_RT_CNF) != 0);
    }
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        update_level(s, &s->timers[i]);
        arm(s, &s->timers[i]);
    }
}

static void write_reg64(HpetState *s, unsigned off, uint64_t v, uint64_t mask)
{
    switch (off) {
    case HPET_GEN_CONF:
        set_config(s, (s->config & ~mask) | (v & mask));
        break;
    case HPET_GINTR_STA:
        s->isr &= ~(v & mask); /* write 1 to clear */
        for (unsigned i = 0; i < HPET_TIMERS; i++) {
            update_level(s, &s->timers[i]);
        }
        break;
    case HPET_MAIN_CNT:
        s->counter_base = (hpet_counter(s) & ~mask) | (v & mask);
        s->counter_base_ns = clock_now_ns(s->clock);
        for (unsigned i = 0; i < HPET_TIMERS; i++) {
            arm(s, &s->timers[i]);
        }
        break;
    default:
        if (off >= HPET_TIMER_BASE && off < HPET_TIMER_BASE + HPET_TIMERS * HPET_TIMER_STRIDE) {
            unsigned n = (off - HPET_TIMER_BASE) / HPET_TIMER_STRIDE;
            write_timer(s, &s->timers[n], (off - HPET_TIMER_BASE) % HPET_TIMER_STRIDE, v, mask);
        } else {
            log_guest_error("hpet: write to read-only or reserved offset %#x", off);
        }
        break;
    }
}

/* Registers are 64 bits wide; 32-bit accesses reach either half (§2.3: "32-bit or 64-bit"). */
static uint64_t hpet_read(void *opaque, uint64_t offset, unsigned size)
{
    HpetState *s = opaque;
    unsigned off = (unsigned)offset;
    uint64_t v = read_reg64(s, off & ~7u);
    if (size == 4) {
        return (uint32_t)(v >> (8 * (off & 4)));
    }
    return v;
}

static void hpet_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    HpetState *s = opaque;
    unsigned off = (unsigned)offset;
    if (size == 4) {
        unsigned shift = 8 * (off & 4);
        write_reg64(s, off & ~7u, value << shift, 0xffffffffull << shift);
    } else {
        write_reg64(s, off, value, ~0ull);
    }
}

/* Only naturally aligned 32- and 64-bit accesses (§2.3). */
static const IoOps hpet_ops = {
    .read = hpet_read, .write = hpet_write, .min_size = 4, .max_size = 8,
};

/* Power-on (§2.3): counter halted at 0, legacy routing off, every timer disabled, one-shot,
 * edge-triggered, 64-bit, comparators all ones. */
void hpet_reset(HpetState *s)
{
    if (s->config & HPET_LEG_RT_CNF && s->legacy_changed) {
        s->legacy_changed(s->legacy_opaque, false);
    }
    s->config = 0;
    s->isr = 0;
    s->counter_base = 0;
    s->counter_base_ns = clock_now_ns(s->clock);
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        timer_del(&t->timer);
        t->config = 0;
        t->comparator = ~0ull;
        t->period = 0;
        t->fsb = 0;
    }
}

static int hpet_post_load(void *opaque, char *err, size_t err_size)
{
    HpetState *s = opaque;
    if (s->config & ~(uint64_t)GEN_CONF_WRITABLE) {
        snprintf(err, err_size, "GEN_CONF %#llx has reserved bits", (unsigned long long)s->config);
        return -1;
    }
    s->isr &= (1u << HPET_TIMERS) - 1;
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        if (t->config & ~(uint64_t)TN_WRITABLE ||
            ((t->config & HPET_TN_TYPE_PERIODIC) && !is_periodic_capable(t))) {
            snprintf(err, err_size, "timer %u configuration %#llx not possible", i,
                     (unsigned long long)t->config);
            return -1;
        }
    }
    if (s->clock) {
        for (unsigned i = 0; i < HPET_TIMERS; i++) {
            update_level(s, &s->timers[i]);
            arm(s, &s->timers[i]);
        }
        if (s->legacy_changed) {
            s->legacy_changed(s->legacy_opaque, (s->config & HPET_LEG_RT_CNF) != 0);
        }
    }
    return 0;
}

static const StateField hpet_timer_fields[] = {
    STATE_U64(HpetTimer, config),
    STATE_U64(HpetTimer, comparator),
    STATE_U64(HpetTimer, period),
    STATE_U64(HpetTimer, fsb),
    STATE_END,
};

static const StateDesc hpet_timer_desc = {
    .name = "timer", .version = 1, .min_version = 1, .fields = hpet_timer_fields,
};

static const StateField hpet_fields[] = {
    STATE_U64(HpetState, config),
    STATE_U64(HpetState, isr),
    STATE_U64(HpetState, counter_base),
    STATE_I64(HpetState, counter_base_ns),
    STATE_STRUCT_ARRAY(HpetState, timers, HPET_TIMERS, hpet_timer_desc),
    STATE_END,
};

const StateDesc hpet_state_desc = {
    .name = "hpet", .version = 1, .min_version = 1, .fields = hpet_fields,
    .post_load = hpet_post_load,
};

int hpet_init(HpetState *s, PhysMap *map, uint64_t addr, VirtualClock *clock)
{
    s->clock = clock;
    s->config = 0;
    for (unsigned i = 0; i < HPET_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        t->hpet = s;
        t->index = (uint8_t)i;
        timer_init(&t->timer, clock, timer_fired, t);
    }
    if (!phys_map_add_mmio(map, "hpet", addr, HPET_MMIO_SIZE, &hpet_ops, s, 1)) {
        return -ENOMEM;
    }
    hpet_reset(s);
    return 0;
}
