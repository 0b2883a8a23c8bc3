/*
 * snapshot/state.c: the state-table engine (see state.h for the stream format). Loading treats
 * the stream as untrusted: every read is bounds-checked, versions and booleans are validated,
 * and nesting is bounded by the tables themselves (streams cannot create recursion).
 */
#include "snapshot/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void state_buf_free(StateBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int buf_put(StateBuf *b, const void *bytes, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            cap *= 2;
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            return -ENOMEM;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

/* Integers are kept in host order in the struct and little-endian in the stream. */
static void int_to_le(const uint8_t *src, unsigned size, uint8_t *dst)
{
    uint64_t v = 0;
    switch (size) {
    case 1: v = *src; break;
    case 2: { uint16_t x; memcpy(&x, src, 2); v = x; break; }
    case 4: { uint32_t x; memcpy(&x, src, 4); v = x; break; }
    default: memcpy(&v, src, 8); break;
    }
    for (unsigned i = 0; i < size; i++) {
        dst[i] = (uint8_t)(v >> (8 * i));
    }
}

static void le_to_int(const uint8_t *src, unsigned size, uint8_t *dst)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)src[i] << (8 * i);
    }
    switch (size) {
    case 1: *dst = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
    default: memcpy(dst, &v, 8); break;
    }
}

int state_save(const StateDesc *desc, const void *opaque, StateBuf *out)
{
    const uint8_t *base = opaque;
    uint8_t ver[2] = {(uint8_t)desc->version, (uint8_t)(desc->version >> 8)};
    int r = buf_put(out, ver, 2);
    for (const StateField *f = desc->fields; r == 0 && f->kind != STATE_KIND_END; f++) {
        const uint8_t *p = base + f->offset;
        switch (f->kind) {
        case STATE_KIND_UINT:
        case STATE_KIND_INT:
            for (uint32_t i = 0; r == 0 && i < f->count; i++) {
                uint8_t le[8];
                int_to_le(p + (size_t)i * f->size, f->size, le);
                r = buf_put(out, le, f->size);
            }
            break;
        case STATE_KIND_BOOL:
            for (uint32_t i = 0; r == 0 && i < f->count; i++) {
                uint8_t b = *(const bool *)(p + i) ? 1 : 0;
                r = buf_put(out, &b, 1);
            }
            break;
        case STATE_KIND_BUFFER:
            r = buf_put(out, p, f->size);
            break;
        case STATE_KIND_STRUCT:
            for (uint32_t i = 0; r == 0 && i < f->count; i++) {
                r = state_save(f->sub, p + (size_t)i * f->size, out);
            }
            break;
        case STATE_KIND_SUB: {
            uint8_t present = !f->sub->needed || f->sub->needed(opaque);
            r = buf_put(out, &present, 1);
            if (r == 0 && present) {
                r = state_save(f->sub, opaque, out);
            }
            break;
        }
        default:
            break;
        }
    }
    return r;
}

typedef struct Reader {
    const uint8_t *data;
    size_t len, pos;
    char *err;
    size_t err_size;
    bool failed;
} Reader;

static void fail(Reader *rd, const char *path, const char *fmt, ...)
{
    if (rd->failed) {
        return;
    }
    rd->failed = true;
    int n = snprintf(rd->err, rd->err_size, "%.250s: ", path);
    if (n < 0 || (size_t)n >= rd->err_size) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err + n, rd->err_size - (size_t)n, fmt, ap);
    va_end(ap);
}

static const uint8_t *take(Reader *rd, size_t n, const char *path)
{
    if (rd->len - rd->pos < n) {
        fail(rd, path, "stream truncated");
        return NULL;
    }
    const uint8_t *p = rd->data + rd->pos;
    rd->pos += n;
    return p;
}

static void load_record(const StateDesc *desc, uint8_t *base, Reader *rd, const char *prefix);

static void load_field(const StateField *f, uint8_t *base, Reader *rd, const char *path)
{
    uint8_t *p = base + f->offset;
    switch (f->kind) {
    case STATE_KIND_UINT:
    case STATE_KIND_INT:
        for (uint32_t i = 0; i < f->count && !rd->failed; i++) {
            const uint8_t *le = take(rd, f->size, path);
            if (le) {
                le_to_int(le, f->size, p + (size_t)i * f->size);
            }
        }
        break;
    case STATE_KIND_BOOL:
        for (uint32_t i = 0; i < f->count && !rd->failed; i++) {
            const uint8_t *b = take(rd, 1, path);
            if (b && *b > 1) {
                fail(rd, path, "boolean value %u", *b);
            } else if (b) {
                *(bool *)(p + i) = *b != 0;
            }
        }
        break;
    case STATE_KIND_BUFFER: {
        const uint8_t *b = take(rd, f->size, path);
        if (b) {
            memcpy(p, b, f->size);
        }
        break;
    }
    case STATE_KIND_STRUCT:
        for (uint32_t i = 0; i < f->count && !rd->failed; i++) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%.200s[%" PRIu32 "]", path, i);
            load_record(f->sub, p + (size_t)i * f->size, rd, sub);
        }
        break;
    case STATE_KIND_SUB: {
        const uint8_t *present = take(rd, 1, path);
        if (present && *present > 1) {
            fail(rd, path, "presence byte %u", *present);
        } else if (present && *present) {
            load_record(f->sub, base, rd, path);
        }
        break;
    }
    default:
        break;
    }
}

