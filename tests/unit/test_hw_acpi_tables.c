/*
 * tests/unit/test_hw_acpi_tables.c: the ACPI tables vireo builds, checked by an independent
 * reader: ACPICA's iasl disassembles each table (and verifies its checksum and length) and the
 * test reads the fields back from iasl's text. The RSDP, which iasl does not take alone, is
 * checked against ACPI 6.4 §5.2.5.3 here.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hw/fw/acpi_tables.h"
#include "util/endian.h"

#define BASE 0xe0000u

static const AcpiConfig config = {
    .cpu_count = 2,
    .lapic_addr = 0xfee00000u,
    .ioapic_id = 2,
    .ioapic_addr = 0xfec00000u,
    .hpet_addr = 0xfed00000u,
    .hpet_id = 0x8086a201u,
    .pm_io_base = 0x600,
    .gpe0_io_base = 0xafe0,
    .gpe0_len = 4,
    .sci_irq = 9,
    .reset_port = 0xcf9,
    .reset_value = 0x06,
    .s5_slp_typ = 0,
    .pci_mmio_start = 0xe0000000u,
    .pci_mmio_end = 0xfebfffffu,
    .pci_gsi_base = 16,
    .rtc_century = 0x32,
};

static uint8_t blob[65536];
static char dir[] = "/tmp/vireo-acpi-XXXXXX";

/* Writes the table at guest address gpa to DIR/NAME.dat, disassembles it, returns the text. */
static char *disassemble(uint64_t gpa, const char *name)
{
    const uint8_t *t = blob + (gpa - BASE);
    uint32_t len = ld_le32(t + 4);
    char path[256], cmd[600];
    snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) {
        return NULL;
    }
    fwrite(t, 1, len, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat > %s.log 2>&1", dir, name, name);
    CHECK_EQ(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/%s.dsl", dir, name);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) {
        return NULL;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return strdup(text);
}

/* True if some line of text contains every one of the given fragments, in order. */
static bool has_line(const char *text, const char *a, const char *b)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        if (len >= sizeof(buf)) {
            len = sizeof(buf) - 1;
        }
        memcpy(buf, line, len);
        buf[len] = '\0';
        const char *pa = strstr(buf, a);
        if (pa && (!b || strstr(pa + strlen(a), b))) {
            return true;
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

static void test_hw_acpi_tables_parse_with_iasl(void)
{
    CHECK(mkdtemp(dir) != NULL);
    size_t used = acpi_build_tables(&config, BASE, blob, sizeof(blob));
    CHECK(used > 0);

    /* RSDP (§5.2.5.3): signature, both checksums, revision 2, length 36. */
    CHECK(memcmp(blob, "RSD PTR ", 8) == 0);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 20; i++) {
        sum = (uint8_t)(sum + blob[i]);
    }
    CHECK_EQ(sum, 0);
    for (unsigned i = 20; i < 36; i++) {
        sum = (uint8_t)(sum + blob[i]);
    }
    CHECK_EQ(sum, 0);
    CHECK_EQ(blob[15], 2);
    uint64_t xsdt = ld_le64(blob + 24);

    char *x = disassemble(xsdt, "xsdt");
    CHECK(x && !strstr(x, "Incorrect"));
    /* The XSDT lists FACP, APIC, HPET: find them. */
    uint32_t xlen = ld_le32(blob + (xsdt - BASE) + 4);
    CHECK_EQ(xlen, 36 + 3 * 8);
    uint64_t fadt = ld_le64(blob + (xsdt - BASE) + 36);
    uint64_t madt = ld_le64(blob + (xsdt - BASE) + 44);
    uint64_t hpet = ld_le64(blob + (xsdt - BASE) + 52);

    char *f = disassemble(fadt, "facp");
    CHECK(f && !strstr(f, "Incorrect"));
    CHECK(has_line(f, "Signature", "\"FACP\""));
    CHECK(has_line(f, "PM1A Event Block Address", "00000600"));
    CHECK(has_line(f, "PM1A Control Block Address", "00000604"));
    CHECK(has_line(f, "PM Timer Block Address", "00000608"));
    CHECK(has_line(f, "SCI Interrupt", "0009"));
    CHECK(has_line(f, "RTC Century Index", "32"));
    CHECK(has_line(f, "Reset Register Supported (V2)", "1"));
    CHECK(has_line(f, "Value to cause reset", "06"));
    CHECK(has_line(f, "32-bit PM Timer (V1)", "1"));
    CHECK(has_line(f, "8042 Present on ports 60/64 (V2)", "1"));
    uint64_t dsdt = ld_le64(blob + (fadt - BASE) + 140);

    char *m = disassemble(madt, "apic");
    CHECK(m && !strstr(m, "Incorrect"));
    CHECK(has_line(m, "Local Apic Address", "FEE00000"));
    CHECK(has_line(m, "Address", "FEC00000"));
    CHECK(has_line(m, "Interrupt", "00000002")); /* IRQ 0 -> GSI 2 */
    CHECK(has_line(m, "Trigger Mode", "3"));      /* the SCI: level */

    char *h = disassemble(hpet, "hpet");
    CHECK(h && !strstr(h, "Incorrect"));
    CHECK(has_line(h, "Address", "00000000FED00000"));

    char *d = disassemble(dsdt, "dsdt");
    CHECK(d && !strstr(d, "Incorrect"));
    CHECK(has_line(d, "Name (\\_S5, Package", NULL));
    CHECK(has_line(d, "Device (PCI0)", NULL));
    CHECK(has_line(d, "_HID, EisaId (\"PNP0A03\")", NULL));
    CHECK(has_line(d, "WordBusNumber", NULL));
    CHECK(has_line(d, "0xE0000000", NULL));
    CHECK(has_line(d, "0xFEBFFFFF", NULL));
    CHECK(has_line(d, "Name (_PRT, Package", NULL));
    CHECK(has_line(d, "0x001FFFFF", NULL)); /* slot 31 */
    free(x);
    free(f);
    free(m);
    free(h);
    free(d);
    if (!getenv("VIREO_KEEP_ACPI")) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_EQ(system(cmd), 0);
    }
}

static void test_hw_acpi_tables_refuse_small_buffer(void)
{
    uint8_t small[200];
    CHECK_EQ(acpi_build_tables(&config, BASE, small, sizeof(small)), 0);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_acpi_tables_parse_with_iasl),
    CHECK_TEST(test_hw_acpi_tables_refuse_small_buffer),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
