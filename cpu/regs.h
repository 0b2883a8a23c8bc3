/*
 * cpu/regs.h: architectural register numbering, as encoded in instructions (SDM Vol. 2A
 * §2.1.5 tables 2-1/2-2, §3.4.1, §3.4.2).
 */
#ifndef VIREO_CPU_REGS_H
#define VIREO_CPU_REGS_H

enum {
    R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

/* Segment registers in the order of the ModRM.reg encoding of MOV Sreg. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

#endif
