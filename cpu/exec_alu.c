/*
 * cpu/exec_alu.c: integer arithmetic and logic, SDM Vol. 2 pages ADD, OR, ADC, SBB, AND, SUB,
 * XOR, CMP, TEST, INC, DEC, NEG, NOT, MUL, IMUL, DIV, IDIV, CBW/CWDE/CDQE, CWD/CDQ/CQO, and the
 * BCD adjustments DAA, DAS, AAA, AAS, AAM, AAD (with the 8086's AAA/AAS variant) and SALC.
 *
 * Flags the manual leaves undefined are set as documented in each function; the conformance
 * tests mask them.
 */
#include "cpu/exec.h"

#include "cpu/excp.h"

#include "util/bitops.h"

static inline void binary_op(CpuState *cpu, const DecodedInsn *d, LazyOp op, uint64_t res,
                             uint64_t a, uint64_t b)
{
    opnd_write(cpu, d, 0, res);
    flags_set(cpu, op, d->op[0].size, res, a, b);
}

void exec_add(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    binary_op(cpu, d, LAZY_ADD, a + b, a, b);
}

void exec_or(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    binary_op(cpu, d, LAZY_LOGIC, a | b, 0, 0);
}

void exec_adc(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    unsigned carry = flags_get_cf(cpu);
    binary_op(cpu, d, LAZY_ADC, a + b + carry, a, b);
    cpu->lazy.aux = carry;
}

void exec_sbb(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    unsigned borrow = flags_get_cf(cpu);
    binary_op(cpu, d, LAZY_SBB, a - b - borrow, a, b);
    cpu->lazy.aux = borrow;
}

void exec_and(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    binary_op(cpu, d, LAZY_LOGIC, a & b, 0, 0);
}

void exec_sub(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    binary_op(cpu, d, LAZY_SUB, a - b, a, b);
}

void exec_xor(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0), b = opnd_read(cpu, d, 1);
    binary_op(cpu, d, LAZY_LOGIC, a ^ b, 0, 0);
}

void exec_cmp(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read(cpu, d, 0), b = opnd_read(cpu, d, 1);
    flags_set(cpu, LAZY_SUB, d->op[0].size, a - b, a, b);
}

void exec_test(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read(cpu, d, 0), b = opnd_read(cpu, d, 1);
    flags_set(cpu, LAZY_LOGIC, d->op[0].size, a & b, 0, 0);
}

void exec_inc(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0);
    unsigned cf = flags_get_cf(cpu);
    binary_op(cpu, d, LAZY_INC, a + 1, a, 1);
    cpu->lazy.aux = cf;
}

void exec_dec(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0);
    unsigned cf = flags_get_cf(cpu);
    binary_op(cpu, d, LAZY_DEC, a - 1, a, 1);
    cpu->lazy.aux = cf;
}

void exec_neg(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t a = opnd_read_rmw(cpu, d, 0);
    binary_op(cpu, d, LAZY_SUB, 0 - a, 0, a);
}

void exec_not(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, ~opnd_read_rmw(cpu, d, 0));
}

/*
 * MUL/IMUL: CF = OF = whether the high half is significant. SF, ZF, PF are undefined; vireo
 * sets them from the low half of the result and clears AF, as Bochs does.
 */
static void set_mul_flags(CpuState *cpu, uint64_t low, unsigned size, bool overflow)
{
    uint64_t f = flags_of_result(low, size);
    if (overflow) {
        f |= FLAG_CF | FLAG_OF;
    }
    flags_store(cpu, f);
}

/* rDX:rAX (AX for bytes) = rAX * src. */
void exec_mul(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    uint64_t src = opnd_read(cpu, d, 0);
    uint64_t a = gpr_read(cpu, R_AX, size);
    unsigned __int128 p = (unsigned __int128)a * src;
    uint64_t lo = (uint64_t)p & size_mask(size);
    uint64_t hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> (size * 8)) & size_mask(size);
    if (size == 1) {
        gpr_write(cpu, R_AX, 2, (hi << 8) | lo);
    } else {
        gpr_write(cpu, R_AX, size, lo);
        gpr_write(cpu, R_DX, size, hi);
    }
    set_mul_flags(cpu, lo, size, hi != 0);
}

