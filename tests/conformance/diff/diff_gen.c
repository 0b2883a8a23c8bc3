/*
 * tests/conformance/diff/diff_gen.c: random encodings and states for the forms of diff_forms.c
 * (see diff_gen.h), and the SDM's undefined flags and results of each instruction.
 *
 * Encodings follow SDM Vol. 2A chapter 2: legacy prefixes in random order, REX last (or, now
 * and then, before a legacy prefix, where it is ignored, §2.2.1), the opcode, ModRM, SIB and
 * displacement (§2.1.5, tables 2-2 and 2-3, RIP-relative §2.2.1.6), immediates. A memory
 * operand is made to address a chosen byte of the data region by solving for the value of one
 * address register (or the displacement) after the others got their random values; a register
 * whose value has a role (the stack pointer, a string pointer, a bit offset) is never the one
 * solved for.
 */
#include <stddef.h>
#include <string.h>

#include "diff_gen.h"

/* ---- random numbers ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void diff_rng_seed(DiffRng *r, uint64_t seed)
{
    for (unsigned i = 0; i < 4; i++) {
        r->s[i] = splitmix64(&seed);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t diff_rng_next(DiffRng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static unsigned below(DiffRng *r, unsigned n)
{
    return (unsigned)(diff_rng_next(r) % n);
}

static bool chance(DiffRng *r, unsigned percent)
{
    return below(r, 100) < percent;
}

/* Values at the edges: 0, 1, -1, sign boundaries of every width, powers of two, small. */
static uint64_t edge_value(DiffRng *r)
{
    static const uint64_t sign_edges[] = {
        0x7f,
        0x80,
        0xff,
        0x7fff,
        0x8000,
        0xffff,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        0x100000000,
        0x7fffffffffffffff,
        0x8000000000000000,
    };
    uint64_t v;
    switch (below(r, 12)) {
    case 0:
        v = 0;
        break;
    case 1:
        v = 1;
        break;
    case 2:
        v = ~0ull;
        break;
    case 3:
        v = 1ull << below(r, 64);
        break;
    case 4:
        v = (1ull << below(r, 64)) - 1;
        break;
    case 5:
        v = sign_edges[below(r, 12)];
        break;
    case 6:
        v = below(r, 17);
        break;
    case 7:
        v = 0 - (uint64_t)below(r, 17);
        break;
    case 8:
        v = sign_edges[below(r, 12)] + below(r, 3) - 1;
        break;
    default:
        v = diff_rng_next(r);
        break;
    }
    if (chance(r, 25)) {
        /* keep an edge in the low byte/word/dword, random above it */
        static const uint64_t masks[] = {0xff, 0xffff, 0xffffffff};
        uint64_t m = masks[below(r, 3)];
        v = (diff_rng_next(r) & ~m) | (v & m);
    }
    return v;
}

/* ---- encoding ---- */

typedef struct Enc {
    uint8_t pfx[20];
    unsigned npfx;
    uint8_t rex; /* 0: none */
    bool is_rex_early;
    uint8_t opc[3];
    unsigned nopc;
    bool has_modrm;
    uint8_t modrm;
    bool has_sib;
    uint8_t sib;
    unsigned disp_len;
    int64_t disp;
    bool is_rip_rel;
    uint64_t rip_target; /* absolute target of a RIP-relative operand */
    uint8_t imm[16];
    unsigned imm_len;
} Enc;

static unsigned enc_emit(const Enc *e, uint8_t *out, uint64_t insn_addr)
{
    unsigned n = 0;
    for (unsigned i = 0; i < e->npfx; i++) {
        if (e->rex && e->is_rex_early && i == e->npfx - 1) {
            out[n++] = e->rex;
        }
        out[n++] = e->pfx[i];
    }
    if (e->rex && !(e->is_rex_early && e->npfx)) {
        out[n++] = e->rex;
    }
    for (unsigned i = 0; i < e->nopc; i++) {
        out[n++] = e->opc[i];
    }
    if (e->has_modrm) {
        out[n++] = e->modrm;
    }
    if (e->has_sib) {
        out[n++] = e->sib;
    }
    unsigned disp_at = n;
    n += e->disp_len;
    for (unsigned i = 0; i < e->imm_len; i++) {
        out[n++] = e->imm[i];
    }
    int64_t disp = e->disp;
    if (e->is_rip_rel) {
        disp = (int64_t)(e->rip_target - (insn_addr + n));
    }
    for (unsigned i = 0; i < e->disp_len; i++) {
        out[disp_at + i] = (uint8_t)((uint64_t)disp >> (8 * i));
    }
    return n;
}

static unsigned enc_length(const Enc *e)
{
    uint8_t tmp[64];
    return enc_emit(e, tmp, 0);
}

static void put_imm(Enc *e, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        e->imm[e->imm_len++] = (uint8_t)(v >> (8 * i));
    }
}

/* ---- generation state ---- */

typedef struct Gen {
    DiffRng *r;
    DiffForm *f;
    DiffCase *c;
    Enc enc;
    bool p66, p67, lock;
    uint8_t rep;      /* 0, 0xf2, 0xf3 */
    uint8_t seg;      /* 0, or a segment prefix ignored in 64-bit mode */
    bool has_rex_eff; /* a REX the decoder honours */
    uint8_t rex_eff;
    unsigned opsize, asize;
    bool pinned[16];
    bool is_mem;
    unsigned reg_field, rm_field; /* 0-15 with REX.R / REX.B */
    uint64_t *gpr;
    unsigned patch_used;
    int64_t rsp_bias;
} Gen;

#define REGION_END (NATIVE_DATA_ADDR + NATIVE_DATA_SIZE)

static uint64_t amask(const Gen *g)
{
    return g->asize == 4 ? 0xffffffffull : ~0ull;
}

/* Adds a patch of the data region [off, off + len) filled with edge bytes, clipped. */
static uint8_t *add_patch(Gen *g, int64_t off, int64_t len)
{
    if (off < 0) {
        len += off;
        off = 0;
    }
    if (off + len > NATIVE_DATA_SIZE) {
        len = NATIVE_DATA_SIZE - off;
    }
    DiffCase *c = g->c;
    if (len <= 0 || c->npatch == DIFF_MAX_PATCHES || g->patch_used + len > DIFF_PATCH_BYTES) {
        return NULL;
    }
    uint8_t *p = c->patch_bytes + g->patch_used;
    c->patch[c->npatch++] = (DiffPatch){(uint32_t)off, (uint32_t)len};
    g->patch_used += (unsigned)len;
    for (int64_t i = 0; i < len; i += 8) {
        uint64_t v = edge_value(g->r);
        memcpy(p + i, &v, (size_t)(len - i < 8 ? len - i : 8));
    }
    return p;
}

/* Where a patch byte for data offset `off` lives, if a patch covers it. */
static uint8_t *patch_byte(Gen *g, uint32_t off)
{
    unsigned at = 0;
    for (unsigned i = 0; i < g->c->npatch; i++) {
        const DiffPatch *p = &g->c->patch[i];
        if (off >= p->off && off < p->off + p->len) {
            return g->c->patch_bytes + at + (off - p->off);
        }
        at += p->len;
    }
    return NULL;
}

