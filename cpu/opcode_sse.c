/*
 * cpu/opcode_sse.c: the MMX and SSE opcodes of the two- and three-byte maps, indexed by opcode
 * and mandatory prefix (none, 66, F3, F2).
 *
 * Source: Intel SDM Vol. 2D appendix A, tables A-3 (0F xx), A-4 (0F 38 xx), A-5 (0F 3A xx),
 * in its operand notation: V/W/U for XMM registers and memory, P/Q/N for MMX; the operand type
 * (dq 16 bytes, q 8, d 4) is the size of the memory form.
 *
 * Every MMX, SSE, SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 opcode of these maps; PCLMULQDQ and the
 * other extensions vireo does not advertise are absent (#UD).
 */
#include "cpu/opcode.h"

#include <stddef.h>

#define OPND(k, t) { OPK_##k, OPT_##t, 0 }
#define NONE { OPK_NONE, OPT_NONE, 0 }
#define Vdq OPND(V, DQ)
#define Wdq OPND(W, DQ)
#define Wq OPND(W, Q)
#define Wd OPND(W, D)
#define Ey OPND(E, Y)
#define Gy OPND(G, Y)
#define Pq OPND(P, Q)
#define Qq OPND(Q, Q)
#define Ib OPND(I, B)
#define Vq OPND(V, Q)
#define Vd OPND(V, D)
#define Mdq OPND(M, DQ)
#define Mq OPND(M, Q)
#define Udq OPND(U, DQ)
#define Nq OPND(N, Q)
#define Gd OPND(G, D)
#define Ed OPND(E, D)
#define Ebd OPND(E, BD)
#define Ewd OPND(E, WD)
#define X0 OPND(XMM0, DQ)

#define M OPF_MODRM
#define MMX OPF_MMX
#define U OPF_UNALIGNED
#define I(mn, fl, ...) { MN_##mn, (fl), { __VA_ARGS__ }, NULL }
#define BAD { MN_INVALID, 0, { NONE }, NULL }
#define GRP(tbl) { MN_INVALID, M | OPF_GROUP, { NONE }, tbl }

/* An MMX form without prefix and its XMM form with 66 (SDM table A-3 "pq/qq" and "vx/wx"). */
#define MMX_XMM(mn) { I(mn, M | MMX, Pq, Qq), I(mn, M, Vdq, Wdq), BAD, BAD }
#define MMX_XMM_IB(mn) { I(mn, M | MMX, Pq, Qq, Ib), I(mn, M, Vdq, Wdq, Ib), BAD, BAD }
#define XMM66(mn, ...) { BAD, I(mn, M, __VA_ARGS__), BAD, BAD }
#define PS_PD(mn) { I(mn##PS, M, Vdq, Wdq), I(mn##PD, M, Vdq, Wdq), BAD, BAD }

/* 0F 71-73: shifts by an immediate, register operands only (groups 12-14). */
static const OpcodeEntry grp12_mmx[8] = { BAD, BAD, I(PSRLW, M | MMX, Nq, Ib), BAD,
                                          I(PSRAW, M | MMX, Nq, Ib), BAD,
                                          I(PSLLW, M | MMX, Nq, Ib), BAD };
static const OpcodeEntry grp12_xmm[8] = { BAD, BAD, I(PSRLW, M, Udq, Ib), BAD,
                                          I(PSRAW, M, Udq, Ib), BAD, I(PSLLW, M, Udq, Ib), BAD };
static const OpcodeEntry grp13_mmx[8] = { BAD, BAD, I(PSRLD, M | MMX, Nq, Ib), BAD,
                                          I(PSRAD, M | MMX, Nq, Ib), BAD,
                                          I(PSLLD, M | MMX, Nq, Ib), BAD };
static const OpcodeEntry grp13_xmm[8] = { BAD, BAD, I(PSRLD, M, Udq, Ib), BAD,
                                          I(PSRAD, M, Udq, Ib), BAD, I(PSLLD, M, Udq, Ib), BAD };
static const OpcodeEntry grp14_mmx[8] = { BAD, BAD, I(PSRLQ, M | MMX, Nq, Ib), BAD, BAD, BAD,
                                          I(PSLLQ, M | MMX, Nq, Ib), BAD };
static const OpcodeEntry grp14_xmm[8] = { BAD, BAD, I(PSRLQ, M, Udq, Ib), I(PSRLDQ, M, Udq, Ib),
                                          BAD, BAD, I(PSLLQ, M, Udq, Ib), I(PSLLDQ, M, Udq, Ib) };

