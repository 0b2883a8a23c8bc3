/*
 * cpu/exec_string.c: the string instructions MOVS, CMPS, STOS, LODS, SCAS, INS and OUTS
 * (SDM Vol. 2A/2B, each instruction's page; Vol. 1 §7.3.9 "String Operations") and their
 * repeat prefixes (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ").
 *
 * Operands: the source is seg:rSI (DS unless a segment override names another), the
 * destination ES:rDI (never overridden; in 64-bit mode ES's base is ignored as every base but
 * FS/GS is, which mem_linear does). rSI, rDI and the count rCX are used at the address size:
 * with a 16-bit address size SI and DI wrap at FFFFh and the upper bits stay as they were.
 * EFLAGS.DF picks the direction.
 *
 * Repeats are precise per iteration: rSI/rDI/rCX are written after every element, so a fault
 * in iteration k leaves them as after k - 1 iterations with RIP at the instruction, which the
 * guest's handler returns to and which then continues ("the instruction can be interrupted and
 * restarted", SDM REP page). One exec call runs at most STRING_CHUNK iterations; when the
 * count is not exhausted it leaves next_rip at the instruction and ends the block, so the CPU
 * loop runs it again and can take interrupts in between, as hardware does between iterations.
 * REPE/REPNE end early on ZF only for CMPS and SCAS; with the other instructions both F3 and
 * F2 repeat on rCX alone (the SDM calls F2 there undefined; processors and QEMU repeat).
 *
 * Fast path: for MOVS, STOS, LODS, CMPS and SCAS on RAM the elements that lie in one page of
 * both the source and the destination (and inside the segment, without wrapping the address
 * size) are done on host memory in one go, then the registers are moved once: nothing in
 * such a run can fault, so the result equals the per-element one. Copies whose host ranges
 * overlap run element by element in the guest's order, which is what makes REP MOVSB with
 * DI = SI + 1 replicate a byte as on hardware. Pages the TLB sends to its slow path (MMIO,
 * code, dirty tracking, page tables, not yet filled) run through mem_read/mem_write per element.
 *
 * The 80286 in real-address mode does not restart cleanly from an element past offset FFFFh:
 * see overrun_286.
 *
 * Not modelled: single-step and data-breakpoint traps between iterations, fast-string store
 * ordering (invisible to a single CPU).
 */
#include "cpu/exec.h"

#include <string.h>

#include "util/endian.h"

/* Iterations one exec call runs at most before it lets the loop take interrupts. */
#define STRING_CHUNK 4096u

#define PAGE_BYTES (1u << TLB_PAGE_BITS)

/* One exec call's walk over a string. */
typedef struct StringIter {
    unsigned size;    /* element size in bytes */
    unsigned asize;   /* address size: width of rSI, rDI and rCX */
    bool is_backward; /* EFLAGS.DF */
    bool is_rep;      /* F3 or F2 present */
    uint64_t left;    /* iterations this call may still run */
} StringIter;

/* Sets up the walk; false when a repeat has rCX = 0 and nothing is to be done. */
static bool string_begin(CpuState *cpu, const DecodedInsn *d, unsigned size, StringIter *it)
{
    it->size = size;
    it->asize = d->addrsize;
    it->is_backward = (cpu->rflags & FLAG_DF) != 0;
    it->is_rep = (d->prefixes & (PFX_REP | PFX_REPNE)) != 0;
    if (!it->is_rep) {
        it->left = 1;
        return true;
    }
    uint64_t count = gpr_read(cpu, R_CX, it->asize);
    it->left = count < STRING_CHUNK ? count : STRING_CHUNK;
    return it->left != 0;
}