static void patch_write(Gen *g, uint32_t off, uint64_t v, unsigned size)
{
    if (!patch_byte(g, off) || !patch_byte(g, off + size - 1)) {
        add_patch(g, off, size);
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t *b = patch_byte(g, off + i);
        if (b) {
            *b = (uint8_t)(v >> (8 * i));
        }
    }
}

static unsigned type_bytes(const Gen *g, uint8_t type)
{
    switch (type) {
    case OPT_B:
    case OPT_BS:
        return 1;
    case OPT_W:
    case OPT_WV:
        return 2;
    case OPT_D:
        return 4;
    case OPT_Q:
        return 8;
    case OPT_DQ:
        return 16;
    case OPT_V:
        return g->opsize;
    case OPT_Z:
        return g->opsize == 2 ? 2 : 4;
    case OPT_Y:
        return g->opsize == 8 ? 8 : 4;
    default:
        return 0;
    }
}

/* A register number as the byte-register rules give it (AH..BH are 16-19 without REX). */
static int8_t reg_of(const Gen *g, unsigned n, unsigned size)
{
    if (size == 1 && !g->has_rex_eff && n >= 4 && n < 8) {
        return (int8_t)(16 + n - 4);
    }
    return (int8_t)n;
}

static uint64_t reg_value(const Gen *g, int8_t reg)
{
    return reg >= 16 ? g->gpr[reg - 16] >> 8 : g->gpr[reg];
}

/* ---- prefixes and operand size ---- */

/* Two-byte-map opcodes where F2/F3 are not part of the opcode (integer instructions). */
static bool rep_prefix_is_ignored(const DiffForm *f)
{
    if (f->mprefix >= 0 || (f->flags & OPF_STRING)) {
        return false;
    }
    if (f->map == 1) {
        return true;
    }
    if (f->map != 2) {
        return false;
    }
    uint8_t o = f->opcode;
    return (o >= 0x40 && o <= 0x4f) || (o >= 0x90 && o <= 0x9f) || (o >= 0xa3 && o <= 0xa5) ||
           (o >= 0xab && o <= 0xad) || o == 0xaf || o == 0xb0 || o == 0xb1 || o == 0xb3 ||
           o == 0xb6 || o == 0xb7 || o == 0xba || o == 0xbb || o == 0xbe || o == 0xbf ||
           o == 0xc0 || o == 0xc1 || (o >= 0xc8 && o <= 0xcf);
}

static void choose_prefixes(Gen *g)
{
    DiffRng *r = g->r;
    const DiffForm *f = g->f;
    bool is_branch = f->cls == DIFF_CLASS_BRANCH;
    if (f->mprefix == 1) {
        g->p66 = true;
    } else if (f->mprefix == 0 || f->mprefix == 3) {
        g->p66 = false;
    } else if (is_branch) {
        /*
         * Vendor difference: in 64-bit mode Intel ignores 66h on near branches (SDM Vol. 2A
         * "JMP", "Jcc", "CALL", "RET", "LOOP": operand size forced to 64), AMD honours it and
         * truncates the target to 16 bits (APM Vol. 3 "JMP (Near)"). vireo follows Intel.
         */
        g->p66 = false;
    } else if (f->map == 2 && f->opcode == 0xae) {
        g->p66 = false; /* 66 0F AE /6 /7 are CLWB and CLFLUSHOPT */
    } else {
        g->p66 = chance(r, 25);
    }
    if (f->mprefix == 2) {
        g->rep = 0xf3;
    } else if (f->mprefix == 3) {
        g->rep = 0xf2;
    } else if (f->flags & OPF_STRING) {
        static const uint8_t reps[3] = {0, 0xf3, 0xf2};
        g->rep = reps[below(r, 3)];
    } else if (rep_prefix_is_ignored(f) && chance(r, 5) && f->e->mnemonic != MN_LOOP &&
               f->e->mnemonic != MN_LOOPE && f->e->mnemonic != MN_LOOPNE) {
        /*
         * F2/F3 on a non-string instruction is reserved (SDM Vol. 2A §2.1.1), ignored by
         * processors in practice, and tested here as such, except on LOOPcc: this host (AMD
         * Zen) runs F3 LOOPNE as LOOPE.
         */
        g->rep = chance(r, 50) ? 0xf3 : 0xf2;
    }
    unsigned p67 = 5;
    if (f->modrm != FORM_NO_MODRM || (f->flags & OPF_STRING) || f->e->mnemonic == MN_XLAT ||
        f->e->op[0].kind == OPK_O || f->e->op[1].kind == OPK_O || f->e->mnemonic == MN_LOOP ||
        f->e->mnemonic == MN_LOOPE || f->e->mnemonic == MN_LOOPNE || f->e->mnemonic == MN_JCXZ) {
        p67 = 35;
    }
    g->p67 = chance(r, p67);
    if (chance(r, 10)) {
        static const uint8_t segs[4] = {0x26, 0x2e, 0x36, 0x3e}; /* ignored in 64-bit mode */
        g->seg = segs[below(r, 4)];
    }
    if (chance(r, 60)) {
        g->enc.rex = (uint8_t)(0x40 | below(r, 16));
        g->enc.is_rex_early = chance(r, 4);
        if (g->enc.is_rex_early && !g->p66 && !g->p67 && !g->rep && !g->seg) {
            g->seg = 0x3e; /* an ignored REX needs a legacy prefix after it */
        }
    }
}

static void finish_prefixes(Gen *g)
{
    Enc *e = &g->enc;
    DiffRng *r = g->r;
    uint8_t list[8];
    unsigned n = 0;
    if (g->p66) {
        list[n++] = 0x66;
    }
    if (g->p67) {
        list[n++] = 0x67;
    }
    if (g->lock) {
        list[n++] = 0xf0;
    }
    if (g->seg) {
        list[n++] = g->seg;
    }
    for (unsigned i = n; i > 1; i--) {
        unsigned j = below(r, i);
        uint8_t t = list[i - 1];
        list[i - 1] = list[j];
        list[j] = t;
    }
    /* A mandatory F2/F3 goes last of the legacy prefixes, as assemblers put it. */
    if (g->rep) {
        list[n++] = g->rep;
    }
    memcpy(e->pfx, list, n);
    e->npfx = n;
}

static void compute_sizes(Gen *g)
{
    g->has_rex_eff = g->enc.rex && !g->enc.is_rex_early;
    g->rex_eff = g->has_rex_eff ? g->enc.rex : 0;
    uint16_t fl = g->f->flags;
    if (fl & OPF_F64) {
        g->opsize = 8;
    } else if (g->rex_eff & 8) {
        g->opsize = 8;
    } else if (g->p66) {
        g->opsize = 2;
    } else {
        g->opsize = (fl & OPF_D64) ? 8 : 4;
    }
    g->asize = g->p67 ? 4 : 8;
}

