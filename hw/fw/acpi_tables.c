/* hw/fw/acpi_tables.c: building the ACPI tables (see acpi_tables.h for the sections). */
#include "hw/fw/acpi_tables.h"

#include <stdbool.h>
#include <string.h>

#include "hw/fw/aml.h"
#include "util/endian.h"

#define HEADER_SIZE 36u
#define RSDP_SIZE ACPI_RSDP_SIZE
#define FACS_SIZE 64u
#define FADT_SIZE 244u /* revision 4 layout with the X_ fields (ACPI 6.4 table 5.9) */
#define HPET_SIZE 56u

/* FADT fixed feature flags (§5.2.9 table 5.10). */
enum {
    FADT_WBINVD = 1u << 0,
    FADT_PROC_C1 = 1u << 2,
    FADT_SLP_BUTTON = 1u << 5, /* no fixed sleep button */
    FADT_FIX_RTC = 1u << 6,    /* RTC wake status not in the fixed register space */
    FADT_TMR_VAL_EXT = 1u << 8,
    FADT_RESET_REG_SUP = 1u << 10,
};
/* IA-PC boot architecture flags: legacy devices and an 8042. */
#define FADT_IAPC_LEGACY_8042 0x0003u

/* MADT entry types and flags (§5.2.12). */
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_NMI = 4 };
#define MADT_PCAT_COMPAT 1u
#define MPS_INTI_LEVEL_HIGH 0x000du /* trigger level (3 << 2), polarity active high (1) */

typedef struct Blob {
    uint8_t *buf;
    size_t size, len;
    uint64_t base;
    bool overflow;
} Blob;

/* Reserves `len` zeroed bytes aligned to `align`; returns their offset. */
static size_t reserve(Blob *b, size_t len, size_t align)
{
    size_t off = (b->len + align - 1) & ~(align - 1);
    if (off > b->size || len > b->size - off) {
        b->overflow = true;
        return 0;
    }
    memset(b->buf + off, 0, len);
    b->len = off + len;
    return off;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum = (uint8_t)(sum + p[i]);
    }
    return (uint8_t)(0 - sum);
}

static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
    memcpy(t, sig, 4);
    st_le32(t + 4, len);
    t[8] = revision;
    memcpy(t + 10, "VIREO ", 6);
    memcpy(t + 16, "VIREOPC ", 8);
    st_le32(t + 24, 1);
    memcpy(t + 28, "VIRO", 4);
    st_le32(t + 32, 1);
}

static void seal(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = checksum(t, len);
}

/* Generic Address Structure (§5.2.3.2) in system I/O space. */
static void put_gas_io(uint8_t *g, uint16_t port, uint8_t bit_width)
{
    g[0] = 1; /* system I/O */
    g[1] = bit_width;
    g[2] = 0;
    g[3] = 0; /* access size: undefined (legacy) */
    st_le64(g + 4, port);
}

static void build_dsdt_body(const AcpiConfig *cfg, Aml *dsdt)
{
    /* \_S5: SLP_TYPa, SLP_TYPb, reserved (§7.4.2). */
    Aml s5 = {0}, s5_pkg = {0};
    aml_integer(&s5, cfg->s5_slp_typ);
    aml_integer(&s5, cfg->s5_slp_typ);
    aml_integer(&s5, 0);
    aml_integer(&s5, 0);
    aml_package(&s5_pkg, 4, &s5);
    aml_name(dsdt, "\\_S5", &s5_pkg);

    Aml pci = {0}, v = {0};
    aml_eisa_id(&v, "PNP0A03");
    aml_name(&pci, "_HID", &v);
    aml_integer(&v, 0);
    aml_name(&pci, "_ADR", &v);
    aml_integer(&v, 0);
    aml_name(&pci, "_UID", &v);

    Aml res = {0}, crs = {0};
    aml_res_word_bus(&res, 0, 0xff);
    aml_res_io(&res, 0xcf8, 0xcf8, 1, 8);
    aml_res_word_io(&res, 0x0000, 0x0cf7);
    aml_res_word_io(&res, 0x0d00, 0xffff);
    aml_res_dword_memory(&res, 0x000a0000, 0x000bffff);
    aml_res_dword_memory(&res, cfg->pci_mmio_start, cfg->pci_mmio_end);
    aml_res_end(&res);
    aml_buffer(&crs, &res);
    aml_name(&pci, "_CRS", &crs);

    /* _PRT (§6.2.13): {address 0xSSSSFFFF, pin, source 0 (a GSI), GSI} for every slot and
     * pin; the board wires INTx of slot s pin p to GSI base + (s + p) % 4. */
    Aml prt = {0}, prt_pkg = {0};
    for (unsigned slot = 1; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            Aml e = {0}, pkg = {0};
            aml_integer(&e, (uint64_t)slot << 16 | 0xffff);
            aml_integer(&e, pin);
            aml_integer(&e, 0);
            aml_integer(&e, cfg->pci_gsi_base + (slot + pin) % 4);
            aml_package(&pkg, 4, &e);
            aml_append(&prt, &pkg);
        }
    }
    aml_package(&prt_pkg, 31 * 4, &prt);
    aml_name(&pci, "_PRT", &prt_pkg);

    /* The PIIX3's ISA bridge (00:01.0) with the 8042's keyboard and mouse: SeaBIOS looks for
     * PNP0303 before it drives the keyboard, an OS finds the controller by its resources. */
    Aml isa = {0}, kbd = {0}, mou = {0};
    aml_integer(&v, 0x00010000);
    aml_name(&isa, "_ADR", &v);
    aml_eisa_id(&v, "PNP0303");
    aml_name(&kbd, "_HID", &v);
    Aml kres = {0}, kcrs = {0};
    aml_res_io(&kres, 0x60, 0x60, 1, 1);
    aml_res_io(&kres, 0x64, 0x64, 1, 1);
    aml_res_irq(&kres, 1);
    aml_res_end(&kres);
    aml_buffer(&kcrs, &kres);
    aml_name(&kbd, "_CRS", &kcrs);
    aml_eisa_id(&v, "PNP0F13");
    aml_name(&mou, "_HID", &v);
    Aml mres = {0}, mcrs = {0};
    aml_res_irq(&mres, 12);
    aml_res_end(&mres);
    aml_buffer(&mcrs, &mres);
    aml_name(&mou, "_CRS", &mcrs);
    aml_device(&isa, "KBD", &kbd);
    aml_device(&isa, "MOU", &mou);
    aml_device(&pci, "ISA", &isa);

    Aml sb = {0};
    aml_device(&sb, "PCI0", &pci);
    aml_scope(dsdt, "\\_SB", &sb);
}

