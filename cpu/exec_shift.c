/*
 * cpu/exec_shift.c: shifts and rotates, SDM Vol. 2B pages "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR",
 * "SHLD", "SHRD". The count is masked to 5 bits (6 for 64-bit operands); a masked count of
 * zero changes neither the destination's value nor any flag. RCL/RCR rotate through CF, so
 * 8- and 16-bit forms take the count modulo 9 and 17.
 *
 * Undefined flags: OF for counts above 1 is computed by the count-1 formula on the final
 * result (as Intel processors do); AF is cleared by the shifts. The tests mask them.
 *
 * The 8086 and 80286 models shift one bit per microcode step, count times, and keep the flags
 * of the last step (SingleStepTests vectors): the 8086 takes all eight bits of CL (the 80286
 * Programmer's Reference Manual lists masking the count to 5 bits among its differences from
 * the 8086), RCL/RCR rotate
 * count times with no modulo (a nonzero multiple of 9 or 17 still sets OF), and SHR by more
 * than 1 clears OF (the last step shifts a 0 out of the top bit).
 */
#include "cpu/exec.h"

#include "util/bitops.h"

static unsigned count_mask(const CpuState *cpu, unsigned size)
{
    if (cpu->model == CPU_MODEL_8086) {
        return 0xff;
    }
    return size == 8 ? 0x3f : 0x1f;
}

/*
 * A zero count leaves the destination alone, but a 32-bit register destination in 64-bit mode
 * is still written (its upper half cleared), as for any 32-bit register result.
 */
static void keep_destination(CpuState *cpu, const DecodedInsn *d, uint64_t v)
{
    if (d->op[0].loc == LOC_GPR && d->op[0].size == 4) {
        gpr_write(cpu, d->op[0].reg, 4, v);
    }
}

static uint64_t msb(uint64_t v, unsigned size)
{
    return (v >> (size * 8 - 1)) & 1;
}

