/* hw/fw/fw_cfg.c: QEMU's firmware configuration device (see fw_cfg.h). */
#include "hw/fw/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/endian.h"
#include "util/log.h"

#define FEATURE_TRADITIONAL 1u
#define FEATURE_DMA 2u
#define DMA_SIGNATURE "QEMU CFG"
#define FILE_ENTRY_SIZE 64u /* be32 size, be16 select, be16 reserved, 56-byte name */

/* Port offsets from 0x510. */
enum { OFF_SEL = 0, OFF_DATA = 1, OFF_DMA_HIGH = 4, OFF_DMA_LOW = 8 };

static FwCfgItem *find(FwCfgState *s, uint16_t key)
{
    for (unsigned i = 0; i < s->nitems; i++) {
        if (s->items[i].key == key) {
            return &s->items[i];
        }
    }
    return NULL;
}

/* The file directory (be32 count, then one entry per file in key order), built on demand. */
static uint32_t directory_size(const FwCfgState *s)
{
    return 4 + FILE_ENTRY_SIZE * s->nfiles;
}

static uint8_t directory_byte(FwCfgState *s, uint32_t off)
{
    if (off < 4) {
        return (uint8_t)(s->nfiles >> (8 * (3 - off)));
    }
    unsigned idx = (off - 4) / FILE_ENTRY_SIZE, at = (off - 4) % FILE_ENTRY_SIZE;
    const FwCfgItem *f = find(s, (uint16_t)(FW_CFG_FILE_FIRST + idx));
    if (!f) {
        return 0;
    }
    if (at < 4) {
        return (uint8_t)(f->size >> (8 * (3 - at)));
    }
    if (at < 6) {
        return (uint8_t)(f->key >> (8 * (5 - at)));
    }
    return at < 8 ? 0 : (uint8_t)f->name[at - 8];
}

static uint32_t item_size(FwCfgState *s, uint16_t key)
{
    if (key == FW_CFG_FILE_DIR) {
        return directory_size(s);
    }
    const FwCfgItem *it = find(s, key);
    return it ? it->size : 0;
}

static uint8_t item_byte(FwCfgState *s, uint16_t key, uint32_t off)
{
    if (key == FW_CFG_FILE_DIR) {
        return off < directory_size(s) ? directory_byte(s, off) : 0;
    }
    const FwCfgItem *it = find(s, key);
    return it && off < it->size ? it->data[off] : 0;
}

static void select_item(FwCfgState *s, uint16_t key)
{
    s->selector = key;
    s->offset = 0;
}

/* One DMA request: the FWCfgDmaAccess at `desc` (be32 control, be32 length, be64 address). */
static void run_dma(FwCfgState *s, uint64_t desc)
{
    if (!phys_map_range_is_ram(s->map, desc, 16)) {
        log_guest_error("fw_cfg: DMA descriptor at %#llx is not in RAM", (unsigned long long)desc);
        return;
    }
    uint8_t d[16];
    phys_read(s->map, desc, d, sizeof(d));
    uint32_t control = be_to_host32(ld_le32(d)), length = be_to_host32(ld_le32(d + 4));
    uint64_t addr = be_to_host64(ld_le64(d + 8));
    uint32_t status = 0;
    if (control & FW_CFG_DMA_SELECT) {
        select_item(s, (uint16_t)(control >> 16));
    }
    if (control & FW_CFG_DMA_WRITE) {
        status = FW_CFG_DMA_ERROR;
    } else if (control & FW_CFG_DMA_READ) {
        if (!phys_map_range_is_ram(s->map, addr, length) || addr + length < addr) {
            status = FW_CFG_DMA_ERROR;
        } else {
            uint8_t chunk[256];
            for (uint32_t done = 0; done < length;) {
                uint32_t n = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
                for (uint32_t i = 0; i < n; i++) {
                    chunk[i] = item_byte(s, s->selector, s->offset + done + i);
                }
                phys_write(s->map, addr + done, chunk, n);
                done += n;
            }
            s->offset += length;
        }
    } else if (control & FW_CFG_DMA_SKIP) {
        s->offset += length;
    }
    uint8_t out[4];
    st_le32(out, be_to_host32(status)); /* byte swap both ways */
    phys_write(s->map, desc, out, 4);
}

