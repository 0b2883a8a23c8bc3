/*
 * system/monitor_io.h: where the monitor's command lines come from (-monitor, QEMU's
 * spellings): stdio (when the serial console does not own it), unix:PATH[,server][,nowait] or
 * tcp:[HOST]:PORT[,server][,nowait]. vireo is always the listening side and never waits for a
 * client at start (QEMU's wait=on is refused). One client at a time; each gets a banner and a
 * "(vireo) " prompt. A line longer than MONITOR_LINE_MAX is refused whole.
 */
#ifndef VIREO_SYSTEM_MONITOR_IO_H
#define VIREO_SYSTEM_MONITOR_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define MONITOR_LINE_MAX 512

typedef struct MonitorIo {
    int listen_fd;  /* sockets: -1 for stdio */
    int in_fd;      /* the client (or stdin); -1 while none */
    int out_fd;
    bool is_stdio;
    bool is_overlong; /* dropping the rest of a line that did not fit */
    char line[MONITOR_LINE_MAX];
    size_t len;
    char unix_path[108]; /* removed at close */
} MonitorIo;

typedef void (*MonitorLineHandler)(void *opaque, const char *line);

/* Parses and opens -monitor's spec ("none" leaves it closed: in_fd = listen_fd = -1). */
int monitor_io_open(MonitorIo *io, const char *spec, Error *err);
/* Accepts a client, reads what it sent, and calls handle for each complete line. */
void monitor_io_poll(MonitorIo *io, MonitorLineHandler handle, void *opaque);
/* Writes text to the client (dropped if none). */
void monitor_io_write(MonitorIo *io, const char *text);
int monitor_io_wait_fd(const MonitorIo *io);
void monitor_io_close(MonitorIo *io);

#endif
