/*
 * tests/unit/test_ssefp.c: the SSE floating-point instructions (cpu/exec_ssefp_*.c) run in
 * vireo on the bare CPU fixture and natively on the host (the oracle), the same instruction
 * bytes on the same register and memory contents, compared bit for bit: the destination (XMM,
 * MMX or general register), MXCSR and the arithmetic flags. Both register and memory source
 * forms run, with random MXCSR settings that sometimes unmask exceptions: then the host's
 * SIGFPE (#XM) and the MXCSR it reports must match an #XM in vireo that leaves the destination
 * unchanged (SDM Vol. 1 §11.5.1: pre- and post-computation exceptions of packed operations).
 *
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS are approximations whose exact values differ between vendors:
 * their special cases (zeros, denormals, infinities, NaNs, negative numbers) must match the
 * host exactly, other values must be within the SDM's relative error of 1.5 * 2^-12.
 *
 * Cases per form: 3000, or VIREO_SSEFP_CASES from the environment.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>

#include "check.h"
#include "cpu/fpu.h"
#include "cpu_fixture.h"
#include "native_page.h"
#include "test_softfloat_gen.h"

#if !defined(__x86_64__)
#error "test_ssefp needs an x86-64 host: the host's SSE unit is the oracle"
#endif

#define CODE_ADDR 0x10000
#define MEM_ADDR 0x20000
#define EXC_VECTOR_XM 19

/* Register and memory state around one instruction; the native stub's offsets follow it. */
typedef struct SseState {
    XmmReg xmm1;     /*   0: destination */
    XmmReg xmm2;     /*  16: register source */
    uint64_t mm1;    /*  32: MMX destination */
    uint64_t mm2;    /*  40: MMX source */
    uint64_t rax;    /*  48: GPR destination */
    uint64_t rcx;    /*  56: GPR source */
    uint64_t mxcsr;  /*  64 */
    uint64_t rflags; /*  72 */
    XmmReg mem;      /*  80: memory source at [rsi] */
} SseState;

_Static_assert(offsetof(SseState, mem) == 80, "native stub offsets");

/* What an instruction produced: the state after it, or the #XM it raised. */
typedef struct SseResult {
    SseState st;
    bool faulted;
    uint32_t fault_mxcsr;
} SseResult;

typedef enum ValueType {
    VT_F32,
    VT_F64,
    VT_I32,
    VT_I64,
} ValueType;

typedef enum OperandPlace {
    OP_XMM,
    OP_MMX,
    OP_GPR,
} OperandPlace;

typedef enum ImmKind {
    IMM_NONE,
    IMM_CMP,   /* predicates 0-7 (and higher bits, which legacy SSE ignores) */
    IMM_ROUND, /* ROUNDxx: 0-15 */
    IMM_DP,    /* DPPS/DPPD: any byte */
} ImmKind;

typedef struct Form {
    const char *name;
    uint8_t code[6]; /* prefixes and opcode bytes; the ModRM (and imm8) follow */
    uint8_t len;
    uint8_t dst, src;     /* OperandPlace */
    uint8_t dst_t, src_t; /* ValueType of destination and source elements */
    uint8_t imm;          /* ImmKind */
    uint8_t pair;         /* GenPair for correlated floating-point operands */
    bool approx;          /* RCP/RSQRT */
} Form;

#define F(n, ...) .name = n, .code = {__VA_ARGS__}, .len = sizeof((uint8_t[]){__VA_ARGS__})
#define XX(t1, t2) .dst = OP_XMM, .src = OP_XMM, .dst_t = t1, .src_t = t2

