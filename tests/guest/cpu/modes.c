/*
 * tests/guest/cpu/modes.c: the operating modes and the switches between them: real mode, 16-bit
 * and 32-bit protected mode, IA-32e mode (64-bit and compatibility mode) and back, unreal mode,
 * and real-mode interrupts through the IVT. modes_switch.asm does the switches and records what
 * it sees at each stage; this file checks it.
 *
 * At each stage the same probe bytes run (modes_switch.asm): PUSH/POP eAX must move the stack by
 * the default operand size (2 with CS.D = 0 and in real mode, 4 with CS.D = 1, 8 in 64-bit mode,
 * SDM Vol. 3A §3.4.5 "D/B flag" and "L flag", Vol. 1 §3.6 "Operand-size and address-size
 * attributes", Vol. 2B "PUSH"), and INC eAX on 0x1ffff must give 0x10000 (16-bit operand: AX
 * wraps, the upper half stays) or 0x20000. In 64-bit mode 48 FF C0 is INC RAX (REX.W); in
 * compatibility mode the same bytes are DEC EAX; INC EAX (SDM Vol. 2A §2.2.1 "REX Prefixes": REX
 * is only available in 64-bit mode). CR0.PE/PG, CR4.PAE and IA32_EFER.LME/LMA are checked at each
 * switch (SDM Vol. 3A §2.2.1, §9.8.5: LMA = 1 while LME = 1 and PG = 1; §9.8.5.4: clearing PG
 * clears LMA). Unreal mode: SDM Vol. 3A §9.9.2 ("If the segment registers are not reloaded,
 * execution continues using the descriptor attributes loaded during protected mode"): FS keeps a
 * 4 GiB limit in real mode and reaches above 1 MiB with a 32-bit offset. Real-mode interrupts:
 * SDM Vol. 3A §20.1.4 and Vol. 2A "INT n" REAL-ADDRESS-MODE (FLAGS, CS, IP pushed, IF and TF
 * cleared, CS:IP from the IVT entry at vector * 4). Real-mode limit: SDM Vol. 2A "MOV", Real-
 * Address Mode Exceptions: "#GP If a memory operand effective address is outside the CS, DS,
 * ES, FS, or GS segment limit", delivered through IVT entry 13 (§20.1.4).
 *
 * Command-line word (QEMU run only, see README): qemu-skip-seglimit.
 */
#include "sys.h"

#define MODES_RES 0x5000u     /* modes_switch.asm MODES_RES */
#define MODES_STACK 0x7000u   /* modes_switch.asm MODES_STACK */
#define SEL_CODE16 0x50       /* modes_switch.asm SEL_CODE16 */
#define SEL_DATA16 0x58
#define SEL_CODE64 0x60

/* The slots of modes_switch.asm, same numbers. */
enum { ST_REAL, ST_PM16, ST_PM32, ST_COMPAT0, ST_LM64, ST_COMPAT, ST_PM32B, ST_PM16B, ST_REAL2 };
enum { P_CR0, P_PUSH, P_INC, P_CS };
enum {
    R_EFER_LME = 36, R_EFER_PG, R_LM_CR4, R_LM_EFER, R_LM_PUSH16, R_LM_REXW_LO, R_LM_REXW_HI,
    R_COMPAT_REXW, R_COMPAT_EFER, R_OFF_EFER_PG0, R_OFF_EFER, R_UNREAL_ADDR, R_UNREAL_READ,
    R_INT_COUNT, R_INT_IP, R_INT_CS, R_INT_FLAGS, R_INT_INFLAGS, R_INT_SP, R_INT_RET, R_GP_COUNT,
    R_GP_IP, R_SLOTS
};
_Static_assert(R_GP_IP == 57, "slot numbers of modes_switch.asm");

void modes_run(void);
extern char modes_int40_ret_ip[], modes_limit_at_ip[];

/* IA-32e paging for the 64-bit stage: the first GiB identity-mapped with 2 MiB pages. */
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
uint32_t modes_cr3;

/* Above 1 MiB (the image loads at 1 MiB): read and written from real mode through FS. */
static volatile uint32_t unreal_marker[2] = { 0x0badcafe, 0 };

#define EFER_MODE (EFER_LME | EFER_LMA)

static volatile uint32_t *res(void)
{
    return (volatile uint32_t *)(uintptr_t)MODES_RES;
}

