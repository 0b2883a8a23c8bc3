/*
 * Cross-check of vireo's decoder (cpu/decode.c) against Capstone: every opcode of the one-byte
 * and two-byte maps, under every prefix combination in `prefix_sets`, with seeded random
 * ModRM/SIB/displacement/immediate tails, in 16-, 32- and 64-bit mode.
 *
 * Where both accept an encoding, the lengths must agree. Where they disagree on validity or
 * length, the disagreement must match one of the explained classes in `explain()`: a form
 * vireo deliberately leaves undecoded (AVX, 3DNow!, VMX, ...) or a known Capstone 4.0 error,
 * each with its reason. Any unexplained disagreement fails the test and is listed. The counts
 * of each explained class are printed so the list stays honest.
 */
#include <capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/decode.h"
#include "cpu/opcode.h"

typedef struct PrefixSet {
    const char *name;
    uint8_t bytes[4];
    unsigned len;
    bool only64; /* REX prefixes */
} PrefixSet;

static const PrefixSet prefix_sets[] = {
    { "none", { 0 }, 0, false },
    { "66", { 0x66 }, 1, false },
    { "67", { 0x67 }, 1, false },
    { "f2", { 0xf2 }, 1, false },
    { "f3", { 0xf3 }, 1, false },
    { "f0", { 0xf0 }, 1, false },
    { "2e", { 0x2e }, 1, false },
    { "64", { 0x64 }, 1, false },
    { "66 67", { 0x66, 0x67 }, 2, false },
    { "f3 66", { 0xf3, 0x66 }, 2, false },
    { "66 f2", { 0x66, 0xf2 }, 2, false },
    { "f0 66", { 0xf0, 0x66 }, 2, false },
    { "rex.w", { 0x48 }, 1, true },
    { "rex", { 0x40 }, 1, true },
    { "rex.rxb", { 0x47 }, 1, true },
    { "66 rex.w", { 0x66, 0x48 }, 2, true },
    { "rex.w 66", { 0x48, 0x66 }, 2, true },
};

#define TAILS_PER_FORM 24

typedef struct Counts {
    uint64_t compared, agreed, explained, unexplained;
} Counts;

typedef struct Reason {
    const char *text;
    uint64_t count;
} Reason;

static Reason reasons[32];
static unsigned nreasons;

static void count_reason(const char *text)
{
    for (unsigned i = 0; i < nreasons; i++) {
        if (reasons[i].text == text) {
            reasons[i].count++;
            return;
        }
    }
    if (nreasons < sizeof(reasons) / sizeof(reasons[0])) {
        reasons[nreasons++] = (Reason){ text, 1 };
    }
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint8_t rand_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 24);
}

/* The opcode map and byte after all prefixes (legacy, and REX in 64-bit mode). */
static unsigned locate_opcode(const uint8_t *b, DecodeMode mode, unsigned *map, uint8_t *op)
{
    static const uint8_t legacy[] = { 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65,
                                      0x66, 0x67 };
    unsigned i = 0;
    while (i < INSN_MAX_LEN && (memchr(legacy, b[i], sizeof(legacy)) ||
                                (mode == DECODE_64 && (b[i] & 0xf0) == 0x40))) {
        i++;
    }
    if (b[i] == 0x0f) {
        *map = (b[i + 1] == 0x38 || b[i + 1] == 0x3a) ? b[i + 1] : 2;
        *op = *map == 2 ? b[i + 1] : b[i + 2];
    } else {
        *map = 1;
        *op = b[i];
    }
    return i;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The MMX/SSE form the instruction's mandatory prefix selects (F2/F3, the last one, outrank
 * 66; cpu/opcode_sse.c), or NULL when the opcode is not an MMX/SSE row. *slot_index is the
 * prefix column: 0 none, 1 66, 2 F3, 3 F2.
 */
static const OpcodeEntry *sse_slot(const uint8_t *b, unsigned plen, unsigned map, uint8_t op,
                                   unsigned *slot_index)
{
    const OpcodeEntry(*rows)[4] = map == 2 ? sse_map2 : map == 0x38 ? sse_map38
                                : map == 0x3a ? sse_map3a : NULL;
    if (!rows) {
        return NULL;
    }
    bool any = false;
    for (unsigned i = 0; i < 4; i++) {
        any |= rows[op][i].mnemonic != MN_INVALID || (rows[op][i].flags & OPF_GROUP);
    }
    if (!any) {
        return NULL;
    }
    unsigned idx = 0;
    for (unsigned i = 0; i < plen; i++) {
        idx = b[i] == 0xf3 ? 2 : b[i] == 0xf2 ? 3 : b[i] == 0x66 && idx == 0 ? 1 : idx;
    }
    *slot_index = idx;
    return &rows[op][idx];
}