static const Form forms[] = {
    {F("addps", 0x0f, 0x58), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("addpd", 0x66, 0x0f, 0x58), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("addss", 0xf3, 0x0f, 0x58), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("addsd", 0xf2, 0x0f, 0x58), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("subps", 0x0f, 0x5c), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("subpd", 0x66, 0x0f, 0x5c), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("subss", 0xf3, 0x0f, 0x5c), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("subsd", 0xf2, 0x0f, 0x5c), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("mulps", 0x0f, 0x59), XX(VT_F32, VT_F32), .pair = GEN_PAIR_MUL},
    {F("mulpd", 0x66, 0x0f, 0x59), XX(VT_F64, VT_F64), .pair = GEN_PAIR_MUL},
    {F("mulss", 0xf3, 0x0f, 0x59), XX(VT_F32, VT_F32), .pair = GEN_PAIR_MUL},
    {F("mulsd", 0xf2, 0x0f, 0x59), XX(VT_F64, VT_F64), .pair = GEN_PAIR_MUL},
    {F("divps", 0x0f, 0x5e), XX(VT_F32, VT_F32), .pair = GEN_PAIR_DIV},
    {F("divpd", 0x66, 0x0f, 0x5e), XX(VT_F64, VT_F64), .pair = GEN_PAIR_DIV},
    {F("divss", 0xf3, 0x0f, 0x5e), XX(VT_F32, VT_F32), .pair = GEN_PAIR_DIV},
    {F("divsd", 0xf2, 0x0f, 0x5e), XX(VT_F64, VT_F64), .pair = GEN_PAIR_DIV},
    {F("sqrtps", 0x0f, 0x51), XX(VT_F32, VT_F32)},
    {F("sqrtpd", 0x66, 0x0f, 0x51), XX(VT_F64, VT_F64)},
    {F("sqrtss", 0xf3, 0x0f, 0x51), XX(VT_F32, VT_F32)},
    {F("sqrtsd", 0xf2, 0x0f, 0x51), XX(VT_F64, VT_F64)},
    {F("minps", 0x0f, 0x5d), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("minpd", 0x66, 0x0f, 0x5d), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("minss", 0xf3, 0x0f, 0x5d), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("minsd", 0xf2, 0x0f, 0x5d), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("maxps", 0x0f, 0x5f), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("maxpd", 0x66, 0x0f, 0x5f), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("maxss", 0xf3, 0x0f, 0x5f), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("maxsd", 0xf2, 0x0f, 0x5f), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("rcpps", 0x0f, 0x53), XX(VT_F32, VT_F32), .approx = true},
    {F("rcpss", 0xf3, 0x0f, 0x53), XX(VT_F32, VT_F32), .approx = true},
    {F("rsqrtps", 0x0f, 0x52), XX(VT_F32, VT_F32), .approx = true},
    {F("rsqrtss", 0xf3, 0x0f, 0x52), XX(VT_F32, VT_F32), .approx = true},
    {F("cmpps", 0x0f, 0xc2), XX(VT_F32, VT_F32), .imm = IMM_CMP},
    {F("cmppd", 0x66, 0x0f, 0xc2), XX(VT_F64, VT_F64), .imm = IMM_CMP},
    {F("cmpss", 0xf3, 0x0f, 0xc2), XX(VT_F32, VT_F32), .imm = IMM_CMP},
    {F("cmpsd", 0xf2, 0x0f, 0xc2), XX(VT_F64, VT_F64), .imm = IMM_CMP},
    {F("comiss", 0x0f, 0x2f), XX(VT_F32, VT_F32)},
    {F("comisd", 0x66, 0x0f, 0x2f), XX(VT_F64, VT_F64)},
    {F("ucomiss", 0x0f, 0x2e), XX(VT_F32, VT_F32)},
    {F("ucomisd", 0x66, 0x0f, 0x2e), XX(VT_F64, VT_F64)},
    {F("addsubps", 0xf2, 0x0f, 0xd0), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("addsubpd", 0x66, 0x0f, 0xd0), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("haddps", 0xf2, 0x0f, 0x7c), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("haddpd", 0x66, 0x0f, 0x7c), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("hsubps", 0xf2, 0x0f, 0x7d), XX(VT_F32, VT_F32), .pair = GEN_PAIR_ADD},
    {F("hsubpd", 0x66, 0x0f, 0x7d), XX(VT_F64, VT_F64), .pair = GEN_PAIR_ADD},
    {F("dpps", 0x66, 0x0f, 0x3a, 0x40), XX(VT_F32, VT_F32), .imm = IMM_DP, .pair = GEN_PAIR_MUL},
    {F("dppd", 0x66, 0x0f, 0x3a, 0x41), XX(VT_F64, VT_F64), .imm = IMM_DP, .pair = GEN_PAIR_MUL},
    {F("roundps", 0x66, 0x0f, 0x3a, 0x08), XX(VT_F32, VT_F32), .imm = IMM_ROUND},
    {F("roundpd", 0x66, 0x0f, 0x3a, 0x09), XX(VT_F64, VT_F64), .imm = IMM_ROUND},
    {F("roundss", 0x66, 0x0f, 0x3a, 0x0a), XX(VT_F32, VT_F32), .imm = IMM_ROUND},
    {F("roundsd", 0x66, 0x0f, 0x3a, 0x0b), XX(VT_F64, VT_F64), .imm = IMM_ROUND},
    {F("cvtps2pd", 0x0f, 0x5a), XX(VT_F64, VT_F32)},
    {F("cvtpd2ps", 0x66, 0x0f, 0x5a), XX(VT_F32, VT_F64)},
    {F("cvtss2sd", 0xf3, 0x0f, 0x5a), XX(VT_F64, VT_F32)},
    {F("cvtsd2ss", 0xf2, 0x0f, 0x5a), XX(VT_F32, VT_F64)},
    {F("cvtdq2ps", 0x0f, 0x5b), XX(VT_F32, VT_I32)},
    {F("cvtps2dq", 0x66, 0x0f, 0x5b), XX(VT_I32, VT_F32)},
    {F("cvttps2dq", 0xf3, 0x0f, 0x5b), XX(VT_I32, VT_F32)},
    {F("cvtdq2pd", 0xf3, 0x0f, 0xe6), XX(VT_F64, VT_I32)},
    {F("cvtpd2dq", 0xf2, 0x0f, 0xe6), XX(VT_I32, VT_F64)},
    {F("cvttpd2dq", 0x66, 0x0f, 0xe6), XX(VT_I32, VT_F64)},
    {F("cvtpi2ps", 0x0f, 0x2a), .dst = OP_XMM, .src = OP_MMX, .dst_t = VT_F32, .src_t = VT_I32},
    {F("cvtpi2pd", 0x66, 0x0f, 0x2a), .dst = OP_XMM, .src = OP_MMX, .dst_t = VT_F64,
     .src_t = VT_I32},
    {F("cvtps2pi", 0x0f, 0x2d), .dst = OP_MMX, .src = OP_XMM, .dst_t = VT_I32, .src_t = VT_F32},
    {F("cvttps2pi", 0x0f, 0x2c), .dst = OP_MMX, .src = OP_XMM, .dst_t = VT_I32, .src_t = VT_F32},
    {F("cvtpd2pi", 0x66, 0x0f, 0x2d), .dst = OP_MMX, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F64},
    {F("cvttpd2pi", 0x66, 0x0f, 0x2c), .dst = OP_MMX, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F64},
    {F("cvtsi2ss", 0xf3, 0x0f, 0x2a), .dst = OP_XMM, .src = OP_GPR, .dst_t = VT_F32,
     .src_t = VT_I32},
    {F("cvtsi2ss q", 0xf3, 0x48, 0x0f, 0x2a), .dst = OP_XMM, .src = OP_GPR, .dst_t = VT_F32,
     .src_t = VT_I64},
    {F("cvtsi2sd", 0xf2, 0x0f, 0x2a), .dst = OP_XMM, .src = OP_GPR, .dst_t = VT_F64,
     .src_t = VT_I32},
    {F("cvtsi2sd q", 0xf2, 0x48, 0x0f, 0x2a), .dst = OP_XMM, .src = OP_GPR, .dst_t = VT_F64,
     .src_t = VT_I64},
    {F("cvtss2si", 0xf3, 0x0f, 0x2d), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F32},
    {F("cvtss2si q", 0xf3, 0x48, 0x0f, 0x2d), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I64,
     .src_t = VT_F32},
    {F("cvttss2si", 0xf3, 0x0f, 0x2c), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F32},
    {F("cvttss2si q", 0xf3, 0x48, 0x0f, 0x2c), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I64,
     .src_t = VT_F32},
    {F("cvtsd2si", 0xf2, 0x0f, 0x2d), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F64},
    {F("cvtsd2si q", 0xf2, 0x48, 0x0f, 0x2d), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I64,
     .src_t = VT_F64},
    {F("cvttsd2si", 0xf2, 0x0f, 0x2c), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I32,
     .src_t = VT_F64},
    {F("cvttsd2si q", 0xf2, 0x48, 0x0f, 0x2c), .dst = OP_GPR, .src = OP_XMM, .dst_t = VT_I64,
     .src_t = VT_F64},
};

