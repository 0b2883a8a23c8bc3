/*
 * tests/unit/test_hw_i8259.c: the 8259A pair against the Intel 8259A datasheet (231468):
 * the initialization sequence Linux uses, fully nested priority, masking, the EOI and rotation
 * forms of OCW2, OCW3 register reads, poll, special mask mode, automatic EOI, the cascade on
 * IR2, edge versus level triggering (ICW1.LTIM, PIIX ELCR), the IR7 vector for a withdrawn
 * request, and a save/load round trip.
 */
#include <string.h>

#include "check.h"
#include "hw/intc/i8259.h"
#include "snapshot/state.h"

static PortSpace *ports;
static I8259State pic;
static bool intr;

static void intr_handler(void *o, int n, bool level)
{
    (void)o;
    (void)n;
    intr = level;
}

static void out(uint16_t port, uint8_t v) { port_write(ports, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)port_read(ports, port, 1); }

/* Linux's init_8259A: ICW1 11h, ICW2 20h/28h, ICW3 04h/02h, ICW4 01h, all masked. */
static void setup(void)
{
    ports = port_space_new();
    memset(&pic, 0, sizeof(pic));
    intr = false;
    CHECK_EQ(i8259_init(&pic, ports, irq_line(intr_handler, NULL, 0)), 0);
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x01);
    out(0xa0, 0x11);
    out(0xa1, 0x28);
    out(0xa1, 0x02);
    out(0xa1, 0x01);
    out(0x21, 0x00);
    out(0xa1, 0x00);
}

static void pulse(int irq)
{
    i8259_set_irq(&pic, irq, true);
    i8259_set_irq(&pic, irq, false);
}

static void test_hw_i8259_priority_and_eoi(void)
{
    setup();
    i8259_set_irq(&pic, 3, true);
    i8259_set_irq(&pic, 1, true);
    CHECK(intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x21);      /* IR1 before IR3 */
    CHECK(!intr);                                 /* IR3 is lower than IR1 in service */
    out(0x20, 0x0b);                              /* OCW3: read ISR */
    CHECK_EQ(in(0x20), 0x02);
    out(0x20, 0x20);                              /* non-specific EOI */
    CHECK(intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x23);
    out(0x20, 0x63);                              /* specific EOI, level 3 */
    CHECK_EQ(in(0x20), 0x00);
    out(0x20, 0x0a);                              /* read IRR */
    CHECK_EQ(in(0x20), 0x00);  /* edge requests are consumed; inputs held high ask no more */
    CHECK(!intr);
    port_space_free(ports);
}

static void test_hw_i8259_mask_and_withdrawn_request(void)
{
    setup();
    out(0x21, 0x10);                              /* mask IR4 */
    pulse(4);
    i8259_set_irq(&pic, 4, true);
    CHECK(!intr);
    out(0x21, 0x00);
    CHECK(intr);
    i8259_set_irq(&pic, 4, false);                /* withdrawn before INTA */
    CHECK(!intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x27);      /* the IR7 vector, nothing in service */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
    port_space_free(ports);
}

static void test_hw_i8259_cascade(void)
{
    setup();
    i8259_set_irq(&pic, 12, true);                /* slave IR4 */
    CHECK(intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x2c);
    out(0xa0, 0x0b);
    CHECK_EQ(in(0xa0), 0x10);                     /* slave ISR */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x04);                     /* master ISR: the cascade */
    i8259_set_irq(&pic, 12, false);
    out(0xa0, 0x20);
    out(0x20, 0x20);
    i8259_set_irq(&pic, 15, true);
    i8259_set_irq(&pic, 15, false);               /* a slave request withdrawn */
    i8259_set_irq(&pic, 9, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x29);
    port_space_free(ports);
}

static void test_hw_i8259_level_and_elcr(void)
{
    setup();
    out(0x4d1, 0xff);
    CHECK_EQ(in(0x4d1), 0xde);                    /* IRQ 8 and 13 stay edge */
    out(0x4d0, 0xff);
    CHECK_EQ(in(0x4d0), 0xf8);
    i8259_set_irq(&pic, 10, true);                /* level-triggered */
    CHECK_EQ(i8259_acknowledge(&pic), 0x2a);
    out(0xa0, 0x20);
    out(0x20, 0x20);
    CHECK(intr);                                  /* still asserted: again */
    i8259_set_irq(&pic, 10, false);
    CHECK(!intr);
    i8259_set_irq(&pic, 1, true);                 /* IRQ 1 is edge only: once */
    CHECK_EQ(i8259_acknowledge(&pic), 0x21);
    out(0x20, 0x20);
    CHECK(!intr);
    port_space_free(ports);
}

