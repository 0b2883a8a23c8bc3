/*
 * cpu/exec_system.c: system instructions without a family of their own. SDM Vol. 2A "CPUID",
 * "INVD", "INVLPG", "INVPCID", "MONITOR", Vol. 2B "MWAIT", "RDPID", "RDPMC", "RDRAND",
 * "RDSEED", "RDTSC", "RDTSCP", "RSM", "WBINVD", Vol. 2D "XGETBV", "XSETBV".
 *
 * Choices:
 * - An instruction whose CPUID feature the model does not advertise raises #UD.
 * - RDTSC/RDTSCP read sysreg_read_tsc(): the board's clock, or the instruction count (a bare
 *   CPU), plus IA32_TSC's offset.
 * - RDPMC: no events are counted; the two model-specific counters of family 6 (ECX 0, 1)
 *   read 0, other indices are #GP(0). CPUID leaf 0AH reports no architectural counters.
 * - RDRAND/RDSEED draw from a SplitMix64 generator whose state is in CpuState: always
 *   successful (CF = 1), and reproducible under record/replay and across snapshots.
 * - MONITOR checks its address as a byte read would (segment and paging faults) and arms
 *   nothing; MWAIT returns at once, which the SDM allows ("MWAIT ... may exit for
 *   implementation-dependent reasons"), so a guest idles by polling instead of sleeping.
 * - INVD and WBINVD have no caches to act on; RSM is #UD because vireo has no SMM.
 * - XSETBV accepts only state components the model supports; x87 must stay enabled and AVX
 *   needs SSE (§13.3).
 */
#include "cpu/cpuid.h"
#include "cpu/exec.h"
#include "cpu/sysreg.h"

#define XCR0_X87 1ull
#define XCR0_SSE 2ull
#define XCR0_AVX 4ull
#define RDPMC_COUNTERS 2u
#define MWAIT_ECX_VALID 1ull /* interrupts break MWAIT even with IF = 0 (leaf 05H ECX) */

static void require(CpuState *cpu, CpuidFeature f)
{
    if (!cpu_has_feature(cpu, f)) {
        cpu_raise_ud(cpu);
    }
}

static void check_cpl0(CpuState *cpu)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
}

/* Results in EAX/EBX/ECX/EDX are 32-bit writes: the upper halves are cleared. */
void exec_cpuid(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->model == CPU_MODEL_8086) {
        cpu_raise_ud(cpu);
    }
    uint32_t out[4];
    cpuid_query(cpu, (uint32_t)cpu->regs[R_AX], (uint32_t)cpu->regs[R_CX], out);
    cpu->regs[R_AX] = out[0];
    cpu->regs[R_BX] = out[1];
    cpu->regs[R_CX] = out[2];
    cpu->regs[R_DX] = out[3];
}

/* CR4.TSD restricts the time-stamp counter to CPL 0 in protected mode. */
static uint64_t read_tsc_checked(CpuState *cpu)
{
    if ((cpu->paging.cr4 & CR4_TSD) && cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    return sysreg_read_tsc(cpu);
}

void exec_rdtsc(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t tsc = read_tsc_checked(cpu);
    cpu->regs[R_AX] = tsc & 0xffffffffull;
    cpu->regs[R_DX] = tsc >> 32;
}

void exec_rdtscp(CpuState *cpu, const DecodedInsn *d)
{
    require(cpu, CPUID_RDTSCP);
    uint64_t tsc = read_tsc_checked(cpu);
    cpu->regs[R_AX] = tsc & 0xffffffffull;
    cpu->regs[R_DX] = tsc >> 32;
    cpu->regs[R_CX] = cpu->tsc_aux & 0xffffffffull;
}

void exec_rdpid(CpuState *cpu, const DecodedInsn *d)
{
    require(cpu, CPUID_RDPID);
    opnd_write(cpu, d, 0, cpu->tsc_aux);
}

void exec_rdpmc(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->cpl != 0 && !(cpu->paging.cr4 & CR4_PCE)) {
        cpu_raise_gp0(cpu);
    }
    if ((uint32_t)cpu->regs[R_CX] >= RDPMC_COUNTERS) {
        cpu_raise_gp0(cpu);
    }
    cpu->regs[R_AX] = 0;
    cpu->regs[R_DX] = 0;
}

