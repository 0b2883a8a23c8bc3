/*
 * softmmu/walker.c: linear-to-physical translation, SDM Vol. 3A chapter 4 (paging.h).
 *
 * One walk reads the paging-structure entries top-down (§4.3 32-bit, §4.4.2 PAE, §4.5
 * 4/5-level), stopping at the first entry that is not present or sets a reserved bit, then
 * applies the access rights of §4.6 to the rights accumulated over all levels. Only when the
 * access is allowed does it set the accessed flags of every entry used and the dirty flag of
 * the leaf for a write (§4.8), each with a compare-and-exchange on the entry: if the entry
 * changed since it was read (another agent wrote it), the walk starts over, as a processor's
 * locked update would see the new value.
 *
 * Entries are read from RAM through the host pointer when possible, otherwise through the
 * map (MMIO, ROM, unassigned). A/D updates to ROM are dropped, to MMIO go to the device.
 */
#include "softmmu/paging.h"

#include <string.h>

#include "softmmu/internal.h"
#include "util/bitops.h"
#include "util/endian.h"

#define PAGE_4K (1ull << 12)
#define PAGE_2M (1ull << 21)
#define PAGE_4M (1ull << 22)
#define PAGE_1G (1ull << 30)

/* A paging-structure entry the walk used, kept for the A/D update. */
typedef struct WalkEntry {
    uint64_t gpa;
    uint64_t value;
    unsigned size; /* 4 or 8 bytes */
    PhysPage page;
} WalkEntry;

typedef struct Walk {
    PhysMap *m;
    const PagingState *ps;
    unsigned maxphyaddr;
    MemAccess acc;
    const MmuMode *mode;
    uint64_t a20;
    WalkEntry entry[PAGING_MAX_LEVELS];
    unsigned count;
    PagingResult *res;
    PageFault *fault;
    uint64_t gva;
    bool is_debug; /* a debugger's look: no rights check, no A/D update */
} Walk;

/* One level of the PAE/4-level/5-level hierarchy (§4.4.2, §4.5.4). */
typedef struct Level {
    unsigned shift;     /* linear-address bits this level's index starts at */
    bool may_map;       /* PS = 1 maps a page here */
    uint64_t page_rsvd; /* reserved bits of an entry that maps a page (PS = 1) */
} Level;

/* Bits hi..lo set. */
static uint64_t bits(unsigned hi, unsigned lo)
{
    return mask_low64(hi + 1) & ~mask_low64(lo);
}

PagingMode paging_mode(const PagingState *ps)
{
    if (!(ps->cr0 & PAGING_CR0_PG)) {
        return PAGING_MODE_NONE;
    }
    if (!(ps->cr4 & PAGING_CR4_PAE)) {
        return PAGING_MODE_32BIT;
    }
    if (!(ps->efer & PAGING_EFER_LME)) {
        return PAGING_MODE_PAE;
    }
    return (ps->cr4 & PAGING_CR4_LA57) ? PAGING_MODE_5LEVEL : PAGING_MODE_4LEVEL;
}

/* W/R, U/S and I/D of a #PF error code for this access (§4.7). */
static uint32_t access_bits(const PagingState *ps, MemAccess acc, const MmuMode *mode)
{
    uint32_t ec = 0;
    if (acc == MEM_WRITE) {
        ec |= PF_ERR_W;
    }
    if (mode->is_user) {
        ec |= PF_ERR_U;
    }
    /* I/D is reported only where execute protection exists: SMEP, or PAE-format XD with NXE. */
    bool has_xd = (ps->cr4 & PAGING_CR4_PAE) && (ps->efer & PAGING_EFER_NXE);
    if (acc == MEM_FETCH && ((ps->cr4 & PAGING_CR4_SMEP) || has_xd)) {
        ec |= PF_ERR_ID;
    }
    return ec;
}