static int64_t sx(uint64_t v, unsigned size)
{
    return sign_extend64(v, size * 8);
}

/* Signed product of two size-byte values; *overflow when it does not fit in size bytes. */
static __int128 signed_product(uint64_t a, uint64_t b, unsigned size, bool *overflow)
{
    __int128 p = (__int128)sx(a, size) * (__int128)sx(b, size);
    __int128 lo = size == 8 ? (__int128)(int64_t)(uint64_t)p : (__int128)sx((uint64_t)p, size);
    *overflow = lo != p;
    return p;
}

void exec_imul1(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    uint64_t src = opnd_read(cpu, d, 0);
    bool ovf;
    __int128 p = signed_product(gpr_read(cpu, R_AX, size), src, size, &ovf);
    uint64_t lo = (uint64_t)p & size_mask(size);
    uint64_t hi = (uint64_t)(p >> (size * 8)) & size_mask(size);
    if (size == 1) {
        gpr_write(cpu, R_AX, 2, (hi << 8) | lo);
    } else {
        gpr_write(cpu, R_AX, size, lo);
        gpr_write(cpu, R_DX, size, hi);
    }
    set_mul_flags(cpu, lo, size, ovf);
}

/* IMUL Gv, Ev and IMUL Gv, Ev, imm: truncated product in the register. */
static void imul_truncated(CpuState *cpu, const DecodedInsn *d, uint64_t a, uint64_t b)
{
    unsigned size = d->op[0].size;
    bool ovf;
    uint64_t lo = (uint64_t)signed_product(a, b, size, &ovf) & size_mask(size);
    gpr_write(cpu, d->op[0].reg, size, lo);
    set_mul_flags(cpu, lo, size, ovf);
}

void exec_imul2(CpuState *cpu, const DecodedInsn *d)
{
    imul_truncated(cpu, d, opnd_read(cpu, d, 0), opnd_read(cpu, d, 1));
}

void exec_imul3(CpuState *cpu, const DecodedInsn *d)
{
    imul_truncated(cpu, d, opnd_read(cpu, d, 1), opnd_read(cpu, d, 2));
}

/*
 * A divide error (DIV, IDIV, AAM): #DE, a fault. The 8086 instead runs INT 0 from its
 * microcode, which pushes the address of the next instruction (the 80286 PRM lists the
 * restartable divide error among its differences from the 8086; the SingleStepTests README:
 * "a divide error pushes the address of the next instruction"), so the instruction ends there;
 * the caller returns.
 */
static void divide_error(CpuState *cpu)
{
    if (cpu->model != CPU_MODEL_8086) {
        cpu_raise(cpu, EXC_DE, 0);
    }
    excp_deliver(cpu, EXC_DE, INT_KIND_SOFTWARE, false, 0, cpu->next_rip);
}

/*
 * The 8086's CORD microcode routine (the division loop of DIV, IDIV and AAM; Ken Shirriff and
 * Andrew Jenner's disassembly of the 8086 microcode, righto.com / reenigne.org): a restoring
 * division of high:low by divisor, all `size` bytes wide, one quotient bit per step. Its flags
 * are visible when it ends in a divide error: those of its last flag-setting subtraction, the
 * first being high - divisor, which is the overflow test (SingleStepTests 8086 vectors F6,
 * F7). Returns false on that overflow (high >= divisor); else the quotient and remainder.
 */
