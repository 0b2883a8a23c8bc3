/*
 * cpu/opcode.h: the shape of vireo's one opcode table (STYLE.md §5).
 *
 * The table (cpu/opcode_table.c) describes every opcode of the one-byte map, the two-byte map
 * (0F xx) and the three-byte maps (0F 38 xx, 0F 3A xx) in the SDM's operand notation (Vol. 2D
 * appendix A): an addressing method (E, G, I, J, M, ...) and an operand type (b, w, d, q, v,
 * z, y, p, s). The decoder, the interpreter's dispatch, the translator, the conformance test
 * generator and the Capstone cross-check all read it; nothing else describes an opcode.
 */
#ifndef VIREO_CPU_OPCODE_H
#define VIREO_CPU_OPCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/model.h"

typedef enum Mnemonic {
#define X(name) MN_##name,
#include "cpu/mnemonics.inc"
#undef X
    MN_COUNT
} Mnemonic;

extern const char *const mnemonic_names[MN_COUNT];

/* Addressing methods, SDM Vol. 2D §A.2.1 (plus fixed operands). */
typedef enum OperandKind {
    OPK_NONE,
    OPK_E,    /* ModRM r/m: general register or memory */
    OPK_M,    /* ModRM r/m: memory only (a register form is #UD) */
    OPK_R,    /* ModRM r/m: general register only (mod bits ignored, as MOV CRn) */
    OPK_G,    /* ModRM reg: general register */
    OPK_S,    /* ModRM reg: segment register */
    OPK_C,    /* ModRM reg: control register */
    OPK_D,    /* ModRM reg: debug register */
    OPK_I,    /* immediate */
    OPK_J,    /* relative displacement, added to the next instruction's address */
    OPK_A,    /* direct far pointer ptr16:16/ptr16:32 */
    OPK_O,    /* moffs: an absolute offset of address size */
    OPK_X,    /* string source DS:rSI (segment overridable) */
    OPK_Y,    /* string destination ES:rDI */
    OPK_Z,    /* general register in opcode bits 2:0, extended by REX.B */
    OPK_REG,  /* a fixed general register: .reg is its number */
    OPK_SEG,  /* a fixed segment register: .reg is its number */
    OPK_ONE,  /* the constant 1 */
    OPK_V,    /* ModRM reg: XMM register */
    OPK_W,    /* ModRM r/m: XMM register or memory */
    OPK_U,    /* ModRM r/m: XMM register only (a memory form is #UD) */
    OPK_P,    /* ModRM reg: MMX register (REX.R ignored) */
    OPK_Q,    /* ModRM r/m: MMX register or memory (REX.B ignored for the register) */
    OPK_N,    /* ModRM r/m: MMX register only */
    OPK_XMM0, /* the implicit XMM0 (BLENDVPS, PBLENDVB, BLENDVPD) */
    OPK_ST0,  /* x87 ST(0) */
    OPK_STI,  /* x87 ST(i), i = ModRM.rm */
    OPK_COUNT
} OperandKind;

/* Operand types, SDM Vol. 2D §A.2.2. */
typedef enum OperandType {
    OPT_NONE,
    OPT_B,   /* byte */
    OPT_W,   /* word */
    OPT_D,   /* doubleword */
    OPT_Q,   /* quadword */
    OPT_DQ,  /* double quadword (CMPXCHG16B) */
    OPT_V,   /* word, doubleword or quadword by operand size */
    OPT_Z,   /* word for 16-bit operand size, doubleword for 32- and 64-bit */
    OPT_Y,   /* doubleword, or quadword for 64-bit operand size */
    OPT_BS,  /* byte, sign-extended to the operand size */
    OPT_P,   /* far pointer: 32, 48 or 80 bits by operand size */
    OPT_S,   /* pseudo-descriptor: 6 bytes, 10 in 64-bit mode */
    OPT_A,   /* two operands of operand size in memory (BOUND) */
    OPT_WV,  /* word in memory, operand size in a register (MOV Sreg, SLDT, SMSW) */
    OPT_BD,  /* byte in memory, a doubleword register (PINSRB, PEXTRB: no AH-BH) */
    OPT_WD,  /* word in memory, a doubleword register (PEXTRW, PINSRW) */
    OPT_T,   /* 80-bit x87 operand (m80fp, m80bcd) */
    OPT_ENV, /* x87 environment: 14 bytes for 16-bit operand size, else 28 */
    OPT_FST, /* x87 state (FSAVE/FRSTOR): 94 bytes for 16-bit operand size, else 108 */
    OPT_FX,  /* 512-byte FXSAVE area */
    OPT_XS,  /* XSAVE area (its size depends on the components: the memory operand's start) */
    OPT_COUNT
} OperandType;

