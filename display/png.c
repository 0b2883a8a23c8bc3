/* display/png.c: PNG output of a surface (see png.h). */
#include "display/png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/endian.h"

static bool put_chunk(FILE *f, const char type[4], const uint8_t *data, size_t len)
{
    uint8_t head[8];
    head[0] = (uint8_t)(len >> 24);
    head[1] = (uint8_t)(len >> 16);
    head[2] = (uint8_t)(len >> 8);
    head[3] = (uint8_t)len;
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0, head + 4, 4);
    if (len) {
        crc = crc32(crc, data, (uInt)len);
    }
    uint8_t tail[4] = { (uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                        (uint8_t)crc };
    return fwrite(head, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

int png_write_surface(const DisplaySurface *s, const char *path, Error *err)
{
    if (!s->pixels || s->width == 0 || s->height == 0) {
        error_set(err, -1, "%s: no picture to write", path);
        return -1;
    }
    /* Scanlines with filter type 0 (None), 3 bytes a pixel. */
    size_t row = 1 + (size_t)s->width * 3, raw_len = row * s->height;
    uint8_t *raw = malloc(raw_len);
    uLong packed_cap = compressBound((uLong)raw_len);
    uint8_t *packed = malloc(packed_cap);
    if (!raw || !packed) {
        free(raw);
        free(packed);
        error_set(err, -1, "%s: out of memory", path);
        return -1;
    }
    for (uint32_t y = 0; y < s->height; y++) {
        uint8_t *p = raw + y * row;
        *p++ = 0;
        for (uint32_t x = 0; x < s->width; x++) {
            uint32_t v = s->pixels[(size_t)y * s->width + x];
            *p++ = (uint8_t)(v >> 16);
            *p++ = (uint8_t)(v >> 8);
            *p++ = (uint8_t)v;
        }
    }
    uLongf packed_len = packed_cap;
    int zr = compress2(packed, &packed_len, raw, (uLong)raw_len, 6);
    free(raw);
    if (zr != Z_OK) {
        free(packed);
        error_set(err, -1, "%s: compression failed", path);
        return -1;
    }
    uint8_t ihdr[13] = { 0 };
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (uint8_t)(s->width >> (24 - 8 * i));
        ihdr[4 + i] = (uint8_t)(s->height >> (24 - 8 * i));
    }
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* truecolor; compression, filter and interlace methods 0 */
    static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(packed);
        error_set(err, -1, "%s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fwrite(signature, 1, 8, f) == 8 && put_chunk(f, "IHDR", ihdr, sizeof(ihdr)) &&
              put_chunk(f, "IDAT", packed, packed_len) && put_chunk(f, "IEND", NULL, 0);
    free(packed);
    if (fclose(f) != 0 || !ok) {
        error_set(err, -1, "%s: write failed", path);
        return -1;
    }
    return 0;
}
