/* debug/gdb_stub.c: the remote protocol's commands (see gdb_stub.h for the manual sections). */
#include "debug/gdb_stub.h"

#include <stdio.h>
#include <string.h>

#include "util/hex.h"

#define THREAD_ID "01"
#define MAX_REGISTERS_BYTES 4096
/* What one memory reply can carry: hex doubles the bytes. */
#define MAX_MEMORY_BYTES ((GDB_PACKET_MAX - 16) / 2)

static const char supported[] = "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
                                "vContSupported+;QStartNoAckMode+";

static void send_raw(GdbStub *s, const uint8_t *buf, size_t len)
{
    s->send(s->send_opaque, buf, len);
}

static void reply_bytes(GdbStub *s, const uint8_t *data, size_t len)
{
    size_t n = gdb_packet_encode(data, len, s->last, sizeof(s->last));
    if (n == 0) {
        n = gdb_packet_encode((const uint8_t *)"E01", 3, s->last, sizeof(s->last));
    }
    s->last_len = n;
    send_raw(s, s->last, n);
}

static void reply(GdbStub *s, const char *text)
{
    reply_bytes(s, (const uint8_t *)text, strlen(text));
}

void gdb_stub_init(GdbStub *s, const GdbTarget *target, void *target_opaque,
                   void (*send)(void *opaque, const uint8_t *buf, size_t len), void *send_opaque)
{
    memset(s, 0, sizeof(*s));
    s->target = target;
    s->target_opaque = target_opaque;
    s->send = send;
    s->send_opaque = send_opaque;
    gdb_parser_init(&s->parser);
}

/* Parses hex digits up to a delimiter (or the end); false if none or more than 16. */
static bool parse_hex(const char **p, const char *end, uint64_t *value)
{
    uint64_t v = 0;
    unsigned n = 0;
    while (*p < end) {
        int d = hex_digit_value(**p);
        if (d < 0) {
            break;
        }
        if (++n > 16) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
        (*p)++;
    }
    *value = v;
    return n > 0;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p < end && **p == c) {
        (*p)++;
        return true;
    }
    return false;
}

static void reply_hex(GdbStub *s, const uint8_t *data, size_t len)
{
    gdb_hex_encode(data, len, s->hex);
    reply(s, s->hex);
}

static void send_stop(GdbStub *s, int signal, int point_type, uint64_t addr)
{
    static const char *const reason[] = {
        [GDB_POINT_SW] = "swbreak:", [GDB_POINT_HW] = "hwbreak:", [GDB_POINT_WRITE] = "watch:",
        [GDB_POINT_READ] = "rwatch:", [GDB_POINT_ACCESS] = "awatch:",
    };
    char buf[96];
    if (point_type >= GDB_POINT_WRITE && point_type <= GDB_POINT_ACCESS) {
        snprintf(buf, sizeof(buf), "T%02xthread:" THREAD_ID ";%s%llx;", signal & 0xff,
                 reason[point_type], (unsigned long long)addr);
    } else if (point_type == GDB_POINT_SW || point_type == GDB_POINT_HW) {
        snprintf(buf, sizeof(buf), "T%02xthread:" THREAD_ID ";%s;", signal & 0xff,
                 reason[point_type]);
    } else {
        snprintf(buf, sizeof(buf), "T%02xthread:" THREAD_ID ";", signal & 0xff);
    }
    reply(s, buf);
}

void gdb_stub_stopped(GdbStub *s, int signal, int point_type, uint64_t addr)
{
    if (!s->is_running) {
        return; /* nobody waits for it */
    }
    s->is_running = false;
    send_stop(s, signal, point_type, addr);
}

void gdb_stub_exited(GdbStub *s, int status)
{
    char buf[8];
    snprintf(buf, sizeof(buf), "W%02x", status & 0xff);
    s->is_running = false;
    reply(s, buf);
}

void gdb_stub_console(GdbStub *s, const char *text)
{
    size_t len = strlen(text);
    while (len) {
        size_t n = len < MAX_MEMORY_BYTES - 1 ? len : MAX_MEMORY_BYTES - 1;
        s->hex[0] = 'O';
        gdb_hex_encode((const uint8_t *)text, n, s->hex + 1);
        reply(s, s->hex);
        text += n;
        len -= n;
    }
}

static void read_memory(GdbStub *s, const char *p, const char *end)
{
    uint64_t addr, len;
    if (!parse_hex(&p, end, &addr) || !expect(&p, end, ',') || !parse_hex(&p, end, &len) ||
        p != end || len > MAX_MEMORY_BYTES) {
        reply(s, "E01");
        return;
    }
    if (!s->target->read_memory(s->target_opaque, addr, s->buf, (size_t)len)) {
        reply(s, "E14"); /* EFAULT */
        return;
    }
    reply_hex(s, s->buf, (size_t)len);
}

