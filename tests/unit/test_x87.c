/*
 * tests/unit/test_x87.c: every x87 encoding (D8-DF, all register forms and every memory form
 * with a [rsi] operand) runs in vireo on the bare CPU fixture and natively on the host (the
 * oracle) from the same state, compared bit for bit.
 *
 * The state goes in with FRSTOR and comes out with FNSAVE on both sides: control word, status
 * word (flags, condition codes, TOP, ES, SF), full tag word and the eight registers; plus the
 * memory operand, RFLAGS (FCOMI, FCMOVcc) and AX (FNSTSW AX). FNSAVE does not wait, so an
 * unmasked exception is seen as ES and its flags, without a trap on the host. The instruction
 * and data pointers are left out: they hold addresses that differ between the two runs.
 *
 * The states aim at the hard cases: random TOP and tags (empty registers give stack faults),
 * f80 values from the softfloat generators (denormals, NaNs with payloads, infinities,
 * unsupported encodings, values at rounding boundaries), every rounding and precision control,
 * sometimes unmasked exceptions. Cases per encoding: 2000, or VIREO_X87_CASES.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/decode.h"
#include "cpu/fpu.h"
#include "cpu_fixture.h"
#include "native_page.h"
#include "test_softfloat_gen.h"

#if !defined(__x86_64__)
#error "test_x87 needs an x86-64 host: the host's x87 is the oracle"
#endif

#define CODE_ADDR 0x10000
#define IN_ADDR 0x20000
#define OUT_ADDR 0x21000
#define MEM_ADDR 0x22000
#define SAVE_SIZE 108
#define MEM_SIZE 128
#define ARITH_FLAGS 0x8d5u

typedef struct X87State {
    uint8_t save[SAVE_SIZE]; /* FSAVE image, 32-bit format */
    uint8_t mem[MEM_SIZE];   /* the memory operand at [rsi] */
    uint64_t rflags;
    uint64_t rax;
} X87State;

typedef struct X87Result {
    X87State st;
    int fault; /* 0, or the signal (host) / vector + 1 (vireo) */
} X87Result;

/* ---- the host ---------------------------------------------------------------------------- */

static uint8_t *native_page;
static sigjmp_buf native_jump;
static volatile int native_signal;

static void native_on_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)info;
    (void)ctx;
    native_signal = sig;
    siglongjmp(native_jump, 1);
}

static bool native_setup(void)
{
    native_page = native_page_map();
    return native_page && native_catch_faults(native_on_signal);
}

/* The same code runs on both sides: FRSTOR [rdi]; the instruction; FNSAVE [rdx]. */
static unsigned build_code(uint8_t *code, const uint8_t *insn, unsigned len, uint8_t end)
{
    unsigned n = 0;
    code[n++] = 0xdd;
    code[n++] = 0x27; /* frstor [rdi] */
    memcpy(code + n, insn, len);
    n += len;
    code[n++] = 0xdd;
    code[n++] = 0x32; /* fnsave [rdx] */
    code[n++] = end;
    return n;
}

static void native_run(const uint8_t *insn, unsigned len, const X87State *in, X87Result *out)
{
    build_code(native_page, insn, len, 0xc3);
    static X87State io;
    io = *in;
    memset(out, 0, sizeof(*out));
    if (sigsetjmp(native_jump, 1) == 0) {
        __asm__ volatile("sub $128, %%rsp\n\t"
                         "pushq %[fl]\n\t"
                         "popfq\n\t"
                         "call *%[p]\n\t"
                         "pushfq\n\t"
                         "popq %[fl]\n\t"
                         "add $128, %%rsp"
                         : [fl] "+m"(io.rflags), "+a"(io.rax)
                         : [p] "r"(native_page), "D"(in->save), "d"(io.save), "S"(io.mem)
                         : "memory", "cc");
        out->st = io;
    } else {
        __asm__ volatile("fninit");
        out->fault = native_signal;
    }
}

/* ---- vireo -------------------------------------------------------------------------------- */

static Fixture fx;

