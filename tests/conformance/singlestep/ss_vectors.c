/*
 * tests/conformance/singlestep/ss_vectors.c: loading of SingleStepTests files, metadata.json
 * and revocation_list.txt, scanning a set's directory and choosing what to run (see
 * ss_vectors.h; format in ../shared/conformance/singlestep/README.md). The vectors are input
 * like any other: every field is type- and range-checked, and a bad file is an error message,
 * never a crash. Comparison with a CPU's final state is in ss_compare.c.
 */
#include "ss_vectors.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *const reg_names[SS_REG_COUNT] = {
    [SS_REG_AX] = "ax", [SS_REG_CX] = "cx",       [SS_REG_DX] = "dx", [SS_REG_BX] = "bx",
    [SS_REG_SP] = "sp", [SS_REG_BP] = "bp",       [SS_REG_SI] = "si", [SS_REG_DI] = "di",
    [SS_REG_ES] = "es", [SS_REG_CS] = "cs",       [SS_REG_SS] = "ss", [SS_REG_DS] = "ds",
    [SS_REG_IP] = "ip", [SS_REG_FLAGS] = "flags",
};

const char *ss_reg_name(SsReg reg)
{
    return (unsigned)reg < SS_REG_COUNT ? reg_names[reg] : "?";
}

/* Runs for every register of every test, hence two-byte compares instead of strcmp. */
static int reg_from_name(const JsonValue *key)
{
    if (key->len == 5) {
        return memcmp(key->str, "flags", 5) == 0 ? SS_REG_FLAGS : -1;
    }
    for (int r = 0; key->len == 2 && r < SS_REG_FLAGS; r++) {
        if (reg_names[r][0] == key->str[0] && reg_names[r][1] == key->str[1]) {
            return r;
        }
    }
    return -1;
}

/* ---- files and gunzip ---- */

/* Read a whole file into *buf (grown as needed, NUL-terminated). */
static int read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len, Error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        return error_set(err, -errno, "%s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > SS_FILE_MAX) {
        fclose(fp);
        return error_set(err, -EINVAL, "%s: not a regular file of at most %u bytes", path,
                         SS_FILE_MAX);
    }
    size_t size = (size_t)st.st_size;
    if (*cap < size + 1) {
        uint8_t *nb = realloc(*buf, size + 1);
        if (!nb) {
            fclose(fp);
            return error_set(err, -ENOMEM, "%s: out of memory", path);
        }
        *buf = nb;
        *cap = size + 1;
    }
    size_t got = fread(*buf, 1, size, fp);
    int failed = ferror(fp);
    fclose(fp);
    if (failed || got != size) {
        return error_set(err, -EIO, "%s: read error", path);
    }
    (*buf)[size] = '\0';
    *len = size;
    return 0;
}

static int grow_text(char **out, size_t *out_cap, size_t want, Error *err)
{
    if (want > (size_t)SS_FILE_MAX + 1) {
        return error_set(err, -EFBIG, "gunzip: more than %u bytes", SS_FILE_MAX);
    }
    if (*out_cap >= want) {
        return 0;
    }
    char *nb = realloc(*out, want);
    if (!nb) {
        return error_set(err, -ENOMEM, "gunzip: out of memory");
    }
    *out = nb;
    *out_cap = want;
    return 0;
}

