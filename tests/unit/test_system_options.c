/* Tests of system/options.c: the option table, sizes, and the errors users see. */
#include "check.h"
#include "system/options.h"

static int parse(MachineConfig *cfg, OptionsAction *action, Error *err, char **argv)
{
    int argc = 0;
    while (argv[argc]) {
        argc++;
    }
    options_init_config(cfg);
    err->msg[0] = '\0';
    return options_parse(argc, argv, cfg, action, err);
}

static void test_options_defaults(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *argv[] = { "vireo", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, argv), 0);
    CHECK_EQ(action, OPTIONS_RUN);
    CHECK_EQ(cfg.ram_bytes, 128ull << 20);
    CHECK(cfg.kernel_path == NULL);
}

static void test_options_ram_sizes(void)
{
    uint64_t b = 0;
    CHECK_EQ(options_parse_ram_size("512", &b), 0);
    CHECK_EQ(b, 512ull << 20);
    CHECK_EQ(options_parse_ram_size("2G", &b), 0);
    CHECK_EQ(b, 2ull << 30);
    CHECK_EQ(options_parse_ram_size("1536M", &b), 0);
    CHECK_EQ(b, 1536ull << 20);
    CHECK_EQ(options_parse_ram_size("64k", &b), 0);
    CHECK_EQ(b, 64ull << 10);
    CHECK_EQ(options_parse_ram_size("1GiB", &b), 0);
    CHECK_EQ(b, 1ull << 30);
    CHECK(options_parse_ram_size("", &b) < 0);
    CHECK(options_parse_ram_size("-5", &b) < 0);
    CHECK(options_parse_ram_size("12Q", &b) < 0);
    CHECK(options_parse_ram_size("99999999999999999999", &b) < 0);
    CHECK(options_parse_ram_size("99999999999T", &b) < 0);
}

static void test_options_kernel_append(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *argv[] = { "vireo", "-m", "512", "-kernel", "bz", "--initrd", "rd",
                     "-append", "console=ttyS0 quiet", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, argv), 0);
    CHECK_EQ(cfg.ram_bytes, 512ull << 20);
    CHECK_STR_EQ(cfg.kernel_path, "bz");
    CHECK_STR_EQ(cfg.initrd_path, "rd");
    CHECK_STR_EQ(cfg.append, "console=ttyS0 quiet");
}

/* QEMU's drive options: positions 0-3 = primary master, slave, secondary master, slave. */
static void test_options_drives(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *legacy[] = { "vireo", "-hda", "a.img", "-hdb", "b.qcow2", "-cdrom", "c.iso",
                       "-snapshot", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, legacy), 0);
    CHECK(cfg.drives[0].is_used && !cfg.drives[0].is_cdrom && !cfg.drives[0].is_read_only);
    CHECK_STR_EQ(cfg.drives[0].path, "a.img");
    CHECK_STR_EQ(cfg.drives[1].path, "b.qcow2");
    CHECK(cfg.drives[2].is_cdrom && cfg.drives[2].is_read_only);
    CHECK(!cfg.drives[3].is_used);
    CHECK(cfg.is_snapshot);

    char *drive[] = { "vireo", "-drive", "file=x.qcow2,if=ide,index=3,format=qcow2,readonly=on",
                      "-drive", "file=y.iso,media=cdrom", "-drive", "file=z,bus=1,unit=0",
                      NULL };
    CHECK_EQ(parse(&cfg, &action, &err, drive), 0);
    CHECK(cfg.drives[3].is_used && cfg.drives[3].is_read_only);
    CHECK_STR_EQ(cfg.drives[3].format, "qcow2");
    CHECK(cfg.drives[0].is_cdrom); /* the first free position */
    CHECK_STR_EQ(cfg.drives[2].path, "z");

    char *taken[] = { "vireo", "-hdc", "a", "-cdrom", "b", NULL };
    CHECK(parse(&cfg, &action, &err, taken) < 0);
    CHECK_STR_EQ(err.msg, "-cdrom: IDE position 2 is already taken by -hdc");
    char *no_file[] = { "vireo", "-drive", "index=1", NULL };
    CHECK(parse(&cfg, &action, &err, no_file) < 0);
    CHECK_STR_EQ(err.msg, "-drive: needs file=PATH");
    char *bad[] = { "vireo", "-drive", "file=a,if=scsi", NULL };
    CHECK(parse(&cfg, &action, &err, bad) < 0);
    CHECK(strncmp(err.msg, "-drive: bad property 'if=scsi'", 30) == 0);
}

