/*
 * cpu/task.c: hardware task switches through JMP, CALL, IRET with NT, and task gates in the
 * IDT. SDM Vol. 3A §7.2 (the 32-bit TSS, figure 7-2; the 16-bit TSS, figure 7-11), §7.3 "Task
 * Switching" (steps 1-14), §7.4 (task linking, table 7-2: busy bits, NT and the previous task
 * link per cause), table 7-1 (exceptions while loading the new task's state: #TS, #NP and #SS
 * with the offending selector, raised in the context of the new task).
 *
 * Everything before the commit point (the new TSS read whole, every write probed) may fault
 * with the old task intact. From the commit on, the new task is current: its selectors are
 * loaded raw first, then checked, so a fault there is delivered in the new task.
 *
 * Not modelled: the debug trap (T) flag of the new TSS, and #GP for a TSS on a page boundary
 * that is not contiguous in physical memory (processors do not check it either).
 */
#include "cpu/task.h"

#include "cpu/exec.h"
#include "cpu/seg.h"

/* The two TSS formats: field offsets and widths (figures 7-2 and 7-11). */
typedef struct TssLayout {
    unsigned width;      /* 4 or 2: register slot size */
    unsigned ip, flags, regs, segs, ldt;
    unsigned seg_stride; /* bytes between selector slots */
    unsigned min_limit;
} TssLayout;

static const TssLayout tss32 = { 4, 0x20, 0x24, 0x28, 0x48, 0x60, 4, 0x67 };
static const TssLayout tss16 = { 2, 0x0e, 0x10, 0x12, 0x22, 0x2a, 2, 0x2b };

/* A task's state as a TSS holds it. */
typedef struct TaskState {
    uint32_t cr3;
    uint32_t eip;
    uint32_t eflags;
    uint32_t regs[8];
    uint16_t sel[SEG_COUNT];
    uint16_t ldt;
} TaskState;

static bool is_tss32_type(unsigned type)
{
    return type == DESC_TSS32_AVAIL || type == DESC_TSS32_BUSY;
}

static uint64_t tss_addr(uint64_t base, unsigned offset)
{
    return (base + offset) & 0xffffffffull;
}

static void read_task_state(CpuState *cpu, uint64_t base, const TssLayout *l, TaskState *t)
{
    t->cr3 = l->width == 4 ? (uint32_t)mem_read_linear(cpu, tss_addr(base, 0x1c), 4, true) : 0;
    t->eip = (uint32_t)mem_read_linear(cpu, tss_addr(base, l->ip), l->width, true);
    t->eflags = (uint32_t)mem_read_linear(cpu, tss_addr(base, l->flags), l->width, true);
    for (unsigned i = 0; i < 8; i++) {
        t->regs[i] =
            (uint32_t)mem_read_linear(cpu, tss_addr(base, l->regs + i * l->width), l->width, true);
    }
    unsigned nsegs = l->width == 4 ? SEG_COUNT : SEG_DS + 1; /* 16-bit TSS: no FS, GS */
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        t->sel[i] = i < nsegs ? (uint16_t)mem_read_linear(
                                    cpu, tss_addr(base, l->segs + i * l->seg_stride), 2, true)
                              : 0;
    }
    t->ldt = (uint16_t)mem_read_linear(cpu, tss_addr(base, l->ldt), 2, true);
}

/* The outgoing task's dynamic fields: EIP, EFLAGS, general registers, selectors (§7.3 step 9). */
static void queue_save_state(CpuState *cpu, SegWrites *ws, uint64_t base, const TssLayout *l,
                             uint32_t eip, uint32_t eflags)
{
    seg_queue_write(cpu, ws, tss_addr(base, l->ip), l->width, eip, true);
    seg_queue_write(cpu, ws, tss_addr(base, l->flags), l->width, eflags, true);
    for (unsigned i = 0; i < 8; i++) {
        seg_queue_write(cpu, ws, tss_addr(base, l->regs + i * l->width), l->width, cpu->regs[i],
                        true);
    }
    unsigned nsegs = l->width == 4 ? SEG_COUNT : SEG_DS + 1;
    for (unsigned i = 0; i < nsegs; i++) {
        seg_queue_write(cpu, ws, tss_addr(base, l->segs + i * l->seg_stride), 2,
                        cpu->seg[i].selector, true);
    }
}

/* Rewrites a TSS descriptor's type byte with the busy bit (type bit 1) set or clear. */
static void queue_busy(CpuState *cpu, SegWrites *ws, const Descriptor *d, bool is_busy)
{
    uint8_t access = (uint8_t)(d->lo >> 40);
    access = is_busy ? (uint8_t)(access | 2) : (uint8_t)(access & ~2);
    seg_queue_write(cpu, ws, (d->lin + 5) & 0xffffffffull, 1, access, true);
}

_Noreturn static void raise_ts(CpuState *cpu, uint16_t sel, uint32_t ext)
{
    cpu_raise(cpu, EXC_TS, sel_error(sel, ext));
}

