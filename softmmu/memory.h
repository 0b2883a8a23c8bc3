/*
 * softmmu/memory.h: the guest-physical address space of one machine (DESIGN.md "Memory").
 *
 * A PhysMap holds regions:
 * - RAM: host memory the map allocates (zero-filled) or is given; writable, dirty-tracked.
 * - ROM: host memory the map allocates, filled by loaders through phys_region_host_ptr();
 *   guest writes are ignored and logged as guest errors. RAM made read-only
 *   (phys_map_set_region_readonly, PAM "read DRAM, write PCI") behaves the same.
 * - MMIO: a device's IoOps (io_ops.h); widths are fitted to the device by io_ops_read/write.
 * - alias: a window [target_offset, target_offset + size) of another region seen at `gpa`.
 *   An alias reaches its target whether or not the target itself is mapped (enabled), so a RAM
 *   block can be created disabled and shown only through aliases (RAM below and above 4 GiB).
 *
 * Overlap rule: where regions overlap, the higher `priority` wins; at equal priority the one
 * registered (or moved, or re-enabled) later wins. Space no region covers is unassigned: it
 * reads all-ones and ignores writes (logged as guest errors).
 *
 * Granularity: RAM, ROM and aliases of them start, end and (for aliases) point at 4 KiB
 * boundaries, so one guest page is one host page. MMIO regions and their aliases may have any
 * byte extent; a page that holds more than one region (or a region and unassigned space) is a
 * "mixed" page, resolved byte-range by byte-range on the slow path.
 *
 * Resolution of a page is a three-level radix lookup on the physical page number (O(1)),
 * covering 2^phys_bits bytes (phys_bits 32..52); addresses at or above that are unassigned.
 *
 * A20: phys_map_set_a20(false) makes CPU-side physical addresses (page walks and the TLB,
 * phys_map_a20_mask) lose bit 20, as the PC's A20M# does. Device DMA and the phys_* helpers
 * below are NOT masked: on a PC the A20 gate sits between the CPU and the memory controller,
 * bus masters see the full address.
 *
 * Dirty logs: one bit per RAM page per client, set by every write through any path (TLB slow
 * path, phys_write and friends, the page walker's A/D updates). Pages start dirty. A CPU write
 * goes through the TLB fast path only while a page is dirty for every client, holds no
 * translated code and is not a page-table page; clearing a bit sends later writes to the slow
 * path again.
 *
 * Code pages: a page marked with phys_map_set_code_page() calls the code-write hook BEFORE any
 * write to it becomes visible (CPU, phys_write, DMA), with the written gpa and length within the
 * page. The hook may unmark the page. For RAM visible at two addresses the hook receives the
 * address the write used. The walker's A/D updates also call the hook.
 *
 * PAM shadowing (Intel 82441FX PMC datasheet, PAM0-PAM6 registers) is built from these: an
 * alias of RAM over the BIOS ROM, enabled and made read-only as the registers say.
 *
 * Not modelled: the PAM mode "read PCI, write DRAM" (reads and writes resolved to different
 * regions); SMRAM (a second address space); memory types and caching.
 */
#ifndef VIREO_SOFTMMU_MEMORY_H
#define VIREO_SOFTMMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/io_ops.h"

#define PHYS_PAGE_BITS 12
#define PHYS_PAGE_SIZE (1ull << PHYS_PAGE_BITS)
#define PHYS_PAGE_MASK (~(PHYS_PAGE_SIZE - 1))

#define PHYS_BITS_MIN 32
#define PHYS_BITS_MAX 52

#define PHYS_REGION_NAME_MAX 32

typedef struct PhysMap PhysMap;
typedef struct MemRegion MemRegion;
typedef struct RamPageInfo RamPageInfo; /* softmmu-internal per-page tracking */

typedef enum DirtyClient {
    DIRTY_CLIENT_VGA,
    DIRTY_CLIENT_CODE,
    DIRTY_CLIENT_MIGRATION,
    DIRTY_CLIENT_COUNT,
} DirtyClient;

/* Called before a write to a code page becomes visible; len is within one page. */
typedef void (*PhysCodeWriteHook)(void *opaque, uint64_t gpa, unsigned len);

typedef enum PhysPageKind {
    PHYS_PAGE_UNASSIGNED, /* reads all-ones, writes ignored */
    PHYS_PAGE_RAM,        /* hva valid, writable */
    PHYS_PAGE_ROM,        /* hva valid, writes ignored */
    PHYS_PAGE_MMIO,       /* one MMIO region covers the whole page */
    PHYS_PAGE_MIXED,      /* several regions share the page: use phys_read/phys_write */
} PhysPageKind;

/* What one 4 KiB guest page resolves to, for the TLB fill and fast DMA. */
typedef struct PhysPage {
    PhysPageKind kind;
    uint8_t *hva;       /* RAM/ROM: host address of the page's first byte; else NULL */
    MemRegion *region;  /* RAM/ROM/MMIO: the backing region (aliases resolved); else NULL */
    uint64_t offset;    /* RAM/ROM/MMIO: offset of the page's first byte in `region` */
    bool is_write_fast; /* RAM a CPU may write directly: all dirty, no code, no page table */
    RamPageInfo *info;  /* RAM/ROM: tracking state (softmmu-internal); else NULL */
} PhysPage;

