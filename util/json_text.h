/*
 * util/json_text.h: text helpers shared by the JSON parser (json.c) and writer (json_write.c);
 * not part of the JSON interface.
 */
#ifndef VIREO_UTIL_JSON_TEXT_H
#define VIREO_UTIL_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode Standard §3.9 Table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0 if it is ill-formed or cut
 * short by avail.
 */
size_t json_utf8_sequence_length(const unsigned char *s, size_t avail);

/*
 * strtod of s[0..n), which uses '.' as JSON does whatever the locale's decimal point. *is_ok
 * is false when the text is not entirely a number or is longer than JSON_NUMBER_MAX.
 */
double json_strtod(const char *s, size_t n, bool *is_ok);

#endif
