/*
 * Tests of util/json.h: RFC 8259 documents that must parse, one or more inputs for every
 * JsonErrorKind with the position it must report, the nesting limit, 64-bit integers,
 * escapes and UTF-8, the writer's escaping and misuse checks, writer -> parser round trips,
 * and a seeded mutation fuzz loop (run under ASan by scripts/test.sh).
 */
#include "check.h"
#include "util/json.h"

#include <errno.h>
#include <math.h>

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Parse a NUL-terminated text with default options; the doc stays valid until the next call. */
static const JsonValue *parse_ok(JsonDoc *doc, const char *text)
{
    JsonError err;
    int rc = json_parse(doc, text, strlen(text), NULL, &err);
    if (rc) {
        check_fail(__FILE__, __LINE__, "parse of %s failed: %u:%u: %s", text, err.line, err.column,
                   err.reason);
        return NULL;
    }
    return &doc->root;
}

static void test_json_parses_scalars(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    const JsonValue *v;
    v = parse_ok(&doc, " null ");
    CHECK(v && v->type == JSON_NULL);
    v = parse_ok(&doc, "true");
    CHECK(v && v->type == JSON_BOOL && v->boolean);
    v = parse_ok(&doc, "\t\r\nfalse\n");
    CHECK(v && v->type == JSON_BOOL && !v->boolean);
    v = parse_ok(&doc, "0");
    CHECK(v && v->type == JSON_INT && v->i64 == 0);
    v = parse_ok(&doc, "-0");
    CHECK(v && v->type == JSON_INT && v->i64 == 0);
    v = parse_ok(&doc, "-123");
    CHECK(v && v->type == JSON_INT && v->i64 == -123);
    v = parse_ok(&doc, "1.5");
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == 1.5);
    v = parse_ok(&doc, "-1.25e-3");
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == -1.25e-3);
    v = parse_ok(&doc, "1E+2");
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == 100.0);
    v = parse_ok(&doc, "0e0");
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == 0.0);
    v = parse_ok(&doc, "1e-400"); /* underflow to zero is a value, not an error */
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == 0.0);
    v = parse_ok(&doc, "\"abc\"");
    CHECK(v && v->type == JSON_STRING && v->len == 3);
    CHECK_STR_EQ(json_get_string(v), "abc");
    v = parse_ok(&doc, "\xef\xbb\xbf[]"); /* a UTF-8 byte order mark is skipped */
    CHECK(v && v->type == JSON_ARRAY && v->len == 0);
    json_doc_free(&doc);
}

static void test_json_parses_containers_and_lookups(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    const JsonValue *v = parse_ok(&doc, "{ \"regs\": {\"ax\": 1, \"bx\": 2},\n"
                                        "  \"ram\": [[100, 1], [101, 255]],\n"
                                        "  \"empty\": {}, \"none\": [], \"s\": \"\" }");
    if (!v) {
        return;
    }
    CHECK_EQ(v->type, JSON_OBJECT);
    CHECK_EQ(v->len, 5);
    CHECK_STR_EQ(v->members[0].key.str, "regs");
    CHECK_STR_EQ(v->members[4].key.str, "s");
    uint64_t u = 0;
    CHECK(json_get_u64(json_object_get(json_object_get(v, "regs"), "bx"), &u) && u == 2);
    const JsonValue *ram = json_object_get(v, "ram");
    CHECK(ram && ram->type == JSON_ARRAY && ram->len == 2);
    CHECK(json_get_u64(json_array_get(json_array_get(ram, 1), 1), &u) && u == 255);
    CHECK(json_array_get(ram, 2) == NULL);
    CHECK(json_array_get(v, 0) == NULL);
    CHECK(json_object_get(ram, "x") == NULL);
    CHECK(json_object_get(v, "reg") == NULL);
    CHECK(json_object_get(NULL, "x") == NULL);
    CHECK_EQ(json_object_get(v, "empty")->len, 0);
    CHECK_EQ(json_object_get(v, "none")->len, 0);
    CHECK_STR_EQ(json_get_string(json_object_get(v, "s")), "");
    CHECK(json_get_string(ram) == NULL);
    CHECK(!json_get_u64(ram, &u));
    CHECK(!json_get_u64(NULL, &u));
    json_doc_free(&doc);
}

