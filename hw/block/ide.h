/*
 * hw/block/ide.h: one IDE channel (ATA/ATAPI-6, T13/1410D, and ATA8-ACS for the commands): a
 * master and a slave on a shared task file, each a hard disk (ATA) or a CD-ROM (ATAPI with the
 * SCSI MMC packet commands of hw/block/atapi.c), or absent.
 *
 * Registers (§7): the command block at base+0..7 (data, error/features, sector count, LBA
 * low/mid/high, device, status/command) and the control block (alternate status / device
 * control: nIEN, SRST, HOB). Writes reach both devices; the DEV bit picks the one that answers.
 * LBA48 registers keep their previous value (HOB). INTRQ follows the selected device's pending
 * interrupt unless nIEN; reading Status (not Alternate Status) clears it.
 *
 * Transfers: PIO through the data register, one sector (or a READ/WRITE MULTIPLE block) per
 * DRQ; DMA through the PCI bus master (hw/block/piix_ide.c), which calls ide_dma_start when its
 * start bit is set and a DMA command waits. Image errors become ABRT/UNC (ATA) or a MEDIUM
 * ERROR sense (ATAPI), never a stop of the emulator. Commands vireo does not know get ABRT.
 */
#ifndef VIREO_HW_BLOCK_IDE_H
#define VIREO_HW_BLOCK_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/block/image.h"
#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/irq.h"

#define IDE_SECTOR 512
#define IDE_CD_SECTOR 2048
#define IDE_BUF_SIZE (128u * 1024) /* largest PIO block: 256 sectors of a READ MULTIPLE */

/* Status and error bits (§7.15, §7.9). */
enum {
    IDE_STATUS_ERR = 0x01,
    IDE_STATUS_DRQ = 0x08,
    IDE_STATUS_DSC = 0x10,
    IDE_STATUS_DF = 0x20,
    IDE_STATUS_DRDY = 0x40,
    IDE_STATUS_BSY = 0x80,
    IDE_ERROR_ABRT = 0x04,
    IDE_ERROR_IDNF = 0x10,
    IDE_ERROR_UNC = 0x40,
    IDE_DEVCTL_NIEN = 0x02,
    IDE_DEVCTL_SRST = 0x04,
    IDE_DEVCTL_HOB = 0x80,
};

typedef enum IdeKind {
    IDE_KIND_NONE,
    IDE_KIND_DISK,
    IDE_KIND_CDROM,
} IdeKind;

/* What the data register or the DMA engine moves next. */
typedef enum IdeTransfer {
    IDE_XFER_NONE,
    IDE_XFER_PIO_IN,   /* device to host */
    IDE_XFER_PIO_OUT,  /* host to device */
    IDE_XFER_PACKET,   /* the 12 bytes of an ATAPI command */
    IDE_XFER_DMA_IN,
    IDE_XFER_DMA_OUT,
} IdeTransfer;

typedef struct IdeDrive {
    uint8_t kind;            /* IdeKind, fixed by the configuration */
    /* The task file as this device latched it: current and previous (HOB) bytes. */
    uint8_t feature, count, lba_low, lba_mid, lba_high;
    uint8_t hob_feature, hob_count, hob_lba_low, hob_lba_mid, hob_lba_high;
    uint8_t device, status, error;
    bool has_irq;            /* INTRQ pending for this device */
    /* The command under way. */
    uint8_t command;
    uint8_t transfer;        /* IdeTransfer */
    uint64_t lba;            /* next sector (ATA) or 2048-byte block (ATAPI) */
    uint32_t blocks_left;    /* sectors/blocks still to move after the buffer */
    uint16_t multiple;       /* sectors per DRQ block for READ/WRITE MULTIPLE (0: off) */
    uint32_t buf_pos, buf_len;
    uint32_t drq_end;        /* PIO: where the current DRQ block ends in buf */
    uint16_t byte_limit;     /* ATAPI PIO: bytes per DRQ block the host asked for */
    bool is_write_cache;     /* SET FEATURES 02h/82h */
    /* ATAPI sense data (SPC-3 fixed format: key, ASC, ASCQ) and the unit's medium state. */
    uint8_t sense_key, asc, ascq;
    bool is_tray_locked;
    bool has_media_event;    /* a new medium since the last GET EVENT STATUS NOTIFICATION */
    uint8_t buf[IDE_BUF_SIZE];
    /* Host side, not saved. */
    BlockImage *image;       /* the disk, or the CD's medium (NULL: none) */
    char serial[21];
} IdeDrive;

/* The bus master's half of a DMA transfer: moves up to len bytes between buf and guest memory
 * along its PRD table; returns the bytes moved (fewer when the table ends first). */
typedef size_t (*IdeDmaMove)(void *opaque, uint8_t *buf, size_t len, bool is_to_memory);

typedef struct IdeChannel {
    IdeDrive drive[2];
    uint8_t devctl;
    uint8_t selected;        /* DEV bit of the last device register write */
    bool irq_level;
    /* Host side, not saved. */
    IrqLine irq;
    void (*dma_ready)(void *opaque); /* a DMA command waits for the bus master */
    void *dma_opaque;
} IdeChannel;

extern const StateDesc ide_channel_state_desc;

/*
 * Registers the channel's ports (command block at base, 8 ports; control block at ctl_base)
 * and attaches images: kinds[i] says what drive i is, images[i] its disk or medium (a disk
 * needs one). Returns 0 or a negative errno.
 */
int ide_channel_init(IdeChannel *c, PortSpace *ports, uint16_t base, uint16_t ctl_base,
                     const IdeKind kinds[2], BlockImage *const images[2]);
void ide_channel_reset(IdeChannel *c);

/* Register access as the ports see it (also for tests). */
uint32_t ide_read(IdeChannel *c, unsigned reg, unsigned size);
void ide_write(IdeChannel *c, unsigned reg, uint32_t value, unsigned size);
uint8_t ide_read_alt_status(IdeChannel *c);
void ide_write_devctl(IdeChannel *c, uint8_t value);

/*
 * The bus master is started: runs the selected device's pending DMA transfer to its end with
 * `move`. Returns false if no DMA transfer was pending; *is_short is set when the PRD table
 * ended before the transfer did.
 */
bool ide_dma_start(IdeChannel *c, IdeDmaMove move, void *opaque, bool *is_short);

/* ATAPI (hw/block/atapi.c): runs the 12-byte packet in d->buf. */
void atapi_execute(IdeChannel *c, IdeDrive *d);
/* The host took a PIO DRQ block: the next one, or the status phase. */
void atapi_pio_block_done(IdeChannel *c, IdeDrive *d);
/* Reads the next blocks of a READ into the buffer; false (command ended with a sense) on a
 * medium error. */
bool atapi_refill(IdeChannel *c, IdeDrive *d);
/* The status phase of a command whose data moved. */
void atapi_complete(IdeChannel *c, IdeDrive *d);
/* Fills the 512-byte IDENTIFY PACKET DEVICE data. */
void atapi_identify(const IdeDrive *d, uint8_t *out);

/* Shared by ide.c and atapi.c. */
void ide_raise_irq(IdeChannel *c, IdeDrive *d);
void ide_set_string(uint8_t *words, size_t bytes, const char *s);

#endif
