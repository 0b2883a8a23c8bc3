/*
 * tests/unit/test_fpu_state.c: FXSAVE/FXRSTOR, the XSAVE family and LDMXCSR/STMXCSR against
 * the host CPU (the oracle): the same random save area is restored and saved again natively
 * and in vireo, and the two images are compared byte for byte.
 *
 * Vendor differences masked (vireo follows Intel, SDM Vol. 1 §10.5.1; the host may be AMD,
 * AMD APM Vol. 5 "FXSAVE"): MXCSR_MASK (AMD sets bit 17, MM), and FOP/FIP/FDP, which AMD saves
 * only while FSW.ES is set, and whose 64-bit FIP/FDP this host keeps as 57 bits sign-extended
 * (bits 63:57 follow bit 56, seen with FXRSTOR64/FXSAVE64; the SDM describes 64-bit fields), so
 * their top bytes are not compared. XSTATE_BV may report a component in use when it is in its initial
 * configuration (SDM Vol. 1 §13.6): vireo reports XINUSE exactly, so a host 1 over a vireo 0
 * is accepted when the component is in its initial configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/cpu.h"
#include "cpu_fixture.h"

#define CODE 0x10000ull
#define AREA_IN 0x20000ull
#define AREA_OUT 0x21000ull
#define AREA_ZERO 0x22000ull
#define CASES 2000u

static Fixture fx;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random but loadable legacy region: MXCSR within 0xFFFF (both vendors accept it). */
static void random_area(uint8_t *a, unsigned size)
{
    for (unsigned i = 0; i < size; i += 8) {
        uint64_t v = next();
        memcpy(a + i, &v, 8);
    }
    uint32_t mxcsr = (uint32_t)next() & 0xffff;
    memcpy(a + 24, &mxcsr, 4);
}

/* Runs `insns` (each ending the previous) in vireo with RBX = AREA_IN, RSI = AREA_OUT. */
static CpuExit run_vireo(const uint8_t *code, unsigned len, const uint8_t *in, unsigned size,
                         uint8_t *out, uint32_t rfbm)
{
    fixture_init(&fx, 4u << 20, CPU_MODEL_X86_64);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    fx.cpu.paging.cr4 |= CR4_OSXSAVE;
    fx.cpu.xcr0 = 3;
    fx.cpu.rip = CODE;
    fx.cpu.regs[R_BX] = AREA_IN;
    fx.cpu.regs[R_SI] = AREA_OUT;
    fx.cpu.regs[R_AX] = rfbm;
    fx.cpu.regs[R_BP] = rfbm;
    fx.cpu.regs[R_DI] = AREA_ZERO;
    fx.cpu.regs[R_DX] = 0;
    fx.cpu.exception_intercept = ~0u;
    fixture_write(&fx, CODE, code, len);
    fixture_write(&fx, AREA_IN, in, size);
    uint8_t fill[1024];
    memset(fill, 0xa5, sizeof(fill));
    memset(fill + 512, 0, 64); /* as the host's area: a zero XSAVE header */
    fixture_write(&fx, AREA_OUT, fill, size);
    CpuExit e = fixture_run(&fx, CODE + len, 100);
    fixture_read(&fx, AREA_OUT, out, size);
    fixture_destroy(&fx);
    return e;
}

static uint8_t host_saved[1024] __attribute__((aligned(64)));

/* `saved` is the host's image: its FSW.ES says whether AMD wrote FOP, FIP and FDP. */
static void mask_vendor(uint8_t *img, const uint8_t *saved)
{
    memset(img + 28, 0, 4); /* MXCSR_MASK */
    uint16_t fsw;
    memcpy(&fsw, saved + 2, 2);
    if (!(fsw & FSW_ES)) {
        memset(img + 6, 0, 18); /* FOP, FIP, FDP */
    }
    img[15] = 0;
    img[23] = 0;
}

