/*
 * hw/block/ide.c: an IDE channel and its ATA commands (ide.h; ATA/ATAPI-6 T13/1410D: §7
 * registers, §8 commands, §9.5-9.10 the PIO and DMA protocols, §9.2 software reset and the
 * signatures; ATA8-ACS for the 48-bit commands).
 */
#include "hw/block/ide.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/endian.h"
#include "util/log.h"

/* Command-block register numbers (offsets from the base port). */
enum {
    REG_DATA,
    REG_FEATURE,
    REG_COUNT,
    REG_LBA_LOW,
    REG_LBA_MID,
    REG_LBA_HIGH,
    REG_DEVICE,
    REG_COMMAND,
};

#define DEVICE_LBA 0x40
#define DEVICE_DEV 0x10
#define CHS_HEADS 16
#define CHS_SECTORS 63
#define CHS_MAX_CYLINDERS 16383
#define MAX_MULTIPLE 16

static IdeDrive *selected(IdeChannel *c)
{
    return &c->drive[c->selected];
}

static void update_irq(IdeChannel *c)
{
    bool level = selected(c)->has_irq && !(c->devctl & IDE_DEVCTL_NIEN);
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(&c->irq, level);
    }
}

void ide_raise_irq(IdeChannel *c, IdeDrive *d)
{
    d->has_irq = true;
    update_irq(c);
}

void ide_set_string(uint8_t *words, size_t bytes, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < bytes; i++) {
        /* ATA strings: the first character of each pair in the word's high byte. */
        words[i ^ 1] = (uint8_t)(i < len ? s[i] : ' ');
    }
}

static uint64_t disk_sectors(const IdeDrive *d)
{
    return d->image ? d->image->size / IDE_SECTOR : 0;
}

/* The 48-bit (EXT) forms of the commands that address sectors (ATA8-ACS). */
static bool is_lba48_command(uint8_t cmd)
{
    return cmd == 0x24 || cmd == 0x25 || cmd == 0x27 || cmd == 0x29 || cmd == 0x34 ||
           cmd == 0x35 || cmd == 0x39 || cmd == 0x42;
}

/* READ/WRITE MULTIPLE (EXT): a DRQ block is `multiple` sectors. */
static bool is_multiple_command(uint8_t cmd)
{
    return cmd == 0xc4 || cmd == 0x29 || cmd == 0xc5 || cmd == 0x39;
}

/* Data of `len` bytes in the buffer for the host, with DRQ and an interrupt (IDENTIFY). */
static void start_pio_reply(IdeChannel *c, IdeDrive *d, uint32_t len)
{
    d->transfer = IDE_XFER_PIO_IN;
    d->buf_pos = 0;
    d->buf_len = d->drq_end = len;
    d->blocks_left = 0;
    d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
    ide_raise_irq(c, d);
}

static void set_signature(IdeDrive *d)
{
    d->count = 1;
    d->lba_low = 1;
    d->lba_mid = d->kind == IDE_KIND_CDROM ? 0x14 : 0;
    d->lba_high = d->kind == IDE_KIND_CDROM ? 0xeb : 0;
    d->device = 0;
}

static void finish_ok(IdeChannel *c, IdeDrive *d)
{
    d->transfer = IDE_XFER_NONE;
    d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
    d->error = 0;
    ide_raise_irq(c, d);
}

static void finish_error(IdeChannel *c, IdeDrive *d, uint8_t error)
{
    d->transfer = IDE_XFER_NONE;
    d->status = IDE_STATUS_DRDY | IDE_STATUS_ERR;
    d->error = error;
    ide_raise_irq(c, d);
}

