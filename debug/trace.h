/*
 * debug/trace.h: the execution trace of the -d items exec (CS:RIP of each block as it runs),
 * cpu (the registers before each block) and in_asm (each block's guest code when the decoder
 * first reads it, disassembled with Capstone), written to the log (-D FILE or stderr), in the
 * spirit of QEMU's items of the same names.
 */
#ifndef VIREO_DEBUG_TRACE_H
#define VIREO_DEBUG_TRACE_H

#include <capstone.h>
#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"

typedef struct Tracer {
    csh cs[3];        /* Capstone handles for 16-, 32- and 64-bit code */
    bool has_cs[3];
    bool is_attached;
} Tracer;

/*
 * Installs the trace hooks on cpu when any of the three items is enabled in the log mask
 * (nothing otherwise: the CPU loop then pays nothing). Returns 0, or -1 if Capstone cannot be
 * opened (in_asm only).
 */
int trace_attach(Tracer *t, CpuState *cpu);
void trace_detach(Tracer *t, CpuState *cpu);
/* After the log mask changed (the monitor's "log"): hooks on or off to match it. */
int trace_update(Tracer *t, CpuState *cpu);
/*
 * Disassembles up to max_insns (0: all) instructions of code at guest address addr, one line
 * each ("  ADDRESS: mnemonic operands"); returns the bytes they cover, or -1 if Capstone
 * cannot be opened. The monitor's x/i uses it too.
 */
int trace_disassemble(Tracer *t, DecodeMode mode, const uint8_t *code, size_t len,
                      uint64_t addr, unsigned max_insns,
                      void (*emit)(void *opaque, const char *line), void *opaque);
/* The registers as the cpu item prints them, one line at a time (the monitor reuses them). */
void trace_format_registers(const CpuState *cpu, void (*emit)(void *opaque, const char *line),
                            void *opaque);

#endif