static bool has_operand_kind(const OpcodeEntry *e, OperandKind kind)
{
    for (unsigned i = 0; i < 3; i++) {
        if (e->op[i].kind == kind) {
            return true;
        }
    }
    return false;
}

/* Capstone mnemonics of extensions vireo neither implements nor advertises. */
static bool is_unmodelled_extension(const char *cs_mnemonic)
{
    static const char *const prefixes[] = {
        "v",   /* VEX/EVEX: AVX, AVX-512 */
        "pf", "pi2f", "pmulhrw", "pavgusb", "pswapd", "femms", /* 3DNow! */
        "sha", "xcrypt", "xsha", "xstore", "montmul",                    /* SHA, VIA PadLock */
        "getsec", "invept", "invvpid",                         /* SMX, VMX */
        "xbegin", "xabort", "xend", "xtest",                   /* TSX */
        "extrq", "insertq",                                    /* AMD SSE4a */
        "pclmulqdq", "aes",                                    /* PCLMULQDQ, AES-NI */
    };
    for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (starts_with(cs_mnemonic, prefixes[i])) {
            return true;
        }
    }
    return false;
}

/*
 * Each class of disagreement that is understood, with its reason; NULL for any other. The
 * classes are narrow on purpose: each names the opcodes it covers.
 */
