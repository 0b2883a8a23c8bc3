/*
 * cpu/exec_ssefp_arith.c: SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic: ADD, SUB, MUL, DIV,
 * SQRT, MIN, MAX in the PS, PD, SS and SD forms; ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (SSE3);
 * DPPS, DPPD, ROUNDPS/PD/SS/SD (SSE4.1). SDM Vol. 2 (each instruction's page), Vol. 1 §10.4,
 * §11.4, §11.5 (exceptions, via cpu/exec_ssefp.h).
 *
 * Operand 0 is the destination and first source (its NaN wins, SDM Vol. 1 table 4-7), operand
 * 1 the second source; a scalar form keeps the destination's other elements.
 */
#include "cpu/exec_ssefp.h"

typedef Float32 (*F32Op)(Float32, Float32, FloatEnv *);
typedef Float64 (*F64Op)(Float64, Float64, FloatEnv *);

static void read_operands(CpuState *cpu, const DecodedInsn *d, XmmReg *a, XmmReg *b)
{
    fpu_check_sse(cpu);
    sse_read(cpu, d, 0, a);
    sse_read(cpu, d, 1, b);
}

static void finish_write(CpuState *cpu, const DecodedInsn *d, SseFp *s, const XmmReg *r)
{
    ssefp_finish(cpu, s);
    sse_write(cpu, d, 0, r);
}

static void apply_f32(CpuState *cpu, const DecodedInsn *d, F32Op op, unsigned count)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < count; i++) {
        a.d[i] = op(a.d[i], b.d[i], &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &a);
}

static void apply_f64(CpuState *cpu, const DecodedInsn *d, F64Op op, unsigned count)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < count; i++) {
        a.q[i] = op(a.q[i], b.q[i], &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &a);
}

/* MIN and MAX (SDM MINPS/MAXPS): the second operand when either is a NaN (QNaN included,
 * which is invalid) or both are zeros of any sign; a denormal operand reports DE. Under DAZ
 * the chosen operand is returned as read, a denormal as a zero of its sign (as the host does). */
static Float32 daz32(Float32 a, const FloatEnv *e)
{
    return (e->daz && (a & 0x7f800000u) == 0) ? a & 0x80000000u : a;
}

static Float64 daz64(Float64 a, const FloatEnv *e)
{
    return (e->daz && (a & 0x7ff0000000000000ull) == 0) ? a & (1ull << 63) : a;
}

static Float32 min32(Float32 a, Float32 b, FloatEnv *e)
{
    return daz32(f32_compare(a, b, false, e) == FLOAT_LESS ? a : b, e);
}

static Float32 max32(Float32 a, Float32 b, FloatEnv *e)
{
    return daz32(f32_compare(a, b, false, e) == FLOAT_GREATER ? a : b, e);
}

static Float64 min64(Float64 a, Float64 b, FloatEnv *e)
{
    return daz64(f64_compare(a, b, false, e) == FLOAT_LESS ? a : b, e);
}

static Float64 max64(Float64 a, Float64 b, FloatEnv *e)
{
    return daz64(f64_compare(a, b, false, e) == FLOAT_GREATER ? a : b, e);
}

static Float32 sqrt32(Float32 a, Float32 b, FloatEnv *e)
{
    (void)a;
    return f32_sqrt(b, e);
}

static Float64 sqrt64(Float64 a, Float64 b, FloatEnv *e)
{
    (void)a;
    return f64_sqrt(b, e);
}

void exec_addps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_add, 4);
}

void exec_addpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_add, 2);
}

void exec_addss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_add, 1);
}

void exec_addsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_add, 1);
}

void exec_subps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_sub, 4);
}

void exec_subpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_sub, 2);
}

void exec_subss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_sub, 1);
}

void exec_subsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_sub, 1);
}

void exec_mulps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_mul, 4);
}

void exec_mulpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_mul, 2);
}

void exec_mulss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_mul, 1);
}

void exec_mulsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_mul, 1);
}

void exec_divps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_div, 4);
}

void exec_divpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_div, 2);
}

void exec_divss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, f32_div, 1);
}

void exec_divsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, f64_div, 1);
}

void exec_sqrtps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, sqrt32, 4);
}

void exec_sqrtpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, sqrt64, 2);
}

void exec_sqrtss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, sqrt32, 1);
}

void exec_sqrtsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, sqrt64, 1);
}

void exec_minps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, min32, 4);
}

void exec_minpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, min64, 2);
}

void exec_minss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, min32, 1);
}

void exec_minsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, min64, 1);
}

void exec_maxps(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, max32, 4);
}

void exec_maxpd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, max64, 2);
}

void exec_maxss(CpuState *cpu, const DecodedInsn *d)
{
    apply_f32(cpu, d, max32, 1);
}

void exec_maxsd(CpuState *cpu, const DecodedInsn *d)
{
    apply_f64(cpu, d, max64, 1);
}

/* ADDSUBPS/PD: even elements subtract, odd elements add. */
void exec_addsubps(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 4; i++) {
        a.d[i] = ((i & 1) ? f32_add : f32_sub)(a.d[i], b.d[i], &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &a);
}

void exec_addsubpd(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    a.q[0] = f64_sub(a.q[0], b.q[0], &s.env);
    ssefp_next(&s);
    a.q[1] = f64_add(a.q[1], b.q[1], &s.env);
    ssefp_next(&s);
    finish_write(cpu, d, &s, &a);
}

