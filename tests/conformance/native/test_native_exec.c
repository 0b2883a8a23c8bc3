/*
 * Tests of the native snippet runner (native_exec.h): state in and out, memory, each way a
 * snippet can end (done, exception, system call, endless loop, dead worker) and throughput.
 * Expected values come from the SDM's instruction pages, worked out by hand below.
 */
#define _GNU_SOURCE
#include "check.h"
#include "native_exec.h"
#include "native_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static const uint64_t status_flags = NATIVE_RFLAGS_CF | NATIVE_RFLAGS_PF | NATIVE_RFLAGS_AF |
                                     NATIVE_RFLAGS_ZF | NATIVE_RFLAGS_SF | NATIVE_RFLAGS_OF;

static NativeExec *open_or_fail(void)
{
    NativeExec *ne = native_exec_open();
    CHECK(ne != NULL);
    if (!ne) {
        exit(1); /* nothing below can run */
    }
    return ne;
}

/* A state with recognisable values in every GPR, RSP at the top of the data region. */
static void init_state(NativeCpuState *s)
{
    native_exec_init_state(s);
    for (int i = 0; i < 16; i++) {
        s->gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    }
    s->gpr[NATIVE_RSP] = NATIVE_DATA_ADDR + NATIVE_DATA_SIZE - 0x100;
}

static void check_gprs_equal(const NativeCpuState *a, const NativeCpuState *b)
{
    for (int i = 0; i < 16; i++) {
        if (a->gpr[i] != b->gpr[i]) {
            check_fail(__FILE__, __LINE__, "gpr %d: 0x%" PRIx64 " != 0x%" PRIx64, i, a->gpr[i],
                       b->gpr[i]);
        }
    }
}

/* ADD r/m64, r64 (01 /r), SDM Vol. 2A "ADD": OF, SF, ZF, AF, CF, PF set by the result. */
static void test_native_add_sets_flags(void)
{
    NativeExec *ne = open_or_fail();
    static const struct {
        uint64_t a, b, sum, flags;
    } cases[] = {
        /* signed overflow; 0xF + 0x1 carries out of bit 3; low byte 0x00 has even parity */
        { 0x7fffffffffffffffull, 1, 0x8000000000000000ull,
          NATIVE_RFLAGS_OF | NATIVE_RFLAGS_SF | NATIVE_RFLAGS_AF | NATIVE_RFLAGS_PF },
        /* carry out of bit 63, zero result */
        { ~0ull, 1, 0,
          NATIVE_RFLAGS_CF | NATIVE_RFLAGS_ZF | NATIVE_RFLAGS_AF | NATIVE_RFLAGS_PF },
        /* 0x46 = 0100'0110b: three bits set, odd parity, so every status flag clear */
        { 0x12, 0x34, 0x46, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        NativeCpuState in, out;
        NativeFault fault;
        init_state(&in);
        in.gpr[NATIVE_RAX] = cases[i].a;
        in.gpr[NATIVE_RBX] = cases[i].b;
        /* Every status flag set on input, to see them cleared; DF set, to see it kept. */
        in.rflags |= status_flags | NATIVE_RFLAGS_DF;
        int rc = native_exec_run(ne, CODE(0x48, 0x01, 0xd8), &in, &out, &fault); /* add rax, rbx */
        CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
        CHECK_EQ(out.gpr[NATIVE_RAX], cases[i].sum);
        CHECK_EQ(out.rflags, NATIVE_RFLAGS_FIXED | NATIVE_RFLAGS_DF | cases[i].flags);
        CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 3);
        in.gpr[NATIVE_RAX] = cases[i].sum;
        check_gprs_equal(&out, &in);
    }
    native_exec_close(ne);
}

