/*
 * cpu/flags.c: computing lazy flags (see flags.h). AF for ADD/SUB-like operations is bit 4 of
 * src1 ^ src2 ^ res; OF is the sign of (src1 ^ res) & (src2 ^ res) for additions and of
 * (src1 ^ src2) & (src1 ^ res) for subtractions (SDM Vol. 1 §3.4.3.1 and the ADD/SUB pages).
 */
#include "cpu/flags.h"

#include "util/bitops.h"

uint64_t flags_of_result(uint64_t res, unsigned size)
{
    uint64_t f = 0;
    res &= flags_size_mask(size);
    if (res == 0) {
        f |= FLAG_ZF;
    }
    if (res & flags_sign_bit(size)) {
        f |= FLAG_SF;
    }
    if (parity8((uint8_t)res)) {
        f |= FLAG_PF;
    }
    return f;
}

static uint64_t af_of(const LazyFlags *lf)
{
    return (lf->src1 ^ lf->src2 ^ lf->res) & FLAG_AF;
}

static uint64_t of_add(const LazyFlags *lf)
{
    return ((lf->src1 ^ lf->res) & (lf->src2 ^ lf->res) & flags_sign_bit(lf->size)) ? FLAG_OF : 0;
}

static uint64_t of_sub(const LazyFlags *lf)
{
    return ((lf->src1 ^ lf->src2) & (lf->src1 ^ lf->res) & flags_sign_bit(lf->size)) ? FLAG_OF
                                                                                       : 0;
}

uint64_t flags_compute(const LazyFlags *lf)
{
    uint64_t f = flags_of_result(lf->res, lf->size);
    if (flags_lazy_cf(lf)) {
        f |= FLAG_CF;
    }
    switch (lf->op) {
    case LAZY_ADD:
    case LAZY_ADC:
    case LAZY_INC:
        f |= af_of(lf) | of_add(lf);
        break;
    case LAZY_SUB:
    case LAZY_SBB:
    case LAZY_DEC:
        f |= af_of(lf) | of_sub(lf);
        break;
    default:
        break;
    }
    return f;
}

void flags_store(CpuState *cpu, uint64_t arith)
{
    cpu->rflags = (cpu->rflags & ~(uint64_t)FLAGS_ARITH) | (arith & FLAGS_ARITH);
    cpu->lazy.op = LAZY_NONE;
}

uint64_t cpu_get_rflags(const CpuState *cpu)
{
    uint64_t f = cpu->rflags | FLAG_FIXED1;
    if (cpu->lazy.op != LAZY_NONE) {
        f = (f & ~(uint64_t)FLAGS_ARITH) | flags_compute(&cpu->lazy);
    }
    return f;
}

void cpu_set_rflags(CpuState *cpu, uint64_t value)
{
    cpu->rflags = value | FLAG_FIXED1;
    cpu->lazy.op = LAZY_NONE;
}

static int64_t sext(uint64_t v, unsigned size)
{
    return sign_extend64(v, size * 8);
}

bool cpu_test_cond_slow(const CpuState *cpu, unsigned cond)
{
    const LazyFlags *lf = &cpu->lazy;
    bool r;
    /* After CMP/SUB the signed orderings follow from the operands directly. */
    if (lf->op == LAZY_SUB) {
        switch (cond >> 1) {
        case 6: r = sext(lf->src1, lf->size) < sext(lf->src2, lf->size); return (cond & 1) ? !r : r;
        case 7: r = sext(lf->src1, lf->size) <= sext(lf->src2, lf->size); return (cond & 1) ? !r : r;
        default: break;
        }
    }
    uint64_t f = cpu_get_rflags(cpu);
    bool cf = f & FLAG_CF, zf = f & FLAG_ZF, sf = f & FLAG_SF, of = f & FLAG_OF, pf = f & FLAG_PF;
    switch (cond >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
    }
    return (cond & 1) ? !r : r;
}
