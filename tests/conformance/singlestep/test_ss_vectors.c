/*
 * Tests of the SingleStepTests loader (ss_vectors.h): synthetic files for every field and
 * every kind of damage, gunzip, metadata, revocation lists, directory scans and the comparison
 * report; then the real 80286 and 8086 sets from ../shared/conformance/singlestep, loaded
 * whole, with the time it takes printed (not asserted).
 *
 * The real sets are found at VIREO_SHARED_DIR/conformance/singlestep when that variable is set,
 * else at the path CMake configured. Without them the synthetic tests still run, and the
 * program then exits with 77 (CTest: skipped), or 1 when CI=true.
 */
#include "check.h"
#include "ss_vectors.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* The sets' directory, "" when absent; set once by main before the tests run. */
static char vectors_dir[4096];

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool find_vectors(void)
{
    const char *shared = getenv("VIREO_SHARED_DIR");
    if (shared && *shared) {
        snprintf(vectors_dir, sizeof(vectors_dir), "%s/conformance/singlestep", shared);
    } else {
        snprintf(vectors_dir, sizeof(vectors_dir), "%s", VIREO_SS_DIR);
    }
    char a[4200], b[4200];
    snprintf(a, sizeof(a), "%s/80286/metadata.json", vectors_dir);
    snprintf(b, sizeof(b), "%s/8086/metadata.json", vectors_dir);
    return file_exists(a) && file_exists(b);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A memory image of a test's expected final RAM, read through SsFinalState. */
typedef struct FakeRam {
    uint8_t *bytes; /* SS_ADDR_LIMIT bytes */
} FakeRam;

static uint8_t fake_read(void *opaque, uint32_t addr)
{
    FakeRam *ram = opaque;
    return addr < SS_ADDR_LIMIT ? ram->bytes[addr] : 0xff;
}

/* The state a perfect CPU would leave: t's expected registers and RAM. */
static void expected_state(const SsTest *t, FakeRam *ram, SsFinalState *s)
{
    memcpy(s->regs, t->final, sizeof(s->regs));
    for (uint32_t i = 0; i < t->n_final_ram; i++) {
        ram->bytes[t->final_ram[i].addr] = t->final_ram[i].value;
    }
    s->read_byte = fake_read;
    s->opaque = ram;
}

static const char synthetic_286[] =
    "[{\"name\":\"add dh,ch\",\"bytes\":[0,238,244],"
    "\"initial\":{\"regs\":{\"ax\":60303,\"bx\":57154,\"cx\":11028,\"dx\":65535,\"cs\":31812,"
    "\"ss\":19802,\"ds\":59428,\"es\":43325,\"sp\":38268,\"bp\":65339,\"si\":1796,\"di\":16073,"
    "\"ip\":4360,\"flags\":48323},\"ram\":[[513352,0],[513353,238],[513354,244]]},"
    "\"final\":{\"regs\":{\"dx\":11007,\"ip\":4363,\"flags\":1043},\"ram\":[]},"
    "\"hash\":\"5eed213ade9ce9a8caffa14e32bcb0910baf3067\"},"
    "{\"name\":\"div ah\",\"bytes\":[246,244,244],"
    "\"initial\":{\"regs\":{\"ax\":59545,\"bx\":26371,\"cx\":51212,\"dx\":4862,\"cs\":42474,"
    "\"ss\":20432,\"ds\":20021,\"es\":31337,\"sp\":5330,\"bp\":63249,\"si\":57143,\"di\":23246,"
    "\"ip\":65384,\"flags\":25735},\"ram\":[[744968,246],[0,220],[1048559,1]]},"
    "\"final\":{\"regs\":{\"cs\":57793,\"sp\":5324,\"ip\":56541,\"flags\":1027},"
    "\"ram\":[[332240,3],[332241,4],[332238,234]]},"
    "\"exception\":{\"number\":0,\"flag_address\":332240},"
    "\"hash\":\"1c7de9add4b92595277e96a0f4c64bd76c50aa1c\"}]";

static void test_ss_parse_synthetic_80286_file(void)
{
    SsLoader ld;
    SsFile f = {0};
    Error err = {""};
    ss_loader_init(&ld);
    int rc = ss_file_parse(&ld, &f, synthetic_286, strlen(synthetic_286), SS_CPU_80286, &err);
    CHECK_EQ(rc, 0);
    if (rc) {
        printf("%s\n", err.msg);
        ss_loader_free(&ld);
        return;
    }
    CHECK_EQ(f.n_tests, 2);
    const SsTest *t = &f.tests[0];
    CHECK_STR_EQ(t->name, "add dh,ch");
    CHECK_EQ(t->index, 0);
    CHECK_EQ(t->n_bytes, 3);
    CHECK_MEM_EQ(t->bytes, "\x00\xee\xf4", 3);
    CHECK_EQ(t->initial[SS_REG_AX], 60303);
    CHECK_EQ(t->initial[SS_REG_DI], 16073);
    CHECK_EQ(t->initial[SS_REG_FLAGS], 48323 & 0x0fff); /* bits 12-15 cleared on the 80286 */
    CHECK_EQ(t->final[SS_REG_DX], 11007);
    CHECK_EQ(t->final[SS_REG_AX], 60303); /* unchanged: the initial value */
    CHECK_EQ(t->final_present, (1u << SS_REG_DX) | (1u << SS_REG_IP) | (1u << SS_REG_FLAGS));
    CHECK_EQ(t->n_initial_ram, 3);
    CHECK_EQ(t->initial_ram[1].addr, 513353);
    CHECK_EQ(t->initial_ram[1].value, 238);
    CHECK_EQ(t->n_final_ram, 0);
    CHECK(!t->has_exception);
    CHECK_STR_EQ(t->hash, "5eed213ade9ce9a8caffa14e32bcb0910baf3067");
    t = &f.tests[1];
    CHECK_EQ(t->index, 1);
    CHECK(t->has_exception);
    CHECK_EQ(t->exception_number, 0);
    CHECK_EQ(t->exception_flag_address, 332240);
    CHECK_EQ(t->n_final_ram, 3);
    CHECK_EQ(t->final_ram[2].addr, 332238);
    CHECK_EQ(t->initial_ram[2].addr, 1048559);

    /* The same text as an 8086 file keeps FLAGS as given. */
    CHECK_EQ(ss_file_parse(&ld, &f, synthetic_286, strlen(synthetic_286), SS_CPU_8086, &err), 0);
    CHECK_EQ(f.tests[0].initial[SS_REG_FLAGS], 48323);
    ss_file_free(&f);
    ss_file_free(&f); /* twice is harmless */
    ss_loader_free(&ld);
}

static void test_ss_parse_synthetic_8086_file(void)
{
    static const char text[] =
        "[{\"name\":\"nop\",\"bytes\":[144],\"initial\":{\"regs\":{\"ax\":1,\"bx\":2,\"cx\":3,"
        "\"dx\":4,\"cs\":5,\"ss\":6,\"ds\":7,\"es\":8,\"sp\":9,\"bp\":10,\"si\":11,\"di\":12,"
        "\"ip\":13,\"flags\":61442},\"ram\":[[93,144]],\"queue\":[]},\"final\":{\"regs\":"
        "{\"ip\":14},\"ram\":[[93,144]],\"queue\":[]},\"test_hash\":"
        "\"c369d5b80032569b8db39d1c229194d9e3b107a9f0fbb2d19fef7338773523af\","
        "\"test_num\":831,\"cycles\":[]}]";
    SsLoader ld;
    SsFile f = {0};
    Error err = {""};
    ss_loader_init(&ld);
    CHECK_EQ(ss_file_parse(&ld, &f, text, strlen(text), SS_CPU_8086, &err), 0);
    CHECK_EQ(f.n_tests, 1);
    if (f.n_tests == 1) {
        const SsTest *t = &f.tests[0];
        CHECK_EQ(strlen(t->hash), 64);
        CHECK_EQ(t->initial[SS_REG_FLAGS], 61442);
        CHECK_EQ(t->final[SS_REG_IP], 14);
        CHECK_EQ(t->final[SS_REG_SP], 9);
        CHECK_EQ(t->n_final_ram, 1);
    }
    ss_file_free(&f);
    ss_loader_free(&ld);
}

typedef struct BadFile {
    const char *json;
    const char *message; /* part of the expected error message */
} BadFile;

#define REGS14                                                                                     \
    "\"ax\":1,\"bx\":2,\"cx\":3,\"dx\":4,\"cs\":5,\"ss\":6,\"ds\":7,\"es\":8,\"sp\":9,\"bp\":10,"  \
    "\"si\":11,\"di\":12,\"ip\":13,\"flags\":2"
#define TEST(name, bytes, iregs, iram, fregs, fram, extra)                                         \
    "[{\"name\":" name ",\"bytes\":" bytes ",\"initial\":{\"regs\":{" iregs "},\"ram\":" iram      \
    "},\"final\":{\"regs\":{" fregs "},\"ram\":" fram "}" extra "}]"
#define HASH ",\"hash\":\"ab\""

static const BadFile bad_files[] = {
    {"{}", "not an array of tests"},
    {"[1,", "1:4: unexpected end of text"},
    {"[1]", "test 0 (?): test: not an object"},
    {TEST("1", "[1]", REGS14, "[]", "", "[]", HASH), "name: missing or not a string"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]", ""), "test 0 (x): hash: missing"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]", ",\"hash\":\"\""), "hash: missing"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]",
          ",\"hash\":\"00000000000000000000000000000000000000000000000000000000000000000\""),
     "hash: missing"},
    {TEST("\"x\"", "[]", REGS14, "[]", "", "[]", HASH), "bytes: missing, empty"},
    {TEST("\"x\"", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", REGS14, "[]", "", "[]", HASH),
     "longer than 16"},
    {TEST("\"x\"", "[256]", REGS14, "[]", "", "[]", HASH), "bytes: not a byte"},
    {TEST("\"x\"", "[-1]", REGS14, "[]", "", "[]", HASH), "bytes: not a byte"},
    {TEST("\"x\"", "[1.5]", REGS14, "[]", "", "[]", HASH), "bytes: not a byte"},
    {TEST("\"x\"", "[1]", "\"ax\":1", "[]", "", "[]", HASH), "initial.regs: a register is missing"},
    {TEST("\"x\"", "[1]", REGS14 ",\"eax\":1", "[]", "", "[]", HASH),
     "initial.regs: unknown register"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "\"ax\":65536", "[]", HASH),
     "final.regs: register value not in 0..65535"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "\"ax\":\"1\"", "[]", HASH), "final.regs: register value"},
    {TEST("\"x\"", "[1]", REGS14, "{}", "", "[]", HASH), "initial.ram: missing or not"},
    {TEST("\"x\"", "[1]", REGS14, "[[1]]", "", "[]", HASH), "initial.ram: entry is not"},
    {TEST("\"x\"", "[1]", REGS14, "[[16777216,0]]", "", "[]", HASH), "initial.ram: address beyond"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[[1,256]]", HASH), "final.ram: byte not"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[[-1,0]]", HASH), "final.ram: address"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]", HASH ",\"exception\":1"),
     "exception: not an object"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]", HASH ",\"exception\":{\"number\":256}"),
     "exception.number"},
    {TEST("\"x\"", "[1]", REGS14, "[]", "", "[]", HASH ",\"exception\":{\"number\":6}"),
     "exception.flag_address"},
    {"[{\"name\":\"x\",\"bytes\":[1],\"initial\":[],\"final\":{}" HASH "}]",
     "initial/final: missing"},
};

