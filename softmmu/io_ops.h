/*
 * softmmu/io_ops.h: the register-handler table a device gives the bus (STYLE.md §4), shared by
 * the MMIO regions of the physical map (memory.h) and the I/O-port space (ioport.h), and the
 * one place that fits an access to the widths a device accepts.
 *
 * Width rules (both buses, as the PC's bus bridges do for a narrow device):
 * - An access wider than max_size is split into max_size pieces at increasing offsets, lowest
 *   offset first, assembled little-endian (a 16-bit IN from a byte-wide device is two byte
 *   reads at port and port+1). Splitting ignores alignment: an unaligned access reaches the
 *   device at the offsets the guest used (Bochs VBE's 16-bit data port 0x1CF is odd).
 * - A piece narrower than min_size is filtered: not passed to the device, read as all-ones,
 *   write dropped, logged as a guest error.
 * min_size 0 is taken as 1 and max_size 0 as 8; sizes are powers of two up to 8.
 */
#ifndef VIREO_SOFTMMU_IO_OPS_H
#define VIREO_SOFTMMU_IO_OPS_H

#include <stdint.h>

typedef struct IoOps {
    /* offset is relative to the region base (or first port); size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    unsigned min_size, max_size;
} IoOps;

/*
 * Read/write `size` bytes (1..8) at `offset` of a device, applying the width rules above.
 * Guest-error lines name the access as "<what> 0x<base + offset>" (what = "port", base = the
 * first port; what = the region name, base = its address).
 * A missing read handler reads all-ones; a missing write handler drops the write.
 */
uint64_t io_ops_read(const IoOps *ops, void *opaque, uint64_t offset, unsigned size,
                     const char *what, uint64_t base);
void io_ops_write(const IoOps *ops, void *opaque, uint64_t offset, uint64_t value, unsigned size,
                  const char *what, uint64_t base);

#endif
