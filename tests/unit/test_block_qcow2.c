/*
 * tests/unit/test_block_qcow2.c: vireo's qcow2 against QEMU's qemu-img (Debian's qemu-utils)
 * as the reference implementation of the format.
 *
 * Reads: images qemu-img converts from a raw file of random bytes (v2 and v3, 4 KiB and 64 KiB
 * clusters, zlib-compressed) read back the raw file exactly. Writes: after random writes of
 * random lengths (mirrored in memory), "qemu-img check" finds no error and no leak, and
 * "qemu-img convert -O raw" gives the mirror, on fresh images, compressed images, overlays on a
 * backing file (made by qemu-img and by qcow2_create), and an image with an internal snapshot,
 * which must still hold the old content. Hostile headers and truncated files are refused with
 * one message or read and written without leaving the file (ASan watches).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/block/image.h"
#include "check.h"
#include "util/endian.h"

#define DISK_BYTES (3u * 1024 * 1024 + 5 * 512)

static char dir[256];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ(fwrite(data, 1, len, f), len);
        fclose(f);
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Random bytes with runs of zeros and repeats, so compression has something to do. */
static uint8_t *make_disk(void)
{
    uint8_t *d = malloc(DISK_BYTES);
    for (size_t i = 0; i < DISK_BYTES; i += 4096) {
        unsigned kind = (unsigned)(rng() % 3);
        for (size_t j = i; j < i + 4096 && j < DISK_BYTES; j++) {
            d[j] = kind == 0 ? 0 : kind == 1 ? (uint8_t)(j >> 9) : (uint8_t)rng();
        }
    }
    return d;
}

/* Reads the whole image in chunks of random sizes and compares with `want`. */
static void check_reads(BlockImage *img, const uint8_t *want, const char *what)
{
    uint8_t *buf = malloc(DISK_BYTES);
    uint64_t off = 0;
    int bad = 0;
    while (off < DISK_BYTES) {
        size_t n = 1 + rng() % 200000;
        n = n < DISK_BYTES - off ? n : DISK_BYTES - off;
        bad |= block_image_read(img, off, buf + off, n) != 0;
        off += n;
    }
    CHECK(!bad);
    if (memcmp(buf, want, DISK_BYTES) != 0) {
        check_fail(__FILE__, __LINE__, "%s: contents differ from the reference", what);
    }
    free(buf);
}

/* Random writes mirrored into `mirror`. */
static void random_writes(BlockImage *img, uint8_t *mirror, unsigned count)
{
    uint8_t *data = malloc(300000);
    int bad = 0;
    for (unsigned i = 0; i < count; i++) {
        size_t n = 1 + rng() % (i % 4 == 0 ? 300000 : 3000);
        uint64_t off = rng() % (DISK_BYTES - n);
        for (size_t j = 0; j < n; j++) {
            data[j] = (uint8_t)rng();
        }
        bad |= block_image_write(img, off, data, n) != 0;
        memcpy(mirror + off, data, n);
    }
    CHECK(!bad);
    CHECK_EQ(block_image_flush(img), 0);
    free(data);
}

/* qemu-img check is clean and qemu-img convert reads `want` (snapshot: -l NAME). */
static void check_with_qemu_img(const char *image, const uint8_t *want, const char *snapshot)
{
    char raw[512];
    path_of(raw, sizeof(raw), "converted.raw");
    CHECK_EQ(run("qemu-img check -q '%s'", image), 0);
    CHECK_EQ(run("qemu-img convert %s%s -O raw '%s' '%s'", snapshot ? "-l " : "",
                 snapshot ? snapshot : "", image, raw), 0);
    size_t len = 0;
    uint8_t *got = read_file(raw, &len);
    CHECK(got != NULL && len == DISK_BYTES);
    if (got && len == DISK_BYTES && memcmp(got, want, DISK_BYTES) != 0) {
        check_fail(__FILE__, __LINE__, "%s: qemu-img reads other contents", image);
    }
    free(got);
}

static BlockImage *open_image(const char *path, bool is_read_only)
{
    Error err = { 0 };
    BlockImage *img = block_image_open(path, NULL, is_read_only, &err);
    if (!img) {
        check_fail(__FILE__, __LINE__, "open %s: %s", path, err.msg);
    }
    return img;
}

