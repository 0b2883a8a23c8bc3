/*
 * tests/unit/test_hw_ide.c: the PIIX3 IDE function driven through its ports as a driver does,
 * with expectations from ATA/ATAPI-6 (register protocol, signatures, IDENTIFY layout, error
 * bits), SPC-3/MMC-5 (sense data, INQUIRY, READ CAPACITY, READ TOC) and SFF-8038i (PRD tables,
 * bus master status). The disk and CD images are files of known patterns, so every byte read
 * or written is checked against the file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hw/block/piix_ide.h"
#include "snapshot/state.h"
#include "util/endian.h"

#define DISK_SECTORS 2048u
#define CD_BLOCKS 64u
#define RAM_SIZE (1u << 20)
#define BM_BASE 0xc000
#define PRD_ADDR 0x1000
#define DMA_BUF 0x10000

static PortSpace *ports;
static PhysMap *map;
static uint8_t *ram;
static PciBus bus;
static PiixIdeState ide;
static bool irq_level[2];
static unsigned irq_rises[2];
static char disk_path[64], cd_path[64];
static BlockImage *disk, *cd;

static void record_irq(void *opaque, int n, bool level)
{
    (void)opaque;
    if (level && !irq_level[n]) {
        irq_rises[n]++;
    }
    irq_level[n] = level;
}

static uint8_t disk_byte(uint64_t off)
{
    return (uint8_t)(off / IDE_SECTOR * 7 + off % IDE_SECTOR);
}

static uint8_t cd_byte(uint64_t off)
{
    return (uint8_t)(off / IDE_CD_SECTOR * 13 + (off % IDE_CD_SECTOR) * 3);
}

static void make_file(char *path, const char *tmpl, size_t size, uint8_t (*byte)(uint64_t))
{
    strcpy(path, tmpl);
    int fd = mkstemp(path);
    uint8_t *buf = malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = byte(i);
    }
    CHECK(fd >= 0 && write(fd, buf, size) == (ssize_t)size);
    close(fd);
    free(buf);
}

static void setup(bool has_cd_medium)
{
    ports = port_space_new();
    map = phys_map_new(32);
    ram = phys_region_host_ptr(phys_map_add_ram(map, "ram", 0, RAM_SIZE, NULL, 0));
    CHECK_EQ(pci_bus_init(&bus, ports), 0);
    make_file(disk_path, "/tmp/vireo-ide-disk-XXXXXX", DISK_SECTORS * IDE_SECTOR, disk_byte);
    make_file(cd_path, "/tmp/vireo-ide-cd-XXXXXX", CD_BLOCKS * IDE_CD_SECTOR, cd_byte);
    Error err;
    disk = block_image_open(disk_path, "raw", false, &err);
    cd = has_cd_medium ? block_image_open(cd_path, "raw", true, &err) : NULL;
    memset(&ide, 0, sizeof(ide));
    ide.channel[0].irq = irq_line(record_irq, NULL, 0);
    ide.channel[1].irq = irq_line(record_irq, NULL, 1);
    const IdeKind kinds[4] = { IDE_KIND_DISK, IDE_KIND_NONE, IDE_KIND_CDROM, IDE_KIND_NONE };
    BlockImage *const images[4] = { disk, NULL, cd, NULL };
    CHECK_EQ(piix_ide_init(&ide, &bus, ports, map, kinds, images), 0);
    irq_level[0] = irq_level[1] = false;
    irq_rises[0] = irq_rises[1] = 0;
    /* The bus master at BM_BASE, with I/O decoding and bus mastering on. */
    pci_config_write(&bus, PIIX_IDE_DEVFN, 0x20, BM_BASE | 1, 4);
    pci_config_write(&bus, PIIX_IDE_DEVFN, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
}

static void teardown(void)
{
    block_image_close(disk);
    block_image_close(cd);
    unlink(disk_path);
    unlink(cd_path);
    port_space_free(ports);
    phys_map_free(map);
}

static uint32_t in(uint16_t port, unsigned size)
{
    return port_read(ports, port, size);
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
    port_write(ports, port, v, size);
}

