/* hw/block/raw.c: raw images: byte N of the disk is byte N of the file (image.h). */
#include "hw/block/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Past the end of a raw file the disk reads as zeros (a sparse or short file). */
static int raw_read(BlockImage *img, uint64_t offset, void *buf, size_t len)
{
    return block_file_read(img->fd, buf, len, offset, true);
}

static int raw_write(BlockImage *img, uint64_t offset, const void *buf, size_t len)
{
    return block_file_write(img->fd, buf, len, offset);
}

static int raw_flush(BlockImage *img)
{
    return fsync(img->fd) < 0 ? -errno : 0;
}

static void raw_close(BlockImage *img)
{
    close(img->fd);
    free(img);
}

static const BlockImageOps raw_ops = {
    .name = "raw", .read = raw_read, .write = raw_write, .flush = raw_flush, .close = raw_close,
};

BlockImage *raw_open(const char *path, bool is_read_only, Error *err)
{
    int fd = open(path, (is_read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        error_set(err, -1, "%.200s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    BlockImage *img = calloc(1, sizeof(*img));
    if (!img) {
        close(fd);
        error_set(err, -1, "%.200s: out of memory", path);
        return NULL;
    }
    img->ops = &raw_ops;
    img->fd = fd;
    img->size = (uint64_t)st.st_size;
    img->is_read_only = is_read_only;
    snprintf(img->path, sizeof(img->path), "%s", path);
    return img;
}