/* Commits n finished iterations: the used index registers move n elements, rCX counts down. */
static void string_commit(CpuState *cpu, StringIter *it, uint64_t n, bool moves_si, bool moves_di)
{
    uint64_t delta = n * it->size;
    if (it->is_backward) {
        delta = 0 - delta;
    }
    if (moves_si) {
        gpr_write(cpu, R_SI, it->asize, gpr_read(cpu, R_SI, it->asize) + delta);
    }
    if (moves_di) {
        gpr_write(cpu, R_DI, it->asize, gpr_read(cpu, R_DI, it->asize) + delta);
    }
    if (it->is_rep) {
        gpr_write(cpu, R_CX, it->asize, gpr_read(cpu, R_CX, it->asize) - n);
    }
    it->left -= n;
}

/*
 * The 80286 in real-address mode raises #GP(0) for an element past offset FFFFh (mem.c) after
 * its microcode has stepped the index register of that access and of the element's earlier
 * ones, and, in a repeat, counted rCX down `cx_steps` times: once for the element's last read,
 * twice for a write (the next iteration has begun by then), not at all for CMPS's first
 * access, which is ES:rDI on that processor. Harris 80C286 SingleStepTests vectors A5, A7, AB,
 * AD, AF, 6D, 6F; the pushed IP is the instruction's. Called before each access of the
 * per-element path.
 */
static void overrun_286(CpuState *cpu, StringIter *it, unsigned seg, uint64_t off,
                        unsigned cx_steps, bool steps_si, bool steps_di)
{
    if (cpu->model != CPU_MODEL_80286 || !cpu_in_real_mode(cpu) ||
        off + it->size - 1 <= cpu->seg[seg].limit) {
        return;
    }
    string_commit(cpu, it, 1, steps_si, steps_di); /* counts a repeat's rCX down once */
    if (it->is_rep) {
        gpr_write(cpu, R_CX, it->asize, gpr_read(cpu, R_CX, it->asize) + 1 - cx_steps);
    }
    cpu_raise_gp0(cpu);
}

