/*
 * tests/guest/hw/uart64.c: COM1 as a kernel finds it: the 16550's identity (scratch register,
 * FIFO detection), loopback data and modem lines (polled: in loopback the OUT2 pin, and with it
 * the PC's interrupt line, is inactive), and its THR-empty interrupt on IRQ 4 through the I/O
 * APIC and the local APIC.
 *
 * Sources: PC16550D datasheet §8 (registers, table 4 interrupt priorities, loopback: MCR bits
 * looped to MSR, OUT2 pin inactive); PC convention: OUT2 gates the UART's interrupt, COM1 is
 * 3F8h on IRQ 4 (ISA IRQ 4 = I/O APIC input 4, ACPI MADT: no override for it); SDM Vol. 3A
 * chapter 11 for the APIC side.
 */
#include "sys.h"

#define COM1 0x3f8
#define LAPIC 0xfee00000ul
#define IOAPIC 0xfec00000ul
#define VEC_COM1 0x44

static volatile unsigned com1_irqs;
static volatile uint8_t iir_in_handler;

static void ioapic_wr(unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static int com1_handler(GuestExcFrame *f)
{
    (void)f;
    com1_irqs++;
    iir_in_handler = guest_in8(COM1 + 2); /* reading IIR acknowledges a THR-empty interrupt */
    *(volatile uint32_t *)(LAPIC + 0xb0) = 0;
    return GUEST_EXC_IRET;
}

static void wait_irqs(unsigned n)
{
    __asm__ volatile("sti" ::: "memory");
    for (unsigned i = 0; i < 1000000 && com1_irqs < n; i++) {
        __asm__ volatile("pause");
    }
    __asm__ volatile("cli" ::: "memory");
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    guest_sys_init();
    guest_exc_handlers[VEC_COM1] = com1_handler;

    guest_out8(COM1 + 7, 0xa5);
    GUEST_CHECK_EQ("scratch-a5", guest_in8(COM1 + 7), 0xa5);
    guest_out8(COM1 + 7, 0x5a);
    GUEST_CHECK_EQ("scratch-5a", guest_in8(COM1 + 7), 0x5a);
    guest_out8(COM1 + 2, 0x07);                     /* FIFO on, both cleared */
    GUEST_CHECK_EQ("fifo-16550a", guest_in8(COM1 + 2) >> 6, 3);
    guest_out8(COM1 + 3, 0x83);                     /* DLAB */
    guest_out8(COM1 + 0, 1);                        /* 115200 baud */
    guest_out8(COM1 + 1, 0);
    guest_out8(COM1 + 3, 0x03);                     /* 8N1 */
    GUEST_CHECK_EQ("lsr-idle", guest_in8(COM1 + 5) & 0x61, 0x60);

    /* Loopback: bytes come back, MCR lines show in MSR (RTS->CTS, DTR->DSR, OUT2->DCD). */
    guest_out8(COM1 + 4, 0x1b);                     /* loop, OUT2, RTS, DTR */
    GUEST_CHECK_EQ("loop-msr", guest_in8(COM1 + 6) & 0xf0, 0xb0);
    const char *msg = "vireo";
    for (const char *p = msg; *p; p++) {
        guest_out8(COM1, (uint8_t)*p);
    }
    char got[8] = {0};
    for (unsigned i = 0; i < 5 && (guest_in8(COM1 + 5) & 1); i++) {
        got[i] = (char)guest_in8(COM1);
    }
    GUEST_CHECK("loopback-data", got[0] == 'v' && got[1] == 'i' && got[2] == 'r' &&
                                   got[3] == 'e' && got[4] == 'o');
    GUEST_CHECK_EQ("loopback-drained", guest_in8(COM1 + 5) & 1, 0);

    /* IRQ 4 through I/O APIC input 4 to vector 44h: THR empty when enabled with OUT2 set. */
    *(volatile uint32_t *)(LAPIC + 0xf0) = 0x1ff;   /* local APIC on */
    ioapic_wr(0x10 + 2 * 4 + 1, 0);
    ioapic_wr(0x10 + 2 * 4, VEC_COM1);              /* fixed, edge, unmasked */
    guest_out8(COM1 + 4, 0x0b);                     /* OUT2, RTS, DTR; no loopback */
    guest_out8(COM1 + 1, 0x02);                     /* THRE interrupt */
    wait_irqs(1);
    GUEST_CHECK_EQ("thre-irq", com1_irqs, 1);
    GUEST_CHECK_EQ("thre-iir", iir_in_handler & 0x0f, 0x02);
    GUEST_CHECK_EQ("iir-after-ack", guest_in8(COM1 + 2) & 0x0f, 0x01);
    guest_out8(COM1, '\n');                         /* sent: THR empty again */
    wait_irqs(2);
    GUEST_CHECK_EQ("thre-irq-after-write", com1_irqs, 2);
    guest_out8(COM1 + 1, 0);
    return guest_finish_checks();
}
