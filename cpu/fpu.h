/*
 * cpu/fpu.h: what the x87, MMX and SSE exec functions share (private to cpu/): the checks
 * that decide between executing, #UD, #NM and #MF; operand access for XMM and MMX operands;
 * exception reporting through MXCSR (#XM or #UD).
 *
 * SDM Vol. 3A §2.5 table 2-2 (CR0.EM, MP, TS and the x87/MMX/SSE instructions), §13.1 and
 * §13.4 (CR4.OSFXSR, OSXMMEXCPT), Vol. 1 §8.7 (x87 error reporting: CR0.NE, FERR#, IGNNE#),
 * §9.5-9.6 (MMX and x87 state), §11.5 (SSE exceptions), §11.4.4 / §12.10.2 (16-byte alignment).
 */
#ifndef VIREO_CPU_FPU_H
#define VIREO_CPU_FPU_H

#include "cpu/exec.h"
#include "cpu/softfloat.h"

/* Power-on values (SDM Vol. 3A §9.1.1 table 9-1): FCW 0040H, tags 5555H (all +0.0), MXCSR
 * 1F80H, XMM and ST registers zero. INIT keeps the x87 and SSE state. */
void fpu_reset(CpuState *cpu);

/* FNINIT (SDM Vol. 3A §9.1.1 table 9-1): FCW 037FH, FSW 0, every tag empty, pointers and
 * opcode 0; the register contents stay. */
void fpu_init_x87(CpuState *cpu);

/*
 * x87 instructions: CR0.EM or CR0.TS set is #NM. A waiting instruction (all but FNINIT,
 * FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE and the no-wait forms) then reports a pending
 * unmasked exception (FSW.ES): #MF when CR0.NE = 1, otherwise through FERR# (cpu->ferr).
 */
void fpu_check_x87(CpuState *cpu);
void fpu_check_x87_wait(CpuState *cpu);

/* WAIT/FWAIT: #NM only when CR0.MP and CR0.TS are both set, then a pending exception as above
 * (SDM Vol. 2D "WAIT/FWAIT"). */
void fpu_check_wait(CpuState *cpu);

/*
 * MMX instructions: CR0.EM is #UD, CR0.TS is #NM, a pending x87 exception is #MF (as for a
 * waiting x87 instruction). Then the x87 state enters MMX mode: TOP = 0, all tags valid.
 */
void fpu_check_mmx(CpuState *cpu);

/*
 * SSE instructions: CR0.EM or CR4.OSFXSR clear is #UD, CR0.TS is #NM. (The CPUID feature of
 * the instruction is the model's business: an opcode the model lacks is not in its table.)
 */
void fpu_check_sse(CpuState *cpu);

/*
 * A control word as the x87 loads it (FLDCW, FLDENV, FRSTOR, FXRSTOR, XRSTOR): reserved bits
 * 7 and 13-15 read 0 and bit 6 reads 1 (what the x87 has done since the 80387; checked against
 * the host by tests/unit/test_fpu_state.c).
 */
static inline uint16_t fpu_fcw_loaded(uint16_t v)
{
    return (uint16_t)((v & 0x1f3f) | 0x40);
}

/* The status word with TOP in bits 11-13, as FNSTSW and FXSAVE store it. */
static inline uint16_t fpu_status_word(const CpuState *cpu)
{
    return (uint16_t)((cpu->fpu.fsw & ~(7u << FSW_TOP_SHIFT)) |
                      ((unsigned)cpu->fpu.top << FSW_TOP_SHIFT));
}

/* ES (and B) follow the status word's flags and the control word's masks after a load of
 * either (FLDCW, FLDENV, FRSTOR, FXRSTOR, XRSTOR; SDM Vol. 1 §8.1.3.1). */
void fpu_update_es(CpuState *cpu);

/* Registers. */
static inline XmmReg *fpu_xmm(CpuState *cpu, unsigned reg)
{
    return &cpu->fpu.xmm[reg];
}

/* MMX register i is the significand of physical x87 register i; a write sets its exponent
 * and sign bits to all ones (SDM Vol. 1 §9.5.1). */
static inline uint64_t fpu_mmx_get(const CpuState *cpu, unsigned reg)
{
    return cpu->fpu.st[reg].sig;
}

static inline void fpu_mmx_set(CpuState *cpu, unsigned reg, uint64_t v)
{
    cpu->fpu.st[reg].sig = v;
    cpu->fpu.st[reg].exp = 0xffff;
}

/*
 * XMM operands (V, W, U, XMM0): a register is read whole; a memory operand of d->op[i].size
 * bytes is read into the low bytes and the rest is zero. A 16-byte memory operand must be
 * 16-byte aligned unless the form has OPF_UNALIGNED (#GP(0) otherwise).
 */
void sse_read(CpuState *cpu, const DecodedInsn *d, unsigned i, XmmReg *out);
/* Writes a register whole, or d->op[i].size bytes of memory. */
void sse_write(CpuState *cpu, const DecodedInsn *d, unsigned i, const XmmReg *v);
/* Probes a memory destination for writing (before anything else changes). */
void sse_probe_write(CpuState *cpu, const DecodedInsn *d, unsigned i);

/* MMX operands (P, Q, N): 8 bytes, or d->op[i].size bytes of memory zero-extended. */
uint64_t mmx_read(CpuState *cpu, const DecodedInsn *d, unsigned i);
void mmx_write(CpuState *cpu, const DecodedInsn *d, unsigned i, uint64_t v);

/* The floating-point environment MXCSR describes (round, masks, DAZ, FTZ, SSE NaN rule). */
FloatEnv sse_env(const CpuState *cpu);

/*
 * Ends an SSE floating-point operation: ORs env->flags into MXCSR; if any of them is unmasked,
 * raises #XM (CR4.OSXMMEXCPT = 1) or #UD, so the caller must not have written its destination
 * yet. Returns normally when every raised flag is masked.
 */
void sse_finish(CpuState *cpu, const FloatEnv *env);

/* The x87's environment from FCW (round, precision, masks, x87 NaN rule). */
FloatEnv x87_env(const CpuState *cpu);

#endif
