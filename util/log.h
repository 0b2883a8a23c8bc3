/*
 * util/log.h: diagnostic log with levels and categories.
 *
 * Categories are the QEMU-style `-d` items (guest_errors, unimp, int, ...); a message in a
 * category is printed only when that category is enabled. Levels (error .. debug) apply to
 * messages about vireo itself. Messages a guest can trigger at will (log_guest_error,
 * log_unimp) are rate-limited per call site so a looping guest cannot flood the log.
 *
 * The log is a property of the process (one output stream, one `-d` mask), not of a machine:
 * it is the one piece of process-wide mutable state outside the machine struct, and it is
 * never saved in a snapshot.
 */
#ifndef VIREO_UTIL_LOG_H
#define VIREO_UTIL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum LogLevel {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
} LogLevel;

/* One bit per `-d` category; the names are in log_categories[]. */
typedef enum LogCategory {
    LOG_CAT_GUEST_ERROR = 1u << 0,
    LOG_CAT_UNIMP = 1u << 1,
    LOG_CAT_INT = 1u << 2,
    LOG_CAT_EXEC = 1u << 3,
    LOG_CAT_IN_ASM = 1u << 4,
    LOG_CAT_CPU = 1u << 5,
} LogCategory;

typedef struct LogCategoryName {
    const char *name;
    uint32_t mask;
    const char *help;
} LogCategoryName;

/* Terminated by an entry with name == NULL. */
extern const LogCategoryName log_categories[];

/* Messages a single call site may print before it is throttled. */
#define LOG_RATE_BURST 10

void log_set_level(LogLevel level);
void log_set_mask(uint32_t mask);
uint32_t log_get_mask(void);
bool log_enabled(uint32_t category);
/* Redirect the log to `path` (the `-D` option). Returns 0 or a negative errno. */
int log_set_file(const char *path);
/* Where log lines go (stderr unless log_set_file was called); for tests and trace writers. */
FILE *log_stream(void);
void log_close(void);

/*
 * Parse a `-d` list ("guest_errors,unimp"). Returns 0 and stores the mask, or -1 and copies
 * the first unknown item into bad[bad_size].
 */
int log_parse_mask(const char *list, uint32_t *mask, char *bad, size_t bad_size);

void log_msg(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_cat(uint32_t category, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Rate-limited category message. `site` identifies the call site (the macros below pass the
 * format string's address); the first LOG_RATE_BURST messages of a site are printed, then only
 * the 2^k-th ones, each saying how many were suppressed.
 */
void log_cat_limited(uint32_t category, const void *site, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Something the guest did that hardware would reject or ignore. */
#define log_guest_error(fmt, ...) \
    log_cat_limited(LOG_CAT_GUEST_ERROR, fmt, "guest error: " fmt, ##__VA_ARGS__)
/* A feature the guest used that vireo does not implement. */
#define log_unimp(fmt, ...) \
    log_cat_limited(LOG_CAT_UNIMP, fmt, "unimplemented: " fmt, ##__VA_ARGS__)

#endif
