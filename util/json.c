/*
 * util/json.c: the JSON parser and tree access (see json.h), following RFC 8259 and, for
 * what makes a byte sequence UTF-8, the Unicode Standard §3.9 Table 3-7. The writer is
 * json_write.c.
 *
 * The parser is iterative: an explicit stack of open containers, so the nesting limit bounds
 * memory and never the C stack. The values of open containers pile up on a scratch stack;
 * when a container closes, its values are copied in one piece into the arena, which gives
 * contiguous items[] and members[] without knowing counts in advance.
 */
#include "util/json.h"
#include "util/json_text.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

typedef struct JsonBlock {
    struct JsonBlock *next;
    size_t size; /* bytes in data[] */
    size_t used;
    uint64_t data[]; /* uint64_t keeps every allocation 8-aligned, as JsonValue needs */
} JsonBlock;

#define ARENA_MIN_BLOCK (64u * 1024)

static void *arena_alloc(JsonDoc *doc, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    JsonBlock *b = doc->blocks;
    if (!b || b->size - b->used < size) {
        size_t want = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (want < size) {
            want = size;
        }
        JsonBlock *nb = malloc(sizeof(JsonBlock) + want);
        if (!nb) {
            return NULL;
        }
        nb->next = b;
        nb->size = want;
        nb->used = 0;
        doc->blocks = nb;
        b = nb;
    }
    void *ptr = (char *)b->data + b->used;
    b->used += size;
    return ptr;
}

