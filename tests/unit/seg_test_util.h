/*
 * tests/unit/seg_test_util.h: building descriptor tables for the segmentation, control
 * transfer and interrupt tests: descriptors and gates in the SDM's formats (Vol. 3A §3.4.5
 * figure 3-8, §5.8.3 figure 5-8, §6.11 figure 6-2, §6.14.1 figure 6-8), written into fixture
 * RAM, and a memory layout that avoids the fixture's own GDT and page tables.
 */
#ifndef VIREO_TESTS_SEG_TEST_UTIL_H
#define VIREO_TESTS_SEG_TEST_UTIL_H

#include <stdint.h>

#include "cpu_fixture.h"
#include "util/endian.h"

#define T_GDT 0x9000   /* 256 entries */
#define T_IDT 0xa000   /* 256 16-byte entries */
#define T_TSS 0xc000   /* the current task's TSS */
#define T_TSS2 0xc800  /* a second TSS */
#define T_LDT 0xd000
#define T_CODE 0x10000 /* the test program */
#define T_HANDLER 0x11000 /* handlers, 0x100 bytes apart */
#define T_USER 0x12000    /* ring-3 code */
#define T_STACK0 0x80000  /* ring-0 stack top */
#define T_STACK3 0x70000  /* ring-3 stack top */
#define T_IST 0x60000

/* GDT selectors the tests install (the first seven match the fixture's). */
#define S_CODE32 0x08
#define S_DATA 0x10
#define S_CODE64 0x18
#define S_UDATA 0x23
#define S_UCODE64 0x2b
#define S_UCODE32 0x33
#define S_DATA_NP 0x38  /* data, not present */
#define S_GATE32 0x40   /* 32-bit call gate to S_CODE32:T_HANDLER, DPL 3, 2 parameters */
#define S_TSS 0x48      /* 32-bit TSS at T_TSS (or 64-bit TSS at T_TSS, 16 bytes: 0x48-0x57) */
#define S_TSS2 0x58     /* 32-bit TSS at T_TSS2 */
#define S_CODE16 0x60   /* 16-bit code, base T_CODE, limit FFFFh */
#define S_DATA_RO 0x68  /* read-only data, ring 0 */
#define S_DATA_NA 0x70  /* data, ring 0, accessed bit clear */
#define S_GATE64 0x78   /* 64-bit call gate (16 bytes: 0x78-0x87) to S_CODE64:T_HANDLER, DPL 3 */
#define S_LDT 0x88      /* LDT at T_LDT */
#define S_CODE32_C 0x90 /* conforming 32-bit code, DPL 0 */

static inline uint64_t t_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* A gate: selector, offset bits 31:0, access byte (P, DPL, type), parameter count or IST. */
static inline uint64_t t_gate(uint16_t sel, uint32_t offset, uint8_t access, uint8_t count)
{
    return (uint64_t)(offset & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)count << 32) |
           ((uint64_t)access << 40) | ((uint64_t)(offset >> 16) << 48);
}

static inline void t_put64(Fixture *f, uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    st_le64(b, v);
    fixture_write(f, addr, b, 8);
}

static inline void t_put32(Fixture *f, uint64_t addr, uint32_t v)
{
    uint8_t b[4];
    st_le32(b, v);
    fixture_write(f, addr, b, 4);
}

static inline void t_put16(Fixture *f, uint64_t addr, uint16_t v)
{
    uint8_t b[2];
    st_le16(b, v);
    fixture_write(f, addr, b, 2);
}

static inline uint64_t t_get64(Fixture *f, uint64_t addr)
{
    uint8_t b[8];
    fixture_read(f, addr, b, 8);
    return ld_le64(b);
}

static inline uint32_t t_get32(Fixture *f, uint64_t addr)
{
    uint8_t b[4];
    fixture_read(f, addr, b, 4);
    return ld_le32(b);
}

static inline uint16_t t_get16(Fixture *f, uint64_t addr)
{
    uint8_t b[2];
    fixture_read(f, addr, b, 2);
    return ld_le16(b);
}

static inline void t_set_gdt_entry(Fixture *f, uint16_t sel, uint64_t v)
{
    t_put64(f, T_GDT + (sel & ~7u), v);
}

/* Interrupt gates (access 8Eh | DPL << 5) in the 8- or 16-byte format. */
static inline void t_set_idt32(Fixture *f, unsigned vector, uint16_t sel, uint32_t offset,
                               uint8_t access)
{
    t_put64(f, T_IDT + 8 * vector, t_gate(sel, offset, access, 0));
}

