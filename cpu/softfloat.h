/*
 * cpu/softfloat.h: vireo's portable IEEE 754 binary floating point in the three x86 formats,
 * single (32-bit), double (64-bit) and x87 double extended (80-bit), bit-exact with the x86
 * hardware (SDM Vol. 1 chapter 4 "Data types" §4.2.2, §4.8 "Real numbers and floating-point
 * formats", §4.9 "Overview of floating-point exceptions"; chapter 8 for the x87 and chapter 11
 * §11.5 for SSE). It uses only integer arithmetic, so results never depend on the host's FPU.
 *
 * One environment (FloatEnv) carries the rounding mode and the x87/SSE details that change
 * results: x87 precision control, SSE DAZ/FTZ, which NaN propagation rule applies, and the
 * exception masks (an unmasked underflow is reported on tininess alone, and an unmasked x87
 * overflow or underflow delivers the bias-adjusted result of SDM Vol. 1 §8.5.4, §8.5.5).
 * Operations accumulate exception flags in env->flags and never trap; the caller decides what
 * an unmasked flag means (#MF, #XM).
 */
#ifndef VIREO_CPU_SOFTFLOAT_H
#define VIREO_CPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h" /* Float80 */

typedef uint32_t Float32;
typedef uint64_t Float64;

/* Exception flags, in the bit order of the x87 status word and MXCSR. */
enum {
    FLOAT_INVALID = 1u << 0,
    FLOAT_DENORMAL = 1u << 1, /* an operand was denormal (x87 also: unnormal f80 loads) */
    FLOAT_DIVBYZERO = 1u << 2,
    FLOAT_OVERFLOW = 1u << 3,
    FLOAT_UNDERFLOW = 1u << 4,
    FLOAT_INEXACT = 1u << 5,
};

/* Rounding modes, in the encoding of FCW.RC and MXCSR.RC. */
typedef enum FloatRound {
    FLOAT_ROUND_NEAREST = 0, /* to nearest, ties to even */
    FLOAT_ROUND_DOWN = 1,    /* toward -infinity */
    FLOAT_ROUND_UP = 2,      /* toward +infinity */
    FLOAT_ROUND_ZERO = 3,    /* toward zero */
} FloatRound;

/* Which operand a two-NaN operation returns (SDM Vol. 1 §4.8.3.5 table 4-7). */
typedef enum FloatNanRule {
    FLOAT_NAN_X87, /* the NaN with the larger significand; a QNaN over an SNaN */
    FLOAT_NAN_SSE, /* the first source operand's NaN */
} FloatNanRule;

typedef struct FloatEnv {
    uint8_t round;      /* FloatRound */
    uint8_t precision;  /* significand bits of Float80 results: 64, 53 or 24 (FCW.PC) */
    uint8_t masks;      /* masked exceptions, FLOAT_* bits */
    uint8_t nan_rule;   /* FloatNanRule */
    bool ftz;           /* MXCSR.FTZ: a tiny result with underflow masked becomes zero */
    bool daz;           /* MXCSR.DAZ: denormal operands read as zero, without DE */
    uint8_t flags;      /* accumulated exception flags, FLOAT_* */
    bool rounded_up;    /* the last rounded result's magnitude was increased (x87 C1) */
} FloatEnv;

/* Environments with everything masked: round to nearest, full precision. */
FloatEnv float_env_x87(uint16_t fcw);   /* RC, PC and masks from an x87 control word */
FloatEnv float_env_sse(uint32_t mxcsr); /* RC, masks, DAZ and FTZ from MXCSR */

/* Comparison results; the values are the order of the x87 condition codes' table. */
typedef enum FloatRelation {
    FLOAT_LESS = 0,
    FLOAT_EQUAL = 1,
    FLOAT_GREATER = 2,
    FLOAT_UNORDERED = 3,
} FloatRelation;

