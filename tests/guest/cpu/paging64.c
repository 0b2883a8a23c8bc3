/*
 * tests/guest/cpu/paging64.c: 4-level paging: A/D at every level, 1 GiB pages, NX, SMEP, SMAP with
 * STAC/CLAC, global pages with INVLPG, CR4.PGE and CR3 reloads, reserved bits, and the exact #PF
 * error code and CR2 of each fault.
 *
 * Sources: SDM Vol. 3A §4.5 (4-level paging, Tables 4-15 to 4-20; PS is reserved in a PML4E;
 * 1 GiB pages need CPUID.80000001H:EDX.Page1GB[bit 26]), §4.6.1 (SMEP: a supervisor fetch from a
 * user page faults; SMAP: a supervisor data access to a user page faults when EFLAGS.AC = 0),
 * §4.7 (#PF error code, Figure 4-12), §4.8 (A and D), §4.10.2.4 and §4.10.4.1 (global
 * translations survive MOV to CR3, INVLPG and a change of CR4.PGE remove them). SDM Vol. 2B
 * "STAC", Vol. 2A "CLAC". QEMU runs with -cpu max (README): its default CPU lacks SMEP, SMAP and
 * 1 GiB pages. A reserved-bit fault has P set too (§4.7): word qemu-skip-rsvd-p, see README.
 */
#include "sys.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_PS 0x80ull
#define PTE_G 0x100ull
#define PTE_XD (1ull << 63)

#define GIB 0x40000000ull
#define ALIAS_VA (1 * GIB) /* PDPT[1]: a 1 GiB page onto physical 0 */
#define TEST_VA (2 * GIB)  /* PDPT[2] -> pd_test[0] -> pt_test */
#define HIGH_VA 0x18000000000ull /* PML4[3] -> pdpt_hi[0] -> pd_test: the same pages again */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pdpt_hi[512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_test[512] __attribute__((aligned(4096)));
static uint64_t pt_test[512] __attribute__((aligned(4096)));
static volatile uint8_t frames[3][4096] __attribute__((aligned(4096)));
static volatile uint64_t alias_probe = 0x1122334455667788ull;
static bool skip_rsvd_p;

NOINLINE static void do_read(uintptr_t va)
{
    __asm__ volatile("mov (%0), %%rax" : : "r"(va) : "rax", "memory");
}

NOINLINE static void do_write(uintptr_t va)
{
    __asm__ volatile("movq $0x5a, (%0)" : : "r"(va) : "memory");
}

NOINLINE static void do_exec(uintptr_t va)
{
    ((void (*)(void))va)();
}

static void check_pf(const char *name, int v, uintptr_t cr2, uint32_t error)
{
    char buf[64];
    int n = 0;
    for (const char *s = name; *s && n < 50; s++) {
        buf[n++] = *s;
    }
    const char *sfx[2] = { "-error", "-cr2" };
    for (int i = 0; i < 2; i++) {
        int m = n;
        for (const char *s = sfx[i]; *s; s++) {
            buf[m++] = *s;
        }
        buf[m] = 0;
        if (v != VEC_PF) {
            guest_fail(buf, "no #PF (returned %d)", v);
        } else if (i == 0 && !(skip_rsvd_p && (error & PF_RSVD))) {
            GUEST_CHECK_EQ(buf, guest_exc.error, error);
        } else if (i == 1) {
            GUEST_CHECK_EQ(buf, guest_exc.cr2, cr2);
        }
    }
}

static void flush_all(void)
{
    guest_write_cr3(guest_read_cr3());
}

