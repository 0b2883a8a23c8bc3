/*
 * cpu/exec_far.c: far control transfer: JMP and CALL to ptr16:16/32 and m16:16/32/64, RET
 * (far, with imm16), IRET/IRETD/IRETQ, INT n, INT3, INTO, INT1. SDM Vol. 2A "CALL", "INT n/
 * INTO/INT3/INT1", "IRET/IRETD/IRETQ", "JMP", Vol. 2B "RET" (each instruction's Operation
 * lists its checks and exceptions, followed here in order), Vol. 3A §5.8 (privilege-level
 * checks on control transfer, call gates §5.8.3-5.8.6, IA-32e call gates §5.8.3.1), §5.8.6
 * (returning from a called procedure), §7.3 (task switches by JMP, CALL and IRET with NT),
 * Vol. 3B §20.2 (far transfers in virtual-8086 mode).
 *
 * All loads and checks come first; stack writes and descriptor accessed bits are queued and
 * probed (cpu/seg.h) and committed only when nothing else can fault.
 *
 * Not modelled: #AC on the stack accesses of far transfers at CPL 3.
 */
#include "cpu/excp.h"
#include "cpu/exec.h"
#include "cpu/seg.h"
#include "cpu/task.h"
#include "util/bitops.h"

_Noreturn static void raise_sel(CpuState *cpu, unsigned vector, uint16_t sel)
{
    cpu_raise(cpu, vector, sel_error(sel, 0));
}

static bool is_canonical(uint64_t v)
{
    return (uint64_t)sign_extend64(v, 48) == v;
}

static bool is_64bit_code(const CpuState *cpu, const SegmentCache *cs)
{
    return cpu->long_mode && (cs->attr & SEG_ATTR_L);
}

/* The offset a transfer lands on in `cs`: canonical in 64-bit code, else within the limit. */
static uint64_t check_target(CpuState *cpu, const SegmentCache *cs, uint64_t offset,
                             unsigned size)
{
    if (is_64bit_code(cpu, cs)) {
        if (!is_canonical(offset)) {
            cpu_raise_gp0(cpu);
        }
        return offset;
    }
    offset &= size_mask(size);
    if (offset > cs->limit) {
        cpu_raise_gp0(cpu);
    }
    return offset;
}

/* In IA-32e mode a code segment with both L and D set is reserved (§5.2.1). */
static void check_long_cs(CpuState *cpu, uint16_t sel, const Descriptor *d)
{
    uint16_t attr = desc_attr(d);
    if (cpu->long_mode && (attr & SEG_ATTR_L) && (attr & SEG_ATTR_DB)) {
        raise_sel(cpu, EXC_GP, sel);
    }
}

/* Checks of a direct JMP or CALL to a code segment (§5.8.1, §5.8.2). */
static void check_code_transfer(CpuState *cpu, uint16_t sel, const Descriptor *d)
{
    unsigned dpl = desc_dpl(d), rpl = sel & SEL_RPL_MASK;
    bool is_denied = desc_is_conforming_code(d) ? dpl > cpu->cpl
                                                : (rpl > cpu->cpl || dpl != cpu->cpl);
    if (is_denied) {
        raise_sel(cpu, EXC_GP, sel);
    }
    if (!desc_is_present(d)) {
        raise_sel(cpu, EXC_NP, sel);
    }
    check_long_cs(cpu, sel, d);
}

/* The current stack as a FrameStack for pushes at the current privilege level. */
static FrameStack current_stack(const CpuState *cpu)
{
    return (FrameStack){ .ss = cpu->seg[SEG_SS], .sp = cpu->regs[R_SP], .is64 = cpu->code64 };
}

/* Loads CS from a checked descriptor with RPL = the new CPL and lands on `target`. */
static void enter_code(CpuState *cpu, const SegmentCache *cs, uint64_t target)
{
    cpu->seg[SEG_CS] = *cs;
    cpu_update_mode(cpu);
    cpu->next_rip = target;
}

/* Real-address and virtual-8086 mode: CS = selector * 16 (Vol. 3B §20.1, §20.2). */
static SegmentCache real_cs(const CpuState *cpu, uint16_t sel)
{
    if (cpu_in_v86(cpu)) {
        return seg_cache_v86(sel);
    }
    SegmentCache cs = cpu->seg[SEG_CS];
    cs.selector = sel;
    cs.base = (uint64_t)sel << 4;
    return cs;
}

