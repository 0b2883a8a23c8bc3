/*
 * tests/unit/test_hw_i8042.c: the 8042 controller's commands, status and interrupts, the A20
 * and reset lines, and the PS/2 keyboard and mouse command sets, with the values the IBM AT and
 * PS/2 technical references give; and the probe sequences Linux's i8042 and atkbd/psmouse
 * drivers use.
 */
#include <string.h>

#include "check.h"
#include "hw/input/i8042.h"
#include "snapshot/state.h"

static PortSpace *ports;
static I8042State kc;
static bool irq1, irq12, a20 = true;
static unsigned resets, irq1_edges;

static void irq_handler(void *o, int n, bool level)
{
    (void)o;
    if (n == 1) {
        irq1_edges += level && !irq1;
        irq1 = level;
    } else {
        irq12 = level;
    }
}

static void on_a20(void *o, bool en) { (void)o; a20 = en; }
static void on_reset(void *o) { (void)o; resets++; }

static void setup(void)
{
    ports = port_space_new();
    memset(&kc, 0, sizeof(kc));
    irq1 = irq12 = false;
    a20 = true;
    resets = 0;
    kc.set_a20 = on_a20;
    kc.reset = on_reset;
    CHECK_EQ(i8042_init(&kc, ports, irq_line(irq_handler, NULL, 1), irq_line(irq_handler, NULL, 12)),
             0);
}

static uint8_t status(void) { return (uint8_t)port_read(ports, 0x64, 1); }
static uint8_t data(void) { return (uint8_t)port_read(ports, 0x60, 1); }
static void cmd(uint8_t c) { port_write(ports, 0x64, c, 1); }
static void put(uint8_t b) { port_write(ports, 0x60, b, 1); }

/* Sample rates 200, 100, 80: the IntelliMouse knock that makes the mouse's ID 3. */
static void intellimouse_knock(void)
{
    static const uint8_t rates[3] = {200, 100, 80};
    for (unsigned i = 0; i < 3; i++) {
        cmd(0xd4);
        put(0xf3);
        cmd(0xd4);
        put(rates[i]);
    }
}

/* Reads every waiting byte into out; returns how many. */
static unsigned drain(uint8_t *out, unsigned max)
{
    unsigned n = 0;
    while ((status() & I8042_STR_OBF) && n < max) {
        out[n++] = data();
    }
    return n;
}

static void test_hw_i8042_controller_commands(void)
{
    setup();
    CHECK_EQ(status() & (I8042_STR_OBF | I8042_STR_IBF), 0);
    cmd(0xaa);                               /* self test */
    CHECK(status() & I8042_STR_OBF);
    CHECK_EQ(data(), 0x55);
    CHECK_EQ(status() & I8042_STR_OBF, 0);
    cmd(0xab);
    CHECK_EQ(data(), 0x00);                  /* keyboard interface test */
    cmd(0xa9);
    CHECK_EQ(data(), 0x00);                  /* aux interface test */
    cmd(0x60);
    put(0x65);                               /* write the command byte */
    cmd(0x20);
    CHECK_EQ(data(), 0x65);
    CHECK(status() & I8042_STR_CMD);         /* the last write went to port 64h */
    cmd(0xad);
    cmd(0x20);
    CHECK_EQ(data() & I8042_CCB_KBD_DISABLE, I8042_CCB_KBD_DISABLE);
    port_space_free(ports);
}

static void test_hw_i8042_a20_and_reset(void)
{
    setup();
    cmd(0xd0);
    CHECK_EQ(data() & 3, 3);                 /* reset line high, A20 on */
    cmd(0xd1);
    put(0x01);                               /* A20 off */
    CHECK(!a20);
    cmd(0xdf);
    CHECK(a20);
    CHECK_EQ(resets, 0);
    cmd(0xfe);                               /* pulse bit 0: system reset */
    CHECK_EQ(resets, 1);
    cmd(0xff);                               /* pulse nothing */
    CHECK_EQ(resets, 1);
    cmd(0xd1);
    put(0x02);                               /* reset line driven low */
    CHECK_EQ(resets, 2);
    port_space_free(ports);
}

