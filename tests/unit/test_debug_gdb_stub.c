/*
 * tests/unit/test_debug_gdb_stub.c: the remote protocol's commands against a fake target,
 * with the replies the GDB manual (appendix E) specifies, and the malformed, oversized and
 * interrupted requests a peer can send.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "debug/gdb_stub.h"

static char out[1 << 16];
static size_t out_len;
static uint8_t mem[256];
static uint8_t regs[16];
static unsigned resumes, steps, interrupts, detaches, inserted[5];
static char monitor_cmd[64];
static GdbStub stub;

static void send_fn(void *o, const uint8_t *buf, size_t len)
{
    (void)o;
    if (out_len + len < sizeof(out)) {
        memcpy(out + out_len, buf, len);
        out_len += len;
        out[out_len] = '\0';
    }
}

static size_t t_read_regs(void *o, uint8_t *buf, size_t size)
{
    (void)o;
    (void)size;
    memcpy(buf, regs, sizeof(regs));
    return sizeof(regs);
}

static bool t_write_regs(void *o, const uint8_t *buf, size_t len)
{
    (void)o;
    if (len != sizeof(regs)) {
        return false;
    }
    memcpy(regs, buf, len);
    return true;
}

static bool t_read_reg(void *o, unsigned n, uint8_t *buf, size_t *len)
{
    (void)o;
    if (n >= 2) {
        return false;
    }
    memcpy(buf, regs + 8 * n, 8);
    *len = 8;
    return true;
}

static bool t_write_reg(void *o, unsigned n, const uint8_t *buf, size_t len)
{
    (void)o;
    if (n >= 2 || len != 8) {
        return false;
    }
    memcpy(regs + 8 * n, buf, 8);
    return true;
}

/* Guest memory: 0x1000-0x10ff mapped, the rest not. */
static bool t_read_mem(void *o, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)o;
    if (addr < 0x1000 || addr + len > 0x1100) {
        return false;
    }
    memcpy(buf, mem + (addr - 0x1000), len);
    return true;
}

static bool t_write_mem(void *o, uint64_t addr, const uint8_t *buf, size_t len)
{
    (void)o;
    if (addr < 0x1000 || addr + len > 0x1100) {
        return false;
    }
    memcpy(mem + (addr - 0x1000), buf, len);
    return true;
}

static int t_insert(void *o, unsigned type, uint64_t addr, uint64_t len)
{
    (void)o;
    (void)addr;
    (void)len;
    if (type == GDB_POINT_READ) {
        return -2;
    }
    inserted[type]++;
    return 0;
}

static int t_remove(void *o, unsigned type, uint64_t addr, uint64_t len)
{
    (void)o;
    (void)addr;
    (void)len;
    if (!inserted[type]) {
        return -1;
    }
    inserted[type]--;
    return 0;
}

static void t_resume(void *o, bool is_step)
{
    (void)o;
    resumes++;
    steps += is_step;
}

static void t_interrupt(void *o)
{
    (void)o;
    interrupts++;
}

static void t_monitor(void *o, const char *cmd)
{
    (void)o;
    snprintf(monitor_cmd, sizeof(monitor_cmd), "%s", cmd);
    gdb_stub_console(&stub, "running\n");
}

static void t_detach(void *o, bool is_kill)
{
    (void)o;
    detaches += is_kill ? 10 : 1;
}

static const GdbTarget target = {
    .read_registers = t_read_regs, .write_registers = t_write_regs,
    .read_register = t_read_reg, .write_register = t_write_reg,
    .read_memory = t_read_mem, .write_memory = t_write_mem,
    .insert_point = t_insert, .remove_point = t_remove,
    .resume = t_resume, .interrupt = t_interrupt, .monitor = t_monitor, .detach = t_detach,
    .target_xml = "<?xml version=\"1.0\"?><target><architecture>i386:x86-64</architecture>"
                  "</target>",
};

static void setup(void)
{
    out_len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < sizeof(mem); i++) {
        mem[i] = (uint8_t)i;
    }
    for (unsigned i = 0; i < sizeof(regs); i++) {
        regs[i] = (uint8_t)(0x10 + i);
    }
    resumes = steps = interrupts = detaches = 0;
    memset(inserted, 0, sizeof(inserted));
    gdb_stub_init(&stub, &target, NULL, send_fn, NULL);
}