/* The four prefixes of an opcode whose forms are packed single, packed double, scalar single,
 * scalar double (SDM table A-3 rows 51h-5Fh). */
#define PS_PD_SS_SD(base)                                                                          \
    { I(base##PS, M, Vdq, Wdq), I(base##PD, M, Vdq, Wdq), I(base##SS, M, Vdq, Wd),                 \
      I(base##SD, M, Vdq, Wq) }

const OpcodeEntry sse_map2[256][4] = {
    [0x10] = { I(MOVUPS, M | U, Vdq, Wdq), I(MOVUPD, M | U, Vdq, Wdq), I(MOVSS, M, Vdq, Wd),
               I(MOVSD_SSE, M, Vdq, Wq) },
    [0x11] = { I(MOVUPS, M | U, Wdq, Vdq), I(MOVUPD, M | U, Wdq, Vdq), I(MOVSS, M, Wd, Vdq),
               I(MOVSD_SSE, M, Wq, Vdq) },
    [0x12] = { I(MOVLPS, M, Vdq, Wq), I(MOVLPD, M, Vdq, Mq), I(MOVSLDUP, M, Vdq, Wdq),
               I(MOVDDUP, M, Vdq, Wq) },
    [0x13] = { I(MOVLPS, M, Mq, Vdq), I(MOVLPD, M, Mq, Vdq), BAD, BAD },
    [0x14] = PS_PD(UNPCKL),
    [0x15] = PS_PD(UNPCKH),
    [0x16] = { I(MOVHPS, M, Vdq, Wq), I(MOVHPD, M, Vdq, Mq), I(MOVSHDUP, M, Vdq, Wdq), BAD },
    [0x17] = { I(MOVHPS, M, Mq, Vdq), I(MOVHPD, M, Mq, Vdq), BAD, BAD },
    [0x28] = { I(MOVAPS, M, Vdq, Wdq), I(MOVAPD, M, Vdq, Wdq), BAD, BAD },
    [0x29] = { I(MOVAPS, M, Wdq, Vdq), I(MOVAPD, M, Wdq, Vdq), BAD, BAD },
    [0x2a] = { I(CVTPI2PS, M | MMX, Vdq, Qq), I(CVTPI2PD, M | MMX, Vdq, Qq),
               I(CVTSI2SS, M, Vdq, Ey), I(CVTSI2SD, M, Vdq, Ey) },
    [0x2b] = { I(MOVNTPS, M, Mdq, Vdq), I(MOVNTPD, M, Mdq, Vdq), BAD, BAD },
    [0x2c] = { I(CVTTPS2PI, M | MMX, Pq, Wq), I(CVTTPD2PI, M | MMX, Pq, Wdq),
               I(CVTTSS2SI, M, Gy, Wd), I(CVTTSD2SI, M, Gy, Wq) },
    [0x2d] = { I(CVTPS2PI, M | MMX, Pq, Wq), I(CVTPD2PI, M | MMX, Pq, Wdq),
               I(CVTSS2SI, M, Gy, Wd), I(CVTSD2SI, M, Gy, Wq) },
    [0x2e] = { I(UCOMISS, M, Vdq, Wd), I(UCOMISD, M, Vdq, Wq), BAD, BAD },
    [0x2f] = { I(COMISS, M, Vdq, Wd), I(COMISD, M, Vdq, Wq), BAD, BAD },
    [0x50] = { I(MOVMSKPS, M, Gd, Udq), I(MOVMSKPD, M, Gd, Udq), BAD, BAD },
    [0x51] = PS_PD_SS_SD(SQRT),
    [0x52] = { I(RSQRTPS, M, Vdq, Wdq), BAD, I(RSQRTSS, M, Vdq, Wd), BAD },
    [0x53] = { I(RCPPS, M, Vdq, Wdq), BAD, I(RCPSS, M, Vdq, Wd), BAD },
    [0x54] = PS_PD(AND),
    [0x55] = PS_PD(ANDN),
    [0x56] = PS_PD(OR),
    [0x57] = PS_PD(XOR),
    [0x58] = PS_PD_SS_SD(ADD),
    [0x59] = PS_PD_SS_SD(MUL),
    [0x5a] = { I(CVTPS2PD, M, Vdq, Wq), I(CVTPD2PS, M, Vdq, Wdq), I(CVTSS2SD, M, Vdq, Wd),
               I(CVTSD2SS, M, Vdq, Wq) },
    [0x5b] = { I(CVTDQ2PS, M, Vdq, Wdq), I(CVTPS2DQ, M, Vdq, Wdq), I(CVTTPS2DQ, M, Vdq, Wdq),
               BAD },
    [0x5c] = PS_PD_SS_SD(SUB),
    [0x5d] = PS_PD_SS_SD(MIN),
    [0x5e] = PS_PD_SS_SD(DIV),
    [0x5f] = PS_PD_SS_SD(MAX),
    [0x60] = MMX_XMM(PUNPCKLBW),
    [0x61] = MMX_XMM(PUNPCKLWD),
    [0x62] = MMX_XMM(PUNPCKLDQ),
    [0x63] = MMX_XMM(PACKSSWB),
    [0x64] = MMX_XMM(PCMPGTB),
    [0x65] = MMX_XMM(PCMPGTW),
    [0x66] = MMX_XMM(PCMPGTD),
    [0x67] = MMX_XMM(PACKUSWB),
    [0x68] = MMX_XMM(PUNPCKHBW),
    [0x69] = MMX_XMM(PUNPCKHWD),
    [0x6a] = MMX_XMM(PUNPCKHDQ),
    [0x6b] = MMX_XMM(PACKSSDW),
    [0x6c] = XMM66(PUNPCKLQDQ, Vdq, Wdq),
    [0x6d] = XMM66(PUNPCKHQDQ, Vdq, Wdq),
    [0x6e] = { I(MOVD_TO, M | MMX, Pq, Ey), I(MOVD_TO, M, Vdq, Ey), BAD, BAD },
    [0x6f] = { I(MOVQ_MMX, M | MMX, Pq, Qq), I(MOVDQA, M, Vdq, Wdq), I(MOVDQU, M | U, Vdq, Wdq),
               BAD },
    [0x70] = { I(PSHUFW, M | MMX, Pq, Qq, Ib), I(PSHUFD, M, Vdq, Wdq, Ib),
               I(PSHUFHW, M, Vdq, Wdq, Ib), I(PSHUFLW, M, Vdq, Wdq, Ib) },
    [0x71] = { GRP(grp12_mmx), GRP(grp12_xmm), BAD, BAD },
    [0x72] = { GRP(grp13_mmx), GRP(grp13_xmm), BAD, BAD },
    [0x73] = { GRP(grp14_mmx), GRP(grp14_xmm), BAD, BAD },
    [0x74] = MMX_XMM(PCMPEQB),
    [0x75] = MMX_XMM(PCMPEQW),
    [0x76] = MMX_XMM(PCMPEQD),
    [0x77] = { I(EMMS, 0), BAD, BAD, BAD },
    [0x7c] = { BAD, I(HADDPD, M, Vdq, Wdq), BAD, I(HADDPS, M, Vdq, Wdq) },
    [0x7d] = { BAD, I(HSUBPD, M, Vdq, Wdq), BAD, I(HSUBPS, M, Vdq, Wdq) },
    [0x7e] = { I(MOVD_FROM, M | MMX, Ey, Pq), I(MOVD_FROM, M, Ey, Vdq), I(MOVQ_XMM, M, Vdq, Wq),
               BAD },
    [0x7f] = { I(MOVQ_MMX, M | MMX, Qq, Pq), I(MOVDQA, M, Wdq, Vdq), I(MOVDQU, M | U, Wdq, Vdq),
               BAD },
    [0xc2] = { I(CMPPS, M, Vdq, Wdq, Ib), I(CMPPD, M, Vdq, Wdq, Ib), I(CMPSS, M, Vdq, Wd, Ib),
               I(CMPSD_SSE, M, Vdq, Wq, Ib) },
    [0xc4] = { I(PINSRW, M | MMX, Pq, Ewd, Ib), I(PINSRW, M, Vdq, Ewd, Ib), BAD, BAD },
    [0xc5] = { I(PEXTRW, M | MMX, Gd, Nq, Ib), I(PEXTRW, M, Gd, Udq, Ib), BAD, BAD },
    [0xc6] = { I(SHUFPS, M, Vdq, Wdq, Ib), I(SHUFPD, M, Vdq, Wdq, Ib), BAD, BAD },
    [0xd0] = { BAD, I(ADDSUBPD, M, Vdq, Wdq), BAD, I(ADDSUBPS, M, Vdq, Wdq) },
    [0xd1] = MMX_XMM(PSRLW),
    [0xd2] = MMX_XMM(PSRLD),
    [0xd3] = MMX_XMM(PSRLQ),
    [0xd4] = MMX_XMM(PADDQ),
    [0xd5] = MMX_XMM(PMULLW),
    [0xd6] = { BAD, I(MOVQ_XMM, M, Wq, Vdq), I(MOVQ2DQ, M | MMX, Vdq, Nq),
               I(MOVDQ2Q, M | MMX, Pq, Udq) },
    [0xd7] = { I(PMOVMSKB, M | MMX, Gd, Nq), I(PMOVMSKB, M, Gd, Udq), BAD, BAD },
    [0xd8] = MMX_XMM(PSUBUSB),
    [0xd9] = MMX_XMM(PSUBUSW),
    [0xda] = MMX_XMM(PMINUB),
    [0xdb] = MMX_XMM(PAND),
    [0xdc] = MMX_XMM(PADDUSB),
    [0xdd] = MMX_XMM(PADDUSW),
    [0xde] = MMX_XMM(PMAXUB),
    [0xdf] = MMX_XMM(PANDN),
    [0xe0] = MMX_XMM(PAVGB),
    [0xe1] = MMX_XMM(PSRAW),
    [0xe2] = MMX_XMM(PSRAD),
    [0xe3] = MMX_XMM(PAVGW),
    [0xe4] = MMX_XMM(PMULHUW),
    [0xe5] = MMX_XMM(PMULHW),
    [0xe6] = { BAD, I(CVTTPD2DQ, M, Vdq, Wdq), I(CVTDQ2PD, M, Vdq, Wq),
               I(CVTPD2DQ, M, Vdq, Wdq) },
    [0xe7] = { I(MOVNTQ, M | MMX, Mq, Pq), I(MOVNTDQ, M, Mdq, Vdq), BAD, BAD },
    [0xe8] = MMX_XMM(PSUBSB),
    [0xe9] = MMX_XMM(PSUBSW),
    [0xea] = MMX_XMM(PMINSW),
    [0xeb] = MMX_XMM(POR),
    [0xec] = MMX_XMM(PADDSB),
    [0xed] = MMX_XMM(PADDSW),
    [0xee] = MMX_XMM(PMAXSW),
    [0xef] = MMX_XMM(PXOR),
    [0xf0] = { BAD, BAD, BAD, I(LDDQU, M | U, Vdq, Mdq) },
    [0xf1] = MMX_XMM(PSLLW),
    [0xf2] = MMX_XMM(PSLLD),
    [0xf3] = MMX_XMM(PSLLQ),
    [0xf4] = MMX_XMM(PMULUDQ),
    [0xf5] = MMX_XMM(PMADDWD),
    [0xf6] = MMX_XMM(PSADBW),
    [0xf7] = { I(MASKMOVQ, M | MMX, Pq, Nq), I(MASKMOVDQU, M | U, Vdq, Udq), BAD, BAD },
    [0xf8] = MMX_XMM(PSUBB),
    [0xf9] = MMX_XMM(PSUBW),
    [0xfa] = MMX_XMM(PSUBD),
    [0xfb] = MMX_XMM(PSUBQ),
    [0xfc] = MMX_XMM(PADDB),
    [0xfd] = MMX_XMM(PADDW),
    [0xfe] = MMX_XMM(PADDD),
};

const OpcodeEntry sse_map38[256][4] = {
    [0x00] = MMX_XMM(PSHUFB),
    [0x01] = MMX_XMM(PHADDW),
    [0x02] = MMX_XMM(PHADDD),
    [0x03] = MMX_XMM(PHADDSW),
    [0x04] = MMX_XMM(PMADDUBSW),
    [0x05] = MMX_XMM(PHSUBW),
    [0x06] = MMX_XMM(PHSUBD),
    [0x07] = MMX_XMM(PHSUBSW),
    [0x08] = MMX_XMM(PSIGNB),
    [0x09] = MMX_XMM(PSIGNW),
    [0x0a] = MMX_XMM(PSIGND),
    [0x0b] = MMX_XMM(PMULHRSW),
    [0x10] = XMM66(PBLENDVB, Vdq, Wdq, X0),
    [0x14] = XMM66(BLENDVPS, Vdq, Wdq, X0),
    [0x15] = XMM66(BLENDVPD, Vdq, Wdq, X0),
    [0x17] = XMM66(PTEST, Vdq, Wdq),
    [0x1c] = MMX_XMM(PABSB),
    [0x1d] = MMX_XMM(PABSW),
    [0x1e] = MMX_XMM(PABSD),
    [0x20] = XMM66(PMOVSXBW, Vdq, Wq),
    [0x21] = XMM66(PMOVSXBD, Vdq, Wd),
    [0x22] = XMM66(PMOVSXBQ, Vdq, OPND(W, W)),
    [0x23] = XMM66(PMOVSXWD, Vdq, Wq),
    [0x24] = XMM66(PMOVSXWQ, Vdq, Wd),
    [0x25] = XMM66(PMOVSXDQ, Vdq, Wq),
    [0x28] = XMM66(PMULDQ, Vdq, Wdq),
    [0x29] = XMM66(PCMPEQQ, Vdq, Wdq),
    [0x2a] = XMM66(MOVNTDQA, Vdq, Mdq),
    [0x2b] = XMM66(PACKUSDW, Vdq, Wdq),
    [0x30] = XMM66(PMOVZXBW, Vdq, Wq),
    [0x31] = XMM66(PMOVZXBD, Vdq, Wd),
    [0x32] = XMM66(PMOVZXBQ, Vdq, OPND(W, W)),
    [0x33] = XMM66(PMOVZXWD, Vdq, Wq),
    [0x34] = XMM66(PMOVZXWQ, Vdq, Wd),
    [0x35] = XMM66(PMOVZXDQ, Vdq, Wq),
    [0x37] = XMM66(PCMPGTQ, Vdq, Wdq),
    [0x38] = XMM66(PMINSB, Vdq, Wdq),
    [0x39] = XMM66(PMINSD, Vdq, Wdq),
    [0x3a] = XMM66(PMINUW, Vdq, Wdq),
    [0x3b] = XMM66(PMINUD, Vdq, Wdq),
    [0x3c] = XMM66(PMAXSB, Vdq, Wdq),
    [0x3d] = XMM66(PMAXSD, Vdq, Wdq),
    [0x3e] = XMM66(PMAXUW, Vdq, Wdq),
    [0x3f] = XMM66(PMAXUD, Vdq, Wdq),
    [0x40] = XMM66(PMULLD, Vdq, Wdq),
    [0x41] = XMM66(PHMINPOSUW, Vdq, Wdq),
};

/* SSE4.1 floating point: 66 0F 3A only (table A-5). */
#define SSE41(mn, w) { BAD, I(mn, M, Vdq, w, Ib), BAD, BAD }

const OpcodeEntry sse_map3a[256][4] = {
    [0x08] = SSE41(ROUNDPS, Wdq),
    [0x09] = SSE41(ROUNDPD, Wdq),
    [0x0a] = SSE41(ROUNDSS, Wd),
    [0x0b] = SSE41(ROUNDSD, Wq),
    [0x0c] = XMM66(BLENDPS, Vdq, Wdq, Ib),
    [0x0d] = XMM66(BLENDPD, Vdq, Wdq, Ib),
    [0x0e] = XMM66(PBLENDW, Vdq, Wdq, Ib),
    [0x0f] = MMX_XMM_IB(PALIGNR),
    [0x14] = XMM66(PEXTRB, Ebd, Vdq, Ib),
    [0x15] = XMM66(PEXTRW, Ewd, Vdq, Ib),
    [0x16] = XMM66(PEXTRD, Ey, Vdq, Ib),
    [0x17] = XMM66(EXTRACTPS, Ed, Vdq, Ib),
    [0x20] = XMM66(PINSRB, Vdq, Ebd, Ib),
    [0x21] = XMM66(INSERTPS, Vdq, Wd, Ib),
    [0x22] = XMM66(PINSRD, Vdq, Ey, Ib),
    [0x40] = SSE41(DPPS, Wdq),
    [0x41] = SSE41(DPPD, Wdq),
    [0x42] = XMM66(MPSADBW, Vdq, Wdq, Ib),
    [0x60] = { BAD, I(PCMPESTRM, M | U, Vdq, Wdq, Ib), BAD, BAD },
    [0x61] = { BAD, I(PCMPESTRI, M | U, Vdq, Wdq, Ib), BAD, BAD },
    [0x62] = { BAD, I(PCMPISTRM, M | U, Vdq, Wdq, Ib), BAD, BAD },
    [0x63] = { BAD, I(PCMPISTRI, M | U, Vdq, Wdq, Ib), BAD, BAD },
};