static void build_tables(bool has_1g)
{
    for (uint64_t i = 0; i < 512; i++) {
        pd_low[i] = i << 21 | PTE_PS | PTE_RW | PTE_P; /* supervisor */
    }
    pml4[0] = (uintptr_t)pdpt | PTE_US | PTE_RW | PTE_P;
    pdpt[0] = (uintptr_t)pd_low | PTE_US | PTE_RW | PTE_P;
    if (has_1g) {
        pdpt[1] = 0 | PTE_PS | PTE_RW | PTE_P;
    }
    pdpt[2] = (uintptr_t)pd_test | PTE_US | PTE_RW | PTE_P;
    pml4[3] = (uintptr_t)pdpt_hi | PTE_US | PTE_RW | PTE_P;
    pdpt_hi[0] = (uintptr_t)pd_test | PTE_US | PTE_RW | PTE_P;
    /* The local APIC and the rest of the 4th GiB are not needed: only the first GiB. */
    pd_test[0] = (uintptr_t)pt_test | PTE_US | PTE_RW | PTE_P;
    pt_test[0] = (uintptr_t)frames[0] | PTE_RW | PTE_P;                 /* supervisor */
    pt_test[1] = (uintptr_t)frames[1] | PTE_US | PTE_RW | PTE_P;        /* user */
    pt_test[2] = (uintptr_t)frames[2] | PTE_RW | PTE_P | PTE_XD;        /* no execute */
    frames[0][0] = 0xc3; /* RET */
    frames[1][0] = 0xc3;
    frames[2][0] = 0xc3;
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    skip_rsvd_p = guest_has_word(mb_info_gpa, "qemu-skip-rsvd-p");
    uint32_t regs[4];
    guest_cpuid(0x80000001u, 0, regs);
    bool has_nx = regs[3] & (1u << 20), has_1g = regs[3] & (1u << 26);
    guest_cpuid(7, 0, regs);
    bool has_smep = regs[1] & (1u << 7), has_smap = regs[1] & (1u << 20);
    GUEST_CHECK("cpuid-nx", has_nx);
    GUEST_CHECK("cpuid-page1gb", has_1g);
    GUEST_CHECK("cpuid-smep", has_smep);
    GUEST_CHECK("cpuid-smap", has_smap);
    guest_sys_init();
    build_tables(has_1g);
    guest_write_cr3((uintptr_t)pml4);

    GUEST_CHECK_EQ("read-test-page", *(volatile uint8_t *)TEST_VA, 0xc3);
    GUEST_CHECK_EQ("pml4e-accessed", pml4[0] & PTE_A, PTE_A);
    GUEST_CHECK_EQ("pdpte-accessed", pdpt[2] & PTE_A, PTE_A);
    GUEST_CHECK_EQ("pde-accessed", pd_test[0] & PTE_A, PTE_A);
    GUEST_CHECK_EQ("pte-accessed-clean", pt_test[0] & (PTE_A | PTE_D), PTE_A);
    *(volatile uint8_t *)(TEST_VA + 1) = 7;
    GUEST_CHECK_EQ("pte-dirty", pt_test[0] & PTE_D, PTE_D);
    GUEST_CHECK_EQ("pde-no-dirty", pd_test[0] & PTE_D, 0);

    if (has_1g) {
        uintptr_t alias = ALIAS_VA + (uintptr_t)&alias_probe;
        GUEST_CHECK_EQ("1g-page-alias-read", *(volatile uint64_t *)alias, alias_probe);
        *(volatile uint64_t *)alias = 0x99;
        GUEST_CHECK_EQ("1g-page-alias-write", alias_probe, 0x99);
        GUEST_CHECK_EQ("1g-page-dirty", pdpt[1] & (PTE_A | PTE_D), PTE_A | PTE_D);
    }

    int v = guest_trap(do_read, TEST_VA + 5 * 4096 + 0x10);
    check_pf("not-present-read", v, TEST_VA + 5 * 4096 + 0x10, 0);
    v = guest_trap(do_read, 0x8000000000ull + 8); /* PML4[1] not present */
    check_pf("pml4e-not-present", v, 0x8000000000ull + 8, 0);

    /* PS in a PML4E is reserved. */
    pml4[2] = (uintptr_t)pdpt | PTE_PS | PTE_RW | PTE_P;
    v = guest_trap(do_read, 0x10000000000ull);
    check_pf("pml4e-ps-reserved", v, 0x10000000000ull, PF_P | PF_RSVD);
    pml4[2] = 0;

    guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_NXE);
    v = guest_trap(do_exec, TEST_VA);
    GUEST_CHECK_EQ("exec-supervisor-page", v, -1);
    v = guest_trap(do_exec, TEST_VA + 2 * 4096);
    check_pf("nx-fetch", v, TEST_VA + 2 * 4096, PF_P | PF_I);
    GUEST_CHECK_EQ("nx-fetch-rip", guest_exc.ip, TEST_VA + 2 * 4096);
    v = guest_trap(do_exec, TEST_VA + 5 * 4096);
    check_pf("not-present-fetch", v, TEST_VA + 5 * 4096, PF_I);
    v = guest_trap(do_exec, HIGH_VA);
    GUEST_CHECK_EQ("exec-through-pml4e-3", v, -1);
    pml4[3] |= PTE_XD; /* XD at the top level covers everything under it */
    guest_invlpg(HIGH_VA);
    v = guest_trap(do_exec, HIGH_VA);
    pml4[3] &= ~PTE_XD;
    flush_all();
    check_pf("nx-in-pml4e", v, HIGH_VA, PF_P | PF_I);

    /* SMEP. */
    v = guest_trap(do_exec, TEST_VA + 4096);
    GUEST_CHECK_EQ("smep-off-user-page-executes", v, -1);
    if (has_smep) {
        guest_write_cr4(guest_read_cr4() | CR4_SMEP);
        v = guest_trap(do_exec, TEST_VA + 4096);
        guest_write_cr4(guest_read_cr4() & ~(uintptr_t)CR4_SMEP);
        check_pf("smep-fetch-user-page", v, TEST_VA + 4096, PF_P | PF_I);
    }

    /* SMAP: supervisor data accesses to a user page fault unless EFLAGS.AC = 1. */
    v = guest_trap(do_read, TEST_VA + 4096);
    GUEST_CHECK_EQ("smap-off-user-page-read", v, -1);
    if (has_smap) {
        guest_write_cr4(guest_read_cr4() | CR4_SMAP);
        v = guest_trap(do_read, TEST_VA + 4096 + 8);
        check_pf("smap-read", v, TEST_VA + 4096 + 8, PF_P);
        v = guest_trap(do_write, TEST_VA + 4096 + 16);
        check_pf("smap-write", v, TEST_VA + 4096 + 16, PF_P | PF_W);
        __asm__ volatile("stac");
        GUEST_CHECK_EQ("stac-sets-ac", guest_read_flags() & EFLAGS_AC, EFLAGS_AC);
        v = guest_trap(do_read, TEST_VA + 4096 + 8);
        GUEST_CHECK_EQ("smap-ac1-read-ok", v, -1);
        v = guest_trap(do_exec, TEST_VA);
        GUEST_CHECK_EQ("smap-does-not-stop-supervisor-page", v, -1);
        __asm__ volatile("clac");
        GUEST_CHECK_EQ("clac-clears-ac", guest_read_flags() & EFLAGS_AC, 0);
        v = guest_trap(do_read, TEST_VA + 4096 + 24);
        check_pf("smap-after-clac", v, TEST_VA + 4096 + 24, PF_P);
        guest_write_cr4(guest_read_cr4() & ~(uintptr_t)CR4_SMAP);
    }

    /* WP with 4-level paging. */
    pt_test[0] &= ~PTE_RW;
    flush_all();
    guest_write_cr0(guest_read_cr0() | CR0_WP);
    v = guest_trap(do_write, TEST_VA + 32);
    check_pf("wp1-readonly-write", v, TEST_VA + 32, PF_P | PF_W);
    guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_WP);
    v = guest_trap(do_write, TEST_VA + 32);
    GUEST_CHECK_EQ("wp0-readonly-write-ok", v, -1);

    /* Global pages: what is guaranteed is the removal (INVLPG, CR4.PGE toggles); whether a
     * global translation survives MOV to CR3 is not checked, as a TLB may drop it any time. */
    guest_write_cr4(guest_read_cr4() | CR4_PGE);
    pt_test[3] = (uintptr_t)frames[0] | PTE_RW | PTE_P | PTE_G;
    flush_all();
    frames[0][100] = 0xa0;
    frames[1][100] = 0xa1;
    frames[2][100] = 0xa2;
    GUEST_CHECK_EQ("global-map-frame0", *(volatile uint8_t *)(TEST_VA + 3 * 4096 + 100), 0xa0);
    pt_test[3] = (uintptr_t)frames[1] | PTE_RW | PTE_P | PTE_G;
    guest_invlpg(TEST_VA + 3 * 4096);
    GUEST_CHECK_EQ("global-invlpg", *(volatile uint8_t *)(TEST_VA + 3 * 4096 + 100), 0xa1);
    pt_test[3] = (uintptr_t)frames[2] | PTE_RW | PTE_P | PTE_G;
    guest_write_cr4(guest_read_cr4() & ~(uintptr_t)CR4_PGE);
    GUEST_CHECK_EQ("global-pge-toggle", *(volatile uint8_t *)(TEST_VA + 3 * 4096 + 100), 0xa2);
    pt_test[3] = (uintptr_t)frames[0] | PTE_RW | PTE_P;
    flush_all();
    GUEST_CHECK_EQ("nonglobal-cr3-reload", *(volatile uint8_t *)(TEST_VA + 3 * 4096 + 100), 0xa0);
    pt_test[3] = 0;
    flush_all();
    v = guest_trap(do_read, TEST_VA + 3 * 4096);
    check_pf("unmapped-after-cr3-reload", v, TEST_VA + 3 * 4096, 0);
    return guest_finish_checks();
}
