/*
 * tests/conformance/singlestep/ss_vectors.h: the SingleStepTests real-mode vectors, as
 * described in ../shared/conformance/singlestep/README.md (format of the 80286 and 8086 sets,
 * metadata.json, revocation_list.txt).
 *
 * This is everything of the vector runner that does not need a CPU: loading one XX.json.gz or
 * XX.R.json.gz file into a compact array of tests, metadata.json into a per-form table of
 * status and flags mask, revocation_list.txt into a hash set, scanning a set's directory,
 * choosing what to run, and comparing a final state with a test's expectations.
 *
 * What the runner itself must do per test (README.md): load initial.regs and every byte of
 * initial.ram (the rest of RAM is unspecified); 80286: run until the HLT that follows the
 * instruction (the final IP is one past it), with the A20 line on (addresses reach 0x10FFEF);
 * 8086: run one instruction, addresses wrap at 1 MiB; IN from any port reads 0xFF. Then fill
 * an SsFinalState and call ss_compare with the file's flags mask.
 *
 * Not kept from the files: the 8086 "queue" (prefetch queue contents, which vireo does not
 * model), "test_num", and the "flags" strings of metadata.json (the masks say the same).
 */
#ifndef VIREO_TESTS_SS_VECTORS_H
#define VIREO_TESTS_SS_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/json.h"

#define SS_BYTES_MAX 16 /* instruction bytes per test (the sets hold up to 12) */
#define SS_HASH_MAX 64  /* hex digits of a test hash: SHA-1 (80286) or SHA-256 (8086) */
/* Linear addresses the 80286's 24-bit bus can reach; larger ones are rejected on load. */
#define SS_ADDR_LIMIT (1u << 24)
/* Decompressed size of one file, guarding against a hostile gzip stream (sets: < 1 MiB). */
#define SS_FILE_MAX (256u << 20)
#define SS_FLAGS_ALL 0xffffu

typedef enum SsCpu {
    SS_CPU_8086,
    SS_CPU_80286,
} SsCpu;

/* In encoding order (general registers 0-7, segment registers 0-3), then IP and FLAGS. */
typedef enum SsReg {
    SS_REG_AX,
    SS_REG_CX,
    SS_REG_DX,
    SS_REG_BX,
    SS_REG_SP,
    SS_REG_BP,
    SS_REG_SI,
    SS_REG_DI,
    SS_REG_ES,
    SS_REG_CS,
    SS_REG_SS,
    SS_REG_DS,
    SS_REG_IP,
    SS_REG_FLAGS,
    SS_REG_COUNT,
} SsReg;

/* "ax", "flags", ... as the files spell them. */
const char *ss_reg_name(SsReg reg);

typedef struct SsRamByte {
    uint32_t addr; /* linear address, below SS_ADDR_LIMIT */
    uint8_t value;
} SsRamByte;

typedef struct SsTest {
    const char *name; /* disassembly, e.g. "add [bx+si],si" */
    uint32_t index;   /* position in its file, from 0 */
    uint8_t n_bytes;
    uint8_t bytes[SS_BYTES_MAX]; /* 80286: ends with the HLT (0xF4) the test runs up to */
    /* 80286: FLAGS bits 12-15 are cleared here, as README.md requires before loading. */
    uint16_t initial[SS_REG_COUNT];
    /* The expected final value of every register: the file's, else the initial one. */
    uint16_t final[SS_REG_COUNT];
    uint16_t final_present; /* bit r: final[r] was given in the file (the register changed) */
    bool has_exception;     /* 80286: the instruction raised exception_number */
    uint8_t exception_number;
    uint32_t exception_flag_address; /* where the CPU pushed FLAGS */
    uint32_t n_initial_ram;
    uint32_t n_final_ram;
    const SsRamByte *initial_ram;
    const SsRamByte *final_ram; /* bytes to check afterwards */
    char hash[SS_HASH_MAX + 1]; /* "hash" (80286) or "test_hash" (8086) */
} SsTest;

/* The tests of one file. Names and RAM lists live in two pools that the file owns. */
typedef struct SsFile {
    SsCpu cpu;
    SsTest *tests;
    size_t n_tests;
    SsRamByte *ram;
    char *names;
} SsFile;

/*
 * Buffers reused from one file to the next (compressed bytes, JSON text, JSON tree), so that
 * loading a whole set allocates only while files grow.
 */
typedef struct SsLoader {
    JsonDoc doc;
    uint8_t *gz;
    size_t gz_cap;
    char *text;
    size_t text_cap;
    size_t text_len; /* JSON bytes of the last file loaded */
} SsLoader;

void ss_loader_init(SsLoader *ld);
void ss_loader_free(SsLoader *ld);

/*
 * Gunzip in[0..in_len) (gzip or zlib, concatenated members allowed) into *out (a malloc'd
 * buffer of *out_cap bytes, grown as needed, NUL-terminated); *out_len gets the length.
 * Fails on corrupt or truncated data and on output beyond SS_FILE_MAX.
 */
int ss_gunzip(const uint8_t *in, size_t in_len, char **out, size_t *out_cap, size_t *out_len,
              Error *err);

/*
 * Load a test file (gzip'd JSON array of tests) or parse one already in memory. Every field is
 * checked: a malformed test fails the whole file with a message naming the test and the field.
 * Returns 0 or a negative errno; *f is empty on failure. ss_file_free(f) on an empty file is a
 * no-op, and loading into f frees what it held.
 */
