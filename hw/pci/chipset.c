/* hw/pci/chipset.c: the i440FX/PIIX configuration functions (see chipset.h). */
#include "hw/pci/chipset.h"

#include "util/endian.h"

#define INTEL 0x8086
#define PMBA_IO 1u
#define PMBA_WRITABLE 0xffc0u
#define PMREGMISC_PMIOSE 1u

static void reset_host(PciDevice *d)
{
    pci_device_reset(d);
    for (unsigned i = 0; i < I440FX_PAM_COUNT; i++) {
        d->config[I440FX_PAM0 + i] = 0;
    }
    d->config[I440FX_SMRAM] = 0x02; /* C_BASE_SEG = 010b: SMRAM at A0000h */
}

static void host_config_written(PciDevice *d, unsigned offset, unsigned size)
{
    ChipsetState *s = d->opaque;
    bool touches_pam = offset < I440FX_PAM0 + I440FX_PAM_COUNT && offset + size > I440FX_PAM0;
    if (touches_pam && s->pam_changed) {
        s->pam_changed(s->pam_opaque, d->config + I440FX_PAM0);
    }
}

static void reset_isa(PciDevice *d)
{
    pci_device_reset(d);
    for (unsigned i = 0; i < 4; i++) {
        d->config[PIIX_PIRQRC + i] = 0x80; /* routing disabled */
    }
    d->config[PIIX_XBCS] = 0x03;
    d->config[PIIX_TOM] = 0x02;
}

static void pm_config_written(PciDevice *d, unsigned offset, unsigned size)
{
    ChipsetState *s = d->opaque;
    bool touches_pmba = offset < PIIX4_PMBA + 4 && offset + size > PIIX4_PMBA;
    bool touches_misc = offset <= PIIX4_PMREGMISC && offset + size > PIIX4_PMREGMISC;
    if ((touches_pmba || touches_misc) && s->pm_io_changed) {
        s->pm_io_changed(s->pm_opaque, (uint16_t)(ld_le32(d->config + PIIX4_PMBA) & PMBA_WRITABLE),
                         (d->config[PIIX4_PMREGMISC] & PMREGMISC_PMIOSE) != 0);
    }
}

static void reset_pm(PciDevice *d, uint16_t pm_base)
{
    pci_device_reset(d);
    st_le32(d->config + PIIX4_PMBA, pm_base | PMBA_IO);
    d->config[PIIX4_PMREGMISC] = PMREGMISC_PMIOSE;
    /*
     * DEVACTB APMC_EN (bit 25) set: vireo has no System Management Mode, and firmware takes
     * this bit as "SMM already set up" and skips its SMI handler relocation, which would wait
     * for an SMI forever. QEMU's PIIX4 does the same on machines without SMM.
     */
    d->config[PIIX4_DEVACTB + 3] = 0x02;
}

void chipset_reset(ChipsetState *s)
{
    reset_host(&s->host);
    host_config_written(&s->host, I440FX_PAM0, I440FX_PAM_COUNT);
    reset_isa(&s->isa);
    uint16_t base = (uint16_t)(ld_le32(s->pm.config + PIIX4_PMBA) & PMBA_WRITABLE);
    reset_pm(&s->pm, base);
    pm_config_written(&s->pm, PIIX4_PMBA, 4);
}

int chipset_init(ChipsetState *s, PciBus *bus, uint16_t pm_base)
{
    PciDevice *h = &s->host, *isa = &s->isa, *pm = &s->pm;
    h->devfn = I440FX_DEVFN;
    h->name = "i440fx";
    h->opaque = s;
    h->config_written = host_config_written;
    pci_device_setup(h, INTEL, 0x1237, 0x060000, 0x02, 0);
    for (unsigned i = 0; i < I440FX_PAM_COUNT; i++) {
        h->wmask[I440FX_PAM0 + i] = i == 0 ? 0x30 : 0x33; /* PAM0 has only the F0000h half */
    }
    h->wmask[I440FX_SMRAM] = 0x78; /* D_OPEN, D_CLS, D_LCK, G_SMRAME */

    isa->devfn = PIIX3_ISA_DEVFN;
    isa->name = "piix3-isa";
    pci_device_setup(isa, INTEL, 0x7000, 0x060100, 0x00, PCI_HEADER_MULTI_FUNCTION);
    for (unsigned i = 0; i < 4; i++) {
        isa->wmask[PIIX_PIRQRC + i] = 0x8f; /* IRQROUTEN and the IRQ number */
    }
    isa->wmask[PIIX_XBCS] = 0xff;
    isa->wmask[PIIX_TOM] = 0xfe;

    pm->devfn = PIIX4_PM_DEVFN;
    pm->name = "piix4-pm";
    pm->opaque = s;
    pm->config_written = pm_config_written;
    pci_device_setup(pm, INTEL, 0x7113, 0x068000, 0x03, 0);
    st_le16(pm->wmask + PIIX4_PMBA, PMBA_WRITABLE);
    pm->wmask[PIIX4_PMREGMISC] = PMREGMISC_PMIOSE;
    pm->config[PCI_INTERRUPT_PIN] = 1; /* INTA#: the SCI, routed to IRQ 9 by the board */

    int r = pci_register(bus, h);
    if (r == 0) {
        r = pci_register(bus, isa);
    }
    if (r == 0) {
        r = pci_register(bus, pm);
    }
    reset_host(h);
    reset_isa(isa);
    reset_pm(pm, pm_base);
    return r;
}

static const StateField chipset_fields[] = {
    STATE_STRUCT(ChipsetState, host, pci_device_state_desc),
    STATE_STRUCT(ChipsetState, isa, pci_device_state_desc),
    STATE_STRUCT(ChipsetState, pm, pci_device_state_desc),
    STATE_END,
};

static int chipset_post_load(void *opaque, char *err, size_t err_size)
{
    ChipsetState *s = opaque;
    (void)err;
    (void)err_size;
    pm_config_written(&s->pm, PIIX4_PMBA, 4);
    host_config_written(&s->host, I440FX_PAM0, I440FX_PAM_COUNT);
    return 0;
}

const StateDesc chipset_state_desc = {
    .name = "chipset", .version = 1, .min_version = 1, .fields = chipset_fields,
    .post_load = chipset_post_load,
};
