/*
 * tests/conformance/singlestep/ss_compare.c: comparison of a CPU's final state with a
 * SingleStepTests test, and the text that reports a mismatch (see ss_vectors.h). FLAGS bits
 * are named as in the Intel SDM Vol. 1 §3.4.3 "EFLAGS Register" (its low 16 bits).
 */
#include "ss_vectors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends to a fixed buffer; once it is full the text ends in "..." and the rest is dropped. */
typedef struct TextOut {
    char *buf;
    size_t size;
    size_t len;
    bool is_full;
} TextOut;

static void out_printf(TextOut *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(TextOut *o, const char *fmt, ...)
{
    if (o->is_full || o->size == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < o->size - o->len) {
        o->len += (size_t)n;
        return;
    }
    o->is_full = true;
    o->len = o->size - 1;
    if (o->size >= 4) {
        memcpy(o->buf + o->size - 4, "...", 4);
    }
}

/* "; " between differences. */
static void out_separator(TextOut *o, unsigned mismatches)
{
    if (mismatches) {
        out_printf(o, "; ");
    }
}

static void out_flag_names(TextOut *o, uint16_t bits)
{
    static const char *const names[16] = {
        "CF", "bit1", "PF", "bit3", "AF",    "bit5",  "ZF", "SF",
        "TF", "IF",   "DF", "OF",   "IOPL0", "IOPL1", "NT", "bit15",
    };
    const char *sep = "";
    for (int b = 0; b < 16; b++) {
        if (bits & (1u << b)) {
            out_printf(o, "%s%s", sep, names[b]);
            sep = " ";
        }
    }
}

unsigned ss_compare(const SsTest *t, const SsFinalState *actual, uint16_t flags_mask, char *diff,
                    size_t diff_size)
{
    TextOut o = {.buf = diff, .size = diff_size};
    if (diff_size) {
        diff[0] = '\0';
    }
    unsigned mismatches = 0;
    for (int r = 0; r < SS_REG_COUNT; r++) {
        uint16_t want = t->final[r], got = actual->regs[r];
        if (r == SS_REG_FLAGS) {
            want &= flags_mask;
            got &= flags_mask;
        }
        if (want == got) {
            continue;
        }
        out_separator(&o, mismatches++);
        if (r == SS_REG_FLAGS) {
            out_printf(&o, "flags & 0x%04x: expected 0x%04x, got 0x%04x (differ: ", flags_mask,
                       want, got);
            out_flag_names(&o, want ^ got);
            out_printf(&o, ")");
        } else {
            out_printf(&o, "%s: expected 0x%04x, got 0x%04x%s", ss_reg_name((SsReg)r), want, got,
                       t->final_present & (1u << r) ? "" : " (unchanged)");
        }
    }
    /*
     * The FLAGS image an exception pushed holds the same undefined bits as the register: the
     * record gives its address so that they can be masked alike (README.md). That address is
     * the image's rounded down to even (the 80286's word bus cycle): with an odd SP the image
     * starts one byte later, at SS:SP+4 of the final frame (so in all 425 such tests of the
     * set).
     */
    uint32_t flags_at = t->exception_flag_address + (t->final[SS_REG_SP] & 1u);
    for (uint32_t i = 0; i < t->n_final_ram; i++) {
        const SsRamByte *b = &t->final_ram[i];
        uint8_t want = b->value;
        uint8_t got = actual->read_byte(actual->opaque, b->addr);
        uint8_t mask = 0xff;
        if (t->has_exception && b->addr == flags_at) {
            mask = (uint8_t)flags_mask;
        } else if (t->has_exception && b->addr == flags_at + 1) {
            mask = (uint8_t)(flags_mask >> 8);
        }
        if ((got & mask) == (want & mask)) {
            continue;
        }
        out_separator(&o, mismatches++);
        if (mask != 0xff) {
            out_printf(&o, "[0x%05x] & 0x%02x: expected 0x%02x, got 0x%02x", b->addr, mask,
                       want & mask, got & mask);
        } else {
            out_printf(&o, "[0x%05x]: expected 0x%02x, got 0x%02x", b->addr, want, got);
        }
    }
    if (mismatches && t->has_exception) {
        out_printf(&o, "; the test expects exception %u, FLAGS pushed at 0x%05x",
                   t->exception_number, t->exception_flag_address);
    }
    return mismatches;
}

void ss_describe_test(const SsTest *t, char *buf, size_t size)
{
    TextOut o = {.buf = buf, .size = size};
    if (size) {
        buf[0] = '\0';
    }
    out_printf(&o, "test %u \"%s\" bytes", t->index, t->name);
    for (unsigned i = 0; i < t->n_bytes; i++) {
        out_printf(&o, " %02x", t->bytes[i]);
    }
    out_printf(&o, "; initial");
    for (int r = 0; r < SS_REG_COUNT; r++) {
        out_printf(&o, " %s=%04x", ss_reg_name((SsReg)r), t->initial[r]);
    }
    out_printf(&o, "; hash %s", t->hash);
}