/* ---- memory operands ---- */

typedef struct MemTarget {
    uint64_t addr; /* linear address the operand must have */
    unsigned size;
} MemTarget;

/*
 * A register's value as address arithmetic sees it: POP r/m with an rSP base computes the
 * address with rSP already incremented (SDM Vol. 2B "POP").
 */
static uint64_t areg(const Gen *g, unsigned n)
{
    return g->gpr[n] + (n == 4 ? (uint64_t)g->rsp_bias : 0);
}

/* A target in the data region for an access of `size` bytes; rarely at or over its edges. */
static uint64_t pick_target(Gen *g, unsigned size, bool *in_region)
{
    DiffRng *r = g->r;
    *in_region = true;
    unsigned k = below(r, 100);
    if (k < 2) {
        /* straddles or touches the unmapped page below the region */
        *in_region = false;
        return NATIVE_DATA_ADDR - 1 - below(r, size);
    }
    if (k < 4) {
        *in_region = false;
        return REGION_END - size + 1 + below(r, size);
    }
    if (k < 8) {
        /* across a 4 KiB boundary inside the region */
        return NATIVE_DATA_ADDR + 0x1000 * (1 + below(r, 14)) - below(r, size + 1);
    }
    uint64_t off = below(r, NATIVE_DATA_SIZE - size + 1);
    if (chance(r, 60)) {
        off &= ~(uint64_t)(size > 8 ? 15 : size - 1);
    }
    return NATIVE_DATA_ADDR + off;
}

static bool fits_disp(int64_t v, unsigned len)
{
    return len == 1 ? v == (int8_t)v : v == (int32_t)v;
}

/* Inverse of an odd number modulo 2^64 (Newton's iteration). */
static uint64_t inverse_odd(uint64_t k)
{
    uint64_t x = k;
    for (int i = 0; i < 6; i++) {
        x *= 2 - k * x;
    }
    return x;
}

/*
 * Encodes a ModRM memory operand whose effective address is t->addr, choosing
 * the addressing form at random and solving for one unpinned register's value. Returns false
 * if this attempt's choices could not be solved (the caller tries again).
 */
static bool try_mem_operand(Gen *g, const MemTarget *t)
{
    DiffRng *r = g->r;
    Enc *e = &g->enc;
    uint64_t m = amask(g);
    uint64_t want = t->addr & m;
    unsigned kind = below(r, 100);
    unsigned rex = g->enc.rex & 0xf0 ? g->enc.rex : 0;
    bool rex_ok = g->has_rex_eff;
    e->has_sib = false;
    e->is_rip_rel = false;
    e->disp_len = 0;
    e->disp = 0;
    if (kind < 12) {
        /* RIP-relative: mod 00, rm 101 */
        e->modrm = (uint8_t)((e->modrm & 0x38) | 5);
        e->disp_len = 4;
        e->is_rip_rel = true;
        e->rip_target = want; /* with 67, the EA is truncated: the upper bits are 0 anyway */
        return true;
    }
    if (kind < 18) {
        /* absolute disp32: SIB with no base and no index */
        unsigned idx_bits = 4; /* index 100: none, unless REX.X makes it R12 */
        if (rex_ok && (rex & 2)) {
            return false;
        }
        e->modrm = (uint8_t)((e->modrm & 0x38) | 4);
        e->has_sib = true;
        e->sib = (uint8_t)((below(r, 4) << 6) | (idx_bits << 3) | 5);
        e->disp_len = 4;
        e->disp = (int64_t)(int32_t)want;
        if ((uint64_t)e->disp != want && g->asize == 8) {
            return false;
        }
        return true;
    }
    /* register forms: choose base (or none) and index (or none) */
    bool use_sib = kind >= 55;
    unsigned base = below(r, 8), index = 4, scale = 0;
    unsigned base_full = base | (rex_ok && (rex & 1) ? 8 : 0);
    bool no_base = false;
    unsigned mod = below(r, 3);
    if (use_sib) {
        index = below(r, 8);
        scale = below(r, 4);
        if (base == 5 && mod == 0) {
            no_base = true;
        }
    } else if (base == 4) {
        return false; /* rm 100 means SIB */
    } else if (base == 5 && mod == 0) {
        return false; /* rm 101 with mod 00 is RIP-relative */
    }
    unsigned index_full = index | (rex_ok && (rex & 2) ? 8 : 0);
    bool has_index = use_sib && index_full != 4;
    e->disp_len = mod == 1 ? 1 : mod == 2 ? 4 : (no_base ? 4 : 0);
    int64_t disp = 0;
    if (e->disp_len == 1) {
        disp = (int8_t)diff_rng_next(r);
    } else if (e->disp_len == 4) {
        disp = chance(r, 50) ? (int64_t)(int32_t)diff_rng_next(r) : (int64_t)below(r, 512) - 256;
    }
    uint64_t *gpr = g->gpr;
    uint64_t idx_val = has_index ? areg(g, index_full) : 0;
    if (no_base) {
        /* disp32 + index * scale */
        if (!has_index) {
            disp = (int64_t)(int32_t)want;
            if (((uint64_t)disp & m) != want) {
                return false;
            }
        } else if (!g->pinned[index_full]) {
            uint64_t need = (want - (uint64_t)disp) & m;
            uint64_t rem = need & ((1ull << scale) - 1);
            disp += (int64_t)rem;
            need -= rem;
            uint64_t v = need >> scale;
            if (g->asize == 4) {
                v |= diff_rng_next(r) << 32;
            }
            gpr[index_full] = v;
        } else {
            int64_t d = (int64_t)((want - (idx_val << scale)) & m);
            if (g->asize == 8) {
                d = (int64_t)(want - (idx_val << scale));
            }
            if (!fits_disp(d, 4) && g->asize == 8) {
                return false;
            }
            disp = (int64_t)(int32_t)d;
        }
    } else if (has_index && index_full == base_full) {
        if (g->pinned[base_full]) {
            return false;
        }
        /* v * (1 + 2^scale) + disp = want */
        uint64_t k = 1 + (1ull << scale);
        uint64_t need = (want - (uint64_t)disp) & m;
        if (scale == 0) {
            if (need & 1) {
                if (e->disp_len == 0) {
                    return false;
                }
                disp += 1;
                if (!fits_disp(disp, e->disp_len)) {
                    return false;
                }
                need = (want - (uint64_t)disp) & m;
            }
            uint64_t v = need >> 1;
            if (g->asize == 4 && chance(r, 50)) {
                v += 0x80000000ull; /* the other half: 2v wraps to the same value mod 2^32 */
            }
            gpr[base_full] = v;
        } else {
            gpr[base_full] = need * inverse_odd(k);
        }
        if (g->asize == 4) {
            gpr[base_full] = (gpr[base_full] & 0xffffffffull) | (diff_rng_next(r) << 32);
        }
    } else if (!g->pinned[base_full]) {
        gpr[base_full] = (want - (uint64_t)disp - (idx_val << scale)) & m;
        if (g->asize == 4) {
            gpr[base_full] |= diff_rng_next(r) << 32;
        }
    } else if (has_index && !g->pinned[index_full]) {
        uint64_t need = (want - (uint64_t)disp - areg(g, base_full)) & m;
        uint64_t rem = need & ((1ull << scale) - 1);
        if (rem) {
            if (e->disp_len == 0) {
                return false;
            }
            disp += (int64_t)rem;
            if (!fits_disp(disp, e->disp_len)) {
                return false;
            }
            need -= rem;
        }
        gpr[index_full] = need >> scale;
        if (g->asize == 4) {
            gpr[index_full] =
                (gpr[index_full] & (0xffffffffull >> scale)) | (diff_rng_next(r) << 32);
        }
    } else {
        /* base (and index) pinned: a disp32 absorbs the difference */
        if (mod == 0) {
            return false;
        }
        int64_t d = (int64_t)(want - areg(g, base_full) - (idx_val << scale));
        if (g->asize == 4) {
            d = (int64_t)(int32_t)(uint32_t)d;
        }
        if (!fits_disp(d, 4)) {
            return false;
        }
        mod = 2;
        e->disp_len = 4;
        disp = d;
    }
    e->disp = disp;
    if (use_sib) {
        e->modrm = (uint8_t)((mod << 6) | (e->modrm & 0x38) | 4);
        e->has_sib = true;
        e->sib = (uint8_t)((scale << 6) | (index << 3) | base);
    } else {
        e->modrm = (uint8_t)((mod << 6) | (e->modrm & 0x38) | base);
    }
    /* Check the solution: the effective address the CPU will compute. */
    uint64_t ea = (uint64_t)disp;
    if (!no_base) {
        ea += areg(g, base_full);
    }
    if (has_index) {
        ea += areg(g, index_full) << scale;
    }
    return (ea & m) == want;
}