static void test_native_store_shows_in_data(void)
{
    NativeExec *ne = open_or_fail();
    uint8_t *data = native_exec_data(ne);
    memset(data, 0x5a, NATIVE_DATA_SIZE);
    memcpy(data + 0x100, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    in.gpr[NATIVE_RBX] = NATIVE_DATA_ADDR + 0x100;
    int rc = native_exec_run(ne,
                             CODE(0x48, 0x89, 0x43, 0x08, /* mov [rbx+8], rax */
                                  0x53,                   /* push rbx */
                                  0x48, 0x8b, 0x0b),      /* mov rcx, [rbx] */
                             &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    uint64_t v;
    memcpy(&v, data + 0x108, 8);
    CHECK_EQ(v, in.gpr[NATIVE_RAX]);
    memcpy(&v, data + NATIVE_DATA_SIZE - 0x108, 8);
    CHECK_EQ(v, NATIVE_DATA_ADDR + 0x100);
    CHECK_EQ(out.gpr[NATIVE_RSP], in.gpr[NATIVE_RSP] - 8);
    CHECK_EQ(out.gpr[NATIVE_RCX], 0x0807060504030201ull);
    CHECK_EQ(data[0x110], 0x5a); /* nothing beyond the store changed */
    native_exec_close(ne);
}

/* DIV r/m64 (F7 /6) by zero is #DE, a fault: nothing changes, RIP stays on the DIV. */
static void test_native_div_zero_reports_de(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    in.gpr[NATIVE_RCX] = 0;
    in.rflags |= NATIVE_RFLAGS_CF | NATIVE_RFLAGS_ZF;
    /* nop; div rcx */
    int rc = native_exec_run(ne, CODE(0x90, 0x48, 0xf7, 0xf1), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_DE);
    CHECK(!fault.has_error_code);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 1);
    CHECK_EQ(out.rflags, in.rflags);
    check_gprs_equal(&out, &in);
    native_exec_close(ne);
}

static void test_native_ud2_reports_ud(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    int rc = native_exec_run(ne, CODE(0x0f, 0x0b), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_UD);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR);
    check_gprs_equal(&out, &in);
    native_exec_close(ne);
}

/* INT3 is a trap: RIP is past it (SDM Vol. 3A §6.5, "Traps"). */
static void test_native_int3_reports_bp_after_it(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    int rc = native_exec_run(ne, CODE(0x90, 0xcc), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_BP);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 2);
    native_exec_close(ne);
}

/* #PF error code (SDM Vol. 3A §4.7): bit 0 P (protection), bit 1 W, bit 2 U. */
static void test_native_access_outside_data_faults(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);

    /* Read just past the data region: not present. */
    in.gpr[NATIVE_RBX] = NATIVE_DATA_ADDR + NATIVE_DATA_SIZE;
    int rc = native_exec_run(ne, CODE(0x48, 0x8b, 0x03), &in, &out, &fault); /* mov rax, [rbx] */
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_PF);
    CHECK(fault.has_error_code);
    CHECK_EQ(fault.error_code & 7, 4);
    CHECK_EQ(fault.address, NATIVE_DATA_ADDR + NATIVE_DATA_SIZE);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR);
    check_gprs_equal(&out, &in);

    /* Write to the code page: present, read-only. */
    in.gpr[NATIVE_RBX] = NATIVE_CODE_ADDR + 0x80;
    rc = native_exec_run(ne, CODE(0x48, 0x89, 0x03), &in, &out, &fault); /* mov [rbx], rax */
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_PF);
    CHECK_EQ(fault.error_code & 7, 7);
    CHECK_EQ(fault.address, NATIVE_CODE_ADDR + 0x80);

    /* A non-canonical address is #GP(0), not #PF (SDM Vol. 3A §6.15, interrupt 13). */
    in.gpr[NATIVE_RBX] = 0x8000000000000000ull;
    rc = native_exec_run(ne, CODE(0x48, 0x8b, 0x03), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_GP);
    CHECK_EQ(fault.error_code, 0);
    CHECK_EQ(fault.address, 0);

    /* Fetch from the data region, which is not executable: I/D (bit 4) set. */
    in.gpr[NATIVE_RBX] = NATIVE_DATA_ADDR + 0x40;
    rc = native_exec_run(ne, CODE(0xff, 0xe3), &in, &out, &fault); /* jmp rbx */
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_PF);
    CHECK_EQ(fault.error_code & 0x1f, 0x15);
    CHECK_EQ(fault.address, NATIVE_DATA_ADDR + 0x40);
    CHECK_EQ(out.rip, NATIVE_DATA_ADDR + 0x40);

    /* A push through a wild RSP: the handler must not need the snippet's stack. */
    in.gpr[NATIVE_RSP] = 0x1000;
    rc = native_exec_run(ne, CODE(0x50), &in, &out, &fault); /* push rax */
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_PF);
    CHECK_EQ(fault.error_code & 7, 6);
    CHECK_EQ(fault.address, 0xff8);
    CHECK_EQ(out.gpr[NATIVE_RSP], 0x1000);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    native_exec_close(ne);
}

