/* display/surface.c: the rendered picture's buffer (see surface.h). */
#include "display/surface.h"

#include <stdlib.h>
#include <string.h>

bool surface_resize(DisplaySurface *s, uint32_t width, uint32_t height)
{
    if (width == 0 || height == 0 || width > SURFACE_MAX_WIDTH || height > SURFACE_MAX_HEIGHT) {
        return false;
    }
    if (width == s->width && height == s->height) {
        return false;
    }
    size_t n = (size_t)width * height;
    if (n > s->capacity) {
        uint32_t *p = realloc(s->pixels, n * sizeof(*p));
        if (!p) {
            return false;
        }
        s->pixels = p;
        s->capacity = n;
    }
    memset(s->pixels, 0, n * sizeof(*s->pixels));
    s->width = width;
    s->height = height;
    return true;
}

void surface_free(DisplaySurface *s)
{
    free(s->pixels);
    *s = (DisplaySurface){ 0 };
}
