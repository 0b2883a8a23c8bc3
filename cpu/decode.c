/*
 * cpu/decode.c: the decoder (see decode.h). One pass: prefixes, REX, opcode map walk through
 * the table's groups, ModRM/SIB/displacement, immediates, then the validity rules that make a
 * form #UD (LOCK, i64/o64, register forms of memory-only operands).
 */
#include "cpu/decode.h"

#include <string.h>

/*
 * Reads past the given bytes return zeros and remember the first missing position: the
 * decode then ends with DECODE_NEED_MORE (or DECODE_TOO_LONG past 15 bytes), and the caller
 * fetches exactly the bytes the instruction was seen to need, so it never touches a page the
 * instruction does not reach.
 */
typedef struct Cursor {
    const uint8_t *bytes;
    unsigned avail;
    unsigned max_len; /* the model's instruction length limit, at most INSN_MAX_LEN */
    unsigned pos;
    bool short_input;
    unsigned first_missing;
} Cursor;

static uint64_t take(Cursor *c, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned at = c->pos + i;
        uint8_t b = 0;
        if (at < c->avail && at < c->max_len) {
            b = c->bytes[at];
        } else if (!c->short_input) {
            c->short_input = true;
            c->first_missing = at;
        }
        v |= (uint64_t)b << (8 * i);
    }
    c->pos += n;
    return v;
}

static DecodeStatus short_status(const Cursor *c, unsigned *need)
{
    if (c->first_missing >= c->max_len) {
        return DECODE_TOO_LONG;
    }
    *need = c->first_missing + 1;
    return DECODE_NEED_MORE;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return (int64_t)(v << shift) >> shift;
}

/* Index into a PREFIXED sub-table: none, 66, F3, F2 (the last of F2/F3 wins). */
static unsigned mandatory_prefix_index(uint8_t last_rep, bool has_66)
{
    if (last_rep == 0xf3) {
        return 2;
    }
    if (last_rep == 0xf2) {
        return 3;
    }
    return has_66 ? 1 : 0;
}

/* Operand size in bytes for an operand type, given the instruction's operand size. */
static unsigned type_size(uint8_t type, unsigned opsize, DecodeMode mode)
{
    switch (type) {
    case OPT_B:
    case OPT_BS:
        return 1;
    case OPT_W:
        return 2;
    case OPT_D:
        return 4;
    case OPT_Q:
        return 8;
    case OPT_DQ:
        return 16;
    case OPT_V:
    case OPT_WV:
        return opsize;
    case OPT_Z:
        return opsize == 2 ? 2 : 4;
    case OPT_Y:
        return opsize == 8 ? 8 : 4;
    case OPT_P:
        return opsize + 2;
    case OPT_S:
        return mode == DECODE_64 ? 10 : 6;
    case OPT_A:
        return opsize * 2;
    case OPT_BD:
        return 1;
    case OPT_WD:
        return 2;
    case OPT_T:
        return 10;
    case OPT_ENV:
        return opsize == 2 ? 14 : 28;
    case OPT_FST:
        return opsize == 2 ? 94 : 108;
    default:
        return 0;
    }
}

/* 16-bit addressing, SDM Vol. 2A table 2-1. */
static const uint8_t modrm16_base[8] = { R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX };
static const uint8_t modrm16_index[8] = { R_SI, R_DI, R_SI, R_DI, NO_REG, NO_REG, NO_REG, NO_REG };

static void decode_modrm16(DecodedInsn *d, Cursor *c, unsigned mod, unsigned rm)
{
    d->scale = 0;
    if (mod == 0 && rm == 6) {
        d->base = NO_REG;
        d->index = NO_REG;
        d->disp = (int64_t)(uint16_t)take(c, 2);
        return;
    }
    d->base = modrm16_base[rm];
    d->index = modrm16_index[rm];
    if (mod == 1) {
        d->disp = sign_extend(take(c, 1), 1);
    } else if (mod == 2) {
        d->disp = sign_extend(take(c, 2), 2);
    } else {
        d->disp = 0;
    }
}

