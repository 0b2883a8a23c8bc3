/*
 * system/options.c: the option table and its parser (see options.h). QEMU accepts both "-opt"
 * and "--opt"; so does vireo. Each option applies itself to the MachineConfig, so adding one
 * is a table row and a small function.
 */
#include "system/options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/log.h"

typedef struct OptionDesc {
    const char *name;
    const char *arg_name; /* NULL: the option takes no argument */
    int (*apply)(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err);
    const char *help;
} OptionDesc;

static int apply_help(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    *action = OPTIONS_HELP;
    return 0;
}

static int apply_version(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    *action = OPTIONS_VERSION;
    return 0;
}

static int apply_memory(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    /* QEMU's -m also takes "size=512M"; accept that spelling too. */
    if (strncmp(arg, "size=", 5) == 0) {
        arg += 5;
    }
    uint64_t bytes;
    if (options_parse_ram_size(arg, &bytes) < 0) {
        return error_set(err, -1, "invalid RAM size '%s' (expected e.g. 512, 512M or 2G)", arg);
    }
    if (bytes < OPTIONS_MIN_RAM_BYTES || bytes > OPTIONS_MAX_RAM_BYTES) {
        return error_set(err, -1, "RAM size '%s' out of range (1M to 1T)", arg);
    }
    cfg->ram_bytes = bytes;
    return 0;
}

static int apply_kernel(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->kernel_path = arg;
    return 0;
}

static int apply_initrd(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->initrd_path = arg;
    return 0;
}

static int apply_append(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->append = arg;
    return 0;
}

static int apply_log(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    if (strcmp(arg, "help") == 0) {
        *action = OPTIONS_LOG_HELP;
        return 0;
    }
    char bad[64];
    if (log_parse_mask(arg, &cfg->log_mask, bad, sizeof(bad)) < 0) {
        return error_set(err, -1, "unknown log item '%s' (try -d help)", bad);
    }
    return 0;
}

static int apply_log_file(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->log_path = arg;
    return 0;
}

int options_parse_char_target(const char *text, CharTarget *target, const char **path)
{
    if (strcmp(text, "stdio") == 0) {
        *target = CHAR_TARGET_STDIO;
    } else if (strcmp(text, "none") == 0) {
        *target = CHAR_TARGET_NONE;
    } else if (strncmp(text, "file:", 5) == 0 && text[5]) {
        *target = CHAR_TARGET_FILE;
        *path = text + 5;
    } else {
        return -1;
    }
    return 0;
}

static int apply_debugcon(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    if (options_parse_char_target(arg, &cfg->debugcon, &cfg->debugcon_path) < 0) {
        return error_set(err, -1, "'%s': expected stdio, none or file:PATH", arg);
    }
    return 0;
}

/* Parses "key=NUMBER" (decimal or 0x hex) into *value, bounded by max. */
static int parse_number_property(const char *text, uint64_t max, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end || v > max) {
        return -1;
    }
    *value = v;
    return 0;
}

/* Copies a "key=value" property's value into dst (size n); false if it does not fit. */
static bool copy_property(char *dst, size_t n, const char *value)
{
    if (!*value || strlen(value) >= n) {
        return false;
    }
    strcpy(dst, value);
    return true;
}

/* -chardev file,id=ID,path=PATH | stdio,id=ID | null,id=ID (QEMU's spelling). */
static int apply_chardev(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    char buf[512];
    if (strlen(arg) >= sizeof(buf)) {
        return error_set(err, -1, "character device description too long");
    }
    if (cfg->nchardevs == OPTIONS_MAX_CHARDEVS) {
        return error_set(err, -1, "more than %d character devices", OPTIONS_MAX_CHARDEVS);
    }
    strcpy(buf, arg);
    ChardevConfig c = { .target = CHAR_TARGET_NONE };
    char *save = NULL;
    char *backend = strtok_r(buf, ",", &save);
    if (backend && strcmp(backend, "file") == 0) {
        c.target = CHAR_TARGET_FILE;
    } else if (backend && strcmp(backend, "stdio") == 0) {
        c.target = CHAR_TARGET_STDIO;
    } else if (!backend || strcmp(backend, "null") != 0) {
        return error_set(err, -1, "'%.64s': unknown backend (vireo has: file, stdio, null)",
                         backend ? backend : "");
    }
    for (char *prop = strtok_r(NULL, ",", &save); prop; prop = strtok_r(NULL, ",", &save)) {
        bool ok = strncmp(prop, "id=", 3) == 0 ? copy_property(c.id, sizeof(c.id), prop + 3)
                : strncmp(prop, "path=", 5) == 0 && c.target == CHAR_TARGET_FILE
                    ? copy_property(c.path, sizeof(c.path), prop + 5)
                    : false;
        if (!ok) {
            return error_set(err, -1, "%s: bad property '%.64s' (id=ID%s)", backend, prop,
                             c.target == CHAR_TARGET_FILE ? ", path=PATH" : "");
        }
    }
    if (!c.id[0] || (c.target == CHAR_TARGET_FILE && !c.path[0])) {
        return error_set(err, -1, "%s: needs id=ID%s", backend,
                         c.target == CHAR_TARGET_FILE ? " and path=PATH" : "");
    }
    for (unsigned i = 0; i < cfg->nchardevs; i++) {
        if (strcmp(cfg->chardevs[i].id, c.id) == 0) {
            return error_set(err, -1, "character device id '%s' used twice", c.id);
        }
    }
    cfg->chardevs[cfg->nchardevs++] = c;
    return 0;
}

