/*
 * cpu/seg.c: descriptor fetch, segment-register caches and loads, queued writes and frame
 * stacks for control transfers. SDM Vol. 3A §3.4 "Logical and linear addresses" (selectors,
 * descriptor tables, descriptor format), §5.5-5.7 (privilege and type checks when loading
 * data and stack segment registers), §5.8.5 and §7.2.1 (inner stacks in the TSS), Vol. 2B
 * "MOV" Operation (the checks and exceptions of a segment-register load), Vol. 3B §20.1 and
 * §20.2 (real-address and virtual-8086 segment loads).
 *
 * Segment loads follow Intel where vendors differ: a null selector loaded into FS or GS in
 * 64-bit mode clears the base (AMD keeps it).
 */
#include "cpu/seg.h"

#include "cpu/exec.h"
#include "util/bitops.h"

/* Descriptor tables are addressed with 32 bits outside IA-32e mode. */
static uint64_t table_linear(const CpuState *cpu, uint64_t lin)
{
    return cpu->long_mode ? lin : lin & 0xffffffffull;
}

static bool table_of(const CpuState *cpu, uint16_t sel, uint64_t *base, uint32_t *limit)
{
    if (sel & SEL_TI) {
        if (!(cpu->ldtr.attr & SEG_ATTR_P)) {
            return false; /* LDTR holds a null selector */
        }
        *base = cpu->ldtr.base;
        *limit = cpu->ldtr.limit;
    } else {
        *base = cpu->gdtr.base;
        *limit = cpu->gdtr.limit;
    }
    return true;
}

bool seg_try_read_descriptor(CpuState *cpu, uint16_t sel, Descriptor *d)
{
    uint64_t base;
    uint32_t limit;
    if (!table_of(cpu, sel, &base, &limit)) {
        return false;
    }
    uint32_t off = sel & SEL_INDEX_MASK;
    if ((uint64_t)off + 7 > limit) {
        return false;
    }
    d->lin = table_linear(cpu, base + off);
    d->lo = mem_read_linear(cpu, d->lin, 8, true);
    d->hi = 0;
    return true;
}

void seg_fetch_descriptor(CpuState *cpu, uint16_t sel, unsigned vector, uint32_t ext,
                          Descriptor *d)
{
    if (!seg_try_read_descriptor(cpu, sel, d)) {
        cpu_raise(cpu, vector, sel_error(sel, ext));
    }
}

void seg_fetch_descriptor_upper(CpuState *cpu, uint16_t sel, unsigned vector, uint32_t ext,
                                Descriptor *d)
{
    uint64_t base;
    uint32_t limit;
    if (!table_of(cpu, sel, &base, &limit) || (uint64_t)(sel & SEL_INDEX_MASK) + 15 > limit) {
        cpu_raise(cpu, vector, sel_error(sel, ext));
    }
    d->hi = mem_read_linear(cpu, table_linear(cpu, d->lin + 8), 8, true);
}

SegmentCache seg_cache_from_descriptor(uint16_t sel, const Descriptor *d)
{
    uint16_t attr = desc_attr(d);
    if (desc_is_segment(d)) {
        attr |= DESC_TYPE_ACCESSED;
    }
    return (SegmentCache){ .base = desc_base32(d), .limit = desc_limit(d), .selector = sel,
                           .attr = attr };
}

SegmentCache seg_cache_null(uint16_t sel, unsigned dpl)
{
    return (SegmentCache){ .selector = sel, .attr = (uint16_t)(dpl << SEG_ATTR_DPL_SHIFT) };
}

SegmentCache seg_cache_v86(uint16_t sel)
{
    return (SegmentCache){ .base = (uint64_t)sel << 4, .limit = 0xffff, .selector = sel,
                           .attr = SEG_ATTR_P | SEG_ATTR_S | (3u << SEG_ATTR_DPL_SHIFT) |
                                   DESC_TYPE_RW | DESC_TYPE_ACCESSED };
}