static bool is_real_or_v86(const CpuState *cpu)
{
    return cpu_in_real_mode(cpu) || cpu_in_v86(cpu);
}

/* TSS descriptors and task gates reached by JMP or CALL (§7.3). */
static void far_task(CpuState *cpu, uint16_t sel, const Descriptor *d, TaskSwitchReason reason)
{
    unsigned type = desc_type(d);
    if (cpu->long_mode) {
        raise_sel(cpu, EXC_GP, sel); /* no task switching in IA-32e mode */
    }
    if (desc_dpl(d) < cpu->cpl || desc_dpl(d) < (sel & SEL_RPL_MASK)) {
        raise_sel(cpu, EXC_GP, sel);
    }
    uint16_t tss_sel = sel;
    if (type == DESC_TASK_GATE) {
        if (!desc_is_present(d)) {
            raise_sel(cpu, EXC_NP, sel);
        }
        tss_sel = gate_selector(d);
    }
    task_switch(cpu, tss_sel, reason, cpu->next_rip, false, 0, 0);
}

/*
 * A call gate's descriptor, with the checks JMP and CALL share (§5.8.4): gate DPL against CPL
 * and RPL, presence, the 16-byte form in IA-32e mode, then the target code segment.
 */
static void fetch_gate_target(CpuState *cpu, uint16_t sel, Descriptor *gate, Descriptor *cs)
{
    if (desc_dpl(gate) < cpu->cpl || desc_dpl(gate) < (sel & SEL_RPL_MASK)) {
        raise_sel(cpu, EXC_GP, sel);
    }
    if (!desc_is_present(gate)) {
        raise_sel(cpu, EXC_NP, sel);
    }
    if (cpu->long_mode) {
        seg_fetch_descriptor_upper(cpu, sel, EXC_GP, 0, gate);
        if ((gate->hi >> 40) & 0x1f) {
            raise_sel(cpu, EXC_GP, sel); /* the upper half's type must be 0 */
        }
    }
    uint16_t cs_sel = gate_selector(gate);
    if (sel_is_null(cs_sel)) {
        cpu_raise_gp0(cpu);
    }
    seg_fetch_descriptor(cpu, cs_sel, EXC_GP, 0, cs);
    if (!desc_is_code(cs) || desc_dpl(cs) > cpu->cpl) {
        raise_sel(cpu, EXC_GP, cs_sel);
    }
}

static bool is_call_gate(const CpuState *cpu, unsigned type)
{
    return type == DESC_CALL_GATE32 || (!cpu->long_mode && type == DESC_CALL_GATE16);
}

/* Gate width in bytes: 2 for a 16-bit gate, 4 for 32-bit, 8 for an IA-32e gate. */
static unsigned gate_size(const CpuState *cpu, unsigned type)
{
    if (cpu->long_mode) {
        return 8;
    }
    return type == DESC_CALL_GATE32 ? 4 : 2;
}

static uint64_t gate_target(const Descriptor *gate, unsigned size)
{
    return gate_offset(gate) & size_mask(size);
}

