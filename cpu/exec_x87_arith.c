/*
 * cpu/exec_x87_arith.c: x87 arithmetic and comparison: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in all
 * their forms (ST(0) with ST(i) or memory, ST(i) with ST(0), popping, integer memory),
 * FCOM/FUCOM/FICOM/FCOMI/FUCOMI and their popping forms, FTST, FXAM, FCHS, FABS, FSQRT,
 * FRNDINT, FSCALE, FXTRACT, FPREM and FPREM1, on cpu/softfloat's 80-bit arithmetic.
 *
 * SDM Vol. 1 §8.3.5-§8.3.7 (arithmetic, comparison and classification, condition codes of
 * table 8-6 and 8-7), §8.3.10 (FPREM, FSCALE, FXTRACT); Vol. 2 pages of each instruction for
 * its special cases and condition codes.
 */
#include "cpu/exec_x87.h"

typedef enum X87Op { OP_ADD, OP_MUL, OP_SUB, OP_SUBR, OP_DIV, OP_DIVR } X87Op;

static Float80 compute(X87Op op, Float80 a, Float80 b, FloatEnv *env)
{
    switch (op) {
    case OP_ADD:
        return f80_add(a, b, env);
    case OP_MUL:
        return f80_mul(a, b, env);
    case OP_SUB:
        return f80_sub(a, b, env);
    case OP_SUBR:
        return f80_sub(b, a, env);
    case OP_DIV:
        return f80_div(a, b, env);
    default:
        return f80_div(b, a, env);
    }
}

/* op[0] (ST(0) or ST(i)) = op[0] op op[1] (ST(i), ST(0), or memory of the form's type). */
static void arith(CpuState *cpu, const DecodedInsn *d, X87Op op, bool integer, bool pop)
{
    x87_begin(cpu, d);
    FloatEnv env = x87_env(cpu);
    unsigned dst = x87_reg(d, 0);
    bool mem = d->op[1].loc == LOC_MEM;
    Float80 b = { 0, 0 };
    if (mem) {
        b = integer ? x87_read_int(cpu, d, 1) : x87_read_fp(cpu, d, 1, &env);
    }
    if (x87_empty(cpu, dst) || (!mem && x87_empty(cpu, x87_reg(d, 1)))) {
        if (x87_stack_fault(cpu, false)) {
            x87_set(cpu, dst, x87_indefinite);
            if (pop) {
                x87_pop(cpu);
            }
        }
        return;
    }
    if (!mem) {
        b = x87_get(cpu, x87_reg(d, 1));
    }
    Float80 a = x87_get(cpu, dst);
    Float80 r = compute(op, a, b, &env);
    x87_nan_hides_denormal(a, b, &env);
    if (x87_finish(cpu, &env)) {
        x87_set(cpu, dst, r);
        if (pop) {
            x87_pop(cpu);
        }
    }
}

#define ARITH(suffix, op)                                                                          \
    void exec_f##suffix(CpuState *cpu, const DecodedInsn *d)                                       \
    {                                                                                              \
        arith(cpu, d, op, false, false);                                                           \
    }                                                                                              \
    void exec_f##suffix##p(CpuState *cpu, const DecodedInsn *d)                                    \
    {                                                                                              \
        arith(cpu, d, op, false, true);                                                            \
    }                                                                                              \
    void exec_fi##suffix(CpuState *cpu, const DecodedInsn *d)                                      \
    {                                                                                              \
        arith(cpu, d, op, true, false);                                                            \
    }
ARITH(add, OP_ADD)
ARITH(mul, OP_MUL)
ARITH(sub, OP_SUB)
ARITH(subr, OP_SUBR)
ARITH(div, OP_DIV)
ARITH(divr, OP_DIVR)

