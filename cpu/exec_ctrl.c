/*
 * cpu/exec_ctrl.c: control and debug registers. The checked writers of sysreg.h (CR0, CR3,
 * CR4, EFER) and the instructions MOV to/from CRn and DRn, LMSW, SMSW and CLTS (SDM Vol. 2B
 * "MOV—Move to/from Control Registers", "MOV—Move to/from Debug Registers", Vol. 2A "LMSW",
 * "CLTS", Vol. 2B "SMSW"; registers in Vol. 3A §2.5 and §18.2).
 *
 * Rules kept here:
 * - CR0: reserved bits 31:0 are ignored, ET reads as 1 (P6 and later); bits 63:32 set, PG
 *   without PE, NW without CD are #GP(0). PG 0->1 with EFER.LME activates IA-32e mode (sets
 *   LMA; #GP(0) without CR4.PAE or with CS.L = 1); PG 1->0 in IA-32e mode leaves it (#GP(0) in
 *   64-bit mode or with CR4.PCIDE set). Vol. 3A §10.8.5.
 * - CR4: bits of features the CPU model does not advertise are reserved (#GP(0)); PAE cannot
 *   be cleared in IA-32e mode; PCIDE 0->1 needs IA-32e mode and CR3[11:0] = 0.
 * - CR3: in IA-32e mode, bits at and above MAXPHYADDR are reserved except bit 63 with PCIDE,
 *   which is the no-flush hint. Vireo's TLB keeps translations per address space and drops
 *   those a page-table write made stale (softmmu/tlb.h), so the hint needs no action: what it
 *   keeps is exactly what a re-walk would produce, and a processor may always drop more.
 * - PAE paging (not IA-32e): the PDPTE registers load on MOV CR3, and on MOV CR0/CR4 that
 *   change CR0.PG/CD/NW or CR4.PAE/PGE/PSE/SMEP while PAE paging results (§4.4.1); a reserved
 *   bit in a present PDPTE is #GP(0) with nothing changed.
 * - TLB: a change of CR0.PG/WP/PE, CR4.PGE/PAE/PSE/SMEP/SMAP/PCIDE or EFER.NXE flushes every
 *   translation, as softmmu/tlb.h asks; the current address space is then re-entered.
 * - DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD); DR7.GD makes any DR access a #DB fault
 *   with DR6.BD set and GD cleared. DR6/DR7 bits 63:32 set are #GP(0) in 64-bit mode. Debug
 *   breakpoints are stored but never trigger (not modelled; logged once when enabled).
 * - CR8 is the task-priority register (bits 3:0): with a local APIC attached it reads and
 *   writes the APIC's TPR[7:4] (SDM Vol. 3A §11.8.6); a bare CPU stores it.
 */
#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/exec.h"
#include "cpu/sysreg.h"
#include "util/log.h"

/* CR0 bits software can write (SDM Vol. 3A §2.5); the rest of bits 31:0 stay clear. */
#define CR0_WRITABLE                                                                               \
    ((uint64_t)(CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW |   \
                CR0_CD | CR0_PG))
#define CR0_TLB_BITS ((uint64_t)(CR0_PG | CR0_WP | CR0_PE))
#define CR0_PDPTE_BITS ((uint64_t)(CR0_PG | CR0_CD | CR0_NW))
#define CR4_TLB_BITS ((uint64_t)(CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PCIDE))
#define CR4_PDPTE_BITS ((uint64_t)(CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP))
#define CR3_PCID_NO_FLUSH (1ull << 63)

/* DR6: B0-B3, BD, BS, BT are writable; the other bits of 31:0 read as the fixed pattern. */
#define DR6_WRITABLE 0xe00full
#define DR6_FIXED1 0xffff0ff0ull
/* DR7: bit 10 reads 1; bits 11, 12, 14, 15 read 0. */
#define DR7_WRITABLE 0xffff23ffull
#define DR7_FIXED1 0x400ull
#define DR7_ENABLES 0xffull

/* CR4 bits that exist on this CPU model. */
static uint64_t cr4_valid_bits(const CpuState *cpu)
{
    static const struct {
        CpuidFeature feature;
        uint32_t bits;
    } by_feature[] = {
        {CPUID_VME, CR4_VME | CR4_PVI}, {CPUID_DE, CR4_DE},
        {CPUID_PSE, CR4_PSE},           {CPUID_PAE, CR4_PAE},
        {CPUID_PGE, CR4_PGE},           {CPUID_FXSR, CR4_OSFXSR},
        {CPUID_SSE, CR4_OSXMMEXCPT},    {CPUID_FSGSBASE, CR4_FSGSBASE},
        {CPUID_PCID, CR4_PCIDE},        {CPUID_XSAVE, CR4_OSXSAVE},
        {CPUID_SMEP, CR4_SMEP},         {CPUID_SMAP, CR4_SMAP},
    };
    uint64_t bits = CR4_TSD | CR4_PCE; /* TSC and performance counters: every x86-64 */
    for (unsigned i = 0; i < sizeof(by_feature) / sizeof(by_feature[0]); i++) {
        if (cpu_has_feature(cpu, by_feature[i].feature)) {
            bits |= by_feature[i].bits;
        }
    }
    return bits;
}

