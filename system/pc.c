/* system/pc.c: the PC board: devices and their wiring (see pc.h). */
#include "system/pc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/endian.h"
#include "util/log.h"

/* Which I/O APIC input an ISA IRQ reaches: IRQ 0 is input 2 (MADT override). */
static int isa_gsi(int irq)
{
    return irq == 0 ? 2 : irq;
}

static void isa_irq_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    i8259_set_irq(&b->pic, n, level);
    ioapic_set_irq(&b->ioapic, isa_gsi(n), level);
}

/* The 8259's INT is LINT0 of the local APIC (virtual wire). */
static void pic_intr_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    (void)n;
    lapic_set_lint(&b->lapic, 0, level);
}

/* The PIT's IRQ 0, disconnected while the HPET's legacy replacement owns it (HPET §2.4). */
static void pit_irq_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    (void)n;
    if (!b->is_hpet_legacy) {
        isa_irq_set(b, 0, level);
    }
}

static void rtc_irq_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    (void)n;
    if (!b->is_hpet_legacy) {
        isa_irq_set(b, 8, level);
    }
}

/*
 * CMOS memory-size bytes as PC firmware writes them (IBM AT technical reference; the 16 MiB
 * and 4 GiB extensions as SeaBIOS reads them): base memory 640 KiB (15h-16h), extended memory
 * above 1 MiB in KiB up to 63 MiB (17h-18h, 30h-31h), memory above 16 MiB below 4 GiB in
 * 64 KiB units (34h-35h), memory above 4 GiB in 64 KiB units (5Bh-5Dh).
 */
static void fill_cmos(PcBoard *b)
{
    RtcState *r = &b->rtc;
    uint64_t ext_kib = b->ram_below_4g > (1u << 20) ? (b->ram_below_4g >> 10) - 1024 : 0;
    if (ext_kib > 0xffff) {
        ext_kib = 0xffff;
    }
    uint64_t above_16m = b->ram_below_4g > (16u << 20) ? (b->ram_below_4g - (16u << 20)) >> 16 : 0;
    if (above_16m > 0xffff) {
        above_16m = 0xffff;
    }
    uint64_t above_4g = (b->ram_bytes - b->ram_below_4g) >> 16;
    rtc_cmos_set(r, 0x15, 640 & 0xff);
    rtc_cmos_set(r, 0x16, 640 >> 8);
    rtc_cmos_set(r, 0x17, (uint8_t)ext_kib);
    rtc_cmos_set(r, 0x18, (uint8_t)(ext_kib >> 8));
    rtc_cmos_set(r, 0x30, (uint8_t)ext_kib);
    rtc_cmos_set(r, 0x31, (uint8_t)(ext_kib >> 8));
    rtc_cmos_set(r, 0x34, (uint8_t)above_16m);
    rtc_cmos_set(r, 0x35, (uint8_t)(above_16m >> 8));
    rtc_cmos_set(r, 0x5b, (uint8_t)above_4g);
    rtc_cmos_set(r, 0x5c, (uint8_t)(above_4g >> 8));
    rtc_cmos_set(r, 0x5d, (uint8_t)(above_4g >> 16));
}

static void hpet_route_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    ioapic_set_irq(&b->ioapic, HPET_ROUTE_FIRST + n, level);
}

static void hpet_legacy_changed(void *opaque, bool is_legacy)
{
    PcBoard *b = opaque;
    b->is_hpet_legacy = is_legacy;
}

/* The local APIC's outputs to the CPU. */
static void cpu_intr_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    (void)n;
    if (level) {
        cpu_set_interrupt(b->cpu, CPU_INTERRUPT_INTR);
    } else {
        cpu_clear_interrupt(b->cpu, CPU_INTERRUPT_INTR);
    }
}

static void cpu_nmi_set(void *opaque, int n, bool level)
{
    PcBoard *b = opaque;
    (void)n;
    if (level) {
        cpu_set_interrupt(b->cpu, CPU_INTERRUPT_NMI);
    }
}

