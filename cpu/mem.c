/*
 * cpu/mem.c: guest memory as instructions see it: segmentation (SDM Vol. 3A §3.4.5 segment
 * checks, §5.3 limit checking, §5.4-5.5 type checks; real-address mode §20.1), canonical
 * addresses in 64-bit mode (Vol. 1 §3.3.7.1), alignment checking (#AC, Vol. 3A §6.15 interrupt
 * 17), then paging through the softmmu TLB. Faults are raised here with cpu_raise().
 *
 * The 8086 model (SingleStepTests) has no segment limits: a word at offset FFFFh wraps to
 * offset 0 within the segment, and linear addresses wrap at 1 MiB (the board disables A20).
 */
#include "cpu/exec.h"

#include "util/bitops.h"
#include "util/endian.h"

static uint64_t load_le(const void *p, unsigned size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        return ld_le16(p);
    case 4:
        return ld_le32(p);
    default:
        return ld_le64(p);
    }
}

static void store_le(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case 2:
        st_le16(p, (uint16_t)v);
        break;
    case 4:
        st_le32(p, (uint32_t)v);
        break;
    default:
        st_le64(p, v);
        break;
    }
}

static MmuMode mmu_mode(const CpuState *cpu, bool supervisor)
{
    MmuMode m = {
        .is_user = !supervisor && cpu->cpl == 3,
        .is_implicit = supervisor,
        .ac = (cpu->rflags & FLAG_AC) != 0,
    };
    return m;
}

_Noreturn static void raise_page_fault(CpuState *cpu, const PageFault *pf)
{
    cpu->cr2 = pf->cr2;
    cpu_raise(cpu, EXC_PF, pf->error_code);
}

/*
 * The exception a segment violation raises: #SS for the stack segment, else #GP. The 80286 in
 * real-address mode raises #GP (interrupt 13) for an operand past offset FFFFh in any segment,
 * the stack's too (80286 Programmer's Reference Manual, real address mode exceptions; the
 * Harris 80C286 vectors record no interrupt 12).
 */
_Noreturn static void segment_fault(CpuState *cpu, unsigned seg)
{
    bool is_stack = seg == SEG_SS && !(cpu->model == CPU_MODEL_80286 && cpu_in_real_mode(cpu));
    cpu_raise(cpu, is_stack ? EXC_SS : EXC_GP, 0);
}

static bool is_canonical(uint64_t lin)
{
    return (uint64_t)(sign_extend64(lin, 48)) == lin;
}