/* The state at a fault is the state after the instructions before it. */
static void test_native_fault_state_includes_earlier_effects(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    in.fx.xmm[0][0] = 5;
    in.fx.xmm[1][0] = 7;
    /* push rax; inc rcx; paddq xmm0, xmm1; ud2 */
    int rc = native_exec_run(ne, CODE(0x50, 0x48, 0xff, 0xc1, 0x66, 0x0f, 0xd4, 0xc1, 0x0f, 0x0b),
                             &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_UD);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 8);
    CHECK_EQ(out.gpr[NATIVE_RSP], in.gpr[NATIVE_RSP] - 8);
    CHECK_EQ(out.gpr[NATIVE_RCX], in.gpr[NATIVE_RCX] + 1);
    CHECK_EQ(out.fx.xmm[0][0], 12);
    CHECK_EQ(out.fx.mxcsr, in.fx.mxcsr);
    uint64_t pushed;
    memcpy(&pushed, native_exec_data(ne) + (out.gpr[NATIVE_RSP] - NATIVE_DATA_ADDR), 8);
    CHECK_EQ(pushed, in.gpr[NATIVE_RAX]);
    native_exec_close(ne);
}

/* Alignment check: CPL 3, CR0.AM and RFLAGS.AC (SDM Vol. 3A §6.15, interrupt 17). */
static void test_native_ac_flag_checks_alignment(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    in.gpr[NATIVE_RBX] = NATIVE_DATA_ADDR + 1;
    int rc = native_exec_run(ne, CODE(0x48, 0x8b, 0x03), &in, &out, &fault); /* mov rax, [rbx] */
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    in.rflags |= NATIVE_RFLAGS_AC;
    rc = native_exec_run(ne, CODE(0x48, 0x8b, 0x03), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_AC);
    CHECK_EQ(fault.error_code, 0);
    CHECK_EQ(out.rflags, in.rflags);
    /* AC still set at the end of a snippet must not trip the harness's own accesses. */
    in.gpr[NATIVE_RBX] = NATIVE_DATA_ADDR;
    /* mov rax, [rbx]; std */
    rc = native_exec_run(ne, CODE(0x48, 0x8b, 0x03, 0xfd), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.rflags, in.rflags | NATIVE_RFLAGS_DF);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    native_exec_close(ne);
}

/* TF set by POPF traps after the next instruction (SDM Vol. 3A §18.3.1.4). */
static void test_native_popf_tf_reports_db(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    /* pushfq; or qword [rsp], 0x100; popfq; nop */
    int rc =
        native_exec_run(ne, CODE(0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90),
                        &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_DB);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 11);
    CHECK(out.rflags & NATIVE_RFLAGS_TF);
    /* The same without the NOP traps after the harness's epilogue: reported at the end. */
    rc = native_exec_run(ne, CODE(0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d), &in,
                         &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    CHECK_EQ(fault.vector, NATIVE_EXC_DB);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 10);
    rc = native_exec_run(ne, CODE(0x90), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.rflags, in.rflags);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    native_exec_close(ne);
}

/* PADDQ (66 0F D4), FLD1 (D9 E8), MXCSR and the other XMM registers round trip. */
static void test_native_sse_x87_state_round_trips(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    for (int r = 0; r < 16; r++) {
        for (int b = 0; b < 16; b++) {
            in.fx.xmm[r][b] = (uint8_t)(r * 16 + b);
        }
    }
    in.fx.mxcsr = 0x7f80; /* all exceptions masked, round toward zero */
    int rc = native_exec_run(ne, CODE(0x66, 0x0f, 0xd4, 0xc1, 0xd9, 0xe8), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    uint64_t x0[2], x1[2], r[2];
    memcpy(x0, in.fx.xmm[0], 16);
    memcpy(x1, in.fx.xmm[1], 16);
    memcpy(r, out.fx.xmm[0], 16);
    CHECK_EQ(r[0], x0[0] + x1[0]);
    CHECK_EQ(r[1], x0[1] + x1[1]);
    CHECK_MEM_EQ(out.fx.xmm[1], in.fx.xmm[1], 15 * 16);
    CHECK_EQ(out.fx.mxcsr, 0x7f80);
    CHECK_EQ(out.fx.mxcsr_mask, native_exec_mxcsr_mask(ne));
    /* FLD1 pushes +1.0: TOP = 7, physical register 7 valid, significand 1.0, exponent 0x3FFF. */
    CHECK_EQ(out.fx.fcw, 0x37f);
    CHECK_EQ(out.fx.fsw, 0x3800);
    CHECK_EQ(out.fx.ftw, 0x80);
    static const uint8_t one[16] = { 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f };
    CHECK_MEM_EQ(out.fx.st[0], one, 16);
    native_exec_close(ne);
}

static void test_native_endless_loop_times_out(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    int rc = native_exec_run(ne, CODE(0xeb, 0xfe), &in, &out, &fault); /* jmp $ */
    CHECK_EQ(rc, NATIVE_OUTCOME_TIMEOUT);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    in.gpr[NATIVE_RAX] = 2;
    in.gpr[NATIVE_RBX] = 3;
    rc = native_exec_run(ne, CODE(0x48, 0x01, 0xd8), &in, &out, &fault); /* add rax, rbx */
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.gpr[NATIVE_RAX], 5);
    CHECK_EQ(native_exec_worker_starts(ne), 2);
    native_exec_close(ne);
}

