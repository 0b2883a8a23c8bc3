/*
 * cpu/cpu_exec.c: the CPU loop (DESIGN.md "Execution"): take a pending exception, find the
 * block at CS:RIP, run its pre-decoded instructions. Exceptions unwind here through
 * cpu->exception_jmp (cpu_raise) with the faulting instruction's state intact.
 *
 * The STI / MOV SS interrupt shadow (SDM Vol. 3A §6.8.3) lasts one instruction: while it is
 * set the loop runs single instructions, so the shadow ends exactly after the next one.
 *
 * Single-stepping (SDM Vol. 3A §18.3.1.4): an instruction that starts with EFLAGS.TF set runs
 * on its own and, once it completes, a #DB trap with DR6.BS follows before the next one. Only
 * POPF, IRET, SYSRET, task switches and RSM set TF, and they all end a block, so checking TF
 * between blocks is enough.
 */
#include "cpu/block.h"
#include "cpu/excp.h"

/*
 * Runs a block (or the one uncached instruction) until its end, the budget, or an instruction
 * that asks to leave (exit_block: HLT, self-modifying code, mode changes).
 */
static void run_block(CpuState *cpu, BlockInsn *insns, unsigned n, uint64_t end_icount)
{
    if (__builtin_expect(cpu->trace != NULL, 0)) {
        cpu->trace->block_start(cpu->trace_opaque, cpu);
    }
    uint64_t left = end_icount - cpu->icount;
    if (n > left) {
        n = (unsigned)left;
    }
    for (unsigned i = 0; i < n; i++) {
        BlockInsn *bi = &insns[i];
        cpu->next_rip = cpu->rip + bi->d.len;
        bi->exec(cpu, &bi->d);
        cpu->rip = cpu->next_rip;
        cpu->icount++;
        if (__builtin_expect(cpu->exit_block, 0)) {
            break;
        }
    }
}

/*
 * One instruction on its own: under the interrupt shadow, or with TF or RF set when it starts.
 * RF (set in fault frames so IRET can resume past an instruction breakpoint) is cleared when
 * an instruction completes, except by an IRET, which loads it. The single-step trap does not
 * follow an instruction that delivered a software interrupt (delivery cleared TF: §18.3.1.4),
 * and waits one instruction after MOV SS / POP SS, whose shadow blocks debug traps too
 * (§6.8.3); it is delivered after the following instruction instead.
 */
static void run_one(CpuState *cpu, uint64_t end_icount)
{
    uint64_t flags = cpu->rflags;
    BlockInsn one;
    block_build_single(cpu, &one);
    cpu->inhibit_irq = false;
    run_block(cpu, &one, 1, end_icount);
    unsigned mn = one.d.mnemonic;
    if (mn != MN_IRET) {
        cpu->rflags &= ~(uint64_t)FLAG_RF;
    }
    if (!(flags & FLAG_TF)) {
        return;
    }
    bool is_soft_int = mn == MN_INT || mn == MN_INT3 || mn == MN_INTO || mn == MN_INT1;
    if ((is_soft_int && !(cpu->rflags & FLAG_TF)) || (cpu->inhibit_irq && mn != MN_STI)) {
        return;
    }
    cpu->dr[6] |= DR6_BS;
    cpu_raise(cpu, EXC_DB, 0);
}

/*
 * With debugger breakpoints set: stops before an instruction at one (true), else runs the next
 * step: one instruction under the interrupt shadow or TF/RF, a block with no breakpoint past
 * its start, or one instruction of a block that holds one further in.
 */
static bool run_with_breakpoints(CpuState *cpu, uint64_t end_icount)
{
    uint64_t lin = cpu_linear_pc(cpu);
    if (cpu_debug_stops_at(cpu, lin)) {
        return true;
    }
    if (cpu->inhibit_irq || (cpu->rflags & (FLAG_TF | FLAG_RF))) {
        run_one(cpu, end_icount);
        return false;
    }
    Block *b = block_find(cpu->blocks, cpu);
    if (b && !cpu_debug_has_breakpoint_in(cpu, lin + 1, b->bytes - 1)) {
        run_block(cpu, b->insns, b->ninsns, end_icount);
        return false;
    }
    BlockInsn one;
    block_build_single(cpu, &one);
    run_block(cpu, &one, 1, end_icount);
    return false;
}

static CpuExit run(CpuState *cpu, uint64_t end_icount)
{
    while (cpu->icount < end_icount) {
        if (cpu->exit_request) {
            /* A watchpoint hit asks for the exit too (cpu/cpu_debug.c). */
            cpu->exit_request = false;
            return cpu->debug.event != CPU_DEBUG_NONE ? CPU_EXIT_DEBUG : CPU_EXIT_REQUEST;
        }
        if (cpu->shutdown) {
            return CPU_EXIT_SHUTDOWN;
        }
        if (cpu->interrupt_request && !cpu->debug.is_irq_masked && excp_take_interrupt(cpu)) {
            continue;
        }
        if (cpu->halted) {
            return CPU_EXIT_HALT;
        }
        if (cpu->exit_block) {
            cpu->exit_block = false;
            block_cache_collect(cpu->blocks);
        }
        if (__builtin_expect(cpu->debug.nbreakpoints != 0, 0)) {
            if (run_with_breakpoints(cpu, end_icount)) {
                return CPU_EXIT_DEBUG;
            }
            continue;
        }
        if (cpu->inhibit_irq || (cpu->rflags & (FLAG_TF | FLAG_RF))) {
            run_one(cpu, end_icount);
            continue;
        }
        Block *b = block_find(cpu->blocks, cpu);
        if (b) {
            /* Follow remembered successors while nothing asks the loop to look around. */
            for (;;) {
                run_block(cpu, b->insns, b->ninsns, end_icount);
                if (cpu->exit_block || cpu->exit_request || cpu->interrupt_request ||
                    cpu->icount >= end_icount || (cpu->rflags & (FLAG_TF | FLAG_RF))) {
                    break;
                }
                b = block_next(cpu->blocks, cpu, b);
                if (!b) {
                    break;
                }
            }
        } else {
            BlockInsn one;
            block_build_single(cpu, &one);
            run_block(cpu, &one, 1, end_icount);
        }
    }
    return CPU_EXIT_BUDGET;
}

CpuExit cpu_exec(CpuState *cpu, uint64_t max_insns)
{
    uint64_t end_icount = cpu->icount + max_insns;
    for (;;) {
        if (setjmp(cpu->exception_jmp) == 0) {
            return run(cpu, end_icount);
        }
        /* An instruction (or a delivery) raised an exception: nothing of it was committed. */
        cpu->inhibit_irq = false;
        excp_handle_raised(cpu);
        if (cpu->shutdown) {
            return CPU_EXIT_SHUTDOWN;
        }
        if (cpu->exception_stop) {
            cpu->exception_stop = false;
            return CPU_EXIT_EXCEPTION;
        }
    }
}
