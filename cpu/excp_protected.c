/*
 * cpu/excp_protected.c: interrupt and exception delivery in protected, virtual-8086 and
 * IA-32e mode. SDM Vol. 3A §6.10-6.12 (IDT, gates, handler procedures, stack switch and frame),
 * §6.12.1.3 (flag handling: TF, NT, RF, VM cleared; IF cleared by interrupt gates), §6.13
 * (error code, EXT and IDT bits), §6.14 (IA-32e mode: 16-byte gates, 64-bit frames pushed
 * always with SS:RSP, RSP aligned to 16, IST), Vol. 3B §20.3.1.1 (from virtual-8086 mode to a
 * ring-0 handler, pushing GS, FS, DS, ES), Vol. 2A "INT n/INTO/INT3/INT1" Operation for the
 * order of checks and the error code each raises, Vol. 3B §17.3.1.1 for the RF image pushed.
 *
 * Every check and every write probe happens before the first write, so a fault during delivery
 * leaves the interrupted state whole for the double-fault logic of cpu/excp.c.
 *
 * Not modelled: the virtual-8086 interrupt redirection of CR4.VME (software interrupts in
 * virtual-8086 mode go to the protected-mode handler, as with VME clear), shadow stacks.
 */
#include "cpu/excp.h"

#include "cpu/exec.h"
#include "cpu/seg.h"
#include "cpu/task.h"
#include "util/bitops.h"

/* INT n, INT3 and INTO are the program's own events; everything else sets EXT (§6.13). */
static uint32_t ext_of(IntKind kind)
{
    return kind == INT_KIND_SOFTWARE ? 0 : ERR_EXT;
}

/* The EFLAGS image in the frame: RF is pushed set for faults other than #DB (§17.3.1.1). */
static uint64_t frame_flags(const CpuState *cpu, unsigned vector, IntKind kind)
{
    uint64_t f = cpu_get_rflags(cpu);
    if (kind == INT_KIND_FAULT && vector != EXC_DB) {
        f |= FLAG_RF;
    } else if (kind == INT_KIND_SOFTWARE) {
        f &= ~(uint64_t)FLAG_RF;
    }
    return f;
}

