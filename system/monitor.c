/*
 * system/monitor.c: the monitor's command table (monitor.h). Commands run between instruction
 * slices (the CPU is stopped while one runs), so they read and change machine state directly.
 */
#include "system/monitor.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

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

static const MonitorCommand info_commands[] = {
    { "status", "", info_status, "whether the CPU runs" },
    { "registers", "", info_registers, "the CPU's registers" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

static void cmd_quit(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)arg;
    (void)emit;
    (void)opaque;
    m->is_quit_requested = true;
}

static const MonitorCommand commands[] = {
    { "help", "", cmd_help, "list the commands" },
    { "info", "status|registers", cmd_info, "show machine state" },
    { "log", "ITEM,...|none", cmd_log, "set the -d log items" },
    { "quit", "", cmd_quit, "end vireo" },
};

static void cmd_help(Machine *m, const char *arg, MonitorEmit emit, void *opaque)
{
    (void)m;
    (void)arg;
    for (size_t i = 0; i < COUNT(commands); i++) {
        char line[128];
        snprintf(line, sizeof(line), "%s %s -- %s", commands[i].name, commands[i].args,
                 commands[i].help);
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