/* isa-debug-exit[,iobase=N][,iosize=1|2|4] */
static int parse_debug_exit(MachineConfig *cfg, char *save, Error *err)
{
    cfg->has_debug_exit = true;
    for (char *prop = strtok_r(NULL, ",", &save); prop; prop = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (strncmp(prop, "iobase=", 7) == 0 && parse_number_property(prop + 7, 0xffff, &v) == 0) {
            cfg->debug_exit_port = (uint16_t)v;
        } else if (strncmp(prop, "iosize=", 7) == 0 &&
                   parse_number_property(prop + 7, 4, &v) == 0 && (v == 1 || v == 2 || v == 4)) {
            cfg->debug_exit_size = (uint8_t)v;
        } else {
            return error_set(err, -1, "isa-debug-exit: bad property '%.64s' (iobase=N, "
                             "iosize=1|2|4)", prop);
        }
    }
    return 0;
}

/* isa-debugcon[,iobase=N],chardev=ID (the chardev is looked up when the machine is built). */
static int parse_debugcon(MachineConfig *cfg, char *save, Error *err)
{
    if (cfg->ndebugcons == OPTIONS_MAX_DEBUGCONS) {
        return error_set(err, -1, "isa-debugcon: more than %d", OPTIONS_MAX_DEBUGCONS);
    }
    DebugconConfig d = { .iobase = 0xe9 };
    for (char *prop = strtok_r(NULL, ",", &save); prop; prop = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (strncmp(prop, "iobase=", 7) == 0 && parse_number_property(prop + 7, 0xffff, &v) == 0) {
            d.iobase = (uint16_t)v;
        } else if (strncmp(prop, "chardev=", 8) != 0 ||
                   !copy_property(d.chardev, sizeof(d.chardev), prop + 8)) {
            return error_set(err, -1, "isa-debugcon: bad property '%.64s' (iobase=N, "
                             "chardev=ID)", prop);
        }
    }
    if (!d.chardev[0]) {
        return error_set(err, -1, "isa-debugcon: needs chardev=ID (-chardev)");
    }
    cfg->debugcons[cfg->ndebugcons++] = d;
    return 0;
}

/* -device NAME[,prop=value...]: isa-debug-exit and isa-debugcon (QEMU's properties). */
static int apply_device(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    char buf[256];
    if (strlen(arg) >= sizeof(buf)) {
        return error_set(err, -1, "device description too long");
    }
    strcpy(buf, arg);
    char *save = NULL;
    char *name = strtok_r(buf, ",", &save);
    if (name && strcmp(name, "isa-debug-exit") == 0) {
        return parse_debug_exit(cfg, save, err);
    }
    if (name && strcmp(name, "isa-debugcon") == 0) {
        return parse_debugcon(cfg, save, err);
    }
    return error_set(err, -1, "'%.64s': unknown device (vireo has: isa-debug-exit, isa-debugcon)",
                     name ? name : "");
}

static int apply_nographic(MachineConfig *cfg, const char *arg, OptionsAction *action,
                           Error *err)
{
    cfg->is_nographic = true;
    return 0;
}

/* -display none|sdl[,OPTION...]: QEMU's sub-options of the SDL display are accepted and
 * ignored, except gl=, which vireo does not do. */
