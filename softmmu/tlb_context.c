/*
 * softmmu/tlb_context.c: the shadow contexts of the TLB and every way entries leave it
 * (tlb.h): CR3 loads, INVLPG, INVPCID, full flushes, page-table writes and the demotion of
 * write tags when a page starts needing the slow path.
 *
 * SDM Vol. 3A §4.10.4 lists what hardware must invalidate; everything here invalidates at
 * least that, except where keeping a translation cannot be observed: a CR3 load keeps the
 * target address space's non-global translations when no paging structure they came from
 * has been written since (tracked per page, see internal.h), since a re-walk would rebuild
 * them identically (A/D included: A was set when they were built and clearing it is a write).
 */
#include "softmmu/tlb.h"

#include <string.h>

#include "softmmu/internal.h"
#include "util/bitops.h"

/* cr3_key of a context for paging off, and of a context that belongs to nothing. */
#define TLB_KEY_NO_PAGING (~0ull)
#define TLB_KEY_NONE (~1ull)

static void context_clear(TlbContext *c)
{
    if (!c->is_empty) {
        memset(c->entry, 0xff, sizeof(c->entry)); /* every tag invalid: low bits set */
    }
    c->is_empty = true;
    c->has_large = false;
}

static void invalidate_entry(TlbEntry *e)
{
    for (unsigned a = 0; a < MEM_ACCESS_COUNT; a++) {
        e->tag[a] = ~0ull;
    }
}

static void context_clear_nonglobal(TlbContext *c)
{
    if (c->is_empty) {
        return;
    }
    for (unsigned idx = 0; idx < MMU_IDX_COUNT; idx++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++) {
            if (!c->info[idx][i].is_global) {
                invalidate_entry(&c->entry[idx][i]);
            }
        }
    }
    c->is_stale = false;
}

/* The entry of page gva in every MMU index, or the whole context under a large page. */
static void context_clear_page(TlbContext *c, uint64_t gva)
{
    if (c->is_empty) {
        return;
    }
    if (c->has_large && (gva & c->large_mask) == c->large_base) {
        context_clear(c);
        return;
    }
    unsigned i = (gva >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1);
    uint64_t page = gva & TLB_PAGE_MASK;
    for (unsigned idx = 0; idx < MMU_IDX_COUNT; idx++) {
        TlbEntry *e = &c->entry[idx][i];
        for (unsigned a = 0; a < MEM_ACCESS_COUNT; a++) {
            if (!(e->tag[a] & TLB_FLAG_INVALID) && (e->tag[a] & TLB_PAGE_MASK) == page) {
                invalidate_entry(e);
                break;
            }
        }
    }
}

void tlb_context_note_large(TlbContext *c, uint64_t gva, uint64_t page_size)
{
    uint64_t mask = ~(page_size - 1);
    uint64_t base = gva & mask;
    if (!c->has_large) {
        c->large_base = base;
        c->large_mask = mask;
        c->has_large = true;
        return;
    }
    /* Widen the covering region until it holds both (QEMU's tlb_add_large_page idea). */
    if (mask > c->large_mask) {
        mask = c->large_mask;
    }
    while (((c->large_base ^ base) & mask) != 0) {
        mask <<= 1;
    }
    c->large_mask = mask;
    c->large_base &= mask;
}

/* The address space ps designates: root table address (TLB_KEY_NO_PAGING when off), PCID. */
static void context_key(const PagingState *ps, uint64_t *cr3_key, uint16_t *pcid)
{
    *pcid = 0;
    switch (paging_mode(ps)) {
    case PAGING_MODE_NONE:
        *cr3_key = TLB_KEY_NO_PAGING;
        break;
    case PAGING_MODE_32BIT:
        *cr3_key = ps->cr3 & 0xfffff000u;
        break;
    case PAGING_MODE_PAE:
        *cr3_key = ps->cr3 & 0xffffffe0u;
        break;
    default:
        *cr3_key = ps->cr3 & mask_low64(52) & TLB_PAGE_MASK;
        if (ps->cr4 & PAGING_CR4_PCIDE) {
            *pcid = (uint16_t)(ps->cr3 & 0xfff);
        }
        break;
    }
}

static bool context_matches(const TlbContext *c, const PagingState *ps, uint64_t key, uint16_t pcid)
{
    if (!c->is_valid || c->cr3_key != key || c->pcid != pcid) {
        return false;
    }
    return paging_mode(ps) != PAGING_MODE_PAE || memcmp(c->pdpte, ps->pdpte, sizeof(c->pdpte)) == 0;
}

