/*
 * tools/flat_run.c: vireo-flat-run, runs a flat binary on vireo's interpreter from a JSON
 * initial state and prints the final state as JSON (README.md "CPU tools").
 *
 * The CPU is the bare fixture of tests/fixture (RAM at physical 0, no devices; unassigned I/O
 * ports read all-ones) put directly into one of its modes: real (segments at 0), flat32
 * (protected mode, flat 4 GiB ring-0 segments) or long64 (64-bit code, identity paging of the
 * first 4 GiB). The run ends at HLT (RIP is then one past it, as the SDM's HLT leaves the
 * saved instruction pointer), after --max-insns instructions, or at a triple fault.
 *
 * State file (every key optional, unknown keys are errors so that a typo is not ignored):
 *   {"regs": {"rax": 1, "rip": "0x10000", "rflags": 2, ...},   numbers or "0x" strings
 *    "memory": [{"addr": 36864, "hex": "0102ff"}, ...],        bytes to place
 *    "load": {"file": "code.bin", "addr": 65536},              relative to the state file
 *    "dump": [{"addr": 36864, "len": 16}, ...]}                ranges to print afterwards
 * Registers: rax..r15, rip, rflags, and in real mode the selectors cs, ds, es, fs, gs, ss (the
 * base follows as selector * 16); rip defaults to load.addr. In flat32 and long64 the
 * fixture's GDT and page tables occupy 0x1000-0x7fff, and bytes placed there are refused.
 * The output has the same shape (regs, memory for the dumped ranges) plus "exit" and "insns",
 * so it can serve as the state of another run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_fixture.h"
#include "util/error.h"
#include "util/hex.h"
#include "util/json.h"

#define PROGRAM "vireo-flat-run"
#define RAM_MIB_DEFAULT 16
#define RAM_MIB_MAX 4096
#define MAX_INSNS_DEFAULT 1000000
#define DUMPS_MAX 64
/* A state file is small; this bounds what a wrong path (a disk image) makes us read. */
#define STATE_FILE_MAX (64u << 20)

static const char usage_text[] =
    "usage: " PROGRAM " [options] STATE.json\n"
    "Runs code on vireo's interpreter from the initial state in STATE.json until HLT and\n"
    "prints the final registers and the requested memory as JSON.\n"
    "  --mode real|flat32|long64  CPU mode (default long64)\n"
    "  --max-insns N              stop after N instructions (default 1000000)\n"
    "  --ram MIB                  RAM size in MiB (default 16)\n"
    "  --dump ADDR:LEN            also print LEN bytes at ADDR (repeatable)\n"
    "  -h, --help                 this text\n"
    "STATE.json: {\"regs\": {\"rax\": 1, \"rip\": \"0x10000\", ...}, \"memory\": [{\"addr\": ..,\n"
    "\"hex\": \"..\"}], \"load\": {\"file\": \"code.bin\", \"addr\": ..}, \"dump\": [{\"addr\": ..,"
    " \"len\": ..}]}\n";

typedef struct Range {
    uint64_t addr;
    uint64_t len;
} Range;

typedef struct FlatRun {
    const char *state_path;
    FixtureMode mode;
    uint64_t max_insns;
    uint64_t ram_bytes;
    Range dumps[DUMPS_MAX];
    size_t n_dumps;
    Fixture fx;
    char msg[ERROR_MSG_MAX]; /* the error, when a step fails */
} FlatRun;

typedef struct RegName {
    const char *name;
    int gpr; /* R_AX.., or -1 */
    int seg; /* SEG_ES.., or -1 */
} RegName;

/* Encoding order, as the output lists them. */
static const RegName reg_names[] = {
    {"rax", R_AX, -1},  {"rcx", R_CX, -1},  {"rdx", R_DX, -1},  {"rbx", R_BX, -1},
    {"rsp", R_SP, -1},  {"rbp", R_BP, -1},  {"rsi", R_SI, -1},  {"rdi", R_DI, -1},
    {"r8", 8, -1},      {"r9", 9, -1},      {"r10", 10, -1},    {"r11", 11, -1},
    {"r12", 12, -1},    {"r13", 13, -1},    {"r14", 14, -1},    {"r15", 15, -1},
    {"es", -1, SEG_ES}, {"cs", -1, SEG_CS}, {"ss", -1, SEG_SS}, {"ds", -1, SEG_DS},
    {"fs", -1, SEG_FS}, {"gs", -1, SEG_GS},
};