static void vireo_run(const uint8_t *insn, unsigned len, const X87State *in, X87Result *out)
{
    CpuState *cpu = &fx.cpu;
    uint8_t code[32];
    unsigned n = build_code(code, insn, len, 0xf4);
    fixture_write(&fx, CODE_ADDR, code, n);
    fixture_write(&fx, IN_ADDR, in->save, SAVE_SIZE);
    fixture_write(&fx, MEM_ADDR, in->mem, MEM_SIZE);
    fpu_init_x87(cpu);
    cpu->rip = CODE_ADDR;
    cpu->regs[R_DI] = IN_ADDR;
    cpu->regs[R_DX] = OUT_ADDR;
    cpu->regs[R_SI] = MEM_ADDR;
    cpu->regs[R_AX] = in->rax;
    cpu_set_rflags(cpu, in->rflags);
    cpu->exception_intercept = ~0u;
    cpu->halted = false;
    CpuExit e = fixture_run(&fx, ~0ull, 8);
    memset(out, 0, sizeof(*out));
    out->st = *in;
    fixture_read(&fx, OUT_ADDR, out->st.save, SAVE_SIZE);
    fixture_read(&fx, MEM_ADDR, out->st.mem, MEM_SIZE);
    out->st.rflags = cpu_get_rflags(cpu);
    out->st.rax = cpu->regs[R_AX];
    if (e == CPU_EXIT_EXCEPTION) {
        out->fault = (int)cpu->intercepted.vector + 1;
    } else if (e != CPU_EXIT_HALT) {
        out->fault = -1;
    }
}

/* ---- states ------------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* A register value: the generators' hard cases, a quarter of them near integers and the
 * integer ranges' limits (for FIST, FRNDINT, FBSTP). */
static Float80 random_f80(Rng *r)
{
    GenNum n = rng_below(r, 4) == 0 ? gen_for_int(&gen_f80, r) : gen_num(&gen_f80, r);
    return gen_pack80(n);
}

/* The memory operand's contents, chosen for the form's format (ModRM.reg of escape esc). */
static void fill_memory(Rng *r, unsigned esc, unsigned reg, uint8_t *mem)
{
    for (unsigned i = 0; i < MEM_SIZE; i++) {
        mem[i] = (uint8_t)rng_next(r);
    }
    uint64_t v;
    Float80 f;
    switch (esc) {
    case 0: /* m32fp */
    case 1:
        v = gen_pack32(gen_num(&gen_f32, r));
        memcpy(mem, &v, 4);
        break;
    case 4: /* m64fp */
    case 5:
        v = gen_pack64(gen_num(&gen_f64, r));
        memcpy(mem, &v, 8);
        break;
    case 2: /* m32int */
        v = (uint64_t)gen_int(r, 32);
        memcpy(mem, &v, 4);
        break;
    case 6: /* m16int */
        v = (uint64_t)gen_int(r, 16);
        memcpy(mem, &v, 2);
        break;
    case 3:
        if (reg == 5) { /* m80fp */
            f = random_f80(r);
            memcpy(mem, &f.sig, 8);
            memcpy(mem + 8, &f.exp, 2);
        } else {
            v = (uint64_t)gen_int(r, 32);
            memcpy(mem, &v, 4);
        }
        break;
    case 7:
        if (reg == 4) { /* m80bcd: valid digits */
            for (unsigned i = 0; i < 9; i++) {
                mem[i] = (uint8_t)(rng_below(r, 10) | rng_below(r, 10) << 4);
            }
            mem[9] &= 0x80;
        } else {
            v = (uint64_t)gen_int(r, reg == 5 ? 64 : 16);
            memcpy(mem, &v, 8);
        }
        break;
    }
}

