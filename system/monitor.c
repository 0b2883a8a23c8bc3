/*
 * system/monitor.c: the monitor's command table (monitor.h). Commands run between instruction
 * slices (the CPU is stopped while one runs), so they read and change machine state directly.
 *
 * x and xp follow QEMU's "x/FMT ADDR": FMT is [count][format][unit], format x (hex), d, u, o,
 * c (characters) or i (instructions, disassembled by Capstone in the CPU's current mode), unit
 * b, h, w or g (1, 2, 4, 8 bytes; default w, count 1). ADDR is a number (0x for hex) or a
 * register ($rip, $pc, $rsp, $rax...) with an optional +/- offset. x reads virtual memory
 * through the current page tables, xp physical memory; unmapped addresses and devices are
 * refused. info tlb lists every page mapping; info mem merges neighbours with the same rights.
 */
#include "system/monitor.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/block.h"
#include "debug/guest_mem.h"
#include "debug/page_dump.h"
#include "display/png.h"
#include "util/endian.h"
#include "util/log.h"

/* Most units one x or xp shows (QEMU has no limit; a bound keeps a typo from flooding). */
#define MONITOR_X_MAX_COUNT 4096

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct MonitorCommand {
    const char *name;
    const char *args;
    void (*run)(Machine *m, const char *arg, MonitorEmit emit, void *opaque);
    const char *help;
} MonitorCommand;

static void cmd_help(Machine *m, const char *arg, MonitorEmit emit, void *opaque);

static void info_status(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    emit(opaque, m->run_state == MACHINE_PAUSED ? "VM status: paused" : "VM status: running");
}

static void info_registers(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    trace_format_registers(&m->cpu, emit, opaque);
}