static const char *explain(DecodeMode mode, const uint8_t *b, const DecodedInsn *d,
                           bool vireo_ok, bool cs_ok, const cs_insn *insn)
{
    unsigned map;
    uint8_t op;
    unsigned plen = locate_opcode(b, mode, &map, &op);
    bool has_lock = memchr(b, 0xf0, plen) != NULL;
    bool has_66 = memchr(b, 0x66, plen) != NULL;
    bool has_rep = memchr(b, 0xf3, plen) || memchr(b, 0xf2, plen);
    unsigned slot_idx;
    if (!vireo_ok && cs_ok) {
        if (is_unmodelled_extension(insn->mnemonic)) {
            return "extension vireo does not implement or advertise (AVX, 3DNow!, SHA, "
                   "PadLock, VMX, SMX, TSX, SSE4a, PCLMULQDQ, AES-NI): vireo raises #UD";
        }
        if (has_lock) {
            return "LOCK where the SDM forbids it (no memory destination, or not a lockable "
                   "instruction): vireo raises #UD, Capstone 4 does not check LOCK";
        }
        if (map == 2 && (op == 0x21 || op == 0x23) && mode == DECODE_64) {
            return "MOV to/from DR8-DR15 (REX.R): #UD per SDM Vol. 2B \"MOV—Move to/from Debug "
                   "Registers\"; Capstone 4 names registers that do not exist";
        }
        if (map == 2 && op == 0xc3 && (has_66 || has_rep)) {
            return "MOVNTI is NP 0F C3 (SDM Vol. 2B \"MOVNTI\"): #UD with 66/F2/F3, as the "
                   "host CPU confirms (test_diff64); Capstone 4 decodes it";
        }
        if (map == 2 && op == 0xae) {
            return "0F AE fence row with 66/F2/F3: other instructions (CET INCSSP, WAITPKG "
                   "UMONITOR/TPAUSE) vireo does not implement; Capstone 4 decodes the fence";
        }
        const OpcodeEntry *slot = sse_slot(b, plen, map, op, &slot_idx);
        if (slot && slot->mnemonic == MN_INVALID && !(slot->flags & OPF_GROUP)) {
            return "MMX/SSE opcode whose mandatory prefix (F2/F3 outrank 66) selects no form in "
                   "SDM Vol. 2D tables A-3 to A-5: #UD; Capstone 4 ignores or reorders the prefix";
        }
        unsigned mod = b[plen + (map == 2 ? 2 : 3)] >> 6;
        if (slot && mod == 3 && has_operand_kind(slot, OPK_M)) {
            return "memory-only MMX/SSE form (MOVLPD, MOVHPD m64, MOVNT*, LDDQU) with a register "
                   "operand: #UD; Capstone 4 decodes another instruction's register form";
        }
        if (slot && mod != 3 && (has_operand_kind(slot, OPK_N) || has_operand_kind(slot, OPK_U))) {
            return "register-only MMX/SSE form (MOVQ2DQ, MOVDQ2Q, PMOVMSKB, MOVMSKPS) with a memory "
                   "operand: #UD; Capstone 4 decodes another prefix's memory form";
        }
        if (map == 2 && (op == 0x01 || op == 0xc7 || op == 0x00)) {
            return "0F 00/0F 01/0F C7 forms of unmodelled extensions (VMX, SVM, SGX, PKU, "
                   "TSX, CET): vireo raises #UD";
        }
        return NULL;
    }
    if (vireo_ok && !cs_ok && has_66 && (mode == DECODE_16 || memchr(b, 0x67, plen)) &&
        sse_slot(b, plen, map, op, &slot_idx) && slot_idx == 1) {
        return "66-prefixed SSE form in 16-bit mode or with 67h: Capstone 4 rejects many of them, "
               "the SDM defines them in every mode";
    }
    if (vireo_ok && !cs_ok && has_66 && map == 2 &&
        (d->mnemonic == MN_HADDPD || d->mnemonic == MN_HSUBPD || d->mnemonic == MN_ADDSUBPD ||
         d->mnemonic == MN_CVTTPD2DQ) &&
        (mode == DECODE_16 || memchr(b, 0x67, plen) != NULL)) {
        return "66 0F 7C/7D/D0/E6 (HADDPD, HSUBPD, ADDSUBPD, CVTTPD2DQ) in 16-bit mode or with "
               "67h: Capstone 4 rejects them, the SDM defines them in every mode";
    }
    if (vireo_ok && !cs_ok && map == 2 && op >= 0x18 && op <= 0x1f) {
        return "0F 18-1F /r: reserved NOPs (SDM Vol. 2B NOP), some rejected by Capstone 4";
    }
    if (vireo_ok && !cs_ok && d->mnemonic == MN_PREFETCH) {
        return "0F 0D /r (PREFETCH/PREFETCHW, the rest reserved hints): executed as NOPs; "
               "Capstone 4 rejects the row";
    }
    if (vireo_ok && cs_ok && has_66 && has_rep &&
        !(mode == DECODE_64 && (d->entry->flags & OPF_F64))) {
        return "66h together with F2/F3 before an immediate or branch: vireo honours the "
               "operand size, Capstone 4 drops the 66h";
    }
    if (vireo_ok && !cs_ok && mode == DECODE_64 && (d->rex & 4) &&
        (d->mnemonic == MN_MOV_SEG_LOAD || d->mnemonic == MN_MOV_SEG_STORE)) {
        return "MOV to/from a segment register with REX.R: segment registers have 3-bit "
               "numbers and REX.R is ignored (as QEMU and Bochs do); Capstone 4 rejects it";
    }
    if (vireo_ok && !cs_ok && d->mnemonic == MN_FENCE) {
        return "LFENCE/MFENCE/SFENCE with ModRM.rm != 0: the SDM treats the whole row as the "
               "fence, Capstone 4 accepts only rm = 0";
    }
    if (vireo_ok && d->mnemonic == MN_UD && map == 2 && (op == 0xb9 || op == 0xff)) {
        return "UD1/UD0 take a ModRM byte (SDM Vol. 2B UD); Capstone 4 decodes them as "
               "2-byte opcodes";
    }
    if (vireo_ok && !cs_ok && has_rep && !(d->entry->flags & OPF_STRING)) {
        return "F2/F3 before an instruction that does not use them: ignored by the processor "
               "(SDM Vol. 2A §2.1.1), rejected by Capstone 4 in some combinations";
    }
    if (vireo_ok && !cs_ok && d->mnemonic == MN_POPCNT) {
        return "POPCNT with both 66 and F3, or in 16-bit code: valid per the SDM, rejected by "
               "Capstone 4";
    }
    if (vireo_ok && cs_ok && mode == DECODE_64 && has_66 &&
        (d->mnemonic == MN_JCC || d->mnemonic == MN_JMP || d->mnemonic == MN_CALL)) {
        return "66-prefixed near branch in 64-bit mode: Intel ignores 66h (vireo), Capstone "
               "follows AMD (rel16)";
    }
    if (vireo_ok && cs_ok && mode == DECODE_64 && d->mnemonic == MN_RET && d->nops &&
        (d->rex & 8)) {
        return "RET imm16 with REX.W: the immediate is always 16 bits (SDM Vol. 2B RET); "
               "Capstone 4 reads it as 32";
    }
    return NULL;
}

