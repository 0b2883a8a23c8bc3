/*
 * cpu/msr.c: the MSRs vireo implements, as one table, and RDMSR/WRMSR (SDM Vol. 2B "RDMSR",
 * "WRMSR"; registers in Vol. 4 table 2-2, MTRRs in Vol. 3A §12.11, PAT in §12.12, the
 * fast-system-call MSRs in §5.8.7-5.8.8, machine-check globals in §16.3.1).
 *
 * Most MSRs are a CpuState field plus a rule a written value must keep (canonical address,
 * reserved high half, valid memory types); the few with side effects have functions.
 * Any other index raises #GP(0) and logs it once as unimplemented.
 *
 * Choices where the hardware varies:
 * - IA32_TSC: the counter is sysreg_read_tsc(); a write sets tsc_offset so the counter reads
 *   the written value at that instant (§18.17).
 * - IA32_APIC_BASE is stored (BSP read-only) and passed to the local APIC (cpu->apic), which
 *   may refuse a transition; the x2APIC MSRs (800H-8FFH) and IA32_TSC_DEADLINE (6E0H) exist
 *   only with an APIC attached, which decides what they do.
 * - IA32_FEATURE_CONTROL reads as locked with VMX off, so writes fault (§23.7).
 * - IA32_BIOS_SIGN_ID: no microcode; reads 0, writes ignored (the update-signature protocol).
 * - IA32_PLATFORM_ID (Vol. 4 table 2-2, read-only): platform 0, which the microcode loaders of
 *   Linux read on every Intel family-6 CPU.
 * - IA32_MTRRCAP: 8 variable ranges, fixed ranges, write-combining; no SMRR. Memory types are
 *   stored and read back, never applied.
 * - IA32_MCG_CAP reports no banks; IA32_MCG_STATUS holds RIPV, EIPV and MCIP.
 */
#include "cpu/msr.h"

#include <stddef.h>

#include "cpu/cpuid.h"
#include "cpu/exec.h"
#include "cpu/sysreg.h"
#include "util/log.h"

/* How a written value is checked before it is stored. */
typedef enum MsrRule {
    MSR_RULE_ANY,
    MSR_RULE_CANONICAL,  /* a linear address: canonical */
    MSR_RULE_LOW32,      /* bits 63:32 reserved */
    MSR_RULE_PAT,        /* eight PAT memory types */
    MSR_RULE_MTRR_FIXED, /* eight MTRR memory types */
    MSR_RULE_MTRR_VAR,   /* PHYSBASEn (even index) / PHYSMASKn (odd) */
    MSR_RULE_MTRR_DEF,   /* IA32_MTRR_DEF_TYPE */
    MSR_RULE_MCG_STATUS, /* RIPV, EIPV, MCIP */
    MSR_RULE_READ_ONLY,
} MsrRule;

typedef struct MsrDesc {
    uint32_t index;
    uint32_t count; /* consecutive MSRs, each one uint64_t after the first's field */
    size_t offset;  /* CpuState field of the first one */
    MsrRule rule;
    /* Instead of the field: value and write functions (NULL: the field and the rule). */
    uint64_t (*read)(CpuState *cpu, uint32_t index);
    bool (*write)(CpuState *cpu, uint32_t index, uint64_t value);
} MsrDesc;

/* IA32_MTRRCAP: VCNT = 8, FIX, WC (SDM Vol. 3A figure 12-5). */
#define MTRRCAP_VALUE (CPU_MTRR_VAR_COUNT | (1u << 8) | (1u << 10))
#define FEATURE_CONTROL_LOCKED 1u
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define MSR_X2APIC_FIRST 0x800u
#define MSR_X2APIC_LAST 0x8ffu
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define MTRR_DEF_TYPE_VALID (0xffull | (1ull << 10) | (1ull << 11))
#define MTRR_MASK_VALID (1ull << 11)
#define MCG_STATUS_VALID 7ull

