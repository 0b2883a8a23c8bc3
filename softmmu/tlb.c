/*
 * softmmu/tlb.c: filling the software TLB and its slow path (tlb.h).
 *
 * A fill walks the page tables (walker.c), records the paging-structure pages it read against
 * the current context (write tracking, internal.h), and enters one entry per 4 KiB page with a
 * tag for each access kind the translation allows in that MMU index (SDM Vol. 3A §4.6 via
 * paging_check_access): plain tags where host memory may be touched directly, flagged tags
 * where the slow path must act, invalid tags where the access would fault. A write tag needs
 * the leaf's dirty flag already set (§4.8: the first write must set D, which only a walk does).
 *
 * The slow path translates every page an access touches before touching any (precise faults),
 * then copies from host memory, or goes through the map (phys_read/phys_write) for MMIO,
 * tracked RAM and ROM. After a tracked write, a page that no longer needs tracking gets its
 * write tag back on the fast path, except a page-table page: guests rewrite those in bursts,
 * and each return to the fast path would cost a demotion scan at the next walk.
 */
#include "softmmu/tlb.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/internal.h"
#include "util/log.h"

/* One page of an access, translated. */
typedef struct TlbHit {
    uint64_t gpa;   /* of the first byte accessed in this page */
    uint8_t *hva;   /* host address of that byte for RAM/ROM, else NULL */
    uint64_t tag;   /* the tag used: its flags say how to access */
    unsigned index; /* entry index, for the write-tag upgrade */
} TlbHit;

Tlb *tlb_new(PhysMap *m, unsigned maxphyaddr)
{
    if (maxphyaddr < PHYS_BITS_MIN || maxphyaddr > PHYS_BITS_MAX) {
        return NULL;
    }
    Tlb *t = calloc(1, sizeof(*t));
    TlbContext *ctx = calloc(TLB_CONTEXTS, sizeof(*ctx));
    if (!t || !ctx) {
        free(t);
        free(ctx);
        return NULL;
    }
    t->map = m;
    t->maxphyaddr = maxphyaddr;
    t->ctx = ctx;
    t->cur = ctx[0].entry;
    tlb_flush_all(t);
    phys_map_attach_tlb(m, t);
    return t;
}

void tlb_free(Tlb *t)
{
    if (t) {
        phys_map_detach_tlb(t->map, t);
        free(t->ctx);
        free(t);
    }
}

static bool tag_matches(uint64_t tag, uint64_t page)
{
    return !(tag & TLB_FLAG_INVALID) && (tag & TLB_PAGE_MASK) == page;
}

/* Slow-path flags of a write tag to a page that resolved as `pg`. */
static uint64_t write_flags(const PhysPage *pg)
{
    switch (pg->kind) {
    case PHYS_PAGE_RAM:
        if (pg->is_write_fast) {
            return 0;
        }
        return ((pg->info->flags & RAM_PAGE_CODE) ? TLB_FLAG_CODE : 0) |
               ((pg->info->flags & RAM_PAGE_ALL_CLEAN) ? TLB_FLAG_NOTDIRTY : 0) |
               (pg->info->page_table_ctx ? TLB_FLAG_PAGE_TABLE : 0);
    case PHYS_PAGE_ROM:
        return TLB_FLAG_ROM;
    default:
        return TLB_FLAG_MMIO;
    }
}

/* Whether a watchpoint for access kind `acc` covers part of the page at vpage. */
static bool is_page_watched(const Tlb *t, uint64_t vpage, unsigned acc)
{
    for (unsigned i = 0; i < t->nwatch; i++) {
        const TlbWatch *w = &t->watch[i];
        if ((w->kinds & (1u << acc)) && w->addr <= vpage + PHYS_PAGE_SIZE - 1 &&
            vpage <= w->addr + w->len - 1) {
            return true;
        }
    }
    return false;
}

