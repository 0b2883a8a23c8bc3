/* display/sdl.c: the SDL2 window (see sdl.h). */
#include "display/sdl.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/input/i8042.h"

struct SdlDisplay {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    uint32_t tex_width, tex_height;
    DisplayInput input;
    char title[128];
    bool is_grabbed, is_fullscreen;
    unsigned buttons;
};

static void update_title(SdlDisplay *d)
{
    char t[192];
    snprintf(t, sizeof(t), "%s%s", d->title,
             d->is_grabbed ? " - Press Ctrl+Alt+G to exit grab" : "");
    SDL_SetWindowTitle(d->window, t);
}

static void set_grab(SdlDisplay *d, bool on)
{
    d->is_grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(d->window, on ? SDL_TRUE : SDL_FALSE);
    update_title(d);
}

static bool env_set(const char *name)
{
    const char *v = SDL_getenv(name);
    return v && *v;
}

SdlDisplay *sdl_display_open(const char *title, const DisplayInput *input, Error *err)
{
    if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY") && !env_set("SDL_VIDEODRIVER")) {
        error_set(err, -1, "-display sdl: no display server (DISPLAY and WAYLAND_DISPLAY are "
                           "not set)");
        return NULL;
    }
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        error_set(err, -1, "-display sdl: %s", SDL_GetError());
        return NULL;
    }
    /* Without a display SDL falls back to drivers that show nothing; only a user who names one
     * (SDL_VIDEODRIVER) gets it. */
    const char *driver = SDL_GetCurrentVideoDriver();
    if (driver && !env_set("SDL_VIDEODRIVER") &&
        (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0)) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        error_set(err, -1, "-display sdl: no display server (SDL found only its %s driver)",
                  driver);
        return NULL;
    }
    SdlDisplay *d = calloc(1, sizeof(*d));
    if (!d) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        error_set(err, -1, "-display sdl: out of memory");
        return NULL;
    }
    d->input = *input;
    snprintf(d->title, sizeof(d->title), "%s", title);
    d->window = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640,
                                 480, SDL_WINDOW_RESIZABLE);
    if (d->window) {
        d->renderer = SDL_CreateRenderer(d->window, -1, 0);
        if (!d->renderer) {
            d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_SOFTWARE);
        }
    }
    if (!d->window || !d->renderer) {
        error_set(err, -1, "-display sdl: %s", SDL_GetError());
        sdl_display_close(d);
        return NULL;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    SDL_RenderPresent(d->renderer);
    return d;
}

void sdl_display_show(SdlDisplay *d, const DisplaySurface *s, bool changed)
{
    if (!s->pixels || !s->width || !s->height) {
        return;
    }
    if (s->width != d->tex_width || s->height != d->tex_height || !d->texture) {
        if (d->texture) {
            SDL_DestroyTexture(d->texture);
        }
        d->texture = SDL_CreateTexture(d->renderer, SDL_PIXELFORMAT_ARGB8888,
                                       SDL_TEXTUREACCESS_STREAMING, (int)s->width,
                                       (int)s->height);
        if (!d->texture) {
            return;
        }
        d->tex_width = s->width;
        d->tex_height = s->height;
        SDL_RenderSetLogicalSize(d->renderer, (int)s->width, (int)s->height);
        if (!d->is_fullscreen) {
            SDL_SetWindowSize(d->window, (int)s->width, (int)s->height);
        }
        changed = true;
    }
    if (changed) {
        SDL_UpdateTexture(d->texture, NULL, s->pixels, (int)(s->width * sizeof(uint32_t)));
    }
    SDL_RenderClear(d->renderer);
    SDL_RenderCopy(d->renderer, d->texture, NULL, NULL);
    SDL_RenderPresent(d->renderer);
}

static unsigned button_bit(uint8_t sdl_button)
{
    switch (sdl_button) {
    case SDL_BUTTON_LEFT:
        return I8042_BUTTON_LEFT;
    case SDL_BUTTON_RIGHT:
        return I8042_BUTTON_RIGHT;
    case SDL_BUTTON_MIDDLE:
        return I8042_BUTTON_MIDDLE;
    default:
        return 0;
    }
}

/* Ctrl+Alt+G and Ctrl+Alt+F are the front end's; true when the key was one of them. */
static bool hotkey(SdlDisplay *d, const SDL_KeyboardEvent *k)
{
    SDL_Keymod mod = SDL_GetModState();
    if (k->type != SDL_KEYDOWN || !(mod & KMOD_CTRL) || !(mod & KMOD_ALT)) {
        return false;
    }
    if (k->keysym.scancode == SDL_SCANCODE_G) {
        set_grab(d, !d->is_grabbed);
        return true;
    }
    if (k->keysym.scancode == SDL_SCANCODE_F) {
        d->is_fullscreen = !d->is_fullscreen;
        SDL_SetWindowFullscreen(d->window, d->is_fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        return true;
    }
    return false;
}

void sdl_display_poll(SdlDisplay *d)
{
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            d->input.quit(d->input.opaque);
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP: {
            if (hotkey(d, &e.key)) {
                break;
            }
            unsigned key = sdl_key_to_pc(e.key.keysym.scancode);
            if (key) {
                d->input.key(d->input.opaque, key, e.type == SDL_KEYDOWN);
            }
            break;
        }
        case SDL_MOUSEBUTTONDOWN:
            if (!d->is_grabbed) {
                set_grab(d, true);
                break;
            }
            d->buttons |= button_bit(e.button.button);
            d->input.mouse(d->input.opaque, 0, 0, 0, d->buttons);
            break;
        case SDL_MOUSEBUTTONUP:
            if (d->is_grabbed) {
                d->buttons &= ~button_bit(e.button.button);
                d->input.mouse(d->input.opaque, 0, 0, 0, d->buttons);
            }
            break;
        case SDL_MOUSEMOTION:
            if (d->is_grabbed) {
                d->input.mouse(d->input.opaque, e.motion.xrel, e.motion.yrel, 0, d->buttons);
            }
            break;
        case SDL_MOUSEWHEEL:
            if (d->is_grabbed) {
                d->input.mouse(d->input.opaque, 0, 0, -e.wheel.y, d->buttons);
            }
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST && d->is_grabbed) {
                set_grab(d, false);
            }
            break;
        default:
            break;
        }
    }
}

void sdl_display_close(SdlDisplay *d)
{
    if (!d) {
        return;
    }
    if (d->texture) {
        SDL_DestroyTexture(d->texture);
    }
    if (d->renderer) {
        SDL_DestroyRenderer(d->renderer);
    }
    if (d->window) {
        SDL_DestroyWindow(d->window);
    }
    SDL_Quit(); /* all of SDL, not only video: its D-Bus connection goes too */
    free(d);
}
