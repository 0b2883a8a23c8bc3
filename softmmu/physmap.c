/*
 * softmmu/physmap.c: the guest-physical address space (memory.h): regions, their overlap
 * resolution into a page map, and the lookup of a byte or a page.
 *
 * The page map is a radix tree over the physical page number: a top array of 2^(pfn_bits-26)
 * entries, then two levels of 8192 entries (one leaf covers 32 MiB). An entry is a "slot": 0
 * for unassigned, a MemRegion pointer for a page (or a whole subtree) covered by one region,
 * a MixedPage pointer tagged SLOT_MIXED for a page shared by several regions, or in the upper
 * levels a child table tagged SLOT_TABLE. A region covering a whole 32 MiB or 256 GiB range
 * costs one entry, so large RAM and sparse high MMIO stay cheap.
 *
 * Changes are rare (boot, PAM, PCI BARs), lookups constant: a change repaints only the range it
 * affects: clear it, then paint every enabled region overlapping it in increasing (priority,
 * seq) order, so the winner is painted last. Then every attached TLB is flushed, since its
 * entries hold host pointers and page kinds.
 */
#include "softmmu/memory.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "softmmu/internal.h"
#include "util/log.h"

#define LEVEL_BITS 13
#define LEVEL_ENTRIES (1u << LEVEL_BITS)
#define TOP_SHIFT (2 * LEVEL_BITS) /* pages covered by one top entry, log2 */

#define SLOT_MIXED ((uintptr_t)1)
#define SLOT_TABLE ((uintptr_t)2)
#define SLOT_TAGS ((uintptr_t)3)

typedef struct MixedPiece {
    uint16_t start, end; /* byte range within the page, end exclusive */
    MemRegion *region;   /* the painting region (possibly an alias) */
} MixedPiece;

/* A page shared by several regions: sorted, disjoint pieces; gaps are unassigned. */
typedef struct MixedPage {
    unsigned count, cap;
    MixedPiece *piece;
} MixedPage;

struct PhysMap {
    unsigned phys_bits;
    uint64_t limit; /* 2^phys_bits */
    size_t top_len;
    uintptr_t *top;
    MemRegion **regions;
    size_t region_count, region_cap;
    uint64_t next_seq;
    uint64_t a20_mask;
    Tlb **tlbs;
    unsigned tlb_count, tlb_cap;
    PhysCodeWriteHook code_hook;
    void *code_opaque;
};

/* Out of host memory for the map's own bookkeeping: no way to go on with a consistent map. */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        log_error("softmmu: out of memory (%zu x %zu bytes)", n, size);
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n, size_t size)
{
    p = realloc(p, (n ? n : 1) * size);
    if (!p) {
        log_error("softmmu: out of memory (%zu x %zu bytes)", n, size);
        abort();
    }
    return p;
}

/* ---- slots and the radix tree ---- */

static void slot_free(uintptr_t slot)
{
    if (slot & SLOT_TABLE) {
        uintptr_t *table = (uintptr_t *)(slot & ~SLOT_TAGS);
        for (unsigned i = 0; i < LEVEL_ENTRIES; i++) {
            slot_free(table[i]);
        }
        free(table);
    } else if (slot & SLOT_MIXED) {
        MixedPage *mp = (MixedPage *)(slot & ~SLOT_TAGS);
        free(mp->piece);
        free(mp);
    }
}

static uintptr_t *table_new(uintptr_t fill)
{
    uintptr_t *table = xcalloc(LEVEL_ENTRIES, sizeof(*table));
    for (unsigned i = 0; i < LEVEL_ENTRIES; i++) {
        table[i] = fill;
    }
    return table;
}

/* The child table of an upper-level entry, splitting a uniform entry first. */
static uintptr_t *entry_child(uintptr_t *entry)
{
    if (!(*entry & SLOT_TABLE)) {
        /* A uniform upper entry is never mixed: mixed pages live in leaves only. */
        *entry = (uintptr_t)table_new(*entry) | SLOT_TABLE;
    }
    return (uintptr_t *)(*entry & ~SLOT_TAGS);
}

