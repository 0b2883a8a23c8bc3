/*
 * hw/block/piix_ide.h: the PIIX3 IDE function (PCI 00:01.1) with two IDE channels and the
 * SFF-8038i bus master (see piix_ide.c for the manual sections).
 */
#ifndef VIREO_HW_BLOCK_PIIX_IDE_H
#define VIREO_HW_BLOCK_PIIX_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/ide.h"
#include "hw/pci/pci.h"
#include "softmmu/memory.h"

#define PIIX_IDE_DEVFN (1u << 3 | 1u)

struct PiixIdeState;

/* One channel's bus master: registers, and where the PRD walk of a transfer stands. */
typedef struct PiixIdeBm {
    uint8_t command;
    uint8_t status;
    uint32_t prd_table;
    uint32_t prd_index;  /* next descriptor */
    uint32_t prd_addr;   /* current descriptor: next address and bytes left */
    uint32_t prd_left;
    bool is_prd_done;    /* the EOT descriptor is used up */
    bool is_prd_last;    /* the current descriptor has EOT */
    bool is_irq_high;    /* the channel's INTRQ, for the Interrupt bit's edge */
    /* Host side, not saved. */
    struct PiixIdeState *owner;
    IdeChannel *channel;
    IrqLine isa_irq;     /* IRQ 14 or 15 */
} PiixIdeBm;

typedef struct PiixIdeState {
    PciDevice pci;
    IdeChannel channel[2];
    PiixIdeBm bm[2];
    /* Host side, not saved. */
    PortSpace *ports;
    PhysMap *map;
    uint16_t bm_port;
    bool bm_port_mapped;
} PiixIdeState;

extern const StateDesc piix_ide_state_desc;

/*
 * Registers the function at 00:01.1 and its legacy ports. kinds/images: primary master,
 * primary slave, secondary master, secondary slave. The channels' irq fields must be wired
 * (IRQ 14 and 15) before. Returns 0 or a negative errno.
 */
int piix_ide_init(PiixIdeState *s, PciBus *bus, PortSpace *ports, PhysMap *map,
                  const IdeKind kinds[4], BlockImage *const images[4]);
void piix_ide_reset(PiixIdeState *s);

#endif
