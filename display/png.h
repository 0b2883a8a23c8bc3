/*
 * display/png.h: a surface written as a PNG file (W3C PNG specification, 2nd edition: the
 * signature, IHDR with 8-bit truecolor, IDAT holding the zlib stream of filtered scanlines,
 * IEND; every chunk with its CRC-32). zlib does the compression and the CRCs.
 */
#ifndef VIREO_DISPLAY_PNG_H
#define VIREO_DISPLAY_PNG_H

#include "display/surface.h"
#include "util/error.h"

/* Writes `s` to `path` (replacing it). Returns 0, or -1 with err naming the file. */
int png_write_surface(const DisplaySurface *s, const char *path, Error *err);

#endif
