/*
 * tests/unit/test_hw_linux_boot.c: the 32-bit Linux boot protocol loader against a synthetic
 * bzImage whose header fields are set as Documentation/arch/x86/boot.rst defines them, and the
 * refusals of bad images. (The real Debian kernel is booted by the boot test.)
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hw/fw/linux_boot.h"
#include "util/endian.h"

#define RAM_SIZE (64u << 20)
#define SETUP_SECTS 3
#define PM_SIZE 8192

static PhysMap *new_map(void)
{
    PhysMap *m = phys_map_new(36);
    CHECK(m != NULL);
    CHECK(phys_map_add_ram(m, "ram", 0, RAM_SIZE, NULL, 0) != NULL);
    return m;
}

/* A bzImage: setup sectors with the header, then PM_SIZE bytes of "protected-mode kernel". */
static uint8_t *build_image(size_t *size, uint16_t version)
{
    *size = (SETUP_SECTS + 1) * 512 + PM_SIZE;
    uint8_t *img = calloc(1, *size);
    img[0x1f1] = SETUP_SECTS;
    st_le16(img + 0x1fe, 0xaa55);
    img[0x200] = 0xeb;
    img[0x201] = 0x6a; /* header ends at 0x26c */
    memcpy(img + 0x202, "HdrS", 4);
    st_le16(img + 0x206, version);
    img[0x211] = 0x01;                  /* LOADED_HIGH */
    st_le32(img + 0x214, 0x100000);     /* code32_start */
    st_le32(img + 0x22c, 0x2fffffff);   /* initrd_addr_max */
    st_le32(img + 0x238, 64);           /* cmdline_size */
    for (unsigned i = 0; i < PM_SIZE; i++) {
        img[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 1);
    }
    return img;
}

static const E820Entry e820[] = {
    {0, 0x9fc00, E820_RAM},
    {0x9fc00, 0x400, E820_RESERVED},
    {0x100000, RAM_SIZE - 0x100000, E820_RAM},
};

