/*
 * Tests of softmmu/ioport.c: registration and overlap, splitting of wide accesses into the
 * widths a device takes, accesses straddling devices, unassigned ports, the top of the space.
 */
#include <errno.h>

#include "check.h"
#include "softmmu/ioport.h"
#include "util/log.h"

typedef struct Access {
    bool is_write;
    uint64_t offset;
    uint64_t value;
    unsigned size;
} Access;

typedef struct FakePorts {
    Access log[32];
    unsigned count;
    uint8_t regs[16];
} FakePorts;

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakePorts *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(offset + i) % 16] << (8 * i);
    }
    if (d->count < 32) {
        d->log[d->count++] = (Access){false, offset, v, size};
    }
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FakePorts *d = opaque;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(offset + i) % 16] = (uint8_t)(value >> (8 * i));
    }
    if (d->count < 32) {
        d->log[d->count++] = (Access){true, offset, value, size};
    }
}

static const IoOps byte_ops = {fake_read, fake_write, 1, 1};
static const IoOps word_ops = {fake_read, fake_write, 1, 2};
static const IoOps dword_only_ops = {fake_read, fake_write, 4, 4};

static void test_port_unassigned_reads_all_ones(void)
{
    PortSpace *ps = port_space_new();
    CHECK_EQ(port_read(ps, 0x80, 1), 0xff);
    CHECK_EQ(port_read(ps, 0x80, 2), 0xffff);
    CHECK_EQ(port_read(ps, 0x80, 4), 0xffffffffu);
    port_write(ps, 0x80, 0x12345678, 4);           /* ignored */
    CHECK_EQ(port_read(ps, 0x80, 3), 0xffffffffu); /* bad size */
    port_space_free(ps);
}

static void test_port_word_access_to_byte_device_splits(void)
{
    PortSpace *ps = port_space_new();
    FakePorts d = {0};
    CHECK_EQ(port_space_register(ps, 0x60, 8, &byte_ops, &d), 0);
    port_write(ps, 0x61, 0xaabb, 2);
    CHECK_EQ(d.count, 2);
    CHECK(d.log[0].is_write);
    CHECK_EQ(d.log[0].offset, 1);
    CHECK_EQ(d.log[0].value, 0xbb);
    CHECK_EQ(d.log[0].size, 1);
    CHECK_EQ(d.log[1].offset, 2);
    CHECK_EQ(d.log[1].value, 0xaa);
    d.count = 0;
    CHECK_EQ(port_read(ps, 0x60, 4), 0x00aabb00u);
    CHECK_EQ(d.count, 4);
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(d.log[i].offset, i);
        CHECK_EQ(d.log[i].size, 1);
    }
    port_space_free(ps);
}

static void test_port_word_device_gets_whole_word(void)
{
    PortSpace *ps = port_space_new();
    FakePorts d = {0};
    port_space_register(ps, 0x1ce, 2, &word_ops, &d);
    port_write(ps, 0x1cf, 0x1234, 2); /* odd port, straddles the end: 1 byte to the device */
    CHECK_EQ(d.count, 1);
    CHECK_EQ(d.log[0].size, 1);
    CHECK_EQ(d.log[0].value, 0x34);
    d.count = 0;
    port_write(ps, 0x1ce, 0x4321, 2);
    CHECK_EQ(d.count, 1);
    CHECK_EQ(d.log[0].size, 2);
    CHECK_EQ(d.log[0].offset, 0);
    CHECK_EQ(port_read(ps, 0x1ce, 2), 0x4321);
    /* A dword read: a word from the device, then two unassigned bytes. */
    CHECK_EQ(port_read(ps, 0x1ce, 4), 0xffff4321u);
    port_space_free(ps);
}

