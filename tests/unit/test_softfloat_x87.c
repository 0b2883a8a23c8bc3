/*
 * tests/unit/test_softfloat_x87.c: cpu/softfloat's f80 operations and the conversions the x87
 * uses, against the host's x87 (the oracle): FADD, FSUB, FMUL, FDIV, FSQRT, FCOM, FUCOM,
 * FRNDINT, FIST/FISTP, FISTTP, FLD m32/m64, FSTP m32/m64 and FILD m64 on 80-bit memory
 * operands, with random control words (four rounding modes, the three precision controls, and
 * overflow/underflow masked or unmasked for the bias-adjusted results of SDM Vol. 1 §8.5.4-5),
 * comparing results, the exception flags of FSW and C1 (rounded up).
 *
 * An unmasked exception only sets FSW.ES; the host wrapper clears it with FNCLEX right after
 * reading FSW, before any waiting instruction could deliver it.
 */
#include <inttypes.h>

#include "check.h"
#include "cpu/softfloat.h"
#include "test_softfloat_gen.h"

#if !defined(__x86_64__)
#error "test_softfloat_x87 needs an x86-64 host: the host's x87 is the oracle"
#endif

enum {
    SW_C1 = 1u << 9,
    SW_C0 = 1u << 8,
    SW_C2 = 1u << 10,
    SW_C3 = 1u << 14,
};

static unsigned case_count(void)
{
    const char *s = getenv("VIREO_SOFTFLOAT_CASES");
    return s ? (unsigned)strtoul(s, NULL, 0) : 200000;
}

/* A random control word: RC, PC (single, double, extended) and, when `unmask`, OE and UE
 * sometimes unmasked. */
static uint16_t random_fcw(Rng *r, bool unmask)
{
    static const uint16_t pcs[3] = {0, 2, 3};
    uint16_t cw = 0x3f | (uint16_t)(rng_below(r, 4) << 10) | (uint16_t)(pcs[rng_below(r, 3)] << 8);
    if (unmask && rng_below(r, 2)) {
        cw &= (uint16_t)~0x18u;
    }
    return cw;
}

/* ST0 = a, ST1 = b, then `insn`; returns ST0 and the status word. */
#define HOST_X87(fn, insn)                                                                         \
    static Float80 fn(Float80 a, Float80 b, uint16_t cw, uint16_t *sw)                             \
    {                                                                                              \
        Float80 res = {0, 0};                                                                      \
        uint16_t old, s;                                                                           \
        __asm__ volatile("fnstcw %[old]\n\tfldcw %[cw]\n\tfnclex\n\tfldt %[b]\n\t"                 \
                         "fldt %[a]\n\t" insn "\n\tfnstsw %[s]\n\tfnclex\n\tfstpt %[r]\n\t"        \
                         "fstp %%st(0)\n\tfldcw %[old]"                                            \
                         : [r] "=m"(res), [s] "=m"(s), [old] "+m"(old)                             \
                         : [a] "m"(a), [b] "m"(b), [cw] "m"(cw)                                    \
                         : "st", "st(1)");                                                         \
        *sw = s;                                                                                   \
        return res;                                                                                \
    }

HOST_X87(host_fadd, "fadd %%st(1), %%st")
HOST_X87(host_fsub, "fsub %%st(1), %%st")
HOST_X87(host_fmul, "fmul %%st(1), %%st")
HOST_X87(host_fdiv, "fdiv %%st(1), %%st")
HOST_X87(host_fsqrt, "fsqrt")
HOST_X87(host_frndint, "frndint")
HOST_X87(host_fcom, "fcom %%st(1)")
HOST_X87(host_fucom, "fucom %%st(1)")

static Float80 soft_fsqrt(Float80 a, Float80 b, FloatEnv *e)
{
    (void)b;
    return f80_sqrt(a, e);
}

static Float80 soft_frndint(Float80 a, Float80 b, FloatEnv *e)
{
    (void)b;
    return f80_round_to_int(a, (FloatRound)e->round, true, e);
}

typedef struct X87Op {
    const char *name;
    Float80 (*host)(Float80, Float80, uint16_t, uint16_t *);
    Float80 (*soft)(Float80, Float80, FloatEnv *);
    GenPair pair;
    bool unmask; /* also run with OE/UE unmasked */
} X87Op;

