/*
 * tests/unit/test_hw_lapic.c: the local APIC against the SDM Vol. 3A chapter 11: reset values
 * (§11.4.7.1), priority and acceptance (§11.8), EOI, the timer in its three modes (§11.5.4),
 * the ICR, ESR, LINT0 in ExtINT mode and with the APIC disabled, IA32_APIC_BASE transitions
 * and the x2APIC MSRs (§11.12). Time: 1 instruction = 1 ns.
 */
#include <string.h>

#include "check.h"
#include "hw/intc/lapic.h"
#include "snapshot/state.h"

#define BASE LAPIC_DEFAULT_BASE

static uint64_t fake_ns, fake_tsc;
static VirtualClock clk;
static PhysMap *map;
static LapicState ap;
static bool intr;
static unsigned nmis, inits, sipis, ipis;
static int eois[8];
static unsigned neois;
static ApicMessage last_ipi;
static unsigned last_shorthand;

static uint64_t read_ns(void *o) { (void)o; return fake_ns; }
static uint64_t read_tsc(void *o) { (void)o; return fake_tsc; }
static void intr_handler(void *o, int n, bool level) { (void)o; (void)n; intr = level; }
static void nmi_handler(void *o, int n, bool level) { (void)o; (void)n; nmis += level; }
static void on_init(void *o) { (void)o; inits++; }
static void on_sipi(void *o, uint8_t v) { (void)o; (void)v; sipis++; }
static void on_eoi(void *o, uint8_t v) { (void)o; if (neois < 8) { eois[neois] = v; } neois++; }
static void on_ipi(void *o, const ApicMessage *m, unsigned sh)
{
    (void)o;
    ipis++;
    last_ipi = *m;
    last_shorthand = sh;
}

static void setup(void)
{
    fake_ns = 100;
    fake_tsc = 0;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    map = phys_map_new(36);
    memset(&ap, 0, sizeof(ap));
    intr = false;
    nmis = inits = sipis = ipis = neois = 0;
    ap.intr = irq_line(intr_handler, NULL, 0);
    ap.nmi = irq_line(nmi_handler, NULL, 0);
    ap.init = on_init;
    ap.sipi = on_sipi;
    ap.eoi_broadcast = on_eoi;
    ap.send_ipi = on_ipi;
    ap.read_tsc = read_tsc;
    ap.tsc_hz = 2000000000ull; /* 2 TSC ticks per ns */
    CHECK_EQ(lapic_init(&ap, map, &clk, 0, true), 0);
}

static uint32_t rd(unsigned reg) { return phys_ld32(map, BASE + reg); }
static void wr(unsigned reg, uint32_t v) { phys_st32(map, BASE + reg, v); }

static void advance(uint64_t ns)
{
    fake_ns += ns;
    fake_tsc += 2 * ns;
    clock_run_timers(&clk);
}

static void fixed(uint8_t vector, bool level)
{
    ApicMessage m = {.vector = vector, .delivery_mode = APIC_DM_FIXED, .is_level = level};
    lapic_deliver(&ap, &m);
}

static void test_hw_lapic_reset_values(void)
{
    setup();
    CHECK_EQ(rd(0x020), 0);
    CHECK_EQ(rd(0x030), 0x00060014u);      /* version 14h, max LVT entry 6 */
    CHECK_EQ(rd(0x0f0), 0xff);             /* SVR: software disabled, vector FFh */
    CHECK_EQ(rd(0x0e0), 0xffffffffu);      /* DFR: flat model */
    for (unsigned r = 0x320; r <= 0x370; r += 0x10) {
        CHECK_EQ(rd(r), 0x00010000u);       /* masked */
    }
    CHECK_EQ(ap.apic_base, 0xfee00900ull);  /* enabled, BSP */
    phys_map_free(map);
}

static void test_hw_lapic_priority_ack_eoi(void)
{
    setup();
    wr(0x0f0, 0x1ff);
    fixed(0x41, false);
    CHECK(intr);
    fixed(0x61, true);
    CHECK_EQ(lapic_acknowledge(&ap), 0x61);   /* highest first */
    CHECK_EQ(rd(0x0a0), 0x60);                /* PPR: the in-service class */
    CHECK(!intr);                             /* 0x41's class is below */
    wr(0x0b0, 0);                             /* EOI of 0x61, level: broadcast */
    CHECK_EQ(neois, 1);
    CHECK_EQ(eois[0], 0x61);
    CHECK(intr);
    wr(0x080, 0x50);                          /* TPR above 0x41's class */
    CHECK(!intr);
    CHECK_EQ(lapic_acknowledge(&ap), 0xff);   /* spurious: ISR untouched */
    CHECK_EQ(rd(0x100 + 0x20), 0);
    lapic_set_cr8(&ap, 3);                    /* CR8 is TPR[7:4] */
    CHECK_EQ(rd(0x080), 0x30);
    CHECK_EQ(lapic_get_cr8(&ap), 3);
    CHECK(intr);
    CHECK_EQ(lapic_acknowledge(&ap), 0x41);
    wr(0x0b0, 0);
    CHECK_EQ(neois, 1);                       /* edge: no broadcast */
    /* Software-disabled: accepted into IRR but not delivered. */
    wr(0x0f0, 0xff);
    fixed(0x70, false);
    CHECK(!intr);
    phys_map_free(map);
}

