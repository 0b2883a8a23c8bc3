/*
 * cpu/exec_ssefp_cvt.c: the SSE/SSE2 conversions (SDM Vol. 2 CVT* pages; Vol. 1 §11.4.4.1
 * conversion instructions): between single and double precision, from and to 32- and 64-bit
 * integers in GPRs, XMM and MMX registers and memory. A conversion to an integer that is
 * invalid (NaN, out of range) gives the integer indefinite 80000000H (8000000000000000H for
 * 64 bits); the CVTT forms truncate, the others round per MXCSR.RC.
 *
 * The forms with an MMX operand (CVTPI2PS, CVTPS2PI, CVTTPS2PI, CVTPI2PD, CVTPD2PI, CVTTPD2PI)
 * also follow the MMX rules (cpu/exec_ssefp_common.c). Forms that narrow into the low half of
 * the destination (CVTPD2PS, CVTPD2DQ, CVTTPD2DQ) zero its upper half; scalar forms and
 * CVTPI2PS keep the destination's other elements.
 */
#include "cpu/exec_ssefp.h"

static void read_sources(CpuState *cpu, const DecodedInsn *d, XmmReg *a, XmmReg *b)
{
    fpu_check_sse(cpu);
    sse_read(cpu, d, 0, a);
    sse_read(cpu, d, 1, b);
}

static void finish_xmm(CpuState *cpu, const DecodedInsn *d, SseFp *s, const XmmReg *r)
{
    ssefp_finish(cpu, s);
    sse_write(cpu, d, 0, r);
}

/* Scalar conversions between formats. */
void exec_cvtss2sd(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    a.q[0] = f32_to_f64(b.d[0], &s.env);
    ssefp_next(&s);
    finish_xmm(cpu, d, &s, &a);
}

void exec_cvtsd2ss(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    a.d[0] = f64_to_f32(b.q[0], &s.env);
    ssefp_next(&s);
    finish_xmm(cpu, d, &s, &a);
}

/* Packed conversions between formats. */
void exec_cvtps2pd(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b, r;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 2; i++) {
        r.q[i] = f32_to_f64(b.d[i], &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &r);
}

void exec_cvtpd2ps(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b, r = {.q = {0, 0}};
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 2; i++) {
        r.d[i] = f64_to_f32(b.q[i], &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &r);
}

/* Integers in XMM registers to floating point. */
void exec_cvtdq2ps(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 4; i++) {
        a.d[i] = i32_to_f32((int32_t)b.d[i], &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &a);
}

void exec_cvtdq2pd(CpuState *cpu, const DecodedInsn *d)
{
    XmmReg a, b, r;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 2; i++) {
        r.q[i] = i32_to_f64((int32_t)b.d[i], &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &r);
}

/* Floating point to integers in XMM registers. */
static void ps_to_dq(CpuState *cpu, const DecodedInsn *d, bool truncate)
{
    XmmReg a, b;
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 4; i++) {
        a.d[i] = (uint32_t)f32_to_i32(b.d[i], truncate, &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &a);
}

static void pd_to_dq(CpuState *cpu, const DecodedInsn *d, bool truncate)
{
    XmmReg a, b, r = {.q = {0, 0}};
    read_sources(cpu, d, &a, &b);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 2; i++) {
        r.d[i] = (uint32_t)f64_to_i32(b.q[i], truncate, &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &r);
}

void exec_cvtps2dq(CpuState *cpu, const DecodedInsn *d)
{
    ps_to_dq(cpu, d, false);
}

void exec_cvttps2dq(CpuState *cpu, const DecodedInsn *d)
{
    ps_to_dq(cpu, d, true);
}

void exec_cvtpd2dq(CpuState *cpu, const DecodedInsn *d)
{
    pd_to_dq(cpu, d, false);
}

void exec_cvttpd2dq(CpuState *cpu, const DecodedInsn *d)
{
    pd_to_dq(cpu, d, true);
}

/* A GPR or memory integer (32 bits, or 64 with REX.W) to the low element. */
void exec_cvtsi2ss(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg a;
    sse_read(cpu, d, 0, &a);
    uint64_t v = opnd_read(cpu, d, 1);
    SseFp s = ssefp_begin(cpu);
    a.d[0] = d->op[1].size == 8 ? i64_to_f32((int64_t)v, &s.env) : i32_to_f32((int32_t)v, &s.env);
    ssefp_next(&s);
    finish_xmm(cpu, d, &s, &a);
}

void exec_cvtsi2sd(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg a;
    sse_read(cpu, d, 0, &a);
    uint64_t v = opnd_read(cpu, d, 1);
    SseFp s = ssefp_begin(cpu);
    a.q[0] = d->op[1].size == 8 ? i64_to_f64((int64_t)v, &s.env) : i32_to_f64((int32_t)v, &s.env);
    ssefp_next(&s);
    finish_xmm(cpu, d, &s, &a);
}

