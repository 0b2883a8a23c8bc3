/*
 * cpu/cpu.h: the x86-64 CPU's architectural state and the public face of cpu/.
 *
 * State follows the SDM Vol. 3A chapter 2 (system registers), §3.4 (segment registers with
 * their hidden descriptor caches), Vol. 1 §3.4 (general registers, RFLAGS). Arithmetic flags
 * are lazy (DESIGN.md "Execution"): the last flag-setting operation and its operands are kept
 * in `lazy`, and RFLAGS' arithmetic bits are computed only when read.
 */
#ifndef VIREO_CPU_CPU_H
#define VIREO_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/model.h"
#include "cpu/regs.h"
#include "softmmu/ioport.h"
#include "softmmu/memory.h"
#include "softmmu/paging.h"
#include "softmmu/tlb.h"

/* RFLAGS bits, SDM Vol. 1 §3.4.3. */
enum {
    FLAG_CF = 1u << 0,
    FLAG_FIXED1 = 1u << 1,
    FLAG_PF = 1u << 2,
    FLAG_AF = 1u << 4,
    FLAG_ZF = 1u << 6,
    FLAG_SF = 1u << 7,
    FLAG_TF = 1u << 8,
    FLAG_IF = 1u << 9,
    FLAG_DF = 1u << 10,
    FLAG_OF = 1u << 11,
    FLAG_IOPL = 3u << 12,
    FLAG_NT = 1u << 14,
    FLAG_RF = 1u << 16,
    FLAG_VM = 1u << 17,
    FLAG_AC = 1u << 18,
    FLAG_VIF = 1u << 19,
    FLAG_VIP = 1u << 20,
    FLAG_ID = 1u << 21,
};
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* Control register bits, SDM Vol. 3A §2.5. */
enum {
    CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3,
    CR0_ET = 1u << 4, CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18,
    CR0_NW = 1u << 29, CR0_CD = 1u << 30, CR0_PG = 1u << 31,
};
enum {
    CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3,
    CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7,
    CR4_PCE = 1u << 8, CR4_OSFXSR = 1u << 9, CR4_OSXMMEXCPT = 1u << 10, CR4_UMIP = 1u << 11,
    CR4_FSGSBASE = 1u << 16, CR4_PCIDE = 1u << 17, CR4_OSXSAVE = 1u << 18,
    CR4_SMEP = 1u << 20, CR4_SMAP = 1u << 21,
};
enum {
    EFER_SCE = 1u << 0, EFER_LME = 1u << 8, EFER_LMA = 1u << 10, EFER_NXE = 1u << 11,
};

/* Debug status and control bits, SDM Vol. 3A §18.2.3-18.2.4. */
enum {
    DR6_BD = 1u << 13, /* a debug-register access with DR7.GD set */
    DR6_BS = 1u << 14, /* single step (EFLAGS.TF) */
    DR7_GD = 1u << 13, /* general detect: DR accesses fault with #DB */
};

/* Exception vectors, SDM Vol. 3A table 6-1. */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
    EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/*
 * A segment register with its hidden part. `attr` holds the descriptor's access rights in the
 * VMX layout (SDM Vol. 3C §24.4.1): bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L, 14 D/B,
 * 15 G. `limit` is the byte-granular limit (G already applied).
 */
typedef struct SegmentCache {
    uint64_t base;
    uint32_t limit;
    uint16_t selector;
    uint16_t attr;
} SegmentCache;

enum {
    SEG_ATTR_TYPE = 0xf,
    SEG_ATTR_S = 1u << 4,
    SEG_ATTR_DPL_SHIFT = 5,
    SEG_ATTR_P = 1u << 7,
    SEG_ATTR_L = 1u << 13,
    SEG_ATTR_DB = 1u << 14,
    SEG_ATTR_G = 1u << 15,
};

typedef struct TableRegister {
    uint64_t base;
    uint32_t limit;
} TableRegister;

