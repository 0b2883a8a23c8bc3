/*
 * cpu/exec_x87_stack.c: the x87 register stack and its data movement: loads and stores of
 * every memory format (m32/m64/m80fp, m16/m32/m64int, m80bcd), FXCH, FFREE, FINCSTP/FDECSTP,
 * FCMOVcc and the constants; plus the bookkeeping every x87 instruction shares (exec_x87.h).
 *
 * SDM Vol. 1 §8.1 (registers, status and tag words, pointers), §8.2 (formats, the indefinites
 * of table 8-3 and §4.7 for BCD), §8.3.3 and §8.3.4 (loads, stores, constants), §8.5.1.1
 * (stack faults); Vol. 2 pages FLD, FILD, FBLD, FST/FSTP, FIST/FISTP, FISTTP, FBSTP, FXCH,
 * FFREE, FCMOVcc, FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ.
 */
#include "cpu/exec_x87.h"

#include "util/bitops.h"
#include "util/endian.h"

static bool has_memory_operand(const DecodedInsn *d)
{
    for (unsigned i = 0; i < d->nops; i++) {
        if (d->op[i].loc == LOC_MEM) {
            return true;
        }
    }
    return false;
}

void x87_begin(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87_wait(cpu);
    FpuState *f = &cpu->fpu;
    f->fop = (uint16_t)(((d->opcode & 7u) << 8) | d->modrm);
    f->fip = cpu->rip;
    f->fcs = cpu->seg[SEG_CS].selector;
    if (has_memory_operand(d)) {
        f->fdp = insn_effective_address(cpu, d);
        f->fds = cpu->seg[d->seg].selector;
    }
}

bool x87_finish(CpuState *cpu, const FloatEnv *env)
{
    FpuState *f = &cpu->fpu;
    unsigned flags = env->flags & FSW_FLAGS;
    bool rounded_up = env->rounded_up;
    if (flags & (FLOAT_INVALID | FLOAT_DIVBYZERO)) {
        flags &= ~(unsigned)FLOAT_DENORMAL; /* the higher-priority exception only (host) */
    }
    unsigned unmasked = flags & ~f->fcw & FSW_FLAGS;
    if (unmasked & X87_PRE) {
        flags &= X87_PRE; /* no computation: no post-computation flags */
        rounded_up = false;
    }
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | flags | (rounded_up ? FSW_C1 : 0));
    if (unmasked) {
        f->fsw |= FSW_ES | FSW_B;
    }
    return !(unmasked & X87_PRE);
}

bool x87_stack_fault(CpuState *cpu, bool overflow)
{
    FpuState *f = &cpu->fpu;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | FLOAT_INVALID | FSW_SF | (overflow ? FSW_C1 : 0));
    if (f->fcw & FLOAT_INVALID) {
        return true;
    }
    f->fsw |= FSW_ES | FSW_B;
    return false;
}

bool x87_any_empty(const CpuState *cpu, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (x87_empty(cpu, i)) {
            return true;
        }
    }
    return false;
}

static Float80 read_m80(CpuState *cpu, const DecodedInsn *d)
{
    uint8_t b[10];
    mem_read_bytes(cpu, d->seg, insn_effective_address(cpu, d), b, sizeof(b));
    return (Float80){ ld_le64(b), ld_le16(b + 8) };
}

static void write_m80(CpuState *cpu, const DecodedInsn *d, Float80 v)
{
    uint8_t b[10];
    st_le64(b, v.sig);
    st_le16(b + 8, v.exp);
    mem_write_bytes(cpu, d->seg, insn_effective_address(cpu, d), b, sizeof(b));
}

Float80 x87_read_fp(CpuState *cpu, const DecodedInsn *d, unsigned i, FloatEnv *env)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_ST) {
        return x87_get(cpu, o->reg);
    }
    if (o->size == 10) {
        return read_m80(cpu, d);
    }
    uint64_t v = mem_read(cpu, d->seg, insn_effective_address(cpu, d), o->size);
    /* An SNaN stays signalling, so that the operation picks between two SNaNs by their
     * significands as the host does; the operation (or FLD) quiets it. */
    bool single = o->size == 4;
    if (single ? f32_is_snan((Float32)v) : f64_is_snan(v)) {
        env->flags |= FLOAT_INVALID;
        uint64_t frac = single ? (v & 0x7fffff) << 40 : (v & 0xfffffffffffffull) << 11;
        bool sign = single ? (v >> 31) & 1 : v >> 63;
        return (Float80){ 1ull << 63 | frac, (uint16_t)(0x7fff | (sign ? 0x8000 : 0)) };
    }
    return single ? f32_to_f80((Float32)v, env) : f64_to_f80(v, env);
}

