/*
 * tests/guest/cpu/fpu64.c: how a 64-bit kernel meets the floating-point unit: lazy switching
 * through #NM, x87 errors through #MF, SSE errors through #XM (or #UD), and the FXSAVE and XSAVE
 * layouts with the XCR0 rules.
 *
 * Sources: SDM Vol. 3A §2.5 table 2-2 (CR0.EM, MP, TS against x87, WAIT, MMX and SSE), §13.1-13.4
 * (CR4.OSFXSR, OSXMMEXCPT), §6.15 interrupts 7, 16, 19; Vol. 1 §8.6-8.7 (#MF at the next waiting
 * x87 instruction with CR0.NE = 1), §11.5 (SSE exceptions), §10.5.1 table 10-2 (the FXSAVE
 * image), chapter 13 (XSAVE: §13.3 XCR0 rules, §13.4.2 the header, §13.6 initial configurations,
 * §13.10 XSAVEC's compaction). Vol. 2 "XSETBV" (#GP rules), "CPUID" leaf 0DH.
 *
 * Guests are built with -mgeneral-regs-only: the compiler never uses x87, MMX or XMM registers,
 * so the asm statements below need not (and cannot) list them as clobbered.
 */
#include "sys.h"

#define VEC_XM 19
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)

extern char nm_sse_at[], nm_x87_at[], wait_at[], mf_at[], xm_at[], ud_sse_at[], ud_mmx_at[];
extern char em_x87_at[], xsetbv_at[];

static unsigned nm_count;

/* The lazy-switching handler: give the task the FPU and restart the instruction. */
static int nm_clts(GuestExcFrame *f)
{
    (void)f;
    nm_count++;
    __asm__ volatile("clts");
    return GUEST_EXC_IRET;
}

static uint8_t area[1024] __attribute__((aligned(64)));

static const uint64_t pattern[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};

NOINLINE static void do_sse_move(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(nm_sse_at) "movdqu %0, %%xmm1\n\tmovdqa %%xmm1, %%xmm2\n\t"
                     "movdqu %%xmm2, %1"
                     :
                     : "m"(pattern), "m"(area): "memory");
}

NOINLINE static void do_x87(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(nm_x87_at) "fld1\n\tfstp %%st(0)" ::: "memory");
}

NOINLINE static void do_wait(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(wait_at) "fwait");
}

NOINLINE static void do_x87_divide_by_zero(uintptr_t a)
{
    (void)a;
    /* FCW 037BH: ZE unmasked. 1 / 0 raises ZE, which stays pending; FWAIT reports it. */
    static const uint16_t fcw = 0x037b;
    static const uint32_t zero = 0;
    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfdivs %1\n" LABEL(mf_at) "fwait"
                     :
                     : "m"(fcw), "m"(zero));
}

NOINLINE static void do_sse_divide_by_zero(uintptr_t a)
{
    (void)a;
    /* MXCSR 1D80H: ZE unmasked; XMM0 = 1.0f, XMM1 = 0.0f. */
    static const uint32_t mxcsr = 0x1d80, one = 0x3f800000;
    __asm__ volatile("ldmxcsr %0\n\tmovd %1, %%xmm0\n\txorps %%xmm1, %%xmm1\n" LABEL(xm_at)
                     "divss %%xmm1, %%xmm0\n\tmovd %%xmm0, %2"
                     :
                     : "m"(mxcsr), "m"(one), "m"(area): "memory");
}

NOINLINE static void do_sse_ud(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(ud_sse_at) "xorps %%xmm3, %%xmm3" ::: "memory");
}

NOINLINE static void do_mmx(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(ud_mmx_at) "pxor %%mm1, %%mm1\n\temms" ::: "memory");
}

NOINLINE static void do_x87_em(uintptr_t a)
{
    (void)a;
    __asm__ volatile(LABEL(em_x87_at) "fninit");
}