/* M addr,len:hex and X addr,len:binary. */
static void write_memory(GdbStub *s, const char *p, const char *end, bool is_binary)
{
    uint64_t addr, len;
    if (!parse_hex(&p, end, &addr) || !expect(&p, end, ',') || !parse_hex(&p, end, &len) ||
        !expect(&p, end, ':') || len > GDB_PACKET_MAX) {
        reply(s, "E01");
        return;
    }
    size_t avail = (size_t)(end - p);
    if (is_binary ? avail != len
                  : gdb_hex_decode(p, avail, s->buf, sizeof(s->buf)) < 0 || avail != 2 * len) {
        reply(s, "E01");
        return;
    }
    const uint8_t *data = is_binary ? (const uint8_t *)p : s->buf;
    bool ok = s->target->write_memory(s->target_opaque, addr, data, (size_t)len);
    reply(s, ok ? "OK" : "E14");
}

static void breakpoint(GdbStub *s, bool is_insert, const char *p, const char *end)
{
    uint64_t type, addr, kind;
    if (!parse_hex(&p, end, &type) || !expect(&p, end, ',') || !parse_hex(&p, end, &addr) ||
        !expect(&p, end, ',') || !parse_hex(&p, end, &kind) || type > GDB_POINT_ACCESS) {
        reply(s, type > GDB_POINT_ACCESS ? "" : "E01");
        return;
    }
    int r = (is_insert ? s->target->insert_point : s->target->remove_point)(
        s->target_opaque, (unsigned)type, addr, kind);
    reply(s, r == 0 ? "OK" : r == -2 ? "" : "E01");
}

static void resume(GdbStub *s, bool is_step)
{
    s->is_running = true;
    s->target->resume(s->target_opaque, is_step);
}

