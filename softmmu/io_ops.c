/*
 * softmmu/io_ops.c: fitting an access to the widths a device accepts (rules in io_ops.h).
 * The PC's buses do this in hardware: the ISA bridge turns a 16-bit cycle to an 8-bit device
 * into two byte cycles; a device that needs wider accesses sees a narrower one as undefined,
 * which here is an all-ones read or a dropped write plus a guest-error line.
 */
#include "softmmu/io_ops.h"

#include <inttypes.h>

#include "util/bitops.h"
#include "util/log.h"

static unsigned ops_min_size(const IoOps *ops)
{
    return ops->min_size ? ops->min_size : 1;
}

static unsigned ops_max_size(const IoOps *ops)
{
    return ops->max_size ? ops->max_size : 8;
}

/* The largest power of two not above n (n >= 1). */
static unsigned pow2_floor(unsigned n)
{
    return 1u << msb64_or_neg(n);
}

/* Size of the next piece: as wide as the device and the remaining bytes allow. */
static unsigned piece_size(const IoOps *ops, unsigned remaining)
{
    unsigned max = ops_max_size(ops);
    return pow2_floor(remaining < max ? remaining : max);
}

uint64_t io_ops_read(const IoOps *ops, void *opaque, uint64_t offset, unsigned size,
                     const char *what, uint64_t base)
{
    uint64_t value = 0;
    for (unsigned done = 0; done < size;) {
        unsigned n = piece_size(ops, size - done);
        uint64_t piece = mask_low64(8 * n);
        if (n < ops_min_size(ops) || !ops->read) {
            log_guest_error("%s 0x%" PRIx64 ": %u-byte read not accepted (device takes %u..%u)",
                            what, base + offset + done, n, ops_min_size(ops), ops_max_size(ops));
        } else {
            piece &= ops->read(opaque, offset + done, n);
        }
        value |= piece << (8 * done);
        done += n;
    }
    return value;
}

void io_ops_write(const IoOps *ops, void *opaque, uint64_t offset, uint64_t value, unsigned size,
                  const char *what, uint64_t base)
{
    for (unsigned done = 0; done < size;) {
        unsigned n = piece_size(ops, size - done);
        uint64_t piece = (value >> (8 * done)) & mask_low64(8 * n);
        if (n < ops_min_size(ops) || !ops->write) {
            log_guest_error("%s 0x%" PRIx64 ": %u-byte write not accepted (device takes %u..%u)",
                            what, base + offset + done, n, ops_min_size(ops), ops_max_size(ops));
        } else {
            ops->write(opaque, offset + done, piece, n);
        }
        done += n;
    }
}