NOINLINE static void do_xsetbv(uintptr_t v)
{
    __asm__ volatile(LABEL(xsetbv_at) "xsetbv" : : "a"((uint32_t)v), "d"(0), "c"(0));
}

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void check_lazy_switching(void)
{
    uintptr_t cr0 = guest_read_cr0();
    guest_exc_handlers[VEC_NM] = nm_clts;
    nm_count = 0;
    guest_write_cr0(cr0 | CR0_TS);
    int v = guest_trap(do_sse_move, 0);
    GUEST_CHECK_EQ("nm-sse-restarted", v, -1);
    GUEST_CHECK_EQ("nm-sse-once", nm_count, 1);
    GUEST_CHECK_EQ("nm-sse-at", guest_exc.ip, (uintptr_t)nm_sse_at);
    GUEST_CHECK_EQ("nm-sse-result", ld64(area + 8), pattern[1]);
    GUEST_CHECK_EQ("nm-ts-cleared", guest_read_cr0() & CR0_TS, 0);

    guest_write_cr0(cr0 | CR0_TS);
    v = guest_trap(do_x87, 0);
    GUEST_CHECK_EQ("nm-x87-restarted", v, -1);
    GUEST_CHECK_EQ("nm-x87-at", guest_exc.ip, (uintptr_t)nm_x87_at);
    guest_exc_handlers[VEC_NM] = 0;

    /* WAIT: #NM only when both MP and TS are set. */
    guest_write_cr0((cr0 | CR0_TS) & ~(uintptr_t)CR0_MP);
    v = guest_trap(do_wait, 0);
    GUEST_CHECK_EQ("wait-ts-without-mp", v, -1);
    guest_write_cr0(cr0 | CR0_TS | CR0_MP);
    v = guest_trap(do_wait, 0);
    guest_write_cr0(cr0);
    GUEST_CHECK_EQ("wait-ts-mp-nm", v, VEC_NM);
    GUEST_CHECK_EQ("wait-ts-mp-nm-at", guest_exc.ip, (uintptr_t)wait_at);

    /* CR0.EM: x87 is #NM, MMX and SSE are #UD. */
    guest_write_cr0(cr0 | CR0_EM);
    v = guest_trap(do_x87_em, 0);
    GUEST_CHECK_EQ("em-x87-nm", v, VEC_NM);
    GUEST_CHECK_EQ("em-x87-nm-at", guest_exc.ip, (uintptr_t)em_x87_at);
    v = guest_trap(do_sse_ud, 0);
    GUEST_CHECK_EQ("em-sse-ud", v, VEC_UD);
    GUEST_CHECK_EQ("em-sse-ud-at", guest_exc.ip, (uintptr_t)ud_sse_at);
    v = guest_trap(do_mmx, 0);
    GUEST_CHECK_EQ("em-mmx-ud", v, VEC_UD);
    GUEST_CHECK_EQ("em-mmx-ud-at", guest_exc.ip, (uintptr_t)ud_mmx_at);
    guest_write_cr0(cr0);

    /* CR4.OSFXSR clear: SSE is #UD, MMX is not. */
    uintptr_t cr4 = guest_read_cr4();
    guest_write_cr4(cr4 & ~(uintptr_t)CR4_OSFXSR);
    v = guest_trap(do_sse_ud, 0);
    int mmx = guest_trap(do_mmx, 0);
    guest_write_cr4(cr4);
    GUEST_CHECK_EQ("no-osfxsr-sse-ud", v, VEC_UD);
    GUEST_CHECK_EQ("no-osfxsr-mmx-runs", mmx, -1);
}

