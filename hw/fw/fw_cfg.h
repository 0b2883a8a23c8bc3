/*
 * hw/fw/fw_cfg.h: QEMU's firmware configuration device on its x86 I/O ports, the interface
 * SeaBIOS reads its configuration through (QEMU docs/specs/fw_cfg.rst, "Firmware Configuration
 * (fw_cfg) Device": the selector port 0x510 (16-bit), the data port 0x511 (8-bit), the DMA
 * address port 0x514 (big-endian, written as two 32-bit halves, the low one at 0x518 starts the
 * transfer); the signature and ID items; the file directory at 0x19 and files from 0x20).
 *
 * Items are byte strings the board adds. Reading past an item's end gives 0; selecting an
 * unknown item gives an empty one. DMA accesses (read, skip, select) are checked against guest
 * RAM: one that touches anything else sets the error bit. Not supported: guest writes to items
 * (the DMA write bit sets the error bit), the MMIO variant of other architectures.
 */
#ifndef VIREO_HW_FW_FW_CFG_H
#define VIREO_HW_FW_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "softmmu/memory.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514
#define FW_CFG_PORT_COUNT 12 /* 0x510-0x51B */

/* Well-known selectors (fw_cfg.rst "Selector Register"; x86 ones from 0x8000). */
enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_X86_E820_TABLE = 0x8003,
};

#define FW_CFG_MAX_ITEMS 96
#define FW_CFG_FILE_NAME_MAX 56

/* DMA control bits (fw_cfg.rst "FWCfgDmaAccess"). */
enum {
    FW_CFG_DMA_ERROR = 1u << 0,
    FW_CFG_DMA_READ = 1u << 1,
    FW_CFG_DMA_SKIP = 1u << 2,
    FW_CFG_DMA_SELECT = 1u << 3,
    FW_CFG_DMA_WRITE = 1u << 4,
};

typedef struct FwCfgItem {
    uint16_t key;
    char name[FW_CFG_FILE_NAME_MAX]; /* files only */
    uint8_t *data;                   /* owned */
    uint32_t size;
} FwCfgItem;

typedef struct FwCfgState {
    uint16_t selector;
    uint32_t offset;       /* read position in the selected item */
    uint32_t dma_addr_high;
    /* Host-side: the items are configuration the board rebuilds, not saved state. */
    FwCfgItem items[FW_CFG_MAX_ITEMS];
    unsigned nitems;
    unsigned nfiles;
    PhysMap *map;
} FwCfgState;

extern const StateDesc fw_cfg_state_desc;

/* Registers the ports and adds the signature and ID items. Returns 0 or a negative errno. */
int fw_cfg_init(FwCfgState *s, PortSpace *ports, PhysMap *map);
void fw_cfg_destroy(FwCfgState *s);
void fw_cfg_reset(FwCfgState *s);
/* Adds (copies) an item under a fixed key, or a named file (key assigned, directory updated,
 * kept sorted by name as QEMU does). Return 0, -ENOSPC when full, -ENOMEM, -EEXIST. */
int fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data, uint32_t size);
int fw_cfg_add_u32(FwCfgState *s, uint16_t key, uint32_t value); /* little-endian */
int fw_cfg_add_u64(FwCfgState *s, uint16_t key, uint64_t value);
int fw_cfg_add_file(FwCfgState *s, const char *name, const void *data, uint32_t size);

#endif
