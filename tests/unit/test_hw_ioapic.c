/*
 * tests/unit/test_hw_ioapic.c: the I/O APIC against the 82093AA datasheet (§3.2 registers and
 * reset values; edge and level delivery, Remote IRR and EOI) with version 20H's EOI register.
 */
#include <string.h>

#include "check.h"
#include "hw/intc/ioapic.h"
#include "snapshot/state.h"

#define BASE 0xfec00000ull

static PhysMap *map;
static IoapicState io;
static ApicMessage sent[16];
static unsigned nsent;

static void deliver(void *opaque, const ApicMessage *m)
{
    (void)opaque;
    if (nsent < 16) {
        sent[nsent] = *m;
    }
    nsent++;
}

static void setup(void)
{
    map = phys_map_new(36);
    memset(&io, 0, sizeof(io));
    nsent = 0;
    CHECK_EQ(ioapic_init(&io, map, BASE, 2, deliver, NULL), 0);
}

static uint32_t reg_read(unsigned r)
{
    phys_st32(map, BASE + IOAPIC_IOREGSEL, r);
    return phys_ld32(map, BASE + IOAPIC_IOWIN);
}

static void reg_write(unsigned r, uint32_t v)
{
    phys_st32(map, BASE + IOAPIC_IOREGSEL, r);
    phys_st32(map, BASE + IOAPIC_IOWIN, v);
}

static void set_rte(unsigned pin, uint64_t v)
{
    reg_write(0x10 + 2 * pin + 1, (uint32_t)(v >> 32));
    reg_write(0x10 + 2 * pin, (uint32_t)v);
}

static uint64_t get_rte(unsigned pin)
{
    return reg_read(0x10 + 2 * pin) | (uint64_t)reg_read(0x11 + 2 * pin) << 32;
}

static void test_hw_ioapic_reset_values(void)
{
    setup();
    CHECK_EQ(reg_read(IOAPIC_REG_ID), 2u << 24);
    /* Version 20H, maximum redirection entry 23 (bits 23:16). */
    CHECK_EQ(reg_read(IOAPIC_REG_VER), 0x00170020u);
    CHECK_EQ(reg_read(IOAPIC_REG_ARB), 2u << 24);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        CHECK_EQ(get_rte(pin), IOAPIC_RTE_MASK); /* masked, all else 0 */
    }
    reg_write(IOAPIC_REG_ID, 0x0f000000u);
    CHECK_EQ(reg_read(IOAPIC_REG_ID), 0x0f000000u);
    reg_write(IOAPIC_REG_VER, 0); /* read-only */
    CHECK_EQ(reg_read(IOAPIC_REG_VER), 0x00170020u);
    phys_map_free(map);
}

static void test_hw_ioapic_rte_fields(void)
{
    setup();
    set_rte(3, 0xffffffffffffffffull);
    /* Delivery Status (12), Remote IRR (14) and bits 55:17 are read-only zeros here. */
    CHECK_EQ(get_rte(3), 0xff0000000001afffull);
    phys_map_free(map);
}

static void test_hw_ioapic_edge(void)
{
    setup();
    set_rte(4, 0x0100000000000000ull | (1u << 11) | (1u << 8) | 0x31); /* logical, lowest, 31h */
    ioapic_set_irq(&io, 4, true);
    CHECK_EQ(nsent, 1);
    CHECK_EQ(sent[0].vector, 0x31);
    CHECK_EQ(sent[0].delivery_mode, APIC_DM_LOWEST);
    CHECK(sent[0].is_logical);
    CHECK_EQ(sent[0].dest, 1);
    CHECK(!sent[0].is_level);
    ioapic_set_irq(&io, 4, true); /* no new edge */
    CHECK_EQ(nsent, 1);
    ioapic_set_irq(&io, 4, false);
    ioapic_set_irq(&io, 4, true);
    CHECK_EQ(nsent, 2);
    /* Masked: an edge is lost, and unmasking does not bring it back. */
    set_rte(4, IOAPIC_RTE_MASK | 0x31);
    ioapic_set_irq(&io, 4, false);
    ioapic_set_irq(&io, 4, true);
    set_rte(4, 0x31);
    CHECK_EQ(nsent, 2);
    phys_map_free(map);
}

