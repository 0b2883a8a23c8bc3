/*
 * cpu/exec.h: what the interpreter's exec_<mnemonic> functions share (private to cpu/).
 *
 * Rules every exec function keeps (DESIGN.md "Execution"):
 * - It runs with cpu->rip at the instruction and cpu->next_rip at the following one; a branch
 *   changes next_rip. The dispatcher commits rip = next_rip only when the function returns.
 * - A fault is raised with cpu_raise(), which does not return. Nothing the guest can see may
 *   change before the last point that can fault: read and probe first, write memory next,
 *   then registers and flags. That makes every fault precise.
 */
#ifndef VIREO_CPU_EXEC_H
#define VIREO_CPU_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/flags.h"
#include "softmmu/paging.h"

typedef void (*ExecFn)(CpuState *cpu, const DecodedInsn *d);

/* mnemonic -> exec function (cpu/exec_table.c). */
extern const ExecFn exec_table[MN_COUNT];

/* Raise an exception; error_code is pushed only for vectors that have one. Never returns. */
_Noreturn void cpu_raise(CpuState *cpu, unsigned vector, uint32_t error_code);
_Noreturn void cpu_raise_ud(CpuState *cpu);
_Noreturn void cpu_raise_gp0(CpuState *cpu);

/* exec function for forms vireo decodes but does not implement: #UD plus one log_unimp line. */
void exec_unimplemented(CpuState *cpu, const DecodedInsn *d);

/* Debugger support for the CPU loop (cpu/cpu_debug.c). */
void cpu_debug_init(CpuState *cpu);
/* Whether a breakpoint stops the instruction at lin (then debug.event is set); consumes the
 * resume skip. */
bool cpu_debug_stops_at(CpuState *cpu, uint64_t lin);
/* Whether a breakpoint lies in [lin, lin + len). */
bool cpu_debug_has_breakpoint_in(const CpuState *cpu, uint64_t lin, uint64_t len);

/* General registers by size; reg 16-19 are AH, CH, DH, BH. 32-bit writes zero-extend. */
static inline uint64_t gpr_read(const CpuState *cpu, unsigned reg, unsigned size)
{
    switch (size) {
    case 1:
        return reg >= GPR_AH_BASE ? (cpu->regs[reg - GPR_AH_BASE] >> 8) & 0xff
                                  : cpu->regs[reg] & 0xff;
    case 2:
        return cpu->regs[reg] & 0xffff;
    case 4:
        return cpu->regs[reg] & 0xffffffff;
    default:
        return cpu->regs[reg];
    }
}

static inline void gpr_write(CpuState *cpu, unsigned reg, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        if (reg >= GPR_AH_BASE) {
            uint64_t *r = &cpu->regs[reg - GPR_AH_BASE];
            *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            cpu->regs[reg] = (cpu->regs[reg] & ~0xffull) | (v & 0xff);
        }
        break;
    case 2:
        cpu->regs[reg] = (cpu->regs[reg] & ~0xffffull) | (v & 0xffff);
        break;
    case 4:
        cpu->regs[reg] = v & 0xffffffff;
        break;
    default:
        cpu->regs[reg] = v;
        break;
    }
}

static inline uint64_t size_mask(unsigned size)
{
    return flags_size_mask(size);
}

/* Current code and stack attributes. */
static inline bool cpu_in_real_mode(const CpuState *cpu)
{
    return !(cpu->paging.cr0 & CR0_PE);
}

static inline bool cpu_in_v86(const CpuState *cpu)
{
    return (cpu->rflags & FLAG_VM) != 0;
}

/*
 * FLAGS bits 12-15 as an older model stores (PUSHF) and loads them (POPF, IRET): the 8086 has
 * no IOPL or NT and reads the four bits as 1; the 80286 in real-address mode cannot set them
 * (the 286/386 test of Intel's CPU identification, AP-485; SingleStepTests 80286 9D, CF).
 */
static inline uint64_t flags_of_model(const CpuState *cpu, uint64_t flags)
{
    if (cpu->model == CPU_MODEL_8086) {
        return flags | 0xf000;
    }
    if (cpu->model == CPU_MODEL_80286 && cpu_in_real_mode(cpu)) {
        return flags & ~(uint64_t)0xf000;
    }
    return flags;
}