/* INIT resets the local APIC (keeping its ID) along with the processor (SDM Vol. 3A
 * §11.4.7.3). */
static void apic_init_cpu(void *opaque)
{
    PcBoard *b = opaque;
    lapic_reset(&b->lapic);
    cpu_set_interrupt(b->cpu, CPU_INTERRUPT_INIT);
}

static void apic_sipi_cpu(void *opaque, uint8_t vector)
{
    PcBoard *b = opaque;
    cpu_send_sipi(b->cpu, vector);
}

/* The APIC bus with one processor: a message reaches it if it names it. */
static void bus_deliver(void *opaque, const ApicMessage *msg)
{
    PcBoard *b = opaque;
    if (lapic_matches(&b->lapic, msg)) {
        lapic_deliver(&b->lapic, msg);
    }
}

static void apic_send_ipi(void *opaque, const ApicMessage *msg, unsigned shorthand)
{
    PcBoard *b = opaque;
    if (shorthand == LAPIC_DEST_ALL) {
        lapic_deliver(&b->lapic, msg);
    } else if (shorthand == LAPIC_DEST_NONE) {
        bus_deliver(b, msg);
    }
}

static void apic_eoi_broadcast(void *opaque, uint8_t vector)
{
    PcBoard *b = opaque;
    ioapic_eoi(&b->ioapic, vector);
}

static uint64_t apic_read_tsc(void *opaque)
{
    PcBoard *b = opaque;
    return cpu_read_tsc(b->cpu);
}

/* The CPU's view of its local APIC. */
static bool hook_set_base(void *opaque, uint64_t value)
{
    PcBoard *b = opaque;
    return lapic_set_base(&b->lapic, value);
}

static bool hook_read_msr(void *opaque, uint32_t msr, uint64_t *value)
{
    PcBoard *b = opaque;
    return lapic_read_msr(&b->lapic, msr, value);
}

static bool hook_write_msr(void *opaque, uint32_t msr, uint64_t value)
{
    PcBoard *b = opaque;
    return lapic_write_msr(&b->lapic, msr, value);
}

static uint8_t hook_get_cr8(void *opaque)
{
    PcBoard *b = opaque;
    return lapic_get_cr8(&b->lapic);
}

static void hook_set_cr8(void *opaque, uint8_t value)
{
    PcBoard *b = opaque;
    lapic_set_cr8(&b->lapic, value);
}

static const CpuApicHooks apic_hooks = {
    .set_base = hook_set_base,
    .read_msr = hook_read_msr,
    .write_msr = hook_write_msr,
    .get_cr8 = hook_get_cr8,
    .set_cr8 = hook_set_cr8,
};

/* INTA: the local APIC's vector, or the 8259's for an ExtINT through LINT0. */
static int irq_acknowledge(void *opaque)
{
    PcBoard *b = opaque;
    int v = lapic_acknowledge(&b->lapic);
    return v == LAPIC_ACK_EXTINT ? i8259_acknowledge(&b->pic) : v;
}

static void request_event(PcBoard *b, PcEvent e)
{
    b->event = e;
    cpu_request_exit(b->cpu);
}

static void pm_sleep(void *opaque, unsigned slp_typ)
{
    PcBoard *b = opaque;
    if (slp_typ == PC_S5_SLP_TYP) {
        request_event(b, PC_EVENT_POWEROFF);
    } else {
        log_unimp("ACPI sleep type %u (only S5, power-off, is modelled)", slp_typ);
    }
}

static void pci_reset_request(void *opaque, bool is_hard)
{
    (void)is_hard; /* a soft reset (INIT) and a hard reset both restart the machine here */
    request_event(opaque, PC_EVENT_RESET);
}

static void kbc_reset(void *opaque)
{
    request_event(opaque, PC_EVENT_RESET);
}

static void kbc_set_a20(void *opaque, bool is_enabled)
{
    PcBoard *b = opaque;
    phys_map_set_a20(b->map, is_enabled);
    tlb_flush_all(b->cpu->tlb);
}

