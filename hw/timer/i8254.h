/*
 * hw/timer/i8254.h: the Intel 8254 programmable interval timer of the PC (datasheet 231164:
 * "Control word format", the six modes' descriptions and waveforms, "Read operations" with the
 * counter latch and read-back commands, the status byte), clocked at 1.193182 MHz, at ports
 * 40h-43h: channel 0's OUT is IRQ 0, channel 2's gate and OUT are bits 0 and 5 of the PC's
 * system control port B (61h), which is modelled here with it (bit 1 speaker data and bits
 * 2-3 are stored; bit 4 is the DRAM refresh request, toggling every 15.085 us, which firmware
 * and old kernels poll for short delays). Channel 1's gate is tied high.
 *
 * Counters are computed from the virtual clock at read time, never ticked. OUT transitions
 * are scheduled with one Timer per channel and drive the channel's line (channel 0: IRQ 0),
 * so a periodic channel raises an edge per period with no drift; a transition the host was
 * too slow for is still delivered, late, and the next one lands on the original grid.
 * Not modelled: the speaker's sound.
 */
#ifndef VIREO_HW_TIMER_I8254_H
#define VIREO_HW_TIMER_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/clock.h"
#include "system/irq.h"

#define PIT_PORT 0x40
#define PIT_PORT61 0x61
#define PIT_HZ 1193182ull

typedef struct PitChannel {
    uint32_t count;        /* the reload value, 1..65536 (BCD 1..10000) */
    uint16_t written;      /* bytes written so far in LSB/MSB mode */
    uint16_t latch;        /* latched count */
    uint8_t mode;          /* 0-5 */
    uint8_t rw;            /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool is_bcd;
    bool is_gate;
    bool is_latched;
    bool is_status_latched;
    uint8_t status;
    bool is_read_msb;      /* the next read returns the MSB (LSB/MSB access) */
    bool is_write_msb;     /* the next write is the MSB */
    bool is_armed;         /* a count is loaded and (gate-triggered modes) triggered */
    bool is_null_count;
    int64_t start_ns;      /* virtual time the count started */
    uint32_t frozen;       /* elapsed ticks while the gate holds a mode 0/4 count */
    bool is_frozen;
    /* Host-side plumbing, not saved. */
    Timer timer;
    struct PitState *pit;
    uint8_t index;
} PitChannel;

typedef struct PitState {
    PitChannel ch[3];
    uint8_t port61;        /* bits 0-3 as written */
    /* Host-side plumbing, not saved. */
    VirtualClock *clock;
    IrqLine irq0;
} PitState;

extern const StateDesc pit_state_desc;

int pit_init(PitState *s, PortSpace *ports, VirtualClock *clock, IrqLine irq0);
void pit_reset(PitState *s);
/* A channel's OUT now (for tests and the board). */
bool pit_get_out(const PitState *s, unsigned channel);

#endif