static size_t build_dsdt(const AcpiConfig *cfg, Blob *b)
{
    Aml body = {0};
    build_dsdt_body(cfg, &body);
    if (body.failed) {
        b->overflow = true;
        aml_free(&body);
        return 0;
    }
    uint32_t len = (uint32_t)(HEADER_SIZE + body.len);
    size_t off = reserve(b, len, 16);
    if (!b->overflow) {
        uint8_t *t = b->buf + off;
        put_header(t, "DSDT", len, 2); /* revision 2: 64-bit integers */
        memcpy(t + HEADER_SIZE, body.data, body.len);
        seal(t, len);
    }
    aml_free(&body);
    return off;
}

static size_t build_fadt(const AcpiConfig *cfg, Blob *b, uint64_t facs, uint64_t dsdt)
{
    size_t off = reserve(b, FADT_SIZE, 16);
    if (b->overflow) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    put_header(t, "FACP", FADT_SIZE, 4);
    st_le32(t + 36, (uint32_t)facs);
    st_le32(t + 40, (uint32_t)dsdt);
    st_le16(t + 46, cfg->sci_irq);
    /* SMI_CMD (48) = 0: no SMI command port; ACPI mode is always on (SCI_EN reads 1). */
    st_le32(t + 56, cfg->pm_io_base);      /* PM1a_EVT_BLK */
    st_le32(t + 64, cfg->pm_io_base + 4u); /* PM1a_CNT_BLK */
    st_le32(t + 76, cfg->pm_io_base + 8u); /* PM_TMR_BLK */
    st_le32(t + 80, cfg->gpe0_io_base);
    t[88] = 4;                             /* PM1_EVT_LEN */
    t[89] = 2;                             /* PM1_CNT_LEN */
    t[91] = 4;                             /* PM_TMR_LEN */
    t[92] = cfg->gpe0_len;
    st_le16(t + 96, 0xfff);                /* P_LVL2_LAT > 100: C2 not supported */
    st_le16(t + 98, 0xfff);                /* P_LVL3_LAT > 1000: C3 not supported */
    t[108] = cfg->rtc_century;
    st_le16(t + 109, FADT_IAPC_LEGACY_8042);
    st_le32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC |
                         FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
    put_gas_io(t + 116, cfg->reset_port, 8);
    t[128] = cfg->reset_value;
    st_le64(t + 132, facs);
    st_le64(t + 140, dsdt);
    put_gas_io(t + 148, cfg->pm_io_base, 32);
    put_gas_io(t + 172, (uint16_t)(cfg->pm_io_base + 4), 16);
    put_gas_io(t + 208, (uint16_t)(cfg->pm_io_base + 8), 32);
    put_gas_io(t + 220, cfg->gpe0_io_base, (uint8_t)(cfg->gpe0_len * 8));
    seal(t, FADT_SIZE);
    return off;
}

