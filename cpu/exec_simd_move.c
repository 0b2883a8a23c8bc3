/*
 * cpu/exec_simd_move.c: the MMX and SSE data moves: whole registers (MOVAPS, MOVUPS, MOVDQA,
 * MOVDQU, LDDQU, the non-temporal MOVNT*), scalars (MOVSS, MOVSD), halves (MOVLPS/MOVHPS and
 * their register forms MOVHLPS/MOVLHPS, MOVLPD/MOVHPD), MOVD/MOVQ in every form, the
 * duplicating loads (MOVSLDUP, MOVSHDUP, MOVDDUP), MOVQ2DQ/MOVDQ2Q, MASKMOVQ/MASKMOVDQU and EMMS.
 *
 * SDM Vol. 2 pages of each instruction: which forms zero the rest of the register (a scalar or
 * MOVQ load from memory, MOVD/MOVQ into an XMM register) and which leave it (register-to-
 * register MOVSS/MOVSD, MOVLPS/MOVHPS); Vol. 1 §9.5 for EMMS.
 */
#include "cpu/exec_simd.h"

#include "cpu/exec_ssefp.h"

/* op[0] = op[1], whole (16 bytes, 8 for MMX), or the memory operand's size. */
static void move_whole(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg v;
    simd_read(cpu, d, 1, &v);
    simd_write(cpu, d, 0, &v);
    simd_end(cpu, d);
}

#define MOVE_WHOLE(suffix)                                                                         \
    void exec_##suffix(CpuState *cpu, const DecodedInsn *d)                                        \
    {                                                                                              \
        move_whole(cpu, d);                                                                        \
    }
MOVE_WHOLE(movaps)
MOVE_WHOLE(movapd)
MOVE_WHOLE(movups)
MOVE_WHOLE(movupd)
MOVE_WHOLE(movdqa)
MOVE_WHOLE(movdqu)
MOVE_WHOLE(lddqu)
MOVE_WHOLE(movntps)
MOVE_WHOLE(movntpd)
MOVE_WHOLE(movntdq)
MOVE_WHOLE(movntdqa)
MOVE_WHOLE(movntq)
MOVE_WHOLE(movq_mmx)

/* MOVSS/MOVSD: register to register replaces the low element only; a load from memory zeroes
 * the rest (the memory operand reads zero-extended); a store writes the element. */
static void move_scalar(CpuState *cpu, const DecodedInsn *d, unsigned bytes)
{
    fpu_check_sse(cpu);
    XmmReg v;
    sse_read(cpu, d, 1, &v);
    if (d->op[0].loc == LOC_XMM && d->op[1].loc == LOC_XMM) {
        XmmReg *dst = fpu_xmm(cpu, d->op[0].reg);
        if (bytes == 4) {
            dst->d[0] = v.d[0];
        } else {
            dst->q[0] = v.q[0];
        }
        return;
    }
    sse_write(cpu, d, 0, &v);
}

void exec_movss(CpuState *cpu, const DecodedInsn *d)
{
    move_scalar(cpu, d, 4);
}

void exec_movsd_sse(CpuState *cpu, const DecodedInsn *d)
{
    move_scalar(cpu, d, 8);
}

/* MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): the low quadword, the
 * destination register's high quadword zeroed. */
void exec_movq_xmm(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    XmmReg v;
    sse_read(cpu, d, 1, &v);
    v.q[1] = 0;
    sse_write(cpu, d, 0, &v);
}

/* MOVD/MOVQ into an MMX or XMM register from a general register or memory (32 or 64 bits by
 * REX.W), zero-extended. */
void exec_movd_to(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg v = { .q = { opnd_read(cpu, d, 1), 0 } };
    simd_write(cpu, d, 0, &v);
    simd_end(cpu, d);
}

void exec_movd_from(CpuState *cpu, const DecodedInsn *d)
{
    simd_begin(cpu, d);
    XmmReg v;
    simd_read(cpu, d, 1, &v);
    opnd_write(cpu, d, 0, v.q[0]);
    simd_end(cpu, d);
}

