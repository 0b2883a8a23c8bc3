/*
 * cpu/excp.h: exception and interrupt delivery (private to cpu/). SDM Vol. 3A chapter 6
 * "Interrupt and Exception Handling"; real-address mode §20.1.4.
 */
#ifndef VIREO_CPU_EXCP_H
#define VIREO_CPU_EXCP_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* What kind of event is delivered: it decides the pushed return address and the checks. */
typedef enum IntKind {
    INT_KIND_FAULT,     /* exception; return address = the faulting instruction */
    INT_KIND_TRAP,      /* exception after the instruction (#DB trap, INTO's #OF, INT3's #BP) */
    INT_KIND_SOFTWARE,  /* INT n: DPL check against CPL, v86 IOPL/VME rules */
    INT_KIND_EXTERNAL,  /* INTR or NMI: return address = the next instruction to run */
    INT_KIND_ICEBP,     /* INT1 (F1): a trap that skips the DPL check */
} IntKind;

/* True for the vectors that push an error code (SDM Vol. 3A table 6-1). */
bool excp_has_error_code(unsigned vector);

/*
 * Not a vector: raised by a waiting x87 instruction that found an unmasked exception pending
 * with CR0.NE = 0 and IGNNE# inactive. It asserts FERR# and stops before executing, halted
 * with RIP on itself until an interrupt arrives (the PC routes FERR# to IRQ 13).
 */
#define EXC_WAIT_FERR 0x100

/*
 * Delivers `vector` in the current mode: pushes the frame and loads CS:RIP (and, in protected
 * and long mode, the stack, flags and privilege) through the IVT or IDT. `return_rip` is the
 * address the frame records. May raise a new exception (through cpu_raise) before changing
 * anything.
 */
void excp_deliver(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                  uint32_t error_code, uint64_t return_rip);

/* Protected and long mode delivery (cpu/excp_protected.c). */
void excp_deliver_protected(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                            uint32_t error_code, uint64_t return_rip);

/*
 * The exec loop's handler for a raised exception: applies the double-fault rules of SDM Vol. 3A
 * table 6-5 against the event being delivered, then delivers. A fault while delivering #DF
 * sets cpu->shutdown.
 */
void excp_handle_raised(CpuState *cpu);

/*
 * Takes a pending INIT, SIPI, NMI or maskable interrupt if the CPU can accept it now (SDM Vol.
 * 3A §6.8 enabling and disabling, §6.7.1 NMI blocking, §8.4 INIT/SIPI). Returns true when the
 * CPU's state changed (an event was delivered or consumed).
 */
bool excp_take_interrupt(CpuState *cpu);

#endif
