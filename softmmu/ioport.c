/*
 * softmmu/ioport.c: the x86 I/O-port space (ioport.h; SDM Vol. 1 §19.2-19.3).
 *
 * A flat table maps each of the 65536 ports to a registration (index + 1; 0 is unassigned),
 * so a lookup is one load. An access is cut into runs of consecutive ports that belong to one
 * registration; each run is one access to that device, fitted to its widths by io_ops.
 * Registrations are never moved in the table; when it fills up, entries no port refers to
 * any more (overwritten or unregistered) are reused.
 */
#include "softmmu/ioport.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/log.h"

#define PORT_HANDLERS_MAX 0xffffu

typedef struct PortHandler {
    const IoOps *ops;
    void *opaque;
    uint16_t base;
} PortHandler;

struct PortSpace {
    uint16_t map[PORT_SPACE_SIZE]; /* handler index + 1, 0 for unassigned */
    PortHandler *handlers;
    unsigned count, cap;
};

PortSpace *port_space_new(void)
{
    return calloc(1, sizeof(PortSpace));
}

void port_space_free(PortSpace *ps)
{
    if (ps) {
        free(ps->handlers);
        free(ps);
    }
}

/* A free handler index: a new one, or one no port refers to any more. */
static int handler_slot(PortSpace *ps)
{
    if (ps->count < ps->cap) {
        return (int)ps->count++;
    }
    if (ps->count < PORT_HANDLERS_MAX) {
        unsigned cap = ps->cap ? 2 * ps->cap : 64;
        cap = cap > PORT_HANDLERS_MAX ? PORT_HANDLERS_MAX : cap;
        PortHandler *h = realloc(ps->handlers, cap * sizeof(*h));
        if (!h) {
            return -ENOMEM;
        }
        ps->handlers = h;
        ps->cap = cap;
        return (int)ps->count++;
    }
    bool *is_used = calloc(PORT_HANDLERS_MAX, sizeof(*is_used));
    if (!is_used) {
        return -ENOMEM;
    }
    for (unsigned p = 0; p < PORT_SPACE_SIZE; p++) {
        if (ps->map[p]) {
            is_used[ps->map[p] - 1] = true;
        }
    }
    int slot = -ENOSPC;
    for (unsigned i = 0; i < ps->count && slot < 0; i++) {
        if (!is_used[i]) {
            slot = (int)i;
        }
    }
    free(is_used);
    return slot;
}

int port_space_register(PortSpace *ps, uint16_t base, uint32_t count, const IoOps *ops,
                        void *opaque)
{
    if (count == 0 || count > PORT_SPACE_SIZE - base || !ops || (!ops->read && !ops->write)) {
        return -EINVAL;
    }
    int slot = handler_slot(ps);
    if (slot < 0) {
        return slot;
    }
    ps->handlers[slot] = (PortHandler){ops, opaque, base};
    for (uint32_t i = 0; i < count; i++) {
        ps->map[base + i] = (uint16_t)(slot + 1);
    }
    return 0;
}

void port_space_unregister(PortSpace *ps, uint16_t base, uint32_t count)
{
    for (uint32_t i = 0; i < count && base + i < PORT_SPACE_SIZE; i++) {
        ps->map[base + i] = 0;
    }
}

/* Number of ports from port+i on (up to size) that share port+i's registration. */
static unsigned run_length(const PortSpace *ps, uint32_t port, unsigned i, unsigned size)
{
    unsigned j = i + 1;
    while (j < size && port + j < PORT_SPACE_SIZE && ps->map[port + j] == ps->map[port + i]) {
        j++;
    }
    return j - i;
}

static bool is_valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4;
}

uint32_t port_read(PortSpace *ps, uint16_t port, unsigned size)
{
    if (!is_valid_size(size)) {
        log_guest_error("port 0x%x: %u-byte read", port, size);
        return 0xffffffffu;
    }
    uint32_t value = 0;
    for (unsigned i = 0; i < size;) {
        uint32_t p = (uint32_t)port + i;
        if (p >= PORT_SPACE_SIZE) {
            value |= 0xffu << (8 * i); /* A16 set: no PC device decodes it */
            i++;
            continue;
        }
        unsigned n = run_length(ps, port, i, size);
        uint32_t bits = n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1;
        if (ps->map[p]) {
            const PortHandler *h = &ps->handlers[ps->map[p] - 1];
            bits &= (uint32_t)io_ops_read(h->ops, h->opaque, p - h->base, n, "port", h->base);
        } else {
            log_guest_error("read of unassigned port 0x%x", p);
        }
        value |= bits << (8 * i);
        i += n;
    }
    return value;
}

void port_write(PortSpace *ps, uint16_t port, uint32_t value, unsigned size)
{
    if (!is_valid_size(size)) {
        log_guest_error("port 0x%x: %u-byte write", port, size);
        return;
    }
    for (unsigned i = 0; i < size;) {
        uint32_t p = (uint32_t)port + i;
        if (p >= PORT_SPACE_SIZE) {
            break;
        }
        unsigned n = run_length(ps, port, i, size);
        if (ps->map[p]) {
            const PortHandler *h = &ps->handlers[ps->map[p] - 1];
            uint32_t bits = n == 4 ? value : (value >> (8 * i)) & ((1u << (8 * n)) - 1);
            io_ops_write(h->ops, h->opaque, p - h->base, bits, n, "port", h->base);
        } else {
            log_guest_error("write of 0x%x to unassigned port 0x%x", value, p);
        }
        i += n;
    }
}
