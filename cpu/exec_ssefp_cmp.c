/*
 * cpu/exec_ssefp_cmp.c: SSE floating-point comparisons: CMPPS, CMPPD, CMPSS, CMPSD (imm8
 * predicates 0-7, SDM Vol. 2 CMPPS table 3-1; legacy SSE uses imm8 bits 2:0) producing masks,
 * and COMISS, COMISD, UCOMISS, UCOMISD producing ZF, PF, CF (OF, SF, AF cleared).
 */
#include "cpu/exec_ssefp.h"

/*
 * Predicates: which relations make the result true, and whether a QNaN operand is invalid
 * (the "signalling" predicates LT, LE, NLT, NLE; an SNaN is invalid for all of them).
 */
typedef struct CmpPredicate {
    uint8_t true_for; /* bit FloatRelation */
    bool signalling;
} CmpPredicate;

#define REL(r) (1u << (r))

static const CmpPredicate cmp_predicates[8] = {
    {REL(FLOAT_EQUAL), false},                                            /* EQ_OQ */
    {REL(FLOAT_LESS), true},                                              /* LT_OS */
    {REL(FLOAT_LESS) | REL(FLOAT_EQUAL), true},                           /* LE_OS */
    {REL(FLOAT_UNORDERED), false},                                        /* UNORD_Q */
    {REL(FLOAT_LESS) | REL(FLOAT_GREATER) | REL(FLOAT_UNORDERED), false}, /* NEQ_UQ */
    {REL(FLOAT_EQUAL) | REL(FLOAT_GREATER) | REL(FLOAT_UNORDERED), true}, /* NLT_US */
    {REL(FLOAT_GREATER) | REL(FLOAT_UNORDERED), true},                    /* NLE_US */
    {REL(FLOAT_LESS) | REL(FLOAT_EQUAL) | REL(FLOAT_GREATER), false},     /* ORD_Q */
};

static void compare_f32(CpuState *cpu, const DecodedInsn *d, unsigned count)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    const CmpPredicate *p = &cmp_predicates[d->imm & 7];
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < count; i++) {
        FloatRelation rel = f32_compare(a.d[i], b.d[i], !p->signalling, &s.env);
        a.d[i] = (p->true_for & REL(rel)) ? 0xffffffffu : 0;
        ssefp_next(&s);
    }
    ssefp_finish(cpu, &s);
    sse_write(cpu, d, 0, &a);
}

static void compare_f64(CpuState *cpu, const DecodedInsn *d, unsigned count)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    const CmpPredicate *p = &cmp_predicates[d->imm & 7];
    SseFp s = ssefp_begin(cpu);
    for (unsigned i = 0; i < count; i++) {
        FloatRelation rel = f64_compare(a.q[i], b.q[i], !p->signalling, &s.env);
        a.q[i] = (p->true_for & REL(rel)) ? ~0ull : 0;
        ssefp_next(&s);
    }
    ssefp_finish(cpu, &s);
    sse_write(cpu, d, 0, &a);
}

void exec_cmpps(CpuState *cpu, const DecodedInsn *d)
{
    compare_f32(cpu, d, 4);
}

void exec_cmppd(CpuState *cpu, const DecodedInsn *d)
{
    compare_f64(cpu, d, 2);
}

void exec_cmpss(CpuState *cpu, const DecodedInsn *d)
{
    compare_f32(cpu, d, 1);
}

void exec_cmpsd_sse(CpuState *cpu, const DecodedInsn *d)
{
    compare_f64(cpu, d, 1);
}

/* COMIS/UCOMIS: unordered ZF PF CF = 111, greater 000, less 001, equal 100. */
static const uint8_t comis_flags[4] = {
    [FLOAT_LESS] = FLAG_CF,
    [FLOAT_EQUAL] = FLAG_ZF,
    [FLOAT_GREATER] = 0,
    [FLOAT_UNORDERED] = FLAG_ZF | FLAG_PF | FLAG_CF,
};

static void comis(CpuState *cpu, const DecodedInsn *d, bool dbl, bool quiet)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    SseFp s = ssefp_begin(cpu);
    FloatRelation rel = dbl ? f64_compare(a.q[0], b.q[0], quiet, &s.env)
                            : f32_compare(a.d[0], b.d[0], quiet, &s.env);
    ssefp_next(&s);
    ssefp_finish(cpu, &s);
    flags_store(cpu, comis_flags[rel]);
}

void exec_comiss(CpuState *cpu, const DecodedInsn *d)
{
    comis(cpu, d, false, false);
}

void exec_comisd(CpuState *cpu, const DecodedInsn *d)
{
    comis(cpu, d, true, false);
}

void exec_ucomiss(CpuState *cpu, const DecodedInsn *d)
{
    comis(cpu, d, false, true);
}

void exec_ucomisd(CpuState *cpu, const DecodedInsn *d)
{
    comis(cpu, d, true, true);
}