static void far_jump(CpuState *cpu, uint16_t sel, uint64_t offset, unsigned opsize)
{
    if (is_real_or_v86(cpu)) {
        SegmentCache cs = real_cs(cpu, sel);
        uint64_t target = check_target(cpu, &cs, offset, opsize);
        enter_code(cpu, &cs, target);
        return;
    }
    if (sel_is_null(sel)) {
        cpu_raise_gp0(cpu);
    }
    Descriptor d;
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, &d);
    SegWrites ws;
    ws.count = 0;
    unsigned type = desc_type(&d);
    if (desc_is_segment(&d)) {
        if (!desc_is_code(&d)) {
            raise_sel(cpu, EXC_GP, sel);
        }
        check_code_transfer(cpu, sel, &d);
        SegmentCache cs =
            seg_cache_from_descriptor((uint16_t)((sel & ~SEL_RPL_MASK) | cpu->cpl), &d);
        uint64_t target = check_target(cpu, &cs, offset, opsize);
        seg_queue_accessed(cpu, &ws, &d);
        seg_commit_writes(cpu, &ws);
        enter_code(cpu, &cs, target);
        return;
    }
    if (is_call_gate(cpu, type)) {
        Descriptor gate = d, cs_desc;
        fetch_gate_target(cpu, sel, &gate, &cs_desc);
        uint16_t cs_sel = gate_selector(&gate);
        unsigned dpl = desc_dpl(&cs_desc);
        if (!desc_is_conforming_code(&cs_desc) && dpl != cpu->cpl) {
            raise_sel(cpu, EXC_GP, cs_sel);
        }
        if (!desc_is_present(&cs_desc)) {
            raise_sel(cpu, EXC_NP, cs_sel);
        }
        check_long_cs(cpu, cs_sel, &cs_desc);
        if (cpu->long_mode && !(desc_attr(&cs_desc) & SEG_ATTR_L)) {
            raise_sel(cpu, EXC_GP, cs_sel); /* IA-32e call gates lead to 64-bit code */
        }
        SegmentCache cs =
            seg_cache_from_descriptor((uint16_t)((cs_sel & ~SEL_RPL_MASK) | cpu->cpl), &cs_desc);
        unsigned size = gate_size(cpu, type);
        uint64_t target = check_target(cpu, &cs, gate_target(&gate, size), size);
        seg_queue_accessed(cpu, &ws, &cs_desc);
        seg_commit_writes(cpu, &ws);
        enter_code(cpu, &cs, target);
        return;
    }
    if (type == DESC_TASK_GATE || type == DESC_TSS16_AVAIL || type == DESC_TSS32_AVAIL ||
        type == DESC_TSS16_BUSY || type == DESC_TSS32_BUSY) {
        far_task(cpu, sel, &d, TASK_SWITCH_JMP);
        return;
    }
    raise_sel(cpu, EXC_GP, sel);
}

static void far_call_real(CpuState *cpu, uint16_t sel, uint64_t offset, unsigned opsize)
{
    SegmentCache cs = real_cs(cpu, sel);
    uint64_t target = check_target(cpu, &cs, offset, opsize);
    if (cpu->model == CPU_MODEL_8086) {
        /* The 8086 cannot fault on a push: its stack wraps within the segment. */
        stack_push(cpu, opsize, cpu->seg[SEG_CS].selector);
        stack_push(cpu, opsize, cpu->next_rip);
    } else {
        SegWrites ws;
        ws.count = 0;
        FrameStack fs = current_stack(cpu);
        seg_frame_push(cpu, &fs, &ws, opsize, cpu->seg[SEG_CS].selector);
        seg_frame_push(cpu, &fs, &ws, opsize, cpu->next_rip);
        seg_commit_writes(cpu, &ws);
        seg_frame_set_sp(cpu, &fs);
    }
    enter_code(cpu, &cs, target);
}

/* CALL through a call gate (§5.8.5): to an inner level with a stack switch, or at this one. */
static void call_gate(CpuState *cpu, uint16_t sel, Descriptor *gate)
{
    unsigned type = desc_type(gate);
    Descriptor cs_desc;
    fetch_gate_target(cpu, sel, gate, &cs_desc);
    uint16_t cs_sel = gate_selector(gate);
    if (!desc_is_present(&cs_desc)) {
        raise_sel(cpu, EXC_NP, cs_sel);
    }
    check_long_cs(cpu, cs_sel, &cs_desc);
    if (cpu->long_mode && !(desc_attr(&cs_desc) & SEG_ATTR_L)) {
        raise_sel(cpu, EXC_GP, cs_sel);
    }
    unsigned dpl = desc_dpl(&cs_desc);
    bool is_inner = !desc_is_conforming_code(&cs_desc) && dpl < cpu->cpl;
    unsigned new_cpl = is_inner ? dpl : cpu->cpl;
    unsigned size = gate_size(cpu, type);
    SegmentCache cs =
        seg_cache_from_descriptor((uint16_t)((cs_sel & ~SEL_RPL_MASK) | new_cpl), &cs_desc);
    uint64_t target = check_target(cpu, &cs, gate_target(gate, size), size);

    SegWrites ws;
    ws.count = 0;
    FrameStack fs = current_stack(cpu);
    Descriptor ss_desc;
    if (is_inner) {
        if (cpu->long_mode) {
            uint64_t rsp = seg_read_tss64_stack(cpu, 4 + 8 * dpl, 0);
            fs = (FrameStack){ .sp = rsp, .is64 = true, .is_supervisor = true };
        } else {
            seg_load_inner_stack(cpu, dpl, 0, &fs, &ss_desc);
        }
        seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_SS].selector);
        seg_frame_push(cpu, &fs, &ws, size, cpu->regs[R_SP]);
        /* Parameters keep their order: the one nearest the old top stays on top (§5.8.5). */
        unsigned count = cpu->long_mode ? 0 : gate_param_count(gate);
        for (unsigned i = count; i-- > 0;) {
            seg_frame_push(cpu, &fs, &ws, size, stack_read(cpu, size, (uint64_t)i * size));
        }
    }
    seg_frame_push(cpu, &fs, &ws, size, cpu->seg[SEG_CS].selector);
    seg_frame_push(cpu, &fs, &ws, size, cpu->next_rip);
    seg_queue_accessed(cpu, &ws, &cs_desc);
    if (is_inner && !cpu->long_mode) {
        seg_queue_accessed(cpu, &ws, &ss_desc);
    }

    seg_commit_writes(cpu, &ws);
    if (is_inner) {
        cpu->seg[SEG_SS] = cpu->long_mode ? seg_cache_null((uint16_t)new_cpl, new_cpl) : fs.ss;
    }
    seg_frame_set_sp(cpu, &fs);
    enter_code(cpu, &cs, target);
}

