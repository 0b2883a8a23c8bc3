/*
 * Tests of util/bitops.h and util/endian.h against bit-by-bit reference definitions written
 * here, over edge cases and a seeded random sweep.
 */
#include "check.h"
#include "util/bitops.h"
#include "util/endian.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t ref_extract(uint64_t v, unsigned start, unsigned len)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < len; i++) {
        r |= ((v >> (start + i)) & 1) << i;
    }
    return r;
}

static uint64_t ref_deposit(uint64_t v, unsigned start, unsigned len, uint64_t f)
{
    for (unsigned i = 0; i < len; i++) {
        uint64_t bit = 1ull << (start + i);
        v = ((f >> i) & 1) ? (v | bit) : (v & ~bit);
    }
    return v;
}

static void test_bitops_extract_deposit_match_reference(void)
{
    for (int n = 0; n < 20000; n++) {
        uint64_t v = rng_next(), f = rng_next();
        unsigned start = rng_next() % 64;
        unsigned len = rng_next() % (65 - start);
        CHECK_EQ(extract64(v, start, len), ref_extract(v, start, len));
        CHECK_EQ(deposit64(v, start, len, f), ref_deposit(v, start, len, f));
        uint64_t e = ref_extract(v, start, len);
        int64_t s = (len && ((e >> (len - 1)) & 1)) ? (int64_t)(e | ~mask_low64(len)) : (int64_t)e;
        CHECK_EQ(sextract64(v, start, len), s);
    }
    CHECK_EQ(extract64(~0ull, 0, 64), ~0ull);
    CHECK_EQ(extract64(~0ull, 5, 0), 0);
}

static void test_bitops_scans_handle_zero(void)
{
    CHECK_EQ(ctz64_or_neg(0), (uint64_t)-1);
    CHECK_EQ(msb64_or_neg(0), (uint64_t)-1);
    CHECK_EQ(ctz64_or_neg(0x80), 7);
    CHECK_EQ(msb64_or_neg(0x8000000000000001ull), 63);
    for (int n = 0; n < 2000; n++) {
        uint64_t v = rng_next() >> (rng_next() % 64);
        int lo = -1, hi = -1;
        unsigned pop = 0;
        for (int i = 0; i < 64; i++) {
            if ((v >> i) & 1) {
                if (lo < 0) {
                    lo = i;
                }
                hi = i;
                pop++;
            }
        }
        CHECK_EQ(ctz64_or_neg(v), (uint64_t)(int64_t)lo);
        CHECK_EQ(msb64_or_neg(v), (uint64_t)(int64_t)hi);
        CHECK_EQ(popcount64(v), pop);
    }
}

static void test_bitops_parity_is_x86_pf(void)
{
    /* PF is set when the low byte has an even number of one bits (SDM Vol. 1 §3.4.3.1). */
    CHECK(parity8(0x00));
    CHECK(!parity8(0x01));
    CHECK(parity8(0x03));
    CHECK(!parity8(0x07));
    CHECK(parity8(0xff));
}

static void test_bitops_rotates(void)
{
    CHECK_EQ(rol64(0x8000000000000001ull, 1), 3);
    CHECK_EQ(ror64(3, 1), 0x8000000000000001ull);
    CHECK_EQ(rol64(0x1234, 0), 0x1234);
    CHECK_EQ(rol64(0x1234, 64), 0x1234);
}

static void test_endian_loads_and_stores(void)
{
    const uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t buf[9] = { 0 };
    CHECK_EQ(ld_le16(bytes), 0x0201);
    CHECK_EQ(ld_le32(bytes), 0x04030201);
    CHECK_EQ(ld_le64(bytes), 0x0807060504030201ull);
    CHECK_EQ(ld_be16(bytes), 0x0102);
    CHECK_EQ(ld_be32(bytes), 0x01020304);
    CHECK_EQ(ld_be64(bytes), 0x0102030405060708ull);
    st_le32(buf + 1, 0xa1b2c3d4);
    CHECK_EQ(buf[1], 0xd4);
    CHECK_EQ(buf[4], 0xa1);
    st_be16(buf + 5, 0x1234);
    CHECK_EQ(buf[5], 0x12);
    CHECK_EQ(buf[6], 0x34);
    st_le64(buf + 1, 0x1122334455667788ull);
    CHECK_EQ(ld_le64(buf + 1), 0x1122334455667788ull);
    CHECK_EQ(buf[0], 0);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_bitops_extract_deposit_match_reference),
    CHECK_TEST(test_bitops_scans_handle_zero),
    CHECK_TEST(test_bitops_parity_is_x86_pf),
    CHECK_TEST(test_bitops_rotates),
    CHECK_TEST(test_endian_loads_and_stores),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
