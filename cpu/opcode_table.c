/*
 * cpu/opcode_table.c: the opcode maps of the x86 integer and system architecture.
 *
 * Source: Intel SDM Vol. 2D appendix A "Opcode Map" (tables A-2 one-byte, A-3 two-byte, A-4/A-5
 * three-byte, A-6 ModRM-extended groups), with 64-bit-mode superscripts (i64, o64, d64, f64)
 * as flags. Where Intel and AMD differ, vireo follows Intel (its CPUID vendor): near branches
 * ignore 66h in 64-bit mode (f64), UD0 takes a ModRM byte.
 *
 * The x87 escapes (D8-DF) continue in cpu/opcode_x87.c and the MMX/SSE opcodes, selected by
 * their mandatory prefix, in cpu/opcode_sse.c: these maps route those opcodes there. VEX, EVEX
 * and XOP encodings are not supported (AVX is not advertised).
 */
#include "cpu/opcode.h"

#include <stddef.h>

const char *const mnemonic_names[MN_COUNT] = {
#define X(name) [MN_##name] = #name,
#include "cpu/mnemonics.inc"
#undef X
};

/* Operand notation of SDM Vol. 2D §A.2. */
#define OPND(k, t) { OPK_##k, OPT_##t, 0 }
#define FIXED(k, t, r) { OPK_##k, OPT_##t, r }
#define NONE { OPK_NONE, OPT_NONE, 0 }
#define Eb OPND(E, B)
#define Ew OPND(E, W)
#define Ed OPND(E, D)
#define Ev OPND(E, V)
#define Ey OPND(E, Y)
#define Ewv OPND(E, WV)
#define Gb OPND(G, B)
#define Gw OPND(G, W)
#define Gv OPND(G, V)
#define Gy OPND(G, Y)
#define Gz OPND(G, Z)
#define Mb OPND(M, B)
#define Mw OPND(M, W)
#define Mv OPND(M, V)
#define My OPND(M, Y)
#define Mq OPND(M, Q)
#define Md OPND(M, D)
#define Mfx OPND(M, FX)
#define Mxs OPND(M, XS)
#define Mp OPND(M, P)
#define Ms OPND(M, S)
#define Ma OPND(M, A)
#define Rv OPND(R, V)
#define Ry OPND(R, Y)
#define Cy OPND(C, Y)
#define Dy OPND(D, Y)
#define Sw OPND(S, W)
#define Ib OPND(I, B)
#define Iw OPND(I, W)
#define Iz OPND(I, Z)
#define Iv OPND(I, V)
#define Ibs OPND(I, BS)
#define Jbs OPND(J, BS)
#define Jz OPND(J, Z)
#define Ap OPND(A, P)
#define Ob OPND(O, B)
#define Ov OPND(O, V)
#define Xb OPND(X, B)
#define Xv OPND(X, V)
#define Xz OPND(X, Z)
#define Yb OPND(Y, B)
#define Yv OPND(Y, V)
#define Yz OPND(Y, Z)
#define Zb OPND(Z, B)
#define Zv OPND(Z, V)
#define Zy OPND(Z, Y)
#define ONE OPND(ONE, B)
#define AL FIXED(REG, B, 0)
#define CL FIXED(REG, B, 1)
#define DX FIXED(REG, W, 2)
#define rAX FIXED(REG, V, 0)
#define eAX FIXED(REG, Z, 0)
#define ES_ FIXED(SEG, W, 0)
#define CS_ FIXED(SEG, W, 1)
#define SS_ FIXED(SEG, W, 2)
#define DS_ FIXED(SEG, W, 3)
#define FS_ FIXED(SEG, W, 4)
#define GS_ FIXED(SEG, W, 5)

#define I(mn, fl, ...) { MN_##mn, (fl), { __VA_ARGS__ }, NULL }
#define GROUP(tbl, fl) { MN_INVALID, OPF_MODRM | OPF_GROUP | (fl), { NONE }, tbl }
#define GROUP_REG(tbl, fl) { MN_INVALID, OPF_MODRM | OPF_GROUP | OPF_GROUP_REG | (fl), { NONE }, tbl }
#define RM_GROUP(tbl) { MN_INVALID, OPF_RM_GROUP, { NONE }, tbl }
#define PREFIXED(tbl, fl) { MN_INVALID, OPF_PREFIX_GROUP | (fl), { NONE }, tbl }
#define BAD { MN_INVALID, 0, { NONE }, NULL }

