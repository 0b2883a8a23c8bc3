/*
 * Interrupt acceptance: the INTR line with its acknowledge, IF and the STI shadow (SDM Vol. 3A
 * §6.8.1, §6.8.3), NMI and its blocking until IRET (§6.7.1), HLT woken by an interrupt, and
 * INIT/SIPI on an application processor (§8.4.4). All in real mode, through the IVT.
 */
#include "check.h"
#include "cpu_fixture.h"

static Fixture fx;
static int ack_vector;
static unsigned ack_count;

/* A PIC-like acknowledge: returns the vector and drops the line. */
static int ack(void *opaque)
{
    ack_count++;
    cpu_clear_interrupt(&fx.cpu, CPU_INTERRUPT_INTR);
    return ack_vector;
}

static void set_vector(unsigned vector, uint16_t ip)
{
    uint8_t entry[4] = { (uint8_t)ip, (uint8_t)(ip >> 8), 0, 0 };
    fixture_write(&fx, vector * 4, entry, 4);
}

static void setup(const uint8_t *code, unsigned len)
{
    CHECK_EQ(fixture_init(&fx, 1 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_REAL, 0);
    fixture_write(&fx, 0x1000, code, len);
    fx.cpu.rip = 0x1000;
    fx.cpu.regs[R_SP] = 0x8000;
    fx.cpu.irq_ack = ack;
    ack_count = 0;
    /* Handler at 0x500: mov bx, ax; inc si; iret */
    const uint8_t handler[] = { 0x89, 0xc3, 0x46, 0xcf };
    fixture_write(&fx, 0x500, handler, sizeof(handler));
}

static void test_irq_sti_shadow_then_delivery(void)
{
    /* sti; mov ax, 1; mov ax, 2; hlt */
    const uint8_t code[] = { 0xfb, 0xb8, 0x01, 0x00, 0xb8, 0x02, 0x00, 0xf4 };
    setup(code, sizeof(code));
    set_vector(0x20, 0x500);
    ack_vector = 0x20;
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_INTR);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    /* Taken after the instruction following STI, not before it: the handler saw AX = 1. */
    CHECK_EQ(ack_count, 1);
    CHECK_EQ(fx.cpu.regs[R_BX] & 0xffff, 1);
    CHECK_EQ(fx.cpu.regs[R_SI] & 0xffff, 1);
    CHECK_EQ(fx.cpu.regs[R_AX] & 0xffff, 2);
    CHECK_EQ(fx.cpu.rip, 0x1008);
    fixture_destroy(&fx);
}

static void test_irq_masked_by_if_until_hlt_wakes(void)
{
    /* cli; mov ax, 7; hlt; mov cx, 9; hlt */
    const uint8_t code[] = { 0xfa, 0xb8, 0x07, 0x00, 0xf4, 0xb9, 0x09, 0x00, 0xf4 };
    setup(code, sizeof(code));
    set_vector(0x21, 0x500);
    ack_vector = 0x21;
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_INTR);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK_EQ(ack_count, 0);
    CHECK_EQ(fx.cpu.rip, 0x1005);
    /* Enabling interrupts wakes the halted CPU: the frame returns after the HLT. */
    fx.cpu.rflags |= FLAG_IF;
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK_EQ(ack_count, 1);
    CHECK_EQ(fx.cpu.regs[R_BX] & 0xffff, 7);
    CHECK_EQ(fx.cpu.regs[R_CX] & 0xffff, 9);
    fixture_destroy(&fx);
}

static void test_irq_nmi_ignores_if_and_blocks_until_iret(void)
{
    /* cli; hlt; hlt; hlt -- the NMI handler (vector 2) counts in SI and does not IRET at first */
    const uint8_t code[] = { 0xfa, 0xf4, 0xf4, 0xf4 };
    setup(code, sizeof(code));
    /* Handler at 0x600: inc si; hlt; iret */
    const uint8_t nmi[] = { 0x46, 0xf4, 0xcf };
    fixture_write(&fx, 0x600, nmi, sizeof(nmi));
    set_vector(EXC_NMI, 0x600);
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_NMI);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT); /* in the handler, at its HLT */
    CHECK_EQ(fx.cpu.regs[R_SI] & 0xffff, 1);
    CHECK(fx.cpu.nmi_blocked);
    /* A second NMI waits: blocked until IRET. */
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_NMI);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.regs[R_SI] & 0xffff, 1);
    CHECK_EQ(fx.cpu.rip, 0x602);
    fixture_destroy(&fx);
}

static void test_irq_init_and_sipi_start_an_application_processor(void)
{
    const uint8_t code[] = { 0xf4 };
    setup(code, sizeof(code));
    /* Trampoline at 0x10000 for SIPI vector 0x10: mov ax, cs; hlt */
    const uint8_t tramp[] = { 0x8c, 0xc8, 0xf4 };
    fixture_write(&fx, 0x10000, tramp, sizeof(tramp));
    fx.cpu.is_bsp = false;
    fx.cpu.star = 0x1234;
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_INIT);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK(fx.cpu.is_waiting_for_sipi);
    CHECK_EQ(fx.cpu.star, 0x1234); /* INIT keeps MSRs */
    CHECK_EQ(fx.cpu.paging.cr0, 0x60000010);
    /* Interrupts do not wake a processor waiting for SIPI. */
    cpu_set_interrupt(&fx.cpu, CPU_INTERRUPT_NMI);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK(fx.cpu.is_waiting_for_sipi);
    cpu_clear_interrupt(&fx.cpu, CPU_INTERRUPT_NMI);
    cpu_send_sipi(&fx.cpu, 0x10);
    CHECK_EQ(cpu_exec(&fx.cpu, 100), CPU_EXIT_HALT);
    CHECK_EQ(fx.cpu.seg[SEG_CS].selector, 0x1000);
    CHECK_EQ(fx.cpu.regs[R_AX] & 0xffff, 0x1000);
    CHECK_EQ(fx.cpu.rip, 3);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_irq_sti_shadow_then_delivery),
    CHECK_TEST(test_irq_masked_by_if_until_hlt_wakes),
    CHECK_TEST(test_irq_nmi_ignores_if_and_blocks_until_iret),
    CHECK_TEST(test_irq_init_and_sipi_start_an_application_processor),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
