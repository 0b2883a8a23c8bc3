/* hw/intc/lapic.c: the local APIC (see lapic.h for the manual sections). */
#include "hw/intc/lapic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16 (§11.12.1.2). */
enum {
    REG_ID = 0x020, REG_VERSION = 0x030, REG_TPR = 0x080, REG_APR = 0x090, REG_PPR = 0x0a0,
    REG_EOI = 0x0b0, REG_RRD = 0x0c0, REG_LDR = 0x0d0, REG_DFR = 0x0e0, REG_SVR = 0x0f0,
    REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280, REG_LVT_CMCI = 0x2f0,
    REG_ICR_LO = 0x300, REG_ICR_HI = 0x310, REG_LVT_TIMER = 0x320, REG_LVT_ERROR = 0x370,
    REG_TIMER_INITIAL = 0x380, REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3e0,
    REG_SELF_IPI = 0x3f0, /* x2APIC only */
};

#define SVR_ENABLE (1u << 8)
#define SVR_WRITABLE 0x1ffu
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_STATUS (1u << 12)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_LEVEL (1u << 15)
#define LVT_TIMER_MODE_SHIFT 17
#define TIMER_ONESHOT 0u
#define TIMER_PERIODIC 1u
#define TIMER_TSC_DEADLINE 2u
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_LO_WRITABLE 0x000ccfffu
#define DIVIDE_WRITABLE 0xbu

/* Writable bits of each LVT entry (§11.5.1 figure 11-8). */
static const uint32_t lvt_writable[LAPIC_LVT_COUNT] = {
    [LAPIC_LVT_CMCI] = 0x000107ff,
    [LAPIC_LVT_TIMER] = 0x000700ff,
    [LAPIC_LVT_THERMAL] = 0x000107ff,
    [LAPIC_LVT_PMC] = 0x000107ff,
    [LAPIC_LVT_LINT0] = 0x0001a7ff,
    [LAPIC_LVT_LINT1] = 0x0001a7ff,
    [LAPIC_LVT_ERROR] = 0x000100ff,
};

static int lvt_index(unsigned reg)
{
    if (reg == REG_LVT_CMCI) {
        return LAPIC_LVT_CMCI;
    }
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
        return 1 + (int)((reg - REG_LVT_TIMER) >> 4);
    }
    return -1;
}

static bool is_hw_enabled(const LapicState *s)
{
    return (s->apic_base & LAPIC_BASE_EN) != 0;
}