static bool uses_pae_paging(const PagingState *ps)
{
    return (ps->cr0 & CR0_PG) && (ps->cr4 & CR4_PAE) && !(ps->efer & EFER_LMA);
}

/* Install a checked paging state; flush the TLB when translation rules changed. */
static void commit_paging(CpuState *cpu, const PagingState *ps, bool is_flush_all)
{
    bool is_pdpte_change = memcmp(cpu->paging.pdpte, ps->pdpte, sizeof(ps->pdpte)) != 0;
    cpu->paging = *ps;
    if (is_flush_all) {
        tlb_flush_all(cpu->tlb);
        tlb_write_cr3(cpu->tlb, &cpu->paging);
    } else if (is_pdpte_change) {
        tlb_write_cr3(cpu->tlb, &cpu->paging);
    }
    cpu_update_mode(cpu);
}

bool sysreg_write_cr0(CpuState *cpu, uint64_t value)
{
    if (value >> 32) {
        return false;
    }
    value = (value & CR0_WRITABLE) | CR0_ET;
    if (((value & CR0_PG) && !(value & CR0_PE)) || ((value & CR0_NW) && !(value & CR0_CD))) {
        return false;
    }
    PagingState ps = cpu->paging;
    uint64_t changed = ps.cr0 ^ value;
    ps.cr0 = value;
    if ((changed & CR0_PG) && (value & CR0_PG) && (ps.efer & EFER_LME)) {
        if (!(ps.cr4 & CR4_PAE) || (cpu->seg[SEG_CS].attr & SEG_ATTR_L)) {
            return false;
        }
        ps.efer |= EFER_LMA;
    } else if ((changed & CR0_PG) && !(value & CR0_PG) && (ps.efer & EFER_LMA)) {
        if (cpu->code64 || (ps.cr4 & CR4_PCIDE)) {
            return false;
        }
        ps.efer &= ~(uint64_t)EFER_LMA;
    }
    if (uses_pae_paging(&ps) && (changed & CR0_PDPTE_BITS) &&
        paging_load_pdptes(cpu->map, &ps, cpu->maxphyaddr) != 0) {
        return false;
    }
    commit_paging(cpu, &ps, (changed & CR0_TLB_BITS) != 0);
    return true;
}

bool sysreg_write_cr3(CpuState *cpu, uint64_t value)
{
    PagingState ps = cpu->paging;
    if (ps.efer & EFER_LMA) {
        if (ps.cr4 & CR4_PCIDE) {
            value &= ~CR3_PCID_NO_FLUSH;
        }
        if (value >> cpu->maxphyaddr) {
            return false;
        }
    } else {
        value &= 0xffffffffull;
    }
    ps.cr3 = value;
    if (uses_pae_paging(&ps) && paging_load_pdptes(cpu->map, &ps, cpu->maxphyaddr) != 0) {
        return false;
    }
    cpu->paging = ps;
    tlb_write_cr3(cpu->tlb, &cpu->paging);
    return true;
}

bool sysreg_write_cr4(CpuState *cpu, uint64_t value)
{
    PagingState ps = cpu->paging;
    if (value & ~cr4_valid_bits(cpu)) {
        return false;
    }
    if ((ps.efer & EFER_LMA) && !(value & CR4_PAE)) {
        return false;
    }
    if ((value & CR4_PCIDE) && !(ps.cr4 & CR4_PCIDE) &&
        (!(ps.efer & EFER_LMA) || (ps.cr3 & 0xfff))) {
        return false;
    }
    uint64_t changed = ps.cr4 ^ value;
    ps.cr4 = value;
    if (uses_pae_paging(&ps) && (changed & CR4_PDPTE_BITS) &&
        paging_load_pdptes(cpu->map, &ps, cpu->maxphyaddr) != 0) {
        return false;
    }
    commit_paging(cpu, &ps, (changed & CR4_TLB_BITS) != 0);
    return true;
}

bool sysreg_write_efer(CpuState *cpu, uint64_t value)
{
    uint64_t valid = EFER_LME | EFER_LMA;
    if (cpu_has_feature(cpu, CPUID_SYSCALL)) {
        valid |= EFER_SCE;
    }
    if (cpu_has_feature(cpu, CPUID_NX)) {
        valid |= EFER_NXE;
    }
    PagingState ps = cpu->paging;
    if ((value & ~valid) || (((value ^ ps.efer) & EFER_LME) && (ps.cr0 & CR0_PG))) {
        return false;
    }
    value = (value & ~(uint64_t)EFER_LMA) | (ps.efer & EFER_LMA);
    bool is_nxe_change = ((value ^ ps.efer) & EFER_NXE) != 0;
    ps.efer = value;
    commit_paging(cpu, &ps, is_nxe_change);
    return true;
}