static void mem_operand(Gen *g, const MemTarget *t)
{
    for (int tries = 0; tries < 64; tries++) {
        uint64_t saved[16];
        memcpy(saved, g->gpr, sizeof(saved));
        if (try_mem_operand(g, t)) {
            return;
        }
        memcpy(g->gpr, saved, sizeof(saved));
    }
    /* fall back to RIP-relative, which always reaches */
    Enc *e = &g->enc;
    e->has_sib = false;
    e->modrm = (uint8_t)((e->modrm & 0x38) | 5);
    e->disp_len = 4;
    e->is_rip_rel = true;
    e->rip_target = t->addr;
}

/* ---- operands of the generic (ModRM and register) forms ---- */

static bool is_shift_or_rotate(uint16_t mn)
{
    return mn == MN_SHL || mn == MN_SHR || mn == MN_SAL || mn == MN_SAR || mn == MN_ROL ||
           mn == MN_ROR || mn == MN_RCL || mn == MN_RCR || mn == MN_SHLD || mn == MN_SHRD;
}

/* A shift count: around the operand width, the 5/6-bit mask, and random. */
static uint64_t shift_count(Gen *g, unsigned bits)
{
    DiffRng *r = g->r;
    switch (below(g->r, 5)) {
    case 0:
    case 1:
        return below(r, bits + 3);
    case 2: {
        const unsigned picks[] = {0, 1, 2, bits - 1, bits, bits + 1, 31, 32, 33, 63, 64, 65};
        return picks[below(r, 12)];
    }
    case 3:
        return below(r, 64);
    default:
        return below(r, 256);
    }
}

/* The value of operand i as an immediate of n bytes. */
static uint64_t imm_value(Gen *g, unsigned i, unsigned n)
{
    uint16_t mn = g->f->e->mnemonic;
    if (is_shift_or_rotate(mn)) {
        return shift_count(g, g->c->dst_size * 8);
    }
    if (mn == MN_ENTER) {
        if (i == 0) {
            return chance(g->r, 50) ? below(g->r, 64) : edge_value(g->r) & 0xffff;
        }
        return chance(g->r, 70) ? below(g->r, 5) : below(g->r, 256);
    }
    if (mn == MN_RET) {
        return chance(g->r, 60) ? 8 * below(g->r, 8) : edge_value(g->r) & 0xffff;
    }
    if (mn == MN_BT || mn == MN_BTS || mn == MN_BTR || mn == MN_BTC) {
        return below(g->r, 256);
    }
    (void)n;
    return edge_value(g->r);
}

/* The memory size of the ModRM operand. */
static unsigned mem_operand_size(const Gen *g)
{
    const OpcodeEntry *e = g->f->e;
    if (e->mnemonic == MN_CMPXCHG8B) {
        return g->opsize == 8 ? 16 : 8;
    }
    for (unsigned i = 0; i < 3; i++) {
        uint8_t k = e->op[i].kind;
        if (k == OPK_E || k == OPK_M) {
            unsigned s = type_bytes(g, e->op[i].type);
            return s ? s : 1;
        }
    }
    return 1;
}

static int8_t operand_reg(const Gen *g, unsigned i)
{
    const OperandSpec *s = &g->f->e->op[i];
    unsigned size = type_bytes(g, s->type);
    switch (s->kind) {
    case OPK_G:
        return reg_of(g, g->reg_field, size);
    case OPK_E:
    case OPK_R:
        return g->is_mem ? -1 : reg_of(g, g->rm_field, size);
    case OPK_Z:
        return reg_of(g, (g->f->opcode & 7) | (g->rex_eff & 1 ? 8 : 0), size);
    case OPK_REG:
        return (int8_t)s->reg;
    default:
        return -1;
    }
}

static void set_reg_low(Gen *g, int8_t reg, uint64_t v, unsigned size)
{
    uint64_t m = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    if (reg >= 16) {
        uint64_t *p = &g->gpr[reg - 16];
        *p = (*p & ~0xff00ull) | ((v & 0xff) << 8);
    } else if (reg >= 0) {
        g->gpr[reg] = (g->gpr[reg] & ~m) | (v & m);
    }
    if (reg == 4) {
        g->gpr[4] = (uint64_t)((int64_t)(g->gpr[4] << 16) >> 16); /* see random_state() */
    }
}

static void pin(Gen *g, int8_t reg)
{
    if (reg >= 0) {
        g->pinned[reg >= 16 ? reg - 16 : reg] = true;
    }
}

/* A stack pointer in the data region, now and then at its edges. */
static uint64_t stack_pointer(Gen *g, unsigned room_below)
{
    DiffRng *r = g->r;
    unsigned k = below(r, 100);
    if (k < 4) {
        return NATIVE_DATA_ADDR + below(r, 24); /* pushes run off the bottom */
    }
    if (k < 8) {
        return REGION_END - below(r, 24); /* pops run off the top */
    }
    uint64_t lo = room_below + 0x40, hi = NATIVE_DATA_SIZE - 0x100;
    uint64_t off = lo + diff_rng_next(r) % (hi - lo);
    if (chance(r, 75)) {
        off &= ~7ull;
    }
    return NATIVE_DATA_ADDR + off;
}

