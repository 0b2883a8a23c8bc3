/*
 * cpu/seg.h: segment descriptors, selectors and segment-register loads (private to cpu/).
 *
 * SDM Vol. 3A §3.4.2 (selectors), §3.4.5 (segment descriptors, figure 3-8), §3.5 (system
 * descriptor types, table 3-2), §5.5-5.7 (privilege checks on data and stack segment loads),
 * §5.8.3 (call gates), §6.11/6.14.1 (IDT gates, 16 bytes in IA-32e mode), Vol. 2 "MOV" and
 * "POP" (the Operation sections list every check with its exception and error code).
 *
 * Control transfers touch several places in memory (a new stack, accessed bits in descriptors)
 * and must leave nothing changed when any of them faults (cpu/exec.h). They queue their writes
 * in a SegWrites set, which probes each page as it is queued, and commit the set only after
 * the last check.
 */
#ifndef VIREO_CPU_SEG_H
#define VIREO_CPU_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Selector fields, SDM Vol. 3A §3.4.2 figure 3-6. */
#define SEL_RPL_MASK 3u
#define SEL_TI 4u
#define SEL_INDEX_MASK 0xfff8u

/* Error-code bits of a selector-related exception, SDM Vol. 3A §6.13 figure 6-6. */
#define ERR_EXT 1u
#define ERR_IDT 2u

/* System-descriptor and gate types, SDM Vol. 3A §3.5 table 3-2 (S = 0). */
enum {
    DESC_TSS16_AVAIL = 1,
    DESC_LDT = 2,
    DESC_TSS16_BUSY = 3,
    DESC_CALL_GATE16 = 4,
    DESC_TASK_GATE = 5,
    DESC_INT_GATE16 = 6,
    DESC_TRAP_GATE16 = 7,
    DESC_TSS32_AVAIL = 9,
    DESC_TSS32_BUSY = 11,
    DESC_CALL_GATE32 = 12,
    DESC_INT_GATE32 = 14,
    DESC_TRAP_GATE32 = 15,
};

/* Code and data type bits (S = 1), SDM Vol. 3A §3.4.5.1 table 3-1. */
#define DESC_TYPE_ACCESSED 1u
#define DESC_TYPE_RW 2u     /* readable code, or writable data */
#define DESC_TYPE_CE 4u     /* conforming code, or expand-down data */
#define DESC_TYPE_CODE 8u

/* A descriptor as read from a table: the 8 bytes, the next 8 for 16-byte system descriptors. */
typedef struct Descriptor {
    uint64_t lo;
    uint64_t hi;  /* bytes 8-15 of an IA-32e system descriptor or gate, else 0 */
    uint64_t lin; /* linear address of byte 0 (accessed and busy bits live there) */
} Descriptor;

static inline unsigned desc_type(const Descriptor *d)
{
    return (unsigned)(d->lo >> 40) & 0xf;
}

static inline bool desc_is_segment(const Descriptor *d)
{
    return (d->lo >> 44) & 1; /* S: code or data, not system */
}

static inline unsigned desc_dpl(const Descriptor *d)
{
    return (unsigned)(d->lo >> 45) & 3;
}

static inline bool desc_is_present(const Descriptor *d)
{
    return (d->lo >> 47) & 1;
}

static inline bool desc_is_code(const Descriptor *d)
{
    return desc_is_segment(d) && (desc_type(d) & DESC_TYPE_CODE);
}

static inline bool desc_is_conforming_code(const Descriptor *d)
{
    return desc_is_code(d) && (desc_type(d) & DESC_TYPE_CE);
}

static inline bool desc_is_writable_data(const Descriptor *d)
{
    return desc_is_segment(d) && (desc_type(d) & (DESC_TYPE_CODE | DESC_TYPE_RW)) == DESC_TYPE_RW;
}

/* Access rights in SegmentCache.attr layout: type, S, DPL, P, then AVL, L, D/B, G. */
static inline uint16_t desc_attr(const Descriptor *d)
{
    return (uint16_t)(((d->lo >> 40) & 0xff) | (((d->lo >> 52) & 0xf) << 12));
}

static inline uint32_t desc_base32(const Descriptor *d)
{
    return (uint32_t)(((d->lo >> 16) & 0xffffff) | (((d->lo >> 56) & 0xff) << 24));
}

/* Base of a system descriptor: 64 bits in IA-32e mode (bytes 8-11 hold bits 63:32). */
static inline uint64_t desc_base_system(const Descriptor *d)
{
    return desc_base32(d) | ((d->hi & 0xffffffffull) << 32);
}

/* Byte-granular limit: G scales the 20-bit field by 4 KiB (SDM Vol. 3A §3.4.5). */
static inline uint32_t desc_limit(const Descriptor *d)
{
    uint32_t raw = (uint32_t)((d->lo & 0xffff) | (((d->lo >> 48) & 0xf) << 16));
    return ((d->lo >> 55) & 1) ? (raw << 12) | 0xfff : raw;
}

/* Gate fields, SDM Vol. 3A figures 5-8, 5-9, 6-2, 6-8. */
static inline uint16_t gate_selector(const Descriptor *d)
{
    return (uint16_t)(d->lo >> 16);
}

static inline uint64_t gate_offset(const Descriptor *d)
{
    return (d->lo & 0xffff) | ((d->lo >> 32) & 0xffff0000ull) | ((d->hi & 0xffffffffull) << 32);
}

static inline unsigned gate_param_count(const Descriptor *d)
{
    return (unsigned)(d->lo >> 32) & 0x1f;
}

static inline unsigned gate_ist(const Descriptor *d)
{
    return (unsigned)(d->lo >> 32) & 7;
}

