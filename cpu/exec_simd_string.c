/*
 * cpu/exec_simd_string.c: the SSE4.2 packed string comparisons PCMPESTRI, PCMPESTRM,
 * PCMPISTRI and PCMPISTRM.
 *
 * SDM Vol. 2B §4.1 "Imm8 control byte operation for PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM":
 * imm8[1:0] the element format (unsigned or signed bytes or words), [3:2] the aggregation
 * (equal any, ranges, equal each, equal ordered) with the validity overrides of table 4-7,
 * [5:4] the polarity, [6] the index (lowest or highest) or the mask form (bits or elements);
 * lengths explicit in EAX/EDX (RAX/RDX with REX.W, absolute value, saturated) or implicit
 * (up to the first zero element); the flags of §4.1.6.
 */
#include "cpu/exec_simd.h"

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

/* An element of a vector in the format of imm8[1:0], sign-extended when signed. */
static int32_t element(const XmmReg *v, unsigned fmt, unsigned i)
{
    switch (fmt) {
    case 0:
        return v->b[i];
    case 1:
        return v->w[i];
    case 2:
        return (int8_t)v->b[i];
    default:
        return (int16_t)v->w[i];
    }
}

static unsigned implicit_length(const XmmReg *v, unsigned fmt, unsigned n)
{
    unsigned len = 0;
    while (len < n && element(v, fmt, len) != 0) {
        len++;
    }
    return len;
}

static unsigned explicit_length(const CpuState *cpu, const DecodedInsn *d, unsigned reg,
                                unsigned n)
{
    int64_t v = (d->rex & 8) ? (int64_t)cpu->regs[reg] : (int64_t)(int32_t)cpu->regs[reg];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return mag > n ? n : (unsigned)mag;
}

/* IntRes2 of §4.1.4-§4.1.5 for the two operands and their lengths. */
static uint32_t compare_strings(const XmmReg *a, const XmmReg *b, unsigned la, unsigned lb,
                                unsigned imm, unsigned n)
{
    unsigned fmt = imm & 3, agg = (imm >> 2) & 3, pol = (imm >> 4) & 3;
    uint32_t res = 0;
    for (unsigned j = 0; j < n; j++) {
        bool bit = false;
        switch (agg) {
        case AGG_EQUAL_ANY:
            for (unsigned i = 0; i < la && j < lb; i++) {
                bit |= element(a, fmt, i) == element(b, fmt, j);
            }
            break;
        case AGG_RANGES:
            for (unsigned i = 0; i < la && j < lb; i += 2) {
                bool lo = element(a, fmt, i) <= element(b, fmt, j);
                bool hi = i + 1 < la && element(b, fmt, j) <= element(a, fmt, i + 1);
                bit |= lo && hi;
            }
            break;
        case AGG_EQUAL_EACH: {
            bool va = j < la, vb = j < lb;
            bit = va && vb ? element(a, fmt, j) == element(b, fmt, j) : !va && !vb;
            break;
        }
        default: /* equal ordered: a[0..] occurs in b starting at j */
            bit = true;
            for (unsigned k = 0; k < n - j && k < la; k++) {
                if (j + k >= lb || element(a, fmt, k) != element(b, fmt, j + k)) {
                    bit = false;
                    break;
                }
            }
            break;
        }
        res |= (uint32_t)bit << j;
    }
    uint32_t all = (1u << n) - 1;
    switch (pol) {
    case 1:
        res ^= all;
        break;
    case 3:
        res ^= (1u << lb) - 1;
        break;
    default:
        break;
    }
    return res & all;
}

static void string_compare(CpuState *cpu, const DecodedInsn *d, bool explicit_len, bool index)
{
    fpu_check_sse(cpu);
    XmmReg a, b;
    sse_read(cpu, d, 0, &a);
    sse_read(cpu, d, 1, &b);
    unsigned imm = (unsigned)d->imm;
    unsigned n = (imm & 1) ? 8 : 16;
    unsigned la = explicit_len ? explicit_length(cpu, d, R_AX, n) : implicit_length(&a, imm & 3, n);
    unsigned lb = explicit_len ? explicit_length(cpu, d, R_DX, n) : implicit_length(&b, imm & 3, n);
    uint32_t res = compare_strings(&a, &b, la, lb, imm, n);
    if (index) {
        unsigned idx = n;
        if (res) {
            idx = (imm & 0x40) ? 31u - (unsigned)__builtin_clz(res) : (unsigned)__builtin_ctz(res);
        }
        gpr_write(cpu, R_CX, 4, idx);
    } else {
        XmmReg m = { 0 };
        if (imm & 0x40) {
            for (unsigned i = 0; i < n; i++) {
                simd_set_lane(&m, n == 16 ? 8 : 16, i, (res >> i) & 1 ? ~0ull : 0);
            }
        } else {
            m.d[0] = res;
        }
        *fpu_xmm(cpu, 0) = m;
    }
    flags_store(cpu, (res ? FLAG_CF : 0) | (lb < n ? FLAG_ZF : 0) | (la < n ? FLAG_SF : 0) |
                         ((res & 1) ? FLAG_OF : 0));
}

void exec_pcmpestri(CpuState *cpu, const DecodedInsn *d)
{
    string_compare(cpu, d, true, true);
}

void exec_pcmpestrm(CpuState *cpu, const DecodedInsn *d)
{
    string_compare(cpu, d, true, false);
}

void exec_pcmpistri(CpuState *cpu, const DecodedInsn *d)
{
    string_compare(cpu, d, false, true);
}

void exec_pcmpistrm(CpuState *cpu, const DecodedInsn *d)
{
    string_compare(cpu, d, false, false);
}
