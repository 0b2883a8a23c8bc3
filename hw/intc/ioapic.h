/*
 * hw/intc/ioapic.h: the I/O APIC (Intel 82093AA datasheet 290566: §3.1 memory-mapped
 * IOREGSEL/IOWIN, §3.2 the ID, version, arbitration and redirection-table registers), in the
 * form chipsets since the ICH have it: 24 inputs, version 20H with the directed EOI register at
 * offset 40H (the 82093AA itself is version 11H without it).
 *
 * Inputs are the levels the board gives (1 = asserted, whatever the pin's electrical
 * polarity): the polarity bit is stored and read back but does not invert them. An
 * edge-triggered input delivers on its rising edge, and an edge that arrives while masked is
 * lost (datasheet: the mask "blocks" the input). A level-triggered input delivers while
 * asserted and unmasked with Remote IRR clear; Remote IRR is set by the delivery and cleared
 * by the local APIC's EOI for its vector (or the EOI register). Delivery is instantaneous, so
 * Delivery Status always reads 0.
 */
#ifndef VIREO_HW_INTC_IOAPIC_H
#define VIREO_HW_INTC_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/intc/apic_bus.h"
#include "snapshot/state_table.h"
#include "softmmu/memory.h"

#define IOAPIC_DEFAULT_ADDR 0xfec00000u
#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x20u

/* MMIO offsets. */
enum { IOAPIC_IOREGSEL = 0x00, IOAPIC_IOWIN = 0x10, IOAPIC_EOI = 0x40 };
/* Registers selected by IOREGSEL. */
enum { IOAPIC_REG_ID = 0x00, IOAPIC_REG_VER = 0x01, IOAPIC_REG_ARB = 0x02, IOAPIC_REG_REDTBL = 0x10 };

/* Redirection entry bits (82093AA §3.2.4). */
#define IOAPIC_RTE_VECTOR 0xffull
#define IOAPIC_RTE_DELMOD_SHIFT 8
#define IOAPIC_RTE_DESTMOD (1ull << 11)
#define IOAPIC_RTE_DELIVS (1ull << 12)
#define IOAPIC_RTE_POLARITY (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_TRIGGER_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASK (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
/* Bits software can write: all but Delivery Status, Remote IRR and the reserved 55:17. */
#define IOAPIC_RTE_WRITABLE 0xff0000000001afffull

typedef struct IoapicState {
    uint8_t id;
    uint8_t ioregsel;
    uint32_t levels;                  /* input levels, bit n = pin n asserted */
    uint64_t redirection[IOAPIC_PINS];
    /* Host-side plumbing, not saved. */
    ApicDeliverFn deliver;
    void *deliver_opaque;
} IoapicState;

extern const StateDesc ioapic_state_desc;

/* Maps the registers at `addr` and resets. Returns 0 or a negative errno. */
int ioapic_init(IoapicState *s, PhysMap *map, uint64_t addr, uint8_t id, ApicDeliverFn deliver,
                void *deliver_opaque);
/* Power-on: every entry masked, edge-triggered, vector 0; ID as given at init. */
void ioapic_reset(IoapicState *s);
/* IrqHandler for inputs 0-23. */
void ioapic_set_irq(void *opaque, int pin, bool level);
/* A local APIC's EOI for a level-triggered `vector` (broadcast to every I/O APIC). */
void ioapic_eoi(IoapicState *s, uint8_t vector);

#endif
