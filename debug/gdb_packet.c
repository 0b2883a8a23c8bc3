/* debug/gdb_packet.c: remote serial protocol framing (see gdb_packet.h). */
#include "debug/gdb_packet.h"

#include <stdbool.h>

#include "util/hex.h"

enum { STATE_IDLE, STATE_DATA, STATE_SUM1, STATE_SUM2 };

#define CTRL_C 0x03
#define ESCAPE '}'
#define ESCAPE_XOR 0x20

void gdb_parser_init(GdbPacketParser *p)
{
    p->len = 0;
    p->state = STATE_IDLE;
    p->sum = 0;
    p->is_escaped = 0;
    p->is_overflow = 0;
}

static void start_packet(GdbPacketParser *p)
{
    p->state = STATE_DATA;
    p->len = 0;
    p->sum = 0;
    p->is_escaped = 0;
    p->is_overflow = 0;
}

GdbEvent gdb_parser_feed(GdbPacketParser *p, uint8_t byte)
{
    switch (p->state) {
    case STATE_IDLE:
        if (byte == '$') {
            start_packet(p);
        } else if (byte == '+') {
            return GDB_EVENT_ACK;
        } else if (byte == '-') {
            return GDB_EVENT_NAK;
        } else if (byte == CTRL_C) {
            return GDB_EVENT_INTERRUPT;
        }
        return GDB_EVENT_NONE; /* anything else between packets is noise */
    case STATE_DATA:
        if (byte == '#') {
            p->state = STATE_SUM1;
            return GDB_EVENT_NONE;
        }
        if (byte == '$') {
            start_packet(p); /* a lost '#': resynchronise on the new packet */
            return GDB_EVENT_NONE;
        }
        p->sum = (uint8_t)(p->sum + byte);
        if (!p->is_escaped && byte == ESCAPE) {
            p->is_escaped = 1;
            return GDB_EVENT_NONE;
        }
        if (p->is_escaped) {
            byte ^= ESCAPE_XOR;
            p->is_escaped = 0;
        }
        if (p->len < GDB_PACKET_MAX) {
            p->data[p->len++] = byte;
        } else {
            p->is_overflow = 1;
        }
        return GDB_EVENT_NONE;
    case STATE_SUM1:
        p->sum_hex = byte;
        p->state = STATE_SUM2;
        return GDB_EVENT_NONE;
    default: {
        p->state = STATE_IDLE;
        int hi = hex_digit_value(p->sum_hex), lo = hex_digit_value(byte);
        if (p->is_overflow) {
            p->len = 0;
            return GDB_EVENT_TOO_LONG;
        }
        p->data[p->len] = '\0';
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != p->sum) {
            return GDB_EVENT_BAD_CHECKSUM;
        }
        return GDB_EVENT_PACKET;
    }
    }
}

static bool needs_escape(uint8_t b)
{
    return b == '#' || b == '$' || b == ESCAPE || b == '*';
}

size_t gdb_packet_encode(const uint8_t *data, size_t len, uint8_t *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    uint8_t sum = 0;
    if (out_size < 4) {
        return 0;
    }
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (needs_escape(b)) {
            if (n + 2 > out_size - 3) {
                return 0;
            }
            out[n++] = ESCAPE;
            sum = (uint8_t)(sum + ESCAPE);
            b ^= ESCAPE_XOR;
        } else if (n + 1 > out_size - 3) {
            return 0;
        }
        out[n++] = b;
        sum = (uint8_t)(sum + b);
    }
    out[n++] = '#';
    out[n++] = (uint8_t)hex[sum >> 4];
    out[n++] = (uint8_t)hex[sum & 15];
    return n;
}

int gdb_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_size)
{
    if (hex_len % 2 || hex_len / 2 > out_size) {
        return -1;
    }
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_digit_value((uint8_t)hex[2 * i]), lo = hex_digit_value((uint8_t)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void gdb_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 15];
    }
    out[2 * len] = '\0';
}
