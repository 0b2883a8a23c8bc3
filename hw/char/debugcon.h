/*
 * hw/char/debugcon.h: the Bochs/QEMU debug console: bytes written to an I/O port (0xE9 by
 * default) go to a host stream. Reading the port returns 0xE9, which is how guests detect the
 * device (Bochs user manual, "port E9 hack"; QEMU's isa-debugcon readback value).
 *
 * The device has no guest-visible state, so it has no state table.
 */
#ifndef VIREO_HW_CHAR_DEBUGCON_H
#define VIREO_HW_CHAR_DEBUGCON_H

#include <stdint.h>
#include <stdio.h>

#include "softmmu/ioport.h"

#define DEBUGCON_DEFAULT_PORT 0xe9
#define DEBUGCON_READBACK 0xe9

typedef struct DebugconState {
    FILE *out;     /* not owned; NULL drops the bytes */
    uint16_t port;
} DebugconState;

/* Registers the console at `port`, writing to `out` (NULL: nowhere). Returns 0 or a negative
 * errno. */
int debugcon_init(DebugconState *s, PortSpace *ports, uint16_t port, FILE *out);

#endif
