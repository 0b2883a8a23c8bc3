/*
 * cpu/exec_stack.c: the stack, SDM Vol. 2B pages "PUSH", "POP", "PUSHA/PUSHAD", "POPA/POPAD",
 * "PUSHF", "ENTER", "LEAVE", and Vol. 1 §6.2 (stack-address size: SS.B, or 64 bits in 64-bit
 * mode). Every push computes the new stack pointer, writes (which may fault) and only then
 * updates rSP, so a fault leaves rSP as it was.
 */
#include "cpu/exec.h"

static uint64_t sp_mask(const CpuState *cpu)
{
    return size_mask(cpu_stack_size(cpu));
}

/* rSP with only its stack-size bits replaced by v. */
static void set_sp(CpuState *cpu, uint64_t v)
{
    gpr_write(cpu, R_SP, cpu_stack_size(cpu), v);
}

void stack_push(CpuState *cpu, unsigned size, uint64_t value)
{
    uint64_t sp = (cpu->regs[R_SP] - size) & sp_mask(cpu);
    mem_write(cpu, SEG_SS, sp, size, value);
    set_sp(cpu, sp);
}

uint64_t stack_pop(CpuState *cpu, unsigned size)
{
    uint64_t sp = cpu->regs[R_SP] & sp_mask(cpu);
    uint64_t v = mem_read(cpu, SEG_SS, sp, size);
    set_sp(cpu, sp + size);
    return v;
}

uint64_t stack_read(CpuState *cpu, unsigned size, uint64_t offset_from_sp)
{
    uint64_t sp = (cpu->regs[R_SP] + offset_from_sp) & sp_mask(cpu);
    return mem_read(cpu, SEG_SS, sp, size);
}

/*
 * PUSH rSP pushes the value before the push (SDM Vol. 2B "PUSH", IA-32 note); the 8086 pushes
 * the decremented SP (80286 Programmer's Reference Manual, "80286/8086 differences": PUSH SP;
 * SingleStepTests 8086 vectors 54, FF.6).
 */
void exec_push(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t v = opnd_read(cpu, d, 0);
    if (cpu->model == CPU_MODEL_8086 && d->op[0].loc == LOC_GPR && d->op[0].reg == R_SP) {
        v -= d->opsize;
    }
    stack_push(cpu, d->opsize, v);
}

/*
 * POP to memory: a destination addressed through rSP uses the incremented rSP (SDM Vol. 2B
 * "POP"). The address is computed with the new rSP, the write is done, and rSP changes last;
 * except on the 80286 in real-address mode, which has incremented SP when the write overruns
 * offset FFFFh and raises #GP (Harris 80C286 SingleStepTests vectors 8F).
 */
void exec_pop(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t old_sp = cpu->regs[R_SP];
    uint64_t v = stack_read(cpu, size, 0);
    uint64_t new_sp = ((old_sp & sp_mask(cpu)) + size) & sp_mask(cpu);
    if (d->op[0].loc == LOC_MEM) {
        set_sp(cpu, new_sp);
        uint64_t ea = insn_effective_address(cpu, d);
        if (cpu->model != CPU_MODEL_80286 || !cpu_in_real_mode(cpu)) {
            cpu->regs[R_SP] = old_sp;
        }
        mem_write(cpu, d->seg, ea, size, v);
        set_sp(cpu, new_sp);
        return;
    }
    set_sp(cpu, new_sp);
    gpr_write(cpu, d->op[0].reg, size, v);
}

/* PUSHA/POPA: eight registers; the whole frame is probed first. */
void exec_pusha(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t sp = cpu->regs[R_SP] & sp_mask(cpu);
    uint64_t base = (sp - 8 * size) & sp_mask(cpu);
    if (cpu->model != CPU_MODEL_8086) {
        for (unsigned i = 0; i < 8; i++) {
            mem_probe_write(cpu, SEG_SS, (base + i * size) & sp_mask(cpu), size);
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        uint64_t v = i == R_SP ? sp : cpu->regs[i];
        mem_write(cpu, SEG_SS, (sp - (i + 1) * size) & sp_mask(cpu), size, v);
    }
    set_sp(cpu, base);
}

void exec_popa(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t v[8];
    for (unsigned i = 0; i < 8; i++) {
        v[7 - i] = stack_read(cpu, size, i * size);
    }
    for (unsigned i = 0; i < 8; i++) {
        if (i != R_SP) {
            gpr_write(cpu, i, size, v[i]);
        }
    }
    set_sp(cpu, (cpu->regs[R_SP] & sp_mask(cpu)) + 8 * size);
}

/*
 * ENTER size, level: SDM Vol. 2A "ENTER" pseudocode. The level is taken modulo 32; frame
 * pointers are copied from the old frame. Every access is first checked in the pseudocode's
 * order (push rBP; for each level, read the old frame pointer and push it; push the frame
 * pointer; then the final stack pointer), so the first fault is the one hardware raises and
 * nothing is written before it. The copy then runs in that same order, read after write: the
 * old frame may overlap the new one, and later reads see earlier pushes.
 */
void exec_enter(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    unsigned level = d->imm2 & 31;
    uint64_t alloc = d->imm & 0xffff;
    uint64_t mask = sp_mask(cpu);
    unsigned bp_size = cpu_stack_size(cpu) == 2 ? 2 : (cpu->code64 ? 8 : 4);
    uint64_t sp = cpu->regs[R_SP] & mask;
    uint64_t bp = cpu->regs[R_BP];
    uint64_t frame_top = (sp - size) & mask;
    uint64_t new_sp = (frame_top - (uint64_t)level * size - alloc) & mask;
    if (cpu->model != CPU_MODEL_8086) {
        mem_probe_write(cpu, SEG_SS, frame_top, size);
        for (unsigned i = 1; i < level; i++) {
            mem_read(cpu, SEG_SS, (bp - (uint64_t)i * size) & size_mask(bp_size), size);
            mem_probe_write(cpu, SEG_SS, (frame_top - (uint64_t)i * size) & mask, size);
        }
        if (level > 0) {
            mem_probe_write(cpu, SEG_SS, (frame_top - (uint64_t)level * size) & mask, size);
        }
        if (alloc) {
            /*
             * The new stack top must be writable too: SDM Vol. 2A "ENTER", #SS(0) and
             * #PF(fault-code) "if a write using the final value of the stack pointer ... would
             * cause a page fault", in 64-bit mode as well. The write is of operand size, so a
             * misaligned final stack pointer raises #AC when alignment checks are on.
             */
            mem_probe_write(cpu, SEG_SS, new_sp, size);
        }
    }
    mem_write(cpu, SEG_SS, frame_top, size, bp);
    for (unsigned i = 1; i < level; i++) {
        uint64_t v = mem_read(cpu, SEG_SS, (bp - (uint64_t)i * size) & size_mask(bp_size), size);
        mem_write(cpu, SEG_SS, (frame_top - (uint64_t)i * size) & mask, size, v);
    }
    if (level > 0) {
        mem_write(cpu, SEG_SS, (frame_top - (uint64_t)level * size) & mask, size, frame_top);
    }
    gpr_write(cpu, R_BP, size, frame_top);
    set_sp(cpu, new_sp);
}

void exec_leave(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t bp = cpu->regs[R_BP] & sp_mask(cpu);
    uint64_t v = mem_read(cpu, SEG_SS, bp, size);
    set_sp(cpu, bp + size);
    gpr_write(cpu, R_BP, size, v);
}
