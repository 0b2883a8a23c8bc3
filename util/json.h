/*
 * util/json.h: a JSON parser into a read-only tree, and a JSON writer (RFC 8259).
 *
 * The parser is strict RFC 8259: no comments, no trailing commas, no NaN, strings must be valid
 * UTF-8 and \u escapes must pair their surrogates. A UTF-8 byte order mark before the text is
 * skipped (§8.1 allows it). Its input is untrusted: any byte string gives either a tree or an
 * error with line, column and reason, never a crash; nesting depth is bounded.
 *
 * Numbers written without fraction or exponent stay exact: JSON_INT when they fit int64_t,
 * JSON_UINT above INT64_MAX up to UINT64_MAX; everything else is a double (JSON_DOUBLE).
 * "-0" is the integer 0.
 *
 * Memory: every node and string of a document lives in the JsonDoc's arena, freed at once.
 * Parsing into a JsonDoc that already holds a tree reuses its memory, so a loop over many files
 * allocates only while the largest document grows. Values are plain structs that callers read
 * directly: arrays are contiguous items[], objects contiguous members[] in document order.
 * Strings are NUL-terminated and may hold NUL bytes of their own (from \u0000): len counts
 * them.
 *
 * Not supported: documents of 4 GiB or more (lengths are 32-bit); numbers out of double range
 * (1e400) are an error rather than infinity; number tokens longer than JSON_NUMBER_MAX chars.
 */
#ifndef VIREO_UTIL_JSON_H
#define VIREO_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting depth used when JsonOptions.max_depth is 0, and the most any option may ask for. */
#define JSON_DEFAULT_DEPTH 128
#define JSON_MAX_DEPTH 1024
/* Longest number token the parser accepts (digits, sign, point and exponent). */
#define JSON_NUMBER_MAX 400

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT,    /* i64 */
    JSON_UINT,   /* u64, only for integers above INT64_MAX */
    JSON_DOUBLE, /* f64 */
    JSON_STRING, /* str, len bytes */
    JSON_ARRAY,  /* items[len] */
    JSON_OBJECT, /* members[len] */
} JsonType;

struct JsonMember;

typedef struct JsonValue {
    uint32_t type; /* JsonType */
    uint32_t len;  /* bytes of a string, items of an array, members of an object */
    union {
        bool boolean;
        int64_t i64;
        uint64_t u64;
        double f64;
        const char *str;
        const struct JsonValue *items;
        const struct JsonMember *members;
    };
} JsonValue;

/* An object member; key is always a JSON_STRING. */
typedef struct JsonMember {
    JsonValue key;
    JsonValue value;
} JsonMember;

typedef enum JsonErrorKind {
    JSON_ERR_NONE,
    JSON_ERR_NOMEM,     /* out of memory */
    JSON_ERR_TOO_LARGE, /* input of 4 GiB or more */
    JSON_ERR_EOF,       /* the text ends inside a value */
    JSON_ERR_SYNTAX,    /* a character that cannot start or continue what came before */
    JSON_ERR_LITERAL,   /* a misspelt true, false or null */
    JSON_ERR_NUMBER,    /* a malformed number, or one beyond the double range */
    JSON_ERR_CONTROL,   /* an unescaped control character (below 0x20) in a string */
    JSON_ERR_ESCAPE,    /* an unknown escape or a malformed \u escape */
    JSON_ERR_SURROGATE, /* a \u surrogate without its partner */
    JSON_ERR_UTF8,      /* bytes that are not UTF-8 (overlong, surrogate, > U+10FFFF, cut) */
    JSON_ERR_DEPTH,     /* arrays and objects nested deeper than the limit */
    JSON_ERR_DUPLICATE, /* a key given twice in one object (JsonOptions.allows_duplicate_keys) */
    JSON_ERR_TRAILING,  /* something other than whitespace after the document */
} JsonErrorKind;

/* Where and why parsing stopped. line and column count from 1; column counts bytes. */
typedef struct JsonError {
    JsonErrorKind kind;
    unsigned line;
    unsigned column;
    size_t offset;
    char reason[96];
} JsonError;

typedef struct JsonOptions {
    unsigned max_depth; /* 0: JSON_DEFAULT_DEPTH; clamped to JSON_MAX_DEPTH */
    /*
     * RFC 8259 §4 leaves duplicate keys to the implementation. They are rejected unless this
     * is set, since a state file with two values for one field has no safe reading; when
     * allowed, json_object_get finds the first.
     */
    bool allows_duplicate_keys;
} JsonOptions;

