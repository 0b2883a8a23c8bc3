/*
 * tests/guest/rt/sys.h: system-level helpers of the C test guests, 32-bit and 64-bit: a GDT with
 * user segments and a TSS, an IDT whose every vector records what the CPU pushed, and a catch
 * mechanism that turns an exception (or a return from ring 3) into a return value.
 *
 * GDT layout (SDM Vol. 3A §3.4.5). The order is fixed by SYSENTER/SYSEXIT and SYSCALL/SYSRET,
 * which derive every selector from one MSR value (SDM Vol. 2B "SYSENTER", "SYSEXIT", "SYSRET"):
 *   0x08 kernel code (32-bit, or 64-bit L=1 in 64-bit guests)   = IA32_SYSENTER_CS, STAR[47:32]
 *   0x10 kernel data                                            = CS + 8
 *   0x18 user code, 32-bit, DPL 3                               = SYSEXIT(32) CS, STAR[63:48]
 *   0x20 user data, DPL 3                                       = SYSEXIT(32) SS, SYSRET SS
 *   0x28 user code, 64-bit in 64-bit guests, DPL 3              = SYSEXIT(64) CS, SYSRET(64) CS
 *   0x30 user data, DPL 3                                       = SYSEXIT(64) SS
 *   0x38 the TSS (two slots in 64-bit guests)
 *   0x48 kernel code, 32-bit (compatibility mode in 64-bit guests)
 *   GUEST_GDT_FREE.. free for the tests (guest_gdt[] is writable).
 *
 * IDT: every vector is an interrupt gate, DPL 0, to a stub that pushes the vector (and a zero
 * error code for the vectors without one, SDM Vol. 3A Table 6-1), saves the registers and calls
 * the dispatcher. Vectors 3, 4 (INT3, INTO), GUEST_VEC_SYSCALL and GUEST_VEC_USER_DONE have
 * DPL 3, so ring-3 code may raise them. The dispatcher records the exception in guest_exc and
 * then, in this order: calls guest_exc_handlers[vector] if set (returning GUEST_EXC_IRET resumes
 * the interrupted code with the frame as the handler left it); else returns from the innermost
 * guest_trap() with the vector number; else prints a FAIL line and exits.
 *
 * Deliberately not handled: software INT n to a vector that has a hardware error code (the stub
 * would take the return address for an error code); tests avoid it.
 */
#ifndef VIREO_TESTS_GUEST_RT_SYS_H
#define VIREO_TESTS_GUEST_RT_SYS_H

#include "guest.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x1b
#define SEL_UDATA 0x23
#define SEL_UCODE64 0x2b
#define SEL_UDATA64 0x33
#define SEL_TSS 0x38
#define SEL_KCODE32 0x48
#define GUEST_GDT_FREE 10 /* first free GDT index */
#define GUEST_GDT_ENTRIES 32

#define GUEST_VEC_SYSCALL 0x80   /* DPL 3, free for the tests */
#define GUEST_VEC_USER_DONE 0x81 /* DPL 3: ring-3 code ends a guest_trap() with INT 0x81 */

/* Vectors, SDM Vol. 3A Table 6-1. */
enum {
    VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6,
    VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14,
    VEC_MF = 16, VEC_AC = 17,
};

/* #PF error code bits, SDM Vol. 3A §4.7 Figure 4-12. */
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)

/* Selector error code bits, SDM Vol. 3A §6.13 Figure 6-7. */
#define ERR_EXT 1u
#define ERR_IDT 2u
#define ERR_TI 4u

#define EFLAGS_CF (1u << 0)
#define EFLAGS_TF (1u << 8)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_DF (1u << 10)
#define EFLAGS_OF (1u << 11)
#define EFLAGS_IOPL3 (3u << 12)
#define EFLAGS_NT (1u << 14)
#define EFLAGS_RF (1u << 16)
#define EFLAGS_VM (1u << 17)
#define EFLAGS_AC (1u << 18)
#define EFLAGS_FIXED (1u << 1) /* bit 1 always reads 1 */

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)

#define MSR_EFER 0xc0000080u
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* System-segment and gate types, SDM Vol. 3A Table 3-2 (64-bit: same codes, 64-bit meaning). */
#define DESC_TSS_AVAIL 0x9
#define DESC_TSS_BUSY 0xb
#define DESC_CALL_GATE 0xc
#define DESC_INT_GATE 0xe
#define DESC_TRAP_GATE 0xf
#define DESC_TASK_GATE 0x5

/* What the stubs leave on the stack, lowest address first; see sys32.asm / sys64.asm. */
#ifdef __x86_64__
typedef struct GuestExcFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss; /* pushed by the CPU; SS:RSP always in 64-bit mode */
} GuestExcFrame;
#else
typedef struct GuestExcFrame {
    uint32_t es, ds;
    uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t ip, cs, flags;
    uint32_t sp, ss;                 /* only on a privilege change or from virtual-8086 mode */
    uint32_t v86_es, v86_ds, v86_fs, v86_gs; /* only from virtual-8086 mode */
} GuestExcFrame;
#endif

/* The last exception, as recorded by the dispatcher. */
typedef struct GuestExc {
    unsigned count; /* exceptions taken since guest_sys_init */
    unsigned vector;
    uintptr_t error;
    uintptr_t ip, cs, flags;
    uintptr_t sp, ss; /* 0 when the CPU did not push them (32-bit, same privilege) */
    uintptr_t cr2;
    uintptr_t frame_gva; /* address of the pushed IP slot: where the CPU put the frame */
    uint32_t v86_seg[4]; /* ES, DS, FS, GS pushed on an exit from virtual-8086 mode */
    uintptr_t ax, bx, cx, dx; /* general registers at the exception, for ring-3 code to report */
} GuestExc;