/* Lazy arithmetic flags: the operation that last set them and its operands. */
typedef enum LazyOp {
    LAZY_NONE,  /* flags are in RFLAGS */
    LAZY_ADD,   /* res = src1 + src2 */
    LAZY_ADC,   /* res = src1 + src2 + carry-in (carry-in in `aux`) */
    LAZY_SUB,   /* res = src1 - src2 (also CMP, NEG with src1 = 0) */
    LAZY_SBB,   /* res = src1 - src2 - borrow-in (in `aux`) */
    LAZY_LOGIC, /* res = logic result; CF = OF = 0, AF undefined (0) */
    LAZY_INC,   /* res = src1 + 1; CF preserved in `aux` */
    LAZY_DEC,   /* res = src1 - 1; CF preserved in `aux` */
    LAZY_COUNT
} LazyOp;

typedef struct LazyFlags {
    uint64_t res;
    uint64_t src1;
    uint64_t src2;
    uint32_t aux;
    uint8_t op;   /* LazyOp */
    uint8_t size; /* operand size in bytes */
} LazyFlags;

/*
 * The floating-point and SIMD state (SDM Vol. 1 §8.1 x87, §9.2 MMX, §10.2 SSE; the FXSAVE
 * image of Vol. 1 §10.5.1 lists the same fields).
 */
typedef struct Float80 {
    uint64_t sig;  /* significand with its explicit integer bit (bit 63) */
    uint16_t exp;  /* bit 15 sign, bits 14-0 biased exponent (bias 16383) */
} Float80;

typedef union XmmReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
} XmmReg;

/* x87 control word fields and status word bits (SDM Vol. 1 §8.1.3, §8.1.5). */
enum {
    FCW_MASKS = 0x3f,     /* IM DM ZM OM UM PM */
    FCW_PC_SHIFT = 8,     /* precision control: 0 single, 2 double, 3 extended */
    FCW_RC_SHIFT = 10,    /* rounding control: 0 nearest, 1 down, 2 up, 3 toward zero */
    FSW_FLAGS = 0x3f,     /* IE DE ZE OE UE PE */
    FSW_SF = 1u << 6,     /* stack fault */
    FSW_ES = 1u << 7,     /* exception summary: an unmasked exception is pending */
    FSW_C0 = 1u << 8,
    FSW_C1 = 1u << 9,
    FSW_C2 = 1u << 10,
    FSW_TOP_SHIFT = 11,
    FSW_C3 = 1u << 14,
    FSW_B = 1u << 15,     /* busy: mirrors ES */
};

/* MXCSR, SDM Vol. 1 §10.2.3. */
enum {
    MXCSR_FLAGS = 0x3f,      /* IE DE ZE OE UE PE */
    MXCSR_DAZ = 1u << 6,
    MXCSR_MASK_SHIFT = 7,    /* IM DM ZM OM UM PM in bits 7-12 */
    MXCSR_RC_SHIFT = 13,
    MXCSR_FTZ = 1u << 15,
    MXCSR_RESET = 0x1f80,
    MXCSR_WRITABLE = 0xffff, /* MXCSR_MASK: bits a load may set, else #GP(0) */
};

typedef struct FpuState {
    Float80 st[8];   /* physical registers R0-R7: ST(i) is st[(top + i) & 7], MMi is st[i].sig */
    uint16_t fcw;
    uint16_t fsw;    /* status word with TOP (bits 11-13) kept apart, in `top` */
    uint8_t top;
    uint8_t ftw;     /* abridged tag word: bit i set = R(i) valid; FSTENV derives the full tags */
    uint16_t fop;    /* last non-control x87 instruction: opcode bits 10-0 */
    uint16_t fcs, fds;
    uint64_t fip, fdp; /* last non-control x87 instruction and its memory operand */
    uint32_t mxcsr;
    XmmReg xmm[16];
} FpuState;