static void check_error_reporting(bool skip_xm)
{
    int v = guest_trap(do_x87_divide_by_zero, 0);
    GUEST_CHECK_EQ("mf-vector", v, VEC_MF);
    GUEST_CHECK_EQ("mf-at-fwait", guest_exc.ip, (uintptr_t)mf_at);
    uint16_t fsw;
    __asm__ volatile("fnstsw %0" : "=m"(fsw));
    GUEST_CHECK_EQ("mf-fsw-es-ze", fsw & 0x84, 0x84);
    __asm__ volatile("fninit");

    if (skip_xm) {
        __asm__ volatile("fninit");
        return;
    }
    uint32_t before = 0x5a5a5a5a;
    area[0] = 0x5a, area[1] = 0x5a, area[2] = 0x5a, area[3] = 0x5a;
    v = guest_trap(do_sse_divide_by_zero, 0);
    GUEST_CHECK_EQ("xm-vector", v, VEC_XM);
    GUEST_CHECK_EQ("xm-at-divss", guest_exc.ip, (uintptr_t)xm_at);
    uint32_t mxcsr, x0;
    __asm__ volatile("stmxcsr %0\n\tmovd %%xmm0, %1" : "=m"(mxcsr), "=r"(x0));
    GUEST_CHECK_EQ("xm-mxcsr-ze", mxcsr & 0x3f, 0x4);
    GUEST_CHECK_EQ("xm-destination-unchanged", x0, 0x3f800000);
    GUEST_CHECK_EQ("xm-store-not-reached", ld32(area), before);

    uintptr_t cr4 = guest_read_cr4();
    guest_write_cr4(cr4 & ~(uintptr_t)CR4_OSXMMEXCPT);
    v = guest_trap(do_sse_divide_by_zero, 0);
    guest_write_cr4(cr4);
    GUEST_CHECK_EQ("no-osxmmexcpt-ud", v, VEC_UD);
    GUEST_CHECK_EQ("no-osxmmexcpt-ud-at", guest_exc.ip, (uintptr_t)xm_at);
    static const uint32_t mxcsr_default = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr_default));
}

static void check_fxsave_layout(void)
{
    static const uint32_t mxcsr = 0x9fc0; /* FTZ, DAZ and all masks */
    __asm__ volatile("fninit\n\tfld1\n\tldmxcsr %0\n\tmovdqu %1, %%xmm3"
                     :
                     : "m"(mxcsr), "m"(pattern));
    for (unsigned i = 0; i < 512; i++) {
        area[i] = 0xee;
    }
    __asm__ volatile("fxsave64 %0" : "=m"(area));
    GUEST_CHECK_EQ("fxsave-fcw", ld16(area + 0), 0x037f);
    GUEST_CHECK_EQ("fxsave-fsw-top7", ld16(area + 2), 0x3800);
    GUEST_CHECK_EQ("fxsave-ftw-abridged", area[4], 0x80);
    GUEST_CHECK_EQ("fxsave-mxcsr", ld32(area + 24), mxcsr);
    GUEST_CHECK_EQ("fxsave-st0-significand", ld64(area + 32), 0x8000000000000000ull);
    GUEST_CHECK_EQ("fxsave-st0-exponent", ld16(area + 40), 0x3fff);
    GUEST_CHECK_EQ("fxsave-xmm3-low", ld64(area + 160 + 48), pattern[0]);
    GUEST_CHECK_EQ("fxsave-xmm3-high", ld64(area + 160 + 56), pattern[1]);
    GUEST_CHECK_EQ("fxsave-software-bytes-untouched", area[500], 0xee);

    area[0] = 0x7f, area[1] = 0x03; /* FXRSTOR brings it all back */
    __asm__ volatile("fninit\n\tpxor %%xmm3, %%xmm3\n\tfxrstor64 %0" : : "m"(area));
    uint64_t x3;
    uint16_t fsw;
    __asm__ volatile("movq %%xmm3, %0\n\tfnstsw %1" : "=r"(x3), "=m"(fsw));
    GUEST_CHECK_EQ("fxrstor-xmm3", x3, pattern[0]);
    GUEST_CHECK_EQ("fxrstor-top", (fsw >> 11) & 7, 7);
    static const uint32_t mxcsr_default = 0x1f80;
    __asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr_default));
}

