/*
 * tests/conformance/diff/diff_undefined.c: what the SDM leaves undefined for each instruction
 * the differential test runs (flags, and the few undefined results), cited page by page, and
 * the vendor differences between Intel (vireo's model) and this AMD host that are masked.
 */
#include <string.h>

#include "diff_gen.h"

#define REGION_END (NATIVE_DATA_ADDR + NATIVE_DATA_SIZE)

#define F_CF NATIVE_RFLAGS_CF
#define F_PF NATIVE_RFLAGS_PF
#define F_AF NATIVE_RFLAGS_AF
#define F_ZF NATIVE_RFLAGS_ZF
#define F_SF NATIVE_RFLAGS_SF
#define F_OF NATIVE_RFLAGS_OF
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* The source operand (operand 1) of a register or in-region memory form. */
static bool source_value(const DiffCase *c, const uint8_t *data, uint64_t *v)
{
    const DiffForm *f = c->form;
    unsigned size = c->opsize;
    uint64_t m = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    if (c->has_mem) {
        if (!c->mem_in_region) {
            return false;
        }
        uint64_t x = 0;
        memcpy(&x, data + c->mem_off, size);
        *v = x & m;
        return true;
    }
    /* register form: ModRM.rm with REX.B (the generator's encoding) */
    const uint8_t *p = c->code + c->insn_off;
    unsigned rex = 0, i = 0;
    while (i < c->insn_len) {
        uint8_t b = p[i];
        if ((b & 0xf0) == 0x40) {
            rex = b;
            i++;
            continue;
        }
        if (b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 ||
            b == 0x2e || b == 0x36 || b == 0x3e) {
            rex = 0;
            i++;
            continue;
        }
        break;
    }
    i += f->map == 1 ? 1 : f->map == 2 ? 2 : 3;
    unsigned rm = (p[i] & 7) | (rex & 1 ? 8 : 0);
    *v = c->in.gpr[rm] & m;
    return true;
}

void diff_undefined(DiffCase *c, const uint8_t *data)
{
    unsigned bits = c->dst_size * 8;
    unsigned mask = c->dst_size == 8 ? 63 : 31;
    uint64_t count = c->count & mask;
    uint64_t src;
    c->undef_flags = 0;
    c->undef_reg = -1;
    c->undef_mem_len = 0;
    c->fault_mem_len = 0;
    switch (c->mnemonic) {
    case MN_MUL:
    case MN_IMUL1:
    case MN_IMUL2:
    case MN_IMUL3:
        /* SDM Vol. 2A "MUL", Vol. 2A "IMUL", Flags Affected: SF, ZF, AF, PF undefined */
        c->undef_flags = F_SF | F_ZF | F_AF | F_PF;
        break;
    case MN_DIV:
    case MN_IDIV:
        /* SDM Vol. 2A "DIV", "IDIV": CF, OF, SF, ZF, AF, PF undefined */
        c->undef_flags = F_ALL;
        break;
    case MN_AND:
    case MN_OR:
    case MN_XOR:
    case MN_TEST:
        /* SDM Vol. 2A "AND", Vol. 2B "OR", "XOR", "TEST": the state of AF is undefined */
        c->undef_flags = F_AF;
        break;
    case MN_SHL:
    case MN_SAL:
    case MN_SHR:
    case MN_SAR:
        /*
         * SDM Vol. 2B "SAL/SAR/SHL/SHR", Flags Affected: a masked count of 0 affects no flag;
         * otherwise AF is undefined, OF is undefined for counts above 1, and CF is undefined
         * for SHL and SHR when the count is at least the operand width.
         */
        if (count) {
            c->undef_flags = F_AF;
            if (count > 1) {
                c->undef_flags |= F_OF;
            }
            if (c->mnemonic != MN_SAR && count >= bits) {
                c->undef_flags |= F_CF;
            }
        }
        break;
    case MN_ROL:
    case MN_ROR:
    case MN_RCL:
    case MN_RCR:
        /* SDM Vol. 2B "RCL/RCR/ROL/ROR": OF is defined only for a masked count of 1 */
        if (count > 1) {
            c->undef_flags = F_OF;
        }
        break;
    case MN_SHLD:
    case MN_SHRD:
        /*
         * SDM Vol. 2B "SHLD", "SHRD": count 0 affects nothing; AF undefined when a shift occurs,
         * OF undefined for counts above 1; a count above the operand size leaves the result and
         * all flags undefined (possible only for 16-bit operands).
         */
        if (count) {
            c->undef_flags = F_AF;
            if (count > 1) {
                c->undef_flags |= F_OF;
            }
            if (count > bits) {
                c->undef_flags = F_ALL;
                if (c->has_mem) {
                    c->undef_mem_off = c->mem_off;
                    c->undef_mem_len = c->mem_in_region ? c->dst_size : 0;
                } else {
                    c->undef_reg = c->dst_reg;
                    c->undef_reg_mask = 0xffff;
                }
            }
        }
        break;
    case MN_BT:
    case MN_BTS:
    case MN_BTR:
    case MN_BTC:
        /* SDM Vol. 2A "BT": OF, SF, AF, PF undefined; ZF unaffected */
        c->undef_flags = F_OF | F_SF | F_AF | F_PF;
        break;
    case MN_BSF:
    case MN_BSR:
        /* SDM Vol. 2A "BSF", "BSR": CF, OF, SF, AF, PF undefined */
        c->undef_flags = F_CF | F_OF | F_SF | F_AF | F_PF;
        /*
         * A zero source leaves the destination undefined per the SDM. AMD documents it as
         * unchanged (APM Vol. 3 "BSF"); Intel processors leave it unchanged too but, as with
         * any 32-bit register write, clear bits 63:32 of a 32-bit destination. vireo follows
         * Intel: vendor difference on the upper half only, which is masked.
         */
        if (source_value(c, data, &src) && src == 0 && c->opsize == 4 && c->dst_reg >= 0) {
            c->undef_reg = c->dst_reg;
            c->undef_reg_mask = 0xffffffff00000000ull;
        }
        break;
    case MN_TZCNT:
    case MN_LZCNT:
        /* SDM Vol. 2B "TZCNT", Vol. 2A "LZCNT": OF, SF, PF, AF undefined */
        c->undef_flags = F_OF | F_SF | F_AF | F_PF;
        break;
    case MN_ENTER: {
        /*
         * A faulting ENTER (a frame-pointer read, a push, or the final stack pointer, which
         * SDM Vol. 2A "ENTER" checks without ordering it against the pushes) leaves memory
         * unspecified: vireo checks every access first and writes nothing; this host (AMD)
         * has made the pushes before the fault. When both fault alike, the frame's bytes are
         * not compared.
         */
        const uint8_t *p = c->code + c->insn_off + c->insn_len - 3;
        unsigned level = p[2] & 31;
        unsigned size = c->opsize;
        uint64_t top = c->in.gpr[4];
        uint64_t low = top - (uint64_t)(level + 1) * size;
        if (top >= NATIVE_DATA_ADDR && top <= REGION_END) {
            low = low < NATIVE_DATA_ADDR ? NATIVE_DATA_ADDR : low;
            c->fault_mem_off = (uint32_t)(low - NATIVE_DATA_ADDR);
            c->fault_mem_len = (uint32_t)(top - low);
        }
        break;
    }
    case MN_BSWAP:
        /* SDM Vol. 2A "BSWAP": with a 16-bit register the result is undefined */
        if (c->opsize == 2) {
            c->undef_reg = c->dst_reg;
            c->undef_reg_mask = 0xffff;
        }
        break;
    default:
        break;
    }
}
