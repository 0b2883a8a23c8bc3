/* hw/fw/aml.c: the AML encoder (see aml.h for the specification sections). */
#include "hw/fw/aml.h"

#include <stdlib.h>
#include <string.h>

enum {
    AML_ZERO_OP = 0x00,
    AML_ONE_OP = 0x01,
    AML_NAME_OP = 0x08,
    AML_BYTE_PREFIX = 0x0a,
    AML_WORD_PREFIX = 0x0b,
    AML_DWORD_PREFIX = 0x0c,
    AML_STRING_PREFIX = 0x0d,
    AML_QWORD_PREFIX = 0x0e,
    AML_SCOPE_OP = 0x10,
    AML_BUFFER_OP = 0x11,
    AML_PACKAGE_OP = 0x12,
    AML_DUAL_NAME_PREFIX = 0x2e,
    AML_MULTI_NAME_PREFIX = 0x2f,
    AML_ROOT_CHAR = 0x5c,
    AML_PARENT_PREFIX = 0x5e,
    AML_EXT_OP_PREFIX = 0x5b,
    AML_DEVICE_OP = 0x82, /* after the extended prefix */
};

void aml_free(Aml *a)
{
    free(a->data);
    *a = (Aml){0};
}

void aml_append_bytes(Aml *a, const void *bytes, size_t len)
{
    if (a->failed) {
        return;
    }
    if (a->cap - a->len < len) {
        size_t cap = a->cap ? a->cap : 64;
        while (cap - a->len < len) {
            cap *= 2;
        }
        uint8_t *p = realloc(a->data, cap);
        if (!p) {
            a->failed = true;
            return;
        }
        a->data = p;
        a->cap = cap;
    }
    memcpy(a->data + a->len, bytes, len);
    a->len += len;
}

static void put8(Aml *a, uint8_t v)
{
    aml_append_bytes(a, &v, 1);
}

static void put_le(Aml *a, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        put8(a, (uint8_t)(v >> (8 * i)));
    }
}

void aml_append(Aml *a, Aml *child)
{
    if (child->failed) {
        a->failed = true;
    }
    aml_append_bytes(a, child->data, child->len);
    aml_free(child);
}

/* PkgLength (§20.2.4): the length of the package including the PkgLength bytes. */
static void put_pkg_length(Aml *a, size_t content)
{
    if (content + 1 < 64) {
        put8(a, (uint8_t)(content + 1));
        return;
    }
    for (unsigned extra = 1; extra <= 3; extra++) {
        size_t total = content + 1 + extra;
        if (total < ((size_t)1 << (4 + 8 * extra))) {
            put8(a, (uint8_t)((extra << 6) | (total & 0xf)));
            for (unsigned i = 0; i < extra; i++) {
                put8(a, (uint8_t)(total >> (4 + 8 * i)));
            }
            return;
        }
    }
    a->failed = true; /* beyond 2^28 bytes: not encodable */
}

void aml_integer(Aml *a, uint64_t v)
{
    if (v == 0) {
        put8(a, AML_ZERO_OP);
    } else if (v == 1) {
        put8(a, AML_ONE_OP);
    } else if (v <= 0xff) {
        put8(a, AML_BYTE_PREFIX);
        put_le(a, v, 1);
    } else if (v <= 0xffff) {
        put8(a, AML_WORD_PREFIX);
        put_le(a, v, 2);
    } else if (v <= 0xffffffffu) {
        put8(a, AML_DWORD_PREFIX);
        put_le(a, v, 4);
    } else {
        put8(a, AML_QWORD_PREFIX);
        put_le(a, v, 8);
    }
}

void aml_string(Aml *a, const char *s)
{
    put8(a, AML_STRING_PREFIX);
    aml_append_bytes(a, s, strlen(s) + 1);
}

void aml_eisa_id(Aml *a, const char *id)
{
    /* Three letters in 5 bits each ('A' = 1), then four hex digits; bytes in that order. */
    uint16_t vendor = 0;
    for (unsigned i = 0; i < 3; i++) {
        vendor = (uint16_t)(vendor << 5 | ((id[i] - '@') & 0x1f));
    }
    uint16_t product = (uint16_t)strtoul(id + 3, NULL, 16);
    uint32_t v = (uint32_t)(vendor >> 8) | (uint32_t)(vendor & 0xff) << 8 |
                 (uint32_t)(product >> 8) << 16 | (uint32_t)(product & 0xff) << 24;
    put8(a, AML_DWORD_PREFIX);
    put_le(a, v, 4);
}