static int apply_display(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    size_t n = strcspn(arg, ",");
    if (n == 4 && strncmp(arg, "none", 4) == 0 && arg[n] == 0) {
        cfg->display = DISPLAY_CHOICE_NONE;
        return 0;
    }
    if (n == 3 && strncmp(arg, "sdl", 3) == 0) {
        if (strstr(arg, ",gl=on") || strstr(arg, ",gl=es") || strstr(arg, ",gl=core")) {
            return error_set(err, -1, "'%.64s': OpenGL is not supported", arg);
        }
        cfg->display = DISPLAY_CHOICE_SDL;
        return 0;
    }
    return error_set(err, -1, "'%.64s': unknown display (vireo has: sdl, none)", arg);
}

static int apply_no_reboot(MachineConfig *cfg, const char *arg, OptionsAction *action,
                           Error *err)
{
    cfg->is_no_reboot = true;
    return 0;
}

static int apply_no_shutdown(MachineConfig *cfg, const char *arg, OptionsAction *action,
                             Error *err)
{
    cfg->is_no_shutdown = true;
    return 0;
}

/* The name is checked against the CPU models when the machine is built (system/machine.c). */
static int apply_cpu(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->cpu_model = arg;
    return 0;
}

static int apply_serial(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    if (options_parse_char_target(arg, &cfg->serial, &cfg->serial_path) < 0) {
        return error_set(err, -1, "'%s': expected stdio, none or file:PATH", arg);
    }
    return 0;
}

/*
 * -icount [shift=]N (QEMU's spelling; N = 0..10): time advances 2^N ns per instruction, so a
 * run is reproducible. QEMU's "auto" (adaptive) shift and sleep/align properties are refused.
 */
static int apply_icount(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    const char *n = strncmp(arg, "shift=", 6) == 0 ? arg + 6 : arg;
    uint64_t shift;
    if (parse_number_property(n, OPTIONS_ICOUNT_MAX_SHIFT, &shift) < 0) {
        return error_set(err, -1, "'%.64s': expected a shift from 0 to %d (shift=auto and "
                         "other properties are not supported)", arg, OPTIONS_ICOUNT_MAX_SHIFT);
    }
    cfg->has_icount = true;
    cfg->icount_shift = (uint8_t)shift;
    return 0;
}

static int set_drive(MachineConfig *cfg, unsigned index, const char *option, const char *path,
                     bool is_cdrom, Error *err)
{
    DriveConfig *d = &cfg->drives[index];
    if (d->is_used) {
        return error_set(err, -1, "IDE position %u is already taken by %s", index, d->option);
    }
    if (!*path || strlen(path) >= sizeof(d->path)) {
        return error_set(err, -1, "bad image file name");
    }
    *d = (DriveConfig){ .is_used = true, .is_cdrom = is_cdrom, .is_read_only = is_cdrom };
    snprintf(d->option, sizeof(d->option), "%s", option);
    snprintf(d->path, sizeof(d->path), "%s", path);
    return 0;
}

/* -hda .. -hdd FILE: disks at IDE positions 0..3 (QEMU's legacy options). */
static int apply_hd(MachineConfig *cfg, const char *arg, unsigned index, const char *option,
                    Error *err)
{
    return set_drive(cfg, index, option, arg, false, err);
}

static int apply_hda(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    return apply_hd(cfg, arg, 0, "-hda", err);
}

static int apply_hdb(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    return apply_hd(cfg, arg, 1, "-hdb", err);
}

static int apply_hdc(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    return apply_hd(cfg, arg, 2, "-hdc", err);
}

static int apply_hdd(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    return apply_hd(cfg, arg, 3, "-hdd", err);
}

/* -cdrom FILE: a CD-ROM at the secondary master (position 2), as QEMU places it. */
static int apply_cdrom(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    return set_drive(cfg, 2, "-cdrom", arg, true, err);
}

/*
 * -drive file=PATH[,if=ide][,index=N|bus=B,unit=U][,media=disk|cdrom][,format=raw|qcow2]
 * [,readonly=on|off][,snapshot=on]: without a position, the first free one.
 */
