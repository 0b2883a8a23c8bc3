/*
 * cpu/exec_x87_trans.c: the x87 transcendental instructions F2XM1, FYL2X, FYL2XP1, FPTAN,
 * FPATAN, FSIN, FCOS and FSINCOS (SDM Vol. 1 §8.3.9, Vol. 2 pages of each instruction: operand
 * ranges, C2 for an argument beyond ±2^63, the 1.0 FPTAN pushes).
 *
 * Their results are the processor's own approximations, not correctly rounded values, so a
 * model is only as exact as its agreement with the silicon. On an x86 host vireo computes them
 * on the host's x87 (the rule: the host x87 where it gives the exact result); on any
 * other host, or with VIREO_X87_PORTABLE_TRANS, through the portable implementation, whose
 * results lie within an ulp of the processor's (tests/unit/test_x87_trans.c). Stack faults,
 * C2 and the stack itself are handled here, the same for both.
 */
#include "cpu/exec_x87.h"
#include "cpu/x87_trans.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(VIREO_X87_PORTABLE_TRANS)
#define x87_trans_compute x87_trans_host
#else
#define x87_trans_compute x87_trans_portable
#endif

static void transcendental(CpuState *cpu, const DecodedInsn *d, X87Trans op)
{
    x87_begin(cpu, d);
    const X87TransShape *shape = &x87_trans_shape[op];
    unsigned in = shape->in, out = shape->out;
    if (shape->sets_c2) {
        cpu->fpu.fsw &= (uint16_t)~FSW_C2;
    }
    if (x87_any_empty(cpu, in) || (out == 2 && !x87_empty(cpu, 7))) {
        bool overflow = !x87_any_empty(cpu, in);
        if (x87_stack_fault(cpu, overflow)) {
            x87_set(cpu, in - 1, x87_indefinite);
            if (in == 2) {
                x87_pop(cpu);
            } else if (out == 2) {
                x87_push(cpu, x87_indefinite);
            }
        }
        return;
    }
    Float80 res[2];
    FloatEnv env;
    bool in_range = x87_trans_compute(op, x87_get(cpu, 0), x87_get(cpu, 1), cpu->fpu.fcw, res,
                                      &env);
    if (!in_range) {
        cpu->fpu.fsw |= FSW_C2;
    }
    if (!x87_finish(cpu, &env) || !in_range) {
        return;
    }
    if (in == 2) {
        x87_pop(cpu);
        x87_set(cpu, 0, res[0]);
    } else if (out == 2) {
        x87_set(cpu, 0, res[1]);
        x87_push(cpu, res[0]);
    } else {
        x87_set(cpu, 0, res[0]);
    }
}

#define TRANS(suffix, op)                                                                          \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        transcendental(cpu, d, op);                                                                \
    }
TRANS(f2xm1, X87_F2XM1)
TRANS(fyl2x, X87_FYL2X)
TRANS(fyl2xp1, X87_FYL2XP1)
TRANS(fptan, X87_FPTAN)
TRANS(fpatan, X87_FPATAN)
TRANS(fsin, X87_FSIN)
TRANS(fcos, X87_FCOS)
TRANS(fsincos, X87_FSINCOS)
