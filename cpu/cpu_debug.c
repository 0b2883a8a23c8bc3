/*
 * cpu/cpu_debug.c: a debugger's breakpoints and watchpoint hits (cpu.h "CpuDebug"). The
 * debugger's breakpoints are not the guest's DR0-DR7 (SDM Vol. 3A §18.2): the guest cannot see
 * or disturb them, and they never change guest memory.
 */
#include "cpu/cpu.h"

#include "cpu/exec.h"
#include "softmmu/tlb.h"

/* The TLB's watchpoint report: the first hit of an instruction stops the CPU after it. */
static void watch_hit(void *opaque, const TlbWatch *w, uint64_t addr, MemAccess acc)
{
    CpuState *cpu = opaque;
    (void)acc;
    if (cpu->debug.event == CPU_DEBUG_NONE) {
        cpu->debug.event = CPU_DEBUG_WATCHPOINT;
        cpu->debug.watch_addr = addr;
        cpu->debug.watch_kinds = w->kinds;
        cpu->exit_block = true;    /* end the block after this instruction */
        cpu->exit_request = true;  /* and cpu_exec, with CPU_EXIT_DEBUG */
    }
}

void cpu_debug_init(CpuState *cpu)
{
    cpu->tlb->watch_hit = watch_hit;
    cpu->tlb->watch_opaque = cpu;
}

bool cpu_debug_stops_at(CpuState *cpu, uint64_t lin)
{
    CpuDebug *d = &cpu->debug;
    bool is_skipped = d->has_resume_skip && d->resume_lin == lin;
    d->has_resume_skip = false;
    for (unsigned i = 0; i < d->nbreakpoints && !is_skipped; i++) {
        if (d->breakpoints[i] == lin) {
            d->event = CPU_DEBUG_BREAKPOINT;
            return true;
        }
    }
    return false;
}

bool cpu_debug_has_breakpoint_in(const CpuState *cpu, uint64_t lin, uint64_t len)
{
    const CpuDebug *d = &cpu->debug;
    for (unsigned i = 0; i < d->nbreakpoints; i++) {
        if (d->breakpoints[i] - lin < len) {
            return true;
        }
    }
    return false;
}

uint64_t cpu_linear_pc(const CpuState *cpu)
{
    if (cpu->code64) {
        return cpu->rip;
    }
    return (cpu->seg[SEG_CS].base + cpu->rip) & 0xffffffffull;
}

bool cpu_breakpoint_insert(CpuState *cpu, uint64_t lin)
{
    CpuDebug *d = &cpu->debug;
    for (unsigned i = 0; i < d->nbreakpoints; i++) {
        if (d->breakpoints[i] == lin) {
            return true;
        }
    }
    if (d->nbreakpoints == CPU_BREAKPOINTS_MAX) {
        return false;
    }
    d->breakpoints[d->nbreakpoints++] = lin;
    return true;
}

bool cpu_breakpoint_remove(CpuState *cpu, uint64_t lin)
{
    CpuDebug *d = &cpu->debug;
    for (unsigned i = 0; i < d->nbreakpoints; i++) {
        if (d->breakpoints[i] == lin) {
            d->breakpoints[i] = d->breakpoints[--d->nbreakpoints];
            return true;
        }
    }
    return false;
}

void cpu_debug_resume(CpuState *cpu, bool is_step)
{
    CpuDebug *d = &cpu->debug;
    d->event = CPU_DEBUG_NONE;
    d->is_irq_masked = is_step;
    d->has_resume_skip = true;
    d->resume_lin = cpu_linear_pc(cpu);
}