static void emitf(MonitorEmit emit, void *opaque, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emitf(MonitorEmit emit, void *opaque, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    emit(opaque, line);
}

typedef struct PageLister {
    MonitorEmit emit;
    void *opaque;
    bool is_merging; /* info mem: one line per run of equal rights */
    bool has_run;
    uint64_t run_start, run_end;
    char run_rights[5];
} PageLister;

static void rights_of(const PageMapping *pm, char out[5])
{
    out[0] = pm->is_user ? 'u' : '-';
    out[1] = 'r';
    out[2] = pm->is_writable ? 'w' : '-';
    out[3] = pm->is_nx ? '-' : 'x';
    out[4] = '\0';
}

static void flush_run(PageLister *l)
{
    if (l->has_run) {
        emitf(l->emit, l->opaque, "%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %s",
              l->run_start, l->run_end, l->run_end - l->run_start, l->run_rights);
        l->has_run = false;
    }
}

static void list_page(void *opaque, const PageMapping *pm)
{
    PageLister *l = opaque;
    char rights[5];
    rights_of(pm, rights);
    if (!l->is_merging) {
        static const char *const sizes[] = { "4K", "2M", "4M", "1G" };
        unsigned si = pm->size == 1ull << 12 ? 0 : pm->size == 1ull << 21 ? 1
                    : pm->size == 1ull << 22 ? 2 : 3;
        emitf(l->emit, l->opaque, "%016" PRIx64 ": %016" PRIx64 " %s %s %c%c%c%c%c", pm->va,
              pm->pa, sizes[si], rights, (pm->leaf & PTE_G) ? 'G' : '-',
              (pm->leaf & PTE_D) ? 'D' : '-', (pm->leaf & PTE_A) ? 'A' : '-',
              (pm->leaf & PTE_PCD) ? 'C' : '-', (pm->leaf & PTE_PWT) ? 'T' : '-');
        return;
    }
    if (l->has_run && l->run_end == pm->va && strcmp(l->run_rights, rights) == 0) {
        l->run_end = pm->va + pm->size;
        return;
    }
    flush_run(l);
    l->has_run = true;
    l->run_start = pm->va;
    l->run_end = pm->va + pm->size;
    memcpy(l->run_rights, rights, sizeof(rights));
}

static void list_pages(Machine *m, bool is_merging, MonitorEmit emit, void *opaque)
{
    PageLister l = { .emit = emit, .opaque = opaque, .is_merging = is_merging };
    CpuState *cpu = &m->cpu;
    PageDumpResult r = page_dump_walk(cpu->map, &cpu->paging, cpu->maxphyaddr, list_page, &l);
    flush_run(&l);
    if (r == PAGE_DUMP_NO_PAGING) {
        emit(opaque, "paging is off (CR0.PG = 0): linear addresses are physical");
    } else if (r == PAGE_DUMP_TRUNCATED) {
        emitf(emit, opaque, "... stopped after %u page tables", PAGE_DUMP_MAX_TABLES);
    }
}

static void info_tlb(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    list_pages(m, false, emit, opaque);
}

static void info_mem(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    list_pages(m, true, emit, opaque);
}

static const MonitorCommand info_commands[] = {
    { "status", "", info_status, "whether the CPU runs" },
    { "registers", "", info_registers, "the CPU's registers" },
    { "tlb", "", info_tlb, "every mapping of the guest's page tables" },
    { "mem", "", info_mem, "the mapped ranges and their rights" },
};

/* Finds the command named by the first word of *line and moves *line past it. */
static const MonitorCommand *lookup(const MonitorCommand *table, size_t n, const char **line)
{
    const char *p = *line + strspn(*line, " \t");
    size_t len = strcspn(p, " \t");
    for (size_t i = 0; i < n; i++) {
        if (strlen(table[i].name) == len && strncmp(table[i].name, p, len) == 0) {
            p += len;
            *line = p + strspn(p, " \t");
            return &table[i];
        }
    }
    return NULL;
}

static void cmd_info(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    const MonitorCommand *c = lookup(info_commands, COUNT(info_commands), &arg);
    if (!c) {
        for (size_t i = 0; i < COUNT(info_commands); i++) {
            char line[128];
            snprintf(line, sizeof(line), "info %-10s -- %s", info_commands[i].name,
                     info_commands[i].help);
            emit(opaque, line);
        }
        return;
    }
    c->run(m, arg, emit, opaque);
}

/* log ITEM[,ITEM...] | none: replaces the -d mask, and the execution trace follows it. */
static void cmd_log(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    uint32_t mask = 0;
    char bad[64];
    char line[128];
    if (strcmp(arg, "none") != 0 && (!*arg || log_parse_mask(arg, &mask, bad, sizeof(bad)) < 0)) {
        snprintf(line, sizeof(line), "log: unknown item '%s' (-d help lists them)",
                 *arg ? bad : "");
        emit(opaque, line);
        return;
    }
    log_set_mask(mask);
    if (trace_update(&m->tracer, &m->cpu) < 0) {
        emit(opaque, "log: in_asm: cannot open the Capstone disassembler");
    }
}

static const struct {
    const char *name;
    unsigned reg;
} register_names[] = {
    { "rax", R_AX }, { "rcx", R_CX }, { "rdx", R_DX }, { "rbx", R_BX }, { "rsp", R_SP },
    { "rbp", R_BP }, { "rsi", R_SI }, { "rdi", R_DI }, { "eax", R_AX }, { "ecx", R_CX },
    { "edx", R_DX }, { "ebx", R_BX }, { "esp", R_SP }, { "ebp", R_BP }, { "esi", R_SI },
    { "edi", R_DI }, { "r8", 8 }, { "r9", 9 }, { "r10", 10 }, { "r11", 11 }, { "r12", 12 },
    { "r13", 13 }, { "r14", 14 }, { "r15", 15 },
};

/* ADDR: a number or $register, then an optional +N or -N. */
static bool parse_address(const CpuState *cpu, const char *text, uint64_t *out)
{
    const char *p = text;
    uint64_t base;
    char *end;
    if (*p == '$') {
        size_t len = strcspn(++p, "+- \t");
        if ((len == 2 && strncmp(p, "pc", 2) == 0) || (len == 3 && strncmp(p, "rip", 3) == 0) ||
            (len == 3 && strncmp(p, "eip", 3) == 0)) {
            base = cpu_linear_pc(cpu);
        } else {
            size_t i = 0;
            while (i < COUNT(register_names) && (strlen(register_names[i].name) != len ||
                                                 strncmp(register_names[i].name, p, len) != 0)) {
                i++;
            }
            if (i == COUNT(register_names)) {
                return false;
            }
            base = cpu->regs[register_names[i].reg];
        }
        p += len;
    } else {
        base = strtoull(p, &end, 0);
        if (end == p) {
            return false;
        }
        p = end;
    }
    p += strspn(p, " \t");
    if (*p == '+' || *p == '-') {
        char sign = *p++;
        uint64_t off = strtoull(p, &end, 0);
        if (end == p) {
            return false;
        }
        base = sign == '+' ? base + off : base - off;
        p = end;
    }
    *out = base;
    return *(p + strspn(p, " \t")) == '\0';
}

typedef struct MemoryFormat {
    unsigned count;
    char format; /* x d u o c i */
    unsigned unit;
} MemoryFormat;

/* "/[count][format][unit]" (any order after the count, as QEMU accepts). */
static bool parse_format(const char **arg, MemoryFormat *f)
{
    *f = (MemoryFormat){ 1, 'x', 4 };
    const char *p = *arg;
    if (*p != '/') {
        return true;
    }
    p++;
    if (*p >= '0' && *p <= '9') {
        char *end;
        unsigned long n = strtoul(p, &end, 10);
        if (n == 0 || n > MONITOR_X_MAX_COUNT) {
            return false;
        }
        f->count = (unsigned)n;
        p = end;
    }
    for (; *p && *p != ' ' && *p != '\t'; p++) {
        if (strchr("xduoci", *p)) {
            f->format = *p;
        } else if (strchr("bhwg", *p)) {
            f->unit = *p == 'b' ? 1 : *p == 'h' ? 2 : *p == 'w' ? 4 : 8;
        } else {
            return false;
        }
    }
    if (f->format == 'c') {
        f->unit = 1;
    }
    *arg = p + strspn(p, " \t");
    return true;
}

static void format_value(char *out, size_t size, const MemoryFormat *f, uint64_t v)
{
    unsigned bits = f->unit * 8;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    v &= mask;
    switch (f->format) {
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
        snprintf(out, size, "%" PRId64, sv);
        break;
    }
    case 'u':
        snprintf(out, size, "%" PRIu64, v);
        break;
    case 'o':
        snprintf(out, size, "%#" PRIo64, v);
        break;
    case 'c':
        snprintf(out, size, v >= 0x20 && v < 0x7f ? "'%c'" : "'\\x%02x'", (unsigned)v);
        break;
    default:
        snprintf(out, size, "0x%0*" PRIx64, (int)(f->unit * 2), v);
        break;
    }
}