int ss_gunzip(const uint8_t *in, size_t in_len, char **out, size_t *out_cap, size_t *out_len,
              Error *err)
{
    /* A gzip member ends with its size mod 2^32: a good first guess for one member. */
    size_t guess = 1u << 16;
    if (in_len >= 18) {
        uint32_t isize = (uint32_t)in[in_len - 4] | (uint32_t)in[in_len - 3] << 8 |
                         (uint32_t)in[in_len - 2] << 16 | (uint32_t)in[in_len - 1] << 24;
        guess = isize < SS_FILE_MAX ? (size_t)isize + 1 : SS_FILE_MAX + 1;
    }
    int rc = grow_text(out, out_cap, guess, err);
    if (rc) {
        return rc;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 32) != Z_OK) { /* +32: accept gzip and zlib headers */
        return error_set(err, -ENOMEM, "gunzip: %s", z.msg ? z.msg : "cannot initialise");
    }
    size_t len = 0, in_off = 0;
    int zrc = Z_OK;
    for (;;) {
        if (len + 1 >= *out_cap) {
            rc = grow_text(out, out_cap, *out_cap * 2, err);
            if (rc) {
                break;
            }
        }
        /* zlib counts in uInt: feed and drain at most 1 GiB per call. */
        size_t in_left = in_len - in_off, out_left = *out_cap - 1 - len;
        z.next_in = (Bytef *)(in + in_off);
        z.avail_in = (uInt)(in_left < (1u << 30) ? in_left : (1u << 30));
        z.next_out = (Bytef *)(*out + len);
        z.avail_out = (uInt)(out_left < (1u << 30) ? out_left : (1u << 30));
        uInt avail_in = z.avail_in, avail_out = z.avail_out;
        zrc = inflate(&z, Z_NO_FLUSH);
        in_off += avail_in - z.avail_in;
        len += avail_out - z.avail_out;
        if (zrc == Z_STREAM_END) {
            if (in_off == in_len) {
                break;
            }
            /* Another gzip member follows (what `cat a.gz b.gz` makes). */
            inflateReset(&z);
        } else if (zrc == Z_BUF_ERROR && in_off == in_len) {
            rc = error_set(err, -EINVAL, "gunzip: truncated data");
            break;
        } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = error_set(err, zrc == Z_MEM_ERROR ? -ENOMEM : -EINVAL, "gunzip: %s",
                           z.msg ? z.msg : "corrupt data");
            break;
        }
    }
    inflateEnd(&z);
    if (rc) {
        return rc;
    }
    (*out)[len] = '\0';
    *out_len = len;
    return 0;
}

/* ---- test files ---- */

void ss_loader_init(SsLoader *ld)
{
    memset(ld, 0, sizeof(*ld));
    json_doc_init(&ld->doc);
}

void ss_loader_free(SsLoader *ld)
{
    json_doc_free(&ld->doc);
    free(ld->gz);
    free(ld->text);
    ss_loader_init(ld);
}

void ss_file_free(SsFile *f)
{
    free(f->tests);
    free(f->ram);
    free(f->names);
    memset(f, 0, sizeof(*f));
}

/* Where a test's fields are being read, for messages. */
typedef struct TestReader {
    SsFile *f;
    SsTest *t;
    size_t ram_used;
    size_t names_used;
    Error *err;
} TestReader;

static int bad(TestReader *tr, const char *field, const char *what)
{
    return error_set(tr->err, -EINVAL, "test %u (%s): %s: %s", tr->t->index,
                     tr->t->name ? tr->t->name : "?", field, what);
}

static bool get_bounded(const JsonValue *v, uint64_t limit, uint64_t *out)
{
    return json_get_u64(v, out) && *out < limit;
}

static int read_regs(TestReader *tr, const JsonValue *regs, uint16_t *out, uint16_t *present,
                     const char *field)
{
    if (!regs || regs->type != JSON_OBJECT) {
        return bad(tr, field, "missing or not an object");
    }
    for (uint32_t i = 0; i < regs->len; i++) {
        const JsonMember *m = &regs->members[i];
        int r = reg_from_name(&m->key);
        uint64_t v;
        if (r < 0) {
            return bad(tr, field, "unknown register");
        }
        if (*present & (1u << r)) {
            return bad(tr, field, "register given twice");
        }
        if (!get_bounded(&m->value, 0x10000, &v)) {
            return bad(tr, field, "register value not in 0..65535");
        }
        out[r] = (uint16_t)v;
        *present |= (uint16_t)(1u << r);
    }
    return 0;
}

static int read_ram(TestReader *tr, const JsonValue *ram, const SsRamByte **list, uint32_t *n,
                    const char *field)
{
    if (!ram || ram->type != JSON_ARRAY) {
        return bad(tr, field, "missing or not an array");
    }
    SsRamByte *out = tr->f->ram + tr->ram_used;
    for (uint32_t i = 0; i < ram->len; i++) {
        const JsonValue *pair = &ram->items[i];
        uint64_t addr, value;
        if (pair->type != JSON_ARRAY || pair->len != 2) {
            return bad(tr, field, "entry is not an [address, byte] pair");
        }
        if (!get_bounded(&pair->items[0], SS_ADDR_LIMIT, &addr)) {
            return bad(tr, field, "address beyond 16 MiB");
        }
        if (!get_bounded(&pair->items[1], 0x100, &value)) {
            return bad(tr, field, "byte not in 0..255");
        }
        out[i] = (SsRamByte){.addr = (uint32_t)addr, .value = (uint8_t)value};
    }
    *list = out;
    *n = ram->len;
    tr->ram_used += ram->len;
    return 0;
}

