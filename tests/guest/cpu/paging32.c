/*
 * tests/guest/cpu/paging32.c: 32-bit paging (two-level, with 4 MiB pages) and PAE paging: accessed
 * and dirty bits, R/W and U/S with CR0.WP, NX, reserved bits, INVLPG and CR3 reloads, and the
 * exact #PF error code and CR2 of each fault.
 *
 * Sources: SDM Vol. 3A §4.3 (32-bit paging, Tables 4-4 to 4-6), §4.4 (PAE paging, Tables 4-8 to
 * 4-11), §4.6 (access rights: supervisor writes to read-only pages fault only with CR0.WP = 1;
 * user accesses need U/S = 1 and, for writes, R/W = 1 at every level), §4.7 and Figure 4-12
 * (#PF error code: P, W/R, U/S, RSVD, I/D; I/D is set only for a fetch with PAE paging and
 * IA32_EFER.NXE = 1, or SMEP), §4.8 (A is set on any access through an entry, D on a write
 * through the entry that maps the page), §4.10.4.1 (INVLPG and MOV to CR3 invalidate).
 * A reserved-bit fault has both RSVD and P set: "bit 3 of the error code can be set only if bit 0
 * is also set" (§4.7); command-line word qemu-skip-rsvd-p (QEMU run only, see README).
 */
#include "sys.h"

#define TEST_VA 0x40000000u /* the test region: one page table's worth, below 2 GiB */
#define PTE_P 0x1u
#define PTE_RW 0x2u
#define PTE_US 0x4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PTE_PS 0x80u
#define PTE_XD (1ull << 63)

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd_pae[2][512] __attribute__((aligned(4096)));
static uint64_t pt_pae[512] __attribute__((aligned(4096)));
static volatile uint8_t frames[3][4096] __attribute__((aligned(4096)));

volatile uintptr_t user_addr;

NOINLINE static void do_read(uintptr_t va)
{
    __asm__ volatile("mov (%0), %%eax" : : "r"(va) : "eax", "memory");
}

NOINLINE static void do_write(uintptr_t va)
{
    __asm__ volatile("movl $0x5a5a5a5a, (%0)" : : "r"(va) : "memory");
}

NOINLINE static void do_exec(uintptr_t va)
{
    ((void (*)(void))va)();
}

__attribute__((naked)) static void user_read(void)
{
    __asm__ volatile("mov user_addr, %eax; mov (%eax), %eax; int $0x81");
}

__attribute__((naked)) static void user_write(void)
{
    __asm__ volatile("mov user_addr, %eax; movl $1, (%eax); int $0x81");
}

static int user_access(void (*fn)(void), uintptr_t va)
{
    user_addr = va;
    return guest_run_user(fn);
}

/* qemu-skip-rsvd-p (QEMU run only, README): leave out the error code of reserved-bit faults. */
static bool skip_rsvd_p;

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
        } else if (i == 0 && skip_rsvd_p && (error & PF_RSVD)) {
            continue;
        } else if (i == 0) {
            GUEST_CHECK_EQ(buf, guest_exc.error, error);
        } else {
            GUEST_CHECK_EQ(buf, guest_exc.cr2, cr2);
        }
    }
}

static void flush_all(void)
{
    guest_write_cr3(guest_read_cr3());
}

/* Two-level paging: PD entries 0..255 map the first GiB with 4 MiB pages (U, RW), PD[256]
 * points at pt32 for the test region. */
