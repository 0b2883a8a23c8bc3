/* hw/misc/debug_exit.c: the test exit port (see debug_exit.h). */
#include "hw/misc/debug_exit.h"

#include <errno.h>
#include <stddef.h>

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    DebugExitState *s = opaque;
    if (s->has_exited) {
        return; /* the first write decides */
    }
    s->has_exited = true;
    s->exit_status = (int)(((value << 1) | 1) & 0xff);
    if (s->on_exit) {
        s->on_exit(s->on_exit_opaque);
    }
}

static const IoOps debug_exit_ops = {
    .read = NULL, .write = debug_exit_write, .min_size = 1, .max_size = 4,
};

int debug_exit_init(DebugExitState *s, PortSpace *ports, uint16_t port, unsigned size,
                    void (*on_exit)(void *opaque), void *opaque)
{
    if (size != 1 && size != 2 && size != 4) {
        return -EINVAL;
    }
    s->port = port;
    s->size = (uint8_t)size;
    s->has_exited = false;
    s->exit_status = 0;
    s->on_exit = on_exit;
    s->on_exit_opaque = opaque;
    return port_space_register(ports, port, size, &debug_exit_ops, s);
}
