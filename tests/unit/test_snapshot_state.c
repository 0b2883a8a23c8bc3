/*
 * tests/unit/test_snapshot_state.c: the state-table engine: round trips through nested tables
 * and sub-tables, fields newer than the stream, and the refusals an untrusted stream needs.
 */
#include <string.h>

#include "check.h"
#include "snapshot/state.h"

typedef struct Chan {
    uint16_t reload;
    uint8_t mode;
    int64_t load_ns;
} Chan;

typedef struct Dev {
    Chan ch[3];
    uint8_t regs[4];
    bool is_on;
    uint32_t added_in_v2;
    uint8_t extra_present;
    uint32_t extra;
    uint8_t blob[5];
    void *host_plumbing; /* not in the table */
} Dev;

static int chan_post_load(void *opaque, char *err, size_t err_size)
{
    Chan *c = opaque;
    if (c->mode > 5) {
        snprintf(err, err_size, "mode %u out of range", c->mode);
        return -1;
    }
    return 0;
}

static const StateField chan_fields[] = {
    STATE_U16(Chan, reload),
    STATE_U8(Chan, mode),
    STATE_I64(Chan, load_ns),
    STATE_END,
};
static const StateDesc chan_desc = {
    .name = "ch", .version = 1, .min_version = 1, .fields = chan_fields,
    .post_load = chan_post_load,
};

static bool extra_needed(const void *opaque)
{
    return ((const Dev *)opaque)->extra_present != 0;
}

static const StateField extra_fields[] = {
    STATE_U32(Dev, extra),
    STATE_END,
};
static const StateDesc extra_desc = {
    .name = "extra", .version = 1, .min_version = 1, .fields = extra_fields,
    .needed = extra_needed,
};

static const StateField dev_fields[] = {
    STATE_STRUCT_ARRAY(Dev, ch, 3, chan_desc),
    STATE_UINT_ARRAY(Dev, regs, 4),
    STATE_BOOL(Dev, is_on),
    STATE_UINT_V(Dev, added_in_v2, 2),
    STATE_U8(Dev, extra_present),
    STATE_BUFFER(Dev, blob),
    STATE_SUBSECTION("extra", extra_desc),
    STATE_END,
};
static const StateDesc dev_desc = {
    .name = "dev", .version = 2, .min_version = 1, .fields = dev_fields,
};

static Dev sample(void)
{
    Dev d = {
        .ch = {{0x1234, 2, -5}, {0, 5, 1ll << 40}, {0xffff, 0, 7}},
        .regs = {1, 2, 3, 0xff},
        .is_on = true,
        .added_in_v2 = 0xdeadbeef,
        .extra_present = 1,
        .extra = 0x01020304,
        .blob = {9, 8, 7, 6, 5},
    };
    return d;
}

static void test_snapshot_state_round_trip(void)
{
    Dev a = sample(), b;
    memset(&b, 0, sizeof(b));
    StateBuf buf = {0};
    CHECK_EQ(state_save(&dev_desc, &a, &buf), 0);
    char err[200];
    CHECK_EQ(state_load(&dev_desc, &b, buf.data, buf.len, err, sizeof(err)), (long)buf.len);
    CHECK_EQ(b.ch[0].load_ns, -5);
    CHECK_EQ(b.ch[1].load_ns, 1ll << 40);
    CHECK_EQ(b.ch[2].reload, 0xffff);
    CHECK_EQ(b.regs[3], 0xff);
    CHECK(b.is_on);
    CHECK_EQ(b.added_in_v2, 0xdeadbeef);
    CHECK_EQ(b.extra, 0x01020304);
    CHECK_EQ(b.blob[4], 5);
    /* Saved again, the stream is the same bytes. */
    StateBuf again = {0};
    CHECK_EQ(state_save(&dev_desc, &b, &again), 0);
    CHECK_EQ(again.len, buf.len);
    CHECK(memcmp(again.data, buf.data, buf.len) == 0);
    /* Little-endian in the stream: version 2 first, then ch[0]: version 1, reload 34 12. */
    CHECK_EQ(buf.data[0], 2);
    CHECK_EQ(buf.data[1], 0);
    CHECK_EQ(buf.data[4], 0x34);
    CHECK_EQ(buf.data[5], 0x12);
    state_buf_free(&buf);
    state_buf_free(&again);
}