static void test_block_qcow2_reads_what_qemu_img_wrote(void)
{
    static const char *const variants[] = {
        "-O qcow2", "-O qcow2 -o compat=0.10", "-O qcow2 -o cluster_size=4096",
        "-O qcow2 -c", "-O qcow2 -c -o compat=0.10,cluster_size=8192",
    };
    uint8_t *disk = make_disk();
    char raw[512], img_path[512];
    path_of(raw, sizeof(raw), "source.raw");
    path_of(img_path, sizeof(img_path), "read.qcow2");
    write_file(raw, disk, DISK_BYTES);
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        CHECK_EQ(run("qemu-img convert -f raw %s '%s' '%s'", variants[v], raw, img_path), 0);
        BlockImage *img = open_image(img_path, true);
        if (img) {
            CHECK_EQ(img->size, DISK_BYTES);
            check_reads(img, disk, variants[v]);
            block_image_close(img);
        }
    }
    free(disk);
}

static void test_block_qcow2_writes_that_qemu_img_reads(void)
{
    static const char *const variants[] = {
        "-O qcow2", "-O qcow2 -o compat=0.10,cluster_size=4096", "-O qcow2 -c",
    };
    uint8_t *disk = make_disk();
    char raw[512], img_path[512];
    path_of(raw, sizeof(raw), "source.raw");
    path_of(img_path, sizeof(img_path), "write.qcow2");
    write_file(raw, disk, DISK_BYTES);
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        uint8_t *mirror = malloc(DISK_BYTES);
        memcpy(mirror, disk, DISK_BYTES);
        CHECK_EQ(run("qemu-img convert -f raw %s '%s' '%s'", variants[v], raw, img_path), 0);
        BlockImage *img = open_image(img_path, false);
        if (img) {
            random_writes(img, mirror, 300);
            check_reads(img, mirror, variants[v]);
            block_image_close(img);
            check_with_qemu_img(img_path, mirror, NULL);
        }
        free(mirror);
    }
    /* A fresh empty image: every write allocates. */
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' %u", img_path, DISK_BYTES), 0);
    uint8_t *mirror = calloc(1, DISK_BYTES);
    BlockImage *img = open_image(img_path, false);
    if (img) {
        random_writes(img, mirror, 300);
        block_image_close(img);
        check_with_qemu_img(img_path, mirror, NULL);
    }
    free(mirror);
    free(disk);
}

/* 512-byte clusters with 64-bit refcounts: qemu-img's refcount table of one cluster (64
 * entries of refcount blocks of 64 counts) describes 4096 clusters, 2 MiB of file; filling the
 * 3 MiB disk outgrows it, so the table must grow, and qemu-img must find the image clean. */
static void test_block_qcow2_grows_the_refcount_table(void)
{
    char img_path[512];
    path_of(img_path, sizeof(img_path), "grow.qcow2");
    CHECK_EQ(run("qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 '%s' %u",
                 img_path, DISK_BYTES), 0);
    size_t len = 0;
    uint8_t *before = read_file(img_path, &len);
    CHECK(before && len >= 60 && ld_be32(before + 56) == 1); /* refcount_table_clusters */
    uint8_t *mirror = malloc(DISK_BYTES);
    for (size_t i = 0; i < DISK_BYTES; i++) {
        mirror[i] = (uint8_t)rng();
    }
    BlockImage *img = open_image(img_path, false);
    if (img) {
        int bad = 0;
        for (uint64_t off = 0; off < DISK_BYTES; off += 65536) {
            size_t n = DISK_BYTES - off < 65536 ? DISK_BYTES - off : 65536;
            bad |= block_image_write(img, off, mirror + off, n) != 0;
        }
        CHECK(!bad);
        random_writes(img, mirror, 100);
        check_reads(img, mirror, "grown");
        block_image_close(img);
        uint8_t *after = read_file(img_path, &len);
        CHECK(after && len >= 60 && ld_be32(after + 56) >= 2);
        CHECK(after && before && ld_be64(after + 48) != ld_be64(before + 48));
        free(after);
        check_with_qemu_img(img_path, mirror, NULL);
    }
    free(before);
    free(mirror);
}