static void random_state(Rng *r, X87State *s, unsigned esc, unsigned reg)
{
    memset(s, 0, sizeof(*s));
    uint16_t masks = 0x3f;
    if (rng_below(r, 4) == 0) {
        masks &= (uint16_t)(rng_next(r) | rng_next(r));
    }
    static const uint16_t pcs[] = { 0, 2, 3, 3 };
    uint16_t fcw = (uint16_t)(0x40 | masks | pcs[rng_below(r, 4)] << 8 | rng_below(r, 4) << 10);
    unsigned top = rng_below(r, 8);
    uint16_t sticky = (uint16_t)(rng_below(r, 4) == 0 ? rng_next(r) & masks & 0x3f : 0);
    uint16_t fsw = (uint16_t)(sticky | (top << 11) | (rng_next(r) & 0x4700));
    uint16_t tags = 0;
    for (unsigned i = 0; i < 8; i++) {
        Float80 v = random_f80(r);
        if (rng_below(r, 8) == 0) {
            tags |= (uint16_t)(3u << (2 * ((top + i) & 7)));
        }
        memcpy(s->save + 28 + 10 * i, &v.sig, 8);
        memcpy(s->save + 28 + 10 * i + 8, &v.exp, 2);
    }
    put16(s->save, fcw);
    put16(s->save + 4, fsw);
    put16(s->save + 8, tags); /* FRSTOR only looks at empty or not */
    fill_memory(r, esc, reg, s->mem);
    s->rflags = 0x202 | (rng_next(r) & ARITH_FLAGS);
    s->rax = rng_next(r);
}

/* ---- comparison --------------------------------------------------------------------------- */

/* The compared parts of the FSAVE image: FCW, FSW, tag word with their upper halves, and the
 * registers; not the pointers (12-27). */
static bool save_equal(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 12) == 0 && memcmp(a + 28, b + 28, 80) == 0;
}

static bool results_match(const X87Result *h, const X87Result *v)
{
    if (h->fault || v->fault) {
        bool h_ud = h->fault == SIGILL, v_ud = v->fault == EXC_UD + 1;
        return h_ud && v_ud;
    }
    return save_equal(h->st.save, v->st.save) && memcmp(h->st.mem, v->st.mem, MEM_SIZE) == 0 &&
           ((h->st.rflags ^ v->st.rflags) & ARITH_FLAGS) == 0 &&
           (uint16_t)h->st.rax == (uint16_t)v->st.rax;
}

static void print_regs(const char *who, const X87State *s)
{
    printf("    %s fcw %04x fsw %04x tags %04x", who, get16(s->save), get16(s->save + 4),
           get16(s->save + 8));
    for (unsigned i = 0; i < 8; i++) {
        Float80 v;
        memcpy(&v.sig, s->save + 28 + 10 * i, 8);
        memcpy(&v.exp, s->save + 28 + 10 * i + 8, 2);
        printf(" %04x:%016llx", v.exp, (unsigned long long)v.sig);
    }
    printf(" flags %03llx ax %04x mem", (unsigned long long)(s->rflags & ARITH_FLAGS),
           (uint16_t)s->rax);
    for (unsigned i = 0; i < 10; i++) {
        printf(" %02x", s->mem[i]);
    }
    printf("\n");
}

static void print_case(const uint8_t *insn, unsigned len, const X87State *in,
                       const X87Result *h, const X87Result *v)
{
    printf("  mismatch:");
    for (unsigned i = 0; i < len; i++) {
        printf(" %02x", insn[i]);
    }
    printf(" (host fault %d, vireo fault %d)\n", h->fault, v->fault);
    print_regs("in   ", in);
    print_regs("host ", &h->st);
    print_regs("vireo", &v->st);
}

