/* hw/char/uart16550.c: the 16550 UART (see uart16550.h for the datasheet sections). */
#include "hw/char/uart16550.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define IER_WRITABLE 0x0fu
#define MCR_WRITABLE 0x1fu
#define FCR_TRIGGER_SHIFT 6
#define MSR_DELTAS 0x0fu
/* The host side of the line: carrier, data set ready and clear to send are up. */
#define HOST_MODEM_INPUTS (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static const uint8_t rx_trigger[4] = {1, 4, 8, 14};

static bool is_fifo(const UartState *s)
{
    return (s->fcr & UART_FCR_ENABLE) != 0;
}

static size_t rx_capacity(const UartState *s)
{
    return is_fifo(s) ? UART_FIFO_SIZE : 1;
}

/* The pending interrupt with the highest priority (datasheet table 4), as IIR bits 3:0. */
static uint8_t pending_interrupt(const UartState *s)
{
    if ((s->ier & UART_IER_RLS) && (s->lsr & UART_LSR_OE)) {
        return UART_IIR_RLS;
    }
    if (s->ier & UART_IER_RDA) {
        unsigned trigger = is_fifo(s) ? rx_trigger[s->fcr >> FCR_TRIGGER_SHIFT] : 1;
        if (s->rx_count >= trigger) {
            return UART_IIR_RDA;
        }
        if (s->is_timeout && s->rx_count) {
            return UART_IIR_TIMEOUT;
        }
    }
    if ((s->ier & UART_IER_THRE) && s->is_thre_pending) {
        return UART_IIR_THRE;
    }
    if ((s->ier & UART_IER_MS) && (s->msr & MSR_DELTAS)) {
        return UART_IIR_MS;
    }
    return UART_IIR_NO_INT;
}

/* OUT2 gates the interrupt on the PC; in loopback the OUT2 pin is inactive. */
static void update_irq(UartState *s)
{
    bool is_wired = (s->mcr & UART_MCR_OUT2) && !(s->mcr & UART_MCR_LOOP);
    irq_set(&s->irq, is_wired && pending_interrupt(s) != UART_IIR_NO_INT);
}

/* Four character times of the current line settings (datasheet §8.6.1). */
static int64_t timeout_ns(const UartState *s)
{
    unsigned data = 5 + (s->lcr & 3), parity = (s->lcr >> 3) & 1, stop = (s->lcr & 4) ? 2 : 1;
    uint64_t bits = 1 + data + parity + stop;
    uint64_t divisor = s->divisor ? s->divisor : 65536;
    return (int64_t)(4 * bits * divisor * 16 * 1000000000ull / UART_CLOCK_HZ);
}

static void restart_timeout(UartState *s)
{
    s->is_timeout = false;
    if (is_fifo(s) && s->rx_count) {
        timer_mod_ns(&s->timeout, clock_now_ns(s->clock) + timeout_ns(s));
    } else {
        timer_del(&s->timeout);
    }
}

static void timeout_fired(void *opaque)
{
    UartState *s = opaque;
    s->is_timeout = true;
    update_irq(s);
}