/* Condition codes of FCOM and FTST (table 8-6) and the EFLAGS of FCOMI (Vol. 2 FCOMI). */
static const uint16_t compare_cc[4] = {
    [FLOAT_LESS] = FSW_C0,
    [FLOAT_EQUAL] = FSW_C3,
    [FLOAT_GREATER] = 0,
    [FLOAT_UNORDERED] = FSW_C0 | FSW_C2 | FSW_C3,
};
static const uint8_t compare_eflags[4] = {
    [FLOAT_LESS] = FLAG_CF,
    [FLOAT_EQUAL] = FLAG_ZF,
    [FLOAT_GREATER] = 0,
    [FLOAT_UNORDERED] = FLAG_ZF | FLAG_PF | FLAG_CF,
};

typedef enum CompareKind { CMP_FP, CMP_INT, CMP_ZERO } CompareKind;

/*
 * ST(0) against op[1] (ST(i) or memory), ST(1) without op[1], or +0.0 (FTST). The result goes
 * to C3 C2 C0, or to ZF PF CF (with OF SF AF cleared) for FCOMI. An unordered result with an
 * unmasked invalid operation leaves the codes and the stack unchanged.
 */
static void compare(CpuState *cpu, const DecodedInsn *d, CompareKind kind, bool quiet,
                    unsigned pops, bool eflags)
{
    x87_begin(cpu, d);
    FloatEnv env = x87_env(cpu);
    bool mem = d->nops > 1 && d->op[1].loc == LOC_MEM;
    unsigned src = d->nops > 1 && !mem ? x87_reg(d, 1) : 1;
    Float80 b = { 0, 0 };
    if (mem) {
        b = kind == CMP_INT ? x87_read_int(cpu, d, 1) : x87_read_fp(cpu, d, 1, &env);
    }
    FloatRelation rel = FLOAT_UNORDERED;
    uint16_t c1 = cpu->fpu.fsw & FSW_C1;
    bool empty = x87_empty(cpu, 0) || (!mem && kind != CMP_ZERO && x87_empty(cpu, src));
    bool done;
    if (empty) {
        done = x87_stack_fault(cpu, false);
    } else {
        if (!mem && kind != CMP_ZERO) {
            b = x87_get(cpu, src);
        }
        Float80 a = x87_get(cpu, 0);
        rel = f80_compare(a, b, quiet, &env);
        x87_nan_hides_denormal(a, b, &env);
        done = x87_finish(cpu, &env);
    }
    /* The result is reported even when an unmasked invalid operation stops the pops (as the
     * host shows); FCOMI leaves C1 alone. */
    if (eflags) {
        flags_store(cpu, compare_eflags[rel]);
        if (!empty) {
            cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~FSW_C1) | c1);
        }
    } else {
        x87_set_cc(cpu, (uint16_t)((cpu->fpu.fsw & FSW_C1) | compare_cc[rel]));
    }
    for (unsigned i = 0; done && i < pops; i++) {
        x87_pop(cpu);
    }
}

#define COMPARE(suffix, kind, quiet, pops, eflags)                                                 \
    void exec_f##suffix(CpuState *cpu, const DecodedInsn *d)                                       \
    {                                                                                              \
        compare(cpu, d, kind, quiet, pops, eflags);                                                \
    }
COMPARE(com, CMP_FP, false, 0, false)
COMPARE(comp, CMP_FP, false, 1, false)
COMPARE(compp, CMP_FP, false, 2, false)
COMPARE(ucom, CMP_FP, true, 0, false)
COMPARE(ucomp, CMP_FP, true, 1, false)
COMPARE(ucompp, CMP_FP, true, 2, false)
COMPARE(icom, CMP_INT, false, 0, false)
COMPARE(icomp, CMP_INT, false, 1, false)
COMPARE(comi, CMP_FP, false, 0, true)
COMPARE(comip, CMP_FP, false, 1, true)
COMPARE(ucomi, CMP_FP, true, 0, true)
COMPARE(ucomip, CMP_FP, true, 1, true)
COMPARE(tst, CMP_ZERO, false, 0, false)

