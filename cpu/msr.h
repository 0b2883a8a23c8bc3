/*
 * cpu/msr.h: model-specific registers (SDM Vol. 4 chapter 2, "Model-Specific Registers";
 * architectural MSRs in table 2-2). Private to cpu/.
 */
#ifndef VIREO_CPU_MSR_H
#define VIREO_CPU_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* MSR indices vireo implements (SDM Vol. 4 table 2-2). */
enum {
    MSR_IA32_TSC = 0x10,
    MSR_IA32_APIC_BASE = 0x1b,
    MSR_IA32_FEATURE_CONTROL = 0x3a,
    MSR_IA32_PLATFORM_ID = 0x17,
    MSR_IA32_BIOS_SIGN_ID = 0x8b,
    MSR_IA32_MTRRCAP = 0xfe,
    MSR_IA32_SYSENTER_CS = 0x174,
    MSR_IA32_SYSENTER_ESP = 0x175,
    MSR_IA32_SYSENTER_EIP = 0x176,
    MSR_IA32_MCG_CAP = 0x179,
    MSR_IA32_MCG_STATUS = 0x17a,
    MSR_IA32_MISC_ENABLE = 0x1a0,
    MSR_IA32_MTRR_PHYSBASE0 = 0x200,
    MSR_IA32_MTRR_FIX64K_00000 = 0x250,
    MSR_IA32_MTRR_FIX16K_80000 = 0x258,
    MSR_IA32_MTRR_FIX4K_C0000 = 0x268,
    MSR_IA32_PAT = 0x277,
    MSR_IA32_MTRR_DEF_TYPE = 0x2ff,
    MSR_IA32_EFER = 0xc0000080,
    MSR_IA32_STAR = 0xc0000081,
    MSR_IA32_LSTAR = 0xc0000082,
    MSR_IA32_CSTAR = 0xc0000083,
    MSR_IA32_FMASK = 0xc0000084,
    MSR_IA32_FS_BASE = 0xc0000100,
    MSR_IA32_GS_BASE = 0xc0000101,
    MSR_IA32_KERNEL_GS_BASE = 0xc0000102,
    MSR_IA32_TSC_AUX = 0xc0000103,
};

/* RDMSR/WRMSR without the privilege check: false when the MSR does not exist or the value
 * is not allowed (the instruction raises #GP(0)); a refused write changes nothing. */
bool msr_read(CpuState *cpu, uint32_t index, uint64_t *value);
bool msr_write(CpuState *cpu, uint32_t index, uint64_t value);

#endif