static bool pipe_is_empty(int fd)
{
    char c;
    return read(fd, &c, 1) < 0 && errno == EAGAIN;
}

/* A snippet's SYSCALL or INT 80h never reaches the kernel: nothing is written, nobody exits. */
static void test_native_syscall_is_blocked(void)
{
    int fds[2];
    CHECK(pipe2(fds, O_NONBLOCK) == 0);
    NativeExec *ne = open_or_fail(); /* the worker inherits the pipe */
    memcpy(native_exec_data(ne), "oops", 4);
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);

    in.gpr[NATIVE_RAX] = 1; /* write(fds[1], data, 4) */
    in.gpr[NATIVE_RDI] = (uint64_t)fds[1];
    in.gpr[NATIVE_RSI] = NATIVE_DATA_ADDR;
    in.gpr[NATIVE_RDX] = 4;
    in.rflags |= NATIVE_RFLAGS_CF;
    int rc = native_exec_run(ne, CODE(0x0f, 0x05), &in, &out, &fault); /* syscall */
    CHECK_EQ(rc, NATIVE_OUTCOME_SYSCALL);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 2);
    CHECK_EQ(out.gpr[NATIVE_RAX], 1);
    CHECK_EQ(out.gpr[NATIVE_RCX], NATIVE_CODE_ADDR + 2);
    CHECK_EQ(out.gpr[NATIVE_R11], in.rflags);
    CHECK(pipe_is_empty(fds[0]));

    in.gpr[NATIVE_RAX] = 4; /* i386 write(ebx, ecx, edx) */
    in.gpr[NATIVE_RBX] = (uint64_t)fds[1];
    in.gpr[NATIVE_RCX] = NATIVE_DATA_ADDR;
    rc = native_exec_run(ne, CODE(0xcd, 0x80), &in, &out, &fault); /* int 0x80 */
    if (rc == NATIVE_OUTCOME_SYSCALL) {
        CHECK_EQ(out.rip, NATIVE_CODE_ADDR + 2);
    } else {
        /* A kernel without the 32-bit gate (no IA32 emulation) gives #GP(0x80 << 3 | 2). */
        CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
        CHECK_EQ(fault.vector, NATIVE_EXC_GP);
        CHECK_EQ(fault.error_code, 0x402);
    }
    CHECK(pipe_is_empty(fds[0]));

    in.gpr[NATIVE_RAX] = 231; /* exit_group, which the worker itself may call */
    rc = native_exec_run(ne, CODE(0x0f, 0x05), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_SYSCALL);
    rc = native_exec_run(ne, CODE(0x90), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    native_exec_close(ne);
    close(fds[0]);
    close(fds[1]);
}

/*
 * A snippet that jumps into the worker's own SYSCALL instruction gets past the filter (it only
 * knows calls from the code page) but only to the calls the worker needs: exit_group here. The
 * worker dies, the case reports it, and the next case gets a new worker.
 */
static void test_native_dead_worker_is_replaced(void)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)native_stub_sigreturn;
    while (p[0] != 0x0f || p[1] != 0x05) {
        p++;
    }
    uint64_t target = (uint64_t)(uintptr_t)p;
    uint8_t code[] = {
        0x49, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, /* mov r11, target */
        0xb8, 0xe7, 0x00, 0x00, 0x00,       /* mov eax, 231 (exit_group) */
        0xbf, 0x2a, 0x00, 0x00, 0x00,       /* mov edi, 42 */
        0x41, 0xff, 0xe3,                   /* jmp r11 */
    };
    memcpy(code + 2, &target, 8);
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    int rc = native_exec_run(ne, code, sizeof(code), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_CRASHED);
    CHECK_EQ(fault.host_code, 42);
    rc = native_exec_run(ne, CODE(0x90), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(native_exec_worker_starts(ne), 2);
    native_exec_close(ne);
}

