/* system/monitor_io.c: the monitor's terminal or socket (monitor_io.h). */
#include "system/monitor_io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/socket.h"

#define MONITOR_PROMPT "(vireo) "

/* Splits "ADDRESS[,server][,nowait]" (and the =on/=off forms) into the address. */
static int parse_server_options(char *addr, const char *spec, Error *err)
{
    char *comma = strchr(addr, ',');
    while (comma) {
        *comma = '\0';
        char *opt = comma + 1;
        comma = strchr(opt, ',');
        if (comma) {
            *comma = '\0';
        }
        bool is_known = strcmp(opt, "server") == 0 || strcmp(opt, "server=on") == 0 ||
                        strcmp(opt, "nowait") == 0 || strcmp(opt, "wait=off") == 0;
        if (!is_known) {
            return error_set(err, -1, "-monitor: '%.64s': option '%.32s' not supported "
                             "(vireo listens and does not wait: server,nowait)", spec, opt);
        }
        if (comma) {
            *comma = ',';
        }
    }
    return 0;
}

int monitor_io_open(MonitorIo *io, const char *spec, Error *err)
{
    memset(io, 0, sizeof(*io));
    io->listen_fd = io->in_fd = io->out_fd = -1;
    char addr[256];
    if (strcmp(spec, "none") == 0) {
        return 0;
    }
    if (strcmp(spec, "stdio") == 0) {
        io->is_stdio = true;
        io->in_fd = STDIN_FILENO;
        io->out_fd = STDOUT_FILENO;
        monitor_io_write(io, "vireo monitor - type 'help' for the commands\n" MONITOR_PROMPT);
        return 0;
    }
    bool is_unix = strncmp(spec, "unix:", 5) == 0;
    bool is_tcp = strncmp(spec, "tcp:", 4) == 0;
    if ((!is_unix && !is_tcp) || strlen(spec) >= sizeof(addr)) {
        return error_set(err, -1, "-monitor: '%.64s': expected stdio, none, "
                         "unix:PATH,server,nowait or tcp:[HOST]:PORT,server,nowait", spec);
    }
    strcpy(addr, spec + (is_unix ? 5 : 4));
    if (parse_server_options(addr, spec, err) < 0) {
        return -1;
    }
    if (is_unix) {
        io->listen_fd = socket_listen_unix(addr, "-monitor", err);
        if (io->listen_fd >= 0) {
            snprintf(io->unix_path, sizeof(io->unix_path), "%s", addr);
        }
    } else {
        io->listen_fd = socket_listen_tcp(addr, "-monitor", err);
    }
    return io->listen_fd < 0 ? -1 : 0;
}

void monitor_io_write(MonitorIo *io, const char *text)
{
    size_t len = strlen(text);
    while (len && io->out_fd >= 0) {
        ssize_t n = io->is_stdio ? write(io->out_fd, text, len)
                                 : send(io->out_fd, text, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* the reader went away: poll notices and drops it */
        }
        text += n;
        len -= (size_t)n;
    }
}

static void drop_client(MonitorIo *io)
{
    if (!io->is_stdio && io->in_fd >= 0) {
        close(io->in_fd);
    }
    io->in_fd = io->out_fd = -1;
    io->len = 0;
    io->is_overlong = false;
}

static void take_bytes(MonitorIo *io, const char *buf, size_t n, MonitorLineHandler handle,
                       void *opaque)
{
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\n') {
            if (io->is_overlong) {
                monitor_io_write(io, "line too long: ignored\n");
            } else {
                io->line[io->len] = '\0';
                if (io->len && io->line[io->len - 1] == '\r') {
                    io->line[io->len - 1] = '\0';
                }
                handle(opaque, io->line);
            }
            io->len = 0;
            io->is_overlong = false;
            if (io->out_fd >= 0) {
                monitor_io_write(io, MONITOR_PROMPT);
            }
        } else if (io->len + 1 < sizeof(io->line)) {
            io->line[io->len++] = c;
        } else {
            io->is_overlong = true;
        }
    }
}

void monitor_io_poll(MonitorIo *io, MonitorLineHandler handle, void *opaque)
{
    if (io->in_fd < 0 && io->listen_fd >= 0) {
        struct pollfd p = { .fd = io->listen_fd, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0) {
            return;
        }
        io->in_fd = io->out_fd = socket_accept(io->listen_fd);
        if (io->in_fd >= 0) {
            monitor_io_write(io, "vireo monitor - type 'help' for the commands\n" MONITOR_PROMPT);
        }
        return;
    }
    if (io->in_fd < 0) {
        return;
    }
    struct pollfd p = { .fd = io->in_fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0) {
        return;
    }
    char buf[1024];
    ssize_t n = read(io->in_fd, buf, sizeof(buf));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_client(io);
        return;
    }
    if (n > 0) {
        take_bytes(io, buf, (size_t)n, handle, opaque);
    }
}

int monitor_io_wait_fd(const MonitorIo *io)
{
    return io->in_fd >= 0 ? io->in_fd : io->listen_fd;
}

void monitor_io_close(MonitorIo *io)
{
    drop_client(io);
    if (io->listen_fd >= 0) {
        close(io->listen_fd);
        io->listen_fd = -1;
    }
    if (io->unix_path[0]) {
        unlink(io->unix_path);
        io->unix_path[0] = '\0';
    }
}
