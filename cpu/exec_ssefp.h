/*
 * cpu/exec_ssefp.h: what the SSE floating-point exec functions (cpu/exec_ssefp_*.c) share:
 * the exception bookkeeping of a packed operation and the common shapes of its operands.
 *
 * SDM Vol. 1 §11.5.1: for a packed (or scalar) instruction the processor first checks every
 * element for the pre-computation exceptions (invalid, denormal, divide by zero). If any of
 * those is unmasked, it raises #XM having set only the pre-computation flags (of all elements);
 * otherwise it computes, then sets the post-computation flags (overflow, underflow, precision)
 * of all elements together with the pre-computation ones, and raises #XM if one is unmasked.
 * In both cases the destination is unchanged. tests/unit/test_ssefp.c checks this on the host.
 */
#ifndef VIREO_CPU_EXEC_SSEFP_H
#define VIREO_CPU_EXEC_SSEFP_H

#include "cpu/fpu.h"

enum {
    SSEFP_PRE = FLOAT_INVALID | FLOAT_DENORMAL | FLOAT_DIVBYZERO,
    SSEFP_POST = FLOAT_OVERFLOW | FLOAT_UNDERFLOW | FLOAT_INEXACT,
};

typedef struct SseFp {
    FloatEnv env;      /* the environment of the element being computed; flags per element */
    uint8_t pre;       /* pre-computation flags of all elements so far */
    uint8_t post;      /* post-computation flags of all elements so far */
    uint8_t committed; /* flags of the finished stages of a multi-stage instruction (DPPS) */
} SseFp;

static inline SseFp ssefp_begin(const CpuState *cpu)
{
    return (SseFp){.env = sse_env(cpu)};
}

/* Ends one element (or one operation of a multi-step element): files its flags. */
static inline void ssefp_next(SseFp *s)
{
    s->pre |= s->env.flags & SSEFP_PRE;
    s->post |= s->env.flags & SSEFP_POST;
    s->env.flags = 0;
}

/*
 * Ends a stage of an instruction computed in steps (DPPS, DPPD: the products, then the sums):
 * the stage's flags become final by the rule above, and an unmasked one raises #XM before the
 * next stage runs (as the host shows).
 */
void ssefp_end_stage(CpuState *cpu, SseFp *s);

/* Sets MXCSR's flags and raises #XM (or #UD) for an unmasked one; returns when the caller may
 * write its destination. */
void ssefp_finish(CpuState *cpu, SseFp *s);

/* Forms with an MMX operand (CVTPI2PS and the like): the checks first, the x87-to-MMX
 * transition after the destination is written; both only for an MMX register operand. */
void ssefp_check_mmx_form(CpuState *cpu, const DecodedInsn *d);
void ssefp_end_mmx_form(CpuState *cpu, const DecodedInsn *d);

#endif
