/*
 * cpu/flags.h: lazy arithmetic flags (DESIGN.md "Execution"). An instruction that sets flags
 * records its operation and operands with flags_set(); RFLAGS' arithmetic bits are computed
 * only when something reads them (PUSHF, Jcc, ADC, an interrupt frame). Flag definitions per
 * operation: SDM Vol. 1 appendix A "EFLAGS Cross-Reference" and each instruction's page.
 */
#ifndef VIREO_CPU_FLAGS_H
#define VIREO_CPU_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

static inline uint64_t flags_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t flags_sign_bit(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

static inline void flags_set(CpuState *cpu, LazyOp op, unsigned size, uint64_t res,
                             uint64_t src1, uint64_t src2)
{
    uint64_t m = flags_size_mask(size);
    cpu->lazy.op = (uint8_t)op;
    cpu->lazy.size = (uint8_t)size;
    cpu->lazy.res = res & m;
    cpu->lazy.src1 = src1 & m;
    cpu->lazy.src2 = src2 & m;
}

/* The six arithmetic flags of a lazy record (FLAGS_ARITH bits). */
uint64_t flags_compute(const LazyFlags *lf);

/* The carry of a lazy record (the SDM's CF definition for each operation). */
static inline bool flags_lazy_cf(const LazyFlags *lf)
{
    switch (lf->op) {
    case LAZY_ADD:
        return lf->res < lf->src1;
    case LAZY_ADC:
        return lf->aux ? lf->res <= lf->src1 : lf->res < lf->src1;
    case LAZY_SUB:
        return lf->src1 < lf->src2;
    case LAZY_SBB:
        return lf->aux ? lf->src1 <= lf->src2 : lf->src1 < lf->src2;
    case LAZY_INC:
    case LAZY_DEC:
        return lf->aux != 0;
    default:
        return false;
    }
}

/* Current carry flag, without computing the others. */
static inline bool flags_get_cf(const CpuState *cpu)
{
    if (cpu->lazy.op == LAZY_NONE) {
        return (cpu->rflags & FLAG_CF) != 0;
    }
    return flags_lazy_cf(&cpu->lazy);
}

/* Store explicit arithmetic flags (only the FLAGS_ARITH bits of `arith` are used). */
void flags_store(CpuState *cpu, uint64_t arith);

/* ZF, SF and PF of a result, as set by most instructions that set them from a result. */
uint64_t flags_of_result(uint64_t res, unsigned size);

/* Evaluate condition code 0-15 (SDM Vol. 1 appendix B) from materialized flags. */
bool cpu_test_cond_slow(const CpuState *cpu, unsigned cond);

/*
 * Evaluate condition code 0-15. ZF and SF of any lazy record come from its result, and after
 * CMP/SUB the unsigned and signed orderings come from the operands: those are answered here
 * without computing the flags.
 */
static inline bool cpu_test_cond(const CpuState *cpu, unsigned cond)
{
    const LazyFlags *lf = &cpu->lazy;
    bool r;
    if (lf->op != LAZY_NONE) {
        switch (cond >> 1) {
        case 2:
            r = lf->res == 0;
            return (cond & 1) ? !r : r;
        case 4:
            r = (lf->res & flags_sign_bit(lf->size)) != 0;
            return (cond & 1) ? !r : r;
        case 1:
            if (lf->op == LAZY_SUB) {
                r = lf->src1 < lf->src2;
                return (cond & 1) ? !r : r;
            }
            break;
        case 3:
            if (lf->op == LAZY_SUB) {
                r = lf->src1 <= lf->src2;
                return (cond & 1) ? !r : r;
            }
            break;
        default:
            break;
        }
    }
    return cpu_test_cond_slow(cpu, cond);
}

#endif
