/*
 * hw/fw/multiboot.h: loading a Multiboot (version 1) kernel without firmware, as QEMU's -kernel
 * does for the bare-metal test guests. Multiboot Specification 0.6.96: §3.1 the OS image
 * header (magic 0x1BADB002 in the first 8192 bytes; ELF or the a.out kludge addresses of
 * flags bit 16), §3.2 the machine state at entry, §3.3 the boot information structure.
 *
 * The loader writes the image and the boot information into guest RAM and returns the entry
 * state; the board applies it to the CPU (hw/ does not know the CPU). Not supported: the
 * video-mode request (flags bit 2; vireo has no display yet: the field is ignored), modules.
 */
#ifndef VIREO_HW_FW_MULTIBOOT_H
#define VIREO_HW_FW_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "util/error.h"

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_BOOT_MAGIC 0x2badb002u   /* EAX at entry */
#define MULTIBOOT_SEARCH_BYTES 8192

/* Where the loader puts the boot information and the strings it points to. */
#define MULTIBOOT_INFO_ADDR 0x9000u
#define MULTIBOOT_INFO_END 0x10000u

typedef struct MultibootEntry {
    uint32_t entry; /* EIP */
    uint32_t eax;   /* MULTIBOOT_BOOT_MAGIC */
    uint32_t ebx;   /* physical address of the boot information */
} MultibootEntry;

/* True if `image` carries a valid Multiboot header (magic and checksum). */
bool multiboot_detect(const uint8_t *image, size_t size);

/*
 * Loads `image` into guest memory (which must be RAM from 0 to ram_below_4g) and writes the
 * boot information: memory sizes, a memory map of the RAM ranges given, the command line
 * ("kernel_name cmdline", as QEMU passes it) and the loader name. Returns 0 with *entry
 * filled, or -1 with err saying what is wrong with the image (err is meant to be prefixed with
 * the file name).
 */
int multiboot_load(PhysMap *map, const uint8_t *image, size_t size, uint64_t ram_below_4g,
                   uint64_t ram_above_4g, const char *kernel_name, const char *cmdline,
                   MultibootEntry *entry, Error *err);

#endif