static void check_stage(const char *name, unsigned st, uint32_t cr0_mode, unsigned push,
                        uint32_t inc, uint32_t cs)
{
    char buf[48];
    const char *parts[4] = { "-cr0", "-push", "-inc", "-cs" };
    uint32_t got[4] = { res()[st * 4 + P_CR0] & (CR0_PE | CR0_PG), res()[st * 4 + P_PUSH],
                        res()[st * 4 + P_INC], res()[st * 4 + P_CS] };
    uint32_t want[4] = { cr0_mode, push, inc, cs };
    for (int i = 0; i < 4; i++) {
        size_t n = 0;
        for (const char *s = name; *s; s++) {
            buf[n++] = *s;
        }
        for (const char *s = parts[i]; *s; s++) {
            buf[n++] = *s;
        }
        buf[n] = 0;
        GUEST_CHECK_EQ(buf, got[i], want[i]);
    }
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    bool skip_seglimit = guest_has_word(mb_info_gpa, "qemu-skip-seglimit");
    guest_sys_init();
    guest_gdt[SEL_CODE16 >> 3] = guest_seg_desc(0, 0xffff, 0x9a, 0x0);
    guest_gdt[SEL_DATA16 >> 3] = guest_seg_desc(0, 0xffff, 0x92, 0x0);
    guest_gdt[SEL_CODE64 >> 3] = guest_seg_desc(0, 0xfffff, 0x9a, 0xa); /* L = 1, D = 0 */
    for (unsigned i = 0; i < 512; i++) {
        pd[i] = (uint64_t)i << 21 | 0x83; /* P | RW | PS */
    }
    pdpt[0] = (uintptr_t)pd | 3;
    pml4[0] = (uintptr_t)pdpt | 3;
    modes_cr3 = (uintptr_t)pml4;

    uint32_t regs[4];
    guest_cpuid(0x80000001u, 0, regs);
    GUEST_CHECK("cpuid-long-mode", regs[3] & (1u << 29));
    GUEST_CHECK("marker-above-1mib", (uintptr_t)unreal_marker >= 0x100000);

    for (unsigned i = 0; i < R_SLOTS; i++) {
        res()[i] = 0;
    }
    res()[R_UNREAL_ADDR] = (uintptr_t)unreal_marker;
    modes_run();

    /* Each stage: CR0.PE/PG, push width, INC result, CS. */
    check_stage("real", ST_REAL, 0, 2, 0x10000, 0);
    check_stage("pm16", ST_PM16, CR0_PE, 2, 0x10000, SEL_CODE16);
    check_stage("pm32", ST_PM32, CR0_PE, 4, 0x20000, SEL_KCODE);
    GUEST_CHECK_EQ("efer-lme-before-pg", res()[R_EFER_LME] & EFER_MODE, EFER_LME);
    GUEST_CHECK_EQ("efer-lma-after-pg", res()[R_EFER_PG] & EFER_MODE, EFER_MODE);
    check_stage("compat-entry", ST_COMPAT0, CR0_PE | CR0_PG, 4, 0x20000, SEL_KCODE);
    check_stage("long64", ST_LM64, CR0_PE | CR0_PG, 8, 0x20000, SEL_CODE64);
    GUEST_CHECK_EQ("long64-cr4-pae", res()[R_LM_CR4] & CR4_PAE, CR4_PAE);
    GUEST_CHECK_EQ("long64-efer", res()[R_LM_EFER] & EFER_MODE, EFER_MODE);
    GUEST_CHECK_EQ("long64-push-66", res()[R_LM_PUSH16], 2);
    GUEST_CHECK_EQ("long64-rexw-inc",
                   (uint64_t)res()[R_LM_REXW_HI] << 32 | res()[R_LM_REXW_LO], 0x100000000ull);
    check_stage("compat", ST_COMPAT, CR0_PE | CR0_PG, 4, 0x20000, SEL_KCODE);
    GUEST_CHECK_EQ("compat-48-is-dec", res()[R_COMPAT_REXW], 0xffffffffu);
    GUEST_CHECK_EQ("compat-efer", res()[R_COMPAT_EFER] & EFER_MODE, EFER_MODE);
    GUEST_CHECK_EQ("leave-pg0-clears-lma", res()[R_OFF_EFER_PG0] & EFER_MODE, EFER_LME);
    GUEST_CHECK_EQ("leave-lme-cleared", res()[R_OFF_EFER] & EFER_MODE, 0);
    check_stage("pm32-after-long", ST_PM32B, CR0_PE, 4, 0x20000, SEL_KCODE);
    check_stage("pm16-again", ST_PM16B, CR0_PE, 2, 0x10000, SEL_CODE16);
    check_stage("real-again", ST_REAL2, 0, 2, 0x10000, 0);

    GUEST_CHECK_EQ("unreal-read", res()[R_UNREAL_READ], 0x0badcafe);
    GUEST_CHECK_EQ("unreal-write", unreal_marker[1], 0x600df00d);

    GUEST_CHECK_EQ("ivt-int-taken", res()[R_INT_COUNT], 1);
    GUEST_CHECK_EQ("ivt-int-pushed-ip", res()[R_INT_IP], (uintptr_t)modes_int40_ret_ip);
    GUEST_CHECK_EQ("ivt-int-pushed-cs", res()[R_INT_CS], 0);
    GUEST_CHECK_EQ("ivt-int-pushed-if", res()[R_INT_FLAGS] & EFLAGS_IF, EFLAGS_IF);
    GUEST_CHECK_EQ("ivt-int-clears-if-tf", res()[R_INT_INFLAGS] & (EFLAGS_IF | EFLAGS_TF), 0);
    GUEST_CHECK_EQ("ivt-int-frame-6-bytes", res()[R_INT_SP], MODES_STACK - 6);
    GUEST_CHECK_EQ("ivt-iret-back", res()[R_INT_RET], 0x4242);
    if (!skip_seglimit) {
        GUEST_CHECK_EQ("real-limit-gp-via-ivt", res()[R_GP_COUNT], 1);
        GUEST_CHECK_EQ("real-limit-gp-ip", res()[R_GP_IP], (uintptr_t)modes_limit_at_ip);
    }

    /* Back in 32-bit protected mode, paging and IA-32e mode off. */
    GUEST_CHECK_EQ("final-cr0", guest_read_cr0() & (CR0_PE | CR0_PG), CR0_PE);
    GUEST_CHECK_EQ("final-efer", guest_rdmsr(MSR_EFER) & EFER_MODE, 0);
    return guest_finish_checks();
}
