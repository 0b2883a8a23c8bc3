/*
 * cpu/softfloat_arith.c: addition, subtraction, multiplication, division and square root in
 * f32, f64 and f80 (SDM Vol. 1 §4.8.3 special operands, §4.9.1.2 invalid operations such as
 * inf - inf, 0 * inf, 0/0, inf/inf and the square root of a negative number, §4.9.1.3 divide by
 * zero, §4.9.1.4-6 via the shared rounding routine). Each operation computes the exact result,
 * or enough of it plus a sticky bit for correct rounding, on the unpacked form, then rounds once.
 *
 * Operand checks follow the precedence of §4.9.2 (and §11.5.2 for SSE): a NaN operand decides
 * the result first (invalid for an SNaN), then invalid operations, then division by zero, and
 * only then a denormal operand reports DE.
 */
#include "cpu/softfloat_internal.h"

static bool is_nan(const Unpacked *u)
{
    return u->cls == FC_QNAN || u->cls == FC_SNAN;
}

static void note_denormal(const Unpacked *a, const Unpacked *b, FloatEnv *env)
{
    if (a->denormal || (b && b->denormal)) {
        env->flags |= FLOAT_DENORMAL;
    }
}

static FloatRaw invalid(const FloatFormat *f, FloatEnv *env)
{
    env->flags |= FLOAT_INVALID;
    return float_default_nan(f);
}

/* Rounds an exact finite operand to the format's precision (an x87 result with reduced
 * precision control is rounded even when one operand of an addition is zero). */
static FloatRaw round_operand(const FloatFormat *f, const Unpacked *u, FloatEnv *env)
{
    return float_round_pack(f, u->sign, u->exp, u->sig, env);
}

static FloatRaw add_raw(const FloatFormat *f, FloatRaw ra, FloatRaw rb, bool subtract,
                        FloatEnv *env)
{
    Unpacked a = float_unpack(f, ra, env), b = float_unpack(f, rb, env);
    env->rounded_up = false;
    if (is_nan(&a) || is_nan(&b)) {
        return float_nan_result(f, &a, &b, env);
    }
    b.sign ^= subtract;
    if (a.cls == FC_INF && b.cls == FC_INF && a.sign != b.sign) {
        return invalid(f, env);
    }
    note_denormal(&a, &b, env);
    if (a.cls == FC_INF || b.cls == FC_INF) {
        return float_inf(f, a.cls == FC_INF ? a.sign : b.sign);
    }
    if (a.cls == FC_ZERO && b.cls == FC_ZERO) {
        bool sign = a.sign == b.sign ? a.sign : env->round == FLOAT_ROUND_DOWN;
        return float_zero(sign);
    }
    if (a.cls == FC_ZERO) {
        return round_operand(f, &b, env);
    }
    if (b.cls == FC_ZERO) {
        return round_operand(f, &a, env);
    }
    if (a.exp < b.exp || (a.exp == b.exp && u128_cmp(a.sig, b.sig) < 0)) {
        Unpacked t = a;
        a = b;
        b = t;
    }
    U128 sa = u128_shr(a.sig, 1);
    U128 sb = u128_shr_jam(u128_shr(b.sig, 1), (uint32_t)(a.exp - b.exp));
    if (a.sign == b.sign) {
        return float_round_pack(f, a.sign, a.exp + 1, u128_add(sa, sb), env);
    }
    U128 diff = u128_sub(sa, sb);
    if (u128_is_zero(diff)) {
        return float_zero(env->round == FLOAT_ROUND_DOWN);
    }
    return float_round_pack(f, a.sign, a.exp + 1, diff, env);
}

static FloatRaw mul_raw(const FloatFormat *f, FloatRaw ra, FloatRaw rb, FloatEnv *env)
{
    Unpacked a = float_unpack(f, ra, env), b = float_unpack(f, rb, env);
    env->rounded_up = false;
    if (is_nan(&a) || is_nan(&b)) {
        return float_nan_result(f, &a, &b, env);
    }
    bool sign = a.sign != b.sign;
    if ((a.cls == FC_INF && b.cls == FC_ZERO) || (a.cls == FC_ZERO && b.cls == FC_INF)) {
        return invalid(f, env);
    }
    note_denormal(&a, &b, env);
    if (a.cls == FC_INF || b.cls == FC_INF) {
        return float_inf(f, sign);
    }
    if (a.cls == FC_ZERO || b.cls == FC_ZERO) {
        return float_zero(sign);
    }
    return float_round_pack(f, sign, a.exp + b.exp - f->bias + 1, u128_mul64(a.sig.hi, b.sig.hi),
                            env);
}

static FloatRaw div_raw(const FloatFormat *f, FloatRaw ra, FloatRaw rb, FloatEnv *env)
{
    Unpacked a = float_unpack(f, ra, env), b = float_unpack(f, rb, env);
    env->rounded_up = false;
    if (is_nan(&a) || is_nan(&b)) {
        return float_nan_result(f, &a, &b, env);
    }
    bool sign = a.sign != b.sign;
    if ((a.cls == FC_INF && b.cls == FC_INF) || (a.cls == FC_ZERO && b.cls == FC_ZERO)) {
        return invalid(f, env);
    }
    if (b.cls == FC_ZERO && a.cls == FC_FINITE) {
        env->flags |= FLOAT_DIVBYZERO;
        return float_inf(f, sign);
    }
    note_denormal(&a, &b, env);
    if (a.cls == FC_INF || b.cls == FC_ZERO) {
        return float_inf(f, sign);
    }
    if (a.cls == FC_ZERO || b.cls == FC_INF) {
        return float_zero(sign);
    }
    uint64_t an = a.sig.hi, bn = b.sig.hi;
    int32_t s = an >= bn;
    U128 num = s ? u128(an >> 1, an << 63) : u128(an, 0);
    uint64_t r1, r0;
    uint64_t q1 = u128_div64(num, bn, &r1);
    uint64_t q0 = u128_div64(u128(r1, 0), bn, &r0);
    return float_round_pack(f, sign, a.exp - b.exp + f->bias + s - 1, u128(q1, q0 | (r0 != 0)),
                            env);
}