static void test_ss_rejects_malformed_tests(void)
{
    SsLoader ld;
    SsFile f = {0};
    ss_loader_init(&ld);
    /* The unbroken template must load, or the cases below prove nothing. */
    const char *good = TEST("\"x\"", "[1]", REGS14, "[[1,2]]", "\"ax\":7", "[[1,3]]", HASH);
    Error err = {""};
    CHECK_EQ(ss_file_parse(&ld, &f, good, strlen(good), SS_CPU_80286, &err), 0);
    CHECK_EQ(f.n_tests, 1);
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        const BadFile *b = &bad_files[i];
        err.msg[0] = '\0';
        int rc = ss_file_parse(&ld, &f, b->json, strlen(b->json), SS_CPU_80286, &err);
        if (rc != -EINVAL || !strstr(err.msg, b->message) || f.n_tests != 0 || f.tests) {
            check_fail(__FILE__, __LINE__, "case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc,
                       err.msg, b->message);
        }
    }
    ss_file_free(&f);
    ss_loader_free(&ld);
}

/*
 * Seeded random edits of a good file: every result either loads with every field in range or
 * is an error, never a crash (run under ASan by scripts/test.sh).
 */
static void test_ss_mutated_files_never_crash(void)
{
    static const char edits[] = "0123456789[]{},:\"-.e ";
    uint64_t x = 0x9e3779b97f4a7c15ull;
    SsLoader ld;
    SsFile f = {0};
    ss_loader_init(&ld);
    unsigned loaded = 0;
    for (int round = 0; round < 20000; round++) {
        char buf[sizeof(synthetic_286)];
        size_t len = sizeof(synthetic_286) - 1;
        memcpy(buf, synthetic_286, len);
        for (int e = 0; e < 1 + round % 3; e++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t at = (size_t)(x % len);
            if ((x >> 32) % 4 == 0) {
                memmove(buf + at, buf + at + 1, len - at - 1); /* delete a byte */
                len--;
            } else {
                buf[at] = edits[(x >> 40) % (sizeof(edits) - 1)];
            }
        }
        char *text = malloc(len);
        memcpy(text, buf, len);
        Error err;
        if (ss_file_parse(&ld, &f, text, len, SS_CPU_80286, &err) == 0) {
            loaded++;
            for (size_t i = 0; i < f.n_tests; i++) {
                const SsTest *t = &f.tests[i];
                CHECK(t->n_bytes >= 1 && t->n_bytes <= SS_BYTES_MAX);
                CHECK(t->initial[SS_REG_FLAGS] <= 0x0fff);
                for (uint32_t k = 0; k < t->n_initial_ram; k++) {
                    CHECK(t->initial_ram[k].addr < SS_ADDR_LIMIT);
                }
                for (uint32_t k = 0; k < t->n_final_ram; k++) {
                    CHECK(t->final_ram[k].addr < SS_ADDR_LIMIT);
                }
            }
        }
        free(text);
    }
    CHECK(loaded > 100);
    ss_file_free(&f);
    ss_loader_free(&ld);
}

