/*
 * tests/unit/test_softfloat.c: cpu/softfloat's f32 and f64 operations against the host's SSE
 * scalar instructions (the oracle), bit for bit including the MXCSR flags, over generated
 * operands (tests/unit/test_softfloat_gen.h) and random MXCSR settings: all four rounding
 * modes, DAZ and FTZ on and off, every exception masked.
 *
 * The number of cases per operation is 200000, or VIREO_SOFTFLOAT_CASES from the environment.
 */
#include <inttypes.h>

#include "check.h"
#include "cpu/softfloat.h"
#include "test_softfloat_gen.h"

#if !defined(__x86_64__)
#error "test_softfloat needs an x86-64 host: the host's SSE unit is the oracle"
#endif

static unsigned case_count(void)
{
    const char *s = getenv("VIREO_SOFTFLOAT_CASES");
    return s ? (unsigned)strtoul(s, NULL, 0) : 200000;
}

/* A random MXCSR: every exception masked, random RC, DAZ and FTZ. */
static uint32_t random_mxcsr(Rng *r)
{
    return 0x1f80u | (rng_below(r, 4) << 13) | (rng_below(r, 2) << 6) | (rng_below(r, 2) << 15);
}

/* Host wrappers: each loads MXCSR, runs one instruction on xmm0 (first operand) and xmm1,
 * reads MXCSR back and restores the caller's. */
#define HOST_SSE(fn, T, in, out, insn)                                                             \
    static T fn(T a, T b, uint32_t *mx)                                                            \
    {                                                                                              \
        uint32_t m = *mx, saved;                                                                   \
        __asm__ volatile("stmxcsr %[s]\n\tldmxcsr %[m]\n\t" in " %[a], %%xmm0\n\t" in              \
                         " %[b], %%xmm1\n\t" insn " %%xmm1, %%xmm0\n\t" out                        \
                         " %%xmm0, %[a]\n\tstmxcsr %[m]\n\tldmxcsr %[s]"                           \
                         : [a] "+r"(a), [m] "+m"(m), [s] "=m"(saved)                               \
                         : [b] "r"(b)                                                              \
                         : "xmm0", "xmm1");                                                        \
        *mx = m;                                                                                   \
        return a;                                                                                  \
    }

HOST_SSE(host_addss, uint32_t, "movd", "movd", "addss")
HOST_SSE(host_subss, uint32_t, "movd", "movd", "subss")
HOST_SSE(host_mulss, uint32_t, "movd", "movd", "mulss")
HOST_SSE(host_divss, uint32_t, "movd", "movd", "divss")
HOST_SSE(host_sqrtss, uint32_t, "movd", "movd", "sqrtss")
HOST_SSE(host_addsd, uint64_t, "movq", "movq", "addsd")
HOST_SSE(host_subsd, uint64_t, "movq", "movq", "subsd")
HOST_SSE(host_mulsd, uint64_t, "movq", "movq", "mulsd")
HOST_SSE(host_divsd, uint64_t, "movq", "movq", "divsd")
HOST_SSE(host_sqrtsd, uint64_t, "movq", "movq", "sqrtsd")
HOST_SSE(host_roundss0, uint32_t, "movd", "movd", "roundss $0,")
HOST_SSE(host_roundss1, uint32_t, "movd", "movd", "roundss $1,")
HOST_SSE(host_roundss2, uint32_t, "movd", "movd", "roundss $2,")
HOST_SSE(host_roundss3, uint32_t, "movd", "movd", "roundss $3,")
HOST_SSE(host_roundss4, uint32_t, "movd", "movd", "roundss $4,")
HOST_SSE(host_roundss8, uint32_t, "movd", "movd", "roundss $8,")
HOST_SSE(host_roundss13, uint32_t, "movd", "movd", "roundss $13,")
HOST_SSE(host_roundsd0, uint64_t, "movq", "movq", "roundsd $0,")
HOST_SSE(host_roundsd1, uint64_t, "movq", "movq", "roundsd $1,")
HOST_SSE(host_roundsd2, uint64_t, "movq", "movq", "roundsd $2,")
HOST_SSE(host_roundsd3, uint64_t, "movq", "movq", "roundsd $3,")
HOST_SSE(host_roundsd4, uint64_t, "movq", "movq", "roundsd $4,")
HOST_SSE(host_roundsd10, uint64_t, "movq", "movq", "roundsd $10,")
HOST_SSE(host_roundsd12, uint64_t, "movq", "movq", "roundsd $12,")

