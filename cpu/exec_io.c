/*
 * cpu/exec_io.c: IN and OUT (SDM Vol. 2A "IN", Vol. 2B "OUT"), in their imm8 and DX forms with
 * 1, 2 and 4-byte accesses, and the I/O protection check they share with INS and OUTS
 * (cpu/exec_string.c): SDM Vol. 1 §19.5 "Protected-Mode I/O", §19.5.1 "I/O Privilege Level",
 * §19.5.2 "I/O Permission Bit Map"; the "Operation" of IN/OUT in Vol. 2 and Vol. 3B §20.2.7
 * "Sensitive Instructions": in virtual-8086 mode these are not IOPL-sensitive, the bitmap is
 * consulted whatever IOPL is.
 *
 * The bitmap lives in the current TSS (32-bit, or the 64-bit TSS in IA-32e mode), at the
 * 16-bit offset stored at TSS+66h. The processor reads the bitmap two bytes at a time, so both
 * bytes holding the first port's bit must lie within the TSS limit (which is why the SDM asks
 * for a trailing FFh byte); a 16-bit TSS has no bitmap. Either way a missing bit is a denial.
 *
 * Not modelled: SMM I/O restart, VMX I/O exiting, breakpoints on I/O ports (DR7 RW = 10b).
 */
#include "cpu/exec.h"

/* TSS descriptor types with an I/O bitmap (SDM Vol. 3A §3.5 table 3-2). */
#define TSS_TYPE_AVAILABLE 9
#define TSS_TYPE_BUSY 11
#define TSS_IOMAP_BASE_OFFSET 0x66
#define TSS_MIN_LIMIT 0x67 /* a TSS that holds the I/O map base field */

/* Linear address of a byte of the TSS: 32-bit outside IA-32e mode. */
static uint64_t tss_linear(const CpuState *cpu, uint64_t offset)
{
    uint64_t lin = cpu->tr.base + offset;
    return cpu->long_mode ? lin : lin & 0xffffffffull;
}

void io_check_permission(CpuState *cpu, uint16_t port, unsigned size)
{
    if (cpu_in_real_mode(cpu)) {
        return;
    }
    unsigned iopl = (unsigned)((cpu->rflags & FLAG_IOPL) >> 12);
    if (!cpu_in_v86(cpu) && cpu->cpl <= iopl) {
        return;
    }
    const SegmentCache *tr = &cpu->tr;
    unsigned type = tr->attr & SEG_ATTR_TYPE;
    if (!(tr->attr & SEG_ATTR_P) || (tr->attr & SEG_ATTR_S) ||
        (type != TSS_TYPE_AVAILABLE && type != TSS_TYPE_BUSY) || tr->limit < TSS_MIN_LIMIT) {
        cpu_raise_gp0(cpu);
    }
    /* The TSS is read with supervisor rights whatever the CPL (an implicit access). */
    uint64_t map = mem_read_linear(cpu, tss_linear(cpu, TSS_IOMAP_BASE_OFFSET), 2, true);
    uint64_t byte = map + port / 8;
    if (byte + 1 > tr->limit) {
        cpu_raise_gp0(cpu);
    }
    uint64_t bits = mem_read_linear(cpu, tss_linear(cpu, byte), 2, true);
    uint64_t wanted = ((1ull << size) - 1) << (port % 8);
    if (bits & wanted) {
        cpu_raise_gp0(cpu);
    }
}

/* IN: op[0] is AL/AX/EAX, op[1] the port (imm8 or DX). */
void exec_in(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[0].size;
    uint16_t port = (uint16_t)(opnd_read(cpu, d, 1) & size_mask(d->op[1].size));
    io_check_permission(cpu, port, size);
    gpr_write(cpu, R_AX, size, port_read(cpu->ports, port, size));
}

/* OUT: op[0] is the port (imm8 or DX), op[1] AL/AX/EAX. */
void exec_out(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->op[1].size;
    uint16_t port = (uint16_t)(opnd_read(cpu, d, 0) & size_mask(d->op[0].size));
    io_check_permission(cpu, port, size);
    port_write(cpu->ports, port, (uint32_t)gpr_read(cpu, R_AX, size), size);
}
