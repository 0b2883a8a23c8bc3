/*
 * hw/timer/mc146818.h: the Motorola MC146818A real-time clock with its CMOS RAM, as on the PC
 * (MC146818A datasheet: "Address map" — 10 time, calendar and alarm bytes, registers A-D, 114
 * bytes of RAM; "Register A" UIP and the divider, "Register B" SET/PIE/AIE/UIE/DM/24-12,
 * "Register C" interrupt flags, read to clear; "Interrupts"; "Update cycle"; IBM PC AT
 * technical reference: index port 70h, whose bit 7 masks NMI, data port 71h, IRQ 8, the
 * century byte at 32h).
 *
 * Time is the board's wall-clock base (seconds since 1970, UTC) plus the virtual clock since
 * then; the calendar (leap years, month lengths, the century byte) is computed on each read,
 * never ticked. Update-ended and alarm events run on a 1 Hz timer, periodic interrupts on a
 * timer at the selected rate while PIE is set (PF without PIE is found at the register C
 * read). Not modelled: daylight-saving adjustment (DSE is stored), the square-wave pin.
 */
#ifndef VIREO_HW_TIMER_MC146818_H
#define VIREO_HW_TIMER_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/clock.h"
#include "system/irq.h"

#define RTC_PORT 0x70
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128
#define RTC_CENTURY 0x32

enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01, RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05, RTC_DAY_OF_WEEK = 0x06, RTC_DATE = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c,
    RTC_REG_D = 0x0d,
};

enum {
    RTC_A_UIP = 0x80,
    RTC_B_SET = 0x80, RTC_B_PIE = 0x40, RTC_B_AIE = 0x20, RTC_B_UIE = 0x10, RTC_B_DM_BINARY = 0x04,
    RTC_B_24H = 0x02,
    RTC_C_IRQF = 0x80, RTC_C_PF = 0x40, RTC_C_AF = 0x20, RTC_C_UF = 0x10,
    RTC_D_VRT = 0x80,
};

typedef struct RtcState {
    uint8_t cmos[RTC_CMOS_SIZE]; /* RAM, alarms, A, B; time bytes only while SET freezes them */
    uint8_t index;
    bool is_nmi_masked;
    uint8_t flags;               /* register C */
    int64_t base_seconds;        /* wall-clock time (s since 1970, UTC) at base_ns */
    int64_t base_ns;
    int64_t pf_checked_ns;       /* register C was last read (PF without PIE) */
    /* Host-side plumbing, not saved. */
    VirtualClock *clock;
    IrqLine irq;
    Timer update_timer;
    Timer periodic_timer;
} RtcState;

extern const StateDesc rtc_state_desc;

/* `wall_seconds`: the date and time to start from (the board reads the host's clock). */
int rtc_init(RtcState *s, PortSpace *ports, VirtualClock *clock, IrqLine irq, int64_t wall_seconds);
void rtc_reset(RtcState *s);
void rtc_cmos_set(RtcState *s, uint8_t index, uint8_t value);
bool rtc_nmi_masked(const RtcState *s);

#endif
