/*
 * snapshot/state.h: the state-table engine: saves a struct described by a StateDesc
 * (snapshot/state_table.h) into a byte stream, loads it back with every check an untrusted
 * stream needs, and dumps it for debugging.
 *
 * Stream of one table: its version (2 bytes, little-endian), then the fields in table order:
 * integers little-endian in their declared width, booleans as one byte, buffers raw, struct
 * arrays as one nested record per element, and a sub-table as a presence byte followed, when
 * 1, by its own record. Fields newer than the stream's version are absent from it.
 */
#ifndef VIREO_SNAPSHOT_STATE_H
#define VIREO_SNAPSHOT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot/state_table.h"

typedef struct StateBuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} StateBuf;

void state_buf_free(StateBuf *b);

/* Appends the record of `opaque` to `out`. Returns 0 or -ENOMEM. */
int state_save(const StateDesc *desc, const void *opaque, StateBuf *out);

/*
 * Loads a record from data[0..len) into `opaque` (fields the stream lacks keep their values:
 * reset the struct first), then runs the post_load hooks, innermost first. Returns the bytes
 * consumed, or -1 with a one-line reason in err naming the table and field ("pit.ch[1].mode:
 * ..."): truncated stream, unsupported version, a boolean other than 0 or 1, a post_load
 * refusal.
 */
long state_load(const StateDesc *desc, void *opaque, const uint8_t *data, size_t len, char *err,
                size_t err_size);

/* Prints "table.field = value" lines (arrays by index) to f. */
void state_dump(const StateDesc *desc, const void *opaque, FILE *f);

#endif
