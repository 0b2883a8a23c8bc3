/*
 * hw/block/qcow2.c: the qcow2 image format, versions 2 and 3 (QEMU's specification,
 * docs/interop/qcow2.txt: "Header", "Host cluster management" (refcounts), "Cluster mapping"
 * (L1 and L2 tables, standard, zero and compressed cluster descriptors), "Header extensions"
 * (backing file format name)).
 *
 * Reads follow the two-level table: unallocated clusters come from the backing file (or read
 * as zeros), v3 zero clusters read as zeros, compressed clusters are raw deflate streams
 * (compression type 0, zlib). Writes go in place to clusters the image owns alone (COPIED);
 * anything else (unallocated, zero, compressed, shared with an internal snapshot) gets a new
 * cluster at the end of the file holding the old content merged with the new, and the old
 * cluster's reference is dropped. L2 tables shared with a snapshot are copied the same way.
 * Metadata is written through at once, refcounts before the tables that point to the new
 * cluster, so an interrupted run leaks at worst a cluster, never corrupts a mapping.
 *
 * Refused at open, with a one-line reason: bad magic, versions other than 2 and 3, encryption,
 * the dirty and corrupt bits, external data files, extended L2 entries, compression types
 * other than zlib, refcount widths under 8 bits, and tables that do not fit the file.
 * When the file outgrows what the refcount table can describe, a table twice as large (or as
 * large as needed) is written at the end of the file with the old entries, its own clusters
 * are counted, the header is switched to it and the old table's clusters are freed: until the
 * header write the old table stays valid, so a crash leaks clusters at worst.
 * Not implemented: discard, internal snapshot creation.
 */
#include "hw/block/image.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/endian.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE 72u
#define QCOW2_V3_HEADER_SIZE 104u
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO 1ull
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW2_EXT_END 0u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_MAX_L1_ENTRIES (1u << 25)
#define QCOW2_MAX_REFTABLE_BYTES (64u << 20)
#define QCOW2_MAX_BACKING_NAME 1023u
#define QCOW2_L2_CACHE 16
#define QCOW2_CREATE_CLUSTER_BITS 16

typedef struct L2Slot {
    uint64_t offset; /* 0: empty */
    uint64_t last_use;
    uint64_t *table; /* host-endian copy of the entries */
} L2Slot;

typedef struct Qcow2 {
    BlockImage base;
    unsigned version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits;
    uint32_t l1_size;
    uint64_t l1_offset;
    uint64_t *l1;
    uint64_t reftable_offset;
    uint64_t reftable_entries;
    uint64_t *reftable;
    unsigned refcount_bytes; /* 1, 2, 4 or 8 */
    uint64_t refblock_entries;
    uint64_t end;            /* next free cluster at the end of the file */
    BlockImage *backing;
    L2Slot l2[QCOW2_L2_CACHE];
    uint64_t clock;
    uint8_t *cluster;        /* one cluster: copy-on-write and decompression */
    uint8_t *compressed;     /* the compressed bytes of one cluster */
    uint64_t decompressed_entry; /* the L2 entry `cluster` was inflated from (0: none) */
} Qcow2;

static int pread_full(int fd, void *buf, size_t len, uint64_t offset)
{
    return block_file_read(fd, buf, len, offset, false);
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t offset)
{
    return block_file_write(fd, buf, len, offset);
}

/* Data clusters may lie past the end of a file that was never filled: those read as zeros. */
static int read_data(Qcow2 *q, void *buf, size_t len, uint64_t offset)
{
    return block_file_read(q->base.fd, buf, len, offset, true);
}

static bool is_cluster_offset(const Qcow2 *q, uint64_t off)
{
    return off && !(off & (q->cluster_size - 1)) && off < q->end;
}

/* ---- refcounts ---- */

static int refcount_location(Qcow2 *q, uint64_t cluster_off, bool is_alloc, uint64_t *at);

static int refcount_get(Qcow2 *q, uint64_t cluster_off, uint64_t *value)
{
    uint64_t at;
    int r = refcount_location(q, cluster_off, false, &at);
    if (r <= 0) {
        *value = 0;
        return r;
    }
    uint8_t be[8] = { 0 };
    r = pread_full(q->base.fd, be + 8 - q->refcount_bytes, q->refcount_bytes, at);
    *value = ld_be64(be);
    return r;
}