#define M OPF_MODRM
#define L OPF_LOCK
#define BE OPF_BLOCK_END

/* 00-3F: the eight ALU operations in their six forms each. */
#define ALU_ROW(base, mn, lock)                          \
    [(base) + 0] = I(mn, M | (lock), Eb, Gb),            \
    [(base) + 1] = I(mn, M | (lock), Ev, Gv),            \
    [(base) + 2] = I(mn, M, Gb, Eb),                     \
    [(base) + 3] = I(mn, M, Gv, Ev),                     \
    [(base) + 4] = I(mn, 0, AL, Ib),                     \
    [(base) + 5] = I(mn, 0, rAX, Iz)

/* Group 1 (80-83): ModRM.reg picks the ALU operation; CMP cannot be locked. */
#define GROUP1(name, dst, src)                                                     \
    static const OpcodeEntry name[8] = {                                           \
        I(ADD, L, dst, src), I(OR, L, dst, src), I(ADC, L, dst, src),              \
        I(SBB, L, dst, src), I(AND, L, dst, src), I(SUB, L, dst, src),             \
        I(XOR, L, dst, src), I(CMP, 0, dst, src),                                  \
    }
GROUP1(group1_eb_ib, Eb, Ib);
GROUP1(group1_ev_iz, Ev, Iz);
GROUP1(group1_ev_ibs, Ev, Ibs);

/* Group 2 (C0, C1, D0-D3): shifts and rotates; /6 is an alias of SHL. */
#define GROUP2(name, dst, count)                                                   \
    static const OpcodeEntry name[8] = {                                           \
        I(ROL, 0, dst, count), I(ROR, 0, dst, count), I(RCL, 0, dst, count),       \
        I(RCR, 0, dst, count), I(SHL, 0, dst, count), I(SHR, 0, dst, count),       \
        I(SAL, 0, dst, count), I(SAR, 0, dst, count),                              \
    }
GROUP2(group2_eb_ib, Eb, Ib);
GROUP2(group2_ev_ib, Ev, Ib);
GROUP2(group2_eb_1, Eb, ONE);
GROUP2(group2_ev_1, Ev, ONE);
GROUP2(group2_eb_cl, Eb, CL);
GROUP2(group2_ev_cl, Ev, CL);

/* Group 3 (F6, F7); /1 is an undocumented alias of TEST. */
static const OpcodeEntry group3_eb[8] = {
    I(TEST, 0, Eb, Ib), I(TEST, 0, Eb, Ib), I(NOT, L, Eb), I(NEG, L, Eb),
    I(MUL, 0, Eb), I(IMUL1, 0, Eb), I(DIV, 0, Eb), I(IDIV, 0, Eb),
};
static const OpcodeEntry group3_ev[8] = {
    I(TEST, 0, Ev, Iz), I(TEST, 0, Ev, Iz), I(NOT, L, Ev), I(NEG, L, Ev),
    I(MUL, 0, Ev), I(IMUL1, 0, Ev), I(DIV, 0, Ev), I(IDIV, 0, Ev),
};

/* Group 4 (FE) and group 5 (FF). */
static const OpcodeEntry group4[8] = {
    I(INC, L, Eb), I(DEC, L, Eb), BAD, BAD, BAD, BAD, BAD, BAD,
};
static const OpcodeEntry group5[8] = {
    I(INC, L, Ev),
    I(DEC, L, Ev),
    I(CALL_IND, OPF_F64 | BE, Ev),
    I(CALLF_IND, BE, Mp),
    I(JMP_IND, OPF_F64 | BE, Ev),
    I(JMPF_IND, BE, Mp),
    I(PUSH, OPF_D64, Ev),
    BAD,
};

/* Group 1A (8F) and group 11 (C6, C7). */
static const OpcodeEntry group1a[8] = { I(POP, OPF_D64, Ev), BAD, BAD, BAD, BAD, BAD, BAD, BAD };
static const OpcodeEntry group11_eb[8] = { I(MOV, 0, Eb, Ib), BAD, BAD, BAD, BAD, BAD, BAD, BAD };
static const OpcodeEntry group11_ev[8] = { I(MOV, 0, Ev, Iz), BAD, BAD, BAD, BAD, BAD, BAD, BAD };

/* 63: ARPL outside 64-bit mode, MOVSXD in it. */
static const OpcodeEntry movsxd = I(MOVSXD, M, Gv, Ed);