static void test_hw_lapic_illegal_vectors_and_esr(void)
{
    setup();
    wr(0x0f0, 0x1ff);
    wr(0x370, 0xfe);                          /* error LVT: vector FEh */
    fixed(5, false);
    CHECK_EQ(rd(0x280), 0);                   /* latched on the next write */
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0x40);                /* received illegal vector */
    CHECK_EQ(lapic_acknowledge(&ap), 0xfe);
    wr(0x300, 0x00000003);                    /* fixed IPI with vector 3 */
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0x20);                /* send illegal vector */
    CHECK_EQ(ipis, 0);
    phys_map_free(map);
}

static void test_hw_lapic_timer_modes(void)
{
    setup();
    wr(0x0f0, 0x1ff);
    wr(0x3e0, 0x3);                           /* divide by 16 */
    wr(0x320, 0x30);                          /* one-shot, vector 30h */
    wr(0x380, 1000);                          /* 16000 ns */
    advance(8000);
    CHECK_EQ(rd(0x390), 500);
    advance(7999);
    CHECK(!intr);
    advance(2);
    CHECK(intr);
    CHECK_EQ(rd(0x390), 0);
    CHECK_EQ(lapic_acknowledge(&ap), 0x30);
    wr(0x0b0, 0);
    /* Periodic, divide by 1: every 100 ns, reloads. */
    wr(0x3e0, 0xb);
    wr(0x320, 0x20031);
    wr(0x380, 100);
    unsigned fired = 0;
    for (unsigned i = 0; i < 1000; i++) {
        advance(10);
        if (intr) {
            CHECK_EQ(lapic_acknowledge(&ap), 0x31);
            wr(0x0b0, 0);
            fired++;
        }
    }
    CHECK_EQ(fired, 100);
    /* TSC-deadline: fires when the TSC reaches the deadline; the MSR then reads 0. */
    wr(0x320, 0x40032);
    CHECK_EQ(rd(0x380), 0);                   /* initial count cleared by the mode change */
    CHECK(lapic_write_msr(&ap, LAPIC_MSR_TSC_DEADLINE, fake_tsc + 2000));
    advance(999);
    CHECK(!intr);
    advance(2);
    CHECK(intr);
    uint64_t v;
    CHECK(lapic_read_msr(&ap, LAPIC_MSR_TSC_DEADLINE, &v));
    CHECK_EQ(v, 0);
    /* Masked timer: counts but does not interrupt. */
    CHECK_EQ(lapic_acknowledge(&ap), 0x32);
    wr(0x0b0, 0);
    wr(0x320, 0x10033);
    wr(0x380, 50);
    advance(100);
    CHECK(!intr);
    phys_map_free(map);
}

static void test_hw_lapic_icr(void)
{
    setup();
    wr(0x0f0, 0x1ff);
    wr(0x310, 0x01000000);
    wr(0x300, 0x00004500);                    /* INIT, assert, physical dest 1 */
    CHECK_EQ(ipis, 1);
    CHECK_EQ(last_ipi.delivery_mode, APIC_DM_INIT);
    CHECK_EQ(last_ipi.dest, 1);
    wr(0x300, 0x00008500);                    /* INIT level de-assert: nothing */
    CHECK_EQ(ipis, 1);
    wr(0x300, 0x000c4650);                    /* SIPI 50h to all but self */
    CHECK_EQ(ipis, 2);
    CHECK_EQ(last_shorthand, LAPIC_DEST_OTHERS);
    wr(0x300, 0x00040055);                    /* fixed 55h to self */
    CHECK_EQ(ipis, 2);
    CHECK_EQ(lapic_acknowledge(&ap), 0x55);
    CHECK_EQ(rd(0x300) & (1u << 12), 0);      /* delivery status: idle */
    phys_map_free(map);
}