static unsigned case_count(void)
{
    const char *s = getenv("VIREO_SSEFP_CASES");
    return s ? (unsigned)strtoul(s, NULL, 0) : 3000;
}

/* ---- the host ---------------------------------------------------------------------------- */

static uint8_t *native_page;
static sigjmp_buf native_jump;
static volatile uint32_t native_fault_mxcsr;

static void native_on_sigfpe(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)info;
    native_fault_mxcsr = ((ucontext_t *)ctx)->uc_mcontext.fpregs->mxcsr;
    siglongjmp(native_jump, 1);
}

static bool native_setup(void)
{
    native_page = native_page_map();
    return native_page && native_catch_faults(native_on_sigfpe);
}

/* Runs `insn` (followed by RET in the page) on the state: xmm1/xmm2, mm1/mm2, rax/rcx, rsi
 * pointing at st->mem, MXCSR and RFLAGS loaded first and read back after. */
static void native_exec(SseState *st)
{
    static const uint32_t mxcsr_default = 0x1f80;
    __asm__ volatile("movdqu 0(%[s]), %%xmm1\n\t"
                     "movdqu 16(%[s]), %%xmm2\n\t"
                     "movq 32(%[s]), %%mm1\n\t"
                     "movq 40(%[s]), %%mm2\n\t"
                     "mov 48(%[s]), %%rax\n\t"
                     "mov 56(%[s]), %%rcx\n\t"
                     "lea 80(%[s]), %%rsi\n\t"
                     "ldmxcsr 64(%[s])\n\t"
                     "sub $128, %%rsp\n\t"
                     "pushq 72(%[s])\n\t"
                     "popfq\n\t"
                     "call *%[p]\n\t"
                     "pushfq\n\t"
                     "popq 72(%[s])\n\t"
                     "add $128, %%rsp\n\t"
                     "stmxcsr 64(%[s])\n\t"
                     "movdqu %%xmm1, 0(%[s])\n\t"
                     "movq %%mm1, 32(%[s])\n\t"
                     "mov %%rax, 48(%[s])\n\t"
                     "emms\n\t"
                     "ldmxcsr %[def]"
                     :
                     : [s] "D"(st), [p] "r"(native_page), [def] "m"(mxcsr_default)
                     : "rax", "rcx", "rsi", "xmm1", "xmm2", "mm1", "mm2", "memory", "cc");
}

