/*
 * cpu/exec_mov.c: data movement, SDM Vol. 2 pages "MOV", "MOVZX", "MOVSX/MOVSXD", "LEA",
 * "XCHG", "XADD", "CMPXCHG", "CMPXCHG8B/CMPXCHG16B", "CMOVcc", "SETcc", "XLAT", "LAHF",
 * "SAHF", "MOVBE", "MOVNTI".
 */
#include "cpu/exec.h"

#include "cpu/cpuid.h"
#include "util/bitops.h"

void exec_mov(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, opnd_read(cpu, d, 1));
}

void exec_movzx(CpuState *cpu, const DecodedInsn *d)
{
    gpr_write(cpu, d->op[0].reg, d->op[0].size, opnd_read(cpu, d, 1));
}

void exec_movsx(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t v = (uint64_t)sign_extend64(opnd_read(cpu, d, 1), d->op[1].size * 8);
    gpr_write(cpu, d->op[0].reg, d->op[0].size, v);
}

void exec_movsxd(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t v = (uint64_t)sign_extend64(opnd_read(cpu, d, 1), 32);
    gpr_write(cpu, d->op[0].reg, d->op[0].size, v);
}

void exec_lea(CpuState *cpu, const DecodedInsn *d)
{
    gpr_write(cpu, d->op[0].reg, d->op[0].size, insn_effective_address(cpu, d));
}

/* The memory operand, if any, is op 0; it is written before the register. */
void exec_xchg(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    opnd_write(cpu, d, 0, b);
    opnd_write(cpu, d, 1, a);
}

/*
 * SDM Vol. 2B "XADD": SRC := DEST, then DEST := TEMP, so with one register for both operands
 * the sum is what remains. A memory destination is written first (it may fault).
 */
void exec_xadd(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    uint64_t sum = a + b;
    if (d->op[0].loc == LOC_MEM) {
        opnd_write(cpu, d, 0, sum);
        opnd_write(cpu, d, 1, a);
    } else {
        opnd_write(cpu, d, 1, a);
        opnd_write(cpu, d, 0, sum);
    }
    flags_set(cpu, LAZY_ADD, d->op[0].size, sum, a, b);
}

/*
 * The destination is written in both outcomes (SDM: "the destination operand is written back
 * if the comparison fails"), so a memory destination is always probed for writing.
 */
void exec_cmpxchg(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    uint64_t dst = opnd_read_rmw(cpu, d, 0), src = opnd_read(cpu, d, 1);
    uint64_t acc = gpr_read(cpu, R_AX, size);
    if (acc == dst) {
        opnd_write(cpu, d, 0, src);
    } else {
        if (d->op[0].loc == LOC_MEM) {
            opnd_write(cpu, d, 0, dst);
        }
        gpr_write(cpu, R_AX, size, dst);
    }
    flags_set(cpu, LAZY_SUB, size, acc - dst, acc, dst);
}

/* CMPXCHG8B, and CMPXCHG16B with REX.W (#GP(0) unless 16-byte aligned). ZF only. */
void exec_cmpxchg8b(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_effective_address(cpu, d);
    uint64_t f = cpu_get_rflags(cpu) & FLAGS_ARITH & ~(uint64_t)FLAG_ZF;
    if (d->opsize == 8) {
        if (!cpu_has_feature(cpu, CPUID_CX16)) {
            cpu_raise_ud(cpu);
        }
        if (ea & 15) {
            cpu_raise_gp0(cpu);
        }
        mem_probe_write(cpu, d->seg, ea, 16);
        uint64_t lo = mem_read(cpu, d->seg, ea, 8), hi = mem_read(cpu, d->seg, ea + 8, 8);
        if (lo == cpu->regs[R_AX] && hi == cpu->regs[R_DX]) {
            mem_write(cpu, d->seg, ea, 8, cpu->regs[R_BX]);
            mem_write(cpu, d->seg, ea + 8, 8, cpu->regs[R_CX]);
            flags_store(cpu, f | FLAG_ZF);
        } else {
            mem_write(cpu, d->seg, ea, 8, lo);
            mem_write(cpu, d->seg, ea + 8, 8, hi);
            cpu->regs[R_AX] = lo;
            cpu->regs[R_DX] = hi;
            flags_store(cpu, f);
        }
        return;
    }
    mem_probe_write(cpu, d->seg, ea, 8);
    uint64_t m = mem_read(cpu, d->seg, ea, 8);
    uint64_t cmp = (gpr_read(cpu, R_DX, 4) << 32) | gpr_read(cpu, R_AX, 4);
    if (m == cmp) {
        mem_write(cpu, d->seg, ea, 8, (gpr_read(cpu, R_CX, 4) << 32) | gpr_read(cpu, R_BX, 4));
        flags_store(cpu, f | FLAG_ZF);
    } else {
        mem_write(cpu, d->seg, ea, 8, m);
        gpr_write(cpu, R_AX, 4, m & 0xffffffff);
        gpr_write(cpu, R_DX, 4, m >> 32);
        flags_store(cpu, f);
    }
}

/* The source is read whatever the condition; a 32-bit destination is zero-extended even
 * when the condition is false (SDM Vol. 2A "CMOVcc", 64-bit mode). */
void exec_cmov(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t src = opnd_read(cpu, d, 1);
    unsigned size = d->op[0].size;
    uint64_t v = cpu_test_cond(cpu, d->cond) ? src : gpr_read(cpu, d->op[0].reg, size);
    gpr_write(cpu, d->op[0].reg, size, v);
}

void exec_setcc(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, cpu_test_cond(cpu, d->cond) ? 1 : 0);
}

void exec_xlat(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t ea = (cpu->regs[R_BX] + (cpu->regs[R_AX] & 0xff)) & size_mask(d->addrsize);
    gpr_write(cpu, R_AX, 1, mem_read(cpu, d->seg, ea, 1));
}

void exec_lahf(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t f = cpu_get_rflags(cpu);
    gpr_write(cpu, GPR_AH_BASE, 1, (f & (FLAGS_ARITH & ~(uint64_t)FLAG_OF)) | FLAG_FIXED1);
}

void exec_sahf(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t ah = (cpu->regs[R_AX] >> 8) & 0xff;
    uint64_t f = cpu_get_rflags(cpu) & FLAGS_ARITH;
    uint64_t low = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF;
    flags_store(cpu, (f & ~low) | (ah & low));
}

void exec_movbe(CpuState *cpu, const DecodedInsn *d)
{
    if (!cpu_has_feature(cpu, CPUID_MOVBE)) {
        cpu_raise_ud(cpu);
    }
    unsigned size = d->op[0].size;
    uint64_t v = opnd_read(cpu, d, 1);
    uint64_t r = size == 8 ? __builtin_bswap64(v)
                 : size == 4 ? __builtin_bswap32((uint32_t)v)
                             : __builtin_bswap16((uint16_t)v);
    opnd_write(cpu, d, 0, r);
}

void exec_movnti(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, opnd_read(cpu, d, 1));
}
