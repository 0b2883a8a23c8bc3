/*
 * cpu/exec_bits.c: bit test and scan, SDM Vol. 2A/2B pages "BT", "BTS", "BTR", "BTC", "BSF",
 * "BSR", "POPCNT", "TZCNT", "LZCNT", "BSWAP".
 *
 * BT* with a register bit offset and a memory operand address the bit string beyond the
 * operand: the offset is signed and selects an operand-sized unit at ea + (offset >> log2(bits))
 * * size (SDM Vol. 2A "BT", table 3-2). BSF/BSR with a zero source leave the destination
 * unchanged and set ZF (documented by AMD, observed on Intel).
 */
#include "cpu/exec.h"

#include "cpu/cpuid.h"
#include "util/bitops.h"

typedef enum BitOp { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT } BitOp;

/* CF = the bit; ZF unchanged; OF, SF, AF, PF undefined and left unchanged by vireo. */
static void set_cf_only(CpuState *cpu, bool cf)
{
    uint64_t f = cpu_get_rflags(cpu) & FLAGS_ARITH & ~(uint64_t)FLAG_CF;
    flags_store(cpu, f | (cf ? FLAG_CF : 0));
}

static uint64_t apply_bit_op(uint64_t v, unsigned bit, BitOp op)
{
    switch (op) {
    case BIT_SET:
        return v | (1ull << bit);
    case BIT_RESET:
        return v & ~(1ull << bit);
    case BIT_COMPLEMENT:
        return v ^ (1ull << bit);
    default:
        return v;
    }
}

static void bit_op(CpuState *cpu, const DecodedInsn *d, BitOp op)
{
    unsigned size = d->op[0].size, bits = size * 8;
    uint64_t offset = opnd_read(cpu, d, 1);
    if (d->op[0].loc == LOC_MEM && d->op[1].loc == LOC_GPR) {
        int64_t soff = sign_extend64(offset, bits);
        int64_t unit = soff >> (bits == 64 ? 6 : bits == 32 ? 5 : 4);
        uint64_t ea = (insn_effective_address(cpu, d) + (uint64_t)(unit * (int64_t)size)) &
                      size_mask(d->addrsize);
        unsigned bit = (unsigned)(soff & (bits - 1));
        uint64_t v;
        if (op == BIT_TEST) {
            v = mem_read(cpu, d->seg, ea, size);
        } else {
            mem_probe_write(cpu, d->seg, ea, size);
            v = mem_read(cpu, d->seg, ea, size);
            mem_write(cpu, d->seg, ea, size, apply_bit_op(v, bit, op));
        }
        set_cf_only(cpu, (v >> bit) & 1);
        return;
    }
    unsigned bit = (unsigned)(offset & (bits - 1));
    uint64_t v = op == BIT_TEST ? opnd_read(cpu, d, 0) : opnd_read_rmw(cpu, d, 0);
    if (op != BIT_TEST) {
        opnd_write(cpu, d, 0, apply_bit_op(v, bit, op));
    }
    set_cf_only(cpu, (v >> bit) & 1);
}

void exec_bt(CpuState *cpu, const DecodedInsn *d)
{
    bit_op(cpu, d, BIT_TEST);
}

void exec_bts(CpuState *cpu, const DecodedInsn *d)
{
    bit_op(cpu, d, BIT_SET);
}

void exec_btr(CpuState *cpu, const DecodedInsn *d)
{
    bit_op(cpu, d, BIT_RESET);
}

void exec_btc(CpuState *cpu, const DecodedInsn *d)
{
    bit_op(cpu, d, BIT_COMPLEMENT);
}

/*
 * A zero source leaves the destination's value, but a 32-bit destination in 64-bit mode still
 * has its upper half cleared on Intel; AMD keeps all 64 bits. vireo follows Intel.
 */
static void keep_register_on_zero_source(CpuState *cpu, const DecodedInsn *d)
{
    if (d->op[0].size == 4) {
        gpr_write(cpu, d->op[0].reg, 4, gpr_read(cpu, d->op[0].reg, 4));
    }
}

