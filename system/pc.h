/*
 * system/pc.h: the PC board around the CPU: which devices it has, where they sit, and how
 * their lines are wired (DESIGN.md: system/ is the one place that knows every module). The
 * layout follows QEMU's "pc" machine (i440FX/PIIX), so guests and users find what they expect:
 *
 *   local APIC FEE00000h (one CPU, APIC ID 0), I/O APIC FEC00000h (ID 1, 24 inputs),
 *   HPET FED00000h, ACPI PM block 600h (PIIX4 PM 00:01.3) with GPE0 at AFE0h and the SCI on
 *   IRQ 9, PCI configuration at CF8h/CFCh with the reset control register at CF9h, the
 *   i8042 at 60h/64h (IRQ 1 and 12), fw_cfg at 510h, COM1 (16550) at 3F8h on IRQ 4, the 8259
 *   pair at 20h/A0h (ELCR 4D0h), the 8254 PIT at 40h with port 61h (IRQ 0), the MC146818
 *   RTC and CMOS at 70h (IRQ 8; the memory size bytes as PC firmware fills them).
 *
 * Interrupt routing: ISA IRQ n goes to 8259 input n and to I/O APIC input n, except IRQ 0,
 * which is I/O APIC input 2 (the MADT says so with an interrupt source override); the 8259's
 * INTR reaches the CPU through LINT0 of the local APIC (virtual wire); LINT1 is NMI. PCI INTx
 * of slot s, pin p goes to I/O APIC input 16 + (s + p) % 4 (the DSDT's _PRT says so). The
 * HPET's legacy replacement takes IRQ 0 and IRQ 8 from the PIT and the RTC.
 */
#ifndef VIREO_SYSTEM_PC_H
#define VIREO_SYSTEM_PC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "display/vga.h"
#include "hw/block/piix_ide.h"
#include "hw/char/uart16550.h"
#include "hw/fw/acpi_tables.h"
#include "hw/fw/fw_cfg.h"
#include "hw/input/i8042.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "hw/pci/chipset.h"
#include "hw/pci/pci.h"
#include "hw/timer/acpi_pm.h"
#include "hw/timer/hpet.h"
#include "hw/timer/i8254.h"
#include "hw/timer/mc146818.h"
#include "system/clock.h"
#include "util/error.h"

#define PC_PM_IO_BASE 0x600
#define PC_GPE0_IO_BASE 0xafe0
#define PC_SCI_IRQ 9
#define PC_IOAPIC_ID 1
#define PC_PCI_GSI_BASE 16
#define PC_ISA_IRQS 16
#define PC_PAM_SEGMENTS 13 /* C0000h-EFFFFh in 16 KiB pieces, F0000h-FFFFFh whole */
#define PC_ISA_BIOS_MAX (128u << 10)
/* SLP_TYP of S5 in PM1_CNT, as the DSDT's \_S5 gives it (PIIX4: 0). */
#define PC_S5_SLP_TYP 0

typedef enum PcEvent {
    PC_EVENT_NONE,
    PC_EVENT_RESET,    /* the guest asked for a system reset (i8042, CF9h) */
    PC_EVENT_POWEROFF, /* the guest entered S5 */
} PcEvent;

typedef struct PcBoard {
    CpuState *cpu;
    PhysMap *map;
    PortSpace *ports;
    VirtualClock *clock;
    LapicState lapic;
    I8259State pic;
    PitState pit;
    RtcState rtc;
    IoapicState ioapic;
    HpetState hpet;
    AcpiPmState pm;
    PciBus pci;
    ChipsetState chipset;
    I8042State kbc;
    FwCfgState fw_cfg;
    UartState com1;
    PiixIdeState ide;      /* 00:01.1, always present as on QEMU's pc machine */
    VgaState vga;          /* 00:02.0, QEMU's -vga std */
    /* Firmware boot: the BIOS ROM, its ISA window below 1 MiB, and the 13 PAM segments of
     * shadow RAM over C0000h-FFFFFh (NULL without firmware). */
    MemRegion *bios;
    MemRegion *isa_bios;
    MemRegion *pam[PC_PAM_SEGMENTS];
    MemRegion *ram_low;
    IrqLine isa_irq[PC_ISA_IRQS];
    uint64_t ram_below_4g; /* the PCI memory window starts where low RAM ends */
    uint64_t ram_bytes;
    bool is_hpet_legacy;   /* HPET legacy replacement owns IRQ 0 and IRQ 8 */
    PcEvent event;         /* what the board asks the machine to do next */
} PcBoard;

/* Creates and wires the devices. On error err says what failed. */
int pc_init(PcBoard *b, CpuState *cpu, PhysMap *map, PortSpace *ports, VirtualClock *clock,
            uint64_t ram_below_4g, uint64_t ram_bytes, int64_t wall_seconds, Error *err);
void pc_destroy(PcBoard *b);
/* A system reset (RESET#): every device to its power-on state. */
void pc_reset(PcBoard *b);
/*
 * The IDE drives (primary master, primary slave, secondary master, secondary slave): called
 * once after pc_init, with IDE_KIND_NONE for empty positions. Returns 0 or -1 with err.
 */
int pc_attach_ide(PcBoard *b, const IdeKind kinds[4], BlockImage *const images[4], Error *err);
/* The VGA adapter at 00:02.0 with its BIOS image (NULL: no ROM, for direct kernel boot). Called
 * once after pc_init. Returns 0 or -1 with err. */
int pc_attach_vga(PcBoard *b, const uint8_t *rom, size_t rom_size, Error *err);
/*
 * Maps a firmware image (a multiple of 64 KiB, at most 16 MiB) at the top of the 4 GiB space,
 * its last 128 KiB also below 1 MiB, with the i440FX PAM registers switching the shadow RAM
 * in `ram_low` over C0000h-FFFFFh (82441FX datasheet §3.2.18). The CPU then starts at the
 * reset vector in it. Returns 0 or -1 with err.
 */
int pc_load_firmware(PcBoard *b, MemRegion *ram_low, const uint8_t *image, size_t size,
                     Error *err);
/*
 * The firmware's boot order in CMOS as QEMU's pc machine stores it for SeaBIOS (bytes 3Dh and
 * 38h: a nibble per device, 1 floppy, 2 disk, 3 CD-ROM, 4 network, first in the low nibble of
 * 3Dh, third in the high nibble of 38h). order: up to three of "acdn".
 */
void pc_set_boot_order(PcBoard *b, const char *order);
/* The platform description for the ACPI tables. */
void pc_acpi_config(const PcBoard *b, AcpiConfig *cfg);

#endif
