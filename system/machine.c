/*
 * system/machine.c: assembling and running the machine (see machine.h).
 *
 * A guest reset (triple fault) reboots: the CPU is reset and the kernel loaded again, as
 * QEMU's -kernel does; with -no-reboot vireo exits with status 0 instead (QEMU's behaviour).
 */
#include "system/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpuid.h"
#include "util/log.h"

/* Instructions per cpu_exec call: the granularity at which devices are looked at. */
#define MACHINE_SLICE_INSNS (1u << 20)
#define KERNEL_MAX_BYTES (512u << 20)

static int read_file(const char *path, uint8_t **data, size_t *size, Error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return error_set(err, -1, "%s: %s", path, strerror(errno));
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= KERNEL_MAX_BYTES) {
                free(buf);
                fclose(f);
                return error_set(err, -1, "%s: larger than %u MiB", path, KERNEL_MAX_BYTES >> 20);
            }
            cap = cap ? cap * 2 : 1u << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return error_set(err, -1, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return error_set(err, -1, "%s: read error", path);
    }
    *data = buf;
    *size = len;
    return 0;
}

/* Multiboot §3.2: 32-bit protected mode, flat segments, paging off, IF clear. */
static void apply_multiboot_entry(CpuState *cpu, const MultibootEntry *e)
{
    cpu_reset(cpu);
    const uint16_t code = SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_DB | SEG_ATTR_G;
    const uint16_t data = SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G;
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        cpu->seg[i] = (SegmentCache){ .base = 0, .limit = 0xffffffff, .selector = 0x18,
                                      .attr = data };
    }
    cpu->seg[SEG_CS] = (SegmentCache){ .base = 0, .limit = 0xffffffff, .selector = 0x10,
                                       .attr = code };
    cpu->paging.cr0 = CR0_PE | CR0_ET;
    cpu->regs[R_AX] = e->eax;
    cpu->regs[R_BX] = e->ebx;
    cpu->regs[R_DX] = 0;
    cpu->rip = e->entry;
    cpu_set_rflags(cpu, FLAG_FIXED1);
    cpu_update_mode(cpu);
    tlb_flush_all(cpu->tlb);
}

static int load_kernel(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    if (!multiboot_detect(m->kernel, m->kernel_size)) {
        if (m->kernel_size > 0x206 && memcmp(m->kernel + 0x202, "HdrS", 4) == 0) {
            return error_set(err, -1, "-kernel: %s: Linux boot protocol not supported yet",
                             cfg->kernel_path);
        }
        return error_set(err, -1, "-kernel: %s: not a Multiboot or Linux kernel image",
                         cfg->kernel_path);
    }
    MultibootEntry e;
    if (multiboot_load(m->map, m->kernel, m->kernel_size, m->ram_below_4g, m->ram_above_4g,
                       cfg->kernel_path, cfg->append, &e, err) < 0) {
        error_prefix(err, "-kernel: %s", cfg->kernel_path);
        return -1;
    }
    phys_map_set_a20(m->map, true);
    apply_multiboot_entry(&m->cpu, &e);
    return 0;
}

static int setup_debugcon(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    FILE *out;
    switch (cfg->debugcon) {
    case CHAR_TARGET_STDIO:
        out = stdout;
        break;
    case CHAR_TARGET_FILE:
        out = fopen(cfg->debugcon_path, "w");
        if (!out) {
            return error_set(err, -1, "-debugcon: %s: %s", cfg->debugcon_path, strerror(errno));
        }
        m->debugcon_file = out;
        break;
    default:
        return 0;
    }
    if (debugcon_init(&m->debugcon, m->ports, DEBUGCON_DEFAULT_PORT, out) < 0) {
        return error_set(err, -1, "-debugcon: port %#x already in use", DEBUGCON_DEFAULT_PORT);
    }
    return 0;
}

/* The exit device stops the CPU at the writing instruction, as QEMU ends the process there. */
static void stop_cpu(void *opaque)
{
    cpu_request_exit(opaque);
}

int machine_init(Machine *m, const MachineConfig *cfg, Error *err)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    m->ram_below_4g = cfg->ram_bytes < MACHINE_LOWMEM_LIMIT ? cfg->ram_bytes
                                                             : MACHINE_LOWMEM_LIMIT;
    m->ram_above_4g = cfg->ram_bytes - m->ram_below_4g;
    m->map = phys_map_new(40);
    m->ports = port_space_new();
    if (!m->map || !m->ports) {
        return error_set(err, -1, "out of memory");
    }
    if (!phys_map_add_ram(m->map, "ram-below-4g", 0, m->ram_below_4g, NULL, 0) ||
        (m->ram_above_4g &&
         !phys_map_add_ram(m->map, "ram-above-4g", 1ull << 32, m->ram_above_4g, NULL, 0))) {
        return error_set(err, -1, "-m: cannot allocate %llu MiB of guest RAM",
                         (unsigned long long)(cfg->ram_bytes >> 20));
    }
    if (cpu_init(&m->cpu, m->map, m->ports, CPU_MODEL_X86_64) < 0) {
        return error_set(err, -1, "out of memory");
    }
    m->is_cpu_ready = true;
    if (cfg->cpu_model) {
        const CpuidModel *model = cpuid_find_model(cfg->cpu_model);
        if (!model) {
            return error_set(err, -1, "-cpu: '%.64s': unknown CPU model (base, max)",
                             cfg->cpu_model);
        }
        m->cpu.cpuid = model;
    }
    if (setup_debugcon(m, err) < 0) {
        return -1;
    }
    if (cfg->has_debug_exit &&
        debug_exit_init(&m->debug_exit, m->ports, cfg->debug_exit_port, cfg->debug_exit_size,
                        stop_cpu, &m->cpu) <
            0) {
        return error_set(err, -1, "-device isa-debug-exit: port %#x already in use",
                         cfg->debug_exit_port);
    }
    if (!cfg->kernel_path) {
        return error_set(err, -1, "nothing to boot: give -kernel (firmware boot is not "
                                  "supported yet)");
    }
    if (read_file(cfg->kernel_path, &m->kernel, &m->kernel_size, err) < 0) {
        error_prefix(err, "-kernel");
        return -1;
    }
    return load_kernel(m, err);
}

/* A halted CPU with nothing that could interrupt it: wait as hardware would, idly. */
static void idle(void)
{
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

int machine_run(Machine *m)
{
    for (;;) {
        CpuExit e = cpu_exec(&m->cpu, MACHINE_SLICE_INSNS);
        if (m->debug_exit.has_exited) {
            return m->debug_exit.exit_status;
        }
        switch (e) {
        case CPU_EXIT_SHUTDOWN:
            if (m->cfg->is_no_reboot) {
                return 0;
            }
            log_info("guest reset (triple fault): rebooting");
            {
                Error err;
                if (load_kernel(m, &err) < 0) {
                    error_report_err(&err);
                    return 1;
                }
            }
            break;
        case CPU_EXIT_HALT:
            idle();
            break;
        default:
            break;
        }
    }
}

void machine_destroy(Machine *m)
{
    if (m->is_cpu_ready) {
        cpu_destroy(&m->cpu);
    }
    if (m->debugcon_file) {
        fclose(m->debugcon_file);
    }
    free(m->kernel);
    if (m->ports) {
        port_space_free(m->ports);
    }
    if (m->map) {
        phys_map_free(m->map);
    }
}
