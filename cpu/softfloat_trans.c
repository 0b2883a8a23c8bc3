/*
 * cpu/softfloat_trans.c: the x87 transcendental functions in portable integer arithmetic, for
 * hosts without an x87 (SDM Vol. 1 §8.3.9; Vol. 2 pages of F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN,
 * FCOS, FSINCOS, FPTAN for operand ranges and the tables of special operands).
 *
 * Each function computes its result in "wide" arithmetic, a 128-bit significand with a 32-bit
 * exponent, to about 2^-120 relative error, then rounds once to 64 bits with the shared
 * rounding routine (precision control does not apply to these instructions, SDM Vol. 1
 * §8.1.5.2). Lost low-order parts of a sum are kept as a sticky bit, so a result within a
 * hair of a representable value still rounds in the right direction under RC.
 *
 * Trigonometric arguments are reduced modulo pi/2 exactly against the 66-bit approximation of
 * pi that the x87 uses (SDM Vol. 1 §8.3.10 "Pi"): the processor's results near multiples of pi
 * are those of that constant, not of the true pi. Series coefficients and constants are in
 * softfloat_trans_tables.inc, written by tools/gen-softfloat-trans.py.
 */
#include "cpu/softfloat_internal.h"

#define F80_BIAS 16383

/* (-1)^sign * sig * 2^(exp - 127); sig has bit 127 set, or is zero for a zero. */
typedef struct Wide {
    bool sign;
    int32_t exp;
    U128 sig;
} Wide;

#include "cpu/softfloat_trans_tables.inc"

/* pi * 2^64 truncated to 66 bits: the x87's pi (next bits 0001..., so also rounded). */
#define PI66_HI 3ull
#define PI66_LO 0x243f6a8885a308d3ull

static const Wide wide_one = { false, 0, { 0x8000000000000000ull, 0 } };

static Wide wide_norm(bool sign, int32_t exp, U128 sig)
{
    if (u128_is_zero(sig)) {
        return (Wide){ sign, 0, sig };
    }
    unsigned n = u128_clz(sig);
    return (Wide){ sign, exp - (int32_t)n, u128_shl(sig, n) };
}

static bool wide_is_zero(Wide a)
{
    return u128_is_zero(a.sig);
}

static Wide wide_neg(Wide a)
{
    a.sign = !a.sign;
    return a;
}

static Wide wide_scale(Wide a, int32_t n)
{
    a.exp += n;
    return a;
}

static Wide wide_from_int(int64_t n)
{
    uint64_t m = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    return wide_norm(n < 0, 127, u128(0, m));
}

static Wide wide_from_unpacked(const Unpacked *u)
{
    return (Wide){ u->sign, u->exp - F80_BIAS, u->sig };
}

static int wide_cmp_abs(Wide a, Wide b)
{
    if (wide_is_zero(a) || wide_is_zero(b)) {
        return wide_is_zero(a) ? (wide_is_zero(b) ? 0 : -1) : 1;
    }
    if (a.exp != b.exp) {
        return a.exp < b.exp ? -1 : 1;
    }
    return u128_cmp(a.sig, b.sig);
}

static Wide wide_add(Wide a, Wide b)
{
    if (wide_is_zero(b)) {
        return a;
    }
    if (wide_is_zero(a)) {
        return b;
    }
    if (wide_cmp_abs(a, b) < 0) {
        Wide t = a;
        a = b;
        b = t;
    }
    int64_t d = (int64_t)a.exp - b.exp;
    U128 bs = u128_shr_jam(b.sig, d > 200 ? 200 : (uint32_t)d);
    if (a.sign == b.sign) {
        U128 s = u128_add(a.sig, bs);
        if (u128_cmp(s, a.sig) < 0) {
            bool lost = s.lo & 1;
            s = u128_shr(s, 1);
            s.hi |= 1ull << 63;
            s.lo |= lost;
            return (Wide){ a.sign, a.exp + 1, s };
        }
        return (Wide){ a.sign, a.exp, s };
    }
    return wide_norm(a.sign, a.exp, u128_sub(a.sig, bs));
}

static Wide wide_sub(Wide a, Wide b)
{
    return wide_add(a, wide_neg(b));
}