/* 32/64-bit addressing with SIB, SDM Vol. 2A tables 2-2, 2-3, and §2.2.1.6 (RIP-relative). */
static void decode_modrm32(DecodedInsn *d, Cursor *c, unsigned mod, unsigned rm, DecodeMode mode)
{
    unsigned rex_b = (d->rex & 1) << 3, rex_x = (d->rex & 2) << 2;
    d->index = NO_REG;
    d->scale = 0;
    if (rm == 4) {
        unsigned sib = (unsigned)take(c, 1);
        unsigned base = sib & 7, index = ((sib >> 3) & 7) | rex_x;
        d->scale = (uint8_t)(sib >> 6);
        d->index = index == R_SP ? NO_REG : (uint8_t)index;
        if (base == 5 && mod == 0) {
            d->base = NO_REG;
            d->disp = sign_extend(take(c, 4), 4);
            return;
        }
        d->base = (uint8_t)(base | rex_b);
    } else if (rm == 5 && mod == 0) {
        d->base = mode == DECODE_64 ? RIP_REG : NO_REG;
        d->disp = sign_extend(take(c, 4), 4);
        return;
    } else {
        d->base = (uint8_t)(rm | rex_b);
    }
    if (mod == 1) {
        d->disp = sign_extend(take(c, 1), 1);
    } else if (mod == 2) {
        d->disp = sign_extend(take(c, 4), 4);
    } else {
        d->disp = 0;
    }
}

/* Byte registers: without REX, 4-7 are AH, CH, DH, BH (SDM Vol. 1 §3.4.1.1). */
static uint8_t byte_reg(unsigned reg, bool has_rex)
{
    if (!has_rex && reg >= 4 && reg < 8) {
        return (uint8_t)(GPR_AH_BASE + reg - 4);
    }
    return (uint8_t)reg;
}

static bool is_stack_base(uint8_t base)
{
    return base == R_SP || base == R_BP;
}

