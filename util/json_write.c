/*
 * util/json_write.c: the JSON writer (see json.h), producing RFC 8259 text: strings escaped as
 * §7 requires (the two-character forms where they exist, \u00XX for other control
 * characters), everything else copied when it is well-formed UTF-8.
 */
#include "util/json.h"
#include "util/json_text.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * d in the shortest of %.15g..%.17g that reads back as d (%.17g always does), with '.' for the
 * locale's decimal point, which printf would use.
 */
static size_t format_double(double d, char *out, size_t out_size)
{
    const char *dp = localeconv()->decimal_point;
    size_t dp_len = strlen(dp);
    size_t n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        char raw[64];
        int len = snprintf(raw, sizeof(raw), "%.*g", prec, d);
        if (len <= 0 || (size_t)len >= sizeof(raw)) {
            continue;
        }
        n = 0;
        for (int i = 0; i < len && n + 1 < out_size;) {
            if (dp_len && strncmp(raw + i, dp, dp_len) == 0) {
                out[n++] = '.';
                i += (int)dp_len;
            } else {
                out[n++] = raw[i++];
            }
        }
        out[n] = '\0';
        bool is_ok;
        if (json_strtod(out, n, &is_ok) == d && is_ok) {
            break;
        }
    }
    /* "3" would read back as an integer: keep the type. */
    if (!strpbrk(out, ".eE") && n + 2 < out_size) {
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    return n;
}

/* JsonWriter.level[] bits for one open container. */
enum {
    WRITER_IN_OBJECT = 1 << 0,
    WRITER_HAS_ITEMS = 1 << 1,
    WRITER_HAS_KEY = 1 << 2, /* an object's key is written, its value is due */
};

void json_writer_init(JsonWriter *w, bool is_pretty)
{
    memset(w, 0, sizeof(*w));
    w->is_pretty = is_pretty;
}

void json_writer_free(JsonWriter *w)
{
    free(w->buf);
    json_writer_init(w, w->is_pretty);
}

static void put(JsonWriter *w, const char *s, size_t n)
{
    if (w->has_failed) {
        return;
    }
    if (w->cap - w->len <= n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len <= n && cap <= SIZE_MAX / 2) {
            cap *= 2;
        }
        if (cap - w->len <= n) {
            w->has_failed = true;
            return;
        }
        char *buf = realloc(w->buf, cap);
        if (!buf) {
            w->has_failed = true;
            return;
        }
        w->buf = buf;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void put_newline(JsonWriter *w)
{
    static const char spaces[] = "                                ";
    if (!w->is_pretty) {
        return;
    }
    put(w, "\n", 1);
    for (size_t n = 2 * (size_t)w->depth; n;) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        put(w, spaces, k);
        n -= k;
    }
}

/* Before any value: check that one may come here, and write the separator it needs. */
static bool begin_value(JsonWriter *w)
{
    if (w->has_failed) {
        return false;
    }
    if (w->depth == 0) {
        w->has_failed = w->is_done;
        return !w->has_failed;
    }
    uint8_t *lv = &w->level[w->depth - 1];
    if (*lv & WRITER_IN_OBJECT) {
        w->has_failed = !(*lv & WRITER_HAS_KEY);
        *lv &= (uint8_t)~WRITER_HAS_KEY;
        return !w->has_failed;
    }
    if (*lv & WRITER_HAS_ITEMS) {
        put(w, ",", 1);
    }
    *lv |= WRITER_HAS_ITEMS;
    put_newline(w);
    return true;
}

static void end_value(JsonWriter *w)
{
    if (w->depth == 0) {
        w->is_done = true;
    }
}

static void put_string(JsonWriter *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    put(w, "\"", 1);
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
            p++;
        }
        put(w, (const char *)run, (size_t)(p - run));
        if (p == end) {
            break;
        }
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(w, esc, 2);
            p++;
        } else if (c < 0x20) {
            static const char short_escape[0x20] = {
                ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
            };
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (short_escape[c]) {
                esc[1] = short_escape[c];
                put(w, esc, 2);
            } else {
                put(w, esc, 6);
            }
            p++;
        } else {
            size_t n = json_utf8_sequence_length(p, (size_t)(end - p));
            if (n) {
                put(w, (const char *)p, n);
                p += n;
            } else {
                put(w, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
                p++;
            }
        }
    }
    put(w, "\"", 1);
}