/* Segment type checks and limit checks outside 64-bit mode. */
static void check_segment(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size,
                          MemAccess acc)
{
    const SegmentCache *s = &cpu->seg[seg];
    uint64_t last = offset + size - 1;
    if (!cpu_in_real_mode(cpu) && !cpu_in_v86(cpu)) {
        if (!(s->attr & SEG_ATTR_P)) {
            segment_fault(cpu, seg); /* null or unusable selector */
        }
        unsigned type = s->attr & SEG_ATTR_TYPE;
        bool is_code = type & 8;
        if (acc == MEM_WRITE && (is_code || !(type & 2))) {
            segment_fault(cpu, seg);
        }
        if (acc == MEM_READ && is_code && !(type & 2)) {
            segment_fault(cpu, seg);
        }
        if (!is_code && (type & 4)) {
            /* Expand-down: valid offsets are limit + 1 .. FFFFh or FFFFFFFFh (B flag). */
            uint64_t upper = (s->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
            if (offset <= s->limit || last > upper) {
                segment_fault(cpu, seg);
            }
            return;
        }
    }
    if (last > s->limit) {
        segment_fault(cpu, seg);
    }
}

/*
 * The common case needs no type check: a present, accessed-or-not, expand-up read/write data
 * segment (type 2 or 3) used within its limit. Everything else takes check_segment.
 */
static inline bool is_plain_data_access(const SegmentCache *s, uint64_t offset, unsigned size)
{
    return (s->attr & (SEG_ATTR_P | SEG_ATTR_S | 0xe)) == (SEG_ATTR_P | SEG_ATTR_S | 2) &&
           offset + size - 1 <= s->limit;
}

uint64_t mem_linear(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size, MemAccess acc)
{
    uint64_t lin;
    if (cpu->code64) {
        lin = offset + (seg >= SEG_FS ? cpu->seg[seg].base : 0);
        if (!is_canonical(lin) || !is_canonical(lin + size - 1)) {
            segment_fault(cpu, seg);
        }
    } else {
        if (!is_plain_data_access(&cpu->seg[seg], offset, size) &&
            cpu->model != CPU_MODEL_8086) {
            check_segment(cpu, seg, offset, size, acc);
        }
        lin = (cpu->seg[seg].base + offset) & 0xffffffffull;
    }
    if ((cpu->paging.cr0 & CR0_AM) && (cpu->rflags & FLAG_AC) && cpu->cpl == 3 &&
        acc != MEM_FETCH && (lin & (size - 1)) && size <= 8) {
        cpu_raise(cpu, EXC_AC, 0);
    }
    return lin;
}

static uint64_t read_linear(CpuState *cpu, uint64_t lin, unsigned size, MemAccess acc,
                            bool supervisor)
{
    unsigned idx = supervisor ? MMU_IDX_SUPER : cpu_mmu_index(cpu);
    const void *p = tlb_lookup(cpu->tlb, idx, lin, size, acc);
    if (__builtin_expect(p != NULL, 1)) {
        return load_le(p, size);
    }
    MmuMode mode = mmu_mode(cpu, supervisor);
    uint8_t buf[8];
    PageFault pf;
    if (!tlb_read_slow(cpu->tlb, &cpu->paging, lin, buf, size, acc, &mode, &pf)) {
        raise_page_fault(cpu, &pf);
    }
    return load_le(buf, size);
}

static void write_linear(CpuState *cpu, uint64_t lin, unsigned size, uint64_t value,
                         bool supervisor)
{
    unsigned idx = supervisor ? MMU_IDX_SUPER : cpu_mmu_index(cpu);
    void *p = tlb_lookup(cpu->tlb, idx, lin, size, MEM_WRITE);
    if (__builtin_expect(p != NULL, 1)) {
        store_le(p, size, value);
        return;
    }
    MmuMode mode = mmu_mode(cpu, supervisor);
    uint8_t buf[8];
    PageFault pf;
    store_le(buf, size, value);
    if (!tlb_write_slow(cpu->tlb, &cpu->paging, lin, buf, size, &mode, &pf)) {
        raise_page_fault(cpu, &pf);
    }
}

/* 8086: each byte's offset wraps within the 64 KiB segment. */
static uint64_t read_8086(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t lin = cpu->seg[seg].base + ((offset + i) & 0xffff);
        v |= read_linear(cpu, lin, 1, MEM_READ, false) << (8 * i);
    }
    return v;
}

static void write_8086(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size,
                       uint64_t value)
{
    for (unsigned i = 0; i < size; i++) {
        uint64_t lin = cpu->seg[seg].base + ((offset + i) & 0xffff);
        write_linear(cpu, lin, 1, value >> (8 * i), false);
    }
}

/*
 * The linear address of an access that needs no check beyond the ones done here: 64-bit mode
 * with a canonical range, or a plain data segment within its limit, no alignment check armed.
 * Returns false when the full path (mem_linear) must decide, which also raises any fault.
 */
static inline bool fast_linear(const CpuState *cpu, unsigned seg, uint64_t offset, unsigned size,
                               uint64_t *lin)
{
    if (__builtin_expect((cpu->rflags & FLAG_AC) != 0, 0)) {
        return false;
    }
    if (cpu->code64) {
        uint64_t l = offset + (seg >= SEG_FS ? cpu->seg[seg].base : 0);
        *lin = l;
        return is_canonical(l) && is_canonical(l + size - 1);
    }
    *lin = (cpu->seg[seg].base + offset) & 0xffffffffull;
    return cpu->model != CPU_MODEL_8086 && is_plain_data_access(&cpu->seg[seg], offset, size);
}

uint64_t mem_read(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size)
{
    uint64_t lin;
    if (__builtin_expect(fast_linear(cpu, seg, offset, size, &lin), 1)) {
        const void *p = tlb_lookup(cpu->tlb, cpu_mmu_index(cpu), lin, size, MEM_READ);
        if (__builtin_expect(p != NULL, 1)) {
            return load_le(p, size);
        }
        return read_linear(cpu, lin, size, MEM_READ, false);
    }
    if (cpu->model == CPU_MODEL_8086) {
        return read_8086(cpu, seg, offset, size);
    }
    return read_linear(cpu, mem_linear(cpu, seg, offset, size, MEM_READ), size, MEM_READ, false);
}