/* Conversions: the source in xmm1 or a GPR, the result in xmm0 or a GPR. */
#define HOST_CVT(fn, TI, TO, body)                                                                 \
    static TO fn(TI b, uint32_t *mx)                                                               \
    {                                                                                              \
        uint32_t m = *mx, saved;                                                                   \
        TO a = 0;                                                                                  \
        __asm__ volatile("stmxcsr %[s]\n\tldmxcsr %[m]\n\t" body                                   \
                         "\n\tstmxcsr %[m]\n\tldmxcsr %[s]"                                        \
                         : [a] "+r"(a), [m] "+m"(m), [s] "=m"(saved)                               \
                         : [b] "r"(b)                                                              \
                         : "xmm0", "xmm1");                                                        \
        *mx = m;                                                                                   \
        return a;                                                                                  \
    }

HOST_CVT(host_cvtss2sd, uint32_t, uint64_t,
         "movd %[b], %%xmm1\n\tcvtss2sd %%xmm1, %%xmm0\n\tmovq %%xmm0, %[a]")
HOST_CVT(host_cvtsd2ss, uint64_t, uint32_t,
         "movq %[b], %%xmm1\n\tcvtsd2ss %%xmm1, %%xmm0\n\tmovd %%xmm0, %[a]")
HOST_CVT(host_cvtsi2ss32, uint32_t, uint32_t, "cvtsi2ssl %[b], %%xmm0\n\tmovd %%xmm0, %[a]")
HOST_CVT(host_cvtsi2ss64, uint64_t, uint32_t, "cvtsi2ssq %[b], %%xmm0\n\tmovd %%xmm0, %[a]")
HOST_CVT(host_cvtsi2sd32, uint32_t, uint64_t, "cvtsi2sdl %[b], %%xmm0\n\tmovq %%xmm0, %[a]")
HOST_CVT(host_cvtsi2sd64, uint64_t, uint64_t, "cvtsi2sdq %[b], %%xmm0\n\tmovq %%xmm0, %[a]")
HOST_CVT(host_cvtss2si32, uint32_t, uint32_t, "movd %[b], %%xmm1\n\tcvtss2si %%xmm1, %k[a]")
HOST_CVT(host_cvtss2si64, uint32_t, uint64_t, "movd %[b], %%xmm1\n\tcvtss2si %%xmm1, %q[a]")
HOST_CVT(host_cvttss2si32, uint32_t, uint32_t, "movd %[b], %%xmm1\n\tcvttss2si %%xmm1, %k[a]")
HOST_CVT(host_cvttss2si64, uint32_t, uint64_t, "movd %[b], %%xmm1\n\tcvttss2si %%xmm1, %q[a]")
HOST_CVT(host_cvtsd2si32, uint64_t, uint32_t, "movq %[b], %%xmm1\n\tcvtsd2si %%xmm1, %k[a]")
HOST_CVT(host_cvtsd2si64, uint64_t, uint64_t, "movq %[b], %%xmm1\n\tcvtsd2si %%xmm1, %q[a]")
HOST_CVT(host_cvttsd2si32, uint64_t, uint32_t, "movq %[b], %%xmm1\n\tcvttsd2si %%xmm1, %k[a]")
HOST_CVT(host_cvttsd2si64, uint64_t, uint64_t, "movq %[b], %%xmm1\n\tcvttsd2si %%xmm1, %q[a]")