/* IDENTIFY DEVICE (§8.15): 256 little-endian words. */
static void identify_disk(const IdeDrive *d, uint8_t *out)
{
    uint16_t w[256] = { 0 };
    uint64_t sectors = disk_sectors(d);
    uint64_t cyls = sectors / (CHS_HEADS * CHS_SECTORS);
    cyls = cyls > CHS_MAX_CYLINDERS ? CHS_MAX_CYLINDERS : cyls ? cyls : 1;
    uint64_t lba28 = sectors < 0x0fffffff ? sectors : 0x0fffffff;
    w[0] = 0x0040;                       /* fixed device */
    w[1] = (uint16_t)cyls;
    w[3] = CHS_HEADS;
    w[6] = CHS_SECTORS;
    w[47] = 0x8000 | MAX_MULTIPLE;
    w[49] = 1u << 9 | 1u << 8;           /* LBA, DMA */
    w[53] = 1u << 1 | 1u << 2;           /* words 64-70 and 88 are valid */
    w[54] = (uint16_t)cyls;
    w[55] = CHS_HEADS;
    w[56] = CHS_SECTORS;
    uint32_t chs = (uint32_t)(cyls * CHS_HEADS * CHS_SECTORS);
    w[57] = (uint16_t)chs;
    w[58] = (uint16_t)(chs >> 16);
    w[59] = d->multiple ? (uint16_t)(0x100 | d->multiple) : 0;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    w[63] = 0x07;                        /* multiword DMA 0-2 supported */
    w[64] = 0x03;                        /* PIO 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x7e;                        /* ATA-1 to ATA-6 */
    w[82] = 1u << 14 | 1u << 5;          /* NOP, write cache */
    w[83] = 1u << 14 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH CACHE (EXT), 48-bit */
    w[84] = 1u << 14;
    w[85] = (uint16_t)(1u << 14 | (d->is_write_cache ? 1u << 5 : 0));
    w[86] = 1u << 13 | 1u << 12 | 1u << 10;
    w[87] = 1u << 14;
    w[88] = 0x3f;                        /* UDMA 0-5 supported */
    w[93] = 1u << 14 | 1u << 13 | 1;
    for (unsigned i = 0; i < 4; i++) {
        w[100 + i] = (uint16_t)(sectors >> (16 * i));
    }
    for (unsigned i = 0; i < 256; i++) {
        st_le16(out + 2 * i, w[i]);
    }
    ide_set_string(out + 20, 20, d->serial);
    ide_set_string(out + 46, 8, "1.0");
    ide_set_string(out + 54, 40, "VIREO HARDDISK");
}

/* The LBA a command addresses: 48-bit, 28-bit LBA, or CHS with the default geometry. */
static uint64_t command_lba(const IdeDrive *d, bool is_lba48)
{
    if (is_lba48) {
        return (uint64_t)d->hob_lba_high << 40 | (uint64_t)d->hob_lba_mid << 32 |
               (uint64_t)d->hob_lba_low << 24 | (uint64_t)d->lba_high << 16 |
               (uint64_t)d->lba_mid << 8 | d->lba_low;
    }
    if (d->device & DEVICE_LBA) {
        return (uint64_t)(d->device & 0x0f) << 24 | (uint64_t)d->lba_high << 16 |
               (uint64_t)d->lba_mid << 8 | d->lba_low;
    }
    uint64_t cyl = (uint64_t)d->lba_high << 8 | d->lba_mid;
    uint64_t head = d->device & 0x0f;
    uint64_t sector = d->lba_low;
    return sector == 0 ? ~0ull : (cyl * CHS_HEADS + head) * CHS_SECTORS + sector - 1;
}

/* After a transfer: the task file holds the last sector transferred (§8: normal outputs). */
static void store_lba(IdeDrive *d, uint64_t lba, bool is_lba48)
{
    d->lba_low = (uint8_t)lba;
    d->lba_mid = (uint8_t)(lba >> 8);
    d->lba_high = (uint8_t)(lba >> 16);
    if (is_lba48) {
        d->hob_lba_low = (uint8_t)(lba >> 24);
        d->hob_lba_mid = (uint8_t)(lba >> 32);
        d->hob_lba_high = (uint8_t)(lba >> 40);
    } else if (d->device & DEVICE_LBA) {
        d->device = (uint8_t)((d->device & 0xf0) | ((lba >> 24) & 0x0f));
    }
}