static int read_bytes(TestReader *tr, const JsonValue *bytes)
{
    SsTest *t = tr->t;
    if (!bytes || bytes->type != JSON_ARRAY || bytes->len == 0 || bytes->len > SS_BYTES_MAX) {
        return bad(tr, "bytes", "missing, empty, or longer than 16");
    }
    for (uint32_t i = 0; i < bytes->len; i++) {
        uint64_t b;
        if (!get_bounded(&bytes->items[i], 0x100, &b)) {
            return bad(tr, "bytes", "not a byte");
        }
        t->bytes[i] = (uint8_t)b;
    }
    t->n_bytes = (uint8_t)bytes->len;
    return 0;
}

static int read_exception(TestReader *tr, const JsonValue *exc)
{
    SsTest *t = tr->t;
    uint64_t number, addr;
    if (exc->type != JSON_OBJECT) {
        return bad(tr, "exception", "not an object");
    }
    if (!get_bounded(json_object_get(exc, "number"), 256, &number)) {
        return bad(tr, "exception.number", "missing or not in 0..255");
    }
    if (!get_bounded(json_object_get(exc, "flag_address"), SS_ADDR_LIMIT, &addr)) {
        return bad(tr, "exception.flag_address", "missing or beyond 16 MiB");
    }
    t->has_exception = true;
    t->exception_number = (uint8_t)number;
    t->exception_flag_address = (uint32_t)addr;
    return 0;
}

static int read_test(TestReader *tr, const JsonValue *v)
{
    SsTest *t = tr->t;
    if (v->type != JSON_OBJECT) {
        return bad(tr, "test", "not an object");
    }
    const JsonValue *name = json_object_get(v, "name");
    if (!name || name->type != JSON_STRING) {
        return bad(tr, "name", "missing or not a string");
    }
    char *dst = tr->f->names + tr->names_used;
    memcpy(dst, name->str, name->len + 1);
    t->name = dst;
    tr->names_used += name->len + 1;

    const JsonValue *hash = json_object_get(v, "hash");
    if (!hash) {
        hash = json_object_get(v, "test_hash");
    }
    if (!hash || hash->type != JSON_STRING || hash->len == 0 || hash->len > SS_HASH_MAX ||
        strlen(hash->str) != hash->len) {
        return bad(tr, "hash", "missing, or not a string of 1 to 64 characters");
    }
    memcpy(t->hash, hash->str, hash->len + 1);

    int rc = read_bytes(tr, json_object_get(v, "bytes"));
    if (rc) {
        return rc;
    }
    const JsonValue *initial = json_object_get(v, "initial");
    const JsonValue *final = json_object_get(v, "final");
    if (!initial || initial->type != JSON_OBJECT || !final || final->type != JSON_OBJECT) {
        return bad(tr, "initial/final", "missing or not an object");
    }
    uint16_t initial_present = 0;
    rc = read_regs(tr, json_object_get(initial, "regs"), t->initial, &initial_present,
                   "initial.regs");
    if (!rc && initial_present != (1u << SS_REG_COUNT) - 1) {
        rc = bad(tr, "initial.regs", "a register is missing");
    }
    if (rc) {
        return rc;
    }
    if (tr->f->cpu == SS_CPU_80286) {
        /* README.md: in real mode the 80286 holds FLAGS bits 12-15 at zero. */
        t->initial[SS_REG_FLAGS] &= 0x0fff;
    }
    memcpy(t->final, t->initial, sizeof(t->final));
    rc = read_regs(tr, json_object_get(final, "regs"), t->final, &t->final_present, "final.regs");
    if (!rc) {
        rc = read_ram(tr, json_object_get(initial, "ram"), &t->initial_ram, &t->n_initial_ram,
                      "initial.ram");
    }
    if (!rc) {
        rc = read_ram(tr, json_object_get(final, "ram"), &t->final_ram, &t->n_final_ram,
                      "final.ram");
    }
    const JsonValue *exc = json_object_get(v, "exception");
    if (!rc && exc) {
        rc = read_exception(tr, exc);
    }
    return rc;
}

