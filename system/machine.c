/*
 * system/machine.c: assembling and running the machine (see machine.h).
 *
 * A guest reset (triple fault, the keyboard controller's reset line, the reset control register)
 * reboots: the board and the CPU are reset and the kernel loaded again, as QEMU's -kernel
 * does; with -no-reboot vireo exits with status 0 instead (QEMU's behaviour). An ACPI
 * power-off (S5) ends vireo with status 0; with -no-shutdown the emulation stops there instead
 * and vireo waits for the user (Ctrl-A x on the serial console, or a signal), as QEMU does.
 */
#include "system/machine.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpuid.h"
#include "hw/fw/acpi_loader.h"
#include "system/monitor.h"
#include "util/endian.h"
#include "util/log.h"

/*
 * Instructions per cpu_exec call at most: in real-time mode the granularity at which timers
 * are looked at (a few hundred microseconds at interpreter speed); with -icount the CPU runs
 * exactly up to the next timer deadline instead.
 */
#define MACHINE_SLICE_INSNS (1u << 16)
/* The longest a halted CPU sleeps before looking again (real time). */
#define MACHINE_IDLE_NS 10000000ll
/* While paused: how long one wait for gdb or the console lasts. */
#define MACHINE_PAUSED_POLL_MS 10
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

/* Linux's 32-bit boot protocol: flat 4 GiB segments from its GDT, paging off, IF clear, ESI
 * at boot_params (Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"). */
static void apply_linux_entry(CpuState *cpu, const LinuxEntry *e)
{
    cpu_reset(cpu);
    const uint16_t code = SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_DB | SEG_ATTR_G;
    const uint16_t data = SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G;
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        cpu->seg[i] = (SegmentCache){ .base = 0, .limit = 0xffffffff,
                                      .selector = LINUX_BOOT_DS, .attr = data };
    }
    cpu->seg[SEG_CS] = (SegmentCache){ .base = 0, .limit = 0xffffffff,
                                       .selector = LINUX_BOOT_CS, .attr = code };
    cpu->gdtr = (TableRegister){ e->gdt_base, e->gdt_limit };
    cpu->paging.cr0 = CR0_PE | CR0_ET;
    cpu->regs[R_SI] = e->esi;
    cpu->rip = e->eip;
    cpu_set_rflags(cpu, FLAG_FIXED1);
    cpu_update_mode(cpu);
    tlb_flush_all(cpu->tlb);
}

/* The direct-boot memory map: low RAM less the EBDA, the BIOS area (ACPI tables), RAM above
 * 1 MiB and above 4 GiB. */
static unsigned build_e820(const Machine *m, E820Entry *e)
{
    unsigned n = 0;
    e[n++] = (E820Entry){ 0, 0x9fc00, E820_RAM };
    e[n++] = (E820Entry){ 0x9fc00, 0x400, E820_RESERVED };
    e[n++] = (E820Entry){ MACHINE_ACPI_ADDR, 0x100000 - MACHINE_ACPI_ADDR, E820_RESERVED };
    e[n++] = (E820Entry){ 0x100000, m->ram_below_4g - 0x100000, E820_RAM };
    if (m->ram_above_4g) {
        e[n++] = (E820Entry){ 1ull << 32, m->ram_above_4g, E820_RAM };
    }
    return n;
}

static int load_linux(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    static uint8_t tables[MACHINE_ACPI_SIZE];
    AcpiConfig acpi;
    pc_acpi_config(&m->board, &acpi);
    size_t size = acpi_build_tables(&acpi, MACHINE_ACPI_ADDR, tables, sizeof(tables), NULL);
    if (size == 0) {
        return error_set(err, -1, "the ACPI tables do not fit in %u KiB", MACHINE_ACPI_SIZE >> 10);
    }
    phys_write(m->map, MACHINE_ACPI_ADDR, tables, size);
    /* No firmware runs, so no VGA BIOS sets a text mode: the screen becomes a VBE linear
     * framebuffer that boot_params describes, where the kernel's framebuffer console draws. */
    LinuxFramebuffer fb = { .base = MACHINE_BOOT_LFB, .size = VGA_VRAM_SIZE,
                            .width = MACHINE_BOOT_FB_WIDTH, .height = MACHINE_BOOT_FB_HEIGHT };
    fb.stride = (uint16_t)vga_boot_linear_mode(&m->board.vga, fb.base, fb.width, fb.height);
    E820Entry e820[8];
    LinuxBootConfig lb = {
        .kernel = m->kernel,
        .kernel_size = m->kernel_size,
        .initrd = m->initrd,
        .initrd_size = m->initrd_size,
        .cmdline = cfg->append,
        .e820 = e820,
        .e820_count = build_e820(m, e820),
        .ram_below_4g = m->ram_below_4g,
        .acpi_rsdp = MACHINE_ACPI_ADDR + ACPI_RSDP_OFFSET,
        .fb = fb.stride ? &fb : NULL,
    };
    LinuxEntry e;
    if (linux_boot_load(m->map, &lb, &e, err) < 0) {
        error_prefix(err, "-kernel: %s", cfg->kernel_path);
        return -1;
    }
    apply_linux_entry(&m->cpu, &e);
    return 0;
}