static void rx_push(UartState *s, uint8_t b)
{
    if (s->rx_count >= rx_capacity(s)) {
        s->lsr |= UART_LSR_OE; /* the byte in the shift register is lost */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = b;
    s->rx_count++;
    s->lsr |= UART_LSR_DR;
}

/* Modem status: the host's inputs, or in loopback the MCR outputs (RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD); changes set the delta bits (a falling RI sets TERI). */
static void update_msr(UartState *s)
{
    uint8_t in = s->modem_inputs;
    if (s->mcr & UART_MCR_LOOP) {
        in = (uint8_t)(((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
                       ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
                       ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
                       ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
    }
    uint8_t old = s->msr, delta = 0;
    if ((old ^ in) & UART_MSR_CTS) {
        delta |= UART_MSR_DCTS;
    }
    if ((old ^ in) & UART_MSR_DSR) {
        delta |= UART_MSR_DDSR;
    }
    if ((old & UART_MSR_RI) && !(in & UART_MSR_RI)) {
        delta |= UART_MSR_TERI;
    }
    if ((old ^ in) & UART_MSR_DCD) {
        delta |= UART_MSR_DDCD;
    }
    s->msr = (uint8_t)((in & 0xf0) | ((old | delta) & MSR_DELTAS));
}

static void transmit(UartState *s, uint8_t b)
{
    if (s->mcr & UART_MCR_LOOP) {
        rx_push(s, b);
        restart_timeout(s);
    } else if (s->write) {
        s->write(s->write_opaque, &b, 1);
    }
    s->is_thre_pending = true; /* THR and the shift register are empty again at once */
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    UartState *s = opaque;
    uint8_t v = 0;
    (void)size;
    switch (offset) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            v = (uint8_t)s->divisor;
        } else if (s->rx_count) {
            v = s->rx[s->rx_head];
            s->rx_head = (uint8_t)((s->rx_head + 1) % UART_FIFO_SIZE);
            s->rx_count--;
            if (!s->rx_count) {
                s->lsr &= (uint8_t)~UART_LSR_DR;
            }
            restart_timeout(s);
        }
        break;
    case UART_IER:
        v = (s->lcr & UART_LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
        break;
    case UART_IIR: {
        uint8_t id = pending_interrupt(s);
        v = (uint8_t)(id | (is_fifo(s) ? UART_IIR_FIFO : 0));
        if (id == UART_IIR_THRE) {
            s->is_thre_pending = false; /* reading IIR clears a THRE interrupt it reports */
        }
        break;
    }
    case UART_LCR:
        v = s->lcr;
        break;
    case UART_MCR:
        v = s->mcr;
        break;
    case UART_LSR:
        v = s->lsr;
        s->lsr &= (uint8_t)~UART_LSR_OE;
        break;
    case UART_MSR:
        v = s->msr;
        s->msr &= (uint8_t)~MSR_DELTAS;
        break;
    default:
        v = s->scr;
        break;
    }
    update_irq(s);
    return v;
}

static void write_fcr(UartState *s, uint8_t v)
{
    bool was_fifo = is_fifo(s);
    if ((v & UART_FCR_ENABLE) != was_fifo || (v & UART_FCR_CLEAR_RX)) {
        s->rx_count = 0;
        s->rx_head = 0;
        s->lsr &= (uint8_t)~UART_LSR_DR;
    }
    s->fcr = v & 0xc9; /* enable, DMA mode select, trigger level; the reset bits self-clear */
    restart_timeout(s);
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    UartState *s = opaque;
    uint8_t v = (uint8_t)value;
    (void)size;
    switch (offset) {
    case UART_THR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
        } else {
            transmit(s, v);
        }
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | v << 8);
        } else {
            /* Enabling the THRE interrupt with THR empty raises it (datasheet §8.4). */
            if ((v & UART_IER_THRE) && !(s->ier & UART_IER_THRE)) {
                s->is_thre_pending = true;
            }
            s->ier = v & IER_WRITABLE;
        }
        break;
    case UART_FCR:
        write_fcr(s, v);
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        s->mcr = v & MCR_WRITABLE;
        update_msr(s);
        break;
    case UART_LSR:
    case UART_MSR:
        log_guest_error("uart: write %#x to read-only register %llu", v,
                        (unsigned long long)offset);
        break;
    default:
        s->scr = v;
        break;
    }
    update_irq(s);
}

static const IoOps uart_ops = {
    .read = uart_read, .write = uart_write, .min_size = 1, .max_size = 1,
};

size_t uart_can_receive(const UartState *s)
{
    if (s->mcr & UART_MCR_LOOP) {
        return 0; /* the receiver listens to the transmitter */
    }
    return rx_capacity(s) - s->rx_count;
}

size_t uart_receive(UartState *s, const uint8_t *buf, size_t len)
{
    size_t n = uart_can_receive(s);
    n = len < n ? len : n;
    for (size_t i = 0; i < n; i++) {
        rx_push(s, buf[i]);
    }
    if (n) {
        restart_timeout(s);
        update_irq(s);
    }
    return n;
}

void uart_reset(UartState *s)
{
    s->rx_head = s->rx_count = 0;
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->scr = 0;
    s->fcr = 0;
    s->divisor = 0;
    s->is_thre_pending = false;
    s->is_timeout = false;
    s->modem_inputs = HOST_MODEM_INPUTS;
    s->msr = HOST_MODEM_INPUTS;
    timer_del(&s->timeout);
    update_irq(s);
}

static int uart_post_load(void *opaque, char *err, size_t err_size)
{
    UartState *s = opaque;
    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > UART_FIFO_SIZE ||
        (!(s->fcr & UART_FCR_ENABLE) && s->rx_count > 1)) {
        snprintf(err, err_size, "receive FIFO head %u count %u out of range", s->rx_head,
                 s->rx_count);
        return -1;
    }
    s->ier &= IER_WRITABLE;
    s->mcr &= MCR_WRITABLE;
    if (s->clock) {
        restart_timeout(s);
        update_irq(s);
    }
    return 0;
}

static const StateField uart_fields[] = {
    STATE_UINT_ARRAY(UartState, rx, UART_FIFO_SIZE),
    STATE_U8(UartState, rx_head),
    STATE_U8(UartState, rx_count),
    STATE_U8(UartState, ier),
    STATE_U8(UartState, lcr),
    STATE_U8(UartState, mcr),
    STATE_U8(UartState, lsr),
    STATE_U8(UartState, msr),
    STATE_U8(UartState, scr),
    STATE_U8(UartState, fcr),
    STATE_U16(UartState, divisor),
    STATE_BOOL(UartState, is_thre_pending),
    STATE_BOOL(UartState, is_timeout),
    STATE_U8(UartState, modem_inputs),
    STATE_END,
};

const StateDesc uart_state_desc = {
    .name = "uart", .version = 1, .min_version = 1, .fields = uart_fields,
    .post_load = uart_post_load,
};

int uart_init(UartState *s, PortSpace *ports, uint16_t base, VirtualClock *clock, IrqLine irq)
{
    s->clock = clock;
    s->irq = irq;
    timer_init(&s->timeout, clock, timeout_fired, s);
    uart_reset(s);
    return port_space_register(ports, base, 8, &uart_ops, s);
}