const OpcodeEntry opcode_map1[256] = {
    ALU_ROW(0x00, ADD, L),
    [0x06] = I(PUSH_SEG, OPF_I64, ES_),
    [0x07] = I(POP_SEG, OPF_I64, ES_),
    ALU_ROW(0x08, OR, L),
    [0x0e] = I(PUSH_SEG, OPF_I64, CS_),
    ALU_ROW(0x10, ADC, L),
    [0x16] = I(PUSH_SEG, OPF_I64, SS_),
    [0x17] = I(POP_SEG, OPF_I64 | BE, SS_),
    ALU_ROW(0x18, SBB, L),
    [0x1e] = I(PUSH_SEG, OPF_I64, DS_),
    [0x1f] = I(POP_SEG, OPF_I64, DS_),
    ALU_ROW(0x20, AND, L),
    [0x27] = I(DAA, OPF_I64),
    ALU_ROW(0x28, SUB, L),
    [0x2f] = I(DAS, OPF_I64),
    ALU_ROW(0x30, XOR, L),
    [0x37] = I(AAA, OPF_I64),
    ALU_ROW(0x38, CMP, 0),
    [0x3f] = I(AAS, OPF_I64),
    [0x40 ... 0x47] = I(INC, OPF_I64, Zv),
    [0x48 ... 0x4f] = I(DEC, OPF_I64, Zv),
    [0x50 ... 0x57] = I(PUSH, OPF_D64, Zv),
    [0x58 ... 0x5f] = I(POP, OPF_D64, Zv),
    [0x60] = I(PUSHA, OPF_I64),
    [0x61] = I(POPA, OPF_I64),
    [0x62] = I(BOUND, M | OPF_I64, Gv, Ma),
    [0x63] = { MN_ARPL, M | OPF_ALT64, { Ew, Gw }, &movsxd },
    [0x68] = I(PUSH, OPF_D64, Iz),
    [0x69] = I(IMUL3, M, Gv, Ev, Iz),
    [0x6a] = I(PUSH, OPF_D64, Ibs),
    [0x6b] = I(IMUL3, M, Gv, Ev, Ibs),
    [0x6c] = I(INS, OPF_STRING, Yb, DX),
    [0x6d] = I(INS, OPF_STRING, Yz, DX),
    [0x6e] = I(OUTS, OPF_STRING, DX, Xb),
    [0x6f] = I(OUTS, OPF_STRING, DX, Xz),
    [0x70 ... 0x7f] = I(JCC, OPF_F64 | OPF_CONDITION | BE, Jbs),
    [0x80] = GROUP(group1_eb_ib, 0),
    [0x81] = GROUP(group1_ev_iz, 0),
    [0x82] = GROUP(group1_eb_ib, OPF_I64),
    [0x83] = GROUP(group1_ev_ibs, 0),
    [0x84] = I(TEST, M, Eb, Gb),
    [0x85] = I(TEST, M, Ev, Gv),
    [0x86] = I(XCHG, M | L, Eb, Gb),
    [0x87] = I(XCHG, M | L, Ev, Gv),
    [0x88] = I(MOV, M, Eb, Gb),
    [0x89] = I(MOV, M, Ev, Gv),
    [0x8a] = I(MOV, M, Gb, Eb),
    [0x8b] = I(MOV, M, Gv, Ev),
    [0x8c] = I(MOV_SEG_STORE, M, Ewv, Sw),
    [0x8d] = I(LEA, M, Gv, Mv),
    [0x8e] = I(MOV_SEG_LOAD, M | BE, Sw, Ew),
    [0x8f] = GROUP(group1a, OPF_D64),
    [0x90 ... 0x97] = I(XCHG, 0, Zv, rAX),
    [0x98] = I(CBW, 0),
    [0x99] = I(CWD, 0),
    [0x9a] = I(CALLF, OPF_I64 | BE, Ap),
    [0x9b] = I(WAIT, 0),
    [0x9c] = I(PUSHF, OPF_D64),
    [0x9d] = I(POPF, OPF_D64 | BE),
    [0x9e] = I(SAHF, 0),
    [0x9f] = I(LAHF, 0),
    [0xa0] = I(MOV, 0, AL, Ob),
    [0xa1] = I(MOV, 0, rAX, Ov),
    [0xa2] = I(MOV, 0, Ob, AL),
    [0xa3] = I(MOV, 0, Ov, rAX),
    [0xa4] = I(MOVS, OPF_STRING, Yb, Xb),
    [0xa5] = I(MOVS, OPF_STRING, Yv, Xv),
    [0xa6] = I(CMPS, OPF_STRING, Xb, Yb),
    [0xa7] = I(CMPS, OPF_STRING, Xv, Yv),
    [0xa8] = I(TEST, 0, AL, Ib),
    [0xa9] = I(TEST, 0, rAX, Iz),
    [0xaa] = I(STOS, OPF_STRING, Yb, AL),
    [0xab] = I(STOS, OPF_STRING, Yv, rAX),
    [0xac] = I(LODS, OPF_STRING, AL, Xb),
    [0xad] = I(LODS, OPF_STRING, rAX, Xv),
    [0xae] = I(SCAS, OPF_STRING, AL, Yb),
    [0xaf] = I(SCAS, OPF_STRING, rAX, Yv),
    [0xb0 ... 0xb7] = I(MOV, 0, Zb, Ib),
    [0xb8 ... 0xbf] = I(MOV, 0, Zv, Iv),
    [0xc0] = GROUP(group2_eb_ib, 0),
    [0xc1] = GROUP(group2_ev_ib, 0),
    [0xc2] = I(RET, OPF_F64 | BE, Iw),
    [0xc3] = I(RET, OPF_F64 | BE),
    [0xc4] = I(LES, M | OPF_I64, Gz, Mp),
    [0xc5] = I(LDS, M | OPF_I64, Gz, Mp),
    [0xc6] = GROUP(group11_eb, 0),
    [0xc7] = GROUP(group11_ev, 0),
    [0xc8] = I(ENTER, OPF_D64, Iw, Ib),
    [0xc9] = I(LEAVE, OPF_D64),
    [0xca] = I(RETF, BE, Iw),
    [0xcb] = I(RETF, BE),
    [0xcc] = I(INT3, BE),
    [0xcd] = I(INT, BE, Ib),
    [0xce] = I(INTO, OPF_I64 | BE),
    [0xcf] = I(IRET, BE),
    [0xd0] = GROUP(group2_eb_1, 0),
    [0xd1] = GROUP(group2_ev_1, 0),
    [0xd2] = GROUP(group2_eb_cl, 0),
    [0xd3] = GROUP(group2_ev_cl, 0),
    [0xd4] = I(AAM, OPF_I64, Ib),
    [0xd5] = I(AAD, OPF_I64, Ib),
    [0xd6] = I(SALC, OPF_I64),
    [0xd7] = I(XLAT, 0),
    [0xd8] = GROUP_REG(x87_map[0], 0),
    [0xd9] = GROUP_REG(x87_map[1], 0),
    [0xda] = GROUP_REG(x87_map[2], 0),
    [0xdb] = GROUP_REG(x87_map[3], 0),
    [0xdc] = GROUP_REG(x87_map[4], 0),
    [0xdd] = GROUP_REG(x87_map[5], 0),
    [0xde] = GROUP_REG(x87_map[6], 0),
    [0xdf] = GROUP_REG(x87_map[7], 0),
    [0xe0] = I(LOOPNE, OPF_F64 | BE, Jbs),
    [0xe1] = I(LOOPE, OPF_F64 | BE, Jbs),
    [0xe2] = I(LOOP, OPF_F64 | BE, Jbs),
    [0xe3] = I(JCXZ, OPF_F64 | BE, Jbs),
    [0xe4] = I(IN, 0, AL, Ib),
    [0xe5] = I(IN, 0, eAX, Ib),
    [0xe6] = I(OUT, 0, Ib, AL),
    [0xe7] = I(OUT, 0, Ib, eAX),
    [0xe8] = I(CALL, OPF_F64 | BE, Jz),
    [0xe9] = I(JMP, OPF_F64 | BE, Jz),
    [0xea] = I(JMPF, OPF_I64 | BE, Ap),
    [0xeb] = I(JMP, OPF_F64 | BE, Jbs),
    [0xec] = I(IN, 0, AL, DX),
    [0xed] = I(IN, 0, eAX, DX),
    [0xee] = I(OUT, 0, DX, AL),
    [0xef] = I(OUT, 0, DX, eAX),
    [0xf1] = I(INT1, BE),
    [0xf4] = I(HLT, BE),
    [0xf5] = I(CMC, 0),
    [0xf6] = GROUP(group3_eb, 0),
    [0xf7] = GROUP(group3_ev, 0),
    [0xf8] = I(CLC, 0),
    [0xf9] = I(STC, 0),
    [0xfa] = I(CLI, 0),
    [0xfb] = I(STI, BE),
    [0xfc] = I(CLD, 0),
    [0xfd] = I(STD, 0),
    [0xfe] = GROUP(group4, 0),
    [0xff] = GROUP(group5, 0),
};