/* CR3 from a 32-bit TSS when paging is on (§7.3 step 11), with the PAE PDPTE load. */
static void load_task_cr3(CpuState *cpu, uint32_t cr3)
{
    if (!(cpu->paging.cr0 & CR0_PG)) {
        return;
    }
    PagingState ps = cpu->paging;
    ps.cr3 = cr3;
    if ((ps.cr4 & CR4_PAE) && paging_load_pdptes(cpu->map, &ps, cpu->maxphyaddr) != 0) {
        cpu_raise_gp0(cpu);
    }
    cpu->paging = ps;
    tlb_write_cr3(cpu->tlb, &cpu->paging);
}

static void load_task_ldt(CpuState *cpu, uint16_t sel, uint32_t ext)
{
    if (sel_is_null(sel)) {
        cpu->ldtr = seg_cache_null(sel, 0);
        return;
    }
    Descriptor d;
    if ((sel & SEL_TI) || !seg_try_read_descriptor(cpu, sel, &d) || desc_is_segment(&d) ||
        desc_type(&d) != DESC_LDT || !desc_is_present(&d)) {
        raise_ts(cpu, sel, ext);
    }
    cpu->ldtr = (SegmentCache){ .base = desc_base32(&d), .limit = desc_limit(&d),
                                .selector = sel, .attr = desc_attr(&d) };
}

/* CS, SS, then the data segments of a protected-mode task (table 7-1). */
static void load_task_segments(CpuState *cpu, const TaskState *t, uint32_t ext)
{
    SegWrites ws;
    ws.count = 0;
    uint16_t cs_sel = t->sel[SEG_CS];
    unsigned cpl = cs_sel & SEL_RPL_MASK;
    Descriptor cs;
    if (sel_is_null(cs_sel) || !seg_try_read_descriptor(cpu, cs_sel, &cs) || !desc_is_code(&cs) ||
        (desc_is_conforming_code(&cs) ? desc_dpl(&cs) > cpl : desc_dpl(&cs) != cpl)) {
        raise_ts(cpu, cs_sel, ext);
    }
    if (!desc_is_present(&cs)) {
        cpu_raise(cpu, EXC_NP, sel_error(cs_sel, ext));
    }
    uint16_t ss_sel = t->sel[SEG_SS];
    Descriptor ss;
    if (sel_is_null(ss_sel) || !seg_try_read_descriptor(cpu, ss_sel, &ss) ||
        !desc_is_writable_data(&ss) || desc_dpl(&ss) != cpl || (ss_sel & SEL_RPL_MASK) != cpl) {
        raise_ts(cpu, ss_sel, ext);
    }
    if (!desc_is_present(&ss)) {
        cpu_raise(cpu, EXC_SS, sel_error(ss_sel, ext));
    }
    seg_queue_accessed(cpu, &ws, &cs);
    seg_queue_accessed(cpu, &ws, &ss);
    static const unsigned data_segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    Descriptor data[4];
    for (unsigned i = 0; i < 4; i++) {
        uint16_t sel = t->sel[data_segs[i]];
        if (sel_is_null(sel)) {
            continue;
        }
        Descriptor *d = &data[i];
        unsigned type = 0;
        if (!seg_try_read_descriptor(cpu, sel, d) || !desc_is_segment(d) ||
            ((type = desc_type(d)) & (DESC_TYPE_CODE | DESC_TYPE_RW)) == DESC_TYPE_CODE ||
            (!desc_is_conforming_code(d) &&
             (desc_dpl(d) < cpl || desc_dpl(d) < (sel & SEL_RPL_MASK)))) {
            raise_ts(cpu, sel, ext);
        }
        if (!desc_is_present(d)) {
            cpu_raise(cpu, EXC_NP, sel_error(sel, ext));
        }
        seg_queue_accessed(cpu, &ws, d);
    }
    seg_commit_writes(cpu, &ws);
    cpu->seg[SEG_CS] = seg_cache_from_descriptor(cs_sel, &cs);
    cpu->seg[SEG_SS] = seg_cache_from_descriptor(ss_sel, &ss);
    for (unsigned i = 0; i < 4; i++) {
        uint16_t sel = t->sel[data_segs[i]];
        cpu->seg[data_segs[i]] =
            sel_is_null(sel) ? seg_cache_null(sel, 0) : seg_cache_from_descriptor(sel, &data[i]);
    }
    cpu_update_mode(cpu);
}

