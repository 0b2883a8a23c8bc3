/*
 * hw/pci/chipset.h: the configuration functions of the i440FX/PIIX chipset QEMU's "pc"
 * machine has, which guests and firmware identify the board by: the 82441FX host bridge
 * (00:00.0, 8086:1237; 82441FX PMC datasheet 290549 §3.2: PAM0-6 at 59h-5Fh, SMRAM at 72h),
 * the 82371SB PIIX3 PCI-to-ISA bridge (00:01.0, 8086:7000; datasheet 290550 §2.2: PIRQ route
 * control at 60h-63h, top of memory 69h, X-bus chip select 4Eh) and the 82371AB PIIX4
 * power-management function (00:01.3, 8086:7113; datasheet 290562 §3.3: PMBA at 40h,
 * PMREGMISC at 80h), whose I/O block is hw/timer/acpi_pm.c.
 *
 * The registers hold what the guest writes, with the datasheets' reset values and writable
 * bits. Their effects on the board are hooks the board implements: PAM and SMRAM decoding
 * (shadow RAM for firmware, issue 7), PIRQ routing (the board wires PCI INTx directly to I/O
 * APIC inputs in APIC mode), moving the PM I/O block.
 */
#ifndef VIREO_HW_PCI_CHIPSET_H
#define VIREO_HW_PCI_CHIPSET_H

#include "hw/pci/pci.h"

#define I440FX_DEVFN 0x00
#define PIIX3_ISA_DEVFN 0x08
#define PIIX4_PM_DEVFN 0x0b

enum {
    I440FX_PAM0 = 0x59,
    I440FX_PAM_COUNT = 7,
    I440FX_SMRAM = 0x72,
    PIIX_PIRQRC = 0x60,
    PIIX_XBCS = 0x4e,
    PIIX_TOM = 0x69,
    PIIX4_PMBA = 0x40,
    PIIX4_PMREGMISC = 0x80,
    PIIX4_DEVACTB = 0x58,
};

typedef struct ChipsetState {
    PciDevice host;
    PciDevice isa;
    PciDevice pm;
    /* Host-side plumbing: the PM function's I/O block moved or was switched on/off. */
    void (*pm_io_changed)(void *opaque, uint16_t base, bool is_enabled);
    void *pm_opaque;
    /* A PAM register changed (also at reset and after a state load); the board remaps. */
    void (*pam_changed)(void *opaque, const uint8_t pam[I440FX_PAM_COUNT]);
    void *pam_opaque;
} ChipsetState;

extern const StateDesc chipset_state_desc;

/* Registers the three functions on bus 0 and resets them. The PM I/O block starts enabled at
 * pm_base (what SeaBIOS programs on QEMU's pc machine; a direct-booted kernel finds it through
 * the FADT). Returns 0 or a negative errno. */
int chipset_init(ChipsetState *s, PciBus *bus, uint16_t pm_base);
void chipset_reset(ChipsetState *s);

#endif
