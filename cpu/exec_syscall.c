/*
 * cpu/exec_syscall.c: fast system calls and the 64-bit segment-base instructions:
 * SYSCALL/SYSRET (SDM Vol. 3A §5.8.8, Vol. 2B "SYSCALL", "SYSRET"), SYSENTER/SYSEXIT (§5.8.7,
 * "SYSENTER", "SYSEXIT"), SWAPGS, RDFSBASE/RDGSBASE, WRFSBASE/WRGSBASE.
 *
 * These load CS and SS with fixed descriptor caches instead of reading descriptors: the
 * SegmentCache fields are written as the SDM's pseudocode lists them (flat 4-GByte segments,
 * DPL 0 or 3), then cpu_update_mode() derives CPL and the code size.
 *
 * Vendor choices (vireo is GenuineIntel): SYSCALL and SYSRET are #UD outside 64-bit mode;
 * SYSRET to a non-canonical RCX raises #GP(0) at CPL 0, before anything changes. RF is cleared
 * in the R11 image and in RFLAGS, as every instruction clears it.
 */
#include "cpu/exec.h"
#include "cpu/sysreg.h"

/* Descriptor-cache attributes (VMX layout) of the flat segments these instructions load. */
#define ATTR_CODE (SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_G | 0xb) /* execute/read, accessed */
#define ATTR_DATA (SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_G | SEG_ATTR_DB | 3) /* read/write */
#define ATTR_DPL3 (3u << SEG_ATTR_DPL_SHIFT)
#define FLAT_LIMIT 0xffffffffu
/* SYSRET keeps these RFLAGS bits of R11 (SDM Vol. 2B "SYSRET": R11 & 3C7FD7H, bit 1 set). */
#define SYSRET_FLAGS_KEPT 0x3c7fd7ull

static void load_flat(CpuState *cpu, unsigned seg, uint16_t selector, uint16_t attr)
{
    cpu->seg[seg] =
        (SegmentCache){.base = 0, .limit = FLAT_LIMIT, .selector = selector, .attr = attr};
}

/* CS for 64-bit code (L) or 32-bit code (D). */
static uint16_t code_attr(bool is_64, unsigned dpl)
{
    return (uint16_t)(ATTR_CODE | (is_64 ? SEG_ATTR_L : SEG_ATTR_DB) | (dpl << SEG_ATTR_DPL_SHIFT));
}

static void check_syscall_enabled(CpuState *cpu)
{
    if (!cpu->code64 || !(cpu->paging.efer & EFER_SCE)) {
        cpu_raise_ud(cpu);
    }
}

void exec_syscall(CpuState *cpu, const DecodedInsn *d)
{
    check_syscall_enabled(cpu);
    uint64_t flags = cpu_get_rflags(cpu) & ~(uint64_t)FLAG_RF;
    uint16_t star_cs = (uint16_t)(cpu->star >> 32);
    cpu->regs[R_CX] = cpu->next_rip;
    cpu->regs[R_R11] = flags;
    cpu_set_rflags(cpu, flags & ~cpu->sfmask);
    /* CS has its RPL forced to 0; SS is STAR[47:32] + 8 as is (SDM pseudocode). */
    load_flat(cpu, SEG_CS, star_cs & 0xfffc, code_attr(true, 0));
    load_flat(cpu, SEG_SS, (uint16_t)(star_cs + 8), ATTR_DATA);
    cpu->next_rip = cpu->lstar;
    cpu_update_mode(cpu);
}

void exec_sysret(CpuState *cpu, const DecodedInsn *d)
{
    check_syscall_enabled(cpu);
    bool is_64 = d->opsize == 8;
    if (cpu->cpl != 0 || (is_64 && !sysreg_is_canonical(cpu->regs[R_CX]))) {
        cpu_raise_gp0(cpu);
    }
    uint16_t base = (uint16_t)(cpu->star >> 48);
    cpu->next_rip = is_64 ? cpu->regs[R_CX] : (cpu->regs[R_CX] & 0xffffffffull);
    cpu_set_rflags(cpu, cpu->regs[R_R11] & SYSRET_FLAGS_KEPT);
    load_flat(cpu, SEG_CS, (uint16_t)((is_64 ? base + 16 : base) | 3), code_attr(is_64, 3));
    load_flat(cpu, SEG_SS, (uint16_t)((base + 8) | 3), ATTR_DATA | ATTR_DPL3);
    cpu_update_mode(cpu);
}