static void test_hw_i8259_poll_rotate_aeoi_smm(void)
{
    setup();
    pulse(6);
    i8259_set_irq(&pic, 6, true);
    out(0x20, 0x0c);                              /* poll */
    CHECK_EQ(in(0x20), 0x86);
    out(0x20, 0x0c);
    CHECK_EQ(in(0x20), 0x00);                     /* nothing more */
    out(0x20, 0x20);
    i8259_set_irq(&pic, 6, false);
    /* Set priority: IR5 lowest, so IR6 is now the highest. */
    out(0x20, 0xc5);
    i8259_set_irq(&pic, 0, true);
    i8259_set_irq(&pic, 6, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x26);
    /* Special mask mode: masking IR6 in service lets IR0 (lower now) through. */
    CHECK(!intr);
    out(0x21, 0x40);
    out(0x20, 0x68);                              /* OCW3: set special mask */
    CHECK(intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x20);
    port_space_free(ports);
}

static void test_hw_i8259_auto_eoi(void)
{
    setup();
    out(0x20, 0x11);
    out(0x21, 0x30);
    out(0x21, 0x04);
    out(0x21, 0x03);                              /* ICW4: AEOI, 8086 mode */
    i8259_set_irq(&pic, 1, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x31);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);                     /* nothing left in service */
    port_space_free(ports);
}

/* Power-on (our reset; the datasheet leaves an uninitialized 8259A undefined): nothing pending,
 * in service or masked, IRR selected for reads; PIIX ELCR1/ELCR2 reset to 00h. */
static void test_hw_i8259_reset_values(void)
{
    ports = port_space_new();
    memset(&pic, 0, sizeof(pic));
    intr = true;
    CHECK_EQ(i8259_init(&pic, ports, irq_line(intr_handler, NULL, 0)), 0);
    CHECK(!intr);
    CHECK_EQ(in(0x20), 0x00);
    CHECK_EQ(in(0x21), 0x00);
    CHECK_EQ(in(0xa0), 0x00);
    CHECK_EQ(in(0xa1), 0x00);
    CHECK_EQ(in(0x4d0), 0x00);
    CHECK_EQ(in(0x4d1), 0x00);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
    port_space_free(ports);
}

/* ICW1 clears the IMR, special mask mode and the rotation, selects IRR for reads; without
 * IC4 the ICW4 functions are zero and, in single mode, ICW3 is skipped (datasheet,
 * "Initialization command words"). */
static void test_hw_i8259_icw1_resets_and_short_sequence(void)
{
    setup();
    out(0x21, 0xff);
    out(0x20, 0xc3);                              /* IR3 lowest */
    out(0x20, 0x68);                              /* special mask mode */
    out(0x20, 0x12);                              /* ICW1: single, no ICW4 */
    out(0x21, 0x48);                              /* ICW2 */
    CHECK_EQ(in(0x21), 0x00);                     /* IMR cleared */
    out(0x21, 0xfd);                              /* already OCW1 */
    CHECK_EQ(in(0x21), 0xfd);
    i8259_set_irq(&pic, 0, true);
    CHECK(!intr);                                 /* IR0 masked */
    i8259_set_irq(&pic, 5, true);
    i8259_set_irq(&pic, 2, true);                 /* the cascade input is not a board IRQ */
    out(0x21, 0x00);
    CHECK_EQ(i8259_acknowledge(&pic), 0x48);      /* IR0 before IR5: IR7 is lowest again */
    CHECK(!intr);                                 /* IR5 ranks below IR0 in service */
    CHECK_EQ(i8259_acknowledge(&pic), 0x4f);      /* INTA anyway: the IR7 vector */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x01);                     /* ... with nothing more in service */
    out(0x20, 0x08);                              /* OCW3 without RR: still the ISR */
    CHECK_EQ(in(0x20), 0x01);
    out(0x20, 0x20);
    CHECK(intr);
    CHECK_EQ(i8259_acknowledge(&pic), 0x4d);
    CHECK_EQ(in(0x20), 0x20);
    out(0x20, 0x0a);
    CHECK_EQ(in(0x20), 0x00);                     /* IR0 and IR5 consumed (edge) */
    port_space_free(ports);
}