/* text compressed as gzip (or zlib when is_gzip is false). */
static size_t compress_text(const char *text, size_t len, uint8_t *out, size_t cap, bool is_gzip)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, is_gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static void test_ss_gunzip_accepts_good_and_rejects_bad_streams(void)
{
    static uint8_t gz[1 << 16];
    char text[20000];
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    }
    size_t n = compress_text(text, sizeof(text), gz, sizeof(gz) / 2, true);
    char *out = NULL;
    size_t cap = 0, len = 0;
    Error err;
    CHECK_EQ(ss_gunzip(gz, n, &out, &cap, &len, &err), 0);
    CHECK(len == sizeof(text) && memcmp(out, text, len) == 0 && out[len] == '\0');
    /* Two members back to back read as one text. */
    memcpy(gz + n, gz, n);
    CHECK_EQ(ss_gunzip(gz, 2 * n, &out, &cap, &len, &err), 0);
    CHECK(len == 2 * sizeof(text) && memcmp(out + sizeof(text), text, sizeof(text)) == 0);
    /* The trailer's CRC and size are checked. */
    gz[n - 5] ^= 0x01;
    CHECK(ss_gunzip(gz, n, &out, &cap, &len, &err) < 0);
    gz[n - 5] ^= 0x01;
    gz[n - 1] ^= 0x40;
    CHECK(ss_gunzip(gz, n, &out, &cap, &len, &err) < 0);
    gz[n - 1] ^= 0x40;
    CHECK_EQ(ss_gunzip(gz, n, &out, &cap, &len, &err), 0);
    /* zlib format is accepted as well. */
    size_t zn = compress_text(text, 100, gz, sizeof(gz), false);
    CHECK_EQ(ss_gunzip(gz, zn, &out, &cap, &len, &err), 0);
    CHECK_EQ(len, 100);
    /* Truncated, empty, corrupt. */
    n = compress_text(text, sizeof(text), gz, sizeof(gz), true);
    CHECK(ss_gunzip(gz, n - 10, &out, &cap, &len, &err) < 0);
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK(ss_gunzip(gz, 0, &out, &cap, &len, &err) < 0);
    gz[n / 2] ^= 0xff;
    CHECK(ss_gunzip(gz, n, &out, &cap, &len, &err) < 0);
    CHECK(ss_gunzip((const uint8_t *)"not gzip at all, not even close", 31, &out, &cap, &len,
                    &err) < 0);
    /* Random garbage after a magic number: an error every time, never a crash. */
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 2000; round++) {
        size_t k = 20 + round % 200;
        gz[0] = 0x1f;
        gz[1] = 0x8b;
        gz[2] = 8;
        for (size_t i = 3; i < k; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            gz[i] = (uint8_t)x;
        }
        ss_gunzip(gz, k, &out, &cap, &len, &err);
    }
    free(out);
}

