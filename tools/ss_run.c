/*
 * tools/ss_run.c: vireo-ss-run, the SingleStepTests real-mode vectors
 * (../shared/conformance/singlestep/README.md) run on vireo's interpreter.
 *
 * Per test, as the README prescribes: the CPU is reset into real mode on 16 MiB of RAM, gets
 * the test's registers (segment bases are selector * 16) and initial RAM bytes, runs, and its
 * registers and the final RAM bytes are compared with the test's through ss_compare, FLAGS
 * under the form's metadata.json mask.
 * - 80286 set: the CPU model is CPU_MODEL_80286 with A20 on (addresses reach 0x10FFEF), and
 *   the test runs until the HLT that follows the instruction; the final IP is one past it,
 *   which is where HLT leaves RIP. An "exception" record means the CPU delivered that vector
 *   through the IVT and ran the handler to its HLT; real-mode delivery does that here too.
 * - 8086 set: CPU_MODEL_8086 with A20 off (addresses wrap at 1 MiB), exactly one instruction.
 *   A REP string instruction is one instruction to the end of its count (the vectors' CX ends
 *   at 0), while vireo runs a repeat in chunks that restart at the same IP: the runner steps
 *   again while CS:IP stays on a REP-prefixed instruction.
 * - IN reads 0xFF: the fixture's port space has no devices, and unassigned ports read all-ones.
 *
 * Exceptions the test does not expect are intercepted (CpuState.exception_intercept) and end
 * the test as a failure that names the vector, instead of running the unspecified bytes an
 * IVT entry would lead to. On the 8086 every exception is unexpected: the vectors' divide
 * error is part of DIV (the 8086 microcode does an INT 0 that pushes the next IP, and the test
 * ends at the handler's first byte), so a CPU that raises it as a fault would also run the
 * handler's first instruction within the one-instruction budget.
 *
 * One fixture serves every test; the RAM bytes a test names are zeroed after it, so a test
 * sees the same memory whichever forms ran before it. Bytes a wrong CPU writes elsewhere stay:
 * the vectors never read unspecified memory, so only an already failing run can see them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu_fixture.h"
#include "ss_vectors.h"
#include "util/error.h"
#include "util/hex.h"

#define PROGRAM "vireo-ss-run"
#define RAM_BYTES (16u << 20)
/* 80286: the instruction and the HLT, a delivered exception's handler HLT, and a REP string of
 * up to FFFFh elements, which vireo runs in chunks of 4096 (cpu/exec_string.c). */
#define BUDGET_80286 64
/* 8086: one instruction; a REP string may take that many chunks. */
#define STEPS_8086 64
#define VERBOSE_DEFAULT 3
#define DIFF_MAX 1024
#define FORMS_MAX 1024

static const char usage_text[] =
    "usage: " PROGRAM " [options] [DIR] [FORM...]\n"
    "Runs a SingleStepTests set (a directory with metadata.json and XX[.R].json.gz files) on\n"
    "vireo's interpreter and prints passed/total per form, then \"N passed, N failed\".\n"
    "Without DIR, the set named by --set is read from $VIREO_SHARED_DIR/conformance/singlestep\n"
    "(default: " VIREO_SS_DIR ").\n"
    "FORM: an opcode (F6: all its ModRM forms), a form (F6.6) or a file name (F6.6.json.gz);\n"
    "the first argument is DIR unless it is a form and no such directory exists.\n"
    "  --set 8086|80286       the set's CPU (default: metadata.json's \"cpu\"; must agree)\n"
    "  --form FORM[,FORM...]  run only these forms (repeatable)\n"
    "  --verbose[=N], -v      print the first N failing tests of each form (default 3)\n"
    "  --min-pass-rate PCT    exit 0 only when at least PCT%% of the tests pass (default 100)\n"
    "  --skip-if-absent       a missing set directory exits with 77 (skipped), or 1 if CI=true\n"
    "  -h, --help             this text\n";

/* vireo's registers for SS_REG_AX..SS_REG_DI and SS_REG_ES..SS_REG_DS, in that order. */
static const unsigned ss_gprs[8] = {R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI};
static const unsigned ss_segs[4] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS};

typedef struct FormSpec {
    uint16_t opcode;
    int8_t reg; /* -1: every reg field of the opcode */
    bool is_used;
    char text[24];
} FormSpec;

