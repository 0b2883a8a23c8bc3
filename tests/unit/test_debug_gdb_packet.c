/*
 * tests/unit/test_debug_gdb_packet.c: the remote serial protocol framing (GDB manual appendix
 * E.1) against packets written here by hand from the manual's rules, including what a hostile
 * or broken peer sends: bad checksums, non-hex checksums, oversized packets, noise, a '$'
 * inside a packet, and a disconnect mid-packet (the next packet must still parse).
 */
#include <string.h>

#include "check.h"
#include "debug/gdb_packet.h"

static GdbEvent feed_all(GdbPacketParser *p, const char *bytes, size_t n, unsigned *events)
{
    GdbEvent last = GDB_EVENT_NONE;
    for (size_t i = 0; i < n; i++) {
        GdbEvent e = gdb_parser_feed(p, (uint8_t)bytes[i]);
        if (e != GDB_EVENT_NONE) {
            last = e;
            if (events) {
                (*events)++;
            }
        }
    }
    return last;
}

static GdbEvent feed(GdbPacketParser *p, const char *s)
{
    return feed_all(p, s, strlen(s), NULL);
}

static void test_debug_gdb_packet_parses_packets(void)
{
    GdbPacketParser p;
    gdb_parser_init(&p);
    /* "g": checksum 0x67. */
    CHECK_EQ(feed(&p, "$g#67"), GDB_EVENT_PACKET);
    CHECK_STR_EQ((const char *)p.data, "g");
    /* qSupported: sum of the characters mod 256 = 0x37 for "qSupported". */
    CHECK_EQ(feed(&p, "$qSupported#37"), GDB_EVENT_PACKET);
    CHECK_STR_EQ((const char *)p.data, "qSupported");
    CHECK_EQ(feed(&p, "$g#6"), GDB_EVENT_NONE); /* incomplete */
    CHECK_EQ(feed(&p, "7"), GDB_EVENT_PACKET);
    /* Uppercase checksum digits are accepted. */
    CHECK_EQ(feed(&p, "$m0,4#FD"), GDB_EVENT_PACKET);
    CHECK_STR_EQ((const char *)p.data, "m0,4");
}

static void test_debug_gdb_packet_escapes(void)
{
    GdbPacketParser p;
    gdb_parser_init(&p);
    /* X packet data with the four special bytes, escaped: }\x03 = '#', }\x04 = '$',
     * }] = '}', }\x0a = '*'. The checksum covers the raw (escaped) bytes. */
    const char raw[] = "X0,4:}\x03}\x04}]}\x0a";
    uint8_t sum = 0;
    for (size_t i = 0; i < sizeof(raw) - 1; i++) {
        sum = (uint8_t)(sum + (uint8_t)raw[i]);
    }
    char pkt[64];
    size_t n = (size_t)snprintf(pkt, sizeof(pkt), "$%s#%02x", raw, sum);
    CHECK_EQ(feed_all(&p, pkt, n, NULL), GDB_EVENT_PACKET);
    CHECK_EQ(p.len, 9);
    CHECK(memcmp(p.data, "X0,4:#$}*", 9) == 0);
    /* And encoding produces the same bytes. */
    uint8_t out[64];
    size_t m = gdb_packet_encode((const uint8_t *)"X0,4:#$}*", 9, out, sizeof(out));
    CHECK_EQ(m, n);
    CHECK(memcmp(out, pkt, n) == 0);
    CHECK_EQ(gdb_packet_encode((const uint8_t *)"abc", 3, out, 6), 0); /* does not fit */
}

static void test_debug_gdb_packet_hostile_input(void)
{
    GdbPacketParser p;
    gdb_parser_init(&p);
    CHECK_EQ(feed(&p, "$g#00"), GDB_EVENT_BAD_CHECKSUM);
    CHECK_EQ(feed(&p, "$g#zz"), GDB_EVENT_BAD_CHECKSUM);
    CHECK_EQ(feed(&p, "+"), GDB_EVENT_ACK);
    CHECK_EQ(feed(&p, "-"), GDB_EVENT_NAK);
    CHECK_EQ(feed(&p, "\x03"), GDB_EVENT_INTERRUPT);
    CHECK_EQ(feed(&p, "garbage\r\n"), GDB_EVENT_NONE);
    /* A packet cut off by a new '$' (a reconnecting peer): the new one parses. */
    CHECK_EQ(feed(&p, "$m0,10$g#67"), GDB_EVENT_PACKET);
    CHECK_STR_EQ((const char *)p.data, "g");
    /* Oversized: dropped whole, then the parser works again. */
    static char big[GDB_PACKET_MAX + 100];
    memset(big, 'a', sizeof(big));
    big[0] = '$';
    unsigned events = 0;
    feed_all(&p, big, sizeof(big), &events);
    CHECK_EQ(events, 0);
    CHECK_EQ(feed(&p, "#00"), GDB_EVENT_TOO_LONG);
    CHECK_EQ(feed(&p, "$g#67"), GDB_EVENT_PACKET);
    /* Every byte value in every state: no event other than the defined ones, no overrun. */
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned prefix = 0; prefix < 4; prefix++) {
            gdb_parser_init(&p);
            const char *pre[4] = {"", "$", "$a#", "$}"};
            feed(&p, pre[prefix]);
            GdbEvent e = gdb_parser_feed(&p, (uint8_t)b);
            CHECK(e <= GDB_EVENT_NAK);
            CHECK(p.len <= GDB_PACKET_MAX);
        }
    }
}

static void test_debug_gdb_packet_hex(void)
{
    uint8_t out[4];
    CHECK_EQ(gdb_hex_decode("deadBEEF", 8, out, sizeof(out)), 0);
    CHECK(out[0] == 0xde && out[3] == 0xef);
    CHECK_EQ(gdb_hex_decode("abc", 3, out, sizeof(out)), -1);
    CHECK_EQ(gdb_hex_decode("zz", 2, out, sizeof(out)), -1);
    CHECK_EQ(gdb_hex_decode("0011223344", 10, out, sizeof(out)), -1); /* too long for out */
    char text[9];
    gdb_hex_encode(out, 4, text);
    CHECK_STR_EQ(text, "deadbeef");
}

static const CheckTest tests[] = {
    CHECK_TEST(test_debug_gdb_packet_parses_packets),
    CHECK_TEST(test_debug_gdb_packet_escapes),
    CHECK_TEST(test_debug_gdb_packet_hostile_input),
    CHECK_TEST(test_debug_gdb_packet_hex),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
