/*
 * cpu/exec_simd_shuffle.c: the MMX/SSE instructions that move lanes around: unpack
 * (PUNPCK*, UNPCK*PS/PD), pack with saturation (PACKSS*, PACKUS*), shuffles (PSHUFW, PSHUFD,
 * PSHUFHW, PSHUFLW, SHUFPS, SHUFPD, PSHUFB), PALIGNR, blends (BLENDPS/PD, PBLENDW, BLENDVPS/PD,
 * PBLENDVB), inserts and extracts (PINSR*, PEXTR*, INSERTPS, EXTRACTPS), and the SSE4.1
 * sign- and zero-extensions PMOVSXxx and PMOVZXxx.
 *
 * SDM Vol. 2 pages of each instruction (their "Operation" sections give the lane selection).
 */
#include "cpu/exec_simd.h"

/* ---- unpack and pack ---------------------------------------------------------------------- */

/* Interleaves the low (or high) halves of op[0] and op[1], op[0]'s lane first. */
static void unpack(CpuState *cpu, const DecodedInsn *d, unsigned bits, bool high)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b, r;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    unsigned half = size * 8 / bits / 2, base = high ? half : 0;
    for (unsigned i = 0; i < half; i++) {
        simd_set_lane(&r, bits, 2 * i, simd_lane(&a, bits, base + i));
        simd_set_lane(&r, bits, 2 * i + 1, simd_lane(&b, bits, base + i));
    }
    if (size == 8) {
        r.q[1] = 0;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

#define UNPACK(suffix, bits, high)                                                                 \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        unpack(cpu, d, bits, high);                                                                \
    }
UNPACK(punpcklbw, 8, false)
UNPACK(punpcklwd, 16, false)
UNPACK(punpckldq, 32, false)
UNPACK(punpcklqdq, 64, false)
UNPACK(punpckhbw, 8, true)
UNPACK(punpckhwd, 16, true)
UNPACK(punpckhdq, 32, true)
UNPACK(punpckhqdq, 64, true)
UNPACK(unpcklps, 32, false)
UNPACK(unpckhps, 32, true)
UNPACK(unpcklpd, 64, false)
UNPACK(unpckhpd, 64, true)