/* HADD/HSUB: adjacent pairs of the destination, then of the source, each as (lower op upper). */
static void horizontal_f32(CpuState *cpu, const DecodedInsn *d, F32Op op)
{
    XmmReg a, b, r;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 4; i++) {
        const XmmReg *src = i < 2 ? &a : &b;
        unsigned j = (i & 1) * 2;
        r.d[i] = op(src->d[j], src->d[j + 1], &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &r);
}

static void horizontal_f64(CpuState *cpu, const DecodedInsn *d, F64Op op)
{
    XmmReg a, b, r;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    r.q[0] = op(a.q[0], a.q[1], &s.env);
    ssefp_next(&s);
    r.q[1] = op(b.q[0], b.q[1], &s.env);
    ssefp_next(&s);
    finish_write(cpu, d, &s, &r);
}

void exec_haddps(CpuState *cpu, const DecodedInsn *d)
{
    horizontal_f32(cpu, d, f32_add);
}

void exec_hsubps(CpuState *cpu, const DecodedInsn *d)
{
    horizontal_f32(cpu, d, f32_sub);
}

void exec_haddpd(CpuState *cpu, const DecodedInsn *d)
{
    horizontal_f64(cpu, d, f64_add);
}

void exec_hsubpd(CpuState *cpu, const DecodedInsn *d)
{
    horizontal_f64(cpu, d, f64_sub);
}

/*
 * DPPS: imm8 bits 7:4 select which products enter the sum (a skipped product is +0.0), bits
 * 3:0 which elements receive it (the others get +0.0). The sum is (p0 + p1) + (p2 + p3),
 * rounded after each operation as the SDM's pseudo-code does. The products, the two partial
 * sums and the final sum are stages for exception reporting (cpu/exec_ssefp.h).
 */
void exec_dpps(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b, r;
    read_operands(cpu, d, &a, &b);
    unsigned imm = (unsigned)d->imm;
    SseFp s = ssefp_begin(cpu);
    Float32 p[4];
    for (unsigned i = 0; i < 4; i++) {
        p[i] = 0;
        if (imm & (0x10u << i)) {
            p[i] = f32_mul(a.d[i], b.d[i], &s.env);
            ssefp_next(&s);
        }
    }
    ssefp_end_stage(cpu, &s);
    Float32 lo = f32_add(p[0], p[1], &s.env);
    ssefp_next(&s);
    Float32 hi = f32_add(p[2], p[3], &s.env);
    ssefp_next(&s);
    ssefp_end_stage(cpu, &s);
    Float32 sum = f32_add(lo, hi, &s.env);
    ssefp_next(&s);
    for (unsigned i = 0; i < 4; i++) {
        r.d[i] = (imm & (1u << i)) ? sum : 0;
    }
    finish_write(cpu, d, &s, &r);
}

/* DPPD: imm8 bits 5:4 select the products, bits 1:0 the destination elements. */
void exec_dppd(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b, r;
    read_operands(cpu, d, &a, &b);
    unsigned imm = (unsigned)d->imm;
    SseFp s = ssefp_begin(cpu);
    Float64 p[2];
    for (unsigned i = 0; i < 2; i++) {
        p[i] = 0;
        if (imm & (0x10u << i)) {
            p[i] = f64_mul(a.q[i], b.q[i], &s.env);
            ssefp_next(&s);
        }
    }
    ssefp_end_stage(cpu, &s);
    Float64 sum = f64_add(p[0], p[1], &s.env);
    ssefp_next(&s);
    for (unsigned i = 0; i < 2; i++) {
        r.q[i] = (imm & (1u << i)) ? sum : 0;
    }
    finish_write(cpu, d, &s, &r);
}

/* ROUNDxx imm8: bits 1:0 the rounding mode unless bit 2 selects MXCSR.RC; bit 3 suppresses
 * the precision exception. */
static FloatRound round_mode(const DecodedInsn *d, const FloatEnv *env)
{
    unsigned imm = (unsigned)d->imm;
    return (imm & 4) ? (FloatRound)env->round : (FloatRound)(imm & 3);
}

static void round_f32(CpuState *cpu, const DecodedInsn *d, unsigned count)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    FloatRound mode = round_mode(d, &s.env);
    bool inexact = !(d->imm & 8);
    for (unsigned i = 0; i < count; i++) {
        a.d[i] = f32_round_to_int(b.d[i], mode, inexact, &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &a);
}

static void round_f64(CpuState *cpu, const DecodedInsn *d, unsigned count)
{
    XmmReg a, b;
    read_operands(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    FloatRound mode = round_mode(d, &s.env);
    bool inexact = !(d->imm & 8);
    for (unsigned i = 0; i < count; i++) {
        a.q[i] = f64_round_to_int(b.q[i], mode, inexact, &s.env);
        ssefp_next(&s);
    }
    finish_write(cpu, d, &s, &a);
}

void exec_roundps(CpuState *cpu, const DecodedInsn *d)
{
    round_f32(cpu, d, 4);
}

void exec_roundpd(CpuState *cpu, const DecodedInsn *d)
{
    round_f64(cpu, d, 2);
}

void exec_roundss(CpuState *cpu, const DecodedInsn *d)
{
    round_f32(cpu, d, 1);
}

void exec_roundsd(CpuState *cpu, const DecodedInsn *d)
{
    round_f64(cpu, d, 1);
}