/* Paints pages [lo, hi) of the subtree `table` (level 0 top, 2 leaf) based at base_pfn. */
static void paint_level(uintptr_t *table, size_t len, unsigned level, uint64_t base_pfn,
                        uint64_t lo, uint64_t hi, uintptr_t slot)
{
    unsigned shift = (2 - level) * LEVEL_BITS;
    uint64_t span = 1ull << shift;
    size_t first = (size_t)((lo - base_pfn) >> shift);
    size_t last = (size_t)((hi - 1 - base_pfn) >> shift);
    for (size_t i = first; i <= last && i < len; i++) {
        uint64_t ebase = base_pfn + i * span;
        uint64_t elo = lo > ebase ? lo : ebase;
        uint64_t ehi = hi < ebase + span ? hi : ebase + span;
        if (elo == ebase && ehi == ebase + span) {
            slot_free(table[i]);
            table[i] = slot;
        } else {
            paint_level(entry_child(&table[i]), LEVEL_ENTRIES, level + 1, ebase, elo, ehi, slot);
        }
    }
}

static void paint_pages(PhysMap *m, uint64_t lo_pfn, uint64_t hi_pfn, uintptr_t slot)
{
    if (lo_pfn < hi_pfn) {
        paint_level(m->top, m->top_len, 0, 0, lo_pfn, hi_pfn, slot);
    }
}

/* The leaf entry of a page, creating tables on the way. */
static uintptr_t *leaf_entry(PhysMap *m, uint64_t pfn)
{
    uintptr_t *mid = entry_child(&m->top[pfn >> TOP_SHIFT]);
    uintptr_t *leaf = entry_child(&mid[(pfn >> LEVEL_BITS) & (LEVEL_ENTRIES - 1)]);
    return &leaf[pfn & (LEVEL_ENTRIES - 1)];
}

static uintptr_t lookup_slot(const PhysMap *m, uint64_t pfn)
{
    uintptr_t e = m->top[pfn >> TOP_SHIFT];
    if (e & SLOT_TABLE) {
        e = ((uintptr_t *)(e & ~SLOT_TAGS))[(pfn >> LEVEL_BITS) & (LEVEL_ENTRIES - 1)];
        if (e & SLOT_TABLE) {
            e = ((uintptr_t *)(e & ~SLOT_TAGS))[pfn & (LEVEL_ENTRIES - 1)];
        }
    }
    return e;
}

/* ---- mixed pages ---- */

static void mixed_insert(MixedPage *mp, unsigned at, MixedPiece p)
{
    if (mp->count == mp->cap) {
        mp->cap = mp->cap ? 2 * mp->cap : 4;
        mp->piece = xrealloc(mp->piece, mp->cap, sizeof(*mp->piece));
    }
    memmove(&mp->piece[at + 1], &mp->piece[at], (mp->count - at) * sizeof(*mp->piece));
    mp->piece[at] = p;
    mp->count++;
}

static void mixed_remove(MixedPage *mp, unsigned at)
{
    memmove(&mp->piece[at], &mp->piece[at + 1], (mp->count - at - 1) * sizeof(*mp->piece));
    mp->count--;
}

/* Removes bytes [start, end) from every piece, splitting a piece that spans the range. */
static void mixed_cut(MixedPage *mp, unsigned start, unsigned end)
{
    for (unsigned i = 0; i < mp->count;) {
        MixedPiece *p = &mp->piece[i];
        if (p->end <= start || p->start >= end) {
            i++;
        } else if (p->start < start && p->end > end) {
            MixedPiece tail = {(uint16_t)end, p->end, p->region};
            p->end = (uint16_t)start;
            mixed_insert(mp, i + 1, tail);
            return;
        } else if (p->start < start) {
            p->end = (uint16_t)start;
            i++;
        } else if (p->end > end) {
            p->start = (uint16_t)end;
            i++;
        } else {
            mixed_remove(mp, i);
        }
    }
}

/* Adjacent pieces of one painter are contiguous in it (offsets follow gpa): merge them. */
static void mixed_merge(MixedPage *mp)
{
    for (unsigned i = 0; i + 1 < mp->count;) {
        if (mp->piece[i].end == mp->piece[i + 1].start &&
            mp->piece[i].region == mp->piece[i + 1].region) {
            mp->piece[i].end = mp->piece[i + 1].end;
            mixed_remove(mp, i + 1);
        } else {
            i++;
        }
    }
}