/* Special values. */
#define F32_DEFAULT_NAN 0xffc00000u             /* QNaN floating-point indefinite */
#define F64_DEFAULT_NAN 0xfff8000000000000ull
#define F80_DEFAULT_NAN_EXP 0xffffu
#define F80_DEFAULT_NAN_SIG 0xc000000000000000ull

/* Classification. An f80 with exponent 1..7FFE and integer bit clear (unnormal), or exponent
 * 7FFF with integer bit clear (pseudo-NaN, pseudo-infinity), is an unsupported encoding:
 * arithmetic treats it as an SNaN (invalid operation), SDM Vol. 1 §8.2.2. */
bool f32_is_nan(Float32 a);
bool f32_is_snan(Float32 a);
bool f64_is_nan(Float64 a);
bool f64_is_snan(Float64 a);
bool f80_is_nan(Float80 a);
bool f80_is_snan(Float80 a);
bool f80_is_unsupported(Float80 a);

/* Arithmetic: a op b rounded per env (for Float80: to env->precision bits). */
Float32 f32_add(Float32 a, Float32 b, FloatEnv *env);
Float32 f32_sub(Float32 a, Float32 b, FloatEnv *env);
Float32 f32_mul(Float32 a, Float32 b, FloatEnv *env);
Float32 f32_div(Float32 a, Float32 b, FloatEnv *env);
Float32 f32_sqrt(Float32 a, FloatEnv *env);
Float64 f64_add(Float64 a, Float64 b, FloatEnv *env);
Float64 f64_sub(Float64 a, Float64 b, FloatEnv *env);
Float64 f64_mul(Float64 a, Float64 b, FloatEnv *env);
Float64 f64_div(Float64 a, Float64 b, FloatEnv *env);
Float64 f64_sqrt(Float64 a, FloatEnv *env);
Float80 f80_add(Float80 a, Float80 b, FloatEnv *env);
Float80 f80_sub(Float80 a, Float80 b, FloatEnv *env);
Float80 f80_mul(Float80 a, Float80 b, FloatEnv *env);
Float80 f80_div(Float80 a, Float80 b, FloatEnv *env);
Float80 f80_sqrt(Float80 a, FloatEnv *env);

/*
 * Comparison. `quiet` compares as UCOMISS/FUCOM (invalid only for an SNaN operand); otherwise
 * as COMISS/FCOM and CMPPS's signalling predicates (invalid for any NaN).
 */
FloatRelation f32_compare(Float32 a, Float32 b, bool quiet, FloatEnv *env);
FloatRelation f64_compare(Float64 a, Float64 b, bool quiet, FloatEnv *env);
FloatRelation f80_compare(Float80 a, Float80 b, bool quiet, FloatEnv *env);

/* Conversions between formats (a narrowing conversion rounds per env; widening is exact but
 * an SNaN operand is quieted with invalid, and a denormal operand reports DE). x87 precision
 * control does not apply. An f80 operand never reports DE (FST m32/m64 has no #D), and with OE
 * or UE unmasked f80_to_f32/f80_to_f64 report that flag alone, without PE or rounded_up, as
 * FST m32/m64 does (which then stores nothing). */
Float64 f32_to_f64(Float32 a, FloatEnv *env);
Float80 f32_to_f80(Float32 a, FloatEnv *env);
Float32 f64_to_f32(Float64 a, FloatEnv *env);
Float80 f64_to_f80(Float64 a, FloatEnv *env);
Float32 f80_to_f32(Float80 a, FloatEnv *env);
Float64 f80_to_f64(Float80 a, FloatEnv *env);

/* Integers to floating point: rounded per env where the format cannot hold the value. */
Float32 i32_to_f32(int32_t a, FloatEnv *env);
Float32 i64_to_f32(int64_t a, FloatEnv *env);
Float64 i32_to_f64(int32_t a, FloatEnv *env);
Float64 i64_to_f64(int64_t a, FloatEnv *env);
Float80 i64_to_f80(int64_t a); /* exact */