/* SplitMix64 (Steele, Lea, Flood 2014): any state, including 0, gives a full-period stream. */
static uint64_t next_random(CpuState *cpu)
{
    uint64_t z = (cpu->rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random value in the register; CF = 1 (valid), OF, SF, ZF, AF, PF = 0. */
static void store_random(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, next_random(cpu));
    flags_store(cpu, FLAG_CF);
}

void exec_rdrand(CpuState *cpu, const DecodedInsn *d)
{
    require(cpu, CPUID_RDRAND);
    store_random(cpu, d);
}

void exec_rdseed(CpuState *cpu, const DecodedInsn *d)
{
    require(cpu, CPUID_RDSEED);
    store_random(cpu, d);
}

void exec_xgetbv(CpuState *cpu, const DecodedInsn *d)
{
    if (!(cpu->paging.cr4 & CR4_OSXSAVE)) {
        cpu_raise_ud(cpu);
    }
    if ((uint32_t)cpu->regs[R_CX] != 0) {
        cpu_raise_gp0(cpu);
    }
    cpu->regs[R_AX] = cpu->xcr0 & 0xffffffffull;
    cpu->regs[R_DX] = cpu->xcr0 >> 32;
}

void exec_xsetbv(CpuState *cpu, const DecodedInsn *d)
{
    if (!(cpu->paging.cr4 & CR4_OSXSAVE)) {
        cpu_raise_ud(cpu);
    }
    check_cpl0(cpu);
    uint64_t v = (cpu->regs[R_DX] << 32) | (cpu->regs[R_AX] & 0xffffffffull);
    if ((uint32_t)cpu->regs[R_CX] != 0 || (v & ~cpu->cpuid->xcr0_supported) || !(v & XCR0_X87) ||
        ((v & XCR0_AVX) && !(v & XCR0_SSE))) {
        cpu_raise_gp0(cpu);
    }
    cpu->xcr0 = v;
}

/*
 * INVLPG never faults on its operand: the address is only a name for the page. In 64-bit mode
 * a non-canonical address invalidates nothing.
 */
void exec_invlpg(CpuState *cpu, const DecodedInsn *d)
{
    check_cpl0(cpu);
    uint64_t ea = insn_effective_address(cpu, d);
    uint64_t lin;
    if (cpu->code64) {
        lin = ea + (d->seg >= SEG_FS ? cpu->seg[d->seg].base : 0);
        if (!sysreg_is_canonical(lin)) {
            return;
        }
    } else {
        lin = (cpu->seg[d->seg].base + ea) & 0xffffffffull;
    }
    tlb_flush_page(cpu->tlb, lin);
}

/* INVPCID type in a register (all 64 bits in 64-bit mode), descriptor {PCID, address}. */
void exec_invpcid(CpuState *cpu, const DecodedInsn *d)
{
    require(cpu, CPUID_INVPCID);
    if (cpu_in_v86(cpu)) {
        cpu_raise_ud(cpu);
    }
    check_cpl0(cpu);
    uint64_t type = cpu->regs[d->op[0].reg];
    if (!cpu->code64) {
        type &= 0xffffffffull;
    }
    uint64_t ea = insn_effective_address(cpu, d);
    uint8_t desc[16];
    mem_read_bytes(cpu, d->seg, ea, desc, sizeof(desc));
    uint64_t pcid_field = 0, addr = 0;
    for (unsigned i = 0; i < 8; i++) {
        pcid_field |= (uint64_t)desc[i] << (8 * i);
        addr |= (uint64_t)desc[8 + i] << (8 * i);
    }
    if (type > TLB_INVPCID_ALL_NONGLOBAL || (pcid_field >> 12)) {
        cpu_raise_gp0(cpu);
    }
    uint16_t pcid = (uint16_t)pcid_field;
    if (type <= TLB_INVPCID_SINGLE && pcid != 0 && !(cpu->paging.cr4 & CR4_PCIDE)) {
        cpu_raise_gp0(cpu);
    }
    if (type == TLB_INVPCID_ADDRESS && !sysreg_is_canonical(addr)) {
        cpu_raise_gp0(cpu);
    }
    tlb_invpcid(cpu->tlb, (unsigned)type, pcid, addr);
}

void exec_invd(CpuState *cpu, const DecodedInsn *d)
{
    check_cpl0(cpu);
}

void exec_wbinvd(CpuState *cpu, const DecodedInsn *d)
{
    check_cpl0(cpu);
}

/* MONITOR and MWAIT: #UD without the feature or above CPL 0 (no ring-3 enable MSR). */
static void check_monitor(CpuState *cpu)
{
    require(cpu, CPUID_MONITOR);
    if (cpu->cpl != 0) {
        cpu_raise_ud(cpu);
    }
}

void exec_monitor(CpuState *cpu, const DecodedInsn *d)
{
    check_monitor(cpu);
    if ((uint32_t)cpu->regs[R_CX] != 0) {
        cpu_raise_gp0(cpu);
    }
    uint64_t offset = cpu->regs[R_AX] & size_mask(d->addrsize);
    uint64_t lin = mem_linear(cpu, d->seg, offset, 1, MEM_READ);
    MmuMode mode = {.is_user = false, .ac = (cpu->rflags & FLAG_AC) != 0};
    PageFault pf;
    if (!tlb_probe(cpu->tlb, &cpu->paging, lin, 1, MEM_READ, &mode, &pf)) {
        cpu->cr2 = pf.cr2;
        cpu_raise(cpu, EXC_PF, pf.error_code);
    }
}

void exec_mwait(CpuState *cpu, const DecodedInsn *d)
{
    check_monitor(cpu);
    if (cpu->regs[R_CX] & ~MWAIT_ECX_VALID & 0xffffffffull) {
        cpu_raise_gp0(cpu);
    }
}

void exec_rsm(CpuState *cpu, const DecodedInsn *d)
{
    cpu_raise_ud(cpu);
}