static int refcount_set(Qcow2 *q, uint64_t cluster_off, uint64_t value)
{
    uint64_t at;
    int r = refcount_location(q, cluster_off, true, &at);
    if (r < 0) {
        return r;
    }
    uint8_t be[8];
    st_be64(be, value);
    return pwrite_full(q->base.fd, be + 8 - q->refcount_bytes, q->refcount_bytes, at);
}

/*
 * Where the refcount of cluster_off lives. Returns 1 with *at, 0 when no refcount block covers
 * it (refcount 0) and is_alloc is false, or a negative errno. With is_alloc, a missing block is
 * allocated at the end of the file and counted (in itself or in a further block).
 */
static int refcount_drop(Qcow2 *q, uint64_t cluster_off);

#define HEADER_REFTABLE_OFFSET 48 /* then the table's cluster count, 32 bits, at 56 */

/* A refcount table with room for entry `need`: see the top of the file. */
static int grow_reftable(Qcow2 *q, uint64_t need)
{
    uint64_t per_cluster = q->cluster_size / 8;
    uint64_t entries = q->reftable_entries * 2 > need + 1 ? q->reftable_entries * 2 : need + 1;
    entries = (entries + per_cluster - 1) / per_cluster * per_cluster;
    if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES) {
        return -ENOSPC;
    }
    uint64_t *table = calloc(entries, sizeof(*table));
    uint8_t *disk = calloc(entries, 8);
    if (!table || !disk) {
        free(table);
        free(disk);
        return -ENOMEM;
    }
    memcpy(table, q->reftable, q->reftable_entries * sizeof(*table));
    for (uint64_t i = 0; i < entries; i++) {
        st_be64(disk + 8 * i, table[i]);
    }
    uint64_t old_offset = q->reftable_offset, old_entries = q->reftable_entries;
    uint64_t clusters = entries / per_cluster, offset = q->end;
    int r = pwrite_full(q->base.fd, disk, entries * 8, offset);
    free(disk);
    if (r < 0) {
        free(table);
        return r;
    }
    q->end += clusters * q->cluster_size;
    free(q->reftable);
    q->reftable = table;
    q->reftable_entries = entries;
    q->reftable_offset = offset; /* refcount blocks allocated from here on go in the new table */
    for (uint64_t c = 0; c < clusters && r == 0; c++) {
        r = refcount_set(q, offset + c * q->cluster_size, 1);
    }
    uint8_t h[12];
    st_be64(h, offset);
    st_be32(h + 8, (uint32_t)clusters);
    if (r == 0) {
        r = pwrite_full(q->base.fd, h, sizeof(h), HEADER_REFTABLE_OFFSET);
    }
    uint64_t old_clusters = (old_entries * 8 + q->cluster_size - 1) / q->cluster_size;
    for (uint64_t c = 0; c < old_clusters && r == 0; c++) {
        r = refcount_drop(q, old_offset + c * q->cluster_size);
    }
    return r;
}

static int refcount_location(Qcow2 *q, uint64_t cluster_off, bool is_alloc, uint64_t *at)
{
    uint64_t index = cluster_off >> q->cluster_bits;
    uint64_t t = index / q->refblock_entries;
    if (t >= q->reftable_entries) {
        if (!is_alloc) {
            return 0;
        }
        int r = grow_reftable(q, t);
        if (r < 0) {
            return r;
        }
    }
    uint64_t block = q->reftable[t] & QCOW2_OFFSET_MASK;
    if (!block) {
        if (!is_alloc) {
            return 0;
        }
        block = q->end;
        q->end += q->cluster_size;
        uint8_t *zeros = calloc(1, q->cluster_size);
        if (!zeros) {
            return -ENOMEM;
        }
        int r = pwrite_full(q->base.fd, zeros, q->cluster_size, block);
        free(zeros);
        uint8_t be[8];
        st_be64(be, block);
        if (r == 0) {
            r = pwrite_full(q->base.fd, be, 8, q->reftable_offset + t * 8);
        }
        if (r < 0) {
            return r;
        }
        q->reftable[t] = block;
        r = refcount_set(q, block, 1);
        if (r < 0) {
            return r;
        }
    } else if (!is_cluster_offset(q, block)) {
        return -EIO;
    }
    *at = block + (index % q->refblock_entries) * q->refcount_bytes;
    return 1;
}

/* A new cluster at the end of the file, counted once. */
static int alloc_cluster(Qcow2 *q, uint64_t *off)
{
    *off = q->end;
    q->end += q->cluster_size;
    return refcount_set(q, *off, 1);
}

