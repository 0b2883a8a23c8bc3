/* hw/char/debugcon.c: the debug console port (see debugcon.h). */
#include "hw/char/debugcon.h"

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    DebugconState *s = opaque;
    if (!s->out) {
        return; /* a null character device: the bytes are dropped */
    }
    fputc((int)(value & 0xff), s->out);
    fflush(s->out);
}

static const IoOps debugcon_ops = {
    .read = debugcon_read, .write = debugcon_write, .min_size = 1, .max_size = 1,
};

int debugcon_init(DebugconState *s, PortSpace *ports, uint16_t port, FILE *out)
{
    s->out = out;
    s->port = port;
    return port_space_register(ports, port, 1, &debugcon_ops, s);
}
