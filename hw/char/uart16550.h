/*
 * hw/char/uart16550.h: the National Semiconductor PC16550D UART (datasheet, June 1995: §8
 * "Registers" — RBR/THR, IER, IIR with its priority table 4, FCR, LCR, MCR, LSR, MSR, SCR,
 * DLL/DLM; §8.6 FIFO interrupt mode and the character timeout). COM1 is 3F8h, IRQ 4.
 *
 * Transmission completes at once: a byte written to THR goes to the host back end (or, in
 * loopback, to the receiver) and THR and the shift register are empty again, as a fast line
 * would leave them. Reception is paced by the host: the board offers bytes with
 * uart_receive(), which takes what the receive FIFO (16 bytes, or the single RBR) has room
 * for. The character timeout (four character times of the programmed baud rate and frame
 * without a read or a new byte) runs on the virtual clock. On the PC, MCR.OUT2 gates the
 * interrupt line to the interrupt controller.
 *
 * Not modelled: the baud-rate timing of transmission, break and parity/framing errors on input
 * (the host sends clean bytes), DMA mode signalling (FCR bit 3 is stored).
 */
#ifndef VIREO_HW_CHAR_UART16550_H
#define VIREO_HW_CHAR_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/clock.h"
#include "system/irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_FIFO_SIZE 16
#define UART_CLOCK_HZ 1843200u /* the PC's crystal: divisor 1 = 115200 baud */

/* Register offsets (DLAB selects DLL/DLM at 0 and 1). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_IIR = 2,
    UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

enum {
    UART_IER_RDA = 1u << 0, UART_IER_THRE = 1u << 1, UART_IER_RLS = 1u << 2,
    UART_IER_MS = 1u << 3,
    UART_IIR_NO_INT = 1u << 0, UART_IIR_MS = 0x00, UART_IIR_THRE = 0x02, UART_IIR_RDA = 0x04,
    UART_IIR_RLS = 0x06, UART_IIR_TIMEOUT = 0x0c, UART_IIR_FIFO = 0xc0,
    UART_FCR_ENABLE = 1u << 0, UART_FCR_CLEAR_RX = 1u << 1, UART_FCR_CLEAR_TX = 1u << 2,
    UART_LCR_DLAB = 1u << 7,
    UART_MCR_DTR = 1u << 0, UART_MCR_RTS = 1u << 1, UART_MCR_OUT1 = 1u << 2,
    UART_MCR_OUT2 = 1u << 3, UART_MCR_LOOP = 1u << 4,
    UART_LSR_DR = 1u << 0, UART_LSR_OE = 1u << 1, UART_LSR_THRE = 1u << 5,
    UART_LSR_TEMT = 1u << 6, UART_LSR_FIFO_ERR = 1u << 7,
    UART_MSR_DCTS = 1u << 0, UART_MSR_DDSR = 1u << 1, UART_MSR_TERI = 1u << 2,
    UART_MSR_DDCD = 1u << 3, UART_MSR_CTS = 1u << 4, UART_MSR_DSR = 1u << 5,
    UART_MSR_RI = 1u << 6, UART_MSR_DCD = 1u << 7,
};

typedef struct UartState {
    uint8_t rx[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint16_t divisor;
    bool is_thre_pending;  /* the THR-empty interrupt is raised (cleared by an IIR read) */
    bool is_timeout;       /* the character timeout expired with data waiting */
    uint8_t modem_inputs;  /* CTS, DSR, RI, DCD from the host side (MSR bits 7:4) */
    /* Host-side plumbing, not saved. */
    IrqLine irq;
    VirtualClock *clock;
    Timer timeout;
    void (*write)(void *opaque, const uint8_t *buf, size_t len); /* to the host; NULL: dropped */
    void *write_opaque;
} UartState;

extern const StateDesc uart_state_desc;

int uart_init(UartState *s, PortSpace *ports, uint16_t base, VirtualClock *clock, IrqLine irq);
/* Power-on (datasheet table 3): IER 0, IIR 01h, LCR 0, MCR 0, LSR 60h, MSR from the inputs. */
void uart_reset(UartState *s);
/* How many bytes the receiver can take now. */
size_t uart_can_receive(const UartState *s);
/* Input from the host: takes at most uart_can_receive() bytes, returns how many it took. */
size_t uart_receive(UartState *s, const uint8_t *buf, size_t len);

#endif
