/*
 * hw/fw/linux_boot.c: the 32-bit Linux boot protocol loader (see linux_boot.h). Every header
 * field is untrusted: sizes and addresses are checked against the file and against RAM before
 * anything is written.
 */
#include "hw/fw/linux_boot.h"

#include <string.h>

#include "util/endian.h"

/* Setup header fields, at these offsets in the image and in boot_params (boot.rst). */
enum {
    HDR_START = 0x1f1,
    HDR_SETUP_SECTS = 0x1f1,
    HDR_BOOT_FLAG = 0x1fe,
    HDR_JUMP = 0x200, /* byte 0x201 + 0x202 is the end of the header */
    HDR_MAGIC = 0x202,
    HDR_VERSION = 0x206,
    HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211,
    HDR_CODE32_START = 0x214,
    HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21c,
    HDR_CMD_LINE_PTR = 0x228,
    HDR_INITRD_ADDR_MAX = 0x22c,
    HDR_CMDLINE_SIZE = 0x238,
};

/* boot_params outside the setup header (zero-page.rst); screen_info at 0 (uapi
 * linux/screen_info.h). */
enum {
    SI_ORIG_VIDEO_IS_VGA = 0x0f,
    SI_LFB_WIDTH = 0x12,
    SI_LFB_HEIGHT = 0x14,
    SI_LFB_DEPTH = 0x16,
    SI_LFB_BASE = 0x18,
    SI_LFB_SIZE = 0x1c, /* in 64 KiB units */
    SI_LFB_LINELENGTH = 0x24,
    SI_RED_SIZE = 0x26, /* then red_pos, green size/pos, blue size/pos, rsvd size/pos */
    VIDEO_TYPE_VLFB = 0x23,
    BP_ACPI_RSDP_ADDR = 0x070,
    BP_EXT_RAMDISK_IMAGE = 0x0c0,
    BP_EXT_RAMDISK_SIZE = 0x0c4,
    BP_EXT_CMD_LINE_PTR = 0x0c8,
    BP_E820_ENTRIES = 0x1e8,
    BP_E820_TABLE = 0x2d0,
    BOOT_PARAMS_SIZE = 0x1000,
};

#define LOADFLAGS_LOADED_HIGH 0x01
#define TYPE_OF_LOADER_UNDEFINED 0xff
#define MIN_PROTOCOL 0x0204
#define DEFAULT_INITRD_ADDR_MAX 0x37ffffffu /* protocol < 2.03 */
#define DEFAULT_CMDLINE_SIZE 255u           /* protocol < 2.06 */
#define KERNEL_LOAD_ADDR 0x100000u
#define PAGE_SIZE 4096u

/* A flat 4 GiB code and data segment at the selectors boot.rst names (__BOOT_CS/__BOOT_DS). */
static const uint64_t boot_gdt[4] = {
    0, 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
};

bool linux_boot_detect(const uint8_t *image, size_t size)
{
    return size >= 0x240 && ld_le16(image + HDR_BOOT_FLAG) == 0xaa55 &&
           memcmp(image + HDR_MAGIC, "HdrS", 4) == 0;
}