static void native_run(const uint8_t *insn, unsigned len, const SseState *in, SseResult *out)
{
    static const uint32_t mxcsr_default = 0x1f80;
    memcpy(native_page, insn, len);
    native_page[len] = 0xc3;
    out->st = *in;
    out->faulted = false;
    if (sigsetjmp(native_jump, 1) == 0) {
        native_exec(&out->st);
    } else {
        out->faulted = true;
        out->fault_mxcsr = native_fault_mxcsr;
        __asm__ volatile("emms\n\tldmxcsr %0" : : "m"(mxcsr_default));
    }
}

/* ---- vireo -------------------------------------------------------------------------------- */

static Fixture fx;

static void vireo_run(const uint8_t *insn, unsigned len, const SseState *in, SseResult *out)
{
    CpuState *cpu = &fx.cpu;
    uint8_t code[32];
    memcpy(code, insn, len);
    code[len] = 0xf4; /* HLT */
    fixture_write(&fx, CODE_ADDR, code, len + 1);
    fixture_write(&fx, MEM_ADDR, &in->mem, sizeof(in->mem));
    cpu->rip = CODE_ADDR;
    cpu->fpu.xmm[1] = in->xmm1;
    cpu->fpu.xmm[2] = in->xmm2;
    fpu_mmx_set(cpu, 1, in->mm1);
    fpu_mmx_set(cpu, 2, in->mm2);
    cpu->regs[R_AX] = in->rax;
    cpu->regs[R_CX] = in->rcx;
    cpu->regs[R_SI] = MEM_ADDR;
    cpu->fpu.mxcsr = (uint32_t)in->mxcsr;
    cpu_set_rflags(cpu, in->rflags);
    cpu->exception_intercept = ~0u;
    cpu->halted = false;
    CpuExit e = fixture_run(&fx, ~0ull, 4);

    out->st = *in;
    out->st.xmm1 = cpu->fpu.xmm[1];
    out->st.mm1 = fpu_mmx_get(cpu, 1);
    out->st.rax = cpu->regs[R_AX];
    out->st.mxcsr = cpu->fpu.mxcsr;
    out->st.rflags = cpu_get_rflags(cpu);
    out->faulted = false;
    if (e == CPU_EXIT_EXCEPTION) {
        out->faulted = true;
        out->fault_mxcsr = cpu->fpu.mxcsr | (cpu->intercepted.vector == EXC_VECTOR_XM ? 0 : ~0u);
    } else if (e != CPU_EXIT_HALT) {
        out->faulted = true;
        out->fault_mxcsr = ~0u;
    }
}

/* ---- operands ----------------------------------------------------------------------------- */