/*
 * The 8086's one-byte map where it differs from opcode_map1. The 8086 has no invalid opcodes:
 * its decoder ignores opcode and ModRM.reg bits an instruction does not need, so the opcodes
 * later processors gave new meanings run an older instruction (Intel 8086 Family User's
 * Manual, 1979, leaves them unlisted; the SingleStepTests 8086 vectors, metadata "alias" and
 * "undefined", record what a P80C86A does):
 * - 0F is POP CS; 60-6F repeat the Jcc of 70-7F; C0, C1 are RET, C8, C9 are RETF;
 * - 8F, C6, C7 ignore ModRM.reg (POP and MOV); FF /7 repeats PUSH (FF /6);
 * - group 2's /6 is SETMO (all ones) and, with a count in CL, SETMOC (all ones if CL != 0).
 */
#define GROUP_ALL(name, entry)                                                     \
    static const OpcodeEntry name[8] = {                                           \
        entry, entry, entry, entry, entry, entry, entry, entry,                    \
    }
GROUP_ALL(group1a_8086, I(POP, 0, Ev));
GROUP_ALL(group11_eb_8086, I(MOV, 0, Eb, Ib));
GROUP_ALL(group11_ev_8086, I(MOV, 0, Ev, Iz));

#define GROUP2_8086(name, dst, count, setmo)                                       \
    static const OpcodeEntry name[8] = {                                           \
        I(ROL, 0, dst, count), I(ROR, 0, dst, count), I(RCL, 0, dst, count),       \
        I(RCR, 0, dst, count), I(SHL, 0, dst, count), I(SHR, 0, dst, count),       \
        I(setmo, 0, dst, count), I(SAR, 0, dst, count),                            \
    }
