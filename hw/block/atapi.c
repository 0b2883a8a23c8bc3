/*
 * hw/block/atapi.c: the ATAPI CD-ROM behind an IDE channel: the PACKET protocol (ATA/ATAPI-6
 * §9.10 and §9.11: the command packet, DRQ blocks limited by the byte count the host put in
 * LBA mid/high, the interrupt reason in the sector count register: CoD bit 0, IO bit 1) and the
 * SCSI commands a BIOS, a boot loader and Linux's sr driver use (SPC-3: TEST UNIT READY,
 * REQUEST SENSE in fixed format, INQUIRY; MMC-5: READ CAPACITY, READ(10)/(12), READ TOC
 * formats 0 and 1, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION (media class, polled),
 * MODE SENSE(10) pages 01h and 2Ah, PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT, SEEK,
 * MECHANISM STATUS, SET CD SPEED). Anything else: CHECK CONDITION, ILLEGAL REQUEST /
 * INVALID COMMAND OPERATION CODE (20h). The medium is a 2048-byte-sector image, one data track.
 */
#include <string.h>

#include "hw/block/ide.h"
#include "util/endian.h"

enum {
    SENSE_NONE = 0,
    SENSE_NOT_READY = 2,
    SENSE_MEDIUM_ERROR = 3,
    SENSE_ILLEGAL_REQUEST = 5,
    ASC_INVALID_OPCODE = 0x20,
    ASC_LBA_OUT_OF_RANGE = 0x21,
    ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_NOT_PRESENT = 0x3a,
    ASC_READ_ERROR = 0x11,
    REASON_COD = 0x01,
    REASON_IO = 0x02,
    PROFILE_CDROM = 0x0008,
};

/* The blocks a READ puts in the buffer at once. */
#define READ_CHUNK_BLOCKS (IDE_BUF_SIZE / IDE_CD_SECTOR)

static uint32_t medium_blocks(const IdeDrive *d)
{
    uint64_t n = d->image ? d->image->size / IDE_CD_SECTOR : 0;
    return n > 0xffffffffu ? 0xffffffffu : (uint32_t)n;
}

void atapi_complete(IdeChannel *c, IdeDrive *d)
{
    d->transfer = IDE_XFER_NONE;
    d->count = REASON_IO | REASON_COD;
    if (d->sense_key) {
        d->status = IDE_STATUS_DRDY | IDE_STATUS_ERR;
        d->error = (uint8_t)(d->sense_key << 4 | IDE_ERROR_ABRT);
    } else {
        d->status = IDE_STATUS_DRDY | IDE_STATUS_DSC;
        d->error = 0;
    }
    ide_raise_irq(c, d);
}

static void check_condition(IdeChannel *c, IdeDrive *d, uint8_t key, uint8_t asc)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = 0;
    d->blocks_left = 0;
    atapi_complete(c, d);
}

static void start_pio_block(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = d->buf_len - d->buf_pos;
    n = n < d->byte_limit ? n : d->byte_limit;
    d->drq_end = d->buf_pos + n;
    d->lba_mid = (uint8_t)n;
    d->lba_high = (uint8_t)(n >> 8);
    d->count = REASON_IO;
    d->status = IDE_STATUS_DRDY | IDE_STATUS_DRQ;
    ide_raise_irq(c, d);
}

/* Sends buf[0..len) (and, for a READ, the blocks after it) to the host. */
static void send_data(IdeChannel *c, IdeDrive *d, uint32_t len)
{
    d->sense_key = d->asc = d->ascq = 0;
    d->buf_pos = 0;
    d->buf_len = len;
    if (len == 0 && !d->blocks_left) {
        atapi_complete(c, d);
        return;
    }
    if (d->feature & 1) {
        d->transfer = IDE_XFER_DMA_IN;
        d->status = IDE_STATUS_DRDY | IDE_STATUS_DRQ;
        if (c->dma_ready) {
            c->dma_ready(c->dma_opaque);
        }
        return;
    }
    d->transfer = IDE_XFER_PIO_IN;
    start_pio_block(c, d);
}

bool atapi_refill(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = d->blocks_left < READ_CHUNK_BLOCKS ? d->blocks_left : READ_CHUNK_BLOCKS;
    if (block_image_read(d->image, d->lba * IDE_CD_SECTOR, d->buf, (size_t)n * IDE_CD_SECTOR) <
        0) {
        check_condition(c, d, SENSE_MEDIUM_ERROR, ASC_READ_ERROR);
        return false;
    }
    d->lba += n;
    d->blocks_left -= n;
    d->buf_pos = 0;
    d->buf_len = n * IDE_CD_SECTOR;
    return true;
}