static uint32_t random_mxcsr(Rng *r)
{
    uint32_t masks = 0x3f;
    if (rng_below(r, 4) == 0) {
        masks &= (uint32_t)rng_next(r) | (uint32_t)rng_next(r); /* about a quarter unmasked */
    }
    uint32_t sticky = rng_below(r, 4) == 0 ? (uint32_t)rng_next(r) & 0x3f : 0;
    return (masks << 7) | (rng_below(r, 4) << 13) | (rng_below(r, 2) << 6) |
           (rng_below(r, 2) << 15) | sticky;
}

static void fill_lanes(Rng *r, const Form *f, XmmReg *dst, XmmReg *src)
{
    for (unsigned i = 0; i < 4; i++) {
        GenNum a, b;
        gen_pair(&gen_f32, (GenPair)f->pair, r, &a, &b);
        dst->d[i] = f->dst_t == VT_F32 ? gen_pack32(a) : (uint32_t)gen_int(r, 32);
        src->d[i] = f->src_t == VT_F32 ? gen_pack32(b) : (uint32_t)gen_int(r, 32);
    }
    for (unsigned i = 0; i < 2; i++) {
        GenNum a, b;
        gen_pair(&gen_f64, (GenPair)f->pair, r, &a, &b);
        if (f->dst_t == VT_F64) {
            dst->q[i] = gen_pack64(a);
        }
        if (f->src_t == VT_F64) {
            src->q[i] = f->dst_t == VT_I32 ? gen_pack64(gen_for_int(&gen_f64, r)) : gen_pack64(b);
        }
    }
    if (f->dst_t == VT_I32 && f->src_t == VT_F32) {
        for (unsigned i = 0; i < 4; i++) {
            src->d[i] = gen_pack32(gen_for_int(&gen_f32, r));
        }
    }
}

static uint8_t random_imm(Rng *r, ImmKind k)
{
    switch (k) {
    case IMM_CMP:
        return (uint8_t)(rng_below(r, 8) | (rng_below(r, 4) == 0 ? rng_next(r) & 0xf8 : 0));
    case IMM_ROUND:
        return (uint8_t)rng_below(r, 16);
    default:
        return (uint8_t)rng_next(r);
    }
}

/* Instruction bytes: code, ModRM (register form: reg 1 or rax, rm 2 or rcx; memory: [rsi]),
 * imm8. */
static unsigned encode(const Form *f, bool mem, uint8_t imm, uint8_t *out)
{
    unsigned n = f->len;
    memcpy(out, f->code, n);
    unsigned reg = f->dst == OP_GPR ? 0 : 1;
    unsigned rm = f->src == OP_GPR ? 1 : 2;
    out[n++] = (uint8_t)(mem ? (reg << 3) | 6 : 0xc0 | (reg << 3) | rm);
    if (f->imm != IMM_NONE) {
        out[n++] = imm;
    }
    return n;
}

/* ---- comparison --------------------------------------------------------------------------- */

#define ARITH_FLAGS 0x8d5u

/* |r - exact| / |exact| <= 1.5 * 2^-12, in double precision (exact enough for the bound). */
static bool within_bound(uint32_t src, uint32_t res, bool rsqrt_op)
{
    float fs, fr;
    memcpy(&fs, &src, 4);
    memcpy(&fr, &res, 4);
    double exact = rsqrt_op ? 1.0 / sqrt((double)fs) : 1.0 / (double)fs;
    return fabs((double)fr - exact) <= fabs(exact) * 1.5 / 4096.0;
}

/*
 * RCP/RSQRT, lane by lane: special inputs (zero, denormal, infinity, NaN; negative for RSQRT)
 * give exact results; |x| from 1.11111111110100000000000B * 2^125 up may give a tiny result,
 * which is flushed to zero (SDM RCPPS: implementation dependent): zero or the bound; other
 * values are within the bound.
 */
static bool approx_lane_ok(uint32_t x, uint32_t r, bool rsqrt_op)
{
    if (!rsqrt_op && (x & 0x7fffffffu) >= 0x7e7fe800u && r == (x & 0x80000000u)) {
        return true;
    }
    return within_bound(x, r, rsqrt_op);
}