static void test_port_access_straddles_two_devices(void)
{
    PortSpace *ps = port_space_new();
    FakePorts a = {0}, b = {0};
    port_space_register(ps, 0x100, 2, &word_ops, &a);
    port_space_register(ps, 0x102, 2, &word_ops, &b);
    port_write(ps, 0x101, 0x44332211, 4); /* a: 1 byte, b: 2 bytes, 0x104: unassigned */
    CHECK_EQ(a.count, 1);
    CHECK_EQ(a.log[0].offset, 1);
    CHECK_EQ(a.log[0].value, 0x11);
    CHECK_EQ(b.count, 1);
    CHECK_EQ(b.log[0].offset, 0);
    CHECK_EQ(b.log[0].size, 2);
    CHECK_EQ(b.log[0].value, 0x3322);
    port_space_free(ps);
}

static void test_port_narrow_access_filtered(void)
{
    PortSpace *ps = port_space_new();
    FakePorts d = {0};
    d.regs[0] = 0x42;
    port_space_register(ps, 0xcf8, 4, &dword_only_ops, &d);
    CHECK_EQ(port_read(ps, 0xcf8, 1), 0xff);
    port_write(ps, 0xcf8, 0, 2);
    CHECK_EQ(d.count, 0);
    CHECK_EQ(port_read(ps, 0xcf8, 4), 0x42);
    CHECK_EQ(d.count, 1);
    port_space_free(ps);
}

static void test_port_later_registration_wins(void)
{
    PortSpace *ps = port_space_new();
    FakePorts a = {0}, b = {0};
    port_space_register(ps, 0x3f8, 8, &byte_ops, &a);
    port_space_register(ps, 0x3fa, 2, &byte_ops, &b);
    port_write(ps, 0x3fa, 1, 1);
    port_write(ps, 0x3f9, 1, 1);
    CHECK_EQ(a.count, 1);
    CHECK_EQ(a.log[0].offset, 1);
    CHECK_EQ(b.count, 1);
    CHECK_EQ(b.log[0].offset, 0);
    port_space_unregister(ps, 0x3f8, 8);
    CHECK_EQ(port_read(ps, 0x3fa, 1), 0xff);
    CHECK_EQ(port_space_register(ps, 0xfff0, 0x11, &byte_ops, &a), -EINVAL);
    CHECK_EQ(port_space_register(ps, 0, 0, &byte_ops, &a), -EINVAL);
    CHECK_EQ(port_space_register(ps, 0, 0x10000, &byte_ops, &a), 0);
    port_space_free(ps);
}

static void test_port_top_of_space_does_not_wrap(void)
{
    PortSpace *ps = port_space_new();
    FakePorts lo = {0}, hi = {0};
    hi.regs[15] = 0x5a;
    port_space_register(ps, 0, 4, &byte_ops, &lo);
    port_space_register(ps, 0xfff0, 16, &byte_ops, &hi);
    CHECK_EQ(port_read(ps, 0xffff, 4), 0xffffff5au);
    port_write(ps, 0xfffe, 0x11223344, 4);
    CHECK_EQ(lo.count, 0);
    CHECK_EQ(hi.regs[14], 0x44);
    CHECK_EQ(hi.regs[15], 0x33);
    port_space_free(ps);
}

static void test_port_registration_table_reuses_entries(void)
{
    PortSpace *ps = port_space_new();
    FakePorts d = {0};
    /* A device moving its ports over and over (PCI I/O BAR programming) never runs out. */
    for (unsigned i = 0; i < 70000; i++) {
        CHECK_EQ(port_space_register(ps, 0xc000, 0x20, &byte_ops, &d), 0);
    }
    port_write(ps, 0xc001, 7, 1);
    CHECK_EQ(d.regs[1], 7);
    port_space_free(ps);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_port_unassigned_reads_all_ones),
    CHECK_TEST(test_port_word_access_to_byte_device_splits),
    CHECK_TEST(test_port_word_device_gets_whole_word),
    CHECK_TEST(test_port_access_straddles_two_devices),
    CHECK_TEST(test_port_narrow_access_filtered),
    CHECK_TEST(test_port_later_registration_wins),
    CHECK_TEST(test_port_top_of_space_does_not_wrap),
    CHECK_TEST(test_port_registration_table_reuses_entries),
    {0},
};

int main(int argc, char **argv)
{
    log_set_mask(0);
    return check_run_tests(argc, argv, tests);
}
