/*
 * hw/intc/i8259.h: the PC's pair of Intel 8259A programmable interrupt controllers (datasheet
 * 231468: "Initialization command words" ICW1-ICW4, "Operation command words" OCW1-OCW3,
 * "Interrupt sequence", "Priority", "Special mask mode", "Poll command", "Automatic EOI"),
 * master at 20h/21h and slave at A0h/A1h cascaded on master input 2, with the PIIX's
 * edge/level control registers ELCR1/ELCR2 at 4D0h/4D1h (IRQ 0, 1, 2, 8 and 13 are edge only).
 *
 * Inputs are levels (1 = asserted). An edge-triggered input latches its request on a rising
 * edge; a request whose input falls again before the acknowledge is withdrawn, and if nothing
 * else is pending the acknowledge then gets IR7 (the datasheet's default, "spurious")
 * vector. Not modelled: buffered mode and the 8080 call-sequence mode (ICW4 bits stored).
 */
#ifndef VIREO_HW_INTC_I8259_H
#define VIREO_HW_INTC_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/irq.h"

#define I8259_MASTER_PORT 0x20
#define I8259_SLAVE_PORT 0xa0
#define I8259_ELCR_PORT 0x4d0
#define I8259_CASCADE_IRQ 2

typedef struct I8259Chip {
    uint8_t irr, isr, imr;
    uint8_t levels;        /* input pin levels */
    uint8_t elcr;          /* level-triggered inputs (PIIX ELCR) */
    uint8_t vector_base;   /* ICW2 & F8h */
    uint8_t icw1, icw3, icw4;
    uint8_t init_step;     /* 0: operational; 2-4: expecting ICW2-ICW4 */
    uint8_t lowest;        /* the input with the lowest priority (rotation) */
    bool is_read_isr;      /* OCW3 RIS: port A0=0 reads ISR, else IRR */
    bool is_poll;          /* OCW3 P: the next read is a poll */
    bool is_special_mask;  /* OCW3 SMM */
    bool is_rotate_aeoi;   /* OCW2 rotate in automatic EOI mode */
} I8259Chip;

typedef struct I8259State {
    I8259Chip chip[2];     /* 0 master, 1 slave */
    /* Host-side plumbing, not saved. */
    IrqLine intr;          /* the master's INT output */
} I8259State;

extern const StateDesc i8259_state_desc;

int i8259_init(I8259State *s, PortSpace *ports, IrqLine intr);
void i8259_reset(I8259State *s);
/* IrqHandler for IRQ 0-15. */
void i8259_set_irq(void *opaque, int irq, bool level);
/*
 * The INTA cycle, for the CPU's irq_ack hook: returns the vector (0-255) of the highest-priority
 * request, setting its in-service bit (unless AEOI) and running the slave's cycle for IR2. If
 * the request went away before INTA, the master's IR7 vector with nothing in service, or for
 * the slave the master's IR2 in service and the slave's IR7 vector.
 */
int i8259_acknowledge(I8259State *s);

#endif
