/*
 * hw/fw/multiboot.c: the Multiboot v1 loader (see multiboot.h). Every field of the image is
 * untrusted: offsets and sizes are checked against the file and the destination against RAM
 * before anything is copied.
 */
#include "hw/fw/multiboot.h"

#include <stdio.h>
#include <string.h>

#include "util/endian.h"

#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_MEMORY_INFO (1u << 1)
#define MB_FLAG_VIDEO_MODE (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_FLAGS_KNOWN_REQUIRED (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* Boot information flags (§3.3). */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define ELF_PT_LOAD 1
#define ELF_EM_386 3

/* Offset of the header in the image, or -1. */
static long find_header(const uint8_t *image, size_t size)
{
    size_t limit = size < MULTIBOOT_SEARCH_BYTES ? size : MULTIBOOT_SEARCH_BYTES;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        uint32_t magic = ld_le32(image + off), flags = ld_le32(image + off + 4);
        uint32_t sum = ld_le32(image + off + 8);
        if (magic == MULTIBOOT_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0) {
            return (long)off;
        }
    }
    return -1;
}

bool multiboot_detect(const uint8_t *image, size_t size)
{
    return find_header(image, size) >= 0;
}

static bool fits_ram(uint64_t addr, uint64_t len, uint64_t ram_below_4g)
{
    return addr >= 0x1000 && addr <= ram_below_4g && len <= ram_below_4g - addr;
}

/* a.out kludge: header_addr/load_addr/load_end_addr/bss_end_addr/entry_addr (§3.1.3). */
static int load_kludge(PhysMap *map, const uint8_t *image, size_t size, size_t hdr,
                       uint64_t ram, uint32_t *entry, Error *err)
{
    if (hdr + 32 > size) {
        return error_set(err, -1, "multiboot header truncated");
    }
    uint32_t header_addr = ld_le32(image + hdr + 12), load_addr = ld_le32(image + hdr + 16);
    uint32_t load_end = ld_le32(image + hdr + 20), bss_end = ld_le32(image + hdr + 24);
    *entry = ld_le32(image + hdr + 28);
    if (load_addr > header_addr || header_addr - load_addr > hdr) {
        return error_set(err, -1, "multiboot load address above the header address");
    }
    uint64_t file_off = hdr - (header_addr - load_addr);
    uint64_t len = load_end ? (uint64_t)load_end - load_addr : size - file_off;
    if (load_end && load_end < load_addr) {
        return error_set(err, -1, "multiboot load end below load address");
    }
    if (file_off + len > size) {
        return error_set(err, -1, "multiboot load range beyond the end of the file");
    }
    uint64_t end = bss_end ? bss_end : load_addr + len;
    if (end < load_addr + len || !fits_ram(load_addr, end - load_addr, ram)) {
        return error_set(err, -1, "multiboot image does not fit in guest RAM");
    }
    phys_write(map, load_addr, image + file_off, len);
    static const uint8_t zeros[4096];
    for (uint64_t a = load_addr + len; a < end;) {
        uint64_t n = end - a < sizeof(zeros) ? end - a : sizeof(zeros);
        phys_write(map, a, zeros, n);
        a += n;
    }
    return 0;
}

/* ELF32 executable: its PT_LOAD segments at their physical addresses. */
static int load_elf(PhysMap *map, const uint8_t *image, size_t size, uint64_t ram,
                    uint32_t *entry, Error *err)
{
    if (size < 52 || memcmp(image, "\177ELF", 4) != 0) {
        return error_set(err, -1, "not an ELF file and no multiboot load addresses (flag 16)");
    }
    if (image[4] != 1 || image[5] != 1) {
        return error_set(err, -1, "only 32-bit little-endian ELF can be loaded by multiboot");
    }
    if (ld_le16(image + 18) != ELF_EM_386) {
        return error_set(err, -1, "ELF machine is not i386");
    }
    *entry = ld_le32(image + 24);
    uint32_t phoff = ld_le32(image + 28);
    uint16_t phentsize = ld_le16(image + 42), phnum = ld_le16(image + 44);
    if (phentsize < 32 || phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
        return error_set(err, -1, "ELF program headers outside the file");
    }
    unsigned loaded = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = image + phoff + (size_t)i * phentsize;
        if (ld_le32(ph) != ELF_PT_LOAD) {
            continue;
        }
        uint32_t off = ld_le32(ph + 4), paddr = ld_le32(ph + 12);
        uint32_t filesz = ld_le32(ph + 16), memsz = ld_le32(ph + 20);
        if (filesz > memsz || off > size || filesz > size - off) {
            return error_set(err, -1, "ELF segment %u outside the file", i);
        }
        if (!fits_ram(paddr, memsz, ram)) {
            return error_set(err, -1, "ELF segment %u at %#x does not fit in guest RAM", i,
                             paddr);
        }
        phys_write(map, paddr, image + off, filesz);
        static const uint8_t zeros[4096];
        for (uint64_t a = (uint64_t)paddr + filesz; a < (uint64_t)paddr + memsz;) {
            uint64_t n = paddr + (uint64_t)memsz - a;
            n = n < sizeof(zeros) ? n : sizeof(zeros);
            phys_write(map, a, zeros, n);
            a += n;
        }
        loaded++;
    }
    if (!loaded) {
        return error_set(err, -1, "ELF file has no loadable segment");
    }
    return 0;
}

