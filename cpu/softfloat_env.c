/*
 * cpu/softfloat_env.c: floating-point environments from the x87 control word (SDM Vol. 1
 * §8.1.5: masks in bits 0-5, PC in 8-9, RC in 10-11) and from MXCSR (§10.2.3: DAZ bit 6,
 * masks 7-12, RC 13-14, FTZ 15).
 */
#include "cpu/softfloat.h"

/* FCW.PC: 00 single (24 bits), 01 reserved (vireo: as double), 10 double (53), 11 extended. */
static const uint8_t x87_precision[4] = { 24, 53, 53, 64 };

FloatEnv float_env_x87(uint16_t fcw)
{
    return (FloatEnv){
        .round = (uint8_t)((fcw >> 10) & 3),
        .precision = x87_precision[(fcw >> 8) & 3],
        .masks = (uint8_t)(fcw & 0x3f),
        .nan_rule = FLOAT_NAN_X87,
    };
}

FloatEnv float_env_sse(uint32_t mxcsr)
{
    return (FloatEnv){
        .round = (uint8_t)((mxcsr >> 13) & 3),
        .precision = 64,
        .masks = (uint8_t)((mxcsr >> 7) & 0x3f),
        .nan_rule = FLOAT_NAN_SSE,
        .ftz = (mxcsr >> 15) & 1,
        .daz = (mxcsr >> 6) & 1,
    };
}