static bool cord_8086(CpuState *cpu, unsigned size, uint64_t high, uint64_t low,
                      uint64_t divisor, uint64_t *quotient, uint64_t *remainder)
{
    uint64_t m = size_mask(size);
    unsigned top = size * 8 - 1;
    flags_set(cpu, LAZY_SUB, size, high - divisor, high, divisor);
    if (high >= divisor) {
        return false;
    }
    uint64_t a = high, c = low, carry = 1;
    for (unsigned i = 0; i <= top; i++) {
        uint64_t c_out = c >> top, a_out = a >> top;
        c = ((c << 1) | carry) & m;
        a = ((a << 1) | c_out) & m;
        if (a_out) {
            a = (a - divisor) & m;
            carry = 0;
            continue;
        }
        flags_set(cpu, LAZY_SUB, size, a - divisor, a, divisor);
        carry = a < divisor;
        if (!carry) {
            a = (a - divisor) & m;
        }
    }
    /* The loop shifts in the complement of each quotient bit. */
    *quotient = ~((c << 1) | carry) & m;
    *remainder = a;
    return true;
}

/*
 * DIV and IDIV on the 8086. IDIV divides magnitudes (PREIDIV negates a negative dividend and
 * divisor) and then gives the quotient the sign of their product, negated once more when a REP
 * prefix is present (the microcode's F1 flag; an undocumented effect), and the remainder the
 * dividend's sign. A quotient magnitude above 7Fh or 7FFFh is a divide error, so -80h and
 * -8000h cannot be produced (the 8086 manual's IDIV range stops at -7Fh and -7FFFh; vectors
 * F6.7, F7.7). A divide error leaves CF clear.
 */
static void divide_8086(CpuState *cpu, const DecodedInsn *d, bool is_signed)
{
    unsigned size = d->op[0].size;
    uint64_t m = size_mask(size), sign = flags_sign_bit(size);
    uint64_t divisor = opnd_read(cpu, d, 0);
    uint64_t high = size == 1 ? gpr_read(cpu, R_AX, 2) >> 8 : gpr_read(cpu, R_DX, 2);
    uint64_t low = gpr_read(cpu, R_AX, size);
    bool is_dividend_negative = is_signed && (high & sign);
    bool is_negated = (d->prefixes & (PFX_REP | PFX_REPNE)) != 0;
    if (is_dividend_negative) {
        high = (low ? ~high : 0 - high) & m;
        low = (0 - low) & m;
        is_negated = !is_negated;
    }
    if (is_signed && (divisor & sign)) {
        divisor = (0 - divisor) & m;
        is_negated = !is_negated;
    }
    uint64_t q, r;
    if (!cord_8086(cpu, size, high, low, divisor, &q, &r) || (is_signed && (q & sign))) {
        flags_store(cpu, cpu_get_rflags(cpu) & FLAGS_ARITH & ~(uint64_t)FLAG_CF);
        divide_error(cpu);
        return;
    }
    if (is_signed && is_negated) {
        q = (0 - q) & m;
    }
    if (is_dividend_negative) {
        r = (0 - r) & m;
    }
    if (size == 1) {
        gpr_write(cpu, R_AX, 2, (r << 8) | q);
    } else {
        gpr_write(cpu, R_AX, 2, q);
        gpr_write(cpu, R_DX, 2, r);
    }
}

/*
 * DIV/IDIV: #DE on a zero divisor or a quotient that does not fit (SDM Vol. 2A "DIV"). All
 * six arithmetic flags are undefined; vireo leaves them unchanged.
 */
void exec_div(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    if (cpu->model == CPU_MODEL_8086) {
        divide_8086(cpu, d, false);
        return;
    }
    uint64_t divisor = opnd_read(cpu, d, 0);
    if (divisor == 0) {
        divide_error(cpu);
        return;
    }
    unsigned __int128 dividend;
    if (size == 1) {
        dividend = gpr_read(cpu, R_AX, 2);
    } else {
        dividend = ((unsigned __int128)gpr_read(cpu, R_DX, size) << (size * 8)) |
                   gpr_read(cpu, R_AX, size);
    }
    unsigned __int128 q = dividend / divisor, r = dividend % divisor;
    if (q > size_mask(size)) {
        divide_error(cpu);
        return;
    }
    if (size == 1) {
        gpr_write(cpu, R_AX, 2, ((uint64_t)r << 8) | (uint64_t)q);
    } else {
        gpr_write(cpu, R_AX, size, (uint64_t)q);
        gpr_write(cpu, R_DX, size, (uint64_t)r);
    }
}