/* OCW2 rotate forms ("Priority", "Rotation"): the EOI'd or named input becomes the lowest. */
static void test_hw_i8259_rotation(void)
{
    setup();
    pulse(1);
    pulse(1);
    i8259_set_irq(&pic, 1, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x21);
    out(0x20, 0xa0);                              /* rotate on non-specific EOI: IR1 lowest */
    i8259_set_irq(&pic, 1, false);
    i8259_set_irq(&pic, 0, true);
    i8259_set_irq(&pic, 3, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x23);      /* order 2,3,...,7,0,1 */
    out(0x20, 0xe3);                              /* rotate on specific EOI 3: IR3 lowest */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
    i8259_set_irq(&pic, 5, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x25);      /* order 4,5,...,2,3: IR5 before IR0 */
    CHECK(!intr);                                 /* IR0 now ranks below IR5 in service */
    out(0x20, 0x20);
    CHECK_EQ(i8259_acknowledge(&pic), 0x20);
    out(0x20, 0x60);
    port_space_free(ports);
}

/* Automatic EOI ("Automatic end of interrupt mode") with rotate in AEOI set (OCW2 80h) and
 * clear (OCW2 00h). */
static void test_hw_i8259_auto_eoi_rotate(void)
{
    setup();
    out(0x20, 0x11);
    out(0x21, 0x30);
    out(0x21, 0x04);
    out(0x21, 0x03);                              /* ICW4: AEOI */
    out(0x20, 0x80);                              /* rotate in AEOI set */
    i8259_set_irq(&pic, 0, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x30);      /* IR0 becomes the lowest */
    i8259_set_irq(&pic, 0, false);
    i8259_set_irq(&pic, 0, true);
    i8259_set_irq(&pic, 7, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x37);      /* IR7 now before IR0 */
    out(0x20, 0x00);                              /* rotate in AEOI clear */
    CHECK_EQ(i8259_acknowledge(&pic), 0x30);      /* IR7 was made lowest by the last ack */
    i8259_set_irq(&pic, 7, false);
    i8259_set_irq(&pic, 7, true);
    i8259_set_irq(&pic, 0, false);
    i8259_set_irq(&pic, 0, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x30);      /* no rotation: IR0 still first */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
    port_space_free(ports);
}

/* Poll: the read after OCW3 P=1 is the acknowledge, at either port ("Poll command"). */
static void test_hw_i8259_poll_data_port(void)
{
    setup();
    out(0x21, 0x08);                              /* IR3 masked: not polled */
    i8259_set_irq(&pic, 3, true);
    i8259_set_irq(&pic, 5, true);
    out(0x20, 0x0c);
    CHECK_EQ(in(0x21), 0x85);
    CHECK_EQ(in(0x21), 0x08);                     /* the poll is over: IMR */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x20);                     /* IR5 went in service */
    port_space_free(ports);
}

/* Special fully nested mode on the master (ICW4 SFNM): a higher slave request gets through
 * while IR2 is in service; in fully nested mode it waits. */
static void test_hw_i8259_special_fully_nested(void)
{
    for (int sfnm = 0; sfnm <= 1; sfnm++) {
        setup();
        out(0x20, 0x11);
        out(0x21, 0x20);
        out(0x21, 0x04);
        out(0x21, sfnm ? 0x11 : 0x01);
        i8259_set_irq(&pic, 12, true);
        CHECK_EQ(i8259_acknowledge(&pic), 0x2c);
        CHECK(!intr);
        i8259_set_irq(&pic, 9, true);             /* higher than IRQ 12 on the slave */
        CHECK_EQ(intr, sfnm == 1);
        if (sfnm) {
            CHECK_EQ(i8259_acknowledge(&pic), 0x29);
        }
        port_space_free(ports);
    }
}

/* ICW1 LTIM: every input is level-triggered, whatever the ELCR says. */
static void test_hw_i8259_ltim_level(void)
{
    setup();
    out(0x20, 0x19);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x01);
    i8259_set_irq(&pic, 1, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x21);
    CHECK(!intr);
    out(0x20, 0x20);
    CHECK(intr);                                  /* held high: requests again after EOI */
    out(0x20, 0x0a);
    CHECK_EQ(in(0x20), 0x02);
    i8259_set_irq(&pic, 1, false);
    CHECK(!intr);
    CHECK_EQ(in(0x20), 0x00);
    port_space_free(ports);
}

/* The slave's request vanishing between the master's and the slave's INTA pulses: the master
 * has put IR2 in service and the slave answers with its IR7 vector, nothing in service
 * ("Interrupt sequence"; the window cannot be opened through the pins, so the test poses it
 * directly: master IRR has IR2 latched, the slave has nothing pending). */
static void test_hw_i8259_spurious_slave(void)
{
    setup();
    pic.chip[0].irr = 1u << 2;
    CHECK_EQ(i8259_acknowledge(&pic), 0x2f);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x04);
    out(0xa0, 0x0b);
    CHECK_EQ(in(0xa0), 0x00);
    port_space_free(ports);
}

/* Accesses the bus rejects (width 3, 8) do not reach the device; a 16-bit ELCR access is the
 * two ELCR bytes. */