static bool fail(FlatRun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the error of the current step; returns false for `return fail(...)`. */
static bool fail(FlatRun *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    return false;
}

/* Decimal, or hexadecimal after "0x" (a leading 0 does not mean octal here). */
static bool parse_u64(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (hex_digit_value(s[0]) < 0 || (base == 10 && hex_digit_value(s[0]) > 9)) {
        return false; /* no digits, or a sign or space strtoull would accept */
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

/* A JSON number (negative ones as two's complement) or a "0x" string. */
static bool json_number(const JsonValue *v, uint64_t *out)
{
    int64_t i;
    if (json_get_u64(v, out)) {
        return true;
    }
    if (json_get_i64(v, &i)) {
        *out = (uint64_t)i;
        return true;
    }
    const char *s = json_get_string(v);
    return s && strlen(s) == v->len && parse_u64(s, out);
}

static bool parse_mode(const char *s, FixtureMode *out)
{
    if (strcmp(s, "real") == 0) {
        *out = FIXTURE_REAL;
    } else if (strcmp(s, "flat32") == 0) {
        *out = FIXTURE_FLAT32;
    } else if (strcmp(s, "long64") == 0) {
        *out = FIXTURE_LONG64;
    } else {
        return false;
    }
    return true;
}

/* ADDR:LEN */
static bool parse_dump(const char *s, Range *out)
{
    const char *colon = strchr(s, ':');
    char addr[64];
    if (!colon || (size_t)(colon - s) >= sizeof(addr)) {
        return false;
    }
    memcpy(addr, s, (size_t)(colon - s));
    addr[colon - s] = '\0';
    return parse_u64(addr, &out->addr) && parse_u64(colon + 1, &out->len);
}

/* 0: parsed; 1: error (reported); 2: help printed. */
static int parse_options(int argc, char **argv, FlatRun *r)
{
    r->mode = FIXTURE_LONG64;
    r->max_insns = MAX_INSNS_DEFAULT;
    r->ram_bytes = (uint64_t)RAM_MIB_DEFAULT << 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 2;
        }
        bool takes_value = strcmp(a, "--mode") == 0 || strcmp(a, "--max-insns") == 0 ||
                           strcmp(a, "--ram") == 0 || strcmp(a, "--dump") == 0;
        if (takes_value && i + 1 == argc) {
            error_report("%s: missing argument", a);
            return 1;
        }
        uint64_t n;
        if (strcmp(a, "--mode") == 0) {
            if (!parse_mode(argv[++i], &r->mode)) {
                error_report("--mode: %s: not real, flat32 or long64", argv[i]);
                return 1;
            }
        } else if (strcmp(a, "--max-insns") == 0) {
            if (!parse_u64(argv[++i], &r->max_insns)) {
                error_report("--max-insns: %s: not a count", argv[i]);
                return 1;
            }
        } else if (strcmp(a, "--ram") == 0) {
            if (!parse_u64(argv[++i], &n) || n == 0 || n > RAM_MIB_MAX) {
                error_report("--ram: %s: not a size from 1 to %d MiB", argv[i], RAM_MIB_MAX);
                return 1;
            }
            r->ram_bytes = n << 20;
        } else if (strcmp(a, "--dump") == 0) {
            if (r->n_dumps == DUMPS_MAX) {
                error_report("--dump: more than %d ranges", DUMPS_MAX);
                return 1;
            }
            if (!parse_dump(argv[++i], &r->dumps[r->n_dumps])) {
                error_report("--dump: %s: not ADDR:LEN", argv[i]);
                return 1;
            }
            r->n_dumps++;
        } else if (a[0] == '-' && a[1] != '\0') {
            error_report("%s: unknown option (--help lists them)", a);
            return 1;
        } else if (r->state_path) {
            error_report("%s: unexpected argument (one state file only)", a);
            return 1;
        } else {
            r->state_path = a;
        }
    }
    if (!r->state_path) {
        error_report("no state file (--help for usage)");
        return 1;
    }
    return 0;
}

/* The whole file, NUL-terminated; NULL with r->msg set on failure. */
static char *read_file(FlatRun *r, const char *path, uint64_t max, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fail(r, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (cap - used < 4096) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                fail(r, "%s: out of memory", path);
                break;
            }
            buf = nb;
        }
        size_t n = fread(buf + used, 1, cap - used, fp);
        used += n;
        if (used > max) {
            fail(r, "%s: larger than %" PRIu64 " bytes", path, max);
            break;
        }
        if (n == 0) {
            if (ferror(fp)) {
                fail(r, "%s: %s", path, strerror(errno));
                break;
            }
            fclose(fp);
            buf[used] = '\0';
            *len = used;
            return buf;
        }
    }
    fclose(fp);
    free(buf);
    return NULL;
}

