/*
 * tests/unit/sys_test_util.h: the fixture set-up shared by the system-register and
 * system-instruction tests: a CPU of a named model in a mode and privilege level, code at
 * SYS_CODE, and #GP, #UD, #DB and #PF stopping the run.
 */
#ifndef VIREO_TESTS_UNIT_SYS_TEST_UTIL_H
#define VIREO_TESTS_UNIT_SYS_TEST_UTIL_H

#include "check.h"
#include "cpu/cpuid.h"
#include "cpu_fixture.h"

#define CODE 0x10000ull
#define MAX_STEPS 1000

static Fixture fx;

static inline void start(FixtureMode mode, unsigned cpl, const char *model, const uint8_t *code,
                         size_t len)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fx.cpu.cpuid = cpuid_find_model(model);
    CHECK(fx.cpu.cpuid != NULL);
    fixture_set_mode(&fx, mode, cpl);
    if (len) {
        fixture_write(&fx, CODE, code, len);
    }
    fx.cpu.rip = CODE;
    fx.cpu.regs[R_SP] = 0x80000;
    fx.cpu.exception_intercept = (1u << EXC_GP) | (1u << EXC_UD) | (1u << EXC_DB) | (1u << EXC_PF);
}

static inline void expect_halt(void)
{
    CHECK_EQ(fixture_run(&fx, ~0ull, MAX_STEPS), CPU_EXIT_HALT);
}

#endif