/* Store CF/OF (0 or 1) into the flags, keeping the others. */
static void set_cf_of(CpuState *cpu, uint64_t cf, uint64_t of)
{
    uint64_t f = cpu_get_rflags(cpu) & FLAGS_ARITH & ~(uint64_t)(FLAG_CF | FLAG_OF);
    flags_store(cpu, f | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

typedef enum ShiftKind { SHIFT_LEFT, SHIFT_RIGHT, SHIFT_ARITH } ShiftKind;

static void shift(CpuState *cpu, const DecodedInsn *d, ShiftKind kind)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t v = opnd_read_rmw(cpu, d, 0);
    unsigned count = (unsigned)opnd_read(cpu, d, 1) & count_mask(cpu, size);
    if (count == 0) {
        keep_destination(cpu, d, v);
        return;
    }
    uint64_t m = size_mask(size), res, cf, of;
    switch (kind) {
    case SHIFT_LEFT:
        res = count < 64 ? (v << count) & m : 0;
        cf = count <= bits ? (v >> (bits - count)) & 1 : 0;
        of = msb(res, size) ^ cf;
        break;
    case SHIFT_RIGHT:
        res = count < 64 ? v >> count : 0;
        cf = count <= bits ? (v >> (count - 1)) & 1 : 0;
        of = (cpu->model == CPU_MODEL_X86_64 || count == 1) ? msb(v, size) : 0;
        break;
    default: {
        int64_t sv = sign_extend64(v, bits);
        unsigned c = count < bits ? count : bits - 1;
        res = (uint64_t)(sv >> c) & m;
        cf = (uint64_t)(sv >> (count - 1 < 63 ? count - 1 : 63)) & 1;
        of = 0;
        break;
    }
    }
    opnd_write(cpu, d, 0, res);
    flags_store(cpu, flags_of_result(res, size) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

void exec_shl(CpuState *cpu, const DecodedInsn *d)
{
    shift(cpu, d, SHIFT_LEFT);
}

void exec_sal(CpuState *cpu, const DecodedInsn *d)
{
    shift(cpu, d, SHIFT_LEFT);
}

void exec_shr(CpuState *cpu, const DecodedInsn *d)
{
    shift(cpu, d, SHIFT_RIGHT);
}

void exec_sar(CpuState *cpu, const DecodedInsn *d)
{
    shift(cpu, d, SHIFT_ARITH);
}

static uint64_t rotl(uint64_t v, unsigned n, unsigned bits)
{
    uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
    n %= bits;
    return n ? ((v << n) | (v >> (bits - n))) & m : v & m;
}

void exec_rol(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t v = opnd_read_rmw(cpu, d, 0);
    unsigned count = (unsigned)opnd_read(cpu, d, 1) & count_mask(cpu, size);
    if (count == 0) {
        keep_destination(cpu, d, v);
        return;
    }
    uint64_t res = rotl(v, count, bits);
    uint64_t cf = res & 1;
    opnd_write(cpu, d, 0, res);
    set_cf_of(cpu, cf, msb(res, size) ^ cf);
}

void exec_ror(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t v = opnd_read_rmw(cpu, d, 0);
    unsigned count = (unsigned)opnd_read(cpu, d, 1) & count_mask(cpu, size);
    if (count == 0) {
        keep_destination(cpu, d, v);
        return;
    }
    uint64_t res = rotl(v, bits - count % bits, bits);
    uint64_t cf = msb(res, size);
    opnd_write(cpu, d, 0, res);
    set_cf_of(cpu, cf, msb(res, size) ^ ((res >> (bits - 2)) & 1));
}

/* Rotate through carry: a (bits + 1)-bit rotation of CF:value. */
static void rotate_carry(CpuState *cpu, const DecodedInsn *d, bool left)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t v = opnd_read_rmw(cpu, d, 0);
    unsigned count = (unsigned)opnd_read(cpu, d, 1) & count_mask(cpu, size);
    if (size < 4 && cpu->model == CPU_MODEL_X86_64) {
        count %= bits + 1;
    }
    if (count == 0) {
        keep_destination(cpu, d, v);
        return;
    }
    uint64_t cf = flags_get_cf(cpu);
    uint64_t res = v;
    for (unsigned i = 0; i < count; i++) {
        if (left) {
            uint64_t out = msb(res, size);
            res = ((res << 1) | cf) & size_mask(size);
            cf = out;
        } else {
            uint64_t out = res & 1;
            res = (res >> 1) | (cf << (bits - 1));
            cf = out;
        }
    }
    opnd_write(cpu, d, 0, res);
    uint64_t of = left ? msb(res, size) ^ cf : msb(res, size) ^ ((res >> (bits - 2)) & 1);
    set_cf_of(cpu, cf, of);
}

void exec_rcl(CpuState *cpu, const DecodedInsn *d)
{
    rotate_carry(cpu, d, true);
}

void exec_rcr(CpuState *cpu, const DecodedInsn *d)
{
    rotate_carry(cpu, d, false);
}

/*
 * SETMO and SETMOC, the 8086's group 2 /6 (undocumented; SingleStepTests 8086 D0-D3.6): the
 * destination becomes all ones, SETMOC only when CL is not 0. All six flags are undefined
 * (the vectors mask them); vireo sets them as for the logical result all ones.
 */
static void set_minus_one(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    opnd_read_rmw(cpu, d, 0);
    opnd_write(cpu, d, 0, size_mask(size));
    flags_set(cpu, LAZY_LOGIC, size, size_mask(size), 0, 0);
}

void exec_setmo(CpuState *cpu, const DecodedInsn *d)
{
    set_minus_one(cpu, d);
}

void exec_setmoc(CpuState *cpu, const DecodedInsn *d)
{
    if (opnd_read(cpu, d, 1) & 0xff) {
        set_minus_one(cpu, d);
    }
}

/*
 * SHLD/SHRD: shift the destination, filling from the source. A count above the operand size
 * (16-bit forms only) leaves result and flags undefined; vireo shifts the 32-bit
 * concatenation as Intel processors do.
 */
static void double_shift(CpuState *cpu, const DecodedInsn *d, bool left)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t dst = opnd_read_rmw(cpu, d, 0), src = opnd_read(cpu, d, 1);
    unsigned count = (unsigned)opnd_read(cpu, d, 2) & count_mask(cpu, size);
    if (count == 0) {
        keep_destination(cpu, d, dst);
        return;
    }
    uint64_t res, cf;
    if (size == 2) {
        /* 16-bit: shift the 48-bit value dst:src:dst (left) or src:dst:... modulo 32. */
        uint64_t wide = left ? (dst << 32) | (src << 16) | dst : (dst) | (src << 16) | (dst << 32);
        if (left) {
            uint64_t shifted = wide << count;
            res = (shifted >> 32) & 0xffff;
            cf = (wide >> (48 - count)) & 1;
        } else {
            res = (wide >> count) & 0xffff;
            cf = (wide >> (count - 1)) & 1;
        }
    } else if (left) {
        res = ((dst << count) | (count < bits ? src >> (bits - count) : 0)) & size_mask(size);
        cf = (dst >> (bits - count)) & 1;
    } else {
        res = ((dst >> count) | (count < bits ? src << (bits - count) : 0)) & size_mask(size);
        cf = (dst >> (count - 1)) & 1;
    }
    opnd_write(cpu, d, 0, res);
    uint64_t of = msb(res, size) ^ msb(dst, size);
    flags_store(cpu, flags_of_result(res, size) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

void exec_shld(CpuState *cpu, const DecodedInsn *d)
{
    double_shift(cpu, d, true);
}

void exec_shrd(CpuState *cpu, const DecodedInsn *d)
{
    double_shift(cpu, d, false);
}