static bool approx_matches(const Form *f, const SseState *in, const SseResult *h,
                           const SseResult *v, bool mem)
{
    bool rsqrt_op = f->code[f->len - 1] == 0x52;
    unsigned lanes = f->code[0] == 0xf3 ? 1 : 4;
    const XmmReg *src = mem ? &in->mem : &in->xmm2;
    if (h->faulted || v->faulted || h->st.mxcsr != v->st.mxcsr) {
        return false;
    }
    for (unsigned i = 0; i < 4; i++) {
        uint32_t hs = h->st.xmm1.d[i], vs = v->st.xmm1.d[i], x = src->d[i];
        uint32_t e = (x >> 23) & 0xff;
        bool special = e == 0 || e == 0xff || (rsqrt_op && (x >> 31));
        if (i >= lanes || special) {
            if (hs != vs) {
                return false;
            }
        } else if (!approx_lane_ok(x, hs, rsqrt_op) || !approx_lane_ok(x, vs, rsqrt_op)) {
            return false;
        }
    }
    return true;
}

static bool results_match(const Form *f, const SseState *in, const SseResult *h, const SseResult *v)
{
    if (h->faulted != v->faulted) {
        return false;
    }
    if (h->faulted) {
        /* #XM: the MXCSR flags as the host reported them, nothing else changed. */
        return h->fault_mxcsr == v->fault_mxcsr && !memcmp(&v->st.xmm1, &in->xmm1, 16) &&
               v->st.mm1 == in->mm1 && v->st.rax == in->rax &&
               (v->st.rflags & ARITH_FLAGS) == (in->rflags & ARITH_FLAGS);
    }
    return !memcmp(&h->st.xmm1, &v->st.xmm1, 16) && h->st.mxcsr == v->st.mxcsr &&
           (f->dst != OP_MMX || h->st.mm1 == v->st.mm1) &&
           (f->dst != OP_GPR || h->st.rax == v->st.rax) &&
           (h->st.rflags & ARITH_FLAGS) == (v->st.rflags & ARITH_FLAGS);
}

static void print_case(const Form *f, const uint8_t *insn, unsigned len, const SseState *in,
                       const SseResult *h, const SseResult *v)
{
    fprintf(stderr, "%s:", f->name);
    for (unsigned i = 0; i < len; i++) {
        fprintf(stderr, " %02x", insn[i]);
    }
    fprintf(stderr,
            "\n  in  xmm1 %016" PRIx64 ":%016" PRIx64 " src %016" PRIx64 ":%016" PRIx64
            " mm2 %016" PRIx64 " rcx %016" PRIx64 " mxcsr %04x\n",
            in->xmm1.q[1], in->xmm1.q[0], in->xmm2.q[1], in->xmm2.q[0], in->mm2, in->rcx,
            (unsigned)in->mxcsr);
    const SseResult *rs[2] = {h, v};
    for (unsigned k = 0; k < 2; k++) {
        const SseResult *r = rs[k];
        fprintf(stderr,
                "  %s xmm1 %016" PRIx64 ":%016" PRIx64 " mm1 %016" PRIx64 " rax %016" PRIx64
                " mxcsr %04x flags %03x %s %08x\n",
                k ? "vir " : "host", r->st.xmm1.q[1], r->st.xmm1.q[0], r->st.mm1, r->st.rax,
                (unsigned)r->st.mxcsr, (unsigned)(r->st.rflags & ARITH_FLAGS),
                r->faulted ? "fault" : "ok", r->faulted ? r->fault_mxcsr : 0);
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_ssefp_forms_match_host(void)
{
    CHECK(native_setup());
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    fx.cpu.regs[R_SP] = 0x80000;
    Rng r = {0x6a09e667f3bcc908ull};
    unsigned n = case_count();
    unsigned total_bad = 0;
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        const Form *f = &forms[k];
        unsigned bad = 0, faults = 0;
        for (unsigned i = 0; i < n; i++) {
            SseState in;
            memset(&in, 0, sizeof(in));
            fill_lanes(&r, f, &in.xmm1, &in.xmm2);
            in.mem = in.xmm2;
            in.mm1 = rng_next(&r);
            in.mm2 = ((uint64_t)(uint32_t)gen_int(&r, 32) << 32) | (uint32_t)gen_int(&r, 32);
            in.rax = rng_next(&r);
            in.rcx = (uint64_t)gen_int(&r, f->src_t == VT_I64 ? 64 : 32);
            if (f->src == OP_GPR) {
                in.mem.q[0] = in.rcx;
            }
            in.mxcsr = f->approx ? (random_mxcsr(&r) | 0x1f80) : random_mxcsr(&r);
            in.rflags = 0x202 | ((rng_next(&r) & 1) ? ARITH_FLAGS : 0);
            bool mem = rng_below(&r, 3) == 0;
            uint8_t insn[16];
            unsigned len = encode(f, mem, random_imm(&r, (ImmKind)f->imm), insn);
            SseResult h, v;
            native_run(insn, len, &in, &h);
            vireo_run(insn, len, &in, &v);
            faults += h.faulted;
            bool ok =
                f->approx ? approx_matches(f, &in, &h, &v, mem) : results_match(f, &in, &h, &v);
            if (!ok && ++bad <= 3) {
                print_case(f, insn, len, &in, &h, &v);
            }
        }
        printf("  %-12s %6u cases (%u #XM), %u mismatches\n", f->name, n, faults, bad);
        total_bad += bad;
    }
    CHECK_EQ(total_bad, 0);
    fixture_destroy(&fx);
}

static const Form *find_form(const char *name)
{
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        if (!strcmp(forms[k].name, name)) {
            return &forms[k];
        }
    }
    return NULL;
}