static unsigned case_count(void)
{
    const char *s = getenv("VIREO_X87_CASES");
    return s ? (unsigned)strtoul(s, NULL, 0) : 2000;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* One encoding, n cases; returns the mismatches. */
static unsigned run_encoding(Rng *r, const uint8_t *insn, unsigned len, unsigned n,
                             unsigned *cases)
{
    unsigned esc = insn[0] & 7, reg = (insn[1] >> 3) & 7, bad = 0;
    for (unsigned i = 0; i < n; i++) {
        X87State in;
        random_state(r, &in, esc, reg);
        X87Result h, v;
        native_run(insn, len, &in, &h);
        vireo_run(insn, len, &in, &v);
        (*cases)++;
        if (!results_match(&h, &v) && ++bad <= 2) {
            print_case(insn, len, &in, &h, &v);
        }
        if (h.fault == SIGILL && v.fault == EXC_UD + 1) {
            break; /* an undefined encoding: once is enough */
        }
    }
    return bad;
}

static void test_x87_register_forms_match_host(void)
{
    Rng r = { 0xbb67ae8584caa73bull };
    unsigned n = case_count(), cases = 0, total_bad = 0;
    for (unsigned esc = 0; esc < 8; esc++) {
        unsigned bad = 0;
        for (unsigned modrm = 0xc0; modrm <= 0xff; modrm++) {
            uint8_t insn[2] = { (uint8_t)(0xd8 + esc), (uint8_t)modrm };
            bad += run_encoding(&r, insn, 2, n, &cases);
        }
        printf("  %02X register forms: %u mismatches\n", 0xd8 + esc, bad);
        total_bad += bad;
    }
    printf("  %u cases\n", cases);
    CHECK_EQ(total_bad, 0);
}

static void test_x87_memory_forms_match_host(void)
{
    Rng r = { 0x3c6ef372fe94f82bull };
    unsigned n = case_count(), cases = 0, total_bad = 0;
    for (unsigned esc = 0; esc < 8; esc++) {
        unsigned bad = 0;
        for (unsigned reg = 0; reg < 8; reg++) {
            bool env_store = (esc == 1 && reg == 6) || (esc == 5 && reg == 6);
            if (env_store) {
                continue; /* FNSTENV, FNSAVE store the pointers: test_x87_env_formats */
            }
            uint8_t insn[2] = { (uint8_t)(0xd8 + esc), (uint8_t)(0x06 | reg << 3) };
            bad += run_encoding(&r, insn, 2, n, &cases);
        }
        printf("  %02X memory forms: %u mismatches\n", 0xd8 + esc, bad);
        total_bad += bad;
    }
    printf("  %u cases\n", cases);
    CHECK_EQ(total_bad, 0);
}

/*
 * FNSTENV and FNSAVE, in the 32-bit and (66h) 16-bit formats: everything but the pointer
 * fields matches the host's; after FNSTENV every exception is masked.
 */
static void test_x87_env_formats(void)
{
    static const uint8_t forms[][3] = {
        { 0xd9, 0x36 }, { 0x66, 0xd9, 0x36 }, { 0xdd, 0x36 }, { 0x66, 0xdd, 0x36 },
    };
    Rng r = { 0xa54ff53a5f1d36f1ull };
    unsigned bad = 0;
    for (unsigned k = 0; k < 4; k++) {
        unsigned len = forms[k][0] == 0x66 ? 3 : 2;
        bool wide = len == 2;
        bool save = forms[k][len - 2] == 0xdd;
        for (unsigned i = 0; i < 200; i++) {
            X87State in;
            random_state(&r, &in, 0, 0);
            X87Result h, v;
            native_run(forms[k], len, &in, &h);
            vireo_run(forms[k], len, &in, &v);
            /* Control, status and tag words (with the 32-bit format's upper halves), then
             * after the pointers the registers of FNSAVE. */
            unsigned words = wide ? 12 : 6, regs_at = wide ? 28 : 14;
            bool ok = !h.fault && !v.fault && memcmp(h.st.mem, v.st.mem, words) == 0 &&
                      (!save || memcmp(h.st.mem + regs_at, v.st.mem + regs_at, 80) == 0) &&
                      save_equal(h.st.save, v.st.save);
            if (!ok && ++bad <= 2) {
                print_case(forms[k], len, &in, &h, &v);
            }
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_x87_setup(void)
{
    CHECK(native_setup());
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    fx.cpu.regs[R_SP] = 0x80000;
}

static const CheckTest tests[] = {
    CHECK_TEST(test_x87_setup),
    CHECK_TEST(test_x87_register_forms_match_host),
    CHECK_TEST(test_x87_memory_forms_match_host),
    CHECK_TEST(test_x87_env_formats),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