/* Paints bytes [start, end) of one page with `r` (NULL: unassigned). */
static void paint_subpage(PhysMap *m, uint64_t pfn, unsigned start, unsigned end, MemRegion *r)
{
    uintptr_t *e = leaf_entry(m, pfn);
    MixedPage *mp;
    if (*e & SLOT_MIXED) {
        mp = (MixedPage *)(*e & ~SLOT_TAGS);
    } else {
        mp = xcalloc(1, sizeof(*mp));
        if (*e) {
            mixed_insert(mp, 0, (MixedPiece){0, (uint16_t)PHYS_PAGE_SIZE, (MemRegion *)*e});
        }
    }
    mixed_cut(mp, start, end);
    if (r) {
        unsigned at = 0;
        while (at < mp->count && mp->piece[at].start < start) {
            at++;
        }
        mixed_insert(mp, at, (MixedPiece){(uint16_t)start, (uint16_t)end, r});
        mixed_merge(mp);
    }
    if (mp->count == 0 ||
        (mp->count == 1 && mp->piece[0].start == 0 && mp->piece[0].end == PHYS_PAGE_SIZE)) {
        *e = mp->count ? (uintptr_t)mp->piece[0].region : 0;
        free(mp->piece);
        free(mp);
    } else {
        *e = (uintptr_t)mp | SLOT_MIXED;
    }
}

/* Paints bytes [a, b) with `r` (NULL: unassigned); b <= limit. */
static void paint_range(PhysMap *m, uint64_t a, uint64_t b, MemRegion *r)
{
    if (a >= b) {
        return;
    }
    uint64_t first = a >> PHYS_PAGE_BITS, last = (b - 1) >> PHYS_PAGE_BITS;
    unsigned head = (unsigned)(a & (PHYS_PAGE_SIZE - 1));
    unsigned tail = (unsigned)(b & (PHYS_PAGE_SIZE - 1));
    if (first == last && (head || tail)) {
        paint_subpage(m, first, head, tail ? tail : (unsigned)PHYS_PAGE_SIZE, r);
        return;
    }
    uint64_t full_lo = first, full_hi = last + 1;
    if (head) {
        paint_subpage(m, first, head, (unsigned)PHYS_PAGE_SIZE, r);
        full_lo++;
    }
    if (tail) {
        paint_subpage(m, last, 0, tail, r);
        full_hi--;
    }
    paint_pages(m, full_lo, full_hi, (uintptr_t)r);
}

/* ---- regions ---- */

