/* hw/intc/ioapic.c: the I/O APIC (see ioapic.h). */
#include "hw/intc/ioapic.h"

#include <errno.h>
#include <stdio.h>

#include "util/log.h"

#define ID_SHIFT 24
#define ID_MASK 0x0fu /* bits 27:24 */

static ApicMessage entry_message(uint64_t rte)
{
    return (ApicMessage){
        .vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR),
        .delivery_mode = (uint8_t)((rte >> IOAPIC_RTE_DELMOD_SHIFT) & 7),
        .is_logical = (rte & IOAPIC_RTE_DESTMOD) != 0,
        .dest = (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
        .is_level = (rte & IOAPIC_RTE_TRIGGER_LEVEL) != 0,
    };
}

/* Sends pin's interrupt if a level-triggered input is due (asserted, unmasked, IRR clear). */
static void service_level(IoapicState *s, unsigned pin)
{
    uint64_t *rte = &s->redirection[pin];
    if (!(*rte & IOAPIC_RTE_TRIGGER_LEVEL) || (*rte & (IOAPIC_RTE_MASK | IOAPIC_RTE_REMOTE_IRR)) ||
        !((s->levels >> pin) & 1)) {
        return;
    }
    *rte |= IOAPIC_RTE_REMOTE_IRR;
    ApicMessage m = entry_message(*rte);
    if (s->deliver) {
        s->deliver(s->deliver_opaque, &m);
    }
}

void ioapic_set_irq(void *opaque, int pin, bool level)
{
    IoapicState *s = opaque;
    if (pin < 0 || pin >= IOAPIC_PINS) {
        return;
    }
    uint32_t bit = 1u << pin;
    bool was = (s->levels & bit) != 0;
    s->levels = level ? s->levels | bit : s->levels & ~bit;
    uint64_t rte = s->redirection[pin];
    if (rte & IOAPIC_RTE_TRIGGER_LEVEL) {
        service_level(s, (unsigned)pin);
    } else if (level && !was && !(rte & IOAPIC_RTE_MASK)) {
        ApicMessage m = entry_message(rte);
        if (s->deliver) {
            s->deliver(s->deliver_opaque, &m);
        }
    }
}

void ioapic_eoi(IoapicState *s, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t *rte = &s->redirection[pin];
        if ((*rte & IOAPIC_RTE_VECTOR) == vector && (*rte & IOAPIC_RTE_REMOTE_IRR)) {
            *rte &= ~IOAPIC_RTE_REMOTE_IRR;
            service_level(s, pin);
        }
    }
}

static uint32_t read_register(const IoapicState *s)
{
    unsigned r = s->ioregsel;
    switch (r) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)(s->id & ID_MASK) << ID_SHIFT;
    case IOAPIC_REG_VER:
        return (uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
    default:
        if (r >= IOAPIC_REG_REDTBL && r < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
            uint64_t rte = s->redirection[(r - IOAPIC_REG_REDTBL) / 2];
            return (uint32_t)(r & 1 ? rte >> 32 : rte);
        }
        log_guest_error("ioapic: read of register %#x", r);
        return 0;
    }
}

static void write_register(IoapicState *s, uint32_t v)
{
    unsigned r = s->ioregsel;
    if (r == IOAPIC_REG_ID) {
        s->id = (uint8_t)((v >> ID_SHIFT) & ID_MASK);
        return;
    }
    if (r < IOAPIC_REG_REDTBL || r >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
        log_guest_error("ioapic: write %#x to read-only or reserved register %#x", v, r);
        return;
    }
    unsigned pin = (r - IOAPIC_REG_REDTBL) / 2;
    uint64_t *rte = &s->redirection[pin];
    uint64_t half = r & 1 ? (uint64_t)v << 32 : v;
    uint64_t keep = r & 1 ? 0xffffffffull : 0xffffffff00000000ull;
    uint64_t fixed = *rte & ~IOAPIC_RTE_WRITABLE;
    *rte = ((*rte & keep) | (half & ~keep)) & IOAPIC_RTE_WRITABLE;
    *rte |= fixed;
    if (!(*rte & IOAPIC_RTE_TRIGGER_LEVEL)) {
        *rte &= ~IOAPIC_RTE_REMOTE_IRR; /* Remote IRR is undefined for edge entries: clear */
    }
    /* Unmasking (or switching to level) a pin that is asserted delivers it now. */
    service_level(s, pin);
}

static uint64_t ioapic_read(void *opaque, uint64_t offset, unsigned size)
{
    IoapicState *s = opaque;
    if (offset == IOAPIC_IOREGSEL) {
        return s->ioregsel;
    }
    if (offset == IOAPIC_IOWIN && size == 4) {
        return read_register(s);
    }
    log_guest_error("ioapic: %u-byte read at offset %#llx", size, (unsigned long long)offset);
    return 0;
}

static void ioapic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    IoapicState *s = opaque;
    if (offset == IOAPIC_IOREGSEL) {
        s->ioregsel = (uint8_t)value;
    } else if (offset == IOAPIC_IOWIN && size == 4) {
        write_register(s, (uint32_t)value);
    } else if (offset == IOAPIC_EOI && size == 4) {
        ioapic_eoi(s, (uint8_t)value);
    } else {
        log_guest_error("ioapic: %u-byte write at offset %#llx", size,
                        (unsigned long long)offset);
    }
}

static const IoOps ioapic_ops = {
    .read = ioapic_read, .write = ioapic_write, .min_size = 1, .max_size = 4,
};

void ioapic_reset(IoapicState *s)
{
    s->ioregsel = 0;
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        s->redirection[pin] = IOAPIC_RTE_MASK;
    }
}

static int ioapic_post_load(void *opaque, char *err, size_t err_size)
{
    IoapicState *s = opaque;
    if (s->id > ID_MASK) {
        snprintf(err, err_size, "APIC ID %u does not fit 4 bits", s->id);
        return -1;
    }
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        s->redirection[pin] &= IOAPIC_RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR;
    }
    s->levels &= (1u << IOAPIC_PINS) - 1;
    return 0;
}

static const StateField ioapic_fields[] = {
    STATE_U8(IoapicState, id),
    STATE_U8(IoapicState, ioregsel),
    STATE_U32(IoapicState, levels),
    STATE_UINT_ARRAY(IoapicState, redirection, IOAPIC_PINS),
    STATE_END,
};

const StateDesc ioapic_state_desc = {
    .name = "ioapic", .version = 1, .min_version = 1, .fields = ioapic_fields,
    .post_load = ioapic_post_load,
};

int ioapic_init(IoapicState *s, PhysMap *map, uint64_t addr, uint8_t id, ApicDeliverFn deliver,
                void *deliver_opaque)
{
    s->id = id & ID_MASK;
    s->levels = 0;
    s->deliver = deliver;
    s->deliver_opaque = deliver_opaque;
    if (!phys_map_add_mmio(map, "ioapic", addr, IOAPIC_MMIO_SIZE, &ioapic_ops, s, 1)) {
        return -ENOMEM;
    }
    ioapic_reset(s);
    return 0;
}
