/*
 * hw/block/piix_ide.c: the PIIX3 IDE function (82371SB datasheet, "PCI Configuration
 * Registers - IDE Interface": 8086:7010, class 01h/01h, programming interface 80h) with its two
 * legacy channels (1F0h-1F7h/3F6h on IRQ 14, 170h-177h/376h on IRQ 15) and the bus master
 * interface at BAR4 (SFF-8038i revision 1.0: per channel a command register (start, read/write
 * direction), a status register (active, error and interrupt, write one to clear, and the
 * drive-DMA-capable bits) and the physical region descriptor table pointer).
 *
 * A PRD is a 32-bit physical base, a byte count (0 = 64 KiB) and bit 15 of its last word for
 * the end of the table (EOT). DMA moves through the physical map (phys_read/phys_write), so a
 * guest pointing a PRD at a device or outside RAM gets what the bus would do there, never a
 * host access outside guest memory. Status after a transfer (SFF-8038i table "Bus Master IDE
 * status"): table exactly used: Active 0; table longer: Active 1; table shorter: Active 0 and,
 * here, Error 1 with the command aborted. The Interrupt bit is set by the rising edge of the
 * channel's INTRQ, so not while the drive's nIEN holds the line off.
 *
 * The legacy ports decode always (the IDETIM decode-enable bits are stored, not enforced).
 */
#include "hw/block/piix_ide.h"

#include <string.h>

#include "softmmu/memory.h"
#include "util/endian.h"

enum {
    BM_CMD_START = 0x01,
    BM_CMD_TO_MEMORY = 0x08,
    BM_STATUS_ACTIVE = 0x01,
    BM_STATUS_ERROR = 0x02,
    BM_STATUS_IRQ = 0x04,
    BM_STATUS_CAPABLE = 0x60,
    PRD_EOT = 0x8000,
    /* At most this many descriptors per transfer: a table may not cross 64 KiB (8192). */
    PRD_MAX = 8192,
};

/* Walks the PRD table: moves up to len bytes; returns how many moved. */
static size_t bm_move(void *opaque, uint8_t *buf, size_t len, bool is_to_memory)
{
    PiixIdeBm *bm = opaque;
    size_t done = 0;
    while (done < len && !bm->is_prd_done) {
        if (bm->prd_left == 0) {
            if (bm->prd_index >= PRD_MAX) {
                bm->is_prd_done = true;
                break;
            }
            uint8_t prd[8];
            phys_read(bm->owner->map, (uint64_t)bm->prd_table + (uint64_t)bm->prd_index * 8,
                      prd, 8);
            bm->prd_index++;
            bm->prd_addr = ld_le32(prd) & ~1u;
            uint16_t count = ld_le16(prd + 4);
            bm->prd_left = count ? count : 0x10000;
            bm->is_prd_last = (ld_le16(prd + 6) & PRD_EOT) != 0;
        }
        size_t n = len - done < bm->prd_left ? len - done : bm->prd_left;
        if (is_to_memory) {
            phys_write(bm->owner->map, bm->prd_addr, buf + done, n);
        } else {
            phys_read(bm->owner->map, bm->prd_addr, buf + done, n);
        }
        bm->prd_addr += (uint32_t)n;
        bm->prd_left -= (uint32_t)n;
        done += n;
        if (bm->prd_left == 0 && bm->is_prd_last) {
            bm->is_prd_done = true;
        }
    }
    return done;
}

/* Runs the channel's waiting DMA command, if the engine is started. */
static void bm_run(PiixIdeBm *bm)
{
    if (!(bm->command & BM_CMD_START) || !(bm->status & BM_STATUS_ACTIVE)) {
        return;
    }
    bool is_short;
    if (!ide_dma_start(bm->channel, bm_move, bm, &is_short)) {
        return;
    }
    if (is_short) {
        bm->status = (uint8_t)((bm->status & ~BM_STATUS_ACTIVE) | BM_STATUS_ERROR);
    } else if (bm->is_prd_done && bm->prd_left == 0) {
        bm->status &= (uint8_t)~BM_STATUS_ACTIVE;
    }
}

/* The channel's INTRQ passes through here: its rising edge sets the Interrupt bit. */
static void bm_irq_set(void *opaque, int n, bool level)
{
    (void)n;
    PiixIdeBm *bm = opaque;
    if (level && !bm->is_irq_high) {
        bm->status |= BM_STATUS_IRQ;
    }
    bm->is_irq_high = level;
    irq_set(&bm->isa_irq, level);
}

static void bm_dma_ready(void *opaque)
{
    bm_run(opaque);
}

static uint64_t bm_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size;
    PiixIdeState *s = opaque;
    PiixIdeBm *bm = &s->bm[offset >> 3];
    switch (offset & 7) {
    case 0:
        return bm->command;
    case 2:
        return bm->status;
    case 4: case 5: case 6: case 7:
        return (bm->prd_table >> (8 * (offset & 3))) & 0xff;
    default:
        return 0;
    }
}

