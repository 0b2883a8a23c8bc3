/*
 * hw/intc/apic_bus.h: an interrupt message on the APIC bus (or, since the Pentium 4, the
 * system bus): what an I/O APIC redirection entry, an MSI, or a local APIC's ICR sends to the
 * local APICs. Intel SDM Vol. 3A §11.6.1 (ICR fields), §11.11 (MSI address and data); 82093AA
 * I/O APIC datasheet §3.2.4 (redirection table fields).
 *
 * The board routes messages: it finds the destination local APICs (physical or logical mode)
 * and hands each one the message.
 */
#ifndef VIREO_HW_INTC_APIC_BUS_H
#define VIREO_HW_INTC_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (SDM Vol. 3A figure 11-12, the ICR; 82093AA §3.2.4). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

typedef struct ApicMessage {
    uint8_t vector;
    uint8_t delivery_mode;   /* APIC_DM_* */
    bool is_logical;         /* destination mode */
    uint32_t dest;           /* APIC ID (physical) or logical destination bits */
    bool is_level;           /* trigger mode: level-triggered (the target must send EOI) */
} ApicMessage;

typedef void (*ApicDeliverFn)(void *opaque, const ApicMessage *msg);

#endif