static void far_call(CpuState *cpu, uint16_t sel, uint64_t offset, unsigned opsize)
{
    if (is_real_or_v86(cpu)) {
        far_call_real(cpu, sel, offset, opsize);
        return;
    }
    if (sel_is_null(sel)) {
        cpu_raise_gp0(cpu);
    }
    Descriptor d;
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, &d);
    unsigned type = desc_type(&d);
    if (desc_is_segment(&d)) {
        if (!desc_is_code(&d)) {
            raise_sel(cpu, EXC_GP, sel);
        }
        check_code_transfer(cpu, sel, &d);
        SegmentCache cs =
            seg_cache_from_descriptor((uint16_t)((sel & ~SEL_RPL_MASK) | cpu->cpl), &d);
        uint64_t target = check_target(cpu, &cs, offset, opsize);
        SegWrites ws;
        ws.count = 0;
        FrameStack fs = current_stack(cpu);
        seg_frame_push(cpu, &fs, &ws, opsize, cpu->seg[SEG_CS].selector);
        seg_frame_push(cpu, &fs, &ws, opsize, cpu->next_rip);
        seg_queue_accessed(cpu, &ws, &d);
        seg_commit_writes(cpu, &ws);
        seg_frame_set_sp(cpu, &fs);
        enter_code(cpu, &cs, target);
        return;
    }
    if (is_call_gate(cpu, type)) {
        call_gate(cpu, sel, &d);
        return;
    }
    if (type == DESC_TASK_GATE || type == DESC_TSS16_AVAIL || type == DESC_TSS32_AVAIL ||
        type == DESC_TSS16_BUSY || type == DESC_TSS32_BUSY) {
        far_task(cpu, sel, &d, TASK_SWITCH_CALL);
        return;
    }
    raise_sel(cpu, EXC_GP, sel);
}

/* ptr16:16/32 from the instruction, or m16:16/32/64 from memory (offset first). */
static void read_far_pointer(CpuState *cpu, const DecodedInsn *d, uint16_t *sel,
                             uint64_t *offset)
{
    if (d->op[0].loc == LOC_IMM) {
        *offset = d->imm;
        *sel = d->imm2;
        return;
    }
    uint64_t ea = insn_effective_address(cpu, d);
    *offset = mem_read(cpu, d->seg, ea, d->opsize);
    *sel = (uint16_t)mem_read(cpu, d->seg, (ea + d->opsize) & size_mask(d->addrsize), 2);
}

void exec_jmpf(CpuState *cpu, const DecodedInsn *d)
{
    uint16_t sel;
    uint64_t offset;
    read_far_pointer(cpu, d, &sel, &offset);
    far_jump(cpu, sel, offset, d->opsize);
}

void exec_callf(CpuState *cpu, const DecodedInsn *d)
{
    uint16_t sel;
    uint64_t offset;
    read_far_pointer(cpu, d, &sel, &offset);
    far_call(cpu, sel, offset, d->opsize);
}