void exec_idiv(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->model == CPU_MODEL_8086) {
        divide_8086(cpu, d, true);
        return;
    }
    unsigned size = d->op[0].size;
    int64_t divisor = sx(opnd_read(cpu, d, 0), size);
    if (divisor == 0) {
        divide_error(cpu);
        return;
    }
    __int128 dividend;
    if (size == 1) {
        dividend = sx(gpr_read(cpu, R_AX, 2), 2);
    } else {
        unsigned __int128 u = ((unsigned __int128)gpr_read(cpu, R_DX, size) << (size * 8)) |
                              gpr_read(cpu, R_AX, size);
        unsigned bits = size * 16;
        dividend = bits == 128 ? (__int128)u : ((__int128)(u << (128 - bits)) >> (128 - bits));
    }
    /* The one quotient that overflows __int128 itself: INT128_MIN / -1 cannot occur, since
     * the dividend has at most 128 bits and a 64-bit divisor; check the range instead. */
    __int128 q = dividend / divisor, r = dividend % divisor;
    __int128 qmax = ((__int128)1 << (size * 8 - 1)) - 1;
    if (q > qmax || q < -qmax - 1) {
        divide_error(cpu);
        return;
    }
    if (size == 1) {
        gpr_write(cpu, R_AX, 2, (((uint64_t)r & 0xff) << 8) | ((uint64_t)q & 0xff));
    } else {
        gpr_write(cpu, R_AX, size, (uint64_t)q);
        gpr_write(cpu, R_DX, size, (uint64_t)r);
    }
}

void exec_cbw(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t half = gpr_read(cpu, R_AX, size / 2);
    gpr_write(cpu, R_AX, size, (uint64_t)sx(half, size / 2));
}

void exec_cwd(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t a = gpr_read(cpu, R_AX, size);
    gpr_write(cpu, R_DX, size, (a & flags_sign_bit(size)) ? ~0ull : 0);
}

/* BCD adjustments: SF, ZF, PF from AL; the SDM pseudocode of each instruction. */
static uint64_t current_flags(const CpuState *cpu)
{
    return cpu_get_rflags(cpu) & FLAGS_ARITH;
}

/*
 * The AL above which DAA/DAS adjust the high digit: 99h, but on the 8086 9Fh when AF was set
 * (its SingleStepTests vectors 27, 2F: AL = 9Bh with AF = 1 gives A1h and CF = 0).
 */
static unsigned high_digit_limit(const CpuState *cpu, uint64_t f)
{
    return (cpu->model == CPU_MODEL_8086 && (f & FLAG_AF)) ? 0x9f : 0x99;
}

void exec_daa(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t f = current_flags(cpu);
    uint8_t al = (uint8_t)cpu->regs[R_AX], old_al = al;
    bool old_cf = f & FLAG_CF;
    uint64_t nf = 0;
    if ((al & 0xf) > 9 || (f & FLAG_AF)) {
        al = (uint8_t)(al + 6);
        nf |= FLAG_AF;
    }
    if (old_al > high_digit_limit(cpu, f) || old_cf) {
        al = (uint8_t)(al + 0x60);
        nf |= FLAG_CF;
    }
    /* OF is undefined; hardware leaves the overflow of the adjustment, as Bochs computes. */
    if (((old_al ^ al) & al & 0x80)) {
        nf |= FLAG_OF;
    }
    gpr_write(cpu, R_AX, 1, al);
    flags_store(cpu, nf | flags_of_result(al, 1));
}

