/*
 * debug/page_dump.h: every mapping the guest's page tables hold, in address order, for the
 * monitor's "info tlb" and "info mem" (SDM Vol. 3A chapter 4: 32-bit paging §4.3 with 4 MiB
 * pages under CR4.PSE, PAE §4.4 from the PDPTE registers, 4- and 5-level paging §4.5).
 *
 * Reads the tables through the physical map, read-only: no accessed or dirty flag changes, no
 * TLB fill. Tables outside RAM/ROM read as not present. A guest controls the tables, so the
 * walk is bounded (PAGE_DUMP_MAX_TABLES), never endless.
 */
#ifndef VIREO_DEBUG_PAGE_DUMP_H
#define VIREO_DEBUG_PAGE_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "softmmu/paging.h"

typedef struct PageMapping {
    uint64_t va;      /* linear address (canonical in 4/5-level paging) */
    uint64_t pa;      /* physical address */
    uint64_t size;    /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    uint64_t leaf;    /* the leaf entry (A, D, G, PCD, PWT as the guest left them) */
    bool is_writable; /* R/W at every level */
    bool is_user;     /* U/S at every level */
    bool is_nx;       /* XD at some level, with EFER.NXE */
} PageMapping;

/* Tables visited below the root at most: enough for 8 GiB of distinct 4 KiB pages, and
 * a bound on what a looping hierarchy can make the walk read. */
#define PAGE_DUMP_MAX_TABLES 4096u

typedef enum PageDumpResult {
    PAGE_DUMP_COMPLETE,
    PAGE_DUMP_TRUNCATED, /* PAGE_DUMP_MAX_TABLES were read; the rest was not */
    PAGE_DUMP_NO_PAGING, /* CR0.PG = 0: nothing emitted */
} PageDumpResult;

/* Calls emit for each mapping, in linear-address order. */
PageDumpResult page_dump_walk(PhysMap *m, const PagingState *ps, unsigned maxphyaddr,
                              void (*emit)(void *opaque, const PageMapping *pm), void *opaque);

#endif
