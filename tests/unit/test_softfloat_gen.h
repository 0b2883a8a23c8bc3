/*
 * tests/unit/test_softfloat_gen.h: operand generators for the floating-point differential
 * tests. They aim at the hard cases: zeros, denormals, the smallest and largest normals,
 * infinities, QNaNs and SNaNs with random payloads and signs, short significands (whose
 * products and squares land exactly on or next to rounding boundaries), runs of ones, and
 * pairs whose exponents make a sum cancel or round at half an ulp, or a product or quotient
 * underflow or overflow.
 */
#ifndef VIREO_TESTS_UNIT_TEST_SOFTFLOAT_GEN_H
#define VIREO_TESTS_UNIT_TEST_SOFTFLOAT_GEN_H

#include <stdint.h>
#include <stdlib.h>

#include "cpu/softfloat.h"

typedef struct Rng {
    uint64_t s;
} Rng;

static inline uint64_t rng_next(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static inline unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

/* A format: exponent bits and stored fraction bits (f80: 63 plus the explicit integer bit). */
typedef struct GenFormat {
    unsigned ebits, fbits;
    bool explicit_int;
} GenFormat;

static const GenFormat gen_f32 = {8, 23, false};
static const GenFormat gen_f64 = {11, 52, false};
static const GenFormat gen_f80 = {15, 63, true};

/* A generated number in pieces: sign, biased exponent, fraction (and the f80 integer bit). */
typedef struct GenNum {
    bool sign;
    int64_t exp;
    uint64_t frac;
    bool int_bit;
} GenNum;

static inline uint64_t gen_mask(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

static inline uint64_t gen_frac(const GenFormat *f, Rng *r)
{
    uint64_t m = gen_mask(f->fbits);
    unsigned lo, hi;
    switch (rng_below(r, 10)) {
    case 0:
        return 0;
    case 1:
        return m;
    case 2: /* short significand: only the top k bits random */
        lo = rng_below(r, f->fbits + 1);
        return rng_next(r) & m & ~gen_mask(lo);
    case 3: /* a run of ones */
        lo = rng_below(r, f->fbits);
        hi = lo + rng_below(r, f->fbits - lo) + 1;
        return gen_mask(hi) & ~gen_mask(lo);
    case 4: /* a single bit */
        return 1ull << rng_below(r, f->fbits);
    case 5: /* ones or zeros with the last bits random */
        return ((rng_next(r) & 1) ? m : 0) ^ (rng_next(r) & gen_mask(rng_below(r, 6)));
    case 6: /* top bits around half-way patterns */
        lo = rng_below(r, f->fbits);
        return (rng_next(r) & m & ~gen_mask(lo)) | (1ull << lo) >> (rng_next(r) & 1);
    default:
        return rng_next(r) & m;
    }
}

static inline int64_t gen_exp(const GenFormat *f, Rng *r)
{
    int64_t emax = (int64_t)gen_mask(f->ebits), bias = emax >> 1;
    switch (rng_below(r, 12)) {
    case 0:
        return 0;
    case 1:
        return 1 + rng_below(r, 3);
    case 2:
        return emax - 1 - rng_below(r, 3);
    case 3:
        return emax;
    case 4:
        return rng_below(r, 80) + 1;
    case 5:
        return emax - 1 - rng_below(r, 80);
    case 6:
    case 7:
        return (int64_t)(rng_next(r) % (uint64_t)(emax + 1));
    default:
        return bias - 40 + rng_below(r, 80);
    }
}

static inline GenNum gen_num(const GenFormat *f, Rng *r)
{
    GenNum n = {rng_next(r) & 1, gen_exp(f, r), gen_frac(f, r), true};
    int64_t emax = (int64_t)gen_mask(f->ebits);
    if (n.exp == emax && n.frac == 0 && rng_below(r, 3) == 0) {
        n.frac = (rng_next(r) & gen_mask(f->fbits)) | 1; /* NaN with a random payload */
    }
    n.int_bit = n.exp != 0;
    if (f->explicit_int && rng_below(r, 40) == 0) {
        n.int_bit = !n.int_bit; /* unnormal, pseudo-denormal, pseudo-NaN, pseudo-infinity */
    }
    return n;
}

/* Clamps an exponent into the format's finite range (1..emax-1), keeping it if it already is. */
static inline int64_t gen_clamp_exp(const GenFormat *f, int64_t e)
{
    int64_t emax = (int64_t)gen_mask(f->ebits);
    return e < 0 ? 0 : e >= emax ? emax - 1 : e;
}

typedef enum GenPair {
    GEN_PAIR_ADD,
    GEN_PAIR_MUL,
    GEN_PAIR_DIV,
} GenPair;

/* Two operands, with b's exponent tied to a's for the operation's hard cases. */
static inline void gen_pair(const GenFormat *f, GenPair kind, Rng *r, GenNum *a, GenNum *b)
{
    *a = gen_num(f, r);
    *b = gen_num(f, r);
    int64_t emax = (int64_t)gen_mask(f->ebits), bias = emax >> 1;
    unsigned how = rng_below(r, 4);
    if (rng_below(r, 16) == 0) {
        *b = *a; /* equal magnitudes: x - x, equal NaN payloads, and so on */
        b->sign = rng_next(r) & 1;
        return;
    }
    if (how == 0 || a->exp == emax || b->exp == emax) {
        return;
    }
    int64_t target = (rng_next(r) & 1) ? 2 - (int64_t)rng_below(r, f->fbits + 8)
                                       : emax - 3 + (int64_t)rng_below(r, 6);
    if (how == 3 && kind != GEN_PAIR_ADD) {
        /* Just below the smallest normal or the overflow threshold: tininess and overflow
         * are decided by the rounding itself. */
        a->frac = gen_mask(f->fbits) ^ (rng_next(r) & gen_mask(rng_below(r, 4)));
        b->frac = kind == GEN_PAIR_MUL ? rng_below(r, 4) : 0; /* x (1 + 2^-n): past half */
        target = (rng_next(r) & 1) ? (int64_t)rng_below(r, 2) : emax - 1;
        if (a->exp == 0) {
            a->exp = 1;
        }
        a->int_bit = true;
    }
    switch (kind) {
    case GEN_PAIR_ADD:
        b->exp = gen_clamp_exp(f, a->exp + (int64_t)rng_below(r, 2 * f->fbits + 8) -
                                      (int64_t)f->fbits - 4);
        if (how == 1) {
            b->frac = a->frac ^ (rng_next(r) & gen_mask(rng_below(r, 8)));
        }
        break;
    case GEN_PAIR_MUL:
        b->exp = gen_clamp_exp(f, target - a->exp + bias);
        break;
    case GEN_PAIR_DIV:
        b->exp = gen_clamp_exp(f, a->exp - target + bias);
        break;
    }
    if (b->exp == 0 && b->frac == 0) {
        b->frac = 1;
    }
    b->int_bit = b->exp != 0;
}

static inline Float32 gen_pack32(GenNum n)
{
    return ((uint32_t)n.sign << 31) | ((uint32_t)n.exp << 23) | (uint32_t)n.frac;
}

static inline Float64 gen_pack64(GenNum n)
{
    return ((uint64_t)n.sign << 63) | ((uint64_t)n.exp << 52) | n.frac;
}

static inline Float80 gen_pack80(GenNum n)
{
    return (Float80){((uint64_t)n.int_bit << 63) | n.frac,
                     (uint16_t)(((unsigned)n.sign << 15) | (unsigned)n.exp)};
}

/* Integers: small, around powers of two, the extremes, random with random length. */
static inline int64_t gen_int(Rng *r, unsigned bits)
{
    uint64_t v;
    unsigned k = rng_below(r, bits) + 1;
    switch (rng_below(r, 6)) {
    case 0:
        v = rng_below(r, 5);
        break;
    case 1:
        v = (1ull << (k - 1)) + rng_below(r, 5) - 2;
        break;
    case 2:
        v = 1ull << (bits - 1);
        break;
    case 3: /* a short value shifted up: exact or just past a rounding boundary */
        v = (rng_next(r) & gen_mask(rng_below(r, 30) + 1)) << rng_below(r, bits - 1);
        break;
    default:
        v = rng_next(r) & gen_mask(k);
        break;
    }
    if (rng_next(r) & 1) {
        v = 0 - v;
    }
    return bits == 32 ? (int64_t)(int32_t)v : (int64_t)v;
}

/* Floating-point values near integers and near the integer range limits. */
static inline GenNum gen_for_int(const GenFormat *f, Rng *r)
{
    if (rng_below(r, 3) == 0) {
        return gen_num(f, r);
    }
    int64_t bias = (int64_t)gen_mask(f->ebits) >> 1;
    GenNum n = gen_num(f, r);
    n.exp = bias - 3 + rng_below(r, 70);
    n.int_bit = true;
    if (rng_below(r, 2) == 0) {
        n.frac = gen_frac(f, r);
    }
    return n;
}

#endif