typedef struct Options {
    const char *dir;
    bool has_set;
    SsCpu set;
    FormSpec forms[FORMS_MAX];
    size_t n_forms;
    unsigned verbose;
    double min_pass_rate;
    bool skip_if_absent;
} Options;

typedef struct Totals {
    uint64_t passed;
    uint64_t failed;
    uint64_t revoked;
    size_t forms_run;
    size_t forms_skipped;
    uint64_t tests_skipped; /* in skipped forms */
} Totals;

typedef struct Runner {
    Fixture fx;
    SsCpu cpu;
    uint32_t addr_mask; /* linear address wrap: 1 MiB on the 8086, the 80286's 24-bit bus */
    char diff[DIFF_MAX];
} Runner;


static const char *set_name(SsCpu cpu)
{
    return cpu == SS_CPU_8086 ? "8086" : "80286";
}

static bool parse_set(const char *s, SsCpu *out)
{
    if (strcmp(s, "8086") == 0) {
        *out = SS_CPU_8086;
        return true;
    }
    if (strcmp(s, "80286") == 0 || strcmp(s, "286") == 0) {
        *out = SS_CPU_80286;
        return true;
    }
    return false;
}

/* "F6", "F6.6", "0F01.7", optionally followed by ".json.gz". */
static bool parse_form(const char *s, size_t len, FormSpec *out)
{
    static const char suffix[] = ".json.gz";
    size_t slen = sizeof(suffix) - 1;
    if (len > slen && memcmp(s + len - slen, suffix, slen) == 0) {
        len -= slen;
    }
    size_t digits = 0;
    unsigned opcode = 0;
    while (digits < len && s[digits] != '.') {
        int v = hex_digit_value(s[digits]);
        if (v < 0 || digits == 4) {
            return false;
        }
        opcode = opcode * 16 + (unsigned)v;
        digits++;
    }
    if (digits != 2 && !(digits == 4 && opcode >> 8 == 0x0f)) {
        return false;
    }
    int reg = -1;
    if (digits < len) {
        if (len != digits + 2 || s[digits + 1] < '0' || s[digits + 1] > '7') {
            return false;
        }
        reg = s[digits + 1] - '0';
    }
    if (len >= sizeof(out->text)) {
        return false;
    }
    *out = (FormSpec){.opcode = (uint16_t)opcode, .reg = (int8_t)reg};
    memcpy(out->text, s, len);
    out->text[len] = '\0';
    return true;
}

/* A comma-separated list of forms. */
static bool add_forms(Options *o, const char *list)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (o->n_forms == FORMS_MAX) {
            error_report("--form: more than %d forms", FORMS_MAX);
            return false;
        }
        if (!parse_form(p, len, &o->forms[o->n_forms])) {
            error_report("%.*s: not a form (XX, XX.R, 0FXX[.R] or such a file name)", (int)len, p);
            return false;
        }
        o->n_forms++;
        if (!comma) {
            return true;
        }
        p = comma + 1;
    }
}

static bool parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v >= 0.0 && v <= 100.0)) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_count(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end != '\0' || s[0] == '-' || v > 1000000) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0: parsed; 1: error (reported); 2: help printed. */
static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof(*o));
    o->min_pass_rate = 100.0;
    bool has_dir = false;
    FormSpec spec;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 2;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = VERBOSE_DEFAULT;
        } else if (strncmp(a, "--verbose=", 10) == 0) {
            if (!parse_count(a + 10, &o->verbose)) {
                error_report("--verbose: %s: not a count", a + 10);
                return 1;
            }
        } else if (strcmp(a, "--skip-if-absent") == 0) {
            o->skip_if_absent = true;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--form") == 0 ||
                   strcmp(a, "--min-pass-rate") == 0) {
            if (!next) {
                error_report("%s: missing argument", a);
                return 1;
            }
            i++;
            if (strcmp(a, "--set") == 0) {
                if (!parse_set(next, &o->set)) {
                    error_report("--set: %s: not 8086 or 80286", next);
                    return 1;
                }
                o->has_set = true;
            } else if (strcmp(a, "--form") == 0) {
                if (!add_forms(o, next)) {
                    return 1;
                }
            } else if (!parse_rate(next, &o->min_pass_rate)) {
                error_report("--min-pass-rate: %s: not a percentage from 0 to 100", next);
                return 1;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            error_report("%s: unknown option (--help lists them)", a);
            return 1;
        } else if (!has_dir && (is_directory(a) || !parse_form(a, strlen(a), &spec))) {
            o->dir = a;
            has_dir = true;
        } else if (!add_forms(o, a)) {
            return 1;
        }
    }
    if (!has_dir && !o->has_set) {
        error_report("no set to run: give DIR or --set (--help for usage)");
        return 1;
    }
    return 0;
}

