/*
 * snapshot/state_table.h: how a device (or any module) describes its guest-visible state, so
 * that one table serves save, load, migration, the debug dump and the round-trip tests
 * (DESIGN.md "Record, replay, snapshots, migration"; STYLE.md §4 "State tables").
 *
 * Types and macros only: hw/ declares its tables with this header without linking the engine
 * (snapshot/state.h).
 *
 * A table is a list of fields, each a fixed-width integer, an array of them, a byte buffer, or
 * an array of structs described by a nested table. A field carries the version it appeared in:
 * loading a stream of an older version leaves it at its reset value. Optional state goes in a
 * named sub-table with a `needed` predicate instead of a version bump.
 */
#ifndef VIREO_SNAPSHOT_STATE_TABLE_H
#define VIREO_SNAPSHOT_STATE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum StateKind {
    STATE_KIND_END,    /* terminates a field list */
    STATE_KIND_UINT,   /* unsigned integer of `size` bytes (1, 2, 4, 8), `count` of them */
    STATE_KIND_INT,    /* signed integer of `size` bytes, `count` of them */
    STATE_KIND_BOOL,   /* bool, saved as one byte 0 or 1; any other value is refused */
    STATE_KIND_BUFFER, /* `size` raw bytes */
    STATE_KIND_STRUCT, /* `count` structs of `size` bytes each, described by `sub` */
    STATE_KIND_SUB,    /* optional sub-table `sub` on the same struct, saved when needed */
} StateKind;

struct StateDesc;

typedef struct StateField {
    const char *name;
    uint32_t offset;  /* in the owning struct */
    uint32_t size;    /* of one element, bytes */
    uint32_t count;   /* elements */
    uint16_t version; /* the table version that introduced the field */
    uint8_t kind;     /* StateKind */
    const struct StateDesc *sub;
} StateField;

typedef struct StateDesc {
    const char *name;
    uint16_t version;     /* what save writes */
    uint16_t min_version; /* oldest stream load accepts */
    const StateField *fields;
    /*
     * After a load: rebuild derived and host-side state (timers, IRQ levels) and validate
     * cross-field invariants. Returns 0, or -1 with a reason in err (one line, no device name:
     * the loader prefixes it). NULL: nothing to do.
     */
    int (*post_load)(void *opaque, char *err, size_t err_size);
    /* For a STATE_KIND_SUB table: whether the state is present to save. NULL: always. */
    bool (*needed)(const void *opaque);
} StateDesc;

#define STATE_MEMBER_SIZE(type, field) sizeof(((type *)0)->field)
#define STATE_ELEM_SIZE(type, field) sizeof(((type *)0)->field[0])

#define STATE_FIELD_V(type, field, kind_, size_, count_, ver, sub_)                                 \
    { #field, (uint32_t)offsetof(type, field), (uint32_t)(size_), (uint32_t)(count_), (ver),        \
      (uint8_t)(kind_), (sub_) }

/* Scalars and arrays of fixed-width integers; the _V forms name the version they appeared in. */
#define STATE_UINT_V(type, field, ver)                                                             \
    STATE_FIELD_V(type, field, STATE_KIND_UINT, STATE_MEMBER_SIZE(type, field), 1, ver, NULL)
#define STATE_INT_V(type, field, ver)                                                              \
    STATE_FIELD_V(type, field, STATE_KIND_INT, STATE_MEMBER_SIZE(type, field), 1, ver, NULL)
#define STATE_U8(type, field) STATE_UINT_V(type, field, 1)
#define STATE_U16(type, field) STATE_UINT_V(type, field, 1)
#define STATE_U32(type, field) STATE_UINT_V(type, field, 1)
#define STATE_U64(type, field) STATE_UINT_V(type, field, 1)
#define STATE_I32(type, field) STATE_INT_V(type, field, 1)
#define STATE_I64(type, field) STATE_INT_V(type, field, 1)
#define STATE_BOOL(type, field)                                                                    \
    STATE_FIELD_V(type, field, STATE_KIND_BOOL, 1, 1, 1, NULL)
#define STATE_UINT_ARRAY(type, field, n)                                                           \
    STATE_FIELD_V(type, field, STATE_KIND_UINT, STATE_ELEM_SIZE(type, field), n, 1, NULL)
#define STATE_BOOL_ARRAY(type, field, n)                                                           \
    STATE_FIELD_V(type, field, STATE_KIND_BOOL, 1, n, 1, NULL)
#define STATE_BUFFER(type, field)                                                                  \
    STATE_FIELD_V(type, field, STATE_KIND_BUFFER, STATE_MEMBER_SIZE(type, field), 1, 1, NULL)
#define STATE_STRUCT(type, field, desc)                                                            \
    STATE_FIELD_V(type, field, STATE_KIND_STRUCT, STATE_MEMBER_SIZE(type, field), 1, 1, &(desc))
#define STATE_STRUCT_ARRAY(type, field, n, desc)                                                   \
    STATE_FIELD_V(type, field, STATE_KIND_STRUCT, STATE_ELEM_SIZE(type, field), n, 1, &(desc))
#define STATE_SUBSECTION(name, desc)                                                               \
    { (name), 0, 0, 1, 1, STATE_KIND_SUB, &(desc) }
#define STATE_END { NULL, 0, 0, 0, 0, STATE_KIND_END, NULL }

#endif