/* MOV CRn and DRn: privileged (CPL 0; virtual-8086 mode has CPL 3). */
static void check_cpl0(CpuState *cpu)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
}

static bool is_valid_cr(unsigned cr)
{
    return cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8;
}

void exec_mov_cr_load(CpuState *cpu, const DecodedInsn *d)
{
    unsigned cr = d->op[0].reg;
    if (!is_valid_cr(cr)) {
        cpu_raise_ud(cpu);
    }
    check_cpl0(cpu);
    uint64_t v = opnd_read(cpu, d, 1);
    bool is_ok = true;
    switch (cr) {
    case 0:
        is_ok = sysreg_write_cr0(cpu, v);
        break;
    case 2:
        cpu->cr2 = v;
        break;
    case 3:
        is_ok = sysreg_write_cr3(cpu, v);
        break;
    case 4:
        is_ok = sysreg_write_cr4(cpu, v);
        break;
    default:
        is_ok = (v >> 4) == 0;
        if (is_ok) {
            cpu->cr8 = v;
            if (cpu->apic) {
                cpu->apic->set_cr8(cpu->apic_opaque, (uint8_t)v);
            }
        }
        break;
    }
    if (!is_ok) {
        cpu_raise_gp0(cpu);
    }
}

void exec_mov_cr_store(CpuState *cpu, const DecodedInsn *d)
{
    unsigned cr = d->op[1].reg;
    if (!is_valid_cr(cr)) {
        cpu_raise_ud(cpu);
    }
    check_cpl0(cpu);
    uint64_t v;
    switch (cr) {
    case 0:
        v = cpu->paging.cr0;
        break;
    case 2:
        v = cpu->cr2;
        break;
    case 3:
        v = cpu->paging.cr3;
        break;
    case 4:
        v = cpu->paging.cr4;
        break;
    default:
        v = cpu->apic ? cpu->apic->get_cr8(cpu->apic_opaque) : cpu->cr8;
        break;
    }
    opnd_write(cpu, d, 0, v);
}

/*
 * The checks every MOV DRn makes; returns the register actually accessed (DR4/DR5 alias
 * DR6/DR7 when CR4.DE is clear).
 */
static unsigned check_dr_access(CpuState *cpu, unsigned dr)
{
    check_cpl0(cpu);
    if (dr == 4 || dr == 5) {
        if (cpu->paging.cr4 & CR4_DE) {
            cpu_raise_ud(cpu);
        }
        dr += 2;
    }
    if (cpu->dr[7] & DR7_GD) {
        /* A fault: the frame must point at this MOV (excp.c takes a #DB's return address
         * from next_rip). The processor sets BD and clears GD as it delivers the #DB. */
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~(uint64_t)DR7_GD;
        cpu->next_rip = cpu->rip;
        cpu_raise(cpu, EXC_DB, 0);
    }
    return dr;
}

void exec_mov_dr_load(CpuState *cpu, const DecodedInsn *d)
{
    unsigned dr = check_dr_access(cpu, d->op[0].reg);
    uint64_t v = opnd_read(cpu, d, 1);
    if (dr < 4) {
        cpu->dr[dr] = v;
        return;
    }
    if (v >> 32) {
        cpu_raise_gp0(cpu);
    }
    if (dr == 6) {
        cpu->dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1;
        return;
    }
    cpu->dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1;
    if (v & DR7_ENABLES) {
        log_unimp("debug breakpoints (DR7 %#llx): never trigger", (unsigned long long)v);
    }
}

void exec_mov_dr_store(CpuState *cpu, const DecodedInsn *d)
{
    unsigned dr = check_dr_access(cpu, d->op[1].reg);
    opnd_write(cpu, d, 0, cpu->dr[dr]);
}

/* LMSW loads CR0 bits 3:0 (PE, MP, EM, TS); it can set PE but never clear it. */
void exec_lmsw(CpuState *cpu, const DecodedInsn *d)
{
    check_cpl0(cpu);
    uint64_t msw = opnd_read(cpu, d, 0) & 0xf;
    uint64_t cr0 = cpu->paging.cr0;
    uint64_t value = (cr0 & ~0xeull) | msw | (cr0 & CR0_PE);
    if (!sysreg_write_cr0(cpu, value)) {
        cpu_raise_gp0(cpu);
    }
}

/* SMSW is not privileged (no UMIP); a register destination receives CR0 at operand size. */
void exec_smsw(CpuState *cpu, const DecodedInsn *d)
{
    opnd_write(cpu, d, 0, cpu->paging.cr0);
}

void exec_clts(CpuState *cpu, const DecodedInsn *d)
{
    check_cpl0(cpu);
    cpu->paging.cr0 &= ~(uint64_t)CR0_TS;
}