static const X87Op x87_ops[] = {
    {"fadd", host_fadd, f80_add, GEN_PAIR_ADD, true},
    {"fsub", host_fsub, f80_sub, GEN_PAIR_ADD, true},
    {"fmul", host_fmul, f80_mul, GEN_PAIR_MUL, true},
    {"fdiv", host_fdiv, f80_div, GEN_PAIR_DIV, true},
    {"fsqrt", host_fsqrt, soft_fsqrt, GEN_PAIR_ADD, true},
    {"frndint", host_frndint, soft_frndint, GEN_PAIR_ADD, false},
};

static bool note(const char *op, unsigned *bad, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool note(const char *op, unsigned *bad, bool ok, const char *fmt, ...)
{
    if (ok) {
        return true;
    }
    if (++*bad <= 5) {
        va_list ap;
        fprintf(stderr, "%s: ", op);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return false;
}

static void report(const char *op, unsigned n, unsigned bad)
{
    printf("  %-14s %8u cases, %u mismatches\n", op, n, bad);
    CHECK_EQ(bad, 0);
}

/* The soft flags in FSW form: exception flags and C1 = rounded up. */
static uint16_t soft_sw(const FloatEnv *e)
{
    return (uint16_t)(e->flags | (e->rounded_up ? SW_C1 : 0));
}

static void test_softfloat_x87_arith_matches_host(void)
{
    Rng r = {0xbe5466cf34e90c6cull};
    unsigned n = case_count();
    for (size_t k = 0; k < sizeof(x87_ops) / sizeof(x87_ops[0]); k++) {
        const X87Op *op = &x87_ops[k];
        unsigned bad = 0;
        for (unsigned i = 0; i < n; i++) {
            GenNum ga, gb;
            gen_pair(&gen_f80, op->pair, &r, &ga, &gb);
            Float80 a = gen_pack80(ga), b = gen_pack80(gb);
            uint16_t cw = random_fcw(&r, op->unmask), sw;
            FloatEnv env = float_env_x87(cw);
            Float80 h = op->host(a, b, cw, &sw);
            Float80 s = op->soft(a, b, &env);
            uint16_t hs = sw & (0x3f | SW_C1), ss = soft_sw(&env);
            note(op->name, &bad, h.sig == s.sig && h.exp == s.exp && hs == ss,
                 "%04x:%016" PRIx64 ", %04x:%016" PRIx64 " cw %04x: host %04x:%016" PRIx64
                 " sw %04x, soft %04x:%016" PRIx64 " sw %04x",
                 a.exp, a.sig, b.exp, b.sig, cw, h.exp, h.sig, hs, s.exp, s.sig, ss);
        }
        report(op->name, n, bad);
    }
}

static void test_softfloat_x87_compare_matches_host(void)
{
    Rng r = {0x7fb5d4e5a4c1a2b3ull};
    unsigned n = case_count();
    for (unsigned quiet = 0; quiet < 2; quiet++) {
        const char *name = quiet ? "fucom" : "fcom";
        unsigned bad = 0;
        for (unsigned i = 0; i < n; i++) {
            GenNum ga, gb;
            gen_pair(&gen_f80, GEN_PAIR_ADD, &r, &ga, &gb);
            if (rng_below(&r, 8) == 0) {
                gb = ga;
                gb.sign ^= rng_next(&r) & 1;
            }
            Float80 a = gen_pack80(ga), b = gen_pack80(gb);
            uint16_t cw = random_fcw(&r, false), sw;
            FloatEnv env = float_env_x87(cw);
            (quiet ? host_fucom : host_fcom)(a, b, cw, &sw);
            FloatRelation s = f80_compare(a, b, quiet, &env);
            static const uint16_t codes[4] = {SW_C0, SW_C3, 0, SW_C0 | SW_C2 | SW_C3};
            uint16_t hs = sw & (0x3f | SW_C0 | SW_C2 | SW_C3);
            uint16_t ss = (uint16_t)(env.flags | codes[s]);
            note(name, &bad, hs == ss,
                 "%04x:%016" PRIx64 ", %04x:%016" PRIx64 ": host sw %04x, soft sw %04x", a.exp,
                 a.sig, b.exp, b.sig, hs, ss);
        }
        report(name, n, bad);
    }
}

/* FIST/FISTTP to a 16-, 32- or 64-bit integer; returns the stored integer. */
#define HOST_FIST(fn, T, insn)                                                                     \
    static uint64_t fn(Float80 a, uint16_t cw, uint16_t *sw)                                       \
    {                                                                                              \
        T v = 0;                                                                                   \
        uint16_t old, s;                                                                           \
        __asm__ volatile("fnstcw %[old]\n\tfldcw %[cw]\n\tfnclex\n\tfldt %[a]\n\t" insn            \
                         " %[v]\n\tfnstsw %[s]\n\tfnclex\n\tfldcw %[old]"                          \
                         : [v] "=m"(v), [s] "=m"(s), [old] "+m"(old)                               \
                         : [a] "m"(a), [cw] "m"(cw)                                                \
                         : "st");                                                                  \
        *sw = s;                                                                                   \
        return (uint64_t)v;                                                                        \
    }

HOST_FIST(host_fistp16, uint16_t, "fistps")
HOST_FIST(host_fistp32, uint32_t, "fistpl")
HOST_FIST(host_fistp64, uint64_t, "fistpll")
HOST_FIST(host_fisttp16, uint16_t, "fisttps")
HOST_FIST(host_fisttp32, uint32_t, "fisttpl")
HOST_FIST(host_fisttp64, uint64_t, "fisttpll")

static void test_softfloat_x87_float_to_int_matches_host(void)
{
    Rng r = {0x3707344a40938222ull};
    unsigned n = case_count();
    static uint64_t (*const hosts[6])(Float80, uint16_t, uint16_t *) = {
        host_fistp16, host_fistp32, host_fistp64, host_fisttp16, host_fisttp32, host_fisttp64,
    };
    static const char *const names[6] = {"fistp m16",  "fistp m32",  "fistp m64",
                                         "fisttp m16", "fisttp m32", "fisttp m64"};
    for (unsigned k = 0; k < 6; k++) {
        unsigned bad = 0;
        bool trunc = k >= 3;
        for (unsigned i = 0; i < n; i++) {
            Float80 a = gen_pack80(gen_for_int(&gen_f80, &r));
            uint16_t cw = random_fcw(&r, false), sw;
            FloatEnv env = float_env_x87(cw);
            uint64_t h = hosts[k](a, cw, &sw), s;
            switch (k % 3) {
            case 0:
                s = (uint16_t)f80_to_i16(a, trunc, &env);
                break;
            case 1:
                s = (uint32_t)f80_to_i32(a, trunc, &env);
                break;
            default:
                s = (uint64_t)f80_to_i64(a, trunc, &env);
                break;
            }
            uint16_t hs = sw & (0x3f | SW_C1), ss = soft_sw(&env);
            note(names[k], &bad, h == s && hs == ss,
                 "%04x:%016" PRIx64 " cw %04x: host %" PRIx64 " sw %04x, soft %" PRIx64 " sw %04x",
                 a.exp, a.sig, cw, h, hs, s, ss);
        }
        report(names[k], n, bad);
    }
}

/* FLD m32/m64 (widening), FSTP m32/m64 (narrowing), FILD m64. */
#define HOST_LOAD(fn, T, insn)                                                                     \
    static Float80 fn(T v, uint16_t cw, uint16_t *sw)                                              \
    {                                                                                              \
        Float80 res = {0, 0};                                                                      \
        uint16_t old, s;                                                                           \
        __asm__ volatile("fnstcw %[old]\n\tfldcw %[cw]\n\tfnclex\n\t" insn " %[v]\n\t"             \
                         "fnstsw %[s]\n\tfnclex\n\tfstpt %[r]\n\tfldcw %[old]"                     \
                         : [r] "=m"(res), [s] "=m"(s), [old] "+m"(old)                             \
                         : [v] "m"(v), [cw] "m"(cw)                                                \
                         : "st");                                                                  \
        *sw = s;                                                                                   \
        return res;                                                                                \
    }

HOST_LOAD(host_flds, uint32_t, "flds")
HOST_LOAD(host_fldl, uint64_t, "fldl")
HOST_LOAD(host_fildll, uint64_t, "fildll")

/* An unmasked exception leaves the stack unpopped: the x87 state is saved and restored. */
#define HOST_STORE(fn, T, insn)                                                                    \
    static T fn(Float80 a, uint16_t cw, uint16_t *sw)                                              \
    {                                                                                              \
        T v = 0;                                                                                   \
        uint16_t s;                                                                                \
        uint8_t state[108];                                                                        \
        __asm__ volatile("fnsave %[st]\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn                       \
                         " %[v]\n\tfnstsw %[s]\n\tfnclex\n\tfrstor %[st]"                          \
                         : [v] "=m"(v), [s] "=m"(s), [st] "=m"(state)                              \
                         : [a] "m"(a), [cw] "m"(cw)                                                \
                         : "st");                                                                  \
        *sw = s;                                                                                   \
        return v;                                                                                  \
    }

HOST_STORE(host_fstps, uint32_t, "fstps")
HOST_STORE(host_fstpl, uint64_t, "fstpl")

static void test_softfloat_x87_loads_match_host(void)
{
    Rng r = {0x9216d5d98979fb1bull};
    unsigned n = case_count();
    unsigned bad32 = 0, bad64 = 0, badi = 0;
    for (unsigned i = 0; i < n; i++) {
        uint16_t cw = random_fcw(&r, false), sw;
        uint32_t a32 = gen_pack32(gen_num(&gen_f32, &r));
        FloatEnv env = float_env_x87(cw);
        Float80 h = host_flds(a32, cw, &sw), s = f32_to_f80(a32, &env);
        uint16_t hs = sw & (0x3f | SW_C1), ss = soft_sw(&env);
        note("fld m32", &bad32, h.sig == s.sig && h.exp == s.exp && hs == ss,
             "%08x: host %04x:%016" PRIx64 " sw %04x, soft %04x:%016" PRIx64 " sw %04x", a32, h.exp,
             h.sig, hs, s.exp, s.sig, ss);

        uint64_t a64 = gen_pack64(gen_num(&gen_f64, &r));
        env = float_env_x87(cw);
        h = host_fldl(a64, cw, &sw);
        s = f64_to_f80(a64, &env);
        hs = sw & (0x3f | SW_C1);
        ss = soft_sw(&env);
        note("fld m64", &bad64, h.sig == s.sig && h.exp == s.exp && hs == ss,
             "%016" PRIx64 ": host %04x:%016" PRIx64 " sw %04x, soft %04x:%016" PRIx64 " sw %04x",
             a64, h.exp, h.sig, hs, s.exp, s.sig, ss);

        int64_t v = gen_int(&r, 64);
        h = host_fildll((uint64_t)v, cw, &sw);
        s = i64_to_f80(v);
        note("fild m64", &badi, h.sig == s.sig && h.exp == s.exp && (sw & 0x3f) == 0,
             "%" PRId64 ": host %04x:%016" PRIx64 " sw %04x, soft %04x:%016" PRIx64, v, h.exp,
             h.sig, sw, s.exp, s.sig);
    }
    report("fld m32", n, bad32);
    report("fld m64", n, bad64);
    report("fild m64", n, badi);
}

static void test_softfloat_x87_stores_match_host(void)
{
    Rng r = {0xd1310ba698dfb5acull};
    unsigned n = case_count();
    unsigned bad32 = 0, bad64 = 0;
    for (unsigned i = 0; i < n; i++) {
        uint16_t cw = random_fcw(&r, true), sw;
        GenNum g = gen_num(&gen_f80, &r);
        if (rng_below(&r, 2) == 0 && g.exp != 0x7fff) {
            g.exp = 16383 - 1100 + rng_below(&r, 2200); /* around the f32 and f64 ranges */
        }
        Float80 a = gen_pack80(g);
        FloatEnv env = float_env_x87(cw);
        uint32_t h32 = host_fstps(a, cw, &sw), s32 = f80_to_f32(a, &env);
        uint16_t hs = sw & (0x3f | SW_C1), ss = soft_sw(&env);
        /* An unmasked overflow or underflow stores nothing: compare the flags only. */
        bool trapped = (sw & 0x18 & ~cw) != 0;
        note("fstp m32", &bad32, (trapped || h32 == s32) && hs == ss,
             "%04x:%016" PRIx64 " cw %04x: host %08x sw %04x, soft %08x sw %04x", a.exp, a.sig, cw,
             h32, hs, s32, ss);

        env = float_env_x87(cw);
        uint64_t h64 = host_fstpl(a, cw, &sw), s64 = f80_to_f64(a, &env);
        hs = sw & (0x3f | SW_C1);
        ss = soft_sw(&env);
        trapped = (sw & 0x18 & ~cw) != 0;
        note("fstp m64", &bad64, (trapped || h64 == s64) && hs == ss,
             "%04x:%016" PRIx64 " cw %04x: host %016" PRIx64 " sw %04x, soft %016" PRIx64
             " sw %04x",
             a.exp, a.sig, cw, h64, hs, s64, ss);
    }
    report("fstp m32", n, bad32);
    report("fstp m64", n, bad64);
}

/* f80_propagate_nan, for the x87's own operations, against FADD (two operands) and FSQRT (one)
 * with NaN or unsupported operands. */
static void test_softfloat_x87_propagate_nan_matches_host(void)
{
    Rng r = {0x2ffd72dbd01adfb7ull};
    unsigned n = case_count() / 4;
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        GenNum ga, gb;
        gen_pair(&gen_f80, GEN_PAIR_ADD, &r, &ga, &gb);
        ga.exp = 0x7fff;
        ga.frac |= 1;
        if (rng_below(&r, 2)) {
            gb.exp = 0x7fff;
            gb.frac = (gb.frac | 1) ^ (rng_next(&r) & gen_mask(rng_below(&r, 3)));
        }
        Float80 a = gen_pack80(ga), b = gen_pack80(gb);
        bool one = rng_below(&r, 4) == 0;
        uint16_t sw;
        FloatEnv env = float_env_x87(0x037f);
        Float80 h = one ? host_fsqrt(a, b, 0x037f, &sw) : host_fadd(a, b, 0x037f, &sw);
        Float80 s = f80_propagate_nan(a, one ? NULL : &b, &env);
        uint16_t hs = sw & 0x3f;
        if (!f80_is_nan(b) && !f80_is_unsupported(b) && !one) {
            hs &= (uint16_t)~FLOAT_DENORMAL; /* FADD also checks the other operand */
        }
        note("propagate", &bad, h.sig == s.sig && h.exp == s.exp && hs == (env.flags & 0x3f),
             "%04x:%016" PRIx64 ", %04x:%016" PRIx64 " %s: host %04x:%016" PRIx64
             " sw %04x, soft %04x:%016" PRIx64 " flags %02x",
             a.exp, a.sig, b.exp, b.sig, one ? "one" : "two", h.exp, h.sig, hs, s.exp, s.sig,
             env.flags);
    }
    report("propagate nan", n, bad);
}

/*
 * f80_round_pack with exponents far outside the range (as FSCALE can produce): the masked
 * responses of SDM Vol. 1 §4.9.1.4 and §4.9.1.5 (round to nearest: infinity with OE and PE; a
 * zero with UE and PE), and no integer overflow on the way (the sanitizer build checks).
 */
static void test_softfloat_round_pack_extreme_exponents(void)
{
    FloatEnv env = float_env_x87(0x037f);
    Float80 r = f80_round_pack(false, INT32_MAX, 1ull << 63, 0, &env);
    CHECK_EQ(r.exp, 0x7fff);
    CHECK_EQ(r.sig, 1ull << 63);
    CHECK_EQ(env.flags, FLOAT_OVERFLOW | FLOAT_INEXACT);
    env = float_env_x87(0x037f);
    r = f80_round_pack(true, INT32_MIN, 1ull << 63, 1, &env);
    CHECK_EQ(r.exp, 0x8000);
    CHECK_EQ(r.sig, 0);
    CHECK_EQ(env.flags, FLOAT_UNDERFLOW | FLOAT_INEXACT);
    env = float_env_x87(0x0367); /* OE, UE unmasked: still out of range after the adjustment */
    r = f80_round_pack(false, INT32_MIN + 5, 0, 1, &env);
    CHECK_EQ(r.exp & 0x7fff, 0);
    CHECK(env.flags & FLOAT_UNDERFLOW);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_softfloat_round_pack_extreme_exponents),
    CHECK_TEST(test_softfloat_x87_propagate_nan_matches_host),
    CHECK_TEST(test_softfloat_x87_arith_matches_host),
    CHECK_TEST(test_softfloat_x87_compare_matches_host),
    CHECK_TEST(test_softfloat_x87_float_to_int_matches_host),
    CHECK_TEST(test_softfloat_x87_loads_match_host),
    CHECK_TEST(test_softfloat_x87_stores_match_host),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
