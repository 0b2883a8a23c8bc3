/*
 * hw/fw/acpi_loader.h: vireo's ACPI tables (acpi_tables.c) for a firmware that places them
 * itself, as SeaBIOS does under QEMU: fw_cfg files "etc/acpi/tables" and "etc/acpi/rsdp", and
 * "etc/table-loader", a list of 128-byte commands (QEMU's BIOS linker/loader interface, which
 * SeaBIOS implements in its romfile loader): ALLOCATE a file in a memory zone (the RSDP in the
 * F segment, where the specification has an OS look for it; the rest high), ADD_POINTER the
 * allocated address of one file to a pointer field in another, ADD_CHECKSUM a table again once
 * its pointers changed. The firmware then builds no tables of its own.
 */
#ifndef VIREO_HW_FW_ACPI_LOADER_H
#define VIREO_HW_FW_ACPI_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "hw/fw/acpi_tables.h"

#define ACPI_LOADER_ENTRY_SIZE 128
#define ACPI_LOADER_FILE_MAX 56

enum {
    ACPI_LOADER_ALLOCATE = 1,
    ACPI_LOADER_ADD_POINTER = 2,
    ACPI_LOADER_ADD_CHECKSUM = 3,
    ACPI_LOADER_ZONE_HIGH = 1,
    ACPI_LOADER_ZONE_FSEG = 2,
};

#define ACPI_LOADER_TABLES_FILE "etc/acpi/tables"
#define ACPI_LOADER_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_LOADER_FILE "etc/table-loader"

typedef struct AcpiLoaderFiles {
    uint8_t tables[0x10000];
    size_t tables_len;
    uint8_t rsdp[ACPI_RSDP_SIZE];
    uint8_t loader[32 * ACPI_LOADER_ENTRY_SIZE];
    size_t loader_len;
} AcpiLoaderFiles;

/* Builds the three files. Returns 0, or -1 when the tables do not fit. */
int acpi_build_loader_files(const AcpiConfig *cfg, AcpiLoaderFiles *out);

#endif