static const char synthetic_metadata[] =
    "{\"cpu\":\"286\",\"opcodes\":{"
    "\"00\":{\"status\":\"normal\",\"arch\":\"86\"},"
    "\"08\":{\"status\":\"normal\",\"flags\":\".....a..\",\"flags-mask\":65519},"
    "\"D8\":{\"status\":\"fpu\"},"
    "\"F6\":{\"reg\":{\"0\":{\"status\":\"normal\",\"flags-mask\":65519},"
    "\"1\":{\"status\":\"alias\"},\"6\":{\"status\":\"normal\",\"flags-mask\":63274}}},"
    "\"0F\":{\"status\":\"extension\"},\"0F02\":{\"status\":\"normal\"},"
    "\"0F01\":{\"reg\":{\"7\":{\"status\":\"undefined\"}}}}}";

static void test_ss_metadata_gives_status_and_masks(void)
{
    SsMetadata m;
    Error err;
    CHECK_EQ(ss_metadata_parse(&m, synthetic_metadata, strlen(synthetic_metadata), &err), 0);
    CHECK_EQ(m.cpu, SS_CPU_80286);
    const SsForm *f = ss_metadata_form(&m, 0x08, -1);
    CHECK(f && f->status == SS_STATUS_NORMAL && f->flags_mask == 65519);
    f = ss_metadata_form(&m, 0x00, -1);
    CHECK(f && f->flags_mask == SS_FLAGS_ALL);
    CHECK(ss_metadata_form(&m, 0x01, -1) == NULL);
    CHECK(ss_metadata_form(&m, 0xf6, -1) == NULL); /* a group needs its reg */
    f = ss_metadata_form(&m, 0xf6, 6);
    CHECK(f && f->flags_mask == 63274);
    f = ss_metadata_form(&m, 0xf6, 1);
    CHECK(f && f->status == SS_STATUS_ALIAS);
    CHECK(ss_metadata_form(&m, 0xf6, 2) == NULL);
    CHECK(ss_metadata_form(&m, 0x100, -1) == NULL);
    f = ss_metadata_form(&m, 0x0f, -1);
    CHECK(f && f->status == SS_STATUS_EXTENSION);
    f = ss_metadata_form(&m, 0x0f02, -1);
    CHECK(f && f->status == SS_STATUS_NORMAL);
    f = ss_metadata_form(&m, 0x0f01, 7);
    CHECK(f && f->status == SS_STATUS_UNDEFINED);
    CHECK(ss_metadata_form(&m, 0x0f01, 6) == NULL);
    CHECK(ss_metadata_form(&m, 0x0f03, -1) == NULL);
    CHECK(ss_metadata_form(&m, 0xf6, 8) == NULL);

    SsFileEntry fpu = {"D8.json.gz", 0xd8, -1}, grp = {"F6.6.json.gz", 0xf6, 6};
    SsFileEntry unknown = {"01.json.gz", 0x01, -1};
    const char *why = NULL;
    CHECK(!ss_file_is_selected(&m, &fpu, &why));
    CHECK(why && strstr(why, "fpu"));
    CHECK(ss_file_is_selected(&m, &grp, NULL));
    CHECK(ss_file_is_selected(&m, &unknown, NULL));
    CHECK_EQ(ss_file_flags_mask(&m, &grp), 63274);
    CHECK_EQ(ss_file_flags_mask(&m, &unknown), SS_FLAGS_ALL);
    CHECK_STR_EQ(ss_status_name(SS_STATUS_UNDOCUMENTED), "undocumented");

    static const BadFile bad[] = {
        {"[]", "cpu is not"},
        {"{\"cpu\":\"386\",\"opcodes\":{}}", "cpu is not"},
        {"{\"cpu\":\"8086\"}", "opcodes: missing"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"0G\":{\"status\":\"normal\"}}}", "not XX or 0FXX"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"0E00\":{\"status\":\"normal\"}}}", "not XX or 0FXX"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"000\":{\"status\":\"normal\"}}}", "not XX or 0FXX"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"00\":1}}", "opcode 00: not an object"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"00\":{}}}", "opcode 00: no status"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"00\":{\"status\":\"weird\"}}}", "unknown status"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"00\":{\"status\":\"normal\",\"flags-mask\":-1}}}",
         "flags-mask"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"0a\":{\"status\":\"normal\"},"
         "\"0A\":{\"status\":\"normal\"}}}",
         "given twice"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"F6\":{\"reg\":{\"8\":{\"status\":\"normal\"}}}}}",
         "not 0-7"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"F6\":{\"reg\":[]}}}", "reg is not an object"},
        {"{\"cpu\":\"8086\",\"opcodes\":{\"F6\":{\"reg\":{\"0\":{}}}}}", "opcode F6 reg 0"},
        {"{\"cpu\":", "1:8"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        int rc = ss_metadata_parse(&m, bad[i].json, strlen(bad[i].json), &err);
        if (rc >= 0 || !strstr(err.msg, bad[i].message)) {
            check_fail(__FILE__, __LINE__, "case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc,
                       err.msg, bad[i].message);
        }
    }
}

static void test_ss_revocation_list_is_a_set(void)
{
    static const char text[] = "# Revocation list.\n"
                               "\n"
                               "5eed213ade9ce9a8caffa14e32bcb0910baf3067\r\n"
                               "   1c7de9add4b92595277e96a0f4c64bd76c50aa1c  \n"
                               "5eed213ade9ce9a8caffa14e32bcb0910baf3067\n"
                               "  # indented comment\n"
                               "ABCDEF";
    SsRevocations r;
    Error err;
    CHECK_EQ(ss_revocations_parse(&r, text, strlen(text), &err), 0);
    CHECK_EQ(r.count, 3);
    CHECK(ss_revocations_contains(&r, "5eed213ade9ce9a8caffa14e32bcb0910baf3067"));
    CHECK(ss_revocations_contains(&r, "1c7de9add4b92595277e96a0f4c64bd76c50aa1c"));
    CHECK(ss_revocations_contains(&r, "ABCDEF"));
    CHECK(!ss_revocations_contains(&r, "abcdef"));
    CHECK(!ss_revocations_contains(&r, ""));
    SsTest t = {.hash = "1c7de9add4b92595277e96a0f4c64bd76c50aa1c"};
    CHECK(!ss_test_is_selected(&r, &t));
    memcpy(t.hash, "00", 3);
    CHECK(ss_test_is_selected(&r, &t));
    ss_revocations_free(&r);

    /* Many hashes, to fill the table past its first size. */
    char many[41 * 1000 + 1];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%040x\n", i * 7919);
    }
    CHECK_EQ(ss_revocations_parse(&r, many, n, &err), 0);
    CHECK_EQ(r.count, 1000);
    char probe[41];
    snprintf(probe, sizeof(probe), "%040x", 999 * 7919);
    CHECK(ss_revocations_contains(&r, probe));
    snprintf(probe, sizeof(probe), "%040x", 1);
    CHECK(!ss_revocations_contains(&r, probe));
    ss_revocations_free(&r);

    CHECK_EQ(ss_revocations_parse(&r, "", 0, &err), 0);
    CHECK_EQ(r.count, 0);
    CHECK(!ss_revocations_contains(&r, "00"));
    ss_revocations_free(&r);
    CHECK(ss_revocations_parse(&r, "not-a-hash\n", 11, &err) < 0);
    CHECK(strstr(err.msg, "line 1") != NULL);
    CHECK(ss_revocations_contains(&r, "00") == false); /* freed on failure, still usable */
}