/* Primary channel registers. */
static void ata_command(uint8_t dev, uint8_t count, uint32_t lba, uint8_t cmd)
{
    out(0x1f6, (uint32_t)(dev | 0x40 | ((lba >> 24) & 0x0f)), 1);
    out(0x1f2, count, 1);
    out(0x1f3, lba & 0xff, 1);
    out(0x1f4, (lba >> 8) & 0xff, 1);
    out(0x1f5, (lba >> 16) & 0xff, 1);
    out(0x1f7, cmd, 1);
}

static void read_words(uint16_t port, uint8_t *buf, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 2) {
        st_le16(buf + i, (uint16_t)in(port, 2));
    }
}

static void test_hw_ide_reset_signatures(void)
{
    setup(true);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    CHECK_EQ(in(0x1f1, 1), 0x01); /* diagnostic code: passed */
    CHECK_EQ(in(0x1f2, 1), 1);
    CHECK_EQ(in(0x1f3, 1), 1);
    CHECK_EQ(in(0x1f4, 1), 0);
    CHECK_EQ(in(0x1f5, 1), 0);
    /* The ATAPI signature (§9.12): cylinder registers 14h EBh. */
    CHECK_EQ(in(0x174, 1), 0x14);
    CHECK_EQ(in(0x175, 1), 0xeb);
    /* An absent slave next to a present master reads 0. */
    out(0x1f6, 0xb0, 1);
    CHECK_EQ(in(0x1f7, 1), 0);
    /* Software reset: BSY while SRST is set, the signature again after. */
    out(0x1f6, 0xa0, 1);
    out(0x1f2, 0x55, 1);
    out(0x3f6, IDE_DEVCTL_SRST, 1);
    CHECK_EQ(in(0x3f6, 1) & IDE_STATUS_BSY, IDE_STATUS_BSY);
    out(0x3f6, 0, 1);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    CHECK_EQ(in(0x1f2, 1), 1);
    /* PCI identity: 8086:7010, class 01h/01h/80h. */
    CHECK_EQ(pci_config_read(&bus, PIIX_IDE_DEVFN, 0, 4), 0x70108086u);
    CHECK_EQ(pci_config_read(&bus, PIIX_IDE_DEVFN, 8, 4) >> 8, 0x010180u);
    teardown();
}