static bool read_memory(Machine *m, bool is_physical, uint64_t addr, uint8_t *buf, size_t len)
{
    return is_physical ? guest_mem_read_physical(m->cpu.map, addr, buf, len)
                       : guest_mem_read_virtual(&m->cpu, addr, buf, len);
}

/* x (virtual) and xp (physical). */
static void examine(Machine *m, const char *arg, bool is_physical, MonitorEmit emit,
                    void *opaque)
{
    MemoryFormat f;
    uint64_t addr;
    if (!parse_format(&arg, &f) || !parse_address(&m->cpu, arg, &addr)) {
        emitf(emit, opaque, "%s: usage: %s /[count][xduoci][bhwg] ADDRESS (count up to %u)",
              is_physical ? "xp" : "x", is_physical ? "xp" : "x", MONITOR_X_MAX_COUNT);
        return;
    }
    size_t len = f.format == 'i' ? (size_t)f.count * 15 : (size_t)f.count * f.unit;
    uint8_t *buf = calloc(1, len);
    if (!buf) {
        emit(opaque, "out of memory");
        return;
    }
    size_t have = len;
    bool ok = read_memory(m, is_physical, addr, buf, have);
    /* x/i reads a window of 15 bytes per instruction: shorten it to what is mapped. */
    while (!ok && f.format == 'i' && have > 16) {
        have -= 16;
        ok = read_memory(m, is_physical, addr, buf, have);
    }
    if (!ok) {
        emitf(emit, opaque, "cannot access %s memory at %#" PRIx64,
              is_physical ? "physical" : "virtual", addr);
    } else if (f.format == 'i') {
        if (trace_disassemble(&m->tracer, cpu_decode_mode(&m->cpu), buf, have, addr, f.count,
                              emit, opaque) < 0) {
            emit(opaque, "x/i: cannot open the Capstone disassembler");
        }
    } else {
        unsigned per_line = f.format == 'c' ? 16 : 16 / f.unit;
        for (unsigned i = 0; i < f.count; i += per_line) {
            char line[512];
            int pos = snprintf(line, sizeof(line), "%016" PRIx64 ":", addr + (uint64_t)i * f.unit);
            for (unsigned j = i; j < f.count && j < i + per_line; j++) {
                uint8_t le[8] = { 0 };
                memcpy(le, buf + (size_t)j * f.unit, f.unit);
                char v[32];
                format_value(v, sizeof(v), &f, ld_le64(le));
                pos += snprintf(line + pos, sizeof(line) - (size_t)pos, " %s", v);
            }
            emit(opaque, line);
        }
    }
    free(buf);
}

