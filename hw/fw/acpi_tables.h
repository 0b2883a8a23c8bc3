/*
 * hw/fw/acpi_tables.h: the ACPI tables vireo gives a guest booted without firmware (ACPI
 * Specification 6.4: §5.2.5 RSDP, §5.2.7 RSDT, §5.2.8 XSDT, §5.2.9 FADT, §5.2.10 FACS,
 * §5.2.11.1 DSDT, §5.2.12 MADT; IA-PC HPET Specification 1.0a §3.2.4 for the HPET table).
 *
 * The board describes the platform (AcpiConfig); this file lays the tables out in one blob
 * that the board copies to guest memory at `base` and marks ACPI in the e820 map. The DSDT
 * holds what an OS needs from it on this board: the \_S5 sleep type for power-off, the PCI
 * root bridge (PNP0A03) with its resource windows and an APIC-mode _PRT. Not described: other
 * sleep states (S1-S4), processor objects (CPUs come from the MADT), ISA devices in the
 * namespace (Linux probes COM1, the RTC and the i8042 at their legacy ports).
 */
#ifndef VIREO_HW_FW_ACPI_TABLES_H
#define VIREO_HW_FW_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct AcpiConfig {
    unsigned cpu_count;          /* processors with local APIC IDs 0..cpu_count-1 */
    uint32_t lapic_addr;
    uint8_t ioapic_id;
    uint32_t ioapic_addr;
    uint32_t hpet_addr;          /* 0: no HPET table */
    uint32_t hpet_id;            /* the HPET's capabilities register, bits 31:0 */
    uint16_t pm_io_base;         /* PM1a_EVT at +0 (4 bytes), PM1a_CNT at +4 (2), PM_TMR at +8 (4) */
    uint16_t gpe0_io_base;
    uint8_t gpe0_len;
    uint8_t sci_irq;             /* ISA IRQ of the SCI (level, active high) */
    uint16_t reset_port;         /* FADT RESET_REG in I/O space */
    uint8_t reset_value;
    uint8_t s5_slp_typ;          /* PM1_CNT.SLP_TYP that powers off */
    uint32_t pci_mmio_start;     /* 32-bit PCI memory window for the root bridge's _CRS */
    uint32_t pci_mmio_end;       /* inclusive */
    uint8_t pci_gsi_base;        /* PCI INTA-D of slot s pin p go to GSI base + (s + p) % 4 */
    uint8_t rtc_century;         /* CMOS index of the century byte */
} AcpiConfig;

/* Where the tables start in the blob: the RSDP is first. */
#define ACPI_RSDP_OFFSET 0
#define ACPI_RSDP_SIZE 36
#define ACPI_MAX_TABLES 3 /* in the RSDT/XSDT: FADT, MADT, HPET */

/* Where each table landed in the blob (offsets), for a loader that relocates them. */
typedef struct AcpiLayout {
    size_t rsdp, facs, dsdt, fadt, rsdt, xsdt;
    size_t tables[ACPI_MAX_TABLES]; /* what the RSDT and XSDT list */
    unsigned ntables;
} AcpiLayout;

/*
 * Builds the tables for guest-physical address `base` into buf (size bytes); `layout` (may be
 * NULL) receives where they are. Returns the bytes used, or 0 if they do not fit (or memory
 * ran out building the DSDT).
 */
size_t acpi_build_tables(const AcpiConfig *cfg, uint64_t base, uint8_t *buf, size_t size,
                         AcpiLayout *layout);

#endif