static int region_order(const void *pa, const void *pb)
{
    const MemRegion *a = *(MemRegion *const *)pa, *b = *(MemRegion *const *)pb;
    if (a->priority != b->priority) {
        return a->priority < b->priority ? -1 : 1;
    }
    return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* Recomputes the map over bytes [lo, hi) and flushes the TLBs. */
static void repaint(PhysMap *m, uint64_t lo, uint64_t hi)
{
    if (hi > m->limit) {
        hi = m->limit;
    }
    paint_range(m, lo, hi, NULL);
    MemRegion **hits = xcalloc(m->region_count, sizeof(*hits));
    size_t n = 0;
    for (size_t i = 0; i < m->region_count; i++) {
        MemRegion *r = m->regions[i];
        if (r->is_enabled && r->gpa < hi && r->gpa + r->size > lo) {
            hits[n++] = r;
        }
    }
    qsort(hits, n, sizeof(*hits), region_order);
    for (size_t i = 0; i < n; i++) {
        uint64_t a = hits[i]->gpa > lo ? hits[i]->gpa : lo;
        uint64_t b = hits[i]->gpa + hits[i]->size < hi ? hits[i]->gpa + hits[i]->size : hi;
        paint_range(m, a, b, hits[i]);
    }
    free(hits);
    for (unsigned i = 0; i < m->tlb_count; i++) {
        tlb_flush_all(m->tlbs[i]);
    }
}

static bool is_page_aligned(uint64_t v)
{
    return (v & (PHYS_PAGE_SIZE - 1)) == 0;
}

static bool extent_fits(const PhysMap *m, uint64_t gpa, uint64_t size)
{
    return size != 0 && gpa < m->limit && size <= m->limit - gpa;
}

/* Whether a region of this type may sit at gpa with this size (granularity rule). */
static bool extent_is_valid(const PhysMap *m, const MemRegion *r, uint64_t gpa)
{
    if (!extent_fits(m, gpa, r->size)) {
        return false;
    }
    const MemRegion *backing = r->type == MEM_REGION_ALIAS ? r->target : r;
    if (backing->type == MEM_REGION_MMIO) {
        return true;
    }
    return is_page_aligned(gpa) && is_page_aligned(r->size) && is_page_aligned(r->target_offset);
}

static MemRegion *region_new(PhysMap *m, const char *name, MemRegionType type, uint64_t size,
                             int priority)
{
    MemRegion *r = xcalloc(1, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
    r->type = type;
    r->size = size;
    r->priority = priority;
    r->is_enabled = true;
    return r;
}

static void region_destroy(MemRegion *r)
{
    if (r->owns_host && r->host) {
        munmap(r->host, r->size);
    }
    free(r->info);
    free(r);
}

/* Logs why a region cannot sit at gpa; true when it can. */
static bool region_check(const PhysMap *m, const MemRegion *r, uint64_t gpa)
{
    if (extent_is_valid(m, r, gpa)) {
        return true;
    }
    log_error("%s: region 0x%" PRIx64 "+0x%" PRIx64 " is outside the %u-bit space or not "
              "page-aligned",
              r->name, gpa, r->size, m->phys_bits);
    return false;
}

/* Links and paints a checked region. */
static MemRegion *region_insert(PhysMap *m, MemRegion *r, uint64_t gpa)
{
    r->gpa = gpa;
    r->seq = m->next_seq++;
    if (m->region_count == m->region_cap) {
        m->region_cap = m->region_cap ? 2 * m->region_cap : 16;
        m->regions = xrealloc(m->regions, m->region_cap, sizeof(*m->regions));
    }
    m->regions[m->region_count++] = r;
    if (r->type == MEM_REGION_ALIAS) {
        r->target->alias_count++;
    }
    repaint(m, gpa, gpa + r->size);
    return r;
}

/* Checks, then links and paints, or frees the region and returns NULL. */
static MemRegion *region_add(PhysMap *m, MemRegion *r, uint64_t gpa)
{
    if (!region_check(m, r, gpa)) {
        region_destroy(r);
        return NULL;
    }
    return region_insert(m, r, gpa);
}

/* Host memory for RAM/ROM: anonymous mappings are zero and committed only when touched. */
static bool region_alloc_backing(MemRegion *r, void *host)
{
    if (host) {
        r->host = host;
    } else {
        void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            log_error("%s: cannot allocate %" PRIu64 " bytes of guest memory", r->name, r->size);
            return false;
        }
        r->host = p;
        r->owns_host = true;
    }
    r->info = xcalloc(r->size >> PHYS_PAGE_BITS, sizeof(*r->info));
    return true;
}

static MemRegion *add_backed(PhysMap *m, const char *name, MemRegionType type, uint64_t gpa,
                             uint64_t size, void *host, int priority)
{
    MemRegion *r = region_new(m, name, type, size, priority);
    if (!region_check(m, r, gpa) || !region_alloc_backing(r, host)) {
        region_destroy(r);
        return NULL;
    }
    return region_insert(m, r, gpa);
}

MemRegion *phys_map_add_ram(PhysMap *m, const char *name, uint64_t gpa, uint64_t size, void *host,
                            int priority)
{
    return add_backed(m, name, MEM_REGION_RAM, gpa, size, host, priority);
}

MemRegion *phys_map_add_rom(PhysMap *m, const char *name, uint64_t gpa, uint64_t size, int priority)
{
    return add_backed(m, name, MEM_REGION_ROM, gpa, size, NULL, priority);
}

MemRegion *phys_map_add_mmio(PhysMap *m, const char *name, uint64_t gpa, uint64_t size,
                             const IoOps *ops, void *opaque, int priority)
{
    if (!ops) {
        log_error("%s: MMIO region without handlers", name ? name : "?");
        return NULL;
    }
    MemRegion *r = region_new(m, name, MEM_REGION_MMIO, size, priority);
    r->ops = ops;
    r->opaque = opaque;
    return region_add(m, r, gpa);
}

MemRegion *phys_map_add_alias(PhysMap *m, const char *name, uint64_t gpa, uint64_t size,
                              MemRegion *target, uint64_t target_offset, int priority)
{
    if (!target) {
        log_error("%s: alias without a target", name ? name : "?");
        return NULL;
    }
    if (target->type == MEM_REGION_ALIAS) {
        target_offset += target->target_offset;
        target = target->target;
    }
    if (target_offset > target->size || size > target->size - target_offset) {
        log_error("%s: alias window 0x%" PRIx64 "+0x%" PRIx64 " is outside %s", name ? name : "?",
                  target_offset, size, target->name);
        return NULL;
    }
    MemRegion *r = region_new(m, name, MEM_REGION_ALIAS, size, priority);
    r->target = target;
    r->target_offset = target_offset;
    return region_add(m, r, gpa);
}

int phys_map_remove_region(PhysMap *m, MemRegion *r)
{
    if (r->alias_count) {
        return -EBUSY;
    }
    for (size_t i = 0; i < m->region_count; i++) {
        if (m->regions[i] == r) {
            m->regions[i] = m->regions[--m->region_count];
            break;
        }
    }
    if (r->type == MEM_REGION_ALIAS) {
        r->target->alias_count--;
    }
    repaint(m, r->gpa, r->gpa + r->size);
    region_destroy(r);
    return 0;
}

void phys_map_set_region_enabled(PhysMap *m, MemRegion *r, bool is_enabled)
{
    if (r->is_enabled == is_enabled) {
        return;
    }
    r->is_enabled = is_enabled;
    if (is_enabled) {
        r->seq = m->next_seq++;
    }
    repaint(m, r->gpa, r->gpa + r->size);
}

int phys_map_move_region(PhysMap *m, MemRegion *r, uint64_t gpa)
{
    if (!extent_is_valid(m, r, gpa)) {
        return -EINVAL;
    }
    uint64_t old = r->gpa;
    r->gpa = gpa;
    r->seq = m->next_seq++;
    repaint(m, old, old + r->size);
    repaint(m, gpa, gpa + r->size);
    return 0;
}

void phys_map_set_region_readonly(PhysMap *m, MemRegion *r, bool is_readonly)
{
    bool is_ram = r->type == MEM_REGION_RAM ||
                  (r->type == MEM_REGION_ALIAS && r->target->type == MEM_REGION_RAM);
    if (!is_ram || r->is_readonly == is_readonly) {
        return;
    }
    r->is_readonly = is_readonly;
    for (unsigned i = 0; i < m->tlb_count; i++) {
        tlb_flush_all(m->tlbs[i]);
    }
}

uint8_t *phys_region_host_ptr(const MemRegion *r)
{
    return r->host;
}

uint64_t phys_region_size(const MemRegion *r)
{
    return r->size;
}

const char *phys_region_name(const MemRegion *r)
{
    return r->name;
}

/* ---- the map ---- */

PhysMap *phys_map_new(unsigned phys_bits)
{
    if (phys_bits < PHYS_BITS_MIN || phys_bits > PHYS_BITS_MAX) {
        return NULL;
    }
    PhysMap *m = xcalloc(1, sizeof(*m));
    unsigned pfn_bits = phys_bits - PHYS_PAGE_BITS;
    m->phys_bits = phys_bits;
    m->limit = 1ull << phys_bits;
    m->top_len = pfn_bits > TOP_SHIFT ? (size_t)1 << (pfn_bits - TOP_SHIFT) : 1;
    m->top = xcalloc(m->top_len, sizeof(*m->top));
    m->a20_mask = ~0ull;
    return m;
}

void phys_map_free(PhysMap *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->top_len; i++) {
        slot_free(m->top[i]);
    }
    free(m->top);
    for (size_t i = 0; i < m->region_count; i++) {
        region_destroy(m->regions[i]);
    }
    free(m->regions);
    free(m->tlbs);
    free(m);
}

