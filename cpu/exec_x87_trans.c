/*
 * cpu/exec_x87_trans.c: the x87 transcendental instructions F2XM1, FYL2X, FYL2XP1, FPTAN,
 * FPATAN, FSIN, FCOS and FSINCOS (SDM Vol. 1 §8.3.9, Vol. 2 pages of each instruction: operand
 * ranges, C2 for an argument beyond ±2^63, the 1.0 FPTAN pushes).
 *
 * Their results are the processor's own approximations, not correctly rounded values, so a
 * software model is only as exact as its agreement with the silicon. On an x86 host vireo
 * computes them on the host's x87 with the guest's control word, clearing the host's
 * exception state before it can trap, then files the flags the host reported under the guest's
 * masks (the rule: the host x87 where it gives the exact result). On other hosts these instructions raise
 * #UD until a portable implementation exists.
 */
#include "cpu/exec_x87.h"

#include <string.h>

typedef enum TransOp {
    T_F2XM1, T_FYL2X, T_FYL2XP1, T_FPTAN, T_FPATAN, T_FSIN, T_FCOS, T_FSINCOS
} TransOp;

/* Operands taken from the stack, results left on it, and whether C2 reports an argument out
 * of range (the others leave C0, C2 and C3 alone, as the host does). */
static const struct {
    uint8_t in, out;
    bool sets_c2;
} trans_shape[] = {
    [T_F2XM1] = { 1, 1, false }, [T_FYL2X] = { 2, 1, false }, [T_FYL2XP1] = { 2, 1, false },
    [T_FPTAN] = { 1, 2, true },  [T_FPATAN] = { 2, 1, false }, [T_FSIN] = { 1, 1, true },
    [T_FCOS] = { 1, 1, true },   [T_FSINCOS] = { 1, 2, true },
};

#if defined(__x86_64__) || defined(__i386__)

typedef struct HostRun {
    uint8_t a[10], b[10]; /* ST(0), ST(1) before */
    uint8_t r0[10], r1[10]; /* ST(0), ST(1) after */
    uint16_t fcw, fsw;
    uint8_t env[28];
} HostRun;

#define HOST_X87(insn)                                                                             \
    __asm__ volatile("fnstenv %[env]\n\t"                                                          \
                     "fninit\n\t"                                                                  \
                     "fldcw %[cw]\n\t"                                                             \
                     "fldt %[b]\n\t"                                                               \
                     "fldt %[a]\n\t" insn "\n\t"                                                   \
                     "fnstsw %[sw]\n\t"                                                            \
                     "fnclex\n\t"                                                                  \
                     "fstpt %[r0]\n\t"                                                             \
                     "fstpt %[r1]\n\t"                                                             \
                     "fninit\n\t"                                                                  \
                     "fldenv %[env]"                                                               \
                     : [env] "=m"(h->env), [sw] "=m"(h->fsw), [r0] "=m"(h->r0), [r1] "=m"(h->r1)   \
                     : [cw] "m"(h->fcw), [a] "m"(h->a), [b] "m"(h->b)                               \
                     : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)")

static void host_run(TransOp op, HostRun *h)
{
    switch (op) {
    case T_F2XM1:
        HOST_X87("f2xm1");
        break;
    case T_FYL2X:
        HOST_X87("fyl2x");
        break;
    case T_FYL2XP1:
        HOST_X87("fyl2xp1");
        break;
    case T_FPTAN:
        HOST_X87("fptan");
        break;
    case T_FPATAN:
        HOST_X87("fpatan");
        break;
    case T_FSIN:
        HOST_X87("fsin");
        break;
    case T_FCOS:
        HOST_X87("fcos");
        break;
    case T_FSINCOS:
        HOST_X87("fsincos");
        break;
    }
}

static void put80(uint8_t *p, Float80 v)
{
    memcpy(p, &v.sig, 8);
    memcpy(p + 8, &v.exp, 2);
}

static Float80 get80(const uint8_t *p)
{
    Float80 v;
    memcpy(&v.sig, p, 8);
    memcpy(&v.exp, p + 8, 2);
    return v;
}

static void transcendental(CpuState *cpu, const DecodedInsn *d, TransOp op)
{
    x87_begin(cpu, d);
    unsigned in = trans_shape[op].in, out = trans_shape[op].out;
    if (x87_any_empty(cpu, in) || (out == 2 && !x87_empty(cpu, 7))) {
        bool overflow = !x87_any_empty(cpu, in);
        if (trans_shape[op].sets_c2) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C2;
        }
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
    /* The guest's masks too: an unmasked overflow or underflow gives the bias-adjusted result;
     * FNCLEX right after the instruction keeps the host from trapping. */
    HostRun h = { .fcw = cpu->fpu.fcw };
    put80(h.a, x87_get(cpu, 0));
    put80(h.b, x87_get(cpu, 1));
    host_run(op, &h);
    FloatEnv env = x87_env(cpu);
    env.flags = (uint8_t)(h.fsw & FSW_FLAGS);
    env.rounded_up = (h.fsw & FSW_C1) != 0;
    bool out_of_range = trans_shape[op].sets_c2 && (h.fsw & FSW_C2) != 0;
    if (trans_shape[op].sets_c2) {
        cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~FSW_C2) | (out_of_range ? FSW_C2 : 0));
    }
    if (!x87_finish(cpu, &env)) {
        return;
    }
    if (out_of_range) {
        return;
    }
    if (in == 2) {
        x87_pop(cpu);
        x87_set(cpu, 0, get80(h.r0));
    } else if (out == 2) {
        x87_set(cpu, 0, get80(h.r1));
        x87_push(cpu, get80(h.r0));
    } else {
        x87_set(cpu, 0, get80(h.r0));
    }
}

#else

static void transcendental(CpuState *cpu, const DecodedInsn *d, TransOp op)
{
    (void)trans_shape[op];
    x87_begin(cpu, d);
    exec_unimplemented(cpu, d);
}

#endif

#define TRANS(suffix, op)                                                                          \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        transcendental(cpu, d, op);                                                                \
    }
TRANS(f2xm1, T_F2XM1)
TRANS(fyl2x, T_FYL2X)
TRANS(fyl2xp1, T_FYL2XP1)
TRANS(fptan, T_FPTAN)
TRANS(fpatan, T_FPATAN)
TRANS(fsin, T_FSIN)
TRANS(fcos, T_FCOS)
TRANS(fsincos, T_FSINCOS)