typedef struct OperandSpec {
    uint8_t kind; /* OperandKind */
    uint8_t type; /* OperandType */
    uint8_t reg;  /* for OPK_REG/OPK_SEG */
} OperandSpec;

enum {
    OPF_MODRM = 1u << 0,       /* a ModRM byte follows the opcode */
    OPF_LOCK = 1u << 1,        /* LOCK allowed (with a memory destination) */
    OPF_I64 = 1u << 2,         /* invalid in 64-bit mode */
    OPF_O64 = 1u << 3,         /* valid only in 64-bit mode */
    OPF_D64 = 1u << 4,         /* 64-bit operand size by default in 64-bit mode */
    OPF_F64 = 1u << 5,         /* 64-bit operand size in 64-bit mode, 66h ignored (Intel) */
    OPF_GROUP = 1u << 6,       /* ModRM.reg selects from .sub[0..7] (memory forms) */
    OPF_GROUP_REG = 1u << 7,   /* with OPF_GROUP: mod == 3 selects from .sub[8..15] */
    OPF_RM_GROUP = 1u << 8,    /* ModRM.rm selects from .sub[0..7] (register forms) */
    OPF_PREFIX_GROUP = 1u << 9, /* mandatory prefix selects .sub[none, 66, F3, F2] */
    OPF_STRING = 1u << 10,     /* a string instruction: REP/REPE/REPNE apply */
    OPF_BLOCK_END = 1u << 11,  /* may change RIP other than to the next instruction, or the
                                  mode bits a block is keyed on: ends a block */
    OPF_CONDITION = 1u << 12,  /* the low 4 opcode bits are a condition code (Jcc, SETcc) */
    OPF_NO_REP = 1u << 13,     /* F3 here is part of the opcode, not a REP prefix */
    OPF_SIZE64 = 1u << 14,     /* operand size 64 in 64-bit mode, 32 otherwise (MOV CRn) */
    OPF_ALT64 = 1u << 15,      /* in 64-bit mode the opcode is .sub[0] instead (63: MOVSXD) */
    OPF_UNALIGNED = 1u << 16,  /* a 16-byte SSE memory operand may be misaligned (MOVUPS,
                                  LDDQU, PCMPxSTRx); without it one is #GP(0) unless aligned */
    OPF_MMX = 1u << 17,        /* an MMX form: x87 state switches to MMX mode (SDM Vol. 1 §9.5) */
};

typedef struct OpcodeEntry {
    uint16_t mnemonic; /* Mnemonic */
    uint32_t flags;    /* OPF_* */
    OperandSpec op[3];
    const struct OpcodeEntry *sub; /* for the group flags */
} OpcodeEntry;

/* The maps, indexed by opcode byte. */
extern const OpcodeEntry opcode_map1[256];
extern const OpcodeEntry opcode_map2[256];
extern const OpcodeEntry opcode_map3_38[256];
extern const OpcodeEntry opcode_map3_3a[256];

/*
 * The MMX/SSE opcodes of the two- and three-byte maps, by opcode and mandatory prefix (none,
 * 66, F3, F2), in cpu/opcode_sse.c; the maps above route those opcodes here.
 */
extern const OpcodeEntry sse_map2[256][4];
extern const OpcodeEntry sse_map38[256][4];
extern const OpcodeEntry sse_map3a[256][4];

/* The x87 escapes D8-DF (cpu/opcode_x87.c): [escape - D8][ModRM.reg], then [8 + reg] for
 * register forms (mod == 3), which may select further by ModRM.rm. */
extern const OpcodeEntry x87_map[8][16];

/*
 * How a processor model's decoding differs from the maps above (which describe the SDM's
 * x86-64 processor): an overlay of one-byte opcodes and the rules the decoder applies.
 */
typedef struct OpcodeModel {
    const OpcodeEntry *map1_overlay; /* entries other than OPCODE_NO_OVERLAY replace
                                        opcode_map1's; NULL: none */
    uint8_t max_len;                 /* a longer instruction is #GP(0) */
    uint8_t sreg_count;              /* segment registers ModRM.reg may name; more is #UD */
    bool is_sreg_wrapped;            /* ModRM.reg 4-7 name segment registers 0-3 instead */
    bool has_386_prefixes;           /* 64, 65 (FS, GS), 66 and 67 are prefixes */
    bool is_lock_checked;            /* LOCK on a form it does not apply to is #UD */
    bool is_f1_lock;                 /* F1 is a second LOCK prefix */
    bool has_0f_map;                 /* 0F starts the two-byte map (else map1[0F] applies) */
} OpcodeModel;

/* An overlay entry that leaves opcode_map1's entry in place (an all-zero entry). */
#define OPCODE_NO_OVERLAY(e) ((e)->mnemonic == MN_INVALID && (e)->flags == 0 && !(e)->sub)

extern const OpcodeModel opcode_models[CPU_MODEL_COUNT];

#endif