void atapi_pio_block_done(IdeChannel *c, IdeDrive *d)
{
    if (d->buf_pos < d->buf_len) {
        start_pio_block(c, d);
    } else if (d->blocks_left) {
        if (atapi_refill(c, d)) {
            start_pio_block(c, d);
        }
    } else {
        atapi_complete(c, d);
    }
}

static bool require_medium(IdeChannel *c, IdeDrive *d)
{
    if (!d->image) {
        check_condition(c, d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        return false;
    }
    return true;
}

/* Truncates a reply to the allocation length and sends it. */
static void reply(IdeChannel *c, IdeDrive *d, uint32_t len, uint32_t alloc)
{
    d->blocks_left = 0;
    send_data(c, d, len < alloc ? len : alloc);
}

static void do_read(IdeChannel *c, IdeDrive *d, uint32_t lba, uint32_t blocks)
{
    if (!require_medium(c, d)) {
        return;
    }
    if (lba > medium_blocks(d) || blocks > medium_blocks(d) - lba) {
        check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    d->lba = lba;
    d->blocks_left = blocks;
    if (blocks == 0) {
        send_data(c, d, 0);
        return;
    }
    if (atapi_refill(c, d)) {
        send_data(c, d, d->buf_len);
    }
}

/* An address in the TOC: LBA, or (MSF) minutes, seconds and frames from the 2-second gap. */
static void put_address(uint8_t *p, uint32_t lba, bool is_msf)
{
    if (!is_msf) {
        st_be32(p, lba);
        return;
    }
    uint32_t f = lba + 150;
    p[0] = 0;
    p[1] = (uint8_t)(f / (75 * 60));
    p[2] = (uint8_t)(f / 75 % 60);
    p[3] = (uint8_t)(f % 75);
}

static void read_toc(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    if (!require_medium(c, d)) {
        return;
    }
    bool is_msf = cdb[1] & 2;
    unsigned format = cdb[2] & 0x0f;
    uint32_t alloc = ld_be16(cdb + 7);
    uint8_t *b = d->buf;
    memset(b, 0, 32);
    if (format == 0) {
        unsigned first = cdb[6];
        if (first > 1 && first != 0xaa) {
            check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        uint32_t len = 4;
        b[2] = 1; /* first and last track */
        b[3] = 1;
        if (first <= 1) {
            b[len + 1] = 0x14; /* ADR 1, control: data track */
            b[len + 2] = 1;
            put_address(b + len + 4, 0, is_msf);
            len += 8;
        }
        b[len + 1] = 0x14;
        b[len + 2] = 0xaa; /* lead-out */
        put_address(b + len + 4, medium_blocks(d), is_msf);
        len += 8;
        st_be16(b, (uint16_t)(len - 2));
        reply(c, d, len, alloc);
    } else if (format == 1) {
        st_be16(b, 10);
        b[2] = 1; /* first and last complete session */
        b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        put_address(b + 8, 0, is_msf);
        reply(c, d, 12, alloc);
    } else {
        check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
    }
}

static void get_configuration(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    uint8_t *b = d->buf;
    memset(b, 0, 32);
    uint16_t current = d->image ? PROFILE_CDROM : 0;
    st_be16(b + 6, current);
    /* Feature 0000h, profile list: one profile, CD-ROM. */
    b[10] = 0x03; /* persistent, current */
    b[11] = 4;
    st_be16(b + 12, PROFILE_CDROM);
    b[14] = current ? 1 : 0;
    /* Feature 0001h, core: ATAPI interface (2). */
    st_be16(b + 16, 0x0001);
    b[18] = 0x0b; /* version 2, persistent, current */
    b[19] = 8;
    st_be32(b + 20, 2);
    st_be32(b, 28 - 4);
    reply(c, d, 28, ld_be16(cdb + 7));
}

static void get_event_status(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    if (!(cdb[1] & 1)) {
        check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD); /* only polled */
        return;
    }
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[3] = 0x10; /* supported classes: media */
    if (!(cdb[4] & 0x10)) {
        st_be16(b, 2);
        b[2] = 0x80; /* no event available in the classes asked for */
        reply(c, d, 4, ld_be16(cdb + 7));
        return;
    }
    st_be16(b, 6);
    b[2] = 0x04; /* media class */
    b[4] = d->has_media_event ? 0x02 : 0x00; /* new media */
    b[5] = d->image ? 0x02 : 0x00;           /* media present */
    d->has_media_event = false;
    reply(c, d, 8, ld_be16(cdb + 7));
}

static void mode_sense(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    unsigned page = cdb[2] & 0x3f;
    uint8_t *b = d->buf;
    memset(b, 0, 64);
    uint32_t len = 8;
    if (page == 0x01 || page == 0x3f) {
        b[len] = 0x01; /* read error recovery: defaults */
        b[len + 1] = 0x0a;
        len += 12;
    }
    if (page == 0x2a || page == 0x3f) {
        uint8_t *p = b + len;
        p[0] = 0x2a; /* CD capabilities and mechanical status */
        p[1] = 0x12;
        p[2] = 0x00;  /* reads CD-ROM */
        p[4] = 0x71;  /* audio play, mode 2 forms, multi-session */
        p[5] = 0xff;
        p[6] = (uint8_t)(0x29 | (d->is_tray_locked ? 0x02 : 0)); /* lock, eject, tray */
        st_be16(p + 8, 706);   /* maximum speed, kB/s (4x) */
        st_be16(p + 10, 2);    /* volume levels */
        st_be16(p + 12, 512);  /* buffer size, KiB */
        st_be16(p + 14, 706);  /* current speed */
        len += 20;
    }
    if (len == 8) {
        check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    st_be16(b, (uint16_t)(len - 2));
    b[2] = d->image ? 0x01 : 0x70; /* medium type: 120 mm data disc, or none */
    reply(c, d, len, ld_be16(cdb + 7));
}

void atapi_execute(IdeChannel *c, IdeDrive *d)
{
    uint8_t cdb[12];
    memcpy(cdb, d->buf, sizeof(cdb));
    uint8_t *b = d->buf;
    if (cdb[0] != 0x03) {
        d->sense_key = d->asc = d->ascq = 0;
    }
    switch (cdb[0]) {
    case 0x00: /* TEST UNIT READY */
        if (require_medium(c, d)) {
            atapi_complete(c, d);
        }
        break;
    case 0x03: { /* REQUEST SENSE, fixed format */
        memset(b, 0, 18);
        b[0] = 0x70;
        b[2] = d->sense_key;
        b[7] = 10;
        b[12] = d->asc;
        b[13] = d->ascq;
        d->sense_key = d->asc = d->ascq = 0;
        reply(c, d, 18, cdb[4]);
        break;
    }
    case 0x12: /* INQUIRY, standard data */
        memset(b, 0, 36);
        b[0] = 0x05; /* CD/DVD device */
        b[1] = 0x80; /* removable */
        b[2] = 0x05;
        b[3] = 0x32; /* ATAPI-style response data format 2 */
        b[4] = 31;
        memcpy(b + 8, "VIREO   ", 8);
        memcpy(b + 16, "VIREO DVD-ROM   ", 16);
        memcpy(b + 32, "1.0 ", 4);
        reply(c, d, 36, cdb[4]);
        break;
    case 0x1b: /* START STOP UNIT: the tray stays, the medium too */
    case 0x2b: /* SEEK(10) */
    case 0xbb: /* SET CD SPEED */
        atapi_complete(c, d);
        break;
    case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
        d->is_tray_locked = cdb[4] & 1;
        atapi_complete(c, d);
        break;
    case 0x25: /* READ CAPACITY */
        if (require_medium(c, d)) {
            st_be32(b, medium_blocks(d) ? medium_blocks(d) - 1 : 0);
            st_be32(b + 4, IDE_CD_SECTOR);
            reply(c, d, 8, 8);
        }
        break;
    case 0x28: /* READ(10) */
        do_read(c, d, ld_be32(cdb + 2), ld_be16(cdb + 7));
        break;
    case 0xa8: /* READ(12) */
        do_read(c, d, ld_be32(cdb + 2), ld_be32(cdb + 6));
        break;
    case 0x43:
        read_toc(c, d, cdb);
        break;
    case 0x46:
        get_configuration(c, d, cdb);
        break;
    case 0x4a:
        get_event_status(c, d, cdb);
        break;
    case 0x5a:
        mode_sense(c, d, cdb);
        break;
    case 0xbd: /* MECHANISM STATUS: no changer, no slots */
        memset(b, 0, 8);
        reply(c, d, 8, ld_be16(cdb + 8));
        break;
    default:
        check_condition(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        break;
    }
}

void atapi_identify(const IdeDrive *d, uint8_t *out)
{
    uint16_t w[256] = { 0 };
    w[0] = 0x85c0;      /* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets */
    w[49] = 1u << 9 | 1u << 8;
    w[53] = 1u << 1 | 1u << 2;
    w[63] = 0x07;
    w[64] = 0x03;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x7e;
    w[82] = 1u << 14 | 1u << 4; /* NOP, PACKET */
    w[83] = 1u << 14;
    w[84] = 1u << 14;
    w[85] = 1u << 4;
    w[87] = 1u << 14;
    w[88] = 0x3f;
    w[93] = 1u << 14 | 1u << 13 | 1;
    for (unsigned i = 0; i < 256; i++) {
        st_le16(out + 2 * i, w[i]);
    }
    ide_set_string(out + 20, 20, d->serial);
    ide_set_string(out + 46, 8, "1.0");
    ide_set_string(out + 54, 40, "VIREO DVD-ROM");
}