unsigned phys_map_phys_bits(const PhysMap *m)
{
    return m->phys_bits;
}

/* Resolves a painting region to its backing region and offset. */
static PhysPiece piece_of(MemRegion *painter, uint64_t gpa, uint64_t avail)
{
    PhysPiece p = {NULL, 0, avail, false};
    if (!painter) {
        return p;
    }
    uint64_t off = gpa - painter->gpa;
    p.is_readonly = painter->is_readonly;
    if (painter->type == MEM_REGION_ALIAS) {
        off += painter->target_offset;
        painter = painter->target;
        p.is_readonly |= painter->is_readonly;
    }
    p.region = painter;
    p.offset = off;
    p.is_readonly |= painter->type == MEM_REGION_ROM;
    return p;
}

PhysPiece phys_map_resolve(PhysMap *m, uint64_t gpa)
{
    uint64_t to_page_end = PHYS_PAGE_SIZE - (gpa & (PHYS_PAGE_SIZE - 1));
    if (gpa >= m->limit) {
        return piece_of(NULL, gpa, to_page_end);
    }
    uintptr_t slot = lookup_slot(m, gpa >> PHYS_PAGE_BITS);
    if (!(slot & SLOT_MIXED)) {
        return piece_of((MemRegion *)slot, gpa, to_page_end);
    }
    const MixedPage *mp = (const MixedPage *)(slot & ~SLOT_TAGS);
    unsigned off = (unsigned)(gpa & (PHYS_PAGE_SIZE - 1));
    for (unsigned i = 0; i < mp->count; i++) {
        const MixedPiece *p = &mp->piece[i];
        if (off < p->start) {
            return piece_of(NULL, gpa, p->start - off);
        }
        if (off < p->end) {
            return piece_of(p->region, gpa, p->end - off);
        }
    }
    return piece_of(NULL, gpa, to_page_end);
}