/* Stack pointer width: 8 in 64-bit mode, else 4 or 2 by SS.B. */
static inline unsigned cpu_stack_size(const CpuState *cpu)
{
    if (cpu->code64) {
        return 8;
    }
    return (cpu->seg[SEG_SS].attr & SEG_ATTR_DB) ? 4 : 2;
}

/*
 * The TLB's MMU index for an explicit access at the current privilege: the same mapping as
 * tlb_mmu_index(), computed without building an MmuMode on the hot path.
 */
static inline unsigned cpu_mmu_index(const CpuState *cpu)
{
    if (cpu->cpl == 3) {
        return MMU_IDX_USER;
    }
    return (cpu->rflags & FLAG_AC) ? MMU_IDX_SUPER_AC : MMU_IDX_SUPER;
}

/* Memory, through segmentation and paging (cpu/mem.c); MemAccess is softmmu's. */
/* Linear address of seg:offset for an access of `size` bytes, with the segment checks. */
uint64_t mem_linear(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size, MemAccess acc);
uint64_t mem_read(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size);
void mem_write(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size, uint64_t value);
/* Check that a write of `size` bytes at seg:offset would not fault (segment and paging). */
void mem_probe_write(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size);
/* Linear-address accesses (descriptor tables, TSS, IDT): paging checks only. */
uint64_t mem_read_linear(CpuState *cpu, uint64_t lin, unsigned size, bool supervisor);
void mem_write_linear(CpuState *cpu, uint64_t lin, unsigned size, uint64_t value,
                      bool supervisor);
/* Instruction bytes at a linear address, for the block builder; faults as a fetch. */
void mem_fetch_linear(CpuState *cpu, uint64_t lin, void *buf, unsigned len);
void mem_read_bytes(CpuState *cpu, unsigned seg, uint64_t offset, void *buf, unsigned len);
void mem_write_bytes(CpuState *cpu, unsigned seg, uint64_t offset, const void *buf,
                     unsigned len);

/* Effective address (offset within the segment) of the instruction's memory operand. */
uint64_t insn_effective_address(const CpuState *cpu, const DecodedInsn *d);

/*
 * Operand access by index into d->op. Registers and immediates are handled inline (the hot
 * path of the interpreter); memory and the rest go through cpu/mem.c.
 */
uint64_t opnd_read_slow(CpuState *cpu, const DecodedInsn *d, unsigned i);
void opnd_write_slow(CpuState *cpu, const DecodedInsn *d, unsigned i, uint64_t v);
uint64_t opnd_read_rmw_slow(CpuState *cpu, const DecodedInsn *d, unsigned i);

static inline uint64_t opnd_read(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_GPR) {
        return gpr_read(cpu, o->reg, o->size);
    }
    if (o->loc == LOC_IMM) {
        return o->reg ? d->imm2 : d->imm;
    }
    return opnd_read_slow(cpu, d, i);
}

static inline void opnd_write(CpuState *cpu, const DecodedInsn *d, unsigned i, uint64_t v)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_GPR) {
        gpr_write(cpu, o->reg, o->size, v);
        return;
    }
    opnd_write_slow(cpu, d, i, v);
}

/* Read a destination that will be written: a memory operand is probed for writing first. */
static inline uint64_t opnd_read_rmw(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_GPR) {
        return gpr_read(cpu, o->reg, o->size);
    }
    return opnd_read_rmw_slow(cpu, d, i);
}

/* Stack (cpu/exec_stack.c): pushes probe before writing; RSP changes last. */
void stack_push(CpuState *cpu, unsigned size, uint64_t value);
uint64_t stack_pop(CpuState *cpu, unsigned size);
uint64_t stack_read(CpuState *cpu, unsigned size, uint64_t offset_from_sp);

/*
 * I/O permission for an access of `size` bytes at `port` (cpu/exec_io.c): #GP(0) when CPL >
 * IOPL in protected mode, or in virtual-8086 mode, and the TSS bitmap denies a port.
 */
void io_check_permission(CpuState *cpu, uint16_t port, unsigned size);

/* Branch target for `size`-byte operand size: truncated in 16/32-bit code. */
void cpu_jump(CpuState *cpu, uint64_t target, unsigned opsize);

#endif