/* The code segment a RET or IRET returns to (§5.8.6; Vol. 2B "RET" Operation). */
static void fetch_return_cs(CpuState *cpu, uint16_t sel, Descriptor *d)
{
    if (sel_is_null(sel)) {
        cpu_raise_gp0(cpu);
    }
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, d);
    unsigned rpl = sel & SEL_RPL_MASK, dpl = desc_dpl(d);
    if (!desc_is_code(d) || rpl < cpu->cpl ||
        (desc_is_conforming_code(d) ? dpl > rpl : dpl != rpl)) {
        raise_sel(cpu, EXC_GP, sel);
    }
    if (!desc_is_present(d)) {
        raise_sel(cpu, EXC_NP, sel);
    }
    check_long_cs(cpu, sel, d);
}

/*
 * The stack segment popped by a return to level `rpl`. A null SS is accepted only when
 * returning to 64-bit code below ring 3 (§6.14.4). Returns whether *d holds a descriptor.
 */
static bool fetch_return_ss(CpuState *cpu, uint16_t sel, unsigned rpl, const SegmentCache *cs,
                            SegmentCache *ss, Descriptor *d)
{
    if (sel_is_null(sel)) {
        if (!is_64bit_code(cpu, cs) || rpl == 3) {
            cpu_raise_gp0(cpu);
        }
        *ss = seg_cache_null(sel, rpl);
        return false;
    }
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, d);
    if ((sel & SEL_RPL_MASK) != rpl || desc_dpl(d) != rpl || !desc_is_writable_data(d)) {
        raise_sel(cpu, EXC_GP, sel);
    }
    if (!desc_is_present(d)) {
        raise_sel(cpu, EXC_SS, sel);
    }
    *ss = seg_cache_from_descriptor(sel, d);
    return true;
}

/* Loads the popped SS:rSP of a return: rSP's width follows the new stack (or 64-bit code). */
static void load_return_stack(CpuState *cpu, const SegmentCache *ss, const SegmentCache *cs,
                              uint64_t sp)
{
    unsigned width = is_64bit_code(cpu, cs) ? 8 : ((ss->attr & SEG_ATTR_DB) ? 4 : 2);
    cpu->seg[SEG_SS] = *ss;
    gpr_write(cpu, R_SP, width, sp);
}

void exec_retf(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t release = d->nops ? (d->imm & 0xffff) : 0;
    uint64_t offset = stack_read(cpu, size, 0);
    uint16_t sel = (uint16_t)stack_read(cpu, 2, size);
    unsigned sp_size = cpu_stack_size(cpu);
    if (is_real_or_v86(cpu)) {
        SegmentCache cs = real_cs(cpu, sel);
        uint64_t target = check_target(cpu, &cs, offset, size);
        gpr_write(cpu, R_SP, sp_size, cpu->regs[R_SP] + 2 * size + release);
        enter_code(cpu, &cs, target);
        return;
    }
    Descriptor cs_desc;
    fetch_return_cs(cpu, sel, &cs_desc);
    unsigned rpl = sel & SEL_RPL_MASK;
    SegmentCache cs = seg_cache_from_descriptor(sel, &cs_desc);
    SegWrites ws;
    ws.count = 0;
    if (rpl == cpu->cpl) {
        uint64_t target = check_target(cpu, &cs, offset, size);
        seg_queue_accessed(cpu, &ws, &cs_desc);
        seg_commit_writes(cpu, &ws);
        gpr_write(cpu, R_SP, sp_size, cpu->regs[R_SP] + 2 * size + release);
        enter_code(cpu, &cs, target);
        return;
    }
    uint64_t new_sp = stack_read(cpu, size, 2 * size + release);
    uint16_t ss_sel = (uint16_t)stack_read(cpu, 2, 3 * size + release);
    SegmentCache ss;
    Descriptor ss_desc;
    bool has_ss_desc = fetch_return_ss(cpu, ss_sel, rpl, &cs, &ss, &ss_desc);
    uint64_t target = check_target(cpu, &cs, offset, size);
    seg_queue_accessed(cpu, &ws, &cs_desc);
    if (has_ss_desc) {
        seg_queue_accessed(cpu, &ws, &ss_desc);
    }
    seg_commit_writes(cpu, &ws);
    load_return_stack(cpu, &ss, &cs, new_sp + release);
    seg_null_inaccessible(cpu, rpl);
    enter_code(cpu, &cs, target);
}

