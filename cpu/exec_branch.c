/*
 * cpu/exec_branch.c: near control transfer, SDM Vol. 2 pages "JMP", "Jcc", "CALL", "RET",
 * "LOOP/LOOPcc", "JCXZ/JECXZ/JRCXZ". The target is truncated to the operand size (EIP/IP)
 * outside 64-bit mode and checked against the CS limit (#GP(0)); in 64-bit mode it must be
 * canonical (#GP(0)). The check happens before anything changes, so the fault is precise.
 */
#include "cpu/exec.h"

#include "util/bitops.h"

void cpu_jump(CpuState *cpu, uint64_t target, unsigned opsize)
{
    if (cpu->code64) {
        if ((uint64_t)sign_extend64(target, 48) != target) {
            cpu_raise_gp0(cpu);
        }
    } else {
        target &= size_mask(opsize);
        if (target > cpu->seg[SEG_CS].limit && cpu->model != CPU_MODEL_8086) {
            cpu_raise_gp0(cpu);
        }
    }
    cpu->next_rip = target;
}

static uint64_t relative_target(const CpuState *cpu, const DecodedInsn *d)
{
    return cpu->next_rip + d->imm;
}

void exec_jmp(CpuState *cpu, const DecodedInsn *d)
{
    cpu_jump(cpu, relative_target(cpu, d), d->opsize);
}

void exec_jcc(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu_test_cond(cpu, d->cond)) {
        cpu_jump(cpu, relative_target(cpu, d), d->opsize);
    }
}

/* The target is checked before the return address is pushed. */
static void call_to(CpuState *cpu, const DecodedInsn *d, uint64_t target)
{
    uint64_t ret = cpu->next_rip;
    cpu_jump(cpu, target, d->opsize);
    stack_push(cpu, d->opsize, ret);
}

void exec_call(CpuState *cpu, const DecodedInsn *d)
{
    call_to(cpu, d, relative_target(cpu, d));
}

void exec_call_ind(CpuState *cpu, const DecodedInsn *d)
{
    call_to(cpu, d, opnd_read(cpu, d, 0));
}

void exec_jmp_ind(CpuState *cpu, const DecodedInsn *d)
{
    cpu_jump(cpu, opnd_read(cpu, d, 0), d->opsize);
}

/* RET [imm16]: pop, check the target, then release imm16 bytes. */
void exec_ret(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t target = stack_read(cpu, size, 0);
    cpu_jump(cpu, target, size);
    uint64_t release = d->nops ? (d->imm & 0xffff) : 0;
    unsigned ss = cpu_stack_size(cpu);
    gpr_write(cpu, R_SP, ss, cpu->regs[R_SP] + size + release);
}

/*
 * LOOP counts with the address size (CX, ECX or RCX). The target is checked before the count
 * is written, so a #GP leaves the count as it was.
 */
static void loop_if(CpuState *cpu, const DecodedInsn *d, bool extra)
{
    uint64_t c = (cpu->regs[R_CX] - 1) & size_mask(d->addrsize);
    if (c != 0 && extra) {
        cpu_jump(cpu, relative_target(cpu, d), d->opsize);
    }
    gpr_write(cpu, R_CX, d->addrsize, c);
}

void exec_loop(CpuState *cpu, const DecodedInsn *d)
{
    loop_if(cpu, d, true);
}

void exec_loope(CpuState *cpu, const DecodedInsn *d)
{
    loop_if(cpu, d, cpu_test_cond(cpu, 4));
}

void exec_loopne(CpuState *cpu, const DecodedInsn *d)
{
    loop_if(cpu, d, cpu_test_cond(cpu, 5));
}

void exec_jcxz(CpuState *cpu, const DecodedInsn *d)
{
    if ((cpu->regs[R_CX] & size_mask(d->addrsize)) == 0) {
        cpu_jump(cpu, relative_target(cpu, d), d->opsize);
    }
}
