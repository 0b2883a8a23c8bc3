/*
 * cpu/cpuid.c: the CPU models and CPUID leaves, SDM Vol. 2A "CPUID" (table 3-8 for the leaves,
 * 3-10/3-11 for leaf 01H's feature flags).
 *
 * Models:
 * - "base" (the default): an x86-64-v2 processor: the x87, MMX, FXSR, SSE through SSE4.2,
 *   POPCNT, CMPXCHG16B, LAHF/SAHF in 64-bit mode, XSAVE with the x87 and SSE components; a
 *   local APIC (xAPIC, not x2APIC) with the TSC-deadline timer. A bare CPU without the board's
 *   APIC (tests) still reports them. The paging features of the walker (1-GByte pages,
 *   SMEP, SMAP) are advertised: the walker always honours 1-GByte pages, so hiding them would
 *   make CPUID disagree with translation.
 * - "max": everything vireo implements: base plus VME, MONITOR/MWAIT, PCID, MOVBE, RDRAND, FSGSBASE, INVPCID, RDSEED, RDPID, LZCNT, PREFETCHW and RDTSCP.
 * Both are GenuineIntel (vireo follows Intel where vendors differ) with the signature of the
 * reset EDX (family 6, model 3AH, stepping 9), one logical processor, initial APIC ID 0.
 *
 * Not modelled: cache and TLB descriptors (leaves 02H and 04H report none), power management
 * (06H), architectural performance monitoring (0AH), hypervisor leaves.
 */
#include "cpu/cpuid.h"

#include <string.h>

#define F(feature) (1u << ((unsigned)(feature)&31))

/* Leaf 01H EBX: CLFLUSH line size in 8-byte units (bits 15:8): 64 bytes. */
#define LEAF1_EBX_CLFLUSH_64 (8u << 8)
/* Leaf 0BH: level types in ECX[15:8] (SDM Vol. 2A table 3-8, leaf 0BH). */
#define TOPOLOGY_SMT 1u
#define TOPOLOGY_CORE 2u
/* Leaf 0DH: XSAVE area size for x87 and SSE state only: legacy region 512 + header 64. */
#define XSAVE_LEGACY_AREA_SIZE 576u
/* Leaf 05H: smallest and largest monitor line (bytes); ECX: extensions enumerated, and
 * interrupts break MWAIT even with IF = 0. */
#define MONITOR_LINE_SIZE 64u
#define MWAIT_ECX_EXTENSIONS 3u
/* Leaf 80000008H EAX[15:8]: linear address bits (4-level paging). */
#define LINEAR_ADDRESS_BITS 48u

#define BASE_1_EDX                                                                                 \
    (F(CPUID_FPU) | F(CPUID_MMX) | F(CPUID_FXSR) | F(CPUID_SSE) | F(CPUID_SSE2) | F(CPUID_DE) |   \
     F(CPUID_APIC) |  F(CPUID_PSE) | F(CPUID_TSC) | F(CPUID_MSR) | F(CPUID_PAE) | F(CPUID_CX8) |      \
     F(CPUID_SEP) | F(CPUID_MTRR) | F(CPUID_PGE) | F(CPUID_CMOV) | F(CPUID_PAT) | F(CPUID_PSE36) | \
     F(CPUID_CLFSH))
/* x86-64-v2 (psABI "x86-64 micro-architecture levels"): CX16, LAHF-SAHF, POPCNT, SSE3,
 * SSE4.1, SSE4.2, SSSE3; and XSAVE for the x87 and SSE components. */
#define BASE_1_ECX                                                                                 \
    (F(CPUID_SSE3) | F(CPUID_SSSE3) | F(CPUID_CX16) | F(CPUID_SSE4_1) | F(CPUID_SSE4_2) |          \
     F(CPUID_POPCNT) | F(CPUID_XSAVE) | F(CPUID_TSC_DEADLINE))
#define BASE_EXT1_ECX F(CPUID_LAHF_LM)
#define BASE_7_EBX (F(CPUID_SMEP) | F(CPUID_SMAP))
#define BASE_EXT1_EDX (F(CPUID_SYSCALL) | F(CPUID_NX) | F(CPUID_PDPE1GB) | F(CPUID_LM))

static const CpuidModel models[] = {
    {
        .name = "base",
        .vendor = "GenuineIntel",
        .brand = "vireo virtual CPU",
        .signature = 0x000306a9,
        .max_basic_leaf = 0xd,
        .max_ext_leaf = 0x80000008,
        .features =
            {
                [CPUID_W_1_EDX] = BASE_1_EDX,
                [CPUID_W_1_ECX] = BASE_1_ECX,
                [CPUID_W_7_EBX] = BASE_7_EBX,
                [CPUID_W_EXT1_ECX] = BASE_EXT1_ECX,
                [CPUID_W_EXT1_EDX] = BASE_EXT1_EDX,
            },
        .xcr0_supported = 3,
    },
    {
        .name = "max",
        .vendor = "GenuineIntel",
        .brand = "vireo virtual CPU",
        .signature = 0x000306a9,
        .max_basic_leaf = 0xd,
        .max_ext_leaf = 0x80000008,
        .features =
            {
                [CPUID_W_1_EDX] = BASE_1_EDX | F(CPUID_VME),
                [CPUID_W_1_ECX] = BASE_1_ECX | F(CPUID_MONITOR) | F(CPUID_PCID) |
                                  F(CPUID_MOVBE) | F(CPUID_RDRAND),
                [CPUID_W_7_EBX] =
                    BASE_7_EBX | F(CPUID_FSGSBASE) | F(CPUID_INVPCID) | F(CPUID_RDSEED),
                [CPUID_W_7_ECX] = F(CPUID_RDPID),
                [CPUID_W_EXT1_ECX] = BASE_EXT1_ECX | F(CPUID_LZCNT) | F(CPUID_PREFETCHW),
                [CPUID_W_EXT1_EDX] = BASE_EXT1_EDX | F(CPUID_RDTSCP),
            },
        .xcr0_supported = 3,
    },
};