/* Real-address mode, and virtual-8086 mode with IOPL 3 (Vol. 2A "IRET" Operation). */
static void iret_real(CpuState *cpu, unsigned size)
{
    uint64_t offset = stack_read(cpu, size, 0);
    uint16_t sel = (uint16_t)stack_read(cpu, 2, size);
    uint64_t popped = stack_read(cpu, size, 2 * size);
    SegmentCache cs = real_cs(cpu, sel);
    uint64_t target = check_target(cpu, &cs, offset, size);
    uint64_t cur = cpu_get_rflags(cpu);
    /* VM, VIF, VIP never come from the stack here; in virtual-8086 mode IOPL neither. */
    uint64_t kept = size == 2 ? ~0xffffull : (uint64_t)(FLAG_VM | FLAG_VIF | FLAG_VIP);
    if (cpu_in_v86(cpu)) {
        kept |= FLAG_IOPL;
    }
    gpr_write(cpu, R_SP, cpu_stack_size(cpu), cpu->regs[R_SP] + 3 * size);
    cpu_set_rflags(cpu, flags_of_model(cpu, ((cur & kept) | (popped & ~kept)) & FLAGS_DEFINED));
    enter_code(cpu, &cs, target);
}

/*
 * 16-bit IRET in virtual-8086 mode with IOPL < 3 and CR4.VME (SDM Vol. 2A "IRET", virtual-8086
 * mode with VME): the popped IF goes to VIF, IOPL and IF stay; a popped TF, or a popped IF
 * while VIP is pending, is #GP(0).
 */
static void iret_v86_vme(CpuState *cpu)
{
    uint64_t offset = stack_read(cpu, 2, 0);
    uint16_t sel = (uint16_t)stack_read(cpu, 2, 2);
    uint64_t popped = stack_read(cpu, 2, 4);
    uint64_t cur = cpu_get_rflags(cpu);
    if ((popped & FLAG_TF) || ((popped & FLAG_IF) && (cur & FLAG_VIP))) {
        cpu_raise_gp0(cpu);
    }
    SegmentCache cs = real_cs(cpu, sel);
    uint64_t target = check_target(cpu, &cs, offset, 2);
    uint64_t from_stack = 0xffff & ~(uint64_t)(FLAG_IOPL | FLAG_IF);
    uint64_t flags = (cur & ~from_stack & ~(uint64_t)FLAG_VIF) | (popped & from_stack) |
                     ((popped & FLAG_IF) ? FLAG_VIF : 0);
    gpr_write(cpu, R_SP, cpu_stack_size(cpu), cpu->regs[R_SP] + 6);
    cpu_set_rflags(cpu, flags_of_model(cpu, flags & FLAGS_DEFINED));
    enter_code(cpu, &cs, target);
}

/* IRET from ring 0 to virtual-8086 mode: the frame also holds ESP, SS, ES, DS, FS, GS. */
static void iret_to_v86(CpuState *cpu, uint64_t offset, uint16_t sel, uint64_t popped)
{
    uint64_t new_esp = stack_read(cpu, 4, 12);
    uint16_t sels[5];
    for (unsigned i = 0; i < 5; i++) {
        sels[i] = (uint16_t)stack_read(cpu, 2, 16 + 4 * i);
    }
    if (offset > 0xffff) {
        cpu_raise_gp0(cpu);
    }
    cpu_set_rflags(cpu, popped & FLAGS_DEFINED);
    cpu->seg[SEG_CS] = seg_cache_v86(sel);
    cpu->seg[SEG_SS] = seg_cache_v86(sels[0]);
    cpu->seg[SEG_ES] = seg_cache_v86(sels[1]);
    cpu->seg[SEG_DS] = seg_cache_v86(sels[2]);
    cpu->seg[SEG_FS] = seg_cache_v86(sels[3]);
    cpu->seg[SEG_GS] = seg_cache_v86(sels[4]);
    gpr_write(cpu, R_SP, 4, new_esp);
    cpu_update_mode(cpu);
    cpu->next_rip = offset;
}