/* w made smaller or larger in magnitude by less than its last place: the sticky bit of a
 * correction too small for wide precision, so that rounding goes the right way. */
static Wide wide_less(Wide w)
{
    return wide_sub(w, wide_scale(w, -200));
}

static Wide wide_more(Wide w)
{
    return wide_add(w, wide_scale(w, -200));
}

/* The top 128 bits of the 256-bit product a * b; *next gets the bit below them and *sticky
 * whether any lower bit is set. */
static U128 u128_mul_top(U128 a, U128 b, bool *next, bool *sticky)
{
    U128 ll = u128_mul64(a.lo, b.lo), lh = u128_mul64(a.lo, b.hi);
    U128 hl = u128_mul64(a.hi, b.lo), hh = u128_mul64(a.hi, b.hi);
    U128 mid = u128_add(u128_add(u128(0, lh.lo), u128(0, hl.lo)), u128(0, ll.hi));
    U128 top = u128_add(u128_add(hh, u128(0, lh.hi)), u128_add(u128(0, hl.hi), u128(0, mid.hi)));
    *next = mid.lo >> 63;
    *sticky = (mid.lo << 1) != 0 || ll.lo != 0;
    return top;
}

static Wide wide_mul(Wide a, Wide b)
{
    if (wide_is_zero(a) || wide_is_zero(b)) {
        return (Wide){ a.sign != b.sign, 0, u128(0, 0) };
    }
    bool next, sticky;
    U128 p = u128_mul_top(a.sig, b.sig, &next, &sticky);
    int32_t exp = a.exp + b.exp + 1;
    if (!(p.hi >> 63)) {
        p = u128_shl(p, 1);
        p.lo |= next;
        next = false;
        exp--;
    }
    p.lo |= next || sticky;
    return (Wide){ a.sign != b.sign, exp, p };
}

/* a / b for b nonzero, by restoring division with a sticky remainder bit. */
static Wide wide_div(Wide a, Wide b)
{
    if (wide_is_zero(a)) {
        return (Wide){ a.sign != b.sign, 0, a.sig };
    }
    U128 r = a.sig, q = u128(0, 0);
    int32_t exp = a.exp - b.exp;
    bool carry = false;
    if (u128_cmp(r, b.sig) < 0) {
        carry = r.hi >> 63;
        r = u128_shl(r, 1);
        exp--;
    }
    for (int i = 0; i < 128; i++) {
        bool bit = carry || u128_cmp(r, b.sig) >= 0;
        if (bit) {
            r = u128_sub(r, b.sig);
        }
        q = u128_shl(q, 1);
        q.lo |= bit;
        carry = r.hi >> 63;
        r = u128_shl(r, 1);
    }
    q.lo |= !u128_is_zero(r) || carry;
    return (Wide){ a.sign != b.sign, exp, q };
}

static FloatRaw wide_round(Wide w, FloatEnv *env)
{
    if (wide_is_zero(w)) {
        return float_zero(w.sign);
    }
    return float_round_pack(&float_format_f80, w.sign, w.exp + F80_BIAS, w.sig, env);
}

/*
 * sum_{k<n} c_k * z^k by Horner's rule, with c_k = table[first + step*k] and signs alternating
 * when `alternate`.
 */
static Wide wide_series(Wide z, const Wide *table, unsigned first, unsigned step, unsigned n,
                        bool alternate)
{
    Wide sum = { false, 0, u128(0, 0) };
    for (unsigned k = n; k-- > 0;) {
        Wide c = table[first + step * k];
        if (alternate && (k & 1)) {
            c = wide_neg(c);
        }
        sum = wide_add(wide_mul(sum, z), c);
    }
    return sum;
}

/* sin and cos of |r| <= pi/4 (+ a little): Taylor series, 18 terms each (r^36/36! < 2^-140). */
static Wide wide_sin_kernel(Wide r)
{
    return wide_mul(r, wide_series(wide_mul(r, r), wide_inv_fact, 1, 2, 18, true));
}

static Wide wide_cos_kernel(Wide r)
{
    return wide_series(wide_mul(r, r), wide_inv_fact, 0, 2, 18, true);
}

/* atan(u) for |u| <= 1/64: 12 terms (u^24/25 < 2^-148). */
static Wide wide_atan_kernel(Wide u)
{
    return wide_mul(u, wide_series(wide_mul(u, u), wide_inv_odd, 0, 1, 12, true));
}