static void test_options_errors_name_the_option(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *unknown[] = { "vireo", "-frobnicate", NULL };
    CHECK(parse(&cfg, &action, &err, unknown) < 0);
    CHECK_STR_EQ(err.msg, "-frobnicate: unknown option (try -h)");

    char *not_yet[] = { "vireo", "-smp", "2", NULL };
    CHECK(parse(&cfg, &action, &err, not_yet) < 0);
    CHECK_STR_EQ(err.msg, "-smp: option not supported yet");

    char *missing[] = { "vireo", "-kernel", NULL };
    CHECK(parse(&cfg, &action, &err, missing) < 0);
    CHECK_STR_EQ(err.msg, "-kernel: missing argument FILE");

    char *bad_m[] = { "vireo", "-m", "lots", NULL };
    CHECK(parse(&cfg, &action, &err, bad_m) < 0);
    CHECK(strncmp(err.msg, "-m: invalid RAM size 'lots'", 27) == 0);

    char *tiny_m[] = { "vireo", "-m", "4k", NULL };
    CHECK(parse(&cfg, &action, &err, tiny_m) < 0);
    CHECK(strstr(err.msg, "out of range") != NULL);

    char *initrd_alone[] = { "vireo", "-initrd", "rd", NULL };
    CHECK(parse(&cfg, &action, &err, initrd_alone) < 0);
    CHECK_STR_EQ(err.msg, "-initrd: only allowed with -kernel");

    char *stray[] = { "vireo", "bzImage", NULL };
    CHECK(parse(&cfg, &action, &err, stray) < 0);
    CHECK(strncmp(err.msg, "bzImage: unexpected argument", 28) == 0);

    char *bad_d[] = { "vireo", "-d", "int,nope", NULL };
    CHECK(parse(&cfg, &action, &err, bad_d) < 0);
    CHECK_STR_EQ(err.msg, "-d: unknown log item 'nope' (try -d help)");
}

static void test_options_icount(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *plain[] = { "vireo", "-icount", "3", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, plain), 0);
    CHECK(cfg.has_icount);
    CHECK_EQ(cfg.icount_shift, 3);
    char *named[] = { "vireo", "-icount", "shift=0", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, named), 0);
    CHECK(cfg.has_icount);
    CHECK_EQ(cfg.icount_shift, 0);
    char *none[] = { "vireo", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, none), 0);
    CHECK(!cfg.has_icount);
    char *bad[] = { "vireo", "-icount", "shift=auto", NULL };
    CHECK(parse(&cfg, &action, &err, bad) < 0);
    CHECK(strncmp(err.msg, "-icount: 'shift=auto': expected a shift from 0 to 10", 51) == 0);
    char *big[] = { "vireo", "-icount", "11", NULL };
    CHECK(parse(&cfg, &action, &err, big) < 0);
}

static void test_options_serial(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *none[] = { "vireo", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, none), 0);
    CHECK_EQ(cfg.serial, CHAR_TARGET_STDIO);
    char *file[] = { "vireo", "-serial", "file:/tmp/com1.log", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, file), 0);
    CHECK_EQ(cfg.serial, CHAR_TARGET_FILE);
    CHECK_STR_EQ(cfg.serial_path, "/tmp/com1.log");
    char *bad[] = { "vireo", "-serial", "tcp::4444", NULL };
    CHECK(parse(&cfg, &action, &err, bad) < 0);
    CHECK_STR_EQ(err.msg, "-serial: 'tcp::4444': expected stdio, none or file:PATH");
}

static void test_options_actions(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *version[] = { "vireo", "--version", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, version), 0);
    CHECK_EQ(action, OPTIONS_VERSION);
    char *help[] = { "vireo", "-h", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, help), 0);
    CHECK_EQ(action, OPTIONS_HELP);
    char *dhelp[] = { "vireo", "-d", "help", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, dhelp), 0);
    CHECK_EQ(action, OPTIONS_LOG_HELP);
}

static void test_options_missing_file(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *argv[] = { "vireo", "-kernel", "/nonexistent/bzImage", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, argv), 0);
    CHECK(options_check_files(&cfg, &err) < 0);
    CHECK_STR_EQ(err.msg, "-kernel: /nonexistent/bzImage: No such file or directory");
}

