/*
 * cpu/x87_trans.c: the x87 transcendentals behind cpu/x87_trans.h. The host form runs the
 * instruction itself on the host's x87 with the guest's control word, clearing the host's
 * exception state before it can trap; the portable form calls cpu/softfloat_trans.c and
 * arranges its results as the instruction leaves them on the stack (SDM Vol. 2: FPTAN pushes
 * 1.0, FSINCOS leaves the cosine on top; the one-result forms with two operands pop).
 */
#include "cpu/x87_trans.h"

#include <string.h>

const X87TransShape x87_trans_shape[X87_TRANS_COUNT] = {
    [X87_F2XM1] = { 1, 1, false }, [X87_FYL2X] = { 2, 1, false }, [X87_FYL2XP1] = { 2, 1, false },
    [X87_FPTAN] = { 1, 2, true },  [X87_FPATAN] = { 2, 1, false }, [X87_FSIN] = { 1, 1, true },
    [X87_FCOS] = { 1, 1, true },   [X87_FSINCOS] = { 1, 2, true },
};

bool x87_trans_portable(X87Trans op, Float80 st0, Float80 st1, uint16_t fcw, Float80 out[2],
                        FloatEnv *env)
{
    *env = float_env_x87(fcw);
    switch (op) {
    case X87_F2XM1:
        out[0] = f80_2xm1(st0, env);
        return true;
    case X87_FYL2X:
        out[0] = f80_yl2x(st1, st0, env);
        return true;
    case X87_FYL2XP1:
        out[0] = f80_yl2xp1(st1, st0, env);
        return true;
    case X87_FPATAN:
        out[0] = f80_atan2(st1, st0, env);
        return true;
    case X87_FPTAN:
        return f80_tan(st0, &out[1], &out[0], env);
    case X87_FSIN:
        return f80_sincos(st0, &out[0], NULL, env);
    case X87_FCOS:
        return f80_sincos(st0, NULL, &out[0], env);
    case X87_FSINCOS:
        return f80_sincos(st0, &out[1], &out[0], env);
    case X87_TRANS_COUNT:
        break;
    }
    return false;
}

#if defined(__x86_64__) || defined(__i386__)

typedef struct HostRun {
    uint8_t a[10], b[10];   /* ST(0), ST(1) before */
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

static void host_run(X87Trans op, HostRun *h)
{
    switch (op) {
    case X87_F2XM1:
        HOST_X87("f2xm1");
        break;
    case X87_FYL2X:
        HOST_X87("fyl2x");
        break;
    case X87_FYL2XP1:
        HOST_X87("fyl2xp1");
        break;
    case X87_FPTAN:
        HOST_X87("fptan");
        break;
    case X87_FPATAN:
        HOST_X87("fpatan");
        break;
    case X87_FSIN:
        HOST_X87("fsin");
        break;
    case X87_FCOS:
        HOST_X87("fcos");
        break;
    case X87_FSINCOS:
        HOST_X87("fsincos");
        break;
    case X87_TRANS_COUNT:
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

enum { HOST_FSW_C1 = 1u << 9, HOST_FSW_C2 = 1u << 10 };

bool x87_trans_host(X87Trans op, Float80 st0, Float80 st1, uint16_t fcw, Float80 out[2],
                    FloatEnv *env)
{
    HostRun h = { .fcw = fcw };
    put80(h.a, st0);
    put80(h.b, st1);
    host_run(op, &h);
    *env = float_env_x87(fcw);
    env->flags = (uint8_t)(h.fsw & 0x3f);
    env->rounded_up = (h.fsw & HOST_FSW_C1) != 0;
    if (x87_trans_shape[op].sets_c2 && (h.fsw & HOST_FSW_C2)) {
        return false;
    }
    out[0] = get80(h.r0);
    if (x87_trans_shape[op].out == 2) {
        out[1] = get80(h.r1);
    }
    return true;
}

#endif