uint32_t paging_check_access(const PagingState *ps, bool is_writable, bool is_user_page,
                             bool is_executable, MemAccess acc, const MmuMode *mode)
{
    bool is_allowed;
    /* §4.6.1: SMAP forbids supervisor data accesses to user pages unless explicit with AC. */
    bool is_smap_blocked = is_user_page && !mode->is_user && (ps->cr4 & PAGING_CR4_SMAP) &&
                           (mode->is_implicit || !mode->ac);
    switch (acc) {
    case MEM_READ:
        is_allowed = mode->is_user ? is_user_page : !is_smap_blocked;
        break;
    case MEM_WRITE:
        if (mode->is_user) {
            is_allowed = is_user_page && is_writable;
        } else {
            is_allowed = !is_smap_blocked && (is_writable || !(ps->cr0 & PAGING_CR0_WP));
        }
        break;
    default:
        if (mode->is_user) {
            is_allowed = is_user_page && is_executable;
        } else {
            is_allowed = is_executable && !(is_user_page && (ps->cr4 & PAGING_CR4_SMEP));
        }
        break;
    }
    return is_allowed ? 0 : PF_ERR_P | access_bits(ps, acc, mode);
}

/* Ends the walk with a #PF (ec: P and RSVD as found); returns 0 for walk_once. */
static int walk_fault(Walk *w, uint32_t ec)
{
    w->fault->cr2 = w->gva;
    w->fault->error_code = ec | access_bits(w->ps, w->acc, w->mode);
    return 0;
}

/*
 * Reads the entry at gpa (A20 applied) and records it for the A/D update; every entry a walk
 * reads sits in a different paging structure, whose page is recorded for write tracking.
 */
static uint64_t read_entry(Walk *w, uint64_t gpa, unsigned size)
{
    gpa &= w->a20;
    WalkEntry *e = &w->entry[w->count++];
    e->gpa = gpa;
    e->size = size;
    e->page = phys_map_page(w->m, gpa);
    if (e->page.hva) {
        const uint8_t *p = e->page.hva + (gpa & (PHYS_PAGE_SIZE - 1));
        e->value = size == 8 ? ld_le64(p) : ld_le32(p);
    } else {
        e->value = size == 8 ? phys_ld64(w->m, gpa) : phys_ld32(w->m, gpa);
    }
    PagingResult *r = w->res;
    r->table_gpa[r->table_count++] = gpa & PHYS_PAGE_MASK;
    r->has_non_ram_table |= e->page.kind != PHYS_PAGE_RAM;
    return e->value;
}