/* Selector error code: index and TI of the selector, plus EXT. */
static inline uint32_t sel_error(uint16_t sel, uint32_t ext)
{
    return (uint32_t)(sel & (SEL_INDEX_MASK | SEL_TI)) | ext;
}

static inline bool sel_is_null(uint16_t sel)
{
    return (sel & ~SEL_RPL_MASK) == 0;
}

/*
 * Reads the 8-byte descriptor `sel` selects from the GDT or LDT. False when the selector's
 * index is beyond the table limit, or it names the LDT while LDTR is unusable; no exception
 * (LAR, LSL, VERR and VERW report that in ZF). A page fault on the table is raised.
 */
bool seg_try_read_descriptor(CpuState *cpu, uint16_t sel, Descriptor *d);

/* As seg_try_read_descriptor, raising vector(selector error code | ext) when it fails. */
void seg_fetch_descriptor(CpuState *cpu, uint16_t sel, unsigned vector, uint32_t ext,
                          Descriptor *d);

/*
 * Reads bytes 8-15 of a 16-byte IA-32e system descriptor or call gate into d->hi, raising
 * vector(sel | ext) when they are beyond the table limit.
 */
void seg_fetch_descriptor_upper(CpuState *cpu, uint16_t sel, unsigned vector, uint32_t ext,
                                Descriptor *d);

/* A segment-register cache loaded from a code or data descriptor (accessed bit included). */
SegmentCache seg_cache_from_descriptor(uint16_t sel, const Descriptor *d);

/*
 * An unusable segment register after a null selector load: present clear so every access
 * faults. `dpl` keeps SS.DPL = CPL for the null SS of IA-32e mode (SDM Vol. 3A §5.8.3.1).
 */
SegmentCache seg_cache_null(uint16_t sel, unsigned dpl);

/* Virtual-8086 and real-mode-like cache: base = selector * 16, 64 KiB read/write, DPL 3. */
SegmentCache seg_cache_v86(uint16_t sel);

/* Writes queued by a control transfer, probed when queued and made by seg_commit_writes. */
#define SEG_WRITES_MAX 48
typedef struct SegWrites {
    unsigned count;
    struct {
        uint64_t lin;
        uint64_t value;
        uint8_t size;
        bool is_supervisor; /* implicit supervisor access, else at the current CPL */
    } w[SEG_WRITES_MAX];
} SegWrites;

/* Checks (and page-walks) a write of `size` bytes at `lin`, then queues it. */
void seg_queue_write(CpuState *cpu, SegWrites *ws, uint64_t lin, unsigned size, uint64_t value,
                     bool is_supervisor);
/* Queues setting the accessed bit of a code or data descriptor that lacks it. */
void seg_queue_accessed(CpuState *cpu, SegWrites *ws, const Descriptor *d);
void seg_commit_writes(CpuState *cpu, const SegWrites *ws);

/*
 * A stack that a transfer pushes its frame onto: the current one or the inner stack from the
 * TSS. Pushes are queued; a limit violation raises #SS(fault_error).
 */
typedef struct FrameStack {
    SegmentCache ss;
    uint64_t sp;           /* offset of the last pushed item */
    bool is64;             /* 64-bit mode: no limit check, canonical addresses */
    bool is_supervisor;    /* pushed with supervisor rights (a more privileged stack) */
    uint32_t fault_error;  /* #SS error code on a limit violation */
} FrameStack;

void seg_frame_push(CpuState *cpu, FrameStack *fs, SegWrites *ws, unsigned size,
                    uint64_t value);
/* Writes rSP after a frame was committed: the bits of the stack's address size only. */
void seg_frame_set_sp(CpuState *cpu, const FrameStack *fs);

/*
 * MOV, POP and LDS/LES/LFS/LGS/LSS loading of ES, SS, DS, FS or GS in any mode, with every
 * check of SDM Vol. 2B "MOV" (#GP(sel), #SS(sel) for SS, #NP(sel), null selectors).
 */
void seg_load(CpuState *cpu, unsigned seg, uint16_t sel);

/*
 * After a return to an outer privilege level: a data segment register (ES, DS, FS, GS) whose
 * segment the new CPL may not use (data or non-conforming code with DPL < CPL) is made null
 * (SDM Vol. 2A "RET", "IRET" Operation).
 */
void seg_null_inaccessible(CpuState *cpu, unsigned new_cpl);

/* Linear address of a byte of the current TSS (32 bits wide outside IA-32e mode). */
uint64_t seg_tss_linear(const CpuState *cpu, uint64_t offset);

/*
 * The inner stack for privilege level `dpl` from the current 16- or 32-bit TSS (SDM Vol. 3A
 * §5.8.5, §7.2.1), checked as a new SS for that level: #TS(TR or SS selector | ext) and
 * #SS(SS selector | ext) as SDM Vol. 2 "CALL" and "INT n" list. Fills *fs (supervisor
 * pushes) and the SS descriptor (for its accessed bit).
 */
void seg_load_inner_stack(CpuState *cpu, unsigned dpl, uint32_t ext, FrameStack *fs,
                          Descriptor *ss_desc);

/*
 * A stack pointer from the 64-bit TSS at `offset` (RSPn at 4 + 8n, ISTn at 1Ch + 8n, SDM
 * Vol. 3A §7.7 figure 7-11), #TS(TR selector | ext) when beyond the TSS limit.
 */
uint64_t seg_read_tss64_stack(CpuState *cpu, unsigned offset, uint32_t ext);

/* Whether a 32-bit (or 64-bit) TSS is current; a 16-bit TSS has word-sized stack pointers. */
bool seg_tss_is_32(const CpuState *cpu);

/* RFLAGS bits that exist (SDM Vol. 1 §3.4.3); the rest read as 0 and ignore writes. */
#define FLAGS_DEFINED 0x3f7fd5ull

#endif
