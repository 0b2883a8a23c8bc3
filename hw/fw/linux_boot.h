/*
 * hw/fw/linux_boot.h: loading a Linux bzImage without firmware through the 32-bit boot
 * protocol (Linux Documentation/arch/x86/boot.rst: "The Real-Mode Kernel Header", "Loading
 * The Rest of The Kernel", "32-bit Boot Protocol"; Documentation/arch/x86/zero-page.rst for
 * boot_params). The real-mode setup code is not run: vireo fills boot_params itself (the
 * setup header copied from the image, the e820 memory map, the command line, the initrd, the
 * ACPI RSDP address) and enters the protected-mode kernel at code32_start with paging off.
 * The same entry serves 32-bit and 64-bit kernels: a 64-bit kernel's startup_32 switches to
 * long mode itself.
 *
 * As with Multiboot, the loader writes guest RAM and returns the entry state; the board
 * applies it to the CPU. Not supported: kernels older than protocol 2.04 (no bzImage with
 * a 32-bit entry vireo can rely on), setup_data chains, EFI handover.
 */
#ifndef VIREO_HW_FW_LINUX_BOOT_H
#define VIREO_HW_FW_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "util/error.h"

/* Guest-physical layout the loader uses below 1 MiB. */
#define LINUX_GDT_ADDR 0x1000u          /* flat GDT: 0x10 code, 0x18 data (__BOOT_CS/DS) */
#define LINUX_BOOT_PARAMS_ADDR 0x10000u /* the "zero page" */
#define LINUX_CMDLINE_ADDR 0x20000u
#define LINUX_CMDLINE_MAX 0x10000u
#define LINUX_BOOT_CS 0x10u
#define LINUX_BOOT_DS 0x18u

/* e820 types (ACPI "Address Range Types"). */
enum {
    E820_RAM = 1,
    E820_RESERVED = 2,
    E820_ACPI = 3,
    E820_NVS = 4,
};

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

#define LINUX_E820_MAX 128 /* boot_params.e820_table entries */

/* A linear framebuffer the loader set up for the kernel (boot_params.screen_info as a VESA
 * linear framebuffer, VIDEO_TYPE_VLFB): 32 bits a pixel, x8r8g8b8. */
typedef struct LinuxFramebuffer {
    uint32_t base;
    uint32_t size;   /* bytes of video memory from base */
    uint16_t width, height;
    uint16_t stride; /* bytes a line */
} LinuxFramebuffer;

typedef struct LinuxBootConfig {
    const uint8_t *kernel;
    size_t kernel_size;
    const uint8_t *initrd; /* NULL: none */
    size_t initrd_size;
    const char *cmdline;
    const E820Entry *e820;
    unsigned e820_count;
    uint64_t ram_below_4g; /* RAM is [0, ram_below_4g) below 4 GiB */
    uint64_t acpi_rsdp;    /* 0: none (the kernel then scans the BIOS areas) */
    const LinuxFramebuffer *fb; /* NULL: no screen described */
} LinuxBootConfig;

typedef struct LinuxEntry {
    uint32_t eip;         /* code32_start */
    uint32_t esi;         /* boot_params */
    uint32_t gdt_base;
    uint16_t gdt_limit;
    uint64_t initrd_addr; /* where the initrd went (0: none) */
    uint16_t protocol;    /* boot protocol version of the image, e.g. 0x020f */
} LinuxEntry;

/* True if the image has the setup header signature ("HdrS" at 0x202, 0xAA55 at 0x1FE). */
bool linux_boot_detect(const uint8_t *image, size_t size);

/*
 * Loads the protected-mode kernel at code32_start (1 MiB), the initrd at the top of the RAM
 * the kernel accepts (below initrd_addr_max and ram_below_4g, page-aligned), the command line
 * and boot_params. Returns 0 with *entry filled, or -1 with err saying what is wrong (meant to
 * be prefixed with the file name): a bad or old header, an image or initrd that does not fit,
 * a command line longer than the kernel's cmdline_size.
 */
int linux_boot_load(PhysMap *map, const LinuxBootConfig *cfg, LinuxEntry *entry, Error *err);

#endif