static bool is_mtrr_type(unsigned type)
{
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

static bool is_pat_type(unsigned type)
{
    return is_mtrr_type(type) || type == 7;
}

static uint64_t phys_mask(const CpuState *cpu)
{
    return mask_low64(cpu->maxphyaddr);
}

static bool is_allowed(const CpuState *cpu, MsrRule rule, uint32_t n, uint64_t v)
{
    switch (rule) {
    case MSR_RULE_ANY:
        return true;
    case MSR_RULE_CANONICAL:
        return sysreg_is_canonical(v);
    case MSR_RULE_LOW32:
        return (v >> 32) == 0;
    case MSR_RULE_PAT:
    case MSR_RULE_MTRR_FIXED:
        for (unsigned i = 0; i < 8; i++) {
            unsigned type = (unsigned)(v >> (8 * i)) & 0xff;
            if (rule == MSR_RULE_PAT ? !is_pat_type(type) : !is_mtrr_type(type)) {
                return false;
            }
        }
        return true;
    case MSR_RULE_MTRR_VAR:
        if (n & 1) {
            return (v & ~(phys_mask(cpu) & ~0xfffull) & ~MTRR_MASK_VALID) == 0;
        }
        return (v & ~(phys_mask(cpu) & ~0xfffull) & ~0xffull) == 0 && is_mtrr_type(v & 0xff);
    case MSR_RULE_MTRR_DEF:
        return (v & ~MTRR_DEF_TYPE_VALID) == 0 && is_mtrr_type(v & 0xff);
    case MSR_RULE_MCG_STATUS:
        return (v & ~MCG_STATUS_VALID) == 0;
    default:
        return false;
    }
}

static uint64_t read_tsc(CpuState *cpu, uint32_t index)
{
    return sysreg_read_tsc(cpu);
}

static bool write_tsc(CpuState *cpu, uint32_t index, uint64_t value)
{
    cpu->tsc_offset += value - sysreg_read_tsc(cpu);
    return true;
}

static bool write_apic_base(CpuState *cpu, uint32_t index, uint64_t value)
{
    uint64_t valid = (phys_mask(cpu) & ~0xfffull) | APIC_BASE_EN | APIC_BASE_BSP;
    if (cpu_has_feature(cpu, CPUID_X2APIC)) {
        valid |= APIC_BASE_EXTD;
    }
    if (value & ~valid) {
        return false;
    }
    value = (value & ~APIC_BASE_BSP) | (cpu->apic_base & APIC_BASE_BSP);
    if (cpu->apic && !cpu->apic->set_base(cpu->apic_opaque, value)) {
        return false;
    }
    cpu->apic_base = value;
    return true;
}

static uint64_t read_feature_control(CpuState *cpu, uint32_t index)
{
    return FEATURE_CONTROL_LOCKED;
}

static uint64_t read_zero(CpuState *cpu, uint32_t index)
{
    return 0;
}

static bool write_ignored(CpuState *cpu, uint32_t index, uint64_t value)
{
    return true;
}

static uint64_t read_mtrrcap(CpuState *cpu, uint32_t index)
{
    return MTRRCAP_VALUE;
}

static bool write_efer(CpuState *cpu, uint32_t index, uint64_t value)
{
    return sysreg_write_efer(cpu, value);
}

static bool has_tsc_aux(const CpuState *cpu)
{
    return cpu_has_feature(cpu, CPUID_RDTSCP) || cpu_has_feature(cpu, CPUID_RDPID);
}

#define FIELD(f) offsetof(CpuState, f)
#define NO_FIELD 0

static const MsrDesc msrs[] = {
    {MSR_IA32_TSC, 1, NO_FIELD, MSR_RULE_ANY, read_tsc, write_tsc},
    {MSR_IA32_APIC_BASE, 1, FIELD(apic_base), MSR_RULE_ANY, NULL, write_apic_base},
    {MSR_IA32_FEATURE_CONTROL, 1, NO_FIELD, MSR_RULE_READ_ONLY, read_feature_control, NULL},
    {MSR_IA32_PLATFORM_ID, 1, NO_FIELD, MSR_RULE_READ_ONLY, read_zero, NULL},
    {MSR_IA32_BIOS_SIGN_ID, 1, NO_FIELD, MSR_RULE_ANY, read_zero, write_ignored},
    {MSR_IA32_MTRRCAP, 1, NO_FIELD, MSR_RULE_READ_ONLY, read_mtrrcap, NULL},
    {MSR_IA32_SYSENTER_CS, 1, FIELD(sysenter_cs), MSR_RULE_ANY, NULL, NULL},
    {MSR_IA32_SYSENTER_ESP, 1, FIELD(sysenter_esp), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_SYSENTER_EIP, 1, FIELD(sysenter_eip), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_MCG_CAP, 1, NO_FIELD, MSR_RULE_READ_ONLY, read_zero, NULL},
    {MSR_IA32_MCG_STATUS, 1, FIELD(mcg_status), MSR_RULE_MCG_STATUS, NULL, NULL},
    {MSR_IA32_MISC_ENABLE, 1, FIELD(misc_enable), MSR_RULE_ANY, NULL, NULL},
    {MSR_IA32_MTRR_PHYSBASE0, 2 * CPU_MTRR_VAR_COUNT, FIELD(mtrr_var), MSR_RULE_MTRR_VAR, NULL,
     NULL},
    {MSR_IA32_MTRR_FIX64K_00000, 1, FIELD(mtrr_fixed[0]), MSR_RULE_MTRR_FIXED, NULL, NULL},
    {MSR_IA32_MTRR_FIX16K_80000, 2, FIELD(mtrr_fixed[1]), MSR_RULE_MTRR_FIXED, NULL, NULL},
    {MSR_IA32_MTRR_FIX4K_C0000, 8, FIELD(mtrr_fixed[3]), MSR_RULE_MTRR_FIXED, NULL, NULL},
    {MSR_IA32_PAT, 1, FIELD(pat), MSR_RULE_PAT, NULL, NULL},
    {MSR_IA32_MTRR_DEF_TYPE, 1, FIELD(mtrr_def_type), MSR_RULE_MTRR_DEF, NULL, NULL},
    {MSR_IA32_EFER, 1, FIELD(paging.efer), MSR_RULE_ANY, NULL, write_efer},
    {MSR_IA32_STAR, 1, FIELD(star), MSR_RULE_ANY, NULL, NULL},
    {MSR_IA32_LSTAR, 1, FIELD(lstar), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_CSTAR, 1, FIELD(cstar), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_FMASK, 1, FIELD(sfmask), MSR_RULE_LOW32, NULL, NULL},
    {MSR_IA32_FS_BASE, 1, FIELD(seg[SEG_FS].base), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_GS_BASE, 1, FIELD(seg[SEG_GS].base), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_KERNEL_GS_BASE, 1, FIELD(kernel_gs_base), MSR_RULE_CANONICAL, NULL, NULL},
    {MSR_IA32_TSC_AUX, 1, FIELD(tsc_aux), MSR_RULE_LOW32, NULL, NULL},
};

static const MsrDesc *find_msr(const CpuState *cpu, uint32_t index)
{
    if (index == MSR_IA32_TSC_AUX && !has_tsc_aux(cpu)) {
        return NULL;
    }
    for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
        if (index >= msrs[i].index && index - msrs[i].index < msrs[i].count) {
            return &msrs[i];
        }
    }
    return NULL;
}