Float80 x87_read_int(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    unsigned size = d->op[i].size;
    uint64_t v = mem_read(cpu, d->seg, insn_effective_address(cpu, d), size);
    return i64_to_f80(sign_extend64(v, size * 8));
}

uint64_t x87_indefinite_bits(unsigned size)
{
    switch (size) {
    case 2:
        return 0x8000;
    case 4:
        return 0x80000000u;
    default:
        return 0x8000000000000000ull;
    }
}

unsigned x87_tag_of(Float80 v)
{
    unsigned e = v.exp & 0x7fff;
    if (e == 0) {
        return v.sig == 0 ? 1 : 2;
    }
    if (e == 0x7fff || !(v.sig >> 63)) {
        return 2;
    }
    return 0;
}

/* Pushes v, or the indefinite after a masked stack overflow; C1 = 0 without a fault. */
static void push_checked(CpuState *cpu, Float80 v)
{
    if (!x87_empty(cpu, 7)) {
        if (x87_stack_fault(cpu, true)) {
            x87_push(cpu, x87_indefinite);
        }
        return;
    }
    x87_push(cpu, v);
}

/* FLD m32fp/m64fp/m80fp/ST(i): an SNaN or denormal m32/m64 source is an exception (the m80
 * form loads any encoding as it is). */
void exec_fld(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    if (d->op[0].loc == LOC_ST && x87_empty(cpu, x87_reg(d, 0))) {
        if (x87_stack_fault(cpu, false)) {
            x87_push(cpu, x87_indefinite);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    Float80 v = x87_read_fp(cpu, d, 0, &env);
    if (d->op[0].loc == LOC_MEM && d->op[0].size != 10 && f80_is_snan(v)) {
        v.sig |= 1ull << 62;
    }
    if (!x87_empty(cpu, 7)) {
        push_checked(cpu, v);
        return;
    }
    /* An unmasked denormal operand still loads (the host's behaviour; the SDM's general rule
     * of §8.5.2 would leave the stack alone); an unmasked invalid SNaN does not. */
    x87_finish(cpu, &env);
    if (!(env.flags & ~cpu->fpu.fcw & FLOAT_INVALID)) {
        x87_push(cpu, v);
    }
}

void exec_fild(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    Float80 v = x87_read_int(cpu, d, 0);
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    push_checked(cpu, v);
}

/* FBLD: 18 packed BCD digits and a sign byte; digits above 9 give an undefined value, here
 * what the digit arithmetic makes of them. */
void exec_fbld(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    uint8_t b[10];
    mem_read_bytes(cpu, d->seg, insn_effective_address(cpu, d), b, sizeof(b));
    uint64_t n = 0;
    for (int i = 8; i >= 0; i--) {
        n = n * 100 + (uint64_t)(b[i] >> 4) * 10 + (b[i] & 15);
    }
    Float80 v = i64_to_f80((int64_t)n);
    if (b[9] & 0x80) {
        v.exp |= 0x8000;
    }
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    push_checked(cpu, v);
}

/* Stores ST(0) somewhere, or reports an empty ST(0); pops if asked and the store happened. */
static void store_done(CpuState *cpu, const DecodedInsn *d, bool written)
{
    if (written && (d->mnemonic == MN_FSTP || d->mnemonic == MN_FISTP ||
                    d->mnemonic == MN_FISTTP || d->mnemonic == MN_FBSTP)) {
        x87_pop(cpu);
    }
}

/* FST/FSTP m32fp/m64fp/m80fp/ST(i). A narrowing store rounds per RC (not PC); with OE or UE
 * unmasked and the value out of range it stores nothing. */
void exec_fst(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    const DecodedOperand *o = &d->op[0];
    if (d->opcode == 0xd9 && o->loc == LOC_ST) {
        /* D9 D8+i, the reserved alias of FSTP ST(i): an empty ST(0) is popped without a
         * stack fault and without a store (as the host does). */
        if (!x87_empty(cpu, 0)) {
            x87_set(cpu, o->reg, x87_get(cpu, 0));
        }
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        x87_pop(cpu);
        return;
    }
    bool empty = x87_empty(cpu, 0);
    if (empty && !x87_stack_fault(cpu, false)) {
        return;
    }
    Float80 v = empty ? x87_indefinite : x87_get(cpu, 0);
    if (o->loc == LOC_ST) {
        x87_set(cpu, o->reg, v);
        if (!empty) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        }
        store_done(cpu, d, true);
        return;
    }
    if (o->size == 10) {
        write_m80(cpu, d, v);
        if (!empty) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        }
        store_done(cpu, d, true);
        return;
    }
    FloatEnv env = x87_env(cpu);
    uint64_t bits = o->size == 4 ? f80_to_f32(v, &env) : f80_to_f64(v, &env);
    uint64_t ea = insn_effective_address(cpu, d);
    mem_probe_write(cpu, d->seg, ea, o->size);
    if (empty) {
        mem_write(cpu, d->seg, ea, o->size, bits);
        store_done(cpu, d, true);
        return;
    }
    bool ok = x87_finish(cpu, &env) &&
              !(env.flags & ~cpu->fpu.fcw & (FLOAT_OVERFLOW | FLOAT_UNDERFLOW));
    if (ok) {
        mem_write(cpu, d->seg, ea, o->size, bits);
    }
    store_done(cpu, d, ok);
}