void seg_queue_write(CpuState *cpu, SegWrites *ws, uint64_t lin, unsigned size, uint64_t value,
                     bool is_supervisor)
{
    MmuMode mode = {
        .is_user = !is_supervisor && cpu->cpl == 3,
        .is_implicit = is_supervisor,
        .ac = (cpu->rflags & FLAG_AC) != 0,
    };
    PageFault pf;
    if (!tlb_probe(cpu->tlb, &cpu->paging, lin, size, MEM_WRITE, &mode, &pf)) {
        cpu->cr2 = pf.cr2;
        cpu_raise(cpu, EXC_PF, pf.error_code);
    }
    /* At most 31 call-gate parameters plus a frame and two descriptors: always fits. */
    ws->w[ws->count].lin = lin;
    ws->w[ws->count].value = value;
    ws->w[ws->count].size = (uint8_t)size;
    ws->w[ws->count].is_supervisor = is_supervisor;
    ws->count++;
}

void seg_queue_accessed(CpuState *cpu, SegWrites *ws, const Descriptor *d)
{
    if (desc_is_segment(d) && !(desc_type(d) & DESC_TYPE_ACCESSED)) {
        uint64_t access_byte = (d->lo >> 40) & 0xff;
        seg_queue_write(cpu, ws, table_linear(cpu, d->lin + 5), 1,
                        access_byte | DESC_TYPE_ACCESSED, true);
    }
}

void seg_commit_writes(CpuState *cpu, const SegWrites *ws)
{
    for (unsigned i = 0; i < ws->count; i++) {
        mem_write_linear(cpu, ws->w[i].lin, ws->w[i].size, ws->w[i].value,
                         ws->w[i].is_supervisor);
    }
}

static bool is_canonical(uint64_t lin)
{
    return (uint64_t)sign_extend64(lin, 48) == lin;
}

/* Whether `size` bytes at `off` lie inside a stack segment (expand-down aware, §5.3). */
static bool stack_offset_ok(const SegmentCache *ss, uint64_t off, unsigned size)
{
    if (!(ss->attr & SEG_ATTR_P)) {
        return false;
    }
    uint64_t last = off + size - 1;
    if ((ss->attr & (DESC_TYPE_CODE | DESC_TYPE_CE)) == DESC_TYPE_CE) {
        uint64_t upper = (ss->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
        return off > ss->limit && last <= upper;
    }
    return last <= ss->limit;
}

void seg_frame_push(CpuState *cpu, FrameStack *fs, SegWrites *ws, unsigned size,
                    uint64_t value)
{
    uint64_t mask = fs->is64 ? ~0ull : ((fs->ss.attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull);
    uint64_t off = (fs->sp - size) & mask;
    uint64_t lin;
    if (fs->is64) {
        if (!is_canonical(off) || !is_canonical(off + size - 1)) {
            cpu_raise(cpu, EXC_SS, fs->fault_error);
        }
        lin = off;
    } else {
        if (!stack_offset_ok(&fs->ss, off, size)) {
            cpu_raise(cpu, EXC_SS, fs->fault_error);
        }
        lin = (fs->ss.base + off) & 0xffffffffull;
    }
    seg_queue_write(cpu, ws, lin, size, value, fs->is_supervisor);
    fs->sp = off;
}

void seg_frame_set_sp(CpuState *cpu, const FrameStack *fs)
{
    unsigned size = fs->is64 ? 8 : ((fs->ss.attr & SEG_ATTR_DB) ? 4 : 2);
    gpr_write(cpu, R_SP, size, fs->sp);
}

_Noreturn static void raise_sel(CpuState *cpu, unsigned vector, uint16_t sel)
{
    cpu_raise(cpu, vector, sel_error(sel, 0));
}

/* Protected-mode load of a data or stack segment register (SDM Vol. 2B "MOV" Operation). */
static void load_protected(CpuState *cpu, unsigned seg, uint16_t sel)
{
    unsigned cpl = cpu->cpl;
    if (sel_is_null(sel)) {
        if (seg != SEG_SS) {
            cpu->seg[seg] = seg_cache_null(sel, 0);
            return;
        }
        /* A null SS is legal only in 64-bit mode below ring 3, with RPL = CPL. */
        if (!cpu->code64 || cpl == 3 || (sel & SEL_RPL_MASK) != cpl) {
            cpu_raise_gp0(cpu);
        }
        cpu->seg[SEG_SS] = seg_cache_null(sel, cpl);
        return;
    }
    Descriptor d;
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, &d);
    unsigned rpl = sel & SEL_RPL_MASK, dpl = desc_dpl(&d);
    if (seg == SEG_SS) {
        if (rpl != cpl || dpl != cpl || !desc_is_writable_data(&d)) {
            raise_sel(cpu, EXC_GP, sel);
        }
        if (!desc_is_present(&d)) {
            raise_sel(cpu, EXC_SS, sel);
        }
    } else {
        bool is_readable = desc_is_segment(&d) &&
                           (!(desc_type(&d) & DESC_TYPE_CODE) || (desc_type(&d) & DESC_TYPE_RW));
        if (!is_readable ||
            (!desc_is_conforming_code(&d) && (rpl > dpl || cpl > dpl))) {
            raise_sel(cpu, EXC_GP, sel);
        }
        if (!desc_is_present(&d)) {
            raise_sel(cpu, EXC_NP, sel);
        }
    }
    SegWrites ws;
    ws.count = 0;
    seg_queue_accessed(cpu, &ws, &d);
    seg_commit_writes(cpu, &ws);
    cpu->seg[seg] = seg_cache_from_descriptor(sel, &d);
}

void seg_load(CpuState *cpu, unsigned seg, uint16_t sel)
{
    if (cpu_in_real_mode(cpu)) {
        cpu_load_segment_real(cpu, seg, sel);
    } else if (cpu_in_v86(cpu)) {
        cpu->seg[seg] = seg_cache_v86(sel);
    } else {
        load_protected(cpu, seg, sel);
    }
}

void seg_null_inaccessible(CpuState *cpu, unsigned new_cpl)
{
    static const unsigned data_segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        SegmentCache *s = &cpu->seg[data_segs[i]];
        unsigned dpl = (s->attr >> SEG_ATTR_DPL_SHIFT) & 3;
        bool is_conforming = (s->attr & SEG_ATTR_S) &&
                             (s->attr & (DESC_TYPE_CODE | DESC_TYPE_CE)) ==
                                 (DESC_TYPE_CODE | DESC_TYPE_CE);
        if ((s->attr & SEG_ATTR_P) && !is_conforming && dpl < new_cpl) {
            /* The selector becomes null; the hidden base stays (the FS/GS base of 64-bit
             * code is not the outer level's business). */
            s->selector = 0;
            s->attr &= (uint16_t)~SEG_ATTR_P;
        }
    }
}

