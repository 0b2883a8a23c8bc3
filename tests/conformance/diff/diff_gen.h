/*
 * tests/conformance/diff/diff_gen.h: the case generator of the host-differential test. It reads
 * vireo's opcode table (cpu/opcode.h; nothing else describes an opcode) and turns every 64-bit
 * user-mode form into random encodings (legacy prefixes, REX, ModRM/SIB/displacement,
 * RIP-relative, immediates) with a random starting state whose address registers are solved so
 * that every memory access lands inside the data region (native_exec.h), or deliberately just
 * outside it. It also knows what the SDM leaves undefined for each instruction, and masks it.
 */
#ifndef VIREO_TESTS_CONFORMANCE_DIFF_GEN_H
#define VIREO_TESTS_CONFORMANCE_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/opcode.h"
#include "native_exec.h"

typedef enum DiffClass {
    DIFF_CLASS_ALU,
    DIFF_CLASS_INCDEC,
    DIFF_CLASS_MUL,
    DIFF_CLASS_DIV,
    DIFF_CLASS_SHIFT,
    DIFF_CLASS_ROTATE,
    DIFF_CLASS_SHIFTD,
    DIFF_CLASS_BITTEST,
    DIFF_CLASS_BITSCAN,
    DIFF_CLASS_MOVX,
    DIFF_CLASS_CMOV,
    DIFF_CLASS_STACK,
    DIFF_CLASS_BRANCH,
    DIFF_CLASS_STRING,
    DIFF_CLASS_MISC,
    DIFF_CLASS_INVALID, /* forms invalid in 64-bit mode (i64): #UD */
    DIFF_CLASS_COUNT,
    DIFF_CLASS_NONE = DIFF_CLASS_COUNT, /* excluded from the test */
} DiffClass;

extern const char *const diff_class_names[DIFF_CLASS_COUNT];

/* ModRM shape a form requires. */
enum { FORM_NO_MODRM, FORM_MODRM_ANY, FORM_MODRM_MEM, FORM_MODRM_REG };

/* One leaf of the opcode table: an opcode with its mandatory prefix, ModRM.reg and rm. */
typedef struct DiffForm {
    const OpcodeEntry *e;
    uint32_t flags; /* OPF_* of the entry and the group entries above it */
    uint8_t map;    /* 1, 2, 0x38, 0x3a */
    uint8_t opcode;
    int8_t mprefix;       /* -1, or the PREFIXED index: 0 none, 1 66, 2 F3, 3 F2 */
    int8_t reg;           /* ModRM.reg the group fixes, or -1 */
    int8_t rm;            /* ModRM.rm the group fixes, or -1 */
    uint8_t modrm;        /* FORM_* */
    uint8_t cls;          /* DiffClass, or DIFF_CLASS_NONE */
    const char *excluded; /* why the form is not tested, or NULL */
    bool pending;         /* in a class, but vireo has no exec function for it yet */
    uint64_t reg_generated, mem_generated;
} DiffForm;

/* Every form of the four maps, built once from the opcode table. */
DiffForm *diff_forms(unsigned *count);
/* Short text naming a form: "map2 0f bc /r [f3] TZCNT". */
void diff_form_name(const DiffForm *f, char *buf, unsigned size);

/* A patch of the data region, applied to both sides before a case runs. */
typedef struct DiffPatch {
    uint32_t off;
    uint32_t len;
} DiffPatch;

#define DIFF_MAX_PATCHES 4
#define DIFF_PATCH_BYTES 16384

typedef struct DiffCase {
    uint8_t code[NATIVE_CODE_MAX_LEN];
    unsigned len;
    unsigned insn_off, insn_len; /* the instruction under test within code */
    NativeCpuState in;
    DiffPatch patch[DIFF_MAX_PATCHES];
    unsigned npatch;
    const DiffForm *form;
    uint16_t mnemonic;
    uint8_t opsize;     /* the operand size the generator encoded (bytes) */
    uint8_t dst_size;   /* size of operand 0 */
    bool has_mem;       /* the ModRM memory operand was used */
    bool mem_in_region; /* ... and it addresses the data region at mem_off */
    uint32_t mem_off;
    int8_t dst_reg; /* operand 0's register (0-15, 16-19 AH..BH), or -1 */
    uint64_t count; /* shift/rotate count before masking (imm8, 1 or CL) */
    /* What the SDM leaves undefined when the case completes (filled by diff_undefined). */
    uint64_t undef_flags;
    int8_t undef_reg;
    uint64_t undef_reg_mask;
    uint32_t undef_mem_off, undef_mem_len;
    /* Data bytes not compared when both sides raise the same exception (ENTER's frame). */
    uint32_t fault_mem_off, fault_mem_len;
    uint8_t patch_bytes[DIFF_PATCH_BYTES]; /* the patches' bytes, one after the other (last:
                                              diff_generate clears the fields before it) */
} DiffCase;

/* A 64-bit random generator (splitmix64 seeded, xoshiro256**). */
typedef struct DiffRng {
    uint64_t s[4];
} DiffRng;

void diff_rng_seed(DiffRng *r, uint64_t seed);
uint64_t diff_rng_next(DiffRng *r);

/*
 * Generates one case for form f with rng: code, starting state, and patches of the data region
 * (applied to both sides before the case runs). Counts the form's coverage.
 */
void diff_generate(DiffRng *rng, DiffForm *f, DiffCase *c);

/*
 * Fills c's undef_* fields from the SDM's flag and result definitions, reading operand values
 * from c->in and `data` (the data region after the patches are applied).
 */
void diff_undefined(DiffCase *c, const uint8_t *data);

#endif
