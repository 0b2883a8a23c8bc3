/* util/error.c: one-line user error messages (see error.h). */
#include "util/error.h"

#include <stdio.h>
#include <string.h>

int error_set(Error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

void error_prefix(Error *err, const char *fmt, ...)
{
    if (!err) {
        return;
    }
    char line[ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* Append ": " and the old message, truncating at the buffer's end. */
    size_t used = n < 0 ? 0 : ((size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    const char *parts[2] = { ": ", err->msg };
    for (int i = 0; i < 2; i++) {
        size_t len = strlen(parts[i]);
        size_t room = sizeof(line) - 1 - used;
        len = len < room ? len : room;
        memcpy(line + used, parts[i], len);
        used += len;
    }
    line[used] = '\0';
    memcpy(err->msg, line, used + 1);
}

/* Process-wide like the log: the name of the running program, not machine state. */
static const char *program_name = "vireo";

void error_set_program_name(const char *name)
{
    program_name = name;
}

void error_report(const char *fmt, ...)
{
    char line[ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One line, whatever the message holds: a newline would split it for scripts. */
    for (char *p = line; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    fprintf(stderr, "%s: %s\n", program_name, line);
}

void error_report_err(const Error *err)
{
    error_report("%s", err->msg);
}
