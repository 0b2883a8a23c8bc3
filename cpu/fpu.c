/*
 * cpu/fpu.c: the checks, operand access and exception reporting the x87, MMX and SSE exec
 * functions share (see fpu.h for the manual sections).
 */
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/excp.h"

void fpu_reset(CpuState *cpu)
{
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    cpu->fpu.fcw = 0x0040;
    cpu->fpu.ftw = 0xff;
    cpu->fpu.mxcsr = MXCSR_RESET;
}

void fpu_init_x87(CpuState *cpu)
{
    FpuState *f = &cpu->fpu;
    f->fcw = 0x037f;
    f->fsw = 0;
    f->top = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void fpu_update_es(CpuState *cpu)
{
    FpuState *f = &cpu->fpu;
    if (f->fsw & ~f->fcw & FSW_FLAGS) {
        f->fsw |= FSW_ES | FSW_B;
    } else {
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
    }
}

void fpu_check_x87(CpuState *cpu)
{
    if (cpu->paging.cr0 & (CR0_EM | CR0_TS)) {
        cpu_raise(cpu, EXC_NM, 0);
    }
}

/*
 * A pending unmasked x87 exception at a waiting instruction: #MF with CR0.NE = 1. With NE = 0
 * the PC's FERR# and IGNNE# wiring decides (SDM Vol. 1 §8.7, appendix D): FERR# is asserted,
 * and unless IGNNE# is active the instruction waits for the interrupt.
 */
static void report_pending(CpuState *cpu)
{
    if (!(cpu->fpu.fsw & FSW_ES)) {
        return;
    }
    if (cpu->paging.cr0 & CR0_NE) {
        cpu_raise(cpu, EXC_MF, 0);
    }
    if (cpu->ferr) {
        cpu->ferr(cpu->ferr_opaque, true);
    }
    if (!cpu->ignne) {
        cpu_raise(cpu, EXC_WAIT_FERR, 0);
    }
}

void fpu_check_x87_wait(CpuState *cpu)
{
    fpu_check_x87(cpu);
    report_pending(cpu);
}

void fpu_check_wait(CpuState *cpu)
{
    if ((cpu->paging.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        cpu_raise(cpu, EXC_NM, 0);
    }
    report_pending(cpu);
}

void fpu_check_mmx(CpuState *cpu)
{
    if (cpu->paging.cr0 & CR0_EM) {
        cpu_raise_ud(cpu);
    }
    if (cpu->paging.cr0 & CR0_TS) {
        cpu_raise(cpu, EXC_NM, 0);
    }
    report_pending(cpu);
}

void fpu_check_sse(CpuState *cpu)
{
    if ((cpu->paging.cr0 & CR0_EM) || !(cpu->paging.cr4 & CR4_OSFXSR)) {
        cpu_raise_ud(cpu);
    }
    if (cpu->paging.cr0 & CR0_TS) {
        cpu_raise(cpu, EXC_NM, 0);
    }
}

/* Linear address of the memory operand, with the 16-byte alignment rule of legacy SSE. */
static uint64_t vector_linear(CpuState *cpu, const DecodedInsn *d, unsigned size, MemAccess acc)
{
    uint64_t lin = mem_linear(cpu, d->seg, insn_effective_address(cpu, d), size, acc);
    if (size == 16 && (lin & 15) && !(d->entry->flags & OPF_UNALIGNED)) {
        cpu_raise_gp0(cpu);
    }
    return lin;
}

static void read_vector(CpuState *cpu, const DecodedInsn *d, unsigned size, XmmReg *out)
{
    uint64_t lin = vector_linear(cpu, d, size, MEM_READ);
    memset(out, 0, sizeof(*out));
    if (size == 16) {
        out->q[0] = mem_read_linear(cpu, lin, 8, false);
        out->q[1] = mem_read_linear(cpu, lin + 8, 8, false);
    } else {
        out->q[0] = mem_read_linear(cpu, lin, size, false);
    }
}

static void write_vector(CpuState *cpu, const DecodedInsn *d, unsigned size, const XmmReg *v)
{
    uint64_t lin = vector_linear(cpu, d, size, MEM_WRITE);
    mem_probe_write(cpu, d->seg, insn_effective_address(cpu, d), size);
    if (size == 16) {
        mem_write_linear(cpu, lin, 8, v->q[0], false);
        mem_write_linear(cpu, lin + 8, 8, v->q[1], false);
    } else {
        mem_write_linear(cpu, lin, size, v->q[0], false);
    }
}

void sse_read(CpuState *cpu, const DecodedInsn *d, unsigned i, XmmReg *out)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_XMM) {
        *out = cpu->fpu.xmm[o->reg];
        return;
    }
    read_vector(cpu, d, o->size, out);
}

void sse_write(CpuState *cpu, const DecodedInsn *d, unsigned i, const XmmReg *v)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_XMM) {
        cpu->fpu.xmm[o->reg] = *v;
        return;
    }
    write_vector(cpu, d, o->size, v);
}

void sse_probe_write(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MEM) {
        vector_linear(cpu, d, o->size, MEM_WRITE);
        mem_probe_write(cpu, d->seg, insn_effective_address(cpu, d), o->size);
    }
}

uint64_t mmx_read(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MMX) {
        return fpu_mmx_get(cpu, o->reg);
    }
    XmmReg v;
    read_vector(cpu, d, o->size, &v);
    return v.q[0];
}

void mmx_write(CpuState *cpu, const DecodedInsn *d, unsigned i, uint64_t v)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MMX) {
        fpu_mmx_set(cpu, o->reg, v);
        return;
    }
    XmmReg x = { .q = { v, 0 } };
    write_vector(cpu, d, o->size, &x);
}

FloatEnv sse_env(const CpuState *cpu)
{
    return float_env_sse(cpu->fpu.mxcsr);
}

void sse_finish(CpuState *cpu, const FloatEnv *env)
{
    unsigned flags = env->flags & MXCSR_FLAGS;
    cpu->fpu.mxcsr |= flags;
    unsigned masks = (cpu->fpu.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (flags & ~masks) {
        if (cpu->paging.cr4 & CR4_OSXMMEXCPT) {
            cpu_raise(cpu, EXC_XM, 0);
        }
        cpu_raise_ud(cpu);
    }
}

FloatEnv x87_env(const CpuState *cpu)
{
    return float_env_x87(cpu->fpu.fcw);
}