/* The low element to a 32- or 64-bit GPR. */
static void scalar_to_gpr(CpuState *cpu, const DecodedInsn *d, bool dbl, bool truncate)
{
    fpu_check_sse(cpu);
    XmmReg b;
    sse_read(cpu, d, 1, &b);
    SseFp s = ssefp_begin(cpu);
    bool wide = d->op[0].size == 8;
    uint64_t v;
    if (dbl) {
        v = wide ? (uint64_t)f64_to_i64(b.q[0], truncate, &s.env)
                 : (uint32_t)f64_to_i32(b.q[0], truncate, &s.env);
    } else {
        v = wide ? (uint64_t)f32_to_i64(b.d[0], truncate, &s.env)
                 : (uint32_t)f32_to_i32(b.d[0], truncate, &s.env);
    }
    ssefp_next(&s);
    ssefp_finish(cpu, &s);
    opnd_write(cpu, d, 0, v);
}

void exec_cvtss2si(CpuState *cpu, const DecodedInsn *d)
{
    scalar_to_gpr(cpu, d, false, false);
}

void exec_cvttss2si(CpuState *cpu, const DecodedInsn *d)
{
    scalar_to_gpr(cpu, d, false, true);
}

void exec_cvtsd2si(CpuState *cpu, const DecodedInsn *d)
{
    scalar_to_gpr(cpu, d, true, false);
}

void exec_cvttsd2si(CpuState *cpu, const DecodedInsn *d)
{
    scalar_to_gpr(cpu, d, true, true);
}

/* MMX forms: two 32-bit integers in an MMX register or 64-bit memory operand. */
void exec_cvtpi2ps(CpuState *cpu, const DecodedInsn *d)
{
    ssefp_check_mmx_form(cpu, d);
    XmmReg a;
    sse_read(cpu, d, 0, &a);
    uint64_t v = mmx_read(cpu, d, 1);
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < 2; i++) {
        a.d[i] = i32_to_f32((int32_t)(uint32_t)(v >> (32 * i)), &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &a);
    ssefp_end_mmx_form(cpu, d);
}

void exec_cvtpi2pd(CpuState *cpu, const DecodedInsn *d)
{
    ssefp_check_mmx_form(cpu, d);
    uint64_t v = mmx_read(cpu, d, 1);
    SseFp s = ssefp_begin(cpu);
    XmmReg r;
    for (unsigned i = 0; i < 2; i++) {
        r.q[i] = i32_to_f64((int32_t)(uint32_t)(v >> (32 * i)), &s.env);
        ssefp_next(&s);
    }
    finish_xmm(cpu, d, &s, &r);
    ssefp_end_mmx_form(cpu, d);
}

static void ps_to_pi(CpuState *cpu, const DecodedInsn *d, bool truncate)
{
    ssefp_check_mmx_form(cpu, d);
    XmmReg b;
    sse_read(cpu, d, 1, &b);
    SseFp s = ssefp_begin(cpu);
    uint64_t v = 0;
    for (unsigned i = 0; i < 2; i++) {
        v |= (uint64_t)(uint32_t)f32_to_i32(b.d[i], truncate, &s.env) << (32 * i);
        ssefp_next(&s);
    }
    ssefp_finish(cpu, &s);
    mmx_write(cpu, d, 0, v);
    ssefp_end_mmx_form(cpu, d);
}

static void pd_to_pi(CpuState *cpu, const DecodedInsn *d, bool truncate)
{
    ssefp_check_mmx_form(cpu, d);
    XmmReg b;
    sse_read(cpu, d, 1, &b);
    SseFp s = ssefp_begin(cpu);
    uint64_t v = 0;
    for (unsigned i = 0; i < 2; i++) {
        v |= (uint64_t)(uint32_t)f64_to_i32(b.q[i], truncate, &s.env) << (32 * i);
        ssefp_next(&s);
    }
    ssefp_finish(cpu, &s);
    mmx_write(cpu, d, 0, v);
    ssefp_end_mmx_form(cpu, d);
}

void exec_cvtps2pi(CpuState *cpu, const DecodedInsn *d)
{
    ps_to_pi(cpu, d, false);
}

void exec_cvttps2pi(CpuState *cpu, const DecodedInsn *d)
{
    ps_to_pi(cpu, d, true);
}

void exec_cvtpd2pi(CpuState *cpu, const DecodedInsn *d)
{
    pd_to_pi(cpu, d, false);
}

void exec_cvttpd2pi(CpuState *cpu, const DecodedInsn *d)
{
    pd_to_pi(cpu, d, true);
}
