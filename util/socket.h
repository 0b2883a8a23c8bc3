/*
 * util/socket.h: listening sockets for the host ends vireo serves (gdb, the monitor): TCP on
 * "[HOST]:PORT" (empty HOST: every address, as QEMU) and Unix-domain sockets on a path.
 */
#ifndef VIREO_UTIL_SOCKET_H
#define VIREO_UTIL_SOCKET_H

#include "util/error.h"

/* A listening socket (close-on-exec, backlog 1), or -1 with err saying why ("what: ..."). */
int socket_listen_tcp(const char *host_port, const char *what, Error *err);
int socket_listen_unix(const char *path, const char *what, Error *err);
/* Accepts one client (close-on-exec), or -1 if none is waiting. */
int socket_accept(int listen_fd);

#endif
