/*
 * tests/guest/rt/runtime.c: debug-console output, printf-lite, check reporting and exit for the
 * C test guests (interface and protocol in guest.h). Built once per mode (-m32, -m64).
 *
 * Freestanding (C11 §4, GCC's -ffreestanding): no libc and no libgcc, so nothing here may divide
 * a 64-bit value (on i386 that is a call into libgcc); decimal conversion divides in 16-bit steps.
 * The GCC manual ("Language Standards Supported by GCC") requires a freestanding program to
 * provide memcpy, memmove, memset and memcmp, which GCC may call for struct copies and the like;
 * they are at the end of this file.
 */
#include "guest.h"

static unsigned checks_passed;
static unsigned checks_failed;

void guest_putc(char c)
{
    guest_out8(GUEST_DEBUGCON_PORT, (uint8_t)c);
}

void guest_puts(const char *s)
{
    while (*s) {
        guest_putc(*s++);
    }
}

static void put_repeated(char c, int count)
{
    for (; count > 0; count--) {
        guest_putc(c);
    }
}

/* *value /= 10, returning the remainder: long division by 16-bit digits, 32-bit arithmetic only. */
static unsigned divide_by_10(uint64_t *value)
{
    uint64_t quotient = 0;
    uint32_t rest = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        uint32_t part = rest << 16 | (uint32_t)(*value >> shift & 0xffff);
        quotient = quotient << 16 | part / 10;
        rest = part % 10;
    }
    *value = quotient;
    return rest;
}

static void put_number(uint64_t value, unsigned base, bool is_negative, int width, char pad)
{
    char digits[20]; /* 2^64 - 1 has 20 decimal digits */
    int count = 0;
    do {
        unsigned digit;
        if (base == 16) {
            digit = (unsigned)(value & 15);
            value >>= 4;
        } else {
            digit = divide_by_10(&value);
        }
        digits[count++] = "0123456789abcdef"[digit];
    } while (value != 0);

    int fill = width - count - (is_negative ? 1 : 0);
    if (pad == ' ') {
        put_repeated(' ', fill);
    }
    if (is_negative) {
        guest_putc('-');
    }
    if (pad == '0') {
        put_repeated('0', fill);
    }
    while (count > 0) {
        guest_putc(digits[--count]);
    }
}

static void put_formatted(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            guest_putc(*fmt);
            continue;
        }
        const char *start = fmt++;
        char pad = ' ';
        int width = 0;
        int longs = 0; /* 1: l or z, 2: ll */
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == 'z') {
            longs = sizeof(size_t) == sizeof(long) ? 1 : 0;
            fmt++;
        } else {
            while (*fmt == 'l' && longs < 2) {
                longs++;
                fmt++;
            }
        }

        switch (*fmt) {
        case 'c':
            guest_putc((char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int length = 0;
            s = s ? s : "(null)";
            while (s[length]) {
                length++;
            }
            put_repeated(' ', width - length);
            guest_puts(s);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v;
            if (longs == 2) {
                v = va_arg(ap, long long);
            } else if (longs == 1) {
                v = va_arg(ap, long);
            } else {
                v = va_arg(ap, int);
            }
            /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
            put_number(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t value;
            if (longs == 2) {
                value = va_arg(ap, unsigned long long);
            } else if (longs == 1) {
                value = va_arg(ap, unsigned long);
            } else {
                value = va_arg(ap, unsigned int);
            }
            put_number(value, *fmt == 'u' ? 10 : 16, false, width, pad);
            break;
        }
        case 'p':
            guest_puts("0x");
            put_number((uintptr_t)va_arg(ap, void *), 16, false, width, pad);
            break;
        case '%':
            guest_putc('%');
            break;
        default:
            /* Unknown or truncated conversion: show it rather than guess at the arguments. */
            for (; start <= fmt && *start; start++) {
                guest_putc(*start);
            }
            if (!*fmt) {
                return;
            }
            break;
        }
    }
}

void guest_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_formatted(fmt, ap);
    va_end(ap);
}

void guest_pass(const char *name)
{
    checks_passed++;
    guest_printf("PASS %s\n", name);
}

void guest_fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    checks_failed++;
    guest_printf("FAIL %s: ", name);
    va_start(ap, fmt);
    put_formatted(fmt, ap);
    va_end(ap);
    guest_putc('\n');
}

int guest_finish_checks(void)
{
    guest_printf("%u passed, %u failed\n", checks_passed, checks_failed);
    return checks_failed ? 1 : 0;
}

_Noreturn void guest_exit(uint32_t code)
{
    guest_out32(GUEST_EXIT_PORT, code);
    guest_printf("guest_exit(%u): no exit device at port 0x%x, halting\n", code, GUEST_EXIT_PORT);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) {
            return *x < *y ? -1 : 1;
        }
    }
    return 0;
}