static void test_json_integers_keep_64_bits(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    const JsonValue *v;
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    v = parse_ok(&doc, "4294967296");
    CHECK(v && v->type == JSON_INT && v->i64 == 4294967296ll);
    v = parse_ok(&doc, "9223372036854775807");
    CHECK(v && v->type == JSON_INT && v->i64 == INT64_MAX);
    v = parse_ok(&doc, "9223372036854775808");
    CHECK(v && v->type == JSON_UINT && v->u64 == 9223372036854775808ull);
    CHECK(v && !json_get_i64(v, &i));
    CHECK(v && json_get_u64(v, &u) && u == 9223372036854775808ull);
    v = parse_ok(&doc, "18446744073709551615");
    CHECK(v && v->type == JSON_UINT && v->u64 == UINT64_MAX);
    v = parse_ok(&doc, "18446744073709551616");
    CHECK(v && v->type == JSON_DOUBLE && v->f64 == 18446744073709551616.0);
    CHECK(v && !json_get_u64(v, &u));
    v = parse_ok(&doc, "-9223372036854775808");
    CHECK(v && v->type == JSON_INT && v->i64 == INT64_MIN);
    v = parse_ok(&doc, "-9223372036854775809");
    CHECK(v && v->type == JSON_DOUBLE);
    v = parse_ok(&doc, "-1");
    CHECK(v && !json_get_u64(v, &u) && json_get_i64(v, &i) && i == -1);
    v = parse_ok(&doc, "2.0");
    CHECK(v && v->type == JSON_DOUBLE && json_get_i64(v, &i) && i == 2);
    CHECK(v && json_get_u64(v, &u) && u == 2);
    v = parse_ok(&doc, "2.5");
    CHECK(v && !json_get_i64(v, &i) && json_get_double(v, &d) && d == 2.5);
    v = parse_ok(&doc, "-9.3e18"); /* integral but outside int64_t: no exact int64 */
    CHECK(v && !json_get_i64(v, &i));
    json_doc_free(&doc);
}

