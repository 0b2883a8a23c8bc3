/*
 * cpu/softfloat_round.c: the encodings of the three x86 binary formats (SDM Vol. 1 §4.2.2,
 * §4.8.2, §4.8.3 table 4-3; f80 unsupported encodings §8.2.2), unpacking, NaN propagation
 * (§4.8.3.5 table 4-7, §4.8.3.7 the QNaN floating-point indefinite) and the one rounding
 * routine used by every operation (§4.8.4 rounding, §4.9.1.4-4.9.1.6 overflow, underflow,
 * inexact; §8.5.4-8.5.5 the x87's unmasked responses; §10.2.3.3-4 FTZ).
 *
 * Tininess is detected after rounding, as x86 does (checked against the host in
 * tests/unit/test_softfloat.c): a result is tiny when rounding it to the target precision with
 * an unbounded exponent gives a magnitude below the smallest normal.
 */
#include "cpu/softfloat_internal.h"

const FloatFormat float_format_f32 = {0xff, 127, 24, false, 192};
const FloatFormat float_format_f64 = {0x7ff, 1023, 53, false, 1536};
const FloatFormat float_format_f80 = {0x7fff, 16383, 64, true, 24576};

FloatRaw float_raw_f32(Float32 a)
{
    uint32_t e = (a >> 23) & 0xff;
    return (FloatRaw){a >> 31, e, (a & 0x7fffffu) | (e ? 1u << 23 : 0)};
}

FloatRaw float_raw_f64(Float64 a)
{
    uint32_t e = (a >> 52) & 0x7ff;
    return (FloatRaw){a >> 63, e, (a & 0xfffffffffffffull) | (e ? 1ull << 52 : 0)};
}

FloatRaw float_raw_f80(Float80 a)
{
    return (FloatRaw){a.exp >> 15, a.exp & 0x7fffu, a.sig};
}

Float32 float_pack_f32(FloatRaw r)
{
    return ((uint32_t)r.sign << 31) | (r.exp << 23) | ((uint32_t)r.sig & 0x7fffffu);
}

Float64 float_pack_f64(FloatRaw r)
{
    return ((uint64_t)r.sign << 63) | ((uint64_t)r.exp << 52) | (r.sig & 0xfffffffffffffull);
}

Float80 float_pack_f80(FloatRaw r)
{
    return (Float80){r.sig, (uint16_t)(((unsigned)r.sign << 15) | r.exp)};
}

FloatRaw float_zero(bool sign)
{
    return (FloatRaw){sign, 0, 0};
}

FloatRaw float_inf(const FloatFormat *f, bool sign)
{
    return (FloatRaw){sign, (uint32_t)f->exp_max, 1ull << (f->sig_bits - 1)};
}

FloatRaw float_default_nan(const FloatFormat *f)
{
    return (FloatRaw){true, (uint32_t)f->exp_max, 3ull << (f->sig_bits - 2)};
}

FloatRaw float_quiet(const FloatFormat *f, FloatRaw r)
{
    r.sig |= 1ull << (f->sig_bits - 2);
    return r;
}

Unpacked float_unpack(const FloatFormat *f, FloatRaw r, const FloatEnv *env)
{
    Unpacked u = {.sign = r.sign, .raw = r};
    uint64_t int_bit = 1ull << (f->sig_bits - 1);
    uint64_t frac = r.sig & (int_bit - 1);
    bool has_int = (r.sig & int_bit) != 0;

    if ((int32_t)r.exp == f->exp_max) {
        if (f->explicit_int && !has_int) {
            u.cls = FC_SNAN;
            u.unsupported = true;
        } else if (frac == 0) {
            u.cls = FC_INF;
        } else {
            u.cls = (frac >> (f->sig_bits - 2)) ? FC_QNAN : FC_SNAN;
        }
        return u;
    }
    if (r.exp != 0 && f->explicit_int && !has_int) {
        u.cls = FC_SNAN;
        u.unsupported = true;
        return u;
    }
    if (r.sig == 0) {
        u.cls = FC_ZERO;
        return u;
    }
    if (r.exp == 0) {
        if (env->daz && !f->explicit_int) {
            u.cls = FC_ZERO;
            return u;
        }
        u.denormal = true;
    }
    u.cls = FC_FINITE;
    u.exp = r.exp ? (int32_t)r.exp : 1;
    u.sig = u128_shl(u128(r.sig, 0), 64 - f->sig_bits);
    unsigned n = u128_clz(u.sig);
    u.sig = u128_shl(u.sig, n);
    u.exp -= (int32_t)n;
    return u;
}

