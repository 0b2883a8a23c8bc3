/*
 * cpu/softfloat_convert.c: comparisons, conversions between the three formats and to and from
 * integers, and rounding to an integral value (SDM Vol. 1 §4.8.3.5 NaN conversions, §4.8.3.7
 * the integer indefinite, §4.9.1.2 invalid conversions; Vol. 2 COMISS/UCOMISS, CVTSS2SD,
 * CVTSD2SS, CVTSI2SS, CVTSS2SI, CVTTSS2SI, ROUNDSS, FCOM/FUCOM, FLD, FST, FIST, FISTTP, FRNDINT).
 *
 * Conversions to an integer report no DE (the SSE and x87 instruction pages list only invalid
 * and precision), and neither do the SSE ROUNDxx forms; FRNDINT does. An f80 operand never
 * reports DE when converted (FST m32/m64 list no #D); a denormal f32/f64 source does (FLD,
 * CVTSS2SD). The host confirms these in tests/unit/test_softfloat*.c.
 */
#include "cpu/softfloat_internal.h"

static bool is_nan(const Unpacked *u)
{
    return u->cls == FC_QNAN || u->cls == FC_SNAN;
}

static FloatRelation compare_raw(const FloatFormat *f, FloatRaw ra, FloatRaw rb, bool quiet,
                                 FloatEnv *env)
{
    Unpacked a = float_unpack(f, ra, env), b = float_unpack(f, rb, env);
    if (is_nan(&a) || is_nan(&b)) {
        if (!quiet || a.cls == FC_SNAN || b.cls == FC_SNAN) {
            env->flags |= FLOAT_INVALID;
        }
        return FLOAT_UNORDERED;
    }
    if (a.denormal || b.denormal) {
        env->flags |= FLOAT_DENORMAL;
    }
    if (a.cls == FC_ZERO && b.cls == FC_ZERO) {
        return FLOAT_EQUAL;
    }
    if (a.sign != b.sign) {
        return a.sign ? FLOAT_LESS : FLOAT_GREATER;
    }
    /* Same sign: order the magnitudes (zero < finite < infinity). */
    int c;
    if (a.cls != b.cls) {
        c = a.cls == FC_ZERO || b.cls == FC_INF ? -1 : 1;
    } else if (a.cls == FC_INF) {
        c = 0;
    } else if (a.exp != b.exp) {
        c = a.exp < b.exp ? -1 : 1;
    } else {
        c = u128_cmp(a.sig, b.sig);
    }
    if (a.sign) {
        c = -c;
    }
    return c < 0 ? FLOAT_LESS : c > 0 ? FLOAT_GREATER : FLOAT_EQUAL;
}

FloatRelation f32_compare(Float32 a, Float32 b, bool quiet, FloatEnv *env)
{
    return compare_raw(&float_format_f32, float_raw_f32(a), float_raw_f32(b), quiet, env);
}

FloatRelation f64_compare(Float64 a, Float64 b, bool quiet, FloatEnv *env)
{
    return compare_raw(&float_format_f64, float_raw_f64(a), float_raw_f64(b), quiet, env);
}

FloatRelation f80_compare(Float80 a, Float80 b, bool quiet, FloatEnv *env)
{
    return compare_raw(&float_format_f80, float_raw_f80(a), float_raw_f80(b), quiet, env);
}

/* Rounds with the full significand of the target: the x87 precision control applies only to
 * the arithmetic instructions (SDM Vol. 1 §8.1.5.2), not to loads, stores or FRNDINT. */
static FloatRaw round_full(const FloatFormat *f, bool sign, int32_t exp, U128 sig, FloatEnv *env)
{
    uint8_t precision = env->precision;
    env->precision = 64;
    FloatRaw r = float_round_pack(f, sign, exp, sig, env);
    env->precision = precision;
    return r;
}