static void test_json_decodes_escapes_and_utf8(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    const JsonValue *v = parse_ok(&doc, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
    CHECK(v && v->len == 8 && memcmp(v->str, "\"\\/\b\f\n\r\t", 8) == 0);
    v = parse_ok(&doc, "\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
    CHECK(v && v->len == 1 + 2 + 3 + 4);
    CHECK(v && memcmp(v->str, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", v->len) == 0);
    v = parse_ok(&doc, "\"a\\u0000b\"");
    CHECK(v && v->len == 3 && memcmp(v->str, "a\0b", 4) == 0);
    v = parse_ok(&doc, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
    CHECK(v && v->len == 19);
    v = parse_ok(&doc, "{\"k\\u00e9y\": 1}");
    CHECK(v && json_object_get(v, "k\xc3\xa9y") != NULL);
    json_doc_free(&doc);
}

typedef struct ErrorCase {
    const char *text;
    size_t len; /* 0: strlen(text) */
    JsonErrorKind kind;
    unsigned line, column;
} ErrorCase;

static const ErrorCase error_cases[] = {
    {"", 0, JSON_ERR_EOF, 1, 1},
    {"   \n  ", 0, JSON_ERR_EOF, 2, 3},
    {"[1,", 0, JSON_ERR_EOF, 1, 4},
    {"{\"a\":", 0, JSON_ERR_EOF, 1, 6},
    {"{\"a\"", 0, JSON_ERR_EOF, 1, 5},
    {"\"abc", 0, JSON_ERR_EOF, 1, 1},
    {"\"ab\\", 0, JSON_ERR_EOF, 1, 1},
    {"tru", 0, JSON_ERR_EOF, 1, 4},
    {"[1.", 0, JSON_ERR_EOF, 1, 4},
    {"-", 0, JSON_ERR_EOF, 1, 2},
    {"1e+", 0, JSON_ERR_EOF, 1, 4},
    {"[1 2]", 0, JSON_ERR_SYNTAX, 1, 4},
    {"[1,]", 0, JSON_ERR_SYNTAX, 1, 4},
    {"{,}", 0, JSON_ERR_SYNTAX, 1, 2},
    {"{1:2}", 0, JSON_ERR_SYNTAX, 1, 2},
    {"{\"a\" 1}", 0, JSON_ERR_SYNTAX, 1, 6},
    {"{\"a\":1,}", 0, JSON_ERR_SYNTAX, 1, 8},
    {"{\"a\":1]", 0, JSON_ERR_SYNTAX, 1, 7},
    {"[1}", 0, JSON_ERR_SYNTAX, 1, 3},
    {"]", 0, JSON_ERR_SYNTAX, 1, 1},
    {".5", 0, JSON_ERR_SYNTAX, 1, 1},
    {"+1", 0, JSON_ERR_SYNTAX, 1, 1},
    {"NaN", 0, JSON_ERR_SYNTAX, 1, 1},
    {"'a'", 0, JSON_ERR_SYNTAX, 1, 1},
    {"[\0]", 3, JSON_ERR_SYNTAX, 1, 2},
    {"/* c */ 1", 0, JSON_ERR_SYNTAX, 1, 1},
    {"{\n  \"a\": [1,\n    2 x]}", 0, JSON_ERR_SYNTAX, 3, 7},
    {"trUe", 0, JSON_ERR_LITERAL, 1, 1},
    {"nulL", 0, JSON_ERR_LITERAL, 1, 1},
    {"[fals]", 0, JSON_ERR_LITERAL, 1, 2},
    {"01", 0, JSON_ERR_NUMBER, 1, 1},
    {"-01", 0, JSON_ERR_NUMBER, 1, 1},
    {"-a", 0, JSON_ERR_NUMBER, 1, 2},
    {"1.x", 0, JSON_ERR_NUMBER, 1, 3},
    {"1.e5", 0, JSON_ERR_NUMBER, 1, 3},
    {"1ex", 0, JSON_ERR_NUMBER, 1, 3},
    {"1e400", 0, JSON_ERR_NUMBER, 1, 1},
    {"[-1e999]", 0, JSON_ERR_NUMBER, 1, 2},
    {"\"a\x01\"", 0, JSON_ERR_CONTROL, 1, 3},
    {"\"a\nb\"", 0, JSON_ERR_CONTROL, 1, 3},
    {"\"\\x\"", 0, JSON_ERR_ESCAPE, 1, 2},
    {"\"\\U0041\"", 0, JSON_ERR_ESCAPE, 1, 2},
    {"\"\\u12g4\"", 0, JSON_ERR_ESCAPE, 1, 2},
    {"\"\\u12\"", 0, JSON_ERR_ESCAPE, 1, 2},
    {"\"\\ud800\"", 0, JSON_ERR_SURROGATE, 1, 2},
    {"\"\\udc00\"", 0, JSON_ERR_SURROGATE, 1, 2},
    {"\"\\ud800\\u0041\"", 0, JSON_ERR_SURROGATE, 1, 2},
    {"\"\\ud800\\ud800\"", 0, JSON_ERR_SURROGATE, 1, 2},
    {"\"x\\ud83d\"", 0, JSON_ERR_SURROGATE, 1, 3},
    {"\"\x80\"", 0, JSON_ERR_UTF8, 1, 2},
    {"\"\xc0\xaf\"", 0, JSON_ERR_UTF8, 1, 2},
    {"\"\xe0\x80\xaf\"", 0, JSON_ERR_UTF8, 1, 2},
    {"\"\xed\xa0\x80\"", 0, JSON_ERR_UTF8, 1, 2},
    {"\"\xf4\x90\x80\x80\"", 0, JSON_ERR_UTF8, 1, 2},
    {"\"ab\xe2\x82\"", 0, JSON_ERR_UTF8, 1, 4},
    {"\"\xff\"", 0, JSON_ERR_UTF8, 1, 2},
    {"{\"a\":1,\"b\":2,\"a\":3}", 0, JSON_ERR_DUPLICATE, 1, 19},
    {"[1] x", 0, JSON_ERR_TRAILING, 1, 5},
    {"1 2", 0, JSON_ERR_TRAILING, 1, 3},
    {"{}}", 0, JSON_ERR_TRAILING, 1, 3},
    {"1e10x", 0, JSON_ERR_TRAILING, 1, 5},
};

static void test_json_reports_each_error_class(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    bool seen[JSON_ERR_TRAILING + 1] = {0};
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const ErrorCase *c = &error_cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        JsonError err;
        int rc = json_parse(&doc, c->text, len, NULL, &err);
        if (rc != -EINVAL || err.kind != c->kind || err.line != c->line ||
            err.column != c->column || !err.reason[0]) {
            check_fail(__FILE__, __LINE__, "case %zu (%s): rc %d kind %d at %u:%u (%s)", i, c->text,
                       rc, err.kind, err.line, err.column, err.reason);
        }
        CHECK_EQ(doc.root.type, JSON_NULL);
        seen[c->kind] = true;
    }
    /* The ones a text cannot provoke here are tested apart: memory and size. */
    for (int k = JSON_ERR_EOF; k <= JSON_ERR_TRAILING; k++) {
        if (k != JSON_ERR_DEPTH && !seen[k]) {
            check_fail(__FILE__, __LINE__, "no case for error kind %d", k);
        }
    }
    /* The size check comes before any byte is read, so a short buffer is safe here. */
    JsonError err;
    CHECK_EQ(json_parse(&doc, "1", (size_t)UINT32_MAX, NULL, &err), -E2BIG);
    CHECK_EQ(err.kind, JSON_ERR_TOO_LARGE);
    /* Duplicates are allowed on request, and then the first one is found. */
    const char *dup = "{\"a\":1,\"b\":2,\"a\":3}";
    JsonOptions opts = {.allows_duplicate_keys = true};
    CHECK_EQ(json_parse(&doc, dup, strlen(dup), &opts, &err), 0);
    CHECK_EQ(json_object_get(&doc.root, "a")->i64, 1);
    /* Many keys take the sorting path of the duplicate check: unique, then k7 twice. */
    for (int dup_at = -1; dup_at <= 0; dup_at++) {
        char big[4096];
        size_t n = 0;
        big[n++] = '{';
        for (int i = 0; i < 300; i++) {
            int k = i == 299 && dup_at == 0 ? 7 : i;
            n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"k%d\":%d", i ? "," : "", k, i);
        }
        big[n++] = '}';
        int rc = json_parse(&doc, big, n, NULL, &err);
        if (dup_at < 0) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(json_object_get(&doc.root, "k299")->i64, 299);
        } else {
            CHECK_EQ(rc, -EINVAL);
            CHECK_EQ(err.kind, JSON_ERR_DUPLICATE);
        }
    }
    /* A failed parse leaves the doc usable. */
    CHECK(parse_ok(&doc, "[1]") != NULL);
    json_doc_free(&doc);
}

static char *nested(size_t depth, const char *open, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc(depth * (lo + lc) + 2);
    char *p = s;
    for (size_t i = 0; i < depth; i++, p += lo) {
        memcpy(p, open, lo);
    }
    *p++ = '1';
    for (size_t i = 0; i < depth; i++, p += lc) {
        memcpy(p, close, lc);
    }
    *p = '\0';
    return s;
}

static int parse_nested(JsonDoc *doc, size_t depth, const char *open, const char *close,
                        unsigned max_depth, JsonError *err)
{
    char *s = nested(depth, open, close);
    JsonOptions opts = {.max_depth = max_depth};
    int rc = json_parse(doc, s, strlen(s), &opts, err);
    free(s);
    return rc;
}

static void test_json_limits_nesting_depth(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    JsonError err;
    CHECK_EQ(parse_nested(&doc, JSON_DEFAULT_DEPTH, "[", "]", 0, &err), 0);
    CHECK_EQ(parse_nested(&doc, JSON_DEFAULT_DEPTH + 1, "[", "]", 0, &err), -EINVAL);
    CHECK_EQ(err.kind, JSON_ERR_DEPTH);
    CHECK_EQ(err.column, JSON_DEFAULT_DEPTH + 1);
    CHECK_EQ(parse_nested(&doc, 5, "{\"a\":", "}", 5, &err), 0);
    CHECK_EQ(parse_nested(&doc, 6, "{\"a\":", "}", 5, &err), -EINVAL);
    CHECK_EQ(err.kind, JSON_ERR_DEPTH);
    CHECK_EQ(parse_nested(&doc, JSON_MAX_DEPTH, "[{\"a\":", "}]", 100000, &err), -EINVAL);
    CHECK_EQ(parse_nested(&doc, JSON_MAX_DEPTH / 2, "[{\"a\":", "}]", 100000, &err), 0);
    /* A million open brackets: an error, not a stack overflow or a long wait. */
    CHECK_EQ(parse_nested(&doc, 1000000, "[", "]", 0, &err), -EINVAL);
    CHECK_EQ(err.kind, JSON_ERR_DEPTH);
    /* The deepest tree the parser allows can be written back and compared (both recurse). */
    CHECK_EQ(parse_nested(&doc, JSON_MAX_DEPTH, "[", "]", JSON_MAX_DEPTH, &err), 0);
    JsonWriter w;
    json_writer_init(&w, false);
    json_write_value(&w, &doc.root);
    CHECK(json_writer_text(&w, NULL) != NULL);
    CHECK(json_value_equal(&doc.root, &doc.root));
    json_writer_free(&w);
    json_doc_free(&doc);
}

/* Documents bigger than an arena block, then smaller, then bigger again, in one doc. */
static void test_json_reuses_doc_memory(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    JsonWriter w;
    for (int round = 0; round < 3; round++) {
        size_t n = round == 1 ? 10 : 100000;
        json_writer_init(&w, false);
        json_write_array_begin(&w);
        for (size_t i = 0; i < n; i++) {
            json_write_array_begin(&w);
            json_write_uint(&w, i * 7);
            json_write_string(&w, "x");
            json_write_array_end(&w);
        }
        json_write_array_end(&w);
        size_t len = 0;
        const char *text = json_writer_text(&w, &len);
        CHECK(text != NULL);
        JsonError err;
        CHECK_EQ(json_parse(&doc, text, len, NULL, &err), 0);
        CHECK_EQ(doc.root.len, n);
        const JsonValue *last = json_array_get(&doc.root, n - 1);
        CHECK(last && last->items[0].i64 == (int64_t)(n - 1) * 7);
        CHECK_STR_EQ(json_get_string(json_array_get(last, 1)), "x");
        json_writer_free(&w);
    }
    json_doc_free(&doc);
}

static void write_sample(JsonWriter *w)
{
    json_write_object_begin(w);
    json_write_key(w, "name");
    json_write_string(w,
                      "add [bx+si],al \"quoted\" \\ / \x01\x1f\t\n caf\xc3\xa9 \xf0\x9f\x98\x80");
    json_write_key(w, "nul");
    json_write_string_len(w, "a\0b", 3);
    json_write_key(w, "ints");
    json_write_array_begin(w);
    json_write_int(w, 0);
    json_write_int(w, -1);
    json_write_int(w, INT64_MIN);
    json_write_int(w, INT64_MAX);
    json_write_uint(w, UINT64_MAX);
    json_write_uint(w, 4294967296ull);
    json_write_array_end(w);
    json_write_key(w, "doubles");
    json_write_array_begin(w);
    json_write_double(w, 0.1);
    json_write_double(w, -0.0);
    json_write_double(w, 3.0);
    json_write_double(w, 1e300);
    json_write_double(w, 5e-324);
    json_write_double(w, 1.7976931348623157e308);
    json_write_array_end(w);
    json_write_key(w, "flags");
    json_write_array_begin(w);
    json_write_bool(w, true);
    json_write_bool(w, false);
    json_write_null(w);
    json_write_array_end(w);
    json_write_key(w, "empty_object");
    json_write_object_begin(w);
    json_write_object_end(w);
    json_write_key(w, "empty_array");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_key(w, "nested");
    json_write_object_begin(w);
    json_write_key(w, "a");
    json_write_array_begin(w);
    json_write_object_begin(w);
    json_write_object_end(w);
    json_write_array_end(w);
    json_write_object_end(w);
    json_write_object_end(w);
}

static void test_json_writer_round_trip(void)
{
    JsonWriter w, w2, wp;
    json_writer_init(&w, false);
    json_writer_init(&wp, true);
    write_sample(&w);
    write_sample(&wp);
    size_t len = 0, plen = 0;
    const char *text = json_writer_text(&w, &len);
    const char *pretty = json_writer_text(&wp, &plen);
    if (!text || !pretty) {
        check_fail(__FILE__, __LINE__, "writer failed");
        return;
    }
    CHECK(strstr(text, "\"doubles\":[0.1,-0.0,3.0,1e+300,") != NULL);
    CHECK(strstr(text, "\\\"quoted\\\" \\\\ / \\u0001\\u001f\\t\\n") != NULL);
    CHECK(strstr(text, "\"a\\u0000b\"") != NULL);
    CHECK(strstr(pretty, "{\n  \"name\": \"add") != NULL);
    CHECK(strstr(pretty, "\"empty_object\": {},\n") != NULL);

    JsonDoc doc, pdoc;
    json_doc_init(&doc);
    json_doc_init(&pdoc);
    JsonError err;
    CHECK_EQ(json_parse(&doc, text, len, NULL, &err), 0);
    CHECK_EQ(json_parse(&pdoc, pretty, plen, NULL, &err), 0);
    CHECK(json_value_equal(&doc.root, &pdoc.root));
    const JsonValue *ints = json_object_get(&doc.root, "ints");
    CHECK(ints && ints->items[2].type == JSON_INT && ints->items[2].i64 == INT64_MIN);
    CHECK(ints && ints->items[4].type == JSON_UINT && ints->items[4].u64 == UINT64_MAX);
    const JsonValue *dbl = json_object_get(&doc.root, "doubles");
    CHECK(dbl && dbl->items[1].type == JSON_DOUBLE && signbit(dbl->items[1].f64));
    CHECK(dbl && dbl->items[2].type == JSON_DOUBLE && dbl->items[2].f64 == 3.0);
    CHECK(dbl && dbl->items[4].f64 == 5e-324);
    const JsonValue *name = json_object_get(&doc.root, "name");
    CHECK(name && strstr(name->str, "\x01\x1f\t\n caf\xc3\xa9 \xf0\x9f\x98\x80") != NULL);
    CHECK_EQ(json_object_get(&doc.root, "nul")->len, 3);

    /* The tree written again gives the same text: the writer's output is canonical. */
    json_writer_init(&w2, false);
    json_write_value(&w2, &doc.root);
    size_t len2 = 0;
    const char *text2 = json_writer_text(&w2, &len2);
    CHECK(text2 && len2 == len && memcmp(text, text2, len) == 0);
    json_writer_free(&w2);
    json_writer_free(&w);
    json_writer_free(&wp);
    json_doc_free(&doc);
    json_doc_free(&pdoc);
}

static void test_json_doubles_round_trip_exactly(void)
{
    JsonDoc doc;
    json_doc_init(&doc);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng_next();
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (!isfinite(d)) {
            continue;
        }
        JsonWriter w;
        json_writer_init(&w, false);
        json_write_double(&w, d);
        size_t len = 0;
        const char *text = json_writer_text(&w, &len);
        JsonError err;
        if (!text || json_parse(&doc, text, len, NULL, &err) != 0 || doc.root.type != JSON_DOUBLE ||
            memcmp(&doc.root.f64, &d, sizeof(d)) != 0) {
            check_fail(__FILE__, __LINE__, "double %a written as %s", d, text ? text : "?");
        }
        json_writer_free(&w);
    }
    json_doc_free(&doc);
}

static void test_json_writer_rejects_misuse(void)
{
    JsonWriter w;
    size_t len;

    json_writer_init(&w, false);
    json_write_object_begin(&w);
    json_write_int(&w, 1); /* a value where a key is due */
    json_write_object_end(&w);
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_array_begin(&w);
    json_write_key(&w, "k"); /* a key in an array */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_object_begin(&w);
    json_write_key(&w, "k");
    json_write_object_end(&w); /* the key's value is missing */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_array_begin(&w);
    json_write_object_end(&w); /* mismatched end */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_array_end(&w); /* end without a begin */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_array_begin(&w); /* never closed */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    json_write_int(&w, 1);
    json_write_int(&w, 2); /* two documents */
    CHECK(json_writer_text(&w, &len) == NULL);
    json_writer_free(&w);

    json_writer_init(&w, false);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
        json_write_array_begin(&w);
    }
    CHECK(w.has_failed);
    json_writer_free(&w);

    json_writer_init(&w, false);
    CHECK(json_writer_text(&w, &len) == NULL); /* nothing written */
    json_writer_free(&w);

    /* Not misuse, but not JSON either: bad UTF-8 becomes U+FFFD, NaN becomes null. */
    json_writer_init(&w, false);
    json_write_array_begin(&w);
    json_write_string(&w, "a\xff\xc3");
    json_write_double(&w, NAN);
    json_write_double(&w, -INFINITY);
    json_write_array_end(&w);
    const char *text = json_writer_text(&w, &len);
    CHECK_STR_EQ(text, "[\"a\xef\xbf\xbd\xef\xbf\xbd\",null,null]");
    json_writer_free(&w);
}

