/*
 * system/chardev.h: the host end of a guest character device (the serial port): standard
 * input/output, a file, or nothing, as QEMU's -serial stdio|file:PATH|none.
 *
 * On stdio the terminal is put in raw mode while the guest runs (restored at exit), and the
 * input is multiplexed as QEMU's -nographic does: Ctrl-A x quits, Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A h lists the keys; any other Ctrl-A pair is passed through. Reading never
 * blocks: the main loop polls.
 */
#ifndef VIREO_SYSTEM_CHARDEV_H
#define VIREO_SYSTEM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#include "system/options.h"
#include "util/error.h"

#define CHARDEV_ESCAPE 0x01 /* Ctrl-A */

typedef struct Chardev {
    CharTarget target;
    int in_fd;          /* -1: no input */
    FILE *out;          /* NULL: output dropped */
    bool owns_out;
    bool is_raw;        /* the terminal's settings below must be restored */
    struct termios saved;
    bool saw_escape;    /* the previous input byte was Ctrl-A */
    uint8_t pending[128]; /* filtered input the guest has not taken yet */
    size_t pending_len;
    bool quit_requested;
} Chardev;

int chardev_open(Chardev *c, CharTarget target, const char *path, Error *err);
void chardev_close(Chardev *c);
void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
/* Reads available input (at most max bytes) into buf after escape processing; what the
 * caller cannot take now stays for the next call. */
size_t chardev_read(Chardev *c, uint8_t *buf, size_t max);
/* Escape processing of raw input bytes (also for tests): returns the bytes kept in out
 * (at most len); sets quit_requested on Ctrl-A x. */
size_t chardev_filter_input(Chardev *c, const uint8_t *in, size_t len, uint8_t *out);

#endif