static void test_options_debug_devices(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *argv[] = { "vireo", "-debugcon", "file:/tmp/x", "-device",
                     "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot", "-nographic", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, argv), 0);
    CHECK_EQ(cfg.debugcon, CHAR_TARGET_FILE);
    CHECK_STR_EQ(cfg.debugcon_path, "/tmp/x");
    CHECK(cfg.has_debug_exit);
    CHECK_EQ(cfg.debug_exit_port, 0xf4);
    CHECK_EQ(cfg.debug_exit_size, 4);
    CHECK(cfg.is_no_reboot);
    CHECK(cfg.is_nographic);

    /* QEMU's defaults for isa-debug-exit: iobase 0x501, iosize 2. */
    char *plain[] = { "vireo", "-device", "isa-debug-exit", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, plain), 0);
    CHECK_EQ(cfg.debug_exit_port, 0x501);
    CHECK_EQ(cfg.debug_exit_size, 2);

    char *bad_dev[] = { "vireo", "-device", "e1000", NULL };
    CHECK(parse(&cfg, &action, &err, bad_dev) < 0);
    CHECK(strncmp(err.msg, "-device: 'e1000': unknown device", 32) == 0);
    char *bad_size[] = { "vireo", "-device", "isa-debug-exit,iosize=3", NULL };
    CHECK(parse(&cfg, &action, &err, bad_size) < 0);
    char *bad_port[] = { "vireo", "-device", "isa-debug-exit,iobase=0x10000", NULL };
    CHECK(parse(&cfg, &action, &err, bad_port) < 0);
    char *bad_con[] = { "vireo", "-debugcon", "tcp:1234", NULL };
    CHECK(parse(&cfg, &action, &err, bad_con) < 0);
    CHECK_STR_EQ(err.msg, "-debugcon: 'tcp:1234': expected stdio, none or file:PATH");
}

/* -chardev and -device isa-debugcon (QEMU's spelling; SeaBIOS's log port 0x402). */
static void test_options_chardev_debugcon(void)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;
    char *argv[] = { "vireo", "-chardev", "file,id=bios,path=/tmp/b.log", "-chardev",
                     "null,id=quiet", "-device", "isa-debugcon,iobase=0x402,chardev=bios",
                     "-device", "isa-debugcon,chardev=quiet", "-no-shutdown", NULL };
    CHECK_EQ(parse(&cfg, &action, &err, argv), 0);
    CHECK_EQ(cfg.nchardevs, 2);
    CHECK_STR_EQ(cfg.chardevs[0].id, "bios");
    CHECK_EQ(cfg.chardevs[0].target, CHAR_TARGET_FILE);
    CHECK_STR_EQ(cfg.chardevs[0].path, "/tmp/b.log");
    CHECK_EQ(cfg.chardevs[1].target, CHAR_TARGET_NONE);
    CHECK_EQ(cfg.ndebugcons, 2);
    CHECK_EQ(cfg.debugcons[0].iobase, 0x402);
    CHECK_STR_EQ(cfg.debugcons[0].chardev, "bios");
    CHECK_EQ(cfg.debugcons[1].iobase, 0xe9); /* QEMU's default iobase */
    CHECK(cfg.is_no_shutdown);

    char *twice[] = { "vireo", "-chardev", "stdio,id=a", "-chardev", "null,id=a", NULL };
    CHECK(parse(&cfg, &action, &err, twice) < 0);
    CHECK_STR_EQ(err.msg, "-chardev: character device id 'a' used twice");
    char *no_path[] = { "vireo", "-chardev", "file,id=a", NULL };
    CHECK(parse(&cfg, &action, &err, no_path) < 0);
    char *bad_backend[] = { "vireo", "-chardev", "socket,id=a", NULL };
    CHECK(parse(&cfg, &action, &err, bad_backend) < 0);
    char *no_chardev[] = { "vireo", "-device", "isa-debugcon,iobase=0x402", NULL };
    CHECK(parse(&cfg, &action, &err, no_chardev) < 0);
    CHECK_STR_EQ(err.msg, "-device: isa-debugcon: needs chardev=ID (-chardev)");
}

static const CheckTest tests[] = {
    CHECK_TEST(test_options_chardev_debugcon),
    CHECK_TEST(test_options_debug_devices),
    CHECK_TEST(test_options_defaults),
    CHECK_TEST(test_options_ram_sizes),
    CHECK_TEST(test_options_kernel_append),
    CHECK_TEST(test_options_errors_name_the_option),
    CHECK_TEST(test_options_drives),
    CHECK_TEST(test_options_actions),
    CHECK_TEST(test_options_icount),
    CHECK_TEST(test_options_serial),
    CHECK_TEST(test_options_missing_file),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
