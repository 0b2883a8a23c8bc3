/* hw/timer/i8254.c: the 8254 PIT and port 61h (see i8254.h for the datasheet sections). */
#include "hw/timer/i8254.h"

#include <stdio.h>
#include <string.h>


#define NS_PER_S 1000000000ull
#define REFRESH_PERIOD_NS 15085 /* port 61h bit 4 toggles at this period */
#define PORT61_WRITABLE 0x0fu
#define PORT61_REFRESH (1u << 4)
#define PORT61_OUT2 (1u << 5)

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first virtual time, relative to the start, at which `ticks` ticks have passed. */
static int64_t ticks_to_ns(uint64_t ticks)
{
    return (int64_t)(ticks / PIT_HZ * NS_PER_S + (ticks % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t elapsed(const PitChannel *c)
{
    if (c->is_frozen) {
        return c->frozen;
    }
    int64_t ns = clock_now_ns(c->pit->clock) - c->start_ns;
    return ns > 0 ? ns_to_ticks((uint64_t)ns) : 0;
}

/* OUT after d ticks of a running count (datasheet mode waveforms). */
static bool out_at(const PitChannel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!c->is_armed) {
        return c->mode != 0; /* mode 0 starts low; the others high */
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        return n < 2 || d % n != n - 1;
    case 3:
        return d % n < (n + 1) / 2;
    default: /* 4, 5: one clock low at terminal count */
        return d != n;
    }
}

/* The tick after d at which OUT next changes, or 0 if it never does. */
static uint64_t next_change(const PitChannel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!c->is_armed || c->is_frozen) {
        return 0;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : 0;
    case 2: {
        if (n < 2) {
            return 0;
        }
        uint64_t r = d % n;
        return r < n - 1 ? d - r + n - 1 : d + 1;
    }
    case 3: {
        uint64_t r = d % n, high = (n + 1) / 2;
        return r < high ? d - r + high : d - r + n;
    }
    default:
        return d < n ? n : d == n ? n + 1 : 0;
    }
}

bool pit_get_out(const PitState *s, unsigned channel)
{
    const PitChannel *c = &s->ch[channel];
    return out_at(c, elapsed(c));
}

static uint16_t to_bcd(uint32_t v)
{
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* The counter's current value as a read would see it. */
static uint16_t counter_value(const PitChannel *c)
{
    uint64_t n = c->count, d = elapsed(c), v;
    if (!c->is_armed) {
        v = n;
    } else if (c->mode == 2) {
        v = n - d % n;
    } else if (c->mode == 3) {
        v = n - (2 * d) % n;
    } else {
        uint64_t modulus = c->is_bcd ? 10000 : 65536;
        v = (n + modulus - d % modulus) % modulus;
    }
    return c->is_bcd ? to_bcd((uint32_t)v) : (uint16_t)v;
}

/* Channel 0 drives IRQ 0: schedule the next OUT edge and deliver this one. The next edge
 * is computed from the one just delivered, so late callbacks do not shift the grid. */
static void schedule(PitChannel *c, uint64_t from)
{
    timer_del(&c->timer);
    if (c->index != 0) {
        return;
    }
    uint64_t next = next_change(c, from);
    if (next) {
        timer_mod_ns(&c->timer, c->start_ns + ticks_to_ns(next));
    }
}

static void update_out(PitChannel *c)
{
    if (c->index == 0) {
        irq_set(&c->pit->irq0, out_at(c, elapsed(c)));
        schedule(c, elapsed(c));
    }
}

static void timer_fired(void *opaque)
{
    PitChannel *c = opaque;
    int64_t due = c->timer.expire_ns - c->start_ns;
    uint64_t d = ns_to_ticks((uint64_t)(due > 0 ? due : 0));
    /* The scheduled tick (ticks_to_ns rounds up, so d is the transition tick). */
    irq_set(&c->pit->irq0, out_at(c, d));
    schedule(c, d);
}

static uint32_t from_bcd(uint32_t v)
{
    return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

/* A complete count was written: start it (modes 1 and 5 wait for a gate edge). */
static void load_count(PitChannel *c, uint32_t raw)
{
    uint32_t n = c->is_bcd ? from_bcd(raw) : raw;
    c->count = n ? n : (c->is_bcd ? 10000 : 65536);
    c->is_null_count = false;
    c->is_frozen = false;
    c->start_ns = clock_now_ns(c->pit->clock);
    bool waits_for_trigger = c->mode == 1 || c->mode == 5;
    c->is_armed = !waits_for_trigger && (c->is_gate || c->mode == 0 || c->mode == 4);
    if (!c->is_gate && (c->mode == 0 || c->mode == 4)) {
        c->is_frozen = true; /* counting is disabled while the gate is low */
        c->frozen = 0;
    }
    update_out(c);
}

static void set_gate(PitChannel *c, bool level)
{
    if (level == c->is_gate) {
        return;
    }
    c->is_gate = level;
    int64_t now = clock_now_ns(c->pit->clock);
    switch (c->mode) {
    case 0:
    case 4:
        if (!level) {
            c->frozen = (uint32_t)elapsed(c);
            c->is_frozen = true;
        } else if (c->is_frozen) {
            c->start_ns = now - ticks_to_ns(c->frozen);
            c->is_frozen = false;
        }
        break;
    case 2:
    case 3:
        /* Gate low stops the count and forces OUT high; a rising gate reloads. */
        c->is_armed = level && !c->is_null_count;
        c->start_ns = now;
        break;
    default: /* 1, 5: a rising gate triggers (or retriggers) the count */
        if (level && !c->is_null_count) {
            c->is_armed = true;
            c->start_ns = now;
        }
        break;
    }
    update_out(c);
}

static void latch_count(PitChannel *c)
{
    if (!c->is_latched) {
        c->latch = counter_value(c);
        c->is_latched = true;
        c->is_read_msb = false;
    }
}

static void latch_status(PitChannel *c)
{
    if (!c->is_status_latched) {
        c->status = (uint8_t)((pit_get_out(c->pit, c->index) ? 0x80 : 0) |
                              (c->is_null_count ? 0x40 : 0) | c->rw << 4 | c->mode << 1 |
                              (c->is_bcd ? 1 : 0));
        c->is_status_latched = true;
    }
}

static void write_control(PitState *s, uint8_t v)
{
    unsigned sc = v >> 6, rw = (v >> 4) & 3;
    if (sc == 3) { /* read-back: bit 5 clear latches counts, bit 4 clear latches status */
        for (unsigned i = 0; i < 3; i++) {
            if (v & (2u << i)) {
                if (!(v & 0x20)) {
                    latch_count(&s->ch[i]);
                }
                if (!(v & 0x10)) {
                    latch_status(&s->ch[i]);
                }
            }
        }
        return;
    }
    PitChannel *c = &s->ch[sc];
    if (rw == 0) {
        latch_count(c);
        return;
    }
    unsigned mode = (v >> 1) & 7;
    c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);
    c->rw = (uint8_t)rw;
    c->is_bcd = v & 1;
    c->is_null_count = true;
    c->is_armed = false;
    c->is_frozen = false;
    c->is_latched = false;
    c->is_read_msb = false;
    c->is_write_msb = false;
    update_out(c);
}

static void write_counter(PitChannel *c, uint8_t v)
{
    switch (c->rw) {
    case 1:
        load_count(c, v);
        break;
    case 2:
        load_count(c, (uint32_t)v << 8);
        break;
    default:
        if (!c->is_write_msb) {
            c->written = v;
            c->is_write_msb = true;
            if (c->mode == 0) {
                c->is_armed = false; /* the first byte of a new count stops mode 0 */
                update_out(c);
            }
        } else {
            c->is_write_msb = false;
            load_count(c, c->written | (uint32_t)v << 8);
        }
        break;
    }
}

static uint8_t read_counter(PitChannel *c)
{
    if (c->is_status_latched) {
        c->is_status_latched = false;
        return c->status;
    }
    uint16_t v = c->is_latched ? c->latch : counter_value(c);
    uint8_t b;
    switch (c->rw) {
    case 1:
        b = (uint8_t)v;
        c->is_latched = false;
        break;
    case 2:
        b = (uint8_t)(v >> 8);
        c->is_latched = false;
        break;
    default:
        b = c->is_read_msb ? (uint8_t)(v >> 8) : (uint8_t)v;
        if (c->is_read_msb) {
            c->is_latched = false;
        }
        c->is_read_msb = !c->is_read_msb;
        break;
    }
    return b;
}

static uint64_t pit_read(void *opaque, uint64_t offset, unsigned size)
{
    PitState *s = opaque;
    (void)size;
    if (offset == 3) {
        return 0xff; /* the control word register is write-only */
    }
    return read_counter(&s->ch[offset]);
}

static void pit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PitState *s = opaque;
    (void)size;
    if (offset == 3) {
        write_control(s, (uint8_t)value);
    } else {
        write_counter(&s->ch[offset], (uint8_t)value);
    }
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
    PitState *s = opaque;
    (void)offset;
    (void)size;
    int64_t now = clock_now_ns(s->clock);
    uint8_t refresh = ((now / REFRESH_PERIOD_NS) & 1) ? PORT61_REFRESH : 0;
    return (uint8_t)(s->port61 | refresh | (pit_get_out(s, 2) ? PORT61_OUT2 : 0));
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PitState *s = opaque;
    (void)offset;
    (void)size;
    s->port61 = (uint8_t)value & PORT61_WRITABLE;
    set_gate(&s->ch[2], value & 1);
}

static const IoOps pit_ops = {
    .read = pit_read, .write = pit_write, .min_size = 1, .max_size = 1,
};
static const IoOps port61_ops = {
    .read = port61_read, .write = port61_write, .min_size = 1, .max_size = 1,
};

/* Power-on: every counter in mode 0 with no count (the datasheet leaves it undefined until
 * programmed), gates of channels 0 and 1 high, port 61h clear (channel 2's gate low). */
void pit_reset(PitState *s)
{
    s->port61 = 0;
    for (unsigned i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        timer_del(&c->timer);
        c->count = 65536;
        c->written = 0;
        c->latch = 0;
        c->mode = 0;
        c->rw = 3;
        c->is_bcd = false;
        c->is_gate = i != 2;
        c->is_latched = c->is_status_latched = false;
        c->status = 0;
        c->is_read_msb = c->is_write_msb = false;
        c->is_armed = false;
        c->is_null_count = true;
        c->start_ns = clock_now_ns(s->clock);
        c->frozen = 0;
        c->is_frozen = false;
        update_out(c);
    }
}

static int pit_post_load(void *opaque, char *err, size_t err_size)
{
    PitState *s = opaque;
    for (unsigned i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        if (c->mode > 5 || c->rw < 1 || c->rw > 3 || c->count < 1 || c->count > 65536) {
            snprintf(err, err_size, "channel %u: mode %u, access %u or count %u invalid", i,
                     c->mode, c->rw, c->count);
            return -1;
        }
        if (s->clock) {
            update_out(c);
        }
    }
    s->port61 &= PORT61_WRITABLE;
    return 0;
}

static const StateField channel_fields[] = {
    STATE_U32(PitChannel, count),
    STATE_U16(PitChannel, written),
    STATE_U16(PitChannel, latch),
    STATE_U8(PitChannel, mode),
    STATE_U8(PitChannel, rw),
    STATE_BOOL(PitChannel, is_bcd),
    STATE_BOOL(PitChannel, is_gate),
    STATE_BOOL(PitChannel, is_latched),
    STATE_BOOL(PitChannel, is_status_latched),
    STATE_U8(PitChannel, status),
    STATE_BOOL(PitChannel, is_read_msb),
    STATE_BOOL(PitChannel, is_write_msb),
    STATE_BOOL(PitChannel, is_armed),
    STATE_BOOL(PitChannel, is_null_count),
    STATE_I64(PitChannel, start_ns),
    STATE_U32(PitChannel, frozen),
    STATE_BOOL(PitChannel, is_frozen),
    STATE_END,
};

static const StateDesc channel_desc = {
    .name = "ch", .version = 1, .min_version = 1, .fields = channel_fields,
};

static const StateField pit_fields[] = {
    STATE_STRUCT_ARRAY(PitState, ch, 3, channel_desc),
    STATE_U8(PitState, port61),
    STATE_END,
};

const StateDesc pit_state_desc = {
    .name = "pit", .version = 1, .min_version = 1, .fields = pit_fields,
    .post_load = pit_post_load,
};

int pit_init(PitState *s, PortSpace *ports, VirtualClock *clock, IrqLine irq0)
{
    s->clock = clock;
    s->irq0 = irq0;
    for (unsigned i = 0; i < 3; i++) {
        s->ch[i].pit = s;
        s->ch[i].index = (uint8_t)i;
        timer_init(&s->ch[i].timer, clock, timer_fired, &s->ch[i]);
    }
    pit_reset(s);
    int r = port_space_register(ports, PIT_PORT, 4, &pit_ops, s);
    if (r == 0) {
        r = port_space_register(ports, PIT_PORT61, 1, &port61_ops, s);
    }
    return r;
}
