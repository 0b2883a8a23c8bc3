/*
 * hw/fw/aml.h: a small encoder of ACPI Machine Language, enough for the DSDT vireo builds
 * (ACPI Specification 6.4, chapter 20 "ACPI Machine Language Specification": §20.2.2 name
 * objects, §20.2.3 data objects, §20.2.4 package length encoding, §20.2.5 term objects; and
 * §6.4 "Resource Data Types for ACPI" for the resource templates in _CRS).
 *
 * Objects are built bottom-up into growable byte strings: a container (Scope, Device,
 * Package, Buffer) is closed by aml_* functions that wrap the content built so far with its
 * opcode and package length. Allocation failure is sticky: the first one marks the string
 * failed and later appends are dropped, so callers check once at the end.
 */
#ifndef VIREO_HW_FW_AML_H
#define VIREO_HW_FW_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Aml {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} Aml;

void aml_free(Aml *a);
void aml_append_bytes(Aml *a, const void *bytes, size_t len);
/* Appends (and frees) another string. */
void aml_append(Aml *a, Aml *child);

/* Data objects. */
void aml_integer(Aml *a, uint64_t v);     /* shortest of Zero/One/Byte/Word/DWord/QWord */
void aml_string(Aml *a, const char *s);
void aml_eisa_id(Aml *a, const char *id); /* "PNP0A03" as the compressed 32-bit EISA ID */
/* A name path: "\\_SB_.PCI0", "_HID", "\\_S5_" (segments padded with '_' to four). */
void aml_name_string(Aml *a, const char *path);

/* Name(path, <object already in `value`>). */
void aml_name(Aml *a, const char *path, Aml *value);
/* Containers: wrap `body`. */
void aml_scope(Aml *a, const char *path, Aml *body);
void aml_device(Aml *a, const char *path, Aml *body);
void aml_package(Aml *a, unsigned count, Aml *elements);
void aml_buffer(Aml *a, Aml *bytes);

/* Resource descriptors (§6.4) for a ResourceTemplate: append them, then aml_end_tag. */
void aml_res_io(Aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
void aml_res_irq(Aml *a, unsigned irq); /* IRQNoFlags: edge, active high, exclusive */
void aml_res_word_bus(Aml *a, uint16_t min, uint16_t max);
void aml_res_word_io(Aml *a, uint16_t min, uint16_t max);
void aml_res_dword_memory(Aml *a, uint32_t min, uint32_t max);
void aml_res_qword_memory(Aml *a, uint64_t min, uint64_t max);
void aml_res_end(Aml *a);

#endif