/* atan(t) for 0 <= t <= 1: atan(c) + atan((t - c) / (1 + t c)) with c = k/32 nearest t. */
static Wide wide_atan01(Wide t)
{
    unsigned k = 0;
    if (!wide_is_zero(t) && t.exp >= -6) {
        /* t * 32 to the nearest integer; t <= 1 so exp <= 0 */
        uint64_t halves = u128_shr(t.sig, (unsigned)(127 - 6 - t.exp)).lo;
        k = (unsigned)((halves + 1) >> 1);
    }
    if (k == 0) {
        return wide_atan_kernel(t);
    }
    Wide c = wide_scale(wide_from_int(k), -5);
    Wide u = wide_div(wide_sub(t, c), wide_add(wide_one, wide_mul(t, c)));
    return wide_add(wide_atan_k32[k], wide_atan_kernel(u));
}

/* ln((1 + s) / (1 - s)) = 2 atanh(s) for |s| <= 0.172: 27 terms (s^54/55 < 2^-142). */
static Wide wide_log_ratio(Wide s)
{
    return wide_scale(wide_mul(s, wide_series(wide_mul(s, s), wide_inv_odd, 0, 1, 27, false)), 1);
}

/* log2(m * 2^e) for m in [1, 2): the mantissa is moved to [sqrt(1/2), sqrt(2)) first. */
static Wide wide_log2(Wide x)
{
    int32_t e = x.exp;
    Wide m = { false, 0, x.sig };
    static const U128 sqrt2 = { 0xb504f333f9de6484ull, 0x597d89b3754abe9full };
    if (u128_cmp(m.sig, sqrt2) > 0) {
        m.exp = -1;
        e++;
    }
    Wide s = wide_div(wide_sub(m, wide_one), wide_add(m, wide_one));
    Wide l = wide_mul(wide_log_ratio(s), wide_log2e);
    return wide_add(wide_from_int(e), l);
}

/* e^z - 1: the series for z / 2^n with |z / 2^n| < 2^-8, then n doublings
 * e^2z - 1 = (e^z - 1) (e^z - 1 + 2). */
static Wide wide_expm1(Wide z)
{
    int32_t n = z.exp + 8 > 0 ? z.exp + 8 : 0;
    Wide y = wide_scale(z, -n);
    Wide e = wide_mul(y, wide_series(y, wide_inv_fact, 1, 1, 14, false));
    Wide two = wide_scale(wide_one, 1);
    for (int32_t i = 0; i < n; i++) {
        e = wide_mul(e, wide_add(e, two));
    }
    return e;
}

/* ---- operands and special cases ---------------------------------------------------------- */

static Unpacked unpack80(Float80 a, FloatEnv *env)
{
    return float_unpack(&float_format_f80, float_raw_f80(a), env);
}

static bool is_nan(const Unpacked *u)
{
    return u->cls == FC_QNAN || u->cls == FC_SNAN;
}

static Float80 pack80(FloatRaw r)
{
    return float_pack_f80(r);
}

static Float80 invalid80(FloatEnv *env)
{
    env->flags |= FLOAT_INVALID;
    return pack80(float_default_nan(&float_format_f80));
}

static void note_denormal(const Unpacked *a, const Unpacked *b, FloatEnv *env)
{
    if (a->denormal || (b && b->denormal)) {
        env->flags |= FLOAT_DENORMAL;
    }
}

/* Transcendental results are rounded to 64 bits whatever FCW.PC says. */
static FloatEnv full_precision(FloatEnv *env)
{
    FloatEnv e = *env;
    e.precision = 64;
    e.rounded_up = false;
    return e;
}

/* Rounds a computed result. The processor reports PE for every computed result, even one that
 * happens to be exact (FYL2X of a power of two, F2XM1 of -1), and so UE for every tiny one. */
static Float80 finish(Wide w, FloatEnv *env)
{
    FloatEnv e = full_precision(env);
    Float80 r = pack80(wide_round(w, &e));
    env->flags = e.flags | FLOAT_INEXACT | ((r.exp & 0x7fff) == 0 ? FLOAT_UNDERFLOW : 0);
    env->rounded_up = e.rounded_up;
    return r;
}

