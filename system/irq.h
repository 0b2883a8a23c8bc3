/*
 * system/irq.h: interrupt request lines between devices and interrupt controllers (DESIGN.md
 * "Devices": a device never calls into the CPU or another device, it raises a line).
 *
 * A line is the receiving end's handler, its opaque state and the input number on it; the
 * board wires a device's IrqLine field to a controller input. A line nobody wired does nothing.
 * The level is the electrical level after any inversion the board applies (1 = asserted).
 */
#ifndef VIREO_SYSTEM_IRQ_H
#define VIREO_SYSTEM_IRQ_H

#include <stdbool.h>

typedef void (*IrqHandler)(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

static inline IrqLine irq_line(IrqHandler handler, void *opaque, int n)
{
    return (IrqLine){ handler, opaque, n };
}

static inline void irq_set(const IrqLine *line, bool level)
{
    if (line->handler) {
        line->handler(line->opaque, line->n, level);
    }
}

static inline void irq_raise(const IrqLine *line)
{
    irq_set(line, true);
}

static inline void irq_lower(const IrqLine *line)
{
    irq_set(line, false);
}

/* An edge: raise then lower (for edge-triggered inputs fed by a pulse). */
static inline void irq_pulse(const IrqLine *line)
{
    irq_set(line, true);
    irq_set(line, false);
}

#endif