struct JsonBlock;

/* A parsed document: the root value and the memory that holds the tree. */
typedef struct JsonDoc {
    JsonValue root;
    struct JsonBlock *blocks; /* arena; the first block is the one in use */
    JsonValue *stack;         /* parser scratch: values of the open containers */
    size_t stack_cap;
    size_t *frames; /* parser scratch: one entry per open container */
    size_t frames_cap;
} JsonDoc;

/* An empty document (root is null). Equivalent to zero-initialising the struct. */
void json_doc_init(JsonDoc *doc);
void json_doc_free(JsonDoc *doc);

/*
 * Parse text[0..len) into doc, replacing (and reusing the memory of) what it held. opts may be
 * NULL for the defaults. Returns 0, or -EINVAL (bad JSON), -ENOMEM or -E2BIG with *err filled
 * (err may be NULL). On failure doc->root is null.
 */
int json_parse(JsonDoc *doc, const char *text, size_t len, const JsonOptions *opts, JsonError *err);

/* Member `key` of an object, or NULL when absent or when obj is not an object. */
const JsonValue *json_object_get(const JsonValue *obj, const char *key);
const JsonValue *json_object_get_len(const JsonValue *obj, const char *key, size_t key_len);
/* Item i of an array, or NULL when out of range or not an array. */
const JsonValue *json_array_get(const JsonValue *arr, size_t i);

/*
 * Typed reads: true and *out set when v is a number that the type holds exactly (an integral
 * double counts), false otherwise. v may be NULL.
 */
bool json_get_i64(const JsonValue *v, int64_t *out);
bool json_get_u64(const JsonValue *v, uint64_t *out);
/* Any number, as the nearest double. */
bool json_get_double(const JsonValue *v, double *out);
/* The string, or NULL when v is not a string. */
const char *json_get_string(const JsonValue *v);

const char *json_type_name(JsonType type);

/* Same type and value, members compared in order; a double compares equal to itself only. */
bool json_value_equal(const JsonValue *a, const JsonValue *b);

/*
 * The writer builds text in a growing buffer. Calls nest as the document does; a key goes
 * before each value inside an object. Misuse (a value where a key is due, unbalanced ends,
 * nesting past JSON_MAX_DEPTH) or running out of memory marks the writer failed, and
 * json_writer_text then returns NULL: the writer never emits invalid JSON. Strings are
 * escaped; bytes that are not UTF-8 are written as U+FFFD. Doubles are written in the
 * shortest form that reads back to the same value; NaN and infinities, which JSON cannot
 * hold, as null.
 */
typedef struct JsonWriter {
    char *buf;
    size_t len;
    size_t cap;
    bool is_pretty; /* newlines and two-space indents */
    bool has_failed;
    bool is_done; /* the top-level value is complete */
    unsigned depth;
    uint8_t level[JSON_MAX_DEPTH]; /* per open container: WRITER_* state bits (json.c) */
} JsonWriter;

void json_writer_init(JsonWriter *w, bool is_pretty);
void json_writer_free(JsonWriter *w);

void json_write_object_begin(JsonWriter *w);
void json_write_object_end(JsonWriter *w);
void json_write_array_begin(JsonWriter *w);
void json_write_array_end(JsonWriter *w);
void json_write_key(JsonWriter *w, const char *key);
void json_write_key_len(JsonWriter *w, const char *key, size_t len);
void json_write_string(JsonWriter *w, const char *s);
void json_write_string_len(JsonWriter *w, const char *s, size_t len);
void json_write_int(JsonWriter *w, int64_t v);
void json_write_uint(JsonWriter *w, uint64_t v);
void json_write_double(JsonWriter *w, double v);
void json_write_bool(JsonWriter *w, bool v);
void json_write_null(JsonWriter *w);
/* A parsed tree, as one value. */
void json_write_value(JsonWriter *w, const JsonValue *v);

/*
 * The finished document, NUL-terminated, owned by the writer; NULL when the writer failed or
 * the document is not complete. *len (if not NULL) gets its length.
 */
const char *json_writer_text(const JsonWriter *w, size_t *len);

#endif
