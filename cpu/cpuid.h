/*
 * cpu/cpuid.h: CPU models and the CPUID instruction's answers (SDM Vol. 2A "CPUID", tables
 * 3-8 "Information Returned by CPUID Instruction" and 3-10/3-11 feature flags).
 *
 * A model is data: a name for `-cpu`, the identity (vendor, signature, brand) and the feature
 * flags it advertises, one 32-bit word per CPUID register that enumerates features. What a
 * model advertises is also what exists: instructions and CR4 bits of a feature the model does
 * not advertise raise #UD or #GP as on a processor without it (cpu_has_feature).
 */
#ifndef VIREO_CPU_CPUID_H
#define VIREO_CPU_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* The CPUID registers that enumerate features. */
typedef enum CpuidWord {
    CPUID_W_1_ECX,
    CPUID_W_1_EDX,
    CPUID_W_7_EBX,
    CPUID_W_7_ECX,
    CPUID_W_EXT1_ECX, /* leaf 80000001H */
    CPUID_W_EXT1_EDX,
    CPUID_WORD_COUNT
} CpuidWord;

#define CPUID_FEATURE(word, bit) (((unsigned)(word) << 5) | (bit))

/* Feature flags by their SDM names (Vol. 2A tables 3-10, 3-11, 3-8 leaf 07H, 80000001H). */
typedef enum CpuidFeature {
    CPUID_FPU = CPUID_FEATURE(CPUID_W_1_EDX, 0),
    CPUID_VME = CPUID_FEATURE(CPUID_W_1_EDX, 1),
    CPUID_DE = CPUID_FEATURE(CPUID_W_1_EDX, 2),
    CPUID_PSE = CPUID_FEATURE(CPUID_W_1_EDX, 3),
    CPUID_TSC = CPUID_FEATURE(CPUID_W_1_EDX, 4),
    CPUID_MSR = CPUID_FEATURE(CPUID_W_1_EDX, 5),
    CPUID_PAE = CPUID_FEATURE(CPUID_W_1_EDX, 6),
    CPUID_CX8 = CPUID_FEATURE(CPUID_W_1_EDX, 8),
    CPUID_APIC = CPUID_FEATURE(CPUID_W_1_EDX, 9),
    CPUID_SEP = CPUID_FEATURE(CPUID_W_1_EDX, 11),
    CPUID_MTRR = CPUID_FEATURE(CPUID_W_1_EDX, 12),
    CPUID_PGE = CPUID_FEATURE(CPUID_W_1_EDX, 13),
    CPUID_CMOV = CPUID_FEATURE(CPUID_W_1_EDX, 15),
    CPUID_PAT = CPUID_FEATURE(CPUID_W_1_EDX, 16),
    CPUID_PSE36 = CPUID_FEATURE(CPUID_W_1_EDX, 17),
    CPUID_CLFSH = CPUID_FEATURE(CPUID_W_1_EDX, 19),
    CPUID_MMX = CPUID_FEATURE(CPUID_W_1_EDX, 23),
    CPUID_FXSR = CPUID_FEATURE(CPUID_W_1_EDX, 24),
    CPUID_SSE = CPUID_FEATURE(CPUID_W_1_EDX, 25),
    CPUID_SSE2 = CPUID_FEATURE(CPUID_W_1_EDX, 26),
    CPUID_SSE3 = CPUID_FEATURE(CPUID_W_1_ECX, 0),
    CPUID_MONITOR = CPUID_FEATURE(CPUID_W_1_ECX, 3),
    CPUID_SSSE3 = CPUID_FEATURE(CPUID_W_1_ECX, 9),
    CPUID_CX16 = CPUID_FEATURE(CPUID_W_1_ECX, 13),
    CPUID_PCID = CPUID_FEATURE(CPUID_W_1_ECX, 17),
    CPUID_SSE4_1 = CPUID_FEATURE(CPUID_W_1_ECX, 19),
    CPUID_SSE4_2 = CPUID_FEATURE(CPUID_W_1_ECX, 20),
    CPUID_X2APIC = CPUID_FEATURE(CPUID_W_1_ECX, 21),
    CPUID_MOVBE = CPUID_FEATURE(CPUID_W_1_ECX, 22),
    CPUID_TSC_DEADLINE = CPUID_FEATURE(CPUID_W_1_ECX, 24),
    CPUID_POPCNT = CPUID_FEATURE(CPUID_W_1_ECX, 23),
    CPUID_XSAVE = CPUID_FEATURE(CPUID_W_1_ECX, 26),
    CPUID_OSXSAVE = CPUID_FEATURE(CPUID_W_1_ECX, 27),
    CPUID_RDRAND = CPUID_FEATURE(CPUID_W_1_ECX, 30),
    CPUID_FSGSBASE = CPUID_FEATURE(CPUID_W_7_EBX, 0),
    CPUID_BMI1 = CPUID_FEATURE(CPUID_W_7_EBX, 3), /* no model: ANDN, BEXTR, BLS* (VEX) missing */
    CPUID_SMEP = CPUID_FEATURE(CPUID_W_7_EBX, 7),
    CPUID_INVPCID = CPUID_FEATURE(CPUID_W_7_EBX, 10),
    CPUID_RDSEED = CPUID_FEATURE(CPUID_W_7_EBX, 18),
    CPUID_SMAP = CPUID_FEATURE(CPUID_W_7_EBX, 20),
    CPUID_RDPID = CPUID_FEATURE(CPUID_W_7_ECX, 22),
    CPUID_LAHF_LM = CPUID_FEATURE(CPUID_W_EXT1_ECX, 0),
    CPUID_LZCNT = CPUID_FEATURE(CPUID_W_EXT1_ECX, 5),
    CPUID_PREFETCHW = CPUID_FEATURE(CPUID_W_EXT1_ECX, 8),
    CPUID_SYSCALL = CPUID_FEATURE(CPUID_W_EXT1_EDX, 11),
    CPUID_NX = CPUID_FEATURE(CPUID_W_EXT1_EDX, 20),
    CPUID_PDPE1GB = CPUID_FEATURE(CPUID_W_EXT1_EDX, 26),
    CPUID_RDTSCP = CPUID_FEATURE(CPUID_W_EXT1_EDX, 27),
    CPUID_LM = CPUID_FEATURE(CPUID_W_EXT1_EDX, 29),
} CpuidFeature;

typedef struct CpuidModel {
    const char *name;   /* -cpu name */
    const char *vendor; /* 12 characters: leaf 0 EBX, EDX, ECX */
    const char *brand;  /* at most 47 characters: leaves 80000002H-80000004H */
    uint32_t signature; /* leaf 1 EAX: stepping, model, family (as EDX after reset) */
    uint32_t max_basic_leaf;
    uint32_t max_ext_leaf;
    uint32_t features[CPUID_WORD_COUNT];
    uint64_t xcr0_supported; /* XSAVE state components (leaf 0DH), when XSAVE is advertised */
} CpuidModel;

/* The model named `name`, or NULL. */
const CpuidModel *cpuid_find_model(const char *name);
/* The model a CPU gets unless -cpu says otherwise ("base"). */
const CpuidModel *cpuid_default_model(void);

/* CPUID with EAX = leaf and ECX = subleaf, for the CPU's model and current state. */
void cpuid_query(const CpuState *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

static inline bool cpu_has_feature(const CpuState *cpu, CpuidFeature f)
{
    return (cpu->cpuid->features[(unsigned)f >> 5] >> ((unsigned)f & 31)) & 1;
}

#endif
