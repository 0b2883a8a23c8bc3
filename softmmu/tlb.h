/*
 * softmmu/tlb.h: the software TLB and shadow page tables (DESIGN.md "Memory"); the TLB rules
 * it keeps are SDM Vol. 3A §4.10 "Caching Translation Information".
 *
 * Shape (QEMU-like): per context and MMU index a direct-mapped array of TLB_ENTRIES entries,
 * indexed by the virtual page number. An entry holds one tag per access kind (read, write,
 * fetch) and an addend: hva = gva + addend. A tag is the page address when the access may go
 * straight to host memory; flag bits in its low 12 bits (TLB_FLAG_*) make the fast compare
 * fail and send the access to the slow path: MMIO/unassigned/mixed pages, ROM writes, code
 * pages, pages a dirty client has clean, page-table pages. An access that crosses a page also
 * fails the compare (the tag is compared with the page of its LAST byte).
 *
 * MMU indices: USER (explicit CPL 3 accesses), SUPER (supervisor accesses SMAP applies to:
 * CPL < 3 with EFLAGS.AC = 0, and all implicit accesses), SUPER_AC (explicit CPL < 3 accesses
 * with AC = 1, where SMAP is overridden). tlb_mmu_index() maps an MmuMode to its index.
 *
 * Shadow page tables: TLB_CONTEXTS (8) contexts, each one address space keyed by the CR3 table
 * address and PCID (PAE: and the PDPTE registers), least recently used evicted. tlb_write_cr3
 * switches context; switching back to a recent CR3 finds its translations. This is invisible
 * to the guest because the page-table pages each context's translations came from are
 * write-tracked (the map keeps a per-RAM-page mask of contexts): a write to one through any
 * path (CPU, phys_write, DMA) drops the non-current contexts that used it, and marks the
 * current one stale: a stale context keeps its translations (a hardware TLB may, until INVLPG
 * or a CR3 load) and loses the non-global ones when CR3 is next loaded. So a CR3 load never
 * keeps a non-global translation that a re-walk would not reproduce. Paging structures outside
 * RAM cannot be tracked; a context that used one is kept stale. The walker's own A/D updates
 * are not page-table writes (they do not change any translation).
 *
 * The CPU calls: tlb_write_cr3 after every CR3 load (MOV CR3 with or without the PCID no-flush
 * bit, task switch), after loading the PDPTE registers; tlb_flush_all when CR0.PG/WP/PE,
 * CR4.PGE/PAE/PSE/SMEP/SMAP/PCIDE/LA57 or EFER.NXE/LMA change (and the map flushes itself on
 * A20 and region changes); tlb_flush_page for INVLPG; tlb_invpcid for INVPCID.
 * Global translations (G = 1 with CR4.PGE) survive tlb_flush_nonglobal and CR3 loads.
 *
 * Addresses: the CPU passes linear addresses, canonical in 64-bit mode and truncated to 32 bits
 * outside it (an access crossing 4 GiB in legacy mode continues at 0, as the slow path does).
 *
 * Not modelled: the TLB size or replacement policy of any real processor.
 */
#ifndef VIREO_SOFTMMU_TLB_H
#define VIREO_SOFTMMU_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "softmmu/memory.h"
#include "softmmu/paging.h"

#define TLB_PAGE_BITS 12
#define TLB_PAGE_MASK (~(uint64_t)0xfff)
#define TLB_INDEX_BITS 8
#define TLB_ENTRIES (1u << TLB_INDEX_BITS)
#define TLB_CONTEXTS 8 /* at most 8: contexts are bits of a per-page uint8_t mask */

/* Low bits of a tag; any of them makes the fast path miss. */
#define TLB_FLAG_INVALID (1u << 0)    /* no translation for this access kind */
#define TLB_FLAG_MMIO (1u << 1)       /* MMIO, unassigned or mixed page: bus access */
#define TLB_FLAG_ROM (1u << 2)        /* write to ROM: dropped, logged */
#define TLB_FLAG_CODE (1u << 3)       /* page holds translated code: hook before the write */
#define TLB_FLAG_NOTDIRTY (1u << 4)   /* some dirty client has the page clean */
#define TLB_FLAG_PAGE_TABLE (1u << 5) /* page-table page: the write drops translations */
#define TLB_FLAG_WATCH (1u << 6)      /* a watchpoint covers part of the page */

/*
 * Watchpoints (a debugger's data breakpoints): linear ranges whose reads and/or writes are
 * reported, after the access is done, through Tlb.watch_hit. Pages they touch get
 * TLB_FLAG_WATCH in the tags of the watched access kinds, so only those accesses leave the
 * fast path. Fetches are never watched (breakpoints are the CPU loop's business).
 */
