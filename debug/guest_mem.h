/*
 * debug/guest_mem.h: a debugger's view of guest memory (gdb's m/M/X packets, the monitor's x
 * and xp): virtual addresses through the guest's current page tables without side effects
 * (paging_debug_translate: no accessed or dirty flags), physical addresses through the map.
 * Only RAM and ROM are touched: reading a device register could change the device.
 */
#ifndef VIREO_DEBUG_GUEST_MEM_H
#define VIREO_DEBUG_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* False if any byte is unmapped or not memory; a failing write changes nothing. */
bool guest_mem_read_virtual(CpuState *cpu, uint64_t addr, uint8_t *buf, size_t len);
bool guest_mem_write_virtual(CpuState *cpu, uint64_t addr, const uint8_t *buf, size_t len);
bool guest_mem_read_physical(PhysMap *m, uint64_t gpa, uint8_t *buf, size_t len);

#endif