static void bm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    PiixIdeState *s = opaque;
    PiixIdeBm *bm = &s->bm[offset >> 3];
    uint8_t v = (uint8_t)value;
    switch (offset & 7) {
    case 0: {
        bool is_start = (v & BM_CMD_START) && !(bm->command & BM_CMD_START);
        bm->command = v & (BM_CMD_START | BM_CMD_TO_MEMORY);
        if (is_start) {
            bm->status |= BM_STATUS_ACTIVE;
            bm->prd_index = 0;
            bm->prd_left = 0;
            bm->is_prd_done = false;
            bm->is_prd_last = false;
            bm_run(bm);
        } else if (!(v & BM_CMD_START)) {
            bm->status &= (uint8_t)~BM_STATUS_ACTIVE; /* stop: the engine halts */
        }
        break;
    }
    case 2:
        bm->status = (uint8_t)((bm->status & ~(BM_STATUS_ERROR | BM_STATUS_IRQ) &
                                ~BM_STATUS_CAPABLE) |
                               (bm->status & ~v & (BM_STATUS_ERROR | BM_STATUS_IRQ)) |
                               (v & BM_STATUS_CAPABLE));
        break;
    case 4: case 5: case 6: case 7: {
        unsigned shift = 8 * (offset & 3);
        bm->prd_table = (bm->prd_table & ~(0xffu << shift)) | ((uint32_t)v << shift);
        bm->prd_table &= ~3u;
        break;
    }
    default:
        break;
    }
}

static const IoOps bm_ops = { .read = bm_read, .write = bm_write, .min_size = 1, .max_size = 1 };

static void map_bar(PciDevice *d, unsigned bar, uint64_t addr)
{
    PiixIdeState *s = d->opaque;
    if (bar != 4) {
        return;
    }
    if (s->bm_port_mapped) {
        port_space_unregister(s->ports, s->bm_port, 16);
        s->bm_port_mapped = false;
    }
    if (addr != PCI_BAR_UNMAPPED && addr <= 0xfff0 &&
        port_space_register(s->ports, (uint16_t)addr, 16, &bm_ops, s) == 0) {
        s->bm_port = (uint16_t)addr;
        s->bm_port_mapped = true;
    }
}

void piix_ide_reset(PiixIdeState *s)
{
    pci_device_reset(&s->pci);
    for (unsigned i = 0; i < 2; i++) {
        ide_channel_reset(&s->channel[i]);
        PiixIdeBm *bm = &s->bm[i];
        bm->command = 0;
        bm->status = 0;
        bm->prd_table = 0;
        bm->prd_index = bm->prd_left = 0;
        bm->is_prd_done = bm->is_prd_last = false;
    }
}

int piix_ide_init(PiixIdeState *s, PciBus *bus, PortSpace *ports, PhysMap *map,
                  const IdeKind kinds[4], BlockImage *const images[4])
{
    s->ports = ports;
    s->map = map;
    static const uint16_t bases[2] = { 0x1f0, 0x170 };
    static const uint16_t ctls[2] = { 0x3f6, 0x376 };
    for (unsigned i = 0; i < 2; i++) {
        s->bm[i].isa_irq = s->channel[i].irq;
        s->channel[i].irq = irq_line(bm_irq_set, &s->bm[i], 0);
        int r = ide_channel_init(&s->channel[i], ports, bases[i], ctls[i], kinds + 2 * i,
                                 images + 2 * i);
        if (r < 0) {
            return r;
        }
        s->bm[i].owner = s;
        s->bm[i].channel = &s->channel[i];
        s->channel[i].dma_ready = bm_dma_ready;
        s->channel[i].dma_opaque = &s->bm[i];
    }
    PciDevice *d = &s->pci;
    d->devfn = PIIX_IDE_DEVFN;
    d->name = "piix3-ide";
    d->opaque = s;
    d->map_bar = map_bar;
    d->bars[4] = (PciBar){ .size = 16, .flags = PCI_BAR_IO, .mapped = PCI_BAR_UNMAPPED };
    pci_device_setup(d, 0x8086, 0x7010, 0x010180, 0x00, 0);
    /* IDETIM (40h-43h): timing and the decode enable, which firmware writes. */
    memset(d->wmask + 0x40, 0xff, 4);
    piix_ide_reset(s);
    return pci_register(bus, d);
}

static const StateField bm_fields[] = {
    STATE_U8(PiixIdeBm, command),
    STATE_U8(PiixIdeBm, status),
    STATE_U32(PiixIdeBm, prd_table),
    STATE_U32(PiixIdeBm, prd_index),
    STATE_U32(PiixIdeBm, prd_addr),
    STATE_U32(PiixIdeBm, prd_left),
    STATE_BOOL(PiixIdeBm, is_prd_done),
    STATE_BOOL(PiixIdeBm, is_prd_last),
    STATE_BOOL(PiixIdeBm, is_irq_high),
    STATE_END,
};

static const StateDesc bm_desc = {
    .name = "bm", .version = 1, .min_version = 1, .fields = bm_fields,
};

static const StateField piix_ide_fields[] = {
    STATE_STRUCT(PiixIdeState, pci, pci_device_state_desc),
    STATE_STRUCT_ARRAY(PiixIdeState, channel, 2, ide_channel_state_desc),
    STATE_STRUCT_ARRAY(PiixIdeState, bm, 2, bm_desc),
    STATE_END,
};

const StateDesc piix_ide_state_desc = {
    .name = "piix-ide", .version = 1, .min_version = 1, .fields = piix_ide_fields,
};
