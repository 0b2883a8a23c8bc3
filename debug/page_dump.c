/* debug/page_dump.c: enumerating the guest's page tables (page_dump.h). */
#include "debug/page_dump.h"

typedef struct Dump {
    PhysMap *m;
    const PagingState *ps;
    uint64_t addr_mask; /* physical-address bits of an entry (below MAXPHYADDR) */
    bool has_nx;
    void (*emit)(void *opaque, const PageMapping *pm);
    void *opaque;
    unsigned tables_left; /* a guest may point every entry at one table: bound the work */
} Dump;

/* One entry of a table at physical `table`; 0 (not present) if the table is not memory. */
static uint64_t read_entry(const Dump *d, uint64_t table, unsigned index, unsigned size)
{
    uint64_t gpa = table + (uint64_t)index * size;
    PhysPage pg = phys_map_page(d->m, gpa & PHYS_PAGE_MASK);
    if (pg.kind != PHYS_PAGE_RAM && pg.kind != PHYS_PAGE_ROM) {
        return 0;
    }
    return size == 8 ? phys_ld64(d->m, gpa) : phys_ld32(d->m, gpa);
}

static uint64_t sign_extend(uint64_t va, unsigned bits)
{
    unsigned shift = 64 - bits;
    return (uint64_t)((int64_t)(va << shift) >> shift);
}

static void emit(const Dump *d, uint64_t va, uint64_t pa, uint64_t size, uint64_t leaf,
                 bool is_writable, bool is_user, bool is_nx)
{
    PageMapping pm = { va, pa, size, leaf, is_writable, is_user, is_nx };
    d->emit(d->opaque, &pm);
}

/*
 * A PAE/4-level/5-level table whose entries each cover 1 << shift bytes; levels below shift 12
 * do not exist. rights: R/W and U/S so far, nx: XD so far.
 */
static void walk_64(Dump *d, uint64_t table, unsigned shift, uint64_t va_base,
                    unsigned va_bits, bool is_writable, bool is_user, bool is_nx)
{
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = read_entry(d, table, i, 8);
        if (!(e & PTE_P)) {
            continue;
        }
        uint64_t va = va_base | (uint64_t)i << shift;
        bool w = is_writable && (e & PTE_RW);
        bool u = is_user && (e & PTE_US);
        bool nx = is_nx || (d->has_nx && (e & PTE_XD));
        bool is_leaf = shift == 12 || ((shift == 21 || shift == 30) && (e & PTE_PS));
        if (is_leaf) {
            uint64_t size = 1ull << shift;
            emit(d, sign_extend(va, va_bits), e & d->addr_mask & ~(size - 1), size, e, w, u, nx);
        } else if (shift > 12 && d->tables_left) {
            d->tables_left--;
            walk_64(d, e & d->addr_mask & ~0xfffull, shift - 9, va, va_bits, w, u, nx);
        }
    }
}

/* §4.3: a page directory of 1024 entries, 4 MiB pages with PSE (PSE-36 bits 20:13). */
static void walk_32(Dump *d, uint64_t cr3)
{
    for (unsigned i = 0; i < 1024; i++) {
        uint64_t pde = read_entry(d, cr3 & 0xfffff000u, i, 4);
        if (!(pde & PTE_P)) {
            continue;
        }
        uint64_t va = (uint64_t)i << 22;
        if ((pde & PTE_PS) && (d->ps->cr4 & PAGING_CR4_PSE)) {
            uint64_t pa = (pde & 0xffc00000u) | ((pde >> 13) & 0xff) << 32;
            emit(d, va, pa & d->addr_mask, 1ull << 22, pde, pde & PTE_RW, pde & PTE_US, false);
            continue;
        }
        if (!d->tables_left) {
            continue;
        }
        d->tables_left--;
        for (unsigned j = 0; j < 1024; j++) {
            uint64_t pte = read_entry(d, pde & 0xfffff000u, j, 4);
            if (pte & PTE_P) {
                emit(d, va | (uint64_t)j << 12, pte & 0xfffff000u, 1ull << 12, pte,
                     (pde & PTE_RW) && (pte & PTE_RW), (pde & PTE_US) && (pte & PTE_US), false);
            }
        }
    }
}

PageDumpResult page_dump_walk(PhysMap *m, const PagingState *ps, unsigned maxphyaddr,
                              void (*emit_fn)(void *opaque, const PageMapping *pm), void *opaque)
{
    Dump d = { m, ps, ((1ull << maxphyaddr) - 1), (ps->efer & PAGING_EFER_NXE) != 0, emit_fn,
               opaque, PAGE_DUMP_MAX_TABLES };
    switch (paging_mode(ps)) {
    case PAGING_MODE_NONE:
        return PAGE_DUMP_NO_PAGING;
    case PAGING_MODE_32BIT:
        walk_32(&d, ps->cr3);
        break;
    case PAGING_MODE_PAE:
        for (unsigned i = 0; i < 4; i++) {
            uint64_t pdpte = ps->pdpte[i];
            if (pdpte & PTE_P) {
                walk_64(&d, pdpte & d.addr_mask & ~0xfffull, 21, (uint64_t)i << 30, 64, true,
                        true, false);
            }
        }
        break;
    case PAGING_MODE_4LEVEL:
        walk_64(&d, ps->cr3 & d.addr_mask & ~0xfffull, 39, 0, 48, true, true, false);
        break;
    case PAGING_MODE_5LEVEL:
        walk_64(&d, ps->cr3 & d.addr_mask & ~0xfffull, 48, 0, 57, true, true, false);
        break;
    }
    return d.tables_left ? PAGE_DUMP_COMPLETE : PAGE_DUMP_TRUNCATED;
}
