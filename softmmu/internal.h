/*
 * softmmu/internal.h: plumbing between the files of softmmu/ (not for other modules): the
 * per-RAM-page tracking state, the region record, and the calls between the physical map and
 * the TLBs attached to it.
 *
 * Per RAM page the map keeps (RamPageInfo):
 * - flags: one "clean" bit per dirty client (a page starts dirty: zero-initialised memory
 *   means every client has it dirty), and RAM_PAGE_CODE;
 * - page_table_ctx: bit i set when TLB context slot i (of any attached TLB) holds translations
 *   built from this page as a paging structure;
 * - fast_write_ctx: bit i set when context slot i (of any attached TLB) may hold a write tag
 *   that reaches this page without the slow path.
 * Invariant: a fast write tag to a page exists only if the page is dirty for every client,
 * holds no code and has page_table_ctx == 0, and its slot's bit is in fast_write_ctx. Whatever
 * breaks the first condition first demotes the tags named by fast_write_ctx (protect).
 * Bits may be stale (a context dropped since): that costs a needless demotion or drop, never a
 * missed one.
 */
#ifndef VIREO_SOFTMMU_INTERNAL_H
#define VIREO_SOFTMMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "softmmu/tlb.h"

#define RAM_PAGE_CLEAN(client) (1u << (client))
#define RAM_PAGE_ALL_CLEAN ((1u << DIRTY_CLIENT_COUNT) - 1)
#define RAM_PAGE_CODE (1u << DIRTY_CLIENT_COUNT)

struct RamPageInfo {
    uint8_t flags;
    uint8_t page_table_ctx;
    uint8_t fast_write_ctx;
    uint8_t reserved;
};

typedef enum MemRegionType {
    MEM_REGION_RAM,
    MEM_REGION_ROM,
    MEM_REGION_MMIO,
    MEM_REGION_ALIAS,
} MemRegionType;

struct MemRegion {
    char name[PHYS_REGION_NAME_MAX];
    MemRegionType type;
    uint64_t gpa, size;
    int priority;
    uint64_t seq; /* ordering among equal priorities: larger wins */
    bool is_enabled;
    bool is_readonly; /* RAM and aliases: ROM behaviour */
    uint8_t *host;    /* RAM/ROM backing */
    bool owns_host;
    RamPageInfo *info; /* RAM/ROM: one per page */
    const IoOps *ops;  /* MMIO */
    void *opaque;
    MemRegion *target; /* alias: a RAM, ROM or MMIO region */
    uint64_t target_offset;
    unsigned alias_count; /* aliases pointing here */
};

/* A byte range of the map resolved to one backing region. */
typedef struct PhysPiece {
    MemRegion *region; /* NULL: unassigned */
    uint64_t offset;   /* in region */
    uint64_t avail;    /* bytes from gpa to the end of the piece (never past the page) */
    bool is_readonly;
} PhysPiece;

/* physmap.c: resolution of the byte at gpa (gpa below 2^phys_bits or unassigned). */
PhysPiece phys_map_resolve(PhysMap *m, uint64_t gpa);

/* physmap.c: the TLBs attached to a map, for invalidations. */
void phys_map_attach_tlb(PhysMap *m, Tlb *t);
void phys_map_detach_tlb(PhysMap *m, Tlb *t);
unsigned phys_map_tlb_count(const PhysMap *m);
Tlb *phys_map_tlb(const PhysMap *m, unsigned i);
/* The code-write hook, or NULL. */
PhysCodeWriteHook phys_map_code_hook(const PhysMap *m, void **opaque);

/* phys_track.c: tracking transitions. */
/* Demotes fast write tags to the page (it is about to need the slow path). */
void phys_track_protect(PhysMap *m, RamPageInfo *info, const uint8_t *page_hva, unsigned flag);
/* Records that context slot `ctx` built translations from the page table at gpa. */
void phys_track_page_table(PhysMap *m, uint64_t gpa, unsigned ctx);
/* The code-write hook, if the page holds code (the walker's A/D updates call only this). */
void phys_track_code_write(PhysMap *m, RamPageInfo *info, uint64_t gpa, unsigned len);
/* Before a write of len bytes at gpa into a RAM page: code hook, page-table drops. */
void phys_track_before_write(PhysMap *m, RamPageInfo *info, uint64_t gpa, unsigned len);
/* After the write: every client's dirty bit. */
static inline void phys_track_after_write(RamPageInfo *info)
{
    info->flags &= (uint8_t)~RAM_PAGE_ALL_CLEAN;
}
static inline bool phys_track_is_write_fast(const RamPageInfo *info)
{
    return (info->flags & (RAM_PAGE_ALL_CLEAN | RAM_PAGE_CODE)) == 0 && info->page_table_ctx == 0;
}

/* tlb_context.c: for tlb.c. */
/* Whether the current context is the address space ps designates (CR3, PCID, PDPTEs). */
bool tlb_context_is_current(const Tlb *t, const PagingState *ps);
/* Records a translation from a page larger than 4 KiB at gva, for INVLPG. */
void tlb_context_note_large(TlbContext *c, uint64_t gva, uint64_t page_size);

/* tlb_context.c: called by the map. */
/* Page-table write: drop the contexts in mask (the current one only turns stale). */
void tlb_drop_contexts(Tlb *t, uint8_t ctx_mask);
/* Adds `flag` to the write tags of contexts in ctx_mask that reach host page page_hva. */
void tlb_protect_page(Tlb *t, uint8_t ctx_mask, const uint8_t *page_hva, unsigned flag);

#endif