/* vCont;ACTION[:thread][;ACTION...]: the first action for our thread (or all) decides. */
static void vcont(GdbStub *s, const char *p, const char *end)
{
    while (p < end && *p == ';') {
        p++;
        char action = p < end ? *p : 0;
        const char *next = memchr(p, ';', (size_t)(end - p));
        const char *colon = memchr(p, ':', (size_t)((next ? next : end) - p));
        bool is_ours = !colon || strncmp(colon + 1, "1", 1) == 0 || strncmp(colon + 1, "-1", 2) == 0;
        if (is_ours && (action == 'c' || action == 'C' || action == 's' || action == 'S')) {
            resume(s, action == 's' || action == 'S');
            return;
        }
        p = next ? next : end;
    }
    reply(s, "E01");
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void xfer_features(GdbStub *s, const char *p, const char *end)
{
    static const char prefix[] = "target.xml:";
    const char *xml = s->target->target_xml;
    uint64_t off, len;
    if (!xml || (size_t)(end - p) < sizeof(prefix) - 1 ||
        memcmp(p, prefix, sizeof(prefix) - 1) != 0) {
        reply(s, "E00");
        return;
    }
    p += sizeof(prefix) - 1;
    if (!parse_hex(&p, end, &off) || !expect(&p, end, ',') || !parse_hex(&p, end, &len)) {
        reply(s, "E01");
        return;
    }
    size_t total = strlen(xml);
    if (off > total) {
        reply(s, "E01");
        return;
    }
    size_t n = total - off < len ? total - off : (size_t)len;
    if (n > GDB_PACKET_MAX / 2) {
        n = GDB_PACKET_MAX / 2; /* leave room for escapes */
    }
    s->buf[0] = off + n < total ? 'm' : 'l';
    memcpy(s->buf + 1, xml + off, n);
    reply_bytes(s, s->buf, n + 1);
}

static void monitor(GdbStub *s, const char *p, const char *end)
{
    size_t n = (size_t)(end - p);
    if (!s->target->monitor) {
        reply(s, "");
        return;
    }
    if (gdb_hex_decode(p, n, s->buf, GDB_PACKET_MAX / 2) < 0) {
        reply(s, "E01");
        return;
    }
    s->buf[n / 2] = '\0';
    s->target->monitor(s->target_opaque, (const char *)s->buf);
    reply(s, "OK");
}

static bool starts(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

static void query(GdbStub *s, const char *p, const char *end)
{
    if (starts(p, end, "qSupported")) {
        reply(s, supported);
    } else if (starts(p, end, "qXfer:features:read:")) {
        xfer_features(s, p + strlen("qXfer:features:read:"), end);
    } else if (starts(p, end, "qAttached")) {
        reply(s, "1");
    } else if (starts(p, end, "qC")) {
        reply(s, "QC" THREAD_ID);
    } else if (starts(p, end, "qfThreadInfo")) {
        reply(s, "m" THREAD_ID);
    } else if (starts(p, end, "qsThreadInfo")) {
        reply(s, "l");
    } else if (starts(p, end, "qRcmd,")) {
        monitor(s, p + strlen("qRcmd,"), end);
    } else if (starts(p, end, "qSymbol")) {
        reply(s, "OK");
    } else {
        reply(s, "");
    }
}

static void registers(GdbStub *s, char cmd, const char *p, const char *end)
{
    uint8_t *buf = s->buf;
    size_t size = MAX_REGISTERS_BYTES;
    uint64_t n;
    size_t len;
    switch (cmd) {
    case 'g':
        len = s->target->read_registers(s->target_opaque, buf, size);
        reply_hex(s, buf, len);
        break;
    case 'G':
        if ((size_t)(end - p) / 2 > size ||
            gdb_hex_decode(p, (size_t)(end - p), buf, size) < 0 ||
            !s->target->write_registers(s->target_opaque, buf, (size_t)(end - p) / 2)) {
            reply(s, "E01");
        } else {
            reply(s, "OK");
        }
        break;
    case 'p':
        if (!parse_hex(&p, end, &n) || p != end || n > 1024 ||
            !s->target->read_register(s->target_opaque, (unsigned)n, buf, &len)) {
            reply(s, "E01");
        } else {
            reply_hex(s, buf, len);
        }
        break;
    default: /* 'P' n=value */
        if (!parse_hex(&p, end, &n) || !expect(&p, end, '=') || n > 1024 ||
            (size_t)(end - p) / 2 > size ||
            gdb_hex_decode(p, (size_t)(end - p), buf, size) < 0 ||
            !s->target->write_register(s->target_opaque, (unsigned)n, buf,
                                       (size_t)(end - p) / 2)) {
            reply(s, "E01");
        } else {
            reply(s, "OK");
        }
        break;
    }
}

static void handle_packet(GdbStub *s, const char *p, size_t len)
{
    const char *end = p + len;
    if (len == 0) {
        reply(s, "");
        return;
    }
    char cmd = *p++;
    switch (cmd) {
    case '?':
        send_stop(s, GDB_SIGTRAP, -1, 0);
        break;
    case 'g':
    case 'G':
    case 'p':
    case 'P':
        registers(s, cmd, p, end);
        break;
    case 'm':
        read_memory(s, p, end);
        break;
    case 'M':
    case 'X':
        write_memory(s, p, end, cmd == 'X');
        break;
    case 'Z':
    case 'z':
        breakpoint(s, cmd == 'Z', p, end);
        break;
    case 'c':
    case 's':
        resume(s, cmd == 's'); /* a resume address is not supported: gdb never sends one */
        break;
    case 'v':
        if (starts(p, end, "Cont?")) {
            reply(s, "vCont;c;C;s;S");
        } else if (starts(p, end, "Cont;")) {
            vcont(s, p + 4, end);
        } else {
            reply(s, "");
        }
        break;
    case 'q':
        query(s, p - 1, end);
        break;
    case 'Q':
        if (starts(p - 1, end, "QStartNoAckMode")) {
            reply(s, "OK");
            s->is_no_ack = true;
        } else {
            reply(s, "");
        }
        break;
    case 'H':
        reply(s, "OK");
        break;
    case 'T':
        reply(s, starts(p, end, "1") || starts(p, end, THREAD_ID) ? "OK" : "E01");
        break;
    case 'D':
        reply(s, "OK");
        s->target->detach(s->target_opaque, false);
        break;
    case 'k':
        s->target->detach(s->target_opaque, true);
        break;
    default:
        reply(s, "");
        break;
    }
}

void gdb_stub_input(GdbStub *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (gdb_parser_feed(&s->parser, buf[i])) {
        case GDB_EVENT_PACKET:
            if (!s->is_no_ack) {
                send_raw(s, (const uint8_t *)"+", 1);
            }
            handle_packet(s, (const char *)s->parser.data, s->parser.len);
            break;
        case GDB_EVENT_BAD_CHECKSUM:
        case GDB_EVENT_TOO_LONG:
            if (!s->is_no_ack) {
                send_raw(s, (const uint8_t *)"-", 1);
            }
            break;
        case GDB_EVENT_NAK:
            if (s->last_len) {
                send_raw(s, s->last, s->last_len);
            }
            break;
        case GDB_EVENT_INTERRUPT:
            if (s->is_running && s->target->interrupt) {
                s->target->interrupt(s->target_opaque);
            }
            break;
        default:
            break;
        }
    }
}