static void test_two_level(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        pd32[i] = i << 22 | PTE_PS | PTE_US | PTE_RW | PTE_P;
    }
    pd32[TEST_VA >> 22] = (uintptr_t)pt32 | PTE_US | PTE_RW | PTE_P;
    pt32[0] = (uintptr_t)frames[0] | PTE_US | PTE_RW | PTE_P;
    pt32[1] = (uintptr_t)frames[1] | PTE_US | PTE_P;      /* read-only */
    pt32[2] = (uintptr_t)frames[2] | PTE_RW | PTE_P;      /* supervisor */
    pt32[3] = 0;                                          /* not present */
    frames[0][0] = 0x11;
    frames[1][0] = 0x22;

    guest_write_cr3((uintptr_t)pd32);
    guest_write_cr4(guest_read_cr4() | CR4_PSE);
    guest_write_cr0(guest_read_cr0() | CR0_PG);

    GUEST_CHECK_EQ("pg32-read-through-pte", *(volatile uint8_t *)TEST_VA, 0x11);
    GUEST_CHECK_EQ("pg32-pde-accessed", pd32[TEST_VA >> 22] & PTE_A, PTE_A);
    GUEST_CHECK_EQ("pg32-pte-accessed-not-dirty", pt32[0] & (PTE_A | PTE_D), PTE_A);
    *(volatile uint8_t *)(TEST_VA + 1) = 0x33;
    GUEST_CHECK_EQ("pg32-pte-dirty-after-write", pt32[0] & PTE_D, PTE_D);
    GUEST_CHECK_EQ("pg32-pde-table-no-dirty", pd32[TEST_VA >> 22] & PTE_D, 0);
    GUEST_CHECK_EQ("pg32-write-reached-frame", frames[0][1], 0x33);

    /* A 4 MiB page: A and D land in the PDE. */
    pd32[0x30] &= ~(PTE_A | PTE_D);
    flush_all();
    (void)*(volatile uint32_t *)0x0c000010;
    GUEST_CHECK_EQ("pg32-4m-accessed", pd32[0x30] & (PTE_A | PTE_D), PTE_A);
    *(volatile uint32_t *)0x0c000010 = 1;
    GUEST_CHECK_EQ("pg32-4m-dirty", pd32[0x30] & PTE_D, PTE_D);

    int v = guest_trap(do_read, TEST_VA + 3 * 4096 + 5);
    check_pf("pg32-not-present-read", v, TEST_VA + 3 * 4096 + 5, 0);
    v = guest_trap(do_write, TEST_VA + 3 * 4096 + 8);
    check_pf("pg32-not-present-write", v, TEST_VA + 3 * 4096 + 8, PF_W);
    v = guest_trap(do_exec, TEST_VA + 3 * 4096);
    check_pf("pg32-not-present-fetch-no-id", v, TEST_VA + 3 * 4096, 0);

    /* CR0.WP: a supervisor write to a read-only page succeeds with WP = 0, faults with 1. */
    v = guest_trap(do_write, TEST_VA + 4096);
    GUEST_CHECK_EQ("pg32-wp0-supervisor-write-ok", v, -1);
    GUEST_CHECK_EQ("pg32-wp0-write-landed", frames[1][0], 0x5a);
    guest_write_cr0(guest_read_cr0() | CR0_WP);
    v = guest_trap(do_write, TEST_VA + 4096 + 4);
    check_pf("pg32-wp1-supervisor-write", v, TEST_VA + 4096 + 4, PF_P | PF_W);
    guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_WP);

    v = user_access(user_write, TEST_VA + 4096 + 12);
    check_pf("pg32-user-write-readonly", v, TEST_VA + 4096 + 12, PF_P | PF_W | PF_U);
    v = user_access(user_read, TEST_VA + 2 * 4096 + 16);
    check_pf("pg32-user-read-supervisor", v, TEST_VA + 2 * 4096 + 16, PF_P | PF_U);
    v = user_access(user_read, TEST_VA + 3 * 4096);
    check_pf("pg32-user-read-not-present", v, TEST_VA + 3 * 4096, PF_U);
    v = user_access(user_read, TEST_VA + 4096);
    GUEST_CHECK_EQ("pg32-user-read-readonly-ok", v, GUEST_VEC_USER_DONE);

    /* R/W = 0 in the PDE makes the whole table read-only for ring 3. */
    pd32[TEST_VA >> 22] &= ~PTE_RW;
    flush_all();
    v = user_access(user_write, TEST_VA + 20);
    check_pf("pg32-user-write-pde-readonly", v, TEST_VA + 20, PF_P | PF_W | PF_U);
    pd32[TEST_VA >> 22] |= PTE_RW;

    /* INVLPG: after remapping page 0 to frame 1, the new frame is seen. */
    flush_all();
    (void)*(volatile uint8_t *)TEST_VA;
    pt32[0] = (uintptr_t)frames[1] | PTE_US | PTE_RW | PTE_P;
    guest_invlpg(TEST_VA);
    GUEST_CHECK_EQ("pg32-invlpg-remap", *(volatile uint8_t *)TEST_VA, frames[1][0]);
    pt32[0] = 0;
    flush_all();
    v = guest_trap(do_read, TEST_VA);
    check_pf("pg32-cr3-reload-unmap", v, TEST_VA, 0);

    guest_write_cr0(guest_read_cr0() & ~(uintptr_t)CR0_PG);
}

/* PAE: PDPT[0] -> pd_pae[0] (2 MiB pages for the first GiB), PDPT[1] -> pd_pae[1] whose entry 0
 * points at pt_pae for the test region at 1 GiB. */
