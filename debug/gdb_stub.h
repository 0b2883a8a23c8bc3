/*
 * debug/gdb_stub.h: GDB's remote serial protocol, the command side (GDB manual appendix E:
 * E.2 "Packets" — ?, g, G, p, P, m, M, X, Z0-Z4/z0-z4, c, s, D, k, H, T; E.4 "General Query
 * Packets" — qSupported, qAttached, qC, qfThreadInfo/qsThreadInfo, qXfer:features:read,
 * qRcmd, QStartNoAckMode; vCont? and vCont;c/s; E.3 "Stop Reply Packets" — T05 with
 * thread and watchpoint address).
 *
 * The stub speaks to the machine through a GdbTarget (registers in the target description's
 * order, guest-virtual memory, break/watchpoints, resume) and to the connection through a send
 * callback, so it is testable without either. Threads: one per vCPU; with one CPU, thread 1.
 * Every request is untrusted: lengths are bounded by the packet size, malformed requests get
 * "E01" (or an empty reply for what the stub does not support), never a crash.
 */
#ifndef VIREO_DEBUG_GDB_STUB_H
#define VIREO_DEBUG_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug/gdb_packet.h"

/* Z/z types (E.2 "Z type,addr,kind"). */
enum {
    GDB_POINT_SW = 0,
    GDB_POINT_HW = 1,
    GDB_POINT_WRITE = 2,
    GDB_POINT_READ = 3,
    GDB_POINT_ACCESS = 4,
};

#define GDB_SIGTRAP 5
#define GDB_SIGINT 2

typedef struct GdbTarget {
    /* All registers, in the target description's order, little-endian; returns the size. */
    size_t (*read_registers)(void *opaque, uint8_t *buf, size_t size);
    bool (*write_registers)(void *opaque, const uint8_t *buf, size_t len);
    /* One register by its number in the description; *len gets its size. */
    bool (*read_register)(void *opaque, unsigned n, uint8_t *buf, size_t *len);
    bool (*write_register)(void *opaque, unsigned n, const uint8_t *buf, size_t len);
    /* Guest-virtual memory through the guest's page tables: false if any byte is unmapped. */
    bool (*read_memory)(void *opaque, uint64_t addr, uint8_t *buf, size_t len);
    bool (*write_memory)(void *opaque, uint64_t addr, const uint8_t *buf, size_t len);
    /* 0 on success, -1 error, -2 unsupported (the stub replies "" so gdb tries another way). */
    int (*insert_point)(void *opaque, unsigned type, uint64_t addr, uint64_t len);
    int (*remove_point)(void *opaque, unsigned type, uint64_t addr, uint64_t len);
    /* Resume the guest: one instruction, or until something stops it (gdb_stub_stopped). */
    void (*resume)(void *opaque, bool is_step);
    /* Ctrl-C: stop as soon as possible and report with gdb_stub_stopped(GDB_SIGINT). */
    void (*interrupt)(void *opaque);
    /* "monitor CMD": writes its output with gdb_stub_console(). NULL: not supported. */
    void (*monitor)(void *opaque, const char *cmd);
    /* gdb detached or killed the session. */
    void (*detach)(void *opaque, bool is_kill);
    const char *target_xml; /* the target description */
} GdbTarget;

typedef struct GdbStub {
    const GdbTarget *target;
    void *target_opaque;
    void (*send)(void *opaque, const uint8_t *buf, size_t len);
    void *send_opaque;
    GdbPacketParser parser;
    bool is_no_ack;
    bool is_running;    /* resumed; a stop reply is owed */
    bool in_monitor;    /* collecting "O" console output for qRcmd */
    uint8_t last[GDB_PACKET_MAX + 8]; /* the last framed reply, for a NAK */
    size_t last_len;
    uint8_t buf[GDB_PACKET_MAX + 1];  /* decoded request data, register and memory images */
    char hex[GDB_PACKET_MAX + 1];     /* a reply being hex-encoded */
} GdbStub;

void gdb_stub_init(GdbStub *s, const GdbTarget *target, void *target_opaque,
                   void (*send)(void *opaque, const uint8_t *buf, size_t len), void *send_opaque);
/* Bytes from the connection. */
void gdb_stub_input(GdbStub *s, const uint8_t *buf, size_t len);
/*
 * The target stopped with `signal`. point_type says why, in the stop reply: GDB_POINT_SW or
 * _HW (a breakpoint: "swbreak"/"hwbreak"), GDB_POINT_WRITE/_READ/_ACCESS (a watchpoint, with
 * the address the access touched), or -1 (nothing more to say).
 */
void gdb_stub_stopped(GdbStub *s, int signal, int point_type, uint64_t addr);
/* The target process ends with `status` (E.3 "W AA" stop reply), whether or not it ran. */
void gdb_stub_exited(GdbStub *s, int status);
/* Console output for a running monitor command (sent as an "O" packet). */
void gdb_stub_console(GdbStub *s, const char *text);

#endif