static void test_hw_i8042_keyboard(void)
{
    setup();
    uint8_t b[8];
    put(0xff);                               /* reset: ACK, BAT passed */
    CHECK_EQ(drain(b, 8), 2);
    CHECK(b[0] == 0xfa && b[1] == 0xaa);
    put(0xf2);                               /* identify: MF2 keyboard */
    CHECK_EQ(drain(b, 8), 3);
    CHECK(b[0] == 0xfa && b[1] == 0xab && b[2] == 0x83);
    put(0xf0);
    put(0x00);                               /* get scan code set */
    CHECK_EQ(drain(b, 8), 3);
    CHECK(b[0] == 0xfa && b[1] == 0xfa && b[2] == 2);
    put(0xed);
    put(0x07);
    CHECK_EQ(drain(b, 8), 2);
    CHECK_EQ(kc.kbd_leds, 7);
    put(0xee);
    CHECK_EQ(drain(b, 8), 1);
    CHECK_EQ(b[0], 0xee);                    /* echo */
    put(0x12);                               /* not a command */
    CHECK_EQ(drain(b, 8), 1);
    CHECK_EQ(b[0], 0xfe);
    port_space_free(ports);
}

static void test_hw_i8042_mouse(void)
{
    setup();
    uint8_t b[8];
    cmd(0xd4);
    put(0xff);                               /* reset: ACK, BAT, ID 0 */
    CHECK(status() & I8042_STR_AUX);
    CHECK(irq12 && !irq1);
    CHECK_EQ(drain(b, 8), 3);
    CHECK(b[0] == 0xfa && b[1] == 0xaa && b[2] == 0x00);
    CHECK(!irq12);
    intellimouse_knock();
    CHECK_EQ(drain(b, 8), 6);
    cmd(0xd4);
    put(0xf2);
    CHECK_EQ(drain(b, 8), 2);
    CHECK_EQ(b[1], 3);                       /* IntelliMouse */
    cmd(0xd4);
    put(0xe9);                               /* status: stream, disabled, 1:1; res; rate */
    CHECK_EQ(drain(b, 8), 4);
    CHECK(b[1] == 0x00 && b[2] == 2 && b[3] == 80);
    cmd(0xa7);                               /* aux disabled: its bytes wait */
    cmd(0xd4);
    put(0xf4);
    CHECK_EQ(status() & I8042_STR_OBF, 0);
    cmd(0xa8);
    CHECK_EQ(drain(b, 8), 1);
    CHECK_EQ(b[0], 0xfa);
    port_space_free(ports);
}

/* Host keys: set 2 with F0h breaks; set 1 through the controller's XLAT; set 1 chosen on the
 * keyboard; E0h keys; Pause; nothing while the keyboard is disabled (F5h). Codes from the
 * PC AT keyboard tables: 'A' 1Eh / 1Ch, Up E0h 48h / E0h 75h, F7 41h / 83h. */
static void test_hw_i8042_host_keys(void)
{
    setup();
    uint8_t b[16];
    put(0xff);
    drain(b, 16);
    cmd(0x60);
    put(0x01);                               /* command byte: IRQ 1, no XLAT */
    i8042_key_event(&kc, 0x1e, true);
    i8042_key_event(&kc, 0x1e, false);
    CHECK_EQ(drain(b, 16), 3);
    CHECK(b[0] == 0x1c && b[1] == 0xf0 && b[2] == 0x1c);
    i8042_key_event(&kc, I8042_KEY_E0 | 0x48, false);
    CHECK_EQ(drain(b, 16), 3);
    CHECK(b[0] == 0xe0 && b[1] == 0xf0 && b[2] == 0x75);
    i8042_key_event(&kc, 0x41, true);
    CHECK_EQ(drain(b, 16), 1);
    CHECK_EQ(b[0], 0x83);
    cmd(0x60);
    put(0x41);                               /* XLAT on: set 1 on the wire */
    i8042_key_event(&kc, 0x1e, true);
    i8042_key_event(&kc, 0x1e, false);
    i8042_key_event(&kc, I8042_KEY_E0 | 0x48, true);
    CHECK_EQ(drain(b, 16), 4);
    CHECK(b[0] == 0x1e && b[1] == 0x9e && b[2] == 0xe0 && b[3] == 0x48);
    i8042_key_event(&kc, I8042_KEY_PAUSE, true);
    i8042_key_event(&kc, I8042_KEY_PAUSE, false);
    CHECK_EQ(drain(b, 16), 6);
    CHECK(b[0] == 0xe1 && b[1] == 0x1d && b[2] == 0x45 && b[5] == 0xc5);
    cmd(0x60);
    put(0x01);
    put(0xf0);
    put(0x01);                               /* the keyboard itself in set 1 */
    drain(b, 16);
    i8042_key_event(&kc, 0x1c, false);
    CHECK_EQ(drain(b, 16), 1);
    CHECK_EQ(b[0], 0x9c);
    i8042_key_event(&kc, 0x7f, true);        /* no such key */
    i8042_key_event(&kc, 0x5a, true);
    CHECK_EQ(drain(b, 16), 0);
    put(0xf5);                               /* disabled: keys are not sent */
    drain(b, 16);
    i8042_key_event(&kc, 0x1e, true);
    CHECK_EQ(drain(b, 16), 0);
    for (unsigned i = 0; i < 40; i++) {      /* a full buffer loses keys, not half sequences */
        put(0xf4);
        drain(b, 16);
        for (unsigned k = 0; k < 20; k++) {
            i8042_key_event(&kc, I8042_KEY_E0 | 0x48, k & 1);
        }
        CHECK_EQ(drain(b, 16) % 2, 0);
    }
    port_space_free(ports);
}