/* The team's copy of the set named by --set: $VIREO_SHARED_DIR or the configured path. */
static void default_dir(SsCpu set, char *buf, size_t size)
{
    const char *shared = getenv("VIREO_SHARED_DIR");
    if (shared && *shared) {
        snprintf(buf, size, "%s/conformance/singlestep/%s", shared, set_name(set));
    } else {
        snprintf(buf, size, "%s/%s", VIREO_SS_DIR, set_name(set));
    }
}

static bool is_file_wanted(Options *o, const SsFileEntry *e)
{
    if (o->n_forms == 0) {
        return true;
    }
    bool is_wanted = false;
    for (size_t i = 0; i < o->n_forms; i++) {
        FormSpec *s = &o->forms[i];
        if (s->opcode == e->opcode && (s->reg < 0 || s->reg == e->reg)) {
            s->is_used = true;
            is_wanted = true;
        }
    }
    return is_wanted;
}

static uint8_t read_ram(void *opaque, uint32_t addr)
{
    Runner *r = opaque;
    return r->fx.ram[addr & r->addr_mask];
}

static void write_ram_byte(Runner *r, uint32_t addr, uint8_t value)
{
    /* Through the physical map, so that blocks decoded from the old bytes are dropped. */
    phys_write(r->fx.map, addr & r->addr_mask, &value, 1);
}

static bool has_rep_prefix(const SsTest *t)
{
    for (unsigned i = 0; i < t->n_bytes; i++) {
        switch (t->bytes[i]) {
        case 0xf2:
        case 0xf3:
            return true;
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
        case 0xf0:
        case 0xf1: /* the 8086 decodes F1 as a LOCK prefix */
            continue;
        default:
            return false;
        }
    }
    return false;
}

static void load_state(Runner *r, const SsTest *t)
{
    CpuState *cpu = &r->fx.cpu;
    fixture_set_mode(&r->fx, FIXTURE_REAL, 0);
    for (unsigned i = 0; i < 8; i++) {
        cpu->regs[ss_gprs[i]] = t->initial[SS_REG_AX + i];
    }
    for (unsigned i = 0; i < 4; i++) {
        cpu_load_segment_real(cpu, ss_segs[i], t->initial[SS_REG_ES + i]);
    }
    cpu->rip = t->initial[SS_REG_IP];
    cpu_set_rflags(cpu, t->initial[SS_REG_FLAGS]);
    for (uint32_t i = 0; i < t->n_initial_ram; i++) {
        write_ram_byte(r, t->initial_ram[i].addr, t->initial_ram[i].value);
    }
    /*
     * Every exception the test does not record is stopped rather than delivered (the file
     * comment says why); the 8086 vectors record none.
     */
    cpu->exception_intercept = 0xffffffffu;
    if (t->has_exception && t->exception_number < 32) {
        cpu->exception_intercept &= ~(1u << t->exception_number);
    }
}

static void clear_ram(Runner *r, const SsTest *t)
{
    for (uint32_t i = 0; i < t->n_initial_ram; i++) {
        write_ram_byte(r, t->initial_ram[i].addr, 0);
    }
    for (uint32_t i = 0; i < t->n_final_ram; i++) {
        write_ram_byte(r, t->final_ram[i].addr, 0);
    }
}