/* After a completed access: reports the first watchpoint it touched. */
static void check_watch(Tlb *t, uint64_t gva, unsigned size, MemAccess acc)
{
    for (unsigned i = 0; i < t->nwatch; i++) {
        const TlbWatch *w = &t->watch[i];
        if ((w->kinds & (1u << acc)) && w->addr <= gva + size - 1 && gva <= w->addr + w->len - 1) {
            t->watch_hit(t->watch_opaque, w, gva > w->addr ? gva : w->addr, acc);
            return;
        }
    }
}

bool tlb_watch_insert(Tlb *t, uint64_t addr, uint64_t len, unsigned kinds)
{
    if (t->nwatch == TLB_WATCH_MAX || len == 0 || addr + len - 1 < addr || !t->watch_hit) {
        return false;
    }
    t->watch[t->nwatch++] = (TlbWatch){ addr, len, kinds };
    tlb_flush_all(t);
    return true;
}

bool tlb_watch_remove(Tlb *t, uint64_t addr, uint64_t len, unsigned kinds)
{
    for (unsigned i = 0; i < t->nwatch; i++) {
        const TlbWatch *w = &t->watch[i];
        if (w->addr == addr && w->len == len && w->kinds == kinds) {
            t->watch[i] = t->watch[--t->nwatch];
            tlb_flush_all(t);
            return true;
        }
    }
    return false;
}

void tlb_watch_clear(Tlb *t)
{
    if (t->nwatch) {
        t->nwatch = 0;
        tlb_flush_all(t);
    }
}

/* Enters the translation `r` of gva for MMU mode `mode` into the current context. */
static void install(Tlb *t, const PagingState *ps, uint64_t gva, const MmuMode *mode,
                    const PagingResult *r)
{
    unsigned slot = t->cur_ctx;
    TlbContext *c = &t->ctx[slot];
    for (unsigned i = 0; i < r->table_count; i++) {
        phys_track_page_table(t->map, r->table_gpa[i], slot);
    }
    if (r->has_non_ram_table) {
        c->is_stale = true; /* untracked page tables: never reuse across CR3 loads */
    }

    uint64_t vpage = gva & TLB_PAGE_MASK;
    uint64_t gpage = r->gpa & PHYS_PAGE_MASK;
    PhysPage pg = phys_map_page(t->map, gpage);
    bool is_host = pg.kind == PHYS_PAGE_RAM || pg.kind == PHYS_PAGE_ROM;
    uint64_t read_flags = is_host ? 0 : TLB_FLAG_MMIO;
    bool is_paged = paging_mode(ps) != PAGING_MODE_NONE;

    unsigned idx = tlb_mmu_index(mode);
    unsigned i = (gva >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1);
    TlbEntry *e = &c->entry[idx][i];
    TlbEntryInfo *info = &c->info[idx][i];
    for (unsigned a = 0; a < MEM_ACCESS_COUNT; a++) {
        bool is_allowed = !is_paged || paging_check_access(ps, r->is_writable, r->is_user,
                                                           r->is_executable, a, mode) == 0;
        if (a == MEM_WRITE) {
            is_allowed &= r->is_dirty;
        }
        if (!is_allowed) {
            e->tag[a] = ~0ull;
        } else {
            e->tag[a] = vpage | (a == MEM_WRITE ? write_flags(&pg) : read_flags);
            if (t->nwatch && is_page_watched(t, vpage, a)) {
                e->tag[a] |= TLB_FLAG_WATCH;
            }
        }
    }
    e->addend = is_host ? (uintptr_t)pg.hva - (uintptr_t)vpage : 0;
    info->gpa = gpage;
    info->hva = pg.hva;
    info->is_global = r->is_global;
    if (e->tag[MEM_WRITE] == vpage) {
        pg.info->fast_write_ctx |= (uint8_t)(1u << slot);
    }
    if (r->page_size > PHYS_PAGE_SIZE) {
        tlb_context_note_large(c, gva, r->page_size);
    }
    c->is_empty = false;
}