static void test_hw_linux_boot_fills_boot_params(void)
{
    PhysMap *m = new_map();
    size_t size;
    uint8_t *img = build_image(&size, 0x020f);
    uint8_t initrd[10000];
    memset(initrd, 0x5a, sizeof(initrd));
    LinuxBootConfig cfg = {
        .kernel = img, .kernel_size = size, .initrd = initrd, .initrd_size = sizeof(initrd),
        .cmdline = "console=ttyS0", .e820 = e820, .e820_count = 3, .ram_below_4g = RAM_SIZE,
        .acpi_rsdp = 0xf0000,
    };
    LinuxEntry e;
    Error err = {0};
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), 0);
    CHECK_EQ(e.eip, 0x100000);
    CHECK_EQ(e.esi, LINUX_BOOT_PARAMS_ADDR);
    CHECK_EQ(e.protocol, 0x020f);
    /* The initrd at the top of RAM, page-aligned (boot.rst: as high as possible). */
    CHECK_EQ(e.initrd_addr, (RAM_SIZE - sizeof(initrd)) & ~4095ull);

    uint8_t bp[4096];
    phys_read(m, LINUX_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    CHECK_EQ(bp[0x1f1], SETUP_SECTS);           /* header copied */
    CHECK_EQ(ld_le16(bp + 0x206), 0x020f);
    CHECK_EQ(bp[0x210], 0xff);                  /* type_of_loader: undefined */
    CHECK_EQ(ld_le32(bp + 0x228), LINUX_CMDLINE_ADDR);
    CHECK_EQ(ld_le32(bp + 0x218), e.initrd_addr);
    CHECK_EQ(ld_le32(bp + 0x21c), sizeof(initrd));
    CHECK_EQ(ld_le64(bp + 0x070), 0xf0000);      /* acpi_rsdp_addr */
    CHECK_EQ(bp[0x1e8], 3);                     /* e820_entries */
    CHECK_EQ(ld_le64(bp + 0x2d0 + 20 * 2), 0x100000);
    CHECK_EQ(ld_le64(bp + 0x2d0 + 20 * 2 + 8), RAM_SIZE - 0x100000);
    CHECK_EQ(ld_le32(bp + 0x2d0 + 20 * 1 + 16), E820_RESERVED);
    CHECK_EQ(bp[0x1ef], 0);                     /* sentinel left zero */
    char cmd[32];
    phys_read(m, LINUX_CMDLINE_ADDR, cmd, sizeof(cmd));
    CHECK_STR_EQ(cmd, "console=ttyS0");
    uint8_t k[PM_SIZE];
    phys_read(m, 0x100000, k, sizeof(k));
    CHECK(memcmp(k, img + (SETUP_SECTS + 1) * 512, PM_SIZE) == 0);
    uint8_t r[16];
    phys_read(m, e.initrd_addr, r, sizeof(r));
    CHECK_EQ(r[0], 0x5a);
    uint64_t gdt[4];
    phys_read(m, LINUX_GDT_ADDR, gdt, sizeof(gdt));
    CHECK_EQ(gdt[LINUX_BOOT_CS / 8], 0x00cf9a000000ffffull); /* flat 32-bit code */
    CHECK_EQ(gdt[LINUX_BOOT_DS / 8], 0x00cf92000000ffffull); /* flat data */
    CHECK_EQ(bp[0x0f], 0);                      /* no framebuffer: orig_video_isVGA 0 */

    /* With a framebuffer, screen_info (uapi linux/screen_info.h) describes it as a VESA linear
     * framebuffer (VIDEO_TYPE_VLFB 23h): size in 64 KiB units, x8r8g8b8. */
    LinuxFramebuffer fb = { .base = 0xfd000000u, .size = 16u << 20, .width = 1024,
                            .height = 768, .stride = 4096 };
    cfg.fb = &fb;
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), 0);
    phys_read(m, LINUX_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    CHECK_EQ(bp[0x0f], 0x23);
    CHECK_EQ(ld_le16(bp + 0x12), 1024);
    CHECK_EQ(ld_le16(bp + 0x14), 768);
    CHECK_EQ(ld_le16(bp + 0x16), 32);
    CHECK_EQ(ld_le32(bp + 0x18), 0xfd000000u);
    CHECK_EQ(ld_le32(bp + 0x1c), 256);
    CHECK_EQ(ld_le16(bp + 0x24), 4096);
    static const uint8_t rgb[8] = { 8, 16, 8, 8, 8, 0, 0, 0 }; /* red, green, blue, rsvd */
    CHECK(memcmp(bp + 0x26, rgb, sizeof(rgb)) == 0);
    free(img);
    phys_map_free(m);
}

static void test_hw_linux_boot_refuses_bad_images(void)
{
    PhysMap *m = new_map();
    size_t size;
    uint8_t *img = build_image(&size, 0x0203);
    LinuxBootConfig cfg = {
        .kernel = img, .kernel_size = size, .cmdline = "", .e820 = e820, .e820_count = 3,
        .ram_below_4g = RAM_SIZE,
    };
    LinuxEntry e;
    Error err = {0};
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    CHECK(strstr(err.msg, "too old") != NULL);
    st_le16(img + 0x206, 0x020f);
    img[0x211] = 0; /* a zImage */
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    CHECK(strstr(err.msg, "zImage") != NULL);
    img[0x211] = 1;
    img[0x1f1] = 200; /* setup beyond the file */
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    CHECK(strstr(err.msg, "setup sectors") != NULL);
    img[0x1f1] = SETUP_SECTS;
    char long_cmd[100];
    memset(long_cmd, 'x', sizeof(long_cmd) - 1);
    long_cmd[sizeof(long_cmd) - 1] = '\0';
    cfg.cmdline = long_cmd; /* cmdline_size is 64 */
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    CHECK(strstr(err.msg, "command line") != NULL);
    cfg.cmdline = "";
    static uint8_t huge_initrd[1];
    cfg.initrd = huge_initrd;
    cfg.initrd_size = RAM_SIZE; /* cannot fit above the kernel */
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    CHECK(strstr(err.msg, "initrd") != NULL);
    cfg.initrd = NULL;
    cfg.kernel_size = 0x300; /* truncated */
    CHECK_EQ(linux_boot_load(m, &cfg, &e, &err), -1);
    free(img);
    phys_map_free(m);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_linux_boot_fills_boot_params),
    CHECK_TEST(test_hw_linux_boot_refuses_bad_images),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