PhysPage phys_map_page(PhysMap *m, uint64_t gpa)
{
    PhysPage pg = {PHYS_PAGE_UNASSIGNED, NULL, NULL, 0, false, NULL};
    uint64_t page = gpa & PHYS_PAGE_MASK;
    if (page >= m->limit) {
        return pg;
    }
    uintptr_t slot = lookup_slot(m, page >> PHYS_PAGE_BITS);
    if (slot & SLOT_MIXED) {
        pg.kind = PHYS_PAGE_MIXED;
        return pg;
    }
    PhysPiece p = piece_of((MemRegion *)slot, page, PHYS_PAGE_SIZE);
    if (!p.region) {
        return pg;
    }
    pg.region = p.region;
    pg.offset = p.offset;
    if (p.region->type == MEM_REGION_MMIO) {
        pg.kind = PHYS_PAGE_MMIO;
        return pg;
    }
    pg.hva = p.region->host + p.offset;
    pg.info = &p.region->info[p.offset >> PHYS_PAGE_BITS];
    pg.kind = p.is_readonly ? PHYS_PAGE_ROM : PHYS_PAGE_RAM;
    pg.is_write_fast = pg.kind == PHYS_PAGE_RAM && phys_track_is_write_fast(pg.info);
    return pg;
}

bool phys_map_range_is_ram(PhysMap *m, uint64_t gpa, uint64_t len)
{
    while (len) {
        PhysPiece p = phys_map_resolve(m, gpa);
        if (!p.region || p.region->type != MEM_REGION_RAM || p.is_readonly) {
            return false;
        }
        uint64_t n = p.avail < len ? p.avail : len;
        if (gpa + n < gpa) {
            return false; /* wraps past 2^64 */
        }
        gpa += n;
        len -= n;
    }
    return true;
}

/* ---- A20, TLB attachment, hook ---- */

void phys_map_set_a20(PhysMap *m, bool is_enabled)
{
    uint64_t mask = is_enabled ? ~0ull : ~(1ull << 20);
    if (mask == m->a20_mask) {
        return;
    }
    m->a20_mask = mask;
    for (unsigned i = 0; i < m->tlb_count; i++) {
        tlb_flush_all(m->tlbs[i]);
    }
}

bool phys_map_a20_enabled(const PhysMap *m)
{
    return m->a20_mask == ~0ull;
}

uint64_t phys_map_a20_mask(const PhysMap *m)
{
    return m->a20_mask;
}

void phys_map_attach_tlb(PhysMap *m, Tlb *t)
{
    if (m->tlb_count == m->tlb_cap) {
        m->tlb_cap = m->tlb_cap ? 2 * m->tlb_cap : 4;
        m->tlbs = xrealloc(m->tlbs, m->tlb_cap, sizeof(*m->tlbs));
    }
    m->tlbs[m->tlb_count++] = t;
}

void phys_map_detach_tlb(PhysMap *m, Tlb *t)
{
    for (unsigned i = 0; i < m->tlb_count; i++) {
        if (m->tlbs[i] == t) {
            m->tlbs[i] = m->tlbs[--m->tlb_count];
            return;
        }
    }
}

unsigned phys_map_tlb_count(const PhysMap *m)
{
    return m->tlb_count;
}

Tlb *phys_map_tlb(const PhysMap *m, unsigned i)
{
    return m->tlbs[i];
}

void phys_map_set_code_write_hook(PhysMap *m, PhysCodeWriteHook hook, void *opaque)
{
    m->code_hook = hook;
    m->code_opaque = opaque;
}

PhysCodeWriteHook phys_map_code_hook(const PhysMap *m, void **opaque)
{
    *opaque = m->code_opaque;
    return m->code_hook;
}