static void test_hw_i8259_bad_widths(void)
{
    setup();
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&i8259_state_desc, &pic, &a), 0);
    port_write(ports, 0x20, 0x11, 3);
    port_write(ports, 0x21, 0xff, 8);
    port_write(ports, 0xa0, 0x0c, 0);
    (void)port_read(ports, 0x20, 3);
    CHECK_EQ(state_save(&i8259_state_desc, &pic, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    port_write(ports, 0x4d0, 0xffff, 2);
    CHECK_EQ(port_read(ports, 0x4d0, 2), 0xdef8);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

/* A seeded storm of writes, reads, pin changes and acknowledges must not crash (ASan/UBSan);
 * afterwards the Linux sequence brings the pair back to a known state. */
static void test_hw_i8259_random_storm(void)
{
    static const uint16_t port_list[] = {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1};
    setup();
    uint32_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = x >> 8;
        switch (r % 4) {
        case 0:
            out(port_list[(r >> 2) % 6], (uint8_t)(r >> 5));
            break;
        case 1:
            (void)in(port_list[(r >> 2) % 6]);
            break;
        case 2:
            i8259_set_irq(&pic, (int)((r >> 2) % 18) - 1, (r >> 7) & 1);
            break;
        default: {
            int v = i8259_acknowledge(&pic);
            CHECK(v >= 0 && v <= 255);
            break;
        }
        }
    }
    for (int irq = 0; irq < 16; irq++) {
        i8259_set_irq(&pic, irq, false);
    }
    out(0x4d0, 0);
    out(0x4d1, 0);
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x01);
    out(0xa0, 0x11);
    out(0xa1, 0x28);
    out(0xa1, 0x02);
    out(0xa1, 0x01);
    CHECK(!intr);
    i8259_set_irq(&pic, 14, true);
    CHECK_EQ(i8259_acknowledge(&pic), 0x2e);
    port_space_free(ports);
}

static void test_hw_i8259_state_round_trip(void)
{
    setup();
    out(0x21, 0x5a);
    i8259_set_irq(&pic, 9, true);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&i8259_state_desc, &pic, &a), 0);
    i8259_reset(&pic);
    intr = false;
    char err[100];
    CHECK_EQ(state_load(&i8259_state_desc, &pic, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK(intr);
    CHECK_EQ(in(0x21), 0x5a);
    CHECK_EQ(state_save(&i8259_state_desc, &pic, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    /* Behaviour continues identically: the slave's IR1 is delivered. */
    CHECK_EQ(i8259_acknowledge(&pic), 0x29);
    /* The stream (snapshot/state.h): table version, element version, then the master's
     * fields in table order; the IMR is the third. */
    size_t at = 2 + 2 + 2;
    CHECK_EQ(a.data[at], 0x5a);
    uint8_t saved = a.data[at + 8];               /* master "lowest" (irr isr imr ... lowest) */
    CHECK_EQ(saved, 7);
    a.data[at + 8] = 9;
    CHECK_EQ(state_load(&i8259_state_desc, &pic, a.data, a.len, err, sizeof(err)), -1);
    a.data[at + 8] = saved;
    a.data[at + 7] = 1;                           /* init step 1 does not exist */
    CHECK_EQ(state_load(&i8259_state_desc, &pic, a.data, a.len, err, sizeof(err)), -1);
    a.data[at + 7] = 0;
    a.data[at + 3] = 0x21;                        /* a vector base with low bits */
    CHECK_EQ(state_load(&i8259_state_desc, &pic, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_i8259_priority_and_eoi),
    CHECK_TEST(test_hw_i8259_mask_and_withdrawn_request),
    CHECK_TEST(test_hw_i8259_cascade),
    CHECK_TEST(test_hw_i8259_level_and_elcr),
    CHECK_TEST(test_hw_i8259_poll_rotate_aeoi_smm),
    CHECK_TEST(test_hw_i8259_auto_eoi),
    CHECK_TEST(test_hw_i8259_reset_values),
    CHECK_TEST(test_hw_i8259_icw1_resets_and_short_sequence),
    CHECK_TEST(test_hw_i8259_rotation),
    CHECK_TEST(test_hw_i8259_auto_eoi_rotate),
    CHECK_TEST(test_hw_i8259_poll_data_port),
    CHECK_TEST(test_hw_i8259_special_fully_nested),
    CHECK_TEST(test_hw_i8259_ltim_level),
    CHECK_TEST(test_hw_i8259_spurious_slave),
    CHECK_TEST(test_hw_i8259_bad_widths),
    CHECK_TEST(test_hw_i8259_random_storm),
    CHECK_TEST(test_hw_i8259_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