static int apply_drive(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    char buf[4200];
    if (strlen(arg) >= sizeof(buf)) {
        return error_set(err, -1, "drive description too long");
    }
    strcpy(buf, arg);
    const char *file = NULL, *format = "";
    long index = -1, bus = -1, unit = -1;
    bool is_cdrom = false, is_read_only = false;
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (strncmp(p, "file=", 5) == 0) {
            file = p + 5;
        } else if (strcmp(p, "if=ide") == 0 || strcmp(p, "media=disk") == 0) {
            continue;
        } else if (strcmp(p, "media=cdrom") == 0) {
            is_cdrom = true;
        } else if (strcmp(p, "format=raw") == 0 || strcmp(p, "format=qcow2") == 0) {
            format = p + 7;
        } else if (strcmp(p, "readonly=on") == 0 || strcmp(p, "readonly=off") == 0) {
            is_read_only = strcmp(p, "readonly=on") == 0;
        } else if (strcmp(p, "snapshot=on") == 0) {
            cfg->is_snapshot = true;
        } else if (strncmp(p, "index=", 6) == 0 && parse_number_property(p + 6, 3, &v) == 0) {
            index = (long)v;
        } else if (strncmp(p, "bus=", 4) == 0 && parse_number_property(p + 4, 1, &v) == 0) {
            bus = (long)v;
        } else if (strncmp(p, "unit=", 5) == 0 && parse_number_property(p + 5, 1, &v) == 0) {
            unit = (long)v;
        } else {
            return error_set(err, -1, "bad property '%.64s' (file=, if=ide, index=0-3, bus=, "
                             "unit=, media=disk|cdrom, format=raw|qcow2, readonly=on|off, "
                             "snapshot=on)", p);
        }
    }
    if (!file) {
        return error_set(err, -1, "needs file=PATH");
    }
    if (bus >= 0 || unit >= 0) {
        index = (bus > 0 ? bus : 0) * 2 + (unit > 0 ? unit : 0);
    }
    for (unsigned i = 0; index < 0 && i < OPTIONS_IDE_DRIVES; i++) {
        if (!cfg->drives[i].is_used) {
            index = i;
        }
    }
    if (index < 0) {
        return error_set(err, -1, "all %d IDE positions are taken", OPTIONS_IDE_DRIVES);
    }
    if (set_drive(cfg, (unsigned)index, "-drive", file, is_cdrom, err) < 0) {
        return -1;
    }
    DriveConfig *d = &cfg->drives[index];
    d->is_read_only |= is_read_only;
    snprintf(d->format, sizeof(d->format), "%s", format);
    return 0;
}

/* -boot [order=]LETTERS: the firmware's boot order, QEMU's letters a, c, d, n (at most 3). */
static int apply_boot(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    const char *order = strncmp(arg, "order=", 6) == 0 ? arg + 6 : arg;
    size_t n = strlen(order);
    if (n == 0 || n > 3 || strspn(order, "acdn") != n) {
        return error_set(err, -1, "'%.64s': expected [order=]LETTERS, up to three of a, c, d, n",
                         arg);
    }
    memcpy(cfg->boot_order, order, n + 1);
    return 0;
}

static int apply_snapshot(MachineConfig *cfg, const char *arg, OptionsAction *action,
                          Error *err)
{
    cfg->is_snapshot = true;
    return 0;
}

/*
 * -gdb tcp:[HOST]:PORT[,arch=x86-64|i386] (QEMU's chardev spelling; the address is checked when
 * it is opened). arch picks the register description gdb gets (debug/gdb_x86.h); QEMU has
 * one per binary (qemu-system-x86_64, qemu-system-i386), vireo one binary for both.
 */
static int apply_gdb(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    const char *comma = strchr(arg, ',');
    size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
    if (strncmp(arg, "tcp:", 4) != 0 || !memchr(arg + 4, ':', len - 4) ||
        len >= sizeof(cfg->gdb_addr)) {
        return error_set(err, -1, "'%.64s': expected tcp:[HOST]:PORT, e.g. tcp::1234", arg);
    }
    if (comma && strcmp(comma, ",arch=i386") == 0) {
        cfg->is_gdb_i386 = true;
    } else if (comma && strcmp(comma, ",arch=x86-64") != 0) {
        return error_set(err, -1, "'%.64s': unknown property (arch=x86-64 or arch=i386)",
                         comma + 1);
    }
    memcpy(cfg->gdb_addr, arg, len);
    cfg->gdb_addr[len] = '\0';
    cfg->gdb = cfg->gdb_addr;
    return 0;
}

/* -s: QEMU's shorthand for -gdb tcp::1234. */
static int apply_gdb_default(MachineConfig *cfg, const char *arg, OptionsAction *action,
                             Error *err)
{
    cfg->gdb = "tcp::" OPTIONS_GDB_DEFAULT_PORT;
    return 0;
}