static void test_ss_compare_reports_differences(void)
{
    SsLoader ld;
    SsFile f = {0};
    Error err;
    ss_loader_init(&ld);
    CHECK_EQ(ss_file_parse(&ld, &f, synthetic_286, strlen(synthetic_286), SS_CPU_80286, &err), 0);
    if (f.n_tests != 2) {
        ss_loader_free(&ld);
        return;
    }
    FakeRam ram = {calloc(SS_ADDR_LIMIT, 1)};
    SsFinalState s;
    char diff[512];
    const SsTest *t = &f.tests[1];
    expected_state(t, &ram, &s);
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 0);
    CHECK_STR_EQ(diff, "");

    s.regs[SS_REG_FLAGS] ^= 0x0010; /* AF, outside the mask */
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 0);
    /* The pushed FLAGS image (at 0x511d0) is masked alike, and reported masked. */
    ram.bytes[332240] ^= 0x10;
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 0);
    ram.bytes[332240] ^= 0x01;
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 1);
    CHECK_STR_EQ(diff, "[0x511d0] & 0xef: expected 0x03, got 0x02; the test expects exception 0, "
                       "FLAGS pushed at 0x511d0");
    ram.bytes[332240] ^= 0x11;
    /* Other bytes of the frame are compared whole. */
    ram.bytes[332238] ^= 0x10;
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 1);
    ram.bytes[332238] ^= 0x10;
    /* With an odd SP the image is one byte past the record's (even) flag_address. */
    SsTest odd = *t;
    odd.final[SS_REG_SP] = 5325;
    s.regs[SS_REG_SP] = 5325;
    ram.bytes[332241] ^= 0x10;
    CHECK_EQ(ss_compare(&odd, &s, 0xffef, diff, sizeof(diff)), 0);
    ram.bytes[332240] ^= 0x10;
    CHECK_EQ(ss_compare(&odd, &s, 0xffef, diff, sizeof(diff)), 1);
    CHECK(strstr(diff, "[0x511d0]: expected 0x03, got 0x13") == diff);
    ram.bytes[332240] ^= 0x10;
    ram.bytes[332241] ^= 0x10;
    s.regs[SS_REG_SP] = 5324;
    s.regs[SS_REG_FLAGS] ^= 0x0805; /* OF, PF and CF */
    s.regs[SS_REG_AX] = 0x1234;
    ram.bytes[332241] = 0x99;
    CHECK_EQ(ss_compare(t, &s, 0xffef, diff, sizeof(diff)), 3);
    CHECK_STR_EQ(diff, "ax: expected 0xe899, got 0x1234 (unchanged); flags & 0xffef: expected "
                       "0x0403, got 0x0c06 (differ: CF PF OF); [0x511d1]: expected 0x04, got "
                       "0x99; the test expects exception 0, FLAGS pushed at 0x511d0");
    /* A short buffer is cut with "...", a zero-sized one is left alone. */
    char small[24];
    CHECK_EQ(ss_compare(t, &s, 0xffef, small, sizeof(small)), 3);
    CHECK_EQ(strlen(small), sizeof(small) - 1);
    CHECK(strcmp(small + sizeof(small) - 4, "...") == 0);
    CHECK_EQ(ss_compare(t, &s, 0xffef, NULL, 0), 3);

    ss_describe_test(&f.tests[0], diff, sizeof(diff));
    CHECK(strstr(diff, "test 0 \"add dh,ch\" bytes 00 ee f4; initial ax=eb8f") == diff);
    CHECK(strstr(diff, "flags=0cc3; hash 5eed213a") != NULL);
    free(ram.bytes);
    ss_file_free(&f);
    ss_loader_free(&ld);
}