static void arena_free(JsonDoc *doc)
{
    for (JsonBlock *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    doc->blocks = NULL;
}

/*
 * Empty the arena for the next document. Several blocks are merged into one of their total
 * size, so the next document of the same size fits in one block and allocates nothing.
 */
static void arena_reset(JsonDoc *doc)
{
    if (doc->blocks && doc->blocks->next) {
        size_t total = 0;
        for (JsonBlock *b = doc->blocks; b; b = b->next) {
            total += b->size;
        }
        arena_free(doc);
        JsonBlock *nb = malloc(sizeof(JsonBlock) + total);
        if (nb) {
            nb->next = NULL;
            nb->size = total;
            doc->blocks = nb;
        }
    }
    if (doc->blocks) {
        doc->blocks->used = 0;
    }
}

void json_doc_init(JsonDoc *doc)
{
    memset(doc, 0, sizeof(*doc));
}

void json_doc_free(JsonDoc *doc)
{
    arena_free(doc);
    free(doc->stack);
    free(doc->frames);
    json_doc_init(doc);
}

/* ---- locale-independent number text ---- */

/*
 * strtod uses the locale's decimal point, and a program that calls setlocale may have a comma
 * there; JSON always has '.'.
 */
double json_strtod(const char *s, size_t n, bool *is_ok)
{
    char buf[JSON_NUMBER_MAX + 16];
    const char *dp = localeconv()->decimal_point;
    size_t dp_len = strlen(dp);
    size_t o = 0;
    *is_ok = false;
    if (dp_len == 0 || dp_len > 8 || n > JSON_NUMBER_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (o + dp_len >= sizeof(buf)) {
            return 0;
        }
        if (s[i] == '.') {
            memcpy(buf + o, dp, dp_len);
            o += dp_len;
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    char *stop;
    double d = strtod(buf, &stop);
    *is_ok = stop == buf + o;
    return d;
}

/* ---- UTF-8 ---- */

size_t json_utf8_sequence_length(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* E0 80..9F would be overlong */
        hi = c == 0xed ? 0x9f : 0xbf; /* ED A0..BF would be a surrogate */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80; /* F0 80..8F would be overlong */
        hi = c == 0xf4 ? 0x8f : 0xbf; /* F4 90.. would pass U+10FFFF */
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ---- parser ---- */

typedef struct Parser {
    const char *start;
    const char *p;
    const char *end;
    JsonDoc *doc;
    size_t sp;    /* values on doc->stack */
    size_t depth; /* open containers on doc->frames */
    unsigned max_depth;
    bool allows_duplicate_keys;
    JsonError *err;
} Parser;

/* Bytes that a string holds as they are: printable ASCII other than '"' and '\\'. */
static const bool is_plain_string_byte[256] = {
    [0x20 ... 0x21] = true, /* 0x22 is '"' */
    [0x23 ... 0x5b] = true, /* 0x5c is '\\' */
    [0x5d ... 0x7f] = true,
};

static int fail(Parser *ps, const char *at, JsonErrorKind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(Parser *ps, const char *at, JsonErrorKind kind, const char *fmt, ...)
{
    if (ps->err) {
        JsonError *e = ps->err;
        e->kind = kind;
        e->offset = (size_t)(at - ps->start);
        e->line = 1;
        const char *line_start = ps->start;
        for (const char *q = ps->start; q < at; q++) {
            if (*q == '\n') {
                e->line++;
                line_start = q + 1;
            }
        }
        e->column = (unsigned)(at - line_start) + 1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
        va_end(ap);
    }
    return kind == JSON_ERR_NOMEM ? -ENOMEM : -EINVAL;
}

static int fail_nomem(Parser *ps)
{
    return fail(ps, ps->p, JSON_ERR_NOMEM, "out of memory");
}

/* How an unexpected byte is named in a message: 'x' when printable, else its value. */
static const char *describe_byte(char c, char *buf, size_t size)
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f) {
        snprintf(buf, size, "'%c'", c);
    } else {
        snprintf(buf, size, "byte 0x%02x", u);
    }
    return buf;
}

static int fail_unexpected(Parser *ps, const char *at, const char *expected)
{
    if (at == ps->end) {
        return fail(ps, at, JSON_ERR_EOF, "unexpected end of text, expected %s", expected);
    }
    char b[16];
    return fail(ps, at, JSON_ERR_SYNTAX, "unexpected %s, expected %s",
                describe_byte(*at, b, sizeof(b)), expected);
}

static inline void skip_space(Parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
    }
    ps->p = p;
}

static inline int push(Parser *ps, JsonValue v)
{
    JsonDoc *doc = ps->doc;
    if (ps->sp == doc->stack_cap) {
        size_t cap = doc->stack_cap ? doc->stack_cap * 2 : 256;
        JsonValue *s = realloc(doc->stack, cap * sizeof(*s));
        if (!s) {
            return fail_nomem(ps);
        }
        doc->stack = s;
        doc->stack_cap = cap;
    }
    doc->stack[ps->sp++] = v;
    return 0;
}

static int hex4(const char *s, const char *end, uint32_t *out)
{
    if (end - s < 4) {
        return -1;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            d = (unsigned)((c | 0x20) - 'a' + 10);
        } else {
            return -1;
        }
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* One escape at p (the backslash); stores the UTF-8 bytes at out and advances *pp. */
static int decode_escape(Parser *ps, const char **pp, char *out, size_t *out_len)
{
    const char *p = *pp, *end = ps->end;
    if (p + 1 == end) {
        return fail(ps, p, JSON_ERR_EOF, "unterminated string");
    }
    static const char simple[256] = {
        ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
        ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t',
    };
    unsigned char c = (unsigned char)p[1];
    if (simple[c]) {
        *out = simple[c];
        *out_len = 1;
        *pp = p + 2;
        return 0;
    }
    if (c != 'u') {
        char b[16];
        return fail(ps, p, JSON_ERR_ESCAPE, "invalid escape \\%s",
                    describe_byte((char)c, b, sizeof(b)));
    }
    uint32_t cp;
    if (hex4(p + 2, end, &cp) < 0) {
        return fail(ps, p, JSON_ERR_ESCAPE, "\\u needs four hex digits");
    }
    p += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) {
        return fail(ps, p - 6, JSON_ERR_SURROGATE, "low surrogate \\u%04x without a high one",
                    (unsigned)cp);
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t lo;
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) < 0 ||
            lo < 0xdc00 || lo > 0xdfff) {
            return fail(ps, p - 6, JSON_ERR_SURROGATE,
                        "high surrogate \\u%04x not followed by a low one", (unsigned)cp);
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        p += 6;
    }
    *out_len = utf8_encode(cp, out);
    *pp = p;
    return 0;
}

/*
 * A string whose raw text runs from p (after the opening quote) and holds escapes or non-ASCII
 * bytes. Decoded text is never longer than raw text (\uXXXX gives at most 3 bytes, a pair of
 * them 4), so the raw length up to the closing quote bounds the allocation.
 */
static int parse_string_slow(Parser *ps, const char *p, JsonValue *out)
{
    const char *end = ps->end, *q = p;
    while (q < end && *q != '"') {
        q += (*q == '\\' && q + 1 < end) ? 2 : 1;
    }
    if (q >= end) {
        return fail(ps, ps->p, JSON_ERR_EOF, "unterminated string");
    }
    char *buf = arena_alloc(ps->doc, (size_t)(q - p) + 1);
    if (!buf) {
        return fail_nomem(ps);
    }
    size_t n = 0;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        if (is_plain_string_byte[c]) {
            buf[n++] = (char)c;
            p++;
        } else if (c == '\\') {
            size_t len = 0;
            int rc = decode_escape(ps, &p, buf + n, &len);
            if (rc) {
                return rc;
            }
            n += len;
        } else if (c < 0x20) {
            return fail(ps, p, JSON_ERR_CONTROL,
                        "control character 0x%02x in a string must be escaped", c);
        } else {
            size_t len = json_utf8_sequence_length((const unsigned char *)p, (size_t)(end - p));
            if (!len) {
                return fail(ps, p, JSON_ERR_UTF8, "invalid UTF-8 byte 0x%02x in a string", c);
            }
            memcpy(buf + n, p, len);
            n += len;
            p += len;
        }
    }
    buf[n] = '\0';
    *out = (JsonValue){.type = JSON_STRING, .len = (uint32_t)n, .str = buf};
    ps->p = p + 1;
    return 0;
}