/* The new TSS descriptor: a GDT entry of the right busy state, present, big enough. */
static void fetch_new_tss(CpuState *cpu, uint16_t sel, TaskSwitchReason reason, uint32_t ext,
                          Descriptor *d)
{
    bool is_iret = reason == TASK_SWITCH_IRET;
    unsigned vector = is_iret ? EXC_TS : EXC_GP;
    if ((sel & SEL_TI) || sel_is_null(sel)) {
        cpu_raise(cpu, vector, sel_error(sel, ext));
    }
    seg_fetch_descriptor(cpu, sel, vector, ext, d);
    unsigned type = desc_type(d);
    bool is_busy = type == DESC_TSS16_BUSY || type == DESC_TSS32_BUSY;
    bool is_tss = is_busy || type == DESC_TSS16_AVAIL || type == DESC_TSS32_AVAIL;
    if (desc_is_segment(d) || !is_tss || is_busy != is_iret) {
        cpu_raise(cpu, vector, sel_error(sel, ext));
    }
    if (!desc_is_present(d)) {
        cpu_raise(cpu, EXC_NP, sel_error(sel, ext));
    }
    if (desc_limit(d) < (is_tss32_type(type) ? tss32.min_limit : tss16.min_limit)) {
        raise_ts(cpu, sel, ext);
    }
}

void task_switch(CpuState *cpu, uint16_t tss_sel, TaskSwitchReason reason, uint64_t return_rip,
                 bool has_error_code, uint32_t error_code, uint32_t ext)
{
    Descriptor new_desc;
    fetch_new_tss(cpu, tss_sel, reason, ext, &new_desc);
    const TssLayout *nl = is_tss32_type(desc_type(&new_desc)) ? &tss32 : &tss16;
    const TssLayout *ol = seg_tss_is_32(cpu) ? &tss32 : &tss16;
    if (cpu->tr.limit < ol->min_limit) {
        raise_ts(cpu, cpu->tr.selector, ext);
    }
    uint64_t new_base = desc_base32(&new_desc);
    TaskState next;
    read_task_state(cpu, new_base, nl, &next);

    /* Probe every write of the switch before making any (steps 4-10). */
    bool is_nesting = reason == TASK_SWITCH_CALL || reason == TASK_SWITCH_INT;
    uint32_t old_flags = (uint32_t)cpu_get_rflags(cpu);
    if (reason == TASK_SWITCH_IRET) {
        old_flags &= ~(uint32_t)FLAG_NT;
    }
    SegWrites ws;
    ws.count = 0;
    Descriptor old_desc;
    bool has_old_desc = reason == TASK_SWITCH_JMP || reason == TASK_SWITCH_IRET;
    if (has_old_desc) {
        seg_fetch_descriptor(cpu, cpu->tr.selector, EXC_TS, ext, &old_desc);
        queue_busy(cpu, &ws, &old_desc, false);
    }
    queue_save_state(cpu, &ws, cpu->tr.base, ol, (uint32_t)return_rip, old_flags);
    if (is_nesting) {
        seg_queue_write(cpu, &ws, tss_addr(new_base, 0), 2, cpu->tr.selector, true);
        next.eflags |= FLAG_NT;
    }
    if (reason != TASK_SWITCH_IRET) {
        queue_busy(cpu, &ws, &new_desc, true);
    }
    seg_commit_writes(cpu, &ws);

    /* The new task is current from here on (steps 11-14). */
    new_desc.lo |= 2ull << 40;
    cpu->tr = (SegmentCache){ .base = new_base, .limit = desc_limit(&new_desc),
                              .selector = tss_sel, .attr = desc_attr(&new_desc) };
    cpu->paging.cr0 |= CR0_TS;
    uint32_t flags_mask = nl->width == 4 ? 0xffffffffu : 0xffffu;
    cpu_set_rflags(cpu, (next.eflags & flags_mask & FLAGS_DEFINED) | FLAG_FIXED1);
    for (unsigned i = 0; i < 8; i++) {
        if (nl->width == 4) {
            cpu->regs[i] = next.regs[i];
        } else {
            gpr_write(cpu, i, 2, next.regs[i]);
        }
    }
    cpu->rip = cpu->next_rip = next.eip;
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        cpu->seg[i].selector = next.sel[i];
    }
    cpu->ldtr.selector = next.ldt;
    if (nl->width == 4) {
        load_task_cr3(cpu, next.cr3);
    }
    load_task_ldt(cpu, next.ldt, ext);
    if (next.eflags & FLAG_VM & flags_mask) {
        for (unsigned i = 0; i < SEG_COUNT; i++) {
            cpu->seg[i] = seg_cache_v86(next.sel[i]);
        }
        cpu_update_mode(cpu);
    } else {
        load_task_segments(cpu, &next, ext);
    }
    if (has_error_code) {
        FrameStack fs = { .ss = cpu->seg[SEG_SS], .sp = cpu->regs[R_SP], .fault_error = ext };
        ws.count = 0;
        seg_frame_push(cpu, &fs, &ws, nl->width, error_code);
        seg_commit_writes(cpu, &ws);
        seg_frame_set_sp(cpu, &fs);
    }
    if (cpu->next_rip > cpu->seg[SEG_CS].limit) {
        cpu_raise(cpu, EXC_GP, ext);
    }
}
