/* hw/intc/i8259.c: the 8259A pair (see i8259.h for the datasheet sections). */
#include "hw/intc/i8259.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

enum {
    ICW1_IC4 = 1u << 0, ICW1_SNGL = 1u << 1, ICW1_LTIM = 1u << 3, ICW1_SELECT = 1u << 4,
    ICW4_AEOI = 1u << 1, ICW4_SFNM = 1u << 4,
    OCW3_SELECT = 1u << 3, OCW3_RIS = 1u << 0, OCW3_RR = 1u << 1, OCW3_POLL = 1u << 2,
    OCW3_SMM = 1u << 5, OCW3_ESMM = 1u << 6,
};

/* PIIX ELCR: IRQ 0, 1, 2 (master) and 8, 13 (slave) cannot be level-triggered. */
static const uint8_t elcr_writable[2] = {0xf8, 0xde};

static uint8_t level_mask(const I8259Chip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* Priority rank of input `irq`: 0 is the highest (the input after `lowest`). */
static unsigned rank(const I8259Chip *c, unsigned irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* The set bit of `bits` with the highest priority, or -1. */
static int highest(const I8259Chip *c, uint8_t bits)
{
    for (unsigned r = 0; r < 8; r++) {
        unsigned irq = (c->lowest + 1 + r) & 7;
        if (bits & (1u << irq)) {
            return (int)irq;
        }
    }
    return -1;
}

/* The request the chip would raise INT for: pending, unmasked, above everything in service
 * (special mask mode: masked in-service inputs do not block; special fully nested mode on the
 * master: the cascade's own in-service bit does not block the slave's further requests). */
static int pending(const I8259Chip *c, bool is_master)
{
    int irq = highest(c, c->irr & (uint8_t)~c->imr);
    if (irq < 0) {
        return -1;
    }
    uint8_t in_service = c->isr;
    if (c->is_special_mask) {
        in_service &= (uint8_t)~c->imr;
    }
    if (is_master && (c->icw4 & ICW4_SFNM)) {
        in_service &= (uint8_t)~(1u << I8259_CASCADE_IRQ);
    }
    int cur = highest(c, in_service);
    if (cur >= 0 && rank(c, (unsigned)cur) <= rank(c, (unsigned)irq)) {
        return -1;
    }
    return irq;
}

static void pin_set(I8259Chip *c, unsigned pin, bool level)
{
    uint8_t bit = (uint8_t)(1u << pin);
    if (level_mask(c) & bit) {
        c->irr = level ? c->irr | bit : c->irr & (uint8_t)~bit;
    } else if (level && !(c->levels & bit)) {
        c->irr |= bit; /* a rising edge */
    } else if (!level) {
        c->irr &= (uint8_t)~bit; /* withdrawn before the acknowledge */
    }
    c->levels = level ? c->levels | bit : c->levels & (uint8_t)~bit;
}

/* The slave's INT drives master input 2; the master's INT is the output. */
static void update(I8259State *s)
{
    pin_set(&s->chip[0], I8259_CASCADE_IRQ, pending(&s->chip[1], false) >= 0);
    irq_set(&s->intr, pending(&s->chip[0], true) >= 0);
}

void i8259_set_irq(void *opaque, int irq, bool level)
{
    I8259State *s = opaque;
    if (irq < 0 || irq >= 16 || irq == I8259_CASCADE_IRQ) {
        return; /* input 2 belongs to the cascade */
    }
    pin_set(&s->chip[irq >> 3], (unsigned)irq & 7, level);
    update(s);
}

/* One chip's part of the acknowledge: its highest request goes in service. */
static int chip_acknowledge(I8259Chip *c, bool is_master)
{
    int irq = pending(c, is_master);
    if (irq < 0) {
        return -1;
    }
    uint8_t bit = (uint8_t)(1u << irq);
    if (!(level_mask(c) & bit)) {
        c->irr &= (uint8_t)~bit;
    }
    if (!(c->icw4 & ICW4_AEOI)) {
        c->isr |= bit;
    } else if (c->is_rotate_aeoi) {
        c->lowest = (uint8_t)irq;
    }
    return irq;
}

int i8259_acknowledge(I8259State *s)
{
    I8259Chip *m = &s->chip[0], *sl = &s->chip[1];
    int irq = chip_acknowledge(m, true);
    uint8_t vector;
    if (irq < 0) {
        vector = (uint8_t)(m->vector_base + 7); /* the request went away: IR7 */
    } else if (irq == I8259_CASCADE_IRQ && !(m->icw1 & ICW1_SNGL)) {
        int sirq = chip_acknowledge(sl, false);
        vector = (uint8_t)(sl->vector_base + (sirq < 0 ? 7 : sirq));
    } else {
        vector = (uint8_t)(m->vector_base + irq);
    }
    update(s);
    return vector;
}

static void write_icw1(I8259Chip *c, uint8_t v)
{
    c->icw1 = v;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = c->levels & level_mask(c); /* the edge sense is reset: a new edge is needed */
    c->lowest = 7;
    c->is_read_isr = false;
    c->is_poll = false;
    c->is_special_mask = false;
    c->is_rotate_aeoi = false;
    if (!(v & ICW1_IC4)) {
        c->icw4 = 0;
    }
}

static void write_data(I8259Chip *c, uint8_t v)
{
    switch (c->init_step) {
    case 2:
        c->vector_base = v & 0xf8;
        c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 4:
        c->icw4 = v;
        c->init_step = 0;
        break;
    default:
        c->imr = v; /* OCW1 */
        break;
    }
}

/* OCW2 (R, SL, EOI in bits 7:5; the level in 2:0). */
static void write_ocw2(I8259Chip *c, uint8_t v)
{
    unsigned level = v & 7;
    int top = highest(c, c->isr);
    switch (v >> 5) {
    case 1: /* non-specific EOI */
    case 5: /* ... and rotate */
        if (top >= 0) {
            c->isr &= (uint8_t)~(1u << top);
            if ((v >> 5) == 5) {
                c->lowest = (uint8_t)top;
            }
        }
        break;
    case 3: /* specific EOI */
    case 7: /* ... and rotate */
        c->isr &= (uint8_t)~(1u << level);
        if ((v >> 5) == 7) {
            c->lowest = (uint8_t)level;
        }
        break;
    case 4:
    case 0:
        c->is_rotate_aeoi = (v >> 5) == 4;
        break;
    case 6: /* set priority */
        c->lowest = (uint8_t)level;
        break;
    default:
        break; /* 010: no operation */
    }
}

static void write_command(I8259Chip *c, uint8_t v)
{
    if (v & ICW1_SELECT) {
        write_icw1(c, v);
    } else if (v & OCW3_SELECT) {
        if (v & OCW3_POLL) {
            c->is_poll = true;
        }
        if (v & OCW3_RR) {
            c->is_read_isr = (v & OCW3_RIS) != 0;
        }
        if (v & OCW3_ESMM) {
            c->is_special_mask = (v & OCW3_SMM) != 0;
        }
    } else {
        write_ocw2(c, v);
    }
}

static uint64_t chip_read(I8259State *s, unsigned idx, uint64_t offset)
{
    I8259Chip *c = &s->chip[idx];
    uint8_t v;
    if (c->is_poll) {
        /* Poll ("Poll command"): the next read of either port is the acknowledge; bit 7 says
         * whether there was a request, bits 2:0 which. */
        c->is_poll = false;
        int irq = chip_acknowledge(c, idx == 0);
        v = irq < 0 ? 0 : (uint8_t)(0x80 | irq);
    } else if (offset == 1) {
        v = c->imr;
    } else {
        v = c->is_read_isr ? c->isr : c->irr;
    }
    update(s);
    return v;
}

static void chip_write(I8259State *s, unsigned idx, uint64_t offset, uint8_t v)
{
    I8259Chip *c = &s->chip[idx];
    if (offset == 0) {
        write_command(c, v);
    } else {
        write_data(c, v);
    }
    update(s);
}

static uint64_t master_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return chip_read(o, 0, off);
}

static void master_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    chip_write(o, 0, off, (uint8_t)v);
}

