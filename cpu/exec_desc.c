/*
 * cpu/exec_desc.c: the descriptor-table registers: LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SLDT,
 * STR. SDM Vol. 2A "LGDT/LIDT", "LLDT", "LTR", Vol. 2B "SGDT", "SIDT", "SLDT", "STR" (their
 * Operation and exception sections), Vol. 3A §2.4 (GDTR, IDTR, LDTR, TR), §3.5.1 (the
 * 16-byte LDT and TSS descriptors of IA-32e mode), §7.2.2 (LTR marks the TSS busy), §2.5
 * (CR4.UMIP: SGDT, SIDT, SLDT, STR at CPL > 0 raise #GP(0)).
 *
 * SGDT and SIDT store the full 32-bit base with any operand size outside 64-bit mode, as
 * processors since the Pentium 4 do; LGDT and LIDT with a 16-bit operand size keep 24 bits.
 */
#include "cpu/exec.h"
#include "cpu/seg.h"

static void require_cpl0(CpuState *cpu)
{
    if (cpu->cpl != 0) {
        cpu_raise_gp0(cpu);
    }
}

/* SLDT, STR, LLDT and LTR are not recognized in real-address or virtual-8086 mode. */
static void require_protected(CpuState *cpu)
{
    if (cpu_in_real_mode(cpu) || cpu_in_v86(cpu)) {
        cpu_raise_ud(cpu);
    }
}

static void check_umip(CpuState *cpu)
{
    if ((cpu->paging.cr4 & CR4_UMIP) && cpu->cpl > 0) {
        cpu_raise_gp0(cpu);
    }
}

static TableRegister read_pseudo_descriptor(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t ea = insn_effective_address(cpu, d);
    uint64_t mask = size_mask(d->addrsize);
    TableRegister t;
    t.limit = (uint32_t)mem_read(cpu, d->seg, ea, 2);
    if (cpu->code64) {
        t.base = mem_read(cpu, d->seg, (ea + 2) & mask, 8);
    } else {
        t.base = mem_read(cpu, d->seg, (ea + 2) & mask, 4);
        if (d->opsize == 2) {
            t.base &= 0xffffff;
        }
    }
    return t;
}

static void write_pseudo_descriptor(CpuState *cpu, const DecodedInsn *d, const TableRegister *t)
{
    uint8_t buf[10];
    unsigned base_size = cpu->code64 ? 8 : 4;
    buf[0] = (uint8_t)t->limit;
    buf[1] = (uint8_t)(t->limit >> 8);
    for (unsigned i = 0; i < base_size; i++) {
        buf[2 + i] = (uint8_t)(t->base >> (8 * i));
    }
    mem_write_bytes(cpu, d->seg, insn_effective_address(cpu, d), buf, 2 + base_size);
}

void exec_lgdt(CpuState *cpu, const DecodedInsn *d)
{
    require_cpl0(cpu);
    cpu->gdtr = read_pseudo_descriptor(cpu, d);
}

void exec_lidt(CpuState *cpu, const DecodedInsn *d)
{
    require_cpl0(cpu);
    cpu->idtr = read_pseudo_descriptor(cpu, d);
}

void exec_sgdt(CpuState *cpu, const DecodedInsn *d)
{
    check_umip(cpu);
    write_pseudo_descriptor(cpu, d, &cpu->gdtr);
}

void exec_sidt(CpuState *cpu, const DecodedInsn *d)
{
    check_umip(cpu);
    write_pseudo_descriptor(cpu, d, &cpu->idtr);
}

void exec_sldt(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    check_umip(cpu);
    opnd_write(cpu, d, 0, cpu->ldtr.selector);
}

void exec_str(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    check_umip(cpu);
    opnd_write(cpu, d, 0, cpu->tr.selector);
}

/*
 * The GDT system descriptor LLDT or LTR names: a GDT selector, the wanted type, present, and
 * in IA-32e mode the upper half with its type field 0 (§3.5.1).
 */
static void fetch_system_descriptor(CpuState *cpu, uint16_t sel, bool is_tss, Descriptor *d)
{
    if (sel & SEL_TI) {
        cpu_raise(cpu, EXC_GP, sel_error(sel, 0));
    }
    seg_fetch_descriptor(cpu, sel, EXC_GP, 0, d);
    unsigned type = desc_type(d);
    bool is_type_ok = is_tss ? (type == DESC_TSS32_AVAIL ||
                                (type == DESC_TSS16_AVAIL && !cpu->long_mode))
                             : type == DESC_LDT;
    if (desc_is_segment(d) || !is_type_ok) {
        cpu_raise(cpu, EXC_GP, sel_error(sel, 0));
    }
    if (!desc_is_present(d)) {
        cpu_raise(cpu, EXC_NP, sel_error(sel, 0));
    }
    if (cpu->long_mode) {
        seg_fetch_descriptor_upper(cpu, sel, EXC_GP, 0, d);
        if ((d->hi >> 40) & 0x1f) {
            cpu_raise(cpu, EXC_GP, sel_error(sel, 0));
        }
    }
}

static SegmentCache system_cache(const CpuState *cpu, uint16_t sel, const Descriptor *d)
{
    return (SegmentCache){ .base = cpu->long_mode ? desc_base_system(d) : desc_base32(d),
                           .limit = desc_limit(d), .selector = sel, .attr = desc_attr(d) };
}

void exec_lldt(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    require_cpl0(cpu);
    uint16_t sel = (uint16_t)opnd_read(cpu, d, 0);
    if (sel_is_null(sel)) {
        cpu->ldtr = seg_cache_null(sel, 0); /* later LDT references fault */
        return;
    }
    Descriptor desc;
    fetch_system_descriptor(cpu, sel, false, &desc);
    cpu->ldtr = system_cache(cpu, sel, &desc);
}

void exec_ltr(CpuState *cpu, const DecodedInsn *d)
{
    require_protected(cpu);
    require_cpl0(cpu);
    uint16_t sel = (uint16_t)opnd_read(cpu, d, 0);
    if (sel_is_null(sel)) {
        cpu_raise_gp0(cpu);
    }
    Descriptor desc;
    fetch_system_descriptor(cpu, sel, true, &desc);
    /* The busy bit is type bit 1: available 1/9 become busy 3/11. */
    uint8_t access = (uint8_t)((desc.lo >> 40) | 2);
    mem_write_linear(cpu, (desc.lin + 5) & (cpu->long_mode ? ~0ull : 0xffffffffull), 1, access,
                     true);
    desc.lo |= 2ull << 40;
    cpu->tr = system_cache(cpu, sel, &desc);
}