/* Comparisons: ZF, PF, CF after (U)COMISS xmm0 (a), xmm1 (b), as a FloatRelation. */
#define HOST_CMP(fn, T, in, insn)                                                                  \
    static FloatRelation fn(T a, T b, uint32_t *mx)                                                \
    {                                                                                              \
        uint32_t m = *mx, saved;                                                                   \
        uint8_t z, p, c;                                                                           \
        __asm__ volatile("stmxcsr %[s]\n\tldmxcsr %[m]\n\t" in " %[a], %%xmm0\n\t" in              \
                         " %[b], %%xmm1\n\t" insn " %%xmm1, %%xmm0\n\tsetz %[z]\n\t"               \
                         "setp %[p]\n\tsetc %[c]\n\tstmxcsr %[m]\n\tldmxcsr %[s]"                  \
                         : [z] "=r"(z), [p] "=r"(p), [c] "=r"(c), [m] "+m"(m), [s] "=m"(saved)     \
                         : [a] "r"(a), [b] "r"(b)                                                  \
                         : "xmm0", "xmm1", "cc");                                                  \
        *mx = m;                                                                                   \
        if (p) {                                                                                   \
            return FLOAT_UNORDERED;                                                                \
        }                                                                                          \
        return z ? FLOAT_EQUAL : c ? FLOAT_LESS : FLOAT_GREATER;                                   \
    }

HOST_CMP(host_ucomiss, uint32_t, "movd", "ucomiss")
HOST_CMP(host_comiss, uint32_t, "movd", "comiss")
HOST_CMP(host_ucomisd, uint64_t, "movq", "ucomisd")
HOST_CMP(host_comisd, uint64_t, "movq", "comisd")

/* Soft counterparts with the host wrappers' shapes. */
static Float32 soft_sqrtss(Float32 a, Float32 b, FloatEnv *e)
{
    (void)a;
    return f32_sqrt(b, e);
}

static Float64 soft_sqrtsd(Float64 a, Float64 b, FloatEnv *e)
{
    (void)a;
    return f64_sqrt(b, e);
}

/* ROUNDSS/SD imm8: bits 1:0 the mode unless bit 2 selects MXCSR.RC; bit 3 suppresses PE. */
static FloatRound round_mode(unsigned imm, const FloatEnv *e)
{
    return (imm & 4) ? (FloatRound)e->round : (FloatRound)(imm & 3);
}

#define SOFT_ROUND(fn, T, call, imm)                                                               \
    static T fn(T a, T b, FloatEnv *e)                                                             \
    {                                                                                              \
        (void)a;                                                                                   \
        return call(b, round_mode(imm, e), !((imm)&8), e);                                         \
    }

SOFT_ROUND(soft_roundss0, Float32, f32_round_to_int, 0)
SOFT_ROUND(soft_roundss1, Float32, f32_round_to_int, 1)
SOFT_ROUND(soft_roundss2, Float32, f32_round_to_int, 2)
SOFT_ROUND(soft_roundss3, Float32, f32_round_to_int, 3)
SOFT_ROUND(soft_roundss4, Float32, f32_round_to_int, 4)
SOFT_ROUND(soft_roundss8, Float32, f32_round_to_int, 8)
SOFT_ROUND(soft_roundss13, Float32, f32_round_to_int, 13)
SOFT_ROUND(soft_roundsd0, Float64, f64_round_to_int, 0)
SOFT_ROUND(soft_roundsd1, Float64, f64_round_to_int, 1)
SOFT_ROUND(soft_roundsd2, Float64, f64_round_to_int, 2)
SOFT_ROUND(soft_roundsd3, Float64, f64_round_to_int, 3)
SOFT_ROUND(soft_roundsd4, Float64, f64_round_to_int, 4)
SOFT_ROUND(soft_roundsd10, Float64, f64_round_to_int, 10)
SOFT_ROUND(soft_roundsd12, Float64, f64_round_to_int, 12)

typedef struct Bin32 {
    const char *name;
    uint32_t (*host)(uint32_t, uint32_t, uint32_t *);
    Float32 (*soft)(Float32, Float32, FloatEnv *);
    GenPair pair;
} Bin32;

typedef struct Bin64 {
    const char *name;
    uint64_t (*host)(uint64_t, uint64_t, uint32_t *);
    Float64 (*soft)(Float64, Float64, FloatEnv *);
    GenPair pair;
} Bin64;

