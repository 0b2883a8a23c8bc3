/* hw/fw/acpi_loader.c: the ACPI tables as fw_cfg files for the firmware's loader (see
 * acpi_loader.h). The tables are built at address 0, so every pointer holds an offset into
 * "etc/acpi/tables" that ADD_POINTER turns into an address. */
#include "hw/fw/acpi_loader.h"

#include <string.h>

#include "util/endian.h"

static uint8_t *next_entry(AcpiLoaderFiles *f, uint32_t command)
{
    if (f->loader_len + ACPI_LOADER_ENTRY_SIZE > sizeof(f->loader)) {
        return NULL;
    }
    uint8_t *e = f->loader + f->loader_len;
    f->loader_len += ACPI_LOADER_ENTRY_SIZE;
    memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
    st_le32(e, command);
    return e;
}

static void allocate(AcpiLoaderFiles *f, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = next_entry(f, ACPI_LOADER_ALLOCATE);
    if (e) {
        strncpy((char *)e + 4, file, ACPI_LOADER_FILE_MAX - 1);
        st_le32(e + 4 + ACPI_LOADER_FILE_MAX, align);
        e[8 + ACPI_LOADER_FILE_MAX] = zone;
    }
}

static void add_pointer(AcpiLoaderFiles *f, const char *dest, const char *src, size_t offset,
                        uint8_t size)
{
    uint8_t *e = next_entry(f, ACPI_LOADER_ADD_POINTER);
    if (e) {
        strncpy((char *)e + 4, dest, ACPI_LOADER_FILE_MAX - 1);
        strncpy((char *)e + 4 + ACPI_LOADER_FILE_MAX, src, ACPI_LOADER_FILE_MAX - 1);
        st_le32(e + 4 + 2 * ACPI_LOADER_FILE_MAX, (uint32_t)offset);
        e[8 + 2 * ACPI_LOADER_FILE_MAX] = size;
    }
}

static void add_checksum(AcpiLoaderFiles *f, const char *file, size_t field, size_t start,
                         size_t length)
{
    uint8_t *e = next_entry(f, ACPI_LOADER_ADD_CHECKSUM);
    if (e) {
        strncpy((char *)e + 4, file, ACPI_LOADER_FILE_MAX - 1);
        st_le32(e + 4 + ACPI_LOADER_FILE_MAX, (uint32_t)field);
        st_le32(e + 8 + ACPI_LOADER_FILE_MAX, (uint32_t)start);
        st_le32(e + 12 + ACPI_LOADER_FILE_MAX, (uint32_t)length);
    }
}

/* A table's checksum again over its header's length (the checksum byte is at offset 9). */
static void recheck_table(AcpiLoaderFiles *f, size_t table)
{
    add_checksum(f, ACPI_LOADER_TABLES_FILE, table + 9, table, ld_le32(f->tables + table + 4));
}

int acpi_build_loader_files(const AcpiConfig *cfg, AcpiLoaderFiles *out)
{
    AcpiLayout l;
    memset(out, 0, sizeof(*out));
    out->tables_len = acpi_build_tables(cfg, 0, out->tables, sizeof(out->tables), &l);
    if (!out->tables_len) {
        return -1;
    }
    memcpy(out->rsdp, out->tables + l.rsdp, ACPI_RSDP_SIZE);
    memset(out->tables + l.rsdp, 0, ACPI_RSDP_SIZE); /* its copy in the F segment is the one */
    const char *T = ACPI_LOADER_TABLES_FILE, *R = ACPI_LOADER_RSDP_FILE;
    allocate(out, T, 64, ACPI_LOADER_ZONE_HIGH);
    allocate(out, R, 16, ACPI_LOADER_ZONE_FSEG);
    /* FADT: FIRMWARE_CTRL, DSDT, X_FIRMWARE_CTRL, X_DSDT (ACPI 6.4 table 5.9). */
    add_pointer(out, T, T, l.fadt + 36, 4);
    add_pointer(out, T, T, l.fadt + 40, 4);
    add_pointer(out, T, T, l.fadt + 132, 8);
    add_pointer(out, T, T, l.fadt + 140, 8);
    for (unsigned i = 0; i < l.ntables; i++) {
        add_pointer(out, T, T, l.rsdt + 36 + 4 * i, 4);
        add_pointer(out, T, T, l.xsdt + 36 + 8 * i, 8);
    }
    add_pointer(out, R, T, 16, 4);
    add_pointer(out, R, T, 24, 8);
    recheck_table(out, l.fadt);
    recheck_table(out, l.rsdt);
    recheck_table(out, l.xsdt);
    add_checksum(out, R, 8, 0, 20);              /* the ACPI 1.0 checksum */
    add_checksum(out, R, 32, 0, ACPI_RSDP_SIZE); /* the extended one */
    return out->loader_len ? 0 : -1;
}