extern volatile GuestExc guest_exc;

enum { GUEST_EXC_CATCH = 0, GUEST_EXC_IRET = 1 };
typedef int (*GuestExcHandler)(GuestExcFrame *f);
extern GuestExcHandler guest_exc_handlers[256];

extern uint64_t guest_gdt[GUEST_GDT_ENTRIES];
extern uint8_t guest_kstack[16384]; /* TSS.(E|R)SP0 points at its top, GUEST_KSTACK_TOP */
#define GUEST_KSTACK_TOP ((uintptr_t)guest_kstack + sizeof(guest_kstack))
extern uint8_t guest_ustack[8192]; /* the stack of guest_run_user() */
#define GUEST_USTACK_TOP ((uintptr_t)guest_ustack + sizeof(guest_ustack))

/*
 * Masks the 8259 PICs, loads the GDT above, the TSS (TR = SEL_TSS, ESP0/RSP0 = guest_kstack_top) and the IDT, and
 * reloads every segment register. In 64-bit guests it also sets U in the identity map of the
 * first GiB, so that ring-3 code can run there.
 */
void guest_sys_init(void);

/* Called by the stubs; returns GUEST_EXC_CATCH or GUEST_EXC_IRET. */
uintptr_t guest_exc_dispatch(GuestExcFrame *f);

/*
 * Runs fn(arg) with a catch armed. Returns -1 when fn returns normally, or the vector of the
 * first exception that the dispatcher hands to the catch (guest_exc holds its details); then the
 * stack, callee-saved registers, EFLAGS and segment registers are those of the call. Nests.
 */
int guest_trap(void (*fn)(uintptr_t), uintptr_t arg);

/*
 * Ring 3: IRET to fn(arg) at CPL 3 with the stack at user_sp, user code and data selectors
 * (32-bit: SEL_UCODE32; 64-bit: SEL_UCODE64), IF clear and IOPL 0. fn must end with
 * INT GUEST_VEC_USER_DONE, never return. Use inside guest_trap(): it then returns 0x81.
 */
void guest_enter_user(uintptr_t fn, uintptr_t user_sp, uintptr_t flags);
int guest_run_user(void (*fn)(void));

/* Descriptor builders. access = P|DPL|S|type byte; flags = G|D/B|L|AVL nibble. */
uint64_t guest_seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
/* A 32-bit gate (interrupt/trap/call/task) in IDT or GDT format; type from DESC_*. */
uint64_t guest_gate32(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl, unsigned params);
void guest_idt_set_gate(unsigned vector, uint16_t sel, uintptr_t offset, unsigned type,
                        unsigned dpl, unsigned ist);
/* The address of the stub of a vector, to put it back after a test changed the gate. */
uintptr_t guest_idt_stub(unsigned vector);
void guest_idt_restore(unsigned vector);
/* Raw IDT entry access, for present-bit tests (8 bytes in 32-bit, 16 in 64-bit per vector). */
extern uint8_t guest_idt[];

#ifdef __x86_64__
typedef struct __attribute__((packed)) GuestTss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t ist[8]; /* ist[1..7]; ist[0] is the reserved slot at offset 28 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} GuestTss64;
extern GuestTss64 guest_tss;
/* Writes a 16-byte system descriptor (TSS, call gate) at GDT index idx and idx + 1. */
void guest_gdt_set_system64(unsigned idx, uint64_t base, uint32_t limit, unsigned type,
                            unsigned dpl, uint16_t gate_sel);
#else
typedef struct __attribute__((packed)) GuestTss32 {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
    uint16_t trap, iomap_base;
} GuestTss32;
/* The main TSS with its I/O permission bitmap (SDM Vol. 1 §19.5.2), all ports allowed. */
typedef struct __attribute__((packed)) GuestTss32Io {
    GuestTss32 tss;
    uint32_t int_redirect[8]; /* CR4.VME interrupt redirection bitmap, below the I/O map */
    uint8_t iomap[8192];
    uint8_t iomap_end; /* 0xff, SDM Vol. 1 §19.5.2 */
} GuestTss32Io;
extern GuestTss32Io guest_tss;
#endif

static inline void guest_write_cr0(uintptr_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline void guest_write_cr4(uintptr_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
static inline uintptr_t guest_read_cr3(void)
{
    uintptr_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void guest_write_cr3(uintptr_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline uintptr_t guest_read_cr2(void)
{
    uintptr_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline void guest_invlpg(uintptr_t gva)
{
    __asm__ volatile("invlpg (%0)" : : "r"(gva) : "memory");
}
static inline uintptr_t guest_read_flags(void)
{
    uintptr_t v;
    __asm__ volatile("pushf; pop %0" : "=r"(v));
    return v;
}

/*
 * Three checks "NAME-vector", "NAME-eip" (or "-rip") and "NAME-error": the vector a guest_trap()
 * returned and the IP and error code the CPU pushed.
 */
void guest_check_fault(const char *name, int vector, int want_vector, uintptr_t want_ip,
                       uintptr_t want_error);

/* A global label in inline assembly, so C can name the address of one instruction. */
#define LABEL(name) ".globl " #name "\n" #name ":\n"
#define NOINLINE __attribute__((noinline, noclone))

/* True when the multiboot command line holds the word (the run-time switches of the tests). */
bool guest_has_word(uint32_t mb_info_gpa, const char *word);

#endif