/* One register-form case, natively and in vireo; true when they agree. */
static bool fixed_case_matches(const char *name, XmmReg dst, XmmReg src, uint32_t mxcsr,
                               uint8_t imm, bool expect_fault)
{
    const Form *f = find_form(name);
    if (!f) {
        return false;
    }
    SseState in;
    memset(&in, 0, sizeof(in));
    in.xmm1 = dst;
    in.xmm2 = src;
    in.mxcsr = mxcsr;
    in.rflags = 0x202;
    uint8_t insn[16];
    unsigned len = encode(f, false, imm, insn);
    SseResult h, v;
    native_run(insn, len, &in, &h);
    vireo_run(insn, len, &in, &v);
    bool ok = results_match(f, &in, &h, &v) && h.faulted == expect_fault;
    if (!ok) {
        print_case(f, insn, len, &in, &h, &v);
    }
    return ok;
}

#define XMM_D(a, b, c, e) ((XmmReg){.d = {a, b, c, e}})

/*
 * SDM Vol. 1 §11.5.1 on chosen operands: in ADDPS, element 0 overflows (OE, PE), element 1 is
 * an SNaN (IE), element 2 is inexact (PE), element 3 adds a denormal (DE) and gives a tiny
 * exact result (UE when unmasked); each exception unmasked in turn. An unmasked pre-computation
 * exception reports the pre-computation flags only; an unmasked post-computation one reports all.
 */
static void test_ssefp_packed_exception_flags(void)
{
    CHECK(native_setup());
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    XmmReg a = XMM_D(0x7f7fffff, 0x7f800001, 0x3f800000, 0x00000001);
    XmmReg b = XMM_D(0x7f7fffff, 0x3f800000, 0x33800001, 0x00000000);
    CHECK(fixed_case_matches("addps", a, b, 0x1f80, 0, false));
    for (unsigned bit = 0; bit < 6; bit++) {
        bool faults = bit != 2; /* no division by zero here */
        CHECK(fixed_case_matches("addps", a, b, 0x1f80 & ~(0x80u << bit), 0, faults));
    }
    /* A tiny result still tiny after the bias adjustment, exact in 24 bits: UE alone. */
    XmmReg t = {.q = {0x0304dba380000000ull, 0}};
    CHECK(fixed_case_matches("cvtsd2ss", t, t, 0x1780, 0, true));
    fixture_destroy(&fx);
}

/*
 * DPPS computes in stages (products, partial sums, final sum), each reporting its exceptions
 * before the next runs: here the partial sum 1 + 2^-30 is inexact and the final sum has a
 * denormal operand, so with only PE unmasked the #XM reports PE without DE.
 */
static void test_ssefp_dpps_reports_per_stage(void)
{
    CHECK(native_setup());
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    XmmReg a = XMM_D(0x3f800000, 0x30800000, 0x20400000, 0xa0000000);
    XmmReg b = XMM_D(0x3f800000, 0x3f800000, 0x20000000, 0x20000000);
    CHECK(fixed_case_matches("dpps", a, b, 0x0f80, 0xf1, true));
    CHECK(fixed_case_matches("dpps", a, b, 0x1f80, 0xf1, false));
    CHECK(fixed_case_matches("dpps", a, b, 0x1e80, 0xf1, true));
    fixture_destroy(&fx);
}

/* The x87 state around an MMX form: x87 control/status words given, TOP = 4, all tags empty;
 * returns whether it faulted, and the TOP and abridged tag word after. */
