/*
 * tests/conformance/diff/diff_vireo.h: vireo's side of the host-differential test. A bare CPU
 * (tests/fixture) set up to mirror the native worker's address space (native_exec.h): CPL 3 in
 * 64-bit mode, CR0.AM = 1 and CR0.WP = 1, EFER.NXE, and page tables that map ONLY the code page
 * at NATIVE_CODE_ADDR (present, user, read-only, executable) and the data region at
 * NATIVE_DATA_ADDR (present, user, writable, NX), both with 4 KiB pages. Every exception is
 * intercepted, so a fault stops the run with the state before the faulting instruction.
 */
#ifndef VIREO_TESTS_CONFORMANCE_DIFF_VIREO_H
#define VIREO_TESTS_CONFORMANCE_DIFF_VIREO_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpuid.h"
#include "cpu_fixture.h"
#include "native_exec.h"

typedef struct DiffVireo {
    Fixture fx;
    uint8_t *data;     /* host pointer to the data region's RAM */
    CpuidModel model;  /* the CPU model compared with the host (diff_vireo_open) */
} DiffVireo;

/* The outcome of one run, in native_exec's terms. */
typedef struct DiffVireoResult {
    NativeOutcome outcome; /* DONE, EXCEPTION or TIMEOUT */
    NativeCpuState out;    /* GPRs, RIP, RFLAGS (fx is not filled) */
    uint8_t vector;
    uint32_t error_code;
    uint64_t cr2;
} DiffVireoResult;

int diff_vireo_open(DiffVireo *v);
void diff_vireo_close(DiffVireo *v);

/*
 * Runs code[0..len) from `in` (GPRs, RIP, RFLAGS) until RIP reaches NATIVE_CODE_ADDR + len, an
 * exception, or max_insns instructions. The rest of the code page holds INT3, as natively.
 */
void diff_vireo_run(DiffVireo *v, const uint8_t *code, size_t len, const NativeCpuState *in,
                    uint64_t max_insns, DiffVireoResult *r);

#endif
