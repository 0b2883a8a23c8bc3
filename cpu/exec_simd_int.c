/*
 * cpu/exec_simd_int.c: the MMX/SSE integer arithmetic, logic, comparison and shift instructions
 * (SSE2, SSSE3, SSE4.1), lane by lane, and the bitwise logic of the floating-point forms
 * (ANDPS and friends), plus the shared operand code of exec_simd.h.
 *
 * SDM Vol. 1 §9.4 and §11.4.3 (wraparound and saturating arithmetic), Vol. 2 pages of each
 * instruction (PADD*, PSUB*, PMUL*, PMADD*, PAVG*, PMIN*, PMAX*, PCMP*, PABS*, PSIGN*, PHADD*,
 * PHSUB*, PSADBW, PSLL/PSRL/PSRA, PTEST, PHMINPOSUW, MPSADBW, PMOVMSKB, MOVMSKPS/PD).
 */
#include "cpu/exec_simd.h"

#include <string.h>

unsigned simd_begin(CpuState *cpu, const DecodedInsn *d)
{
    if (simd_is_mmx(d)) {
        fpu_check_mmx(cpu);
        return 8;
    }
    fpu_check_sse(cpu);
    return 16;
}

void simd_end(CpuState *cpu, const DecodedInsn *d)
{
    if (simd_is_mmx(d)) {
        cpu->fpu.top = 0;
        cpu->fpu.ftw = 0xff;
    }
}

void simd_read(CpuState *cpu, const DecodedInsn *d, unsigned i, XmmReg *out)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MMX || (o->loc == LOC_MEM && simd_is_mmx(d))) {
        memset(out, 0, sizeof(*out));
        out->q[0] = mmx_read(cpu, d, i);
        return;
    }
    sse_read(cpu, d, i, out);
}

void simd_write(CpuState *cpu, const DecodedInsn *d, unsigned i, const XmmReg *v)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MMX || (o->loc == LOC_MEM && simd_is_mmx(d))) {
        mmx_write(cpu, d, i, v->q[0]);
        return;
    }
    sse_write(cpu, d, i, v);
}

/* ---- lane-wise operations ----------------------------------------------------------------- */

typedef uint64_t (*LaneFn)(uint64_t a, uint64_t b, unsigned bits);

/* op[0] = fn(op[0], op[1]) lane by lane. */
static void lanewise(CpuState *cpu, const DecodedInsn *d, unsigned bits, LaneFn fn)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    for (unsigned i = 0; i < size * 8 / bits; i++) {
        simd_set_lane(&a, bits, i, fn(simd_lane(&a, bits, i), simd_lane(&b, bits, i), bits));
    }
    simd_write(cpu, d, 0, &a);
    simd_end(cpu, d);
}

static uint64_t lane_add(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a + b;
}

static uint64_t lane_sub(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a - b;
}

static uint64_t lane_adds(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_sat_signed(simd_signed(a, bits) + simd_signed(b, bits), bits);
}

static uint64_t lane_subs(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_sat_signed(simd_signed(a, bits) - simd_signed(b, bits), bits);
}

static uint64_t lane_addus(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_sat_unsigned((int64_t)(a + b), bits);
}

static uint64_t lane_subus(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_sat_unsigned((int64_t)a - (int64_t)b, bits);
}

static uint64_t lane_mullo(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a * b;
}

static uint64_t lane_mulhi(uint64_t a, uint64_t b, unsigned bits)
{
    return (uint64_t)(simd_signed(a, bits) * simd_signed(b, bits)) >> bits;
}

static uint64_t lane_mulhiu(uint64_t a, uint64_t b, unsigned bits)
{
    return (a * b) >> bits;
}

static uint64_t lane_mulhrs(uint64_t a, uint64_t b, unsigned bits)
{
    return (uint64_t)((((simd_signed(a, bits) * simd_signed(b, bits)) >> 14) + 1) >> 1);
}

static uint64_t lane_mins(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_signed(a, bits) < simd_signed(b, bits) ? a : b;
}

static uint64_t lane_maxs(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_signed(a, bits) > simd_signed(b, bits) ? a : b;
}

static uint64_t lane_minu(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a < b ? a : b;
}

static uint64_t lane_maxu(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a > b ? a : b;
}

static uint64_t lane_avg(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return (a + b + 1) >> 1;
}

static uint64_t lane_cmpeq(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a == b ? ~0ull : 0;
}

static uint64_t lane_cmpgt(uint64_t a, uint64_t b, unsigned bits)
{
    return simd_signed(a, bits) > simd_signed(b, bits) ? ~0ull : 0;
}

