/*
 * tests/conformance/diff/test_diff64.c: the host-differential conformance test of 64-bit user
 * mode (DESIGN.md "Tests": the host is the oracle). Random states and random encodings of every
 * 64-bit user-mode form of the opcode table (diff_forms.c, diff_gen.c) run natively in a forked,
 * seccomp'd worker (native_exec.h) and in vireo's interpreter on a bare CPU that mirrors the
 * worker's address space (diff_vireo.h). Outcomes (completion or exception vector, error code,
 * CR2), general registers, RIP, RFLAGS and the whole data region are compared bit for bit; the
 * flags and results the SDM leaves undefined are masked per instruction (diff_undefined()).
 *
 * Each class runs --cases cases (default 100000) from a fixed seed and half as many from a
 * fresh seed taken from the clock, both printed; a failing case is replayed with
 * `--seed S --class NAME --only I`. VIREO_DIFF_SEED sets the fresh seed too. Forms whose
 * mnemonic has no exec function yet are reported as pending and not run. The test fails if any
 * class has a mismatch, and under CI=true also if a class ran fewer than 100000 cases.
 */
#define _GNU_SOURCE
#include <capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu/opcode.h"
#include "diff_gen.h"
#include "diff_vireo.h"
#include "native_exec.h"

#define FIXED_SEED 0x5eedc0de2024ull
#define CI_MIN_CASES 100000u
#define DETAILS_PER_CLASS 3
#define VIREO_MAX_INSNS 100000u

/* Per-class results, in memory shared with the job processes. */
typedef struct ClassResult {
    uint64_t cases, mismatches, pending_forms, forms, forms_generated;
    uint64_t done, exceptions[32], timeouts, crashes, retries;
    uint64_t seconds_x1000;
    bool ran;
} ClassResult;

typedef struct Options {
    uint64_t cases;
    uint64_t fresh_seed;
    bool has_fresh_seed;
    bool classes[DIFF_CLASS_COUNT];
    bool any_class;
    int64_t only;
    bool coverage;
    unsigned jobs;
} Options;

static DiffForm *forms;
static unsigned nforms;
static uint64_t *shared_coverage; /* [nforms][2]: register and memory forms generated */

static uint64_t case_seed(uint64_t seed, unsigned cls, uint64_t i)
{
    return seed ^ ((uint64_t)cls << 56) ^ (i * 0x9e3779b97f4a7c15ull);
}

/* ---- printing ---- */

static void print_bytes(FILE *out, const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        fprintf(out, "%02x%s", p[i], i + 1 < n ? " " : "");
    }
}

static void print_disassembly(FILE *out, const DiffCase *c)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        fprintf(out, "    (capstone unavailable)\n");
        return;
    }
    cs_insn *insn;
    size_t n = cs_disasm(h, c->code, c->len, NATIVE_CODE_ADDR, 0, &insn);
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "    %" PRIx64 ": %-30s %s %s%s\n", insn[i].address, "", insn[i].mnemonic,
                insn[i].op_str,
                insn[i].address == NATIVE_CODE_ADDR + c->insn_off ? "   <- under test" : "");
        covered = insn[i].address + insn[i].size - NATIVE_CODE_ADDR;
    }
    if (covered < c->len) {
        fprintf(out, "    (capstone stops at +%zu of %u bytes)\n", covered, c->len);
    }
    if (n) {
        cs_free(insn, n);
    }
    cs_close(&h);
}

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static void print_state(FILE *out, const NativeCpuState *s)
{
    for (unsigned i = 0; i < 16; i++) {
        fprintf(out, "%s%-3s=%016" PRIx64, i % 4 ? "  " : "    ", gpr_names[i], s->gpr[i]);
        if (i % 4 == 3) {
            fputc('\n', out);
        }
    }
    fprintf(out, "    rip=%016" PRIx64 "  rflags=%08" PRIx64 "\n", s->rip, s->rflags);
}

