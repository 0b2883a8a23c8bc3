/*
 * system/machine.h: the PC machine being assembled (DESIGN.md: system/ is the only module that
 * knows every other): RAM below and above the 4 GiB PCI hole, the port space, one CPU, the PC
 * board (system/pc.h), the debug console and test exit devices, and a kernel loaded without
 * firmware: Multiboot, or Linux through its 32-bit boot protocol with ACPI tables vireo
 * builds. The run loop drives the virtual clock (real time, or -icount).
 */
#ifndef VIREO_SYSTEM_MACHINE_H
#define VIREO_SYSTEM_MACHINE_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "debug/gdb_server.h"
#include "debug/gdb_x86.h"
#include "debug/trace.h"
#include "display/sdl.h"
#include "display/surface.h"
#include "hw/char/debugcon.h"
#include "hw/fw/linux_boot.h"
#include "hw/fw/multiboot.h"
#include "hw/misc/debug_exit.h"
#include "system/chardev.h"
#include "system/clock.h"
#include "system/monitor_io.h"
#include "system/options.h"
#include "system/pc.h"
#include "util/error.h"

/* The TSC counts at this rate of virtual time: an invariant TSC (CPUID does not say so; the
 * guest calibrates it against the PIT or the HPET). */
#define MACHINE_TSC_HZ 2000000000ull

/* Start of the PCI hole: RAM beyond it is mapped above 4 GiB (as QEMU's pc machine does). */
#define MACHINE_LOWMEM_LIMIT 0xe0000000ull
/* Direct boot: the ACPI tables go in the BIOS area a firmware would use (RSDP search range). */
#define MACHINE_ACPI_ADDR 0xe0000u
#define MACHINE_ACPI_SIZE 0x10000u

/* Direct boot: where the VGA's BAR 0 goes (as SeaBIOS places it) and the framebuffer mode. */
#define MACHINE_BOOT_LFB 0xfd000000u
#define MACHINE_BOOT_FB_WIDTH 1024
#define MACHINE_BOOT_FB_HEIGHT 768

/* Whether the CPU runs: gdb and -S stop it, gdb steps it. */
typedef enum MachineRunState {
    MACHINE_RUNNING,
    MACHINE_PAUSED,
    MACHINE_STEPPING, /* one instruction, then paused */
} MachineRunState;

/* The firmware without -bios: SeaBIOS as Debian's seabios package installs it, and the VGA
 * BIOS of the same package for the VGA adapter's ROM. */
#define MACHINE_DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define MACHINE_VGA_BIOS "/usr/share/seabios/vgabios-stdvga.bin"

typedef struct Machine {
    const MachineConfig *cfg;
    PhysMap *map;
    MemRegion *ram_low;  /* RAM below the PCI hole (shadow RAM for the PAM segments) */
    PortSpace *ports;
    CpuState cpu;
    VirtualClock clock;
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
    Tracer tracer; /* -d exec, cpu, in_asm */
    DebugconState debugcon;
    DebugconState extra_debugcons[OPTIONS_MAX_DEBUGCONS]; /* -device isa-debugcon */
    FILE *chardev_files[OPTIONS_MAX_CHARDEVS];            /* opened file chardevs, owned */
    FILE *debugcon_file; /* owned when it is a file */
    DebugExitState debug_exit;
    PcBoard board;
    bool is_board_ready;
    DisplaySurface screen;   /* the VGA's picture, rendered for screendump and the window */
    SdlDisplay *sdl;         /* the window, or NULL */
    int64_t next_frame_ns;   /* host time of its next refresh */
    Chardev serial;      /* COM1's host end */
    bool is_serial_open;
    uint8_t *kernel;     /* the -kernel file, kept for reboots */
    size_t kernel_size;
    uint8_t *initrd;     /* the -initrd file */
    size_t initrd_size;
    bool is_cpu_ready;
    BlockImage *drives[OPTIONS_IDE_DRIVES]; /* opened images (or -snapshot overlays), owned */
    MachineRunState run_state;
    bool is_stop_requested;  /* gdb's Ctrl-C: pause after this slice */
    bool is_quit_requested;  /* gdb's kill: vireo exits with status 0 */
    uint64_t step_icount;    /* instruction count when the step began */
    bool is_reset_requested; /* the monitor's system_reset */
    MonitorIo monitor;       /* -monitor */
    bool has_gdb;
    GdbServer gdb;           /* -gdb, -s */
    GdbTarget gdb_target;    /* its operations, with the target description */
    GdbX86 gdb_x86;
} Machine;

/* Builds the machine for cfg; on error, err names the option or file. */
int machine_init(Machine *m, const MachineConfig *cfg, Error *err);
/* Runs the guest until it exits; returns the process exit status. */
int machine_run(Machine *m);
void machine_destroy(Machine *m);

/* Pause the CPU (telling a waiting gdb it stopped), or let it run again. */
void machine_pause(Machine *m);
void machine_resume(Machine *m);

/* The GDB stub's side of the machine (system/machine_gdb.c). */
int machine_gdb_open(Machine *m, Error *err);
/* After cpu_exec: pauses and tells gdb when a step ended, a break/watchpoint or Ctrl-C hit. */
void machine_gdb_check_stop(Machine *m, CpuExit e);
/* The screen's front end (system/machine_display.c): opened by machine_init, refreshed and
 * polled from the run loop, closed by machine_destroy. */
int machine_display_open(Machine *m, Error *err);
void machine_display_tick(Machine *m);
void machine_display_close(Machine *m);

/* vireo ends with `status`: a connected gdb hears that the process exited. */
void machine_gdb_exited(Machine *m, int status);

#endif