static int load_kernel(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    phys_map_set_a20(m->map, true);
    if (!multiboot_detect(m->kernel, m->kernel_size)) {
        if (linux_boot_detect(m->kernel, m->kernel_size)) {
            return load_linux(m, err);
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
    apply_multiboot_entry(&m->cpu, &e);
    return 0;
}

/*
 * What SeaBIOS reads besides the CMOS, as QEMU gives it: "etc/e820", the RAM (20-byte
 * entries: address, length, type), and vireo's own ACPI tables with the loader commands that
 * place them (hw/fw/acpi_loader.h), so the firmware boot shows the same tables as a direct one.
 */
static int add_firmware_tables(Machine *m)
{
    uint8_t e820[2 * 20] = { 0 };
    size_t n = 0;
    const uint64_t ram[2][2] = { { 0, m->ram_below_4g }, { 1ull << 32, m->ram_above_4g } };
    for (unsigned i = 0; i < 2; i++) {
        if (ram[i][1]) {
            st_le64(e820 + n, ram[i][0]);
            st_le64(e820 + n + 8, ram[i][1]);
            st_le32(e820 + n + 16, E820_RAM);
            n += 20;
        }
    }
    AcpiConfig acpi;
    pc_acpi_config(&m->board, &acpi);
    AcpiLoaderFiles *f = malloc(sizeof(*f));
    int r = f ? acpi_build_loader_files(&acpi, f) : -1;
    FwCfgState *fw = &m->board.fw_cfg;
    if (r == 0) {
        r = fw_cfg_add_file(fw, "etc/e820", e820, (uint32_t)n);
    }
    if (r == 0) {
        r = fw_cfg_add_file(fw, ACPI_LOADER_TABLES_FILE, f->tables, (uint32_t)f->tables_len);
    }
    if (r == 0) {
        r = fw_cfg_add_file(fw, ACPI_LOADER_RSDP_FILE, f->rsdp, sizeof(f->rsdp));
    }
    if (r == 0) {
        r = fw_cfg_add_file(fw, ACPI_LOADER_FILE, f->loader, (uint32_t)f->loader_len);
    }
    free(f);
    return r;
}

/*
 * Firmware boot (no -kernel): SeaBIOS from Debian's seabios package unless -bios names
 * another image. The CPU starts at its reset vector. With -nographic, fw_cfg's
 * "etc/sercon-port" asks SeaBIOS to mirror its screen on COM1, as QEMU does; and as QEMU's
 * default "-boot reboot-timeout=-1", "etc/boot-fail-wait" tells SeaBIOS not to retry a failed
 * boot.
 */
static int load_firmware(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    const char *path = cfg->bios_path ? cfg->bios_path : MACHINE_DEFAULT_BIOS;
    uint8_t *image;
    size_t size;
    if (read_file(path, &image, &size, err) < 0) {
        error_prefix(err, "-bios");
        return -1;
    }
    int r = pc_load_firmware(&m->board, m->ram_low, image, size, err);
    free(image);
    if (r < 0) {
        error_prefix(err, "-bios: %s", path);
        return -1;
    }
    if (cfg->is_nographic) {
        uint8_t port[2];
        st_le16(port, UART_COM1_BASE);
        if (fw_cfg_add_file(&m->board.fw_cfg, "etc/sercon-port", port, sizeof(port)) < 0) {
            return error_set(err, -1, "fw_cfg: cannot add etc/sercon-port");
        }
    }
    uint8_t never[4];
    st_le32(never, UINT32_MAX);
    if (fw_cfg_add_file(&m->board.fw_cfg, "etc/boot-fail-wait", never, sizeof(never)) < 0 ||
        add_firmware_tables(m) < 0) {
        return error_set(err, -1, "fw_cfg: cannot add the firmware's files");
    }
    pc_set_boot_order(&m->board, cfg->boot_order);
    cpu_reset(&m->cpu);
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

/* The host stream of -chardev `id` (NULL for null), opening a file backend once. */
static int chardev_stream(Machine *m, const char *id, FILE **out, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    for (unsigned i = 0; i < cfg->nchardevs; i++) {
        const ChardevConfig *c = &cfg->chardevs[i];
        if (strcmp(c->id, id) != 0) {
            continue;
        }
        if (c->target == CHAR_TARGET_STDIO) {
            *out = stdout;
        } else if (c->target == CHAR_TARGET_FILE) {
            if (!m->chardev_files[i]) {
                m->chardev_files[i] = fopen(c->path, "w");
                if (!m->chardev_files[i]) {
                    return error_set(err, -1, "-chardev %s: %s: %s", id, c->path,
                                     strerror(errno));
                }
            }
            *out = m->chardev_files[i];
        } else {
            *out = NULL;
        }
        return 0;
    }
    return error_set(err, -1, "isa-debugcon: no character device '%s' (-chardev ...,id=%s)", id,
                     id);
}

/* -device isa-debugcon: more debug consoles (SeaBIOS logs to 0x402). */
static int setup_extra_debugcons(Machine *m, Error *err)
{
    for (unsigned i = 0; i < m->cfg->ndebugcons; i++) {
        const DebugconConfig *d = &m->cfg->debugcons[i];
        FILE *out = NULL;
        if (chardev_stream(m, d->chardev, &out, err) < 0) {
            return -1;
        }
        if (debugcon_init(&m->extra_debugcons[i], m->ports, d->iobase, out) < 0) {
            return error_set(err, -1, "isa-debugcon: port %#x already in use", d->iobase);
        }
    }
    return 0;
}

static uint64_t read_icount(void *opaque)
{
    const Machine *m = opaque;
    return m->cpu.icount;
}

static uint64_t tsc_of_clock(void *opaque)
{
    const Machine *m = opaque;
    uint64_t ns = (uint64_t)clock_now_ns(&m->clock);
    return ns / 1000000000ull * MACHINE_TSC_HZ + ns % 1000000000ull * MACHINE_TSC_HZ / 1000000000ull;
}

static void serial_to_host(void *opaque, const uint8_t *buf, size_t len)
{
    chardev_write(opaque, buf, len);
}

/* Host input to COM1, as much as its receiver takes now; the rest waits in the chardev. */
static void poll_serial(Machine *m)
{
    uint8_t buf[UART_FIFO_SIZE];
    size_t room = uart_can_receive(&m->board.com1);
    size_t n = chardev_read(&m->serial, buf, room < sizeof(buf) ? room : sizeof(buf));
    if (n) {
        uart_receive(&m->board.com1, buf, n);
    }
}

/* The exit device stops the CPU at the writing instruction, as QEMU ends the process there. */
static void stop_cpu(void *opaque)
{
    cpu_request_exit(opaque);
}

/*
 * -snapshot: a qcow2 overlay on the image in a temporary file, removed at once (it lives while
 * open), so guest writes never reach the user's image.
 */
static BlockImage *open_overlay(const DriveConfig *d, BlockImage *base, Error *err)
{
    char backing[4096];
    if (!realpath(d->path, backing)) {
        error_set(err, -1, "%.200s: %s", d->path, strerror(errno));
        return NULL;
    }
    const char *dir = getenv("TMPDIR");
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s/vireo-snapshot-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        error_set(err, -1, "-snapshot: %.200s: %s", tmp, strerror(errno));
        return NULL;
    }
    close(fd);
    BlockImage *overlay = NULL;
    if (qcow2_create(tmp, base->size, backing, base->ops->name, err) == 0) {
        overlay = block_image_open(tmp, "qcow2", false, err);
    }
    unlink(tmp);
    return overlay;
}

/* Opens the IDE drives' images and puts the IDE controller on the board. */
static int attach_drives(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    IdeKind kinds[OPTIONS_IDE_DRIVES];
    for (unsigned i = 0; i < OPTIONS_IDE_DRIVES; i++) {
        const DriveConfig *d = &cfg->drives[i];
        kinds[i] = !d->is_used ? IDE_KIND_NONE : d->is_cdrom ? IDE_KIND_CDROM : IDE_KIND_DISK;
        if (!d->is_used) {
            continue;
        }
        bool is_overlaid = cfg->is_snapshot && !d->is_read_only;
        BlockImage *img = block_image_open(d->path, d->format[0] ? d->format : NULL,
                                           d->is_read_only || is_overlaid, err);
        if (img && is_overlaid) {
            BlockImage *overlay = open_overlay(d, img, err);
            block_image_close(img);
            img = overlay;
        }
        if (!img) {
            error_prefix(err, d->option);
            return -1;
        }
        m->drives[i] = img;
    }
    return pc_attach_ide(&m->board, kinds, m->drives, err);
}

/* The VGA adapter; its BIOS only when a firmware boots (a direct kernel boot runs none). */
static int attach_vga(Machine *m, Error *err)
{
    uint8_t *rom = NULL;
    size_t size = 0;
    if (!m->cfg->kernel_path && read_file(MACHINE_VGA_BIOS, &rom, &size, err) < 0) {
        error_prefix(err, "VGA BIOS");
        return -1;
    }
    int r = pc_attach_vga(&m->board, rom, size, err);
    free(rom);
    return r;
}

int machine_init(Machine *m, const MachineConfig *cfg, Error *err)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    monitor_io_open(&m->monitor, "none", NULL); /* closed until -monitor opens it */
    m->ram_below_4g = cfg->ram_bytes < MACHINE_LOWMEM_LIMIT ? cfg->ram_bytes
                                                             : MACHINE_LOWMEM_LIMIT;
    m->ram_above_4g = cfg->ram_bytes - m->ram_below_4g;
    m->map = phys_map_new(40);
    m->ports = port_space_new();
    if (!m->map || !m->ports) {
        return error_set(err, -1, "out of memory");
    }
    m->ram_low = phys_map_add_ram(m->map, "ram-below-4g", 0, m->ram_below_4g, NULL, 0);
    if (!m->ram_low ||
        (m->ram_above_4g &&
         !phys_map_add_ram(m->map, "ram-above-4g", 1ull << 32, m->ram_above_4g, NULL, 0))) {
        return error_set(err, -1, "-m: cannot allocate %llu MiB of guest RAM",
                         (unsigned long long)(cfg->ram_bytes >> 20));
    }
    if (cpu_init(&m->cpu, m->map, m->ports, CPU_MODEL_X86_64) < 0) {
        return error_set(err, -1, "out of memory");
    }
    m->is_cpu_ready = true;
    if (trace_attach(&m->tracer, &m->cpu) < 0) {
        return error_set(err, -1, "-d in_asm: cannot open the Capstone disassembler");
    }
    clock_init(&m->clock, cfg->has_icount ? CLOCK_ICOUNT : CLOCK_REALTIME, cfg->icount_shift);
    m->clock.icount = read_icount;
    m->clock.icount_opaque = m;
    m->cpu.tsc_source = tsc_of_clock;
    m->cpu.tsc_opaque = m;
    /* The RTC starts from the host's wall clock (in UTC, as a PC's CMOS clock under Linux). */
    if (pc_init(&m->board, &m->cpu, m->map, m->ports, &m->clock, m->ram_below_4g, cfg->ram_bytes,
                (int64_t)time(NULL), err) < 0) {
        return -1;
    }
    m->is_board_ready = true;
    if (attach_drives(m, err) < 0 || attach_vga(m, err) < 0) {
        return -1;
    }
    m->board.lapic.tsc_hz = MACHINE_TSC_HZ;
    if (chardev_open(&m->serial, cfg->serial, cfg->serial_path, err) < 0) {
        error_prefix(err, "-serial");
        return -1;
    }
    m->is_serial_open = true;
    m->board.com1.write = serial_to_host;
    m->board.com1.write_opaque = &m->serial;
    if (cfg->cpu_model) {
        const CpuidModel *model = cpuid_find_model(cfg->cpu_model);
        if (!model) {
            return error_set(err, -1, "-cpu: '%.64s': unknown CPU model (base, max)",
                             cfg->cpu_model);
        }
        m->cpu.cpuid = model;
    }
    if (setup_debugcon(m, err) < 0 || setup_extra_debugcons(m, err) < 0) {
        return -1;
    }
    if (cfg->has_debug_exit &&
        debug_exit_init(&m->debug_exit, m->ports, cfg->debug_exit_port, cfg->debug_exit_size,
                        stop_cpu, &m->cpu) <
            0) {
        return error_set(err, -1, "-device isa-debug-exit: port %#x already in use",
                         cfg->debug_exit_port);
    }
    m->run_state = cfg->is_start_paused ? MACHINE_PAUSED : MACHINE_RUNNING;
    if (cfg->gdb && machine_gdb_open(m, err) < 0) {
        return -1;
    }
    if (cfg->monitor && strcmp(cfg->monitor, "stdio") == 0 && cfg->serial == CHAR_TARGET_STDIO) {
        return error_set(err, -1, "-monitor stdio: stdio carries the serial console; give "
                                  "-serial none or -serial file:PATH, or a socket monitor");
    }
    if (cfg->monitor && monitor_io_open(&m->monitor, cfg->monitor, err) < 0) {
        return -1;
    }
    if (machine_display_open(m, err) < 0) {
        return -1;
    }
    if (!cfg->kernel_path) {
        return load_firmware(m, err);
    }
    if (cfg->bios_path) {
        return error_set(err, -1, "-bios: booting -kernel through the firmware is not "
                                  "supported yet (give one or the other)");
    }
    if (read_file(cfg->kernel_path, &m->kernel, &m->kernel_size, err) < 0) {
        error_prefix(err, "-kernel");
        return -1;
    }
    if (cfg->initrd_path && read_file(cfg->initrd_path, &m->initrd, &m->initrd_size, err) < 0) {
        error_prefix(err, "-initrd");
        return -1;
    }
    return load_kernel(m, err);
}

/* How many instructions to run before the devices get a look. */
static uint64_t slice_budget(const Machine *m)
{
    int64_t deadline = clock_deadline_ns(&m->clock);
    if (m->clock.mode != CLOCK_ICOUNT || deadline == CLOCK_NO_DEADLINE) {
        return MACHINE_SLICE_INSNS;
    }
    int64_t now = clock_now_ns(&m->clock);
    if (deadline <= now) {
        return 1;
    }
    uint64_t insns = ((uint64_t)(deadline - now) + (1ull << m->clock.icount_shift) - 1) >>
                     m->clock.icount_shift;
    return insns < MACHINE_SLICE_INSNS ? insns : MACHINE_SLICE_INSNS;
}

/*
 * A halted CPU waits for an interrupt. With -icount no instruction runs, so time jumps to the
 * next timer deadline; in real time the host sleeps until then (at most MACHINE_IDLE_NS).
 */
static void idle(Machine *m)
{
    int64_t deadline = clock_deadline_ns(&m->clock);
    int64_t now = clock_now_ns(&m->clock);
    if (m->clock.mode == CLOCK_ICOUNT && deadline != CLOCK_NO_DEADLINE) {
        clock_set_ns(&m->clock, deadline);
        return;
    }
    int64_t wait = deadline == CLOCK_NO_DEADLINE || deadline - now > MACHINE_IDLE_NS
                       ? MACHINE_IDLE_NS
                       : deadline - now;
    if (wait > 0) {
        struct timespec ts = { 0, (long)wait };
        nanosleep(&ts, NULL);
    }
}

/* -no-shutdown: the guest is off; only the console's quit key (or a signal) ends vireo. */
static int wait_stopped(Machine *m)
{
    log_info("guest powered off: emulation stopped (-no-shutdown); Ctrl-A x quits");
    while (!m->serial.quit_requested) {
        poll_serial(m);
        struct timespec ts = { 0, MACHINE_IDLE_NS };
        nanosleep(&ts, NULL);
    }
    return 0;
}

void machine_pause(Machine *m)
{
    if (m->run_state == MACHINE_PAUSED) {
        return;
    }
    m->run_state = MACHINE_PAUSED;
    m->cpu.debug.is_irq_masked = false;
    if (m->has_gdb) {
        gdb_stub_stopped(&m->gdb.stub, GDB_SIGINT, -1, 0);
    }
}

void machine_resume(Machine *m)
{
    if (m->run_state == MACHINE_PAUSED) {
        cpu_debug_resume(&m->cpu, false);
        m->run_state = MACHINE_RUNNING;
    }
}

static void emit_monitor_line(void *opaque, const char *line)
{
    Machine *m = opaque;
    monitor_io_write(&m->monitor, line);
    monitor_io_write(&m->monitor, "\n");
}

static void run_monitor_line(void *opaque, const char *line)
{
    Machine *m = opaque;
    monitor_execute(m, line, emit_monitor_line, m);
}

/*
 * gdb's and the monitor's input, between slices. While paused this is all the loop does, so
 * it waits (up to MACHINE_PAUSED_POLL_MS) for either to have something.
 */
static void poll_debuggers(Machine *m, bool is_paused)
{
    struct pollfd fds[2];
    nfds_t n = 0;
    int gdb_fd = m->has_gdb ? gdb_server_wait_fd(&m->gdb) : -1;
    int mon_fd = monitor_io_wait_fd(&m->monitor);
    if (gdb_fd >= 0) {
        fds[n++] = (struct pollfd){ .fd = gdb_fd, .events = POLLIN };
    }
    if (mon_fd >= 0) {
        fds[n++] = (struct pollfd){ .fd = mon_fd, .events = POLLIN };
    }
    if (is_paused) {
        if (n) {
            poll(fds, n, MACHINE_PAUSED_POLL_MS);
        } else {
            struct timespec ts = { 0, MACHINE_PAUSED_POLL_MS * 1000000l };
            nanosleep(&ts, NULL);
        }
    }
    if (m->has_gdb) {
        gdb_server_poll(&m->gdb, 0);
    }
    monitor_io_poll(&m->monitor, run_monitor_line, m);
}

/* A system reset: the board, then the firmware from its reset vector or the -kernel again. */
static int reset_machine(Machine *m)
{
    pc_reset(&m->board);
    if (!m->kernel) {
        cpu_reset(&m->cpu);
        return 0;
    }
    Error err;
    if (load_kernel(m, &err) < 0) {
        error_report_err(&err);
        return -1;
    }
    return 0;
}

static int run_loop(Machine *m)
{
    clock_start(&m->clock);
    for (;;) {
        poll_debuggers(m, m->run_state == MACHINE_PAUSED);
        machine_display_tick(m);
        if (m->is_quit_requested) {
            return 0;
        }
        if (m->is_reset_requested) {
            m->is_reset_requested = false;
            if (reset_machine(m) < 0) {
                return 1;
            }
        }
        if (m->run_state == MACHINE_PAUSED) {
            /* Devices and time stand still with the CPU; the console stays live. */
            clock_stop(&m->clock);
            poll_serial(m);
            if (m->serial.quit_requested) {
                return 0;
            }
            continue;
        }
        clock_start(&m->clock);
        CpuExit e = cpu_exec(&m->cpu, m->run_state == MACHINE_STEPPING ? 1 : slice_budget(m));
        machine_gdb_check_stop(m, e);
        clock_run_timers(&m->clock);
        poll_serial(m);
        if (m->serial.quit_requested) {
            return 0;
        }
        if (m->debug_exit.has_exited) {
            return m->debug_exit.exit_status;
        }
        if (m->board.event == PC_EVENT_POWEROFF) {
            return m->cfg->is_no_shutdown ? wait_stopped(m) : 0;
        }
        bool is_reset = m->board.event == PC_EVENT_RESET || e == CPU_EXIT_SHUTDOWN;
        if (is_reset) {
            if (m->cfg->is_no_reboot) {
                return 0;
            }
            log_info("guest reset (%s): rebooting",
                     e == CPU_EXIT_SHUTDOWN ? "triple fault" : "reset request");
            if (reset_machine(m) < 0) {
                return 1;
            }
            continue;
        }
        switch (e) {
        case CPU_EXIT_HALT:
            idle(m);
            clock_run_timers(&m->clock);
            break;
        default:
            break;
        }
    }
}

int machine_run(Machine *m)
{
    int status = run_loop(m);
    machine_gdb_exited(m, status);
    return status;
}

void machine_destroy(Machine *m)
{
    if (m->has_gdb) {
        gdb_server_close(&m->gdb);
    }
    monitor_io_close(&m->monitor);
    machine_display_close(m);
    for (unsigned i = 0; i < OPTIONS_IDE_DRIVES; i++) {
        block_image_close(m->drives[i]);
    }
    if (m->is_cpu_ready) {
        trace_detach(&m->tracer, &m->cpu);
        cpu_destroy(&m->cpu);
    }
    if (m->debugcon_file) {
        fclose(m->debugcon_file);
    }
    for (unsigned i = 0; i < OPTIONS_MAX_CHARDEVS; i++) {
        if (m->chardev_files[i]) {
            fclose(m->chardev_files[i]);
        }
    }
    if (m->is_serial_open) {
        chardev_close(&m->serial);
    }
    if (m->is_board_ready) {
        pc_destroy(&m->board);
    }
    surface_free(&m->screen);
    free(m->kernel);
    free(m->initrd);
    if (m->ports) {
        port_space_free(m->ports);
    }
    if (m->map) {
        phys_map_free(m->map);
    }
}
