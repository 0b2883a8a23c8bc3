/*
 * softmmu/paging.h: the x86 page-table walker, SDM Vol. 3A chapter 4 "Paging".
 *
 * Modes (§4.1.1): none (CR0.PG = 0: linear = physical, 32-bit), 32-bit paging with 4 MiB pages
 * under CR4.PSE and PSE-36 (§4.3), PAE paging with the four PDPTE registers (§4.4), 4-level
 * and 5-level paging (§4.5; 5-level under CR4.LA57), 1 GiB pages always supported.
 *
 * Rules: accessed/dirty flags (§4.8) are set with atomic updates, and only when the walk
 * succeeds and the access is allowed; XD under EFER.NXE (reserved when NXE = 0); CR0.WP,
 * CR4.SMEP, CR4.SMAP with EFLAGS.AC and implicit supervisor accesses (§4.6); reserved bits
 * including those at and above MAXPHYADDR (a parameter); PCID bits of CR3 are ignored for the
 * walk. Faults report the #PF error code of §4.7: P, W/R, U/S, RSVD, I/D. Page-table reads and
 * A/D writes are CPU-side: the A20 mask applies to them and to the result.
 *
 * Not modelled: protection keys (PKE/PKS), CET shadow-stack pages, HLAT, memory types
 * (PWT/PCD/PAT are ignored), paging-structure caches (the walk always starts at CR3, which is
 * what a processor with empty caches does). Canonical-address checks (#GP/#SS) belong to the
 * CPU, which calls the walker only with canonical addresses.
 */
#ifndef VIREO_SOFTMMU_PAGING_H
#define VIREO_SOFTMMU_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"

/* Control bits the walker reads (SDM Vol. 3A §2.5, §2.2.1). */
#define PAGING_CR0_WP (1ull << 16)
#define PAGING_CR0_PG (1ull << 31)
#define PAGING_CR4_PSE (1ull << 4)
#define PAGING_CR4_PAE (1ull << 5)
#define PAGING_CR4_PGE (1ull << 7)
#define PAGING_CR4_LA57 (1ull << 12)
#define PAGING_CR4_PCIDE (1ull << 17)
#define PAGING_CR4_SMEP (1ull << 20)
#define PAGING_CR4_SMAP (1ull << 21)
#define PAGING_EFER_LME (1ull << 8)
#define PAGING_EFER_LMA (1ull << 10)
#define PAGING_EFER_NXE (1ull << 11)

/* Paging-structure entry bits (SDM Vol. 3A §4.3-4.5 tables). */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)

/* #PF error code bits (SDM Vol. 3A §4.7, Figure 4-12). */
#define PF_ERR_P (1u << 0)
#define PF_ERR_W (1u << 1)
#define PF_ERR_U (1u << 2)
#define PF_ERR_RSVD (1u << 3)
#define PF_ERR_ID (1u << 4)

/* The registers that control translation; pdpte[] are the PAE PDPTE registers (§4.4.1). */
typedef struct PagingState {
    uint64_t cr0, cr3, cr4, efer;
    uint64_t pdpte[4];
} PagingState;

typedef enum PagingMode {
    PAGING_MODE_NONE,
    PAGING_MODE_32BIT,
    PAGING_MODE_PAE,
    PAGING_MODE_4LEVEL,
    PAGING_MODE_5LEVEL,
} PagingMode;

typedef enum MemAccess {
    MEM_READ,
    MEM_WRITE,
    MEM_FETCH,
    MEM_ACCESS_COUNT,
} MemAccess;

/*
 * Who makes an access (SDM Vol. 3A §4.6): a user-mode access is an explicit access at CPL 3;
 * everything else is a supervisor-mode access. `is_implicit` marks accesses the processor
 * makes itself (GDT, LDT, IDT, TSS, even at CPL 3: then is_user is false); SMAP ignores AC for
 * them. `ac` is EFLAGS.AC, which overrides SMAP for explicit supervisor accesses.
 */
typedef struct MmuMode {
    bool is_user;
    bool is_implicit;
    bool ac;
} MmuMode;

typedef struct PageFault {
    uint64_t cr2;        /* the faulting linear address */
    uint32_t error_code; /* PF_ERR_* */
} PageFault;

#define PAGING_MAX_LEVELS 5

typedef struct PagingResult {
    uint64_t gpa;           /* physical address of the accessed byte, A20 applied */
    uint64_t page_size;     /* 4 KiB, 2 MiB, 4 MiB or 1 GiB; 4 KiB without paging */
    bool is_writable;       /* R/W = 1 at every level */
    bool is_user;           /* U/S = 1 at every level: a user-mode page */
    bool is_executable;     /* XD = 0 at every level, or NXE = 0 */
    bool is_global;         /* G = 1 in the leaf entry and CR4.PGE = 1 */
    bool is_dirty;          /* D = 1 in the leaf entry after the walk */
    bool has_non_ram_table; /* some paging structure was not in RAM (not write-tracked) */
    unsigned table_count;   /* paging-structure pages read, for write tracking */
    uint64_t table_gpa[PAGING_MAX_LEVELS];
} PagingResult;

PagingMode paging_mode(const PagingState *ps);

/*
 * Translates gva for one access. On success fills *res (A and D updated in guest memory as the
 * access requires) and returns true; otherwise fills *fault and returns false, having written
 * nothing. maxphyaddr is CPUID.80000008H:EAX[7:0] (32..52).
 */
bool paging_walk(PhysMap *m, const PagingState *ps, unsigned maxphyaddr, uint64_t gva,
                 MemAccess acc, const MmuMode *mode, PagingResult *res, PageFault *fault);

/*
 * A debugger's translation of gva (gdb's memory packets, the monitor): the physical address
 * the page tables map it to, whatever the access rights, with no accessed or dirty flag set.
 * False when no present translation exists.
 */
bool paging_debug_translate(PhysMap *m, const PagingState *ps, unsigned maxphyaddr,
                            uint64_t gva, uint64_t *gpa);

/*
 * The access-rights rules of §4.6 for a translation with the given effective rights: 0 when
 * allowed, else the #PF error code of the protection fault (P set).
 */
uint32_t paging_check_access(const PagingState *ps, bool is_writable, bool is_user_page,
                             bool is_executable, MemAccess acc, const MmuMode *mode);

/*
 * Loads ps->pdpte[] from the 32-byte table at CR3 (SDM Vol. 3A §4.4.1), as MOV to CR3 (and to
 * CR0/CR4 when PAE paging results) does. Returns 0, or -1 when a present PDPTE sets a reserved
 * bit: the CPU raises #GP(0) and must leave CR3 and the PDPTE registers unchanged (this
 * function leaves ps->pdpte untouched in that case).
 */
int paging_load_pdptes(PhysMap *m, PagingState *ps, unsigned maxphyaddr);

#endif