static uint64_t lane_and(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a & b;
}

static uint64_t lane_andn(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return ~a & b;
}

static uint64_t lane_or(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a | b;
}

static uint64_t lane_xor(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return a ^ b;
}

static uint64_t lane_sign(uint64_t a, uint64_t b, unsigned bits)
{
    int64_t s = simd_signed(b, bits);
    return s < 0 ? 0 - a : s == 0 ? 0 : a;
}

static uint64_t lane_abs(uint64_t a, uint64_t b, unsigned bits)
{
    (void)a;
    int64_t s = simd_signed(b, bits);
    return (uint64_t)(s < 0 ? -s : s);
}

static uint64_t lane_muludq(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return (a & 0xffffffffu) * (b & 0xffffffffu);
}

static uint64_t lane_muldq(uint64_t a, uint64_t b, unsigned bits)
{
    (void)bits;
    return (uint64_t)((int64_t)(int32_t)a * (int64_t)(int32_t)b);
}

#define LANEWISE(suffix, bits, fn)                                                                 \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        lanewise(cpu, d, bits, fn);                                                                \
    }

LANEWISE(paddb, 8, lane_add)
LANEWISE(paddw, 16, lane_add)
LANEWISE(paddd, 32, lane_add)
LANEWISE(paddq, 64, lane_add)
LANEWISE(psubb, 8, lane_sub)
LANEWISE(psubw, 16, lane_sub)
LANEWISE(psubd, 32, lane_sub)
LANEWISE(psubq, 64, lane_sub)
LANEWISE(paddsb, 8, lane_adds)
LANEWISE(paddsw, 16, lane_adds)
LANEWISE(psubsb, 8, lane_subs)
LANEWISE(psubsw, 16, lane_subs)
LANEWISE(paddusb, 8, lane_addus)
LANEWISE(paddusw, 16, lane_addus)
LANEWISE(psubusb, 8, lane_subus)
LANEWISE(psubusw, 16, lane_subus)
LANEWISE(pmullw, 16, lane_mullo)
LANEWISE(pmulld, 32, lane_mullo)
LANEWISE(pmulhw, 16, lane_mulhi)
LANEWISE(pmulhuw, 16, lane_mulhiu)
LANEWISE(pmulhrsw, 16, lane_mulhrs)
LANEWISE(pmuludq, 64, lane_muludq)
LANEWISE(pmuldq, 64, lane_muldq)
LANEWISE(pminsb, 8, lane_mins)
LANEWISE(pminsw, 16, lane_mins)
LANEWISE(pminsd, 32, lane_mins)
LANEWISE(pmaxsb, 8, lane_maxs)
LANEWISE(pmaxsw, 16, lane_maxs)
LANEWISE(pmaxsd, 32, lane_maxs)
LANEWISE(pminub, 8, lane_minu)
LANEWISE(pminuw, 16, lane_minu)
LANEWISE(pminud, 32, lane_minu)
LANEWISE(pmaxub, 8, lane_maxu)
LANEWISE(pmaxuw, 16, lane_maxu)
LANEWISE(pmaxud, 32, lane_maxu)
LANEWISE(pavgb, 8, lane_avg)
LANEWISE(pavgw, 16, lane_avg)
LANEWISE(pcmpeqb, 8, lane_cmpeq)
LANEWISE(pcmpeqw, 16, lane_cmpeq)
LANEWISE(pcmpeqd, 32, lane_cmpeq)
LANEWISE(pcmpeqq, 64, lane_cmpeq)
LANEWISE(pcmpgtb, 8, lane_cmpgt)
LANEWISE(pcmpgtw, 16, lane_cmpgt)
LANEWISE(pcmpgtd, 32, lane_cmpgt)
LANEWISE(pcmpgtq, 64, lane_cmpgt)
LANEWISE(pand, 64, lane_and)
LANEWISE(pandn, 64, lane_andn)
LANEWISE(por, 64, lane_or)
LANEWISE(pxor, 64, lane_xor)
LANEWISE(andps, 64, lane_and)
LANEWISE(andpd, 64, lane_and)
LANEWISE(andnps, 64, lane_andn)
LANEWISE(andnpd, 64, lane_andn)
LANEWISE(orps, 64, lane_or)
LANEWISE(orpd, 64, lane_or)
LANEWISE(xorps, 64, lane_xor)
LANEWISE(xorpd, 64, lane_xor)
LANEWISE(psignb, 8, lane_sign)
LANEWISE(psignw, 16, lane_sign)
LANEWISE(psignd, 32, lane_sign)
LANEWISE(pabsb, 8, lane_abs)
LANEWISE(pabsw, 16, lane_abs)
LANEWISE(pabsd, 32, lane_abs)