/* The flags the handler starts with (§6.12.1.3). */
static void enter_handler_flags(CpuState *cpu, bool is_interrupt_gate)
{
    uint64_t f = cpu_get_rflags(cpu) & ~(uint64_t)(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
    if (is_interrupt_gate) {
        f &= ~(uint64_t)FLAG_IF;
    }
    cpu_set_rflags(cpu, f);
}

/* The IDT entry of `vector`: 8 bytes, 16 in IA-32e mode. */
static void read_gate(CpuState *cpu, unsigned vector, uint32_t ext, Descriptor *gate)
{
    unsigned entry = cpu->long_mode ? 16 : 8;
    if ((uint64_t)vector * entry + entry - 1 > cpu->idtr.limit) {
        cpu_raise(cpu, EXC_GP, vector * 8 + ERR_IDT + ext);
    }
    uint64_t lin = cpu->idtr.base + (uint64_t)vector * entry;
    if (!cpu->long_mode) {
        lin &= 0xffffffffull;
    }
    gate->lin = lin;
    gate->lo = mem_read_linear(cpu, lin, 8, true);
    gate->hi = cpu->long_mode ? mem_read_linear(cpu, lin + 8, 8, true) : 0;
}

/* The handler's code segment: a present code segment with DPL <= CPL. */
static void fetch_handler_cs(CpuState *cpu, uint16_t sel, uint32_t ext, Descriptor *cs)
{
    if (sel_is_null(sel)) {
        cpu_raise(cpu, EXC_GP, ext);
    }
    seg_fetch_descriptor(cpu, sel, EXC_GP, ext, cs);
    if (!desc_is_code(cs) || desc_dpl(cs) > cpu->cpl) {
        cpu_raise(cpu, EXC_GP, sel_error(sel, ext));
    }
    if (!desc_is_present(cs)) {
        cpu_raise(cpu, EXC_NP, sel_error(sel, ext));
    }
}

/* Gate type, DPL (software interrupts only) and presence checks shared by both formats. */
static void check_gate(CpuState *cpu, const Descriptor *gate, unsigned vector, IntKind kind,
                       uint32_t ext, bool is_type_ok)
{
    uint32_t idt_err = vector * 8 + ERR_IDT + ext;
    if (desc_is_segment(gate) || !is_type_ok) {
        cpu_raise(cpu, EXC_GP, idt_err);
    }
    if (kind == INT_KIND_SOFTWARE && desc_dpl(gate) < cpu->cpl) {
        cpu_raise(cpu, EXC_GP, vector * 8 + ERR_IDT);
    }
    if (!desc_is_present(gate)) {
        cpu_raise(cpu, EXC_NP, idt_err);
    }
}

static void deliver_legacy(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                           uint32_t error_code, uint64_t return_rip)
{
    uint32_t ext = ext_of(kind);
    Descriptor gate;
    read_gate(cpu, vector, ext, &gate);
    unsigned type = desc_type(&gate);
    check_gate(cpu, &gate, vector, kind, ext,
               type == DESC_TASK_GATE || type == DESC_INT_GATE16 || type == DESC_TRAP_GATE16 ||
                   type == DESC_INT_GATE32 || type == DESC_TRAP_GATE32);
    if (type == DESC_TASK_GATE) {
        task_switch(cpu, gate_selector(&gate), TASK_SWITCH_INT, return_rip, has_error_code,
                    error_code, ext);
        return;
    }
    uint16_t cs_sel = gate_selector(&gate);
    Descriptor cs;
    fetch_handler_cs(cpu, cs_sel, ext, &cs);
    unsigned dpl = desc_dpl(&cs);
    bool is_v86 = cpu_in_v86(cpu);
    bool is_inner = !desc_is_conforming_code(&cs) && dpl < cpu->cpl;
    /* From virtual-8086 mode only a ring-0, non-conforming handler will do (§20.3.1.1). */
    if (is_v86 && (!is_inner || dpl != 0)) {
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel, ext));
    }
    unsigned new_cpl = is_inner ? dpl : cpu->cpl;
    bool is32 = (type & DESC_TYPE_CODE) != 0;
    unsigned size = is32 ? 4 : 2;
    uint64_t target = gate_offset(&gate) & (is32 ? 0xffffffffull : 0xffffull);
    SegmentCache new_cs = seg_cache_from_descriptor(
        (uint16_t)((cs_sel & ~SEL_RPL_MASK) | new_cpl), &cs);
    if (target > new_cs.limit) {
        cpu_raise(cpu, EXC_GP, ext);
    }

    SegWrites ws;
    ws.count = 0;
    FrameStack fs;
    Descriptor ss_desc;
    if (is_inner) {
        seg_load_inner_stack(cpu, dpl, ext, &fs, &ss_desc);
    } else {
        fs = (FrameStack){ .ss = cpu->seg[SEG_SS], .sp = cpu->regs[R_SP], .fault_error = ext };
    }
    if (is_v86) {
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_GS].selector);
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_FS].selector);
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_DS].selector);
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_ES].selector);
    }
    if (is_inner) {
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_SS].selector);
        seg_frame_push(cpu, &fs, &ws, size, cpu->regs[R_SP]);
    }
    seg_frame_push(cpu, &fs, &ws, size, frame_flags(cpu, vector, kind));
    seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_CS].selector);
    seg_frame_push(cpu, &fs, &ws, size, return_rip);
    if (has_error_code) {
        seg_frame_push(cpu, &fs, &ws, size, error_code);
    }
    seg_queue_accessed(cpu, &ws, &cs);
    if (is_inner) {
        seg_queue_accessed(cpu, &ws, &ss_desc);
    }

    seg_commit_writes(cpu, &ws);
    if (is_v86) {
        cpu->seg[SEG_ES] = seg_cache_null(0, 0);
        cpu->seg[SEG_DS] = seg_cache_null(0, 0);
        cpu->seg[SEG_FS] = seg_cache_null(0, 0);
        cpu->seg[SEG_GS] = seg_cache_null(0, 0);
    }
    if (is_inner) {
        cpu->seg[SEG_SS] = fs.ss;
    }
    seg_frame_set_sp(cpu, &fs);
    cpu->seg[SEG_CS] = new_cs;
    enter_handler_flags(cpu, (type & 1) == 0);
    cpu_update_mode(cpu);
    cpu->rip = cpu->next_rip = target;
}

