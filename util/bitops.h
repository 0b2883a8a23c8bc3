/*
 * util/bitops.h: bit-field and bit-scan helpers. Everything is defined for every input: no
 * shift by the operand width, no __builtin_clz(0), since the values come from guests.
 */
#ifndef VIREO_UTIL_BITOPS_H
#define VIREO_UTIL_BITOPS_H

#include <stdbool.h>
#include <stdint.h>

/* Bits [start, start+len) of v; len 0..64. */
static inline uint64_t extract64(uint64_t v, unsigned start, unsigned len)
{
    if (len == 0) {
        return 0;
    }
    return (v >> start) & (~0ull >> (64 - len));
}

static inline uint32_t extract32(uint32_t v, unsigned start, unsigned len)
{
    return (uint32_t)extract64(v, start, len);
}

/* v with bits [start, start+len) replaced by the low len bits of field. */
static inline uint64_t deposit64(uint64_t v, unsigned start, unsigned len, uint64_t field)
{
    if (len == 0) {
        return v;
    }
    uint64_t mask = (~0ull >> (64 - len)) << start;
    return (v & ~mask) | ((field << start) & mask);
}

static inline int64_t sextract64(uint64_t v, unsigned start, unsigned len)
{
    if (len == 0) {
        return 0;
    }
    return (int64_t)(v << (64 - start - len)) >> (64 - len);
}

/* Sign-extend the low `bits` bits of v (1..64). */
static inline int64_t sign_extend64(uint64_t v, unsigned bits)
{
    return sextract64(v, 0, bits);
}

/* Mask of the low `bits` bits, bits in 0..64. */
static inline uint64_t mask_low64(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* Index of the lowest/highest set bit; -1 when v is 0. */
static inline int ctz64_or_neg(uint64_t v)
{
    return v ? __builtin_ctzll(v) : -1;
}

static inline int msb64_or_neg(uint64_t v)
{
    return v ? 63 - __builtin_clzll(v) : -1;
}

static inline unsigned popcount64(uint64_t v)
{
    return (unsigned)__builtin_popcountll(v);
}

/* Even parity of the low byte, as x86 PF defines it. */
static inline bool parity8(uint8_t v)
{
    return !(__builtin_popcount(v) & 1);
}

static inline uint64_t rol64(uint64_t v, unsigned n)
{
    n &= 63;
    return n ? (v << n) | (v >> (64 - n)) : v;
}

static inline uint64_t ror64(uint64_t v, unsigned n)
{
    n &= 63;
    return n ? (v >> n) | (v << (64 - n)) : v;
}

static inline bool is_power_of_2_u64(uint64_t v)
{
    return v && !(v & (v - 1));
}

static inline uint64_t align_down64(uint64_t v, uint64_t align)
{
    return v & ~(align - 1);
}

static inline uint64_t align_up64(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

#endif