/* FIST/FISTP/FISTTP m16/m32/m64int: out of range or NaN is invalid, masked the integer
 * indefinite. */
static void store_int(CpuState *cpu, const DecodedInsn *d, bool truncate)
{
    x87_begin(cpu, d);
    unsigned size = d->op[0].size;
    uint64_t ea = insn_effective_address(cpu, d);
    mem_probe_write(cpu, d->seg, ea, size);
    if (x87_empty(cpu, 0)) {
        if (x87_stack_fault(cpu, false)) {
            mem_write(cpu, d->seg, ea, size, x87_indefinite_bits(size));
            store_done(cpu, d, true);
        }
        return;
    }
    FloatEnv env = x87_env(cpu);
    Float80 v = x87_get(cpu, 0);
    int64_t n = size == 2 ? f80_to_i16(v, truncate, &env)
              : size == 4 ? f80_to_i32(v, truncate, &env)
                          : f80_to_i64(v, truncate, &env);
    bool ok = x87_finish(cpu, &env);
    if (ok) {
        mem_write(cpu, d->seg, ea, size, (uint64_t)n);
    }
    store_done(cpu, d, ok);
}

void exec_fist(CpuState *cpu, const DecodedInsn *d)
{
    store_int(cpu, d, false);
}

void exec_fisttp(CpuState *cpu, const DecodedInsn *d)
{
    store_int(cpu, d, true);
}

/* FBSTP: ST(0) rounded per RC to 18 BCD digits; beyond ±(10^18 - 1) or a NaN is invalid,
 * masked the BCD indefinite (FFFF C000 0000 0000 0000). A denormal reports neither DE nor
 * UE, as the host shows. */
void exec_fbstp(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    uint64_t ea = insn_effective_address(cpu, d);
    mem_probe_write(cpu, d->seg, ea, 10);
    uint8_t b[10] = { 0 };
    bool empty = x87_empty(cpu, 0);
    if (empty && !x87_stack_fault(cpu, false)) {
        return;
    }
    Float80 v = empty ? x87_indefinite : x87_get(cpu, 0);
    FloatEnv env = x87_env(cpu);
    int64_t n = f80_to_i64(v, false, &env);
    uint64_t mag = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    if (empty || (env.flags & FLOAT_INVALID) || mag > 999999999999999999ull) {
        env.flags = (uint8_t)((env.flags & ~FLOAT_INEXACT) | FLOAT_INVALID);
        env.rounded_up = false;
        b[7] = 0xc0;
        b[8] = 0xff;
        b[9] = 0xff;
    } else {
        for (unsigned i = 0; i < 9; i++) {
            b[i] = (uint8_t)(mag % 10 | (mag / 10 % 10) << 4);
            mag /= 100;
        }
        b[9] = (v.exp & 0x8000) ? 0x80 : 0;
    }
    bool ok = empty || x87_finish(cpu, &env);
    if (ok) {
        mem_write_bytes(cpu, d->seg, ea, b, sizeof(b));
    }
    store_done(cpu, d, ok);
}