/* A byte range the state may fill: inside RAM and clear of the fixture's own tables. */
static bool check_range(FlatRun *r, const char *what, uint64_t addr, uint64_t len)
{
    if (addr > r->ram_bytes || len > r->ram_bytes - addr) {
        return fail(r, "%s: 0x%" PRIx64 "+0x%" PRIx64 " is outside the %" PRIu64 " MiB of RAM",
                    what, addr, len, r->ram_bytes >> 20);
    }
    if (r->mode != FIXTURE_REAL && len && addr < FIXTURE_RESERVED_END &&
        addr + len > FIXTURE_GDT_ADDR) {
        return fail(r,
                    "%s: 0x%" PRIx64 "+0x%" PRIx64 " overlaps the fixture's GDT and page "
                    "tables at 0x%x-0x%x",
                    what, addr, len, FIXTURE_GDT_ADDR, FIXTURE_RESERVED_END - 1);
    }
    return true;
}

/* Only the listed keys may appear in obj. */
static bool check_keys(FlatRun *r, const char *what, const JsonValue *obj, const char *const *keys)
{
    if (obj->type != JSON_OBJECT) {
        return fail(r, "%s: not an object", what);
    }
    for (uint32_t i = 0; i < obj->len; i++) {
        const char *k = obj->members[i].key.str;
        bool is_known = false;
        for (const char *const *p = keys; *p && !is_known; p++) {
            is_known = strcmp(k, *p) == 0;
        }
        if (!is_known) {
            return fail(r, "%s: unknown key \"%s\"", what, k);
        }
    }
    return true;
}

static bool get_field(FlatRun *r, const char *what, const JsonValue *obj, const char *key,
                      uint64_t *out)
{
    const JsonValue *v = json_object_get(obj, key);
    if (!v) {
        return fail(r, "%s: no \"%s\"", what, key);
    }
    if (!json_number(v, out)) {
        return fail(r, "%s.%s: not a number or \"0x\" string", what, key);
    }
    return true;
}

static bool load_memory(FlatRun *r, const JsonValue *list)
{
    if (list->type != JSON_ARRAY) {
        return fail(r, "memory: not an array");
    }
    static const char *const keys[] = {"addr", "hex", NULL};
    for (uint32_t i = 0; i < list->len; i++) {
        char what[32];
        snprintf(what, sizeof(what), "memory[%u]", i);
        const JsonValue *e = &list->items[i];
        uint64_t addr;
        if (!check_keys(r, what, e, keys) || !get_field(r, what, e, "addr", &addr)) {
            return false;
        }
        const JsonValue *hex = json_object_get(e, "hex");
        if (!hex || hex->type != JSON_STRING) {
            return fail(r, "%s.hex: missing or not a string", what);
        }
        if (hex->len % 2) {
            return fail(r, "%s.hex: odd number of digits", what);
        }
        if (!check_range(r, what, addr, hex->len / 2)) {
            return false;
        }
        for (uint32_t k = 0; k < hex->len; k += 2) {
            int hi = hex_digit_value(hex->str[k]), lo = hex_digit_value(hex->str[k + 1]);
            if (hi < 0 || lo < 0) {
                return fail(r, "%s.hex: not hexadecimal at digit %u", what, k);
            }
            uint8_t b = (uint8_t)(hi << 4 | lo);
            fixture_write(&r->fx, addr + k / 2, &b, 1);
        }
    }
    return true;
}

