/*
 * cpu/softfloat_internal.h: what the softfloat_*.c files share (private to them): 128-bit
 * integer helpers, the format descriptions and the unpacked representation that every
 * operation works on, and the single rounding routine (softfloat_round.c).
 *
 * Unpacked numbers: a finite nonzero value is (-1)^sign * sig * 2^(exp - bias - 127) with sig
 * a 128-bit integer, the convention of f80_round_pack in cpu/softfloat.h, so the same routine
 * rounds the results of all three formats. Unpacking normalizes sig (bit 127 set).
 */
#ifndef VIREO_CPU_SOFTFLOAT_INTERNAL_H
#define VIREO_CPU_SOFTFLOAT_INTERNAL_H

#include "cpu/softfloat.h"

#if defined(__SIZEOF_INT128__) && !defined(VIREO_SOFTFLOAT_NO_INT128)
#define SOFTFLOAT_HAVE_INT128 1
#endif

typedef struct U128 {
    uint64_t hi, lo;
} U128;

static inline U128 u128(uint64_t hi, uint64_t lo)
{
    return (U128){hi, lo};
}

static inline bool u128_is_zero(U128 a)
{
    return (a.hi | a.lo) == 0;
}

static inline int u128_cmp(U128 a, U128 b)
{
    if (a.hi != b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static inline U128 u128_add(U128 a, U128 b)
{
    uint64_t lo = a.lo + b.lo;
    return u128(a.hi + b.hi + (lo < a.lo), lo);
}

static inline U128 u128_sub(U128 a, U128 b)
{
    return u128(a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo);
}

static inline U128 u128_shl(U128 a, unsigned n)
{
    if (n == 0) {
        return a;
    }
    if (n >= 128) {
        return u128(0, 0);
    }
    if (n >= 64) {
        return u128(a.lo << (n - 64), 0);
    }
    return u128((a.hi << n) | (a.lo >> (64 - n)), a.lo << n);
}

static inline U128 u128_shr(U128 a, unsigned n)
{
    if (n == 0) {
        return a;
    }
    if (n >= 128) {
        return u128(0, 0);
    }
    if (n >= 64) {
        return u128(0, a.hi >> (n - 64));
    }
    return u128(a.hi >> n, (a.lo >> n) | (a.hi << (64 - n)));
}

/* Shift right, ORing every bit shifted out into bit 0 ("sticky"), for any count. */
static inline U128 u128_shr_jam(U128 a, uint32_t n)
{
    if (n == 0) {
        return a;
    }
    if (n >= 128) {
        return u128(0, !u128_is_zero(a));
    }
    U128 r = u128_shr(a, n);
    bool lost = !u128_is_zero(u128_sub(a, u128_shl(r, n)));
    r.lo |= lost;
    return r;
}

static inline unsigned clz64(uint64_t a)
{
    unsigned n = 0;
    if (a == 0) {
        return 64;
    }
    while (!(a & (1ull << 63))) {
        a <<= 1;
        n++;
    }
    return n;
}

static inline unsigned u128_clz(U128 a)
{
    return a.hi ? clz64(a.hi) : 64 + clz64(a.lo);
}

static inline U128 u128_mul64(uint64_t a, uint64_t b)
{
#ifdef SOFTFLOAT_HAVE_INT128
    unsigned __int128 p = (unsigned __int128)a * b;
    return u128((uint64_t)(p >> 64), (uint64_t)p);
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    return u128(p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32), (mid << 32) | (uint32_t)p00);
#endif
}

/* n / d for n.hi < d (so the quotient fits in 64 bits); *rem gets the remainder. */
static inline uint64_t u128_div64(U128 n, uint64_t d, uint64_t *rem)
{
#ifdef SOFTFLOAT_HAVE_INT128
    unsigned __int128 nn = ((unsigned __int128)n.hi << 64) | n.lo;
    *rem = (uint64_t)(nn % d);
    return (uint64_t)(nn / d);
#else
    uint64_t r = n.hi, q = 0;
    for (int i = 63; i >= 0; i--) {
        bool top = r >> 63;
        r = (r << 1) | ((n.lo >> i) & 1);
        q <<= 1;
        if (top || r >= d) {
            r -= d;
            q |= 1;
        }
    }
    *rem = r;
    return q;
#endif
}

/* A binary format: biased exponent all-ones value, bias, significand bits with the integer
 * bit, whether that bit is stored (f80), and the bias adjustment of an unmasked overflow or
 * underflow (SDM Vol. 1 §8.5.4-8.5.5: 24576 for f80, which the x87 delivers; 192 and 1536 for
 * f32 and f64, whose rounding decides PE when SSE traps instead). */
typedef struct FloatFormat {
    int32_t exp_max;
    int32_t bias;
    uint8_t sig_bits;
    bool explicit_int;
    int32_t bias_adjust;
} FloatFormat;

extern const FloatFormat float_format_f32;
extern const FloatFormat float_format_f64;
extern const FloatFormat float_format_f80;

typedef enum FloatClass {
    FC_ZERO,
    FC_FINITE, /* normal or denormal, normalized in the unpacked form */
    FC_INF,
    FC_QNAN,
    FC_SNAN, /* also f80's unsupported encodings, flagged by `unsupported` */
} FloatClass;

/* A packed number in a format-neutral layout: the significand keeps its integer bit at bit
 * sig_bits - 1 (for f32/f64 a denormal has it clear and a zero exponent field). */
typedef struct FloatRaw {
    bool sign;
    uint32_t exp;
    uint64_t sig;
} FloatRaw;

typedef struct Unpacked {
    uint8_t cls; /* FloatClass */
    bool sign;
    bool denormal;    /* the operand was denormal or pseudo-denormal (DE) */
    bool unsupported; /* f80 unnormal, pseudo-NaN or pseudo-infinity */
    int32_t exp;
    U128 sig;
    FloatRaw raw;
} Unpacked;

FloatRaw float_raw_f32(Float32 a);
FloatRaw float_raw_f64(Float64 a);
FloatRaw float_raw_f80(Float80 a);
Float32 float_pack_f32(FloatRaw r);
Float64 float_pack_f64(FloatRaw r);
Float80 float_pack_f80(FloatRaw r);

/* Unpacks; with env->daz a denormal of a 32/64-bit format reads as a zero of its sign. */
Unpacked float_unpack(const FloatFormat *f, FloatRaw r, const FloatEnv *env);

/* The one rounding routine: rounds an unpacked value (sig need not be normalized) to format f
 * (f80: to env->precision bits), with tininess, FTZ, overflow, the unmasked x87 bias adjustment,
 * exception flags and env->rounded_up. */
FloatRaw float_round_pack(const FloatFormat *f, bool sign, int32_t exp, U128 sig, FloatEnv *env);

FloatRaw float_zero(bool sign);
FloatRaw float_inf(const FloatFormat *f, bool sign);
FloatRaw float_default_nan(const FloatFormat *f);
FloatRaw float_quiet(const FloatFormat *f, FloatRaw r);

/* The NaN result of an operation with a NaN (or unsupported) operand, b NULL for one operand;
 * without one, a unchanged. */
FloatRaw float_nan_result(const FloatFormat *f, const Unpacked *a, const Unpacked *b,
                          FloatEnv *env);

#endif