/* Values with a role, set before the memory operand is solved (and then pinned). */
static void setup_roles(Gen *g)
{
    DiffCase *c = g->c;
    DiffRng *r = g->r;
    uint16_t mn = g->f->e->mnemonic;
    if (g->f->cls == DIFF_CLASS_STACK) {
        unsigned room = mn == MN_ENTER ? 0x120 : 0x40;
        g->gpr[4] = stack_pointer(g, room);
        g->pinned[4] = true;
        if (mn == MN_ENTER || mn == MN_LEAVE) {
            g->gpr[5] = stack_pointer(g, 0x120);
            g->pinned[5] = true;
        }
        if (mn == MN_POP) {
            g->rsp_bias = g->opsize;
        }
        uint64_t sp = g->gpr[4];
        if (sp >= NATIVE_DATA_ADDR && sp < REGION_END) {
            uint32_t off = (uint32_t)(sp - NATIVE_DATA_ADDR);
            add_patch(g, (int64_t)off - 64, 128);
            if (mn == MN_POPF && off + g->opsize <= NATIVE_DATA_SIZE) {
                /*
                 * Not TF (single-stepping is a test of its own) nor NT (the native harness
                 * cannot return with it), as native_exec.h says of RFLAGS; every other bit is
                 * random, reserved ones included.
                 */
                uint64_t v = edge_value(r) & ~(uint64_t)(NATIVE_RFLAGS_TF | (1u << 14));
                patch_write(g, off, v, g->opsize);
            }
        }
    }
    if (is_shift_or_rotate(mn)) {
        for (unsigned i = 0; i < 3; i++) {
            const OperandSpec *s = &g->f->e->op[i];
            if (s->kind == OPK_REG && s->reg == 1 && s->type == OPT_B) {
                g->gpr[1] = (g->gpr[1] & ~0xffull) | shift_count(g, c->dst_size * 8);
                g->pinned[1] = true;
            }
        }
    }
    if (mn == MN_DIV || mn == MN_IDIV) {
        g->pinned[0] = g->pinned[2] = true;
    }
    if (mn == MN_XLAT) {
        g->pinned[3] = true;
        uint64_t t = NATIVE_DATA_ADDR + below(r, NATIVE_DATA_SIZE);
        uint64_t al = g->gpr[0] & 0xff;
        uint64_t m = amask(g);
        g->gpr[3] = (t - al) & m;
        if (g->asize == 4) {
            g->gpr[3] |= diff_rng_next(r) << 32;
        }
        c->mem_in_region = true;
        c->mem_off = (uint32_t)(t - NATIVE_DATA_ADDR);
        add_patch(g, (int64_t)c->mem_off - 4, 8);
    }
}

/* The bit offset of BT* r/m, r with a memory operand picks the unit it accesses. */
static uint64_t bit_string_target(Gen *g, unsigned size, int8_t offset_reg)
{
    DiffRng *r = g->r;
    unsigned bits = size * 8;
    bool in_region;
    uint64_t unit = pick_target(g, size, &in_region);
    int64_t span = chance(r, 50) ? 64 : NATIVE_DATA_SIZE / 2;
    int64_t off_bits = (int64_t)(diff_rng_next(r) % (uint64_t)(2 * span * 8)) - span * 8;
    if (chance(r, 20)) {
        off_bits = (int64_t)below(r, bits); /* inside the operand itself */
    }
    /* the register holds the signed offset at operand size; upper bits are ignored for 16/32 */
    uint64_t v = (uint64_t)off_bits;
    if (size < 8) {
        uint64_t m = (1ull << bits) - 1;
        v = (g->gpr[offset_reg] & ~m) | (v & m);
    }
    set_reg_low(g, offset_reg, v, 8);
    pin(g, offset_reg);
    int64_t units = off_bits >> (bits == 64 ? 6 : bits == 32 ? 5 : 4);
    g->c->mem_in_region = in_region;
    return unit - (uint64_t)(units * (int64_t)size);
}

static void choose_modrm(Gen *g)
{
    DiffRng *r = g->r;
    const DiffForm *f = g->f;
    unsigned reg = f->reg >= 0 ? (unsigned)f->reg : below(r, 8);
    g->reg_field = reg | (g->rex_eff & 4 ? 8 : 0);
    switch (f->modrm) {
    case FORM_MODRM_MEM:
        /* now and then the register form of a memory-only operand: #UD */
        g->is_mem = (f->flags & OPF_GROUP_REG) || !chance(r, 3);
        break;
    case FORM_MODRM_REG:
        g->is_mem = false;
        break;
    default:
        g->is_mem = chance(r, 50);
        break;
    }
    unsigned rm = f->rm >= 0 ? (unsigned)f->rm : below(r, 8);
    g->rm_field = rm | (g->rex_eff & 1 ? 8 : 0);
    g->enc.has_modrm = true;
    g->enc.modrm = (uint8_t)((g->is_mem ? 0 : 0xc0) | (reg << 3) | rm);
}

/*
 * Whether the instruction writes its ModRM memory operand (before or without reading anything
 * else of the code page, whose bytes past the snippet differ between the sides).
 */
static bool writes_memory_operand(const Gen *g)
{
    const OpcodeEntry *e = g->f->e;
    if (e->op[0].kind != OPK_E && e->op[0].kind != OPK_M) {
        return false;
    }
    switch (e->mnemonic) {
    case MN_ADD:
    case MN_OR:
    case MN_ADC:
    case MN_SBB:
    case MN_AND:
    case MN_SUB:
    case MN_XOR:
    case MN_INC:
    case MN_DEC:
    case MN_NEG:
    case MN_NOT:
    case MN_SHL:
    case MN_SHR:
    case MN_SAL:
    case MN_SAR:
    case MN_ROL:
    case MN_ROR:
    case MN_RCL:
    case MN_RCR:
    case MN_SHLD:
    case MN_SHRD:
    case MN_MOV:
    case MN_XCHG:
    case MN_XADD:
    case MN_CMPXCHG:
    case MN_CMPXCHG8B:
    case MN_MOVBE:
    case MN_MOVNTI:
    case MN_SETCC:
    case MN_POP:
        return true;
    case MN_BTS:
    case MN_BTR:
    case MN_BTC:
        return e->op[1].kind == OPK_I;
    default:
        return false;
    }
}

/* The data the memory operand reads, made interesting for the instruction. */
static void memory_values(Gen *g, unsigned size)
{
    DiffCase *c = g->c;
    uint16_t mn = g->f->e->mnemonic;
    if (!c->mem_in_region) {
        return;
    }
    uint32_t off = c->mem_off;
    DiffRng *r = g->r;
    if (mn == MN_CMPXCHG && chance(r, 50)) {
        patch_write(g, off, g->gpr[0], size);
    } else if (mn == MN_CMPXCHG8B && chance(r, 50)) {
        if (size == 16) {
            patch_write(g, off, g->gpr[0], 8);
            patch_write(g, off + 8, g->gpr[2], 8);
        } else {
            patch_write(g, off, (g->gpr[0] & 0xffffffff) | (g->gpr[2] << 32), 8);
        }
    }
}