/* load.file is relative to the state file's directory. */
static bool load_binary(FlatRun *r, const JsonValue *load, uint64_t *addr)
{
    static const char *const keys[] = {"file", "addr", NULL};
    if (!check_keys(r, "load", load, keys) || !get_field(r, "load", load, "addr", addr)) {
        return false;
    }
    const char *file = json_get_string(json_object_get(load, "file"));
    if (!file || !*file) {
        return fail(r, "load.file: missing or not a string");
    }
    char path[4096];
    const char *slash = strrchr(r->state_path, '/');
    if (file[0] == '/' || !slash) {
        snprintf(path, sizeof(path), "%s", file);
    } else {
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - r->state_path), r->state_path, file);
    }
    size_t len;
    char *bytes = read_file(r, path, r->ram_bytes, &len);
    if (!bytes) {
        return false;
    }
    bool is_ok = check_range(r, "load", *addr, len);
    if (is_ok) {
        fixture_write(&r->fx, *addr, bytes, len);
    }
    free(bytes);
    return is_ok;
}

static bool load_regs(FlatRun *r, const JsonValue *regs, bool has_load, uint64_t load_addr)
{
    CpuState *cpu = &r->fx.cpu;
    if (regs->type != JSON_OBJECT) {
        return fail(r, "regs: not an object");
    }
    if (has_load) {
        cpu->rip = load_addr;
    }
    for (uint32_t i = 0; i < regs->len; i++) {
        const char *name = regs->members[i].key.str;
        uint64_t v;
        if (!json_number(&regs->members[i].value, &v)) {
            return fail(r, "regs.%s: not a number or \"0x\" string", name);
        }
        if (strcmp(name, "rip") == 0) {
            cpu->rip = v;
            continue;
        }
        if (strcmp(name, "rflags") == 0) {
            cpu_set_rflags(cpu, v);
            cpu_update_mode(cpu);
            continue;
        }
        const RegName *reg = NULL;
        for (size_t k = 0; k < sizeof(reg_names) / sizeof(reg_names[0]) && !reg; k++) {
            reg = strcmp(reg_names[k].name, name) == 0 ? &reg_names[k] : NULL;
        }
        if (!reg) {
            return fail(r, "regs.%s: unknown register", name);
        }
        if (reg->gpr >= 0) {
            cpu->regs[reg->gpr] = v;
        } else if (r->mode != FIXTURE_REAL) {
            return fail(r, "regs.%s: segment registers can be set in real mode only", name);
        } else if (v > 0xffff) {
            return fail(r, "regs.%s: 0x%" PRIx64 " is not a 16-bit selector", name, v);
        } else {
            cpu_load_segment_real(cpu, (unsigned)reg->seg, (uint16_t)v);
        }
    }
    return true;
}

static bool load_dumps(FlatRun *r, const JsonValue *list)
{
    if (list->type != JSON_ARRAY) {
        return fail(r, "dump: not an array");
    }
    static const char *const keys[] = {"addr", "len", NULL};
    for (uint32_t i = 0; i < list->len; i++) {
        char what[32];
        snprintf(what, sizeof(what), "dump[%u]", i);
        const JsonValue *e = &list->items[i];
        Range d;
        if (!check_keys(r, what, e, keys) || !get_field(r, what, e, "addr", &d.addr) ||
            !get_field(r, what, e, "len", &d.len)) {
            return false;
        }
        if (r->n_dumps == DUMPS_MAX) {
            return fail(r, "dump: more than %d ranges", DUMPS_MAX);
        }
        r->dumps[r->n_dumps++] = d;
    }
    return true;
}

/* Puts the state file's contents into the fixture; false with r->msg on bad input. */
static bool load_state(FlatRun *r, const JsonValue *root)
{
    static const char *const keys[] = {"regs", "memory", "load", "dump", NULL};
    if (!check_keys(r, "state", root, keys)) {
        return false;
    }
    const JsonValue *memory = json_object_get(root, "memory");
    const JsonValue *load = json_object_get(root, "load");
    const JsonValue *regs = json_object_get(root, "regs");
    const JsonValue *dump = json_object_get(root, "dump");
    uint64_t load_addr = 0;
    if ((memory && !load_memory(r, memory)) || (load && !load_binary(r, load, &load_addr)) ||
        (regs && !load_regs(r, regs, load != NULL, load_addr)) || (dump && !load_dumps(r, dump))) {
        return false;
    }
    if (!regs && load) {
        r->fx.cpu.rip = load_addr;
    }
    for (size_t i = 0; i < r->n_dumps; i++) {
        if (r->dumps[i].addr > r->ram_bytes || r->dumps[i].len > r->ram_bytes - r->dumps[i].addr) {
            return fail(r, "dump 0x%" PRIx64 "+0x%" PRIx64 ": outside the %" PRIu64 " MiB of RAM",
                        r->dumps[i].addr, r->dumps[i].len, r->ram_bytes >> 20);
        }
    }
    return true;
}

