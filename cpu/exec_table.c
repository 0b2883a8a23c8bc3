/*
 * cpu/exec_table.c: the interpreter's dispatch table, one exec_<mnemonic> per Mnemonic
 * (STYLE.md §5). A mnemonic without an entry runs exec_unimplemented (#UD and a log_unimp
 * line); the Capstone and conformance tests list which those are.
 */
#include "cpu/exec.h"

#define EXEC_FN(name) void exec_##name(CpuState *cpu, const DecodedInsn *d);
#define EXEC_FNS(X)                                                                         \
    X(add) X(or) X(adc) X(sbb) X(and) X(sub) X(xor) X(cmp) X(inc) X(dec) X(neg) X(not)     \
    X(test) X(mul) X(imul1) X(imul2) X(imul3) X(div) X(idiv) X(daa) X(das) X(aaa) X(aas)   \
    X(aam) X(aad) X(salc) X(cbw) X(cwd) X(rol) X(ror) X(rcl) X(rcr) X(shl) X(shr) X(sal)   \
    X(sar) X(shld) X(shrd) X(bt) X(bts) X(btr) X(btc) X(bsf) X(bsr) X(popcnt) X(tzcnt)      \
    X(lzcnt) X(bswap) X(mov) X(movsxd) X(movzx) X(movsx) X(lea) X(xchg) X(xadd)            \
    X(cmpxchg) X(cmpxchg8b) X(movbe) X(movnti) X(cmov) X(setcc) X(xlat) X(lahf) X(sahf)    \
    X(push) X(pop) X(pusha) X(popa) X(enter) X(leave) X(jmp) X(jcc) X(jmp_ind) X(call)     \
    X(call_ind) X(ret) X(loop) X(loope) X(loopne) X(jcxz) X(clc) X(stc) X(cmc) X(cld)     \
    X(std) X(nop) X(ud) X(clflush) X(wait) X(hlt)
EXEC_FNS(EXEC_FN)
#undef EXEC_FN

const ExecFn exec_table[MN_COUNT] = {
    [MN_ADD] = exec_add,
    [MN_OR] = exec_or,
    [MN_ADC] = exec_adc,
    [MN_SBB] = exec_sbb,
    [MN_AND] = exec_and,
    [MN_SUB] = exec_sub,
    [MN_XOR] = exec_xor,
    [MN_CMP] = exec_cmp,
    [MN_INC] = exec_inc,
    [MN_DEC] = exec_dec,
    [MN_NEG] = exec_neg,
    [MN_NOT] = exec_not,
    [MN_TEST] = exec_test,
    [MN_MUL] = exec_mul,
    [MN_IMUL1] = exec_imul1,
    [MN_IMUL2] = exec_imul2,
    [MN_IMUL3] = exec_imul3,
    [MN_DIV] = exec_div,
    [MN_IDIV] = exec_idiv,
    [MN_DAA] = exec_daa,
    [MN_DAS] = exec_das,
    [MN_AAA] = exec_aaa,
    [MN_AAS] = exec_aas,
    [MN_AAM] = exec_aam,
    [MN_AAD] = exec_aad,
    [MN_SALC] = exec_salc,
    [MN_CBW] = exec_cbw,
    [MN_CWD] = exec_cwd,
    [MN_ROL] = exec_rol,
    [MN_ROR] = exec_ror,
    [MN_RCL] = exec_rcl,
    [MN_RCR] = exec_rcr,
    [MN_SHL] = exec_shl,
    [MN_SHR] = exec_shr,
    [MN_SAL] = exec_sal,
    [MN_SAR] = exec_sar,
    [MN_SHLD] = exec_shld,
    [MN_SHRD] = exec_shrd,
    [MN_BT] = exec_bt,
    [MN_BTS] = exec_bts,
    [MN_BTR] = exec_btr,
    [MN_BTC] = exec_btc,
    [MN_BSF] = exec_bsf,
    [MN_BSR] = exec_bsr,
    [MN_POPCNT] = exec_popcnt,
    [MN_TZCNT] = exec_tzcnt,
    [MN_LZCNT] = exec_lzcnt,
    [MN_BSWAP] = exec_bswap,
    [MN_MOV] = exec_mov,
    [MN_MOVSXD] = exec_movsxd,
    [MN_MOVZX] = exec_movzx,
    [MN_MOVSX] = exec_movsx,
    [MN_LEA] = exec_lea,
    [MN_XCHG] = exec_xchg,
    [MN_XADD] = exec_xadd,
    [MN_CMPXCHG] = exec_cmpxchg,
    [MN_CMPXCHG8B] = exec_cmpxchg8b,
    [MN_MOVBE] = exec_movbe,
    [MN_MOVNTI] = exec_movnti,
    [MN_CMOV] = exec_cmov,
    [MN_SETCC] = exec_setcc,
    [MN_XLAT] = exec_xlat,
    [MN_LAHF] = exec_lahf,
    [MN_SAHF] = exec_sahf,
    [MN_PUSH] = exec_push,
    [MN_POP] = exec_pop,
    [MN_PUSHA] = exec_pusha,
    [MN_POPA] = exec_popa,
    [MN_ENTER] = exec_enter,
    [MN_LEAVE] = exec_leave,
    [MN_JMP] = exec_jmp,
    [MN_JCC] = exec_jcc,
    [MN_JMP_IND] = exec_jmp_ind,
    [MN_CALL] = exec_call,
    [MN_CALL_IND] = exec_call_ind,
    [MN_RET] = exec_ret,
    [MN_LOOP] = exec_loop,
    [MN_LOOPE] = exec_loope,
    [MN_LOOPNE] = exec_loopne,
    [MN_JCXZ] = exec_jcxz,
    [MN_CLC] = exec_clc,
    [MN_STC] = exec_stc,
    [MN_CMC] = exec_cmc,
    [MN_CLD] = exec_cld,
    [MN_STD] = exec_std,
    [MN_NOP] = exec_nop,
    [MN_PAUSE] = exec_nop,
    [MN_FENCE] = exec_nop,
    [MN_PREFETCH] = exec_nop,
    [MN_UD] = exec_ud,
    [MN_CLFLUSH] = exec_clflush,
    [MN_WAIT] = exec_wait,
    [MN_HLT] = exec_hlt,
};