/* The string at ps->p (its opening quote). */
static int parse_string(Parser *ps, JsonValue *out)
{
    const char *p = ps->p + 1, *s = p, *end = ps->end;
    while (s < end && is_plain_string_byte[(unsigned char)*s]) {
        s++;
    }
    if (s == end || *s != '"') {
        return parse_string_slow(ps, p, out);
    }
    size_t n = (size_t)(s - p);
    char *buf = arena_alloc(ps->doc, n + 1);
    if (!buf) {
        return fail_nomem(ps);
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    *out = (JsonValue){.type = JSON_STRING, .len = (uint32_t)n, .str = buf};
    ps->p = s + 1;
    return 0;
}

static inline bool is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* Digits of a fraction or exponent at *pp: at least one (RFC 8259 §6 grammar). */
static int expect_digits(Parser *ps, const char **pp, const char *what)
{
    const char *p = *pp;
    if (!is_digit(p, ps->end)) {
        return p == ps->end ? fail(ps, p, JSON_ERR_EOF, "unexpected end of text in a number")
                            : fail(ps, p, JSON_ERR_NUMBER, "expected a digit %s", what);
    }
    while (is_digit(p, ps->end)) {
        p++;
    }
    *pp = p;
    return 0;
}

static int parse_number(Parser *ps)
{
    const char *s = ps->p, *p = s, *end = ps->end;
    bool is_negative = *p == '-';
    p += is_negative;
    uint64_t v = 0;
    bool has_overflowed = false;
    if (p < end && *p == '0') {
        p++;
    } else {
        int rc = expect_digits(ps, &p, "after '-'");
        if (rc) {
            return rc;
        }
        for (const char *d = s + is_negative; d < p; d++) {
            unsigned digit = (unsigned)(*d - '0');
            if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && digit > UINT64_MAX % 10)) {
                has_overflowed = true;
            }
            v = v * 10 + digit;
        }
    }
    bool is_integral = true;
    if (p < end && *p == '.') {
        p++;
        is_integral = false;
        int rc = expect_digits(ps, &p, "after the decimal point");
        if (rc) {
            return rc;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        is_integral = false;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        int rc = expect_digits(ps, &p, "in the exponent");
        if (rc) {
            return rc;
        }
    }
    if (is_digit(p, end)) {
        return fail(ps, s, JSON_ERR_NUMBER, "a number must not start with 0");
    }
    ps->p = p;
    if (is_integral && !has_overflowed) {
        if (!is_negative && v <= INT64_MAX) {
            return push(ps, (JsonValue){.type = JSON_INT, .i64 = (int64_t)v});
        } else if (!is_negative) {
            return push(ps, (JsonValue){.type = JSON_UINT, .u64 = v});
        } else if (v <= (uint64_t)INT64_MAX + 1) {
            /* Negate in unsigned arithmetic: -(int64_t)2^63 would overflow. */
            return push(ps, (JsonValue){.type = JSON_INT, .i64 = (int64_t)(0 - v)});
        }
    }
    if (p - s > JSON_NUMBER_MAX) {
        return fail(ps, s, JSON_ERR_NUMBER, "number longer than %d characters", JSON_NUMBER_MAX);
    }
    bool is_ok;
    double d = json_strtod(s, (size_t)(p - s), &is_ok);
    if (!is_ok || isinf(d)) {
        return fail(ps, s, JSON_ERR_NUMBER, "number out of range");
    }
    return push(ps, (JsonValue){.type = JSON_DOUBLE, .f64 = d});
}

