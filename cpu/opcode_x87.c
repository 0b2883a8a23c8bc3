/*
 * cpu/opcode_x87.c: the x87 escape opcodes D8-DF.
 *
 * Source: Intel SDM Vol. 2D appendix A §A.5 "Escape opcode instructions", tables:
 * for each escape byte, the memory forms by ModRM.reg (x87_map[esc][reg]) and the register
 * forms (mod = 3) by ModRM.reg (x87_map[esc][8 + reg]), some of them further by ModRM.rm.
 *
 * The register forms the SDM leaves reserved but every x86 processor since the 80387 executes
 * as aliases (D9 D8+i FSTP, DC D0+i FCOM, DC D8+i FCOMP, DD C8+i FXCH, DE D0+i FCOMP, DF C0+i
 * FFREEP, DF C8+i FXCH, DF D0+i and D8+i FSTP; DB E0/E1/E4, the 8087/80287 FENI, FDISI and
 * FSETPM, as FNOP) are in the table as what they do, as the host CPU shows (test_x87).
 *
 * Operands: op[0] is the destination (or the first comparand), op[1] the source. Memory
 * operand types give the size: d m32, q m64, w m16, t m80, ENV and FST by operand size.
 */
#include "cpu/opcode.h"

#include <stddef.h>

#define OPND(k, t) { OPK_##k, OPT_##t, 0 }
#define NONE { OPK_NONE, OPT_NONE, 0 }
#define ST0 OPND(ST0, NONE)
#define STI OPND(STI, NONE)
#define Md OPND(M, D)
#define Mq OPND(M, Q)
#define Mw OPND(M, W)
#define Mt OPND(M, T)
#define Menv OPND(M, ENV)
#define Mfst OPND(M, FST)
#define AXw { OPK_REG, OPT_W, 0 } /* AX */

#define M OPF_MODRM
#define I(mn, ...) { MN_##mn, M, { __VA_ARGS__ }, NULL }
#define BAD { MN_INVALID, 0, { NONE }, NULL }
#define RM(tbl) { MN_INVALID, OPF_RM_GROUP, { NONE }, tbl }

