/*
 * hw/timer/acpi_pm.h: the ACPI fixed hardware of the PC's power-management function (the
 * PIIX4 PM function's I/O space as the FADT describes it): the PM timer, the PM1 event and
 * control registers, and the GPE0 block.
 *
 * ACPI Specification 6.4 §4.8.2 "Fixed hardware registers": §4.8.3.1 PM1 event grouping
 * (PM1_STS/PM1_EN), §4.8.3.2 PM1 control (SCI_EN, SLP_TYP, SLP_EN), §4.8.3.3 the PM timer
 * (3.579545 MHz, 32-bit with TMR_VAL_EXT; TMR_STS when bit 31 changes), §4.8.4.1 GPE blocks
 * (status then enable halves, write 1 to clear status). The SCI is a level-triggered,
 * active-high interrupt asserted while an enabled status bit is set.
 *
 * The platform has no SMI command port (FADT SMI_CMD = 0), so it is always in ACPI mode:
 * SCI_EN reads 1 and cannot be cleared. Not modelled: wake events (WAK_STS is set on the way
 * into a sleep state for the OS's benefit only), the power and sleep buttons' sources (their
 * status bits exist and can be set by the board), BM_RLD, GBL_RLS.
 */
#ifndef VIREO_HW_TIMER_ACPI_PM_H
#define VIREO_HW_TIMER_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/clock.h"
#include "system/irq.h"

#define ACPI_PM_TIMER_HZ 3579545ull

/* Offsets in the PM I/O block (the FADT's PM1a_EVT_BLK, PM1a_CNT_BLK, PM_TMR_BLK). */
enum {
    ACPI_PM1_STS = 0x00,
    ACPI_PM1_EN = 0x02,
    ACPI_PM1_CNT = 0x04,
    ACPI_PM_TMR = 0x08,
    ACPI_PM_IO_SIZE = 0x0c,
};
#define ACPI_GPE0_SIZE 4 /* two status bytes, two enable bytes */

/* PM1 bits (ACPI 6.4 tables 4.15, 4.16, 4.18). */
enum {
    ACPI_PM1_TMR = 1u << 0,
    ACPI_PM1_BM = 1u << 4,
    ACPI_PM1_GBL = 1u << 5,
    ACPI_PM1_PWRBTN = 1u << 8,
    ACPI_PM1_SLPBTN = 1u << 9,
    ACPI_PM1_RTC = 1u << 10,
    ACPI_PM1_WAK = 1u << 15,
    ACPI_PM1_CNT_SCI_EN = 1u << 0,
    ACPI_PM1_CNT_SLP_TYP_SHIFT = 10,
    ACPI_PM1_CNT_SLP_EN = 1u << 13,
};

typedef struct AcpiPmState {
    uint16_t pm1_sts;
    uint16_t pm1_en;
    uint16_t pm1_cnt;
    uint8_t gpe0_sts[2];
    uint8_t gpe0_en[2];
    int64_t timer_base_ns; /* virtual time at which the PM timer read 0 */
    /* Host-side plumbing, not saved. */
    VirtualClock *clock;
    Timer overflow;        /* fires when bit 31 of the timer next changes */
    IrqLine sci;
    uint16_t pm_base;      /* where the PM block is mapped */
    bool is_mapped;
    /* The OS set SLP_EN: the board enters sleep type `slp_typ` (S5: power off). */
    void (*sleep)(void *opaque, unsigned slp_typ);
    void *sleep_opaque;
} AcpiPmState;

extern const StateDesc acpi_pm_state_desc;

/* Registers the PM block at pm_base (ACPI_PM_IO_SIZE ports) and GPE0 at gpe0_base, and
 * resets. Returns 0 or a negative errno. */
int acpi_pm_init(AcpiPmState *s, PortSpace *ports, uint16_t pm_base, uint16_t gpe0_base,
                 VirtualClock *clock, IrqLine sci);
void acpi_pm_reset(AcpiPmState *s);
/* Moves the PM block to pm_base, or unmaps it (the PIIX4 PM function's PMBA and PMIOSE).
 * Returns 0 or a negative errno. */
int acpi_pm_set_base(AcpiPmState *s, PortSpace *ports, uint16_t pm_base, bool is_enabled);
/* The PM timer's current 32-bit value. */
uint32_t acpi_pm_timer_read(const AcpiPmState *s);
/* Board events: set status bits (e.g. ACPI_PM1_PWRBTN for a power-button press). */
void acpi_pm_raise_status(AcpiPmState *s, uint16_t pm1_bits);

#endif