static uint64_t slave_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return chip_read(o, 1, off);
}

static void slave_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    chip_write(o, 1, off, (uint8_t)v);
}

static uint64_t elcr_read(void *o, uint64_t off, unsigned size)
{
    I8259State *s = o;
    (void)size;
    return s->chip[off].elcr;
}

static void elcr_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    I8259State *s = o;
    (void)size;
    s->chip[off].elcr = (uint8_t)v & elcr_writable[off];
    update(s);
}

static const IoOps master_ops = {
    .read = master_read, .write = master_write, .min_size = 1, .max_size = 1,
};
static const IoOps slave_ops = {
    .read = slave_read, .write = slave_write, .min_size = 1, .max_size = 1,
};
static const IoOps elcr_ops = {
    .read = elcr_read, .write = elcr_write, .min_size = 1, .max_size = 1,
};

/* Power-on: the chips wait for initialization; everything clear, nothing masked (the
 * datasheet leaves an uninitialized 8259A undefined; firmware or the OS programs it). */
void i8259_reset(I8259State *s)
{
    for (unsigned i = 0; i < 2; i++) {
        I8259Chip *c = &s->chip[i];
        uint8_t levels = c->levels;
        memset(c, 0, sizeof(*c));
        c->levels = levels;
        c->lowest = 7;
    }
    update(s);
}