/* FXAM (Vol. 2 FXAM): C1 is the sign; C3 C2 C0 the class. */
void exec_fxam(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    Float80 v = x87_get(cpu, 0);
    unsigned e = v.exp & 0x7fff;
    bool integer_bit = (v.sig >> 63) != 0;
    uint16_t cc;
    if (x87_empty(cpu, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else if (e == 0) {
        cc = v.sig == 0 ? FSW_C3 : FSW_C3 | FSW_C2;
    } else if (!integer_bit) {
        cc = 0; /* unnormal, pseudo-NaN, pseudo-infinity: unsupported */
    } else if (e == 0x7fff) {
        cc = (v.sig << 1) == 0 ? FSW_C2 | FSW_C0 : FSW_C0;
    } else {
        cc = FSW_C2;
    }
    x87_set_cc(cpu, (uint16_t)(cc | ((v.exp & 0x8000) ? FSW_C1 : 0)));
}

/* A one-operand operation on ST(0). */
static void unary(CpuState *cpu, const DecodedInsn *d, Float80 (*fn)(Float80, FloatEnv *))
{
    x87_begin(cpu, d);
    if (x87_empty(cpu, 0)) {
        if (x87_stack_fault(cpu, false)) {
            x87_set(cpu, 0, x87_indefinite);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    Float80 r = fn(x87_get(cpu, 0), &env);
    if (x87_finish(cpu, &env)) {
        x87_set(cpu, 0, r);
    }
}

static Float80 negate(Float80 a, FloatEnv *env)
{
    (void)env;
    a.exp ^= 0x8000;
    return a;
}

static Float80 absolute(Float80 a, FloatEnv *env)
{
    (void)env;
    a.exp &= 0x7fff;
    return a;
}

static Float80 round_int(Float80 a, FloatEnv *env)
{
    return f80_round_to_int(a, (FloatRound)env->round, true, env);
}

void exec_fchs(CpuState *cpu, const DecodedInsn *d)
{
    unary(cpu, d, negate);
}

void exec_fabs(CpuState *cpu, const DecodedInsn *d)
{
    unary(cpu, d, absolute);
}

void exec_fsqrt(CpuState *cpu, const DecodedInsn *d)
{
    unary(cpu, d, f80_sqrt);
}

void exec_frndint(CpuState *cpu, const DecodedInsn *d)
{
    unary(cpu, d, round_int);
}

/* An 80-bit value's parts: sign, unbiased-by-63 exponent of the integer significand. */
typedef struct Parts {
    bool sign;
    int32_t exp; /* value = sig * 2^(exp - 16383 - 63) */
    uint64_t sig;
} Parts;

/* Normalizes a finite nonzero value (denormals and pseudo-denormals included). */
static Parts parts_of(Float80 a)
{
    Parts p = { (a.exp & 0x8000) != 0, a.exp & 0x7fff, a.sig };
    if (p.exp == 0) {
        p.exp = 1;
    }
    while (!(p.sig >> 63)) {
        p.sig <<= 1;
        p.exp--;
    }
    return p;
}

/* A finite nonzero value through the rounding step: pseudo-denormals come out with exponent 1,
 * and a tiny value meets an unmasked underflow (the host's FPREM returning ST(0) does both). */
static Float80 repack(Float80 a, FloatEnv *env)
{
    Parts p = parts_of(a);
    return f80_round_pack(p.sign, p.exp, p.sig, 0, env);
}

static bool is_zero(Float80 a)
{
    return (a.exp & 0x7fff) == 0 && a.sig == 0;
}

static bool is_inf(Float80 a)
{
    return (a.exp & 0x7fff) == 0x7fff && a.sig == 0x8000000000000000ull;
}

static bool is_denormal(Float80 a)
{
    return (a.exp & 0x7fff) == 0 && a.sig != 0;
}

/*
 * The operations of two operands ST(0) and ST(1) share the NaN and unsupported-operand rules;
 * returns true with *r set when they decide the result.
 */
static bool special_pair(Float80 a, Float80 b, FloatEnv *env, Float80 *r)
{
    if (f80_is_unsupported(a) || f80_is_unsupported(b)) {
        env->flags |= FLOAT_INVALID;
        *r = x87_indefinite;
        return true;
    }
    if (f80_is_nan(a) || f80_is_nan(b)) {
        *r = f80_propagate_nan(a, &b, env);
        return true;
    }
    if (is_denormal(a) || is_denormal(b)) {
        env->flags |= FLOAT_DENORMAL;
    }
    return false;
}

static Float80 signed_inf(bool sign)
{
    return (Float80){ 0x8000000000000000ull, (uint16_t)(0x7fff | (sign ? 0x8000 : 0)) };
}

static Float80 signed_zero(bool sign)
{
    return (Float80){ 0, (uint16_t)(sign ? 0x8000 : 0) };
}

/* FSCALE: ST(0) * 2^n with n = ST(1) truncated toward zero, rounded once. */
static Float80 scale(Float80 a, Float80 b, FloatEnv *env)
{
    Float80 r;
    if (special_pair(a, b, env, &r)) {
        return r;
    }
    bool sa = (a.exp & 0x8000) != 0;
    if (is_inf(b)) {
        bool up = !(b.exp & 0x8000);
        if ((up && is_zero(a)) || (!up && is_inf(a))) {
            env->flags |= FLOAT_INVALID;
            return x87_indefinite;
        }
        return up ? signed_inf(sa) : signed_zero(sa);
    }
    if (is_zero(a) || is_inf(a)) {
        return a;
    }
    int32_t n = 0;
    if (!is_zero(b)) {
        Parts pb = parts_of(b);
        int32_t e = pb.exp - 16383;
        /* Any |n| of 2^20 or more takes every format out of range alike. */
        n = e < 0 ? 0 : e >= 20 ? (1 << 20) : (int32_t)(pb.sig >> (63 - e));
        if (pb.sign) {
            n = -n;
        }
    }
    Parts pa = parts_of(a);
    int32_t e = pa.exp + n;
    /* Beyond what the bias adjustment of an unmasked overflow or underflow can bring back into
     * range, the host delivers infinity or zero, inexact. */
    if (!(env->masks & FLOAT_OVERFLOW) && e - 24576 >= 0x7fff) {
        env->flags |= FLOAT_OVERFLOW | FLOAT_INEXACT;
        env->rounded_up = true;
        return signed_inf(pa.sign);
    }
    if (!(env->masks & FLOAT_UNDERFLOW) && e + 24576 < 1) {
        env->flags |= FLOAT_UNDERFLOW | FLOAT_INEXACT;
        return signed_zero(pa.sign);
    }
    return f80_round_pack(pa.sign, e, pa.sig, 0, env);
}

void exec_fscale(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    if (x87_any_empty(cpu, 2)) {
        if (x87_stack_fault(cpu, false)) {
            x87_set(cpu, 0, x87_indefinite);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    env.precision = 64; /* PC does not apply (host) */
    Float80 r = scale(x87_get(cpu, 0), x87_get(cpu, 1), &env);
    if (x87_finish(cpu, &env)) {
        x87_set(cpu, 0, r);
    }
}

/* FXTRACT: ST(0) becomes its unbiased exponent, then its significand (exponent 0) is pushed. */
void exec_fxtract(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    if (x87_empty(cpu, 0) || !x87_empty(cpu, 7)) {
        if (x87_stack_fault(cpu, !x87_empty(cpu, 0))) {
            x87_set(cpu, 0, x87_indefinite);
            x87_push(cpu, x87_indefinite);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    Float80 a = x87_get(cpu, 0);
    Float80 expo, sig;
    bool sign = (a.exp & 0x8000) != 0;
    if (f80_is_unsupported(a)) {
        env.flags |= FLOAT_INVALID;
        expo = sig = x87_indefinite;
    } else if (f80_is_nan(a)) {
        expo = sig = f80_propagate_nan(a, NULL, &env);
    } else if (is_zero(a)) {
        env.flags |= FLOAT_DIVBYZERO;
        expo = signed_inf(true);
        sig = a;
    } else if (is_inf(a)) {
        expo = signed_inf(false);
        sig = a;
    } else {
        if (is_denormal(a)) {
            env.flags |= FLOAT_DENORMAL;
        }
        Parts p = parts_of(a);
        expo = i64_to_f80(p.exp - 16383);
        sig = (Float80){ p.sig, (uint16_t)(16383 | (sign ? 0x8000 : 0)) };
    }
    if (x87_finish(cpu, &env)) {
        x87_set(cpu, 0, expo);
        x87_push(cpu, sig);
    }
}

/*
 * FPREM (quotient truncated, as fmod) and FPREM1 (quotient rounded to nearest, IEEE
 * remainder). An exponent difference of 64 or more is reduced in steps: each step removes
 * between 32 and 63 (Vol. 2 FPREM: implementation-dependent; here d - N with N = 32 +
 * d mod 32), sets C2 and clears C0 C3 C1; a complete reduction clears C2 and puts the
 * quotient's low three bits in C0 C3 C1. The result is exact, whatever PC says.
 */
static void partial_remainder(CpuState *cpu, const DecodedInsn *d, bool nearest)
{
    x87_begin(cpu, d);
    if (x87_any_empty(cpu, 2)) {
        cpu->fpu.fsw &= (uint16_t)~FSW_C2;
        if (x87_stack_fault(cpu, false)) {
            x87_set(cpu, 0, x87_indefinite);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    env.precision = 64;
    Float80 a = x87_get(cpu, 0), b = x87_get(cpu, 1);
    Float80 r;
    uint16_t cc = cpu->fpu.fsw & (FSW_C0 | FSW_C3);
    if (special_pair(a, b, &env, &r)) {
        /* NaN or unsupported: r set */
    } else if (is_inf(a) || is_zero(b)) {
        env.flags |= FLOAT_INVALID;
        r = x87_indefinite;
    } else if (is_zero(a)) {
        r = a;
        cc = 0;
    } else if (is_inf(b)) {
        r = repack(a, &env);
        cc = 0;
    } else {
        Parts pa = parts_of(a), pb = parts_of(b);
        int32_t diff = pa.exp - pb.exp;
        if (diff >= 64) {
            int32_t n = 32 + diff % 32;
            unsigned __int128 num = (unsigned __int128)pa.sig << n;
            uint64_t rem = (uint64_t)(num % pb.sig);
            r = f80_round_pack(pa.sign, pa.exp - n, rem, 0, &env);
            cc = FSW_C2; /* C0 C1 C3 cleared, as the host does */
        } else if (diff < (nearest ? -1 : 0)) {
            r = repack(a, &env);
            cc = 0;
        } else {
            /* In units of half of b's last place, so that diff = -1 works too. */
            unsigned __int128 num = (unsigned __int128)pa.sig << (diff + 1);
            unsigned __int128 den = (unsigned __int128)pb.sig << 1;
            uint64_t q = (uint64_t)(num / den);
            unsigned __int128 rem = num % den;
            bool sign = pa.sign;
            if (nearest && (2 * rem > den || (2 * rem == den && (q & 1)))) {
                q++;
                rem = den - rem;
                sign = !sign;
            }
            r = f80_round_pack(sign, pb.exp, (uint64_t)(rem >> 1), (uint64_t)rem << 63, &env);
            if (rem == 0) {
                r = signed_zero(pa.sign);
            }
            cc = (uint16_t)(((q & 4) ? FSW_C0 : 0) | ((q & 2) ? FSW_C3 : 0) |
                            ((q & 1) ? FSW_C1 : 0));
        }
    }
    cpu->fpu.fsw &= (uint16_t)~FSW_C2;
    if (x87_finish(cpu, &env)) {
        x87_set(cpu, 0, r);
        x87_set_cc(cpu, cc);
    }
}

void exec_fprem(CpuState *cpu, const DecodedInsn *d)
{
    partial_remainder(cpu, d, false);
}

void exec_fprem1(CpuState *cpu, const DecodedInsn *d)
{
    partial_remainder(cpu, d, true);
}