/*
 * A snippet that reloads FS or GS (which drops the C library's TLS base) leaves a working
 * harness and the base repaired. On x86-64 glibc, FS:0 holds the thread pointer itself.
 */
static void test_native_fs_reload_is_repaired(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    uint64_t tp = (uint64_t)(uintptr_t)__builtin_thread_pointer();
    static const uint8_t read_fs0[] = { 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0 };
    int rc = native_exec_run(ne, read_fs0, sizeof(read_fs0), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE); /* mov rax, fs:[0] */
    CHECK_EQ(out.gpr[NATIVE_RAX], tp);
    /* mov eax, 0x2b (the user data selector); mov fs, eax */
    rc = native_exec_run(ne, CODE(0xb8, 0x2b, 0x00, 0x00, 0x00, 0x8e, 0xe0), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    /* mov eax, 0x2b; mov gs, eax; ud2: the repair also runs on the fault path */
    rc = native_exec_run(ne, CODE(0xb8, 0x2b, 0x00, 0x00, 0x00, 0x8e, 0xe8, 0x0f, 0x0b), &in, &out,
                         &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_EXCEPTION);
    rc = native_exec_run(ne, CODE(0x8c, 0xe0), &in, &out, &fault); /* mov eax, fs */
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.gpr[NATIVE_RAX] & 0xffff, 0);
    rc = native_exec_run(ne, read_fs0, sizeof(read_fs0), &in, &out, &fault);
    CHECK_EQ(rc, NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.gpr[NATIVE_RAX], tp);
    CHECK_EQ(native_exec_worker_starts(ne), 1);
    native_exec_close(ne);
}

static void test_native_rejects_bad_input(void)
{
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    static uint8_t big[NATIVE_CODE_MAX_LEN + 1];
    memset(big, 0x90, sizeof(big)); /* NOPs */
    init_state(&in);
    CHECK_EQ(native_exec_run(ne, big, sizeof(big), &in, &out, &fault), -EINVAL);
    in.rflags |= NATIVE_RFLAGS_TF;
    CHECK_EQ(native_exec_run(ne, CODE(0x90), &in, &out, &fault), -EINVAL);
    init_state(&in);
    in.rflags &= ~NATIVE_RFLAGS_IF;
    CHECK_EQ(native_exec_run(ne, CODE(0x90), &in, &out, &fault), -EINVAL);
    init_state(&in);
    in.rip++;
    CHECK_EQ(native_exec_run(ne, CODE(0x90), &in, &out, &fault), -EINVAL);
    init_state(&in);
    in.fx.mxcsr = ~native_exec_mxcsr_mask(ne);
    CHECK_EQ(native_exec_run(ne, CODE(0x90), &in, &out, &fault), -EINVAL);
    init_state(&in);
    CHECK_EQ(native_exec_run(ne, big, NATIVE_CODE_MAX_LEN, &in, &out, &fault), NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.rip, NATIVE_CODE_ADDR + NATIVE_CODE_MAX_LEN);
    native_exec_close(ne);
}

