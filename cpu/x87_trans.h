/*
 * cpu/x87_trans.h: one x87 transcendental instruction as a function of ST(0) and ST(1), in two
 * implementations with the same contract: the host's x87 (x86 hosts only) and the portable one
 * over cpu/softfloat_trans.c. exec_x87_trans.c runs the instruction around one of them (stack
 * checks, C2, pops and pushes); tests/unit/test_x87_trans.c holds them against each other.
 */
#ifndef VIREO_CPU_X87_TRANS_H
#define VIREO_CPU_X87_TRANS_H

#include <stdbool.h>

#include "cpu/softfloat.h"

typedef enum X87Trans {
    X87_F2XM1, X87_FYL2X, X87_FYL2XP1, X87_FPTAN, X87_FPATAN, X87_FSIN, X87_FCOS, X87_FSINCOS,
    X87_TRANS_COUNT
} X87Trans;

/* Operands taken from the stack, results left on it (2: ST(0) and ST(1)), and whether C2
 * reports an operand out of range. */
typedef struct X87TransShape {
    uint8_t in, out;
    bool sets_c2;
} X87TransShape;

extern const X87TransShape x87_trans_shape[X87_TRANS_COUNT];

/*
 * Computes `op` on st0 and st1 (both valid registers) under control word fcw, every exception
 * masked or not as fcw says but never trapping: fills out[0] (the new ST(0)) and, for the two
 * results of FPTAN and FSINCOS, out[1] (the new ST(1)); env->flags and env->rounded_up get the
 * exception flags and C1. Returns false for an operand out of range (C2 = 1), outputs untouched.
 */
typedef bool X87TransFn(X87Trans op, Float80 st0, Float80 st1, uint16_t fcw, Float80 out[2],
                        FloatEnv *env);

X87TransFn x87_trans_portable;
#if defined(__x86_64__) || defined(__i386__)
X87TransFn x87_trans_host;
#endif

#endif