/* Fills the buffer with the next PIO block of a read (or prepares it for a write). */
static bool next_block(IdeChannel *c, IdeDrive *d)
{
    uint32_t per = is_multiple_command(d->command) ? d->multiple : 1;
    uint32_t n = d->blocks_left < per ? d->blocks_left : per;
    d->buf_pos = 0;
    d->buf_len = d->drq_end = n * IDE_SECTOR;
    if (d->transfer == IDE_XFER_PIO_IN &&
        block_image_read(d->image, d->lba * IDE_SECTOR, d->buf, d->buf_len) < 0) {
        finish_error(c, d, IDE_ERROR_UNC | IDE_ERROR_ABRT);
        return false;
    }
    d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
    return true;
}

static void start_rw(IdeChannel *c, IdeDrive *d, bool is_write, bool is_dma)
{
    bool is_lba48 = is_lba48_command(d->command);
    bool is_multiple = is_multiple_command(d->command);
    uint64_t lba = command_lba(d, is_lba48);
    uint32_t count = is_lba48 ? (uint32_t)d->hob_count << 8 | d->count : d->count;
    if (count == 0) {
        count = is_lba48 ? 65536 : 256;
    }
    uint64_t total = disk_sectors(d);
    if (lba == ~0ull || lba >= total || count > total - lba) {
        finish_error(c, d, IDE_ERROR_IDNF | IDE_ERROR_ABRT);
        return;
    }
    if (is_multiple && !d->multiple) {
        finish_error(c, d, IDE_ERROR_ABRT);
        return;
    }
    d->lba = lba;
    d->blocks_left = count;
    if (is_dma) {
        d->transfer = is_write ? IDE_XFER_DMA_OUT : IDE_XFER_DMA_IN;
        d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ;
        if (c->dma_ready) {
            c->dma_ready(c->dma_opaque);
        }
        return;
    }
    d->transfer = is_write ? IDE_XFER_PIO_OUT : IDE_XFER_PIO_IN;
    if (next_block(c, d) && !is_write) {
        ide_raise_irq(c, d); /* a read interrupts when each block is ready; a write does not
                                for its first block (§9.8) */
    }
}

/* A PIO block fully moved: write it out or read the next; the last one ends the command. */
static void pio_block_done(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = d->buf_len / IDE_SECTOR;
    if (d->transfer == IDE_XFER_PIO_OUT &&
        block_image_write(d->image, d->lba * IDE_SECTOR, d->buf, d->buf_len) < 0) {
        finish_error(c, d, IDE_ERROR_ABRT);
        return;
    }
    d->lba += n;
    d->blocks_left -= n;
    store_lba(d, d->lba - 1, is_lba48_command(d->command));
    if (d->blocks_left == 0) {
        if (d->transfer == IDE_XFER_PIO_OUT) {
            finish_ok(c, d);
        } else {
            d->transfer = IDE_XFER_NONE;
            d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
        }
        return;
    }
    if (next_block(c, d)) {
        ide_raise_irq(c, d);
    }
}

static void set_features(IdeChannel *c, IdeDrive *d)
{
    switch (d->feature) {
    case 0x02: /* enable write cache */
    case 0x82:
        d->is_write_cache = d->feature == 0x02;
        finish_ok(c, d);
        break;
    case 0x03: /* set transfer mode: any PIO, multiword or Ultra DMA mode listed */
    case 0x66: /* keep / revert to power-on defaults */
    case 0xcc:
    case 0xaa: /* read look-ahead */
    case 0x55:
        finish_ok(c, d);
        break;
    default:
        finish_error(c, d, IDE_ERROR_ABRT);
        break;
    }
}