/* FXCH: an empty register takes part as the indefinite (when IE is masked). */
void exec_fxch(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    unsigned i = x87_reg(d, 1);
    bool e0 = x87_empty(cpu, 0), ei = x87_empty(cpu, i);
    if ((e0 || ei) && !x87_stack_fault(cpu, false)) {
        return;
    }
    Float80 a = e0 ? x87_indefinite : x87_get(cpu, 0);
    Float80 b = ei ? x87_indefinite : x87_get(cpu, i);
    x87_set(cpu, 0, b);
    x87_set(cpu, i, a);
    if (!e0 && !ei) {
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    }
}

void exec_ffree(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    x87_free(cpu, x87_reg(d, 0));
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
}

void exec_ffreep(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    x87_free(cpu, x87_reg(d, 0));
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    x87_pop(cpu);
}

void exec_fincstp(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    cpu->fpu.top = (cpu->fpu.top + 1) & 7;
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
}

void exec_fdecstp(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
    cpu->fpu.top = (cpu->fpu.top - 1) & 7;
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
}

/* FCMOVcc: the condition codes of Jcc (B 2, E 4, BE 6, P 10) and their negations. */
static void fcmov(CpuState *cpu, const DecodedInsn *d, unsigned cond)
{
    x87_begin(cpu, d);
    unsigned i = x87_reg(d, 1);
    if (x87_empty(cpu, 0) || x87_empty(cpu, i)) {
        if (x87_stack_fault(cpu, false)) {
            x87_set(cpu, 0, x87_indefinite);
        }
        return;
    }
    if (cpu_test_cond(cpu, cond)) {
        x87_set(cpu, 0, x87_get(cpu, i));
    }
}

#define FCMOV(suffix, cond)                                                                        \
    void exec_fcmov##suffix(CpuState *cpu, const DecodedInsn *d)                                   \
    {                                                                                              \
        fcmov(cpu, d, cond);                                                                       \
    }
FCMOV(b, 0x2)
FCMOV(nb, 0x3)
FCMOV(e, 0x4)
FCMOV(ne, 0x5)
FCMOV(be, 0x6)
FCMOV(nbe, 0x7)
FCMOV(u, 0xa)
FCMOV(nu, 0xb)

/*
 * The constants (SDM Vol. 1 §8.3.8: the internal 66-bit values rounded per RC, not PC). Each
 * significand is the one rounding to nearest gives; `down` says the exact value lies below
 * it, so rounding down or toward zero gives one less, and `up` that it lies above, so rounding
 * up gives one more.
 */
typedef struct X87Constant {
    Float80 value;
    bool down, up;
} X87Constant;

static void load_constant(CpuState *cpu, const DecodedInsn *d, X87Constant c)
{
    x87_begin(cpu, d);
    unsigned rc = (cpu->fpu.fcw >> FCW_RC_SHIFT) & 3;
    if (c.down && (rc == FLOAT_ROUND_DOWN || rc == FLOAT_ROUND_ZERO)) {
        c.value.sig--;
    }
    if (c.up && rc == FLOAT_ROUND_UP) {
        c.value.sig++;
    }
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    push_checked(cpu, c.value);
}

#define CONSTANT(suffix, exp, sig, down, up)                                                       \
    void exec_fld##suffix(CpuState *cpu, const DecodedInsn *d)                                     \
    {                                                                                              \
        load_constant(cpu, d, (X87Constant){ { sig, exp }, down, up });                            \
    }
CONSTANT(1, 0x3fff, 0x8000000000000000ull, false, false)
CONSTANT(z, 0x0000, 0, false, false)
CONSTANT(l2t, 0x4000, 0xd49a784bcd1b8afeull, false, true)
CONSTANT(l2e, 0x3fff, 0xb8aa3b295c17f0bcull, true, false)
CONSTANT(pi, 0x4000, 0xc90fdaa22168c235ull, true, false)
CONSTANT(lg2, 0x3ffd, 0x9a209a84fbcff799ull, true, false)
CONSTANT(ln2, 0x3ffe, 0xb17217f7d1cf79acull, true, false)
