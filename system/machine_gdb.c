/*
 * system/machine_gdb.c: the machine as the GDB stub's target (debug/gdb_stub.h GdbTarget):
 * registers, memory and break/watchpoints come from debug/gdb_x86.c; running, stepping,
 * Ctrl-C and detaching are the machine's run state. As in QEMU: a connecting gdb stops the
 * guest, a detaching or vanishing one lets it run on without its breakpoints, and "kill" ends
 * vireo. A single step holds interrupts back, so it lands on the next instruction of the code
 * being debugged rather than in an interrupt handler.
 */
#include "system/machine.h"

#include <stdio.h>

#include "system/monitor.h"

static size_t target_read_registers(void *opaque, uint8_t *buf, size_t size)
{
    return gdb_x86_read_registers(&((Machine *)opaque)->gdb_x86, buf, size);
}

static bool target_write_registers(void *opaque, const uint8_t *buf, size_t len)
{
    return gdb_x86_write_registers(&((Machine *)opaque)->gdb_x86, buf, len);
}

static bool target_read_register(void *opaque, unsigned n, uint8_t *buf, size_t *len)
{
    return gdb_x86_read_register(&((Machine *)opaque)->gdb_x86, n, buf, len);
}

static bool target_write_register(void *opaque, unsigned n, const uint8_t *buf, size_t len)
{
    return gdb_x86_write_register(&((Machine *)opaque)->gdb_x86, n, buf, len);
}

static bool target_read_memory(void *opaque, uint64_t addr, uint8_t *buf, size_t len)
{
    return gdb_x86_read_memory(&((Machine *)opaque)->gdb_x86, addr, buf, len);
}

static bool target_write_memory(void *opaque, uint64_t addr, const uint8_t *buf, size_t len)
{
    return gdb_x86_write_memory(&((Machine *)opaque)->gdb_x86, addr, buf, len);
}

static int target_insert_point(void *opaque, unsigned type, uint64_t addr, uint64_t len)
{
    return gdb_x86_insert_point(&((Machine *)opaque)->gdb_x86, type, addr, len);
}

static int target_remove_point(void *opaque, unsigned type, uint64_t addr, uint64_t len)
{
    return gdb_x86_remove_point(&((Machine *)opaque)->gdb_x86, type, addr, len);
}

static void target_resume(void *opaque, bool is_step)
{
    Machine *m = opaque;
    /* A halted CPU steps by taking the interrupt that wakes it. */
    cpu_debug_resume(&m->cpu, is_step && !m->cpu.halted);
    m->is_stop_requested = false;
    m->step_icount = m->cpu.icount;
    m->run_state = is_step ? MACHINE_STEPPING : MACHINE_RUNNING;
}

static void target_interrupt(void *opaque)
{
    ((Machine *)opaque)->is_stop_requested = true;
}

static void target_detach(void *opaque, bool is_kill)
{
    Machine *m = opaque;
    gdb_x86_remove_all(&m->gdb_x86);
    if (is_kill) {
        m->is_quit_requested = true;
        return;
    }
    if (m->run_state != MACHINE_RUNNING) {
        cpu_debug_resume(&m->cpu, false);
        m->run_state = MACHINE_RUNNING;
    }
}

static void emit_console(void *opaque, const char *line)
{
    char text[512];
    snprintf(text, sizeof(text), "%s\n", line);
    gdb_stub_console(&((Machine *)opaque)->gdb.stub, text);
}

static void target_monitor(void *opaque, const char *cmd)
{
    monitor_execute(opaque, cmd, emit_console, opaque);
}

static void target_connected(void *opaque)
{
    ((Machine *)opaque)->run_state = MACHINE_PAUSED;
}

static const GdbTarget machine_gdb_target = {
    .read_registers = target_read_registers,
    .write_registers = target_write_registers,
    .read_register = target_read_register,
    .write_register = target_write_register,
    .read_memory = target_read_memory,
    .write_memory = target_write_memory,
    .insert_point = target_insert_point,
    .remove_point = target_remove_point,
    .resume = target_resume,
    .interrupt = target_interrupt,
    .monitor = target_monitor,
    .detach = target_detach,
};

int machine_gdb_open(Machine *m, Error *err)
{
    gdb_x86_init(&m->gdb_x86, &m->cpu, m->cfg->is_gdb_i386 ? GDB_X86_I386 : GDB_X86_64);
    GdbTarget *t = &m->gdb_target;
    *t = machine_gdb_target;
    t->target_xml = m->gdb_x86.xml;
    if (gdb_server_open(&m->gdb, m->cfg->gdb, t, m, target_connected, err) < 0) {
        return -1;
    }
    m->has_gdb = true;
    return 0;
}

void machine_gdb_check_stop(Machine *m, CpuExit e)
{
    bool is_step_done = m->run_state == MACHINE_STEPPING && m->cpu.icount != m->step_icount;
    if (m->run_state == MACHINE_PAUSED ||
        (e != CPU_EXIT_DEBUG && !is_step_done && !m->is_stop_requested)) {
        return;
    }
    uint64_t addr = 0;
    int point = gdb_x86_stop_reason(&m->gdb_x86, &addr);
    int signal = e != CPU_EXIT_DEBUG && !is_step_done ? GDB_SIGINT : GDB_SIGTRAP;
    m->run_state = MACHINE_PAUSED;
    m->is_stop_requested = false;
    m->cpu.debug.is_irq_masked = false;
    if (m->has_gdb) {
        gdb_stub_stopped(&m->gdb.stub, signal, point, addr);
    }
}

void machine_gdb_exited(Machine *m, int status)
{
    if (m->has_gdb && !m->is_quit_requested) {
        gdb_stub_exited(&m->gdb.stub, status);
    }
}