/* MTRR register counts: fixed-range MSRs, and variable ranges (IA32_MTRRCAP.VCNT). */
#define CPU_MTRR_FIXED_COUNT 11
#define CPU_MTRR_VAR_COUNT 8

struct CpuidModel;
struct CpuState;

/*
 * Execution tracing (the -d items exec, cpu and in_asm; debug/trace.c implements them): called
 * before each block (or uncached instruction) runs, with CS:RIP at its start, and when the
 * decoder reads new code into a block, with its guest bytes. NULL in CpuState: no tracing, and
 * the loop pays one test per block.
 */
typedef struct CpuTraceHooks {
    void (*block_start)(void *opaque, const struct CpuState *cpu);
    void (*block_new)(void *opaque, const struct CpuState *cpu, const uint8_t *code,
                      unsigned len);
} CpuTraceHooks;

/*
 * A debugger's hold on the CPU (cpu/cpu_debug.c; the GDB stub uses it). Breakpoints are linear
 * addresses checked before an instruction starts there, in every execution tier: a block that
 * holds one runs instruction by instruction. Watchpoints live in the TLB (tlb_watch_insert);
 * their hits land here. Either stops cpu_exec with CPU_EXIT_DEBUG and `event` saying why.
 * Host-side state: never saved, untouched by reset.
 */
#define CPU_BREAKPOINTS_MAX 64

typedef enum CpuDebugEvent {
    CPU_DEBUG_NONE,
    CPU_DEBUG_BREAKPOINT,   /* RIP is at a breakpoint; the instruction has not run */
    CPU_DEBUG_WATCHPOINT,   /* the instruction that touched watch_addr has completed */
} CpuDebugEvent;

typedef struct CpuDebug {
    uint64_t breakpoints[CPU_BREAKPOINTS_MAX];
    unsigned nbreakpoints;
    bool is_irq_masked;   /* single-stepping: interrupts wait (as QEMU's gdbstub default) */
    bool has_resume_skip; /* resuming at a breakpoint: it does not stop the first instruction */
    uint64_t resume_lin;
    CpuDebugEvent event;
    uint64_t watch_addr;  /* CPU_DEBUG_WATCHPOINT: first watched byte the access touched */
    unsigned watch_kinds; /* and the watchpoint's TlbWatch.kinds */
} CpuDebug;

/*
 * The local APIC as the CPU sees it (SDM Vol. 3A §11.4.4 IA32_APIC_BASE, §11.12 the x2APIC
 * MSRs, §11.5.4.1 IA32_TSC_DEADLINE, §11.8.6 CR8 = TPR[7:4]). The board implements these with
 * its APIC device; a CPU without hooks (bare tests) stores IA32_APIC_BASE and CR8 itself and
 * has no x2APIC or TSC-deadline MSRs. A false return is #GP(0).
 */
typedef struct CpuApicHooks {
    bool (*set_base)(void *opaque, uint64_t value);
    bool (*read_msr)(void *opaque, uint32_t msr, uint64_t *value);
    bool (*write_msr)(void *opaque, uint32_t msr, uint64_t value);
    uint8_t (*get_cr8)(void *opaque);
    void (*set_cr8)(void *opaque, uint8_t value);
} CpuApicHooks;

