/*
 * tests/guest/hw/apic64.c: the local APIC and the I/O APIC as a 64-bit kernel uses them, with
 * the HPET as the independent time base: IA32_APIC_BASE, the register page, self IPIs through
 * the ICR, TPR/CR8 holding back a pending interrupt, the periodic and TSC-deadline timers,
 * and an HPET interrupt routed through an I/O APIC redirection entry.
 *
 * Sources: SDM Vol. 3A chapter 11 (§11.4.4 IA32_APIC_BASE, §11.4.8 version register, §11.5.4
 * timer, §11.6.1 ICR, §11.8.3 TPR/PPR, §11.8.6 CR8, §11.8.5 EOI, §11.9 SVR); 82093AA I/O APIC
 * datasheet §3.2; IA-PC HPET specification 1.0a §2.3. Rates are checked against the HPET
 * counter with generous bounds: only ordering and orders of magnitude are architectural.
 */
#include "sys.h"

#define LAPIC 0xfee00000ul
#define IOAPIC 0xfec00000ul
#define HPET 0xfed00000ul
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define VEC_TIMER 0x40
#define VEC_IPI 0x60
#define VEC_HPET 0x70
#define VEC_DEADLINE 0x48
#define VEC_SPURIOUS 0xff

static volatile unsigned hits[256];
static volatile uint32_t ppr_in_handler;

static uint32_t lapic_rd(unsigned reg)
{
    return *(volatile uint32_t *)(LAPIC + reg);
}

static void lapic_wr(unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC + reg) = v;
}

static uint64_t hpet_rd(unsigned reg)
{
    return *(volatile uint64_t *)(HPET + reg);
}

static void hpet_wr(unsigned reg, uint64_t v)
{
    *(volatile uint64_t *)(HPET + reg) = v;
}

static void ioapic_wr(unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static uint32_t ioapic_rd(unsigned reg)
{
    *(volatile uint32_t *)IOAPIC = reg;
    return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static int count_and_eoi(GuestExcFrame *f)
{
    hits[f->vector]++;
    ppr_in_handler = lapic_rd(0xa0);
    lapic_wr(0xb0, 0);
    return GUEST_EXC_IRET;
}

static void sti(void)
{
    __asm__ volatile("sti" ::: "memory");
}

static void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}

/* Waits (interrupts on) until `n` HPET ticks (10 ns at 100 MHz: its GCAP_ID says) passed. */
static void wait_hpet(uint64_t ticks)
{
    uint64_t start = hpet_rd(0xf0);
    sti();
    while (hpet_rd(0xf0) - start < ticks) {
        __asm__ volatile("pause");
    }
    cli();
}

static uint64_t hpet_period_fs;

/* Waits (interrupts on) until hits[vector] reaches n or `ticks` HPET ticks passed: the guest
 * checks that events happen, never how fast the host runs it. */
static void wait_hits(unsigned vector, unsigned n, uint64_t ticks)
{
    uint64_t start = hpet_rd(0xf0);
    sti();
    while (hits[vector] < n && hpet_rd(0xf0) - start < ticks) {
        __asm__ volatile("pause");
    }
    cli();
}

static uint64_t ns_to_hpet(uint64_t ns)
{
    return ns * 1000000 / hpet_period_fs;
}

static void check_identity(void)
{
    uint64_t base = guest_rdmsr(MSR_APIC_BASE);
    GUEST_CHECK_EQ("apic-base-address", base & ~0xfffull, LAPIC);
    GUEST_CHECK_EQ("apic-base-enabled-bsp", base & 0x900, 0x900);
    uint32_t r[4];
    guest_cpuid(1, 0, r);
    GUEST_CHECK("cpuid-apic", r[3] & (1u << 9));
    uint32_t ver = lapic_rd(0x30);
    GUEST_CHECK_EQ("lapic-version-integrated", ver & 0xf0, 0x10);
    GUEST_CHECK("lapic-lvt-count", ((ver >> 16) & 0xff) >= 5);
    GUEST_CHECK_EQ("lapic-id-matches-cpuid", lapic_rd(0x20) >> 24, r[1] >> 24);
    GUEST_CHECK_EQ("ioapic-version", ioapic_rd(1) & 0xff, 0x20);
    GUEST_CHECK_EQ("ioapic-24-inputs", (ioapic_rd(1) >> 16) & 0xff, 23);
}

static void check_ipi_and_priority(void)
{
    lapic_wr(0xf0, 0x100 | VEC_SPURIOUS); /* software enable */
    lapic_wr(0x80, 0);
    lapic_wr(0x300, 0x00044000 | VEC_IPI); /* fixed, self */
    wait_hits(VEC_IPI, 1, ns_to_hpet(1000000000));
    GUEST_CHECK_EQ("self-ipi-delivered", hits[VEC_IPI], 1);
    GUEST_CHECK_EQ("ppr-in-handler-is-isr-class", ppr_in_handler & 0xf0, VEC_IPI & 0xf0);
    /* TPR at the vector's class holds it pending; CR8 is TPR[7:4] (§11.8.6). */
    __asm__ volatile("mov %0, %%cr8" : : "r"(7ul));
    GUEST_CHECK_EQ("cr8-sets-tpr", lapic_rd(0x80), 0x70);
    lapic_wr(0x300, 0x00044000 | VEC_IPI);
    wait_hpet(ns_to_hpet(10000));
    GUEST_CHECK_EQ("tpr-holds-ipi", hits[VEC_IPI], 1);
    GUEST_CHECK("irr-has-ipi", lapic_rd(0x200 + (VEC_IPI / 32) * 0x10) & (1u << (VEC_IPI % 32)));
    __asm__ volatile("mov %0, %%cr8" : : "r"(0ul));
    wait_hits(VEC_IPI, 2, ns_to_hpet(1000000000));
    GUEST_CHECK_EQ("tpr-lowered-delivers", hits[VEC_IPI], 2);
    uint64_t cr8;
    __asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
    GUEST_CHECK_EQ("cr8-reads-tpr", cr8, 0);
}

static void check_timers(bool skip_tsc_deadline)
{
    /* Periodic, divide by 1 (SDM: divide value 1011b), 100000 APIC ticks. The rate is the
     * processor's; checked: it keeps firing (three interrupts within a generous second of
     * HPET time), and masking stops it. */
    lapic_wr(0x3e0, 0xb);
    lapic_wr(0x320, 0x20000 | VEC_TIMER);
    lapic_wr(0x380, 100000);
    wait_hits(VEC_TIMER, 3, ns_to_hpet(1000000000));
    GUEST_CHECK("periodic-timer-several", hits[VEC_TIMER] >= 3);
    GUEST_CHECK("periodic-timer-current-count", lapic_rd(0x390) <= 100000);
    lapic_wr(0x320, 0x30000 | VEC_TIMER); /* masked */
    wait_hpet(ns_to_hpet(1000000));
    unsigned masked = hits[VEC_TIMER];
    wait_hpet(ns_to_hpet(2000000));
    GUEST_CHECK_EQ("masked-timer-silent", hits[VEC_TIMER], masked);
    lapic_wr(0x380, 0);

    if (skip_tsc_deadline) {
        return;
    }
    uint32_t r[4];
    guest_cpuid(1, 0, r);
    GUEST_CHECK("cpuid-tsc-deadline", r[2] & (1u << 24));
    lapic_wr(0x320, 0x40000 | VEC_DEADLINE); /* TSC-deadline mode */
    uint64_t tsc;
    __asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(tsc) : : "rdx");
    guest_wrmsr(MSR_TSC_DEADLINE, tsc + 1000);
    wait_hits(VEC_DEADLINE, 1, ns_to_hpet(1000000000));
    GUEST_CHECK_EQ("tsc-deadline-fired", hits[VEC_DEADLINE], 1);
    GUEST_CHECK_EQ("tsc-deadline-msr-cleared", guest_rdmsr(MSR_TSC_DEADLINE), 0);
    lapic_wr(0x320, 0x10000);
}