static void execute_diagnostic(IdeChannel *c)
{
    for (unsigned i = 0; i < 2; i++) {
        IdeDrive *d = &c->drive[i];
        if (d->kind != IDE_KIND_NONE) {
            set_signature(d);
            d->error = 0x01; /* passed */
            d->status = d->kind == IDE_KIND_DISK ? IDE_STATUS_DRDY | IDE_STATUS_DSC : 0;
            d->transfer = IDE_XFER_NONE;
        }
    }
    c->selected = 0;
    ide_raise_irq(c, &c->drive[0]);
}

static void start_packet(IdeChannel *c, IdeDrive *d)
{
    d->byte_limit = (uint16_t)(d->lba_high << 8 | d->lba_mid);
    if (d->byte_limit == 0 || d->byte_limit == 0xffff) {
        d->byte_limit = 0xfffe;
    }
    d->byte_limit &= 0xfffe;
    d->transfer = IDE_XFER_PACKET;
    d->buf_pos = 0;
    d->buf_len = d->drq_end = 12;
    d->count = 0x01; /* CoD: a command packet is wanted */
    d->status = IDE_STATUS_DRDY | IDE_STATUS_DRQ;
}

/* Commands both kinds of device accept. */
static bool execute_common(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0x90:
        execute_diagnostic(c);
        return true;
    case 0xe5: /* CHECK POWER MODE: active or idle */
        d->count = 0xff;
        finish_ok(c, d);
        return true;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: /* standby and idle, immediate and timed */
    case 0x94: case 0x95: case 0x96: case 0x97:
        finish_ok(c, d);
        return true;
    case 0xef:
        set_features(c, d);
        return true;
    default:
        return false;
    }
}

static void execute_cdrom(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xa0:
        start_packet(c, d);
        break;
    case 0xa1:
        atapi_identify(d, d->buf);
        start_pio_reply(c, d, IDE_SECTOR);
        break;
    case 0x08: /* DEVICE RESET */
        set_signature(d);
        d->transfer = IDE_XFER_NONE;
        d->status = 0;
        d->error = 0x01;
        break;
    case 0xec: /* an ATAPI device aborts IDENTIFY DEVICE and shows its signature (§8.15) */
        set_signature(d);
        finish_error(c, d, IDE_ERROR_ABRT);
        break;
    default:
        if (!execute_common(c, d, cmd)) {
            finish_error(c, d, IDE_ERROR_ABRT);
        }
        break;
    }
}

static void execute_disk(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xec:
        identify_disk(d, d->buf);
        start_pio_reply(c, d, IDE_SECTOR);
        break;
    case 0x20: case 0x21: case 0x24: case 0xc4: case 0x29: /* PIO reads */
        start_rw(c, d, false, false);
        break;
    case 0x30: case 0x31: case 0x34: case 0xc5: case 0x39: /* PIO writes */
        start_rw(c, d, true, false);
        break;
    case 0xc8: case 0xc9: case 0x25: /* READ DMA (EXT) */
        start_rw(c, d, false, true);
        break;
    case 0xca: case 0xcb: case 0x35: /* WRITE DMA (EXT) */
        start_rw(c, d, true, true);
        break;
    case 0x40: case 0x41: case 0x42: { /* READ VERIFY: check the range, move nothing */
        uint64_t lba = command_lba(d, is_lba48_command(cmd));
        if (lba == ~0ull || lba >= disk_sectors(d)) {
            finish_error(c, d, IDE_ERROR_IDNF | IDE_ERROR_ABRT);
        } else {
            finish_ok(c, d);
        }
        break;
    }
    case 0x70: /* SEEK */
    case 0x91: /* INITIALIZE DEVICE PARAMETERS: the geometry stays the default one */
    case 0x10: /* RECALIBRATE */
        finish_ok(c, d);
        break;
    case 0xc6: /* SET MULTIPLE MODE: 0 turns it off; powers of two up to MAX_MULTIPLE */
        if (d->count > MAX_MULTIPLE || (d->count & (d->count - 1))) {
            finish_error(c, d, IDE_ERROR_ABRT);
        } else {
            d->multiple = d->count;
            finish_ok(c, d);
        }
        break;
    case 0xe7: case 0xea: /* FLUSH CACHE (EXT) */
        if (block_image_flush(d->image) < 0) {
            finish_error(c, d, IDE_ERROR_ABRT);
        } else {
            finish_ok(c, d);
        }
        break;
    case 0xf8: case 0x27: { /* READ NATIVE MAX ADDRESS (EXT) */
        uint64_t max = disk_sectors(d) - 1;
        store_lba(d, max, is_lba48_command(cmd));
        if (cmd == 0xf8) {
            d->device = (uint8_t)((d->device & 0xf0) | ((max >> 24) & 0x0f));
        }
        finish_ok(c, d);
        break;
    }
    default:
        if (!execute_common(c, d, cmd)) {
            finish_error(c, d, IDE_ERROR_ABRT);
        }
        break;
    }
}