static int parse_literal(Parser *ps, const char *word, JsonValue v)
{
    size_t n = strlen(word), avail = (size_t)(ps->end - ps->p);
    if (memcmp(ps->p, word, n < avail ? n : avail) != 0) {
        return fail(ps, ps->p, JSON_ERR_LITERAL, "invalid literal, expected %s", word);
    }
    if (avail < n) {
        return fail(ps, ps->end, JSON_ERR_EOF, "unexpected end of text in %s", word);
    }
    ps->p += n;
    return push(ps, v);
}

/* A value that is not a container, at ps->p. */
static int parse_scalar(Parser *ps)
{
    switch (*ps->p) {
    case '"': {
        JsonValue v;
        int rc = parse_string(ps, &v);
        return rc ? rc : push(ps, v);
    }
    case '-':
    case '0' ... '9':
        return parse_number(ps);
    case 't':
        return parse_literal(ps, "true", (JsonValue){.type = JSON_BOOL, .boolean = true});
    case 'f':
        return parse_literal(ps, "false", (JsonValue){.type = JSON_BOOL, .boolean = false});
    case 'n':
        return parse_literal(ps, "null", (JsonValue){.type = JSON_NULL});
    default:
        return fail_unexpected(ps, ps->p, "a value");
    }
}

static int compare_keys(const void *a, const void *b)
{
    const JsonValue *ka = *(const JsonValue *const *)a, *kb = *(const JsonValue *const *)b;
    if (ka->len != kb->len) {
        return ka->len < kb->len ? -1 : 1;
    }
    return memcmp(ka->str, kb->str, ka->len);
}

/* The first key given twice among n members, or NULL. */
static const JsonValue *find_duplicate_key(Parser *ps, const JsonMember *m, size_t n, int *rc)
{
    *rc = 0;
    if (n <= 16) {
        /* A 64-bit filter of length and end bytes leaves few pairs to compare in full. */
        uint64_t seen = 0;
        for (size_t i = 0; i < n; i++) {
            const JsonValue *k = &m[i].key;
            unsigned h = k->len ? k->len + 7u * (unsigned char)k->str[0] +
                                      13u * (unsigned char)k->str[k->len - 1]
                                : 0;
            uint64_t bit = 1ull << (h & 63);
            bool is_new = !(seen & bit);
            seen |= bit;
            if (is_new) {
                continue;
            }
            for (size_t j = 0; j < i; j++) {
                if (m[i].key.len == m[j].key.len &&
                    memcmp(m[i].key.str, m[j].key.str, m[i].key.len) == 0) {
                    return &m[i].key;
                }
            }
        }
        return NULL;
    }
    /* Sorting keeps a hostile object with a million keys from taking n² compares. */
    const JsonValue **keys = malloc(n * sizeof(*keys));
    if (!keys) {
        *rc = fail_nomem(ps);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = &m[i].key;
    }
    qsort(keys, n, sizeof(*keys), compare_keys);
    const JsonValue *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++) {
        if (compare_keys(&keys[i - 1], &keys[i]) == 0) {
            dup = keys[i];
        }
    }
    free(keys);
    return dup;
}

/* Move the values of the innermost container (ps->p is past its closing bracket) to the arena. */
static int close_container(Parser *ps)
{
    JsonDoc *doc = ps->doc;
    size_t frame = doc->frames[--ps->depth];
    size_t base = frame >> 1, n = ps->sp - base;
    bool is_object = frame & 1;
    void *items = NULL;
    if (n) {
        items = arena_alloc(doc, n * sizeof(JsonValue));
        if (!items) {
            return fail_nomem(ps);
        }
        memcpy(items, doc->stack + base, n * sizeof(JsonValue));
    }
    ps->sp = base;
    if (!is_object) {
        return push(ps, (JsonValue){.type = JSON_ARRAY, .len = (uint32_t)n, .items = items});
    }
    if (!ps->allows_duplicate_keys) {
        int rc;
        const JsonValue *dup = find_duplicate_key(ps, items, n / 2, &rc);
        if (rc) {
            return rc;
        }
        if (dup) {
            return fail(ps, ps->p - 1, JSON_ERR_DUPLICATE, "duplicate key \"%.40s\" in object",
                        dup->str);
        }
    }
    return push(ps, (JsonValue){.type = JSON_OBJECT, .len = (uint32_t)(n / 2), .members = items});
}