static const Bin32 bin32_ops[] = {
    {"addss", host_addss, f32_add, GEN_PAIR_ADD},
    {"subss", host_subss, f32_sub, GEN_PAIR_ADD},
    {"mulss", host_mulss, f32_mul, GEN_PAIR_MUL},
    {"divss", host_divss, f32_div, GEN_PAIR_DIV},
    {"sqrtss", host_sqrtss, soft_sqrtss, GEN_PAIR_ADD},
    {"roundss $0", host_roundss0, soft_roundss0, GEN_PAIR_ADD},
    {"roundss $1", host_roundss1, soft_roundss1, GEN_PAIR_ADD},
    {"roundss $2", host_roundss2, soft_roundss2, GEN_PAIR_ADD},
    {"roundss $3", host_roundss3, soft_roundss3, GEN_PAIR_ADD},
    {"roundss $4", host_roundss4, soft_roundss4, GEN_PAIR_ADD},
    {"roundss $8", host_roundss8, soft_roundss8, GEN_PAIR_ADD},
    {"roundss $13", host_roundss13, soft_roundss13, GEN_PAIR_ADD},
};

static const Bin64 bin64_ops[] = {
    {"addsd", host_addsd, f64_add, GEN_PAIR_ADD},
    {"subsd", host_subsd, f64_sub, GEN_PAIR_ADD},
    {"mulsd", host_mulsd, f64_mul, GEN_PAIR_MUL},
    {"divsd", host_divsd, f64_div, GEN_PAIR_DIV},
    {"sqrtsd", host_sqrtsd, soft_sqrtsd, GEN_PAIR_ADD},
    {"roundsd $0", host_roundsd0, soft_roundsd0, GEN_PAIR_ADD},
    {"roundsd $1", host_roundsd1, soft_roundsd1, GEN_PAIR_ADD},
    {"roundsd $2", host_roundsd2, soft_roundsd2, GEN_PAIR_ADD},
    {"roundsd $3", host_roundsd3, soft_roundsd3, GEN_PAIR_ADD},
    {"roundsd $4", host_roundsd4, soft_roundsd4, GEN_PAIR_ADD},
    {"roundsd $10", host_roundsd10, soft_roundsd10, GEN_PAIR_ADD},
    {"roundsd $12", host_roundsd12, soft_roundsd12, GEN_PAIR_ADD},
};

/* Counts and reports a mismatch, printing the first few of each operation. */
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

static void test_softfloat_f32_arith_matches_host(void)
{
    Rng r = {0x9e3779b97f4a7c15ull};
    unsigned n = case_count();
    for (size_t k = 0; k < sizeof(bin32_ops) / sizeof(bin32_ops[0]); k++) {
        const Bin32 *op = &bin32_ops[k];
        unsigned bad = 0;
        for (unsigned i = 0; i < n; i++) {
            GenNum ga, gb;
            gen_pair(&gen_f32, op->pair, &r, &ga, &gb);
            uint32_t a = gen_pack32(ga), b = gen_pack32(gb), mx = random_mxcsr(&r);
            FloatEnv env = float_env_sse(mx);
            uint32_t hm = mx;
            uint32_t h = op->host(a, b, &hm);
            uint32_t s = op->soft(a, b, &env);
            note(op->name, &bad, h == s && (hm & 0x3f) == env.flags,
                 "%08x, %08x mxcsr %04x: host %08x flags %02x, soft %08x flags %02x", a, b, mx, h,
                 hm & 0x3f, s, env.flags);
        }
        report(op->name, n, bad);
    }
}

static void test_softfloat_f64_arith_matches_host(void)
{
    Rng r = {0x243f6a8885a308d3ull};
    unsigned n = case_count();
    for (size_t k = 0; k < sizeof(bin64_ops) / sizeof(bin64_ops[0]); k++) {
        const Bin64 *op = &bin64_ops[k];
        unsigned bad = 0;
        for (unsigned i = 0; i < n; i++) {
            GenNum ga, gb;
            gen_pair(&gen_f64, op->pair, &r, &ga, &gb);
            uint64_t a = gen_pack64(ga), b = gen_pack64(gb);
            uint32_t mx = random_mxcsr(&r), hm = mx;
            FloatEnv env = float_env_sse(mx);
            uint64_t h = op->host(a, b, &hm);
            uint64_t s = op->soft(a, b, &env);
            note(op->name, &bad, h == s && (hm & 0x3f) == env.flags,
                 "%016" PRIx64 ", %016" PRIx64 " mxcsr %04x: host %016" PRIx64
                 " flags %02x, soft %016" PRIx64 " flags %02x",
                 a, b, mx, h, hm & 0x3f, s, env.flags);
        }
        report(op->name, n, bad);
    }
}

