/*
 * cpu/exec_seg.c: instructions that load, store or inspect segment selectors: MOV to and from
 * Sreg, PUSH/POP Sreg, LDS/LES/LFS/LGS/LSS, ARPL, LAR, LSL, VERR, VERW. SDM Vol. 2A "ARPL",
 * "LAR", "LDS/LES/LFS/LGS/LSS", "LSL", Vol. 2B "MOV", "POP", "PUSH", "VERR/VERW" (the types
 * each of LAR and LSL accepts are the tables in their Description sections), Vol. 3A §6.8.3
 * (MOV SS and POP SS hold off interrupts for one instruction).
 *
 * PUSH Sreg with a 32- or 64-bit operand size writes only the 16-bit selector into the slot it
 * allocates, as recent Intel processors do (Vol. 2B "PUSH").
 */
#include "cpu/exec.h"
#include "cpu/seg.h"

static void set_zf(CpuState *cpu, bool zf)
{
    uint64_t f = cpu_get_rflags(cpu);
    cpu_set_rflags(cpu, zf ? f | FLAG_ZF : f & ~(uint64_t)FLAG_ZF);
}

/* ARPL, LAR, LSL, VERR and VERW do not exist outside protected mode (#UD). */
static void require_protected(CpuState *cpu)
{
    if (cpu_in_real_mode(cpu) || cpu_in_v86(cpu)) {
        cpu_raise_ud(cpu);
    }
}

void exec_mov_seg_load(CpuState *cpu, const DecodedInsn *d)
{
    unsigned seg = d->op[0].reg;
    if (seg == SEG_CS) {
        cpu_raise_ud(cpu);
    }
    seg_load(cpu, seg, (uint16_t)opnd_read(cpu, d, 1));
    if (seg == SEG_SS) {
        cpu->inhibit_irq = true;
    }
}

/* A register destination gets the selector zero-extended to the operand size. */
void exec_mov_seg_store(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, cpu->seg[d->op[1].reg].selector);
}

void exec_push_seg(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize, sp_size = cpu_stack_size(cpu);
    uint64_t sp = (cpu->regs[R_SP] - size) & size_mask(sp_size);
    mem_probe_write(cpu, SEG_SS, sp, size);
    mem_write(cpu, SEG_SS, sp, 2, cpu->seg[d->op[0].reg].selector);
    gpr_write(cpu, R_SP, sp_size, sp);
}

/* rSP moves by the old stack's address size, even when SS itself is popped. */
void exec_pop_seg(CpuState *cpu, const DecodedInsn *d)
{
    unsigned seg = d->op[0].reg, size = d->opsize, sp_size = cpu_stack_size(cpu);
    uint16_t sel = (uint16_t)stack_read(cpu, 2, 0);
    uint64_t sp = cpu->regs[R_SP] + size;
    seg_load(cpu, seg, sel);
    gpr_write(cpu, R_SP, sp_size, sp);
    if (seg == SEG_SS) {
        cpu->inhibit_irq = true;
    }
}

/* LDS and friends: the far pointer's offset goes to the register only after the load. */
static void load_far_pointer(CpuState *cpu, const DecodedInsn *d, unsigned seg)
{
    uint64_t ea = insn_effective_address(cpu, d);
    uint64_t offset = mem_read(cpu, d->seg, ea, d->opsize);
    uint16_t sel = (uint16_t)mem_read(cpu, d->seg, (ea + d->opsize) & size_mask(d->addrsize), 2);
    seg_load(cpu, seg, sel);
    gpr_write(cpu, d->op[0].reg, d->opsize, offset);
}

void exec_lds(CpuState *cpu, const DecodedInsn *d)
{
    load_far_pointer(cpu, d, SEG_DS);
}

void exec_les(CpuState *cpu, const DecodedInsn *d)
{
    load_far_pointer(cpu, d, SEG_ES);
}

void exec_lss(CpuState *cpu, const DecodedInsn *d)
{
    load_far_pointer(cpu, d, SEG_SS);
}

void exec_lfs(CpuState *cpu, const DecodedInsn *d)
{
    load_far_pointer(cpu, d, SEG_FS);
}

void exec_lgs(CpuState *cpu, const DecodedInsn *d)
{
    load_far_pointer(cpu, d, SEG_GS);
}