/* Dividend next to a divisor, so that most divisions complete (SDM Vol. 2A "DIV", "IDIV"). */
static void div_values(Gen *g, uint64_t divisor, unsigned size, bool is_signed)
{
    DiffRng *r = g->r;
    if (!chance(r, 75)) {
        return;
    }
    uint64_t m = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    if (size == 1) {
        uint64_t al = g->gpr[0] & 0xff;
        uint64_t ah = is_signed ? ((al & 0x80) ? 0xff : 0)
                                : (divisor & 0xff ? below(r, (unsigned)(divisor & 0xff)) : 0);
        g->gpr[0] = (g->gpr[0] & ~0xffffull) | (ah << 8) | al;
        return;
    }
    uint64_t lo = g->gpr[0] & m;
    uint64_t hi;
    if (is_signed) {
        hi = (lo >> (8 * size - 1)) & 1 ? m : 0;
    } else {
        hi = (divisor & m) ? diff_rng_next(r) % (divisor & m) : 0;
    }
    g->gpr[2] = (g->gpr[2] & ~m) | hi;
}

static void generic_form(Gen *g)
{
    DiffCase *c = g->c;
    const DiffForm *f = g->f;
    const OpcodeEntry *e = f->e;
    DiffRng *r = g->r;
    uint16_t mn = e->mnemonic;
    if (f->modrm != FORM_NO_MODRM) {
        choose_modrm(g);
    }
    g->lock = g->is_mem && (f->flags & OPF_LOCK) ? chance(r, 30) : chance(r, 2);
    c->dst_size = (uint8_t)type_bytes(g, e->op[0].type);
    if (mn == MN_CMPXCHG8B) {
        c->dst_size = g->opsize == 8 ? 16 : 8;
    }
    c->dst_reg = operand_reg(g, 0);
    setup_roles(g);

    /* register operands: bit offsets and counts get their values here */
    int8_t src_reg = e->op[1].kind ? operand_reg(g, 1) : -1;
    if ((mn == MN_BSF || mn == MN_BSR || mn == MN_TZCNT || mn == MN_LZCNT || mn == MN_POPCNT) &&
        src_reg >= 0 && chance(r, 15)) {
        set_reg_low(g, src_reg, 0, 8);
    }
    /* a divisor, and a dividend next to it, before the address registers are solved */
    uint64_t divisor = 0;
    if (mn == MN_DIV || mn == MN_IDIV) {
        divisor = edge_value(r);
        uint64_t m = c->dst_size >= 8 ? ~0ull : (1ull << (8 * c->dst_size)) - 1;
        if (chance(r, 90) && (divisor & m) == 0) {
            divisor |= 1ull << below(r, c->dst_size * 8);
        }
        if (c->dst_reg >= 0 && !g->is_mem) {
            set_reg_low(g, c->dst_reg, divisor, c->dst_size);
            divisor = reg_value(g, c->dst_reg);
        }
        div_values(g, divisor, c->dst_size, mn == MN_IDIV);
    }

    /* the memory operand */
    if (g->is_mem) {
        unsigned size = mem_operand_size(g);
        bool in_region;
        uint64_t target;
        bool is_bit_string =
            (mn == MN_BT || mn == MN_BTS || mn == MN_BTR || mn == MN_BTC) && e->op[1].kind == OPK_G;
        if (is_bit_string) {
            target = bit_string_target(g, size, operand_reg(g, 1));
        } else if ((mn == MN_LEA || mn == MN_NOP) && chance(r, 50)) {
            target = diff_rng_next(r); /* no memory access: any address */
            c->mem_in_region = false;
        } else if (mn == MN_CMPXCHG8B && size == 16 && chance(r, 85)) {
            target = NATIVE_DATA_ADDR + (below(r, NATIVE_DATA_SIZE) & ~15u);
            c->mem_in_region = true;
        } else if (chance(r, 2) && writes_memory_operand(g)) {
            /* the code page is read-only: #PF with P, W and U set */
            target = NATIVE_CODE_ADDR + below(r, 8);
            c->mem_in_region = false;
        } else {
            target = pick_target(g, size, &in_region);
            c->mem_in_region = in_region;
        }
        c->has_mem = true;
        if (c->mem_in_region) {
            c->mem_off = (uint32_t)(target - NATIVE_DATA_ADDR);
            if (is_bit_string) {
                add_patch(g, (int64_t)c->mem_off - 8, size + 16);
            } else {
                add_patch(g, (int64_t)c->mem_off - 8, size + 16);
            }
        }
        MemTarget t = {target, size};
        mem_operand(g, &t);
        if (is_bit_string) {
            c->mem_in_region = false; /* the accessed unit is not the EA */
        }
        memory_values(g, size);
    }
    if ((mn == MN_DIV || mn == MN_IDIV) && g->is_mem && c->mem_in_region) {
        patch_write(g, c->mem_off, divisor, c->dst_size);
    }
    if (mn == MN_CMPXCHG && !g->is_mem && chance(r, 50) && c->dst_reg >= 0) {
        set_reg_low(g, 0, reg_value(g, c->dst_reg), c->dst_size);
    }

    /* immediates and moffs, in operand order */
    for (unsigned i = 0; i < 3; i++) {
        const OperandSpec *s = &e->op[i];
        if (s->kind == OPK_I) {
            unsigned n = s->type == OPT_BS || s->type == OPT_B ? 1
                         : s->type == OPT_W                    ? 2
                         : s->type == OPT_Z                    ? (g->opsize == 2 ? 2 : 4)
                                                               : g->opsize;
            put_imm(&g->enc, imm_value(g, i, n), n);
        } else if (s->kind == OPK_O) {
            unsigned size = type_bytes(g, s->type);
            bool in_region;
            uint64_t t = pick_target(g, size, &in_region);
            c->has_mem = true;
            c->mem_in_region = in_region;
            if (in_region) {
                c->mem_off = (uint32_t)(t - NATIVE_DATA_ADDR);
                add_patch(g, (int64_t)c->mem_off - 8, size + 16);
            }
            put_imm(&g->enc, t, g->asize);
        } else if (s->kind == OPK_ONE) {
            c->count = 1;
        }
    }
    /* the shift count the instruction will see */
    if (is_shift_or_rotate(mn)) {
        for (unsigned i = 1; i < 3; i++) {
            const OperandSpec *s = &e->op[i];
            if (s->kind == OPK_REG && s->reg == 1) {
                c->count = g->gpr[1] & 0xff;
            } else if (s->kind == OPK_I) {
                c->count = g->enc.imm[0];
            } else if (s->kind == OPK_ONE) {
                c->count = 1;
            }
        }
    }
}

/* ---- branches ---- */

