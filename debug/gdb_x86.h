/*
 * debug/gdb_x86.h: the x86 side of the GDB stub: the register files of the target
 * descriptions (GDB manual, appendix G "Target Descriptions", G.5 "Standard Target Features":
 * org.gnu.gdb.i386.core, .sse, .segments) plus vireo's system registers (k_gs_base, CR0, CR2,
 * CR3, CR4, CR8, EFER), guest-virtual memory through the guest's page tables, and breakpoints
 * and watchpoints.
 *
 * Two descriptions, chosen when the stub starts, not by the guest's mode (gdb reads the
 * description once per connection, and a guest moves between real, protected and long mode
 * under it): x86-64 (the default, as qemu-system-x86_64; in 16- and 32-bit code the upper
 * register halves read as they are in the CPU) and i386 (as qemu-system-i386: eax-edi, eip,
 * 32-bit segment bases and control registers, XMM0-7), for debugging 32-bit code with gdb's
 * i386 unwinder.
 *
 * Register writes: general registers, RIP, RFLAGS, FS/GS bases, x87, SSE and CR2 take any
 * value; a segment selector can change only in real or virtual-8086 mode (a protected-mode
 * load needs its descriptor checks); CR0, CR3, CR4, CR8 and EFER, whose changes switch modes,
 * accept only their current value, so gdb's whole-file write ('G') still works.
 */
#ifndef VIREO_DEBUG_GDB_X86_H
#define VIREO_DEBUG_GDB_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

#define GDB_X86_XML_MAX 8192

typedef enum GdbX86Arch {
    GDB_X86_64,
    GDB_X86_I386,
} GdbX86Arch;

typedef struct GdbX86 {
    CpuState *cpu;
    GdbX86Arch arch;
    /* gdb's breakpoints (Z0/Z1) by type: the CPU keeps one entry per address. */
    struct {
        uint64_t addr;
        uint8_t type;
    } points[CPU_BREAKPOINTS_MAX];
    unsigned npoints;
    char xml[GDB_X86_XML_MAX]; /* the target description */
} GdbX86;

void gdb_x86_init(GdbX86 *g, CpuState *cpu, GdbX86Arch arch);

/* GdbTarget operations (debug/gdb_stub.h) on g->cpu. */
size_t gdb_x86_read_registers(GdbX86 *g, uint8_t *buf, size_t size);
bool gdb_x86_write_registers(GdbX86 *g, const uint8_t *buf, size_t len);
bool gdb_x86_read_register(GdbX86 *g, unsigned n, uint8_t *buf, size_t *len);
bool gdb_x86_write_register(GdbX86 *g, unsigned n, const uint8_t *buf, size_t len);
bool gdb_x86_read_memory(GdbX86 *g, uint64_t addr, uint8_t *buf, size_t len);
bool gdb_x86_write_memory(GdbX86 *g, uint64_t addr, const uint8_t *buf, size_t len);
int gdb_x86_insert_point(GdbX86 *g, unsigned type, uint64_t addr, uint64_t len);
int gdb_x86_remove_point(GdbX86 *g, unsigned type, uint64_t addr, uint64_t len);
/* Removes every breakpoint and watchpoint (gdb detached or went away). */
void gdb_x86_remove_all(GdbX86 *g);

/*
 * After cpu_exec returned CPU_EXIT_DEBUG: the stop's point type for gdb_stub_stopped
 * (GDB_POINT_*) and, for a watchpoint, the address.
 */
int gdb_x86_stop_reason(const GdbX86 *g, uint64_t *addr);

#endif
