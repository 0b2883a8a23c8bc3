/*
 * system/machine_display.c: the machine's screen side: which front end shows the VGA adapter's
 * picture (-display sdl, the default when a display server is there, or none; -nographic is
 * none), the refresh of the SDL window about 60 times a second of host time (a front end's
 * business, not the guest's: the guest's own time stays virtual), and the window's keyboard,
 * mouse and close button wired to the i8042 and to vireo's exit.
 */
#include "system/machine.h"

#include <stdlib.h>
#include <time.h>

#include "util/log.h"

#define FRAME_NS 16666667ll

static int64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void input_key(void *opaque, unsigned key, bool is_down)
{
    Machine *m = opaque;
    i8042_key_event(&m->board.kbc, key, is_down);
}

static void input_mouse(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    Machine *m = opaque;
    i8042_mouse_event(&m->board.kbc, dx, dy, dz, buttons);
}

static void input_quit(void *opaque)
{
    Machine *m = opaque;
    m->is_quit_requested = true;
}

int machine_display_open(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    bool has_server = (x && *x) || (wl && *wl);
    bool want = cfg->display == DISPLAY_CHOICE_SDL ||
                (cfg->display == DISPLAY_CHOICE_DEFAULT && !cfg->is_nographic && has_server);
    if (!want) {
        return 0;
    }
    DisplayInput input = { input_key, input_mouse, input_quit, m };
    m->sdl = sdl_display_open("vireo", &input, err);
    if (m->sdl) {
        return 0;
    }
    if (cfg->display == DISPLAY_CHOICE_SDL) {
        return -1;
    }
    log_info("no window (%s): running without a display", err->msg);
    return 0;
}

void machine_display_tick(Machine *m)
{
    if (!m->sdl) {
        return;
    }
    int64_t now = host_now_ns();
    if (now < m->next_frame_ns) {
        return;
    }
    m->next_frame_ns = now + FRAME_NS;
    bool changed = vga_render(&m->board.vga, &m->screen);
    sdl_display_show(m->sdl, &m->screen, changed);
    sdl_display_poll(m->sdl);
}

void machine_display_close(Machine *m)
{
    sdl_display_close(m->sdl);
    m->sdl = NULL;
}