static const char *exit_name(CpuExit e)
{
    switch (e) {
    case CPU_EXIT_HALT:
        return "halt";
    case CPU_EXIT_SHUTDOWN:
        return "shutdown";
    case CPU_EXIT_BUDGET:
        return "budget";
    default:
        return "other";
    }
}

/* The final state as JSON on stdout; false when the writer failed (out of memory). */
static bool print_state(FlatRun *r, CpuExit e)
{
    const CpuState *cpu = &r->fx.cpu;
    JsonWriter w;
    json_writer_init(&w, true);
    json_write_object_begin(&w);
    json_write_key(&w, "exit");
    json_write_string(&w, exit_name(e));
    json_write_key(&w, "insns");
    json_write_uint(&w, cpu->icount);
    json_write_key(&w, "regs");
    json_write_object_begin(&w);
    for (size_t k = 0; k < sizeof(reg_names) / sizeof(reg_names[0]); k++) {
        const RegName *reg = &reg_names[k];
        if (reg->gpr >= 0) {
            json_write_key(&w, reg->name);
            json_write_uint(&w, cpu->regs[reg->gpr]);
        } else if (r->mode == FIXTURE_REAL) {
            json_write_key(&w, reg->name);
            json_write_uint(&w, cpu->seg[reg->seg].selector);
        }
    }
    json_write_key(&w, "rip");
    json_write_uint(&w, cpu->rip);
    json_write_key(&w, "rflags");
    json_write_uint(&w, cpu_get_rflags(cpu));
    json_write_object_end(&w);
    json_write_key(&w, "memory");
    json_write_array_begin(&w);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < r->n_dumps; i++) {
        const Range *d = &r->dumps[i];
        char *hex = malloc(d->len * 2 + 1);
        if (!hex) {
            json_writer_free(&w);
            return false;
        }
        for (uint64_t k = 0; k < d->len; k++) {
            uint8_t b = r->fx.ram[d->addr + k];
            hex[2 * k] = digits[b >> 4];
            hex[2 * k + 1] = digits[b & 15];
        }
        json_write_object_begin(&w);
        json_write_key(&w, "addr");
        json_write_uint(&w, d->addr);
        json_write_key(&w, "hex");
        json_write_string_len(&w, hex, d->len * 2);
        json_write_object_end(&w);
        free(hex);
    }
    json_write_array_end(&w);
    json_write_object_end(&w);
    size_t len;
    const char *text = json_writer_text(&w, &len);
    if (text) {
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    }
    json_writer_free(&w);
    return text != NULL;
}

static int run(FlatRun *r)
{
    size_t len;
    char *text = read_file(r, r->state_path, STATE_FILE_MAX, &len);
    if (!text) {
        error_report("%s", r->msg);
        return 1;
    }
    JsonDoc doc;
    json_doc_init(&doc);
    JsonError jerr;
    int rc = 1;
    if (json_parse(&doc, text, len, NULL, &jerr) < 0) {
        error_report("%s: line %u, column %u: %s", r->state_path, jerr.line, jerr.column, jerr.reason);
    } else if (fixture_init(&r->fx, r->ram_bytes, CPU_MODEL_X86_64) < 0) {
        error_report("cannot create the CPU with %" PRIu64 " MiB of RAM", r->ram_bytes >> 20);
        fixture_destroy(&r->fx);
    } else {
        fixture_set_mode(&r->fx, r->mode, 0);
        if (!load_state(r, &doc.root)) {
            error_report("%s: %s", r->state_path, r->msg);
        } else {
            CpuExit e = fixture_run(&r->fx, ~0ull, r->max_insns);
            if (print_state(r, e)) {
                rc = 0;
            } else {
                error_report("out of memory writing the final state");
            }
        }
        fixture_destroy(&r->fx);
    }
    json_doc_free(&doc);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    error_set_program_name(PROGRAM);
    FlatRun *r = calloc(1, sizeof(*r));
    if (!r) {
        error_report("out of memory");
        return 1;
    }
    int rc = parse_options(argc, argv, r);
    rc = rc == 2 ? 0 : rc ? 1 : run(r);
    free(r);
    return rc;
}