bool tlb_fill(Tlb *t, const PagingState *ps, uint64_t gva, MemAccess acc, const MmuMode *mode,
              PageFault *fault)
{
    if (!tlb_context_is_current(t, ps)) {
        /* The CPU loaded CR3 (or flushed) without telling us: behave as a CR3 load. */
        tlb_write_cr3(t, ps);
    }
    PagingResult r;
    t->stats.walks++;
    if (!paging_walk(t->map, ps, t->maxphyaddr, gva, acc, mode, &r, fault)) {
        t->stats.faults++;
        return false;
    }
    install(t, ps, gva, mode, &r);
    return true;
}

/* Translates the page of gva for `acc`, filling on a miss. */
static bool translate(Tlb *t, const PagingState *ps, uint64_t gva, MemAccess acc,
                      const MmuMode *mode, TlbHit *hit, PageFault *fault)
{
    unsigned idx = tlb_mmu_index(mode);
    unsigned i = (gva >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1);
    uint64_t page = gva & TLB_PAGE_MASK;
    if (!tag_matches(t->cur[idx][i].tag[acc], page) || !tlb_context_is_current(t, ps)) {
        if (!tlb_fill(t, ps, gva, acc, mode, fault)) {
            return false;
        }
    }
    const TlbEntryInfo *info = &t->ctx[t->cur_ctx].info[idx][i];
    uint64_t offset = gva & ~TLB_PAGE_MASK;
    hit->tag = t->cur[idx][i].tag[acc];
    hit->gpa = info->gpa | offset;
    hit->hva = info->hva ? info->hva + offset : NULL;
    hit->index = i;
    return true;
}

/* Linear addresses are 32 bits wide outside IA-32e mode (SDM Vol. 3A §3.3.6). */
static uint64_t linear_mask(const PagingState *ps)
{
    return (ps->efer & PAGING_EFER_LMA) ? ~0ull : 0xffffffffull;
}

/*
 * Translates the (one or two) pages of [gva, gva + size), size <= TLB_ACCESS_MAX; fills
 * hit[] and len[] (bytes in each page); returns the page count, or 0 with *fault filled.
 */
static unsigned translate_access(Tlb *t, const PagingState *ps, uint64_t gva, unsigned size,
                                 MemAccess acc, const MmuMode *mode, TlbHit hit[2], unsigned len[2],
                                 PageFault *fault)
{
    unsigned first = (unsigned)(PHYS_PAGE_SIZE - (gva & ~TLB_PAGE_MASK));
    len[0] = size < first ? size : first;
    len[1] = size - len[0];
    if (!translate(t, ps, gva, acc, mode, &hit[0], fault)) {
        return 0;
    }
    if (!len[1]) {
        return 1;
    }
    if (!translate(t, ps, (gva + len[0]) & linear_mask(ps), acc, mode, &hit[1], fault)) {
        return 0;
    }
    return 2;
}

bool tlb_translate(Tlb *t, const PagingState *ps, uint64_t gva, MemAccess acc, const MmuMode *mode,
                   uint64_t *gpa, PageFault *fault)
{
    TlbHit hit;
    if (!translate(t, ps, gva, acc, mode, &hit, fault)) {
        return false;
    }
    *gpa = hit.gpa;
    return true;
}

bool tlb_probe(Tlb *t, const PagingState *ps, uint64_t gva, unsigned size, MemAccess acc,
               const MmuMode *mode, PageFault *fault)
{
    while (size) {
        unsigned chunk = size < TLB_ACCESS_MAX ? size : TLB_ACCESS_MAX;
        TlbHit hit[2];
        unsigned len[2];
        if (!translate_access(t, ps, gva, chunk, acc, mode, hit, len, fault)) {
            return false;
        }
        gva = (gva + chunk) & linear_mask(ps);
        size -= chunk;
    }
    return true;
}