/* A temporary directory for a synthetic set, removed with everything in it afterwards. */
static void write_gz(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    gzFile g = gzopen(path, "wb");
    gzwrite(g, text, (unsigned)strlen(text));
    gzclose(g);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
}

static void test_ss_dir_scan_sorts_and_checks_names(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/vireo-ss-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        check_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
        return;
    }
    write_text(dir, "metadata.json", synthetic_metadata);
    write_text(dir, "revocation_list.txt",
               "# none but one\n1c7de9add4b92595277e96a0f4c64bd76c50aa1c\n");
    write_text(dir, "LICENSE", "MIT");
    write_gz(dir, "F6.6.json.gz", synthetic_286);
    write_gz(dir, "D8.json.gz", "[]");
    write_gz(dir, "08.json.gz", synthetic_286);
    write_gz(dir, "F6.0.json.gz", "[");
    write_gz(dir, "0F01.7.json.gz", "[]");

    SsDir d;
    SsLoader ld;
    SsFile f = {0};
    Error err;
    ss_loader_init(&ld);
    CHECK_EQ(ss_dir_open(&d, dir, &err), 0);
    CHECK_EQ(d.n_files, 5);
    if (d.n_files == 5) {
        CHECK_STR_EQ(d.files[0].name, "08.json.gz");
        CHECK_STR_EQ(d.files[1].name, "D8.json.gz");
        CHECK_STR_EQ(d.files[2].name, "F6.0.json.gz");
        CHECK_STR_EQ(d.files[3].name, "F6.6.json.gz");
        CHECK_EQ(d.files[3].opcode, 0xf6);
        CHECK_EQ(d.files[3].reg, 6);
        CHECK_EQ(d.files[0].reg, -1);
        CHECK_STR_EQ(d.files[4].name, "0F01.7.json.gz");
        CHECK_EQ(d.files[4].opcode, 0x0f01);
        CHECK_EQ(d.files[4].reg, 7);
        CHECK_EQ(d.meta.cpu, SS_CPU_80286);
        CHECK_EQ(d.revoked.count, 1);
        CHECK(!ss_file_is_selected(&d.meta, &d.files[1], NULL));
        CHECK_EQ(ss_dir_load_file(&d, &ld, 3, &f, &err), 0);
        CHECK_EQ(f.n_tests, 2);
        CHECK_EQ(f.cpu, SS_CPU_80286);
        CHECK(ss_test_is_selected(&d.revoked, &f.tests[0]));
        CHECK(!ss_test_is_selected(&d.revoked, &f.tests[1]));
        CHECK(ss_dir_load_file(&d, &ld, 2, &f, &err) < 0);
        CHECK(strstr(err.msg, "F6.0.json.gz: 1:2: unexpected end of text") != NULL);
        CHECK_EQ(f.n_tests, 0);
        CHECK(ss_dir_load_file(&d, &ld, 5, &f, &err) < 0);
    }
    ss_dir_close(&d);

    /* A name that is neither form, or one form twice, is an error, not a file left out. */
    write_gz(dir, "F6.8.json.gz", "[]");
    CHECK(ss_dir_open(&d, dir, &err) < 0);
    CHECK(strstr(err.msg, "F6.8.json.gz: not an XX[.R].json.gz") != NULL);
    char path[512];
    snprintf(path, sizeof(path), "%s/F6.8.json.gz", dir);
    unlink(path);
    write_gz(dir, "f6.6.json.gz", "[]");
    CHECK(ss_dir_open(&d, dir, &err) < 0);
    CHECK(strstr(err.msg, "hold the same form") != NULL);
    snprintf(path, sizeof(path), "%s/f6.6.json.gz", dir);
    unlink(path);
    /* A broken revocation list or metadata fails the open. */
    write_text(dir, "revocation_list.txt", "zz\n");
    CHECK(ss_dir_open(&d, dir, &err) < 0);
    CHECK(strstr(err.msg, "revocation_list.txt: line 1") != NULL);
    snprintf(path, sizeof(path), "%s/revocation_list.txt", dir);
    unlink(path);
    CHECK_EQ(ss_dir_open(&d, dir, &err), 0);
    CHECK_EQ(d.revoked.count, 0);
    ss_dir_close(&d);
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    unlink(path);
    CHECK(ss_dir_open(&d, dir, &err) < 0);
    CHECK(strstr(err.msg, "metadata.json: No such file") != NULL);
    remove_dir(dir);
    CHECK(ss_dir_open(&d, dir, &err) < 0);
    ss_loader_free(&ld);
}