bool tlb_context_is_current(const Tlb *t, const PagingState *ps)
{
    uint64_t key;
    uint16_t pcid;
    context_key(ps, &key, &pcid);
    return context_matches(&t->ctx[t->cur_ctx], ps, key, pcid);
}

/* A slot for a new address space: an unused one, else the least recently used. */
static unsigned context_victim(const Tlb *t)
{
    unsigned victim = 0;
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        if (!t->ctx[i].is_valid) {
            return i;
        }
        if (t->ctx[i].last_use < t->ctx[victim].last_use) {
            victim = i;
        }
    }
    return victim;
}

void tlb_write_cr3(Tlb *t, const PagingState *ps)
{
    t->generation++;
    TlbContext *old = &t->ctx[t->cur_ctx];
    if (old->is_stale) {
        context_clear_nonglobal(old);
    }
    uint64_t key;
    uint16_t pcid;
    context_key(ps, &key, &pcid);
    unsigned slot = TLB_CONTEXTS;
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        if (context_matches(&t->ctx[i], ps, key, pcid)) {
            slot = i;
        }
    }
    if (slot < TLB_CONTEXTS) {
        t->stats.context_reuses++;
    } else {
        slot = context_victim(t);
        TlbContext *c = &t->ctx[slot];
        context_clear(c);
        c->cr3_key = key;
        c->pcid = pcid;
        memcpy(c->pdpte, ps->pdpte, sizeof(c->pdpte));
        c->is_valid = true;
        c->is_stale = false;
        t->stats.context_news++;
    }
    t->cur_ctx = slot;
    t->cur = t->ctx[slot].entry;
    t->ctx[slot].last_use = ++t->clock;
}

void tlb_flush_all(Tlb *t)
{
    t->generation++;
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        TlbContext *c = &t->ctx[i];
        context_clear(c);
        c->is_valid = false;
        c->is_stale = false;
        c->cr3_key = TLB_KEY_NONE;
    }
}

void tlb_flush_page(Tlb *t, uint64_t gva)
{
    t->generation++;
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        context_clear_page(&t->ctx[i], gva);
    }
}

void tlb_flush_nonglobal(Tlb *t)
{
    t->generation++;
    context_clear_nonglobal(&t->ctx[t->cur_ctx]);
}

bool tlb_invpcid(Tlb *t, unsigned type, uint16_t pcid, uint64_t gva)
{
    if (type > TLB_INVPCID_ALL_NONGLOBAL) {
        return false;
    }
    t->generation++;
    if (type == TLB_INVPCID_ALL_GLOBAL) {
        tlb_flush_all(t);
        return true;
    }
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        TlbContext *c = &t->ctx[i];
        bool is_target = type == TLB_INVPCID_ALL_NONGLOBAL || (c->is_valid && c->pcid == pcid);
        if (!is_target) {
            continue;
        }
        if (type == TLB_INVPCID_ADDRESS) {
            context_clear_page(c, gva);
        } else {
            context_clear_nonglobal(c);
        }
    }
    return true;
}

void tlb_drop_contexts(Tlb *t, uint8_t ctx_mask)
{
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        TlbContext *c = &t->ctx[i];
        if (!(ctx_mask & (1u << i)) || !c->is_valid) {
            continue;
        }
        if (i == t->cur_ctx) {
            c->is_stale = true;
        } else if (!c->is_empty) {
            context_clear(c);
            t->stats.context_drops++;
        }
    }
}

void tlb_protect_page(Tlb *t, uint8_t ctx_mask, const uint8_t *page_hva, unsigned flag)
{
    for (unsigned i = 0; i < TLB_CONTEXTS; i++) {
        TlbContext *c = &t->ctx[i];
        if (!(ctx_mask & (1u << i)) || c->is_empty) {
            continue;
        }
        for (unsigned idx = 0; idx < MMU_IDX_COUNT; idx++) {
            for (unsigned j = 0; j < TLB_ENTRIES; j++) {
                uint64_t *tag = &c->entry[idx][j].tag[MEM_WRITE];
                if (!(*tag & TLB_FLAG_INVALID) && c->info[idx][j].hva == page_hva) {
                    *tag |= flag;
                }
            }
        }
    }
}