/* Bytes the pools need: a first pass, so that each pool is one allocation. */
static void count_pools(const JsonValue *tests, size_t *n_ram, size_t *n_names)
{
    *n_ram = 0;
    *n_names = 0;
    for (uint32_t i = 0; i < tests->len; i++) {
        const JsonValue *v = &tests->items[i];
        const JsonValue *name = json_object_get(v, "name");
        if (name && name->type == JSON_STRING) {
            *n_names += name->len + 1;
        }
        const char *parts[2] = {"initial", "final"};
        for (int p = 0; p < 2; p++) {
            const JsonValue *ram = json_object_get(json_object_get(v, parts[p]), "ram");
            if (ram && ram->type == JSON_ARRAY) {
                *n_ram += ram->len;
            }
        }
    }
}

int ss_file_parse(SsLoader *ld, SsFile *f, const char *json, size_t len, SsCpu cpu, Error *err)
{
    ss_file_free(f);
    f->cpu = cpu;
    JsonError jerr;
    int rc = json_parse(&ld->doc, json, len, NULL, &jerr);
    if (rc) {
        return error_set(err, rc, "%u:%u: %s", jerr.line, jerr.column, jerr.reason);
    }
    const JsonValue *tests = &ld->doc.root;
    if (tests->type != JSON_ARRAY) {
        return error_set(err, -EINVAL, "not an array of tests");
    }
    size_t n_ram, n_names;
    count_pools(tests, &n_ram, &n_names);
    f->tests = calloc(tests->len ? tests->len : 1, sizeof(SsTest));
    f->ram = malloc((n_ram ? n_ram : 1) * sizeof(SsRamByte));
    f->names = malloc(n_names ? n_names : 1);
    if (!f->tests || !f->ram || !f->names) {
        ss_file_free(f);
        return error_set(err, -ENOMEM, "out of memory");
    }
    f->n_tests = tests->len;
    TestReader tr = {.f = f, .err = err};
    for (uint32_t i = 0; i < tests->len; i++) {
        tr.t = &f->tests[i];
        tr.t->index = i;
        rc = read_test(&tr, &tests->items[i]);
        if (rc) {
            ss_file_free(f);
            return rc;
        }
    }
    return 0;
}

int ss_file_load(SsLoader *ld, SsFile *f, const char *path, SsCpu cpu, Error *err)
{
    ss_file_free(f);
    size_t gz_len;
    int rc = read_file(path, &ld->gz, &ld->gz_cap, &gz_len, err);
    if (rc) {
        return rc;
    }
    rc = ss_gunzip(ld->gz, gz_len, &ld->text, &ld->text_cap, &ld->text_len, err);
    if (!rc) {
        rc = ss_file_parse(ld, f, ld->text, ld->text_len, cpu, err);
    }
    if (rc) {
        error_prefix(err, "%s", path);
    }
    return rc;
}

/* ---- metadata.json ---- */

static const char *const status_names[] = {
    [SS_STATUS_NORMAL] = "normal",       [SS_STATUS_UNDOCUMENTED] = "undocumented",
    [SS_STATUS_UNDEFINED] = "undefined", [SS_STATUS_ALIAS] = "alias",
    [SS_STATUS_PREFIX] = "prefix",       [SS_STATUS_FPU] = "fpu",
    [SS_STATUS_EXTENSION] = "extension",
};

const char *ss_status_name(SsStatus status)
{
    return (unsigned)status < sizeof(status_names) / sizeof(status_names[0]) ? status_names[status]
                                                                             : "?";
}

