/*
 * system/monitor.h: the human monitor's commands, with QEMU's names and output shapes (QEMU
 * System Emulation "QEMU Monitor"): help, info status, info registers, log ITEMS|none, quit.
 * Reached through gdb's "monitor CMD" (qRcmd); a -monitor terminal or socket uses the same
 * entry point.
 */
#ifndef VIREO_SYSTEM_MONITOR_H
#define VIREO_SYSTEM_MONITOR_H

#include "system/machine.h"

/* Where a command's output goes: called with one line (no newline) at a time. */
typedef void (*MonitorEmit)(void *opaque, const char *line);

/* Runs one command line; an unknown command or bad argument prints one line saying so. */
void monitor_execute(Machine *m, const char *line, MonitorEmit emit, void *opaque);

#endif