static void write_command(IdeChannel *c, uint8_t cmd)
{
    IdeDrive *d = selected(c);
    if (d->kind == IDE_KIND_NONE) {
        return; /* nobody answers: the command goes nowhere */
    }
    if ((d->status & IDE_STATUS_BSY) && cmd != 0x08) {
        return;
    }
    d->has_irq = false;
    update_irq(c);
    d->command = cmd;
    d->error = 0;
    if (d->kind == IDE_KIND_CDROM) {
        execute_cdrom(c, d, cmd);
    } else {
        execute_disk(c, d, cmd);
    }
}

static void write_taskfile(IdeChannel *c, unsigned reg, uint8_t v)
{
    c->devctl &= (uint8_t)~IDE_DEVCTL_HOB;
    for (unsigned i = 0; i < 2; i++) {
        IdeDrive *d = &c->drive[i];
        switch (reg) {
        case REG_FEATURE: d->hob_feature = d->feature; d->feature = v; break;
        case REG_COUNT: d->hob_count = d->count; d->count = v; break;
        case REG_LBA_LOW: d->hob_lba_low = d->lba_low; d->lba_low = v; break;
        case REG_LBA_MID: d->hob_lba_mid = d->lba_mid; d->lba_mid = v; break;
        case REG_LBA_HIGH: d->hob_lba_high = d->lba_high; d->lba_high = v; break;
        default: d->device = (uint8_t)(v | 0xa0); break;
        }
    }
    if (reg == REG_DEVICE) {
        c->selected = (v & DEVICE_DEV) ? 1 : 0;
        update_irq(c);
    }
}

/* The data register: PIO data and ATAPI packets, 1, 2 or 4 bytes per access. */
static uint32_t read_data(IdeChannel *c, unsigned size)
{
    IdeDrive *d = selected(c);
    if (d->transfer != IDE_XFER_PIO_IN || d->buf_pos + size > d->drq_end) {
        return 0;
    }
    uint8_t bytes[4] = { 0 };
    memcpy(bytes, d->buf + d->buf_pos, size);
    d->buf_pos += size;
    if (d->buf_pos >= d->drq_end) {
        if (d->kind == IDE_KIND_CDROM && d->command == 0xa0) {
            atapi_pio_block_done(c, d); /* the next DRQ block of the reply, or its end */
        } else if (d->command == 0xec || d->command == 0xa1) {
            d->transfer = IDE_XFER_NONE;
            d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
        } else {
            pio_block_done(c, d);
        }
    }
    return ld_le32(bytes);
}

