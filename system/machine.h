/*
 * system/machine.h: the PC machine being assembled (DESIGN.md: system/ is the only module that
 * knows every other). So far: RAM below and above the 4 GiB PCI hole, the port space, one CPU,
 * the debug console and test exit devices, and a Multiboot kernel loaded without firmware. The
 * interrupt controllers, timers, serial port and Linux boot arrive with the platform work.
 */
#ifndef VIREO_SYSTEM_MACHINE_H
#define VIREO_SYSTEM_MACHINE_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "hw/char/debugcon.h"
#include "hw/fw/multiboot.h"
#include "hw/misc/debug_exit.h"
#include "system/options.h"
#include "util/error.h"

/* Start of the PCI hole: RAM beyond it is mapped above 4 GiB (as QEMU's pc machine does). */
#define MACHINE_LOWMEM_LIMIT 0xe0000000ull

typedef struct Machine {
    const MachineConfig *cfg;
    PhysMap *map;
    PortSpace *ports;
    CpuState cpu;
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
    DebugconState debugcon;
    FILE *debugcon_file; /* owned when it is a file */
    DebugExitState debug_exit;
    uint8_t *kernel;     /* the -kernel file, kept for reboots */
    size_t kernel_size;
    bool is_cpu_ready;
} Machine;

/* Builds the machine for cfg; on error, err names the option or file. */
int machine_init(Machine *m, const MachineConfig *cfg, Error *err);
/* Runs the guest until it exits; returns the process exit status. */
int machine_run(Machine *m);
void machine_destroy(Machine *m);

#endif