static void begin_container(JsonWriter *w, bool is_object)
{
    if (!begin_value(w)) {
        return;
    }
    if (w->depth == JSON_MAX_DEPTH) {
        w->has_failed = true;
        return;
    }
    w->level[w->depth++] = is_object ? WRITER_IN_OBJECT : 0;
    put(w, is_object ? "{" : "[", 1);
}

static void end_container(JsonWriter *w, bool is_object)
{
    if (w->has_failed) {
        return;
    }
    uint8_t lv = w->depth ? w->level[w->depth - 1] : 0;
    if (!w->depth || !!(lv & WRITER_IN_OBJECT) != is_object || (lv & WRITER_HAS_KEY)) {
        w->has_failed = true;
        return;
    }
    w->depth--;
    if (lv & WRITER_HAS_ITEMS) {
        put_newline(w);
    }
    put(w, is_object ? "}" : "]", 1);
    end_value(w);
}

void json_write_object_begin(JsonWriter *w)
{
    begin_container(w, true);
}

void json_write_object_end(JsonWriter *w)
{
    end_container(w, true);
}

void json_write_array_begin(JsonWriter *w)
{
    begin_container(w, false);
}

void json_write_array_end(JsonWriter *w)
{
    end_container(w, false);
}

void json_write_key_len(JsonWriter *w, const char *key, size_t len)
{
    if (w->has_failed) {
        return;
    }
    uint8_t *lv = w->depth ? &w->level[w->depth - 1] : NULL;
    if (!lv || !(*lv & WRITER_IN_OBJECT) || (*lv & WRITER_HAS_KEY)) {
        w->has_failed = true;
        return;
    }
    if (*lv & WRITER_HAS_ITEMS) {
        put(w, ",", 1);
    }
    *lv |= WRITER_HAS_ITEMS | WRITER_HAS_KEY;
    put_newline(w);
    put_string(w, key, len);
    put(w, w->is_pretty ? ": " : ":", w->is_pretty ? 2 : 1);
}

void json_write_key(JsonWriter *w, const char *key)
{
    json_write_key_len(w, key, strlen(key));
}

void json_write_string_len(JsonWriter *w, const char *s, size_t len)
{
    if (begin_value(w)) {
        put_string(w, s, len);
        end_value(w);
    }
}

void json_write_string(JsonWriter *w, const char *s)
{
    json_write_string_len(w, s, strlen(s));
}

static void write_token(JsonWriter *w, const char *text, size_t len)
{
    if (begin_value(w)) {
        put(w, text, len);
        end_value(w);
    }
}

void json_write_int(JsonWriter *w, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    write_token(w, buf, (size_t)n);
}

void json_write_uint(JsonWriter *w, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
    write_token(w, buf, (size_t)n);
}

void json_write_double(JsonWriter *w, double v)
{
    if (!isfinite(v)) {
        write_token(w, "null", 4);
        return;
    }
    char buf[48];
    size_t n = format_double(v, buf, sizeof(buf));
    write_token(w, buf, n);
}

void json_write_bool(JsonWriter *w, bool v)
{
    write_token(w, v ? "true" : "false", v ? 4 : 5);
}

void json_write_null(JsonWriter *w)
{
    write_token(w, "null", 4);
}

void json_write_value(JsonWriter *w, const JsonValue *v)
{
    if (w->has_failed) {
        return;
    }
    switch (v->type) {
    case JSON_NULL:
        json_write_null(w);
        break;
    case JSON_BOOL:
        json_write_bool(w, v->boolean);
        break;
    case JSON_INT:
        json_write_int(w, v->i64);
        break;
    case JSON_UINT:
        json_write_uint(w, v->u64);
        break;
    case JSON_DOUBLE:
        json_write_double(w, v->f64);
        break;
    case JSON_STRING:
        json_write_string_len(w, v->str, v->len);
        break;
    case JSON_ARRAY:
        json_write_array_begin(w);
        for (uint32_t i = 0; i < v->len; i++) {
            json_write_value(w, &v->items[i]);
        }
        json_write_array_end(w);
        break;
    case JSON_OBJECT:
        json_write_object_begin(w);
        for (uint32_t i = 0; i < v->len; i++) {
            json_write_key_len(w, v->members[i].key.str, v->members[i].key.len);
            json_write_value(w, &v->members[i].value);
        }
        json_write_object_end(w);
        break;
    default:
        w->has_failed = true;
        break;
    }
}

const char *json_writer_text(const JsonWriter *w, size_t *len)
{
    if (w->has_failed || !w->is_done) {
        return NULL;
    }
    if (len) {
        *len = w->len;
    }
    return w->buf;
}