/* Runs the loaded test; NULL when it ended as the set requires, else why not (in r->diff). */
static const char *run_test(Runner *r, const SsTest *t)
{
    CpuState *cpu = &r->fx.cpu;
    uint16_t start_cs = t->initial[SS_REG_CS], start_ip = t->initial[SS_REG_IP];
    CpuExit e;
    if (r->cpu == SS_CPU_80286) {
        e = fixture_run(&r->fx, ~0ull, BUDGET_80286);
    } else {
        bool is_rep = has_rep_prefix(t);
        unsigned steps = 0;
        do {
            e = fixture_run(&r->fx, ~0ull, 1);
            steps++;
        } while (e == CPU_EXIT_BUDGET && is_rep && steps < STEPS_8086 &&
                 cpu->seg[SEG_CS].selector == start_cs && (uint16_t)cpu->rip == start_ip);
        if (e == CPU_EXIT_BUDGET || e == CPU_EXIT_HALT) {
            return NULL;
        }
    }
    switch (e) {
    case CPU_EXIT_HALT:
        return NULL;
    case CPU_EXIT_EXCEPTION:
        snprintf(r->diff, sizeof(r->diff),
                 "raised exception %u (error code %#x) at %04x:%04x, not delivered: %s",
                 cpu->intercepted.vector, cpu->intercepted.error_code, cpu->seg[SEG_CS].selector,
                 (unsigned)(cpu->rip & 0xffff),
                 t->has_exception        ? "the test expects another vector"
                 : r->cpu == SS_CPU_8086 ? "the 8086 delivers it within the instruction, "
                                           "whose one step ends at the handler"
                                         : "the test expects none");
        return r->diff;
    case CPU_EXIT_SHUTDOWN:
        snprintf(r->diff, sizeof(r->diff), "shutdown (triple fault) at %04x:%04x",
                 cpu->seg[SEG_CS].selector, (unsigned)(cpu->rip & 0xffff));
        return r->diff;
    default:
        snprintf(r->diff, sizeof(r->diff), "no HLT within %d instructions, at %04x:%04x",
                 BUDGET_80286, cpu->seg[SEG_CS].selector, (unsigned)(cpu->rip & 0xffff));
        return r->diff;
    }
}

static void final_state(Runner *r, SsFinalState *s)
{
    const CpuState *cpu = &r->fx.cpu;
    for (unsigned i = 0; i < 8; i++) {
        s->regs[SS_REG_AX + i] = (uint16_t)cpu->regs[ss_gprs[i]];
    }
    for (unsigned i = 0; i < 4; i++) {
        s->regs[SS_REG_ES + i] = cpu->seg[ss_segs[i]].selector;
    }
    s->regs[SS_REG_IP] = (uint16_t)cpu->rip;
    s->regs[SS_REG_FLAGS] = (uint16_t)cpu_get_rflags(cpu);
    s->read_byte = read_ram;
    s->opaque = r;
}

/* Runs one test; true when it passed. The reason of a failure is left in r->diff. */
static bool check_test(Runner *r, const SsTest *t, uint16_t flags_mask)
{
    load_state(r, t);
    const char *why = run_test(r, t);
    bool is_pass = false;
    if (!why) {
        SsFinalState s;
        final_state(r, &s);
        is_pass = ss_compare(t, &s, flags_mask, r->diff, sizeof(r->diff)) == 0;
    }
    clear_ram(r, t);
    return is_pass;
}

static void print_failure(Runner *r, const SsTest *t)
{
    char desc[1024];
    ss_describe_test(t, desc, sizeof(desc));
    printf("    FAIL %s\n        %s\n", desc, r->diff);
}

/* Runs every selected file of the set; false on a file that cannot be loaded (reported). */
static bool run_set(Runner *r, const SsDir *d, Options *o, Totals *tot)
{
    SsLoader ld;
    ss_loader_init(&ld);
    SsFile f = {0};
    bool is_ok = true;
    for (size_t i = 0; i < d->n_files && is_ok; i++) {
        const SsFileEntry *e = &d->files[i];
        if (!is_file_wanted(o, e)) {
            continue;
        }
        /* The file name without ".json.gz": "F6.6". */
        char form[sizeof(e->name)];
        snprintf(form, sizeof(form), "%.*s", (int)(strlen(e->name) - 8), e->name);
        Error err;
        if (ss_dir_load_file(d, &ld, i, &f, &err) < 0) {
            error_report("%s", err.msg);
            is_ok = false;
            break;
        }
        const char *why_not = NULL;
        if (!ss_file_is_selected(&d->meta, e, &why_not)) {
            printf("%-8s skipped, %zu tests: %s\n", form, f.n_tests, why_not);
            tot->forms_skipped++;
            tot->tests_skipped += f.n_tests;
            continue;
        }
        uint16_t mask = ss_file_flags_mask(&d->meta, e);
        uint64_t passed = 0, failed = 0, revoked = 0;
        unsigned shown = 0;
        for (size_t k = 0; k < f.n_tests; k++) {
            const SsTest *t = &f.tests[k];
            if (!ss_test_is_selected(&d->revoked, t)) {
                revoked++;
                continue;
            }
            if (check_test(r, t, mask)) {
                passed++;
                continue;
            }
            failed++;
            if (shown < o->verbose) {
                if (shown == 0) {
                    printf("%s:\n", form);
                }
                print_failure(r, t);
                shown++;
            }
        }
        printf("%-8s %4" PRIu64 "/%" PRIu64, form, passed, passed + failed);
        if (revoked) {
            printf(" (%" PRIu64 " revoked, not run)", revoked);
        }
        printf("%s\n", failed ? "  FAIL" : "");
        tot->passed += passed;
        tot->failed += failed;
        tot->revoked += revoked;
        tot->forms_run++;
    }
    ss_file_free(&f);
    ss_loader_free(&ld);
    return is_ok;
}

