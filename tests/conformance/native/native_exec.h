/*
 * tests/conformance/native/native_exec.h: runs a snippet of x86-64 user-mode machine code on
 * the host CPU and returns the exact architectural state it ends in, the reference side of the
 * conformance tests (DESIGN.md "Tests": the host is the oracle).
 *
 * One worker process, forked by native_exec_open(), runs every case: it maps a code page at
 * NATIVE_CODE_ADDR and a data region at NATIVE_DATA_ADDR, then locks itself down with a seccomp
 * filter so that no instruction in a snippet can make a host system call. A case loads the whole
 * input state (GPRs, RFLAGS, RSP, the FXSAVE image with x87, XMM0-15 and MXCSR), jumps to the
 * snippet, and saves the whole state again when execution reaches the end of the snippet or when
 * it raises an exception. A worker that dies or uses more than NATIVE_EXEC_CPU_BUDGET_MS of CPU
 * on one case is killed and forked again on the next run.
 *
 * vireo's side of a comparison mirrors the layout: the same code bytes at NATIVE_CODE_ADDR, the
 * same data region at NATIVE_DATA_ADDR, nothing else mapped, CPL 3 in 64-bit mode, CR0.AM = 1
 * (Linux sets it, so RFLAGS.AC enables alignment checks).
 *
 * What the host defines and vireo must mirror or mask, in order of surprise:
 *   - Only the code page and the data region are defined memory. The worker's own mappings
 *     (its stack, the C library, the parent's heap) exist too, so a stray access that happens to
 *     hit one is not reported: the generator keeps memory operands inside the data region.
 *   - x87 FOP, FIP and FDP are saved by FXSAVE on Intel always but on AMD only while an unmasked
 *     x87 exception is pending (AMD APM Vol. 5, FXSAVE); mask them unless FSW.ES is set.
 *   - AVX and AVX-512 state beyond XMM0-15 (upper YMM/ZMM halves, ZMM16-31, opmasks) is neither
 *     loaded nor saved; a VEX/EVEX snippet sees what the previous case left there.
 *   - The bytes after the snippet are the harness's: a 6-byte jump, INT3 filler, and the exit
 *     address in the page's last 8 bytes. vireo mirrors the INT3 filler and stops when RIP
 *     reaches the end of the snippet; a case that reads those bytes or branches into the jump
 *     or the address is not comparable.
 *   - FS and GS base are not part of the state: snippets must not use FS/GS overrides. A
 *     snippet that loads a selector into FS or GS has both bases put back afterwards, except
 *     that a null selector loaded over a null one goes unnoticed (Intel CPUs clear the base
 *     then; the harness itself never uses them).
 *   - Host-specific instructions (CPUID, RDTSC, RDRAND, SGDT without UMIP, XGETBV) and far
 *     transfers are the generator's to exclude: they run, but their results are the host's.
 */
#ifndef VIREO_TESTS_CONFORMANCE_NATIVE_EXEC_H
#define VIREO_TESTS_CONFORMANCE_NATIVE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Fixed layout of the worker's address space. Both regions are below 2 GiB, so disp32 absolute
 * and RIP-relative operands reach the data region from the code. The pages just before and after
 * each region are checked to be unmapped, so an overrun is a not-present #PF.
 */
#define NATIVE_CODE_ADDR 0x08000000ull
#define NATIVE_CODE_SIZE 0x1000u
#define NATIVE_DATA_ADDR 0x10000000ull
#define NATIVE_DATA_SIZE 0x10000u

/*
 * After the snippet the worker appends a 6-byte jump back to itself through an address held in
 * the last 8 bytes of the page; the rest of the code page holds INT3 (0xCC), so a branch that
 * leaves the snippet but stays inside the page stops with #BP.
 */
#define NATIVE_CODE_MAX_LEN (NATIVE_CODE_SIZE - 14u)

/*
 * CPU time one case may use before it is declared an endless loop: thousands of times what a
 * snippet of a few instructions needs, even one that copies the whole data region with REP MOVS.
 */
#define NATIVE_EXEC_CPU_BUDGET_MS 20