/* A map covering 2^phys_bits bytes, all unassigned; NULL if phys_bits is out of range. */
PhysMap *phys_map_new(unsigned phys_bits);
/* Frees the map, its regions and the memory it allocated (not memory it was given). */
void phys_map_free(PhysMap *m);
unsigned phys_map_phys_bits(const PhysMap *m);

/*
 * Region creation. Each returns NULL (and logs why) when the extent is empty, outside the
 * address space, or misaligned per the granularity rule above; `name` is copied (truncated to
 * PHYS_REGION_NAME_MAX - 1). A region starts enabled.
 *
 * RAM: `host` NULL makes the map allocate zeroed memory; otherwise `host` must hold `size`
 * bytes, stay valid until the region is removed, and is not freed by the map.
 */
MemRegion *phys_map_add_ram(PhysMap *m, const char *name, uint64_t gpa, uint64_t size, void *host,
                            int priority);
MemRegion *phys_map_add_rom(PhysMap *m, const char *name, uint64_t gpa, uint64_t size,
                            int priority);
MemRegion *phys_map_add_mmio(PhysMap *m, const char *name, uint64_t gpa, uint64_t size,
                             const IoOps *ops, void *opaque, int priority);
/* Alias of `target` (an alias target is resolved to its own target at creation). */
MemRegion *phys_map_add_alias(PhysMap *m, const char *name, uint64_t gpa, uint64_t size,
                              MemRegion *target, uint64_t target_offset, int priority);

/* Removes and frees a region; -EBUSY while aliases point at it. */
int phys_map_remove_region(PhysMap *m, MemRegion *r);
void phys_map_set_region_enabled(PhysMap *m, MemRegion *r, bool is_enabled);
/* Moves a region to a new base (PCI BARs); -EINVAL if it would not fit or be misaligned. */
int phys_map_move_region(PhysMap *m, MemRegion *r, uint64_t gpa);
/* RAM or an alias of RAM: writes ignored (ROM behaviour) while read-only. */
void phys_map_set_region_readonly(PhysMap *m, MemRegion *r, bool is_readonly);

/* Backing memory of a RAM/ROM region (for loaders, before the guest runs); NULL otherwise. */
uint8_t *phys_region_host_ptr(const MemRegion *r);
uint64_t phys_region_size(const MemRegion *r);
const char *phys_region_name(const MemRegion *r);

/* Resolution of the page holding gpa (no A20 masking: pass CPU-side addresses masked). */
PhysPage phys_map_page(PhysMap *m, uint64_t gpa);
/* True when every byte of [gpa, gpa + len) is RAM (writable); for DMA address checks. */
bool phys_map_range_is_ram(PhysMap *m, uint64_t gpa, uint64_t len);

/*
 * Device/DMA-side accesses (not A20-masked). Little-endian; any length; crossing pages and
 * region boundaries; MMIO fitted to the device's widths; unassigned bytes read 0xFF. Writes
 * set every dirty client's bit, call the code-write hook first on code pages and drop TLB
 * translations built from page-table pages they modify.
 */
void phys_read(PhysMap *m, uint64_t gpa, void *buf, size_t len);
void phys_write(PhysMap *m, uint64_t gpa, const void *buf, size_t len);
uint8_t phys_ld8(PhysMap *m, uint64_t gpa);
uint16_t phys_ld16(PhysMap *m, uint64_t gpa);
uint32_t phys_ld32(PhysMap *m, uint64_t gpa);
uint64_t phys_ld64(PhysMap *m, uint64_t gpa);
void phys_st8(PhysMap *m, uint64_t gpa, uint8_t v);
void phys_st16(PhysMap *m, uint64_t gpa, uint16_t v);
void phys_st32(PhysMap *m, uint64_t gpa, uint32_t v);
void phys_st64(PhysMap *m, uint64_t gpa, uint64_t v);

/* A20 gate; a change flushes every TLB attached to the map. */
void phys_map_set_a20(PhysMap *m, bool is_enabled);
bool phys_map_a20_enabled(const PhysMap *m);
/* All-ones, or all-ones without bit 20: AND it into CPU-side physical addresses. */
uint64_t phys_map_a20_mask(const PhysMap *m);

/*
 * Dirty log of `client` over the pages touching [gpa, gpa + len): for each page i (counted from
 * gpa's page), bit i%8 of bitmap[i/8] is set if the page was written since the last clear
 * (RAM only; other pages read as clean), then the client's bits are cleared. `bitmap` may be
 * NULL; it must hold (pages + 7) / 8 bytes and is overwritten. Returns the dirty page count.
 */
uint64_t phys_map_dirty_get_and_clear(PhysMap *m, DirtyClient client, uint64_t gpa, uint64_t len,
                                      uint8_t *bitmap);
/* One page's dirty bit without clearing it. */
bool phys_map_dirty_test(PhysMap *m, DirtyClient client, uint64_t gpa);

void phys_map_set_code_write_hook(PhysMap *m, PhysCodeWriteHook hook, void *opaque);
/* Marks/unmarks the RAM page holding gpa as holding translated code (ignored elsewhere). */
void phys_map_set_code_page(PhysMap *m, uint64_t gpa, bool is_code);
bool phys_map_is_code_page(PhysMap *m, uint64_t gpa);

#endif
