/*
 * cpu/decode.h: the x86 instruction decoder. It turns at most 15 bytes into a DecodedInsn by
 * reading the opcode table (cpu/opcode.h); it never executes anything. The interpreter and
 * the translator both consume DecodedInsn (STYLE.md §5).
 *
 * SDM Vol. 2A chapter 2 "Instruction format": legacy prefixes, REX, opcode maps, ModRM, SIB,
 * displacement, immediate; §2.3.11 (the 15-byte limit); Vol. 2D appendix A (the maps).
 */
#ifndef VIREO_CPU_DECODE_H
#define VIREO_CPU_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/model.h"
#include "cpu/opcode.h"
#include "cpu/regs.h"

#define INSN_MAX_LEN 15

typedef enum DecodeMode {
    DECODE_16,
    DECODE_32,
    DECODE_64,
} DecodeMode;

/* Resolved operand kinds: what the interpreter reads or writes. */
typedef enum OperandLoc {
    LOC_NONE,
    LOC_GPR,  /* general register .reg: 0-15, or 16-19 for AH, CH, DH, BH */
    LOC_MEM,  /* the instruction's memory operand (seg, base, index, scale, disp) */
    LOC_IMM,  /* .imm of the instruction (the second immediate is .imm2) */
    LOC_SEG,  /* segment register .reg */
    LOC_CR,   /* control register .reg */
    LOC_DR,   /* debug register .reg */
    LOC_XMM,  /* XMM register .reg (0-15) */
    LOC_MMX,  /* MMX register .reg (0-7) */
    LOC_ST,   /* x87 ST(.reg) */
} OperandLoc;

#define GPR_AH_BASE 16 /* byte registers AH, CH, DH, BH: 16 + (0..3) */
#define NO_REG 0xff

typedef struct DecodedOperand {
    uint8_t loc;  /* OperandLoc */
    uint8_t size; /* bytes: 1, 2, 4, 8, 16; far pointers 4/6/10; pseudo-descriptors 6/10;
                     x87 m80 10, environment 14/28, state 94/108; FXSAVE area 0 (512);
                     XMM and MMX registers: the memory form's size */
    uint8_t reg;
} DecodedOperand;

enum {
    PFX_LOCK = 1u << 0,
    PFX_REP = 1u << 1,   /* F3: REP / REPE */
    PFX_REPNE = 1u << 2, /* F2 */
    PFX_OPSIZE = 1u << 3,
    PFX_ADDRSIZE = 1u << 4,
    PFX_SEG = 1u << 5,   /* an effective segment override is present */
    PFX_REX = 1u << 6,
};

typedef enum DecodeStatus {
    DECODE_OK = 0,
    DECODE_UD = -1,        /* invalid opcode or form: #UD */
    DECODE_TOO_LONG = -2,  /* more than 15 bytes: #GP(0) */
    DECODE_NEED_MORE = -3, /* ran past the bytes given: fetch more and decode again */
} DecodeStatus;

typedef struct DecodedInsn {
    const OpcodeEntry *entry;
    uint16_t mnemonic;
    uint8_t len;
    uint8_t opsize;   /* 2, 4 or 8 */
    uint8_t addrsize; /* 2, 4 or 8 */
    uint8_t prefixes; /* PFX_* */
    uint8_t rex;      /* the REX byte, 0 if none */
    uint8_t opcode;   /* last opcode byte */
    uint8_t map;      /* 1, 2 (0F), 0x38 or 0x3a */
    uint8_t modrm;
    uint8_t cond;     /* condition code for OPF_CONDITION entries */
    /* The memory operand, if any operand is LOC_MEM or a string operand. */
    uint8_t seg;      /* effective segment: SEG_ES..SEG_GS */
    uint8_t base;     /* NO_REG, a register, or RIP_REG for RIP-relative */
    uint8_t index;    /* NO_REG or a register */
    uint8_t scale;    /* 0..3 */
    int64_t disp;     /* displacement, or the moffs absolute offset */
    uint64_t imm;     /* first immediate, sign-extended per its operand type */
    uint16_t imm2;    /* ENTER's level byte, or the selector of a direct far pointer */
    uint8_t nops;
    DecodedOperand op[3];
} DecodedInsn;

#define RIP_REG 16 /* base register value meaning RIP-relative */

/*
 * Decode one instruction from `bytes` (`avail` of them valid, at most INSN_MAX_LEN are read)
 * as processor `model` does (its OpcodeModel: overlay and rules; a 16-bit model takes
 * DECODE_16).
 * Returns DECODE_OK with *d filled, or a DecodeStatus; on DECODE_NEED_MORE, *need is the
 * number of bytes the decoder wanted (the caller fetches them, which may fault, and retries).
 */
DecodeStatus decode_insn(DecodedInsn *d, const uint8_t *bytes, unsigned avail, DecodeMode mode,
                         CpuModel model, unsigned *need);

#endif
