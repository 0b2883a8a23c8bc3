/*
 * tests/guest/debug/gdb_target.c: a guest for the gdb sessions of check-gdb-guest.py, built
 * 64-bit (c64_gdb) and 32-bit (c32_gdb): named functions two calls deep, so gdb can break on
 * one by name, walk the stack (bt) from its DWARF call-frame information, and finish it to see
 * its return value.
 *
 * debug_outer(41) calls debug_inner(42); debug_inner adds 42 to `total` (0 at start) and
 * returns 3 * 42 = 126; debug_outer returns 126 + 7 = 133. The guest prints that and exits 0.
 */
#include "guest.h"

static volatile uint64_t total;

__attribute__((noinline)) uint64_t debug_inner(uint64_t x)
{
    total += x;
    return total * 3;
}

__attribute__((noinline)) uint64_t debug_outer(uint64_t x)
{
    uint64_t r = debug_inner(x + 1);
    return r + 7;
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    uint64_t v = debug_outer(41);
    guest_printf("debug_outer returned %llu\n", (unsigned long long)v);
    GUEST_CHECK_EQ("debug-outer-value", v, 133);
    return guest_finish_checks();
}