static void test_hw_lapic_lint_and_disable(void)
{
    setup();
    /* The APIC disabled: LINT0 is the 8259's INTR, LINT1 the NMI pin. */
    CHECK(lapic_set_base(&ap, 0xfee00000ull));
    lapic_set_lint(&ap, 0, true);
    CHECK(intr);
    CHECK_EQ(lapic_acknowledge(&ap), LAPIC_ACK_EXTINT);
    lapic_set_lint(&ap, 1, true);
    CHECK_EQ(nmis, 1);
    lapic_set_lint(&ap, 0, false);
    lapic_set_lint(&ap, 1, false);
    CHECK(!intr);
    CHECK_EQ(rd(0x030), 0xffffffffu);          /* page not decoded: unassigned reads */
    /* Enabled again, in reset state; LINT0 in ExtINT (virtual wire), LINT1 NMI. */
    CHECK(lapic_set_base(&ap, 0xfee00800ull));
    CHECK_EQ(rd(0x030), 0x00060014u);
    wr(0x0f0, 0x1ff);
    wr(0x350, 0x700);
    wr(0x360, 0x400);
    lapic_set_lint(&ap, 0, true);
    CHECK(intr);
    CHECK_EQ(lapic_acknowledge(&ap), LAPIC_ACK_EXTINT);
    wr(0x350, 0x10700);                        /* masked */
    CHECK(!intr);
    lapic_set_lint(&ap, 1, true);
    CHECK_EQ(nmis, 2);
    phys_map_free(map);
}

static void test_hw_lapic_x2apic(void)
{
    setup();
    uint64_t v;
    CHECK(!lapic_read_msr(&ap, 0x802, &v));    /* xAPIC mode: no MSRs */
    CHECK(!lapic_set_base(&ap, 0xfee00400ull)); /* x2APIC without enable */
    CHECK(lapic_set_base(&ap, 0xfee00c00ull));
    CHECK(lapic_read_msr(&ap, 0x802, &v));
    CHECK_EQ(v, 0);                            /* 32-bit ID */
    CHECK(lapic_read_msr(&ap, 0x80d, &v));
    CHECK_EQ(v, 1);                            /* LDR: cluster 0, bit 0 */
    CHECK(!lapic_read_msr(&ap, 0x80e, &v));    /* no DFR */
    CHECK(!lapic_write_msr(&ap, 0x802, 5));    /* ID read-only */
    CHECK(lapic_write_msr(&ap, 0x80f, 0x1ff));
    CHECK(lapic_write_msr(&ap, 0x83f, 0x66));  /* self IPI */
    CHECK_EQ(lapic_acknowledge(&ap), 0x66);
    CHECK(!lapic_write_msr(&ap, 0x80b, 1));    /* EOI must write 0 */
    CHECK(lapic_write_msr(&ap, 0x80b, 0));
    CHECK(lapic_write_msr(&ap, 0x830, 0x0000000700004500ull)); /* 64-bit ICR */
    CHECK_EQ(last_ipi.dest, 7);
    CHECK_EQ(rd(0x030), 0xffffffffu);          /* no MMIO in x2APIC mode */
    CHECK(!lapic_set_base(&ap, 0xfee00800ull)); /* x2APIC -> xAPIC directly: #GP */
    CHECK(lapic_set_base(&ap, 0xfee00000ull));
    phys_map_free(map);
}

static void test_hw_lapic_state_round_trip(void)
{
    setup();
    wr(0x0f0, 0x1ff);
    wr(0x320, 0x20031);
    wr(0x380, 100);
    fixed(0x44, true);
    advance(50);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&lapic_state_desc, &ap, &a), 0);
    lapic_reset(&ap);
    char err[100];
    CHECK_EQ(state_load(&lapic_state_desc, &ap, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&lapic_state_desc, &ap, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK(intr);
    CHECK_EQ(rd(0x390), 75); /* divide by 2 (the reset divider): 25 of 100 ticks gone */
    a.data[0] = 0x00;
    a.data[1] = 0x04;                          /* EXTD without EN */
    CHECK_EQ(state_load(&lapic_state_desc, &ap, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    phys_map_free(map);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_lapic_reset_values),
    CHECK_TEST(test_hw_lapic_priority_ack_eoi),
    CHECK_TEST(test_hw_lapic_illegal_vectors_and_esr),
    CHECK_TEST(test_hw_lapic_timer_modes),
    CHECK_TEST(test_hw_lapic_icr),
    CHECK_TEST(test_hw_lapic_lint_and_disable),
    CHECK_TEST(test_hw_lapic_x2apic),
    CHECK_TEST(test_hw_lapic_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