/* The eight arithmetic operations by ModRM.reg, on a memory operand of type t. */
#define ARITH_MEM(p, t)                                                                            \
    I(p##ADD, ST0, t), I(p##MUL, ST0, t), I(p##COM, ST0, t), I(p##COMP, ST0, t),                   \
        I(p##SUB, ST0, t), I(p##SUBR, ST0, t), I(p##DIV, ST0, t), I(p##DIVR, ST0, t)

static const OpcodeEntry d9_e0[8] = { I(FCHS, ST0), I(FABS, ST0), BAD, BAD, I(FTST, ST0),
                                      I(FXAM, ST0), BAD, BAD };
static const OpcodeEntry d9_e8[8] = { I(FLD1), I(FLDL2T), I(FLDL2E), I(FLDPI), I(FLDLG2),
                                      I(FLDLN2), I(FLDZ), BAD };
static const OpcodeEntry d9_f0[8] = { I(F2XM1), I(FYL2X), I(FPTAN), I(FPATAN), I(FXTRACT),
                                      I(FPREM1), I(FDECSTP), I(FINCSTP) };
static const OpcodeEntry d9_f8[8] = { I(FPREM), I(FYL2XP1), I(FSQRT), I(FSINCOS), I(FRNDINT),
                                      I(FSCALE), I(FSIN), I(FCOS) };
static const OpcodeEntry d9_d0[8] = { I(FNOP), BAD, BAD, BAD, BAD, BAD, BAD, BAD };
static const OpcodeEntry da_e8[8] = { BAD, I(FUCOMPP, ST0), BAD, BAD, BAD, BAD, BAD, BAD };
static const OpcodeEntry db_e0[8] = { I(FNOP), I(FNOP), I(FNCLEX), I(FNINIT), I(FNOP), BAD, BAD,
                                      BAD };
static const OpcodeEntry de_d8[8] = { BAD, I(FCOMPP, ST0), BAD, BAD, BAD, BAD, BAD, BAD };
static const OpcodeEntry df_e0[8] = { I(FNSTSW, AXw), BAD, BAD, BAD, BAD, BAD, BAD, BAD };

const OpcodeEntry x87_map[8][16] = {
    /* D8: m32fp; ST(0) op ST(i) */
    { ARITH_MEM(F, Md),
      I(FADD, ST0, STI), I(FMUL, ST0, STI), I(FCOM, ST0, STI), I(FCOMP, ST0, STI),
      I(FSUB, ST0, STI), I(FSUBR, ST0, STI), I(FDIV, ST0, STI), I(FDIVR, ST0, STI) },
    /* D9 */
    { I(FLD, Md), BAD, I(FST, Md), I(FSTP, Md), I(FLDENV, Menv), I(FLDCW, Mw), I(FNSTENV, Menv),
      I(FNSTCW, Mw),
      I(FLD, STI), I(FXCH, ST0, STI), RM(d9_d0), I(FSTP, STI), RM(d9_e0), RM(d9_e8), RM(d9_f0),
      RM(d9_f8) },
    /* DA: m32int; FCMOVcc, FUCOMPP */
    { ARITH_MEM(FI, Md),
      I(FCMOVB, ST0, STI), I(FCMOVE, ST0, STI), I(FCMOVBE, ST0, STI), I(FCMOVU, ST0, STI), BAD,
      RM(da_e8), BAD, BAD },
    /* DB: m32int loads and stores, m80fp; FCMOVNcc, FNCLEX/FNINIT, FUCOMI, FCOMI */
    { I(FILD, Md), I(FISTTP, Md), I(FIST, Md), I(FISTP, Md), BAD, I(FLD, Mt), BAD, I(FSTP, Mt),
      I(FCMOVNB, ST0, STI), I(FCMOVNE, ST0, STI), I(FCMOVNBE, ST0, STI), I(FCMOVNU, ST0, STI),
      RM(db_e0), I(FUCOMI, ST0, STI), I(FCOMI, ST0, STI), BAD },
    /* DC: m64fp; ST(i) op ST(0), with SUB/SUBR and DIV/DIVR swapped against ModRM.reg */
    { ARITH_MEM(F, Mq),
      I(FADD, STI, ST0), I(FMUL, STI, ST0), I(FCOM, ST0, STI), I(FCOMP, ST0, STI),
      I(FSUBR, STI, ST0), I(FSUB, STI, ST0), I(FDIVR, STI, ST0), I(FDIV, STI, ST0) },
    /* DD: m64fp loads and stores, FRSTOR, FNSAVE, FNSTSW; FFREE, FST, FSTP, FUCOM */
    { I(FLD, Mq), I(FISTTP, Mq), I(FST, Mq), I(FSTP, Mq), I(FRSTOR, Mfst), BAD, I(FNSAVE, Mfst),
      I(FNSTSW, Mw),
      I(FFREE, STI), I(FXCH, ST0, STI), I(FST, STI), I(FSTP, STI), I(FUCOM, ST0, STI),
      I(FUCOMP, ST0, STI), BAD, BAD },
    /* DE: m16int; popping ST(i) op ST(0), FCOMPP */
    { ARITH_MEM(FI, Mw),
      I(FADDP, STI, ST0), I(FMULP, STI, ST0), I(FCOMP, ST0, STI), RM(de_d8),
      I(FSUBRP, STI, ST0), I(FSUBP, STI, ST0), I(FDIVRP, STI, ST0), I(FDIVP, STI, ST0) },
    /* DF: m16int and m64int loads and stores, BCD; FFREEP, FNSTSW AX, FUCOMIP, FCOMIP */
    { I(FILD, Mw), I(FISTTP, Mw), I(FIST, Mw), I(FISTP, Mw), I(FBLD, Mt), I(FILD, Mq),
      I(FBSTP, Mt), I(FISTP, Mq),
      I(FFREEP, STI), I(FXCH, ST0, STI), I(FSTP, STI), I(FSTP, STI), RM(df_e0),
      I(FUCOMIP, ST0, STI), I(FCOMIP, ST0, STI), BAD },
};