static void test_block_qcow2_backing_files(void)
{
    uint8_t *disk = make_disk();
    char raw[512], base[512], overlay[512];
    path_of(raw, sizeof(raw), "base.raw");
    path_of(base, sizeof(base), "base.qcow2");
    path_of(overlay, sizeof(overlay), "overlay.qcow2");
    write_file(raw, disk, DISK_BYTES);
    CHECK_EQ(run("qemu-img convert -f raw -O qcow2 '%s' '%s'", raw, base), 0);
    /* qemu-img's overlay on a qcow2 base, named relative to the overlay's directory. */
    CHECK_EQ(run("cd '%s' && qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 overlay.qcow2",
                 dir), 0);
    uint8_t *mirror = malloc(DISK_BYTES);
    memcpy(mirror, disk, DISK_BYTES);
    BlockImage *img = open_image(overlay, false);
    if (img) {
        check_reads(img, disk, "overlay before writes");
        random_writes(img, mirror, 200);
        check_reads(img, mirror, "overlay after writes");
        block_image_close(img);
        check_with_qemu_img(overlay, mirror, NULL);
        check_with_qemu_img(base, disk, NULL); /* the base is untouched */
    }
    /* vireo's own overlay (what -snapshot makes) on the raw base. */
    Error err = { 0 };
    CHECK_EQ(qcow2_create(overlay, DISK_BYTES, raw, "raw", &err), 0);
    memcpy(mirror, disk, DISK_BYTES);
    img = open_image(overlay, false);
    if (img) {
        check_reads(img, disk, "qcow2_create overlay");
        random_writes(img, mirror, 200);
        block_image_close(img);
        check_with_qemu_img(overlay, mirror, NULL);
        CHECK_EQ(run("qemu-img info '%s' | grep -q 'backing file format: raw'", overlay), 0);
    }
    free(mirror);
    free(disk);
}

static void test_block_qcow2_internal_snapshot_is_preserved(void)
{
    uint8_t *disk = make_disk();
    char raw[512], img_path[512];
    path_of(raw, sizeof(raw), "snap.raw");
    path_of(img_path, sizeof(img_path), "snap.qcow2");
    write_file(raw, disk, DISK_BYTES);
    CHECK_EQ(run("qemu-img convert -f raw -O qcow2 '%s' '%s'", raw, img_path), 0);
    CHECK_EQ(run("qemu-img snapshot -c before '%s'", img_path), 0);
    uint8_t *mirror = malloc(DISK_BYTES);
    memcpy(mirror, disk, DISK_BYTES);
    BlockImage *img = open_image(img_path, false);
    if (img) {
        random_writes(img, mirror, 200);
        block_image_close(img);
        check_with_qemu_img(img_path, mirror, NULL);
        check_with_qemu_img(img_path, disk, "before");
    }
    free(mirror);
    free(disk);
}

static void expect_refused(const char *path, const char *message)
{
    Error err = { 0 };
    BlockImage *img = block_image_open(path, "qcow2", false, &err);
    CHECK(img == NULL);
    block_image_close(img);
    if (!strstr(err.msg, message) || strchr(err.msg, '\n')) {
        check_fail(__FILE__, __LINE__, "error '%s' does not say '%s'", err.msg, message);
    }
}

static void patch(const char *path, size_t off, const void *bytes, size_t len)
{
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0 && pwrite(fd, bytes, len, (off_t)off) == (ssize_t)len);
    close(fd);
}

static void test_block_qcow2_refuses_bad_images(void)
{
    char img_path[512];
    path_of(img_path, sizeof(img_path), "bad.qcow2");
    uint8_t be[8];
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' 1M", img_path), 0);
    st_be32(be, 4);
    patch(img_path, 4, be, 4);
    expect_refused(img_path, "unsupported qcow2 version 4");
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' 1M", img_path), 0);
    st_be64(be, 1);
    patch(img_path, 72, be, 8);
    expect_refused(img_path, "image is dirty");
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' 1M", img_path), 0);
    st_be32(be, 1);
    patch(img_path, 32, be, 4);
    expect_refused(img_path, "encrypted");
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' 1M", img_path), 0);
    CHECK_EQ(truncate(img_path, 50), 0);
    expect_refused(img_path, "truncated qcow2 header");
    CHECK_EQ(run("qemu-img create -q -f qcow2 '%s' 1M", img_path), 0);
    st_be64(be, 1ull << 40);
    patch(img_path, 24, be, 8);
    expect_refused(img_path, "L1 table size does not match");
    CHECK_EQ(run("qemu-img create -q -f qcow2 -u -b /nonexistent/base.raw -F raw '%s' 1M",
                 img_path), 0);
    expect_refused(img_path, "backing file: /nonexistent/base.raw: No such file or directory");
    /* Two images that are each other's backing file: the chain ends at the depth limit. */
    CHECK_EQ(run("cd '%s' && qemu-img create -q -f qcow2 -u -b loop-b.qcow2 -F qcow2 "
                 "loop-a.qcow2 1M && qemu-img create -q -f qcow2 -u -b loop-a.qcow2 -F qcow2 "
                 "loop-b.qcow2 1M", dir), 0);
    path_of(img_path, sizeof(img_path), "loop-a.qcow2");
    expect_refused(img_path, "backing file: ");
}

