/*
 * tests/unit/test_system_chardev.c: the stdio multiplexer's escapes (QEMU's -nographic keys:
 * C-a x quits, C-a C-a sends C-a, C-a h prints help, any other pair passes through), and
 * input the guest cannot take yet staying queued.
 */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "system/chardev.h"

static void test_system_chardev_escapes(void)
{
    Chardev c;
    memset(&c, 0, sizeof(c));
    c.target = CHAR_TARGET_STDIO;
    c.in_fd = -1;
    uint8_t out[16];
    const uint8_t a[] = {'l', 's', 0x01, 0x01, '\r'};
    CHECK_EQ(chardev_filter_input(&c, a, sizeof(a), out), 4);
    CHECK(memcmp(out, "ls\x01\r", 4) == 0);
    const uint8_t b[] = {0x01, 'q', 'z'};
    CHECK_EQ(chardev_filter_input(&c, b, sizeof(b), out), 3);
    CHECK(memcmp(out, "\x01qz", 3) == 0);
    /* An escape split across two reads. */
    const uint8_t c1[] = {'a', 0x01}, c2[] = {'x'};
    CHECK_EQ(chardev_filter_input(&c, c1, sizeof(c1), out), 1);
    CHECK(!c.quit_requested);
    CHECK_EQ(chardev_filter_input(&c, c2, sizeof(c2), out), 0);
    CHECK(c.quit_requested);
    /* A file target has no escapes. */
    Chardev f;
    memset(&f, 0, sizeof(f));
    f.target = CHAR_TARGET_FILE;
    const uint8_t d[] = {0x01, 'x'};
    CHECK_EQ(chardev_filter_input(&f, d, sizeof(d), out), 2);
    CHECK(!f.quit_requested);
}

static void test_system_chardev_partial_reads_keep_input(void)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    Chardev c;
    memset(&c, 0, sizeof(c));
    c.target = CHAR_TARGET_STDIO;
    c.in_fd = fds[0];
    CHECK_EQ(write(fds[1], "hello", 5), 5);
    uint8_t buf[8];
    CHECK_EQ(chardev_read(&c, buf, 2), 2);
    CHECK(memcmp(buf, "he", 2) == 0);
    CHECK_EQ(chardev_read(&c, buf, 8), 3);
    CHECK(memcmp(buf, "llo", 3) == 0);
    close(fds[0]);
    close(fds[1]);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_system_chardev_escapes),
    CHECK_TEST(test_system_chardev_partial_reads_keep_input),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