void mem_write(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size, uint64_t value)
{
    uint64_t lin;
    if (__builtin_expect(fast_linear(cpu, seg, offset, size, &lin), 1)) {
        void *p = tlb_lookup(cpu->tlb, cpu_mmu_index(cpu), lin, size, MEM_WRITE);
        if (__builtin_expect(p != NULL, 1)) {
            store_le(p, size, value);
            return;
        }
        write_linear(cpu, lin, size, value, false);
        return;
    }
    if (cpu->model == CPU_MODEL_8086) {
        write_8086(cpu, seg, offset, size, value);
        return;
    }
    write_linear(cpu, mem_linear(cpu, seg, offset, size, MEM_WRITE), size, value, false);
}

void mem_probe_write(CpuState *cpu, unsigned seg, uint64_t offset, unsigned size)
{
    if (cpu->model == CPU_MODEL_8086) {
        return; /* real mode without paging: a write cannot fault */
    }
    uint64_t lin = mem_linear(cpu, seg, offset, size, MEM_WRITE);
    if (tlb_lookup(cpu->tlb, cpu_mmu_index(cpu), lin, size, MEM_WRITE)) {
        return;
    }
    MmuMode mode = mmu_mode(cpu, false);
    PageFault pf;
    if (!tlb_probe(cpu->tlb, &cpu->paging, lin, size, MEM_WRITE, &mode, &pf)) {
        raise_page_fault(cpu, &pf);
    }
}

uint64_t mem_read_linear(CpuState *cpu, uint64_t lin, unsigned size, bool supervisor)
{
    return read_linear(cpu, lin, size, MEM_READ, supervisor);
}

void mem_write_linear(CpuState *cpu, uint64_t lin, unsigned size, uint64_t value,
                      bool supervisor)
{
    write_linear(cpu, lin, size, value, supervisor);
}

void mem_read_bytes(CpuState *cpu, unsigned seg, uint64_t offset, void *buf, unsigned len)
{
    uint8_t *out = buf;
    for (unsigned i = 0; i < len; i++) {
        out[i] = (uint8_t)mem_read(cpu, seg, offset + i, 1);
    }
}

void mem_write_bytes(CpuState *cpu, unsigned seg, uint64_t offset, const void *buf,
                     unsigned len)
{
    const uint8_t *in = buf;
    if (len) {
        mem_probe_write(cpu, seg, offset, len);
    }
    for (unsigned i = 0; i < len; i++) {
        mem_write(cpu, seg, offset + i, 1, in[i]);
    }
}

/* Instruction bytes at a linear address (block building); faults as fetches do. */
void mem_fetch_linear(CpuState *cpu, uint64_t lin, void *buf, unsigned len)
{
    MmuMode mode = mmu_mode(cpu, false);
    PageFault pf;
    if (!tlb_read_slow(cpu->tlb, &cpu->paging, lin, buf, len, MEM_FETCH, &mode, &pf)) {
        raise_page_fault(cpu, &pf);
    }
}

uint64_t insn_effective_address(const CpuState *cpu, const DecodedInsn *d)
{
    uint64_t ea = (uint64_t)d->disp;
    if (d->base == RIP_REG) {
        ea += cpu->rip + d->len;
    } else if (d->base != NO_REG) {
        ea += cpu->regs[d->base];
    }
    if (d->index != NO_REG) {
        ea += cpu->regs[d->index] << d->scale;
    }
    return ea & size_mask(d->addrsize);
}

uint64_t opnd_read_slow(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    switch (o->loc) {
    case LOC_GPR:
        return gpr_read(cpu, o->reg, o->size);
    case LOC_IMM:
        return o->reg ? d->imm2 : d->imm;
    case LOC_MEM:
        return mem_read(cpu, d->seg, insn_effective_address(cpu, d), o->size);
    case LOC_SEG:
        return cpu->seg[o->reg].selector;
    default:
        return 0;
    }
}

void opnd_write_slow(CpuState *cpu, const DecodedInsn *d, unsigned i, uint64_t v)
{
    const DecodedOperand *o = &d->op[i];
    switch (o->loc) {
    case LOC_GPR:
        gpr_write(cpu, o->reg, o->size, v);
        break;
    case LOC_MEM:
        mem_write(cpu, d->seg, insn_effective_address(cpu, d), o->size, v);
        break;
    default:
        break;
    }
}

uint64_t opnd_read_rmw_slow(CpuState *cpu, const DecodedInsn *d, unsigned i)
{
    const DecodedOperand *o = &d->op[i];
    if (o->loc == LOC_MEM) {
        uint64_t ea = insn_effective_address(cpu, d);
        mem_probe_write(cpu, d->seg, ea, o->size);
        return mem_read(cpu, d->seg, ea, o->size);
    }
    return opnd_read_slow(cpu, d, i);
}
