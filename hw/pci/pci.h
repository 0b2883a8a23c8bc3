/*
 * hw/pci/pci.h: PCI bus 0 of the PC with configuration mechanism #1 (PCI Local Bus
 * Specification 3.0 §3.2.2.3.2: CONFIG_ADDRESS at 0CF8h, 32-bit only, and CONFIG_DATA at
 * 0CFCh-0CFFh in any width) and the type 0 configuration header (§6.1, §6.2: identification,
 * command and status, BARs and their sizing by writing all ones, §6.2.5).
 *
 * A device is a function on bus 0 with a 256-byte configuration space and a mask of writable
 * bits; status bits that are write-one-to-clear have their own mask. BARs the device declares
 * are sized and decoded here: when the guest enables memory or I/O decoding in the command
 * register, or moves a BAR, the device's map_bar hook is told where it now lives. The
 * expansion ROM base address register (§6.2.5.2, offset 30h: address bits, size by all ones,
 * bit 0 enables decoding with the memory space bit) is BAR number PCI_ROM_BAR. Functions of
 * other buses (bridges) are not modelled: bus numbers other than 0 read as absent (all ones).
 *
 * Port 0CF9h, inside CONFIG_ADDRESS's dword, is the PIIX3's reset control register when
 * accessed as a byte (82371SB PIIX3 datasheet, "Reset Control Register"): bit 1 selects a hard
 * reset, and a 0-to-1 transition of bit 2 resets the system; the bus passes it to the board.
 */
#ifndef VIREO_HW_PCI_PCI_H
#define VIREO_HW_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_SIZE 256
#define PCI_SLOTS 32
#define PCI_FUNCTIONS 8
#define PCI_BARS 7 /* six base address registers and the expansion ROM's */
#define PCI_ROM_BAR 6

/* Type 0 header offsets (§6.1 figure 6-1). */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BAR0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e,
    PCI_ROM_ADDRESS = 0x30,
    PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
};

enum {
    PCI_COMMAND_IO = 1u << 0,
    PCI_COMMAND_MEMORY = 1u << 1,
    PCI_COMMAND_MASTER = 1u << 2,
    PCI_COMMAND_INTX_DISABLE = 1u << 10,
    PCI_HEADER_MULTI_FUNCTION = 0x80,
    PCI_BAR_IO = 1u << 0,
    PCI_BAR_MEM64 = 2u << 1,
    PCI_BAR_PREFETCH = 1u << 3,
    PCI_ROM_ENABLE = 1u << 0,
};

#define PCI_BAR_UNMAPPED (~0ull)

typedef struct PciDevice PciDevice;

typedef struct PciBar {
    uint64_t size;    /* a power of two, 0 = no BAR */
    uint8_t flags;    /* low bits of the BAR: PCI_BAR_IO, PCI_BAR_MEM64, PCI_BAR_PREFETCH */
    uint64_t mapped;  /* where the device decodes it now, or PCI_BAR_UNMAPPED (not saved) */
} PciBar;

struct PciDevice {
    uint8_t config[PCI_CONFIG_SIZE];
    /* Host-side description, set up by the device before pci_register. */
    uint8_t wmask[PCI_CONFIG_SIZE];   /* writable bits */
    uint8_t w1cmask[PCI_CONFIG_SIZE]; /* write-one-to-clear bits */
    PciBar bars[PCI_BARS];
    uint8_t devfn;                    /* slot << 3 | function */
    const char *name;
    /* Optional hooks: a config write the device must act on (after the bytes are stored),
     * and a BAR (re)placed or unmapped (addr = PCI_BAR_UNMAPPED). */
    void (*config_written)(PciDevice *d, unsigned offset, unsigned size);
    void (*map_bar)(PciDevice *d, unsigned bar, uint64_t addr);
    void *opaque;
};

typedef struct PciBus {
    uint32_t config_address;
    uint8_t reset_control;
    /* Host-side plumbing, not saved (device state is saved by each device's table). */
    PciDevice *devices[PCI_SLOTS * PCI_FUNCTIONS];
    void (*reset_request)(void *opaque, bool is_hard);
    void *reset_opaque;
} PciBus;

extern const StateDesc pci_bus_state_desc;
/* The generic part of a device's state, for devices to include in their own tables. */
extern const StateDesc pci_device_state_desc;

int pci_bus_init(PciBus *bus, PortSpace *ports);
void pci_bus_reset(PciBus *bus);

/* Fills identification and the standard masks (command, status w1c, interrupt line, BAR
 * masks from bars[]). Call after setting ids and bars, before pci_register. */
void pci_device_setup(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_code,
                      uint8_t revision, uint8_t header_type);
/* Returns 0, or -EBUSY if the slot/function is taken. */
int pci_register(PciBus *bus, PciDevice *d);
/* Clears command, status and BARs to their power-on values and unmaps the BARs. */
void pci_device_reset(PciDevice *d);
/* Re-evaluates BAR mappings from config space (after a state load). */
void pci_device_update_mappings(PciDevice *d);

/* Configuration space accesses as the bus performs them (also for tests). */
uint32_t pci_config_read(PciBus *bus, uint8_t devfn, unsigned offset, unsigned size);
void pci_config_write(PciBus *bus, uint8_t devfn, unsigned offset, uint32_t value, unsigned size);

#endif