/* Documents the mutation fuzzer starts from: one of each construct. */
static const char *const fuzz_seeds[] = {
    "[{\"name\":\"add dh,ch\",\"bytes\":[0,238,244],\"initial\":{\"regs\":{\"ax\":60303,"
    "\"bx\":57154,\"flags\":48323},\"ram\":[[513352,0],[513353,238]]},\"final\":{\"regs\":"
    "{\"dx\":11007},\"ram\":[]},\"exception\":{\"number\":0,\"flag_address\":332240},"
    "\"hash\":\"5eed213ade9ce9a8caffa14e32bcb0910baf3067\"}]",
    "{\"a\": [1, -2.5e-3, 1E+10, true, false, null, \"\\u00e9\\ud83d\\ude00\\n\\\"\"],\n"
    " \"b\": {\"c\": {}, \"d\": [], \"e\": 18446744073709551615, \"f\": -9223372036854775808}}",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
    "[[[[[[[[[[1]]]]]]]]]]",
};

/* One random edit of buf[0..*len) (capacity cap): the classes of damage a file suffers. */
static void mutate(char *buf, size_t *len, size_t cap)
{
    static const char interesting[] = "[]{}\",:\\u0-1.eE+ \n\x80\xc3\xed\xf0\xff\x00tfn";
    size_t n = *len;
    size_t at = n ? rng_next() % n : 0;
    switch (rng_next() % 7) {
    case 0: /* flip a bit */
        if (n) {
            buf[at] ^= (char)(1u << (rng_next() % 8));
        }
        break;
    case 1: /* overwrite with a byte that matters to the grammar */
        if (n) {
            buf[at] = interesting[rng_next() % (sizeof(interesting) - 1)];
        }
        break;
    case 2: /* insert such a byte */
        if (n < cap) {
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = interesting[rng_next() % (sizeof(interesting) - 1)];
            n++;
        }
        break;
    case 3: /* delete a range */
        if (n) {
            size_t k = 1 + rng_next() % 4;
            k = k < n - at ? k : n - at;
            memmove(buf + at, buf + at + k, n - at - k);
            n -= k;
        }
        break;
    case 4: /* truncate */
        n = at;
        break;
    case 5: { /* duplicate a range */
        size_t k = 1 + rng_next() % 16;
        k = k < n - at ? k : n - at;
        if (n + k <= cap) {
            memmove(buf + at + k, buf + at, n - at);
            n += k;
        }
        break;
    }
    default: /* a random byte anywhere */
        if (n) {
            buf[at] = (char)rng_next();
        }
        break;
    }
    *len = n;
}