/* Narrows the signed lanes of op[0] then op[1] (bits wide) to half width with saturation. */
static void pack(CpuState *cpu, const DecodedInsn *d, unsigned bits, bool to_unsigned)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b, r;
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    unsigned n = size * 8 / bits, out = bits / 2;
    for (unsigned i = 0; i < 2 * n; i++) {
        const XmmReg *src = i < n ? &a : &b;
        int64_t x = simd_signed(simd_lane(src, bits, i % n), bits);
        simd_set_lane(&r, out, i, to_unsigned ? simd_sat_unsigned(x, out) : simd_sat_signed(x, out));
    }
    if (size == 8) {
        r.q[1] = 0;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

void exec_packsswb(CpuState *cpu, const DecodedInsn *d)
{
    pack(cpu, d, 16, false);
}

void exec_packssdw(CpuState *cpu, const DecodedInsn *d)
{
    pack(cpu, d, 32, false);
}

void exec_packuswb(CpuState *cpu, const DecodedInsn *d)
{
    pack(cpu, d, 16, true);
}

void exec_packusdw(CpuState *cpu, const DecodedInsn *d)
{
    pack(cpu, d, 32, true);
}

/* ---- shuffles ----------------------------------------------------------------------------- */

/* op[0] lanes first..first+count-1 = op[1] lanes picked by 2-bit fields of the immediate; the
 * other lanes are op[1]'s own. */
static void shuffle_imm(CpuState *cpu, const DecodedInsn *d, unsigned bits, unsigned first)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg s, r;
    simd_read(cpu, d, 1, &s);
    r = s;
    for (unsigned i = 0; i < 4; i++) {
        unsigned sel = (unsigned)(d->imm >> (2 * i)) & 3;
        simd_set_lane(&r, bits, first + i, simd_lane(&s, bits, first + sel));
    }
    if (size == 8) {
        r.q[1] = 0;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

void exec_pshufw(CpuState *cpu, const DecodedInsn *d)
{
    shuffle_imm(cpu, d, 16, 0);
}

void exec_pshufd(CpuState *cpu, const DecodedInsn *d)
{
    shuffle_imm(cpu, d, 32, 0);
}

void exec_pshuflw(CpuState *cpu, const DecodedInsn *d)
{
    shuffle_imm(cpu, d, 16, 0);
}

void exec_pshufhw(CpuState *cpu, const DecodedInsn *d)
{
    shuffle_imm(cpu, d, 16, 4);
}

/* SHUFPS: the low two lanes from op[0], the high two from op[1]; SHUFPD likewise by bits. */
void exec_shufps(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg a, b, r;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    for (unsigned i = 0; i < 4; i++) {
        r.d[i] = (i < 2 ? &a : &b)->d[(d->imm >> (2 * i)) & 3];
    }
    sse_write(cpu, d, 0, &r);
}

void exec_shufpd(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg a, b, r;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    r.q[0] = a.q[d->imm & 1];
    r.q[1] = b.q[(d->imm >> 1) & 1];
    sse_write(cpu, d, 0, &r);
}

/* PSHUFB: each byte picked by the control byte's low bits, or zero with its top bit set. */
void exec_pshufb(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, c, r = { 0 };
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &c);
    for (unsigned i = 0; i < size; i++) {
        r.b[i] = (c.b[i] & 0x80) ? 0 : a.b[c.b[i] & (size - 1)];
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

/* PALIGNR: op[0]:op[1] shifted right by imm bytes, the low half kept. */
void exec_palignr(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg a, b, r = { 0 };
    simd_read(cpu, d, 0, &a);
    simd_read(cpu, d, 1, &b);
    unsigned n = (unsigned)(d->imm & 0xff);
    for (unsigned i = 0; i < size; i++) {
        unsigned k = i + n;
        r.b[i] = k < size ? b.b[k] : k < 2 * size ? a.b[k - size] : 0;
    }
    simd_write(cpu, d, 0, &r);
    simd_end(cpu, d);
}

/* ---- blends ------------------------------------------------------------------------------- */

/* Lane i from op[1] where the selector says so: immediate bit i, or the top bit of XMM0's
 * lane i. */
static void blend(CpuState *cpu, const DecodedInsn *d, unsigned bits, bool variable)
{
    fpu_check_sse(cpu);
    XmmReg a, b, sel;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    sel = *fpu_xmm(cpu, 0);
    for (unsigned i = 0; i < 128 / bits; i++) {
        bool take = variable ? (simd_lane(&sel, bits, i) >> (bits - 1)) & 1 : (d->imm >> i) & 1;
        if (take) {
            simd_set_lane(&a, bits, i, simd_lane(&b, bits, i));
        }
    }
    sse_write(cpu, d, 0, &a);
}

#define BLEND(suffix, bits, variable)                                                              \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        blend(cpu, d, bits, variable);                                                             \
    }
BLEND(blendps, 32, false)
BLEND(blendpd, 64, false)
BLEND(pblendw, 16, false)
BLEND(blendvps, 32, true)
BLEND(blendvpd, 64, true)
BLEND(pblendvb, 8, true)

/* ---- inserts and extracts ----------------------------------------------------------------- */

/* op[0]'s lane (imm mod lanes) = op[1] (general register or memory). */
static void insert(CpuState *cpu, const DecodedInsn *d, unsigned bits)
{
    unsigned size = simd_begin(cpu, d);
    if (bits == 32 && d->op[1].size == 8) {
        bits = 64; /* PINSRQ */
    }
    XmmReg a;
    simd_read(cpu, d, 0, &a);
    uint64_t x = opnd_read(cpu, d, 1);
    simd_set_lane(&a, bits, (unsigned)d->imm & (size * 8 / bits - 1), x);
    simd_write(cpu, d, 0, &a);
    simd_end(cpu, d);
}

/* op[0] (general register, zero-extended, or memory) = op[1]'s lane (imm mod lanes). */
static void extract(CpuState *cpu, const DecodedInsn *d, unsigned bits)
{
    unsigned size = simd_begin(cpu, d);
    if (bits == 32 && d->op[0].size == 8 && d->mnemonic == MN_PEXTRD) {
        bits = 64; /* PEXTRQ */
    }
    XmmReg v;
    simd_read(cpu, d, 1, &v);
    opnd_write(cpu, d, 0, simd_lane(&v, bits, (unsigned)d->imm & (size * 8 / bits - 1)));
    simd_end(cpu, d);
}

void exec_pinsrb(CpuState *cpu, const DecodedInsn *d)
{
    insert(cpu, d, 8);
}

void exec_pinsrw(CpuState *cpu, const DecodedInsn *d)
{
    insert(cpu, d, 16);
}

void exec_pinsrd(CpuState *cpu, const DecodedInsn *d)
{
    insert(cpu, d, 32);
}

void exec_pextrb(CpuState *cpu, const DecodedInsn *d)
{
    extract(cpu, d, 8);
}

void exec_pextrw(CpuState *cpu, const DecodedInsn *d)
{
    extract(cpu, d, 16);
}

void exec_pextrd(CpuState *cpu, const DecodedInsn *d)
{
    extract(cpu, d, 32);
}

void exec_extractps(CpuState *cpu, const DecodedInsn *d)
{
    extract(cpu, d, 32);
}

/* INSERTPS: a doubleword of op[1] (imm[7:6] for a register, the m32 itself) into lane
 * imm[5:4] of op[0], then the lanes of imm[3:0] zeroed. */
void exec_insertps(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    unsigned imm = (unsigned)d->imm;
    a.d[(imm >> 4) & 3] = d->op[1].loc == LOC_XMM ? b.d[(imm >> 6) & 3] : b.d[0];
    for (unsigned i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            a.d[i] = 0;
        }
    }
    sse_write(cpu, d, 0, &a);
}

/* ---- PMOVSX / PMOVZX ---------------------------------------------------------------------- */

static void extend(CpuState *cpu, const DecodedInsn *d, unsigned from, unsigned to, bool sign)
{
    fpu_check_sse(cpu);
    XmmReg s, r;
    sse_read(cpu, d, 1, &s);
    for (unsigned i = 0; i < 128 / to; i++) {
        uint64_t x = simd_lane(&s, from, i);
        simd_set_lane(&r, to, i, sign ? (uint64_t)simd_signed(x, from) : x);
    }
    sse_write(cpu, d, 0, &r);
}

#define EXTEND(suffix, from, to, sign)                                                             \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        extend(cpu, d, from, to, sign);                                                            \
    }
EXTEND(pmovsxbw, 8, 16, true)
EXTEND(pmovsxbd, 8, 32, true)
EXTEND(pmovsxbq, 8, 64, true)
EXTEND(pmovsxwd, 16, 32, true)
EXTEND(pmovsxwq, 16, 64, true)
EXTEND(pmovsxdq, 32, 64, true)
EXTEND(pmovzxbw, 8, 16, false)
EXTEND(pmovzxbd, 8, 32, false)
EXTEND(pmovzxbq, 8, 64, false)
EXTEND(pmovzxwd, 16, 32, false)
EXTEND(pmovzxwq, 16, 64, false)
EXTEND(pmovzxdq, 32, 64, false)