static void test_hw_ide_identify(void)
{
    setup(true);
    ata_command(0xa0, 0, 0, 0xec);
    CHECK(irq_level[0]);
    CHECK_EQ(in(0x3f6, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC | IDE_STATUS_DRQ);
    CHECK(irq_level[0]); /* alternate status leaves the interrupt */
    in(0x1f7, 1);
    CHECK(!irq_level[0]); /* status acknowledges it */
    uint8_t id[512];
    read_words(0x1f0, id, 512);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    CHECK_EQ(ld_le16(id), 0x0040);
    CHECK_EQ(ld_le16(id + 120) | (uint32_t)ld_le16(id + 122) << 16, DISK_SECTORS);
    CHECK_EQ(ld_le16(id + 200), DISK_SECTORS);
    CHECK(ld_le16(id + 166) & (1u << 10)); /* 48-bit addressing */
    char model[41];
    for (unsigned i = 0; i < 40; i++) {
        model[i] = (char)id[54 + (i ^ 1)];
    }
    model[40] = 0;
    CHECK(strncmp(model, "VIREO HARDDISK ", 15) == 0);
    /* The CD-ROM aborts IDENTIFY DEVICE with its signature, answers IDENTIFY PACKET. */
    out(0x176, 0xa0, 1);
    out(0x177, 0xec, 1);
    CHECK_EQ(in(0x177, 1), IDE_STATUS_DRDY | IDE_STATUS_ERR);
    CHECK_EQ(in(0x171, 1), IDE_ERROR_ABRT);
    CHECK_EQ(in(0x174, 1), 0x14);
    out(0x177, 0xa1, 1);
    read_words(0x170, id, 512);
    CHECK_EQ(ld_le16(id), 0x85c0);
    teardown();
}

static void test_hw_ide_pio_read_write(void)
{
    setup(true);
    uint8_t buf[4 * IDE_SECTOR];
    ata_command(0xa0, 3, 5, 0x20);
    for (unsigned s = 0; s < 3; s++) {
        CHECK_EQ(in(0x1f7, 1) & IDE_STATUS_DRQ, IDE_STATUS_DRQ);
        read_words(0x1f0, buf + s * IDE_SECTOR, IDE_SECTOR);
    }
    CHECK_EQ(irq_rises[0], 3); /* one per sector */
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    bool same = true;
    for (unsigned i = 0; i < 3 * IDE_SECTOR; i++) {
        same &= buf[i] == disk_byte(5 * IDE_SECTOR + i);
    }
    CHECK(same);
    CHECK_EQ(in(0x1f3, 1), 7); /* the last sector transferred */
    /* WRITE SECTORS with 32-bit data accesses, then FLUSH CACHE: the file has the bytes. */
    for (unsigned i = 0; i < 2 * IDE_SECTOR; i++) {
        buf[i] = (uint8_t)(0xa5 ^ i);
    }
    irq_rises[0] = 0;
    ata_command(0xa0, 2, 10, 0x30);
    CHECK_EQ(irq_rises[0], 0);
    for (unsigned i = 0; i < 2 * IDE_SECTOR; i += 4) {
        out(0x1f0, ld_le32(buf + i), 4);
        if ((i + 4) % IDE_SECTOR == 0) {
            in(0x1f7, 1); /* the interrupt handler's status read after each sector */
        }
    }
    CHECK_EQ(irq_rises[0], 2);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    ata_command(0xa0, 0, 0, 0xe7);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    uint8_t file[2 * IDE_SECTOR];
    int fd = open(disk_path, O_RDONLY);
    CHECK(pread(fd, file, sizeof(file), 10 * IDE_SECTOR) == (ssize_t)sizeof(file));
    close(fd);
    CHECK(memcmp(file, buf, sizeof(file)) == 0);
    /* READ MULTIPLE after SET MULTIPLE 4: 8 sectors in two DRQ blocks. */
    ata_command(0xa0, 4, 0, 0xc6);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    irq_rises[0] = 0;
    ata_command(0xa0, 8, 0, 0xc4);
    in(0x1f7, 1);
    read_words(0x1f0, buf, 4 * IDE_SECTOR);
    in(0x1f7, 1);
    read_words(0x1f0, buf, 4 * IDE_SECTOR);
    CHECK_EQ(irq_rises[0], 2);
    CHECK_EQ(buf[0], disk_byte(4 * IDE_SECTOR));
    teardown();
}

static void test_hw_ide_lba48_chs_and_errors(void)
{
    setup(true);
    /* READ SECTORS EXT: count and LBA written twice, high bytes first (§8.29). */
    out(0x1f6, 0x40, 1);
    out(0x1f2, 0, 1);
    out(0x1f2, 1, 1);
    out(0x1f3, 0, 1);
    out(0x1f3, 0x21, 1);
    out(0x1f4, 0, 1);
    out(0x1f4, 0x03, 1);
    out(0x1f5, 0, 1);
    out(0x1f5, 0, 1);
    out(0x1f7, 0x24, 1);
    uint8_t buf[IDE_SECTOR];
    read_words(0x1f0, buf, IDE_SECTOR);
    CHECK_EQ(buf[1], disk_byte(0x321 * IDE_SECTOR + 1));
    out(0x3f6, IDE_DEVCTL_HOB, 1);
    CHECK_EQ(in(0x1f3, 1), 0); /* previous bytes through HOB */
    out(0x3f6, 0, 1);
    CHECK_EQ(in(0x1f4, 1), 0x03);
    /* CHS: cylinder 0, head 1, sector 2 = LBA 1 * 63 + 1. */
    out(0x1f6, 0xa1, 1);
    out(0x1f2, 1, 1);
    out(0x1f3, 2, 1);
    out(0x1f4, 0, 1);
    out(0x1f5, 0, 1);
    out(0x1f7, 0x20, 1);
    read_words(0x1f0, buf, IDE_SECTOR);
    CHECK_EQ(buf[0], disk_byte(64 * IDE_SECTOR));
    /* Past the end: IDNF and ABRT; an unknown command: ABRT; no DRQ either way. */
    ata_command(0xa0, 2, DISK_SECTORS - 1, 0x20);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_ERR);
    CHECK_EQ(in(0x1f1, 1), IDE_ERROR_IDNF | IDE_ERROR_ABRT);
    ata_command(0xa0, 0, 0, 0x00);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_ERR);
    CHECK_EQ(in(0x1f1, 1), IDE_ERROR_ABRT);
    ata_command(0xa0, 3, 0, 0xc6); /* not a power of two */
    CHECK_EQ(in(0x1f1, 1), IDE_ERROR_ABRT);
    teardown();
}

