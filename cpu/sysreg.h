/*
 * cpu/sysreg.h: checked writes of the registers that control operating modes and paging: CR0,
 * CR3, CR4 (SDM Vol. 3A §2.5) and IA32_EFER (§2.2.1), shared by MOV CRn, LMSW, WRMSR and the
 * task switch (CR3). Private to cpu/.
 *
 * Each writer either refuses the value (returns false: the caller raises #GP(0), nothing has
 * changed) or commits it together with what follows from it: IA32_EFER.LMA on CR0.PG changes
 * (§10.8.5), the PAE PDPTE registers (§4.4.1), TLB invalidation (§4.10.4.1) and the derived
 * mode (cpu_update_mode).
 */
#ifndef VIREO_CPU_SYSREG_H
#define VIREO_CPU_SYSREG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "util/bitops.h"

bool sysreg_write_cr0(CpuState *cpu, uint64_t value);
/* In IA-32e mode with CR4.PCIDE, bit 63 of `value` is the no-flush hint (not stored). */
bool sysreg_write_cr3(CpuState *cpu, uint64_t value);
bool sysreg_write_cr4(CpuState *cpu, uint64_t value);
/* WRMSR to IA32_EFER: LMA is read-only (the written bit is ignored). */
bool sysreg_write_efer(CpuState *cpu, uint64_t value);

/* Canonical for 48-bit linear addresses (SDM Vol. 1 §3.3.7.1). */
static inline bool sysreg_is_canonical(uint64_t lin)
{
    return (uint64_t)sign_extend64(lin, 48) == lin;
}

/* The time-stamp counter as RDTSC reads it: the board's clock (or the instruction count) plus
 * IA32_TSC's offset (cpu/msr.c). */
uint64_t sysreg_read_tsc(const CpuState *cpu);

#endif
