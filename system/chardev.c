/* system/chardev.c: host ends of character devices (see chardev.h). */
#define _DEFAULT_SOURCE /* cfmakeraw */
#include "system/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define ESCAPE_HELP                                                                                \
    "\r\nC-a h    print this help\r\nC-a x    exit vireo\r\nC-a C-a  send C-a\r\n"

int chardev_open(Chardev *c, CharTarget target, const char *path, Error *err)
{
    memset(c, 0, sizeof(*c));
    c->target = target;
    c->in_fd = -1;
    switch (target) {
    case CHAR_TARGET_STDIO:
        c->out = stdout;
        c->in_fd = STDIN_FILENO;
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved) == 0) {
            struct termios raw = c->saved;
            cfmakeraw(&raw);
            raw.c_oflag |= OPOST; /* keep the host's newline handling of our own messages */
            if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
                c->is_raw = true;
            }
        }
        fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
        break;
    case CHAR_TARGET_FILE:
        c->out = fopen(path, "w");
        if (!c->out) {
            return error_set(err, -1, "%s: %s", path, strerror(errno));
        }
        c->owns_out = true;
        break;
    default:
        break;
    }
    return 0;
}

void chardev_close(Chardev *c)
{
    if (c->is_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
        c->is_raw = false;
    }
    if (c->in_fd >= 0) {
        fcntl(c->in_fd, F_SETFL, fcntl(c->in_fd, F_GETFL) & ~O_NONBLOCK);
        c->in_fd = -1;
    }
    if (c->owns_out && c->out) {
        fclose(c->out);
    }
    c->out = NULL;
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (c->out) {
        fwrite(buf, 1, len, c->out);
        fflush(c->out);
    }
}

size_t chardev_filter_input(Chardev *c, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = in[i];
        if (!c->saw_escape) {
            if (b == CHARDEV_ESCAPE && c->target == CHAR_TARGET_STDIO) {
                c->saw_escape = true;
            } else {
                out[n++] = b;
            }
            continue;
        }
        c->saw_escape = false;
        if (b == 'x') {
            c->quit_requested = true;
        } else if (b == 'h') {
            chardev_write(c, (const uint8_t *)ESCAPE_HELP, sizeof(ESCAPE_HELP) - 1);
        } else if (b == CHARDEV_ESCAPE) {
            out[n++] = CHARDEV_ESCAPE;
        } else {
            out[n++] = CHARDEV_ESCAPE;
            out[n++] = b;
        }
    }
    return n;
}

size_t chardev_read(Chardev *c, uint8_t *buf, size_t max)
{
    if (c->pending_len == 0 && c->in_fd >= 0) {
        uint8_t raw[sizeof(c->pending) / 2]; /* an escape pair can come out as two bytes */
        ssize_t got = read(c->in_fd, raw, sizeof(raw));
        if (got > 0) {
            c->pending_len = chardev_filter_input(c, raw, (size_t)got, c->pending);
        }
    }
    size_t n = c->pending_len < max ? c->pending_len : max;
    memcpy(buf, c->pending, n);
    memmove(c->pending, c->pending + n, c->pending_len - n);
    c->pending_len -= n;
    return n;
}
