/*
 * cpu/exec_x87.h: what the x87 exec functions (cpu/exec_x87_*.c) share: the register stack,
 * the stack-fault and exception bookkeeping, and memory operands in the x87's formats.
 *
 * SDM Vol. 1 chapter 8: §8.1.2 the register stack (ST(i) is physical register TOP + i), §8.1.3
 * the status word (C0-C3, TOP, ES, SF), §8.1.7 the tag word, §8.1.8 the last instruction and
 * data pointers, §8.5 the exceptions: an unmasked invalid operation, denormal operand or divide
 * by zero leaves the destination and TOP unchanged; an unmasked overflow or underflow delivers
 * the bias-adjusted result; any unmasked exception sets ES (and B), reported as #MF by the next
 * waiting instruction (cpu/fpu.c). §8.5.1.1: a stack overflow or underflow is an invalid
 * operation with SF set and C1 telling which (1 overflow, 0 underflow); masked, the operation
 * goes on with the QNaN floating-point indefinite as its value.
 */
#ifndef VIREO_CPU_EXEC_X87_H
#define VIREO_CPU_EXEC_X87_H

#include "cpu/fpu.h"

enum {
    X87_PRE = FLOAT_INVALID | FLOAT_DENORMAL | FLOAT_DIVBYZERO, /* stop the destination write */
    X87_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3,
};

static const Float80 x87_indefinite = { F80_DEFAULT_NAN_SIG, F80_DEFAULT_NAN_EXP };

static inline unsigned x87_phys(const CpuState *cpu, unsigned i)
{
    return (cpu->fpu.top + i) & 7;
}

static inline bool x87_empty(const CpuState *cpu, unsigned i)
{
    return !(cpu->fpu.ftw & (1u << x87_phys(cpu, i)));
}

static inline Float80 x87_get(const CpuState *cpu, unsigned i)
{
    return cpu->fpu.st[x87_phys(cpu, i)];
}

static inline void x87_set(CpuState *cpu, unsigned i, Float80 v)
{
    unsigned p = x87_phys(cpu, i);
    cpu->fpu.st[p] = v;
    cpu->fpu.ftw |= (uint8_t)(1u << p);
}

static inline void x87_free(CpuState *cpu, unsigned i)
{
    cpu->fpu.ftw &= (uint8_t)~(1u << x87_phys(cpu, i));
}

/* Marks ST(0) empty and increments TOP. */
static inline void x87_pop(CpuState *cpu)
{
    x87_free(cpu, 0);
    cpu->fpu.top = (cpu->fpu.top + 1) & 7;
}

static inline void x87_push(CpuState *cpu, Float80 v)
{
    cpu->fpu.top = (cpu->fpu.top - 1) & 7;
    x87_set(cpu, 0, v);
}

static inline void x87_set_cc(CpuState *cpu, uint16_t cc)
{
    cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~X87_CC) | cc);
}

/* The ST(i) index of a LOC_ST operand. */
static inline unsigned x87_reg(const DecodedInsn *d, unsigned i)
{
    return d->op[i].reg;
}

/*
 * The start of every non-control instruction: the checks (#NM, pending #MF), then the last
 * instruction pointer, opcode and (with a memory operand) data pointer of §8.1.8.
 */
void x87_begin(CpuState *cpu, const DecodedInsn *d);

/*
 * Files an operation's exception flags: ORs them into FSW, sets C1 from rounded_up (cleared
 * otherwise), sets ES and B when one is unmasked. Returns whether the result may be written
 * (no unmasked invalid, denormal or divide-by-zero).
 */
bool x87_finish(CpuState *cpu, const FloatEnv *env);

/*
 * Stack underflow (an empty source) and overflow (a push onto a valid register): IE and SF,
 * C1 = overflow. Returns whether the exception is masked, so the caller goes on with the
 * indefinite.
 */
bool x87_stack_fault(CpuState *cpu, bool overflow);

/* A NaN operand outranks a denormal one (SDM Vol. 1 §4.9.2): DE is not reported then. */
static inline void x87_nan_hides_denormal(Float80 a, Float80 b, FloatEnv *env)
{
    if (f80_is_nan(a) || f80_is_nan(b)) {
        env->flags &= (uint8_t)~FLOAT_DENORMAL;
    }
}

/* Is any of ST(0)..ST(n-1) empty? */
bool x87_any_empty(const CpuState *cpu, unsigned n);

/*
 * A floating-point source operand as an 80-bit value: ST(i), or m32fp/m64fp/m80fp converted
 * (with IE for an SNaN and DE for a denormal in env). Integer forms read m16/m32/m64int.
 */
Float80 x87_read_fp(CpuState *cpu, const DecodedInsn *d, unsigned i, FloatEnv *env);
Float80 x87_read_int(CpuState *cpu, const DecodedInsn *d, unsigned i);

/* The QNaN indefinite, in the memory operand's format. */
uint64_t x87_indefinite_bits(unsigned size);

/* Classification of an 80-bit value, the tag word's terms (§8.1.7): 0 valid, 1 zero,
 * 2 special (NaN, infinity, denormal, unsupported). */
unsigned x87_tag_of(Float80 v);

#endif