/*
 * Hostile images: header fields, table entries and L2 entries overwritten with random values.
 * Each must be refused or work within the file; reads and writes of the whole disk range may
 * fail with an errno but never crash or touch memory outside their buffers.
 */
static void test_block_qcow2_hostile_images_do_not_crash(void)
{
    char good[512], img_path[512];
    path_of(good, sizeof(good), "fuzz-good.qcow2");
    path_of(img_path, sizeof(img_path), "fuzz.qcow2");
    uint8_t *disk = make_disk();
    char raw[512];
    path_of(raw, sizeof(raw), "fuzz.raw");
    write_file(raw, disk, 256 * 1024);
    CHECK_EQ(run("qemu-img convert -f raw -O qcow2 -c -o cluster_size=4096 '%s' '%s'", raw,
                 good), 0);
    size_t len = 0;
    uint8_t *orig = read_file(good, &len);
    CHECK(orig != NULL && len > 4096);
    unsigned opened = 0, refused = 0;
    uint8_t *buf = malloc(70000);
    for (unsigned round = 0; round < 1500 && orig; round++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, orig, len);
        unsigned edits = 1 + (unsigned)(rng() % 4);
        for (unsigned e = 0; e < edits; e++) {
            size_t at = round % 2 ? rng() % 112 : rng() % len;
            size_t n = 1 + rng() % 8;
            for (size_t k = 0; k < n && at + k < len; k++) {
                copy[at + k] = (uint8_t)rng();
            }
        }
        size_t keep = round % 7 == 0 ? (size_t)(rng() % len) : len;
        write_file(img_path, copy, keep);
        free(copy);
        Error err = { 0 };
        BlockImage *img = block_image_open(img_path, "qcow2", false, &err);
        if (!img) {
            refused++;
            CHECK(err.msg[0] != '\0');
            continue;
        }
        opened++;
        uint64_t span = img->size < (1ull << 24) ? img->size : (1ull << 24);
        for (unsigned k = 0; k < 20 && span; k++) {
            uint64_t off = rng() % span;
            size_t n = (size_t)(1 + rng() % 70000);
            n = n < span - off ? n : (size_t)(span - off);
            if (k % 2) {
                block_image_write(img, off, buf, n);
            } else {
                block_image_read(img, off, buf, n);
            }
        }
        block_image_close(img);
    }
    struct stat st;
    CHECK(stat(img_path, &st) == 0 && st.st_size < (1 << 28)); /* bounded growth */
    printf("hostile images: %u opened, %u refused\n", opened, refused);
    CHECK(opened > 0 && refused > 0);
    free(buf);
    free(orig);
    free(disk);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_block_qcow2_reads_what_qemu_img_wrote),
    CHECK_TEST(test_block_qcow2_writes_that_qemu_img_reads),
    CHECK_TEST(test_block_qcow2_grows_the_refcount_table),
    CHECK_TEST(test_block_qcow2_backing_files),
    CHECK_TEST(test_block_qcow2_internal_snapshot_is_preserved),
    CHECK_TEST(test_block_qcow2_refuses_bad_images),
    CHECK_TEST(test_block_qcow2_hostile_images_do_not_crash),
    {0},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof(dir), "/tmp/vireo-qcow2-XXXXXX");
    if (!mkdtemp(dir)) {
        return 1;
    }
    int status = check_run_tests(argc, argv, tests);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        status = 1;
    }
    return status;
}