static void test_softfloat_compare_matches_host(void)
{
    Rng r = {0x13198a2e03707344ull};
    unsigned n = case_count();
    static const char *const names[4] = {"ucomiss", "comiss", "ucomisd", "comisd"};
    for (unsigned k = 0; k < 4; k++) {
        unsigned bad = 0;
        bool quiet = !(k & 1);
        for (unsigned i = 0; i < n; i++) {
            GenNum ga, gb;
            const GenFormat *f = k < 2 ? &gen_f32 : &gen_f64;
            gen_pair(f, GEN_PAIR_ADD, &r, &ga, &gb);
            if (rng_below(&r, 8) == 0) {
                gb = ga;
                gb.sign ^= rng_next(&r) & 1;
            }
            uint32_t mx = random_mxcsr(&r), hm = mx;
            FloatEnv env = float_env_sse(mx);
            FloatRelation h, s;
            uint64_t a, b;
            if (k < 2) {
                a = gen_pack32(ga);
                b = gen_pack32(gb);
                h = quiet ? host_ucomiss((uint32_t)a, (uint32_t)b, &hm)
                          : host_comiss((uint32_t)a, (uint32_t)b, &hm);
                s = f32_compare((uint32_t)a, (uint32_t)b, quiet, &env);
            } else {
                a = gen_pack64(ga);
                b = gen_pack64(gb);
                h = quiet ? host_ucomisd(a, b, &hm) : host_comisd(a, b, &hm);
                s = f64_compare(a, b, quiet, &env);
            }
            note(names[k], &bad, h == s && (hm & 0x3f) == env.flags,
                 "%" PRIx64 ", %" PRIx64 " mxcsr %04x: host %d flags %02x, soft %d flags %02x", a,
                 b, mx, h, hm & 0x3f, s, env.flags);
        }
        report(names[k], n, bad);
    }
}

static void test_softfloat_format_conversions_match_host(void)
{
    Rng r = {0xa4093822299f31d0ull};
    unsigned n = case_count();
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t a = gen_pack32(gen_num(&gen_f32, &r));
        uint32_t mx = random_mxcsr(&r), hm = mx;
        FloatEnv env = float_env_sse(mx);
        uint64_t h = host_cvtss2sd(a, &hm), s = f32_to_f64(a, &env);
        note("cvtss2sd", &bad, h == s && (hm & 0x3f) == env.flags,
             "%08x mxcsr %04x: host %016" PRIx64 " flags %02x, soft %016" PRIx64 " flags %02x", a,
             mx, h, hm & 0x3f, s, env.flags);
    }
    report("cvtss2sd", n, bad);
    bad = 0;
    for (unsigned i = 0; i < n; i++) {
        GenNum g = gen_num(&gen_f64, &r);
        if (rng_below(&r, 2) == 0 && g.exp != 0x7ff) {
            g.exp = 1023 - 160 + rng_below(&r, 320); /* around the f32 range */
        }
        uint64_t a = gen_pack64(g);
        uint32_t mx = random_mxcsr(&r), hm = mx;
        FloatEnv env = float_env_sse(mx);
        uint32_t h = host_cvtsd2ss(a, &hm), s = f64_to_f32(a, &env);
        note("cvtsd2ss", &bad, h == s && (hm & 0x3f) == env.flags,
             "%016" PRIx64 " mxcsr %04x: host %08x flags %02x, soft %08x flags %02x", a, mx, h,
             hm & 0x3f, s, env.flags);
    }
    report("cvtsd2ss", n, bad);
}