static uint64_t fw_cfg_read(void *opaque, uint64_t offset, unsigned size)
{
    FwCfgState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)offset + i;
        uint8_t b = 0;
        if (off == OFF_DATA) {
            b = item_byte(s, s->selector, s->offset);
            if (s->offset < item_size(s, s->selector)) {
                s->offset++;
            }
        } else if (off >= OFF_DMA_HIGH && off < OFF_DMA_HIGH + 8) {
            b = (uint8_t)DMA_SIGNATURE[off - OFF_DMA_HIGH];
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void fw_cfg_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FwCfgState *s = opaque;
    if (offset == OFF_SEL && size == 2) {
        select_item(s, (uint16_t)value);
    } else if (offset == OFF_DMA_HIGH && size == 4) {
        s->dma_addr_high = bswap32((uint32_t)value);
    } else if (offset == OFF_DMA_LOW && size == 4) {
        uint64_t desc = (uint64_t)s->dma_addr_high << 32 | bswap32((uint32_t)value);
        s->dma_addr_high = 0;
        run_dma(s, desc);
    } else if (offset == OFF_DATA) {
        log_guest_error("fw_cfg: write to the data port (items are read-only)");
    } else {
        log_guest_error("fw_cfg: %u-byte write at port %#llx", size,
                        (unsigned long long)(FW_CFG_PORT_SEL + offset));
    }
}

static const IoOps fw_cfg_ops = {
    .read = fw_cfg_read, .write = fw_cfg_write, .min_size = 1, .max_size = 4,
};

static int add_item(FwCfgState *s, uint16_t key, const char *name, const void *data, uint32_t size)
{
    if (find(s, key)) {
        return -EEXIST;
    }
    if (s->nitems == FW_CFG_MAX_ITEMS) {
        return -ENOSPC;
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        return -ENOMEM;
    }
    memcpy(copy, data, size);
    FwCfgItem *it = &s->items[s->nitems++];
    *it = (FwCfgItem){.key = key, .data = copy, .size = size};
    if (name) {
        strncpy(it->name, name, FW_CFG_FILE_NAME_MAX - 1);
    }
    return 0;
}

int fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data, uint32_t size)
{
    return add_item(s, key, NULL, data, size);
}

int fw_cfg_add_u32(FwCfgState *s, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    st_le32(b, value);
    return add_item(s, key, NULL, b, sizeof(b));
}

int fw_cfg_add_u64(FwCfgState *s, uint16_t key, uint64_t value)
{
    uint8_t b[8];
    st_le64(b, value);
    return add_item(s, key, NULL, b, sizeof(b));
}

/* Files are numbered from 0x20 in name order (as QEMU's directory is sorted). */
int fw_cfg_add_file(FwCfgState *s, const char *name, const void *data, uint32_t size)
{
    if (strlen(name) >= FW_CFG_FILE_NAME_MAX) {
        return -EINVAL;
    }
    unsigned rank = 0;
    for (unsigned i = 0; i < s->nitems; i++) {
        FwCfgItem *it = &s->items[i];
        if (it->key >= FW_CFG_FILE_FIRST && it->key < FW_CFG_FILE_FIRST + s->nfiles) {
            int c = strcmp(it->name, name);
            if (c == 0) {
                return -EEXIST;
            }
            rank += c < 0;
        }
    }
    if (s->nitems == FW_CFG_MAX_ITEMS) {
        return -ENOSPC;
    }
    for (unsigned i = 0; i < s->nitems; i++) {
        FwCfgItem *it = &s->items[i];
        if (it->key >= FW_CFG_FILE_FIRST + rank && it->key < FW_CFG_FILE_FIRST + s->nfiles) {
            it->key++;
        }
    }
    int r = add_item(s, (uint16_t)(FW_CFG_FILE_FIRST + rank), name, data, size);
    if (r == 0) {
        s->nfiles++;
    }
    return r;
}

void fw_cfg_reset(FwCfgState *s)
{
    select_item(s, FW_CFG_SIGNATURE);
    s->dma_addr_high = 0;
}

static const StateField fw_cfg_fields[] = {
    STATE_U16(FwCfgState, selector),
    STATE_U32(FwCfgState, offset),
    STATE_U32(FwCfgState, dma_addr_high),
    STATE_END,
};

const StateDesc fw_cfg_state_desc = {
    .name = "fw_cfg", .version = 1, .min_version = 1, .fields = fw_cfg_fields,
};

int fw_cfg_init(FwCfgState *s, PortSpace *ports, PhysMap *map)
{
    s->map = map;
    s->nitems = s->nfiles = 0;
    int r = add_item(s, FW_CFG_SIGNATURE, NULL, "QEMU", 4);
    if (r == 0) {
        r = fw_cfg_add_u32(s, FW_CFG_ID, FEATURE_TRADITIONAL | FEATURE_DMA);
    }
    if (r == 0) {
        r = port_space_register(ports, FW_CFG_PORT_SEL, FW_CFG_PORT_COUNT, &fw_cfg_ops, s);
    }
    fw_cfg_reset(s);
    return r;
}

void fw_cfg_destroy(FwCfgState *s)
{
    for (unsigned i = 0; i < s->nitems; i++) {
        free(s->items[i].data);
    }
    s->nitems = s->nfiles = 0;
}