static int refcount_drop(Qcow2 *q, uint64_t cluster_off)
{
    uint64_t v;
    int r = refcount_get(q, cluster_off, &v);
    if (r < 0) {
        return r;
    }
    return v ? refcount_set(q, cluster_off, v - 1) : 0;
}

/* ---- L2 tables ---- */

static int l2_load(Qcow2 *q, uint64_t offset, uint64_t **table)
{
    L2Slot *victim = &q->l2[0];
    for (unsigned i = 0; i < QCOW2_L2_CACHE; i++) {
        L2Slot *s = &q->l2[i];
        if (s->offset == offset) {
            s->last_use = ++q->clock;
            *table = s->table;
            return 0;
        }
        if (s->last_use < victim->last_use) {
            victim = s;
        }
    }
    if (!is_cluster_offset(q, offset)) {
        return -EIO;
    }
    int r = pread_full(q->base.fd, victim->table, q->cluster_size, offset);
    if (r < 0) {
        victim->offset = 0;
        return r;
    }
    uint64_t n = q->cluster_size / 8;
    for (uint64_t i = 0; i < n; i++) {
        victim->table[i] = ld_be64(&victim->table[i]);
    }
    victim->offset = offset;
    victim->last_use = ++q->clock;
    *table = victim->table;
    return 0;
}

static int l2_store_entry(Qcow2 *q, uint64_t l2_offset, uint64_t *table, uint64_t index,
                          uint64_t entry)
{
    uint8_t be[8];
    st_be64(be, entry);
    int r = pwrite_full(q->base.fd, be, 8, l2_offset + index * 8);
    if (r == 0) {
        table[index] = entry;
    }
    return r;
}

static int l1_store_entry(Qcow2 *q, uint64_t index, uint64_t entry)
{
    uint8_t be[8];
    st_be64(be, entry);
    int r = pwrite_full(q->base.fd, be, 8, q->l1_offset + index * 8);
    if (r == 0) {
        q->l1[index] = entry;
    }
    return r;
}

/* ---- reading ---- */

static int read_unallocated(Qcow2 *q, uint64_t offset, uint8_t *buf, size_t len)
{
    memset(buf, 0, len);
    if (!q->backing || offset >= q->backing->size) {
        return 0;
    }
    size_t n = q->backing->size - offset < len ? (size_t)(q->backing->size - offset) : len;
    return block_image_read(q->backing, offset, buf, n);
}

/*
 * Where a compressed cluster's data lies: the descriptor's low 62 - (cluster_bits - 8) bits are
 * the host offset, the bits above them the number of 512-byte sectors after the first one.
 */
static void compressed_extent(const Qcow2 *q, uint64_t entry, uint64_t *host, uint64_t *size)
{
    unsigned shift = 62 - (q->cluster_bits - 8);
    *host = entry & ((1ull << shift) - 1);
    uint64_t sectors = ((entry & ~QCOW2_OFLAG_COPIED & ~QCOW2_OFLAG_COMPRESSED) >> shift) + 1;
    *size = sectors * 512 - (*host & 511);
}

/* Inflates the compressed cluster `entry` into q->cluster (kept for the next read). */
static int inflate_cluster(Qcow2 *q, uint64_t entry)
{
    if (q->decompressed_entry == entry) {
        return 0;
    }
    uint64_t host, csize;
    compressed_extent(q, entry, &host, &csize);
    if (csize > 2 * q->cluster_size || host >= q->end) {
        return -EIO;
    }
    if (host + csize > q->end) {
        csize = q->end - host; /* the last compressed cluster may end before its sector does */
    }
    int r = pread_full(q->base.fd, q->compressed, (size_t)csize, host);
    if (r < 0) {
        return r;
    }
    z_stream z = { 0 };
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = q->compressed;
    z.avail_in = (uInt)csize;
    z.next_out = q->cluster;
    z.avail_out = (uInt)q->cluster_size;
    int zr = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR) || z.avail_out != 0) {
        q->decompressed_entry = 0;
        return -EIO;
    }
    q->decompressed_entry = entry;
    return 0;
}