/* Which popped flags IRET may change at the current CPL and IOPL (Vol. 2A "IRET"). */
static uint64_t iret_protected_flags(const CpuState *cpu, uint64_t popped, unsigned size)
{
    uint64_t cur = cpu_get_rflags(cpu);
    unsigned iopl = (unsigned)((cur & FLAG_IOPL) >> 12);
    uint64_t change = FLAGS_ARITH | FLAG_TF | FLAG_DF | FLAG_NT;
    if (size >= 4) {
        change |= FLAG_RF | FLAG_AC | FLAG_ID;
    }
    if (cpu->cpl <= iopl) {
        change |= FLAG_IF;
    }
    if (cpu->cpl == 0) {
        change |= FLAG_IOPL;
        if (size >= 4) {
            change |= FLAG_VIF | FLAG_VIP;
        }
    }
    return (cur & ~change) | (popped & change);
}

void exec_iret(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    /* IRET ends NMI blocking (SDM Vol. 3A §6.7.1), as soon as it executes. */
    cpu->nmi_blocked = false;
    if (cpu_in_real_mode(cpu)) {
        iret_real(cpu, size);
        return;
    }
    if (cpu_in_v86(cpu)) {
        if ((cpu->rflags & FLAG_IOPL) != FLAG_IOPL) {
            if ((cpu->paging.cr4 & CR4_VME) && size == 2) {
                iret_v86_vme(cpu);
                return;
            }
            cpu_raise_gp0(cpu); /* IOPL-sensitive in virtual-8086 mode (§20.2.7) */
        }
        iret_real(cpu, size);
        return;
    }
    if (cpu->rflags & FLAG_NT) {
        if (cpu->long_mode) {
            cpu_raise_gp0(cpu); /* no task return in IA-32e mode */
        }
        uint16_t link = (uint16_t)mem_read_linear(cpu, seg_tss_linear(cpu, 0), 2, true);
        task_switch(cpu, link, TASK_SWITCH_IRET, cpu->next_rip, false, 0, 0);
        return;
    }
    uint64_t offset = stack_read(cpu, size, 0);
    uint16_t sel = (uint16_t)stack_read(cpu, 2, size);
    uint64_t popped = stack_read(cpu, size, 2 * size);
    if (!cpu->long_mode && size == 4 && (popped & FLAG_VM) && cpu->cpl == 0) {
        iret_to_v86(cpu, offset, sel, popped);
        return;
    }
    Descriptor cs_desc;
    fetch_return_cs(cpu, sel, &cs_desc);
    unsigned rpl = sel & SEL_RPL_MASK;
    SegmentCache cs = seg_cache_from_descriptor(sel, &cs_desc);
    /* 64-bit mode pops SS:RSP even without a privilege change (§6.14.3). */
    bool pops_stack = rpl > cpu->cpl || cpu->code64;
    SegmentCache ss;
    Descriptor ss_desc;
    bool has_ss_desc = false;
    uint64_t new_sp = 0;
    if (pops_stack) {
        new_sp = stack_read(cpu, size, 3 * size);
        uint16_t ss_sel = (uint16_t)stack_read(cpu, 2, 4 * size);
        has_ss_desc = fetch_return_ss(cpu, ss_sel, rpl, &cs, &ss, &ss_desc);
    }
    uint64_t target = check_target(cpu, &cs, offset, size);
    uint64_t flags = iret_protected_flags(cpu, popped, size);
    SegWrites ws;
    ws.count = 0;
    seg_queue_accessed(cpu, &ws, &cs_desc);
    if (has_ss_desc) {
        seg_queue_accessed(cpu, &ws, &ss_desc);
    }
    seg_commit_writes(cpu, &ws);
    bool is_outer = rpl > cpu->cpl;
    if (pops_stack) {
        load_return_stack(cpu, &ss, &cs, new_sp);
    } else {
        gpr_write(cpu, R_SP, cpu_stack_size(cpu), cpu->regs[R_SP] + 3 * size);
    }
    cpu_set_rflags(cpu, flags);
    if (is_outer) {
        seg_null_inaccessible(cpu, rpl);
    }
    enter_code(cpu, &cs, target);
}

/*
 * The bit for `vector` in the software-interrupt redirection bitmap: the 32 bytes just below
 * the I/O permission bitmap of the current 32-bit TSS (SDM Vol. 3A §20.3.3.5). A bitmap
 * outside the TSS limit is #GP(0).
 */
