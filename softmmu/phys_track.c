/*
 * softmmu/phys_track.c: per-RAM-page tracking (internal.h): dirty logs per client, pages that
 * hold translated code, and pages the TLBs built translations from (page tables). Each of them
 * decides whether a CPU write may bypass the slow path; the transitions here keep the TLBs'
 * write tags honest (demote on protect, drop contexts on a page-table write).
 *
 * Order on a tracked write (DESIGN.md "Execution"): the code-write hook runs before the bytes
 * change, so translate/ drops the page's blocks while they still match memory; page-table
 * drops happen before the bytes change too, so no TLB ever holds a translation the new bytes
 * contradict once they are visible.
 */
#include "softmmu/memory.h"

#include <string.h>

#include "softmmu/internal.h"

void phys_track_protect(PhysMap *m, RamPageInfo *info, const uint8_t *page_hva, unsigned flag)
{
    if (!info->fast_write_ctx) {
        return;
    }
    for (unsigned i = 0; i < phys_map_tlb_count(m); i++) {
        tlb_protect_page(phys_map_tlb(m, i), info->fast_write_ctx, page_hva, flag);
    }
    info->fast_write_ctx = 0;
}

void phys_track_page_table(PhysMap *m, uint64_t gpa, unsigned ctx)
{
    PhysPage pg = phys_map_page(m, gpa);
    if (!pg.info) {
        return;
    }
    phys_track_protect(m, pg.info, pg.hva, TLB_FLAG_PAGE_TABLE);
    pg.info->page_table_ctx |= (uint8_t)(1u << ctx);
}

void phys_track_code_write(PhysMap *m, RamPageInfo *info, uint64_t gpa, unsigned len)
{
    void *opaque;
    PhysCodeWriteHook hook = phys_map_code_hook(m, &opaque);
    if ((info->flags & RAM_PAGE_CODE) && hook) {
        hook(opaque, gpa, len);
    }
}

void phys_track_before_write(PhysMap *m, RamPageInfo *info, uint64_t gpa, unsigned len)
{
    phys_track_code_write(m, info, gpa, len);
    uint8_t mask = info->page_table_ctx;
    if (mask) {
        info->page_table_ctx = 0;
        for (unsigned i = 0; i < phys_map_tlb_count(m); i++) {
            tlb_drop_contexts(phys_map_tlb(m, i), mask);
        }
    }
}

uint64_t phys_map_dirty_get_and_clear(PhysMap *m, DirtyClient client, uint64_t gpa, uint64_t len,
                                      uint8_t *bitmap)
{
    if ((unsigned)client >= DIRTY_CLIENT_COUNT || len == 0) {
        return 0;
    }
    uint64_t first = gpa >> PHYS_PAGE_BITS;
    uint64_t last = (gpa + len - 1 < gpa ? ~0ull : gpa + len - 1) >> PHYS_PAGE_BITS;
    uint64_t pages = last - first + 1;
    if (bitmap) {
        memset(bitmap, 0, (size_t)((pages + 7) / 8));
    }
    uint64_t dirty = 0;
    for (uint64_t i = 0; i < pages; i++) {
        PhysPage pg = phys_map_page(m, (first + i) << PHYS_PAGE_BITS);
        if (!pg.info || (pg.info->flags & RAM_PAGE_CLEAN(client))) {
            continue;
        }
        dirty++;
        if (bitmap) {
            bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        pg.info->flags |= (uint8_t)RAM_PAGE_CLEAN(client);
        phys_track_protect(m, pg.info, pg.hva, TLB_FLAG_NOTDIRTY);
    }
    return dirty;
}

bool phys_map_dirty_test(PhysMap *m, DirtyClient client, uint64_t gpa)
{
    PhysPage pg = phys_map_page(m, gpa);
    return (unsigned)client < DIRTY_CLIENT_COUNT && pg.info &&
           !(pg.info->flags & RAM_PAGE_CLEAN(client));
}

void phys_map_set_code_page(PhysMap *m, uint64_t gpa, bool is_code)
{
    PhysPage pg = phys_map_page(m, gpa);
    if (!pg.info) {
        return;
    }
    if (is_code) {
        pg.info->flags |= (uint8_t)RAM_PAGE_CODE;
        phys_track_protect(m, pg.info, pg.hva, TLB_FLAG_CODE);
    } else {
        pg.info->flags &= (uint8_t)~RAM_PAGE_CODE;
    }
}

bool phys_map_is_code_page(PhysMap *m, uint64_t gpa)
{
    PhysPage pg = phys_map_page(m, gpa);
    return pg.info && (pg.info->flags & RAM_PAGE_CODE);
}
