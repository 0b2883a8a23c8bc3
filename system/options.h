/*
 * system/options.h: the command line. A subset of QEMU's options with QEMU's meaning
 * (DESIGN.md "Command line"), parsed from one table. An option vireo does not know, or knows
 * from QEMU but does not implement yet, is an error that names it.
 */
#ifndef VIREO_SYSTEM_OPTIONS_H
#define VIREO_SYSTEM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define OPTIONS_DEFAULT_RAM_MIB 128
#define OPTIONS_MIN_RAM_BYTES (1ull << 20)
#define OPTIONS_MAX_RAM_BYTES (1ull << 40)
#define OPTIONS_ICOUNT_MAX_SHIFT 10

typedef enum OptionsAction {
    OPTIONS_RUN,       /* boot a machine */
    OPTIONS_HELP,      /* -h: usage printed */
    OPTIONS_VERSION,   /* --version: version printed */
    OPTIONS_LOG_HELP,  /* -d help: categories printed */
} OptionsAction;

/* Where a character device (debug console, later serial) sends its output. */
typedef enum CharTarget {
    CHAR_TARGET_NONE,
    CHAR_TARGET_STDIO,
    CHAR_TARGET_FILE,
} CharTarget;

#define OPTIONS_MAX_CHARDEVS 4
#define OPTIONS_MAX_DEBUGCONS 2
#define OPTIONS_ID_MAX 32

/* -chardev BACKEND,id=ID[,path=PATH]: a named host end for devices (file, stdio, null). */
typedef struct ChardevConfig {
    char id[OPTIONS_ID_MAX];
    CharTarget target; /* CHAR_TARGET_NONE for the null backend */
    char path[256];
} ChardevConfig;

/* -device isa-debugcon[,iobase=N],chardev=ID: a debug console besides -debugcon's 0xE9 (SeaBIOS
 * writes its log to 0x402). */
typedef struct DebugconConfig {
    uint16_t iobase;
    char chardev[OPTIONS_ID_MAX];
} DebugconConfig;

#define OPTIONS_GDB_DEFAULT_PORT "1234"
#define OPTIONS_IDE_DRIVES 4 /* primary master, primary slave, secondary master and slave */

/* An IDE drive from -drive, -hda..-hdd or -cdrom. */
typedef struct DriveConfig {
    bool is_used;
    bool is_cdrom;
    bool is_read_only;
    char format[8];      /* "raw", "qcow2", or "" to recognise the file */
    char option[8];      /* the option that named it, for messages */
    char path[4096];
} DriveConfig;

/* -display: where the screen goes. The default is a window when a display server is there
 * (DISPLAY or WAYLAND_DISPLAY set) and nothing otherwise; -nographic means none. */
typedef enum DisplayChoice {
    DISPLAY_CHOICE_DEFAULT,
    DISPLAY_CHOICE_NONE,
    DISPLAY_CHOICE_SDL,
} DisplayChoice;

typedef struct MachineConfig {
    uint64_t ram_bytes;
    const char *kernel_path;
    const char *bios_path;       /* -bios FILE; NULL: machine.h MACHINE_DEFAULT_BIOS */
    const char *initrd_path;
    const char *append;
    uint32_t log_mask;
    const char *log_path;
    CharTarget debugcon;
    const char *debugcon_path;   /* for CHAR_TARGET_FILE */
    ChardevConfig chardevs[OPTIONS_MAX_CHARDEVS];
    unsigned nchardevs;
    DebugconConfig debugcons[OPTIONS_MAX_DEBUGCONS];
    unsigned ndebugcons;
    bool has_debug_exit;         /* -device isa-debug-exit */
    uint16_t debug_exit_port;
    uint8_t debug_exit_size;
    bool is_nographic;
    DisplayChoice display;       /* -display */
    bool is_no_reboot;
    bool is_no_shutdown; /* -no-shutdown: stop the emulation at a guest power-off, do not exit */
    const char *cpu_model;       /* -cpu NAME; NULL for the default */
    CharTarget serial;           /* -serial: COM1's host end (default stdio) */
    const char *serial_path;
    const char *gdb;             /* -gdb tcp:[HOST]:PORT (or -s); NULL: no gdb stub */
    char gdb_addr[256];
    bool is_gdb_i386;            /* -gdb ...,arch=i386: the i386 register description */
    bool is_start_paused;        /* -S */
    const char *monitor;         /* -monitor spec (system/monitor_io.h); NULL: none */
    DriveConfig drives[OPTIONS_IDE_DRIVES];
    char boot_order[4];          /* -boot: up to 3 of a (floppy), c (disk), d (CD), n (net) */
    bool is_snapshot;            /* -snapshot: disk writes go to temporary overlays */
    bool has_icount;             /* -icount: deterministic virtual time */
    uint8_t icount_shift;        /* each instruction is 2^shift ns */
} MachineConfig;

void options_init_config(MachineConfig *cfg);

/*
 * Parse argv into *cfg. Returns 0 and sets *action, or -1 with err naming the option and the
 * problem. Strings in *cfg point into argv.
 */
int options_parse(int argc, char **argv, MachineConfig *cfg, OptionsAction *action, Error *err);

/* Check what the options name outside the process (files exist and are readable). */
int options_check_files(const MachineConfig *cfg, Error *err);

/* Parse a character-device target: "stdio", "none" or "file:PATH". */
int options_parse_char_target(const char *text, CharTarget *target, const char **path);

/* Parse a QEMU-style size ("512", "512M", "2G"; no suffix means MiB). */
int options_parse_ram_size(const char *text, uint64_t *bytes);

void options_print_usage(void);
void options_print_version(void);
void options_print_log_help(void);

#endif