/* ---- F2XM1 ------------------------------------------------------------------------------- */

Float80 f80_2xm1(Float80 a, FloatEnv *env)
{
    Unpacked u = unpack80(a, env);
    env->rounded_up = false;
    if (is_nan(&u)) {
        return pack80(float_nan_result(&float_format_f80, &u, NULL, env));
    }
    note_denormal(&u, NULL, env);
    switch (u.cls) {
    case FC_ZERO:
        return a;
    case FC_INF:
        return u.sign ? (Float80){ 1ull << 63, 0x8000 | F80_BIAS } : a;
    default:
        break;
    }
    Wide x = wide_from_unpacked(&u);
    int vs_one = wide_cmp_abs(x, wide_one);
    if (vs_one > 0) {
        /* outside the domain the result is undefined (SDM); the processor returns the operand */
        env->flags |= FLOAT_INEXACT;
        return a;
    }
    if (vs_one == 0) {
        /* 2^-1 - 1 is exact; 2^1 - 1 the processor computes a hair below 1 */
        return finish(x.sign ? wide_scale(wide_neg(wide_one), -1) : wide_less(wide_one), env);
    }
    return finish(wide_expm1(wide_mul(x, wide_ln2)), env);
}

/* ---- FYL2X and FYL2XP1 ------------------------------------------------------------------- */

static Float80 signed_zero(bool sign)
{
    return pack80(float_zero(sign));
}

static Float80 signed_inf(bool sign)
{
    return pack80(float_inf(&float_format_f80, sign));
}

/*
 * The special rows of the FYL2X and FYL2XP1 tables: y * L with a zero result (L is a signed
 * zero, or y is zero and L finite) or an infinite one (L or y infinite); `log_neg` is L's sign.
 * Zero times infinity is invalid; a finite y times log2(0) divides by zero (`log_of_zero`).
 */
static Float80 yl2x_special(const Unpacked *ux, const Unpacked *uy, bool zero_result, bool log_neg,
                            bool log_of_zero, FloatEnv *env)
{
    bool y_zero = uy->cls == FC_ZERO, y_inf = uy->cls == FC_INF;
    if ((zero_result && y_inf) || (!zero_result && y_zero)) {
        return invalid80(env);
    }
    bool sign = uy->sign != log_neg;
    if (!zero_result && !y_inf && log_of_zero) {
        env->flags |= FLOAT_DIVBYZERO; /* which outranks a denormal y (SDM Vol. 1 §4.9.2) */
        return signed_inf(sign);
    }
    note_denormal(ux, uy, env);
    return zero_result ? signed_zero(sign) : signed_inf(sign);
}

Float80 f80_yl2x(Float80 y, Float80 x, FloatEnv *env)
{
    Unpacked ux = unpack80(x, env), uy = unpack80(y, env);
    env->rounded_up = false;
    if (is_nan(&ux) || is_nan(&uy)) {
        return pack80(float_nan_result(&float_format_f80, &ux, &uy, env));
    }
    if (ux.sign && ux.cls != FC_ZERO) {
        return invalid80(env);
    }
    if (ux.cls == FC_ZERO || ux.cls == FC_INF) {
        bool zero = ux.cls == FC_ZERO;
        return yl2x_special(&ux, &uy, false, zero, zero, env);
    }
    Wide wx = wide_from_unpacked(&ux);
    bool x_one = wx.exp == 0 && wx.sig.hi == 1ull << 63 && wx.sig.lo == 0;
    if (x_one || uy.cls != FC_FINITE) {
        return yl2x_special(&ux, &uy, x_one || uy.cls == FC_ZERO, !x_one && wx.exp < 0, false, env);
    }
    note_denormal(&ux, &uy, env);
    return finish(wide_mul(wide_from_unpacked(&uy), wide_log2(wx)), env);
}

/* log2(1 + x): for |x| < 1/4 through ln((1 + s)/(1 - s)) with s = x / (2 + x), which keeps
 * the relative precision of a tiny x; otherwise log2 of 1 + x formed in wide precision. */