static void check_xsave(bool skip_xsavec)
{
    uint32_t r[4];
    guest_cpuid(1, 0, r);
    GUEST_CHECK("cpuid-xsave", r[2] & (1u << 26));
    guest_write_cr4(guest_read_cr4() | CR4_OSXSAVE);
    guest_cpuid(1, 0, r);
    GUEST_CHECK("cpuid-osxsave", r[2] & (1u << 27));

    /* XCR0: x87 must stay, SSE needs nothing, AVX (unsupported here) needs SSE. */
    int v = guest_trap(do_xsetbv, 0);
    GUEST_CHECK_EQ("xsetbv-0-gp", v, VEC_GP);
    GUEST_CHECK_EQ("xsetbv-0-gp-at", guest_exc.ip, (uintptr_t)xsetbv_at);
    v = guest_trap(do_xsetbv, 2);
    GUEST_CHECK_EQ("xsetbv-sse-only-gp", v, VEC_GP);
    v = guest_trap(do_xsetbv, 3);
    GUEST_CHECK_EQ("xsetbv-x87-sse", v, -1);
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    GUEST_CHECK_EQ("xgetbv", lo, 3);

    guest_cpuid(0xd, 0, r);
    GUEST_CHECK_EQ("cpuid-0d-xcr0-supported-has-x87-sse", r[0] & 3, 3);
    GUEST_CHECK_EQ("cpuid-0d-size-enabled", r[1], 576);
    guest_cpuid(0xd, 1, r);
    if (!skip_xsavec) {
        GUEST_CHECK_EQ("cpuid-0d-1-xsaveopt-xsavec", r[0] & 3, 3);
    }

    __asm__ volatile("fninit\n\tfld1\n\tmovdqu %0, %%xmm5" : : "m"(pattern));
    for (unsigned i = 0; i < 576; i++) {
        area[i] = i < 512 ? 0xee : 0;
    }
    __asm__ volatile("xsave64 %0" : "+m"(area) : "a"(3), "d"(0));
    GUEST_CHECK_EQ("xsave-xstate-bv", ld64(area + 512), 3);
    GUEST_CHECK_EQ("xsave-xcomp-bv", ld64(area + 520), 0);
    GUEST_CHECK_EQ("xsave-st0", ld64(area + 32), 0x8000000000000000ull);
    GUEST_CHECK_EQ("xsave-xmm5", ld64(area + 160 + 80), pattern[0]);
    GUEST_CHECK_EQ("xsave-software-bytes-untouched", area[470], 0xee);

    if (!skip_xsavec) {
        for (unsigned i = 512; i < 576; i++) {
            area[i] = 0;
        }
        __asm__ volatile("xsavec64 %0" : "+m"(area) : "a"(3), "d"(0));
        GUEST_CHECK_EQ("xsavec-xstate-bv", ld64(area + 512), 3);
        GUEST_CHECK_EQ("xsavec-xcomp-bv", ld64(area + 520), 0x8000000000000003ull);
    }

    /* XRSTOR of a standard-form area whose XSTATE_BV is 0: both components initialized. */
    for (unsigned i = 512; i < 576; i++) {
        area[i] = 0;
    }
    __asm__ volatile("xrstor64 %0" : : "m"(area), "a"(3), "d"(0));
    uint16_t fcw, fsw;
    uint64_t x5;
    __asm__ volatile("fnstcw %0\n\tfnstsw %1\n\tmovq %%xmm5, %2" : "=m"(fcw), "=m"(fsw), "=r"(x5));
    GUEST_CHECK_EQ("xrstor-init-fcw", fcw, 0x037f);
    GUEST_CHECK_EQ("xrstor-init-top", (fsw >> 11) & 7, 0);
    GUEST_CHECK_EQ("xrstor-init-xmm5", x5, 0);
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    bool skip_xm = guest_has_word(mb_info_gpa, "qemu-skip-xm");
    bool skip_xsavec = guest_has_word(mb_info_gpa, "qemu-skip-xsavec");
    guest_sys_init();
    guest_write_cr0((guest_read_cr0() & ~(uintptr_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    guest_write_cr4(guest_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    __asm__ volatile("fninit");
    check_lazy_switching();
    check_error_reporting(skip_xm);
    check_fxsave_layout();
    check_xsave(skip_xsavec);
    return guest_finish_checks();
}