int ss_file_load(SsLoader *ld, SsFile *f, const char *path, SsCpu cpu, Error *err);
int ss_file_parse(SsLoader *ld, SsFile *f, const char *json, size_t len, SsCpu cpu, Error *err);
void ss_file_free(SsFile *f);

typedef enum SsStatus {
    SS_STATUS_NORMAL,
    SS_STATUS_UNDOCUMENTED,
    SS_STATUS_UNDEFINED,
    SS_STATUS_ALIAS,
    SS_STATUS_PREFIX,
    SS_STATUS_FPU,       /* ESC opcode; the captures have no coprocessor */
    SS_STATUS_EXTENSION, /* 80286 0F: protected-mode instructions, no vectors */
} SsStatus;

const char *ss_status_name(SsStatus status);

/* One instruction form: an opcode, or an opcode and ModRM reg field for group opcodes. */
typedef struct SsForm {
    bool is_known; /* metadata.json lists it */
    SsStatus status;
    uint16_t flags_mask; /* AND with FLAGS before comparing; SS_FLAGS_ALL when none undefined */
} SsForm;

/* Forms are kept for one-byte opcodes XX and, as the 80286 metadata lists them, 0F XX. */
#define SS_OPCODE_SLOTS 512

typedef struct SsMetadata {
    SsCpu cpu;
    bool is_group[SS_OPCODE_SLOTS]; /* metadata gives the form per ModRM reg field */
    /* [slot][reg]; an opcode that is not a group has the same form in all eight. */
    SsForm forms[SS_OPCODE_SLOTS][8];
} SsMetadata;

int ss_metadata_load(SsMetadata *m, const char *path, Error *err);
int ss_metadata_parse(SsMetadata *m, const char *json, size_t len, Error *err);
/*
 * The form of opcode (0x00-0xFF, or 0x0F00-0x0FFF for 0F XX) and reg (0-7, or -1 when the
 * file name gives none); NULL if metadata.json does not list it.
 */
const SsForm *ss_metadata_form(const SsMetadata *m, unsigned opcode, int reg);

/* revocation_list.txt: hashes of tests found to be wrong, one per line, '#' comments. */
typedef struct SsRevocations {
    char (*slots)[SS_HASH_MAX + 1]; /* open-addressing table; "" marks a free slot */
    size_t n_slots;                 /* a power of two, or 0 */
    size_t count;
} SsRevocations;

int ss_revocations_load(SsRevocations *r, const char *path, Error *err);
int ss_revocations_parse(SsRevocations *r, const char *text, size_t len, Error *err);
bool ss_revocations_contains(const SsRevocations *r, const char *hash);
void ss_revocations_free(SsRevocations *r);

/* A test file of a set: its name and the form it holds. */
typedef struct SsFileEntry {
    char name[16];   /* "80.3.json.gz", "0F01.7.json.gz" */
    uint16_t opcode; /* 0x00-0xFF, or 0x0F00-0x0FFF for 0F XX */
    int8_t reg;      /* ModRM reg field from the name, -1 when there is none */
} SsFileEntry;

/* One set: a directory with metadata.json, optionally revocation_list.txt, and test files. */
typedef struct SsDir {
    char *path;
    SsMetadata meta;
    SsRevocations revoked; /* empty when the set has no revocation list (8086) */
    SsFileEntry *files;    /* sorted by opcode, then reg */
    size_t n_files;
} SsDir;

/*
 * Read the set at path: metadata, revocation list, and the list of test files. A *.json.gz name
 * that is not XX[.R].json.gz or 0FXX[.R].json.gz, or one form given twice, is an error rather
 * than a file left out. Other files (LICENSE) are ignored.
 */
int ss_dir_open(SsDir *d, const char *path, Error *err);
void ss_dir_close(SsDir *d);
/* Load d->files[i] with the set's CPU. */
int ss_dir_load_file(const SsDir *d, SsLoader *ld, size_t i, SsFile *f, Error *err);

/*
 * Whether the runner should run a file: not for fpu forms (README.md). A form missing from
 * metadata.json is run, with SS_FLAGS_ALL, so that no test is dropped silently. *why_not
 * (may be NULL) gets the reason when false.
 */
bool ss_file_is_selected(const SsMetadata *m, const SsFileEntry *e, const char **why_not);
/* The flags mask for a file's tests. */
uint16_t ss_file_flags_mask(const SsMetadata *m, const SsFileEntry *e);
/* Whether to run one test: not when its hash is revoked. */
bool ss_test_is_selected(const SsRevocations *r, const SsTest *t);

/* What the CPU ended with: registers, and a reader of linear memory. */
typedef struct SsFinalState {
    uint16_t regs[SS_REG_COUNT];
    uint8_t (*read_byte)(void *opaque, uint32_t addr);
    void *opaque;
} SsFinalState;

/*
 * Compare actual with t's expectations: every register (FLAGS both ANDed with flags_mask) and
 * every byte of final.ram; for a test with an exception, the FLAGS image it pushed is ANDed
 * with flags_mask too (at exception_flag_address, or one byte later when SP is odd). Returns the number of mismatches; diff (diff_size bytes, may be 0)
 * gets them in order, e.g. "ax: expected 0x1234, got 0x1235; flags & 0xffef: expected 0x0413,
 * got 0x0417 (differ: PF); [0x51234]: expected 0x12, got 0x34", cut with "..." when full.
 */
unsigned ss_compare(const SsTest *t, const SsFinalState *actual, uint16_t flags_mask, char *diff,
                    size_t diff_size);

/* One line about a test for failure reports: name, bytes, initial registers. */
void ss_describe_test(const SsTest *t, char *buf, size_t size);

#endif
