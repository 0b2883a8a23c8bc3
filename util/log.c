/*
 * util/log.c: the diagnostic log (see log.h). Rate limiting keeps a small open-addressed table
 * of call sites; when it is full, further sites share the last slot, which only makes them
 * quieter, never louder.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define LOG_SITES 256

typedef struct LogSite {
    const void *site;
    uint64_t count;
} LogSite;

typedef struct LogState {
    LogLevel level;
    uint32_t mask;
    FILE *file; /* NULL: stderr */
    LogSite sites[LOG_SITES];
} LogState;

static LogState log_state = { .level = LOG_LEVEL_WARN };

const LogCategoryName log_categories[] = {
    { "guest_errors", LOG_CAT_GUEST_ERROR, "guest actions that hardware rejects or ignores" },
    { "unimp", LOG_CAT_UNIMP, "features the guest used that vireo does not implement" },
    { "int", LOG_CAT_INT, "interrupts and exceptions" },
    { "exec", LOG_CAT_EXEC, "each translation block executed (CS:RIP)" },
    { "in_asm", LOG_CAT_IN_ASM, "guest code of each new block, disassembled" },
    { "cpu", LOG_CAT_CPU, "CPU registers before each block" },
    { NULL, 0, NULL },
};

static const char *const level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warning",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

FILE *log_stream(void)
{
    return log_state.file ? log_state.file : stderr;
}

void log_set_level(LogLevel level)
{
    log_state.level = level;
}

void log_set_mask(uint32_t mask)
{
    log_state.mask = mask;
}

uint32_t log_get_mask(void)
{
    return log_state.mask;
}

bool log_enabled(uint32_t category)
{
    return (log_state.mask & category) != 0;
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return -errno;
    }
    log_close();
    log_state.file = f;
    return 0;
}

void log_close(void)
{
    if (log_state.file) {
        fclose(log_state.file);
        log_state.file = NULL;
    }
}

int log_parse_mask(const char *list, uint32_t *mask, char *bad, size_t bad_size)
{
    uint32_t m = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const LogCategoryName *c;
        for (c = log_categories; c->name; c++) {
            if (strlen(c->name) == len && strncmp(c->name, p, len) == 0) {
                m |= c->mask;
                break;
            }
        }
        if (!c->name && len > 0) {
            snprintf(bad, bad_size, "%.*s", (int)len, p);
            return -1;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    *mask = m;
    return 0;
}

static void vlog_line(const char *prefix, const char *fmt, va_list ap)
{
    FILE *out = log_stream();
    if (prefix) {
        fprintf(out, "%s: ", prefix);
    }
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    fflush(out);
}

void log_msg(LogLevel level, const char *fmt, ...)
{
    if (level > log_state.level) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog_line(level_names[level], fmt, ap);
    va_end(ap);
}

void log_cat(uint32_t category, const char *fmt, ...)
{
    if (!log_enabled(category)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog_line(NULL, fmt, ap);
    va_end(ap);
}

static LogSite *find_site(const void *site)
{
    size_t h = ((uintptr_t)site >> 3) % LOG_SITES;
    for (size_t i = 0; i < LOG_SITES; i++) {
        LogSite *s = &log_state.sites[(h + i) % LOG_SITES];
        if (s->site == site || s->site == NULL) {
            s->site = site;
            return s;
        }
    }
    return &log_state.sites[LOG_SITES - 1];
}

static bool is_power_of_two(uint64_t v)
{
    return v && !(v & (v - 1));
}

void log_cat_limited(uint32_t category, const void *site, const char *fmt, ...)
{
    if (!log_enabled(category)) {
        return;
    }
    LogSite *s = find_site(site);
    uint64_t n = ++s->count;
    if (n > LOG_RATE_BURST && !is_power_of_two(n)) {
        return;
    }
    FILE *out = log_stream();
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    if (n > LOG_RATE_BURST) {
        fprintf(out, " (%llu similar messages so far, most suppressed)", (unsigned long long)n);
    }
    fputc('\n', out);
    fflush(out);
}