/* ---- the real sets ---- */

/* A form's mask and status, -1 when metadata.json does not list it. */
static int mask_of(const SsMetadata *m, unsigned opcode, int reg)
{
    const SsForm *f = ss_metadata_form(m, opcode, reg);
    return f ? f->flags_mask : -1;
}

static int status_of(const SsMetadata *m, unsigned opcode, int reg)
{
    const SsForm *f = ss_metadata_form(m, opcode, reg);
    return f ? (int)f->status : -1;
}

static bool open_set(SsDir *d, const char *cpu)
{
    char path[4200];
    Error err;
    snprintf(path, sizeof(path), "%s/%s", vectors_dir, cpu);
    if (ss_dir_open(d, path, &err) != 0) {
        check_fail(__FILE__, __LINE__, "%s", err.msg);
        return false;
    }
    return true;
}

static size_t find_file(const SsDir *d, const char *name)
{
    for (size_t i = 0; i < d->n_files; i++) {
        if (strcmp(d->files[i].name, name) == 0) {
            return i;
        }
    }
    return d->n_files;
}

static void test_ss_real_80286_set(void)
{
    SsDir d;
    if (!vectors_dir[0] || !open_set(&d, "80286")) {
        return;
    }
    CHECK_EQ(d.meta.cpu, SS_CPU_80286);
    CHECK_EQ(d.n_files, 325);
    CHECK_EQ(d.revoked.count, 0); /* the list holds only comments today */
    /* A group opcode: F6 (TEST/NOT/NEG/MUL/IMUL/DIV/IDIV Eb) has a form per reg field. */
    CHECK(d.meta.is_group[0xf6]);
    CHECK_EQ(mask_of(&d.meta, 0xf6, 4), 65323);
    CHECK_EQ(mask_of(&d.meta, 0xf6, 6), 63274);
    CHECK_EQ(mask_of(&d.meta, 0xf6, 2), SS_FLAGS_ALL);
    CHECK_EQ(status_of(&d.meta, 0xf6, 1), SS_STATUS_ALIAS);
    CHECK_EQ(status_of(&d.meta, 0xd8, -1), SS_STATUS_FPU);
    CHECK_EQ(status_of(&d.meta, 0x0f, -1), SS_STATUS_EXTENSION);
    CHECK_EQ(status_of(&d.meta, 0x0f01, 5), SS_STATUS_UNDEFINED);

    SsLoader ld;
    SsFile f = {0};
    Error err;
    ss_loader_init(&ld);
    size_t i = find_file(&d, "00.json.gz");
    CHECK_EQ(ss_dir_load_file(&d, &ld, i, &f, &err), 0);
    CHECK_EQ(f.n_tests, 500);
    if (f.n_tests == 500) {
        const SsTest *t = &f.tests[0];
        CHECK_STR_EQ(t->name, "add dh,ch");
        CHECK_EQ(t->n_bytes, 3);
        CHECK_EQ(t->initial[SS_REG_AX], 60303);
        CHECK_EQ(t->initial[SS_REG_FLAGS], 48323 & 0x0fff);
        CHECK_EQ(t->final[SS_REG_DX], 11007);
        CHECK_STR_EQ(t->hash, "5eed213ade9ce9a8caffa14e32bcb0910baf3067");
    }
    i = find_file(&d, "F6.6.json.gz");
    CHECK_EQ(ss_dir_load_file(&d, &ld, i, &f, &err), 0);
    CHECK_EQ(ss_file_flags_mask(&d.meta, &d.files[i]), 63274);
    unsigned exceptions = 0;
    for (size_t k = 0; k < f.n_tests; k++) {
        exceptions += f.tests[k].has_exception && f.tests[k].exception_number == 0;
    }
    CHECK_EQ(exceptions, 249); /* divide errors */
    i = find_file(&d, "D8.json.gz");
    CHECK(i < d.n_files && !ss_file_is_selected(&d.meta, &d.files[i], NULL));
    ss_file_free(&f);
    ss_loader_free(&ld);
    ss_dir_close(&d);
}

