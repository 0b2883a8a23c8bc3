/*
 * tests/guest/hw/ide32.c: the PIIX IDE controller as a driver sees it, run under QEMU (the
 * reference) and vireo with the same images (tests/guest/hw/run-ide.sh): a 1 MiB disk at the
 * primary master whose byte at offset o is (o / 512 * 7 + o % 512) mod 256, and a 64-block
 * CD image at the secondary master whose byte at o is (o / 2048 * 13 + (o % 2048) * 3) mod 256.
 *
 * ATA/ATAPI-6: IDENTIFY (§8.15), READ SECTORS (§8.27) and READ SECTORS EXT with the 48-bit
 * register protocol (§8.28), WRITE SECTORS (§8.43), FLUSH CACHE (§8.11), a sector past the
 * end (error), an absent slave (status 0); SFF-8038i bus-master READ DMA through a two-entry
 * PRD table; ATAPI IDENTIFY PACKET DEVICE and the PACKET protocol (§9.10) with INQUIRY,
 * READ CAPACITY and READ(10) (MMC-5). The guest writes sector 100 (byte j = (3j + 1) mod 256),
 * which the runner finds in the image afterwards. Polled, with the CPU's interrupts off.
 */
#include "guest.h"

#define PRI 0x1f0
#define PRI_CTL 0x3f6
#define SEC 0x170
#define BM_BASE 0xc000
#define DISK_SECTORS 2048u
#define CD_BLOCKS 64u
#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DRQ 0x08
#define ST_ERR 0x01

static uint8_t disk_byte(uint32_t off)
{
    return (uint8_t)(off / 512 * 7 + off % 512);
}

static uint8_t cd_byte(uint32_t off)
{
    return (uint8_t)(off / 2048 * 13 + (off % 2048) * 3);
}

/* Status once BSY is clear; 0xff if it never clears. */
static uint8_t wait_ready(uint16_t base)
{
    for (unsigned i = 0; i < 1000000; i++) {
        uint8_t s = guest_in8((uint16_t)(base + 7));
        if (!(s & ST_BSY)) {
            return s;
        }
    }
    return 0xff;
}

static void lba28(uint16_t base, uint8_t count, uint32_t lba, uint8_t cmd)
{
    guest_out8((uint16_t)(base + 6), (uint8_t)(0xe0 | ((lba >> 24) & 0x0f)));
    guest_out8((uint16_t)(base + 2), count);
    guest_out8((uint16_t)(base + 3), (uint8_t)lba);
    guest_out8((uint16_t)(base + 4), (uint8_t)(lba >> 8));
    guest_out8((uint16_t)(base + 5), (uint8_t)(lba >> 16));
    guest_out8((uint16_t)(base + 7), cmd);
}

