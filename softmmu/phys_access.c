/*
 * softmmu/phys_access.c: device- and DMA-side accesses to the physical map (memory.h):
 * phys_read/phys_write and the little-endian load/store helpers. An access is cut into pieces
 * that each lie in one region and one page; RAM pieces are copied (writes tracked first, see
 * phys_track.c), MMIO pieces go to the device in power-of-two chunks of up to 8 bytes that
 * io_ops fits to its widths, unassigned bytes read 0xFF and swallow writes.
 *
 * No A20 masking here: bus masters see full addresses (memory.h). Bytes at or past 2^64 are
 * unassigned; nothing wraps to address 0.
 */
#include "softmmu/memory.h"

#include <inttypes.h>
#include <string.h>

#include "softmmu/internal.h"
#include "util/bitops.h"
#include "util/endian.h"
#include "util/log.h"

/* The widest power of two up to 8 that fits n (n >= 1). */
static unsigned chunk_size(size_t n)
{
    return n >= 8 ? 8 : 1u << msb64_or_neg(n);
}

static void mmio_read(const MemRegion *r, uint64_t offset, uint8_t *buf, size_t n)
{
    while (n) {
        unsigned k = chunk_size(n);
        uint64_t v = io_ops_read(r->ops, r->opaque, offset, k, r->name, r->gpa);
        for (unsigned i = 0; i < k; i++) {
            buf[i] = (uint8_t)(v >> (8 * i));
        }
        offset += k;
        buf += k;
        n -= k;
    }
}

static void mmio_write(const MemRegion *r, uint64_t offset, const uint8_t *buf, size_t n)
{
    while (n) {
        unsigned k = chunk_size(n);
        uint64_t v = 0;
        for (unsigned i = 0; i < k; i++) {
            v |= (uint64_t)buf[i] << (8 * i);
        }
        io_ops_write(r->ops, r->opaque, offset, v, k, r->name, r->gpa);
        offset += k;
        buf += k;
        n -= k;
    }
}

static void read_piece(const PhysPiece *p, uint64_t gpa, uint8_t *buf, size_t n)
{
    if (!p->region) {
        log_guest_error("read of unassigned physical address 0x%" PRIx64, gpa);
        memset(buf, 0xff, n);
    } else if (p->region->type == MEM_REGION_MMIO) {
        mmio_read(p->region, p->offset, buf, n);
    } else {
        memcpy(buf, p->region->host + p->offset, n);
    }
}

static void write_piece(PhysMap *m, const PhysPiece *p, uint64_t gpa, const uint8_t *buf, size_t n)
{
    if (!p->region) {
        log_guest_error("write to unassigned physical address 0x%" PRIx64, gpa);
    } else if (p->region->type == MEM_REGION_MMIO) {
        mmio_write(p->region, p->offset, buf, n);
    } else if (p->is_readonly) {
        log_guest_error("write to ROM %s at physical address 0x%" PRIx64 " ignored",
                        p->region->name, gpa);
    } else {
        RamPageInfo *info = &p->region->info[p->offset >> PHYS_PAGE_BITS];
        phys_track_before_write(m, info, gpa, (unsigned)n);
        memcpy(p->region->host + p->offset, buf, n);
        phys_track_after_write(info);
    }
}

/* Length of the next piece: within the piece (so within one page) and the request. */
static size_t piece_len(const PhysPiece *p, size_t len)
{
    return p->avail < len ? (size_t)p->avail : len;
}

void phys_read(PhysMap *m, uint64_t gpa, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        PhysPiece p = phys_map_resolve(m, gpa);
        size_t n = piece_len(&p, len);
        read_piece(&p, gpa, out, n);
        out += n;
        len -= n;
        if (gpa + n < gpa) {
            memset(out, 0xff, len); /* past 2^64 */
            return;
        }
        gpa += n;
    }
}

void phys_write(PhysMap *m, uint64_t gpa, const void *buf, size_t len)
{
    const uint8_t *in = buf;
    while (len) {
        PhysPiece p = phys_map_resolve(m, gpa);
        size_t n = piece_len(&p, len);
        write_piece(m, &p, gpa, in, n);
        in += n;
        len -= n;
        if (gpa + n < gpa) {
            return; /* past 2^64 */
        }
        gpa += n;
    }
}

uint8_t phys_ld8(PhysMap *m, uint64_t gpa)
{
    uint8_t b;
    phys_read(m, gpa, &b, 1);
    return b;
}

uint16_t phys_ld16(PhysMap *m, uint64_t gpa)
{
    uint8_t b[2];
    phys_read(m, gpa, b, sizeof(b));
    return ld_le16(b);
}

uint32_t phys_ld32(PhysMap *m, uint64_t gpa)
{
    uint8_t b[4];
    phys_read(m, gpa, b, sizeof(b));
    return ld_le32(b);
}

uint64_t phys_ld64(PhysMap *m, uint64_t gpa)
{
    uint8_t b[8];
    phys_read(m, gpa, b, sizeof(b));
    return ld_le64(b);
}

void phys_st8(PhysMap *m, uint64_t gpa, uint8_t v)
{
    phys_write(m, gpa, &v, 1);
}

void phys_st16(PhysMap *m, uint64_t gpa, uint16_t v)
{
    uint8_t b[2];
    st_le16(b, v);
    phys_write(m, gpa, b, sizeof(b));
}

void phys_st32(PhysMap *m, uint64_t gpa, uint32_t v)
{
    uint8_t b[4];
    st_le32(b, v);
    phys_write(m, gpa, b, sizeof(b));
}

void phys_st64(PhysMap *m, uint64_t gpa, uint64_t v)
{
    uint8_t b[8];
    st_le64(b, v);
    phys_write(m, gpa, b, sizeof(b));
}