static size_t build_madt(const AcpiConfig *cfg, Blob *b)
{
    uint32_t len = HEADER_SIZE + 8 + 8 * cfg->cpu_count + 12 + 2 * 10 + 6;
    size_t off = reserve(b, len, 16);
    if (b->overflow) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    put_header(t, "APIC", len, 3);
    st_le32(t + 36, cfg->lapic_addr);
    st_le32(t + 40, MADT_PCAT_COMPAT);
    uint8_t *e = t + 44;
    for (unsigned i = 0; i < cfg->cpu_count; i++, e += 8) {
        e[0] = MADT_LAPIC;
        e[1] = 8;
        e[2] = (uint8_t)i; /* ACPI processor UID */
        e[3] = (uint8_t)i; /* APIC ID */
        st_le32(e + 4, 1); /* enabled */
    }
    e[0] = MADT_IOAPIC;
    e[1] = 12;
    e[2] = cfg->ioapic_id;
    st_le32(e + 4, cfg->ioapic_addr);
    st_le32(e + 8, 0); /* GSI base */
    e += 12;
    /* The PIT's IRQ 0 is on IOAPIC pin 2 (the 8259's pin 0 is the cascade's INTR), and the
     * SCI is level-triggered, active high (§5.2.12.5). */
    e[0] = MADT_ISO;
    e[1] = 10;
    e[3] = 0;
    st_le32(e + 4, 2);
    st_le16(e + 8, 0);
    e += 10;
    e[0] = MADT_ISO;
    e[1] = 10;
    e[3] = cfg->sci_irq;
    st_le32(e + 4, cfg->sci_irq);
    st_le16(e + 8, MPS_INTI_LEVEL_HIGH);
    e += 10;
    /* LINT1 of every processor is NMI (§5.2.12.7). */
    e[0] = MADT_LAPIC_NMI;
    e[1] = 6;
    e[2] = 0xff;
    st_le16(e + 3, 0);
    e[5] = 1;
    seal(t, len);
    return off;
}

static size_t build_hpet(const AcpiConfig *cfg, Blob *b)
{
    size_t off = reserve(b, HPET_SIZE, 16);
    if (b->overflow) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    put_header(t, "HPET", HPET_SIZE, 1);
    st_le32(t + 36, cfg->hpet_id);
    t[40] = 0; /* system memory */
    t[41] = 64;
    st_le64(t + 44, cfg->hpet_addr);
    t[52] = 0;              /* HPET number */
    st_le16(t + 53, 0x80);  /* minimum periodic tick in main counter ticks */
    t[55] = 0;              /* no page protection */
    seal(t, HPET_SIZE);
    return off;
}

size_t acpi_build_tables(const AcpiConfig *cfg, uint64_t base, uint8_t *buf, size_t size,
                         AcpiLayout *layout)
{
    Blob b = {.buf = buf, .size = size, .base = base};
    size_t rsdp = reserve(&b, RSDP_SIZE, 16);
    size_t facs = reserve(&b, FACS_SIZE, 64);
    if (!b.overflow) {
        memcpy(buf + facs, "FACS", 4);
        st_le32(buf + facs + 4, FACS_SIZE);
        buf[facs + 32] = 2; /* version */
    }
    size_t dsdt = build_dsdt(cfg, &b);
    size_t fadt = build_fadt(cfg, &b, base + facs, base + dsdt);
    size_t madt = build_madt(cfg, &b);
    size_t tables[ACPI_MAX_TABLES] = {fadt, madt, 0};
    unsigned ntables = 2;
    if (cfg->hpet_addr) {
        tables[ntables++] = build_hpet(cfg, &b);
    }
    uint32_t rsdt_len = HEADER_SIZE + 4 * ntables, xsdt_len = HEADER_SIZE + 8 * ntables;
    size_t rsdt = reserve(&b, rsdt_len, 16);
    size_t xsdt = reserve(&b, xsdt_len, 16);
    if (b.overflow) {
        return 0;
    }
    put_header(buf + rsdt, "RSDT", rsdt_len, 1);
    put_header(buf + xsdt, "XSDT", xsdt_len, 1);
    for (unsigned i = 0; i < ntables; i++) {
        st_le32(buf + rsdt + HEADER_SIZE + 4 * i, (uint32_t)(base + tables[i]));
        st_le64(buf + xsdt + HEADER_SIZE + 8 * i, base + tables[i]);
    }
    seal(buf + rsdt, rsdt_len);
    seal(buf + xsdt, xsdt_len);

    uint8_t *r = buf + rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "VIREO ", 6);
    r[15] = 2;
    st_le32(r + 16, (uint32_t)(base + rsdt));
    st_le32(r + 20, RSDP_SIZE);
    st_le64(r + 24, base + xsdt);
    r[8] = checksum(r, 20);
    r[32] = checksum(r, RSDP_SIZE);
    if (layout) {
        *layout = (AcpiLayout){ .rsdp = rsdp, .facs = facs, .dsdt = dsdt, .fadt = fadt,
                                .rsdt = rsdt, .xsdt = xsdt, .ntables = ntables };
        memcpy(layout->tables, tables, sizeof(tables));
    }
    return b.len;
}