const CpuidModel *cpuid_find_model(const char *name)
{
    for (unsigned i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        if (strcmp(models[i].name, name) == 0) {
            return &models[i];
        }
    }
    return NULL;
}

const CpuidModel *cpuid_default_model(void)
{
    return &models[0];
}

/* Four characters of a string as a little-endian register value (NUL-padded). */
static uint32_t chars4(const char *s, size_t len, size_t at)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4 && at + i < len; i++) {
        v |= (uint32_t)(uint8_t)s[at + i] << (8 * i);
    }
    return v;
}

static void leaf_topology(uint32_t subleaf, uint32_t out[4])
{
    /* One thread per core, one core per package: every level counts one processor. */
    out[3] = 0; /* x2APIC ID */
    if (subleaf == 0 || subleaf == 1) {
        out[0] = 0;
        out[1] = 1;
        out[2] = ((subleaf == 0 ? TOPOLOGY_SMT : TOPOLOGY_CORE) << 8) | subleaf;
    } else {
        out[0] = out[1] = 0;
        out[2] = subleaf & 0xff;
    }
}

/*
 * Leaf 0DH: subleaf 0 lists the XCR0 components and the area sizes (the legacy region and
 * header hold both of vireo's components, so every size is 576); subleaf 1 the XSAVE
 * extensions: XSAVEOPT (bit 0) and XSAVEC (bit 1), not XGETBV with ECX = 1 nor XSAVES.
 */
#define XSAVE_EXT_XSAVEOPT 1u
#define XSAVE_EXT_XSAVEC 2u

static void leaf_xsave(const CpuState *cpu, uint32_t subleaf, uint32_t out[4])
{
    if (!cpu_has_feature(cpu, CPUID_XSAVE)) {
        return;
    }
    if (subleaf == 0) {
        out[0] = (uint32_t)cpu->cpuid->xcr0_supported;
        out[1] = XSAVE_LEGACY_AREA_SIZE;
        out[2] = XSAVE_LEGACY_AREA_SIZE;
        out[3] = (uint32_t)(cpu->cpuid->xcr0_supported >> 32);
    } else if (subleaf == 1) {
        out[0] = XSAVE_EXT_XSAVEOPT | XSAVE_EXT_XSAVEC;
        out[1] = XSAVE_LEGACY_AREA_SIZE;
    }
}

static void leaf_basic(const CpuState *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const CpuidModel *m = cpu->cpuid;
    switch (leaf) {
    case 0:
        out[0] = m->max_basic_leaf;
        out[1] = chars4(m->vendor, 12, 0);
        out[3] = chars4(m->vendor, 12, 4);
        out[2] = chars4(m->vendor, 12, 8);
        break;
    case 1:
        out[0] = m->signature;
        out[1] = LEAF1_EBX_CLFLUSH_64;
        out[2] = m->features[CPUID_W_1_ECX];
        if (cpu->paging.cr4 & CR4_OSXSAVE) {
            out[2] |= F(CPUID_OSXSAVE);
        }
        out[3] = m->features[CPUID_W_1_EDX];
        break;
    case 2:
        out[0] = 1; /* one iteration, no descriptors */
        break;
    case 5:
        if (cpu_has_feature(cpu, CPUID_MONITOR)) {
            out[0] = MONITOR_LINE_SIZE;
            out[1] = MONITOR_LINE_SIZE;
            out[2] = MWAIT_ECX_EXTENSIONS;
        }
        break;
    case 7:
        if (subleaf == 0) {
            out[1] = m->features[CPUID_W_7_EBX];
            out[2] = m->features[CPUID_W_7_ECX];
        }
        break;
    case 0xb:
        leaf_topology(subleaf, out);
        break;
    case 0xd:
        leaf_xsave(cpu, subleaf, out);
        break;
    default:
        break;
    }
}

static void leaf_extended(const CpuState *cpu, uint32_t leaf, uint32_t out[4])
{
    const CpuidModel *m = cpu->cpuid;
    switch (leaf) {
    case 0x80000000:
        out[0] = m->max_ext_leaf;
        break;
    case 0x80000001:
        out[2] = m->features[CPUID_W_EXT1_ECX];
        out[3] = m->features[CPUID_W_EXT1_EDX];
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
        size_t len = strlen(m->brand);
        size_t at = (leaf - 0x80000002) * 16;
        for (unsigned i = 0; i < 4; i++) {
            out[i] = chars4(m->brand, len, at + 4 * i);
        }
        break;
    }
    case 0x80000008:
        out[0] = cpu->maxphyaddr | (LINEAR_ADDRESS_BITS << 8);
        break;
    default:
        break;
    }
}

void cpuid_query(const CpuState *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const CpuidModel *m = cpu->cpuid;
    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf <= m->max_basic_leaf) {
        leaf_basic(cpu, leaf, subleaf, out);
    } else if (leaf >= 0x80000000 && leaf <= m->max_ext_leaf) {
        leaf_extended(cpu, leaf, out);
    } else {
        /* Intel: a leaf above the maximum returns the highest basic leaf's data. */
        leaf_basic(cpu, m->max_basic_leaf, subleaf, out);
    }
}
