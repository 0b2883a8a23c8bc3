/*
 * tests/unit/test_hw_pci.c: configuration mechanism #1 and the type 0 header (PCI Local Bus
 * Specification 3.0 §3.2.2.3.2, §6.1-6.2), BAR sizing, the reset control register at 0CF9h,
 * and the i440FX/PIIX functions' identities and reset values from their datasheets.
 */
#include <string.h>

#include "check.h"
#include "hw/pci/chipset.h"
#include "snapshot/state.h"

static PortSpace *ports;
static PciBus bus;
static ChipsetState cs;
static PciDevice dev;
static uint64_t mapped[PCI_BARS];
static int resets = 0;
static bool last_hard;
static uint16_t pm_base_seen;
static bool pm_enabled_seen;

static void map_bar(PciDevice *d, unsigned bar, uint64_t addr)
{
    (void)d;
    mapped[bar] = addr;
}

static void reset_hook(void *opaque, bool is_hard)
{
    (void)opaque;
    resets++;
    last_hard = is_hard;
}

static void pm_hook(void *opaque, uint16_t base, bool is_enabled)
{
    (void)opaque;
    pm_base_seen = base;
    pm_enabled_seen = is_enabled;
}

static void setup(void)
{
    ports = port_space_new();
    memset(&bus, 0, sizeof(bus));
    memset(&cs, 0, sizeof(cs));
    memset(&dev, 0, sizeof(dev));
    resets = 0;
    CHECK_EQ(pci_bus_init(&bus, ports), 0);
    bus.reset_request = reset_hook;
    cs.pm_io_changed = pm_hook;
    CHECK_EQ(chipset_init(&cs, &bus, 0x600), 0);
    /* A test device at 00:03.0 with a 4 KiB memory BAR 0 and a 32-byte I/O BAR 1. */
    dev.devfn = 3 << 3;
    dev.bars[0] = (PciBar){.size = 4096};
    dev.bars[1] = (PciBar){.size = 32, .flags = PCI_BAR_IO};
    dev.bars[PCI_ROM_BAR] = (PciBar){.size = 64 << 10};
    dev.map_bar = map_bar;
    pci_device_setup(&dev, 0x1234, 0x5678, 0x020000, 1, 0);
    CHECK_EQ(pci_register(&bus, &dev), 0);
    pci_device_reset(&dev);
    for (unsigned i = 0; i < PCI_BARS; i++) {
        mapped[i] = PCI_BAR_UNMAPPED;
    }
}

static uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size)
{
    port_write(ports, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return port_read(ports, 0xcfc + (reg & 3), size);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t v, unsigned size)
{
    port_write(ports, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    port_write(ports, 0xcfc + (reg & 3), v, size);
}

static void test_hw_pci_mechanism1(void)
{
    setup();
    CHECK_EQ(cfg_read(0, 0, 4), 0x12378086u);          /* i440FX */
    CHECK_EQ(cfg_read(0, 2, 2), 0x1237);                /* word at 0CFEh */
    CHECK_EQ(cfg_read(0, 0x0b, 1), 0x06);               /* class: bridge */
    CHECK_EQ(cfg_read(5 << 3, 0, 4), 0xffffffffu);      /* no device */
    port_write(ports, 0xcf8, 0x80010000u, 4);           /* bus 1: absent */
    CHECK_EQ(port_read(ports, 0xcfc, 4), 0xffffffffu);
    port_write(ports, 0xcf8, 0x00000000u, 4);           /* enable clear */
    CHECK_EQ(port_read(ports, 0xcfc, 4), 0xffffffffu);
    port_write(ports, 0xcf8, 0x80000007u, 4);           /* low bits read back as 0 */
    CHECK_EQ(port_read(ports, 0xcf8, 4), 0x80000004u);
    port_write(ports, 0xcf8, 0x12, 2);                  /* not a dword: ignored */
    CHECK_EQ(port_read(ports, 0xcf8, 4), 0x80000004u);
    port_space_free(ports);
}

static void test_hw_pci_header_masks(void)
{
    setup();
    cfg_write(3 << 3, PCI_VENDOR_ID, 0xffffffffu, 4);   /* read-only */
    CHECK_EQ(cfg_read(3 << 3, 0, 4), 0x56781234u);
    cfg_write(3 << 3, PCI_COMMAND, 0xffff, 2);
    CHECK_EQ(cfg_read(3 << 3, PCI_COMMAND, 2), 0x0547);
    dev.config[PCI_STATUS + 1] = 0xf9;                  /* error bits set by "hardware" */
    cfg_write(3 << 3, PCI_STATUS, 0x0800, 2);           /* write 1 to clear one of them */
    CHECK_EQ(cfg_read(3 << 3, PCI_STATUS, 2), 0xf100);
    cfg_write(3 << 3, PCI_INTERRUPT_LINE, 0x0b, 1);
    CHECK_EQ(cfg_read(3 << 3, PCI_INTERRUPT_LINE, 1), 0x0b);
    port_space_free(ports);
}

static void test_hw_pci_bar_sizing_and_mapping(void)
{
    setup();
    cfg_write(3 << 3, PCI_BAR0, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(3 << 3, PCI_BAR0, 4), 0xfffff000u);  /* 4 KiB, 32-bit memory */
    cfg_write(3 << 3, PCI_BAR0 + 4, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(3 << 3, PCI_BAR0 + 4, 4), 0xffffffe1u); /* 32 bytes of I/O */
    cfg_write(3 << 3, PCI_BAR0 + 8, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(3 << 3, PCI_BAR0 + 8, 4), 0);           /* no BAR 2 */
    cfg_write(3 << 3, PCI_BAR0, 0xfebf0000u, 4);
    cfg_write(3 << 3, PCI_BAR0 + 4, 0xc040, 4);
    CHECK_EQ(mapped[0], PCI_BAR_UNMAPPED);                    /* decoding still off */
    cfg_write(3 << 3, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    CHECK_EQ(mapped[0], 0xfebf0000u);
    CHECK_EQ(mapped[1], PCI_BAR_UNMAPPED);
    cfg_write(3 << 3, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    CHECK_EQ(mapped[1], 0xc040);
    cfg_write(3 << 3, PCI_BAR0, 0xffffffffu, 4);              /* sizing while enabled */
    CHECK_EQ(mapped[0], PCI_BAR_UNMAPPED);
    port_space_free(ports);
}

/* The expansion ROM BAR (§6.2.5.2): address bits 31-11 sized like a memory BAR, bit 0 the
 * enable, decoding only with both it and the memory space bit. */
static void test_hw_pci_rom_bar(void)
{
    setup();
    CHECK_EQ(cfg_read(3 << 3, PCI_ROM_ADDRESS, 4), 0);
    cfg_write(3 << 3, PCI_ROM_ADDRESS, 0xfffffffeu, 4);
    CHECK_EQ(cfg_read(3 << 3, PCI_ROM_ADDRESS, 4), 0xffff0000u); /* 64 KiB, disabled */
    cfg_write(3 << 3, PCI_ROM_ADDRESS, 0xfeb00000u, 4);
    cfg_write(3 << 3, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    CHECK_EQ(mapped[PCI_ROM_BAR], PCI_BAR_UNMAPPED);            /* enable bit clear */
    cfg_write(3 << 3, PCI_ROM_ADDRESS, 0xfeb00001u, 4);
    CHECK_EQ(mapped[PCI_ROM_BAR], 0xfeb00000u);
    CHECK_EQ(cfg_read(3 << 3, PCI_ROM_ADDRESS, 4), 0xfeb00001u);
    cfg_write(3 << 3, PCI_COMMAND, 0, 2);
    CHECK_EQ(mapped[PCI_ROM_BAR], PCI_BAR_UNMAPPED);            /* memory decoding off */
    pci_device_reset(&dev);
    CHECK_EQ(cfg_read(3 << 3, PCI_ROM_ADDRESS, 4), 0);
    port_space_free(ports);
}

static void test_hw_pci_reset_control(void)
{
    setup();
    port_write(ports, 0xcf9, 0x02, 1);
    CHECK_EQ(resets, 0);
    CHECK_EQ(port_read(ports, 0xcf9, 1), 0x02);
    port_write(ports, 0xcf9, 0x06, 1);  /* Linux's reboot through 0CF9h */
    CHECK_EQ(resets, 1);
    CHECK(last_hard);
    port_write(ports, 0xcf9, 0x06, 1);  /* no new 0-to-1 transition */
    CHECK_EQ(resets, 1);
    port_write(ports, 0xcf9, 0x00, 1);
    port_write(ports, 0xcf9, 0x04, 1);
    CHECK_EQ(resets, 2);
    CHECK(!last_hard);
    port_space_free(ports);
}

static void test_hw_pci_chipset_functions(void)
{
    setup();
    CHECK_EQ(cfg_read(PIIX3_ISA_DEVFN, 0, 4), 0x70008086u);
    CHECK_EQ(cfg_read(PIIX3_ISA_DEVFN, PCI_HEADER_TYPE, 1), 0x80); /* multi-function */
    CHECK_EQ(cfg_read(PIIX3_ISA_DEVFN, 0x0a, 2), 0x0601);          /* ISA bridge */
    CHECK_EQ(cfg_read(PIIX3_ISA_DEVFN, PIIX_PIRQRC, 4), 0x80808080u);
    cfg_write(PIIX3_ISA_DEVFN, PIIX_PIRQRC, 0x0b, 1);
    CHECK_EQ(cfg_read(PIIX3_ISA_DEVFN, PIIX_PIRQRC, 1), 0x0b);
    CHECK_EQ(cfg_read(PIIX4_PM_DEVFN, 0, 4), 0x71138086u);
    CHECK_EQ(cfg_read(PIIX4_PM_DEVFN, PIIX4_PMBA, 4), 0x601);
    CHECK_EQ(cfg_read(I440FX_DEVFN, I440FX_SMRAM, 1), 0x02);
    cfg_write(I440FX_DEVFN, I440FX_PAM0, 0xff, 1);
    CHECK_EQ(cfg_read(I440FX_DEVFN, I440FX_PAM0, 1), 0x30);
    cfg_write(PIIX4_PM_DEVFN, PIIX4_PMBA, 0xb001, 4);
    CHECK_EQ(pm_base_seen, 0xb000);
    CHECK(pm_enabled_seen);
    cfg_write(PIIX4_PM_DEVFN, PIIX4_PMREGMISC, 0, 1);
    CHECK(!pm_enabled_seen);
    port_space_free(ports);
}

static void test_hw_pci_state_round_trip(void)
{
    setup();
    cfg_write(I440FX_DEVFN, I440FX_PAM0 + 1, 0x33, 1);
    cfg_write(PIIX4_PM_DEVFN, PIIX4_PMBA, 0xb001, 4);
    StateBuf a = {0}, b = {0};
    CHECK_EQ(state_save(&chipset_state_desc, &cs, &a), 0);
    chipset_reset(&cs);
    CHECK_EQ(cfg_read(I440FX_DEVFN, I440FX_PAM0 + 1, 1), 0);
    char err[100];
    CHECK_EQ(state_load(&chipset_state_desc, &cs, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(cfg_read(I440FX_DEVFN, I440FX_PAM0 + 1, 1), 0x33);
    CHECK_EQ(pm_base_seen, 0xb000); /* post_load told the board */
    CHECK_EQ(state_save(&chipset_state_desc, &cs, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    state_buf_free(&a);
    state_buf_free(&b);
    port_space_free(ports);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_pci_mechanism1),
    CHECK_TEST(test_hw_pci_header_masks),
    CHECK_TEST(test_hw_pci_bar_sizing_and_mapping),
    CHECK_TEST(test_hw_pci_rom_bar),
    CHECK_TEST(test_hw_pci_reset_control),
    CHECK_TEST(test_hw_pci_chipset_functions),
    CHECK_TEST(test_hw_pci_state_round_trip),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