uint64_t seg_tss_linear(const CpuState *cpu, uint64_t offset)
{
    return table_linear(cpu, cpu->tr.base + offset);
}

bool seg_tss_is_32(const CpuState *cpu)
{
    return (cpu->tr.attr & DESC_TYPE_CODE) != 0; /* types 9/11, not 1/3 */
}

void seg_load_inner_stack(CpuState *cpu, unsigned dpl, uint32_t ext, FrameStack *fs,
                          Descriptor *ss_desc)
{
    bool is32 = seg_tss_is_32(cpu);
    uint32_t off = is32 ? dpl * 8 + 4 : dpl * 4 + 2;
    if ((uint64_t)off + (is32 ? 5 : 3) > cpu->tr.limit) {
        cpu_raise(cpu, EXC_TS, sel_error(cpu->tr.selector, ext));
    }
    uint64_t sp = mem_read_linear(cpu, seg_tss_linear(cpu, off), is32 ? 4 : 2, true);
    uint16_t ss = (uint16_t)mem_read_linear(cpu, seg_tss_linear(cpu, off + (is32 ? 4 : 2)), 2,
                                            true);
    if (sel_is_null(ss)) {
        cpu_raise(cpu, EXC_TS, ext);
    }
    seg_fetch_descriptor(cpu, ss, EXC_TS, ext, ss_desc);
    if ((ss & SEL_RPL_MASK) != dpl || desc_dpl(ss_desc) != dpl ||
        !desc_is_writable_data(ss_desc)) {
        cpu_raise(cpu, EXC_TS, sel_error(ss, ext));
    }
    if (!desc_is_present(ss_desc)) {
        cpu_raise(cpu, EXC_SS, sel_error(ss, ext));
    }
    fs->ss = seg_cache_from_descriptor(ss, ss_desc);
    fs->sp = sp;
    fs->is64 = false;
    fs->is_supervisor = true;
    fs->fault_error = sel_error(ss, ext);
}

uint64_t seg_read_tss64_stack(CpuState *cpu, unsigned offset, uint32_t ext)
{
    if ((uint64_t)offset + 7 > cpu->tr.limit) {
        cpu_raise(cpu, EXC_TS, sel_error(cpu->tr.selector, ext));
    }
    return mem_read_linear(cpu, seg_tss_linear(cpu, offset), 8, true);
}