static const char *vector_name(unsigned v)
{
    static const char *const names[32] = {
        [0] = "#DE",  [1] = "#DB",  [3] = "#BP",  [4] = "#OF",  [5] = "#BR",  [6] = "#UD",
        [7] = "#NM",  [8] = "#DF",  [10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP",
        [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
    };
    return v < 32 && names[v] ? names[v] : "#??";
}

/* ---- one case ---- */

typedef struct Outcome {
    int kind; /* NativeOutcome */
    uint8_t vector;
    uint32_t error_code;
    uint64_t cr2;
    NativeCpuState state;
} Outcome;

static void outcome_text(const Outcome *o, char *buf, size_t size)
{
    switch (o->kind) {
    case NATIVE_OUTCOME_DONE:
        snprintf(buf, size, "done");
        break;
    case NATIVE_OUTCOME_EXCEPTION:
        if (o->vector == NATIVE_EXC_PF) {
            snprintf(buf, size, "%s(%#x) cr2=%#" PRIx64, vector_name(o->vector), o->error_code,
                     o->cr2);
        } else {
            snprintf(buf, size, "%s(%#x)", vector_name(o->vector), o->error_code);
        }
        break;
    case NATIVE_OUTCOME_SYSCALL:
        snprintf(buf, size, "syscall");
        break;
    case NATIVE_OUTCOME_TIMEOUT:
        snprintf(buf, size, "timeout");
        break;
    default:
        snprintf(buf, size, "crashed");
        break;
    }
}

/*
 * Compares the two sides; writes the differing fields to `why` (may be NULL). RF is not
 * compared: native_exec never reports it (it is an artefact of the exception frame).
 */
static unsigned compare(const DiffCase *c, const Outcome *n, const Outcome *v, const uint8_t *ndata,
                        const uint8_t *vdata, FILE *why)
{
    unsigned diffs = 0;
    char a[96], b[96];
    outcome_text(n, a, sizeof(a));
    outcome_text(v, b, sizeof(b));
    if (strcmp(a, b) != 0) {
        diffs++;
        if (why) {
            fprintf(why, "    outcome: native %s, vireo %s\n", a, b);
        }
    }
    if (n->kind != NATIVE_OUTCOME_DONE && n->kind != NATIVE_OUTCOME_EXCEPTION) {
        return diffs;
    }
    bool done = n->kind == NATIVE_OUTCOME_DONE && v->kind == NATIVE_OUTCOME_DONE;
    for (unsigned i = 0; i < 16; i++) {
        uint64_t m = ~0ull;
        if (done && c->undef_reg >= 0) {
            int reg = c->undef_reg >= 16 ? c->undef_reg - 16 : c->undef_reg;
            uint64_t um = c->undef_reg >= 16 ? (c->undef_reg_mask & 0xff) << 8 : c->undef_reg_mask;
            if ((unsigned)reg == i) {
                m &= ~um;
            }
        }
        if ((n->state.gpr[i] & m) != (v->state.gpr[i] & m)) {
            diffs++;
            if (why) {
                fprintf(why, "    %s: native %016" PRIx64 ", vireo %016" PRIx64 "%s\n",
                        gpr_names[i], n->state.gpr[i], v->state.gpr[i],
                        m != ~0ull ? " (undefined bits masked)" : "");
            }
        }
    }
    if (n->state.rip != v->state.rip) {
        diffs++;
        if (why) {
            fprintf(why, "    rip: native %" PRIx64 ", vireo %" PRIx64 "\n", n->state.rip,
                    v->state.rip);
        }
    }
    uint64_t fm = ~(uint64_t)(1u << 16);
    if (done) {
        fm &= ~c->undef_flags;
    }
    if ((n->state.rflags & fm) != (v->state.rflags & fm)) {
        diffs++;
        if (why) {
            fprintf(why,
                    "    rflags: native %08" PRIx64 ", vireo %08" PRIx64 " (undefined %04" PRIx64
                    " masked)\n",
                    n->state.rflags, v->state.rflags, done ? c->undef_flags : 0);
        }
    }
    if (memcmp(ndata, vdata, NATIVE_DATA_SIZE) != 0) {
        unsigned shown = 0, differing = 0;
        for (uint32_t i = 0; i < NATIVE_DATA_SIZE; i++) {
            if (ndata[i] == vdata[i]) {
                continue;
            }
            if (done && c->undef_mem_len && i >= c->undef_mem_off &&
                i < c->undef_mem_off + c->undef_mem_len) {
                continue;
            }
            if (n->kind == NATIVE_OUTCOME_EXCEPTION && v->kind == NATIVE_OUTCOME_EXCEPTION &&
                n->vector == v->vector && c->fault_mem_len && i >= c->fault_mem_off &&
                i < c->fault_mem_off + c->fault_mem_len) {
                continue;
            }
            differing++;
            if (why && shown < 8) {
                fprintf(why, "    data[%#06x] (%#" PRIx64 "): native %02x, vireo %02x\n", i,
                        (uint64_t)(NATIVE_DATA_ADDR + i), ndata[i], vdata[i]);
                shown++;
            }
        }
        if (differing) {
            diffs++;
            if (why && differing > shown) {
                fprintf(why, "    ... %u data bytes differ\n", differing);
            }
        }
    }
    return diffs;
}

static void apply_patches(const DiffCase *c, uint8_t *a, uint8_t *b)
{
    unsigned at = 0;
    for (unsigned i = 0; i < c->npatch; i++) {
        memcpy(a + c->patch[i].off, c->patch_bytes + at, c->patch[i].len);
        memcpy(b + c->patch[i].off, c->patch_bytes + at, c->patch[i].len);
        at += c->patch[i].len;
    }
}

typedef struct Runner {
    NativeExec *ne;
    DiffVireo v;
    uint8_t *ndata;
    uint8_t *spare; /* the data region before a case that may be retried */
} Runner;

static void print_case(FILE *out, const DiffCase *c, uint64_t seed, unsigned cls, uint64_t i)
{
    char name[96];
    diff_form_name(c->form, name, sizeof(name));
    fprintf(out,
            "  case %s #%" PRIu64 " (replay: --seed %#" PRIx64 " --class %s --only %" PRIu64
            "), form %s, operand size %u\n",
            diff_class_names[cls], i, seed, diff_class_names[cls], i, name, c->opsize);
    fprintf(out, "    bytes: ");
    print_bytes(out, c->code, c->len);
    fprintf(out, "\n");
    print_disassembly(out, c);
    fprintf(out, "    initial state:\n");
    print_state(out, &c->in);
    if (c->has_mem && c->mem_in_region) {
        fprintf(out, "    memory operand at %#" PRIx64 "\n",
                (uint64_t)(NATIVE_DATA_ADDR + c->mem_off));
    }
    fprintf(out, "    undefined: flags %04" PRIx64, c->undef_flags);
    if (c->undef_reg >= 0) {
        fprintf(out, ", register %d bits %016" PRIx64, c->undef_reg, c->undef_reg_mask);
    }
    if (c->undef_mem_len) {
        fprintf(out, ", data[%#x..+%u]", c->undef_mem_off, c->undef_mem_len);
    }
    fprintf(out, "\n");
}

static bool is_canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* Runs one case on both sides; returns the number of differing fields. */
static unsigned run_case(Runner *rn, DiffCase *c, ClassResult *res, FILE *why)
{
    apply_patches(c, rn->ndata, rn->v.data);
    diff_undefined(c, rn->ndata);
    Outcome n = {0}, v = {0};
    DiffVireoResult vr;
    diff_vireo_run(&rn->v, c->code, c->len, &c->in, VIREO_MAX_INSNS, &vr);
    v.kind = vr.outcome;
    v.vector = vr.vector;
    v.error_code = vr.error_code;
    v.cr2 = vr.cr2;
    v.state = vr.out;
    /*
     * A snippet that leaves RSP non-canonical is exposed to a host artefact: a kernel entry
     * (timer interrupt) before the harness saves RSP returns by IRET, which raises #GP for it.
     * Such a case may be run natively again, from the same data, when that happened.
     */
    bool may_retry = v.kind == NATIVE_OUTCOME_DONE && !is_canonical(v.state.gpr[4]);
    if (may_retry) {
        memcpy(rn->spare, rn->ndata, NATIVE_DATA_SIZE);
    }
    NativeFault fault;
    int rc;
    for (unsigned attempt = 0;; attempt++) {
        rc = native_exec_run(rn->ne, c->code, c->len, &c->in, &n.state, &fault);
        if (!may_retry || attempt == 2 || rc != NATIVE_OUTCOME_EXCEPTION ||
            fault.vector != NATIVE_EXC_GP) {
            break;
        }
        memcpy(rn->ndata, rn->spare, NATIVE_DATA_SIZE);
        if (res) {
            res->retries++;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "test_diff64: native_exec_run: %s\n", strerror(-rc));
        exit(2);
    }
    n.kind = rc;
    n.vector = fault.vector;
    n.error_code = fault.error_code;
    n.cr2 = fault.address;
    if (res) {
        res->cases++;
        if (rc == NATIVE_OUTCOME_DONE) {
            res->done++;
        } else if (rc == NATIVE_OUTCOME_EXCEPTION) {
            res->exceptions[fault.vector & 31]++;
        } else if (rc == NATIVE_OUTCOME_TIMEOUT) {
            res->timeouts++;
        } else {
            res->crashes++;
        }
    }
    unsigned d = compare(c, &n, &v, rn->ndata, rn->v.data, why);
    if (memcmp(rn->v.data, rn->ndata, NATIVE_DATA_SIZE) != 0) {
        /* a mismatch or an undefined result: bring vireo's data back in step with the host's */
        memcpy(rn->v.data, rn->ndata, NATIVE_DATA_SIZE);
    }
    return d;
}

/* ---- a class ---- */

static void run_class(Runner *rn, unsigned cls, const Options *o, ClassResult *res, FILE *out)
{
    DiffForm *list[2048];
    unsigned n = 0;
    for (unsigned i = 0; i < nforms; i++) {
        DiffForm *f = &forms[i];
        if (f->cls != cls || f->excluded) {
            continue;
        }
        res->forms++;
        if (f->pending) {
            res->pending_forms++;
            continue;
        }
        list[n++] = f;
    }
    res->ran = true;
    if (!n) {
        return;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static DiffCase c;
    unsigned shown = 0;
    const uint64_t seeds[2] = {FIXED_SEED, o->fresh_seed};
    for (unsigned s = 0; s < 2; s++) {
        if (s == 1 && o->fresh_seed == FIXED_SEED) {
            break;
        }
        /* the fresh seed adds half as many cases again: new ground each run, bounded time */
        uint64_t count = s == 0 ? o->cases : (o->cases + 1) / 2;
        for (uint64_t i = 0; i < count; i++) {
            if (o->only >= 0 && i != (uint64_t)o->only) {
                continue;
            }
            DiffRng rng;
            diff_rng_seed(&rng, case_seed(seeds[s], cls, i));
            DiffForm *f = list[diff_rng_next(&rng) % n];
            diff_generate(&rng, f, &c);
            bool show = o->only >= 0;
            char *text = NULL;
            size_t text_len = 0;
            FILE *why = open_memstream(&text, &text_len);
            unsigned d = run_case(rn, &c, res, why);
            fclose(why);
            if (d) {
                res->mismatches++;
                show = show || shown < DETAILS_PER_CLASS;
                shown++;
            }
            if (show) {
                fprintf(out, "%s %s:\n", d ? "MISMATCH" : "case", diff_class_names[cls]);
                print_case(out, &c, seeds[s], cls, i);
                fputs(text, out);
            }
            free(text);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds_x1000 =
        (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    for (unsigned i = 0; i < n; i++) {
        unsigned idx = (unsigned)(list[i] - forms);
        shared_coverage[2 * idx] += list[i]->reg_generated;
        shared_coverage[2 * idx + 1] += list[i]->mem_generated;
        res->forms_generated += (list[i]->reg_generated + list[i]->mem_generated) != 0;
    }
}

static int open_runner(Runner *rn)
{
    rn->ne = native_exec_open();
    if (!rn->ne) {
        return -1;
    }
    if (diff_vireo_open(&rn->v) != 0) {
        fprintf(stderr, "test_diff64: cannot set up the vireo fixture\n");
        return -1;
    }
    rn->ndata = native_exec_data(rn->ne);
    rn->spare = malloc(NATIVE_DATA_SIZE);
    if (!rn->spare) {
        return -1;
    }
    /* the same starting contents on both sides */
    DiffRng rng;
    diff_rng_seed(&rng, 0xda7a);
    for (unsigned i = 0; i < NATIVE_DATA_SIZE; i += 8) {
        uint64_t x = diff_rng_next(&rng);
        memcpy(rn->ndata + i, &x, 8);
    }
    memcpy(rn->v.data, rn->ndata, NATIVE_DATA_SIZE);
    return 0;
}

static void close_runner(Runner *rn)
{
    native_exec_close(rn->ne);
    diff_vireo_close(&rn->v);
    free(rn->spare);
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: test_diff64 [--cases N] [--class NAME[,NAME...]] [--seed S] [--only I]\n"
            "                   [--jobs N] [--coverage]\n"
            "  --cases N     cases per class from the fixed seed (default 100000; half as many\n"
            "                from the fresh seed)\n"
            "  --seed S      the second seed (default: from the clock, or VIREO_DIFF_SEED)\n"
            "  --only I      run (and print) case I of each selected class only\n"
            "  --coverage    list the forms of the opcode table never generated\n");
    exit(1);
}

static int class_by_name(const char *s, size_t len)
{
    for (int i = 0; i < DIFF_CLASS_COUNT; i++) {
        if (strlen(diff_class_names[i]) == len && strncmp(diff_class_names[i], s, len) == 0) {
            return i;
        }
    }
    return -1;
}

static void parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof(*o));
    o->cases = CI_MIN_CASES;
    o->only = -1;
    o->jobs = 2;
    const char *env = getenv("VIREO_DIFF_SEED");
    if (env && *env) {
        o->fresh_seed = strtoull(env, NULL, 0);
        o->has_fresh_seed = true;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--cases") && v) {
            o->cases = strtoull(v, NULL, 0);
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            o->fresh_seed = strtoull(v, NULL, 0);
            o->has_fresh_seed = true;
            i++;
        } else if (!strcmp(a, "--only") && v) {
            o->only = (int64_t)strtoull(v, NULL, 0);
            i++;
        } else if (!strcmp(a, "--jobs") && v) {
            o->jobs = (unsigned)strtoul(v, NULL, 0);
            i++;
        } else if (!strcmp(a, "--class") && v) {
            for (const char *p = v; *p;) {
                size_t len = strcspn(p, ",");
                int c = class_by_name(p, len);
                if (c < 0) {
                    fprintf(stderr, "test_diff64: unknown class '%.*s'\n", (int)len, p);
                    usage();
                }
                o->classes[c] = true;
                o->any_class = true;
                p += len + (p[len] == ',');
            }
            i++;
        } else if (!strcmp(a, "--coverage")) {
            o->coverage = true;
        } else {
            usage();
        }
    }
    if (!o->has_fresh_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        o->fresh_seed = ((uint64_t)ts.tv_sec * 1000000007ull) ^ (uint64_t)ts.tv_nsec ^
                        ((uint64_t)getpid() << 32);
    }
    if (!o->any_class) {
        for (int c = 0; c < DIFF_CLASS_COUNT; c++) {
            o->classes[c] = true;
        }
    }
    if (o->jobs < 1) {
        o->jobs = 1;
    }
}

static void print_coverage(const Options *o)
{
    unsigned in_scope = 0, generated = 0, pending = 0, excluded = 0;
    const char *reasons[32];
    unsigned reason_count[32] = {0}, nreasons = 0;
    for (unsigned i = 0; i < nforms; i++) {
        const DiffForm *f = &forms[i];
        if (f->excluded) {
            excluded++;
            unsigned k = 0;
            while (k < nreasons && strcmp(reasons[k], f->excluded) != 0) {
                k++;
            }
            if (k == nreasons && nreasons < 32) {
                reasons[nreasons++] = f->excluded;
            }
            reason_count[k]++;
            continue;
        }
        if (!o->classes[f->cls]) {
            continue;
        }
        if (f->pending) {
            pending++;
            continue;
        }
        in_scope++;
        generated += (shared_coverage[2 * i] + shared_coverage[2 * i + 1]) != 0;
    }
    printf("coverage: %u of %u forms in scope generated; %u pending (no exec function yet); "
           "%u excluded\n",
           generated, in_scope, pending, excluded);
    for (unsigned k = 0; k < nreasons; k++) {
        printf("  excluded %3u: %s\n", reason_count[k], reasons[k]);
    }
    char name[96];
    bool any_pending = false;
    for (unsigned i = 0; i < nforms; i++) {
        const DiffForm *f = &forms[i];
        if (f->pending && !f->excluded && o->classes[f->cls]) {
            if (!any_pending) {
                printf("pending forms (class: form):\n");
                any_pending = true;
            }
            diff_form_name(f, name, sizeof(name));
            printf("  %s: %s\n", diff_class_names[f->cls], name);
        }
    }
    for (unsigned i = 0; i < nforms; i++) {
        const DiffForm *f = &forms[i];
        if (f->excluded || f->pending || !o->classes[f->cls]) {
            continue;
        }
        bool never = shared_coverage[2 * i] + shared_coverage[2 * i + 1] == 0;
        bool no_reg = f->modrm == FORM_MODRM_ANY && !shared_coverage[2 * i];
        bool no_mem = f->modrm == FORM_MODRM_ANY && !shared_coverage[2 * i + 1];
        if (o->coverage && (never || no_reg || no_mem)) {
            diff_form_name(f, name, sizeof(name));
            printf("  never generated: %s%s\n", name,
                   never    ? ""
                   : no_reg ? " (register form)"
                            : " (memory form)");
        } else if (o->coverage && o->only < 0) {
            continue;
        }
    }
    if (o->coverage) {
        for (unsigned i = 0; i < nforms; i++) {
            const DiffForm *f = &forms[i];
            if (f->excluded) {
                diff_form_name(f, name, sizeof(name));
                printf("  excluded: %s (%s)\n", name, f->excluded);
            }
        }
    }
}

int main(int argc, char **argv)
{
    Options o;
    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    forms = diff_forms(&nforms);
    printf("test_diff64: seeds: fixed %#" PRIx64 ", fresh %#" PRIx64
           " (replay with --seed %#" PRIx64 " or VIREO_DIFF_SEED); %" PRIu64
           " cases per class from the fixed seed, half as many from the fresh one\n",
           (uint64_t)FIXED_SEED, o.fresh_seed, o.fresh_seed, o.cases);
    ClassResult *results = mmap(NULL, sizeof(ClassResult) * DIFF_CLASS_COUNT,
                                PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared_coverage = mmap(NULL, sizeof(uint64_t) * 2 * nforms, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (results == MAP_FAILED || shared_coverage == MAP_FAILED) {
        perror("test_diff64: mmap");
        return 2;
    }
    memset(results, 0, sizeof(ClassResult) * DIFF_CLASS_COUNT);

    /* classes are dealt round-robin to the jobs; each job writes its report to a file */
    FILE *reports[16];
    pid_t pids[16];
    unsigned jobs = o.jobs > 16 ? 16 : o.jobs;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned j = 0; j < jobs; j++) {
        reports[j] = tmpfile();
        if (!reports[j]) {
            perror("test_diff64: tmpfile");
            return 2;
        }
        pids[j] = fork();
        if (pids[j] < 0) {
            perror("test_diff64: fork");
            return 2;
        }
        if (pids[j] == 0) {
            Runner rn = {0};
            if (open_runner(&rn) != 0) {
                _exit(2);
            }
            unsigned k = 0;
            for (unsigned c = 0; c < DIFF_CLASS_COUNT; c++) {
                if (!o.classes[c]) {
                    continue;
                }
                if (k++ % jobs == j) {
                    run_class(&rn, c, &o, &results[c], reports[j]);
                    fflush(reports[j]);
                }
            }
            close_runner(&rn);
            fflush(reports[j]);
            _exit(0);
        }
    }
    bool job_failed = false;
    for (unsigned j = 0; j < jobs; j++) {
        int status;
        while (waitpid(pids[j], &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("test_diff64: job %u failed (status %#x)\n", j, status);
            job_failed = true;
        }
        rewind(reports[j]);
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), reports[j])) > 0) {
            fwrite(buf, 1, got, stdout);
        }
        fclose(reports[j]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    unsigned passed = 0, failed = 0;
    bool is_ci = getenv("CI") && !strcmp(getenv("CI"), "true");
    printf("%-8s %9s %9s %9s  %s\n", "class", "cases", "mismatch", "forms", "native outcomes");
    for (unsigned c = 0; c < DIFF_CLASS_COUNT; c++) {
        const ClassResult *r = &results[c];
        if (!o.classes[c]) {
            continue;
        }
        char outcomes[256];
        int at = snprintf(outcomes, sizeof(outcomes), "done %" PRIu64, r->done);
        for (unsigned v = 0; v < 32; v++) {
            if (r->exceptions[v]) {
                at += snprintf(outcomes + at, sizeof(outcomes) - (size_t)at, ", %s %" PRIu64,
                               vector_name(v), r->exceptions[v]);
            }
        }
        if (r->timeouts) {
            at += snprintf(outcomes + at, sizeof(outcomes) - (size_t)at, ", timeout %" PRIu64,
                           r->timeouts);
        }
        if (r->retries) {
            at += snprintf(outcomes + at, sizeof(outcomes) - (size_t)at,
                           ", retried %" PRIu64 " (non-canonical RSP)", r->retries);
        }
        if (r->crashes) {
            snprintf(outcomes + at, sizeof(outcomes) - (size_t)at, ", crashed %" PRIu64,
                     r->crashes);
        }
        char formtxt[32];
        snprintf(formtxt, sizeof(formtxt), "%" PRIu64 "/%" PRIu64, r->forms_generated,
                 r->forms - r->pending_forms);
        printf("%-8s %9" PRIu64 " %9" PRIu64 " %9s  %s  (%.1f s)%s\n", diff_class_names[c],
               r->cases, r->mismatches, formtxt, outcomes, r->seconds_x1000 / 1000.0,
               r->pending_forms ? " [pending forms]" : "");
        bool ok = r->ran && r->mismatches == 0;
        if (r->forms > r->pending_forms && o.only < 0 && is_ci && r->cases < CI_MIN_CASES) {
            printf("  %s: fewer than %u cases under CI\n", diff_class_names[c], CI_MIN_CASES);
            ok = false;
        }
        if (r->forms == r->pending_forms && r->forms) {
            printf("  %s: PENDING: no form has an exec function yet\n", diff_class_names[c]);
        }
        if (ok) {
            passed++;
        } else {
            failed++;
            printf("  %s: FAILED (seeds %#" PRIx64 " and %#" PRIx64 ")\n", diff_class_names[c],
                   (uint64_t)FIXED_SEED, o.fresh_seed);
        }
    }
    print_coverage(&o);
    if (job_failed) {
        failed++;
    }
    printf("test_diff64: %.1f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