/*
 * Port 92h, System Control Port A (PIIX3 datasheet "Port 92 Register"; IBM PS/2 "fast A20"):
 * bit 1 gates A20, writing bit 0 as 1 resets the system. Its A20 state is the map's.
 */
static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    PcBoard *b = opaque;
    return phys_map_a20_enabled(b->map) ? 0x02 : 0x00;
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    (void)offset;
    (void)size;
    kbc_set_a20(opaque, value & 0x02);
    if (value & 0x01) {
        request_event(opaque, PC_EVENT_RESET);
    }
}

static const IoOps port92_ops = { .read = port92_read, .write = port92_write, .min_size = 1,
                                  .max_size = 1 };

static void pm_io_changed(void *opaque, uint16_t base, bool is_enabled)
{
    PcBoard *b = opaque;
    if (acpi_pm_set_base(&b->pm, b->ports, base, is_enabled) < 0) {
        log_guest_error("PIIX4 PMBA %#x: ports in use, PM block not mapped", base);
    }
}

static int add_fw_cfg_items(PcBoard *b)
{
    uint8_t one[2] = {1, 0}; /* 16-bit counts, as QEMU gives them */
    int r = fw_cfg_add_bytes(&b->fw_cfg, FW_CFG_NB_CPUS, one, sizeof(one));
    if (r == 0) {
        r = fw_cfg_add_bytes(&b->fw_cfg, FW_CFG_MAX_CPUS, one, sizeof(one));
    }
    if (r == 0) {
        r = fw_cfg_add_u64(&b->fw_cfg, FW_CFG_RAM_SIZE, b->ram_bytes);
    }
    return r;
}

int pc_init(PcBoard *b, CpuState *cpu, PhysMap *map, PortSpace *ports, VirtualClock *clock,
            uint64_t ram_below_4g, uint64_t ram_bytes, int64_t wall_seconds, Error *err)
{
    memset(b, 0, sizeof(*b));
    b->ram_below_4g = ram_below_4g;
    b->ram_bytes = ram_bytes;
    b->cpu = cpu;
    b->map = map;
    b->ports = ports;
    b->clock = clock;
    for (int i = 0; i < PC_ISA_IRQS; i++) {
        b->isa_irq[i] = irq_line(isa_irq_set, b, i);
    }

    LapicState *ap = &b->lapic;
    ap->intr = irq_line(cpu_intr_set, b, 0);
    ap->nmi = irq_line(cpu_nmi_set, b, 0);
    ap->init = apic_init_cpu;
    ap->sipi = apic_sipi_cpu;
    ap->send_ipi = apic_send_ipi;
    ap->eoi_broadcast = apic_eoi_broadcast;
    ap->read_tsc = apic_read_tsc;
    ap->opaque = b;
    if (lapic_init(ap, map, clock, 0, true) < 0 ||
        ioapic_init(&b->ioapic, map, IOAPIC_DEFAULT_ADDR, PC_IOAPIC_ID, bus_deliver, b) < 0) {
        return error_set(err, -1, "out of memory for the APICs");
    }
    if (i8259_init(&b->pic, ports, irq_line(pic_intr_set, b, 0)) < 0) {
        return error_set(err, -1, "cannot place the 8259 interrupt controllers");
    }
    cpu->apic = &apic_hooks;
    cpu->apic_opaque = b;
    cpu->irq_ack = irq_acknowledge;
    cpu->irq_opaque = b;

    b->hpet.legacy_irq[0] = b->isa_irq[0];
    b->hpet.legacy_irq[1] = b->isa_irq[8];
    for (int i = 0; i < HPET_ROUTE_COUNT; i++) {
        b->hpet.ioapic[i] = irq_line(hpet_route_set, b, i);
    }
    b->hpet.legacy_changed = hpet_legacy_changed;
    b->hpet.legacy_opaque = b;
    if (hpet_init(&b->hpet, map, HPET_DEFAULT_ADDR, clock) < 0) {
        return error_set(err, -1, "out of memory for the HPET");
    }

    b->pm.sleep = pm_sleep;
    b->pm.sleep_opaque = b;
    b->chipset.pm_io_changed = pm_io_changed;
    b->chipset.pm_opaque = b;
    b->pci.reset_request = pci_reset_request;
    b->pci.reset_opaque = b;
    b->kbc.set_a20 = kbc_set_a20;
    b->kbc.reset = kbc_reset;
    b->kbc.opaque = b;
    if (acpi_pm_init(&b->pm, ports, PC_PM_IO_BASE, PC_GPE0_IO_BASE, clock,
                     b->isa_irq[PC_SCI_IRQ]) < 0 ||
        pci_bus_init(&b->pci, ports) < 0 || chipset_init(&b->chipset, &b->pci, PC_PM_IO_BASE) < 0 ||
        i8042_init(&b->kbc, ports, b->isa_irq[1], b->isa_irq[12]) < 0 ||
        port_space_register(ports, 0x92, 1, &port92_ops, b) < 0 ||
        fw_cfg_init(&b->fw_cfg, ports, map) < 0 || add_fw_cfg_items(b) < 0 ||
        uart_init(&b->com1, ports, UART_COM1_BASE, clock, b->isa_irq[UART_COM1_IRQ]) < 0 ||
        pit_init(&b->pit, ports, clock, irq_line(pit_irq_set, b, 0)) < 0 ||
        rtc_init(&b->rtc, ports, clock, irq_line(rtc_irq_set, b, 8), wall_seconds) < 0) {
        return error_set(err, -1, "cannot place the chipset devices (port conflict or out of "
                                  "memory)");
    }
    fill_cmos(b);
    return 0;
}