/* GPR indices: the instruction encoding order (SDM Vol. 2A §2.1.5, table 2-2), as cpu/regs.h. */
enum {
    NATIVE_RAX, NATIVE_RCX, NATIVE_RDX, NATIVE_RBX, NATIVE_RSP, NATIVE_RBP, NATIVE_RSI, NATIVE_RDI,
    NATIVE_R8, NATIVE_R9, NATIVE_R10, NATIVE_R11, NATIVE_R12, NATIVE_R13, NATIVE_R14, NATIVE_R15,
};

/* RFLAGS bits (SDM Vol. 1 §3.4.3). */
#define NATIVE_RFLAGS_CF (1ull << 0)
#define NATIVE_RFLAGS_PF (1ull << 2)
#define NATIVE_RFLAGS_AF (1ull << 4)
#define NATIVE_RFLAGS_ZF (1ull << 6)
#define NATIVE_RFLAGS_SF (1ull << 7)
#define NATIVE_RFLAGS_TF (1ull << 8)
#define NATIVE_RFLAGS_IF (1ull << 9)
#define NATIVE_RFLAGS_DF (1ull << 10)
#define NATIVE_RFLAGS_OF (1ull << 11)
#define NATIVE_RFLAGS_AC (1ull << 18)
#define NATIVE_RFLAGS_ID (1ull << 21)

/*
 * RFLAGS on input must be NATIVE_RFLAGS_FIXED plus any of NATIVE_RFLAGS_SETTABLE: bit 1 is
 * always 1 and IF is 1 in user mode. Not settable: TF (single-stepping the snippet is a test of
 * its own), NT (IRET with NT set is a task return, which 64-bit mode refuses), IOPL, RF, VM,
 * VIF, VIP (CPL 3 cannot set them). AC is settable and, with CR0.AM = 1, makes a misaligned
 * access raise #AC. Output RFLAGS is reported whole (RF excepted, see native_exec_run());
 * compare it whole after masking the flags the instruction leaves undefined.
 */
#define NATIVE_RFLAGS_FIXED (0x2ull | NATIVE_RFLAGS_IF)
#define NATIVE_RFLAGS_SETTABLE                                                                     \
    (NATIVE_RFLAGS_CF | NATIVE_RFLAGS_PF | NATIVE_RFLAGS_AF | NATIVE_RFLAGS_ZF |                   \
     NATIVE_RFLAGS_SF | NATIVE_RFLAGS_DF | NATIVE_RFLAGS_OF | NATIVE_RFLAGS_AC | NATIVE_RFLAGS_ID)

/* The 512-byte FXSAVE image in its 64-bit form (SDM Vol. 1 §10.5.1, table 10-2). */
typedef struct NativeFxState {
    uint16_t fcw;
    uint16_t fsw;
    uint8_t ftw; /* abridged: one bit per register, 1 = valid */
    uint8_t reserved1;
    uint16_t fop;
    uint64_t fip;
    uint64_t fdp;
    uint32_t mxcsr;
    uint32_t mxcsr_mask; /* output only; ignored on input */
    uint8_t st[8][16];   /* ST0-ST7 (MM0-MM7 in the low 64 bits), 80 bits each + 6 zero bytes */
    uint8_t xmm[16][16];
    uint8_t reserved2[96]; /* zero on output */
} __attribute__((aligned(16))) NativeFxState;

typedef struct NativeCpuState {
    uint64_t gpr[16]; /* NATIVE_RAX ... NATIVE_R15 */
    uint64_t rip;
    uint64_t rflags;
    NativeFxState fx;
} NativeCpuState;

/* x86 exception vectors a user-mode snippet can raise (SDM Vol. 3A §6.3.1, table 6-1). */
enum {
    NATIVE_EXC_DE = 0,
    NATIVE_EXC_DB = 1,
    NATIVE_EXC_BP = 3,
    NATIVE_EXC_OF = 4,
    NATIVE_EXC_BR = 5,
    NATIVE_EXC_UD = 6,
    NATIVE_EXC_NM = 7,
    NATIVE_EXC_SS = 12,
    NATIVE_EXC_GP = 13,
    NATIVE_EXC_PF = 14,
    NATIVE_EXC_MF = 16,
    NATIVE_EXC_AC = 17,
    NATIVE_EXC_XM = 19,
};