/* BSF/BSR: ZF = (source == 0); CF, OF, SF, AF, PF undefined (left as they were). */
static void bit_scan(CpuState *cpu, const DecodedInsn *d, bool reverse)
{
    unsigned size = d->op[0].size;
    uint64_t src = opnd_read(cpu, d, 1);
    uint64_t f = cpu_get_rflags(cpu) & FLAGS_ARITH & ~(uint64_t)FLAG_ZF;
    if (src == 0) {
        keep_register_on_zero_source(cpu, d);
        flags_store(cpu, f | FLAG_ZF);
        return;
    }
    int idx = reverse ? msb64_or_neg(src) : ctz64_or_neg(src);
    gpr_write(cpu, d->op[0].reg, size, (uint64_t)idx);
    flags_store(cpu, f);
}

void exec_bsf(CpuState *cpu, const DecodedInsn *d)
{
    bit_scan(cpu, d, false);
}

void exec_bsr(CpuState *cpu, const DecodedInsn *d)
{
    bit_scan(cpu, d, true);
}

/* Instructions of features the CPU model does not advertise are #UD (STYLE: CPUID describes
 * exactly what runs). */
void exec_popcnt(CpuState *cpu, const DecodedInsn *d)
{
    if (!cpu_has_feature(cpu, CPUID_POPCNT)) {
        cpu_raise_ud(cpu);
    }
    uint64_t src = opnd_read(cpu, d, 1);
    gpr_write(cpu, d->op[0].reg, d->op[0].size, popcount64(src));
    flags_store(cpu, src == 0 ? FLAG_ZF : 0);
}

/*
 * TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0); OF, SF, AF, PF undefined (cleared).
 * TZCNT belongs to BMI1, which no vireo model advertises yet (its VEX instructions are missing):
 * without it F3 0F BC is BSF with an ignored prefix (SDM Vol. 2B "TZCNT").
 */
void exec_tzcnt(CpuState *cpu, const DecodedInsn *d)
{
    if (!cpu_has_feature(cpu, CPUID_BMI1)) {
        bit_scan(cpu, d, false);
        return;
    }
    unsigned size = d->op[0].size;
    uint64_t src = opnd_read(cpu, d, 1);
    uint64_t res = src ? (uint64_t)ctz64_or_neg(src) : size * 8u;
    gpr_write(cpu, d->op[0].reg, size, res);
    flags_store(cpu, (src == 0 ? FLAG_CF : 0) | (res == 0 ? FLAG_ZF : 0));
}

/* Without LZCNT (ABM), F3 0F BD is BSR with an ignored prefix (SDM Vol. 2A "LZCNT"). */
void exec_lzcnt(CpuState *cpu, const DecodedInsn *d)
{
    if (!cpu_has_feature(cpu, CPUID_LZCNT)) {
        bit_scan(cpu, d, true);
        return;
    }
    unsigned size = d->op[0].size;
    uint64_t src = opnd_read(cpu, d, 1);
    uint64_t res = src ? size * 8u - 1 - (uint64_t)msb64_or_neg(src) : size * 8u;
    gpr_write(cpu, d->op[0].reg, size, res);
    flags_store(cpu, (src == 0 ? FLAG_CF : 0) | (res == 0 ? FLAG_ZF : 0));
}

/* BSWAP of a 16-bit register is undefined; vireo clears it, as Intel processors do. */
void exec_bswap(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    uint64_t v = gpr_read(cpu, d->op[0].reg, size);
    uint64_t r = size == 8 ? __builtin_bswap64(v) : size == 4 ? __builtin_bswap32((uint32_t)v) : 0;
    gpr_write(cpu, d->op[0].reg, size, r);
}

/*
 * CRC32 (SSE4.2, SDM Vol. 2A "CRC32"): the CRC-32C (Castagnoli) polynomial 11EDC6F41H, bit-
 * reflected (82F63B78H), of the source's bytes in memory order, starting from the destination's
 * low doubleword; the result is zero-extended into a 64-bit destination. Flags unchanged.
 */
void exec_crc32(CpuState *cpu, const DecodedInsn *d)
{
    if (!cpu_has_feature(cpu, CPUID_SSE4_2)) {
        cpu_raise_ud(cpu);
    }
    uint64_t src = opnd_read(cpu, d, 1);
    uint32_t crc = (uint32_t)cpu->regs[d->op[0].reg];
    for (unsigned i = 0; i < d->op[1].size; i++) {
        crc ^= (uint8_t)(src >> (8 * i));
        for (unsigned b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
        }
    }
    gpr_write(cpu, d->op[0].reg, d->op[0].size, crc);
}
