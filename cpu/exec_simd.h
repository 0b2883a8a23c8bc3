/*
 * cpu/exec_simd.h: what the MMX and SSE integer, move and shuffle instructions
 * (cpu/exec_simd_*.c) share: the checks of the MMX or the SSE form, and operands read as a
 * vector of 8 (MMX) or 16 (XMM) bytes whatever their location.
 *
 * SDM Vol. 1 §9.5 (MMX and the x87 state: an MMX instruction sets TOP to 0 and every tag
 * valid, EMMS empties them), Vol. 3A table 2-2 (CR0.EM: MMX and SSE #UD; CR0.TS #NM),
 * Vol. 2 appendix A (an opcode without 66 is the MMX form, with 66 the XMM form).
 */
#ifndef VIREO_CPU_EXEC_SIMD_H
#define VIREO_CPU_EXEC_SIMD_H

#include "cpu/fpu.h"

/* Does the form work on MMX registers (no mandatory prefix)? */
static inline bool simd_is_mmx(const DecodedInsn *d)
{
    return (d->entry->flags & OPF_MMX) != 0;
}

/* The checks for the form (MMX or SSE); returns the vector size, 8 or 16. */
unsigned simd_begin(CpuState *cpu, const DecodedInsn *d);

/* After an MMX form: the x87 enters MMX mode (TOP = 0, every tag valid). */
void simd_end(CpuState *cpu, const DecodedInsn *d);

/* Operand i as a vector: MMX register or m64 in the low 8 bytes (rest zero), XMM register or
 * memory of the operand's size (16-byte aligned unless the form says otherwise). */
void simd_read(CpuState *cpu, const DecodedInsn *d, unsigned i, XmmReg *out);
void simd_write(CpuState *cpu, const DecodedInsn *d, unsigned i, const XmmReg *v);

/* Lane access by width in bits (8, 16, 32, 64), little-endian lanes. */
static inline uint64_t simd_lane(const XmmReg *v, unsigned bits, unsigned i)
{
    switch (bits) {
    case 8:
        return v->b[i];
    case 16:
        return v->w[i];
    case 32:
        return v->d[i];
    default:
        return v->q[i];
    }
}

static inline void simd_set_lane(XmmReg *v, unsigned bits, unsigned i, uint64_t x)
{
    switch (bits) {
    case 8:
        v->b[i] = (uint8_t)x;
        break;
    case 16:
        v->w[i] = (uint16_t)x;
        break;
    case 32:
        v->d[i] = (uint32_t)x;
        break;
    default:
        v->q[i] = x;
        break;
    }
}

/* A lane's value sign-extended. */
static inline int64_t simd_signed(uint64_t x, unsigned bits)
{
    return bits == 64 ? (int64_t)x : (int64_t)(x << (64 - bits)) >> (64 - bits);
}

/* Saturation of a wide result to a lane. */
static inline uint64_t simd_sat_signed(int64_t x, unsigned bits)
{
    int64_t hi = (int64_t)((1ull << (bits - 1)) - 1), lo = -hi - 1;
    return (uint64_t)(x > hi ? hi : x < lo ? lo : x);
}

static inline uint64_t simd_sat_unsigned(int64_t x, unsigned bits)
{
    int64_t hi = (int64_t)((1ull << bits) - 1);
    return (uint64_t)(x > hi ? hi : x < 0 ? 0 : x);
}

#endif