void exec_arpl(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    uint64_t dest = opnd_read_rmw(cpu, d, 0);
    unsigned src_rpl = (unsigned)opnd_read(cpu, d, 1) & SEL_RPL_MASK;
    bool is_raised = (dest & SEL_RPL_MASK) < src_rpl;
    if (is_raised) {
        opnd_write(cpu, d, 0, (dest & ~(uint64_t)SEL_RPL_MASK) | src_rpl);
    }
    set_zf(cpu, is_raised);
}

/*
 * The descriptor LAR, LSL, VERR and VERW look at, if the selector reaches one and the current
 * privilege may see it: a conforming code segment always, anything else needs DPL >= CPL and
 * DPL >= RPL. System descriptors are 16 bytes in IA-32e mode; their upper type must be 0.
 */
static bool visible_descriptor(CpuState *cpu, uint16_t sel, Descriptor *d)
{
    if (sel_is_null(sel) || !seg_try_read_descriptor(cpu, sel, d)) {
        return false;
    }
    if (!desc_is_segment(d) && cpu->long_mode) {
        Descriptor upper;
        if (!seg_try_read_descriptor(cpu, (uint16_t)(sel + 8), &upper) ||
            ((upper.lo >> 40) & 0x1f) != 0) {
            return false;
        }
        d->hi = upper.lo;
    }
    if (desc_is_conforming_code(d)) {
        return true;
    }
    return desc_dpl(d) >= cpu->cpl && desc_dpl(d) >= (sel & SEL_RPL_MASK);
}

/* System types LAR (with_gates) or LSL accepts (Vol. 2A "LAR" table 3-58, "LSL" 3-62). */
static bool is_inspectable_system(const CpuState *cpu, unsigned type, bool with_gates)
{
    switch (type) {
    case DESC_LDT:
    case DESC_TSS32_AVAIL:
    case DESC_TSS32_BUSY:
        return true;
    case DESC_CALL_GATE32:
        return with_gates;
    case DESC_TSS16_AVAIL:
    case DESC_TSS16_BUSY:
        return !cpu->long_mode;
    case DESC_CALL_GATE16:
    case DESC_TASK_GATE:
        return with_gates && !cpu->long_mode;
    default:
        return false;
    }
}

void exec_lar(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    uint16_t sel = (uint16_t)opnd_read(cpu, d, 1);
    Descriptor desc;
    bool is_ok = visible_descriptor(cpu, sel, &desc) &&
                 (desc_is_segment(&desc) || is_inspectable_system(cpu, desc_type(&desc), true));
    if (is_ok) {
        /* Type, S, DPL, P, AVL, L, D/B, G: the second dword masked with 00F0FF00h. */
        gpr_write(cpu, d->op[0].reg, d->opsize == 2 ? 2 : 4, (desc.lo >> 32) & 0x00f0ff00u);
    }
    set_zf(cpu, is_ok);
}

void exec_lsl(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    uint16_t sel = (uint16_t)opnd_read(cpu, d, 1);
    Descriptor desc;
    bool is_ok = visible_descriptor(cpu, sel, &desc) &&
                 (desc_is_segment(&desc) || is_inspectable_system(cpu, desc_type(&desc), false));
    if (is_ok) {
        gpr_write(cpu, d->op[0].reg, d->opsize == 2 ? 2 : 4, desc_limit(&desc));
    }
    set_zf(cpu, is_ok);
}

/* VERR: a readable code or data segment; VERW: a writable data segment. */
static void verify_segment(CpuState *cpu, const DecodedInsn *d, bool is_write)
{
    require_protected(cpu);
    uint16_t sel = (uint16_t)opnd_read(cpu, d, 0);
    Descriptor desc;
    bool is_ok = visible_descriptor(cpu, sel, &desc) && desc_is_segment(&desc);
    if (is_ok) {
        unsigned type = desc_type(&desc);
        is_ok = is_write ? desc_is_writable_data(&desc)
                         : (!(type & DESC_TYPE_CODE) || (type & DESC_TYPE_RW));
    }
    set_zf(cpu, is_ok);
}

void exec_verr(CpuState *cpu, const DecodedInsn *d)
{
    verify_segment(cpu, d, false);
}

void exec_verw(CpuState *cpu, const DecodedInsn *d)
{
    verify_segment(cpu, d, true);
}
