/*
 * cpu/opcode_sse.c: the MMX and SSE opcodes of the two- and three-byte maps, indexed by opcode
 * and mandatory prefix (none, 66, F3, F2).
 *
 * Source: Intel SDM Vol. 2D appendix A, tables A-3 (0F xx), A-4 (0F 38 xx), A-5 (0F 3A xx),
 * in its operand notation: V/W/U for XMM registers and memory, P/Q/N for MMX; the operand type
 * (dq 16 bytes, q 8, d 4) is the size of the memory form.
 *
 * The floating-point instructions (SSE through SSE4.1) are described in full. The other MMX
 * and SSE opcodes (moves, integer and shuffle operations, SSSE3, SSE4.1 integer, SSE4.2
 * strings) are described by their encoding only, as MN_SSE for every prefix: enough to decode
 * their length; they raise #UD until their operations are implemented.
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

#define M OPF_MODRM
#define MMX OPF_MMX
#define I(mn, fl, ...) { MN_##mn, (fl), { __VA_ARGS__ }, NULL }
#define BAD { MN_INVALID, 0, { NONE }, NULL }

/* The four prefixes of an opcode whose forms are packed single, packed double, scalar single,
 * scalar double (SDM table A-3 rows 51h-5Fh). */
#define PS_PD_SS_SD(base)                                                                          \
    { I(base##PS, M, Vdq, Wdq), I(base##PD, M, Vdq, Wdq), I(base##SS, M, Vdq, Wd),                 \
      I(base##SD, M, Vdq, Wq) }

/* Encoding-only forms. */
#define SSE_ANY { I(SSE, M), I(SSE, M), I(SSE, M), I(SSE, M) }
#define SSE_ANY_IB { I(SSE, M, NONE, NONE, Ib), I(SSE, M, NONE, NONE, Ib),                        \
                     I(SSE, M, NONE, NONE, Ib), I(SSE, M, NONE, NONE, Ib) }

const OpcodeEntry sse_map2[256][4] = {
    [0x10 ... 0x17] = SSE_ANY,
    [0x28] = SSE_ANY,
    [0x29] = SSE_ANY,
    [0x2a] = { I(CVTPI2PS, M | MMX, Vdq, Qq), I(CVTPI2PD, M | MMX, Vdq, Qq),
               I(CVTSI2SS, M, Vdq, Ey), I(CVTSI2SD, M, Vdq, Ey) },
    [0x2b] = SSE_ANY,
    [0x2c] = { I(CVTTPS2PI, M | MMX, Pq, Wq), I(CVTTPD2PI, M | MMX, Pq, Wdq),
               I(CVTTSS2SI, M, Gy, Wd), I(CVTTSD2SI, M, Gy, Wq) },
    [0x2d] = { I(CVTPS2PI, M | MMX, Pq, Wq), I(CVTPD2PI, M | MMX, Pq, Wdq),
               I(CVTSS2SI, M, Gy, Wd), I(CVTSD2SI, M, Gy, Wq) },
    [0x2e] = { I(UCOMISS, M, Vdq, Wd), I(UCOMISD, M, Vdq, Wq), BAD, BAD },
    [0x2f] = { I(COMISS, M, Vdq, Wd), I(COMISD, M, Vdq, Wq), BAD, BAD },
    [0x50] = SSE_ANY,
    [0x51] = PS_PD_SS_SD(SQRT),
    [0x52] = { I(RSQRTPS, M, Vdq, Wdq), BAD, I(RSQRTSS, M, Vdq, Wd), BAD },
    [0x53] = { I(RCPPS, M, Vdq, Wdq), BAD, I(RCPSS, M, Vdq, Wd), BAD },
    [0x54 ... 0x57] = SSE_ANY,
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
    [0x60 ... 0x6f] = SSE_ANY,
    [0x70 ... 0x73] = SSE_ANY_IB,
    [0x74 ... 0x76] = SSE_ANY,
    [0x77] = { I(SSE, 0), I(SSE, 0), I(SSE, 0), I(SSE, 0) },
    [0x7c] = { BAD, I(HADDPD, M, Vdq, Wdq), BAD, I(HADDPS, M, Vdq, Wdq) },
    [0x7d] = { BAD, I(HSUBPD, M, Vdq, Wdq), BAD, I(HSUBPS, M, Vdq, Wdq) },
    [0x7e] = SSE_ANY,
    [0x7f] = SSE_ANY,
    [0xc2] = { I(CMPPS, M, Vdq, Wdq, Ib), I(CMPPD, M, Vdq, Wdq, Ib), I(CMPSS, M, Vdq, Wd, Ib),
               I(CMPSD_SSE, M, Vdq, Wq, Ib) },
    [0xc4 ... 0xc6] = SSE_ANY_IB,
    [0xd0] = { BAD, I(ADDSUBPD, M, Vdq, Wdq), BAD, I(ADDSUBPS, M, Vdq, Wdq) },
    [0xd1 ... 0xe5] = SSE_ANY,
    [0xe6] = { BAD, I(CVTTPD2DQ, M, Vdq, Wdq), I(CVTDQ2PD, M, Vdq, Wq),
               I(CVTPD2DQ, M, Vdq, Wdq) },
    [0xe7 ... 0xfe] = SSE_ANY,
};

const OpcodeEntry sse_map38[256][4] = {
    [0x00 ... 0x0b] = SSE_ANY,
    [0x10] = SSE_ANY,
    [0x14 ... 0x15] = SSE_ANY,
    [0x17] = SSE_ANY,
    [0x1c ... 0x1e] = SSE_ANY,
    [0x20 ... 0x25] = SSE_ANY,
    [0x28 ... 0x2b] = SSE_ANY,
    [0x30 ... 0x35] = SSE_ANY,
    [0x37 ... 0x41] = SSE_ANY,
};

/* SSE4.1 floating point: 66 0F 3A only (table A-5). */
#define SSE41(mn, w) { BAD, I(mn, M, Vdq, w, Ib), BAD, BAD }

const OpcodeEntry sse_map3a[256][4] = {
    [0x08] = SSE41(ROUNDPS, Wdq),
    [0x09] = SSE41(ROUNDPD, Wdq),
    [0x0a] = SSE41(ROUNDSS, Wd),
    [0x0b] = SSE41(ROUNDSD, Wq),
    [0x0c ... 0x0f] = SSE_ANY_IB,
    [0x14 ... 0x17] = SSE_ANY_IB,
    [0x20 ... 0x22] = SSE_ANY_IB,
    [0x40] = SSE41(DPPS, Wdq),
    [0x41] = SSE41(DPPD, Wdq),
    [0x42] = SSE_ANY_IB,
    [0x44] = SSE_ANY_IB,
    [0x60 ... 0x63] = SSE_ANY_IB,
};