/* A repeat that neither ran out nor was ended by REPE/REPNE runs again from the same RIP. */
static void string_end(CpuState *cpu, const StringIter *it, bool is_terminated)
{
    if (it->is_rep && !is_terminated && gpr_read(cpu, R_CX, it->asize) != 0) {
        cpu->next_rip = cpu->rip;
        cpu->exit_block = true;
    }
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/*
 * Host address of the element at seg:off when it and the following ones (in the direction of
 * the walk) lie in one page that the TLB lets `acc` reach directly, inside the segment and
 * without wrapping the address size; *n (the wanted count) is lowered to how many do. NULL
 * when fewer than two do: the per-element path is as fast then, and raises the faults.
 *
 * Only the first element's segment checks can fault here, and that element is the next one
 * the per-element path would access, so such a fault is as precise as its. The others are
 * checked without faulting, the limit only for expand-up segments (expand-down ones take the
 * per-element path): a run must never fault on an element that iterations before it would
 * not have reached.
 */
static uint8_t *string_host_span(CpuState *cpu, const StringIter *it, unsigned seg, uint64_t off,
                                 MemAccess acc, uint64_t *n)
{
    if (cpu->model != CPU_MODEL_X86_64) {
        return NULL; /* 8086 segments wrap per byte (mem.c); 80286 overruns: overrun_286 */
    }
    unsigned size = it->size;
    uint64_t amask = size_mask(it->asize);
    if (off > amask - (size - 1)) {
        return NULL; /* the element itself wraps the address size */
    }
    uint64_t lin = mem_linear(cpu, seg, off, size, acc);
    uint64_t page_off = lin & (PAGE_BYTES - 1);
    if (page_off + size > PAGE_BYTES) {
        return NULL;
    }
    const SegmentCache *s = &cpu->seg[seg];
    bool has_limit = !cpu->code64;
    bool is_protected = !cpu_in_real_mode(cpu) && !cpu_in_v86(cpu);
    unsigned type = s->attr & SEG_ATTR_TYPE;
    if (has_limit && is_protected && !(type & 8) && (type & 4)) {
        return NULL; /* expand-down data segment (type bit 3 clear: data; bit 2: E) */
    }
    uint64_t fit;
    if (!it->is_backward) {
        fit = (PAGE_BYTES - page_off) / size;
        fit = min_u64(fit, (amask - off - (size - 1)) / size + 1);
        if (has_limit) {
            fit = min_u64(fit, (s->limit - off - (size - 1)) / size + 1);
        }
    } else {
        /* Lower offsets stay below the limit the first element passed. */
        fit = min_u64(page_off / size + 1, off / size + 1);
    }
    fit = min_u64(fit, *n);
    if (fit < 2) {
        return NULL;
    }
    uint64_t low = it->is_backward ? lin - (fit - 1) * size : lin;
    MmuMode mode = {
        .is_user = cpu->cpl == 3,
        .ac = (cpu->rflags & FLAG_AC) != 0,
    };
    uint8_t *p = tlb_lookup(cpu->tlb, tlb_mmu_index(&mode), low, (unsigned)(fit * size), acc);
    if (!p) {
        return NULL;
    }
    *n = fit;
    return p + (lin - low);
}

/* Element k of a run starting at host address p, in the walk's direction. */
static uint8_t *element_at(const StringIter *it, uint8_t *p, uint64_t k)
{
    return it->is_backward ? p - k * it->size : p + k * it->size;
}

static uint64_t host_load(const uint8_t *p, unsigned size)
{
    uint8_t buf[8] = {0};
    memcpy(buf, p, size);
    return ld_le64(buf);
}

/* Lowest host address of an n-element run whose first element is at p. */
static uint8_t *run_low(const StringIter *it, uint8_t *p, uint64_t n)
{
    return it->is_backward ? p - (n - 1) * it->size : p;
}

/* MOVS on host memory; returns the elements copied, 0 to take the per-element path. */
static uint64_t movs_fast(CpuState *cpu, const DecodedInsn *d, const StringIter *it, uint64_t si,
                          uint64_t di)
{
    uint64_t n = it->left;
    uint8_t *src = string_host_span(cpu, it, d->seg, si, MEM_READ, &n);
    if (!src) {
        return 0;
    }
    uint8_t *dst = string_host_span(cpu, it, SEG_ES, di, MEM_WRITE, &n);
    if (!dst) {
        return 0;
    }
    uintptr_t bytes = (uintptr_t)(n * it->size);
    uintptr_t src_low = (uintptr_t)run_low(it, src, n), dst_low = (uintptr_t)run_low(it, dst, n);
    if (src_low + bytes <= dst_low || dst_low + bytes <= src_low) {
        memcpy((void *)dst_low, (const void *)src_low, bytes);
        return n;
    }
    /* Overlap: each element is read whole, then written, in the guest's order. */
    for (uint64_t k = 0; k < n; k++) {
        memmove(element_at(it, dst, k), element_at(it, src, k), it->size);
    }
    return n;
}

void exec_movs(CpuState *cpu, const DecodedInsn *d)
{
    StringIter it;
    if (!string_begin(cpu, d, d->op[0].size, &it)) {
        return;
    }
    while (it.left) {
        uint64_t si = gpr_read(cpu, R_SI, it.asize), di = gpr_read(cpu, R_DI, it.asize);
        uint64_t n = movs_fast(cpu, d, &it, si, di);
        if (n == 0) {
            overrun_286(cpu, &it, d->seg, si, 1, true, false);
            uint64_t v = mem_read(cpu, d->seg, si, it.size);
            overrun_286(cpu, &it, SEG_ES, di, 2, true, true);
            mem_write(cpu, SEG_ES, di, it.size, v);
            n = 1;
        }
        string_commit(cpu, &it, n, true, true);
    }
    string_end(cpu, &it, false);
}

static uint64_t stos_fast(CpuState *cpu, const StringIter *it, uint64_t di, uint64_t value)
{
    uint64_t n = it->left;
    uint8_t *dst = string_host_span(cpu, it, SEG_ES, di, MEM_WRITE, &n);
    if (!dst) {
        return 0;
    }
    uint8_t *low = run_low(it, dst, n);
    if (it->size == 1) {
        memset(low, (int)(value & 0xff), (size_t)n);
        return n;
    }
    uint8_t pattern[8];
    st_le64(pattern, value);
    for (uint64_t k = 0; k < n; k++) {
        memcpy(low + k * it->size, pattern, it->size);
    }
    return n;
}

void exec_stos(CpuState *cpu, const DecodedInsn *d)
{
    StringIter it;
    if (!string_begin(cpu, d, d->op[0].size, &it)) {
        return;
    }
    uint64_t value = gpr_read(cpu, R_AX, it.size);
    while (it.left) {
        uint64_t di = gpr_read(cpu, R_DI, it.asize);
        uint64_t n = stos_fast(cpu, &it, di, value);
        if (n == 0) {
            overrun_286(cpu, &it, SEG_ES, di, 2, false, true);
            mem_write(cpu, SEG_ES, di, it.size, value);
            n = 1;
        }
        string_commit(cpu, &it, n, false, true);
    }
    string_end(cpu, &it, false);
}

void exec_lods(CpuState *cpu, const DecodedInsn *d)
{
    StringIter it;
    if (!string_begin(cpu, d, d->op[0].size, &it)) {
        return;
    }
    while (it.left) {
        uint64_t si = gpr_read(cpu, R_SI, it.asize);
        uint64_t n = it.left;
        uint8_t *src = string_host_span(cpu, &it, d->seg, si, MEM_READ, &n);
        uint64_t v;
        if (src) {
            /* RAM reads have no side effects: only the last element reaches rAX. */
            v = host_load(element_at(&it, src, n - 1), it.size);
        } else {
            overrun_286(cpu, &it, d->seg, si, 1, true, false);
            v = mem_read(cpu, d->seg, si, it.size);
            n = 1;
        }
        gpr_write(cpu, R_AX, it.size, v);
        string_commit(cpu, &it, n, true, false);
    }
    string_end(cpu, &it, false);
}

/*
 * Whether REPE/REPNE end the repeat after a compare with these operands: REPE (F3) while
 * equal, REPNE (F2) while not equal (SDM REP page, table "Repeat Prefixes").
 */
static bool compare_ends_repeat(const DecodedInsn *d, uint64_t a, uint64_t b)
{
    if (d->prefixes & PFX_REPNE) {
        return a == b;
    }
    return (d->prefixes & PFX_REP) && a != b;
}

/*
 * Compares on host memory: a from `src` (NULL: the fixed value `a_fixed`, SCAS's rAX), b from
 * `dst`, n elements at most. Returns the elements compared; *is_terminated when REPE/REPNE
 * ended the repeat, and the flags of the last compare are set.
 */
static uint64_t compare_run(CpuState *cpu, const DecodedInsn *d, const StringIter *it, uint8_t *src,
                            uint64_t a_fixed, uint8_t *dst, uint64_t n, bool *is_terminated)
{
    uint64_t a = a_fixed, b = 0, k = 0;
    while (k < n) {
        if (src) {
            a = host_load(element_at(it, src, k), it->size);
        }
        b = host_load(element_at(it, dst, k), it->size);
        k++;
        if (compare_ends_repeat(d, a, b)) {
            *is_terminated = true;
            break;
        }
    }
    flags_set(cpu, LAZY_SUB, it->size, a - b, a, b);
    return k;
}

/*
 * CMPS: SRC1 = seg:rSI minus SRC2 = ES:rDI sets the flags (SDM Vol. 2A "CMPS"); SCAS: rAX
 * minus ES:rDI ("SCAS"). The source is read before the destination, as the faults order.
 */
static void compare_strings(CpuState *cpu, const DecodedInsn *d, bool is_scas)
{
    StringIter it;
    unsigned size = d->op[is_scas ? 0 : 1].size;
    if (!string_begin(cpu, d, size, &it)) {
        return;
    }
    uint64_t ax = gpr_read(cpu, R_AX, size);
    bool is_terminated = false;
    while (it.left && !is_terminated) {
        uint64_t si = gpr_read(cpu, R_SI, it.asize), di = gpr_read(cpu, R_DI, it.asize);
        uint64_t n = it.left;
        uint8_t *src = NULL, *dst = NULL;
        if (!is_scas) {
            src = string_host_span(cpu, &it, d->seg, si, MEM_READ, &n);
        }
        if (is_scas || src) {
            dst = string_host_span(cpu, &it, SEG_ES, di, MEM_READ, &n);
        }
        if (dst) {
            n = compare_run(cpu, d, &it, src, ax, dst, n, &is_terminated);
        } else {
            overrun_286(cpu, &it, SEG_ES, di, is_scas ? 1 : 0, false, true);
            if (!is_scas) {
                overrun_286(cpu, &it, d->seg, si, 1, true, true);
            }
            uint64_t a = is_scas ? ax : mem_read(cpu, d->seg, si, size);
            uint64_t b = mem_read(cpu, SEG_ES, di, size);
            flags_set(cpu, LAZY_SUB, size, a - b, a, b);
            is_terminated = compare_ends_repeat(d, a, b);
            n = 1;
        }
        string_commit(cpu, &it, n, !is_scas, true);
    }
    string_end(cpu, &it, is_terminated);
}

void exec_cmps(CpuState *cpu, const DecodedInsn *d)
{
    compare_strings(cpu, d, false);
}

void exec_scas(CpuState *cpu, const DecodedInsn *d)
{
    compare_strings(cpu, d, true);
}

/*
 * INS and OUTS check the I/O permission before the count, as QEMU does: a repeat with
 * rCX = 0 still faults when the port is denied. Ports are never on the fast path: every
 * element is its own bus access, as devices (IDE data port, ...) count them.
 */
void exec_ins(CpuState *cpu, const DecodedInsn *d)
{
    uint16_t port = (uint16_t)gpr_read(cpu, R_DX, 2);
    unsigned size = d->op[0].size;
    io_check_permission(cpu, port, size);
    StringIter it;
    if (!string_begin(cpu, d, size, &it)) {
        return;
    }
    while (it.left) {
        uint64_t di = gpr_read(cpu, R_DI, it.asize);
        /*
         * The port is read before memory is written (SDM "INS"), and a port read can have
         * side effects (a FIFO pops): probe the destination first, so a fault there leaves
         * the device untouched and the restarted instruction reads the same datum.
         */
        overrun_286(cpu, &it, SEG_ES, di, 2, false, true);
        mem_probe_write(cpu, SEG_ES, di, size);
        uint32_t v = port_read(cpu->ports, port, size);
        mem_write(cpu, SEG_ES, di, size, v);
        string_commit(cpu, &it, 1, false, true);
    }
    string_end(cpu, &it, false);
}

void exec_outs(CpuState *cpu, const DecodedInsn *d)
{
    uint16_t port = (uint16_t)gpr_read(cpu, R_DX, 2);
    unsigned size = d->op[1].size;
    io_check_permission(cpu, port, size);
    StringIter it;
    if (!string_begin(cpu, d, size, &it)) {
        return;
    }
    while (it.left) {
        uint64_t si = gpr_read(cpu, R_SI, it.asize);
        overrun_286(cpu, &it, d->seg, si, 1, true, false);
        uint64_t v = mem_read(cpu, d->seg, si, size);
        port_write(cpu->ports, port, (uint32_t)v, size);
        string_commit(cpu, &it, 1, true, false);
    }
    string_end(cpu, &it, false);
}