static void test_fxsave_fxrstor_round_trip_matches_host(void)
{
    /* fxrstor64 [rbx]; fxsave64 [rsi] */
    const uint8_t code[] = {0x48, 0x0f, 0xae, 0x0b, 0x48, 0x0f, 0xae, 0x06};
    unsigned mismatches = 0;
    for (unsigned n = 0; n < CASES; n++) {
        uint8_t in[512] __attribute__((aligned(16)));
        uint8_t host[512] __attribute__((aligned(16)));
        uint8_t out[512];
        random_area(in, sizeof(in));
        memset(host, 0xa5, sizeof(host));
        __asm__ volatile("fxsave64 %0\n\tfxrstor64 %1\n\tfxsave64 %2\n\tfxrstor64 %0"
                         : "+m"(host_saved), "+m"(in), "+m"(host)::"memory");
        CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), out, 0), CPU_EXIT_REQUEST);
        mask_vendor(out, host);
        mask_vendor(host, host);
        if (memcmp(host, out, sizeof(out)) != 0) {
            for (unsigned i = 0; i < sizeof(out) && mismatches < 5; i++) {
                if (host[i] != out[i]) {
                    printf("case %u byte %u: host %02x vireo %02x\n", n, i, host[i], out[i]);
                    mismatches++;
                    break;
                }
            }
        }
    }
    CHECK_EQ(mismatches, 0);
}

/* The x87 and SSE components' initial configurations in a saved image (SDM Vol. 1 §13.6). */
static bool x87_is_init(const uint8_t *img)
{
    static const uint8_t fcw[2] = {0x7f, 0x03};
    if (memcmp(img, fcw, 2) != 0) {
        return false;
    }
    for (unsigned i = 2; i < 24; i++) {
        if (img[i]) {
            return false;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        for (unsigned b = 0; b < 10; b++) {
            if (img[32 + 16 * i + b]) {
                return false;
            }
        }
    }
    return true;
}

static bool sse_is_init(const uint8_t *img)
{
    for (unsigned i = 160; i < 416; i++) {
        if (img[i]) {
            return false;
        }
    }
    return true;
}

static void test_xsave_xrstor_match_host(void)
{
    /* From the initial configuration (mov eax, 3; xrstor64 [rdi] with a zero header):
     * mov eax, ebp; xrstor64 [rbx] (EDX:EAX = RFBM); mov eax, 3; xsave64/xsaveopt64/xsavec64
     * [rsi] */
    static uint8_t zero_area[576] __attribute__((aligned(64)));
    static const uint8_t save_modrm[3][3] = {{0x0f, 0xae, 0x26}, {0x0f, 0xae, 0x36},
                                             {0x0f, 0xc7, 0x26}};
    unsigned mismatches = 0;
    for (unsigned n = 0; n < CASES; n++) {
        unsigned kind = n % 3;
        uint8_t in[576] __attribute__((aligned(64)));
        uint8_t host[576] __attribute__((aligned(64)));
        uint8_t out[576];
        random_area(in, sizeof(in));
        memset(in + 512, 0, 64);
        in[512] = (uint8_t)(next() & 3); /* XSTATE_BV */
        uint32_t rfbm = (uint32_t)(next() & 3);
        memset(host, 0xa5, sizeof(host));
        memset(host + 512, 0, 64);
        const uint8_t code[] = {0xb8, 3,    0,    0,    0,    0x48, 0x0f, 0xae, 0x2f, 0x89,
                                0xe8, 0x48, 0x0f, 0xae, 0x2b, 0xb8, 3,    0,    0,    0,
                                0x48, save_modrm[kind][0], save_modrm[kind][1],
                                save_modrm[kind][2]};
        switch (kind) {
        case 0:
            __asm__ volatile("fxsave64 %0\n\tmov $3, %%eax\n\txrstor64 %3\n\t"
                             "mov %%ebx, %%eax\n\txrstor64 %1\n\tmov $3, %%eax\n\txsave64 %2\n\t"
                             "fxrstor64 %0"
                             : "+m"(host_saved), "+m"(in), "+m"(host), "+m"(zero_area)
                             : "b"(rfbm), "d"(0)
                             : "rax", "memory");
            break;
        case 1:
            __asm__ volatile("fxsave64 %0\n\tmov $3, %%eax\n\txrstor64 %3\n\t"
                             "mov %%ebx, %%eax\n\txrstor64 %1\n\tmov $3, %%eax\n\txsaveopt64 %2\n\t"
                             "fxrstor64 %0"
                             : "+m"(host_saved), "+m"(in), "+m"(host), "+m"(zero_area)
                             : "b"(rfbm), "d"(0)
                             : "rax", "memory");
            break;
        default:
            __asm__ volatile("fxsave64 %0\n\tmov $3, %%eax\n\txrstor64 %3\n\t"
                             "mov %%ebx, %%eax\n\txrstor64 %1\n\tmov $3, %%eax\n\txsavec64 %2\n\t"
                             "fxrstor64 %0"
                             : "+m"(host_saved), "+m"(in), "+m"(host), "+m"(zero_area)
                             : "b"(rfbm), "d"(0)
                             : "rax", "memory");
            break;
        }
        uint8_t fill_out[576];
        CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), fill_out, rfbm), CPU_EXIT_REQUEST);
        memcpy(out, fill_out, sizeof(out));
        /* What the host left unwritten it left as 0xa5; vireo's fill is the same. The header:
         * accept host XINUSE 1 for a component in its initial configuration. */
        uint8_t bv_host = host[512], bv_vireo = out[512];
        uint8_t extra = (uint8_t)(bv_host & ~bv_vireo);
        if (((extra & 1) && x87_is_init(host)) || !(extra & 1)) {
            extra &= (uint8_t)~1u;
        }
        if (((extra & 2) && sse_is_init(host)) || !(extra & 2)) {
            extra &= (uint8_t)~2u;
        }
        bool header_ok = extra == 0 && (bv_vireo & ~bv_host) == 0;
        /* Components the host saved but vireo skipped (XSAVEOPT/XSAVEC of an initial
         * component) hold the initial configuration on the host: compare only what both
         * wrote. */
        if (kind != 0) {
            if ((bv_host & 1) && !(bv_vireo & 1)) {
                memcpy(out, host, 24);
                memcpy(out + 32, host + 32, 128);
            }
            if ((bv_host & 2) && !(bv_vireo & 2)) {
                memcpy(out + 160, host + 160, 256);
            }
        }
        out[512] = host[512];
        mask_vendor(out, host);
        mask_vendor(host, host);
        if (!header_ok || memcmp(host, out, sizeof(out)) != 0) {
            for (unsigned i = 0; i < sizeof(out) && mismatches < 5; i++) {
                if (host[i] != out[i] || (i == 512 && !header_ok)) {
                    printf("case %u kind %u rfbm %u xstate_bv %u byte %u: host %02x vireo "
                           "%02x (bv host %x vireo %x)\n",
                           n, kind, rfbm, in[512], i, host[i], out[i], bv_host, bv_vireo);
                    mismatches++;
                    break;
                }
            }
        }
    }
    CHECK_EQ(mismatches, 0);
}

