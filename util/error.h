/*
 * util/error.h: errors reported to the user (STYLE.md §6).
 *
 * A user error is one line on stderr, starting with the program name and the subject (the
 * option or file), e.g. "vireo: -kernel: bzImage: No such file or directory". It is reported
 * once, at the top; lower layers return an error code and fill an Error when details matter.
 */
#ifndef VIREO_UTIL_ERROR_H
#define VIREO_UTIL_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define ERROR_MSG_MAX 512

/* Details of a failure, filled by the layer that knows them, printed by the top. */
typedef struct Error {
    char msg[ERROR_MSG_MAX];
} Error;

/* Fill *err (if not NULL) with a formatted message; returns `code` for `return error_set(...)`. */
int error_set(Error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with "subject: ". */
void error_prefix(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The program name error_report() prefixes ("vireo" unless a tool sets its own). */
void error_set_program_name(const char *name);

/* Print one line "vireo: <message>" on stderr. */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error_report_err(const Error *err);

#endif