int linux_boot_load(PhysMap *map, const LinuxBootConfig *cfg, LinuxEntry *entry, Error *err)
{
    const uint8_t *img = cfg->kernel;
    size_t size = cfg->kernel_size;
    if (!linux_boot_detect(img, size)) {
        return error_set(err, -1, "not a Linux bzImage (no setup header)");
    }
    uint16_t version = ld_le16(img + HDR_VERSION);
    if (version < MIN_PROTOCOL) {
        return error_set(err, -1, "Linux boot protocol %u.%02u is too old (2.04 or later needed)",
                         version >> 8, version & 0xff);
    }
    if (!(img[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
        return error_set(err, -1, "a zImage (loaded low) is not supported, only bzImage");
    }
    unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    size_t kernel_off = (size_t)(setup_sects + 1) * 512;
    size_t hdr_end = HDR_MAGIC + img[HDR_JUMP + 1];
    if (kernel_off >= size || hdr_end > kernel_off) {
        return error_set(err, -1, "setup header says %u setup sectors, beyond the %zu-byte image",
                         setup_sects, size);
    }
    size_t kernel_len = size - kernel_off;
    uint32_t code32 = ld_le32(img + HDR_CODE32_START);
    if (code32 != KERNEL_LOAD_ADDR) {
        return error_set(err, -1, "code32_start %#x: only a kernel loaded at 1 MiB is supported",
                         code32);
    }
    if (cfg->ram_below_4g < KERNEL_LOAD_ADDR || kernel_len > cfg->ram_below_4g - KERNEL_LOAD_ADDR) {
        return error_set(err, -1, "the %zu-byte kernel does not fit in RAM", kernel_len);
    }
    uint64_t kernel_end = KERNEL_LOAD_ADDR + kernel_len;

    uint32_t cmdline_size = version >= 0x0206 ? ld_le32(img + HDR_CMDLINE_SIZE)
                                              : DEFAULT_CMDLINE_SIZE;
    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    size_t cmdline_len = strlen(cmdline);
    if (cmdline_len > cmdline_size || cmdline_len >= LINUX_CMDLINE_MAX) {
        return error_set(err, -1, "command line of %zu bytes exceeds the kernel's %u", cmdline_len,
                         cmdline_size);
    }
    if (cfg->e820_count > LINUX_E820_MAX) {
        return error_set(err, -1, "%u e820 entries exceed boot_params' %u", cfg->e820_count,
                         LINUX_E820_MAX);
    }

    uint64_t initrd_addr = 0;
    if (cfg->initrd && cfg->initrd_size) {
        uint64_t max = version >= 0x0203 ? ld_le32(img + HDR_INITRD_ADDR_MAX)
                                         : DEFAULT_INITRD_ADDR_MAX;
        uint64_t top = max + 1 < cfg->ram_below_4g ? max + 1 : cfg->ram_below_4g;
        if (cfg->initrd_size > top || ((top - cfg->initrd_size) & ~(uint64_t)(PAGE_SIZE - 1)) <
                                          kernel_end) {
            return error_set(err, -1, "the %zu-byte initrd does not fit in RAM below %#llx above "
                             "the kernel", cfg->initrd_size, (unsigned long long)top);
        }
        initrd_addr = (top - cfg->initrd_size) & ~(uint64_t)(PAGE_SIZE - 1);
    }

    uint8_t bp[BOOT_PARAMS_SIZE];
    memset(bp, 0, sizeof(bp));
    memcpy(bp + HDR_START, img + HDR_START, hdr_end - HDR_START);
    bp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNDEFINED;
    st_le32(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    st_le32(bp + BP_EXT_CMD_LINE_PTR, 0);
    st_le32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    st_le32(bp + HDR_RAMDISK_SIZE, (uint32_t)cfg->initrd_size);
    st_le32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_addr >> 32));
    st_le32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)cfg->initrd_size >> 32));
    st_le64(bp + BP_ACPI_RSDP_ADDR, cfg->acpi_rsdp);
    if (cfg->fb) {
        static const uint8_t x8r8g8b8[8] = { 8, 16, 8, 8, 8, 0, 0, 0 };
        bp[SI_ORIG_VIDEO_IS_VGA] = VIDEO_TYPE_VLFB;
        st_le16(bp + SI_LFB_WIDTH, cfg->fb->width);
        st_le16(bp + SI_LFB_HEIGHT, cfg->fb->height);
        st_le16(bp + SI_LFB_DEPTH, 32);
        st_le32(bp + SI_LFB_BASE, cfg->fb->base);
        st_le32(bp + SI_LFB_SIZE, cfg->fb->size >> 16);
        st_le16(bp + SI_LFB_LINELENGTH, cfg->fb->stride);
        memcpy(bp + SI_RED_SIZE, x8r8g8b8, sizeof(x8r8g8b8));
    }
    bp[BP_E820_ENTRIES] = (uint8_t)cfg->e820_count;
    for (unsigned i = 0; i < cfg->e820_count; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        st_le64(e, cfg->e820[i].addr);
        st_le64(e + 8, cfg->e820[i].size);
        st_le32(e + 16, cfg->e820[i].type);
    }

    phys_write(map, KERNEL_LOAD_ADDR, img + kernel_off, kernel_len);
    if (initrd_addr) {
        phys_write(map, initrd_addr, cfg->initrd, cfg->initrd_size);
    }
    phys_write(map, LINUX_CMDLINE_ADDR, cmdline, cmdline_len + 1);
    phys_write(map, LINUX_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    uint8_t gdt[sizeof(boot_gdt)];
    for (unsigned i = 0; i < 4; i++) {
        st_le64(gdt + 8 * i, boot_gdt[i]);
    }
    phys_write(map, LINUX_GDT_ADDR, gdt, sizeof(gdt));

    *entry = (LinuxEntry){
        .eip = code32,
        .esi = LINUX_BOOT_PARAMS_ADDR,
        .gdt_base = LINUX_GDT_ADDR,
        .gdt_limit = sizeof(gdt) - 1,
        .initrd_addr = initrd_addr,
        .protocol = version,
    };
    return 0;
}