#define TLB_WATCH_MAX 16
typedef struct TlbWatch {
    uint64_t addr, len; /* linear range, len >= 1 */
    unsigned kinds;     /* 1u << MEM_READ and/or 1u << MEM_WRITE */
} TlbWatch;

/* Largest access the slow path translates as a whole (at most two pages); longer ones are
 * done in pieces of this size, each with precise faults on its own. */
#define TLB_ACCESS_MAX 4096u

typedef enum MmuIdx {
    MMU_IDX_USER,
    MMU_IDX_SUPER,
    MMU_IDX_SUPER_AC,
    MMU_IDX_COUNT,
} MmuIdx;

typedef struct TlbEntry {
    uint64_t tag[MEM_ACCESS_COUNT]; /* page address | TLB_FLAG_*, per MemAccess */
    uintptr_t addend;               /* hva = gva + addend, for RAM/ROM pages */
} TlbEntry;

/* What the slow path needs about an entry; kept apart so the hot array stays dense. */
typedef struct TlbEntryInfo {
    uint64_t gpa; /* guest-physical page address (A20 applied) */
    uint8_t *hva; /* host page for RAM/ROM; NULL otherwise (bus access) */
    bool is_global;
} TlbEntryInfo;

typedef struct TlbContext {
    TlbEntry entry[MMU_IDX_COUNT][TLB_ENTRIES];
    TlbEntryInfo info[MMU_IDX_COUNT][TLB_ENTRIES];
    uint64_t cr3_key; /* paging-structure root address (all-ones: paging off) */
    uint16_t pcid;
    uint64_t pdpte[4];               /* PAE: the PDPTE registers the entries were built with */
    uint64_t large_base, large_mask; /* one region covering every large page entered */
    bool has_large;
    uint64_t last_use;
    bool is_valid; /* belongs to the address space (cr3_key, pcid) */
    bool is_stale; /* a page table it used changed: lose non-globals at the next CR3 */
    bool is_empty; /* nothing entered since the last flush (flushes skip it) */
} TlbContext;

/* Counters for tests and `-d` statistics; never part of guest state. */
typedef struct TlbStats {
    uint64_t walks;          /* page walks started by fills */
    uint64_t faults;         /* walks that ended in #PF */
    uint64_t context_reuses; /* CR3 loads that found their context */
    uint64_t context_news;   /* CR3 loads that took a fresh or evicted context */
    uint64_t context_drops;  /* contexts dropped by page-table writes */
} TlbStats;

typedef struct Tlb {
    TlbEntry (*cur)[TLB_ENTRIES]; /* current context's entries [mmu_idx][index]: the hot path */
    PhysMap *map;
    unsigned maxphyaddr;
    unsigned cur_ctx;
    uint64_t clock;  /* LRU stamp source */
    TlbContext *ctx; /* TLB_CONTEXTS contexts */
    /*
     * Bumped whenever a translation of the current context may stop being valid (CR3 loads,
     * every flush, INVLPG, INVPCID): a client that caches something derived from translations
     * (the CPU's chained blocks) keeps it only while this is unchanged.
     */
    uint64_t generation;
    TlbStats stats;
    TlbWatch watch[TLB_WATCH_MAX];
    unsigned nwatch;
    /* Called after a watched access completes, with the first watched byte it touched. */
    void (*watch_hit)(void *opaque, const TlbWatch *w, uint64_t addr, MemAccess acc);
    void *watch_opaque;
} Tlb;

/* A TLB for one CPU on map `m`, attached to it for invalidations; maxphyaddr 32..52. */
Tlb *tlb_new(PhysMap *m, unsigned maxphyaddr);
void tlb_free(Tlb *t);

static inline MmuIdx tlb_mmu_index(const MmuMode *mode)
{
    if (mode->is_user) {
        return MMU_IDX_USER;
    }
    return (mode->ac && !mode->is_implicit) ? MMU_IDX_SUPER_AC : MMU_IDX_SUPER;
}

/*
 * The fast path: the host address of [gva, gva + size) for `acc` in MMU index mmu_idx, or
 * NULL when the slow path must run (miss, flagged page, access crossing a page). size >= 1.
 */
static inline void *tlb_lookup(Tlb *t, unsigned mmu_idx, uint64_t gva, unsigned size, MemAccess acc)
{
    const TlbEntry *e = &t->cur[mmu_idx][(gva >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1)];
    if (__builtin_expect(e->tag[acc] == ((gva + size - 1) & TLB_PAGE_MASK), 1)) {
        return (void *)(uintptr_t)(gva + e->addend);
    }
    return NULL;
}