typedef struct CpuState {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags; /* arithmetic bits valid only when lazy.op == LAZY_NONE */
    LazyFlags lazy;
    SegmentCache seg[SEG_COUNT];
    SegmentCache ldtr, tr;
    TableRegister gdtr, idtr;
    PagingState paging; /* CR0, CR3, CR4, EFER and the PAE PDPTE registers */
    uint64_t cr2, cr8;
    uint64_t dr[8];
    uint64_t xcr0;
    FpuState fpu;
    uint64_t kernel_gs_base;
    uint64_t star, lstar, cstar, sfmask;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc_offset;
    uint64_t tsc_aux;
    uint64_t pat;
    uint64_t apic_base;
    uint64_t misc_enable;
    /* MTRRs (SDM Vol. 3A §12.11): stored and read back; vireo ignores memory types. */
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[CPU_MTRR_FIXED_COUNT]; /* FIX64K_00000, FIX16K_*, FIX4K_* in MSR order */
    uint64_t mtrr_var[CPU_MTRR_VAR_COUNT][2];  /* IA32_MTRR_PHYSBASEn, IA32_MTRR_PHYSMASKn */
    uint64_t mcg_status;
    /* RDRAND/RDSEED generator (cpu/exec_system.c): saved with the CPU so a replay or a
     * restored snapshot draws the same numbers. */
    uint64_t rng_state;

    /* Derived from the state above, recomputed by cpu_update_mode(). */
    uint8_t cpl;
    bool long_mode;   /* EFER.LMA */
    bool code64;      /* CS.L in long mode */

    /* Execution control. */
    bool halted;
    bool inhibit_irq;   /* the STI / MOV SS shadow covers the next instruction */
    uint64_t next_rip;  /* set before an instruction runs; branches change it */
    uint64_t icount;    /* instructions retired */
    CpuModel model;

    /* Exception being raised or delivered (cpu/excp.c). */
    struct {
        uint32_t error_code;
        int16_t vector;      /* raised: set by cpu_raise, consumed by the exec loop */
        int16_t delivering;  /* vector whose delivery is under way, or -1 */
    } exc;
    bool shutdown;           /* triple fault: the board decides between reset and power-off */
    /*
     * Exceptions (bit n: vector n) that stop cpu_exec with CPU_EXIT_EXCEPTION instead of being
     * delivered, leaving the state as before the faulting instruction and the vector and error
     * code in `intercepted`: for debuggers ("catch" an exception) and conformance tests.
     */
    uint32_t exception_intercept;
    struct {
        uint8_t vector;
        uint32_t error_code;
    } intercepted;
    bool exception_stop;     /* an intercepted exception ends the current cpu_exec */
    bool exit_request;       /* leave cpu_exec at the next instruction boundary */
    bool exit_block;         /* stop the current block after this instruction */

    /*
     * Interrupt lines and inter-processor events (SDM Vol. 3A §6.3 sources, §6.7 NMI, §8.4
     * INIT and SIPI), raised by the board through cpu_set_interrupt().
     */
    uint32_t interrupt_request; /* CPU_INTERRUPT_* */
    uint8_t sipi_vector;
    bool nmi_blocked;           /* from NMI delivery to the next IRET */
    bool is_waiting_for_sipi;   /* an application processor after INIT */
    bool is_bsp;                /* the bootstrap processor: INIT restarts it at the reset vector */
    bool ignne;                 /* IGNNE# input: x87 errors are ignored while CR0.NE = 0 */

    /* Host-side plumbing, not saved. */
    /* Interrupt acknowledge (INTA): the vector of the pending INTR, or -1 if it went away. */
    int (*irq_ack)(void *opaque);
    void *irq_opaque;
    struct BlockCache *blocks;
    PhysMap *map;
    PortSpace *ports;
    Tlb *tlb;
    unsigned maxphyaddr;
    const struct CpuidModel *cpuid; /* what CPUID reports and which features exist (-cpu) */
    /*
     * The TSC's time base, set by the board (cpu_read_tsc in cpu/msr.c): NULL means the
     * instruction count, which keeps a bare CPU deterministic.
     */
    uint64_t (*tsc_source)(void *opaque);
    void *tsc_opaque;
    const CpuApicHooks *apic; /* NULL: no local APIC attached */
    void *apic_opaque;
    CpuDebug debug;
    const CpuTraceHooks *trace; /* NULL: no execution tracing */
    void *trace_opaque;
    /* FERR# output (x87 error with CR0.NE = 0): the board raises IRQ 13 on it. NULL: none. */
    void (*ferr)(void *opaque, bool level);
    void *ferr_opaque;
    jmp_buf exception_jmp;
} CpuState;