static Wide wide_log2_1p(Wide x)
{
    if (x.exp < -2) {
        Wide s = wide_div(x, wide_add(wide_scale(wide_one, 1), x));
        return wide_mul(wide_log_ratio(s), wide_log2e);
    }
    return wide_log2(wide_add(wide_one, x));
}

Float80 f80_yl2xp1(Float80 y, Float80 x, FloatEnv *env)
{
    Unpacked ux = unpack80(x, env), uy = unpack80(y, env);
    env->rounded_up = false;
    if (is_nan(&ux) || is_nan(&uy)) {
        return pack80(float_nan_result(&float_format_f80, &ux, &uy, env));
    }
    if (ux.cls == FC_INF) {
        return ux.sign ? invalid80(env) : yl2x_special(&ux, &uy, false, false, false, env);
    }
    if (ux.cls == FC_ZERO || uy.cls != FC_FINITE) {
        return yl2x_special(&ux, &uy, ux.cls == FC_ZERO || uy.cls == FC_ZERO, ux.sign, false, env);
    }
    note_denormal(&ux, &uy, env);
    Wide wx = wide_from_unpacked(&ux);
    if (ux.sign && wide_cmp_abs(wx, wide_one) >= 0) {
        /* outside the domain the result is undefined (SDM); the processor returns x */
        env->flags |= FLOAT_INEXACT;
        return x;
    }
    return finish(wide_mul(wide_from_unpacked(&uy), wide_log2_1p(wx)), env);
}

/* ---- FPATAN ------------------------------------------------------------------------------ */

/* k * pi/4 (k = 1, 2, 3 or 4) with the sign */
static Float80 pi_quarters(unsigned k, bool sign, FloatEnv *env)
{
    Wide w = wide_scale(wide_pi, k == 4 ? 0 : k == 2 ? -1 : -2);
    if (k == 3) {
        w = wide_add(wide_scale(wide_pi, -1), w);
    }
    w.sign = sign;
    return finish(w, env);
}

Float80 f80_atan2(Float80 y, Float80 x, FloatEnv *env)
{
    Unpacked ux = unpack80(x, env), uy = unpack80(y, env);
    env->rounded_up = false;
    if (is_nan(&ux) || is_nan(&uy)) {
        return pack80(float_nan_result(&float_format_f80, &ux, &uy, env));
    }
    note_denormal(&ux, &uy, env);
    if (uy.cls == FC_ZERO) {
        return ux.sign ? pi_quarters(4, uy.sign, env) : y;
    }
    if (uy.cls == FC_INF) {
        unsigned k = ux.cls != FC_INF ? 2 : ux.sign ? 3 : 1;
        return pi_quarters(k, uy.sign, env);
    }
    if (ux.cls == FC_ZERO) {
        return pi_quarters(2, uy.sign, env);
    }
    if (ux.cls == FC_INF) {
        return ux.sign ? pi_quarters(4, uy.sign, env) : signed_zero(uy.sign);
    }
    Wide a = wide_from_unpacked(&uy), b = wide_from_unpacked(&ux);
    a.sign = b.sign = false;
    Wide r;
    if (wide_cmp_abs(a, b) <= 0) {
        r = wide_atan01(wide_div(a, b));
    } else {
        r = wide_sub(wide_scale(wide_pi, -1), wide_atan01(wide_div(b, a)));
    }
    if (ux.sign) {
        r = wide_sub(wide_pi, r);
    }
    r.sign = uy.sign;
    return finish(r, env);
}

/* ---- FSIN, FCOS, FSINCOS, FPTAN ---------------------------------------------------------- */

/*
 * x - k * pi66/2 exactly, for x = |a| with 0.5 <= x < 2^63, and k mod 4. In units of 2^-65
 * the x87's pi/2 is the integer 0x3243F6A8885A308D3 and x is its 64-bit significand shifted
 * left by exp + 2 <= 64, so both fit and the remainder, well under 2^127, is exact in 128-bit
 * wrapping arithmetic. k comes from x / (pi/2) in wide precision; near a tie it may be off by
 * one, which leaves |r| a hair above pi/4 where the kernels still converge.
 */