static bool is_nan_class(const Unpacked *u)
{
    return u->cls == FC_QNAN || u->cls == FC_SNAN;
}

/* The x87's choice between two NaNs (table 4-7): a QNaN over an SNaN, else the larger
 * significand; equal significands give the positive one... as the host shows (see tests). */
static const Unpacked *x87_pick_nan(const Unpacked *a, const Unpacked *b)
{
    if (a->cls != b->cls) {
        return a->cls == FC_QNAN ? a : b;
    }
    uint64_t qa = a->raw.sig, qb = b->raw.sig;
    if (qa != qb) {
        return qa > qb ? a : b;
    }
    return a->sign ? b : a;
}

FloatRaw float_nan_result(const FloatFormat *f, const Unpacked *a, const Unpacked *b, FloatEnv *env)
{
    bool a_nan = is_nan_class(a), b_nan = b && is_nan_class(b);
    if (a->cls == FC_SNAN || (b && b->cls == FC_SNAN)) {
        env->flags |= FLOAT_INVALID;
    }
    if (a->unsupported || (b && b->unsupported)) {
        return float_default_nan(f);
    }
    const Unpacked *pick;
    if (a_nan && b_nan) {
        pick = env->nan_rule == FLOAT_NAN_SSE ? a : x87_pick_nan(a, b);
    } else if (a_nan || b_nan) {
        pick = a_nan ? a : b;
    } else {
        return a->raw;
    }
    return float_quiet(f, pick->raw);
}

/* Whether rounding sig at `drop` low bits increments it. */
static bool round_increments(U128 sig, unsigned drop, bool sign, unsigned mode)
{
    U128 rem = u128_sub(sig, u128_shl(u128_shr(sig, drop), drop));
    if (u128_is_zero(rem)) {
        return false;
    }
    switch (mode) {
    case FLOAT_ROUND_NEAREST: {
        int c = u128_cmp(rem, u128_shl(u128(0, 1), drop - 1));
        return c > 0 || (c == 0 && (u128_shr(sig, drop).lo & 1));
    }
    case FLOAT_ROUND_DOWN:
        return sign;
    case FLOAT_ROUND_UP:
        return !sign;
    default:
        return false;
    }
}

/* Whether rounding the normalized sig at `drop` bits carries out of bit 127. */
static bool carries_out(U128 sig, unsigned drop, bool sign, unsigned mode)
{
    if (!round_increments(sig, drop, sign, mode)) {
        return false;
    }
    U128 t = u128_shl(u128_shr(sig, drop), drop);
    return u128_cmp(u128_add(t, u128_shl(u128(0, 1), drop)), t) < 0;
}

/* The largest finite value of the precision, or infinity, per rounding direction (§4.9.1.4
 * table 4-10). */
static FloatRaw overflow_result(const FloatFormat *f, bool sign, unsigned prec, FloatEnv *env)
{
    bool to_inf = env->round == FLOAT_ROUND_NEAREST || (env->round == FLOAT_ROUND_UP && !sign) ||
                  (env->round == FLOAT_ROUND_DOWN && sign);
    env->rounded_up = to_inf;
    if (to_inf) {
        return float_inf(f, sign);
    }
    uint64_t ones = ~0ull << (64 - prec) >> (64 - f->sig_bits);
    return (FloatRaw){sign, (uint32_t)(f->exp_max - 1), ones};
}