/* Sets `set` in an entry; false when the entry changed under us (the walk restarts). */
static bool update_entry(PhysMap *m, const WalkEntry *e, uint64_t set)
{
    if ((e->value & set) == set) {
        return true;
    }
    uint64_t desired = e->value | set;
    if (e->page.kind == PHYS_PAGE_RAM) {
        uint8_t *p = e->page.hva + (e->gpa & (PHYS_PAGE_SIZE - 1));
        phys_track_code_write(m, e->page.info, e->gpa, e->size);
        bool is_done;
        if (e->size == 8) {
            uint64_t expected = le_to_host64(e->value);
            is_done =
                __atomic_compare_exchange_n((uint64_t *)(void *)p, &expected, le_to_host64(desired),
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        } else {
            uint32_t expected = le_to_host32((uint32_t)e->value);
            is_done = __atomic_compare_exchange_n((uint32_t *)(void *)p, &expected,
                                                  le_to_host32((uint32_t)desired), false,
                                                  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
        if (is_done) {
            phys_track_after_write(e->page.info);
        }
        return is_done;
    }
    if (e->page.kind != PHYS_PAGE_ROM) {
        if (e->size == 8) {
            phys_st64(m, e->gpa, desired);
        } else {
            phys_st32(m, e->gpa, (uint32_t)desired);
        }
    }
    return true;
}

/*
 * Checks rights and, if allowed, sets A (and D) in the entries used. Returns 1 (translated),
 * 0 (fault filled) or -1 (an entry changed: restart); walk_once and its helpers return these.
 */
static int finish(Walk *w, bool is_writable, bool is_user_page, bool is_executable,
                  uint64_t leaf_value)
{
    uint32_t ec = w->is_debug ? 0
                              : paging_check_access(w->ps, is_writable, is_user_page,
                                                    is_executable, w->acc, w->mode);
    if (ec) {
        w->fault->cr2 = w->gva;
        w->fault->error_code = ec;
        return 0;
    }
    for (unsigned i = 0; i < w->count && !w->is_debug; i++) {
        uint64_t set = PTE_A;
        if (i == w->count - 1 && w->acc == MEM_WRITE) {
            set |= PTE_D;
        }
        if (!update_entry(w->m, &w->entry[i], set)) {
            return -1;
        }
    }
    PagingResult *r = w->res;
    r->is_writable = is_writable;
    r->is_user = is_user_page;
    r->is_executable = is_executable;
    r->is_global = (leaf_value & PTE_G) && (w->ps->cr4 & PAGING_CR4_PGE);
    r->is_dirty = (leaf_value & PTE_D) || w->acc == MEM_WRITE;
    r->gpa &= w->a20;
    return 1;
}

/* §4.3: 32-bit paging, 4 KiB pages and (CR4.PSE) 4 MiB pages with PSE-36 high bits. */
static int walk_32bit(Walk *w)
{
    uint32_t la = (uint32_t)w->gva;
    uint64_t pde = read_entry(w, (w->ps->cr3 & 0xfffff000u) | ((la >> 20) & 0xffc), 4);
    if (!(pde & PTE_P)) {
        return walk_fault(w, 0);
    }
    if ((pde & PTE_PS) && (w->ps->cr4 & PAGING_CR4_PSE)) {
        /* Table 4-4: bits (M-20):13 hold address bits (M-1):32, bits 21:(M-19) are reserved. */
        unsigned m = w->maxphyaddr < 40 ? w->maxphyaddr : 40;
        if (pde & bits(21, m - 19)) {
            return walk_fault(w, PF_ERR_P | PF_ERR_RSVD);
        }
        w->res->page_size = PAGE_4M;
        w->res->gpa = (pde & 0xffc00000u) | (extract64(pde, 13, 8) << 32) | (la & (PAGE_4M - 1));
        return finish(w, pde & PTE_RW, pde & PTE_US, true, pde);
    }
    uint64_t pte = read_entry(w, (pde & 0xfffff000u) | ((la >> 10) & 0xffc), 4);
    if (!(pte & PTE_P)) {
        return walk_fault(w, 0);
    }
    w->res->page_size = PAGE_4K;
    w->res->gpa = (pte & 0xfffff000u) | (la & (PAGE_4K - 1));
    return finish(w, pde & pte & PTE_RW, pde & pte & PTE_US, true, pte);
}

static const Level levels_64[] = {
    {48, false, 0},            /* PML5E: PS reserved */
    {39, false, 0},            /* PML4E: PS reserved */
    {30, true, 0x3fffe000ull}, /* PDPTE: 1 GiB page, bits 29:13 reserved */
    {21, true, 0x1fe000ull},   /* PDE: 2 MiB page, bits 20:13 reserved */
    {12, true, 0},             /* PTE: always maps; bit 7 is PAT */
};

/*
 * §4.4.2 and §4.5.4: the 64-bit-entry hierarchies from level `first` of levels_64 down, with
 * the table at `table` (PAE: from a PDPTE register, which carries no access rights).
 */
static int walk_64bit(Walk *w, unsigned first, uint64_t table, uint64_t rsvd)
{
    uint64_t addr_mask = bits(w->maxphyaddr - 1, 12);
    bool is_writable = true, is_user_page = true, is_executable = true;
    for (unsigned l = first;; l++) {
        const Level *lv = &levels_64[l];
        uint64_t index = extract64(w->gva, lv->shift, 9);
        uint64_t e = read_entry(w, table | (index << 3), 8);
        if (!(e & PTE_P)) {
            return walk_fault(w, 0);
        }
        bool is_leaf = l == PAGING_MAX_LEVELS - 1 || (lv->may_map && (e & PTE_PS));
        uint64_t e_rsvd = rsvd | (lv->may_map ? 0 : PTE_PS) | (is_leaf ? lv->page_rsvd : 0);
        if (e & e_rsvd) {
            return walk_fault(w, PF_ERR_P | PF_ERR_RSVD);
        }
        is_writable &= (e & PTE_RW) != 0;
        is_user_page &= (e & PTE_US) != 0;
        is_executable &= !(e & PTE_XD);
        if (is_leaf) {
            uint64_t size = 1ull << lv->shift;
            w->res->page_size = size;
            w->res->gpa = (e & addr_mask & ~(size - 1)) | (w->gva & (size - 1));
            return finish(w, is_writable, is_user_page, is_executable, e);
        }
        table = e & addr_mask;
    }
}

/* One walk in the current mode (paging on). */
static int walk_once(Walk *w)
{
    const PagingState *ps = w->ps;
    uint64_t xd_rsvd = (ps->efer & PAGING_EFER_NXE) ? 0 : PTE_XD;
    switch (paging_mode(ps)) {
    case PAGING_MODE_32BIT:
        return walk_32bit(w);
    case PAGING_MODE_PAE: {
        uint64_t pdpte = ps->pdpte[(w->gva >> 30) & 3];
        if (!(pdpte & PTE_P)) {
            return walk_fault(w, 0);
        }
        /* §4.4.2: with PAE paging bits 62:MAXPHYADDR of a PDE or PTE are reserved. */
        uint64_t rsvd = bits(62, w->maxphyaddr) | xd_rsvd;
        return walk_64bit(w, 3, pdpte & bits(w->maxphyaddr - 1, 12), rsvd);
    }
    default: {
        /* §4.5.4: bits 51:MAXPHYADDR reserved; 62:52 ignored (PKE keys not modelled). */
        uint64_t rsvd = bits(51, w->maxphyaddr) | xd_rsvd;
        unsigned first = paging_mode(ps) == PAGING_MODE_5LEVEL ? 0 : 1;
        return walk_64bit(w, first, ps->cr3 & bits(w->maxphyaddr - 1, 12), rsvd);
    }
    }
}

static bool walk(PhysMap *m, const PagingState *ps, unsigned maxphyaddr, uint64_t gva,
                 MemAccess acc, const MmuMode *mode, PagingResult *res, PageFault *fault,
                 bool is_debug)
{
    uint64_t a20 = phys_map_a20_mask(m);
    if (paging_mode(ps) == PAGING_MODE_NONE) {
        memset(res, 0, sizeof(*res));
        res->gpa = (gva & 0xffffffffu) & a20;
        res->page_size = PAGE_4K;
        res->is_writable = res->is_user = res->is_executable = res->is_dirty = true;
        return true;
    }
    if (maxphyaddr < PHYS_BITS_MIN || maxphyaddr > PHYS_BITS_MAX) {
        maxphyaddr = maxphyaddr < PHYS_BITS_MIN ? PHYS_BITS_MIN : PHYS_BITS_MAX;
    }
    for (;;) {
        Walk w = {m, ps, maxphyaddr, acc, mode, a20, {{0}}, 0, res, fault, gva, is_debug};
        memset(res, 0, sizeof(*res));
        int r = walk_once(&w);
        if (r >= 0) {
            return r == 1;
        }
    }
}

bool paging_walk(PhysMap *m, const PagingState *ps, unsigned maxphyaddr, uint64_t gva,
                 MemAccess acc, const MmuMode *mode, PagingResult *res, PageFault *fault)
{
    return walk(m, ps, maxphyaddr, gva, acc, mode, res, fault, false);
}

bool paging_debug_translate(PhysMap *m, const PagingState *ps, unsigned maxphyaddr,
                            uint64_t gva, uint64_t *gpa)
{
    static const MmuMode supervisor = { .is_implicit = true };
    PagingResult res;
    PageFault fault;
    if (!walk(m, ps, maxphyaddr, gva, MEM_READ, &supervisor, &res, &fault, true)) {
        return false;
    }
    *gpa = res.gpa;
    return true;
}

int paging_load_pdptes(PhysMap *m, PagingState *ps, unsigned maxphyaddr)
{
    /* Table 4-8: bits 2:1, 8:5 and 63:MAXPHYADDR of a present PDPTE are reserved. */
    unsigned mpa = maxphyaddr > PHYS_BITS_MAX ? PHYS_BITS_MAX : maxphyaddr;
    uint64_t rsvd = bits(2, 1) | bits(8, 5) | bits(63, mpa);
    uint64_t base = (ps->cr3 & 0xffffffe0u) & phys_map_a20_mask(m);
    uint64_t v[4];
    for (unsigned i = 0; i < 4; i++) {
        v[i] = phys_ld64(m, base + 8 * i);
        if ((v[i] & PTE_P) && (v[i] & rsvd)) {
            return -1;
        }
    }
    memcpy(ps->pdpte, v, sizeof(v));
    return 0;
}
