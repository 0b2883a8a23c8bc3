/*
 * cpu/cpu_exec.c: the CPU loop (DESIGN.md "Execution"): take a pending exception, find the
 * block at CS:RIP, run its pre-decoded instructions. Exceptions unwind here through
 * cpu->exception_jmp (cpu_raise) with the faulting instruction's state intact.
 *
 * The STI / MOV SS interrupt shadow (SDM Vol. 3A §6.8.3) lasts one instruction: while it is
 * set the loop runs single instructions, so the shadow ends exactly after the next one.
 */
#include "cpu/block.h"
#include "cpu/excp.h"

/*
 * Runs a block (or the one uncached instruction) until its end, the budget, or an instruction
 * that asks to leave (exit_block: HLT, self-modifying code, mode changes).
 */
static void run_block(CpuState *cpu, BlockInsn *insns, unsigned n, uint64_t end_icount)
{
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

static CpuExit run(CpuState *cpu, uint64_t end_icount)
{
    while (cpu->icount < end_icount) {
        if (cpu->exit_request) {
            cpu->exit_request = false;
            return CPU_EXIT_REQUEST;
        }
        if (cpu->shutdown) {
            return CPU_EXIT_SHUTDOWN;
        }
        if (cpu->halted) {
            return CPU_EXIT_HALT;
        }
        if (cpu->exit_block) {
            cpu->exit_block = false;
            block_cache_collect(cpu->blocks);
        }
        if (cpu->inhibit_irq) {
            BlockInsn one;
            block_build_single(cpu, &one);
            cpu->inhibit_irq = false;
            run_block(cpu, &one, 1, end_icount);
            continue;
        }
        Block *b = block_find(cpu->blocks, cpu);
        if (b) {
            /* Follow remembered successors while nothing asks the loop to look around. */
            for (;;) {
                run_block(cpu, b->insns, b->ninsns, end_icount);
                if (cpu->exit_block || cpu->exit_request || cpu->icount >= end_icount) {
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