static bool v86_is_redirected_to_pm(CpuState *cpu, unsigned vector)
{
    const SegmentCache *tr = &cpu->tr;
    unsigned type = tr->attr & SEG_ATTR_TYPE;
    if (!(tr->attr & SEG_ATTR_P) || (type != 9 && type != 0xb) || tr->limit < 0x67) {
        cpu_raise_gp0(cpu);
    }
    uint64_t iomap = mem_read_linear(cpu, tr->base + 0x66, 2, true);
    uint64_t offset = iomap - 32 + vector / 8;
    if (iomap < 32 || offset > tr->limit) {
        cpu_raise_gp0(cpu);
    }
    uint8_t byte = (uint8_t)mem_read_linear(cpu, tr->base + offset, 1, true);
    return (byte >> (vector & 7)) & 1;
}

/*
 * A software interrupt redirected to the virtual-8086 program's own handler (SDM Vol. 3A
 * §20.3.3.5 methods 4 and 6): through the IVT at linear 0, with a real-mode frame on the v86
 * stack. With IOPL < 3 (method 6) the pushed FLAGS carry VIF in place of IF and IOPL = 3, and
 * VIF rather than IF is cleared.
 */
static void int_v86_redirect(CpuState *cpu, unsigned vector, uint64_t return_ip)
{
    bool is_virtual = (cpu->rflags & FLAG_IOPL) != FLAG_IOPL;
    uint32_t target = (uint32_t)mem_read_linear(cpu, (uint64_t)vector * 4, 4, false);
    uint64_t flags = cpu_get_rflags(cpu);
    uint64_t image = flags & 0xffff;
    if (is_virtual) {
        image = (image & ~(uint64_t)FLAG_IF) | ((flags & FLAG_VIF) ? FLAG_IF : 0) | FLAG_IOPL;
    }
    uint64_t sp = cpu->regs[R_SP] & 0xffff;
    mem_probe_write(cpu, SEG_SS, (sp - 2) & 0xffff, 2);
    mem_probe_write(cpu, SEG_SS, (sp - 6) & 0xffff, 2);
    mem_write(cpu, SEG_SS, (sp - 2) & 0xffff, 2, image);
    mem_write(cpu, SEG_SS, (sp - 4) & 0xffff, 2, cpu->seg[SEG_CS].selector);
    mem_write(cpu, SEG_SS, (sp - 6) & 0xffff, 2, return_ip);
    gpr_write(cpu, R_SP, 2, sp - 6);
    uint64_t cleared = FLAG_TF | (is_virtual ? FLAG_VIF : FLAG_IF);
    cpu_set_rflags(cpu, flags & ~cleared);
    cpu_load_segment_real(cpu, SEG_CS, (uint16_t)(target >> 16));
    cpu->next_rip = target & 0xffff;
}

/*
 * INT n in virtual-8086 mode (SDM Vol. 3A §20.3.3, table 20-2): without VME, IOPL < 3 is
 * #GP(0) and IOPL = 3 goes to the protected-mode handler. With CR4.VME the redirection bitmap
 * decides: a clear bit sends the interrupt to the v86 program's IVT; a set bit goes to the
 * protected-mode handler with IOPL = 3 and is #GP(0) otherwise.
 */
void exec_int(CpuState *cpu, const DecodedInsn *d)
{
    unsigned vector = (unsigned)(d->imm & 0xff);
    if (cpu_in_v86(cpu)) {
        bool has_iopl3 = (cpu->rflags & FLAG_IOPL) == FLAG_IOPL;
        if (cpu->paging.cr4 & CR4_VME) {
            if (!v86_is_redirected_to_pm(cpu, vector)) {
                int_v86_redirect(cpu, vector, cpu->next_rip);
                return;
            }
        }
        if (!has_iopl3) {
            cpu_raise_gp0(cpu);
        }
    }
    excp_deliver(cpu, vector, INT_KIND_SOFTWARE, false, 0, cpu->next_rip);
}

/* INT3 and INTO: software interrupts with the gate DPL check, never IOPL-sensitive. */
void exec_int3(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    excp_deliver(cpu, EXC_BP, INT_KIND_SOFTWARE, false, 0, cpu->next_rip);
}

void exec_into(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    if (cpu_get_rflags(cpu) & FLAG_OF) {
        excp_deliver(cpu, EXC_OF, INT_KIND_SOFTWARE, false, 0, cpu->next_rip);
    }
}

/* INT1 (ICEBP): a #DB trap delivered like a hardware event, without the DPL check. */
void exec_int1(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    excp_deliver(cpu, EXC_DB, INT_KIND_ICEBP, false, 0, cpu->next_rip);
}