int pc_attach_ide(PcBoard *b, const IdeKind kinds[4], BlockImage *const images[4], Error *err)
{
    b->ide.channel[0].irq = b->isa_irq[14];
    b->ide.channel[1].irq = b->isa_irq[15];
    if (piix_ide_init(&b->ide, &b->pci, b->ports, b->map, kinds, images) < 0) {
        return error_set(err, -1, "cannot place the IDE controller");
    }
    return 0;
}

int pc_attach_vga(PcBoard *b, const uint8_t *rom, size_t rom_size, Error *err)
{
    int r = vga_init(&b->vga, &b->pci, b->ports, b->map, b->clock, rom, rom_size);
    if (r == -EFBIG) {
        return error_set(err, -1, "VGA BIOS larger than 64 KiB");
    }
    return r < 0 ? error_set(err, -1, "cannot place the VGA adapter") : 0;
}

/* Where each PAM segment is and which register nibble controls it. */
static void pam_segment(unsigned i, uint64_t *base, uint64_t *size, unsigned *reg,
                        unsigned *shift)
{
    if (i == PC_PAM_SEGMENTS - 1) {
        *base = 0xf0000;
        *size = 0x10000;
        *reg = 0;
        *shift = 4;
        return;
    }
    *base = 0xc0000 + (uint64_t)i * 0x4000;
    *size = 0x4000;
    *reg = 1 + i / 2;
    *shift = (i & 1) ? 4 : 0;
}

/*
 * PAM attribute bits (RE bit 0, WE bit 1 of each nibble): reads and writes go to DRAM when
 * enabled, else to the PCI side (the BIOS ROM window, or whatever lies below). Write-only DRAM
 * (WE without RE) is not modelled: the segment stays on the PCI side.
 */
static void pam_changed(void *opaque, const uint8_t pam[I440FX_PAM_COUNT])
{
    PcBoard *b = opaque;
    for (unsigned i = 0; i < PC_PAM_SEGMENTS && b->pam[i]; i++) {
        uint64_t base, size;
        unsigned reg, shift;
        pam_segment(i, &base, &size, &reg, &shift);
        unsigned mode = (pam[reg] >> shift) & 3;
        phys_map_set_region_enabled(b->map, b->pam[i], mode & 1);
        phys_map_set_region_readonly(b->map, b->pam[i], !(mode & 2));
    }
}

