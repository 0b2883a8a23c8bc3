/*
 * debug/gdb_packet.h: the framing of GDB's remote serial protocol (GDB manual, appendix E
 * "GDB Remote Serial Protocol": E.1 "Overview" — packets "$data#cs" with a two-digit hex
 * modulo-256 checksum, '+'/'-' acknowledgments, the escape '}' (next byte XOR 0x20) for '#',
 * '$', '}' and '*' in binary data, run-length encoding "X*n" in replies; E.8 "Interrupts" —
 * a lone 0x03 byte is Ctrl-C).
 *
 * The parser takes bytes one at a time from an untrusted peer and never fails other than by
 * reporting an event: a packet whose checksum is wrong is NAKed by the caller, an oversized
 * packet is dropped whole, junk between packets is skipped.
 */
#ifndef VIREO_DEBUG_GDB_PACKET_H
#define VIREO_DEBUG_GDB_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 16384 /* the PacketSize vireo advertises; decoded data fits it */

typedef enum GdbEvent {
    GDB_EVENT_NONE,         /* byte consumed, nothing complete */
    GDB_EVENT_PACKET,       /* a packet with a good checksum: data in parser.data/len */
    GDB_EVENT_BAD_CHECKSUM, /* a complete packet whose checksum did not match: send '-' */
    GDB_EVENT_TOO_LONG,     /* a packet longer than GDB_PACKET_MAX was dropped: send '-' */
    GDB_EVENT_INTERRUPT,    /* Ctrl-C outside a packet */
    GDB_EVENT_ACK,          /* '+' */
    GDB_EVENT_NAK,          /* '-': resend the last reply */
} GdbEvent;

typedef struct GdbPacketParser {
    uint8_t data[GDB_PACKET_MAX + 1]; /* decoded payload, NUL-terminated for convenience */
    size_t len;
    uint8_t state;
    uint8_t sum;      /* running checksum of the raw payload bytes */
    uint8_t sum_hex;  /* first checksum digit */
    uint8_t is_escaped;
    uint8_t is_overflow;
} GdbPacketParser;

void gdb_parser_init(GdbPacketParser *p);
GdbEvent gdb_parser_feed(GdbPacketParser *p, uint8_t byte);

/*
 * Frames `len` bytes as "$...#cs" into out, escaping the four special bytes. Returns the
 * framed length, or 0 if it does not fit in out_size.
 */
size_t gdb_packet_encode(const uint8_t *data, size_t len, uint8_t *out, size_t out_size);

/* Hex helpers for packet payloads: returns -1 on a non-hex digit or odd length. */
int gdb_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_size);
void gdb_hex_encode(const uint8_t *data, size_t len, char *out);

#endif