static void load_record(const StateDesc *desc, uint8_t *base, Reader *rd, const char *prefix)
{
    const uint8_t *v = take(rd, 2, prefix);
    if (!v) {
        return;
    }
    unsigned version = (unsigned)(v[0] | v[1] << 8);
    if (version > desc->version || version < desc->min_version) {
        fail(rd, prefix, "version %u not supported (%u to %u)", version, desc->min_version,
             desc->version);
        return;
    }
    for (const StateField *f = desc->fields; f->kind != STATE_KIND_END && !rd->failed; f++) {
        if (f->version > version) {
            continue;
        }
        char path[256];
        snprintf(path, sizeof(path), "%.200s.%.50s", prefix, f->name);
        load_field(f, base, rd, path);
    }
    if (!rd->failed && desc->post_load) {
        char why[200] = "";
        if (desc->post_load(base, why, sizeof(why)) != 0) {
            fail(rd, prefix, "%s", why[0] ? why : "refused by post_load");
        }
    }
}

long state_load(const StateDesc *desc, void *opaque, const uint8_t *data, size_t len, char *err,
                size_t err_size)
{
    Reader rd = {.data = data, .len = len, .err = err, .err_size = err_size};
    if (err_size) {
        err[0] = '\0';
    }
    load_record(desc, opaque, &rd, desc->name);
    return rd.failed ? -1 : (long)rd.pos;
}

static void dump_record(const StateDesc *desc, const uint8_t *base, FILE *f, const char *prefix);

static void dump_int(const StateField *fd, const uint8_t *p, FILE *f)
{
    uint8_t le[8];
    int_to_le(p, fd->size, le);
    uint64_t v = 0;
    for (unsigned i = 0; i < fd->size; i++) {
        v |= (uint64_t)le[i] << (8 * i);
    }
    if (fd->kind == STATE_KIND_INT && fd->size < 8 && (v >> (8 * fd->size - 1)) & 1) {
        v |= ~0ull << (8 * fd->size);
    }
    if (fd->kind == STATE_KIND_INT) {
        fprintf(f, "%" PRId64, (int64_t)v);
    } else {
        fprintf(f, "0x%" PRIx64, v);
    }
}

static void dump_record(const StateDesc *desc, const uint8_t *base, FILE *f, const char *prefix)
{
    for (const StateField *fd = desc->fields; fd->kind != STATE_KIND_END; fd++) {
        const uint8_t *p = base + fd->offset;
        char path[256];
        snprintf(path, sizeof(path), "%.200s.%.50s", prefix, fd->name);
        switch (fd->kind) {
        case STATE_KIND_UINT:
        case STATE_KIND_INT:
        case STATE_KIND_BOOL:
            fprintf(f, "%s =", path);
            for (uint32_t i = 0; i < fd->count; i++) {
                fputc(' ', f);
                if (fd->kind == STATE_KIND_BOOL) {
                    fputs(*(const bool *)(p + i) ? "true" : "false", f);
                } else {
                    dump_int(fd, p + (size_t)i * fd->size, f);
                }
            }
            fputc('\n', f);
            break;
        case STATE_KIND_BUFFER:
            fprintf(f, "%s = (%" PRIu32 " bytes)\n", path, fd->size);
            break;
        case STATE_KIND_STRUCT:
            for (uint32_t i = 0; i < fd->count; i++) {
                char sub[256];
                snprintf(sub, sizeof(sub), "%.200s[%" PRIu32 "]", path, i);
                dump_record(fd->sub, p + (size_t)i * fd->size, f, sub);
            }
            break;
        case STATE_KIND_SUB:
            if (!fd->sub->needed || fd->sub->needed(base)) {
                dump_record(fd->sub, base, f, path);
            }
            break;
        default:
            break;
        }
    }
}

void state_dump(const StateDesc *desc, const void *opaque, FILE *f)
{
    dump_record(desc, opaque, f, desc->name);
}