static void test_pae(bool has_nx)
{
    for (uint64_t i = 0; i < 512; i++) {
        pd_pae[0][i] = i << 21 | PTE_PS | PTE_US | PTE_RW | PTE_P;
    }
    pd_pae[1][0] = (uintptr_t)pt_pae | PTE_US | PTE_RW | PTE_P;
    pdpt[0] = (uintptr_t)pd_pae[0] | PTE_P; /* PDPTEs have no R/W, U/S: reserved (Table 4-8) */
    pdpt[1] = (uintptr_t)pd_pae[1] | PTE_P;
    pt_pae[0] = (uintptr_t)frames[0] | PTE_US | PTE_RW | PTE_P;
    pt_pae[1] = (uintptr_t)frames[1] | PTE_US | PTE_RW | PTE_P | PTE_XD;
    pt_pae[2] = (uintptr_t)frames[2] | PTE_US | PTE_RW | PTE_P | 1ull << 51;
    frames[0][0] = 0xc3; /* RET */
    frames[1][0] = 0xc3;

    guest_write_cr4(guest_read_cr4() | CR4_PAE);
    guest_write_cr3((uintptr_t)pdpt);
    guest_write_cr0(guest_read_cr0() | CR0_PG);

    GUEST_CHECK_EQ("pae-read", *(volatile uint8_t *)TEST_VA, 0xc3);
    GUEST_CHECK_EQ("pae-pde-accessed", pd_pae[1][0] & (PTE_A | PTE_D), PTE_A);
    *(volatile uint8_t *)(TEST_VA + 8) = 1;
    GUEST_CHECK_EQ("pae-pte-dirty", pt_pae[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
    GUEST_CHECK_EQ("pae-2m-accessed", pd_pae[0][0] & PTE_A, PTE_A);

    /* NXE = 0: XD is a reserved bit (Table 4-11): P | RSVD. Bit 51 is above MAXPHYADDR. */
    int v = guest_trap(do_read, TEST_VA + 4096);
    check_pf("pae-xd-reserved-without-nxe", v, TEST_VA + 4096, PF_P | PF_RSVD);
    v = guest_trap(do_write, TEST_VA + 2 * 4096 + 4);
    check_pf("pae-reserved-bit51-write", v, TEST_VA + 2 * 4096 + 4, PF_P | PF_W | PF_RSVD);
    v = user_access(user_read, TEST_VA + 2 * 4096);
    check_pf("pae-reserved-bit51-user", v, TEST_VA + 2 * 4096, PF_P | PF_U | PF_RSVD);

    if (has_nx) {
        guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_NXE);
        v = guest_trap(do_exec, TEST_VA);
        GUEST_CHECK_EQ("pae-nx-clear-executes", v, -1);
        v = guest_trap(do_read, TEST_VA + 4096);
        GUEST_CHECK_EQ("pae-nx-page-readable", v, -1);
        v = guest_trap(do_exec, TEST_VA + 4096);
        check_pf("pae-nx-fetch", v, TEST_VA + 4096, PF_P | PF_I);
        GUEST_CHECK_EQ("pae-nx-fetch-eip", guest_exc.ip, TEST_VA + 4096);
        pt_pae[3] = 0;
        v = guest_trap(do_exec, TEST_VA + 3 * 4096);
        check_pf("pae-not-present-fetch-id", v, TEST_VA + 3 * 4096, PF_I);
        /* XD in the PDE covers the whole table. */
        pd_pae[1][0] |= PTE_XD;
        flush_all();
        v = guest_trap(do_exec, TEST_VA);
        check_pf("pae-nx-in-pde", v, TEST_VA, PF_P | PF_I);
        pd_pae[1][0] &= ~PTE_XD;
        guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
    } else {
        guest_fail("pae-nx", "CPUID.80000001H:EDX.NX[bit 20] is clear");
    }

    guest_write_cr0(guest_read_cr0() | CR0_WP);
    pt_pae[0] &= ~(uint64_t)PTE_RW;
    flush_all();
    v = guest_trap(do_write, TEST_VA + 16);
    check_pf("pae-wp1-supervisor-write", v, TEST_VA + 16, PF_P | PF_W);
    guest_write_cr0(guest_read_cr0() & ~(uintptr_t)(CR0_WP | CR0_PG));
    guest_write_cr4(guest_read_cr4() & ~(uintptr_t)CR4_PAE);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    skip_rsvd_p = guest_has_word(mb_info_gpa, "qemu-skip-rsvd-p");
    uint32_t regs[4];
    guest_cpuid(0x80000001u, 0, regs);
    bool has_nx = regs[3] & (1u << 20);
    guest_cpuid(0x80000008u, 0, regs);
    GUEST_CHECK("maxphyaddr-below-52", (regs[0] & 0xff) < 52);
    guest_sys_init();
    test_two_level();
    test_pae(has_nx);
    return guest_finish_checks();
}