static int open_container(Parser *ps, bool is_object)
{
    JsonDoc *doc = ps->doc;
    if (ps->depth == ps->max_depth) {
        return fail(ps, ps->p, JSON_ERR_DEPTH, "nested deeper than %u levels", ps->max_depth);
    }
    if (ps->depth == doc->frames_cap) {
        size_t cap = doc->frames_cap ? doc->frames_cap * 2 : 32;
        size_t *f = realloc(doc->frames, cap * sizeof(*f));
        if (!f) {
            return fail_nomem(ps);
        }
        doc->frames = f;
        doc->frames_cap = cap;
    }
    doc->frames[ps->depth++] = ps->sp << 1 | is_object;
    ps->p++;
    return 0;
}

static int parse_object_key(Parser *ps)
{
    skip_space(ps);
    if (ps->p == ps->end || *ps->p != '"') {
        return fail_unexpected(ps, ps->p, "a string key");
    }
    JsonValue key;
    int rc = parse_string(ps, &key);
    if (!rc) {
        rc = push(ps, key);
    }
    if (rc) {
        return rc;
    }
    skip_space(ps);
    if (ps->p == ps->end || *ps->p != ':') {
        return fail_unexpected(ps, ps->p, "':' after an object key");
    }
    ps->p++;
    return 0;
}

/*
 * After a complete value: close every container that ends here. Returns 1 when another value
 * is due (after a comma), 0 at the end of the document, or an error.
 */
static int parse_after_value(Parser *ps)
{
    for (;;) {
        skip_space(ps);
        if (ps->depth == 0) {
            if (ps->p != ps->end) {
                char b[16];
                return fail(ps, ps->p, JSON_ERR_TRAILING, "unexpected %s after the document",
                            describe_byte(*ps->p, b, sizeof(b)));
            }
            return 0;
        }
        bool is_object = ps->doc->frames[ps->depth - 1] & 1;
        char closer = is_object ? '}' : ']';
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            int rc = is_object ? parse_object_key(ps) : 0;
            return rc ? rc : 1;
        }
        if (ps->p == ps->end || *ps->p != closer) {
            return fail_unexpected(ps, ps->p,
                                   is_object ? "',' or '}' after an object member"
                                             : "',' or ']' after an array item");
        }
        ps->p++;
        int rc = close_container(ps);
        if (rc) {
            return rc;
        }
    }
}

static int parse_document(Parser *ps)
{
    for (;;) {
        /* A value is due. */
        skip_space(ps);
        if (ps->p == ps->end) {
            return fail_unexpected(ps, ps->p, "a value");
        }
        char c = *ps->p;
        int rc;
        if (c == '[' || c == '{') {
            bool is_object = c == '{';
            rc = open_container(ps, is_object);
            if (rc) {
                return rc;
            }
            skip_space(ps);
            if (ps->p < ps->end && *ps->p == (is_object ? '}' : ']')) {
                ps->p++;
                rc = close_container(ps);
            } else {
                rc = is_object ? parse_object_key(ps) : 0;
                if (rc) {
                    return rc;
                }
                continue;
            }
        } else {
            rc = parse_scalar(ps);
        }
        if (rc) {
            return rc;
        }
        rc = parse_after_value(ps);
        if (rc <= 0) {
            return rc;
        }
    }
}

int json_parse(JsonDoc *doc, const char *text, size_t len, const JsonOptions *opts, JsonError *err)
{
    arena_reset(doc);
    doc->root = (JsonValue){.type = JSON_NULL};
    Parser ps = {
        .start = text,
        .p = text,
        .end = text + len,
        .doc = doc,
        .max_depth = JSON_DEFAULT_DEPTH,
        .err = err,
    };
    if (opts) {
        if (opts->max_depth) {
            ps.max_depth = opts->max_depth < JSON_MAX_DEPTH ? opts->max_depth : JSON_MAX_DEPTH;
        }
        ps.allows_duplicate_keys = opts->allows_duplicate_keys;
    }
    if (err) {
        memset(err, 0, sizeof(*err));
    }
    if (len >= UINT32_MAX) {
        fail(&ps, text, JSON_ERR_TOO_LARGE, "document of %zu bytes is too large", len);
        return -E2BIG;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        ps.p += 3;
    }
    int rc = parse_document(&ps);
    if (rc) {
        return rc;
    }
    doc->root = doc->stack[0];
    return 0;
}