static void test_snapshot_state_sub_table_absent_when_not_needed(void)
{
    Dev a = sample(), b = sample();
    a.extra_present = 0;
    b.extra = 77;
    StateBuf with = {0}, without = {0};
    Dev c = sample();
    CHECK_EQ(state_save(&dev_desc, &c, &with), 0);
    CHECK_EQ(state_save(&dev_desc, &a, &without), 0);
    CHECK_EQ(without.len, with.len - 2 - 4); /* the sub-table's version and field */
    char err[200];
    CHECK(state_load(&dev_desc, &b, without.data, without.len, err, sizeof(err)) > 0);
    CHECK_EQ(b.extra, 77); /* untouched */
    state_buf_free(&with);
    state_buf_free(&without);
}

static void test_snapshot_state_older_stream_keeps_new_fields(void)
{
    /* A version-1 stream has no added_in_v2. Build it by saving with a v1 view of the table. */
    StateDesc v1 = dev_desc;
    v1.version = 1;
    static const StateField v1_fields[] = {
        STATE_STRUCT_ARRAY(Dev, ch, 3, chan_desc),
        STATE_UINT_ARRAY(Dev, regs, 4),
        STATE_BOOL(Dev, is_on),
        STATE_U8(Dev, extra_present),
        STATE_BUFFER(Dev, blob),
        STATE_SUBSECTION("extra", extra_desc),
        STATE_END,
    };
    v1.fields = v1_fields;
    Dev a = sample(), b = sample();
    b.added_in_v2 = 42;
    StateBuf buf = {0};
    CHECK_EQ(state_save(&v1, &a, &buf), 0);
    char err[200];
    CHECK_EQ(state_load(&dev_desc, &b, buf.data, buf.len, err, sizeof(err)), (long)buf.len);
    CHECK_EQ(b.added_in_v2, 42);
    CHECK_EQ(b.ch[0].reload, 0x1234);
    state_buf_free(&buf);
}

static void test_snapshot_state_refuses_bad_streams(void)
{
    Dev a = sample(), b;
    StateBuf buf = {0};
    CHECK_EQ(state_save(&dev_desc, &a, &buf), 0);
    char err[200];
    /* Every truncation is refused, naming a field. */
    unsigned refused = 0;
    for (size_t n = 0; n < buf.len; n++) {
        memset(&b, 0, sizeof(b));
        if (state_load(&dev_desc, &b, buf.data, n, err, sizeof(err)) < 0 &&
            strstr(err, "truncated")) {
            refused++;
        }
    }
    CHECK_EQ(refused, buf.len);
    /* A newer version than the table knows. */
    buf.data[0] = 3;
    CHECK_EQ(state_load(&dev_desc, &b, buf.data, buf.len, err, sizeof(err)), -1);
    CHECK(strstr(err, "version 3") != NULL);
    buf.data[0] = 2;
    /* A post_load refusal names the element. ch[1].mode is at 2 + (2 + 2 + 1 + 8) + 2 + 2. */
    size_t mode1 = 2 + 13 + 2 + 2;
    CHECK_EQ(buf.data[mode1], 5);
    buf.data[mode1] = 6;
    CHECK_EQ(state_load(&dev_desc, &b, buf.data, buf.len, err, sizeof(err)), -1);
    CHECK_STR_EQ(err, "dev.ch[1]: mode 6 out of range");
    buf.data[mode1] = 5;
    /* A boolean other than 0 or 1: is_on follows the three channels and regs. */
    size_t is_on = 2 + 3 * 13 + 4;
    CHECK_EQ(buf.data[is_on], 1);
    buf.data[is_on] = 2;
    CHECK_EQ(state_load(&dev_desc, &b, buf.data, buf.len, err, sizeof(err)), -1);
    CHECK_STR_EQ(err, "dev.is_on: boolean value 2");
    state_buf_free(&buf);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_snapshot_state_round_trip),
    CHECK_TEST(test_snapshot_state_sub_table_absent_when_not_needed),
    CHECK_TEST(test_snapshot_state_older_stream_keeps_new_fields),
    CHECK_TEST(test_snapshot_state_refuses_bad_streams),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
