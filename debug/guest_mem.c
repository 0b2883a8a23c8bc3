/* debug/guest_mem.c: debugger reads and writes of guest memory (guest_mem.h). */
#include "debug/guest_mem.h"

#include "softmmu/memory.h"
#include "softmmu/paging.h"

static bool is_memory(PhysMap *m, uint64_t gpa)
{
    PhysPage pg = phys_map_page(m, gpa & PHYS_PAGE_MASK);
    return pg.kind == PHYS_PAGE_RAM || pg.kind == PHYS_PAGE_ROM;
}

/* Translates [addr, addr + len) page by page and moves each piece (unless only probing). */
static bool access_virtual(CpuState *cpu, uint64_t addr, uint8_t *buf, size_t len,
                           bool is_write, bool is_probe)
{
    uint64_t mask = cpu->long_mode ? ~0ull : 0xffffffffull;
    while (len) {
        uint64_t lin = addr & mask;
        size_t n = PHYS_PAGE_SIZE - (lin & (PHYS_PAGE_SIZE - 1));
        n = n < len ? n : len;
        uint64_t gpa;
        if (!paging_debug_translate(cpu->map, &cpu->paging, cpu->maxphyaddr, lin, &gpa) ||
            !is_memory(cpu->map, gpa)) {
            return false;
        }
        if (!is_probe && is_write) {
            phys_write(cpu->map, gpa, buf, n);
        } else if (!is_probe) {
            phys_read(cpu->map, gpa, buf, n);
        }
        addr += n;
        buf += n;
        len -= n;
    }
    return true;
}

bool guest_mem_read_virtual(CpuState *cpu, uint64_t addr, uint8_t *buf, size_t len)
{
    return access_virtual(cpu, addr, buf, len, false, false);
}

bool guest_mem_write_virtual(CpuState *cpu, uint64_t addr, const uint8_t *buf, size_t len)
{
    uint8_t *data = (uint8_t *)buf; /* written from, never to */
    return access_virtual(cpu, addr, data, len, false, true) &&
           access_virtual(cpu, addr, data, len, true, false);
}

bool guest_mem_read_physical(PhysMap *m, uint64_t gpa, uint8_t *buf, size_t len)
{
    while (len) {
        size_t n = PHYS_PAGE_SIZE - (gpa & (PHYS_PAGE_SIZE - 1));
        n = n < len ? n : len;
        if (!is_memory(m, gpa)) {
            return false;
        }
        phys_read(m, gpa, buf, n);
        gpa += n;
        buf += n;
        len -= n;
    }
    return true;
}