void exec_das(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t f = current_flags(cpu);
    uint8_t al = (uint8_t)cpu->regs[R_AX], old_al = al;
    bool old_cf = f & FLAG_CF;
    uint64_t nf = 0;
    if ((al & 0xf) > 9 || (f & FLAG_AF)) {
        /*
         * CF <- old_CF or the borrow of AL - 6 (the SDM pseudocode; the Harris 80C286 vectors
         * 2F agree); the 8086 does not take the borrow (its SingleStepTests vectors 2F).
         */
        if (al < 6 && cpu->model != CPU_MODEL_8086) {
            nf |= FLAG_CF;
        }
        al = (uint8_t)(al - 6);
        nf |= FLAG_AF;
    }
    if (old_al > high_digit_limit(cpu, f) || old_cf) {
        al = (uint8_t)(al - 0x60);
        nf |= FLAG_CF;
    }
    if (((old_al ^ al) & old_al & 0x80)) {
        nf |= FLAG_OF;
    }
    gpr_write(cpu, R_AX, 1, al);
    flags_store(cpu, nf | flags_of_result(al, 1));
}

/*
 * AAA/AAS: the 80286 and later adjust AX as a whole (AX +/- 106h); the 8086 adjusts AL and AH
 * separately, so a carry out of AL does not reach AH.
 */
static void ascii_adjust(CpuState *cpu, int sign)
{
    uint64_t f = current_flags(cpu);
    uint16_t ax = (uint16_t)cpu->regs[R_AX];
    uint64_t nf = f & ~(uint64_t)(FLAG_AF | FLAG_CF);
    if ((ax & 0xf) > 9 || (f & FLAG_AF)) {
        if (cpu->model == CPU_MODEL_8086) {
            uint8_t al = (uint8_t)(ax + sign * 6), ah = (uint8_t)((ax >> 8) + sign);
            ax = (uint16_t)((ah << 8) | al);
        } else if (sign > 0) {
            ax = (uint16_t)(ax + 0x106);
        } else {
            ax = (uint16_t)(ax - 6 - 0x100);
        }
        nf |= FLAG_AF | FLAG_CF;
    }
    ax &= 0xff0f;
    gpr_write(cpu, R_AX, 2, ax);
    nf = (nf & ~(uint64_t)(FLAG_ZF | FLAG_SF | FLAG_PF)) | flags_of_result(ax & 0xff, 1);
    flags_store(cpu, nf);
}

void exec_aaa(CpuState *cpu, const DecodedInsn *d)
{
    ascii_adjust(cpu, 1);
}

void exec_aas(CpuState *cpu, const DecodedInsn *d)
{
    ascii_adjust(cpu, -1);
}

void exec_aam(CpuState *cpu, const DecodedInsn *d)
{
    uint8_t base = (uint8_t)d->imm;
    if (base == 0) {
        if (cpu->model == CPU_MODEL_8086) {
            flags_set(cpu, LAZY_SUB, 1, 0, 0, 0); /* CORD's overflow test 0 - 0 (cord_8086) */
        }
        divide_error(cpu);
        return;
    }
    uint8_t al = (uint8_t)cpu->regs[R_AX];
    uint8_t q = al / base, r = al % base;
    gpr_write(cpu, R_AX, 2, ((uint64_t)q << 8) | r);
    flags_store(cpu, flags_of_result(r, 1));
}

void exec_aad(CpuState *cpu, const DecodedInsn *d)
{
    uint8_t base = (uint8_t)d->imm;
    uint8_t al = (uint8_t)cpu->regs[R_AX], ah = (uint8_t)(cpu->regs[R_AX] >> 8);
    uint8_t prod = (uint8_t)(ah * base);
    uint8_t res = (uint8_t)(al + prod);
    gpr_write(cpu, R_AX, 2, res);
    /* Undefined CF, AF, OF: those of the byte addition AL + AH * base. */
    LazyFlags lf = { .op = LAZY_ADD, .size = 1, .res = res, .src1 = al, .src2 = prod };
    flags_store(cpu, flags_compute(&lf));
}

void exec_salc(CpuState *cpu, const DecodedInsn *d)
{
    gpr_write(cpu, R_AX, 1, flags_get_cf(cpu) ? 0xff : 0);
}
