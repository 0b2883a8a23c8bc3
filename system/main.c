/*
 * system/main.c: vireo's entry point. Parses the command line, reports user errors as one
 * line, and runs the machine.
 */
#include <stdio.h>
#include <string.h>

#include "system/machine.h"
#include "system/options.h"
#include "util/error.h"
#include "util/log.h"

int main(int argc, char **argv)
{
    MachineConfig cfg;
    OptionsAction action;
    Error err;

    options_init_config(&cfg);
    if (options_parse(argc, argv, &cfg, &action, &err) < 0) {
        error_report_err(&err);
        return 1;
    }
    switch (action) {
    case OPTIONS_HELP:
        options_print_usage();
        return 0;
    case OPTIONS_VERSION:
        options_print_version();
        return 0;
    case OPTIONS_LOG_HELP:
        options_print_log_help();
        return 0;
    case OPTIONS_RUN:
        break;
    }
    if (options_check_files(&cfg, &err) < 0) {
        error_report_err(&err);
        return 1;
    }
    if (cfg.log_path) {
        int rc = log_set_file(cfg.log_path);
        if (rc < 0) {
            error_report("-D: %s: %s", cfg.log_path, strerror(-rc));
            return 1;
        }
    }
    log_set_mask(cfg.log_mask);
    Machine m;
    int status;
    if (machine_init(&m, &cfg, &err) < 0) {
        error_report_err(&err);
        status = 1;
    } else {
        status = machine_run(&m);
    }
    machine_destroy(&m);
    log_close();
    return status;
}
