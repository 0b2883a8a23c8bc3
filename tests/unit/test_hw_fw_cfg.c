/*
 * tests/unit/test_hw_fw_cfg.c: the fw_cfg device as QEMU's docs/specs/fw_cfg.rst specifies
 * it: signature and ID through the data port, the sorted file directory, DMA read/skip/select,
 * DMA refusals, and the "QEMU CFG" DMA signature.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "hw/fw/fw_cfg.h"
#include "snapshot/state.h"
#include "util/endian.h"

#define RAM_SIZE (1u << 20)

static PhysMap *map;
static PortSpace *ports;
static FwCfgState fc;

static void setup(void)
{
    map = phys_map_new(36);
    CHECK(phys_map_add_ram(map, "ram", 0, RAM_SIZE, NULL, 0) != NULL);
    ports = port_space_new();
    memset(&fc, 0, sizeof(fc));
    CHECK_EQ(fw_cfg_init(&fc, ports, map), 0);
}

static void teardown(void)
{
    fw_cfg_destroy(&fc);
    port_space_free(ports);
    phys_map_free(map);
}

static void read_item(uint16_t key, uint8_t *buf, unsigned n)
{
    port_write(ports, FW_CFG_PORT_SEL, key, 2);
    for (unsigned i = 0; i < n; i++) {
        buf[i] = (uint8_t)port_read(ports, FW_CFG_PORT_DATA, 1);
    }
}

static void test_hw_fw_cfg_signature_and_id(void)
{
    setup();
    uint8_t b[8];
    read_item(FW_CFG_SIGNATURE, b, 6);
    CHECK(memcmp(b, "QEMU\0\0", 6) == 0); /* past the end: zeros */
    read_item(FW_CFG_ID, b, 4);
    CHECK_EQ(ld_le32(b), 3); /* traditional interface and DMA */
    /* The DMA register reads as the "QEMU CFG" signature. */
    CHECK_EQ(port_read(ports, FW_CFG_PORT_DMA, 4), ld_le32("QEMU"));
    CHECK_EQ(port_read(ports, FW_CFG_PORT_DMA + 4, 4), ld_le32(" CFG"));
    read_item(0x1234, b, 2); /* unknown: empty */
    CHECK_EQ(b[0] | b[1], 0);
    teardown();
}

static void test_hw_fw_cfg_file_directory_sorted(void)
{
    setup();
    CHECK_EQ(fw_cfg_add_file(&fc, "etc/zzz", "Z", 1), 0);
    CHECK_EQ(fw_cfg_add_file(&fc, "etc/aaa", "AA", 2), 0);
    CHECK_EQ(fw_cfg_add_file(&fc, "etc/mmm", "MMM", 3), 0);
    CHECK_EQ(fw_cfg_add_file(&fc, "etc/aaa", "x", 1), -EEXIST);
    uint8_t dir[4 + 3 * 64];
    read_item(FW_CFG_FILE_DIR, dir, sizeof(dir));
    CHECK_EQ(be_to_host32(ld_le32(dir)), 3);
    const char *names[3] = {"etc/aaa", "etc/mmm", "etc/zzz"};
    const uint32_t sizes[3] = {2, 3, 1};
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *e = dir + 4 + 64 * i;
        CHECK_EQ(be_to_host32(ld_le32(e)), sizes[i]);
        CHECK_EQ(be_to_host16(ld_le16(e + 4)), 0x20 + i);    /* select */
        CHECK_STR_EQ((const char *)e + 8, names[i]);
    }
    uint8_t b[3];
    read_item(0x21, b, 3);
    CHECK(memcmp(b, "MMM", 3) == 0);
    teardown();
}

static void put_dma(uint64_t desc, uint32_t control, uint32_t length, uint64_t addr)
{
    uint8_t d[16];
    st_le32(d, be_to_host32(control));
    st_le32(d + 4, be_to_host32(length));
    st_le64(d + 8, be_to_host64(addr));
    phys_write(map, desc, d, sizeof(d));
    port_write(ports, FW_CFG_PORT_DMA, be_to_host32((uint32_t)(desc >> 32)), 4);
    port_write(ports, FW_CFG_PORT_DMA + 4, be_to_host32((uint32_t)desc), 4);
}

static uint32_t dma_status(uint64_t desc)
{
    return be_to_host32(phys_ld32(map, desc));
}

static void test_hw_fw_cfg_dma(void)
{
    setup();
    CHECK_EQ(fw_cfg_add_file(&fc, "etc/data", "0123456789", 10), 0);
    /* Select + skip 3, then read 5, then read 4 (two beyond the end: zeros). */
    put_dma(0x1000, 0x20u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, 3, 0);
    CHECK_EQ(dma_status(0x1000), 0);
    put_dma(0x1000, FW_CFG_DMA_READ, 5, 0x2000);
    CHECK_EQ(dma_status(0x1000), 0);
    uint8_t b[8];
    phys_read(map, 0x2000, b, 5);
    CHECK(memcmp(b, "34567", 5) == 0);
    phys_write(map, 0x3000, "xxxx", 4);
    put_dma(0x1000, FW_CFG_DMA_READ, 4, 0x3000);
    phys_read(map, 0x3000, b, 4);
    CHECK(memcmp(b, "89\0\0", 4) == 0);
    /* Writes, and reads to addresses outside RAM, are errors. */
    put_dma(0x1000, FW_CFG_DMA_WRITE, 4, 0x3000);
    CHECK_EQ(dma_status(0x1000), FW_CFG_DMA_ERROR);
    put_dma(0x1000, 0x20u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4, RAM_SIZE - 2);
    CHECK_EQ(dma_status(0x1000), FW_CFG_DMA_ERROR);
    put_dma(0x1000, FW_CFG_DMA_READ, 0x10, 0xfffffffffffffff8ull);
    CHECK_EQ(dma_status(0x1000), FW_CFG_DMA_ERROR);
    /* A descriptor outside RAM is ignored (nowhere to report). */
    port_write(ports, FW_CFG_PORT_DMA, 0, 4);
    port_write(ports, FW_CFG_PORT_DMA + 4, be_to_host32(RAM_SIZE + 0x100), 4);
    teardown();
}

static void test_hw_fw_cfg_state_round_trip(void)
{
    setup();
    uint8_t b[2];
    read_item(FW_CFG_SIGNATURE, b, 2);
    StateBuf a = {0};
    CHECK_EQ(state_save(&fw_cfg_state_desc, &fc, &a), 0);
    fw_cfg_reset(&fc);
    char err[100];
    CHECK_EQ(state_load(&fw_cfg_state_desc, &fc, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(port_read(ports, FW_CFG_PORT_DATA, 1), 'M'); /* continues at offset 2 */
    state_buf_free(&a);
    teardown();
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_fw_cfg_signature_and_id),
    CHECK_TEST(test_hw_fw_cfg_file_directory_sorted),
    CHECK_TEST(test_hw_fw_cfg_dma),
    CHECK_TEST(test_hw_fw_cfg_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