/* Sends one packet, framed here per appendix E.1, and returns the stub's output. */
static const char *cmd(const char *payload)
{
    uint8_t sum = 0;
    for (const char *p = payload; *p; p++) {
        sum = (uint8_t)(sum + (uint8_t)*p);
    }
    char framed[4096];
    int n = snprintf(framed, sizeof(framed), "$%s#%02x", payload, sum);
    out_len = 0;
    out[0] = '\0';
    gdb_stub_input(&stub, (const uint8_t *)framed, (size_t)n);
    return out;
}

/* The payload of the single reply in the output: "+$payload#cs" -> "payload". */
static const char *payload_of(const char *o)
{
    static char buf[4096];
    const char *d = strchr(o, '$'), *h = d ? strchr(d, '#') : NULL;
    if (!d || !h) {
        return "";
    }
    snprintf(buf, sizeof(buf), "%.*s", (int)(h - d - 1), d + 1);
    return buf;
}

static void test_debug_gdb_stub_queries(void)
{
    setup();
    const char *o = cmd("qSupported:multiprocess+;swbreak+");
    CHECK(o[0] == '+');
    CHECK(strstr(payload_of(o), "PacketSize=4000") != NULL);
    CHECK(strstr(payload_of(o), "qXfer:features:read+") != NULL);
    CHECK_STR_EQ(payload_of(cmd("?")), "T05thread:01;");
    CHECK_STR_EQ(payload_of(cmd("qC")), "QC01");
    CHECK_STR_EQ(payload_of(cmd("qfThreadInfo")), "m01");
    CHECK_STR_EQ(payload_of(cmd("qsThreadInfo")), "l");
    CHECK_STR_EQ(payload_of(cmd("vCont?")), "vCont;c;C;s;S");
    CHECK_STR_EQ(payload_of(cmd("qUnknownThing")), "");
    /* The target description in two pieces: "m" then "l". */
    const char *a = payload_of(cmd("qXfer:features:read:target.xml:0,20"));
    CHECK(a[0] == 'm');
    CHECK_EQ(strlen(a), 0x21);
    const char *b = payload_of(cmd("qXfer:features:read:target.xml:20,1000"));
    CHECK(b[0] == 'l');
    CHECK(strstr(b, "</target>") != NULL);
}

static void test_debug_gdb_stub_registers_and_memory(void)
{
    setup();
    CHECK_STR_EQ(payload_of(cmd("g")), "101112131415161718191a1b1c1d1e1f");
    CHECK_STR_EQ(payload_of(cmd("G000102030405060708090a0b0c0d0e0f")), "OK");
    CHECK_EQ(regs[15], 0x0f);
    CHECK_STR_EQ(payload_of(cmd("p1")), "08090a0b0c0d0e0f");
    CHECK_STR_EQ(payload_of(cmd("P0=ffffffffffffffff")), "OK");
    CHECK_EQ(regs[0], 0xff);
    CHECK_STR_EQ(payload_of(cmd("p7")), "E01");
    CHECK_STR_EQ(payload_of(cmd("m1004,4")), "04050607");
    CHECK_STR_EQ(payload_of(cmd("m2000,4")), "E14");          /* unmapped */
    CHECK_STR_EQ(payload_of(cmd("M1010,2:abcd")), "OK");
    CHECK_EQ(mem[0x10], 0xab);
    CHECK_STR_EQ(payload_of(cmd("M1010,2:abc")), "E01");      /* odd hex */
    CHECK_STR_EQ(payload_of(cmd("X1020,3:xyz")), "OK");       /* binary */
    CHECK(memcmp(mem + 0x20, "xyz", 3) == 0);
    CHECK_STR_EQ(payload_of(cmd("X1020,4:xyz")), "E01");      /* length mismatch */
}