/* A form's "status" and "flags-mask" from its metadata object. */
static int read_form(const JsonValue *v, SsForm *form, const char *where, Error *err)
{
    if (!v || v->type != JSON_OBJECT) {
        return error_set(err, -EINVAL, "%s: not an object", where);
    }
    const char *status = json_get_string(json_object_get(v, "status"));
    if (!status) {
        return error_set(err, -EINVAL, "%s: no status", where);
    }
    size_t s = 0;
    while (s < sizeof(status_names) / sizeof(status_names[0]) &&
           strcmp(status, status_names[s]) != 0) {
        s++;
    }
    if (s == sizeof(status_names) / sizeof(status_names[0])) {
        return error_set(err, -EINVAL, "%s: unknown status \"%.32s\"", where, status);
    }
    uint64_t mask = SS_FLAGS_ALL;
    const JsonValue *mv = json_object_get(v, "flags-mask");
    if (mv && !get_bounded(mv, 0x10000, &mask)) {
        return error_set(err, -EINVAL, "%s: flags-mask not in 0..65535", where);
    }
    *form = (SsForm){.is_known = true, .status = (SsStatus)s, .flags_mask = (uint16_t)mask};
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The SsMetadata slot of an opcode (see SS_OPCODE_SLOTS), -1 for one outside the table. */
static int opcode_slot(unsigned opcode)
{
    if (opcode <= 0xff) {
        return (int)opcode;
    }
    return (opcode >> 8) == 0x0f ? 0x100 + (int)(opcode & 0xff) : -1;
}

/* "XX" or "0FXX" at s[0..n): the opcode, or -1. */
static int parse_opcode(const char *s, size_t n)
{
    if (n != 2 && n != 4) {
        return -1;
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit(s[i]);
        if (d < 0) {
            return -1;
        }
        v = v << 4 | d;
    }
    return opcode_slot((unsigned)v) < 0 ? -1 : v;
}

static int read_opcode(SsMetadata *m, const JsonMember *mem, Error *err)
{
    const JsonValue *key = &mem->key, *v = &mem->value;
    int op = parse_opcode(key->str, key->len);
    if (op < 0) {
        return error_set(err, -EINVAL, "opcodes: key \"%.16s\" is not XX or 0FXX in hex", key->str);
    }
    int slot = opcode_slot((unsigned)op);
    char where[32];
    snprintf(where, sizeof(where), op > 0xff ? "opcode %04X" : "opcode %02X", (unsigned)op);
    if (m->forms[slot][0].is_known || m->is_group[slot]) {
        return error_set(err, -EINVAL, "%s: given twice", where);
    }
    const JsonValue *regs = json_object_get(v, "reg");
    if (!regs) {
        SsForm form;
        int rc = read_form(v, &form, where, err);
        for (int r = 0; r < 8 && !rc; r++) {
            m->forms[slot][r] = form;
        }
        return rc;
    }
    if (regs->type != JSON_OBJECT) {
        return error_set(err, -EINVAL, "%s: reg is not an object", where);
    }
    m->is_group[slot] = true;
    for (uint32_t i = 0; i < regs->len; i++) {
        const JsonMember *rm = &regs->members[i];
        if (rm->key.len != 1 || rm->key.str[0] < '0' || rm->key.str[0] > '7') {
            return error_set(err, -EINVAL, "%s: reg key \"%.8s\" is not 0-7", where, rm->key.str);
        }
        int r = rm->key.str[0] - '0';
        char rwhere[40];
        snprintf(rwhere, sizeof(rwhere), "%s reg %d", where, r);
        int rc = read_form(&rm->value, &m->forms[slot][r], rwhere, err);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

int ss_metadata_parse(SsMetadata *m, const char *json, size_t len, Error *err)
{
    memset(m, 0, sizeof(*m));
    JsonDoc doc;
    json_doc_init(&doc);
    JsonError jerr;
    int rc = json_parse(&doc, json, len, NULL, &jerr);
    if (rc) {
        json_doc_free(&doc);
        return error_set(err, rc, "%u:%u: %s", jerr.line, jerr.column, jerr.reason);
    }
    const char *cpu = json_get_string(json_object_get(&doc.root, "cpu"));
    const JsonValue *ops = json_object_get(&doc.root, "opcodes");
    if (cpu && strcmp(cpu, "8086") == 0) {
        m->cpu = SS_CPU_8086;
    } else if (cpu && strcmp(cpu, "286") == 0) {
        m->cpu = SS_CPU_80286;
    } else {
        rc = error_set(err, -EINVAL, "cpu is not \"8086\" or \"286\"");
    }
    if (!rc && (!ops || ops->type != JSON_OBJECT)) {
        rc = error_set(err, -EINVAL, "opcodes: missing or not an object");
    }
    for (uint32_t i = 0; !rc && i < ops->len; i++) {
        rc = read_opcode(m, &ops->members[i], err);
    }
    json_doc_free(&doc);
    return rc;
}

int ss_metadata_load(SsMetadata *m, const char *path, Error *err)
{
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    int rc = read_file(path, &buf, &cap, &len, err);
    if (!rc) {
        rc = ss_metadata_parse(m, (const char *)buf, len, err);
        if (rc) {
            error_prefix(err, "%s", path);
        }
    }
    free(buf);
    return rc;
}

const SsForm *ss_metadata_form(const SsMetadata *m, unsigned opcode, int reg)
{
    int slot = opcode_slot(opcode);
    if (slot < 0 || reg > 7 || (reg < 0 && m->is_group[slot])) {
        return NULL;
    }
    const SsForm *form = &m->forms[slot][reg < 0 ? 0 : reg];
    return form->is_known ? form : NULL;
}

/* ---- revocation_list.txt ---- */

/* FNV-1a: hashes are hex already, but any line must land somewhere in the table. */
static size_t slot_of(const char *hash, size_t n_slots)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = hash; *p; p++) {
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    }
    return (size_t)h & (n_slots - 1);
}

bool ss_revocations_contains(const SsRevocations *r, const char *hash)
{
    if (!r->n_slots) {
        return false;
    }
    for (size_t i = slot_of(hash, r->n_slots);; i = (i + 1) & (r->n_slots - 1)) {
        if (!r->slots[i][0]) {
            return false;
        }
        if (strcmp(r->slots[i], hash) == 0) {
            return true;
        }
    }
}

void ss_revocations_free(SsRevocations *r)
{
    free(r->slots);
    memset(r, 0, sizeof(*r));
}

/*
 * The line starting at pos, without surrounding blanks, as *start and *n (0 for blank and
 * comment lines). Returns where the next line starts.
 */
static size_t next_line(const char *text, size_t len, size_t pos, const char **start, size_t *n)
{
    size_t end = pos;
    while (end < len && text[end] != '\n') {
        end++;
    }
    size_t a = pos, b = end;
    while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) {
        a++;
    }
    while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r')) {
        b--;
    }
    if (a < b && text[a] == '#') {
        b = a;
    }
    *start = text + a;
    *n = b - a;
    return end + 1;
}