static void test_ss_real_8086_set(void)
{
    SsDir d;
    if (!vectors_dir[0] || !open_set(&d, "8086")) {
        return;
    }
    CHECK_EQ(d.meta.cpu, SS_CPU_8086);
    CHECK_EQ(d.n_files, 321);
    CHECK_EQ(d.revoked.count, 0); /* no list in this set */
    CHECK_EQ(status_of(&d.meta, 0xd0, 6), SS_STATUS_UNDOCUMENTED);
    CHECK_EQ(status_of(&d.meta, 0xc0, -1), SS_STATUS_ALIAS);
    unsigned skipped = 0;
    for (size_t i = 0; i < d.n_files; i++) {
        skipped += !ss_file_is_selected(&d.meta, &d.files[i], NULL);
    }
    CHECK_EQ(skipped, 8); /* D8-DF */
    SsLoader ld;
    SsFile f = {0};
    Error err;
    ss_loader_init(&ld);
    CHECK_EQ(ss_dir_load_file(&d, &ld, find_file(&d, "F6.6.json.gz"), &f, &err), 0);
    CHECK_EQ(f.n_tests, 500);
    if (f.n_tests == 500) {
        CHECK_STR_EQ(f.tests[0].name, "div byte [ds:bx+si+5D25h]");
        CHECK_EQ(strlen(f.tests[0].hash), 64);
        CHECK_EQ(f.tests[0].initial[SS_REG_FLAGS], 61527); /* kept: the 8086 sets bits 12-15 */
    }
    ss_file_free(&f);
    ss_loader_free(&ld);
    ss_dir_close(&d);
}

/*
 * Every file of both sets loads, holds 500 tests, and every test compares equal to its own
 * expected state (which checks that ss_compare and the loader agree on every field). The
 * loading time is printed.
 */
static void test_ss_load_every_file_of_both_sets(void)
{
    static const char *const sets[] = {"80286", "8086"};
    static const size_t want_tests[] = {162500, 160500};
    if (!vectors_dir[0]) {
        return;
    }
    FakeRam ram = {calloc(SS_ADDR_LIMIT, 1)};
    for (int s = 0; s < 2; s++) {
        SsDir d;
        if (!open_set(&d, sets[s])) {
            continue;
        }
        SsLoader ld;
        SsFile f = {0};
        ss_loader_init(&ld);
        size_t tests = 0, json_bytes = 0, mismatched = 0, exceptions = 0;
        double load_seconds = 0;
        for (size_t i = 0; i < d.n_files; i++) {
            Error err;
            double t0 = now_seconds();
            int rc = ss_dir_load_file(&d, &ld, i, &f, &err);
            load_seconds += now_seconds() - t0;
            if (rc) {
                check_fail(__FILE__, __LINE__, "%s", err.msg);
                continue;
            }
            CHECK_EQ(f.n_tests, 500);
            tests += f.n_tests;
            json_bytes += ld.text_len;
            uint16_t mask = ss_file_flags_mask(&d.meta, &d.files[i]);
            for (size_t k = 0; k < f.n_tests; k++) {
                const SsTest *t = &f.tests[k];
                SsFinalState st;
                expected_state(t, &ram, &st);
                mismatched += ss_compare(t, &st, mask, NULL, 0) != 0;
                mismatched += t->n_bytes == 0;
                exceptions += t->has_exception;
            }
        }
        CHECK_EQ(tests, want_tests[s]);
        CHECK_EQ(mismatched, 0);
        printf("%s: %zu files, %zu tests (%zu with exceptions), %.1f MB of JSON loaded in "
               "%.2f s: %.0f MB/s, %.0f tests/s\n",
               sets[s], d.n_files, tests, exceptions, json_bytes / 1e6, load_seconds,
               json_bytes / 1e6 / load_seconds, tests / load_seconds);
        ss_file_free(&f);
        ss_loader_free(&ld);
        ss_dir_close(&d);
    }
    free(ram.bytes);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_ss_parse_synthetic_80286_file),
    CHECK_TEST(test_ss_parse_synthetic_8086_file),
    CHECK_TEST(test_ss_rejects_malformed_tests),
    CHECK_TEST(test_ss_mutated_files_never_crash),
    CHECK_TEST(test_ss_gunzip_accepts_good_and_rejects_bad_streams),
    CHECK_TEST(test_ss_metadata_gives_status_and_masks),
    CHECK_TEST(test_ss_revocation_list_is_a_set),
    CHECK_TEST(test_ss_compare_reports_differences),
    CHECK_TEST(test_ss_dir_scan_sorts_and_checks_names),
    CHECK_TEST(test_ss_real_80286_set),
    CHECK_TEST(test_ss_real_8086_set),
    CHECK_TEST(test_ss_load_every_file_of_both_sets),
    {0},
};

int main(int argc, char **argv)
{
    bool has_vectors = find_vectors();
    char where[sizeof(vectors_dir)];
    memcpy(where, vectors_dir, sizeof(where));
    if (!has_vectors) {
        vectors_dir[0] = '\0';
    }
    int rc = check_run_tests(argc, argv, tests);
    if (rc == 0 && !has_vectors) {
        const char *ci = getenv("CI");
        bool is_ci = ci && strcmp(ci, "true") == 0;
        printf("%s: SingleStepTests vectors not found at %s (set VIREO_SHARED_DIR to the shared "
               "directory); the tests of the real sets did not run\n",
               is_ci ? "FAIL" : "SKIP", where);
        return is_ci ? 1 : 77;
    }
    return rc;
}
