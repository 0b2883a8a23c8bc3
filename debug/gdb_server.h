/*
 * debug/gdb_server.h: the TCP end of the GDB stub (-gdb tcp:[HOST]:PORT, -s). One client at a
 * time; a second connection waits in the backlog until the first one ends. The machine's
 * loop polls it between instruction slices (and while paused), so it needs no thread.
 *
 * Bytes from the client go to the stub; a client that closes the connection, or stops reading
 * for GDB_SERVER_SEND_TIMEOUT_S seconds, is dropped and the target told it detached.
 */
#ifndef VIREO_DEBUG_GDB_SERVER_H
#define VIREO_DEBUG_GDB_SERVER_H

#include "debug/gdb_stub.h"
#include "util/error.h"

#define GDB_SERVER_SEND_TIMEOUT_S 10

typedef struct GdbServer {
    int listen_fd; /* -1: closed */
    int conn_fd;   /* -1: no client */
    GdbStub stub;
    const GdbTarget *target;
    void *target_opaque;
    /* A client connected (the machine stops the guest, as QEMU does). */
    void (*connected)(void *opaque);
} GdbServer;

/* Listens on spec ("tcp:[HOST]:PORT"; an empty HOST is every address, as in QEMU). */
int gdb_server_open(GdbServer *s, const char *spec, const GdbTarget *target, void *opaque,
                    void (*connected)(void *opaque), Error *err);
/* Accepts a client and feeds what it sent to the stub; waits up to timeout_ms for either. */
void gdb_server_poll(GdbServer *s, int timeout_ms);
void gdb_server_close(GdbServer *s);
/* The descriptor to wait on for the next event (the client, or the listener), -1 if none. */
int gdb_server_wait_fd(const GdbServer *s);

#endif