/* ---- tree access ---- */

const JsonValue *json_object_get_len(const JsonValue *obj, const char *key, size_t key_len)
{
    if (!obj || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (uint32_t i = 0; i < obj->len; i++) {
        const JsonMember *m = &obj->members[i];
        if (m->key.len == key_len && memcmp(m->key.str, key, key_len) == 0) {
            return &m->value;
        }
    }
    return NULL;
}

const JsonValue *json_object_get(const JsonValue *obj, const char *key)
{
    return json_object_get_len(obj, key, strlen(key));
}

const JsonValue *json_array_get(const JsonValue *arr, size_t i)
{
    if (!arr || arr->type != JSON_ARRAY || i >= arr->len) {
        return NULL;
    }
    return &arr->items[i];
}

bool json_get_i64(const JsonValue *v, int64_t *out)
{
    if (!v) {
        return false;
    }
    if (v->type == JSON_INT) {
        *out = v->i64;
        return true;
    }
    /* 2^63 is exact as a double, so this range test admits only values int64_t holds. */
    if (v->type == JSON_DOUBLE && v->f64 >= -0x1p63 && v->f64 < 0x1p63 && v->f64 == trunc(v->f64)) {
        *out = (int64_t)v->f64;
        return true;
    }
    return false;
}

bool json_get_u64(const JsonValue *v, uint64_t *out)
{
    if (!v) {
        return false;
    }
    if ((v->type == JSON_INT && v->i64 >= 0) || v->type == JSON_UINT) {
        *out = v->u64;
        return true;
    }
    if (v->type == JSON_DOUBLE && v->f64 >= 0 && v->f64 < 0x1p64 && v->f64 == trunc(v->f64)) {
        *out = (uint64_t)v->f64;
        return true;
    }
    return false;
}

bool json_get_double(const JsonValue *v, double *out)
{
    if (!v) {
        return false;
    }
    switch (v->type) {
    case JSON_INT:
        *out = (double)v->i64;
        return true;
    case JSON_UINT:
        *out = (double)v->u64;
        return true;
    case JSON_DOUBLE:
        *out = v->f64;
        return true;
    default:
        return false;
    }
}

const char *json_get_string(const JsonValue *v)
{
    return v && v->type == JSON_STRING ? v->str : NULL;
}

const char *json_type_name(JsonType type)
{
    static const char *const names[] = {
        [JSON_NULL] = "null",    [JSON_BOOL] = "boolean",  [JSON_INT] = "integer",
        [JSON_UINT] = "integer", [JSON_DOUBLE] = "number", [JSON_STRING] = "string",
        [JSON_ARRAY] = "array",  [JSON_OBJECT] = "object",
    };
    return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "invalid";
}

bool json_value_equal(const JsonValue *a, const JsonValue *b)
{
    if (a->type != b->type || a->len != b->len) {
        return false;
    }
    switch (a->type) {
    case JSON_NULL:
        return true;
    case JSON_BOOL:
        return a->boolean == b->boolean;
    case JSON_INT:
    case JSON_UINT:
        return a->u64 == b->u64;
    case JSON_DOUBLE:
        /* Bitwise, so that -0.0 and 0.0 differ and a round trip must keep the sign. */
        return memcmp(&a->f64, &b->f64, sizeof(double)) == 0;
    case JSON_STRING:
        return memcmp(a->str, b->str, a->len) == 0;
    case JSON_ARRAY:
        for (uint32_t i = 0; i < a->len; i++) {
            if (!json_value_equal(&a->items[i], &b->items[i])) {
                return false;
            }
        }
        return true;
    case JSON_OBJECT:
        for (uint32_t i = 0; i < a->len; i++) {
            if (!json_value_equal(&a->members[i].key, &b->members[i].key) ||
                !json_value_equal(&a->members[i].value, &b->members[i].value)) {
                return false;
            }
        }
        return true;
    default:
        return false;
    }
}