typedef enum NativeOutcome {
    /* Execution reached the end of the snippet; out.rip = NATIVE_CODE_ADDR + len. */
    NATIVE_OUTCOME_DONE,
    /*
     * The snippet raised an exception; fault says which. out is the state the exception
     * reported: for faults the state before the faulting instruction with out.rip on it, for
     * traps (#BP, #OF from INT 4, single-step #DB) the state after it with out.rip past it.
     */
    NATIVE_OUTCOME_EXCEPTION,
    /*
     * The snippet executed SYSCALL, SYSENTER or INT 80h. The seccomp filter stopped it before
     * the kernel did anything; out is the state after the instruction's own effects (for
     * SYSCALL: RCX = out.rip, R11 = RFLAGS), with RAX still holding the call number. (A kernel
     * built or booted without 32-bit emulation has no INT 80h gate: that is #GP(0x402).)
     */
    NATIVE_OUTCOME_SYSCALL,
    /* The case used more than NATIVE_EXEC_CPU_BUDGET_MS of CPU; the worker was killed. */
    NATIVE_OUTCOME_TIMEOUT,
    /*
     * The worker died during the case (the snippet wrecked it): fault.host_signal is the
     * signal that killed it, or 0 and fault.host_code its exit status.
     */
    NATIVE_OUTCOME_CRASHED,
} NativeOutcome;

typedef struct NativeFault {
    uint8_t vector;      /* NATIVE_EXC_*, for NATIVE_OUTCOME_EXCEPTION */
    bool has_error_code; /* the vector pushes one (#SS, #GP, #PF, #AC) */
    uint32_t error_code; /* as the kernel reports it; #PF: P, W/R, U/S = 1, I/D bits */
    uint64_t address;    /* #PF: the linear address (CR2); 0 otherwise */
    int host_signal;     /* the signal behind the outcome, for diagnostics */
    int host_code;       /* its si_code, or for CRASHED the exit status */
} NativeFault;

typedef struct NativeExec NativeExec;

/*
 * Starts a worker. Returns NULL after printing one line naming what failed (a fixed address
 * already mapped, seccomp not available) to stderr.
 */
NativeExec *native_exec_open(void);

/* Stops the worker and frees everything; NULL is allowed. */
void native_exec_close(NativeExec *ne);

/*
 * Runs code[0..len) once from the state in with the data region as native_exec_data() left
 * it. Returns a NativeOutcome, or a negative errno: -EINVAL for a bad input (len over
 * NATIVE_CODE_MAX_LEN, in->rip not NATIVE_CODE_ADDR, RFLAGS outside the settable bits, MXCSR
 * bits outside the host's MXCSR_MASK, which FXRSTOR would refuse with #GP), the errno of a
 * failed fork, or -EIO when a new worker failed to start (the reason is printed). out is
 * filled for DONE, EXCEPTION and SYSCALL and zeroed otherwise; fault is always filled (zero
 * where it does not apply). Reported RFLAGS never has RF set: the exception frame's RF is an
 * artefact of delivery, not state the snippet can observe.
 */
int native_exec_run(NativeExec *ne, const uint8_t *code, size_t len, const NativeCpuState *in,
                    NativeCpuState *out, NativeFault *fault);

/*
 * The data region, NATIVE_DATA_SIZE bytes, shared with the worker: what the caller writes here
 * is what a snippet reads at NATIVE_DATA_ADDR, and after native_exec_run() it holds what the
 * snippet left. Nothing is reset between cases; the caller writes the bytes it cares about.
 */
uint8_t *native_exec_data(NativeExec *ne);

/* Workers started so far: 1 after open, one more each time a run replaces a killed or dead one. */
unsigned native_exec_worker_starts(const NativeExec *ne);

/* The host's MXCSR_MASK: MXCSR bits a case may set. */
uint32_t native_exec_mxcsr_mask(const NativeExec *ne);

/*
 * A clean starting state: all zero, RIP = NATIVE_CODE_ADDR, RFLAGS = NATIVE_RFLAGS_FIXED,
 * FCW = 0x37F and MXCSR = 0x1F80 (the FNINIT and power-on values, SDM Vol. 1 §8.1.5, §10.2.3).
 */
void native_exec_init_state(NativeCpuState *s);

#endif
