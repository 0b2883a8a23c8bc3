/*
 * display/surface.h: the picture a display adapter renders and front ends show: width x height
 * pixels of 32 bits, 0x00RRGGBB, rows packed (stride = width).
 */
#ifndef VIREO_DISPLAY_SURFACE_H
#define VIREO_DISPLAY_SURFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SURFACE_MAX_WIDTH 4096
#define SURFACE_MAX_HEIGHT 4096

typedef struct DisplaySurface {
    uint32_t width, height;
    uint32_t *pixels;
    size_t capacity; /* pixels allocated */
} DisplaySurface;

/* Sets the size (1..SURFACE_MAX_*), keeping the buffer when it is big enough; new pixels are
 * black. Returns whether the size changed; false also when memory ran out (size kept). */
bool surface_resize(DisplaySurface *s, uint32_t width, uint32_t height);
void surface_free(DisplaySurface *s);

#endif