static FloatRaw convert_raw(const FloatFormat *from, const FloatFormat *to, FloatRaw r,
                            FloatEnv *env)
{
    Unpacked u = float_unpack(from, r, env);
    env->rounded_up = false;
    switch (u.cls) {
    case FC_QNAN:
    case FC_SNAN:
        if (u.cls == FC_SNAN) {
            env->flags |= FLOAT_INVALID;
        }
        if (u.unsupported) {
            return float_default_nan(to);
        }
        {
            uint64_t top = r.sig << (64 - from->sig_bits);
            FloatRaw n = {r.sign, (uint32_t)to->exp_max, top >> (64 - to->sig_bits)};
            return float_quiet(to, n);
        }
    case FC_INF:
        return float_inf(to, u.sign);
    case FC_ZERO:
        return float_zero(u.sign);
    default:
        break;
    }
    if (u.denormal && !from->explicit_int) {
        env->flags |= FLOAT_DENORMAL;
    }
    uint8_t before = env->flags;
    FloatRaw out = round_full(to, u.sign, u.exp - from->bias + to->bias, u.sig, env);
    uint8_t raised = env->flags & (uint8_t)~before;
    if (from->explicit_int && (raised & ~env->masks & (FLOAT_OVERFLOW | FLOAT_UNDERFLOW))) {
        /* An x87 store with OE or UE unmasked writes nothing and reports that flag alone:
         * neither PE nor C1 (SDM Vol. 1 §8.5.4-8.5.5; checked on the host). */
        env->flags = before | (raised & (uint8_t)~FLOAT_INEXACT);
        env->rounded_up = false;
    }
    return out;
}

Float64 f32_to_f64(Float32 a, FloatEnv *env)
{
    return float_pack_f64(convert_raw(&float_format_f32, &float_format_f64, float_raw_f32(a), env));
}

Float80 f32_to_f80(Float32 a, FloatEnv *env)
{
    return float_pack_f80(convert_raw(&float_format_f32, &float_format_f80, float_raw_f32(a), env));
}

Float32 f64_to_f32(Float64 a, FloatEnv *env)
{
    return float_pack_f32(convert_raw(&float_format_f64, &float_format_f32, float_raw_f64(a), env));
}

Float80 f64_to_f80(Float64 a, FloatEnv *env)
{
    return float_pack_f80(convert_raw(&float_format_f64, &float_format_f80, float_raw_f64(a), env));
}

Float32 f80_to_f32(Float80 a, FloatEnv *env)
{
    return float_pack_f32(convert_raw(&float_format_f80, &float_format_f32, float_raw_f80(a), env));
}

Float64 f80_to_f64(Float80 a, FloatEnv *env)
{
    return float_pack_f64(convert_raw(&float_format_f80, &float_format_f64, float_raw_f80(a), env));
}

/* |a| as the significand with the exponent that makes the value exact. */
static FloatRaw from_int(const FloatFormat *f, int64_t a, FloatEnv *env)
{
    bool sign = a < 0;
    uint64_t mag = sign ? 0 - (uint64_t)a : (uint64_t)a;
    return round_full(f, sign, f->bias + 63, u128(mag, 0), env);
}

Float32 i32_to_f32(int32_t a, FloatEnv *env)
{
    return float_pack_f32(from_int(&float_format_f32, a, env));
}

Float32 i64_to_f32(int64_t a, FloatEnv *env)
{
    return float_pack_f32(from_int(&float_format_f32, a, env));
}

Float64 i32_to_f64(int32_t a, FloatEnv *env)
{
    return float_pack_f64(from_int(&float_format_f64, a, env));
}

Float64 i64_to_f64(int64_t a, FloatEnv *env)
{
    return float_pack_f64(from_int(&float_format_f64, a, env));
}

Float80 i64_to_f80(int64_t a)
{
    FloatEnv env = float_env_x87(0x037f);
    return float_pack_f80(from_int(&float_format_f80, a, &env));
}

static bool increments(uint64_t integer, uint64_t frac, bool sign, unsigned mode)
{
    if (frac == 0) {
        return false;
    }
    switch (mode) {
    case FLOAT_ROUND_NEAREST:
        return frac > (1ull << 63) || (frac == (1ull << 63) && (integer & 1));
    case FLOAT_ROUND_DOWN:
        return sign;
    case FLOAT_ROUND_UP:
        return !sign;
    default:
        return false;
    }
}

/* Splits a finite unpacked value into its integer magnitude (hi) and a jammed fraction (lo);
 * returns false when the integer part does not fit in 64 bits. */
static bool split_integer(const FloatFormat *f, const Unpacked *u, U128 *parts)
{
    int32_t e = u->exp - f->bias;
    if (e >= 64) {
        return false;
    }
    *parts = u128_shr_jam(u->sig, (uint32_t)(63 - e));
    return true;
}