/* Whether a branch's push of the return address (if it makes one) stays clear of faults. */
static bool stack_push_is_safe(const Gen *g, bool uses_stack)
{
    uint64_t sp = g->gpr[4];
    if (!uses_stack) {
        return true;
    }
    bool is_aligned = (sp & 7) == 0 || !(g->c->in.rflags & NATIVE_RFLAGS_AC);
    return sp >= NATIVE_DATA_ADDR + 8 && sp <= REGION_END && is_aligned;
}

/*
 * Layout: EB (B+2); CMC x B; EB (to the end); the branch; CMC x Q. Targets are instruction
 * starts in either CMC run (each CMC flips CF, so where a branch lands shows in the result),
 * or, for rel32 and indirect forms, now and then an address outside: the unmapped pages around
 * the code page, the NX data region, a non-canonical address.
 */
static void branch_form(Gen *g)
{
    DiffCase *c = g->c;
    const DiffForm *f = g->f;
    const OpcodeEntry *e = f->e;
    DiffRng *r = g->r;
    uint16_t mn = e->mnemonic;
    unsigned pre = below(r, 7), post = below(r, 7);
    bool uses_stack = mn == MN_CALL || mn == MN_CALL_IND || mn == MN_RET;
    if (uses_stack) {
        g->gpr[4] = stack_pointer(g, 0x40);
        g->pinned[4] = true;
    }
    if (mn == MN_LOOP || mn == MN_LOOPE || mn == MN_LOOPNE || mn == MN_JCXZ) {
        if (chance(r, 60)) {
            uint64_t low = below(r, 3);
            uint64_t m = g->asize == 4 ? 0xffffffffull : ~0ull;
            if (chance(r, 30)) {
                low = (0 - low) & m;
            }
            g->gpr[1] = (g->gpr[1] & ~m) | low;
        }
        g->pinned[1] = true;
    }
    if (f->modrm != FORM_NO_MODRM) {
        choose_modrm(g);
    }
    unsigned rel_len = 0;
    if (e->op[0].kind == OPK_J) {
        rel_len = e->op[0].type == OPT_BS ? 1 : 4;
        put_imm(&g->enc, 0, rel_len);
    } else if (e->op[0].kind == OPK_I) {
        put_imm(&g->enc, imm_value(g, 0, 2), 2);
    }
    /* a memory operand, for indirect branches: its target address goes in memory */
    uint32_t target_slot = 0;
    bool has_slot = false;
    if ((mn == MN_JMP_IND || mn == MN_CALL_IND) && g->is_mem) {
        bool in_region;
        uint64_t t = pick_target(g, 8, &in_region);
        c->has_mem = true;
        c->mem_in_region = in_region;
        if (in_region) {
            c->mem_off = (uint32_t)(t - NATIVE_DATA_ADDR);
            target_slot = c->mem_off;
            has_slot = true;
            add_patch(g, (int64_t)c->mem_off - 8, 24);
        }
        MemTarget mt = {t, 8};
        mem_operand(g, &mt);
    }
    if (mn == MN_RET && g->gpr[4] + 8 <= REGION_END && g->gpr[4] >= NATIVE_DATA_ADDR) {
        target_slot = (uint32_t)(g->gpr[4] - NATIVE_DATA_ADDR);
        has_slot = true;
        add_patch(g, (int64_t)target_slot - 16, 40);
    }
    finish_prefixes(g);
    unsigned len = enc_length(&g->enc);
    unsigned insn_off = 4 + pre, insn_end = insn_off + len;

    /* the target */
    uint64_t target;
    unsigned k = below(r, 100);
    bool can_go_far = rel_len != 1;
    if (can_go_far && k < 2) {
        target = NATIVE_CODE_ADDR + NATIVE_CODE_SIZE + below(r, 64);
    } else if (can_go_far && k < 3) {
        target = NATIVE_CODE_ADDR - 1 - below(r, 64);
    } else if (can_go_far && k < 4) {
        target = NATIVE_DATA_ADDR + below(r, NATIVE_DATA_SIZE);
    } else if (can_go_far && rel_len == 0 && k < 6 && stack_push_is_safe(g, uses_stack)) {
        /*
         * A non-canonical target. Only with a push that cannot fault: which of the two faults
         * wins is a vendor difference. Intel checks the target first (SDM Vol. 2B "CALL"
         * pseudocode: #GP(0) before Push(RIP)), this host (AMD) pushes first (#PF, #AC).
         */
        target = 0x0000800000000000ull | (diff_rng_next(r) & 0x00007fffffffffffull);
        if (chance(r, 50)) {
            target = ~target;
        }
    } else if (chance(r, 40) || mn == MN_JCC) {
        unsigned choice = below(r, pre + 1);
        target = NATIVE_CODE_ADDR + 2 + choice;
        if (chance(r, 60)) {
            target = NATIVE_CODE_ADDR + insn_end + below(r, post + 1);
        }
    } else {
        target = NATIVE_CODE_ADDR + insn_end + below(r, post + 1);
    }
    if (rel_len) {
        int64_t rel = (int64_t)(target - (NATIVE_CODE_ADDR + insn_end));
        unsigned at = g->enc.imm_len - rel_len;
        for (unsigned i = 0; i < rel_len; i++) {
            g->enc.imm[at + i] = (uint8_t)((uint64_t)rel >> (8 * i));
        }
    } else if (mn == MN_JMP_IND || mn == MN_CALL_IND) {
        if (g->is_mem) {
            if (has_slot) {
                patch_write(g, target_slot, target, 8);
            }
        } else {
            if (g->rm_field == 4 && (uint64_t)((int64_t)(target << 16) >> 16) != target) {
                /* RSP stays canonical (random_state()): land in the snippet instead */
                target = NATIVE_CODE_ADDR + insn_end + below(r, post + 1);
            }
            g->gpr[g->rm_field] = target;
        }
    } else if (mn == MN_RET && has_slot) {
        patch_write(g, target_slot, target, 8);
    }

    uint8_t *p = c->code;
    p[0] = 0xeb;
    p[1] = (uint8_t)(pre + 2);
    memset(p + 2, 0xf5, pre);
    p[2 + pre] = 0xeb;
    p[3 + pre] = (uint8_t)(len + post);
    enc_emit(&g->enc, p + insn_off, NATIVE_CODE_ADDR + insn_off);
    memset(p + insn_end, 0xf5, post);
    c->insn_off = insn_off;
    c->insn_len = len;
    c->len = insn_end + post;
}

/* ---- strings ---- */