static void cmd_x(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    examine(m, arg, false, emit, opaque);
}

static void cmd_xp(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    examine(m, arg, true, emit, opaque);
}

static void cmd_stop(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    (void)emit;
    (void)opaque;
    machine_pause(m);
}

static void cmd_cont(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    (void)emit;
    (void)opaque;
    machine_resume(m);
}

static void cmd_system_reset(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    (void)emit;
    (void)opaque;
    m->is_reset_requested = true;
}

/* screendump FILE [-f png]: the screen as a PNG file (QEMU's -f selects the format; PNG is
 * the one vireo writes). */
static void cmd_screendump(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    char words[3][1024] = { "", "", "" };
    int n = sscanf(arg, "%1023s %1023s %1023s", words[0], words[1], words[2]);
    const char *path = NULL, *format = "png";
    for (int i = 0; i < n; i++) {
        if (strcmp(words[i], "-f") == 0 && i + 1 < n) {
            format = words[++i];
        } else if (!path) {
            path = words[i];
        }
    }
    if (!path) {
        emit(opaque, "screendump: give a file name");
        return;
    }
    if (strcmp(format, "png") != 0) {
        emit(opaque, "screendump: only the png format is supported");
        return;
    }
    vga_render(&m->board.vga, &m->screen);
    Error err = { 0 };
    if (png_write_surface(&m->screen, path, &err) < 0) {
        char line[1200];
        snprintf(line, sizeof(line), "screendump: %s", err.msg);
        emit(opaque, line);
    }
}

static void cmd_quit(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    (void)emit;
    (void)opaque;
    m->is_quit_requested = true;
}

static const MonitorCommand commands[] = {
    { "help", "", cmd_help, "list the commands" },
    { "info", "status|registers|tlb|mem", cmd_info, "show machine state" },
    { "x", "/fmt ADDRESS", cmd_x, "examine virtual memory (fmt: count, xduoci, bhwg)" },
    { "xp", "/fmt ADDRESS", cmd_xp, "examine physical memory" },
    { "stop", "", cmd_stop, "pause the CPU" },
    { "cont", "", cmd_cont, "resume the CPU" },
    { "c", "", cmd_cont, "resume the CPU" },
    { "system_reset", "", cmd_system_reset, "reset the machine (and boot the -kernel again)" },
    { "log", "ITEM,...|none", cmd_log, "set the -d log items" },
    { "screendump", "FILE [-f png]", cmd_screendump, "save the screen as a PNG image" },
    { "quit", "", cmd_quit, "end vireo" },
    { "q", "", cmd_quit, "end vireo" },
};

static void cmd_help(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)m;
    (void)arg;
    for (size_t i = 0; i < COUNT(commands); i++) {
        char line[128];
        snprintf(line, sizeof(line), "%s%s%s -- %s", commands[i].name,
                 commands[i].args[0] ? " " : "", commands[i].args, commands[i].help);
        emit(opaque, line);
    }
}

void monitor_execute(Machine *m, const char *line, MonitorEmit emit, void *opaque)
{
    const char *arg = line;
    const MonitorCommand *c = lookup(commands, COUNT(commands), &arg);
    if (!c) {
        char msg[128];
        snprintf(msg, sizeof(msg), "unknown command: '%.64s' (help lists them)", line);
        emit(opaque, msg);
        return;
    }
    c->run(m, arg, emit, opaque);
}