static void write_data(IdeChannel *c, uint32_t value, unsigned size)
{
    IdeDrive *d = selected(c);
    bool is_out = d->transfer == IDE_XFER_PIO_OUT || d->transfer == IDE_XFER_PACKET;
    if (!is_out || d->buf_pos + size > d->drq_end) {
        return;
    }
    uint8_t bytes[4];
    st_le32(bytes, value);
    memcpy(d->buf + d->buf_pos, bytes, size);
    d->buf_pos += size;
    if (d->buf_pos < d->drq_end) {
        return;
    }
    if (d->transfer == IDE_XFER_PACKET) {
        atapi_execute(c, d);
    } else {
        pio_block_done(c, d);
    }
}

uint32_t ide_read(IdeChannel *c, unsigned reg, unsigned size)
{
    IdeDrive *d = selected(c);
    bool is_absent = d->kind == IDE_KIND_NONE;
    bool is_channel_empty = is_absent && c->drive[c->selected ^ 1].kind == IDE_KIND_NONE;
    if (is_channel_empty) {
        return reg == REG_DATA ? 0xffffffffu : 0xff; /* nothing drives the bus */
    }
    bool hob = (c->devctl & IDE_DEVCTL_HOB) != 0;
    switch (reg) {
    case REG_DATA: return is_absent ? 0 : read_data(c, size);
    case REG_FEATURE: return is_absent ? 0 : d->error;
    case REG_COUNT: return is_absent ? 0 : hob ? d->hob_count : d->count;
    case REG_LBA_LOW: return is_absent ? 0 : hob ? d->hob_lba_low : d->lba_low;
    case REG_LBA_MID: return is_absent ? 0 : hob ? d->hob_lba_mid : d->lba_mid;
    case REG_LBA_HIGH: return is_absent ? 0 : hob ? d->hob_lba_high : d->lba_high;
    case REG_DEVICE: return d->device;
    default:
        if (is_absent) {
            return 0;
        }
        d->has_irq = false; /* reading Status acknowledges the interrupt (§7.15) */
        update_irq(c);
        return d->status;
    }
}

void ide_write(IdeChannel *c, unsigned reg, uint32_t value, unsigned size)
{
    if (reg == REG_DATA) {
        write_data(c, value, size);
    } else if (reg == REG_COMMAND) {
        write_command(c, (uint8_t)value);
    } else {
        write_taskfile(c, reg, (uint8_t)value);
    }
}

uint8_t ide_read_alt_status(IdeChannel *c)
{
    IdeDrive *d = selected(c);
    if (d->kind == IDE_KIND_NONE) {
        return c->drive[c->selected ^ 1].kind == IDE_KIND_NONE ? 0xff : 0;
    }
    return d->status;
}

static void reset_drive(IdeDrive *d)
{
    set_signature(d);
    d->feature = d->hob_feature = d->hob_count = 0;
    d->hob_lba_low = d->hob_lba_mid = d->hob_lba_high = 0;
    d->error = 0x01;
    d->status = d->kind == IDE_KIND_DISK ? IDE_STATUS_DRDY | IDE_STATUS_DSC : 0;
    d->has_irq = false;
    d->transfer = IDE_XFER_NONE;
    d->command = 0;
    d->buf_pos = d->buf_len = d->drq_end = 0;
    d->blocks_left = 0;
}

void ide_write_devctl(IdeChannel *c, uint8_t value)
{
    bool was_reset = c->devctl & IDE_DEVCTL_SRST;
    c->devctl = value;
    if (value & IDE_DEVCTL_SRST) {
        for (unsigned i = 0; i < 2; i++) {
            c->drive[i].status = IDE_STATUS_BSY;
        }
    } else if (was_reset) {
        /* SRST released: both devices come back with their signatures (§9.2). */
        for (unsigned i = 0; i < 2; i++) {
            reset_drive(&c->drive[i]);
        }
        c->selected = 0;
    }
    update_irq(c);
}