static void string_form(Gen *g)
{
    DiffCase *c = g->c;
    const OpcodeEntry *e = g->f->e;
    DiffRng *r = g->r;
    uint16_t mn = e->mnemonic;
    unsigned size = 1;
    for (unsigned i = 0; i < 2; i++) {
        if (e->op[i].kind == OPK_X || e->op[i].kind == OPK_Y) {
            size = type_bytes(g, e->op[i].type);
        }
    }
    bool uses_si = mn == MN_MOVS || mn == MN_CMPS || mn == MN_LODS;
    bool uses_di = mn != MN_LODS;
    bool backward = (c->in.rflags & NATIVE_RFLAGS_DF) != 0;
    uint64_t am = amask(g);
    uint64_t n = 1;
    if (g->rep) {
        unsigned k = below(r, 100);
        n = k < 30   ? below(r, 5)
            : k < 70 ? 5 + below(r, 60)
            : k < 92 ? 65 + below(r, 1500)
                     : edge_value(r) & am;
        g->gpr[1] = (g->gpr[1] & ~am) | (n & am);
    }
    uint64_t span = n * size;
    if (span > NATIVE_DATA_SIZE) {
        span = NATIVE_DATA_SIZE;
    }
    uint64_t ptr[2];
    for (unsigned i = 0; i < 2; i++) {
        uint64_t off;
        if (chance(r, 10) || span >= NATIVE_DATA_SIZE - size) {
            off = below(r, NATIVE_DATA_SIZE); /* may run off the region: faults midway */
        } else if (!backward) {
            off = below(r, (unsigned)(NATIVE_DATA_SIZE - span + 1));
        } else {
            off = span - size + below(r, (unsigned)(NATIVE_DATA_SIZE - span + 1));
        }
        if (chance(r, 60)) {
            off &= ~(uint64_t)(size - 1);
        }
        ptr[i] = NATIVE_DATA_ADDR + off;
    }
    if (uses_si && uses_di && chance(r, 10)) {
        ptr[1] = ptr[0] + below(r, 17) - 8; /* overlapping copies */
    }
    for (unsigned i = 0; i < 2; i++) {
        uint64_t v = ptr[i];
        if (g->asize == 4) {
            v = (v & 0xffffffffull) | (diff_rng_next(r) << 32);
        }
        g->gpr[i == 0 ? 6 : 7] = v;
    }
    g->pinned[1] = g->pinned[6] = g->pinned[7] = true;

    /* the windows the run reads */
    uint64_t win = span + 2 * size + 16;
    if (win > 4096) {
        win = 4096;
    }
    uint8_t *src = NULL;
    for (unsigned i = 0; i < 2; i++) {
        if ((i == 0 && !uses_si) || (i == 1 && !uses_di)) {
            continue;
        }
        int64_t off = (int64_t)(ptr[i] - NATIVE_DATA_ADDR);
        int64_t start = backward ? off - (int64_t)win + 2 * size + 8 : off - 8;
        uint8_t *p = add_patch(g, start, (int64_t)win);
        if (!p) {
            continue;
        }
        if (i == 0) {
            src = p;
        } else if (mn == MN_CMPS && src && chance(r, 70)) {
            /* equal runs with sparse differences keep REPE/REPNE going */
            uint64_t len = c->patch[c->npatch - 1].len;
            uint64_t slen = c->patch[c->npatch - 2].len;
            memcpy(p, src, len < slen ? len : slen);
            for (unsigned d = below(r, 4); d > 0; d--) {
                p[below(r, (unsigned)len)] ^= (uint8_t)(1u << below(r, 8));
            }
        } else if (mn == MN_SCAS && chance(r, 60)) {
            uint64_t len = c->patch[c->npatch - 1].len;
            uint64_t a = g->gpr[0];
            for (uint64_t j = 0; j < len; j++) {
                p[j] = (uint8_t)(a >> (8 * (j % size)));
            }
            for (unsigned d = below(r, 4); d > 0; d--) {
                p[below(r, (unsigned)len)] ^= (uint8_t)(1u << below(r, 8));
            }
        }
    }
    c->dst_size = (uint8_t)size;
}

/* ---- putting a case together ---- */

static void random_state(Gen *g)
{
    DiffRng *r = g->r;
    NativeCpuState *s = &g->c->in;
    native_exec_init_state(s);
    for (unsigned i = 0; i < 16; i++) {
        s->gpr[i] = edge_value(r);
    }
    /*
     * RSP starts canonical: on the host, a kernel entry while the snippet runs (the page fault
     * of a freshly written code page, a timer interrupt) returns to user mode with IRET, which
     * raises #GP for a non-canonical RSP. For the same reason RSP is never the register an
     * address is solved for (it is pinned).
     */
    s->gpr[4] = (uint64_t)((int64_t)(s->gpr[4] << 16) >> 16);
    g->pinned[4] = true;
    uint64_t fl = NATIVE_RFLAGS_FIXED;
    fl |= diff_rng_next(r) &
          (NATIVE_RFLAGS_CF | NATIVE_RFLAGS_PF | NATIVE_RFLAGS_AF | NATIVE_RFLAGS_ZF |
           NATIVE_RFLAGS_SF | NATIVE_RFLAGS_OF | NATIVE_RFLAGS_ID);
    if (chance(r, 30)) {
        fl |= NATIVE_RFLAGS_DF;
    }
    if (chance(r, 6)) {
        fl |= NATIVE_RFLAGS_AC; /* with CR0.AM = 1: misaligned accesses raise #AC */
    }
    s->rflags = fl;
}

void diff_generate(DiffRng *rng, DiffForm *f, DiffCase *c)
{
    memset(c, 0, offsetof(DiffCase, patch_bytes));
    Gen g = {.r = rng, .f = f, .c = c};
    random_state(&g);
    g.gpr = c->in.gpr;
    c->form = f;
    c->mnemonic = f->e->mnemonic;
    c->dst_reg = -1;
    c->undef_reg = -1;
    choose_prefixes(&g);
    compute_sizes(&g);
    Enc *e = &g.enc;
    if (f->map != 1) {
        e->opc[e->nopc++] = 0x0f;
        if (f->map != 2) {
            e->opc[e->nopc++] = f->map;
        }
    }
    e->opc[e->nopc++] = f->opcode;

    if (f->cls == DIFF_CLASS_BRANCH) {
        branch_form(&g);
    } else {
        if (f->cls == DIFF_CLASS_INVALID) {
            if (f->modrm != FORM_NO_MODRM) {
                choose_modrm(&g);
            }
            put_imm(e, diff_rng_next(rng), 8);
        } else if (f->cls == DIFF_CLASS_STRING) {
            string_form(&g);
        } else {
            generic_form(&g);
        }
        finish_prefixes(&g);
        /*
         * Which of #UD and #GP an overlong UD0/UD1 raises is not ordered by the SDM (Vol. 3A
         * table 6-2 lists both in one priority class); this host raises #UD, vireo #GP.
         */
        if (chance(rng, 1) && f->e->mnemonic != MN_UD) {
            /* more than 15 bytes: #GP(0) (SDM Vol. 2A §2.3.11) */
            unsigned len = enc_length(e);
            while (len <= 15 && e->npfx < sizeof(e->pfx)) {
                memmove(e->pfx + 1, e->pfx, e->npfx);
                e->pfx[0] = 0x3e;
                e->npfx++;
                len++;
            }
        }
        c->insn_off = 0;
        c->insn_len = enc_emit(e, c->code, NATIVE_CODE_ADDR);
        c->len = c->insn_len;
    }
    c->opsize = (uint8_t)g.opsize;
    if (g.is_mem) {
        f->mem_generated++;
    } else {
        f->reg_generated++;
    }
}