static bool is_x2apic(const LapicState *s)
{
    return (s->apic_base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
}

static bool is_sw_enabled(const LapicState *s)
{
    return (s->svr & SVR_ENABLE) != 0;
}

static int highest(const uint32_t v[8])
{
    for (int w = 7; w >= 0; w--) {
        if (v[w]) {
            return w * 32 + 31 - __builtin_clz(v[w]);
        }
    }
    return -1;
}

static bool test_bit(const uint32_t v[8], unsigned n)
{
    return (v[n >> 5] >> (n & 31)) & 1;
}

static void set_bit(uint32_t v[8], unsigned n, bool on)
{
    if (on) {
        v[n >> 5] |= 1u << (n & 31);
    } else {
        v[n >> 5] &= ~(1u << (n & 31));
    }
}

/* PPR (§11.8.3.1): the TPR, or the class of the highest in-service vector if that is higher. */
static uint8_t ppr(const LapicState *s)
{
    int isrv = highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* The vector the APIC would hand the CPU now, or -1. */
static int deliverable(const LapicState *s)
{
    if (!is_hw_enabled(s) || !is_sw_enabled(s)) {
        return -1;
    }
    int irrv = highest(s->irr);
    if (irrv < 0 || (irrv & 0xf0) <= (ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

/* The 8259's INTR reaches the CPU through LINT0 in ExtINT mode, or directly while the APIC is
 * globally disabled (virtual wire, MP spec §3.6.2.2). */
static bool extint_pending(const LapicState *s)
{
    if (!(s->lint_level & 1)) {
        return false;
    }
    if (!is_hw_enabled(s)) {
        return true;
    }
    uint32_t lvt = s->lvt[LAPIC_LVT_LINT0];
    return !(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
}

static void update_intr(LapicState *s)
{
    irq_set(&s->intr, extint_pending(s) || deliverable(s) >= 0);
}

static void signal_error(LapicState *s, uint32_t bits)
{
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[LAPIC_LVT_ERROR];
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        set_bit(s->irr, lvt & 0xff, true);
        set_bit(s->tmr, lvt & 0xff, false);
    }
}

/* Interrupt acceptance (§11.8.4): vectors 0-15 are illegal. */
static void accept(LapicState *s, uint8_t vector, bool is_level)
{
    if (vector < 16) {
        signal_error(s, ESR_RECEIVE_ILLEGAL_VECTOR);
    } else {
        set_bit(s->irr, vector, true);
        set_bit(s->tmr, vector, is_level);
    }
    update_intr(s);
}

void lapic_deliver(LapicState *s, const ApicMessage *m)
{
    switch (m->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        accept(s, m->vector, m->is_level);
        break;
    case APIC_DM_NMI:
        irq_pulse(&s->nmi);
        break;
    case APIC_DM_INIT:
        if (s->init) {
            s->init(s->opaque);
        }
        break;
    case APIC_DM_STARTUP:
        if (s->sipi) {
            s->sipi(s->opaque, m->vector);
        }
        break;
    default:
        log_unimp("lapic: delivery mode %u", m->delivery_mode);
        break;
    }
}

/* Local interrupt through an LVT entry (timer, LINTn in fixed mode, error): the entry's
 * delivery mode as if it were a message (only LINT0/LINT1 can be level-triggered). */
static void raise_lvt(LapicState *s, unsigned idx)
{
    uint32_t lvt = s->lvt[idx];
    if (lvt & LVT_MASKED) {
        return;
    }
    bool is_lint = idx == LAPIC_LVT_LINT0 || idx == LAPIC_LVT_LINT1;
    ApicMessage m = {
        .vector = (uint8_t)lvt,
        .delivery_mode = (uint8_t)(is_lint ? (lvt >> 8) & 7 : APIC_DM_FIXED),
        .is_level = is_lint && (lvt & LVT_LEVEL),
    };
    lapic_deliver(s, &m);
}

bool lapic_matches(const LapicState *s, const ApicMessage *m)
{
    if (!is_hw_enabled(s)) {
        return false;
    }
    if (is_x2apic(s)) {
        if (!m->is_logical) {
            return m->dest == 0xffffffffu || m->dest == s->id;
        }
        return (m->dest >> 16) == (s->ldr >> 16) && (m->dest & s->ldr & 0xffff);
    }
    if (!m->is_logical) {
        return (m->dest & 0xff) == 0xff || (m->dest & 0xff) == (s->id & 0xff);
    }
    uint8_t dest = (uint8_t)m->dest, logical = (uint8_t)(s->ldr >> 24);
    if ((s->dfr >> 28) == 0xf) {
        return (dest & logical) != 0; /* flat model */
    }
    return (dest >> 4) == (logical >> 4) && (dest & logical & 0xf); /* cluster model */
}

void lapic_set_lint(void *opaque, int n, bool level)
{
    LapicState *s = opaque;
    if (n < 0 || n > 1) {
        return;
    }
    bool was = (s->lint_level >> n) & 1;
    s->lint_level = (uint8_t)((s->lint_level & ~(1u << n)) | (unsigned)level << n);
    unsigned idx = n ? LAPIC_LVT_LINT1 : LAPIC_LVT_LINT0;
    uint32_t lvt = s->lvt[idx];
    if (!is_hw_enabled(s)) {
        if (n == 1 && level && !was) {
            irq_pulse(&s->nmi); /* virtual wire: LINT1 is the NMI pin */
        }
        update_intr(s);
        return;
    }
    unsigned mode = (lvt >> 8) & 7;
    if (mode == APIC_DM_EXTINT) {
        update_intr(s);
    } else if (level && (!was || ((lvt & LVT_LEVEL) && mode == APIC_DM_FIXED))) {
        raise_lvt(s, idx);
    }
}

int lapic_acknowledge(LapicState *s)
{
    if (extint_pending(s) || !is_hw_enabled(s)) {
        return LAPIC_ACK_EXTINT;
    }
    int v = deliverable(s);
    if (v < 0) {
        return (int)(s->svr & 0xff); /* spurious: the interrupt went away or TPR rose */
    }
    set_bit(s->irr, (unsigned)v, false);
    set_bit(s->isr, (unsigned)v, true);
    update_intr(s);
    return v;
}

static void eoi(LapicState *s)
{
    int v = highest(s->isr);
    if (v < 0) {
        return;
    }
    set_bit(s->isr, (unsigned)v, false);
    if (test_bit(s->tmr, (unsigned)v) && s->eoi_broadcast) {
        s->eoi_broadcast(s->opaque, (uint8_t)v);
    }
    update_intr(s);
}

/* Timer (§11.5.4). */
static unsigned timer_mode(const LapicState *s)
{
    return (s->lvt[LAPIC_LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

static uint64_t divisor(const LapicState *s)
{
    unsigned v = (s->timer_divide & 3) | ((s->timer_divide & 8) >> 1);
    return 1ull << ((v + 1) & 7);
}

static uint64_t ticks_since_start(const LapicState *s)
{
    int64_t ns = clock_now_ns(s->clock) - s->timer_start_ns;
    uint64_t bus = (uint64_t)(ns > 0 ? ns : 0) * (LAPIC_BUS_HZ / 1000000000ull);
    return bus / divisor(s);
}

static uint32_t current_count(const LapicState *s)
{
    if (timer_mode(s) == TIMER_TSC_DEADLINE || s->timer_initial == 0) {
        return 0;
    }
    uint64_t t = ticks_since_start(s);
    if (timer_mode(s) == TIMER_PERIODIC) {
        return (uint32_t)(s->timer_initial - t % s->timer_initial);
    }
    return t >= s->timer_initial ? 0 : (uint32_t)(s->timer_initial - t);
}

static int64_t ticks_to_ns(const LapicState *s, uint64_t ticks)
{
    return (int64_t)(ticks * divisor(s) / (LAPIC_BUS_HZ / 1000000000ull));
}

static void arm_timer(LapicState *s)
{
    timer_del(&s->timer);
    if (!is_hw_enabled(s)) {
        return;
    }
    if (timer_mode(s) == TIMER_TSC_DEADLINE) {
        if (!s->tsc_deadline || !s->read_tsc || !s->tsc_hz) {
            return;
        }
        uint64_t now_tsc = s->read_tsc(s->opaque);
        uint64_t delta = s->tsc_deadline > now_tsc ? s->tsc_deadline - now_tsc : 0;
        uint64_t ns = delta / s->tsc_hz * 1000000000ull +
                      (delta % s->tsc_hz * 1000000000ull + s->tsc_hz - 1) / s->tsc_hz;
        timer_mod_ns(&s->timer, clock_now_ns(s->clock) + (int64_t)ns);
        return;
    }
    if (s->timer_initial == 0) {
        return;
    }
    uint64_t t = ticks_since_start(s);
    uint64_t next;
    if (timer_mode(s) == TIMER_PERIODIC) {
        next = (t / s->timer_initial + 1) * s->timer_initial;
    } else if (t < s->timer_initial) {
        next = s->timer_initial;
    } else {
        return;
    }
    timer_mod_ns(&s->timer, s->timer_start_ns + ticks_to_ns(s, next));
}

static void timer_fired(void *opaque)
{
    LapicState *s = opaque;
    if (timer_mode(s) == TIMER_TSC_DEADLINE) {
        if (!s->tsc_deadline || (s->read_tsc && s->read_tsc(s->opaque) < s->tsc_deadline)) {
            arm_timer(s);
            return;
        }
        s->tsc_deadline = 0; /* the MSR reads 0 once the deadline has passed */
    }
    raise_lvt(s, LAPIC_LVT_TIMER);
    arm_timer(s);
}

static void start_timer(LapicState *s)
{
    s->timer_start_ns = clock_now_ns(s->clock);
    arm_timer(s);
}

/* Register file, shared by the xAPIC page and the x2APIC MSRs. Returns false for registers
 * that do not exist in the current mode. */
static bool reg_read(LapicState *s, unsigned reg, uint64_t *out)
{
    uint32_t v = 0;
    int lvt = lvt_index(reg);
    if (lvt >= 0) {
        v = s->lvt[lvt];
    } else if (reg >= REG_ISR && reg < REG_ISR + 0x80) {
        v = s->isr[(reg - REG_ISR) >> 4];
    } else if (reg >= REG_TMR && reg < REG_TMR + 0x80) {
        v = s->tmr[(reg - REG_TMR) >> 4];
    } else if (reg >= REG_IRR && reg < REG_IRR + 0x80) {
        v = s->irr[(reg - REG_IRR) >> 4];
    } else {
        switch (reg) {
        case REG_ID:
            v = is_x2apic(s) ? s->id : s->id << 24;
            break;
        case REG_VERSION:
            v = LAPIC_VERSION | (LAPIC_LVT_COUNT - 1) << 16;
            break;
        case REG_TPR:
            v = s->tpr;
            break;
        case REG_PPR:
            v = ppr(s);
            break;
        case REG_APR:
        case REG_EOI:
        case REG_RRD:
            v = 0;
            break;
        case REG_LDR:
            v = s->ldr;
            break;
        case REG_DFR:
            if (is_x2apic(s)) {
                return false;
            }
            v = s->dfr;
            break;
        case REG_SVR:
            v = s->svr;
            break;
        case REG_ESR:
            v = s->esr;
            break;
        case REG_ICR_LO:
            if (is_x2apic(s)) {
                *out = s->icr;
                return true;
            }
            v = (uint32_t)s->icr;
            break;
        case REG_ICR_HI:
            if (is_x2apic(s)) {
                return false;
            }
            v = (uint32_t)(s->icr >> 32);
            break;
        case REG_TIMER_INITIAL:
            v = s->timer_initial;
            break;
        case REG_TIMER_CURRENT:
            v = current_count(s);
            break;
        case REG_TIMER_DIVIDE:
            v = s->timer_divide;
            break;
        default:
            return false;
        }
    }
    *out = v;
    return true;
}

static void send_icr(LapicState *s)
{
    uint32_t lo = (uint32_t)s->icr;
    ApicMessage m = {
        .vector = (uint8_t)lo,
        .delivery_mode = (uint8_t)((lo >> 8) & 7),
        .is_logical = (lo & ICR_DEST_LOGICAL) != 0,
        .dest = is_x2apic(s) ? (uint32_t)(s->icr >> 32) : (uint32_t)(s->icr >> 56),
        .is_level = (lo & ICR_TRIGGER_LEVEL) != 0,
    };
    unsigned shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3;
    /* INIT level de-assert does nothing on the Pentium 4 and later (§11.6.1). */
    if (m.delivery_mode == APIC_DM_INIT && m.is_level && !(lo & ICR_LEVEL_ASSERT)) {
        return;
    }
    if ((m.delivery_mode == APIC_DM_FIXED || m.delivery_mode == APIC_DM_LOWEST) &&
        m.vector < 16) {
        signal_error(s, ESR_SEND_ILLEGAL_VECTOR);
        update_intr(s);
        return;
    }
    if (shorthand == LAPIC_DEST_SELF) {
        lapic_deliver(s, &m);
    } else if (s->send_ipi) {
        s->send_ipi(s->opaque, &m, shorthand);
    }
}

static void set_svr(LapicState *s, uint32_t v)
{
    s->svr = v & SVR_WRITABLE;
    if (!is_sw_enabled(s)) {
        for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++) {
            s->lvt[i] |= LVT_MASKED; /* §11.4.7.2 */
        }
    }
    update_intr(s);
}

static void set_lvt(LapicState *s, unsigned idx, uint32_t v)
{
    uint32_t writable = lvt_writable[idx];
    unsigned old_mode = timer_mode(s);
    v = (s->lvt[idx] & ~writable) | (v & writable);
    if (!is_sw_enabled(s)) {
        v |= LVT_MASKED;
    }
    s->lvt[idx] = v;
    if (idx == LAPIC_LVT_TIMER && timer_mode(s) != old_mode) {
        /* Switching to or from TSC-deadline mode disarms the timer (§11.5.4.1). */
        if (old_mode == TIMER_TSC_DEADLINE || timer_mode(s) == TIMER_TSC_DEADLINE) {
            s->timer_initial = 0;
            s->tsc_deadline = 0;
        }
        arm_timer(s);
    }
    if (idx == LAPIC_LVT_LINT0) {
        update_intr(s);
    }
}

static bool reg_write(LapicState *s, unsigned reg, uint64_t value)
{
    uint32_t v = (uint32_t)value;
    int lvt = lvt_index(reg);
    if (lvt >= 0) {
        set_lvt(s, (unsigned)lvt, v);
        return true;
    }
    switch (reg) {
    case REG_ID:
        if (is_x2apic(s)) {
            return false; /* read-only in x2APIC mode */
        }
        s->id = v >> 24;
        break;
    case REG_TPR:
        s->tpr = (uint8_t)v;
        update_intr(s);
        break;
    case REG_EOI:
        if (is_x2apic(s) && v) {
            return false;
        }
        eoi(s);
        break;
    case REG_LDR:
        if (is_x2apic(s)) {
            return false;
        }
        s->ldr = v & 0xff000000u;
        break;
    case REG_DFR:
        if (is_x2apic(s)) {
            return false;
        }
        s->dfr = v | 0x0fffffffu;
        break;
    case REG_SVR:
        set_svr(s, v);
        break;
    case REG_ESR:
        /* A write latches the errors since the last write into the readable register. */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case REG_ICR_LO:
        if (is_x2apic(s)) {
            s->icr = value & (0xffffffff00000000ull | ICR_LO_WRITABLE);
        } else {
            s->icr = (s->icr & 0xffffffff00000000ull) | (v & ICR_LO_WRITABLE);
        }
        send_icr(s);
        break;
    case REG_ICR_HI:
        if (is_x2apic(s)) {
            return false;
        }
        s->icr = (s->icr & 0xffffffffull) | (uint64_t)(v & 0xff000000u) << 32;
        break;
    case REG_TIMER_INITIAL:
        if (timer_mode(s) != TIMER_TSC_DEADLINE) {
            s->timer_initial = v;
            start_timer(s);
        }
        break;
    case REG_TIMER_DIVIDE: {
        /* Keep the current count across a divider change. */
        uint32_t count = current_count(s);
        s->timer_divide = v & DIVIDE_WRITABLE;
        if (s->timer_initial && count) {
            s->timer_start_ns = clock_now_ns(s->clock) -
                                ticks_to_ns(s, s->timer_initial - count);
            arm_timer(s);
        }
        break;
    }
    case REG_SELF_IPI:
        if (!is_x2apic(s)) {
            return false;
        }
        accept(s, (uint8_t)v, false);
        break;
    default:
        return false; /* read-only or reserved */
    }
    return true;
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    LapicState *s = opaque;
    uint64_t v = 0;
    (void)size;
    if ((offset & 0xf) || !reg_read(s, (unsigned)offset, &v)) {
        if (!(offset & 0xf) && offset < 0x400) {
            signal_error(s, ESR_ILLEGAL_REGISTER);
        }
        return 0;
    }
    return (uint32_t)v;
}

static void mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    LapicState *s = opaque;
    (void)size;
    if ((offset & 0xf) || offset == REG_SELF_IPI || !reg_write(s, (unsigned)offset, value)) {
        log_guest_error("lapic: write %#llx to offset %#llx", (unsigned long long)value,
                        (unsigned long long)offset);
        if (!(offset & 0xf) && offset < 0x400) {
            signal_error(s, ESR_ILLEGAL_REGISTER);
            update_intr(s);
        }
    }
}

/* The register page takes aligned 32-bit accesses (§11.4.1). */
static const IoOps lapic_ops = {
    .read = mmio_read, .write = mmio_write, .min_size = 4, .max_size = 4,
};

bool lapic_read_msr(LapicState *s, uint32_t msr, uint64_t *value)
{
    if (msr == LAPIC_MSR_TSC_DEADLINE) {
        *value = timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
        return true;
    }
    if (msr < LAPIC_MSR_X2APIC_FIRST || msr > LAPIC_MSR_X2APIC_LAST || !is_x2apic(s)) {
        return false;
    }
    unsigned reg = (msr - LAPIC_MSR_X2APIC_FIRST) << 4;
    if (reg == REG_EOI || reg == REG_SELF_IPI) {
        return false; /* write-only */
    }
    return reg_read(s, reg, value);
}

bool lapic_write_msr(LapicState *s, uint32_t msr, uint64_t value)
{
    if (msr == LAPIC_MSR_TSC_DEADLINE) {
        if (timer_mode(s) == TIMER_TSC_DEADLINE) {
            s->tsc_deadline = value;
            arm_timer(s);
        }
        return true; /* ignored in the other modes */
    }
    if (msr < LAPIC_MSR_X2APIC_FIRST || msr > LAPIC_MSR_X2APIC_LAST || !is_x2apic(s)) {
        return false;
    }
    return reg_write(s, (msr - LAPIC_MSR_X2APIC_FIRST) << 4, value);
}

uint8_t lapic_get_cr8(const LapicState *s)
{
    return (uint8_t)(s->tpr >> 4);
}

void lapic_set_cr8(LapicState *s, uint8_t value)
{
    s->tpr = (uint8_t)((value & 0xf) << 4);
    update_intr(s);
}

static void reset_registers(LapicState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->esr = s->esr_pending = 0;
    s->icr = 0;
    for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->timer_initial = 0;
    s->timer_divide = 0;
    s->tsc_deadline = 0;
    timer_del(&s->timer);
}

static void update_mmio(LapicState *s)
{
    if (s->mmio) {
        phys_map_move_region(s->map, s->mmio, s->apic_base & ~0xfffull);
        phys_map_set_region_enabled(s->map, s->mmio, is_hw_enabled(s) && !is_x2apic(s));
    }
}

/*
 * IA32_APIC_BASE (§11.4.4, §11.12.5 figure 11-27): disabling the APIC puts it in its reset
 * state; x2APIC mode is entered from xAPIC mode only and left only by disabling the APIC. In
 * x2APIC mode the ID is the initial APIC ID and LDR is derived from it (§11.12.10.2).
 */
bool lapic_set_base(LapicState *s, uint64_t value)
{
    bool en = (value & LAPIC_BASE_EN) != 0, extd = (value & LAPIC_BASE_EXTD) != 0;
    bool was_en = is_hw_enabled(s), was_x2 = is_x2apic(s);
    if ((extd && !en) || (was_x2 && en && !extd)) {
        return false;
    }
    if (!en && was_en) {
        uint32_t id = s->id;
        reset_registers(s);
        s->id = id;
    }
    s->apic_base = (value & ~LAPIC_BASE_BSP) | (s->apic_base & LAPIC_BASE_BSP);
    if (is_x2apic(s) && !was_x2) {
        s->ldr = (s->id >> 4) << 16 | 1u << (s->id & 0xf);
    }
    update_mmio(s);
    update_intr(s);
    return true;
}

void lapic_reset(LapicState *s)
{
    reset_registers(s);
    s->apic_base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (s->apic_base & LAPIC_BASE_BSP);
    s->lint_level = 0;
    update_mmio(s);
    update_intr(s);
}

static int lapic_post_load(void *opaque, char *err, size_t err_size)
{
    LapicState *s = opaque;
    if ((s->apic_base & LAPIC_BASE_EXTD) && !(s->apic_base & LAPIC_BASE_EN)) {
        snprintf(err, err_size, "IA32_APIC_BASE %#llx: x2APIC without enable",
                 (unsigned long long)s->apic_base);
        return -1;
    }
    for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++) {
        s->lvt[i] &= lvt_writable[i] | LVT_DELIVERY_STATUS | LVT_REMOTE_IRR;
    }
    s->svr &= SVR_WRITABLE;
    s->timer_divide &= DIVIDE_WRITABLE;
    s->lint_level &= 3;
    if (s->clock) {
        update_mmio(s);
        arm_timer(s);
        update_intr(s);
    }
    return 0;
}

static const StateField lapic_fields[] = {
    STATE_U64(LapicState, apic_base),
    STATE_U32(LapicState, id),
    STATE_U8(LapicState, tpr),
    STATE_U32(LapicState, ldr),
    STATE_U32(LapicState, dfr),
    STATE_U32(LapicState, svr),
    STATE_UINT_ARRAY(LapicState, isr, 8),
    STATE_UINT_ARRAY(LapicState, irr, 8),
    STATE_UINT_ARRAY(LapicState, tmr, 8),
    STATE_U32(LapicState, esr),
    STATE_U32(LapicState, esr_pending),
    STATE_U64(LapicState, icr),
    STATE_UINT_ARRAY(LapicState, lvt, LAPIC_LVT_COUNT),
    STATE_U32(LapicState, timer_initial),
    STATE_U32(LapicState, timer_divide),
    STATE_I64(LapicState, timer_start_ns),
    STATE_U64(LapicState, tsc_deadline),
    STATE_U8(LapicState, lint_level),
    STATE_END,
};

const StateDesc lapic_state_desc = {
    .name = "lapic", .version = 1, .min_version = 1, .fields = lapic_fields,
    .post_load = lapic_post_load,
};

int lapic_init(LapicState *s, PhysMap *map, VirtualClock *clock, uint32_t apic_id, bool is_bsp)
{
    s->clock = clock;
    s->map = map;
    s->id = apic_id;
    s->apic_base = is_bsp ? LAPIC_BASE_BSP : 0;
    timer_init(&s->timer, clock, timer_fired, s);
    s->mmio = phys_map_add_mmio(map, "lapic", LAPIC_DEFAULT_BASE, LAPIC_MMIO_SIZE, &lapic_ops, s,
                                2);
    if (!s->mmio) {
        return -ENOMEM;
    }
    lapic_reset(s);
    return 0;
}
