/*
 * tests/unit/test_debug_gdb_server.c: the stub's TCP end with real sockets on 127.0.0.1: a
 * client that disconnects in the middle of a packet is dropped and reported as a detach, and
 * the next client starts from a clean protocol state (acknowledgments on, an empty parser), as
 * GDB manual E.1 expects of a fresh connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "debug/gdb_server.h"

static unsigned connects, detaches;

static size_t t_read_regs(void *o, uint8_t *buf, size_t size)
{
    (void)o;
    memset(buf, 0x11, size < 8 ? size : 8);
    return 8;
}

static bool t_fail_write(void *o, const uint8_t *buf, size_t len)
{
    (void)o;
    (void)buf;
    (void)len;
    return false;
}

static bool t_read_reg(void *o, unsigned n, uint8_t *buf, size_t *len)
{
    (void)o;
    (void)n;
    (void)buf;
    (void)len;
    return false;
}

static bool t_write_reg(void *o, unsigned n, const uint8_t *buf, size_t len)
{
    (void)o;
    (void)n;
    (void)buf;
    (void)len;
    return false;
}

static bool t_read_mem(void *o, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)o;
    (void)addr;
    memset(buf, 0xab, len);
    return true;
}

static bool t_write_mem(void *o, uint64_t addr, const uint8_t *buf, size_t len)
{
    (void)o;
    (void)addr;
    (void)buf;
    (void)len;
    return true;
}

static int t_point(void *o, unsigned type, uint64_t addr, uint64_t len)
{
    (void)o;
    (void)type;
    (void)addr;
    (void)len;
    return -2;
}

static void t_resume(void *o, bool is_step)
{
    (void)o;
    (void)is_step;
}

static void t_detach(void *o, bool is_kill)
{
    (void)o;
    (void)is_kill;
    detaches++;
}

static void t_connected(void *o)
{
    (void)o;
    connects++;
}

static const GdbTarget target = {
    .read_registers = t_read_regs, .write_registers = t_fail_write,
    .read_register = t_read_reg, .write_register = t_write_reg,
    .read_memory = t_read_mem, .write_memory = t_write_mem,
    .insert_point = t_point, .remove_point = t_point,
    .resume = t_resume, .detach = t_detach, .target_xml = "<target/>",
};

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    return fd;
}

/* Lets the server take everything pending (accept, then data). */
static void pump(GdbServer *s)
{
    for (unsigned i = 0; i < 20; i++) {
        gdb_server_poll(s, 10);
    }
}

static void test_debug_gdb_server_disconnect_mid_packet(void)
{
    GdbServer s;
    Error err;
    CHECK_EQ(gdb_server_open(&s, "tcp:127.0.0.1:0", &target, NULL, t_connected, &err), 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    CHECK_EQ(getsockname(s.listen_fd, (struct sockaddr *)&sa, &len), 0);
    uint16_t port = ntohs(sa.sin_port);

    /* First client: no acknowledgments wanted, then half a packet, then gone. */
    int c = connect_to(port);
    const char *first = "+$QStartNoAckMode#b0$m1000,4";
    CHECK_EQ(send(c, first, strlen(first), 0), (ssize_t)strlen(first));
    pump(&s);
    CHECK_EQ(connects, 1);
    close(c);
    pump(&s);
    CHECK_EQ(detaches, 1);
    CHECK_EQ(s.conn_fd, -1);

    /* Second client: the half packet is forgotten and acknowledgments are back. */
    c = connect_to(port);
    const char *second = "$m1000,2#8c";
    CHECK_EQ(send(c, second, strlen(second), 0), (ssize_t)strlen(second));
    pump(&s);
    CHECK_EQ(connects, 2);
    char reply[64] = { 0 };
    ssize_t n = recv(c, reply, sizeof(reply) - 1, MSG_DONTWAIT);
    CHECK(n > 0);
    CHECK_STR_EQ(reply, "+$abab#86");
    close(c);
    pump(&s);
    CHECK_EQ(detaches, 2);
    gdb_server_close(&s);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_debug_gdb_server_disconnect_mid_packet),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