/* Host mouse motion: stream packets once reporting is enabled, y counted upwards, 9-bit
 * movements clamped, the wheel byte after the IntelliMouse knock. */
static void test_hw_i8042_host_mouse(void)
{
    setup();
    uint8_t b[16];
    i8042_mouse_event(&kc, 5, 5, 0, 0);      /* reporting disabled: nothing */
    CHECK_EQ(drain(b, 16), 0);
    cmd(0xd4);
    put(0xf4);
    drain(b, 16);
    i8042_mouse_event(&kc, 5, -3, 0, I8042_BUTTON_LEFT);
    CHECK_EQ(drain(b, 16), 3);
    CHECK(b[0] == 0x09 && b[1] == 5 && b[2] == 3);
    i8042_mouse_event(&kc, -1000, 7, 0, I8042_BUTTON_RIGHT);
    CHECK_EQ(drain(b, 16), 3);
    CHECK(b[0] == 0x3a && b[1] == 0x00 && b[2] == 0xf9);
    intellimouse_knock();
    drain(b, 16);
    i8042_mouse_event(&kc, 0, 0, 2, 0);
    CHECK_EQ(drain(b, 16), 4);
    CHECK_EQ(b[3], 2);
    cmd(0xd4);
    put(0xf0);                               /* remote mode: no stream packets */
    drain(b, 16);
    i8042_mouse_event(&kc, 1, 1, 0, 0);
    CHECK_EQ(drain(b, 16), 0);
    port_space_free(ports);
}

/* ISA interrupts are edge-triggered: with a second byte waiting, reading the first must drop
 * IRQ 1 and raise it again, one edge a byte (a held line would never interrupt again). */
static void test_hw_i8042_irq_edge_per_byte(void)
{
    setup();
    uint8_t b[8];
    put(0xff);
    drain(b, 8);
    cmd(0x60);
    put(0x01);
    irq1_edges = 0;
    put(0xf2);                               /* ACK, AB, 83: three bytes queued */
    CHECK(irq1);
    CHECK_EQ(irq1_edges, 1);
    CHECK_EQ(drain(b, 8), 3);
    CHECK_EQ(irq1_edges, 3);
    CHECK(!irq1);
    port_space_free(ports);
}

static void test_hw_i8042_irq_follows_command_byte(void)
{
    setup();
    cmd(0x60);
    put(0x44);                               /* interrupts off */
    cmd(0xaa);
    CHECK(!irq1);
    CHECK(status() & I8042_STR_OBF);
    cmd(0x60);
    put(0x45);                               /* enabling IRQ 1 with a byte waiting raises it */
    CHECK(irq1);
    CHECK_EQ(data(), 0x55);
    CHECK(!irq1);
    port_space_free(ports);
}

static void test_hw_i8042_state_round_trip(void)
{
    setup();
    put(0xf2);                               /* three bytes queued, one in the buffer */
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&i8042_state_desc, &kc, &a), 0);
    i8042_reset(&kc);
    char err[100];
    CHECK_EQ(state_load(&i8042_state_desc, &kc, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&i8042_state_desc, &kc, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    uint8_t r[4];
    CHECK_EQ(drain(r, 4), 3);
    CHECK(r[0] == 0xfa && r[1] == 0xab && r[2] == 0x83);
    a.data[2 + 5 + 2 + 16] = 20;             /* kbd queue head (after its version, data) */
    CHECK_EQ(state_load(&i8042_state_desc, &kc, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_i8042_controller_commands),
    CHECK_TEST(test_hw_i8042_a20_and_reset),
    CHECK_TEST(test_hw_i8042_keyboard),
    CHECK_TEST(test_hw_i8042_mouse),
    CHECK_TEST(test_hw_i8042_host_keys),
    CHECK_TEST(test_hw_i8042_host_mouse),
    CHECK_TEST(test_hw_i8042_irq_edge_per_byte),
    CHECK_TEST(test_hw_i8042_irq_follows_command_byte),
    CHECK_TEST(test_hw_i8042_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