static void read_words(uint16_t base, uint8_t *buf, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i += 2) {
        uint16_t w = guest_in16(base);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static uint8_t buf[8192] __attribute__((aligned(16)));
static uint8_t dma_buf[4 * 512] __attribute__((aligned(4096)));
static uint32_t prd[4] __attribute__((aligned(16)));

static void check_identify(void)
{
    guest_out8(PRI + 6, 0xa0);
    guest_out8(PRI + 7, 0xec);
    uint8_t s = wait_ready(PRI);
    GUEST_CHECK("identify-drq", (s & (ST_DRQ | ST_ERR)) == ST_DRQ);
    read_words(PRI, buf, 512);
    uint32_t sectors = (uint32_t)buf[120] | (uint32_t)buf[121] << 8 | (uint32_t)buf[122] << 16 |
                       (uint32_t)buf[123] << 24;
    GUEST_CHECK_EQ("identify-lba28-sectors", sectors, DISK_SECTORS);
    GUEST_CHECK("identify-ata-device", !(buf[1] & 0x80));
    GUEST_CHECK("identify-lba48-supported", buf[167] & (1u << 2));
    GUEST_CHECK("identify-drq-clear-after-data", !(guest_in8(PRI + 7) & ST_DRQ));
}

static bool sector_matches(const uint8_t *data, uint32_t lba)
{
    for (unsigned j = 0; j < 512; j++) {
        if (data[j] != disk_byte(lba * 512 + j)) {
            return false;
        }
    }
    return true;
}

static void check_pio(void)
{
    lba28(PRI, 2, 5, 0x20);
    bool ok = true;
    for (unsigned s = 0; s < 2; s++) {
        ok &= (wait_ready(PRI) & (ST_DRQ | ST_ERR)) == ST_DRQ;
        read_words(PRI, buf, 512);
        ok &= sector_matches(buf, 5 + s);
    }
    GUEST_CHECK("pio-read-sectors-5-6", ok);

    /* READ SECTORS EXT of sector 1000: each register written twice, previous byte first. */
    guest_out8(PRI + 6, 0x40);
    const uint8_t hob[4] = { 0, 0, 0, 0 }, cur[4] = { 1, 1000 & 0xff, 1000 >> 8, 0 };
    for (unsigned r = 0; r < 4; r++) {
        guest_out8((uint16_t)(PRI + 2 + r), hob[r]);
        guest_out8((uint16_t)(PRI + 2 + r), cur[r]);
    }
    guest_out8(PRI + 7, 0x24);
    ok = (wait_ready(PRI) & (ST_DRQ | ST_ERR)) == ST_DRQ;
    read_words(PRI, buf, 512);
    GUEST_CHECK("pio-read-sectors-ext-1000", ok && sector_matches(buf, 1000));

    lba28(PRI, 1, 100, 0x30);
    ok = (wait_ready(PRI) & (ST_DRQ | ST_ERR)) == ST_DRQ;
    for (unsigned j = 0; j < 512; j += 2) {
        guest_out16(PRI, (uint16_t)((uint8_t)(3 * j + 1) | (uint8_t)(3 * (j + 1) + 1) << 8));
    }
    ok &= (wait_ready(PRI) & (ST_DRQ | ST_ERR | ST_DRDY)) == ST_DRDY;
    lba28(PRI, 0, 0, 0xe7);
    ok &= (wait_ready(PRI) & (ST_ERR | ST_DRDY)) == ST_DRDY;
    GUEST_CHECK("pio-write-sector-100-and-flush", ok);

    lba28(PRI, 1, DISK_SECTORS, 0x20);
    GUEST_CHECK("read-past-the-end-fails", wait_ready(PRI) & ST_ERR);

    guest_out8(PRI + 6, 0xb0);
    GUEST_CHECK_EQ("absent-slave-status", guest_in8(PRI + 7), 0);
    guest_out8(PRI + 6, 0xa0);
}

static void check_dma(void)
{
    const unsigned ide = 1 << 3 | 1;
    GUEST_CHECK_EQ("pci-ide-id", guest_pci_read32(ide, 0), 0x70108086u);
    guest_pci_write32(ide, 0x20, BM_BASE | 1);
    guest_pci_write32(ide, 0x04, guest_pci_read32(ide, 0x04) | 0x05); /* I/O space, bus master */
    for (unsigned i = 0; i < sizeof(dma_buf); i++) {
        dma_buf[i] = 0;
    }
    prd[0] = (uint32_t)(uintptr_t)dma_buf;
    prd[1] = 700;
    prd[2] = (uint32_t)(uintptr_t)dma_buf + 700;
    prd[3] = (uint32_t)(sizeof(dma_buf) - 700) | 0x80000000u;
    guest_out32(BM_BASE + 4, (uint32_t)(uintptr_t)prd);
    guest_out8(BM_BASE + 2, 0x06); /* clear interrupt and error */
    lba28(PRI, 4, 100, 0xc8);
    guest_out8(BM_BASE, 0x09);
    uint8_t bm = 0;
    for (unsigned i = 0; i < 1000000 && !((bm = guest_in8(BM_BASE + 2)) & 0x04); i++) {
    }
    guest_out8(BM_BASE, 0x00);
    GUEST_CHECK_EQ("bm-status-interrupt-not-active", bm & 7, 0x04);
    GUEST_CHECK("dma-read-status", (wait_ready(PRI) & (ST_ERR | ST_DRQ | ST_DRDY)) == ST_DRDY);
    bool ok = true;
    for (unsigned j = 0; j < 512; j++) {
        ok &= dma_buf[j] == (uint8_t)(3 * j + 1);
    }
    for (unsigned s = 1; s < 4; s++) {
        ok &= sector_matches(dma_buf + s * 512, 100 + s);
    }
    GUEST_CHECK("dma-read-sectors-100-103", ok);
}

/* Sends a 12-byte ATAPI packet to the secondary master (PIO, byte count limit 0xfffe). */
static uint8_t atapi_packet(const uint8_t cdb[12])
{
    guest_out8(SEC + 6, 0xa0);
    guest_out8(SEC + 1, 0);
    guest_out8(SEC + 4, 0xfe);
    guest_out8(SEC + 5, 0xff);
    guest_out8(SEC + 7, 0xa0);
    uint8_t s = wait_ready(SEC);
    if ((s & (ST_DRQ | ST_ERR)) != ST_DRQ) {
        return s;
    }
    for (unsigned i = 0; i < 12; i += 2) {
        guest_out16(SEC, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
    }
    return wait_ready(SEC);
}

/* Reads the reply's DRQ blocks into buf; returns the bytes, or -1 on an error status. */
static int atapi_reply(uint8_t s)
{
    unsigned total = 0;
    while ((s & (ST_DRQ | ST_ERR)) == ST_DRQ) {
        unsigned n = guest_in8(SEC + 4) | guest_in8(SEC + 5) << 8;
        if (total + n > sizeof(buf)) {
            return -1;
        }
        read_words(SEC, buf + total, n);
        total += n;
        s = wait_ready(SEC);
    }
    return (s & ST_ERR) ? -1 : (int)total;
}

static void check_atapi(void)
{
    guest_out8(SEC + 6, 0xa0);
    guest_out8(SEC + 7, 0xa1);
    uint8_t s = wait_ready(SEC);
    GUEST_CHECK("identify-packet-drq", (s & (ST_DRQ | ST_ERR)) == ST_DRQ);
    read_words(SEC, buf, 512);
    GUEST_CHECK_EQ("identify-packet-word0", buf[0] | buf[1] << 8, 0x85c0);

    const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
    int n = atapi_reply(atapi_packet(inquiry));
    GUEST_CHECK("inquiry-cdrom-removable", n == 36 && buf[0] == 5 && (buf[1] & 0x80));

    /* A new medium may report UNIT ATTENTION once (MMC-5 §4.1.6.1): retry, as drivers do. */
    const uint8_t tur[12] = { 0x00 };
    const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    bool ready = false;
    for (unsigned i = 0; i < 4 && !ready; i++) {
        ready = atapi_reply(atapi_packet(tur)) == 0;
        if (!ready) {
            atapi_reply(atapi_packet(sense));
        }
    }
    GUEST_CHECK("test-unit-ready", ready);

    const uint8_t capacity[12] = { 0x25 };
    n = atapi_reply(atapi_packet(capacity));
    uint32_t last = (uint32_t)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3];
    uint32_t size = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
    GUEST_CHECK("read-capacity", n == 8 && last == CD_BLOCKS - 1 && size == 2048);

    const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
    n = atapi_reply(atapi_packet(read10));
    bool ok = n == 4096;
    for (unsigned i = 0; ok && i < 4096; i++) {
        ok = buf[i] == cd_byte(3 * 2048 + i);
    }
    GUEST_CHECK("atapi-read10-blocks-3-4", ok);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    /* The primary channel keeps its interrupt enabled (the bus master's Interrupt bit follows
     * INTRQ); the CPU runs with interrupts off, so nothing is delivered. */
    guest_out8(PRI_CTL, 0x00);
    guest_out8(0x376, 0x02);
    guest_out8(PRI + 6, 0xa0); /* the firmware may have left the slave selected */
    GUEST_CHECK("master-ready", (wait_ready(PRI) & (ST_BSY | ST_DRDY)) == ST_DRDY);
    check_identify();
    check_pio();
    check_dma();
    check_atapi();
    return guest_finish_checks();
}