/* The L2 entry of the cluster holding `offset` (0 when its L1 entry has no table). */
static int lookup(Qcow2 *q, uint64_t offset, uint64_t *entry)
{
    uint64_t l1_index = offset >> (q->cluster_bits + q->l2_bits);
    *entry = 0;
    if (l1_index >= q->l1_size) {
        return -EIO;
    }
    uint64_t l2_offset = q->l1[l1_index] & QCOW2_OFFSET_MASK;
    if (!l2_offset) {
        return 0;
    }
    uint64_t *table;
    int r = l2_load(q, l2_offset, &table);
    if (r == 0) {
        *entry = table[(offset >> q->cluster_bits) & ((1ull << q->l2_bits) - 1)];
    }
    return r;
}

/* Reads the part of one cluster at [offset, offset + len), given its L2 entry. */
static int read_in_cluster(Qcow2 *q, uint64_t offset, uint8_t *buf, size_t len, uint64_t entry)
{
    uint64_t in = offset & (q->cluster_size - 1);
    if (entry & QCOW2_OFLAG_COMPRESSED) {
        int r = inflate_cluster(q, entry);
        if (r == 0) {
            memcpy(buf, q->cluster + in, len);
        }
        return r;
    }
    uint64_t host = entry & QCOW2_OFFSET_MASK;
    if (q->version >= 3 && (entry & QCOW2_OFLAG_ZERO)) {
        memset(buf, 0, len);
        return 0;
    }
    if (!host) {
        return read_unallocated(q, offset, buf, len);
    }
    if (host & (q->cluster_size - 1)) {
        return -EIO;
    }
    return read_data(q, buf, len, host + in);
}