static uint64_t *field_of(CpuState *cpu, const MsrDesc *m, uint32_t index)
{
    return (uint64_t *)((char *)cpu + m->offset) + (index - m->index);
}

static bool is_apic_msr(uint32_t index)
{
    return (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST) ||
           index == MSR_IA32_TSC_DEADLINE;
}

bool msr_read(CpuState *cpu, uint32_t index, uint64_t *value)
{
    if (is_apic_msr(index)) {
        return cpu->apic && cpu->apic->read_msr(cpu->apic_opaque, index, value);
    }
    const MsrDesc *m = find_msr(cpu, index);
    if (!m) {
        return false;
    }
    *value = m->read ? m->read(cpu, index) : *field_of(cpu, m, index);
    return true;
}

bool msr_write(CpuState *cpu, uint32_t index, uint64_t value)
{
    if (is_apic_msr(index)) {
        return cpu->apic && cpu->apic->write_msr(cpu->apic_opaque, index, value);
    }
    const MsrDesc *m = find_msr(cpu, index);
    if (!m || m->rule == MSR_RULE_READ_ONLY) {
        return false;
    }
    if (m->write) {
        return m->write(cpu, index, value);
    }
    if (!is_allowed(cpu, m->rule, index - m->index, value)) {
        return false;
    }
    *field_of(cpu, m, index) = value;
    return true;
}

uint64_t sysreg_read_tsc(const CpuState *cpu)
{
    uint64_t base = cpu->tsc_source ? cpu->tsc_source(cpu->tsc_opaque) : cpu->icount;
    return base + cpu->tsc_offset;
}

uint64_t cpu_read_tsc(const CpuState *cpu)
{
    return sysreg_read_tsc(cpu);
}

/* RDMSR and WRMSR are privileged; ECX selects the MSR, EDX:EAX holds the value. */
void exec_rdmsr(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    uint32_t index = (uint32_t)cpu->regs[R_CX];
    uint64_t value;
    if (!msr_read(cpu, index, &value)) {
        log_unimp("RDMSR %#x", index);
        cpu_raise_gp0(cpu);
    }
    cpu->regs[R_AX] = value & 0xffffffffull;
    cpu->regs[R_DX] = value >> 32;
}

void exec_wrmsr(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    uint32_t index = (uint32_t)cpu->regs[R_CX];
    uint64_t value = (cpu->regs[R_DX] << 32) | (cpu->regs[R_AX] & 0xffffffffull);
    if (!msr_write(cpu, index, value)) {
        if (!find_msr(cpu, index)) {
            log_unimp("WRMSR %#x (value %#llx)", index, (unsigned long long)value);
        } else {
            log_guest_error("WRMSR %#x: value %#llx not allowed", index, (unsigned long long)value);
        }
        cpu_raise_gp0(cpu);
    }
}