FloatRaw float_round_pack(const FloatFormat *f, bool sign, int32_t exp, U128 sig, FloatEnv *env)
{
    env->rounded_up = false;
    if (u128_is_zero(sig)) {
        return float_zero(sign);
    }
    unsigned n = u128_clz(sig);
    sig = u128_shl(sig, n);
    /* Exponents far outside every format's range (FSCALE can make them) behave alike: clamp
     * them so the arithmetic below cannot overflow. */
    int64_t e64 = (int64_t)exp - n;
    exp = (int32_t)(e64 < -(1 << 20) ? -(1 << 20) : e64 > (1 << 20) ? (1 << 20) : e64);

    unsigned prec = f->explicit_int ? env->precision : f->sig_bits;
    unsigned drop = 128 - prec;
    bool ue_masked = (env->masks & FLOAT_UNDERFLOW) != 0;
    bool tiny = false;
    bool denormal = false;
    bool silent_inexact = false;

    if (exp < 1) {
        tiny = !(exp == 0 && carries_out(sig, drop, sign, env->round));
        if (tiny && ue_masked && env->ftz) {
            env->flags |= FLOAT_UNDERFLOW | FLOAT_INEXACT;
            return float_zero(sign);
        }
        if (tiny && !ue_masked) {
            /* Unmasked: the x87 delivers the bias-adjusted result; SSE traps, and its PE
             * reflects this same rounding (checked on the host). When even the adjusted
             * exponent is too small, PE reflects the rounding to the precision alone and the
             * value returned is denormalized. */
            exp += f->bias_adjust;
            env->flags |= FLOAT_UNDERFLOW;
            tiny = false;
            if (exp < 1) {
                if (u128_cmp(u128_shl(u128_shr(sig, drop), drop), sig) != 0) {
                    env->flags |= FLOAT_INEXACT;
                }
                silent_inexact = true;
            }
        }
        if (exp < 1) {
            sig = u128_shr_jam(sig, (uint32_t)(1 - exp));
            exp = 1;
            denormal = true;
        }
    }

    bool inc = round_increments(sig, drop, sign, env->round);
    bool inexact = !u128_is_zero(u128_sub(sig, u128_shl(u128_shr(sig, drop), drop)));
    sig = u128_shl(u128_shr(sig, drop), drop);
    if (inc) {
        U128 sum = u128_add(sig, u128_shl(u128(0, 1), drop));
        if (u128_cmp(sum, sig) < 0) {
            sum = u128(1ull << 63, 0);
            exp++;
        }
        sig = sum;
    }
    if (inexact && !silent_inexact) {
        env->flags |= FLOAT_INEXACT;
    }
    if (tiny && inexact) {
        env->flags |= FLOAT_UNDERFLOW;
    }

    if (exp >= f->exp_max) {
        env->flags |= FLOAT_OVERFLOW;
        bool oe_masked = (env->masks & FLOAT_OVERFLOW) != 0;
        if (!oe_masked) {
            exp -= f->bias_adjust;
        }
        if (exp >= f->exp_max) {
            if (oe_masked) {
                env->flags |= FLOAT_INEXACT;
            }
            return overflow_result(f, sign, prec, env);
        }
    }
    env->rounded_up = inc;
    uint64_t sig64 = sig.hi >> (64 - f->sig_bits);
    if (denormal && !(sig.hi >> 63)) {
        exp = 0;
    }
    return (FloatRaw){sign, (uint32_t)exp, sig64};
}

bool f32_is_nan(Float32 a)
{
    return (a & 0x7fffffffu) > 0x7f800000u;
}

bool f32_is_snan(Float32 a)
{
    return f32_is_nan(a) && !(a & 0x400000u);
}

bool f64_is_nan(Float64 a)
{
    return (a & ~(1ull << 63)) > 0x7ff0000000000000ull;
}

bool f64_is_snan(Float64 a)
{
    return f64_is_nan(a) && !(a & (1ull << 51));
}

bool f80_is_nan(Float80 a)
{
    return (a.exp & 0x7fff) == 0x7fff && (a.sig >> 63) && (a.sig << 1) != 0;
}

bool f80_is_snan(Float80 a)
{
    return f80_is_nan(a) && !(a.sig & (1ull << 62));
}

bool f80_is_unsupported(Float80 a)
{
    return (a.exp & 0x7fff) != 0 && !(a.sig >> 63);
}

Float80 f80_round_pack(bool sign, int32_t exp, uint64_t sig_hi, uint64_t sig_lo, FloatEnv *env)
{
    return float_pack_f80(
        float_round_pack(&float_format_f80, sign, exp, u128(sig_hi, sig_lo), env));
}

Float80 f80_propagate_nan(Float80 a, const Float80 *b, FloatEnv *env)
{
    Unpacked ua = float_unpack(&float_format_f80, float_raw_f80(a), env);
    if (!b) {
        return float_pack_f80(float_nan_result(&float_format_f80, &ua, NULL, env));
    }
    Unpacked ub = float_unpack(&float_format_f80, float_raw_f80(*b), env);
    return float_pack_f80(float_nan_result(&float_format_f80, &ua, &ub, env));
}
