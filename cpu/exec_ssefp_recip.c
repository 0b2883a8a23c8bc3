/*
 * cpu/exec_ssefp_recip.c: RCPPS, RCPSS, RSQRTPS, RSQRTSS (SDM Vol. 2 RCPPS, RSQRTPS):
 * approximations with a relative error of at most 1.5 * 2^-12, unaffected by MXCSR.RC, raising
 * no exception and setting no MXCSR flag. A zero or denormal source gives an infinity of its
 * sign; RCP of an infinity is a zero of its sign and a tiny RCP result is flushed to a zero of
 * the operand's sign; RSQRT of a negative nonzero number is the default NaN, of +inf +0; a NaN
 * is returned quieted.
 *
 * Vendor difference: Intel and AMD compute these from undocumented tables, so their results'
 * low bits differ from each other's and from vireo's. vireo returns the value rounded to
 * nearest from a double-precision computation (error below 2^-23), inside the SDM's bound;
 * a guest that compares RCPPS results bit for bit with one vendor's will see differences.
 */
#include "cpu/exec_ssefp.h"

#define F64_ONE 0x3ff0000000000000ull

/* An environment that rounds to nearest, reads denormals as zero and has every flag masked:
 * the flags it collects are discarded. */
static FloatEnv approx_env(void)
{
    FloatEnv env = float_env_sse(0x1f80u);
    env.daz = true;
    return env;
}

static bool is_zero_or_denormal(Float32 a)
{
    return (a & 0x7f800000u) == 0;
}

static Float32 rcp(Float32 a)
{
    uint32_t sign = a & 0x80000000u;
    if (f32_is_nan(a)) {
        return a | 0x400000u;
    }
    if (is_zero_or_denormal(a)) {
        return sign | 0x7f800000u;
    }
    FloatEnv env = approx_env();
    Float32 r = f64_to_f32(f64_div(F64_ONE, f32_to_f64(a, &env), &env), &env);
    return is_zero_or_denormal(r) ? sign : r;
}

static Float32 rsqrt(Float32 a)
{
    uint32_t sign = a & 0x80000000u;
    if (f32_is_nan(a)) {
        return a | 0x400000u;
    }
    if (is_zero_or_denormal(a)) {
        return sign | 0x7f800000u;
    }
    if (sign) {
        return F32_DEFAULT_NAN;
    }
    FloatEnv env = approx_env();
    Float64 root = f64_sqrt(f32_to_f64(a, &env), &env);
    return f64_to_f32(f64_div(F64_ONE, root, &env), &env);
}

static void approx(CpuState *cpu, const DecodedInsn *d, Float32 (*fn)(Float32), unsigned count)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    for (unsigned i = 0; i < count; i++) {
        a.d[i] = fn(b.d[i]);
    }
    sse_write(cpu, d, 0, &a);
}

void exec_rcpps(CpuState *cpu, const DecodedInsn *d)
{
    approx(cpu, d, rcp, 4);
}

void exec_rcpss(CpuState *cpu, const DecodedInsn *d)
{
    approx(cpu, d, rcp, 1);
}

void exec_rsqrtps(CpuState *cpu, const DecodedInsn *d)
{
    approx(cpu, d, rsqrt, 4);
}

void exec_rsqrtss(CpuState *cpu, const DecodedInsn *d)
{
    approx(cpu, d, rsqrt, 1);
}