static bool is_canonical(uint64_t v)
{
    return (uint64_t)sign_extend64(v, 48) == v;
}

/* TSS offsets of RSP0 and IST1 in the 64-bit TSS (SDM Vol. 3A §7.7 figure 7-11). */
#define TSS64_RSP0 0x04
#define TSS64_IST1 0x24

static void deliver_long(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                         uint32_t error_code, uint64_t return_rip)
{
    uint32_t ext = ext_of(kind);
    Descriptor gate;
    read_gate(cpu, vector, ext, &gate);
    unsigned type = desc_type(&gate);
    check_gate(cpu, &gate, vector, kind, ext,
               type == DESC_INT_GATE32 || type == DESC_TRAP_GATE32);
    uint16_t cs_sel = gate_selector(&gate);
    Descriptor cs;
    fetch_handler_cs(cpu, cs_sel, ext, &cs);
    uint16_t cs_attr = desc_attr(&cs);
    if (!(cs_attr & SEG_ATTR_L) || (cs_attr & SEG_ATTR_DB)) {
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel, ext)); /* handlers run in 64-bit mode */
    }
    unsigned dpl = desc_dpl(&cs);
    bool is_inner = !desc_is_conforming_code(&cs) && dpl < cpu->cpl;
    unsigned new_cpl = is_inner ? dpl : cpu->cpl;
    uint64_t target = gate_offset(&gate);
    if (!is_canonical(target)) {
        cpu_raise(cpu, EXC_GP, ext);
    }
    uint64_t rsp = cpu->regs[R_SP];
    unsigned ist = gate_ist(&gate);
    if (ist) {
        rsp = seg_read_tss64_stack(cpu, TSS64_IST1 + 8 * (ist - 1), ext);
    } else if (is_inner) {
        rsp = seg_read_tss64_stack(cpu, TSS64_RSP0 + 8 * dpl, ext);
    }
    FrameStack fs = { .ss = cpu->seg[SEG_SS], .sp = rsp & ~0xfull, .is64 = true,
                      .is_supervisor = is_inner, .fault_error = ext };
    SegWrites ws;
    ws.count = 0;
    seg_frame_push(cpu, &fs, &ws, 8, cpu->seg[SEG_SS].selector);
    seg_frame_push(cpu, &fs, &ws, 8, cpu->regs[R_SP]);
    seg_frame_push(cpu, &fs, &ws, 8, frame_flags(cpu, vector, kind));
    seg_frame_push(cpu, &fs, &ws, 8, cpu->seg[SEG_CS].selector);
    seg_frame_push(cpu, &fs, &ws, 8, return_rip);
    if (has_error_code) {
        seg_frame_push(cpu, &fs, &ws, 8, error_code);
    }
    seg_queue_accessed(cpu, &ws, &cs);

    seg_commit_writes(cpu, &ws);
    if (is_inner) {
        /* The new SS is null with RPL = new CPL (§6.14.4); SS.DPL carries the CPL. */
        cpu->seg[SEG_SS] = seg_cache_null((uint16_t)new_cpl, new_cpl);
    }
    cpu->regs[R_SP] = fs.sp;
    cpu->seg[SEG_CS] =
        seg_cache_from_descriptor((uint16_t)((cs_sel & ~SEL_RPL_MASK) | new_cpl), &cs);
    enter_handler_flags(cpu, type == DESC_INT_GATE32);
    cpu_update_mode(cpu);
    cpu->rip = cpu->next_rip = target;
}

void excp_deliver_protected(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                            uint32_t error_code, uint64_t return_rip)
{
    if (cpu->long_mode) {
        deliver_long(cpu, vector, kind, has_error_code, error_code, return_rip);
    } else {
        deliver_legacy(cpu, vector, kind, has_error_code, error_code, return_rip);
    }
}