typedef struct X87Probe {
    bool faulted;
    unsigned top;
    uint8_t ftw;
} X87Probe;

static X87Probe native_mmx_probe(const uint8_t *insn, unsigned len, uint16_t fcw, uint16_t fsw)
{
    static XmmReg mem;
    uint8_t env[28];
    memcpy(native_page, insn, len);
    native_page[len] = 0xc3;
    __asm__ volatile("fninit\n\tfnstenv %0" : "=m"(env));
    uint16_t sw = (uint16_t)(fsw | 0x2000), tw = 0xffff;
    memcpy(env, &fcw, 2);
    memcpy(env + 4, &sw, 2);
    memcpy(env + 8, &tw, 2);
    X87Probe p = {.faulted = false};
    if (sigsetjmp(native_jump, 1) == 0) {
        __asm__ volatile("fldenv %[e]\n\t"
                         "mov %[m], %%rsi\n\t"
                         "sub $128, %%rsp\n\t"
                         "call *%[p]\n\t"
                         "add $128, %%rsp"
                         :
                         : [e] "m"(env), [m] "r"(&mem), [p] "r"(native_page)
                         : "rsi", "xmm1", "xmm2", "mm1", "mm2", "memory", "cc");
    } else {
        p.faulted = true;
    }
    __asm__ volatile("fnclex\n\tfnstenv %0\n\tfninit" : "=m"(env));
    memcpy(&sw, env + 4, 2);
    memcpy(&tw, env + 8, 2);
    p.top = (sw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        p.ftw |= (uint8_t)((((tw >> (2 * i)) & 3) != 3) << i);
    }
    return p;
}

static X87Probe vireo_mmx_probe(const uint8_t *insn, unsigned len, uint16_t fcw, uint16_t fsw)
{
    CpuState *cpu = &fx.cpu;
    uint8_t code[32];
    memcpy(code, insn, len);
    code[len] = 0xf4;
    fixture_write(&fx, CODE_ADDR, code, len + 1);
    cpu->rip = CODE_ADDR;
    cpu->regs[R_SI] = MEM_ADDR;
    cpu->fpu.mxcsr = 0x1f80;
    cpu->fpu.fcw = fcw;
    cpu->fpu.fsw = fsw;
    cpu->fpu.top = 4;
    cpu->fpu.ftw = 0;
    cpu->exception_intercept = ~0u;
    cpu->halted = false;
    CpuExit e = fixture_run(&fx, ~0ull, 4);
    return (X87Probe){.faulted = e != CPU_EXIT_HALT, .top = cpu->fpu.top, .ftw = cpu->fpu.ftw};
}

/*
 * The MMX forms (CVTPI2PS and relatives) with an MMX register operand report a pending x87
 * exception (#MF) and put the x87 in MMX mode (TOP 0, tags valid); CVTPI2PS/PD with a memory
 * source do neither.
 */
static void test_ssefp_mmx_forms_x87_state(void)
{
    CHECK(native_setup());
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    static const char *const names[] = {"cvtpi2ps", "cvtpi2pd", "cvtps2pi", "cvttpd2pi"};
    for (unsigned k = 0; k < 4; k++) {
        const Form *f = find_form(names[k]);
        CHECK(f != NULL);
        if (!f) {
            continue;
        }
        for (unsigned mem = 0; mem < 2; mem++) {
            uint8_t insn[16];
            unsigned len = encode(f, mem, 0, insn);
            for (unsigned pending = 0; pending < 2; pending++) {
                uint16_t fcw = pending ? 0x037e : 0x037f, fsw = pending ? 0x0081 : 0;
                X87Probe h = native_mmx_probe(insn, len, fcw, fsw);
                X87Probe v = vireo_mmx_probe(insn, len, fcw, fsw);
                bool ok =
                    h.faulted == v.faulted && (h.faulted || (h.top == v.top && h.ftw == v.ftw));
                if (!ok) {
                    fprintf(stderr,
                            "%s mem %u pending %u: host fault %d top %u ftw %02x, "
                            "vireo fault %d top %u ftw %02x\n",
                            f->name, mem, pending, h.faulted, h.top, h.ftw, v.faulted, v.top,
                            v.ftw);
                }
                CHECK(ok);
            }
        }
    }
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_ssefp_mmx_forms_x87_state),
    CHECK_TEST(test_ssefp_forms_match_host),
    CHECK_TEST(test_ssefp_packed_exception_flags),
    CHECK_TEST(test_ssefp_dpps_reports_per_stage),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