GROUP2_8086(group2_eb_1_8086, Eb, ONE, SETMO);
GROUP2_8086(group2_ev_1_8086, Ev, ONE, SETMO);
GROUP2_8086(group2_eb_cl_8086, Eb, CL, SETMOC);
GROUP2_8086(group2_ev_cl_8086, Ev, CL, SETMOC);

static const OpcodeEntry group5_8086[8] = {
    I(INC, 0, Ev), I(DEC, 0, Ev), I(CALL_IND, BE, Ev), I(CALLF_IND, BE, Mp),
    I(JMP_IND, BE, Ev), I(JMPF_IND, BE, Mp), I(PUSH, 0, Ev), I(PUSH, 0, Ev),
};

static const OpcodeEntry opcode_map1_8086[256] = {
    [0x0f] = I(POP_SEG, BE, CS_),
    [0x60 ... 0x6f] = I(JCC, OPF_CONDITION | BE, Jbs),
    [0x8f] = GROUP(group1a_8086, 0),
    [0xc0] = I(RET, BE, Iw),
    [0xc1] = I(RET, BE),
    [0xc6] = GROUP(group11_eb_8086, 0),
    [0xc7] = GROUP(group11_ev_8086, 0),
    [0xc8] = I(RETF, BE, Iw),
    [0xc9] = I(RETF, BE),
    [0xd0] = GROUP(group2_eb_1_8086, 0),
    [0xd1] = GROUP(group2_ev_1_8086, 0),
    [0xd2] = GROUP(group2_eb_cl_8086, 0),
    [0xd3] = GROUP(group2_ev_cl_8086, 0),
    [0xff] = GROUP(group5_8086, 0),
};

/*
 * Decoding rules per model. The 8086: F1 is a second LOCK (SingleStepTests metadata "prefix"),
 * ModRM.reg 4-7 of MOV Sreg name ES-DS again, LOCK is never refused. The 80286 (80286 and
 * 80287 Programmer's Reference Manual: its instruction length limit, MOV Sreg): at most 10
 * bytes per instruction, else #GP(0) (vectors: 11 bytes raise interrupt 13); four segment
 * registers, ModRM.reg 4-7 is #UD;
 * LOCK is accepted on any instruction (the Harris 80C286 vectors run "lock pop bx" and the
 * like without #UD). Neither has the 80386's prefixes 64-67.
 */