static void test_debug_gdb_stub_malformed_requests(void)
{
    setup();
    CHECK_STR_EQ(payload_of(cmd("mzz,4")), "E01");
    CHECK_STR_EQ(payload_of(cmd("m1000")), "E01");
    CHECK_STR_EQ(payload_of(cmd("m1000,ffffffff")), "E01");   /* huge length */
    CHECK_STR_EQ(payload_of(cmd("m11111111111111111111,4")), "E01"); /* 20 hex digits */
    CHECK_STR_EQ(payload_of(cmd("Gxyz")), "E01");
    CHECK_STR_EQ(payload_of(cmd("P")), "E01");
    CHECK_STR_EQ(payload_of(cmd("Z9,1000,1")), "");           /* unknown type */
    CHECK_STR_EQ(payload_of(cmd("Z0,1000")), "E01");
    CHECK_STR_EQ(payload_of(cmd("qXfer:features:read:other.xml:0,10")), "E00");
    CHECK_STR_EQ(payload_of(cmd("qXfer:features:read:target.xml:ffff,10")), "E01");
    CHECK_STR_EQ(payload_of(cmd("vCont;x")), "E01");
    CHECK_STR_EQ(payload_of(cmd("")), "");
    /* A bad checksum is NAKed and nothing runs; a NAK from gdb resends the last reply. */
    out_len = 0;
    gdb_stub_input(&stub, (const uint8_t *)"$g#00", 5);
    CHECK_STR_EQ(out, "-");
    cmd("p0");
    char last[128];
    snprintf(last, sizeof(last), "%.100s", out + 1);
    out_len = 0;
    gdb_stub_input(&stub, (const uint8_t *)"-", 1);
    CHECK_STR_EQ(out, last);
    /* A connection dropped mid-packet: the next packet still parses. */
    gdb_stub_input(&stub, (const uint8_t *)"$m1000,", 7);
    CHECK_STR_EQ(payload_of(cmd("m1000,1")), "00");
}

static void test_debug_gdb_stub_run_control(void)
{
    setup();
    CHECK_STR_EQ(payload_of(cmd("Z0,1000,1")), "OK");
    CHECK_EQ(inserted[GDB_POINT_SW], 1);
    CHECK_STR_EQ(payload_of(cmd("Z3,1000,4")), "");            /* unsupported by the target */
    CHECK_STR_EQ(payload_of(cmd("z1,1000,1")), "E01");         /* not inserted */
    const char *o = cmd("c");
    CHECK_STR_EQ(o, "+");                                     /* no reply until it stops */
    CHECK_EQ(resumes, 1);
    out_len = 0;
    gdb_stub_input(&stub, (const uint8_t *)"\x03", 1);        /* Ctrl-C */
    CHECK_EQ(interrupts, 1);
    out_len = 0;
    gdb_stub_stopped(&stub, GDB_SIGINT, -1, 0);
    CHECK_STR_EQ(payload_of(out), "T02thread:01;");
    gdb_stub_input(&stub, (const uint8_t *)"\x03", 1);        /* stopped: nothing to do */
    CHECK_EQ(interrupts, 1);
    cmd("vCont;s:1;c");
    CHECK_EQ(steps, 1);
    out_len = 0;
    gdb_stub_stopped(&stub, GDB_SIGTRAP, GDB_POINT_WRITE, 0x1040);
    CHECK_STR_EQ(payload_of(out), "T05thread:01;watch:1040;");
    out_len = 0;
    gdb_stub_stopped(&stub, GDB_SIGTRAP, -1, 0);              /* no one waits: no reply */
    CHECK_EQ(out_len, 0);
    /* Breakpoint stops name their kind (E.3 "swbreak"/"hwbreak"), with no address. */
    cmd("c");
    out_len = 0;
    gdb_stub_stopped(&stub, GDB_SIGTRAP, GDB_POINT_SW, 0x1000);
    CHECK_STR_EQ(payload_of(out), "T05thread:01;swbreak:;");
    cmd("s");
    out_len = 0;
    gdb_stub_stopped(&stub, GDB_SIGTRAP, GDB_POINT_HW, 0x1000);
    CHECK_STR_EQ(payload_of(out), "T05thread:01;hwbreak:;");
    /* monitor "info status": hex-encoded; output as an O packet, then OK. */
    o = cmd("qRcmd,696e666f20737461747573");
    CHECK_STR_EQ(monitor_cmd, "info status");
    CHECK(strstr(o, "$O72756e6e696e670a#") != NULL);
    CHECK(strstr(o, "$OK#") != NULL);
    CHECK_STR_EQ(payload_of(cmd("QStartNoAckMode")), "OK");
    o = cmd("qC");
    CHECK(o[0] == '$');                                       /* no '+' any more */
    cmd("D");
    CHECK_EQ(detaches, 1);
    /* The process ended: "W" with the exit status's low byte. */
    out_len = 0;
    gdb_stub_exited(&stub, 0x101);
    CHECK_STR_EQ(payload_of(out), "W01");
}

static const CheckTest tests[] = {
    CHECK_TEST(test_debug_gdb_stub_queries),
    CHECK_TEST(test_debug_gdb_stub_registers_and_memory),
    CHECK_TEST(test_debug_gdb_stub_malformed_requests),
    CHECK_TEST(test_debug_gdb_stub_run_control),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
