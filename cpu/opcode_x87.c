/*
 * cpu/opcode_x87.c: the x87 escape opcodes D8-DF, by their encoding only (a ModRM byte) until
 * their operations are implemented: every form executes as MN_FPU, which raises #NM under
 * CR0.EM or CR0.TS (so lazy FPU switching works) and #UD otherwise.
 */
#include "cpu/opcode.h"

#include <stddef.h>

#define ESCAPE_ROW                                                                                 \
    { [0 ... 15] = { MN_FPU, OPF_MODRM, { { 0 } }, NULL } }

const OpcodeEntry x87_map[8][16] = {
    ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW, ESCAPE_ROW,
};