static void test_softfloat_int_to_float_matches_host(void)
{
    Rng r = {0x082efa98ec4e6c89ull};
    unsigned n = case_count();
    static const char *const names[4] = {"cvtsi2ss l", "cvtsi2ss q", "cvtsi2sd l", "cvtsi2sd q"};
    for (unsigned k = 0; k < 4; k++) {
        unsigned bad = 0;
        for (unsigned i = 0; i < n; i++) {
            int64_t v = gen_int(&r, (k & 1) ? 64 : 32);
            uint32_t mx = random_mxcsr(&r), hm = mx;
            FloatEnv env = float_env_sse(mx);
            uint64_t h, s;
            switch (k) {
            case 0:
                h = host_cvtsi2ss32((uint32_t)v, &hm);
                s = i32_to_f32((int32_t)v, &env);
                break;
            case 1:
                h = host_cvtsi2ss64((uint64_t)v, &hm);
                s = i64_to_f32(v, &env);
                break;
            case 2:
                h = host_cvtsi2sd32((uint32_t)v, &hm);
                s = i32_to_f64((int32_t)v, &env);
                break;
            default:
                h = host_cvtsi2sd64((uint64_t)v, &hm);
                s = i64_to_f64(v, &env);
                break;
            }
            note(names[k], &bad, h == s && (hm & 0x3f) == env.flags,
                 "%" PRId64 " mxcsr %04x: host %" PRIx64 " flags %02x, soft %" PRIx64 " flags %02x",
                 v, mx, h, hm & 0x3f, s, env.flags);
        }
        report(names[k], n, bad);
    }
}

static void test_softfloat_float_to_int_matches_host(void)
{
    Rng r = {0x452821e638d01377ull};
    unsigned n = case_count();
    static const char *const names[8] = {"cvtss2si l", "cvtss2si q", "cvttss2si l", "cvttss2si q",
                                         "cvtsd2si l", "cvtsd2si q", "cvttsd2si l", "cvttsd2si q"};
    for (unsigned k = 0; k < 8; k++) {
        unsigned bad = 0;
        bool trunc = (k & 2) != 0, wide = (k & 1) != 0, dbl = k >= 4;
        for (unsigned i = 0; i < n; i++) {
            uint64_t a =
                dbl ? gen_pack64(gen_for_int(&gen_f64, &r)) : gen_pack32(gen_for_int(&gen_f32, &r));
            uint32_t mx = random_mxcsr(&r), hm = mx;
            FloatEnv env = float_env_sse(mx);
            uint64_t h, s;
            if (!dbl) {
                uint32_t a32 = (uint32_t)a;
                if (wide) {
                    h = trunc ? host_cvttss2si64(a32, &hm) : host_cvtss2si64(a32, &hm);
                    s = (uint64_t)f32_to_i64(a32, trunc, &env);
                } else {
                    h = trunc ? host_cvttss2si32(a32, &hm) : host_cvtss2si32(a32, &hm);
                    s = (uint32_t)f32_to_i32(a32, trunc, &env);
                }
            } else if (wide) {
                h = trunc ? host_cvttsd2si64(a, &hm) : host_cvtsd2si64(a, &hm);
                s = (uint64_t)f64_to_i64(a, trunc, &env);
            } else {
                h = trunc ? host_cvttsd2si32(a, &hm) : host_cvtsd2si32(a, &hm);
                s = (uint32_t)f64_to_i32(a, trunc, &env);
            }
            note(names[k], &bad, h == s && (hm & 0x3f) == env.flags,
                 "%" PRIx64 " mxcsr %04x: host %" PRIx64 " flags %02x, soft %" PRIx64 " flags %02x",
                 a, mx, h, hm & 0x3f, s, env.flags);
        }
        report(names[k], n, bad);
    }
}

static const CheckTest tests[] = {
    CHECK_TEST(test_softfloat_f32_arith_matches_host),
    CHECK_TEST(test_softfloat_f64_arith_matches_host),
    CHECK_TEST(test_softfloat_compare_matches_host),
    CHECK_TEST(test_softfloat_format_conversions_match_host),
    CHECK_TEST(test_softfloat_int_to_float_matches_host),
    CHECK_TEST(test_softfloat_float_to_int_matches_host),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
