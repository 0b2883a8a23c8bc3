/*
 * display/sdl.h: the SDL2 window front end (QEMU's "-display sdl"): shows a DisplaySurface,
 * scaled to the window with its aspect kept, and passes the keyboard and mouse to the guest.
 *
 * Keys go to the guest whenever the window has focus. A click in the window grabs the mouse
 * (relative motion, the host pointer hidden); Ctrl+Alt+G releases it, Ctrl+Alt+F toggles full
 * screen, and the title says which. Closing the window ends vireo, as in QEMU.
 */
#ifndef VIREO_DISPLAY_SDL_H
#define VIREO_DISPLAY_SDL_H

#include <stdbool.h>

#include "display/surface.h"
#include "util/error.h"

/* Where input goes (the machine wires these to the i8042 and to its quit request). */
typedef struct DisplayInput {
    void (*key)(void *opaque, unsigned pc_key, bool is_down);
    void (*mouse)(void *opaque, int dx, int dy, int dz, unsigned buttons);
    void (*quit)(void *opaque);
    void *opaque;
} DisplayInput;

typedef struct SdlDisplay SdlDisplay;

/* Opens the window; NULL with err when SDL cannot (no display server, no video driver). */
SdlDisplay *sdl_display_open(const char *title, const DisplayInput *input, Error *err);
/* Shows the surface; `changed` says its pixels or size changed since the last call. */
void sdl_display_show(SdlDisplay *d, const DisplaySurface *s, bool changed);
/* Handles the window's pending events. */
void sdl_display_poll(SdlDisplay *d);
void sdl_display_close(SdlDisplay *d);

/* An SDL scancode as a PC key for i8042_key_event (0: none). */
unsigned sdl_key_to_pc(int scancode);

#endif
