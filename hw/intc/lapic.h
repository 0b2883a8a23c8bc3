/*
 * hw/intc/lapic.h: a processor's local APIC (Intel SDM Vol. 3A chapter 11): the xAPIC register
 * page (§11.4.1 table 11-1) and the x2APIC MSRs (§11.12), IRR/ISR/TMR and interrupt priority
 * (§11.8.3 TPR, PPR; §11.8.4 interrupt acceptance; §11.8.5 EOI with broadcast to the I/O
 * APICs for level-triggered vectors), the spurious-interrupt vector and software disable
 * (§11.9), the LVT entries and the timer in one-shot, periodic and TSC-deadline modes
 * (§11.5.4), the ICR (§11.6.1) and the error status register (§11.5.3), LINT0/LINT1 with the
 * virtual-wire ExtINT mode the PC's 8259 reaches the processor through (§11.5.1; MP spec 1.4
 * §3.6.2.2).
 *
 * The CPU does not know this device: the board connects them (the CPU's APIC hooks for
 * IA32_APIC_BASE, the x2APIC MSRs, IA32_TSC_DEADLINE and CR8; the CPU's INTR line and its
 * interrupt-acknowledge hook; INIT, SIPI and NMI as CPU events). The APIC timer counts at the
 * bus frequency LAPIC_BUS_HZ; the TSC-deadline timer converts through the board's TSC.
 *
 * Not modelled: thermal, performance-counter and CMCI interrupt sources (their LVT entries are
 * registers only), directed EOI suppression (not advertised), lowest-priority arbitration
 * among several processors (the board picks the destination).
 */
#ifndef VIREO_HW_INTC_LAPIC_H
#define VIREO_HW_INTC_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/intc/apic_bus.h"
#include "snapshot/state_table.h"
#include "softmmu/memory.h"
#include "system/clock.h"
#include "system/irq.h"

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_MMIO_SIZE 0x1000u
#define LAPIC_BUS_HZ 1000000000ull /* the timer's input before the divider: 1 ns per tick */
#define LAPIC_VERSION 0x14u
#define LAPIC_LVT_COUNT 7          /* CMCI, timer, thermal, PMC, LINT0, LINT1, error */

/* IA32_APIC_BASE bits (§11.4.4). */
#define LAPIC_BASE_BSP (1ull << 8)
#define LAPIC_BASE_EXTD (1ull << 10)
#define LAPIC_BASE_EN (1ull << 11)

/* MSRs the CPU forwards here. */
#define LAPIC_MSR_X2APIC_FIRST 0x800u
#define LAPIC_MSR_X2APIC_LAST 0x8ffu
#define LAPIC_MSR_TSC_DEADLINE 0x6e0u

/* lapic_acknowledge() result when the interrupt comes from the 8259 through LINT0 (ExtINT). */
#define LAPIC_ACK_EXTINT (-2)

enum { LAPIC_LVT_CMCI, LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PMC, LAPIC_LVT_LINT0,
       LAPIC_LVT_LINT1, LAPIC_LVT_ERROR };

/* ICR destination shorthands (§11.6.1). */
enum { LAPIC_DEST_NONE = 0, LAPIC_DEST_SELF = 1, LAPIC_DEST_ALL = 2, LAPIC_DEST_OTHERS = 3 };

typedef struct LapicState {
    uint64_t apic_base;     /* IA32_APIC_BASE as the CPU holds it */
    uint32_t id;            /* APIC ID (xAPIC: bits 31:24 of the register) */
    uint8_t tpr;
    uint32_t ldr;
    uint32_t dfr;
    uint32_t svr;
    uint32_t isr[8], irr[8], tmr[8];
    uint32_t esr;           /* latched errors, visible after the next ESR write */
    uint32_t esr_pending;   /* errors since the last ESR write */
    uint64_t icr;
    uint32_t lvt[LAPIC_LVT_COUNT];
    uint32_t timer_initial;
    uint32_t timer_divide;  /* the divide configuration register */
    int64_t timer_start_ns; /* virtual time the current count started from the initial count */
    uint64_t tsc_deadline;
    uint8_t lint_level;     /* bit n: LINT n pin level */
    /* Host-side plumbing, not saved. */
    VirtualClock *clock;
    Timer timer;
    MemRegion *mmio;
    PhysMap *map;
    IrqLine intr;           /* the CPU's INTR pin */
    IrqLine nmi;            /* pulsed for an NMI */
    void (*init)(void *opaque);                     /* INIT (level assert) for this CPU */
    void (*sipi)(void *opaque, uint8_t vector);     /* start-up IPI for this CPU */
    void (*send_ipi)(void *opaque, const ApicMessage *msg, unsigned shorthand); /* ICR writes */
    void (*eoi_broadcast)(void *opaque, uint8_t vector); /* to the I/O APICs */
    uint64_t (*read_tsc)(void *opaque);
    uint64_t tsc_hz;
    void *opaque;           /* for the callbacks above */
} LapicState;

extern const StateDesc lapic_state_desc;

/* Maps the register page at the default base and resets. Returns 0 or a negative errno. */
int lapic_init(LapicState *s, PhysMap *map, VirtualClock *clock, uint32_t apic_id, bool is_bsp);
/* RESET and INIT (§11.4.7.1): everything cleared, LVTs masked, SVR 0FFh, DFR all ones,
 * IA32_APIC_BASE back to FEE00000h enabled (xAPIC); the APIC ID is kept. */
void lapic_reset(LapicState *s);

/* The CPU's side. */
bool lapic_set_base(LapicState *s, uint64_t value); /* false: an invalid transition (#GP) */
bool lapic_read_msr(LapicState *s, uint32_t msr, uint64_t *value);
bool lapic_write_msr(LapicState *s, uint32_t msr, uint64_t value);
uint8_t lapic_get_cr8(const LapicState *s);
void lapic_set_cr8(LapicState *s, uint8_t value);
/* INTA: the vector to take (moved from IRR to ISR), LAPIC_ACK_EXTINT, or the spurious vector
 * when nothing is deliverable any more. */
int lapic_acknowledge(LapicState *s);

/* The bus's side. */
void lapic_deliver(LapicState *s, const ApicMessage *msg);
/* Whether a message with this destination (physical or logical) is for this APIC. */
bool lapic_matches(const LapicState *s, const ApicMessage *msg);
/* IrqHandler for LINT0 (n = 0) and LINT1 (n = 1). */
void lapic_set_lint(void *opaque, int n, bool level);

#endif