/* SDM Vol. 2 "XRSTOR": header bytes 8-23 of the standard form must be zero, else #GP(0). */
static void test_xrstor_rejects_bad_headers(void)
{
    const uint8_t code[] = {0x48, 0x0f, 0xae, 0x2b};
    uint8_t in[576] __attribute__((aligned(64))) = {0};
    uint8_t out[576];
    in[0] = 0x7f;
    in[1] = 0x03;
    in[512] = 3;
    CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), out, 3), CPU_EXIT_REQUEST);
    in[512 + 16] = 1;
    CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), out, 3), CPU_EXIT_EXCEPTION);
    in[512 + 16] = 0;
    in[512] = 4; /* AVX, not in XCR0 */
    CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), out, 3), CPU_EXIT_EXCEPTION);
    in[512] = 3;
    in[25] = 0; /* MXCSR 0x00000000 is fine; reserved bit 16 is not */
    in[26] = 1;
    CHECK_EQ(run_vireo(code, sizeof(code), in, sizeof(in), out, 3), CPU_EXIT_EXCEPTION);
}

static void test_fxsave_alignment_and_nm(void)
{
    const uint8_t code[] = {0x48, 0x0f, 0xae, 0x06}; /* fxsave64 [rsi] */
    fixture_init(&fx, 4u << 20, CPU_MODEL_X86_64);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    fx.cpu.rip = CODE;
    fx.cpu.regs[R_SI] = AREA_OUT + 8;
    fx.cpu.exception_intercept = ~0u;
    fixture_write(&fx, CODE, code, sizeof(code));
    CHECK_EQ(fixture_run(&fx, CODE + sizeof(code), 10), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_GP);
    fx.cpu.regs[R_SI] = AREA_OUT;
    fx.cpu.paging.cr0 |= CR0_TS;
    CHECK_EQ(fixture_run(&fx, CODE + sizeof(code), 10), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, EXC_NM);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_fxsave_fxrstor_round_trip_matches_host),
    CHECK_TEST(test_xsave_xrstor_match_host),
    CHECK_TEST(test_xrstor_rejects_bad_headers),
    CHECK_TEST(test_fxsave_alignment_and_nm),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