/* floor(sqrt(n)) for n < 2^128. */
static uint64_t isqrt128(U128 n)
{
    uint64_t r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        uint64_t t = r | (1ull << bit);
        if (u128_cmp(u128_mul64(t, t), n) <= 0) {
            r = t;
        }
    }
    return r;
}

static FloatRaw sqrt_raw(const FloatFormat *f, FloatRaw ra, FloatEnv *env)
{
    Unpacked a = float_unpack(f, ra, env);
    env->rounded_up = false;
    if (is_nan(&a)) {
        return float_nan_result(f, &a, NULL, env);
    }
    if (a.cls == FC_ZERO) {
        return float_zero(a.sign);
    }
    if (a.sign) {
        return invalid(f, env);
    }
    note_denormal(&a, NULL, env);
    if (a.cls == FC_INF) {
        return float_inf(f, false);
    }
    /* The root of m * 2^E (m = sig / 2^63) from an integer N = sig * 2^k with E - 63 - k even
     * and N in [2^126, 2^128), so the root has 64 bits; the remainder gives the next bit (an
     * exact half is impossible) and the sticky bit. */
    int32_t e = a.exp - f->bias;
    uint64_t s64 = a.sig.hi;
    int32_t k = (e & 1) ? 64 : 63;
    U128 n = k == 64 ? u128(s64, 0) : u128(s64 >> 1, s64 << 63);
    uint64_t r = isqrt128(n);
    U128 rem = u128_sub(n, u128_mul64(r, r));
    bool half = u128_cmp(rem, u128(0, r)) > 0;
    uint64_t lo = ((uint64_t)half << 63) | !u128_is_zero(rem);
    return float_round_pack(f, false, (e - 63 - k) / 2 + 63 + f->bias, u128(r, lo), env);
}

Float32 f32_add(Float32 a, Float32 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f32;
    return float_pack_f32(add_raw(f, float_raw_f32(a), float_raw_f32(b), false, env));
}

Float32 f32_sub(Float32 a, Float32 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f32;
    return float_pack_f32(add_raw(f, float_raw_f32(a), float_raw_f32(b), true, env));
}

Float32 f32_mul(Float32 a, Float32 b, FloatEnv *env)
{
    return float_pack_f32(mul_raw(&float_format_f32, float_raw_f32(a), float_raw_f32(b), env));
}

Float32 f32_div(Float32 a, Float32 b, FloatEnv *env)
{
    return float_pack_f32(div_raw(&float_format_f32, float_raw_f32(a), float_raw_f32(b), env));
}

Float32 f32_sqrt(Float32 a, FloatEnv *env)
{
    return float_pack_f32(sqrt_raw(&float_format_f32, float_raw_f32(a), env));
}

Float64 f64_add(Float64 a, Float64 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f64;
    return float_pack_f64(add_raw(f, float_raw_f64(a), float_raw_f64(b), false, env));
}

Float64 f64_sub(Float64 a, Float64 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f64;
    return float_pack_f64(add_raw(f, float_raw_f64(a), float_raw_f64(b), true, env));
}

Float64 f64_mul(Float64 a, Float64 b, FloatEnv *env)
{
    return float_pack_f64(mul_raw(&float_format_f64, float_raw_f64(a), float_raw_f64(b), env));
}

Float64 f64_div(Float64 a, Float64 b, FloatEnv *env)
{
    return float_pack_f64(div_raw(&float_format_f64, float_raw_f64(a), float_raw_f64(b), env));
}

Float64 f64_sqrt(Float64 a, FloatEnv *env)
{
    return float_pack_f64(sqrt_raw(&float_format_f64, float_raw_f64(a), env));
}

Float80 f80_add(Float80 a, Float80 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f80;
    return float_pack_f80(add_raw(f, float_raw_f80(a), float_raw_f80(b), false, env));
}

Float80 f80_sub(Float80 a, Float80 b, FloatEnv *env)
{
    const FloatFormat *f = &float_format_f80;
    return float_pack_f80(add_raw(f, float_raw_f80(a), float_raw_f80(b), true, env));
}

Float80 f80_mul(Float80 a, Float80 b, FloatEnv *env)
{
    return float_pack_f80(mul_raw(&float_format_f80, float_raw_f80(a), float_raw_f80(b), env));
}

Float80 f80_div(Float80 a, Float80 b, FloatEnv *env)
{
    return float_pack_f80(div_raw(&float_format_f80, float_raw_f80(a), float_raw_f80(b), env));
}

Float80 f80_sqrt(Float80 a, FloatEnv *env)
{
    return float_pack_f80(sqrt_raw(&float_format_f80, float_raw_f80(a), env));
}
