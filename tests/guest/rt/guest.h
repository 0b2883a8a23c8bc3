/*
 * tests/guest/rt/guest.h: the runtime of the C test guests, the same source for 32-bit and 64-bit.
 *
 * A guest is a freestanding program that rt/entry32.asm or rt/entry64.asm starts (see there for
 * the CPU state it gets) by calling its
 *
 *     int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa);
 *
 * whose return value becomes the exit code. The host reads two things:
 *
 *   - Text on the debug console, port 0xE9, one byte per OUT (QEMU's isa-debugcon, -debugcon).
 *     Results are lines "PASS name" and "FAIL name: detail"; GUEST_CHECK writes them, and
 *     guest_finish_checks() closes with "N passed, N failed".
 *   - The exit code, written to port 0xF4 (QEMU's isa-debug-exit with iosize=4), which ends the
 *     emulator with status (code << 1) | 1. A run without that device halts instead.
 *
 * tests/guest/run-guest.sh checks both against what the test expects. Port numbers are the same
 * in rt/guest.inc, for guests written in nasm alone.
 *
 * The boot information layout is Multiboot Specification 0.6.96 §3.3, "Boot information format".
 * Deliberately small: no heap, no floating point (guests build with -mgeneral-regs-only), no
 * interrupts; tests that need them set them up themselves.
 */
#ifndef VIREO_TESTS_GUEST_RT_GUEST_H
#define VIREO_TESTS_GUEST_RT_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_DEBUGCON_PORT 0xe9
#define GUEST_EXIT_PORT 0xf4

#define MULTIBOOT_BOOT_MAGIC 0x2badb002u /* in EAX at entry, §3.2 */

/* MultibootInfo.flags bits (§3.3): which of the fields below the loader filled. */
#define MULTIBOOT_INFO_MEMORY (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

/* The boot information up to the memory map, the part a multiboot v1 loader fills for us. */
typedef struct MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower_kib; /* RAM below 1 MiB */
    uint32_t mem_upper_kib; /* RAM from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline_gpa; /* NUL-terminated */
    uint32_t mods_count;
    uint32_t mods_gpa;
    uint32_t syms[4];
    uint32_t mmap_length_bytes;
    uint32_t mmap_gpa;
} MultibootInfo;

/* Provided by each guest. */
int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa);

static inline void guest_out8(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void guest_out16(uint16_t port, uint16_t value)
{
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline void guest_out32(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t guest_in8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t guest_in16(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t guest_in32(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* PCI configuration mechanism #1, bus 0: devfn = slot << 3 | function, reg dword-aligned. */
static inline uint32_t guest_pci_read32(unsigned devfn, unsigned reg)
{
    guest_out32(0xcf8, 0x80000000u | devfn << 8 | reg);
    return guest_in32(0xcfc);
}

static inline void guest_pci_write32(unsigned devfn, unsigned reg, uint32_t value)
{
    guest_out32(0xcf8, 0x80000000u | devfn << 8 | reg);
    guest_out32(0xcfc, value);
}

static inline uintptr_t guest_read_cr0(void)
{
    uintptr_t value;
    __asm__ volatile("mov %%cr0, %0" : "=r"(value));
    return value;
}

static inline uintptr_t guest_read_cr4(void)
{
    uintptr_t value;
    __asm__ volatile("mov %%cr4, %0" : "=r"(value));
    return value;
}

static inline uint64_t guest_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

/* regs receives EAX, EBX, ECX, EDX. */
static inline void guest_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
                     : "a"(leaf), "c"(subleaf));
}

void guest_putc(char c);
void guest_puts(const char *s);

/*
 * printf for the debug console. Conversions: %c %s %d %i %u %x %p %%, with an optional '0' flag,
 * a field width and the length modifiers l, ll and z. Anything else is printed as it stands.
 */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report one check: "PASS name" or "FAIL name: <detail>". Both count for guest_finish_checks. */
void guest_pass(const char *name);
void guest_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define GUEST_CHECK(name, cond)                                                                    \
    do {                                                                                           \
        if (cond) {                                                                                \
            guest_pass(name);                                                                      \
        } else {                                                                                   \
            guest_fail(name, "%s (%s:%d)", #cond, __FILE__, __LINE__);                             \
        }                                                                                          \
    } while (0)

#define GUEST_CHECK_EQ(name, a, b)                                                                 \
    do {                                                                                           \
        uint64_t guest_a_ = (uint64_t)(a), guest_b_ = (uint64_t)(b);                               \
        if (guest_a_ == guest_b_) {                                                                \
            guest_pass(name);                                                                      \
        } else {                                                                                   \
            guest_fail(name, "%s == %s (0x%llx != 0x%llx)", #a, #b, (unsigned long long)guest_a_,  \
                       (unsigned long long)guest_b_);                                              \
        }                                                                                          \
    } while (0)

/* Prints "N passed, N failed" over every check so far; returns 0 when none failed, else 1. */
int guest_finish_checks(void);

/* Ends the run with exit code `code` (status (code << 1) | 1 under QEMU). */
_Noreturn void guest_exit(uint32_t code);

#endif