static inline void t_set_idt64(Fixture *f, unsigned vector, uint16_t sel, uint64_t offset,
                               uint8_t access, unsigned ist)
{
    t_put64(f, T_IDT + 16 * vector, t_gate(sel, (uint32_t)offset, access, (uint8_t)ist));
    t_put64(f, T_IDT + 16 * vector + 8, offset >> 32);
}

/*
 * The fixture in `mode` at `cpl`, with the tests' GDT, an empty IDT, a TSS whose ring-0 stack
 * is T_STACK0 (32-bit TSS in flat mode, 64-bit TSS in long mode), and the stack at T_STACK0
 * (ring 0) or T_STACK3 (ring 3).
 */
static inline void t_setup(Fixture *f, FixtureMode mode, unsigned cpl)
{
    fixture_set_mode(f, mode, cpl);
    CpuState *cpu = &f->cpu;
    uint8_t zero[4096] = { 0 };
    fixture_write(f, T_IDT, zero, sizeof(zero));
    fixture_write(f, T_GDT, zero, sizeof(zero));
    fixture_write(f, T_TSS, zero, sizeof(zero));
    static const uint64_t base_gdt[] = {
        0,
        0x00cf9b000000ffffull, /* 08 code32 */
        0x00cf93000000ffffull, /* 10 data */
        0x00af9b000000ffffull, /* 18 code64 */
        0x00cff3000000ffffull, /* 20 data, ring 3 */
        0x00affb000000ffffull, /* 28 code64, ring 3 */
        0x00cffb000000ffffull, /* 30 code32, ring 3 */
    };
    for (unsigned i = 0; i < 7; i++) {
        t_put64(f, T_GDT + 8 * i, base_gdt[i]);
    }
    t_set_gdt_entry(f, S_DATA_NP, t_desc(0, 0xfffff, 0x13, 0xc));
    t_set_gdt_entry(f, S_GATE32, t_gate(S_CODE32, T_HANDLER, 0xec, 2));
    t_set_gdt_entry(f, S_TSS2, t_desc(T_TSS2, 0x67, 0x89, 0));
    t_set_gdt_entry(f, S_CODE16, t_desc(T_CODE, 0xffff, 0x9b, 0));
    t_set_gdt_entry(f, S_DATA_RO, t_desc(0, 0xfffff, 0x91, 0xc));
    t_set_gdt_entry(f, S_DATA_NA, t_desc(0, 0xfffff, 0x92, 0xc));
    t_set_gdt_entry(f, S_GATE64, t_gate(S_CODE64, T_HANDLER, 0xec, 0));
    t_set_gdt_entry(f, S_LDT, t_desc(T_LDT, 0xff, 0x82, 0));
    t_set_gdt_entry(f, S_CODE32_C, t_desc(0, 0xfffff, 0x9f, 0xc));
    cpu->gdtr = (TableRegister){ T_GDT, 0x7ff };
    cpu->idtr = (TableRegister){ T_IDT, mode == FIXTURE_LONG64 ? 0xfff : 0x7ff };
    if (mode == FIXTURE_LONG64) {
        t_set_gdt_entry(f, S_TSS, t_desc(T_TSS, 0x67, 0x8b, 0)); /* busy 64-bit TSS */
        t_put64(f, T_GDT + S_TSS + 8, 0);
        t_put64(f, T_TSS + 4, T_STACK0);
    } else {
        t_set_gdt_entry(f, S_TSS, t_desc(T_TSS, 0x67, 0x8b, 0)); /* busy 32-bit TSS */
        t_put32(f, T_TSS + 4, T_STACK0);
        t_put32(f, T_TSS + 8, S_DATA);
    }
    cpu->tr = (SegmentCache){ .base = T_TSS, .limit = 0x67, .selector = S_TSS,
                              .attr = SEG_ATTR_P | 0xb };
    cpu->regs[R_SP] = cpl ? T_STACK3 : T_STACK0;
}

/* Handler code: HLT at T_HANDLER + 0x100 * n. */
static inline uint32_t t_handler_addr(unsigned n)
{
    return T_HANDLER + 0x100 * n;
}

static inline void t_write_code(Fixture *f, uint64_t addr, const uint8_t *code, unsigned len)
{
    fixture_write(f, addr, code, len);
}

#endif