bool tlb_read_slow(Tlb *t, const PagingState *ps, uint64_t gva, void *buf, unsigned size,
                   MemAccess acc, const MmuMode *mode, PageFault *fault)
{
    uint8_t *out = buf;
    uint64_t start = gva;
    unsigned total = size;
    while (size) {
        unsigned chunk = size < TLB_ACCESS_MAX ? size : TLB_ACCESS_MAX;
        TlbHit hit[2];
        unsigned len[2];
        unsigned pages = translate_access(t, ps, gva, chunk, acc, mode, hit, len, fault);
        if (!pages) {
            return false;
        }
        for (unsigned p = 0; p < pages; p++) {
            if (hit[p].hva) {
                memcpy(out, hit[p].hva, len[p]);
            } else {
                phys_read(t->map, hit[p].gpa, out, len[p]);
            }
            out += len[p];
        }
        gva = (gva + chunk) & linear_mask(ps);
        size -= chunk;
    }
    if (t->nwatch) {
        check_watch(t, start, total, acc);
    }
    return true;
}

/* After a tracked write: put the write tag back on the fast path if nothing needs it now. */
static void upgrade_write_tag(Tlb *t, uint64_t gva, const MmuMode *mode, const TlbHit *hit)
{
    if (hit->tag & (TLB_FLAG_PAGE_TABLE | TLB_FLAG_ROM | TLB_FLAG_MMIO)) {
        return;
    }
    PhysPage pg = phys_map_page(t->map, hit->gpa);
    unsigned idx = tlb_mmu_index(mode);
    TlbEntry *e = &t->cur[idx][hit->index];
    const TlbEntryInfo *info = &t->ctx[t->cur_ctx].info[idx][hit->index];
    uint64_t page = gva & TLB_PAGE_MASK;
    if (pg.is_write_fast && tag_matches(e->tag[MEM_WRITE], page) && info->hva == pg.hva) {
        e->tag[MEM_WRITE] = page | (e->tag[MEM_WRITE] & TLB_FLAG_WATCH);
        pg.info->fast_write_ctx |= (uint8_t)(1u << t->cur_ctx);
    }
}

static void write_page(Tlb *t, uint64_t gva, const MmuMode *mode, const TlbHit *hit,
                       const uint8_t *in, unsigned len)
{
    uint64_t flags = hit->tag & ~TLB_PAGE_MASK & ~(uint64_t)TLB_FLAG_WATCH;
    if (!flags) {
        memcpy(hit->hva, in, len);
    } else if (flags & TLB_FLAG_ROM) {
        log_guest_error("write to ROM at physical address 0x%" PRIx64 " ignored", hit->gpa);
    } else {
        phys_write(t->map, hit->gpa, in, len);
        upgrade_write_tag(t, gva, mode, hit);
    }
}

bool tlb_write_slow(Tlb *t, const PagingState *ps, uint64_t gva, const void *buf, unsigned size,
                    const MmuMode *mode, PageFault *fault)
{
    const uint8_t *in = buf;
    uint64_t start = gva;
    unsigned total = size;
    while (size) {
        unsigned chunk = size < TLB_ACCESS_MAX ? size : TLB_ACCESS_MAX;
        TlbHit hit[2];
        unsigned len[2];
        unsigned pages = translate_access(t, ps, gva, chunk, MEM_WRITE, mode, hit, len, fault);
        if (!pages) {
            return false;
        }
        write_page(t, gva, mode, &hit[0], in, len[0]);
        if (pages == 2) {
            write_page(t, (gva + len[0]) & linear_mask(ps), mode, &hit[1], in + len[0], len[1]);
        }
        in += chunk;
        gva = (gva + chunk) & linear_mask(ps);
        size -= chunk;
    }
    if (t->nwatch) {
        check_watch(t, start, total, MEM_WRITE);
    }
    return true;
}