/*
 * Walks gva for `acc` and enters the translation (with slow-path flags where needed) into the
 * current context. Returns true, or false with *fault filled (#PF error code and CR2); the
 * CPU raises the fault. Nothing is written to guest memory by a failing fill.
 */
bool tlb_fill(Tlb *t, const PagingState *ps, uint64_t gva, MemAccess acc, const MmuMode *mode,
              PageFault *fault);

/* gva -> gpa (A20 applied) for `acc`, filling as needed; for the block cache and debuggers. */
bool tlb_translate(Tlb *t, const PagingState *ps, uint64_t gva, MemAccess acc, const MmuMode *mode,
                   uint64_t *gpa, PageFault *fault);

/*
 * Checks that every page of [gva, gva + size) allows `acc` (filling the TLB, setting A and,
 * for writes, D), without accessing the data: an instruction that writes several places
 * probes all of them before writing any, so its faults are precise.
 */
bool tlb_probe(Tlb *t, const PagingState *ps, uint64_t gva, unsigned size, MemAccess acc,
               const MmuMode *mode, PageFault *fault);

/*
 * The slow path of one access (1/2/4/8/10/16 bytes in practice, up to TLB_ACCESS_MAX), which
 * may cross a page, hit MMIO, ROM or tracked pages. `acc` for reads is MEM_READ or MEM_FETCH.
 * A crossing write translates both pages before writing a byte: a fault leaves memory as it
 * was. Buffers hold guest bytes (little-endian order).
 */
bool tlb_read_slow(Tlb *t, const PagingState *ps, uint64_t gva, void *buf, unsigned size,
                   MemAccess acc, const MmuMode *mode, PageFault *fault);
bool tlb_write_slow(Tlb *t, const PagingState *ps, uint64_t gva, const void *buf, unsigned size,
                    const MmuMode *mode, PageFault *fault);

/* Fast path, then slow path: what the interpreter calls for a data access. */
static inline bool tlb_read(Tlb *t, const PagingState *ps, uint64_t gva, void *buf, unsigned size,
                            MemAccess acc, const MmuMode *mode, PageFault *fault)
{
    const void *p = tlb_lookup(t, tlb_mmu_index(mode), gva, size, acc);
    if (p) {
        memcpy(buf, p, size);
        return true;
    }
    return tlb_read_slow(t, ps, gva, buf, size, acc, mode, fault);
}

static inline bool tlb_write(Tlb *t, const PagingState *ps, uint64_t gva, const void *buf,
                             unsigned size, const MmuMode *mode, PageFault *fault)
{
    void *p = tlb_lookup(t, tlb_mmu_index(mode), gva, size, MEM_WRITE);
    if (p) {
        memcpy(p, buf, size);
        return true;
    }
    return tlb_write_slow(t, ps, gva, buf, size, mode, fault);
}

/* A CR3 load (ps holds the new CR3 and, in PAE, the new PDPTE registers). */
void tlb_write_cr3(Tlb *t, const PagingState *ps);
/* Every translation of every context (paging-mode changes, A20, map changes). */
void tlb_flush_all(Tlb *t);
/* INVLPG: the page in every context, and every large page covering it. */
void tlb_flush_page(Tlb *t, uint64_t gva);
/* Non-global translations of the current context (a CR3 load that must flush now). */
void tlb_flush_nonglobal(Tlb *t);

/*
 * Adds or removes a watchpoint (exact addr, len and kinds to remove); each change flushes the
 * TLB so the pages' tags are rebuilt. Insert fails when TLB_WATCH_MAX are set or len is 0;
 * remove fails when no such watchpoint exists.
 */
bool tlb_watch_insert(Tlb *t, uint64_t addr, uint64_t len, unsigned kinds);
bool tlb_watch_remove(Tlb *t, uint64_t addr, uint64_t len, unsigned kinds);
void tlb_watch_clear(Tlb *t);

/* INVPCID (SDM Vol. 2A "INVPCID"): types 0 address, 1 single PCID, 2 all, 3 all but global. */
#define TLB_INVPCID_ADDRESS 0
#define TLB_INVPCID_SINGLE 1
#define TLB_INVPCID_ALL_GLOBAL 2
#define TLB_INVPCID_ALL_NONGLOBAL 3
/* Returns false for a type above 3 (the CPU raises #GP(0)). */
bool tlb_invpcid(Tlb *t, unsigned type, uint16_t pcid, uint64_t gva);

#endif