int pc_load_firmware(PcBoard *b, MemRegion *ram_low, const uint8_t *image, size_t size,
                     Error *err)
{
    if (size == 0 || size % 0x10000 || size > (16u << 20)) {
        return error_set(err, -1, "size %zu is not a multiple of 64 KiB up to 16 MiB", size);
    }
    size_t isa_size = size < PC_ISA_BIOS_MAX ? size : PC_ISA_BIOS_MAX;
    b->bios = phys_map_add_rom(b->map, "bios", (1ull << 32) - size, size, 1);
    if (!b->bios) {
        return error_set(err, -1, "cannot map the firmware");
    }
    memcpy(phys_region_host_ptr(b->bios), image, size);
    b->isa_bios = phys_map_add_alias(b->map, "isa-bios", 0x100000 - isa_size, isa_size, b->bios,
                                     size - isa_size, 1);
    if (!b->isa_bios) {
        return error_set(err, -1, "cannot map the firmware's ISA window");
    }
    b->ram_low = ram_low;
    for (unsigned i = 0; i < PC_PAM_SEGMENTS; i++) {
        uint64_t base, size_i;
        unsigned reg, shift;
        pam_segment(i, &base, &size_i, &reg, &shift);
        char name[16];
        snprintf(name, sizeof(name), "pam%u", i);
        b->pam[i] = phys_map_add_alias(b->map, name, base, size_i, ram_low, base, 2);
        if (!b->pam[i]) {
            return error_set(err, -1, "cannot map the shadow RAM");
        }
    }
    b->chipset.pam_changed = pam_changed;
    b->chipset.pam_opaque = b;
    pam_changed(b, b->chipset.host.config + I440FX_PAM0);
    return 0;
}

void pc_set_boot_order(PcBoard *b, const char *order)
{
    uint8_t nibble[3] = { 0, 0, 0 };
    for (unsigned i = 0; i < 3 && order[i]; i++) {
        nibble[i] = order[i] == 'a' ? 1 : order[i] == 'c' ? 2 : order[i] == 'd' ? 3 : 4;
    }
    rtc_cmos_set(&b->rtc, 0x3d, (uint8_t)(nibble[0] | nibble[1] << 4));
    rtc_cmos_set(&b->rtc, 0x38, (uint8_t)(nibble[2] << 4));
}

void pc_destroy(PcBoard *b)
{
    fw_cfg_destroy(&b->fw_cfg);
}

void pc_reset(PcBoard *b)
{
    b->event = PC_EVENT_NONE;
    lapic_reset(&b->lapic);
    i8259_reset(&b->pic);
    ioapic_reset(&b->ioapic);
    hpet_reset(&b->hpet);
    acpi_pm_reset(&b->pm);
    pci_bus_reset(&b->pci);
    chipset_reset(&b->chipset);
    i8042_reset(&b->kbc);
    fw_cfg_reset(&b->fw_cfg);
    uart_reset(&b->com1);
    pit_reset(&b->pit);
    rtc_reset(&b->rtc);
    piix_ide_reset(&b->ide);
    vga_reset(&b->vga);
}

void pc_acpi_config(const PcBoard *b, AcpiConfig *cfg)
{
    *cfg = (AcpiConfig){
        .cpu_count = 1,
        .lapic_addr = (uint32_t)LAPIC_DEFAULT_BASE,
        .ioapic_id = PC_IOAPIC_ID,
        .ioapic_addr = IOAPIC_DEFAULT_ADDR,
        .hpet_addr = HPET_DEFAULT_ADDR,
        .hpet_id = hpet_capabilities_low(),
        .pm_io_base = PC_PM_IO_BASE,
        .gpe0_io_base = PC_GPE0_IO_BASE,
        .gpe0_len = ACPI_GPE0_SIZE,
        .sci_irq = PC_SCI_IRQ,
        .reset_port = 0xcf9,
        .reset_value = 0x06,
        .s5_slp_typ = PC_S5_SLP_TYP,
        .pci_mmio_start = (uint32_t)b->ram_below_4g,
        .pci_mmio_end = 0xfebfffffu,
        .pci_gsi_base = PC_PCI_GSI_BASE,
        .rtc_century = 0x32,
    };
}