static void test_hw_ioapic_level_remote_irr_eoi(void)
{
    setup();
    set_rte(16, IOAPIC_RTE_TRIGGER_LEVEL | IOAPIC_RTE_POLARITY | 0x41);
    ioapic_set_irq(&io, 16, true);
    CHECK_EQ(nsent, 1);
    CHECK(sent[0].is_level);
    CHECK(get_rte(16) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(&io, 16, true);
    CHECK_EQ(nsent, 1); /* Remote IRR holds it */
    ioapic_eoi(&io, 0x41);
    CHECK_EQ(nsent, 2); /* still asserted: delivered again */
    ioapic_set_irq(&io, 16, false);
    ioapic_eoi(&io, 0x41);
    CHECK_EQ(nsent, 2);
    CHECK_EQ(get_rte(16) & IOAPIC_RTE_REMOTE_IRR, 0);
    /* The EOI register (version 20H) does the same. */
    ioapic_set_irq(&io, 16, true);
    CHECK_EQ(nsent, 3);
    phys_st32(map, BASE + IOAPIC_EOI, 0x42); /* other vector: nothing */
    CHECK(get_rte(16) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(&io, 16, false);
    phys_st32(map, BASE + IOAPIC_EOI, 0x41);
    CHECK_EQ(get_rte(16) & IOAPIC_RTE_REMOTE_IRR, 0);
    /* A masked asserted level is delivered when unmasked. */
    set_rte(17, IOAPIC_RTE_TRIGGER_LEVEL | IOAPIC_RTE_MASK | 0x50);
    ioapic_set_irq(&io, 17, true);
    CHECK_EQ(nsent, 3);
    set_rte(17, IOAPIC_RTE_TRIGGER_LEVEL | 0x50);
    CHECK_EQ(nsent, 4);
    CHECK_EQ(sent[3].vector, 0x50);
    phys_map_free(map);
}

static void test_hw_ioapic_bad_accesses(void)
{
    setup();
    set_rte(1, 0x22);
    uint64_t before = get_rte(1);
    phys_st16(map, BASE + IOAPIC_IOWIN, 0xffff);       /* not a dword */
    phys_st32(map, BASE + 0x20, 0xffffffff);           /* nothing there */
    reg_write(0x40, 0x1234);                           /* register beyond the table */
    CHECK_EQ(reg_read(0x40), 0);
    CHECK_EQ(get_rte(1), before);
    ioapic_set_irq(&io, 99, true);                     /* no such pin */
    ioapic_set_irq(&io, -1, true);
    CHECK_EQ(nsent, 0);
    phys_map_free(map);
}

static void test_hw_ioapic_state_round_trip(void)
{
    setup();
    set_rte(16, IOAPIC_RTE_TRIGGER_LEVEL | 0x41);
    ioapic_set_irq(&io, 16, true);
    phys_st32(map, BASE + IOAPIC_IOREGSEL, 0x21);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&ioapic_state_desc, &io, &a), 0);
    IoapicState copy = io;
    ioapic_reset(&copy);
    char err[200];
    CHECK_EQ(state_load(&ioapic_state_desc, &copy, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&ioapic_state_desc, &copy, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK(copy.redirection[16] & IOAPIC_RTE_REMOTE_IRR);
    CHECK_EQ(copy.ioregsel, 0x21);
    a.data[2] = 0x10; /* an ID that does not fit */
    CHECK_EQ(state_load(&ioapic_state_desc, &copy, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    phys_map_free(map);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_ioapic_reset_values),
    CHECK_TEST(test_hw_ioapic_rte_fields),
    CHECK_TEST(test_hw_ioapic_edge),
    CHECK_TEST(test_hw_ioapic_level_remote_irr_eoi),
    CHECK_TEST(test_hw_ioapic_bad_accesses),
    CHECK_TEST(test_hw_ioapic_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