/* Appends a NUL-terminated string at *cursor; returns its address or 0 if out of room. */
static uint32_t put_string(PhysMap *map, uint32_t *cursor, const char *s)
{
    size_t len = strlen(s) + 1;
    if (len > MULTIBOOT_INFO_END - *cursor) {
        return 0;
    }
    uint32_t at = *cursor;
    phys_write(map, at, s, len);
    *cursor += (uint32_t)len;
    return at;
}

static void put_mmap_entry(PhysMap *map, uint32_t at, uint64_t base, uint64_t len,
                           uint32_t type)
{
    uint8_t e[24];
    st_le32(e, 20); /* size of the rest of the entry */
    st_le64(e + 4, base);
    st_le64(e + 12, len);
    st_le32(e + 20, type);
    phys_write(map, at, e, sizeof(e));
}

int multiboot_load(PhysMap *map, const uint8_t *image, size_t size, uint64_t ram_below_4g,
                   uint64_t ram_above_4g, const char *kernel_name, const char *cmdline,
                   MultibootEntry *entry, Error *err)
{
    long hdr = find_header(image, size);
    if (hdr < 0) {
        return error_set(err, -1, "no multiboot header in the first %d bytes",
                         MULTIBOOT_SEARCH_BYTES);
    }
    uint32_t flags = ld_le32(image + hdr + 4);
    if (flags & 0xffff & ~MB_FLAGS_KNOWN_REQUIRED) {
        return error_set(err, -1, "multiboot header requires unsupported features (flags %#x)",
                         flags);
    }
    uint32_t eip = 0;
    int rc = (flags & MB_FLAG_AOUT_KLUDGE)
                 ? load_kludge(map, image, size, (size_t)hdr, ram_below_4g, &eip, err)
                 : load_elf(map, image, size, ram_below_4g, &eip, err);
    if (rc < 0) {
        return rc;
    }

    /* Boot information (§3.3), then its strings and memory map behind it. */
    uint32_t info = MULTIBOOT_INFO_ADDR, cursor = info + 128;
    uint8_t mbi[88] = { 0 };
    uint32_t mbi_flags = MBI_MEMORY | MBI_MMAP | MBI_LOADER_NAME;
    uint64_t upper_kib = ram_below_4g > 0x100000 ? (ram_below_4g - 0x100000) >> 10 : 0;
    st_le32(mbi + 4, 640);
    st_le32(mbi + 8, (uint32_t)(upper_kib > 0xffffffffu ? 0xffffffffu : upper_kib));
    char line[4096];
    snprintf(line, sizeof(line), "%s%s%s", kernel_name, cmdline && *cmdline ? " " : "",
             cmdline ? cmdline : "");
    uint32_t cmd_at = put_string(map, &cursor, line);
    if (cmd_at) {
        mbi_flags |= MBI_CMDLINE;
        st_le32(mbi + 16, cmd_at);
    }
    st_le32(mbi + 64, put_string(map, &cursor, "vireo"));
    cursor = (cursor + 7) & ~7u;
    uint32_t mmap_at = cursor;
    put_mmap_entry(map, cursor, 0, 0x9fc00, 1);
    cursor += 24;
    put_mmap_entry(map, cursor, 0x9fc00, 0x400, 2);
    cursor += 24;
    put_mmap_entry(map, cursor, 0xf0000, 0x10000, 2);
    cursor += 24;
    put_mmap_entry(map, cursor, 0x100000, ram_below_4g - 0x100000, 1);
    cursor += 24;
    if (ram_above_4g) {
        put_mmap_entry(map, cursor, 1ull << 32, ram_above_4g, 1);
        cursor += 24;
    }
    st_le32(mbi + 44, cursor - mmap_at);
    st_le32(mbi + 48, mmap_at);
    st_le32(mbi, mbi_flags);
    phys_write(map, info, mbi, sizeof(mbi));

    entry->entry = eip;
    entry->eax = MULTIBOOT_BOOT_MAGIC;
    entry->ebx = info;
    return 0;
}