/* Moves a DMA transfer's data; for ATA the sectors, for ATAPI through atapi.c's buffer. */
bool ide_dma_start(IdeChannel *c, IdeDmaMove move, void *opaque, bool *is_short)
{
    IdeDrive *d = selected(c);
    *is_short = false;
    bool is_in = d->transfer == IDE_XFER_DMA_IN;
    if (d->kind == IDE_KIND_NONE || (!is_in && d->transfer != IDE_XFER_DMA_OUT)) {
        return false;
    }
    if (d->kind == IDE_KIND_CDROM) {
        /* atapi.c left the reply, or the first blocks of a READ, in the buffer. */
        bool is_ok = true;
        for (;;) {
            size_t n = d->buf_len - d->buf_pos;
            size_t moved = move(opaque, d->buf + d->buf_pos, n, true);
            d->buf_pos += (uint32_t)moved;
            if (moved < n) {
                *is_short = true;
                break;
            }
            if (!d->blocks_left || !(is_ok = atapi_refill(c, d))) {
                break;
            }
        }
        if (is_ok) {
            atapi_complete(c, d);
        }
        return true;
    }
    while (d->blocks_left) {
        uint32_t n = d->blocks_left < IDE_BUF_SIZE / IDE_SECTOR ? d->blocks_left
                                                                : IDE_BUF_SIZE / IDE_SECTOR;
        size_t bytes = (size_t)n * IDE_SECTOR;
        if (is_in && block_image_read(d->image, d->lba * IDE_SECTOR, d->buf, bytes) < 0) {
            finish_error(c, d, IDE_ERROR_UNC | IDE_ERROR_ABRT);
            return true;
        }
        size_t moved = move(opaque, d->buf, bytes, is_in);
        if (moved < bytes) {
            *is_short = true;
            finish_error(c, d, IDE_ERROR_ABRT);
            return true;
        }
        if (!is_in && block_image_write(d->image, d->lba * IDE_SECTOR, d->buf, bytes) < 0) {
            finish_error(c, d, IDE_ERROR_ABRT);
            return true;
        }
        d->lba += n;
        d->blocks_left -= n;
    }
    store_lba(d, d->lba - 1, is_lba48_command(d->command));
    finish_ok(c, d);
    return true;
}

/*
 * The command block as one registration, so a 16- or 32-bit access at the data register
 * reaches it whole; wider accesses at the byte registers are taken a byte at a time.
 */
static uint64_t block_read(void *opaque, uint64_t offset, unsigned size)
{
    if (offset == REG_DATA) {
        return ide_read(opaque, REG_DATA, size);
    }
    uint64_t v = 0;
    for (unsigned k = 0; k < size && offset + k <= REG_COMMAND; k++) {
        v |= (uint64_t)ide_read(opaque, (unsigned)offset + k, 1) << (8 * k);
    }
    return v;
}

static void block_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    if (offset == REG_DATA) {
        ide_write(opaque, REG_DATA, (uint32_t)value, size);
        return;
    }
    for (unsigned k = 0; k < size && offset + k <= REG_COMMAND; k++) {
        ide_write(opaque, (unsigned)offset + k, (uint8_t)(value >> (8 * k)), 1);
    }
}

static uint64_t ctl_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    return ide_read_alt_status(opaque);
}

static void ctl_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)offset;
    (void)size;
    ide_write_devctl(opaque, (uint8_t)value);
}

static const IoOps block_ops = { .read = block_read, .write = block_write, .min_size = 1,
                                 .max_size = 4 };
static const IoOps ctl_ops = { .read = ctl_read, .write = ctl_write, .min_size = 1,
                               .max_size = 1 };

void ide_channel_reset(IdeChannel *c)
{
    c->devctl = 0;
    c->selected = 0;
    for (unsigned i = 0; i < 2; i++) {
        reset_drive(&c->drive[i]);
        c->drive[i].multiple = 0;
        c->drive[i].is_write_cache = true;
        c->drive[i].sense_key = c->drive[i].asc = c->drive[i].ascq = 0;
        c->drive[i].is_tray_locked = false;
        c->drive[i].has_media_event = c->drive[i].image != NULL;
    }
    c->irq_level = false;
    irq_set(&c->irq, false);
}