static uint64_t xorshift64(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/*
 * Random bytes for code, random flags and XMM values, registers and data pointing into the
 * data region: whatever those instructions do (a fuzz run of 10^6 such cases met every
 * outcome but a crash), each case gets an outcome and the harness keeps working.
 */
static void test_native_random_bytes_keep_harness_working(void)
{
    enum { CASES = 20000 };
    NativeExec *ne = open_or_fail();
    uint8_t *data = native_exec_data(ne);
    NativeCpuState in, out;
    NativeFault fault;
    uint64_t x = 0x2545f4914f6cdd1dull;
    unsigned outcomes[NATIVE_OUTCOME_CRASHED + 1] = { 0 }, errors = 0;
    for (int i = 0; i < CASES; i++) {
        if (i % 256 == 0) {
            for (size_t k = 0; k < NATIVE_DATA_SIZE; k += 8) {
                uint64_t v = NATIVE_DATA_ADDR + xorshift64(&x) % NATIVE_DATA_SIZE;
                memcpy(data + k, &v, 8);
            }
        }
        native_exec_init_state(&in);
        for (int r = 0; r < 16; r++) {
            in.gpr[r] = NATIVE_DATA_ADDR + xorshift64(&x) % NATIVE_DATA_SIZE;
            uint64_t v[2] = { xorshift64(&x), xorshift64(&x) };
            memcpy(in.fx.xmm[r], v, 16);
        }
        in.rflags |= xorshift64(&x) & NATIVE_RFLAGS_SETTABLE;
        uint8_t code[16];
        for (size_t b = 0; b < sizeof(code); b++) {
            code[b] = (uint8_t)xorshift64(&x);
        }
        int rc = native_exec_run(ne, code, 1 + xorshift64(&x) % sizeof(code), &in, &out, &fault);
        if (rc < 0) {
            errors++;
        } else {
            outcomes[rc]++;
        }
    }
    CHECK_EQ(errors, 0);
    CHECK_EQ(outcomes[NATIVE_OUTCOME_CRASHED], 0);
    CHECK(outcomes[NATIVE_OUTCOME_DONE] > 0);
    CHECK(outcomes[NATIVE_OUTCOME_EXCEPTION] > 0);
    CHECK_EQ(native_exec_worker_starts(ne), 1 + outcomes[NATIVE_OUTCOME_TIMEOUT]);
    init_state(&in);
    in.gpr[NATIVE_RAX] = 40;
    in.gpr[NATIVE_RBX] = 2;
    CHECK_EQ(native_exec_run(ne, CODE(0x48, 0x01, 0xd8), &in, &out, &fault), NATIVE_OUTCOME_DONE);
    CHECK_EQ(out.gpr[NATIVE_RAX], 42);
    native_exec_close(ne);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Prints the rate; speed is never asserted (STYLE.md §8), the results are. */
static void test_native_throughput(void)
{
    enum { DONE_CASES = 200000, FAULT_CASES = 20000 };
    NativeExec *ne = open_or_fail();
    NativeCpuState in, out;
    NativeFault fault;
    init_state(&in);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned wrong = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < DONE_CASES; i++) {
        xorshift64(&x);
        in.gpr[NATIVE_RAX] = x;
        in.gpr[NATIVE_RBX] = x >> 3;
        int rc = native_exec_run(ne, CODE(0x48, 0x01, 0xd8), &in, &out, &fault);
        wrong += rc != NATIVE_OUTCOME_DONE || out.gpr[NATIVE_RAX] != x + (x >> 3);
    }
    double done_s = seconds_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < FAULT_CASES; i++) {
        int rc = native_exec_run(ne, CODE(0x0f, 0x0b), &in, &out, &fault);
        wrong += rc != NATIVE_OUTCOME_EXCEPTION || fault.vector != NATIVE_EXC_UD;
    }
    double fault_s = seconds_since(&t0);
    CHECK_EQ(wrong, 0);
    printf("native_exec: %.0f cases/s completing (%.2f us each), %.0f cases/s faulting "
           "(%.2f us each)\n",
           DONE_CASES / done_s, done_s * 1e6 / DONE_CASES, FAULT_CASES / fault_s,
           fault_s * 1e6 / FAULT_CASES);
    native_exec_close(ne);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_native_add_sets_flags),
    CHECK_TEST(test_native_store_shows_in_data),
    CHECK_TEST(test_native_div_zero_reports_de),
    CHECK_TEST(test_native_ud2_reports_ud),
    CHECK_TEST(test_native_int3_reports_bp_after_it),
    CHECK_TEST(test_native_access_outside_data_faults),
    CHECK_TEST(test_native_fault_state_includes_earlier_effects),
    CHECK_TEST(test_native_ac_flag_checks_alignment),
    CHECK_TEST(test_native_popf_tf_reports_db),
    CHECK_TEST(test_native_sse_x87_state_round_trips),
    CHECK_TEST(test_native_endless_loop_times_out),
    CHECK_TEST(test_native_syscall_is_blocked),
    CHECK_TEST(test_native_dead_worker_is_replaced),
    CHECK_TEST(test_native_fs_reload_is_repaired),
    CHECK_TEST(test_native_rejects_bad_input),
    CHECK_TEST(test_native_random_bytes_keep_harness_working),
    CHECK_TEST(test_native_throughput),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