static bool is_sysenter_cs_null(const CpuState *cpu)
{
    return (cpu->sysenter_cs & 0xfffc) == 0;
}

void exec_sysenter(CpuState *cpu, const DecodedInsn *d)
{
    if (!(cpu->paging.cr0 & CR0_PE) || is_sysenter_cs_null(cpu)) {
        cpu_raise_gp0(cpu);
    }
    bool is_long = cpu->long_mode;
    uint16_t cs = (uint16_t)cpu->sysenter_cs & 0xfffc;
    cpu_set_rflags(cpu, cpu_get_rflags(cpu) & ~(uint64_t)(FLAG_VM | FLAG_IF | FLAG_RF));
    uint64_t width = is_long ? ~0ull : 0xffffffffull;
    cpu->regs[R_SP] = cpu->sysenter_esp & width;
    cpu->next_rip = cpu->sysenter_eip & width;
    load_flat(cpu, SEG_CS, cs, code_attr(is_long, 0));
    load_flat(cpu, SEG_SS, (uint16_t)(cs + 8), ATTR_DATA);
    cpu_update_mode(cpu);
}

void exec_sysexit(CpuState *cpu, const DecodedInsn *d)
{
    if (!(cpu->paging.cr0 & CR0_PE) || is_sysenter_cs_null(cpu) || cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    bool is_64 = d->opsize == 8;
    uint64_t rsp = cpu->regs[R_CX], rip = cpu->regs[R_DX];
    if (is_64 && (!sysreg_is_canonical(rsp) || !sysreg_is_canonical(rip))) {
        cpu_raise_gp0(cpu);
    }
    if (!is_64) {
        rsp &= 0xffffffffull;
        rip &= 0xffffffffull;
    }
    uint16_t cs = (uint16_t)((cpu->sysenter_cs + (is_64 ? 32 : 16)) | 3);
    cpu->regs[R_SP] = rsp;
    cpu->next_rip = rip;
    load_flat(cpu, SEG_CS, cs, code_attr(is_64, 3));
    load_flat(cpu, SEG_SS, (uint16_t)(cs + 8), ATTR_DATA | ATTR_DPL3);
    cpu_update_mode(cpu);
}

/* SWAPGS exchanges GS.base with IA32_KERNEL_GS_BASE (64-bit mode only, by the decoder). */
void exec_swapgs(CpuState *cpu, const DecodedInsn *d)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
    uint64_t gs = cpu->seg[SEG_GS].base;
    cpu->seg[SEG_GS].base = cpu->kernel_gs_base;
    cpu->kernel_gs_base = gs;
}

/* RD/WR FS/GS BASE: 64-bit mode (decoder), #UD unless CR4.FSGSBASE; any CPL. */
static void check_fsgsbase(CpuState *cpu)
{
    if (!(cpu->paging.cr4 & CR4_FSGSBASE)) {
        cpu_raise_ud(cpu);
    }
}

static void write_base(CpuState *cpu, const DecodedInsn *d, unsigned seg)
{
    check_fsgsbase(cpu);
    uint64_t v = opnd_read(cpu, d, 0);
    if (!sysreg_is_canonical(v)) {
        cpu_raise_gp0(cpu);
    }
    cpu->seg[seg].base = v;
}

void exec_rdfsbase(CpuState *cpu, const DecodedInsn *d)
{
    check_fsgsbase(cpu);
    opnd_write(cpu, d, 0, cpu->seg[SEG_FS].base);
}

void exec_rdgsbase(CpuState *cpu, const DecodedInsn *d)
{
    check_fsgsbase(cpu);
    opnd_write(cpu, d, 0, cpu->seg[SEG_GS].base);
}

void exec_wrfsbase(CpuState *cpu, const DecodedInsn *d)
{
    write_base(cpu, d, SEG_FS);
}

void exec_wrgsbase(CpuState *cpu, const DecodedInsn *d)
{
    write_base(cpu, d, SEG_GS);
}