static void test_json_fuzz_mutations_never_crash(void)
{
    enum { CAP = 1024, ROUNDS = 200000 };
    JsonDoc doc, doc2;
    json_doc_init(&doc);
    json_doc_init(&doc2);
    unsigned parsed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        const char *seed = fuzz_seeds[round % (sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]))];
        char buf[CAP];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        unsigned edits = 1 + (unsigned)(rng_next() % 4);
        for (unsigned e = 0; e < edits; e++) {
            mutate(buf, &len, CAP);
        }
        /* An exact-size heap copy, so that ASan sees any read past the end. */
        char *text = malloc(len ? len : 1);
        memcpy(text, buf, len);
        JsonError err;
        int rc = json_parse(&doc, text, len, NULL, &err);
        if (rc == 0) {
            /* What parses must survive writer -> parser unchanged. */
            parsed++;
            JsonWriter w;
            json_writer_init(&w, round & 1);
            json_write_value(&w, &doc.root);
            size_t wlen = 0;
            const char *out = json_writer_text(&w, &wlen);
            if (!out || json_parse(&doc2, out, wlen, NULL, &err) != 0 ||
                !json_value_equal(&doc.root, &doc2.root)) {
                check_fail(__FILE__, __LINE__, "round %d: round trip failed for %.*s", round,
                           (int)len, text);
            }
            json_writer_free(&w);
        } else if (rc != -EINVAL || err.kind == JSON_ERR_NONE || err.offset > len || err.line < 1 ||
                   err.column < 1 || !err.reason[0]) {
            check_fail(__FILE__, __LINE__, "round %d: bad error report (rc %d kind %d)", round, rc,
                       err.kind);
        }
        free(text);
    }
    /* Mutations that leave valid JSON (whitespace, digits) must occur, or the loop is moot. */
    CHECK(parsed > ROUNDS / 50);
    printf("fuzz: %d mutated documents, %u still valid\n", ROUNDS, parsed);
    json_doc_free(&doc);
    json_doc_free(&doc2);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_json_parses_scalars),
    CHECK_TEST(test_json_parses_containers_and_lookups),
    CHECK_TEST(test_json_integers_keep_64_bits),
    CHECK_TEST(test_json_decodes_escapes_and_utf8),
    CHECK_TEST(test_json_reports_each_error_class),
    CHECK_TEST(test_json_limits_nesting_depth),
    CHECK_TEST(test_json_reuses_doc_memory),
    CHECK_TEST(test_json_writer_round_trip),
    CHECK_TEST(test_json_doubles_round_trip_exactly),
    CHECK_TEST(test_json_writer_rejects_misuse),
    CHECK_TEST(test_json_fuzz_mutations_never_crash),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