/* ---- shifts ------------------------------------------------------------------------------- */

typedef enum ShiftKind { SHIFT_LEFT, SHIFT_RIGHT, SHIFT_ARITH } ShiftKind;

/* Every lane of op[0] shifted by a count from op[1]'s low quadword or the immediate; a count
 * beyond the lane width clears the lane (or fills it with the sign). */
static void shift(CpuState *cpu, const DecodedInsn *d, unsigned bits, ShiftKind kind)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a;
    simd_read(cpu, d, 0, &a);
    uint64_t count;
    if (d->op[1].loc == LOC_IMM) {
        count = d->imm & 0xff;
    } else {
        XmmReg c;
        simd_read(cpu, d, 1, &c);
        count = c.q[0];
    }
    for (unsigned i = 0; i < size * 8 / bits; i++) {
        uint64_t x = simd_lane(&a, bits, i);
        if (kind == SHIFT_ARITH) {
            unsigned n = count > bits - 1 ? bits - 1 : (unsigned)count;
            x = (uint64_t)(simd_signed(x, bits) >> n);
        } else if (count >= bits) {
            x = 0;
        } else {
            x = kind == SHIFT_LEFT ? x << count : x >> count;
        }
        simd_set_lane(&a, bits, i, x);
    }
    simd_write(cpu, d, 0, &a);
    simd_end(cpu, d);
}

#define SHIFT(suffix, bits, kind)                                                                  \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        shift(cpu, d, bits, kind);                                                                 \
    }
SHIFT(psllw, 16, SHIFT_LEFT)
SHIFT(pslld, 32, SHIFT_LEFT)
SHIFT(psllq, 64, SHIFT_LEFT)
SHIFT(psrlw, 16, SHIFT_RIGHT)
SHIFT(psrld, 32, SHIFT_RIGHT)
SHIFT(psrlq, 64, SHIFT_RIGHT)
SHIFT(psraw, 16, SHIFT_ARITH)
SHIFT(psrad, 32, SHIFT_ARITH)

/* PSLLDQ/PSRLDQ: the whole register by bytes. */
static void shift_bytes(CpuState *cpu, const DecodedInsn *d, bool left)
{
    simd_begin(cpu, d);
    XmmReg a, r = { 0 };
    simd_read(cpu, d, 0, &a);
    unsigned n = (unsigned)(d->imm & 0xff);
    for (unsigned i = 0; i < 16; i++) {
        int src = left ? (int)i - (int)n : (int)(i + n);
        if (src >= 0 && src < 16) {
            r.b[i] = a.b[src];
        }
    }
    simd_write(cpu, d, 0, &r);
}

void exec_pslldq(CpuState *cpu, const DecodedInsn *d)
{
    shift_bytes(cpu, d, true);
}

void exec_psrldq(CpuState *cpu, const DecodedInsn *d)
{
    shift_bytes(cpu, d, false);
}

/* ---- pairs and horizontal operations ------------------------------------------------------ */

typedef enum PairOp {
    PAIR_MADDWD, PAIR_MADDUBSW, PAIR_HADDW, PAIR_HADDD, PAIR_HADDSW, PAIR_HSUBW, PAIR_HSUBD,
    PAIR_HSUBSW,
} PairOp;

/* Result lane i from two adjacent lanes: of op[0] and op[1] multiplied (PMADD*), or of the
 * concatenation op[0]:op[1] (horizontal forms: the low half of the result from op[0]). */
