/*
 * softmmu/ioport.h: the x86 I/O-port address space, 64 Ki byte-wide ports (SDM Vol. 1 §19.2
 * "I/O Port Addressing", §19.3 "I/O Address Space").
 *
 * Devices register a range of ports with their IoOps; offsets passed to the handlers are
 * relative to `base`. Where registrations overlap, the later one wins for the ports it covers
 * (the earlier keeps the rest).
 *
 * An access of 1, 2 or 4 bytes at `port` touches ports port..port+size-1. The bytes a single
 * registration covers go to it as one access, fitted to its widths (io_ops.h: a 16-bit access
 * to a byte-only device is two byte accesses at consecutive ports, low port first); bytes of
 * different registrations are separate accesses, as the PC bus splits them. Unassigned ports
 * read 0xFF per byte (so 0xFFFF, 0xFFFFFFFF) and ignore writes.
 *
 * Past 0xFFFF: a multi-byte access at 0xFFFD..0xFFFF reaches ports 0x10000..0x10002 on the
 * bus (SDM Vol. 1 §19.3 notes the processor can do this), where no PC device decodes: those
 * bytes read 0xFF and writes to them are dropped. Nothing wraps to port 0.
 *
 * Not modelled: the I/O permission bitmap and IOPL (the CPU checks them before calling here).
 */
#ifndef VIREO_SOFTMMU_IOPORT_H
#define VIREO_SOFTMMU_IOPORT_H

#include <stdint.h>

#include "softmmu/io_ops.h"

#define PORT_SPACE_SIZE 0x10000u

typedef struct PortSpace PortSpace;

PortSpace *port_space_new(void);
void port_space_free(PortSpace *ps);

/*
 * Registers ports [base, base + count); count 1..0x10000 and the range must end by 0x10000.
 * Returns 0, or -EINVAL for a bad range or ops without handlers, -ENOSPC when the space's
 * registration table (65535 entries) is full.
 */
int port_space_register(PortSpace *ps, uint16_t base, uint32_t count, const IoOps *ops,
                        void *opaque);
/* Makes [base, base + count) unassigned again (a device turned off or moved). */
void port_space_unregister(PortSpace *ps, uint16_t base, uint32_t count);

/* size is 1, 2 or 4; any other size reads all-ones / is dropped and logged. */
uint32_t port_read(PortSpace *ps, uint16_t port, unsigned size);
void port_write(PortSpace *ps, uint16_t port, uint32_t value, unsigned size);

#endif