static int qcow2_read(BlockImage *img, uint64_t offset, void *buf, size_t len)
{
    Qcow2 *q = (Qcow2 *)img;
    uint8_t *p = buf;
    while (len) {
        uint64_t in = offset & (q->cluster_size - 1);
        size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
        uint64_t entry;
        int r = lookup(q, offset, &entry);
        if (r == 0) {
            r = read_in_cluster(q, offset, p, n, entry);
        }
        if (r < 0) {
            return r;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

/* ---- writing ---- */

/* The L2 table for offset, owned by this image alone (allocated or copied as needed). */
static int writable_l2(Qcow2 *q, uint64_t offset, uint64_t *l2_offset, uint64_t **table)
{
    uint64_t l1_index = offset >> (q->cluster_bits + q->l2_bits);
    if (l1_index >= q->l1_size) {
        return -EIO;
    }
    uint64_t l1e = q->l1[l1_index];
    uint64_t old = l1e & QCOW2_OFFSET_MASK;
    if (old && (l1e & QCOW2_OFLAG_COPIED)) {
        *l2_offset = old;
        return l2_load(q, old, table);
    }
    uint64_t fresh;
    int r = alloc_cluster(q, &fresh);
    if (r < 0) {
        return r;
    }
    uint64_t *src = NULL;
    if (old && (r = l2_load(q, old, &src)) < 0) {
        return r;
    }
    /* The new table, big-endian on disk; a copy keeps every entry as it was (the data
     * clusters' refcounts already count the snapshot that shares them). */
    uint8_t *img = q->cluster;
    q->decompressed_entry = 0;
    for (uint64_t i = 0; i < q->cluster_size / 8; i++) {
        st_be64(img + i * 8, src ? src[i] : 0);
    }
    r = pwrite_full(q->base.fd, img, q->cluster_size, fresh);
    if (r == 0) {
        r = l1_store_entry(q, l1_index, fresh | QCOW2_OFLAG_COPIED);
    }
    if (r == 0 && old) {
        r = refcount_drop(q, old);
    }
    if (r < 0) {
        return r;
    }
    *l2_offset = fresh;
    return l2_load(q, fresh, table);
}

/* Drops the references an L2 entry held, once a write has replaced it. */
static int release_entry(Qcow2 *q, uint64_t entry)
{
    if (entry & QCOW2_OFLAG_COMPRESSED) {
        uint64_t host, size;
        compressed_extent(q, entry, &host, &size);
        uint64_t last = host + size - 1;
        for (uint64_t c = host & ~(q->cluster_size - 1); c <= last; c += q->cluster_size) {
            int r = refcount_drop(q, c);
            if (r < 0) {
                return r;
            }
        }
        return 0;
    }
    uint64_t host = entry & QCOW2_OFFSET_MASK;
    return host ? refcount_drop(q, host) : 0;
}

static int write_in_cluster(Qcow2 *q, uint64_t offset, const uint8_t *buf, size_t len)
{
    uint64_t l2_offset;
    uint64_t *table;
    int r = writable_l2(q, offset, &l2_offset, &table);
    if (r < 0) {
        return r;
    }
    uint64_t index = (offset >> q->cluster_bits) & ((1ull << q->l2_bits) - 1);
    uint64_t entry = table[index];
    uint64_t in = offset & (q->cluster_size - 1);
    uint64_t host = entry & QCOW2_OFFSET_MASK;
    bool is_plain = !(entry & QCOW2_OFLAG_COMPRESSED) &&
                    !(q->version >= 3 && (entry & QCOW2_OFLAG_ZERO));
    if (is_plain && host && (entry & QCOW2_OFLAG_COPIED)) {
        if (host & (q->cluster_size - 1)) {
            return -EIO;
        }
        return pwrite_full(q->base.fd, buf, len, host + in);
    }
    /* A new cluster (counted first: that may write a refcount block), the old content unless
     * all of it is overwritten, then the new bytes. */
    uint64_t fresh;
    r = alloc_cluster(q, &fresh);
    if (r < 0) {
        return r;
    }
    if (len < q->cluster_size) {
        uint64_t start = offset - in;
        if (entry & QCOW2_OFLAG_COMPRESSED) {
            r = inflate_cluster(q, entry);
        } else {
            r = read_in_cluster(q, start, q->cluster, q->cluster_size, entry);
        }
        if (r < 0) {
            return r;
        }
    }
    memcpy(q->cluster + in, buf, len);
    q->decompressed_entry = 0;
    r = pwrite_full(q->base.fd, q->cluster, q->cluster_size, fresh);
    if (r == 0) {
        r = l2_store_entry(q, l2_offset, table, index, fresh | QCOW2_OFLAG_COPIED);
    }
    if (r == 0 && (is_plain ? host != 0 : (entry & QCOW2_OFLAG_COMPRESSED) != 0)) {
        r = release_entry(q, entry);
    }
    return r;
}

static int qcow2_write(BlockImage *img, uint64_t offset, const void *buf, size_t len)
{
    Qcow2 *q = (Qcow2 *)img;
    const uint8_t *p = buf;
    while (len) {
        uint64_t in = offset & (q->cluster_size - 1);
        size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
        int r = write_in_cluster(q, offset, p, n);
        if (r < 0) {
            return r;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

static int qcow2_flush(BlockImage *img)
{
    return fsync(img->fd) < 0 ? -errno : 0;
}

static void qcow2_close(BlockImage *img)
{
    Qcow2 *q = (Qcow2 *)img;
    block_image_close(q->backing);
    for (unsigned i = 0; i < QCOW2_L2_CACHE; i++) {
        free(q->l2[i].table);
    }
    free(q->l1);
    free(q->reftable);
    free(q->cluster);
    free(q->compressed);
    close(img->fd);
    free(q);
}

static const BlockImageOps qcow2_ops = {
    .name = "qcow2",
    .read = qcow2_read,
    .write = qcow2_write,
    .flush = qcow2_flush,
    .close = qcow2_close,
};

/* ---- opening ---- */

bool qcow2_probe(const uint8_t *head, size_t len)
{
    return len >= 4 && ld_be32(head) == QCOW2_MAGIC;
}

typedef struct Header {
    uint32_t version;
    uint64_t backing_offset;
    uint32_t backing_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_offset;
    uint64_t reftable_offset;
    uint32_t reftable_clusters;
    uint64_t incompatible;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
} Header;

static void parse_header(const uint8_t *h, Header *hd)
{
    memset(hd, 0, sizeof(*hd));
    hd->version = ld_be32(h + 4);
    hd->backing_offset = ld_be64(h + 8);
    hd->backing_size = ld_be32(h + 16);
    hd->cluster_bits = ld_be32(h + 20);
    hd->size = ld_be64(h + 24);
    hd->crypt_method = ld_be32(h + 32);
    hd->l1_size = ld_be32(h + 36);
    hd->l1_offset = ld_be64(h + 40);
    hd->reftable_offset = ld_be64(h + 48);
    hd->reftable_clusters = ld_be32(h + 56);
    hd->refcount_order = 4;
    hd->header_length = QCOW2_V2_HEADER_SIZE;
    if (hd->version >= 3) {
        hd->incompatible = ld_be64(h + 72);
        hd->refcount_order = ld_be32(h + 96);
        hd->header_length = ld_be32(h + 100);
        if (hd->header_length > QCOW2_V3_HEADER_SIZE) {
            hd->compression_type = h[104];
        }
    }
}

/* A reason the header cannot be used, or NULL. */
static const char *check_header(const Header *hd, uint64_t file_size)
{
    if (hd->cluster_bits < 9 || hd->cluster_bits > 21) {
        return "cluster size out of range (512 B to 2 MiB)";
    }
    uint64_t cs = 1ull << hd->cluster_bits;
    if (hd->crypt_method) {
        return "encrypted images are not supported";
    }
    if (hd->incompatible & QCOW2_INCOMPAT_DIRTY) {
        return "image is dirty (not closed cleanly); repair it with 'qemu-img check -r all'";
    }
    if (hd->incompatible & QCOW2_INCOMPAT_CORRUPT) {
        return "image is marked corrupt; repair it with 'qemu-img check -r all'";
    }
    if (hd->incompatible & QCOW2_INCOMPAT_DATA_FILE) {
        return "external data files are not supported";
    }
    if (hd->incompatible & QCOW2_INCOMPAT_EXTL2) {
        return "extended L2 entries are not supported";
    }
    if ((hd->incompatible & QCOW2_INCOMPAT_COMPRESSION) && hd->compression_type != 0) {
        return "compression types other than zlib are not supported";
    }
    if (hd->incompatible & ~0x1full) {
        return "unknown incompatible features";
    }
    if (hd->version >= 3 && (hd->header_length < QCOW2_V3_HEADER_SIZE ||
                             hd->header_length > cs || (hd->header_length & 7))) {
        return "bad header length";
    }
    if (hd->refcount_order < 3 || hd->refcount_order > 6) {
        return "refcount widths under 8 bits are not supported";
    }
    if (hd->size > (1ull << 61)) {
        return "virtual size too large";
    }
    uint64_t l2_span = cs << (hd->cluster_bits - 3);
    uint64_t needed = hd->size / l2_span + (hd->size % l2_span != 0);
    if (hd->l1_size > QCOW2_MAX_L1_ENTRIES || hd->l1_size < needed) {
        return "L1 table size does not match the virtual size";
    }
    if (hd->l1_size && ((hd->l1_offset & (cs - 1)) || hd->l1_offset > file_size ||
                        (uint64_t)hd->l1_size * 8 > file_size - hd->l1_offset)) {
        return "L1 table outside the file";
    }
    uint64_t rt_bytes = (uint64_t)hd->reftable_clusters << hd->cluster_bits;
    if (!hd->reftable_clusters || rt_bytes > QCOW2_MAX_REFTABLE_BYTES ||
        (hd->reftable_offset & (cs - 1)) || hd->reftable_offset > file_size ||
        rt_bytes > file_size - hd->reftable_offset) {
        return "refcount table outside the file";
    }
    if (hd->backing_offset && (hd->backing_size > QCOW2_MAX_BACKING_NAME ||
                               hd->backing_offset > cs - hd->backing_size ||
                               hd->backing_offset + hd->backing_size > file_size)) {
        return "bad backing file name";
    }
    return NULL;
}

/* Reads big-endian u64 tables of n entries at offset into host order. */
static uint64_t *load_table(int fd, uint64_t offset, uint64_t n)
{
    uint64_t *t = calloc(n ? n : 1, 8);
    if (!t || (n && pread_full(fd, t, n * 8, offset) < 0)) {
        free(t);
        return NULL;
    }
    for (uint64_t i = 0; i < n; i++) {
        t[i] = ld_be64(&t[i]);
    }
    return t;
}

/* The backing file's format from the header extensions, "" if none is recorded. */
static bool read_extensions(const uint8_t *cluster0, uint64_t cs, uint32_t start, char *fmt,
                            size_t fmt_size)
{
    fmt[0] = '\0';
    uint64_t pos = start;
    while (pos + 8 <= cs) {
        uint32_t type = ld_be32(cluster0 + pos);
        uint32_t len = ld_be32(cluster0 + pos + 4);
        pos += 8;
        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (len > cs - pos) {
            return false;
        }
        if (type == QCOW2_EXT_BACKING_FORMAT && len < fmt_size) {
            memcpy(fmt, cluster0 + pos, len);
            fmt[len] = '\0';
        }
        pos += (len + 7) & ~7u;
    }
    return true;
}

static BlockImage *fail(Qcow2 *q, int fd, Error *err, const char *path, const char *why)
{
    error_set(err, -1, "%.200s: %s", path, why);
    if (q) {
        q->base.fd = fd;
        qcow2_close(&q->base);
    } else if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static int open_backing(Qcow2 *q, const uint8_t *cluster0, const Header *hd, const char *fmt,
                        unsigned depth, Error *err)
{
    char name[QCOW2_MAX_BACKING_NAME + 1];
    memcpy(name, cluster0 + hd->backing_offset, hd->backing_size);
    name[hd->backing_size] = '\0';
    char path[4096];
    if (name[0] == '/') {
        snprintf(path, sizeof(path), "%s", name);
    } else {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", q->base.path);
        snprintf(path, sizeof(path), "%s/%s", dirname(dir), name);
    }
    if (depth + 1 >= BLOCK_MAX_BACKING_DEPTH) {
        return error_set(err, -1, "%.200s: backing chain deeper than %d", q->base.path,
                         BLOCK_MAX_BACKING_DEPTH);
    }
    Error inner;
    if (strcmp(fmt, "qcow2") == 0 || (!fmt[0] && access(path, R_OK) == 0)) {
        uint8_t head[4] = { 0 };
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        bool is_qcow2 = strcmp(fmt, "qcow2") == 0;
        if (fd >= 0) {
            is_qcow2 |= pread(fd, head, 4, 0) == 4 && qcow2_probe(head, 4);
            close(fd);
        }
        q->backing = is_qcow2 ? qcow2_open(path, true, depth + 1, &inner)
                              : raw_open(path, true, &inner);
    } else if (!fmt[0] || strcmp(fmt, "raw") == 0) {
        q->backing = raw_open(path, true, &inner);
    } else {
        return error_set(err, -1, "%.200s: backing file format '%.32s' not supported",
                         q->base.path, fmt);
    }
    if (!q->backing) {
        return error_set(err, -1, "%.200s: backing file: %s", q->base.path, inner.msg);
    }
    return 0;
}

BlockImage *qcow2_open(const char *path, bool is_read_only, unsigned depth, Error *err)
{
    int fd = open(path, (is_read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        return fail(NULL, fd, err, path, strerror(errno));
    }
    uint64_t file_size = (uint64_t)st.st_size;
    uint8_t h[QCOW2_V3_HEADER_SIZE + 8] = { 0 };
    if (file_size < QCOW2_V2_HEADER_SIZE || pread_full(fd, h, sizeof(h) < file_size
                                                                  ? sizeof(h)
                                                                  : (size_t)file_size, 0) < 0) {
        return fail(NULL, fd, err, path, "truncated qcow2 header");
    }
    if (ld_be32(h) != QCOW2_MAGIC) {
        return fail(NULL, fd, err, path, "not a qcow2 image (bad magic)");
    }
    Header hd;
    parse_header(h, &hd);
    char why[96];
    if (hd.version != 2 && hd.version != 3) {
        snprintf(why, sizeof(why), "unsupported qcow2 version %u", hd.version);
        return fail(NULL, fd, err, path, why);
    }
    if (hd.version >= 3 && file_size < QCOW2_V3_HEADER_SIZE) {
        return fail(NULL, fd, err, path, "truncated qcow2 header");
    }
    const char *bad = check_header(&hd, file_size);
    if (bad) {
        return fail(NULL, fd, err, path, bad);
    }
    Qcow2 *q = calloc(1, sizeof(*q));
    if (!q) {
        return fail(NULL, fd, err, path, "out of memory");
    }
    q->base.ops = &qcow2_ops;
    q->base.fd = fd;
    q->base.size = hd.size;
    q->base.is_read_only = is_read_only;
    snprintf(q->base.path, sizeof(q->base.path), "%s", path);
    q->version = hd.version;
    q->cluster_bits = hd.cluster_bits;
    q->cluster_size = 1ull << hd.cluster_bits;
    q->l2_bits = hd.cluster_bits - 3;
    q->l1_size = hd.l1_size;
    q->l1_offset = hd.l1_offset;
    q->reftable_offset = hd.reftable_offset;
    q->reftable_entries = ((uint64_t)hd.reftable_clusters << hd.cluster_bits) / 8;
    q->refcount_bytes = (1u << hd.refcount_order) / 8;
    q->refblock_entries = q->cluster_size / q->refcount_bytes;
    q->end = (file_size + q->cluster_size - 1) & ~(q->cluster_size - 1);
    q->cluster = malloc(q->cluster_size);
    q->compressed = malloc(2 * q->cluster_size);
    q->l1 = load_table(fd, hd.l1_offset, hd.l1_size);
    q->reftable = load_table(fd, hd.reftable_offset, q->reftable_entries);
    bool is_ok = q->cluster && q->compressed && q->l1 && q->reftable;
    for (unsigned i = 0; i < QCOW2_L2_CACHE && is_ok; i++) {
        q->l2[i].table = malloc(q->cluster_size);
        is_ok = q->l2[i].table != NULL;
    }
    if (!is_ok) {
        return fail(q, fd, err, path, "cannot read its tables (out of memory or truncated)");
    }
    uint8_t *cluster0 = calloc(1, q->cluster_size);
    char fmt[33];
    if (!cluster0 ||
        read_data(q, cluster0, q->cluster_size, 0) < 0 ||
        !read_extensions(cluster0, q->cluster_size, hd.header_length, fmt, sizeof(fmt))) {
        free(cluster0);
        return fail(q, fd, err, path, "bad header extension");
    }
    if (hd.backing_offset && hd.backing_size &&
        open_backing(q, cluster0, &hd, fmt, depth, err) < 0) {
        free(cluster0);
        Error saved = *err;
        fail(q, fd, NULL, path, "");
        *err = saved;
        return NULL;
    }
    free(cluster0);
    return &q->base;
}

/* ---- creating ---- */

int qcow2_create(const char *path, uint64_t size, const char *backing, const char *backing_fmt,
                 Error *err)
{
    const unsigned bits = QCOW2_CREATE_CLUSTER_BITS;
    const uint64_t cs = 1ull << bits;
    uint64_t l2_span = cs << (bits - 3);
    uint64_t l1_size = size / l2_span + (size % l2_span != 0);
    uint64_t l1_clusters = (l1_size * 8 + cs - 1) / cs;
    if (l1_size > QCOW2_MAX_L1_ENTRIES || (backing && strlen(backing) > QCOW2_MAX_BACKING_NAME)) {
        return error_set(err, -1, "%.200s: image too large or backing name too long", path);
    }
    /* Cluster 0 header, 1 refcount table, 2 refcount block, 3.. L1 table. */
    uint64_t clusters = 3 + (l1_clusters ? l1_clusters : 1);
    uint8_t *buf = calloc(clusters, cs);
    if (!buf) {
        return error_set(err, -1, "%.200s: out of memory", path);
    }
    st_be32(buf, QCOW2_MAGIC);
    st_be32(buf + 4, 3);
    st_be32(buf + 20, bits);
    st_be64(buf + 24, size);
    st_be32(buf + 36, (uint32_t)l1_size);
    st_be64(buf + 40, 3 * cs);
    st_be64(buf + 48, cs);
    st_be32(buf + 56, 1);
    st_be32(buf + 96, 4);
    st_be32(buf + 100, QCOW2_V3_HEADER_SIZE + 8);
    uint64_t pos = QCOW2_V3_HEADER_SIZE + 8;
    if (backing && backing_fmt) {
        uint32_t len = (uint32_t)strlen(backing_fmt);
        st_be32(buf + pos, QCOW2_EXT_BACKING_FORMAT);
        st_be32(buf + pos + 4, len);
        memcpy(buf + pos + 8, backing_fmt, len);
        pos += 8 + ((len + 7) & ~7u);
    }
    pos += 8; /* the end-of-extensions entry: type 0, length 0 */
    if (backing) {
        st_be64(buf + 8, pos);
        st_be32(buf + 16, (uint32_t)strlen(backing));
        memcpy(buf + pos, backing, strlen(backing));
    }
    st_be64(buf + cs, 2 * cs); /* refcount table entry 0: the block in cluster 2 */
    for (uint64_t c = 0; c < clusters; c++) {
        st_be16(buf + 2 * cs + c * 2, 1);
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return error_set(err, -1, "%.200s: %s", path, strerror(errno));
    }
    int r = pwrite_full(fd, buf, clusters * cs, 0);
    free(buf);
    if (r == 0 && fsync(fd) < 0) {
        r = -errno;
    }
    close(fd);
    return r < 0 ? error_set(err, -1, "%.200s: %s", path, strerror(-r)) : 0;
}
