/* util/socket.c: listening sockets (socket.h). */
#define _GNU_SOURCE /* accept4 */
#include "util/socket.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int socket_listen_tcp(const char *host_port, const char *what, Error *err)
{
    char host[256];
    const char *colon = strrchr(host_port, ':');
    size_t host_len = colon ? (size_t)(colon - host_port) : 0;
    if (!colon || host_len >= sizeof(host) || !colon[1]) {
        return error_set(err, -1, "%s: '%.64s': expected [HOST]:PORT", what, host_port);
    }
    memcpy(host, host_port, host_len);
    host[host_len] = '\0';
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res;
    int rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        return error_set(err, -1, "%s: '%.64s': %s", what, host_port, gai_strerror(rc));
    }
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        return error_set(err, -1, "%s: '%.64s': %s", what, host_port, strerror(saved));
    }
    return fd;
}

int socket_listen_unix(const char *path, const char *what, Error *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
        return error_set(err, -1, "%s: '%.64s': not a usable socket path", what, path);
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
        }
        return error_set(err, -1, "%s: %.200s: %s", what, path, strerror(saved));
    }
    return fd;
}

int socket_accept(int listen_fd)
{
    return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
}
