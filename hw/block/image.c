/* hw/block/image.c: opening an image by format, and the calls devices make (image.h). */
#include "hw/block/image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

BlockImage *block_image_open(const char *path, const char *format, bool is_read_only,
                             Error *err)
{
    if (format && strcmp(format, "raw") == 0) {
        return raw_open(path, is_read_only, err);
    }
    if (format && strcmp(format, "qcow2") == 0) {
        return qcow2_open(path, is_read_only, 0, err);
    }
    if (format) {
        error_set(err, -1, "%.200s: unknown image format '%.32s' (raw, qcow2)", path, format);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, -1, "%.200s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t head[8];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    close(fd);
    if (n == (ssize_t)sizeof(head) && qcow2_probe(head, sizeof(head))) {
        return qcow2_open(path, is_read_only, 0, err);
    }
    return raw_open(path, is_read_only, err);
}

/* Bounds every request to the disk: a device never asks past the end on the image's word. */
static int check_range(const BlockImage *img, uint64_t offset, size_t len)
{
    return offset > img->size || len > img->size - offset ? -EIO : 0;
}

int block_image_read(BlockImage *img, uint64_t offset, void *buf, size_t len)
{
    int r = check_range(img, offset, len);
    return r < 0 ? r : img->ops->read(img, offset, buf, len);
}

int block_image_write(BlockImage *img, uint64_t offset, const void *buf, size_t len)
{
    if (img->is_read_only) {
        return -EROFS;
    }
    int r = check_range(img, offset, len);
    return r < 0 ? r : img->ops->write(img, offset, buf, len);
}

int block_image_flush(BlockImage *img)
{
    return img->is_read_only ? 0 : img->ops->flush(img);
}

void block_image_close(BlockImage *img)
{
    if (img) {
        img->ops->close(img);
    }
}

int block_file_read(int fd, void *buf, size_t len, uint64_t offset, bool is_zero_past_end)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            if (!is_zero_past_end) {
                return -EIO;
            }
            memset(p, 0, len);
            return 0;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int block_file_write(int fd, const void *buf, size_t len, uint64_t offset)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}
