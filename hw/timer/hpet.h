/*
 * hw/timer/hpet.h: the High Precision Event Timer (IA-PC HPET Specification 1.0a: §2.3 the
 * register space, §2.3.9 timer configuration, §2.3.9.2 periodic mode, §2.4 legacy replacement
 * routing), as chipsets have it: one block of three comparators, a 64-bit main counter at
 * 100 MHz (period 10 ns), timer 0 capable of periodic mode, timers 0 and 1 routable to IRQ 0
 * and IRQ 8 in legacy replacement mode, every timer routable to I/O APIC inputs 20-23.
 *
 * The main counter is computed from the virtual clock, never ticked. Comparator matches are
 * scheduled with one Timer per comparator. Not modelled: FSB (MSI) delivery (FSB_INT_DEL_CAP
 * reads 0); timers 1 and 2 are one-shot only, as on most chipsets.
 */
#ifndef VIREO_HW_TIMER_HPET_H
#define VIREO_HW_TIMER_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/memory.h"
#include "system/clock.h"
#include "system/irq.h"

#define HPET_DEFAULT_ADDR 0xfed00000u
#define HPET_MMIO_SIZE 0x400u
#define HPET_TIMERS 3
#define HPET_PERIOD_FS 10000000u /* 10 ns */
#define HPET_NS_PER_TICK 10
#define HPET_ROUTE_FIRST 20      /* INT_ROUTE_CAP: I/O APIC inputs 20-23 */
#define HPET_ROUTE_COUNT 4

/* Register offsets (§2.3.1 table 2). */
enum {
    HPET_GCAP_ID = 0x000,
    HPET_GEN_CONF = 0x010,
    HPET_GINTR_STA = 0x020,
    HPET_MAIN_CNT = 0x0f0,
    HPET_TIMER_BASE = 0x100,
    HPET_TIMER_STRIDE = 0x20,
    HPET_TN_CONF = 0x00,
    HPET_TN_CMP = 0x08,
    HPET_TN_FSB = 0x10,
};

/* GEN_CONF and Tn_CONF bits (§2.3.5, §2.3.8). */
enum {
    HPET_ENABLE_CNF = 1u << 0,
    HPET_LEG_RT_CNF = 1u << 1,
    HPET_TN_INT_TYPE_LEVEL = 1u << 1,
    HPET_TN_INT_ENB = 1u << 2,
    HPET_TN_TYPE_PERIODIC = 1u << 3,
    HPET_TN_PER_INT_CAP = 1u << 4,
    HPET_TN_SIZE_CAP = 1u << 5,
    HPET_TN_VAL_SET = 1u << 6,
    HPET_TN_32MODE = 1u << 8,
    HPET_TN_INT_ROUTE_SHIFT = 9,
    HPET_TN_FSB_EN = 1u << 14,
};

typedef struct HpetTimer {
    uint64_t config;     /* Tn_CONF_CAP writable bits */
    uint64_t comparator;
    uint64_t period;     /* periodic mode: the last value written with VAL_SET or in periodic */
    uint64_t fsb;        /* Tn_FSB_INT_ROUTE: stored only */
    /* Host-side plumbing, not saved. */
    Timer timer;
    struct HpetState *hpet;
    uint8_t index;
} HpetTimer;

typedef struct HpetState {
    uint64_t config;       /* GEN_CONF */
    uint64_t isr;          /* GINTR_STA */
    uint64_t counter_base; /* main counter at counter_base_ns (or its value while halted) */
    int64_t counter_base_ns;
    HpetTimer timers[HPET_TIMERS];
    /* Host-side plumbing, not saved. */
    VirtualClock *clock;
    IrqLine legacy_irq[2];            /* ISA IRQ 0 and IRQ 8 (legacy replacement) */
    IrqLine ioapic[HPET_ROUTE_COUNT]; /* I/O APIC inputs 20-23 */
    /* LEG_RT_CNF changed: the board gates the PIT's IRQ 0 and the RTC's IRQ 8 while it is on. */
    void (*legacy_changed)(void *opaque, bool is_legacy);
    void *legacy_opaque;
} HpetState;

extern const StateDesc hpet_state_desc;

int hpet_init(HpetState *s, PhysMap *map, uint64_t addr, VirtualClock *clock);
void hpet_reset(HpetState *s);
/* GCAP_ID bits 31:0, for the ACPI HPET table's event timer block ID. */
uint32_t hpet_capabilities_low(void);
uint64_t hpet_counter(const HpetState *s);

#endif