/* Writes a PRD table at PRD_ADDR: (address, bytes) pairs, the last with EOT. */
static void write_prds(const uint32_t *pairs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        st_le32(ram + PRD_ADDR + 8 * i, pairs[2 * i]);
        st_le16(ram + PRD_ADDR + 8 * i + 4, (uint16_t)pairs[2 * i + 1]);
        st_le16(ram + PRD_ADDR + 8 * i + 6, i == n - 1 ? 0x8000 : 0);
    }
}

static void test_hw_ide_bus_master_dma(void)
{
    setup(true);
    uint32_t prds[] = { DMA_BUF, 700, DMA_BUF + 700, 4 * IDE_SECTOR - 700 };
    write_prds(prds, 2);
    out(BM_BASE + 4, PRD_ADDR, 4);
    memset(ram + DMA_BUF, 0, 4 * IDE_SECTOR);
    ata_command(0xa0, 4, 100, 0xc8); /* READ DMA */
    CHECK(!irq_level[0]);
    out(BM_BASE, 0x09, 1); /* start, to memory */
    CHECK(irq_level[0]);
    CHECK_EQ(in(BM_BASE + 2, 1) & 7, 0x04); /* interrupt, not active, no error */
    bool same = true;
    for (unsigned i = 0; i < 4 * IDE_SECTOR; i++) {
        same &= ram[DMA_BUF + i] == disk_byte(100 * IDE_SECTOR + i);
    }
    CHECK(same);
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    out(BM_BASE + 2, 0x04, 1); /* write one to clear */
    CHECK_EQ(in(BM_BASE + 2, 1) & 4, 0);
    out(BM_BASE, 0, 1);
    /* WRITE DMA from memory, started before the command this time. */
    for (unsigned i = 0; i < 4 * IDE_SECTOR; i++) {
        ram[DMA_BUF + i] = (uint8_t)(i * 5);
    }
    out(BM_BASE, 0x01, 1);
    ata_command(0xa0, 4, 200, 0xca);
    CHECK_EQ(in(BM_BASE + 2, 1) & 7, 0x04);
    uint8_t file[4 * IDE_SECTOR];
    int fd = open(disk_path, O_RDONLY);
    CHECK(pread(fd, file, sizeof(file), 200 * IDE_SECTOR) == (ssize_t)sizeof(file));
    close(fd);
    CHECK(memcmp(file, ram + DMA_BUF, sizeof(file)) == 0);
    out(BM_BASE, 0, 1);
    /* With nIEN the INTRQ line stays low, so the Interrupt bit does not rise either. */
    out(BM_BASE + 2, 0x06, 1);
    out(0x3f6, IDE_DEVCTL_NIEN, 1);
    ata_command(0xa0, 1, 0, 0xc8);
    out(BM_BASE, 0x09, 1);
    CHECK_EQ(in(BM_BASE + 2, 1) & 6, 0x00); /* no interrupt, no error */
    CHECK_EQ(in(0x1f7, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    out(0x3f6, 0, 1);
    out(BM_BASE, 0, 1);
    /* A table longer than the transfer: Active stays set with the interrupt. */
    uint32_t longer[] = { DMA_BUF, 8 * IDE_SECTOR };
    write_prds(longer, 1);
    out(BM_BASE + 2, 0x06, 1);
    ata_command(0xa0, 1, 0, 0xc8);
    out(BM_BASE, 0x09, 1);
    CHECK_EQ(in(BM_BASE + 2, 1) & 7, 0x05);
    out(BM_BASE, 0, 1);
    /* A table shorter than the transfer: error, the command aborted. */
    uint32_t shorter[] = { DMA_BUF, IDE_SECTOR };
    write_prds(shorter, 1);
    out(BM_BASE + 2, 0x06, 1);
    ata_command(0xa0, 2, 0, 0xc8);
    out(BM_BASE, 0x09, 1);
    CHECK_EQ(in(BM_BASE + 2, 1) & 3, 0x02);
    CHECK_EQ(in(0x1f7, 1) & IDE_STATUS_ERR, IDE_STATUS_ERR);
    teardown();
}

/* Sends a 12-byte packet to the secondary master with a byte count limit; PIO unless dma. */
static void atapi_packet(const uint8_t cdb[12], uint16_t limit, bool is_dma)
{
    out(0x176, 0xa0, 1);
    out(0x171, is_dma ? 1 : 0, 1);
    out(0x174, limit & 0xff, 1);
    out(0x175, limit >> 8, 1);
    out(0x177, 0xa0, 1);
    CHECK_EQ(in(0x177, 1) & IDE_STATUS_DRQ, IDE_STATUS_DRQ);
    CHECK_EQ(in(0x172, 1) & 3, 1); /* CoD: the device wants the packet */
    for (unsigned i = 0; i < 12; i += 2) {
        out(0x170, ld_le16(cdb + i), 2);
    }
}

/* Reads one DRQ block; returns its byte count (from LBA mid/high). */
static unsigned atapi_read_block(uint8_t *buf)
{
    if (!(in(0x177, 1) & IDE_STATUS_DRQ)) {
        return 0;
    }
    CHECK_EQ(in(0x172, 1) & 3, 2); /* IO: data to the host */
    unsigned n = in(0x174, 1) | in(0x175, 1) << 8;
    read_words(0x170, buf, n);
    return n;
}

static void test_hw_ide_atapi_commands(void)
{
    setup(true);
    uint8_t buf[8192];
    uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
    atapi_packet(inquiry, 0xfffe, false);
    CHECK_EQ(atapi_read_block(buf), 36);
    CHECK_EQ(buf[0], 0x05);
    CHECK(memcmp(buf + 8, "VIREO", 5) == 0);
    CHECK_EQ(in(0x177, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    CHECK_EQ(in(0x172, 1) & 3, 3); /* status phase: IO and CoD */
    uint8_t capacity[12] = { 0x25 };
    atapi_packet(capacity, 0xfffe, false);
    CHECK_EQ(atapi_read_block(buf), 8);
    CHECK_EQ(ld_be32(buf), CD_BLOCKS - 1);
    CHECK_EQ(ld_be32(buf + 4), IDE_CD_SECTOR);
    /* READ(10) of 3 blocks from block 5, in DRQ blocks of at most 2048 bytes. */
    uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 3 };
    atapi_packet(read10, 2048, false);
    unsigned total = 0, n;
    while ((n = atapi_read_block(buf + total)) != 0) {
        CHECK(n <= 2048);
        total += n;
    }
    CHECK_EQ(total, 3 * IDE_CD_SECTOR);
    bool same = true;
    for (unsigned i = 0; i < total; i++) {
        same &= buf[i] == cd_byte(5 * IDE_CD_SECTOR + i);
    }
    CHECK(same);
    /* READ TOC format 0, LBA: track 1 at 0, lead-out at the block count. */
    uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100 };
    atapi_packet(toc, 0xfffe, false);
    CHECK_EQ(atapi_read_block(buf), 20);
    CHECK_EQ(buf[2], 1);
    CHECK_EQ(buf[6], 1);
    CHECK_EQ(ld_be32(buf + 8), 0);
    CHECK_EQ(buf[14], 0xaa);
    CHECK_EQ(ld_be32(buf + 16), CD_BLOCKS);
    /* Past the end: CHECK CONDITION, ILLEGAL REQUEST / LBA OUT OF RANGE in REQUEST SENSE. */
    uint8_t beyond[12] = { 0x28, 0, 0, 0, 0, CD_BLOCKS, 0, 0, 1 };
    atapi_packet(beyond, 0xfffe, false);
    CHECK_EQ(in(0x177, 1), IDE_STATUS_DRDY | IDE_STATUS_ERR);
    CHECK_EQ(in(0x171, 1), 0x50 | IDE_ERROR_ABRT);
    uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    atapi_packet(sense, 0xfffe, false);
    CHECK_EQ(atapi_read_block(buf), 18);
    CHECK_EQ(buf[0], 0x70);
    CHECK_EQ(buf[2], 5);
    CHECK_EQ(buf[12], 0x21);
    uint8_t unknown[12] = { 0xff };
    atapi_packet(unknown, 0xfffe, false);
    atapi_packet(sense, 0xfffe, false);
    atapi_read_block(buf);
    CHECK_EQ(buf[12], 0x20);
    /* READ(10) by DMA. */
    uint32_t prds[] = { DMA_BUF, 2 * IDE_CD_SECTOR };
    write_prds(prds, 1);
    out(BM_BASE + 8 + 4, PRD_ADDR, 4);
    uint8_t read2[12] = { 0x28, 0, 0, 0, 0, 9, 0, 0, 2 };
    atapi_packet(read2, 0xfffe, true);
    out(BM_BASE + 8, 0x09, 1);
    CHECK_EQ(in(BM_BASE + 8 + 2, 1) & 7, 0x04);
    CHECK_EQ(in(0x177, 1), IDE_STATUS_DRDY | IDE_STATUS_DSC);
    same = true;
    for (unsigned i = 0; i < 2 * IDE_CD_SECTOR; i++) {
        same &= ram[DMA_BUF + i] == cd_byte(9 * IDE_CD_SECTOR + i);
    }
    CHECK(same);
    teardown();
}

static void test_hw_ide_atapi_without_medium(void)
{
    setup(false);
    uint8_t buf[64];
    uint8_t tur[12] = { 0x00 };
    atapi_packet(tur, 0xfffe, false);
    CHECK_EQ(in(0x177, 1), IDE_STATUS_DRDY | IDE_STATUS_ERR);
    CHECK_EQ(in(0x171, 1) >> 4, 2); /* NOT READY */
    uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    atapi_packet(sense, 0xfffe, false);
    atapi_read_block(buf);
    CHECK_EQ(buf[12], 0x3a); /* MEDIUM NOT PRESENT */
    teardown();
}

/* Random register traffic, packets and DMA starts with hostile PRD pointers: no crash. */
static void test_hw_ide_hostile_traffic(void)
{
    setup(true);
    uint64_t x = 12345;
    static const uint16_t regs[] = { 0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7,
                                     0x3f6, 0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176,
                                     0x177, 0x376, BM_BASE, BM_BASE + 2, BM_BASE + 4,
                                     BM_BASE + 8, BM_BASE + 10, BM_BASE + 12 };
    for (unsigned i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint16_t port = regs[x % (sizeof(regs) / sizeof(regs[0]))];
        unsigned size = (x >> 8) % 3 == 0 ? 1 : (x >> 8) % 3 == 1 ? 2 : 4;
        if ((x >> 16) & 1) {
            out(port, (uint32_t)(x >> 24), size);
        } else {
            in(port, size);
        }
    }
    CHECK(true);
    /* And a state round trip in whatever state that left. */
    StateBuf a = { 0 }, b = { 0 };
    CHECK_EQ(state_save(&piix_ide_state_desc, &ide, &a), 0);
    char err[100];
    CHECK_EQ(state_load(&piix_ide_state_desc, &ide, a.data, a.len, err, sizeof(err)),
             (long)a.len);
    CHECK_EQ(state_save(&piix_ide_state_desc, &ide, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    state_buf_free(&a);
    state_buf_free(&b);
    teardown();
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_ide_reset_signatures),
    CHECK_TEST(test_hw_ide_identify),
    CHECK_TEST(test_hw_ide_pio_read_write),
    CHECK_TEST(test_hw_ide_lba48_chs_and_errors),
    CHECK_TEST(test_hw_ide_bus_master_dma),
    CHECK_TEST(test_hw_ide_atapi_commands),
    CHECK_TEST(test_hw_ide_atapi_without_medium),
    CHECK_TEST(test_hw_ide_hostile_traffic),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