enum {
    CPU_INTERRUPT_INTR = 1u << 0, /* maskable interrupt line (level): acknowledged by irq_ack */
    CPU_INTERRUPT_NMI = 1u << 1,  /* edge: taken once, then blocked until IRET */
    CPU_INTERRUPT_INIT = 1u << 2,
    CPU_INTERRUPT_SIPI = 1u << 3, /* with sipi_vector */
};

/* Why cpu_exec returned. */
typedef enum CpuExit {
    CPU_EXIT_BUDGET,   /* ran its instruction budget */
    CPU_EXIT_HALT,     /* HLT with no interrupt to take */
    CPU_EXIT_SHUTDOWN, /* triple fault */
    CPU_EXIT_REQUEST,  /* cpu_request_exit() */
    CPU_EXIT_EXCEPTION, /* an intercepted exception (exception_intercept) */
    CPU_EXIT_DEBUG,    /* a debugger's breakpoint or watchpoint (debug.event) */
} CpuExit;

/*
 * Sets up a CPU on a physical map and port space: creates its TLB and block cache and resets
 * it. Returns 0 or a negative errno.
 */
int cpu_init(CpuState *cpu, PhysMap *map, PortSpace *ports, CpuModel model);
void cpu_destroy(CpuState *cpu);
/* Power-on/RESET state, SDM Vol. 3A §9.1.1 table 9-1. */
void cpu_reset(CpuState *cpu);
/* Runs up to max_insns instructions. */
CpuExit cpu_exec(CpuState *cpu, uint64_t max_insns);
void cpu_request_exit(CpuState *cpu);

/* Raise or lower interrupt requests (CPU_INTERRUPT_*); the running loop sees them at the next
 * instruction boundary. */
void cpu_set_interrupt(CpuState *cpu, uint32_t mask);
void cpu_clear_interrupt(CpuState *cpu, uint32_t mask);
void cpu_send_sipi(CpuState *cpu, uint8_t vector);

/*
 * Recompute the derived mode state (CPL, long mode, 64-bit code) after CR0, EFER, CS or
 * RFLAGS.VM changed, and flush what depends on it.
 */
void cpu_update_mode(CpuState *cpu);

/* Load a segment register the real-mode way (selector * 16), keeping other cached fields. */
void cpu_load_segment_real(CpuState *cpu, unsigned seg, uint16_t selector);

/* The time-stamp counter as RDTSC would read it now. */
uint64_t cpu_read_tsc(const CpuState *cpu);

/* Full RFLAGS (lazy flags computed) and its loader (no privilege rules). */
/* CS.base + RIP: the linear address of the next instruction (32 bits outside 64-bit code). */
uint64_t cpu_linear_pc(const CpuState *cpu);
/* Breakpoints: false when the table is full (insert) or the address is not set (remove). */
bool cpu_breakpoint_insert(CpuState *cpu, uint64_t lin);
bool cpu_breakpoint_remove(CpuState *cpu, uint64_t lin);
/*
 * Before a debugger resumes the CPU (continue, or a single step with interrupts held): clears
 * the last event, and lets the instruction at the current address run even if a breakpoint
 * is set there, as EFLAGS.RF does for hardware breakpoints.
 */
void cpu_debug_resume(CpuState *cpu, bool is_step);

/* The x87 full tag word (SDM Vol. 1 §8.1.7: 2 bits per physical register, 11b empty), as
 * FSTENV stores it; setting it keeps only empty versus not empty, as FLDENV does. */
uint16_t cpu_x87_tag_word(const CpuState *cpu);
void cpu_set_x87_tag_word(CpuState *cpu, uint16_t tw);
uint64_t cpu_get_rflags(const CpuState *cpu);
void cpu_set_rflags(CpuState *cpu, uint64_t value);

#endif