/*
 * Floating point to integers: rounded per env->round, or toward zero when `truncate` (CVTT*,
 * FISTTP). A NaN or a result out of range is invalid and returns the integer indefinite (the
 * most negative value of the width). No DE; rounded_up tells whether the magnitude grew (C1).
 */
int32_t f32_to_i32(Float32 a, bool truncate, FloatEnv *env);
int64_t f32_to_i64(Float32 a, bool truncate, FloatEnv *env);
int32_t f64_to_i32(Float64 a, bool truncate, FloatEnv *env);
int64_t f64_to_i64(Float64 a, bool truncate, FloatEnv *env);
int16_t f80_to_i16(Float80 a, bool truncate, FloatEnv *env);
int32_t f80_to_i32(Float80 a, bool truncate, FloatEnv *env);
int64_t f80_to_i64(Float80 a, bool truncate, FloatEnv *env);

/*
 * Round to an integral value in the same format (ROUNDSS/SD/PS/PD, FRNDINT) with rounding mode
 * `round`; `inexact` says whether an inexact result reports PE (ROUNDxx imm8 bit 3 clear,
 * FRNDINT always). Only the f80 form reports DE (FRNDINT has #D, ROUNDxx does not); x87
 * precision control does not apply.
 */
Float32 f32_round_to_int(Float32 a, FloatRound round, bool inexact, FloatEnv *env);
Float64 f64_round_to_int(Float64 a, FloatRound round, bool inexact, FloatEnv *env);
Float80 f80_round_to_int(Float80 a, FloatRound round, bool inexact, FloatEnv *env);

/*
 * The x87 transcendental functions in portable arithmetic (cpu/softfloat_trans.c), for hosts
 * without an x87: results within an ulp or so of the exact value (the processor's are no more
 * exact), rounded per env->round to 64 bits whatever env->precision says, with the special
 * operands of each instruction's table, IE/DE/ZE and the flags and rounded_up of the rounding.
 * f80_2xm1 is F2XM1 (2^a - 1); f80_yl2x and f80_yl2xp1 are FYL2X and FYL2XP1 (y * log2(x),
 * y * log2(1 + x)); f80_atan2 is FPATAN (the angle of (x, y)). f80_sincos (either output may
 * be NULL; sin is rounded first) and f80_tan (also the value FPTAN pushes: 1, or the NaN of a
 * NaN result) return false, touching nothing, for an operand
 * beyond +-2^63 (C2 set by the caller); they reduce against the x87's 66-bit pi.
 */
Float80 f80_2xm1(Float80 a, FloatEnv *env);
Float80 f80_yl2x(Float80 y, Float80 x, FloatEnv *env);
Float80 f80_yl2xp1(Float80 y, Float80 x, FloatEnv *env);
Float80 f80_atan2(Float80 y, Float80 x, FloatEnv *env);
bool f80_sincos(Float80 a, Float80 *sin_out, Float80 *cos_out, FloatEnv *env);
bool f80_tan(Float80 a, Float80 *tan_out, Float80 *push_out, FloatEnv *env);

/*
 * The rounding step itself, for operations built outside this file (x87 transcendentals,
 * FSCALE, FXTRACT, FPREM, BCD): the exact value is (-1)^sign * sig * 2^(exp - 16383 - 127),
 * where sig = sig_hi:sig_lo is a 128-bit significand (not necessarily normalized; sticky bits
 * below it are ORed into bit 0 of sig_lo by the caller). Rounds to env->precision bits with
 * the x87's exponent range, reporting overflow, underflow, inexact and rounded_up.
 */
Float80 f80_round_pack(bool sign, int32_t exp, uint64_t sig_hi, uint64_t sig_lo, FloatEnv *env);

/* Propagate NaN operands per env->nan_rule (b may be NULL for a one-operand operation);
 * an SNaN sets invalid, an unsupported operand gives the default NaN with invalid. Without a
 * NaN operand it returns a unchanged. */
Float80 f80_propagate_nan(Float80 a, const Float80 *b, FloatEnv *env);

#endif