int ide_channel_init(IdeChannel *c, PortSpace *ports, uint16_t base, uint16_t ctl_base,
                     const IdeKind kinds[2], BlockImage *const images[2])
{
    IrqLine irq = c->irq;
    memset(c, 0, sizeof(*c));
    c->irq = irq;
    for (unsigned i = 0; i < 2; i++) {
        c->drive[i].kind = (uint8_t)kinds[i];
        c->drive[i].image = images[i];
        if (kinds[i] == IDE_KIND_DISK && !images[i]) {
            return -EINVAL;
        }
        snprintf(c->drive[i].serial, sizeof(c->drive[i].serial), "VR%04X%d", base, i);
    }
    ide_channel_reset(c);
    int r = port_space_register(ports, base, 8, &block_ops, c);
    if (r == 0) {
        r = port_space_register(ports, ctl_base, 1, &ctl_ops, c);
    }
    return r;
}

static const StateField drive_fields[] = {
    STATE_U8(IdeDrive, feature),
    STATE_U8(IdeDrive, count),
    STATE_U8(IdeDrive, lba_low),
    STATE_U8(IdeDrive, lba_mid),
    STATE_U8(IdeDrive, lba_high),
    STATE_U8(IdeDrive, hob_feature),
    STATE_U8(IdeDrive, hob_count),
    STATE_U8(IdeDrive, hob_lba_low),
    STATE_U8(IdeDrive, hob_lba_mid),
    STATE_U8(IdeDrive, hob_lba_high),
    STATE_U8(IdeDrive, device),
    STATE_U8(IdeDrive, status),
    STATE_U8(IdeDrive, error),
    STATE_BOOL(IdeDrive, has_irq),
    STATE_U8(IdeDrive, command),
    STATE_U8(IdeDrive, transfer),
    STATE_U64(IdeDrive, lba),
    STATE_U32(IdeDrive, blocks_left),
    STATE_U16(IdeDrive, multiple),
    STATE_U32(IdeDrive, buf_pos),
    STATE_U32(IdeDrive, buf_len),
    STATE_U32(IdeDrive, drq_end),
    STATE_U16(IdeDrive, byte_limit),
    STATE_BOOL(IdeDrive, is_write_cache),
    STATE_U8(IdeDrive, sense_key),
    STATE_U8(IdeDrive, asc),
    STATE_U8(IdeDrive, ascq),
    STATE_BOOL(IdeDrive, is_tray_locked),
    STATE_BOOL(IdeDrive, has_media_event),
    STATE_BUFFER(IdeDrive, buf),
    STATE_END,
};

/* A snapshot is user input: its transfer position must stay inside the buffer. */
static int drive_post_load(void *opaque, char *err, size_t err_size)
{
    const IdeDrive *d = opaque;
    if (d->buf_len > IDE_BUF_SIZE || d->drq_end > d->buf_len || d->buf_pos > d->drq_end ||
        d->transfer > IDE_XFER_DMA_OUT || d->multiple > MAX_MULTIPLE) {
        snprintf(err, err_size, "transfer state out of range");
        return -1;
    }
    return 0;
}

static const StateDesc drive_desc = {
    .name = "drive", .version = 1, .min_version = 1, .fields = drive_fields,
    .post_load = drive_post_load,
};

static const StateField channel_fields[] = {
    STATE_STRUCT_ARRAY(IdeChannel, drive, 2, drive_desc),
    STATE_U8(IdeChannel, devctl),
    STATE_U8(IdeChannel, selected),
    STATE_BOOL(IdeChannel, irq_level),
    STATE_END,
};

const StateDesc ide_channel_state_desc = {
    .name = "ide", .version = 1, .min_version = 1, .fields = channel_fields,
};
