/* debug/gdb_server.c: the GDB stub's TCP listener and connection (gdb_server.h). */
#include "debug/gdb_server.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/socket.h"

static void drop_client(GdbServer *s)
{
    if (s->conn_fd < 0) {
        return;
    }
    close(s->conn_fd);
    s->conn_fd = -1;
    log_info("gdb: client disconnected");
    s->target->detach(s->target_opaque, false);
}

static void send_to_client(void *opaque, const uint8_t *buf, size_t len)
{
    GdbServer *s = opaque;
    while (len && s->conn_fd >= 0) {
        ssize_t n = send(s->conn_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            drop_client(s); /* gone, or not reading within the send timeout */
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

int gdb_server_open(GdbServer *s, const char *spec, const GdbTarget *target, void *opaque,
                    void (*connected)(void *opaque), Error *err)
{
    s->conn_fd = -1;
    s->target = target;
    s->target_opaque = opaque;
    s->connected = connected;
    gdb_stub_init(&s->stub, target, opaque, send_to_client, s);
    if (strncmp(spec, "tcp:", 4) != 0) {
        s->listen_fd = -1;
        return error_set(err, -1, "-gdb: '%.64s': expected tcp:[HOST]:PORT", spec);
    }
    s->listen_fd = socket_listen_tcp(spec + 4, "-gdb", err);
    return s->listen_fd < 0 ? -1 : 0;
}

int gdb_server_wait_fd(const GdbServer *s)
{
    return s->conn_fd >= 0 ? s->conn_fd : s->listen_fd;
}

static void accept_client(GdbServer *s)
{
    int fd = socket_accept(s->listen_fd);
    if (fd < 0) {
        return;
    }
    struct timeval tv = { .tv_sec = GDB_SERVER_SEND_TIMEOUT_S };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    s->conn_fd = fd;
    gdb_stub_init(&s->stub, s->target, s->target_opaque, send_to_client, s);
    log_info("gdb: client connected");
    s->connected(s->target_opaque);
}

void gdb_server_poll(GdbServer *s, int timeout_ms)
{
    if (s->listen_fd < 0) {
        return;
    }
    struct pollfd p = { .fd = s->conn_fd >= 0 ? s->conn_fd : s->listen_fd, .events = POLLIN };
    if (poll(&p, 1, timeout_ms) <= 0) {
        return;
    }
    if (s->conn_fd < 0) {
        accept_client(s);
        return;
    }
    uint8_t buf[4096];
    ssize_t n = recv(s->conn_fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_client(s);
        return;
    }
    if (n > 0) {
        gdb_stub_input(&s->stub, buf, (size_t)n);
    }
}

void gdb_server_close(GdbServer *s)
{
    if (s->conn_fd >= 0) {
        close(s->conn_fd);
        s->conn_fd = -1;
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
}