static int apply_start_paused(MachineConfig *cfg, const char *arg, OptionsAction *action,
                              Error *err)
{
    cfg->is_start_paused = true;
    return 0;
}

/* The spec is parsed when the monitor is opened (system/monitor_io.c). */
static int apply_monitor(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->monitor = arg;
    return 0;
}

static int apply_bios(MachineConfig *cfg, const char *arg, OptionsAction *action, Error *err)
{
    cfg->bios_path = arg;
    return 0;
}

static const OptionDesc option_table[] = {
    { "h", NULL, apply_help, "print this help and exit" },
    { "help", NULL, apply_help, "print this help and exit" },
    { "version", NULL, apply_version, "print the version and exit" },
    { "m", "SIZE", apply_memory, "guest RAM size, e.g. 512 or 512M or 2G (default 128M)" },
    { "kernel", "FILE", apply_kernel, "Linux bzImage to boot directly" },
    { "bios", "FILE", apply_bios,
      "firmware image (default: SeaBIOS, used when no -kernel is given)" },
    { "initrd", "FILE", apply_initrd, "initial RAM disk for -kernel" },
    { "append", "CMDLINE", apply_append, "kernel command line for -kernel" },
    { "d", "ITEM,...", apply_log, "enable log items (-d help lists them)" },
    { "D", "FILE", apply_log_file, "write the log to FILE instead of stderr" },
    { "debugcon", "TARGET", apply_debugcon,
      "debug console port 0xE9 to stdio, none or file:PATH" },
    { "chardev", "BACKEND,...", apply_chardev,
      "a host end for devices: file,id=ID,path=PATH or stdio,id=ID or null,id=ID" },
    { "device", "NAME,...", apply_device,
      "add a device: isa-debug-exit[,iobase=0xf4][,iosize=4] or "
      "isa-debugcon[,iobase=0x402],chardev=ID" },
    { "cpu", "MODEL", apply_cpu, "CPU model: base (default) or max (all vireo implements)" },
    { "nographic", NULL, apply_nographic,
      "no window: the serial port on stdio (and SeaBIOS's screen mirrored there)" },
    { "display", "sdl|none", apply_display,
      "the screen in an SDL window (default when X or Wayland is there) or nowhere" },
    { "no-reboot", NULL, apply_no_reboot, "exit instead of rebooting on a guest reset" },
    { "no-shutdown", NULL, apply_no_shutdown,
      "stop the emulation instead of exiting when the guest powers off" },
    { "serial", "TARGET", apply_serial,
      "COM1 to stdio (default; C-a x quits), none or file:PATH" },
    { "drive", "file=PATH,...", apply_drive,
      "an IDE drive: file=,index=0-3,media=disk|cdrom,format=raw|qcow2,readonly=on" },
    { "hda", "FILE", apply_hda, "disk image at IDE primary master" },
    { "hdb", "FILE", apply_hdb, "disk image at IDE primary slave" },
    { "hdc", "FILE", apply_hdc, "disk image at IDE secondary master" },
    { "hdd", "FILE", apply_hdd, "disk image at IDE secondary slave" },
    { "cdrom", "FILE", apply_cdrom, "CD-ROM image at IDE secondary master" },
    { "boot", "[order=]LETTERS", apply_boot,
      "firmware boot order: c (disk), d (CD-ROM), a (floppy), n (network); default cad" },
    { "snapshot", NULL, apply_snapshot,
      "writes to disk images go to temporary files, the images stay as they were" },
    { "gdb", "tcp:[HOST]:PORT", apply_gdb, "wait for gdb's remote protocol on a TCP port" },
    { "s", NULL, apply_gdb_default, "shorthand for -gdb tcp::" OPTIONS_GDB_DEFAULT_PORT },
    { "S", NULL, apply_start_paused, "do not start the CPU (gdb's continue starts it)" },
    { "monitor", "DEV", apply_monitor,
      "the monitor on stdio, unix:PATH,server,nowait or tcp:[HOST]:PORT,server,nowait" },
    { "icount", "[shift=]N", apply_icount,
      "deterministic time: each instruction takes 2^N ns (N = 0..10)" },
};

/*
 * QEMU options that users will try and vireo does not implement yet: named explicitly so the
 * error says so rather than calling them unknown.
 */
