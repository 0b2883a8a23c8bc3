/* Tests of util/log.c: category masks, `-d` parsing, rate limiting, file output. */
#include "check.h"
#include "util/log.h"

#include <unistd.h>

static char log_path[] = "/tmp/vireo-test-log-XXXXXX";

static unsigned count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[512];
    unsigned n = 0;
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, needle)) {
            n++;
        }
    }
    fclose(f);
    return n;
}

static void open_log(void)
{
    int fd = mkstemp(log_path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(log_set_file(log_path), 0);
}

static void finish_log(void)
{
    log_close();
    unlink(log_path);
    strcpy(log_path, "/tmp/vireo-test-log-XXXXXX");
}

static void test_log_parse_mask_accepts_known_items(void)
{
    uint32_t mask = 0;
    char bad[32] = "";
    CHECK_EQ(log_parse_mask("guest_errors,unimp", &mask, bad, sizeof(bad)), 0);
    CHECK_EQ(mask, LOG_CAT_GUEST_ERROR | LOG_CAT_UNIMP);
    CHECK_EQ(log_parse_mask("int", &mask, bad, sizeof(bad)), 0);
    CHECK_EQ(mask, LOG_CAT_INT);
}

static void test_log_parse_mask_names_unknown_item(void)
{
    uint32_t mask = 0x55;
    char bad[32] = "";
    CHECK_EQ(log_parse_mask("int,bogus,unimp", &mask, bad, sizeof(bad)), (uint64_t)-1);
    CHECK_STR_EQ(bad, "bogus");
    CHECK_EQ(mask, 0x55);
}

static void test_log_disabled_category_prints_nothing(void)
{
    open_log();
    log_set_mask(LOG_CAT_INT);
    log_guest_error("write to reserved register %d", 7);
    log_cat(LOG_CAT_INT, "vector %d", 14);
    log_close();
    CHECK_EQ(count_lines(log_path, "reserved register"), 0);
    CHECK_EQ(count_lines(log_path, "vector 14"), 1);
    finish_log();
}

static void emit_guest_error(int i)
{
    log_guest_error("storm %d", i);
}

static void test_log_guest_error_is_rate_limited(void)
{
    open_log();
    log_set_mask(LOG_CAT_GUEST_ERROR);
    for (int i = 1; i <= 1000; i++) {
        emit_guest_error(i);
    }
    log_close();
    /* The burst, then occurrences 16, 32, ..., 512 (six lines). */
    CHECK_EQ(count_lines(log_path, "guest error: storm"), LOG_RATE_BURST + 6);
    CHECK_EQ(count_lines(log_path, "storm 512 (512 similar"), 1);
    CHECK_EQ(count_lines(log_path, "storm 11 "), 0);
    finish_log();
}

static void test_log_sites_are_limited_separately(void)
{
    open_log();
    log_set_mask(LOG_CAT_GUEST_ERROR | LOG_CAT_UNIMP);
    for (int i = 0; i < 100; i++) {
        emit_guest_error(i);
        log_unimp("opcode %d", i);
    }
    log_close();
    CHECK_EQ(count_lines(log_path, "unimplemented: opcode"), LOG_RATE_BURST + 3);
    finish_log();
}

static void test_log_set_file_reports_errno(void)
{
    CHECK(log_set_file("/nonexistent-dir/x/log") < 0);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_log_parse_mask_accepts_known_items),
    CHECK_TEST(test_log_parse_mask_names_unknown_item),
    CHECK_TEST(test_log_disabled_category_prints_nothing),
    CHECK_TEST(test_log_guest_error_is_rate_limited),
    CHECK_TEST(test_log_sites_are_limited_separately),
    CHECK_TEST(test_log_set_file_reports_errno),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
