/*
 * hw/block/image.h: disk images as the storage devices see them: a byte-addressed virtual
 * disk of a fixed size, in one of two formats, raw (the file is the disk) and qcow2
 * (hw/block/qcow2.c). A device reads, writes and flushes; the format decides where the bytes
 * live. Every failure is a negative errno for the device to turn into its error status;
 * nothing an image file holds can make vireo read or write outside that file.
 */
#ifndef VIREO_HW_BLOCK_IMAGE_H
#define VIREO_HW_BLOCK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct BlockImage BlockImage;

typedef struct BlockImageOps {
    const char *name;
    int (*read)(BlockImage *img, uint64_t offset, void *buf, size_t len);
    int (*write)(BlockImage *img, uint64_t offset, const void *buf, size_t len);
    int (*flush)(BlockImage *img);
    void (*close)(BlockImage *img);
} BlockImageOps;

struct BlockImage {
    const BlockImageOps *ops;
    uint64_t size;     /* virtual disk size in bytes */
    bool is_read_only;
    int fd;
    char path[4096];
};

/* Backing chains longer than this are refused (a chain that loops back on itself is too). */
#define BLOCK_MAX_BACKING_DEPTH 16

/*
 * Opens path as format "raw" or "qcow2", or NULL to recognise it (a qcow2 header, else raw).
 * Errors name the file and the problem: "disk.qcow2: unsupported qcow2 version 4".
 */
BlockImage *block_image_open(const char *path, const char *format, bool is_read_only,
                             Error *err);
/* Reads or writes [offset, offset + len) of the virtual disk: 0 or a negative errno. */
int block_image_read(BlockImage *img, uint64_t offset, void *buf, size_t len);
int block_image_write(BlockImage *img, uint64_t offset, const void *buf, size_t len);
/* Everything written so far reaches the host's storage (fsync). */
int block_image_flush(BlockImage *img);
void block_image_close(BlockImage *img);

/*
 * Whole transfers on an image file (EINTR and short counts retried): 0 or a negative errno.
 * A read that reaches the end of the file fills the rest with zeros if is_zero_past_end
 * (data never written), else fails with EIO (metadata must be there).
 */
int block_file_read(int fd, void *buf, size_t len, uint64_t offset, bool is_zero_past_end);
int block_file_write(int fd, const void *buf, size_t len, uint64_t offset);

/* The formats (hw/block/raw.c, hw/block/qcow2.c); depth counts backing files opened so far. */
BlockImage *raw_open(const char *path, bool is_read_only, Error *err);
bool qcow2_probe(const uint8_t *head, size_t len);
BlockImage *qcow2_open(const char *path, bool is_read_only, unsigned depth, Error *err);

/*
 * Creates a qcow2 v3 image of `size` bytes (64 KiB clusters), optionally on top of a backing
 * file (its format recorded when given): what -snapshot's temporary overlay is.
 */
int qcow2_create(const char *path, uint64_t size, const char *backing, const char *backing_fmt,
                 Error *err);

#endif