int ss_revocations_parse(SsRevocations *r, const char *text, size_t len, Error *err)
{
    memset(r, 0, sizeof(*r));
    /* Every hash is on its own line: the line count bounds the table. */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    size_t n_slots = 16;
    while (n_slots < 2 * lines) {
        n_slots *= 2;
    }
    r->slots = calloc(n_slots, sizeof(*r->slots));
    if (!r->slots) {
        return error_set(err, -ENOMEM, "out of memory");
    }
    r->n_slots = n_slots;
    size_t line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *s;
        size_t n;
        pos = next_line(text, len, pos, &s, &n);
        line++;
        if (n == 0) {
            continue;
        }
        bool is_hex = n <= SS_HASH_MAX;
        for (size_t i = 0; i < n && is_hex; i++) {
            is_hex = hex_digit(s[i]) >= 0;
        }
        if (!is_hex) {
            ss_revocations_free(r);
            return error_set(err, -EINVAL, "line %zu: not a hash of at most %d hex digits", line,
                             SS_HASH_MAX);
        }
        char hash[SS_HASH_MAX + 1];
        memcpy(hash, s, n);
        hash[n] = '\0';
        if (ss_revocations_contains(r, hash)) {
            continue;
        }
        size_t i = slot_of(hash, n_slots);
        while (r->slots[i][0]) {
            i = (i + 1) & (n_slots - 1);
        }
        memcpy(r->slots[i], hash, n + 1);
        r->count++;
    }
    return 0;
}

int ss_revocations_load(SsRevocations *r, const char *path, Error *err)
{
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    memset(r, 0, sizeof(*r));
    int rc = read_file(path, &buf, &cap, &len, err);
    if (!rc) {
        rc = ss_revocations_parse(r, (const char *)buf, len, err);
        if (rc) {
            error_prefix(err, "%s", path);
        }
    }
    free(buf);
    return rc;
}

/* ---- a set's directory ---- */

/* "XX[.R].json.gz" or "0FXX[.R].json.gz" (hex opcode, ModRM reg 0-7) into e; false if not. */
static bool parse_file_name(const char *name, SsFileEntry *e)
{
    size_t len = strlen(name);
    const char *dot = strchr(name, '.');
    int op = dot ? parse_opcode(name, (size_t)(dot - name)) : -1;
    if (len >= sizeof(e->name) || op < 0) {
        return false;
    }
    const char *rest = dot;
    int reg = -1;
    if (rest[1] >= '0' && rest[1] <= '7' && rest[2] == '.') {
        reg = rest[1] - '0';
        rest += 2;
    }
    if (strcmp(rest, ".json.gz") != 0) {
        return false;
    }
    memcpy(e->name, name, len + 1);
    e->opcode = (uint16_t)op;
    e->reg = (int8_t)reg;
    return true;
}

