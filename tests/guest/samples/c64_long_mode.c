/*
 * tests/guest/samples/c64_long_mode.c: a 64-bit C guest that reads back the state
 * rt/entry64.asm set up and exits with a code of its own choosing.
 *
 * Checks, per SDM Vol. 3A §9.8.5 "Initializing IA-32e Mode" and §2.5 "Control Registers":
 * EFER.LME and EFER.LMA set, CR0.PG and CR0.PE set, CR4.PAE set, CS a 64-bit code segment
 * (LAR access rights bit 21, "L", SDM Vol. 2A "LAR"), and the identity map reaching past the
 * first 2 MiB page. The exit code is 42 rather than 0 so that a run proves the exit port carries
 * the value written (QEMU status (42 << 1) | 1 = 85).
 */
#include "guest.h"

#define CR0_PE (1u << 0)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define MSR_EFER 0xc0000080u
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define CPUID_80000001_EDX_LM (1u << 29)
#define LAR_L (1u << 21)

/* 48 MiB: inside the 128 MiB default RAM, 24 large pages above the one holding the image. */
#define PROBE_GPA 0x3000000u

enum { GUEST_EXIT_CODE = 42 };

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    uint64_t efer = guest_rdmsr(MSR_EFER);
    uintptr_t cr0 = guest_read_cr0();
    uintptr_t cr4 = guest_read_cr4();
    uint16_t cs;
    uint32_t cs_rights;
    uint32_t regs[4];

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    __asm__ volatile("lar %1, %0" : "=r"(cs_rights) : "r"((uint32_t)cs));
    guest_cpuid(0x80000001u, 0, regs);

    guest_printf("mode: %s, sizeof(void *) = %zu\n",
                 efer & EFER_LMA ? "64-bit long mode" : "not long mode", sizeof(void *));
    guest_printf("CR0=0x%lx CR4=0x%lx EFER=0x%llx CS=0x%x\n", (unsigned long)cr0,
                 (unsigned long)cr4, (unsigned long long)efer, cs);

    GUEST_CHECK_EQ("multiboot-magic", mb_magic, MULTIBOOT_BOOT_MAGIC);
    GUEST_CHECK("multiboot-info-present", mb_info_gpa != 0);
    GUEST_CHECK("cpuid-long-mode", regs[3] & CPUID_80000001_EDX_LM);
    GUEST_CHECK_EQ("efer-lme-lma", efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
    GUEST_CHECK_EQ("cr0-pg-pe", cr0 & (CR0_PG | CR0_PE), CR0_PG | CR0_PE);
    GUEST_CHECK("cr4-pae", cr4 & CR4_PAE);
    GUEST_CHECK("cs-is-64-bit", cs_rights & LAR_L);

    volatile uint64_t *probe = (volatile uint64_t *)(uintptr_t)PROBE_GPA;
    *probe = 0x0123456789abcdefull;
    GUEST_CHECK_EQ("identity-map-48mib", *probe, 0x0123456789abcdefull);

    if (guest_finish_checks() != 0) {
        return 1;
    }
    return GUEST_EXIT_CODE;
}