static int skip_or_fail(const char *dir)
{
    const char *ci = getenv("CI");
    bool is_ci = ci && strcmp(ci, "true") == 0;
    printf("%s: SingleStepTests set not found at %s (set VIREO_SHARED_DIR to the shared "
           "directory)\n",
           is_ci ? "FAIL" : "SKIP", dir);
    return is_ci ? 1 : 77;
}

/* Runs the set at dir with options o; the exit status. */
static int run_dir(Options *o, const char *dir, Runner *r)
{
    SsDir d;
    Error err;
    if (ss_dir_open(&d, dir, &err) < 0) {
        error_report("%s", err.msg);
        return 1;
    }
    int rc = 1;
    for (size_t i = 0; i < d.n_files; i++) {
        is_file_wanted(o, &d.files[i]);
    }
    const FormSpec *unused = NULL;
    for (size_t i = 0; i < o->n_forms && !unused; i++) {
        unused = o->forms[i].is_used ? NULL : &o->forms[i];
    }
    r->cpu = d.meta.cpu;
    bool is_8086 = r->cpu == SS_CPU_8086;
    if (o->has_set && o->set != d.meta.cpu) {
        error_report("--set %s: %s/metadata.json describes the %s", set_name(o->set), dir,
               set_name(d.meta.cpu));
    } else if (unused) {
        error_report("%s: no such form in %s", unused->text, dir);
    } else if (fixture_init(&r->fx, RAM_BYTES, is_8086 ? CPU_MODEL_8086 : CPU_MODEL_80286) < 0) {
        error_report("cannot create the CPU fixture: out of memory");
        fixture_destroy(&r->fx);
    } else {
        phys_map_set_a20(r->fx.map, !is_8086);
        r->addr_mask = is_8086 ? 0xfffffu : SS_ADDR_LIMIT - 1;
        Totals tot = {0};
        if (run_set(r, &d, o, &tot)) {
            uint64_t total = tot.passed + tot.failed;
            double rate = total ? 100.0 * (double)tot.passed / (double)total : 100.0;
            printf("%s: %zu forms run, %zu skipped (%" PRIu64 " tests), %" PRIu64
                   " revoked tests not run\n",
                   set_name(r->cpu), tot.forms_run, tot.forms_skipped, tot.tests_skipped,
                   tot.revoked);
            printf("pass rate %.3f%% (minimum %g%%)\n", rate, o->min_pass_rate);
            printf("%" PRIu64 " passed, %" PRIu64 " failed\n", tot.passed, tot.failed);
            /* A rate printed as the minimum must pass: compare with a little slack. */
            rc = rate + 1e-9 >= o->min_pass_rate ? 0 : 1;
        }
        fixture_destroy(&r->fx);
    }
    ss_dir_close(&d);
    return rc;
}

int main(int argc, char **argv)
{
    error_set_program_name(PROGRAM);
    /* Both are large (the form list, the fixture with its diff buffer): not on the stack. */
    Options *o = calloc(1, sizeof(*o));
    Runner *r = calloc(1, sizeof(*r));
    int rc = 1;
    if (!o || !r) {
        error_report("out of memory");
    } else if ((rc = parse_options(argc, argv, o)) != 0) {
        rc = rc == 2 ? 0 : 1;
    } else {
        char dir[4096];
        if (o->dir) {
            snprintf(dir, sizeof(dir), "%s", o->dir);
        } else {
            default_dir(o->set, dir, sizeof(dir));
        }
        rc = o->skip_if_absent && !is_directory(dir) ? skip_or_fail(dir) : run_dir(o, dir, r);
    }
    free(r);
    free(o);
    return rc;
}
