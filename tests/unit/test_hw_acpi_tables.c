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
#include "hw/fw/acpi_loader.h"
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
    size_t used = acpi_build_tables(&config, BASE, blob, sizeof(blob), NULL);
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
    CHECK(has_line(d, "Device (ISA)", NULL));
    CHECK(has_line(d, "_HID, EisaId (\"PNP0303\")", NULL));
    CHECK(has_line(d, "_HID, EisaId (\"PNP0F13\")", NULL));
    CHECK(has_line(d, "IO (Decode16,", NULL));
    CHECK(has_line(d, "IRQNoFlags ()", NULL));
    CHECK(has_line(d, "{12}", NULL));
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
    CHECK_EQ(acpi_build_tables(&config, BASE, small, sizeof(small), NULL), 0);
}

/*
 * The loader files run the way the firmware runs them (the BIOS linker/loader commands:
 * ALLOCATE places a file, ADD_POINTER adds the source file's address to a little-endian field,
 * ADD_CHECKSUM subtracts a range's byte sum from a checksum byte), with the tables at T and the
 * RSDP at R: the result must be byte for byte what acpi_build_tables builds at T directly.
 */
static void test_hw_acpi_loader_relocates_to_direct_build(void)
{
    static AcpiLoaderFiles files;
    CHECK_EQ(acpi_build_loader_files(&config, &files), 0);
    const uint64_t T = 0x1fff0000u, R = 0xf5a00u;
    struct {
        const char *name;
        uint8_t *data;
        size_t len;
        uint64_t addr;
        bool placed;
    } f[2] = { { ACPI_LOADER_TABLES_FILE, files.tables, files.tables_len, T, false },
               { ACPI_LOADER_RSDP_FILE, files.rsdp, sizeof(files.rsdp), R, false } };
    CHECK_EQ(files.loader_len % ACPI_LOADER_ENTRY_SIZE, 0);
    unsigned pointers = 0, checksums = 0;
    for (size_t pos = 0; pos < files.loader_len; pos += ACPI_LOADER_ENTRY_SIZE) {
        const uint8_t *e = files.loader + pos;
        const char *a = (const char *)e + 4, *b = (const char *)e + 4 + ACPI_LOADER_FILE_MAX;
        int fa = strcmp(a, f[0].name) == 0 ? 0 : strcmp(a, f[1].name) == 0 ? 1 : -1;
        CHECK(fa >= 0);
        if (fa < 0) {
            return;
        }
        switch (ld_le32(e)) {
        case ACPI_LOADER_ALLOCATE:
            CHECK_EQ(e[8 + ACPI_LOADER_FILE_MAX],
                     fa == 1 ? ACPI_LOADER_ZONE_FSEG : ACPI_LOADER_ZONE_HIGH);
            CHECK_EQ(f[fa].addr % ld_le32(e + 4 + ACPI_LOADER_FILE_MAX), 0);
            f[fa].placed = true;
            break;
        case ACPI_LOADER_ADD_POINTER: {
            int fb = strcmp(b, f[0].name) == 0 ? 0 : 1;
            uint32_t off = ld_le32(e + 4 + 2 * ACPI_LOADER_FILE_MAX);
            uint8_t size = e[8 + 2 * ACPI_LOADER_FILE_MAX];
            CHECK(f[fa].placed && f[fb].placed && off + size <= f[fa].len);
            uint64_t v = 0;
            memcpy(&v, f[fa].data + off, size);
            v = le_to_host64(v) + f[fb].addr;
            v = le_to_host64(v);
            memcpy(f[fa].data + off, &v, size);
            pointers++;
            break;
        }
        case ACPI_LOADER_ADD_CHECKSUM: {
            uint32_t field = ld_le32(e + 4 + ACPI_LOADER_FILE_MAX);
            uint32_t start = ld_le32(e + 8 + ACPI_LOADER_FILE_MAX);
            uint32_t len = ld_le32(e + 12 + ACPI_LOADER_FILE_MAX);
            CHECK(start + len <= f[fa].len && field >= start && field < start + len);
            uint8_t sum = 0;
            for (uint32_t i = start; i < start + len; i++) {
                sum = (uint8_t)(sum + f[fa].data[i]);
            }
            f[fa].data[field] = (uint8_t)(f[fa].data[field] - sum);
            checksums++;
            break;
        }
        default:
            CHECK(false);
            break;
        }
    }
    CHECK(pointers >= 12);
    CHECK(checksums >= 5);
    static uint8_t direct[65536];
    size_t used = acpi_build_tables(&config, T, direct, sizeof(direct), NULL);
    CHECK_EQ(used, files.tables_len);
    CHECK(memcmp(files.rsdp, direct + ACPI_RSDP_OFFSET, ACPI_RSDP_SIZE) == 0);
    memset(direct + ACPI_RSDP_OFFSET, 0, ACPI_RSDP_SIZE);
    CHECK(memcmp(files.tables, direct, used) == 0);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_hw_acpi_loader_relocates_to_direct_build),
    CHECK_TEST(test_hw_acpi_tables_parse_with_iasl),
    CHECK_TEST(test_hw_acpi_tables_refuse_small_buffer),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