static void check_ioapic_route(void)
{
    /* HPET timer 2, one-shot, edge, routed to the highest I/O APIC input its INT_ROUTE_CAP
     * (Tn_CONF bits 63:32) allows (QEMU and chipsets differ in which). */
    uint32_t cap = (uint32_t)(hpet_rd(0x140) >> 32);
    unsigned pin = 0;
    for (unsigned i = 1; i < 24; i++) {
        if (cap & (1u << i)) {
            pin = i;
        }
    }
    GUEST_CHECK("hpet-timer2-routable", pin != 0);
    ioapic_wr(0x10 + 2 * pin + 1, 0);               /* destination APIC ID 0 */
    ioapic_wr(0x10 + 2 * pin, VEC_HPET);            /* fixed, physical, edge, unmasked */
    hpet_wr(0x140, ((uint64_t)pin << 9) | (1u << 2)); /* route, interrupt enabled */
    hpet_wr(0x148, hpet_rd(0xf0) + ns_to_hpet(100000));
    wait_hits(VEC_HPET, 1, ns_to_hpet(1000000000));
    GUEST_CHECK_EQ("ioapic-hpet-interrupt", hits[VEC_HPET], 1);
    ioapic_wr(0x10 + 2 * pin, 0x10000 | VEC_HPET);  /* masked: edges are lost */
    hpet_wr(0x148, hpet_rd(0xf0) + ns_to_hpet(100000));
    wait_hpet(ns_to_hpet(1000000));
    GUEST_CHECK_EQ("ioapic-masked-edge-lost", hits[VEC_HPET], 1);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    bool skip_tsc_deadline = guest_has_word(mb_info_gpa, "qemu-skip-tsc-deadline");
    guest_sys_init();
    guest_exc_handlers[VEC_TIMER] = count_and_eoi;
    guest_exc_handlers[VEC_IPI] = count_and_eoi;
    guest_exc_handlers[VEC_HPET] = count_and_eoi;
    guest_exc_handlers[VEC_DEADLINE] = count_and_eoi;
    hpet_period_fs = hpet_rd(0) >> 32;
    GUEST_CHECK("hpet-period-valid", hpet_period_fs > 0 && hpet_period_fs <= 100000000);
    hpet_wr(0x10, 1); /* run the main counter */
    check_identity();
    check_ipi_and_priority();
    check_timers(skip_tsc_deadline);
    check_ioapic_route();
    return guest_finish_checks();
}