static void put_name_seg(Aml *a, const char *seg, size_t len)
{
    char s[4] = {'_', '_', '_', '_'};
    memcpy(s, seg, len < 4 ? len : 4);
    aml_append_bytes(a, s, 4);
}

void aml_name_string(Aml *a, const char *path)
{
    while (*path == '\\' || *path == '^') {
        put8(a, *path == '\\' ? AML_ROOT_CHAR : AML_PARENT_PREFIX);
        path++;
    }
    unsigned segs = 1;
    for (const char *p = path; *p; p++) {
        segs += *p == '.';
    }
    if (segs == 2) {
        put8(a, AML_DUAL_NAME_PREFIX);
    } else if (segs > 2) {
        put8(a, AML_MULTI_NAME_PREFIX);
        put8(a, (uint8_t)segs);
    }
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        put_name_seg(a, path, len);
        path += len + (dot ? 1 : 0);
    }
}

void aml_name(Aml *a, const char *path, Aml *value)
{
    put8(a, AML_NAME_OP);
    aml_name_string(a, path);
    aml_append(a, value);
}

/* opcode bytes, PkgLength, then `head` (name or count) and `body`. */
static void wrap(Aml *a, const uint8_t *op, size_t op_len, Aml *head, Aml *body)
{
    aml_append_bytes(a, op, op_len);
    put_pkg_length(a, head->len + body->len);
    aml_append(a, head);
    aml_append(a, body);
}

void aml_scope(Aml *a, const char *path, Aml *body)
{
    static const uint8_t op[] = {AML_SCOPE_OP};
    Aml name = {0};
    aml_name_string(&name, path);
    wrap(a, op, sizeof(op), &name, body);
}

void aml_device(Aml *a, const char *path, Aml *body)
{
    static const uint8_t op[] = {AML_EXT_OP_PREFIX, AML_DEVICE_OP};
    Aml name = {0};
    aml_name_string(&name, path);
    wrap(a, op, sizeof(op), &name, body);
}

void aml_package(Aml *a, unsigned count, Aml *elements)
{
    static const uint8_t op[] = {AML_PACKAGE_OP};
    Aml n = {0};
    put8(&n, (uint8_t)count);
    wrap(a, op, sizeof(op), &n, elements);
}

void aml_buffer(Aml *a, Aml *bytes)
{
    static const uint8_t op[] = {AML_BUFFER_OP};
    Aml size = {0};
    aml_integer(&size, bytes->len);
    wrap(a, op, sizeof(op), &size, bytes);
}

/* §6.4.2.5 I/O Port Descriptor (small item 0x08, 7 bytes): 16-bit decode. */
void aml_res_io(Aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    put8(a, 0x47);
    put8(a, 0x01);
    put_le(a, min, 2);
    put_le(a, max, 2);
    put8(a, align);
    put8(a, len);
}

/* §6.4.2.1 IRQ Descriptor, the 2-byte form without flags: a mask of the ISA IRQs used. */
void aml_res_irq(Aml *a, unsigned irq)
{
    put8(a, 0x22);
    put_le(a, irq < 16 ? 1u << irq : 0, 2);
}

/* §6.4.3.5 Address Space Descriptors: resource type, general flags (MinFixed, MaxFixed,
 * producer), type-specific flags, then granularity, min, max, translation, length. */
static void address_space(Aml *a, uint8_t tag, unsigned width, uint8_t type, uint8_t tflags,
                          uint64_t min, uint64_t max)
{
    put8(a, tag);
    put_le(a, 3 + 5 * width, 2);
    put8(a, type);
    put8(a, 0x0c);
    put8(a, tflags);
    put_le(a, 0, width);
    put_le(a, min, width);
    put_le(a, max, width);
    put_le(a, 0, width);
    put_le(a, max - min + 1, width);
}

void aml_res_word_bus(Aml *a, uint16_t min, uint16_t max)
{
    address_space(a, 0x88, 2, 2, 0, min, max);
}

void aml_res_word_io(Aml *a, uint16_t min, uint16_t max)
{
    address_space(a, 0x88, 2, 1, 0x03, min, max); /* ISA and non-ISA ranges */
}

void aml_res_dword_memory(Aml *a, uint32_t min, uint32_t max)
{
    address_space(a, 0x87, 4, 0, 0x03, min, max); /* read-write, cacheable */
}

void aml_res_qword_memory(Aml *a, uint64_t min, uint64_t max)
{
    address_space(a, 0x8a, 8, 0, 0x03, min, max);
}

/* §6.4.2.9 End Tag; a zero checksum means "treat as valid". */
void aml_res_end(Aml *a)
{
    put8(a, 0x79);
    put8(a, 0x00);
}
