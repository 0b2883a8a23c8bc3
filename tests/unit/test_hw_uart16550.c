/*
 * tests/unit/test_hw_uart16550.c: the 16550 UART against the PC16550D datasheet: reset values
 * (table 3), the divisor latch, loopback, the interrupt identification priorities (table 4),
 * FIFO trigger levels and the character timeout on the virtual clock, overrun, the THRE
 * interrupt and its re-arming, OUT2 gating IRQ 4, and the probe sequence of Linux's 8250
 * driver (scratch register, FIFO detection).
 */
#include <string.h>

#include "check.h"
#include "hw/char/uart16550.h"
#include "snapshot/state.h"

#define BASE 0x3f8

static uint64_t fake_ns;
static VirtualClock clk;
static PortSpace *ports;
static UartState u;
static bool irq;
static uint8_t sent[64];
static size_t nsent;

static uint64_t read_ns(void *o) { (void)o; return fake_ns; }
static void irq_handler(void *o, int n, bool level) { (void)o; (void)n; irq = level; }

static void host_write(void *o, const uint8_t *buf, size_t len)
{
    (void)o;
    for (size_t i = 0; i < len && nsent < sizeof(sent); i++) {
        sent[nsent++] = buf[i];
    }
}

static void setup(void)
{
    fake_ns = 0;
    clock_init(&clk, CLOCK_ICOUNT, 0);
    clk.icount = read_ns;
    clock_start(&clk);
    ports = port_space_new();
    memset(&u, 0, sizeof(u));
    irq = false;
    nsent = 0;
    CHECK_EQ(uart_init(&u, ports, BASE, &clk, irq_line(irq_handler, NULL, 4)), 0);
    u.write = host_write;
}

static uint8_t rd(unsigned r) { return (uint8_t)port_read(ports, BASE + r, 1); }
static void wr(unsigned r, uint8_t v) { port_write(ports, BASE + r, v, 1); }

static void test_hw_uart16550_reset_values(void)
{
    setup();
    CHECK_EQ(rd(UART_IER), 0);
    CHECK_EQ(rd(UART_IIR), 0x01);          /* no interrupt, FIFOs off */
    CHECK_EQ(rd(UART_LCR), 0);
    CHECK_EQ(rd(UART_MCR), 0);
    CHECK_EQ(rd(UART_LSR), 0x60);          /* THRE and TEMT */
    CHECK_EQ(rd(UART_MSR) & 0xf0, 0xb0);   /* DCD, DSR, CTS from the host side */
    port_space_free(ports);
}

static void test_hw_uart16550_divisor_and_transmit(void)
{
    setup();
    wr(UART_LCR, 0x83);                    /* DLAB, 8N1 */
    wr(UART_DLL, 0x01);
    wr(UART_DLM, 0x00);
    CHECK_EQ(rd(UART_DLL), 1);
    wr(UART_LCR, 0x03);
    wr(UART_THR, 'h');
    wr(UART_THR, 'i');
    CHECK_EQ(nsent, 2);
    CHECK(memcmp(sent, "hi", 2) == 0);
    CHECK_EQ(rd(UART_LSR) & 0x60, 0x60);   /* empty again at once */
    port_space_free(ports);
}

