/*
 * tests/check.h: the assertion header for vireo's C test programs.
 *
 * A test program lists its tests in a table and calls check_run_tests(), which runs each one,
 * prints a line per failed check with file and line, and closes with "N passed, N failed".
 * The exit status is non-zero when any test failed, which is what CTest reads.
 *
 *     static void test_pit_reset_values(void) { CHECK_EQ(pit.mode, 0); }
 *     static const CheckTest tests[] = { CHECK_TEST(test_pit_reset_values), { 0 } };
 *     int main(int argc, char **argv) { return check_run_tests(argc, argv, tests); }
 */
#ifndef VIREO_TESTS_CHECK_H
#define VIREO_TESTS_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct CheckTest {
    const char *name;
    void (*fn)(void);
} CheckTest;

#define CHECK_TEST(fn) { #fn, fn }

/* Failed checks in the running test; defined once by check_run_tests' translation unit. */
extern unsigned check_failures;

static inline void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static inline void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: check failed: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    check_failures++;
}

#define CHECK(cond)                                                  \
    do {                                                             \
        if (!(cond)) {                                               \
            check_fail(__FILE__, __LINE__, "%s", #cond);             \
        }                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                       \
    do {                                                                                     \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                         \
        if (check_a_ != check_b_) {                                                          \
            check_fail(__FILE__, __LINE__, "%s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")", #a, \
                       #b, check_a_, check_b_);                                              \
        }                                                                                    \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                               \
    do {                                                                                 \
        const char *check_a_ = (a), *check_b_ = (b);                                     \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                 \
            check_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, #b,        \
                       check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
        }                                                                                \
    } while (0)

#define CHECK_MEM_EQ(a, b, n)                                                 \
    do {                                                                      \
        if (memcmp((a), (b), (n)) != 0) {                                     \
            check_fail(__FILE__, __LINE__, "%s == %s (%zu bytes)", #a, #b,   \
                       (size_t)(n));                                          \
        }                                                                     \
    } while (0)

/*
 * Runs the tests named on the command line (all when none), prints one line per test and the
 * closing "N passed, N failed" line; returns the exit status.
 */
int check_run_tests(int argc, char **argv, const CheckTest *tests);

#endif
