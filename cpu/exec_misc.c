/*
 * cpu/exec_misc.c: instructions with no operands worth a file of their own: flag control
 * (CLC, STC, CMC, CLD, STD; SDM Vol. 2A), NOP and PAUSE, UD0/UD1/UD2, fences, PREFETCHh,
 * CLFLUSH, and WAIT/FWAIT (SDM Vol. 2D "WAIT/FWAIT": #NM when CR0.MP and CR0.TS are both set).
 */
#include "cpu/exec.h"
#include "cpu/fpu.h"

#include "util/bitops.h"

static void set_flag(CpuState *cpu, uint64_t flag, bool on)
{
    uint64_t f = cpu_get_rflags(cpu);
    cpu_set_rflags(cpu, on ? (f | flag) : (f & ~flag));
}

void exec_clc(CpuState *cpu, const DecodedInsn *d)
{
    set_flag(cpu, FLAG_CF, false);
}

void exec_stc(CpuState *cpu, const DecodedInsn *d)
{
    set_flag(cpu, FLAG_CF, true);
}

void exec_cmc(CpuState *cpu, const DecodedInsn *d)
{
    set_flag(cpu, FLAG_CF, !flags_get_cf(cpu));
}

void exec_cld(CpuState *cpu, const DecodedInsn *d)
{
    cpu->rflags &= ~(uint64_t)FLAG_DF;
}

void exec_std(CpuState *cpu, const DecodedInsn *d)
{
    cpu->rflags |= FLAG_DF;
}

void exec_nop(CpuState *cpu, const DecodedInsn *d)
{
}

void exec_ud(CpuState *cpu, const DecodedInsn *d)
{
    cpu_raise_ud(cpu);
}

/* CLFLUSH faults as a byte read of its operand would (SDM Vol. 2A "CLFLUSH"). */
void exec_clflush(CpuState *cpu, const DecodedInsn *d)
{
    mem_read(cpu, d->seg, insn_effective_address(cpu, d), 1);
}

void exec_wait(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    fpu_check_wait(cpu);
}

/* HLT: privileged (#GP(0) above CPL 0); the CPU then waits for an interrupt. */
void exec_hlt(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    cpu->halted = true;
    cpu->exit_block = true;
}

/*
 * BOUND r, m16&16 / m32&32: #BR (a fault) unless lower <= index <= upper, all signed
 * (SDM Vol. 2A "BOUND"). Both bounds are read before the comparison.
 */
void exec_bound(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t ea = insn_effective_address(cpu, d);
    int64_t lower = sign_extend64(mem_read(cpu, d->seg, ea, size), size * 8);
    int64_t upper = sign_extend64(mem_read(cpu, d->seg, (ea + size) & size_mask(d->addrsize),
                                          size),
                                  size * 8);
    int64_t index = sign_extend64(gpr_read(cpu, d->op[0].reg, size), size * 8);
    if (index < lower || index > upper) {
        cpu_raise(cpu, EXC_BR, 0);
    }
}