const OpcodeModel opcode_models[CPU_MODEL_COUNT] = {
    [CPU_MODEL_X86_64] = {
        .max_len = 15, .sreg_count = 6, .has_386_prefixes = true, .is_lock_checked = true,
        .has_0f_map = true,
    },
    [CPU_MODEL_8086] = {
        .map1_overlay = opcode_map1_8086, .max_len = 15, .sreg_count = 4,
        .is_sreg_wrapped = true, .is_f1_lock = true,
    },
    [CPU_MODEL_80286] = { .max_len = 10, .sreg_count = 4, .has_0f_map = true },
};

/* Group 6 (0F 00). */
static const OpcodeEntry group6[8] = {
    I(SLDT, 0, Ewv), I(STR, 0, Ewv), I(LLDT, BE, Ew), I(LTR, 0, Ew),
    I(VERR, 0, Ew), I(VERW, 0, Ew), BAD, BAD,
};

/* Group 7 (0F 01): register forms select by ModRM.rm. */
static const OpcodeEntry group7_reg1[8] = {
    I(MONITOR, 0), I(MWAIT, BE), I(CLAC, 0), I(STAC, 0), BAD, BAD, BAD, BAD,
};
static const OpcodeEntry group7_reg2[8] = {
    I(XGETBV, 0), I(XSETBV, BE), BAD, BAD, BAD, BAD, BAD, BAD,
};
static const OpcodeEntry group7_reg7[8] = {
    I(SWAPGS, OPF_O64), I(RDTSCP, 0), BAD, BAD, BAD, BAD, BAD, BAD,
};
static const OpcodeEntry group7[16] = {
    I(SGDT, 0, Ms), I(SIDT, 0, Ms), I(LGDT, BE, Ms), I(LIDT, 0, Ms),
    I(SMSW, 0, Ewv), BAD, I(LMSW, BE, Ew), I(INVLPG, BE, Mb),
    BAD, RM_GROUP(group7_reg1), RM_GROUP(group7_reg2), BAD,
    I(SMSW, 0, Ewv), BAD, I(LMSW, BE, Ew), RM_GROUP(group7_reg7),
};

/* Group 8 (0F BA). */
static const OpcodeEntry group8[8] = {
    BAD, BAD, BAD, BAD, I(BT, 0, Ev, Ib), I(BTS, L, Ev, Ib), I(BTR, L, Ev, Ib), I(BTC, L, Ev, Ib),
};

/* Group 9 (0F C7): CMPXCHG8B/16B in memory; RDRAND, RDSEED, RDPID in registers. */
static const OpcodeEntry group9_rdseed[4] = {
    I(RDSEED, 0, Rv), I(RDSEED, 0, Rv), I(RDPID, OPF_NO_REP, Ry), BAD,
};
static const OpcodeEntry group9[16] = {
    BAD, I(CMPXCHG8B, L, Mq), BAD, BAD, I(XSAVEC, 0, Mxs), BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, I(RDRAND, 0, Rv), PREFIXED(group9_rdseed, 0),
};

/* Group 15 (0F AE): state save and CLFLUSH in memory; fences and FS/GS base in registers. */
static const OpcodeEntry group15_fsgs[4][4] = {
    { BAD, BAD, I(RDFSBASE, OPF_O64 | OPF_NO_REP, Ry), BAD },
    { BAD, BAD, I(RDGSBASE, OPF_O64 | OPF_NO_REP, Ry), BAD },
    { BAD, BAD, I(WRFSBASE, OPF_O64 | OPF_NO_REP, Ry), BAD },
    { BAD, BAD, I(WRGSBASE, OPF_O64 | OPF_NO_REP, Ry), BAD },
};
/* Fences take no mandatory prefix; with 66/F3/F2 these encodings are other instructions. */
static const OpcodeEntry fence_sel[4] = { I(FENCE, 0), BAD, BAD, BAD };

static const OpcodeEntry group15[16] = {
    I(FXSAVE, 0, Mfx), I(FXRSTOR, 0, Mfx), I(LDMXCSR, 0, Md), I(STMXCSR, 0, Md),
    I(XSAVE, 0, Mxs), I(XRSTOR, 0, Mxs), I(XSAVEOPT, 0, Mxs), I(CLFLUSH, 0, Mb),
    PREFIXED(group15_fsgs[0], 0), PREFIXED(group15_fsgs[1], 0),
    PREFIXED(group15_fsgs[2], 0), PREFIXED(group15_fsgs[3], 0),
    BAD, PREFIXED(fence_sel, 0), PREFIXED(fence_sel, 0), PREFIXED(fence_sel, 0),
};