/* One quadword half: `high` selects it in the destination. The register forms of 0F 12/16
 * without prefix are MOVHLPS/MOVLHPS (the source's other half). */
static void move_half(CpuState *cpu, const DecodedInsn *d, bool high)
{
    fpu_check_sse(cpu);
    XmmReg v;
    sse_read(cpu, d, 1, &v);
    if (d->op[0].loc == LOC_MEM) {
        XmmReg out = { .q = { v.q[high], 0 } };
        sse_write(cpu, d, 0, &out);
        return;
    }
    uint64_t x = d->op[1].loc == LOC_XMM ? v.q[!high] : v.q[0];
    fpu_xmm(cpu, d->op[0].reg)->q[high] = x;
}

void exec_movlps(CpuState *cpu, const DecodedInsn *d)
{
    move_half(cpu, d, false);
}

void exec_movlpd(CpuState *cpu, const DecodedInsn *d)
{
    move_half(cpu, d, false);
}

void exec_movhps(CpuState *cpu, const DecodedInsn *d)
{
    move_half(cpu, d, true);
}

void exec_movhpd(CpuState *cpu, const DecodedInsn *d)
{
    move_half(cpu, d, true);
}

/* MOVSLDUP, MOVSHDUP: even or odd doublewords duplicated; MOVDDUP: the low quadword. */
static void move_dup(CpuState *cpu, const DecodedInsn *d, unsigned bits, unsigned odd)
{
    fpu_check_sse(cpu);
    XmmReg v, r;
    sse_read(cpu, d, 1, &v);
    for (unsigned i = 0; i < 128 / bits; i++) {
        simd_set_lane(&r, bits, i, simd_lane(&v, bits, (i & ~1u) + odd));
    }
    sse_write(cpu, d, 0, &r);
}

void exec_movsldup(CpuState *cpu, const DecodedInsn *d)
{
    move_dup(cpu, d, 32, 0);
}

void exec_movshdup(CpuState *cpu, const DecodedInsn *d)
{
    move_dup(cpu, d, 32, 1);
}

void exec_movddup(CpuState *cpu, const DecodedInsn *d)
{
    move_dup(cpu, d, 64, 0);
}

/* MOVQ2DQ xmm, mm and MOVDQ2Q mm, xmm: both an SSE and an MMX instruction. */
void exec_movq2dq(CpuState *cpu, const DecodedInsn *d)
{
    ssefp_check_mmx_form(cpu, d);
    XmmReg v = { .q = { fpu_mmx_get(cpu, d->op[1].reg), 0 } };
    *fpu_xmm(cpu, d->op[0].reg) = v;
    ssefp_end_mmx_form(cpu, d);
}

void exec_movdq2q(CpuState *cpu, const DecodedInsn *d)
{
    ssefp_check_mmx_form(cpu, d);
    fpu_mmx_set(cpu, d->op[0].reg, fpu_xmm(cpu, d->op[1].reg)->q[0]);
    ssefp_end_mmx_form(cpu, d);
}

/* MASKMOVQ/MASKMOVDQU: the bytes of op[0] whose mask byte in op[1] has its top bit set go to
 * DS:rDI (segment overridable). */
void exec_maskmovq(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = simd_begin(cpu, d);
    XmmReg v, m;
    simd_read(cpu, d, 0, &v);
    simd_read(cpu, d, 1, &m);
    uint64_t base = gpr_read(cpu, R_DI, d->addrsize);
    for (unsigned i = 0; i < size; i++) {
        if (m.b[i] & 0x80) {
            mem_write(cpu, d->seg, (base + i) & size_mask(d->addrsize), 1, v.b[i]);
        }
    }
    simd_end(cpu, d);
}

void exec_maskmovdqu(CpuState *cpu, const DecodedInsn *d)
{
    exec_maskmovq(cpu, d);
}

/* EMMS: every x87 tag empty (SDM Vol. 1 §9.5.2). */
void exec_emms(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    fpu_check_mmx(cpu);
    cpu->fpu.ftw = 0;
}