static void test_hw_uart16550_loopback(void)
{
    setup();
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
    wr(UART_THR, 0x5a);
    CHECK_EQ(nsent, 0);                    /* nothing reaches the host */
    CHECK(rd(UART_LSR) & UART_LSR_DR);
    CHECK_EQ(rd(UART_RBR), 0x5a);
    /* Modem outputs loop to the inputs: RTS->CTS, OUT1->RI; DTR off -> DSR off. */
    CHECK_EQ(rd(UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_RI);
    wr(UART_THR, 1);
    wr(UART_THR, 2);                       /* no FIFO: overrun */
    CHECK(rd(UART_LSR) & UART_LSR_OE);
    CHECK_EQ(rd(UART_LSR) & UART_LSR_OE, 0); /* cleared by the read */
    port_space_free(ports);
}

static void test_hw_uart16550_interrupts(void)
{
    setup();
    wr(UART_MCR, UART_MCR_OUT2);
    wr(UART_IER, UART_IER_THRE);           /* enabling with THR empty raises it */
    CHECK(irq);
    CHECK_EQ(rd(UART_IIR), UART_IIR_THRE);
    CHECK(!irq);                           /* the IIR read cleared it */
    CHECK_EQ(rd(UART_IIR), UART_IIR_NO_INT);
    wr(UART_THR, 'x');                     /* transmitted: THR empty again */
    CHECK(irq);
    wr(UART_IER, UART_IER_THRE | UART_IER_RDA);
    uint8_t b = 'a';
    CHECK_EQ(uart_receive(&u, &b, 1), 1);
    CHECK_EQ(rd(UART_IIR), UART_IIR_RDA);  /* received data outranks THRE */
    CHECK_EQ(rd(UART_RBR), 'a');
    CHECK_EQ(rd(UART_IIR), UART_IIR_THRE);
    /* OUT2 clear: the line stays low whatever is pending. */
    wr(UART_THR, 'y');
    wr(UART_MCR, 0);
    CHECK(!irq);
    wr(UART_MCR, UART_MCR_OUT2);
    CHECK(irq);
    port_space_free(ports);
}

static void test_hw_uart16550_fifo_trigger_and_timeout(void)
{
    setup();
    wr(UART_LCR, 0x83);
    wr(UART_DLL, 12);                      /* 9600 baud: a character (10 bits) ~1.04 ms */
    wr(UART_LCR, 0x03);
    wr(UART_FCR, 0x87);                    /* FIFO on, cleared, trigger 8 */
    CHECK_EQ(rd(UART_IIR) & 0xc0, 0xc0);   /* FIFOs enabled */
    wr(UART_MCR, UART_MCR_OUT2);
    wr(UART_IER, UART_IER_RDA);
    CHECK_EQ(uart_can_receive(&u), 16);
    uint8_t data[20];
    for (int i = 0; i < 20; i++) {
        data[i] = (uint8_t)('A' + i);
    }
    CHECK_EQ(uart_receive(&u, data, 5), 5);
    CHECK(!irq);                           /* below the trigger */
    /* Four character times: 4 * 10 bits * 12 * 16 / 1843200 s = 4.1667 ms. */
    fake_ns += 4166000;
    clock_run_timers(&clk);
    CHECK(!irq);
    fake_ns += 2000;
    clock_run_timers(&clk);
    CHECK(irq);
    CHECK_EQ(rd(UART_IIR) & 0x0f, UART_IIR_TIMEOUT);
    CHECK_EQ(rd(UART_RBR), 'A');           /* a read restarts the timeout */
    CHECK(!irq);
    CHECK_EQ(uart_receive(&u, data + 5, 15), 12); /* only what fits */
    CHECK(irq);
    CHECK_EQ(rd(UART_IIR) & 0x0f, UART_IIR_RDA);
    wr(UART_FCR, 0x03);                    /* clear: empty, FIFO stays on */
    CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, 0);
    port_space_free(ports);
}

static void test_hw_uart16550_linux_probe(void)
{
    setup();
    /* 8250 autoconfig: the scratch register holds what is written. */
    wr(UART_SCR, 0xa5);
    CHECK_EQ(rd(UART_SCR), 0xa5);
    wr(UART_SCR, 0x5a);
    CHECK_EQ(rd(UART_SCR), 0x5a);
    /* IER reads back its low four bits only. */
    wr(UART_IER, 0xff);
    CHECK_EQ(rd(UART_IER), 0x0f);
    wr(UART_IER, 0);
    /* FIFO detection: FCR enable, IIR bits 7:6 = 11 means a 16550A. */
    wr(UART_FCR, UART_FCR_ENABLE);
    CHECK_EQ(rd(UART_IIR) >> 6, 3);
    wr(UART_FCR, 0);
    CHECK_EQ(rd(UART_IIR) >> 6, 0);
    /* Loopback check: MSR follows MCR (0x1a: loop, OUT2, RTS -> DCD, CTS). */
    wr(UART_MCR, 0x1a);
    CHECK_EQ(rd(UART_MSR) & 0xf0, 0x90);
    port_space_free(ports);
}

static void test_hw_uart16550_state_round_trip(void)
{
    setup();
    wr(UART_FCR, 0x01);
    wr(UART_MCR, UART_MCR_OUT2);
    wr(UART_IER, UART_IER_RDA);
    CHECK_EQ(uart_receive(&u, (const uint8_t *)"xyz", 3), 3);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&uart_state_desc, &u, &a), 0);
    uart_reset(&u);
    irq = false;
    char err[100];
    CHECK_EQ(state_load(&uart_state_desc, &u, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK(irq);
    CHECK_EQ(state_save(&uart_state_desc, &u, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK_EQ(rd(UART_RBR), 'x');
    a.data[2 + 16 + 1] = 17;               /* rx_count beyond the FIFO */
    CHECK_EQ(state_load(&uart_state_desc, &u, a.data, a.len, err, sizeof(err)), -1);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_uart16550_reset_values),
    CHECK_TEST(test_hw_uart16550_divisor_and_transmit),
    CHECK_TEST(test_hw_uart16550_loopback),
    CHECK_TEST(test_hw_uart16550_interrupts),
    CHECK_TEST(test_hw_uart16550_fifo_trigger_and_timeout),
    CHECK_TEST(test_hw_uart16550_linux_probe),
    CHECK_TEST(test_hw_uart16550_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