static int i8259_post_load(void *opaque, char *err, size_t err_size)
{
    I8259State *s = opaque;
    for (unsigned i = 0; i < 2; i++) {
        I8259Chip *c = &s->chip[i];
        if (c->lowest > 7 || (c->init_step != 0 && (c->init_step < 2 || c->init_step > 4))
            || (c->vector_base & 7) != 0) {
            snprintf(err, err_size,
                     "chip %u: priority %u, init step %u or vector base %#x out of range", i,
                     c->lowest, c->init_step, c->vector_base);
            return -1;
        }
        c->elcr &= elcr_writable[i];
    }
    update(s);
    return 0;
}

static const StateField chip_fields[] = {
    STATE_U8(I8259Chip, irr),
    STATE_U8(I8259Chip, isr),
    STATE_U8(I8259Chip, imr),
    STATE_U8(I8259Chip, levels),
    STATE_U8(I8259Chip, elcr),
    STATE_U8(I8259Chip, vector_base),
    STATE_U8(I8259Chip, icw1),
    STATE_U8(I8259Chip, icw3),
    STATE_U8(I8259Chip, icw4),
    STATE_U8(I8259Chip, init_step),
    STATE_U8(I8259Chip, lowest),
    STATE_BOOL(I8259Chip, is_read_isr),
    STATE_BOOL(I8259Chip, is_poll),
    STATE_BOOL(I8259Chip, is_special_mask),
    STATE_BOOL(I8259Chip, is_rotate_aeoi),
    STATE_END,
};

static const StateDesc chip_desc = {
    .name = "chip", .version = 1, .min_version = 1, .fields = chip_fields,
};

static const StateField i8259_fields[] = {
    STATE_STRUCT_ARRAY(I8259State, chip, 2, chip_desc),
    STATE_END,
};

const StateDesc i8259_state_desc = {
    .name = "i8259", .version = 1, .min_version = 1, .fields = i8259_fields,
    .post_load = i8259_post_load,
};

int i8259_init(I8259State *s, PortSpace *ports, IrqLine intr)
{
    memset(s->chip, 0, sizeof(s->chip));
    s->intr = intr;
    i8259_reset(s);
    int r = port_space_register(ports, I8259_MASTER_PORT, 2, &master_ops, s);
    if (r == 0) {
        r = port_space_register(ports, I8259_SLAVE_PORT, 2, &slave_ops, s);
    }
    if (r == 0) {
        r = port_space_register(ports, I8259_ELCR_PORT, 2, &elcr_ops, s);
    }
    return r;
}