DecodeStatus decode_insn(DecodedInsn *d, const uint8_t *bytes, unsigned avail, DecodeMode mode,
                         CpuModel model, unsigned *need)
{
    const OpcodeModel *m = &opcode_models[model];
    Cursor c = { .bytes = bytes, .avail = avail, .max_len = m->max_len };
    memset(d, 0, sizeof(*d));
    d->base = NO_REG;
    d->index = NO_REG;

    /* Legacy prefixes, then REX (64-bit mode) which must come last. */
    int seg_override = -1;
    uint8_t last_rep = 0;
    for (;;) {
        uint8_t b = (uint8_t)take(&c, 1);
        if (c.short_input) {
            return short_status(&c, need);
        }
        if (!m->has_386_prefixes && b >= 0x64 && b <= 0x67) {
            c.pos--; /* opcodes of their own before the 80386 */
            break;
        }
        if (b == 0xf1 && m->is_f1_lock) {
            b = 0xf0;
        }
        switch (b) {
        case 0xf0: d->prefixes |= PFX_LOCK; d->rex = 0; continue;
        case 0xf2: last_rep = b; d->rex = 0; continue;
        case 0xf3: last_rep = b; d->rex = 0; continue;
        case 0x66: d->prefixes |= PFX_OPSIZE; d->rex = 0; continue;
        case 0x67: d->prefixes |= PFX_ADDRSIZE; d->rex = 0; continue;
        case 0x26: seg_override = SEG_ES; d->rex = 0; continue;
        case 0x2e: seg_override = SEG_CS; d->rex = 0; continue;
        case 0x36: seg_override = SEG_SS; d->rex = 0; continue;
        case 0x3e: seg_override = SEG_DS; d->rex = 0; continue;
        case 0x64: seg_override = SEG_FS; d->rex = 0; continue;
        case 0x65: seg_override = SEG_GS; d->rex = 0; continue;
        default:
            break;
        }
        if (mode == DECODE_64 && (b & 0xf0) == 0x40) {
            /* A REX not immediately before the opcode is ignored (SDM Vol. 2A §2.2.1). */
            d->rex = b;
            continue;
        }
        c.pos--;
        break;
    }
    if (d->rex) {
        d->prefixes |= PFX_REX;
    }
    /* In 64-bit mode CS, SS, DS and ES overrides are ignored (SDM Vol. 1 §3.3.7.1). */
    if (seg_override >= 0 && (mode != DECODE_64 || seg_override >= SEG_FS)) {
        d->prefixes |= PFX_SEG;
    }

    /* Opcode maps. */
    const OpcodeEntry *e;
    uint8_t op = (uint8_t)take(&c, 1);
    d->map = 1;
    if (op == 0x0f && m->has_0f_map) {
        op = (uint8_t)take(&c, 1);
        d->map = 2;
        if (op == 0x38 || op == 0x3a) {
            d->map = op;
            op = (uint8_t)take(&c, 1);
            e = &(d->map == 0x38 ? opcode_map3_38 : opcode_map3_3a)[op];
        } else {
            e = &opcode_map2[op];
        }
    } else if (m->map1_overlay && !OPCODE_NO_OVERLAY(&m->map1_overlay[op])) {
        e = &m->map1_overlay[op];
    } else {
        e = &opcode_map1[op];
    }
    if (c.short_input) {
        return short_status(&c, need);
    }
    d->opcode = op;
    bool has_66 = (d->prefixes & PFX_OPSIZE) != 0;

    /* VEX (C4/C5) and EVEX (62): AVX is not advertised, so in 64-bit mode, and in 32-bit code
     * when the next byte has mod == 3, they are #UD (SDM Vol. 2A §2.3.5). Elsewhere they stay
     * LES, LDS and BOUND. */
    if (d->map == 1 && (op == 0xc4 || op == 0xc5 || op == 0x62)) {
        if (mode == DECODE_64) {
            return DECODE_UD;
        }
    }
    if (mode == DECODE_64 && (e->flags & OPF_ALT64)) {
        e = e->sub;
    }
    /* A prefix that selects the form is part of the opcode, not a REP or operand-size prefix
     * (SDM Vol. 2A §2.1.2 "mandatory prefixes"); 66 keeps selecting the operand size only
     * where it is not mandatory. */
    bool is_prefix_selected = false;
    if (e->flags & OPF_PREFIX_GROUP) {
        unsigned idx = mandatory_prefix_index(last_rep, has_66);
        e = &e->sub[idx];
        is_prefix_selected = idx != 0;
    }

    /* ModRM and the groups it selects. */
    unsigned mod = 0, reg = 0, rm = 0;
    bool has_modrm = (e->flags & OPF_MODRM) != 0;
    if (has_modrm) {
        d->modrm = (uint8_t)take(&c, 1);
        if (c.short_input) {
            return short_status(&c, need);
        }
        mod = d->modrm >> 6;
        reg = (d->modrm >> 3) & 7;
        rm = d->modrm & 7;
        if (e->flags & OPF_GROUP) {
            if ((e->flags & OPF_I64) && mode == DECODE_64) {
                return DECODE_UD; /* 82 */
            }
            e = &e->sub[(mod == 3 && (e->flags & OPF_GROUP_REG)) ? 8 + reg : reg];
            if (e->flags & OPF_PREFIX_GROUP) {
                unsigned idx = mandatory_prefix_index(last_rep, has_66);
                e = &e->sub[idx];
                is_prefix_selected = idx != 0;
            }
            if (e->flags & OPF_RM_GROUP) {
                e = &e->sub[rm];
            }
        }
    }
    if (e->mnemonic == MN_INVALID) {
        return DECODE_UD;
    }
    if ((e->flags & OPF_I64) && mode == DECODE_64) {
        return DECODE_UD;
    }
    if ((e->flags & OPF_O64) && mode != DECODE_64) {
        return DECODE_UD;
    }
    if (d->map == 1 && (op == 0xc4 || op == 0xc5 || op == 0x62) && mode == DECODE_32 &&
        mod == 3) {
        return DECODE_UD;
    }
    d->entry = e;
    d->mnemonic = e->mnemonic;
    if (e->flags & OPF_CONDITION) {
        d->cond = op & 0xf;
    }
    if (last_rep && !(e->flags & OPF_NO_REP) && !is_prefix_selected) {
        d->prefixes |= last_rep == 0xf3 ? PFX_REP : PFX_REPNE;
    }

    /* Operand and address size (SDM Vol. 1 §3.6, Vol. 2A §2.2.1.2). */
    if (mode == DECODE_64) {
        if ((e->flags & (OPF_F64 | OPF_SIZE64)) || (d->rex & 8)) {
            d->opsize = 8;
        } else if (has_66) {
            d->opsize = 2;
        } else {
            d->opsize = (e->flags & OPF_D64) ? 8 : 4;
        }
        d->addrsize = (d->prefixes & PFX_ADDRSIZE) ? 4 : 8;
    } else {
        unsigned def = mode == DECODE_32 ? 4 : 2;
        d->opsize = (uint8_t)((e->flags & OPF_SIZE64) ? 4 : (has_66 ? 6 - def : def));
        d->addrsize = (uint8_t)((d->prefixes & PFX_ADDRSIZE) ? 6 - def : def);
    }

    /* Memory operand addressing. */
    bool is_mem = has_modrm && mod != 3;
    bool has_r_operand = false;
    for (unsigned i = 0; i < 3; i++) {
        if (e->op[i].kind == OPK_R || e->op[i].kind == OPK_C || e->op[i].kind == OPK_D) {
            has_r_operand = true;
        }
    }
    if (has_r_operand) {
        is_mem = false; /* MOV CRn/DRn ignore mod (SDM Vol. 2B "MOV—Move to/from Control") */
    }
    if (is_mem) {
        if (d->addrsize == 2) {
            decode_modrm16(d, &c, mod, rm);
        } else {
            decode_modrm32(d, &c, mod, rm, mode);
        }
    }
    /* A base of rSP or rBP (BP in 16-bit forms) selects SS (SDM Vol. 1 §3.7.4). */
    int default_seg = (is_mem && is_stack_base(d->base)) ? SEG_SS : SEG_DS;
    d->seg = (uint8_t)((d->prefixes & PFX_SEG) ? seg_override : default_seg);

    /* Operands and immediates, in table order (immediates appear in encoding order). */
    unsigned rex_r = (d->rex & 4) << 1, rex_b = (d->rex & 1) << 3;
    bool has_rex = d->rex != 0;
    bool first_imm = true;
    for (unsigned i = 0; i < 3; i++) {
        const OperandSpec *s = &e->op[i];
        DecodedOperand *o = &d->op[i];
        if (s->kind == OPK_NONE) {
            continue;
        }
        d->nops = (uint8_t)(i + 1);
        unsigned size = type_size(s->type, d->opsize, mode);
        o->size = (uint8_t)size;
        switch (s->kind) {
        case OPK_E:
        case OPK_M:
        case OPK_R:
            if (is_mem) {
                if (s->kind == OPK_R) {
                    return DECODE_UD;
                }
                o->loc = LOC_MEM;
                if (s->type == OPT_WV) {
                    o->size = 2;
                }
            } else {
                if (s->kind == OPK_M) {
                    return DECODE_UD;
                }
                o->loc = LOC_GPR;
                if (s->type == OPT_BD || s->type == OPT_WD) {
                    o->size = 4;
                }
                o->reg = o->size == 1 ? byte_reg(rm | rex_b, has_rex) : (uint8_t)(rm | rex_b);
            }
            break;
        case OPK_V:
            o->loc = LOC_XMM;
            o->reg = (uint8_t)(reg | rex_r);
            break;
        case OPK_W:
        case OPK_U:
            if (is_mem) {
                if (s->kind == OPK_U) {
                    return DECODE_UD;
                }
                o->loc = LOC_MEM;
            } else {
                o->loc = LOC_XMM;
                o->reg = (uint8_t)(rm | rex_b);
            }
            break;
        case OPK_P:
            o->loc = LOC_MMX;
            o->reg = (uint8_t)reg;
            break;
        case OPK_Q:
        case OPK_N:
            if (is_mem) {
                if (s->kind == OPK_N) {
                    return DECODE_UD;
                }
                o->loc = LOC_MEM;
            } else {
                o->loc = LOC_MMX;
                o->reg = (uint8_t)rm;
            }
            break;
        case OPK_XMM0:
            o->loc = LOC_XMM;
            o->reg = 0;
            break;
        case OPK_ST0:
            o->loc = LOC_ST;
            o->reg = 0;
            break;
        case OPK_STI:
            o->loc = LOC_ST;
            o->reg = (uint8_t)rm;
            break;
        case OPK_G:
            o->loc = LOC_GPR;
            o->reg = size == 1 ? byte_reg(reg | rex_r, has_rex) : (uint8_t)(reg | rex_r);
            break;
        case OPK_S:
            if (m->is_sreg_wrapped) {
                reg &= 3;
            } else if (reg >= m->sreg_count) {
                return DECODE_UD;
            }
            o->loc = LOC_SEG;
            o->reg = (uint8_t)reg;
            break;
        case OPK_C:
            o->loc = LOC_CR;
            o->reg = (uint8_t)(reg | rex_r);
            break;
        case OPK_D:
            if (rex_r) {
                return DECODE_UD; /* DR8-DR15 do not exist */
            }
            o->loc = LOC_DR;
            o->reg = (uint8_t)reg;
            break;
        case OPK_Z:
            o->loc = LOC_GPR;
            o->reg = size == 1 ? byte_reg((op & 7) | rex_b, has_rex) : (uint8_t)((op & 7) | rex_b);
            break;
        case OPK_REG:
            o->loc = LOC_GPR;
            o->reg = s->reg;
            break;
        case OPK_SEG:
            o->loc = LOC_SEG;
            o->reg = s->reg;
            break;
        case OPK_ONE:
            o->loc = LOC_IMM;
            if (first_imm) {
                d->imm = 1;
                first_imm = false;
            }
            break;
        case OPK_I: {
            unsigned n = s->type == OPT_BS ? 1 : (s->type == OPT_V ? d->opsize : size);
            if (s->type == OPT_Z && d->opsize == 8) {
                n = 4;
            }
            uint64_t v = take(&c, n);
            if (s->type == OPT_BS || (s->type == OPT_Z && d->opsize == 8)) {
                v = (uint64_t)sign_extend(v, n);
            }
            o->loc = LOC_IMM;
            if (first_imm) {
                d->imm = v;
                first_imm = false;
            } else {
                d->imm2 = (uint16_t)v;
                o->reg = 1; /* reads .imm2 */
            }
            break;
        }
        case OPK_J: {
            unsigned n = s->type == OPT_BS ? 1 : (d->opsize == 2 ? 2 : 4);
            d->imm = (uint64_t)sign_extend(take(&c, n), n);
            o->loc = LOC_IMM;
            first_imm = false;
            break;
        }
        case OPK_A: {
            unsigned n = d->opsize == 2 ? 2 : 4;
            d->imm = take(&c, n);
            d->imm2 = (uint16_t)take(&c, 2);
            o->loc = LOC_IMM;
            first_imm = false;
            break;
        }
        case OPK_O:
            d->disp = (int64_t)take(&c, d->addrsize);
            d->base = NO_REG;
            d->index = NO_REG;
            o->loc = LOC_MEM;
            break;
        case OPK_X:
            o->loc = LOC_MEM;
            break;
        case OPK_Y:
            o->loc = LOC_MEM;
            break;
        default:
            return DECODE_UD;
        }
    }
    if (c.short_input) {
        return short_status(&c, need);
    }
    /* LOCK: only listed instructions with a memory destination (SDM Vol. 2A "LOCK"). */
    if ((d->prefixes & PFX_LOCK) && m->is_lock_checked &&
        (!(e->flags & OPF_LOCK) || d->nops == 0 || d->op[0].loc != LOC_MEM)) {
        return DECODE_UD;
    }
    /* 90: NOP unless REX.B names R8; F3 90 is PAUSE (SDM Vol. 2B "NOP", "PAUSE"). */
    if (d->map == 1 && op == 0x90 && !(d->rex & 1)) {
        d->mnemonic = (last_rep == 0xf3) ? MN_PAUSE : MN_NOP;
        d->nops = 0;
        d->prefixes &= (uint8_t)~(PFX_REP | PFX_REPNE);
    }
    d->len = (uint8_t)c.pos;
    return DECODE_OK;
}
