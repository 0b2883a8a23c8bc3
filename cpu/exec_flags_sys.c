/*
 * cpu/exec_flags_sys.c: the instructions that change RFLAGS' system bits under privilege
 * rules: CLI, STI, PUSHF, POPF (SDM Vol. 2A "CLI", Vol. 2B "STI", "PUSHF/PUSHFD/PUSHFQ",
 * "POPF/POPFD/POPFQ"; virtual-8086 mode and its extensions in Vol. 3A §20.2.7 and §20.3;
 * protected-mode virtual interrupts (CR4.PVI) in §20.4), and CLAC/STAC (SMAP, Vol. 2A).
 *
 * Summary of the rules:
 * - IF changes when CPL <= IOPL (real mode counts as CPL 0). Otherwise CLI/STI use VIF under
 *   CR4.PVI at CPL 3 or CR4.VME in virtual-8086 mode (STI only while VIP = 0), else #GP(0);
 *   POPF leaves IF alone without a fault.
 * - IOPL changes only at CPL 0; VM, VIF, VIP never change through POPF; RF is cleared (every
 *   instruction clears it); AC and ID need a 32- or 64-bit operand.
 * - In virtual-8086 mode with IOPL < 3, PUSHF/POPF fault unless CR4.VME is set and the
 *   operand size is 16: then PUSHF stores VIF as IF and IOPL as 3, and POPF sets VIF from IF
 *   (#GP(0) if the image has TF set, or IF set while VIP is pending).
 * - STI opens the interrupt shadow only when it sets IF from 0 (§6.8.3).
 * - The 8086 model keeps FLAGS bits 12-15 set, as that processor does; the 80286 in real mode
 *   keeps them clear (flags_of_model).
 */
#include "cpu/cpuid.h"
#include "cpu/exec.h"

/* RFLAGS bits POPF can load at CPL 0 (all but RF, VM, VIF, VIP and the reserved bits). */
#define POPF_BITS                                                                                  \
    ((uint64_t)(FLAGS_ARITH | FLAG_TF | FLAG_IF | FLAG_DF | FLAG_IOPL | FLAG_NT | FLAG_AC |        \
                FLAG_ID))

static unsigned iopl_of(uint64_t flags)
{
    return (unsigned)(flags >> 12) & 3;
}

/* The processor's own privilege rules apply (protected mode, including virtual-8086). */
static bool is_protected(const CpuState *cpu)
{
    return (cpu->paging.cr0 & CR0_PE) != 0;
}

/* Which interrupt flag CLI/STI change: IF, VIF, or none (#GP(0)). */
typedef enum IfTarget {
    IF_TARGET_IF,
    IF_TARGET_VIF,
    IF_TARGET_FAULT,
} IfTarget;

static IfTarget cli_sti_target(const CpuState *cpu, bool is_sti)
{
    if (!is_protected(cpu)) {
        return IF_TARGET_IF;
    }
    unsigned iopl = iopl_of(cpu->rflags);
    bool is_vip = (cpu->rflags & FLAG_VIP) != 0;
    if (cpu_in_v86(cpu)) {
        if (iopl == 3) {
            return IF_TARGET_IF;
        }
        if ((cpu->paging.cr4 & CR4_VME) && !(is_sti && is_vip)) {
            return IF_TARGET_VIF;
        }
        return IF_TARGET_FAULT;
    }
    if (iopl >= cpu->cpl) {
        return IF_TARGET_IF;
    }
    if (cpu->cpl == 3 && (cpu->paging.cr4 & CR4_PVI) && !(is_sti && is_vip)) {
        return IF_TARGET_VIF;
    }
    return IF_TARGET_FAULT;
}

void exec_cli(CpuState *cpu, const DecodedInsn *d)
{
    switch (cli_sti_target(cpu, false)) {
    case IF_TARGET_IF:
        cpu->rflags &= ~(uint64_t)FLAG_IF;
        break;
    case IF_TARGET_VIF:
        cpu->rflags &= ~(uint64_t)FLAG_VIF;
        break;
    default:
        cpu_raise_gp0(cpu);
    }
}

void exec_sti(CpuState *cpu, const DecodedInsn *d)
{
    switch (cli_sti_target(cpu, true)) {
    case IF_TARGET_IF:
        if (!(cpu->rflags & FLAG_IF)) {
            cpu->inhibit_irq = true;
        }
        cpu->rflags |= FLAG_IF;
        break;
    case IF_TARGET_VIF:
        cpu->rflags |= FLAG_VIF;
        break;
    default:
        cpu_raise_gp0(cpu);
    }
}

/* Virtual-8086 mode with IOPL < 3: PUSHF/POPF need CR4.VME and a 16-bit operand. */
static bool is_v86_vme_path(CpuState *cpu, unsigned size)
{
    if (!cpu_in_v86(cpu) || iopl_of(cpu->rflags) == 3) {
        return false;
    }
    if (!(cpu->paging.cr4 & CR4_VME) || size != 2) {
        cpu_raise_gp0(cpu);
    }
    return true;
}

void exec_pushf(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t flags = cpu_get_rflags(cpu) & ~(uint64_t)(FLAG_RF | FLAG_VM);
    if (is_v86_vme_path(cpu, size)) {
        flags &= ~(uint64_t)FLAG_IF;
        if (cpu->rflags & FLAG_VIF) {
            flags |= FLAG_IF;
        }
        flags |= FLAG_IOPL;
    }
    stack_push(cpu, size, flags_of_model(cpu, flags));
}

void exec_popf(CpuState *cpu, const DecodedInsn *d)
{
    unsigned size = d->opsize;
    uint64_t flags = cpu_get_rflags(cpu);
    uint64_t image = stack_read(cpu, size, 0);
    uint64_t loadable = POPF_BITS;
    if (size == 2) {
        loadable &= 0xffff;
    }
    if (is_v86_vme_path(cpu, size)) {
        if ((image & FLAG_TF) || ((image & FLAG_IF) && (flags & FLAG_VIP))) {
            cpu_raise_gp0(cpu);
        }
        loadable &= ~(uint64_t)(FLAG_IOPL | FLAG_IF);
        flags = (image & FLAG_IF) ? (flags | FLAG_VIF) : (flags & ~(uint64_t)FLAG_VIF);
    } else if (is_protected(cpu) && cpu->cpl > 0) {
        loadable &= ~(uint64_t)FLAG_IOPL;
        if (cpu->cpl > iopl_of(flags)) {
            loadable &= ~(uint64_t)FLAG_IF;
        }
    }
    flags = flags_of_model(cpu, ((flags & ~loadable) | (image & loadable)) & ~(uint64_t)FLAG_RF);
    unsigned stack_size = cpu_stack_size(cpu);
    gpr_write(cpu, R_SP, stack_size, (cpu->regs[R_SP] & size_mask(stack_size)) + size);
    cpu_set_rflags(cpu, flags);
}

/* CLAC/STAC: EFLAGS.AC for SMAP; #UD without SMAP or above CPL 0. */
static void set_ac(CpuState *cpu, bool on)
{
    if (!cpu_has_feature(cpu, CPUID_SMAP) || cpu->cpl != 0) {
        cpu_raise_ud(cpu);
    }
    cpu->rflags = on ? (cpu->rflags | FLAG_AC) : (cpu->rflags & ~(uint64_t)FLAG_AC);
}

void exec_clac(CpuState *cpu, const DecodedInsn *d)
{
    set_ac(cpu, false);
}

void exec_stac(CpuState *cpu, const DecodedInsn *d)
{
    set_ac(cpu, true);
}
