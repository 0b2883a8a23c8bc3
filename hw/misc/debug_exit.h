/*
 * hw/misc/debug_exit.h: QEMU's isa-debug-exit device for test guests: a write of value V to its
 * port ends the emulator with exit status (V << 1) | 1, so a guest's own status can never look
 * like a clean 0 from the emulator. Reads return all-ones (QEMU: no read handler).
 *
 * No guest-visible state, so no state table.
 */
#ifndef VIREO_HW_MISC_DEBUG_EXIT_H
#define VIREO_HW_MISC_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/ioport.h"

#define DEBUG_EXIT_DEFAULT_PORT 0x501
#define DEBUG_EXIT_DEFAULT_SIZE 2

typedef struct DebugExitState {
    uint16_t port;
    uint8_t size;        /* 1, 2 or 4: the access width QEMU's iosize gives */
    bool has_exited;     /* a write happened: the board stops the machine */
    int exit_status;
    /* Host-side plumbing: called at the write, so the board stops the guest there. */
    void (*on_exit)(void *opaque);
    void *on_exit_opaque;
} DebugExitState;

/*
 * Registers the device at `port` with width `size` (1, 2 or 4); on_exit (may be NULL) is
 * called when the guest writes.
 */
int debug_exit_init(DebugExitState *s, PortSpace *ports, uint16_t port, unsigned size,
                    void (*on_exit)(void *opaque), void *opaque);

#endif