static Wide trig_reduce(Wide x, unsigned *quadrant)
{
    *quadrant = 0;
    if (x.exp < -1) {
        return x;
    }
    Wide q = wide_div(x, wide_scale(wide_pi, -1));
    uint64_t k = 0;
    if (q.exp >= -1) {
        k = (u128_shr(q.sig, (unsigned)(126 - q.exp)).lo + 1) >> 1;
    }
    U128 xs = u128_shl(u128(0, x.sig.hi), (unsigned)(x.exp + 2));
    U128 km = u128_add(u128_mul64(k, PI66_LO), u128(k * PI66_HI, 0));
    U128 r = u128_sub(xs, km);
    bool neg = r.hi >> 63;
    if (neg) {
        r = u128_sub(u128(0, 0), r);
    }
    *quadrant = (unsigned)(k & 3);
    return wide_norm(neg, 127 - 65, r);
}

typedef enum TrigCheck { TRIG_COMPUTE, TRIG_DONE, TRIG_OUT_OF_RANGE } TrigCheck;

/* The operand checks FSIN, FCOS, FSINCOS and FPTAN share; *special is the result for a NaN or
 * infinity (TRIG_DONE). A zero is left to the caller. */
static TrigCheck trig_check(const Unpacked *u, Float80 *special, FloatEnv *env)
{
    if (is_nan(u)) {
        *special = pack80(float_nan_result(&float_format_f80, u, NULL, env));
        return TRIG_DONE;
    }
    if (u->cls == FC_INF) {
        *special = invalid80(env);
        return TRIG_DONE;
    }
    if (u->cls == FC_FINITE && u->exp - F80_BIAS >= 63) {
        return TRIG_OUT_OF_RANGE;
    }
    note_denormal(u, NULL, env);
    return TRIG_COMPUTE;
}

bool f80_sincos(Float80 a, Float80 *sin_out, Float80 *cos_out, FloatEnv *env)
{
    Unpacked u = unpack80(a, env);
    env->rounded_up = false;
    Float80 special;
    switch (trig_check(&u, &special, env)) {
    case TRIG_OUT_OF_RANGE:
        return false;
    case TRIG_DONE:
        if (sin_out) {
            *sin_out = special;
        }
        if (cos_out) {
            *cos_out = special;
        }
        return true;
    case TRIG_COMPUTE:
        break;
    }
    if (u.cls == FC_ZERO) {
        if (sin_out) {
            *sin_out = a;
        }
        if (cos_out) {
            *cos_out = (Float80){ 1ull << 63, F80_BIAS };
        }
        return true;
    }
    Wide x = wide_from_unpacked(&u);
    x.sign = false;
    unsigned q;
    Wide r = trig_reduce(x, &q);
    if (cos_out) {
        Wide c = q & 1 ? wide_sin_kernel(r) : wide_cos_kernel(r);
        c.sign ^= q == 1 || q == 2;
        *cos_out = finish(c, env);
    }
    if (sin_out) {
        Wide s = q & 1 ? wide_cos_kernel(r) : wide_sin_kernel(r);
        s.sign ^= (q >= 2) != u.sign;
        *sin_out = finish(s, env);
    }
    return true;
}

bool f80_tan(Float80 a, Float80 *tan_out, Float80 *push_out, FloatEnv *env)
{
    Unpacked u = unpack80(a, env);
    env->rounded_up = false;
    switch (trig_check(&u, tan_out, env)) {
    case TRIG_OUT_OF_RANGE:
        return false;
    case TRIG_DONE:
        *push_out = *tan_out;
        return true;
    case TRIG_COMPUTE:
        break;
    }
    *push_out = (Float80){ 1ull << 63, F80_BIAS };
    if (u.cls == FC_ZERO) {
        *tan_out = a;
        return true;
    }
    Wide x = wide_from_unpacked(&u);
    x.sign = false;
    unsigned q;
    Wide r = trig_reduce(x, &q), t;
    if (r.exp < -70) {
        /* tan r = r + r^3/3 and cot r = 1/r - r/3, the second terms below wide precision */
        t = q & 1 ? wide_neg(wide_less(wide_div(wide_one, r))) : wide_more(r);
    } else {
        Wide s = wide_sin_kernel(r), c = wide_cos_kernel(r);
        t = q & 1 ? wide_neg(wide_div(c, s)) : wide_div(s, c);
    }
    t.sign ^= u.sign;
    *tan_out = finish(t, env);
    return true;
}
