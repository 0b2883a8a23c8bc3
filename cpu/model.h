/*
 * cpu/model.h: which processor the CPU core models. The decoder (cpu/decode.c, through the
 * opcode table's per-model rules in cpu/opcode_table.c) and a few exec functions differ by
 * model; the block cache keys decoded code on it.
 *
 * The two older models reproduce the real-mode behaviour the SingleStepTests vectors record
 * from real chips (../shared/conformance/singlestep): an Intel 8086 and a Harris 80C286.
 */
#ifndef VIREO_CPU_MODEL_H
#define VIREO_CPU_MODEL_H

typedef enum CpuModel {
    CPU_MODEL_X86_64, /* a modern x86-64 processor (the default) */
    CPU_MODEL_8086,   /* 8086 real-mode semantics (no #UD, POP CS, 1 MiB wrap, ...) */
    CPU_MODEL_80286,  /* 80286: 16-bit, four segment registers, 10-byte instructions, ... */
    CPU_MODEL_COUNT
} CpuModel;

#endif