static const char *const options_not_yet[] = {
    "smp",
    "netdev", "nic",
    "loadvm", "machine", "M", "accel",
    "enable-kvm", "vga", "incoming", "record", "replay",
};

void options_init_config(MachineConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->boot_order, "cad", 4); /* QEMU's pc machine default */
    cfg->ram_bytes = (uint64_t)OPTIONS_DEFAULT_RAM_MIB << 20;
    cfg->debug_exit_port = 0x501;
    cfg->debug_exit_size = 2;
    cfg->serial = CHAR_TARGET_STDIO;
}

int options_parse_ram_size(const char *text, uint64_t *bytes)
{
    if (*text < '0' || *text > '9') {
        return -1;
    }
    uint64_t value = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (value > (UINT64_MAX - 9) / 10) {
            return -1;
        }
        value = value * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 20;
    switch (*p) {
    case '\0':
        break;
    case 'k': case 'K': shift = 10; p++; break;
    case 'm': case 'M': shift = 20; p++; break;
    case 'g': case 'G': shift = 30; p++; break;
    case 't': case 'T': shift = 40; p++; break;
    case 'b': case 'B': shift = 0; p++; break;
    default:
        return -1;
    }
    if (*p == 'i' && shift) {
        p++;
    }
    if ((*p == 'b' || *p == 'B') && shift) {
        p++;
    }
    if (*p != '\0' || value > (UINT64_MAX >> shift)) {
        return -1;
    }
    *bytes = value << shift;
    return 0;
}

static const OptionDesc *find_option(const char *name)
{
    for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
        if (strcmp(option_table[i].name, name) == 0) {
            return &option_table[i];
        }
    }
    return NULL;
}

static bool is_option_not_yet(const char *name)
{
    for (size_t i = 0; i < sizeof(options_not_yet) / sizeof(options_not_yet[0]); i++) {
        if (strcmp(options_not_yet[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int options_parse(int argc, char **argv, MachineConfig *cfg, OptionsAction *action, Error *err)
{
    *action = OPTIONS_RUN;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (word[0] != '-' || word[1] == '\0') {
            return error_set(err, -1, "%.100s: unexpected argument (options start with '-')", word);
        }
        const char *name = word + 1;
        if (*name == '-') {
            name++;
        }
        const OptionDesc *opt = find_option(name);
        if (!opt) {
            if (is_option_not_yet(name)) {
                return error_set(err, -1, "%.100s: option not supported yet", word);
            }
            return error_set(err, -1, "%.100s: unknown option (try -h)", word);
        }
        const char *arg = NULL;
        if (opt->arg_name) {
            if (i + 1 >= argc) {
                return error_set(err, -1, "%s: missing argument %s", word, opt->arg_name);
            }
            arg = argv[++i];
        }
        if (opt->apply(cfg, arg, action, err) < 0) {
            error_prefix(err, "%s", word);
            return -1;
        }
        if (*action != OPTIONS_RUN) {
            return 0;
        }
    }
    if ((cfg->initrd_path || cfg->append) && !cfg->kernel_path) {
        return error_set(err, -1, "%s: only allowed with -kernel",
                         cfg->initrd_path ? "-initrd" : "-append");
    }
    return 0;
}

static int check_readable(const char *option, const char *path, Error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return error_set(err, -1, "%s: %s: %s", option, path, strerror(errno));
    }
    fclose(f);
    return 0;
}

int options_check_files(const MachineConfig *cfg, Error *err)
{
    if (cfg->kernel_path && check_readable("-kernel", cfg->kernel_path, err) < 0) {
        return -1;
    }
    if (cfg->initrd_path && check_readable("-initrd", cfg->initrd_path, err) < 0) {
        return -1;
    }
    return 0;
}

void options_print_usage(void)
{
    printf("usage: vireo [options]\n\nOptions:\n");
    for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
        const OptionDesc *o = &option_table[i];
        char left[40];
        snprintf(left, sizeof(left), "-%s%s%s", o->name, o->arg_name ? " " : "",
                 o->arg_name ? o->arg_name : "");
        printf("  %-22s %s\n", left, o->help);
    }
}

void options_print_version(void)
{
    printf("vireo version %s\n", VIREO_VERSION);
}

void options_print_log_help(void)
{
    printf("Log items (-d ITEM,...):\n");
    for (const LogCategoryName *c = log_categories; c->name; c++) {
        printf("  %-14s %s\n", c->name, c->help);
    }
}