/* 0F B8, BC, BD: F3 selects POPCNT, TZCNT, LZCNT. */
static const OpcodeEntry popcnt_sel[4] = { BAD, BAD, I(POPCNT, M | OPF_NO_REP, Gv, Ev), BAD };
static const OpcodeEntry bsf_sel[4] = {
    I(BSF, M, Gv, Ev), I(BSF, M, Gv, Ev), I(TZCNT, M | OPF_NO_REP, Gv, Ev), I(BSF, M, Gv, Ev),
};
static const OpcodeEntry bsr_sel[4] = {
    I(BSR, M, Gv, Ev), I(BSR, M, Gv, Ev), I(LZCNT, M | OPF_NO_REP, Gv, Ev), I(BSR, M, Gv, Ev),
};

/* NP 0F C3: MOVNTI takes no 66, F2 or F3 (SDM Vol. 2B "MOVNTI"); with one it is #UD. */
static const OpcodeEntry movnti_sel[4] = { I(MOVNTI, M, My, Gy), BAD, BAD, BAD };

/* An MMX/SSE opcode: its forms by mandatory prefix are in cpu/opcode_sse.c. */
#define SSE2(op) [op] = PREFIXED(sse_map2[op], 0)
#define SSE38(op) [op] = PREFIXED(sse_map38[op], 0)
#define SSE3A(op) [op] = PREFIXED(sse_map3a[op], 0)
#define SSE2_ROW8(op) SSE2(op), SSE2(op + 1), SSE2(op + 2), SSE2(op + 3), SSE2(op + 4), \
                      SSE2(op + 5), SSE2(op + 6), SSE2(op + 7)
#define SSE38_ROW8(op) SSE38(op), SSE38(op + 1), SSE38(op + 2), SSE38(op + 3), SSE38(op + 4), \
                       SSE38(op + 5), SSE38(op + 6), SSE38(op + 7)
#define SSE3A_ROW8(op) SSE3A(op), SSE3A(op + 1), SSE3A(op + 2), SSE3A(op + 3), SSE3A(op + 4), \
                       SSE3A(op + 5), SSE3A(op + 6), SSE3A(op + 7)