static void pairwise(CpuState *cpu, const DecodedInsn *d, PairOp op)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b, r;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    unsigned n16 = size / 2, n32 = size / 4;
    switch (op) {
    case PAIR_MADDWD:
        for (unsigned i = 0; i < n32; i++) {
            int64_t s = (int64_t)(int16_t)a.w[2 * i] * (int16_t)b.w[2 * i] +
                        (int64_t)(int16_t)a.w[2 * i + 1] * (int16_t)b.w[2 * i + 1];
            r.d[i] = (uint32_t)s;
        }
        break;
    case PAIR_MADDUBSW:
        for (unsigned i = 0; i < n16; i++) {
            int64_t s = (int64_t)a.b[2 * i] * (int8_t)b.b[2 * i] +
                        (int64_t)a.b[2 * i + 1] * (int8_t)b.b[2 * i + 1];
            r.w[i] = (uint16_t)simd_sat_signed(s, 16);
        }
        break;
    default: {
        bool wide = op == PAIR_HADDD || op == PAIR_HSUBD;
        bool sub = op == PAIR_HSUBW || op == PAIR_HSUBD || op == PAIR_HSUBSW;
        bool sat = op == PAIR_HADDSW || op == PAIR_HSUBSW;
        unsigned bits = wide ? 32 : 16, lanes = size * 8 / bits, half = lanes / 2;
        for (unsigned i = 0; i < lanes; i++) {
            const XmmReg *src = i < half ? &a : &b;
            unsigned j = 2 * (i % half);
            int64_t x = simd_signed(simd_lane(src, bits, j), bits);
            int64_t y = simd_signed(simd_lane(src, bits, j + 1), bits);
            int64_t s = sub ? x - y : x + y;
            simd_set_lane(&r, bits, i, sat ? simd_sat_signed(s, bits) : (uint64_t)s);
        }
        break;
    }
    }
    if (size == 8) {
        r.q[1] = 0;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

#define PAIRWISE(suffix, op)                                                                       \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        pairwise(cpu, d, op);                                                                      \
    }
PAIRWISE(pmaddwd, PAIR_MADDWD)
PAIRWISE(pmaddubsw, PAIR_MADDUBSW)
PAIRWISE(phaddw, PAIR_HADDW)
PAIRWISE(phaddd, PAIR_HADDD)
PAIRWISE(phaddsw, PAIR_HADDSW)
PAIRWISE(phsubw, PAIR_HSUBW)
PAIRWISE(phsubd, PAIR_HSUBD)
PAIRWISE(phsubsw, PAIR_HSUBSW)

/* PSADBW: per 8 bytes, the sum of absolute differences in the low word. */
void exec_psadbw(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b, r = { 0 };
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    for (unsigned q = 0; q < size / 8; q++) {
        unsigned sum = 0;
        for (unsigned i = 0; i < 8; i++) {
            int diff = (int)a.b[8 * q + i] - (int)b.b[8 * q + i];
            sum += (unsigned)(diff < 0 ? -diff : diff);
        }
        r.q[q] = sum;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

/* MPSADBW: eight sums of absolute differences of 4-byte groups (SSE4.1). */
void exec_mpsadbw(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg a, b, r;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    unsigned aoff = ((d->imm >> 2) & 1) * 4, boff = (d->imm & 3) * 4;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < 4; k++) {
            int diff = (int)a.b[aoff + i + k] - (int)b.b[boff + k];
            sum += (unsigned)(diff < 0 ? -diff : diff);
        }
        r.w[i] = (uint16_t)sum;
    }
    simd_write(cpu, d, 0, &r);
}

/* PHMINPOSUW: the smallest unsigned word and its index (the lowest index on ties). */
void exec_phminposuw(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg b, r = { 0 };
    simd_read(cpu, d, 1, &b);
    unsigned best = 0;
    for (unsigned i = 1; i < 8; i++) {
        if (b.w[i] < b.w[best]) {
            best = i;
        }
    }
    r.w[0] = b.w[best];
    r.w[1] = (uint16_t)best;
    simd_write(cpu, d, 0, &r);
}

/* PTEST: ZF = (op[0] AND op[1]) == 0, CF = (NOT op[0] AND op[1]) == 0; the other flags 0. */
void exec_ptest(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg a, b;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    bool zf = ((a.q[0] & b.q[0]) | (a.q[1] & b.q[1])) == 0;
    bool cf = ((~a.q[0] & b.q[0]) | (~a.q[1] & b.q[1])) == 0;
    flags_store(cpu, (zf ? FLAG_ZF : 0) | (cf ? FLAG_CF : 0));
}

/* The sign bits of the lanes of op[1] into the general register op[0]. */
static void move_mask(CpuState *cpu, const DecodedInsn *d, unsigned bits)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg v;
    simd_read(cpu, d, 1, &v);
    uint32_t m = 0;
    for (unsigned i = 0; i < size * 8 / bits; i++) {
        m |= (uint32_t)(simd_lane(&v, bits, i) >> (bits - 1)) << i;
    }
    gpr_write(cpu, d->op[0].reg, d->op[0].size, m);
    simd_end(cpu, d);
}

void exec_pmovmskb(CpuState *cpu, const DecodedInsn *d)
{
    move_mask(cpu, d, 8);
}

void exec_movmskps(CpuState *cpu, const DecodedInsn *d)
{
    move_mask(cpu, d, 32);
}

void exec_movmskpd(CpuState *cpu, const DecodedInsn *d)
{
    move_mask(cpu, d, 64);
}