static int compare_entries(const void *a, const void *b)
{
    const SsFileEntry *x = a, *y = b;
    if (x->opcode != y->opcode) {
        return x->opcode < y->opcode ? -1 : 1;
    }
    return (x->reg > y->reg) - (x->reg < y->reg);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int scan_files(SsDir *d, Error *err)
{
    DIR *dir = opendir(d->path);
    if (!dir) {
        return error_set(err, -errno, "%s: %s", d->path, strerror(errno));
    }
    /* Each form can have one file (opcode slots x 9 name forms): the most there can be. */
    enum { MAX_FILES = SS_OPCODE_SLOTS * 9 };
    d->files = malloc(MAX_FILES * sizeof(*d->files));
    if (!d->files) {
        closedir(dir);
        return error_set(err, -ENOMEM, "out of memory");
    }
    int rc = 0;
    struct dirent *de;
    while (!rc && (de = readdir(dir))) {
        if (!has_suffix(de->d_name, ".json.gz")) {
            continue;
        }
        SsFileEntry e;
        if (!parse_file_name(de->d_name, &e)) {
            rc = error_set(err, -EINVAL, "%s/%.64s: not an XX[.R].json.gz or 0FXX[.R].json.gz name",
                           d->path, de->d_name);
            break;
        }
        for (size_t i = 0; i < d->n_files && !rc; i++) {
            if (d->files[i].opcode == e.opcode && d->files[i].reg == e.reg) {
                rc = error_set(err, -EINVAL, "%s: %s and %s hold the same form", d->path,
                               d->files[i].name, e.name);
            }
        }
        if (!rc && d->n_files == MAX_FILES) {
            rc = error_set(err, -EINVAL, "%s: too many test files", d->path);
        }
        if (!rc) {
            d->files[d->n_files++] = e;
        }
    }
    closedir(dir);
    if (!rc) {
        qsort(d->files, d->n_files, sizeof(*d->files), compare_entries);
    }
    return rc;
}

int ss_dir_open(SsDir *d, const char *path, Error *err)
{
    memset(d, 0, sizeof(*d));
    size_t n = strlen(path);
    d->path = malloc(n + 1);
    char *file = malloc(n + 32);
    if (!d->path || !file) {
        free(file);
        ss_dir_close(d);
        return error_set(err, -ENOMEM, "out of memory");
    }
    memcpy(d->path, path, n + 1);
    snprintf(file, n + 32, "%s/metadata.json", path);
    int rc = ss_metadata_load(&d->meta, file, err);
    if (!rc) {
        /* Only the 80286 set has a revocation list; without one, nothing is revoked. */
        snprintf(file, n + 32, "%s/revocation_list.txt", path);
        struct stat st;
        if (stat(file, &st) == 0) {
            rc = ss_revocations_load(&d->revoked, file, err);
        }
    }
    if (!rc) {
        rc = scan_files(d, err);
    }
    free(file);
    if (rc) {
        ss_dir_close(d);
    }
    return rc;
}

void ss_dir_close(SsDir *d)
{
    free(d->path);
    free(d->files);
    ss_revocations_free(&d->revoked);
    memset(d, 0, sizeof(*d));
}

int ss_dir_load_file(const SsDir *d, SsLoader *ld, size_t i, SsFile *f, Error *err)
{
    if (i >= d->n_files) {
        return error_set(err, -EINVAL, "%s: no file %zu", d->path, i);
    }
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", d->path, d->files[i].name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return error_set(err, -ENAMETOOLONG, "%s: path too long", d->path);
    }
    return ss_file_load(ld, f, path, d->meta.cpu, err);
}

/* ---- selection ---- */

bool ss_file_is_selected(const SsMetadata *m, const SsFileEntry *e, const char **why_not)
{
    const SsForm *form = ss_metadata_form(m, e->opcode, e->reg);
    if (form && form->status == SS_STATUS_FPU) {
        if (why_not) {
            *why_not = "fpu form: the captures have no coprocessor";
        }
        return false;
    }
    return true;
}

uint16_t ss_file_flags_mask(const SsMetadata *m, const SsFileEntry *e)
{
    const SsForm *form = ss_metadata_form(m, e->opcode, e->reg);
    return form ? form->flags_mask : SS_FLAGS_ALL;
}

bool ss_test_is_selected(const SsRevocations *r, const SsTest *t)
{
    return !ss_revocations_contains(r, t->hash);
}