const OpcodeEntry opcode_map2[256] = {
    [0x00] = GROUP(group6, 0),
    [0x01] = GROUP_REG(group7, 0),
    [0x02] = I(LAR, M, Gv, Ew),
    [0x03] = I(LSL, M, Gv, Ew),
    [0x05] = I(SYSCALL, BE),
    [0x06] = I(CLTS, 0),
    [0x07] = I(SYSRET, BE),
    [0x08] = I(INVD, 0),
    [0x09] = I(WBINVD, 0),
    [0x0b] = I(UD, 0),
    [0x0d] = I(PREFETCH, M, Mb),
    SSE2_ROW8(0x10),
    [0x18 ... 0x1f] = I(NOP, M, Ev),
    [0x20] = I(MOV_CR_STORE, M | OPF_SIZE64, Ry, Cy),
    [0x21] = I(MOV_DR_STORE, M | OPF_SIZE64, Ry, Dy),
    [0x22] = I(MOV_CR_LOAD, M | OPF_SIZE64 | BE, Cy, Ry),
    [0x23] = I(MOV_DR_LOAD, M | OPF_SIZE64 | BE, Dy, Ry),
    SSE2_ROW8(0x28),
    [0x30] = I(WRMSR, BE),
    [0x31] = I(RDTSC, 0),
    [0x32] = I(RDMSR, 0),
    [0x33] = I(RDPMC, 0),
    [0x34] = I(SYSENTER, BE),
    [0x35] = I(SYSEXIT, BE),
    [0x40 ... 0x4f] = I(CMOV, M | OPF_CONDITION, Gv, Ev),
    SSE2_ROW8(0x50), SSE2_ROW8(0x58), SSE2_ROW8(0x60), SSE2_ROW8(0x68), SSE2_ROW8(0x70),
    SSE2(0x7c), SSE2(0x7d), SSE2(0x7e), SSE2(0x7f),
    [0x80 ... 0x8f] = I(JCC, OPF_F64 | OPF_CONDITION | BE, Jz),
    [0x90 ... 0x9f] = I(SETCC, M | OPF_CONDITION, Eb),
    [0xa0] = I(PUSH_SEG, OPF_D64, FS_),
    [0xa1] = I(POP_SEG, OPF_D64, FS_),
    [0xa2] = I(CPUID, BE),
    [0xa3] = I(BT, M, Ev, Gv),
    [0xa4] = I(SHLD, M, Ev, Gv, Ib),
    [0xa5] = I(SHLD, M, Ev, Gv, CL),
    [0xa8] = I(PUSH_SEG, OPF_D64, GS_),
    [0xa9] = I(POP_SEG, OPF_D64, GS_),
    [0xaa] = I(RSM, BE),
    [0xab] = I(BTS, M | L, Ev, Gv),
    [0xac] = I(SHRD, M, Ev, Gv, Ib),
    [0xad] = I(SHRD, M, Ev, Gv, CL),
    [0xae] = GROUP_REG(group15, 0),
    [0xaf] = I(IMUL2, M, Gv, Ev),
    [0xb0] = I(CMPXCHG, M | L, Eb, Gb),
    [0xb1] = I(CMPXCHG, M | L, Ev, Gv),
    [0xb2] = I(LSS, M | BE, Gz, Mp),
    [0xb3] = I(BTR, M | L, Ev, Gv),
    [0xb4] = I(LFS, M, Gz, Mp),
    [0xb5] = I(LGS, M, Gz, Mp),
    [0xb6] = I(MOVZX, M, Gv, Eb),
    [0xb7] = I(MOVZX, M, Gv, Ew),
    [0xb8] = PREFIXED(popcnt_sel, M),
    [0xb9] = I(UD, M, Gv, Ev),
    [0xba] = GROUP(group8, 0),
    [0xbb] = I(BTC, M | L, Ev, Gv),
    [0xbc] = PREFIXED(bsf_sel, M),
    [0xbd] = PREFIXED(bsr_sel, M),
    [0xbe] = I(MOVSX, M, Gv, Eb),
    [0xbf] = I(MOVSX, M, Gv, Ew),
    [0xc0] = I(XADD, M | L, Eb, Gb),
    [0xc1] = I(XADD, M | L, Ev, Gv),
    SSE2(0xc2),
    [0xc3] = PREFIXED(movnti_sel, M),
    SSE2(0xc4), SSE2(0xc5), SSE2(0xc6),
    [0xc7] = GROUP_REG(group9, 0),
    [0xc8 ... 0xcf] = I(BSWAP, 0, Zv),
    SSE2_ROW8(0xd0), SSE2_ROW8(0xd8), SSE2_ROW8(0xe0), SSE2_ROW8(0xe8), SSE2_ROW8(0xf0),
    SSE2(0xf8), SSE2(0xf9), SSE2(0xfa), SSE2(0xfb), SSE2(0xfc), SSE2(0xfd), SSE2(0xfe),
    [0xff] = I(UD, M, Gv, Ev),
};

/* 0F 38 F0/F1: MOVBE without F2, CRC32 (SSE4.2) with it (66 then sets CRC32's size). */
static const OpcodeEntry movbe_load[4] = {
    I(MOVBE, M, Gv, Mv), I(MOVBE, M, Gv, Mv), BAD, I(CRC32, M | OPF_NO_REP, Gy, Eb),
};
static const OpcodeEntry movbe_store[4] = {
    I(MOVBE, M, Mv, Gv), I(MOVBE, M, Mv, Gv), BAD, I(CRC32, M | OPF_NO_REP, Gy, Ev),
};

/* 66 0F 38 82: INVPCID (80 and 81 are VMX, not modelled). */
static const OpcodeEntry invpcid_sel[4] = { BAD, I(INVPCID, M, Gy, Mb), BAD, BAD };

const OpcodeEntry opcode_map3_38[256] = {
    SSE38_ROW8(0x00), SSE38_ROW8(0x08), SSE38_ROW8(0x10), SSE38_ROW8(0x18),
    SSE38_ROW8(0x20), SSE38_ROW8(0x28), SSE38_ROW8(0x30), SSE38_ROW8(0x38),
    SSE38_ROW8(0x40),
    [0x82] = PREFIXED(invpcid_sel, M),
    [0xf0] = PREFIXED(movbe_load, M),
    [0xf1] = PREFIXED(movbe_store, M),
};

const OpcodeEntry opcode_map3_3a[256] = {
    SSE3A_ROW8(0x08), SSE3A_ROW8(0x10), SSE3A_ROW8(0x20), SSE3A_ROW8(0x40), SSE3A_ROW8(0x60),
};