static int64_t to_int(const FloatFormat *f, FloatRaw r, unsigned bits, bool truncate, FloatEnv *env)
{
    Unpacked u = float_unpack(f, r, env);
    env->rounded_up = false;
    uint64_t limit = 1ull << (bits - 1);
    int64_t indefinite = (int64_t)(0 - limit);
    U128 parts;
    if (u.cls == FC_ZERO) {
        return 0;
    }
    if (u.cls != FC_FINITE || !split_integer(f, &u, &parts)) {
        env->flags |= FLOAT_INVALID;
        return indefinite;
    }
    unsigned mode = truncate ? FLOAT_ROUND_ZERO : env->round;
    uint64_t mag = parts.hi;
    if (increments(parts.hi, parts.lo, u.sign, mode)) {
        if (mag == UINT64_MAX) {
            env->flags |= FLOAT_INVALID;
            return indefinite;
        }
        mag++;
    }
    if (mag > limit - !u.sign) {
        env->flags |= FLOAT_INVALID;
        return indefinite;
    }
    if (parts.lo) {
        env->flags |= FLOAT_INEXACT;
    }
    env->rounded_up = mag != parts.hi;
    return u.sign ? (int64_t)(0 - mag) : (int64_t)mag;
}

int32_t f32_to_i32(Float32 a, bool truncate, FloatEnv *env)
{
    return (int32_t)to_int(&float_format_f32, float_raw_f32(a), 32, truncate, env);
}

int64_t f32_to_i64(Float32 a, bool truncate, FloatEnv *env)
{
    return to_int(&float_format_f32, float_raw_f32(a), 64, truncate, env);
}

int32_t f64_to_i32(Float64 a, bool truncate, FloatEnv *env)
{
    return (int32_t)to_int(&float_format_f64, float_raw_f64(a), 32, truncate, env);
}

int64_t f64_to_i64(Float64 a, bool truncate, FloatEnv *env)
{
    return to_int(&float_format_f64, float_raw_f64(a), 64, truncate, env);
}

int16_t f80_to_i16(Float80 a, bool truncate, FloatEnv *env)
{
    return (int16_t)to_int(&float_format_f80, float_raw_f80(a), 16, truncate, env);
}

int32_t f80_to_i32(Float80 a, bool truncate, FloatEnv *env)
{
    return (int32_t)to_int(&float_format_f80, float_raw_f80(a), 32, truncate, env);
}

int64_t f80_to_i64(Float80 a, bool truncate, FloatEnv *env)
{
    return to_int(&float_format_f80, float_raw_f80(a), 64, truncate, env);
}

static FloatRaw round_to_int_raw(const FloatFormat *f, FloatRaw r, FloatRound round, bool inexact,
                                 FloatEnv *env)
{
    Unpacked u = float_unpack(f, r, env);
    env->rounded_up = false;
    if (is_nan(&u)) {
        return float_nan_result(f, &u, NULL, env);
    }
    if (u.cls == FC_ZERO) {
        return float_zero(u.sign);
    }
    if (u.cls == FC_INF) {
        return r;
    }
    if (u.denormal && f->explicit_int) {
        env->flags |= FLOAT_DENORMAL;
    }
    U128 parts;
    if (!split_integer(f, &u, &parts) || parts.lo == 0) {
        return r;
    }
    bool up = increments(parts.hi, parts.lo, u.sign, round);
    uint64_t mag = parts.hi + up;
    if (inexact) {
        env->flags |= FLOAT_INEXACT;
    }
    FloatRaw out =
        mag ? round_full(f, u.sign, f->bias + 63, u128(mag, 0), env) : float_zero(u.sign);
    env->rounded_up = up;
    return out;
}

Float32 f32_round_to_int(Float32 a, FloatRound round, bool inexact, FloatEnv *env)
{
    return float_pack_f32(
        round_to_int_raw(&float_format_f32, float_raw_f32(a), round, inexact, env));
}

Float64 f64_round_to_int(Float64 a, FloatRound round, bool inexact, FloatEnv *env)
{
    return float_pack_f64(
        round_to_int_raw(&float_format_f64, float_raw_f64(a), round, inexact, env));
}

Float80 f80_round_to_int(Float80 a, FloatRound round, bool inexact, FloatEnv *env)
{
    return float_pack_f80(
        round_to_int_raw(&float_format_f80, float_raw_f80(a), round, inexact, env));
}