static void check_mode(DecodeMode mode, cs_mode csm, Counts *c, bool *fail_printed)
{
    csh h;
    if (cs_open(CS_ARCH_X86, csm, &h) != CS_ERR_OK) {
        CHECK(false);
        return;
    }
    cs_insn *insn = cs_malloc(h);
    for (unsigned ps_i = 0; ps_i < sizeof(prefix_sets) / sizeof(prefix_sets[0]); ps_i++) {
        const PrefixSet *ps = &prefix_sets[ps_i];
        if (ps->only64 && mode != DECODE_64) {
            continue;
        }
        for (unsigned map = 1; map <= 2; map++) {
            for (unsigned op = 0; op < 256; op++) {
                if (map == 1 && op == 0x0f) {
                    continue;
                }
                if (map == 2 && (op == 0x38 || op == 0x3a)) {
                    continue;
                }
                for (unsigned t = 0; t < TAILS_PER_FORM; t++) {
                    uint8_t b[32];
                    unsigned n = 0;
                    memcpy(b, ps->bytes, ps->len);
                    n = ps->len;
                    if (map == 2) {
                        b[n++] = 0x0f;
                    }
                    b[n++] = (uint8_t)op;
                    for (unsigned i = n; i < sizeof(b); i++) {
                        b[i] = rand_byte();
                    }
                    /* Keep tails from starting another prefix run of their own. */
                    DecodedInsn d;
                    unsigned need;
                    DecodeStatus st =
                        decode_insn(&d, b, INSN_MAX_LEN, mode, CPU_MODEL_X86_64, &need);
                    bool vireo_ok = st == DECODE_OK;
                    const uint8_t *code = b;
                    size_t size = INSN_MAX_LEN;
                    uint64_t addr = 0x1000;
                    bool cs_ok = cs_disasm_iter(h, &code, &size, &addr, insn);
                    unsigned clen = cs_ok ? insn->size : 0;
                    c->compared++;
                    if (vireo_ok == cs_ok && (!vireo_ok || d.len == clen)) {
                        c->agreed++;
                        continue;
                    }
                    const char *why = explain(mode, b, &d, vireo_ok, cs_ok, insn);
                    if (why) {
                        c->explained++;
                        count_reason(why);
                        continue;
                    }
                    c->unexplained++;
                    if (c->unexplained <= 40) {
                        printf("UNEXPLAINED mode %d prefix %-8s bytes", mode == DECODE_16 ? 16
                                                                       : mode == DECODE_32 ? 32
                                                                                           : 64,
                               ps->name);
                        for (unsigned i = 0; i < 8; i++) {
                            printf(" %02x", b[i]);
                        }
                        printf(": vireo %s len %u, capstone %s len %u (%s %s)\n",
                               vireo_ok ? "ok" : (st == DECODE_UD ? "#UD" : "err"),
                               vireo_ok ? d.len : 0, cs_ok ? "ok" : "invalid", clen,
                               cs_ok ? insn->mnemonic : "", cs_ok ? insn->op_str : "");
                        *fail_printed = true;
                    }
                }
            }
        }
    }
    cs_free(insn, 1);
    cs_close(&h);
}

static void test_decode_lengths_match_capstone(void)
{
    Counts c = { 0 };
    bool printed = false;
    check_mode(DECODE_16, CS_MODE_16, &c, &printed);
    check_mode(DECODE_32, CS_MODE_32, &c, &printed);
    check_mode(DECODE_64, CS_MODE_64, &c, &printed);
    printf("compared %llu encodings: %llu agree, %llu explained, %llu unexplained\n",
           (unsigned long long)c.compared, (unsigned long long)c.agreed,
           (unsigned long long)c.explained, (unsigned long long)c.unexplained);
    for (unsigned i = 0; i < nreasons; i++) {
        printf("  explained %8llu: %s\n", (unsigned long long)reasons[i].count, reasons[i].text);
    }
    CHECK_EQ(c.unexplained, 0);
    CHECK(c.agreed > c.compared * 8 / 10);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_decode_lengths_match_capstone),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
