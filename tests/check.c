/* tests/check.c: the runner behind tests/check.h. */
#include "check.h"

unsigned check_failures;

static bool is_selected(int argc, char **argv, const char *name)
{
    if (argc <= 1) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int check_run_tests(int argc, char **argv, const CheckTest *tests)
{
    unsigned passed = 0, failed = 0;
    for (const CheckTest *t = tests; t->name; t++) {
        if (!is_selected(argc, argv, t->name)) {
            continue;
        }
        check_failures = 0;
        t->fn();
        if (check_failures) {
            printf("FAIL %s (%u failed checks)\n", t->name, check_failures);
            failed++;
        } else {
            printf("ok   %s\n", t->name);
            passed++;
        }
    }
    if (passed + failed == 0) {
        printf("no test matched\n");
        return 1;
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
