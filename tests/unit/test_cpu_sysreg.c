/*
 * System registers: MOV CRn/DRn, LMSW/SMSW/CLTS, EFER and long-mode activation, PAE PDPTE
 * loading, INVLPG, the MSR table and CPUID. Expected values come from the SDM (Vol. 2 pages of
 * each instruction, Vol. 3A §2.5, §4.4.1, §10.8.5, Vol. 4 table 2-2), never from vireo.
 */
#include <string.h>

#include "check.h"
#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "cpu_fixture.h"
#include "sys_test_util.h"
#include "util/endian.h"

static void expect_fault(unsigned vector, uint64_t rip)
{
    CHECK_EQ(fixture_run(&fx, ~0ull, MAX_STEPS), CPU_EXIT_EXCEPTION);
    CHECK_EQ(fx.cpu.intercepted.vector, vector);
    CHECK_EQ(fx.cpu.intercepted.error_code, 0);
    CHECK_EQ(fx.cpu.rip, rip);
}

static void write_u64(uint64_t gpa, uint64_t v)
{
    uint8_t b[8];
    st_le64(b, v);
    fixture_write(&fx, gpa, b, 8);
}

static void test_cpu_sysreg_cr0_pg_without_pe_faults(void)
{
    /* mov eax, 80000010h (PG|ET, PE clear); mov cr0, eax -> #GP(0), CR0 unchanged */
    const uint8_t code[] = {0xb8, 0x10, 0, 0, 0x80, 0x0f, 0x22, 0xc0, 0xf4};
    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    uint64_t cr0 = fx.cpu.paging.cr0;
    expect_fault(EXC_GP, CODE + 5);
    CHECK_EQ(fx.cpu.paging.cr0, cr0);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cr0_nw_without_cd_faults(void)
{
    /* mov eax, 20000011h (NW|ET|PE); mov cr0, eax -> #GP(0) */
    const uint8_t code[] = {0xb8, 0x11, 0, 0, 0x20, 0x0f, 0x22, 0xc0, 0xf4};
    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 5);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_long_mode_activation_sets_lma(void)
{
    /*
     * 32-bit protected mode, paging off, then the SDM §10.8.5 sequence:
     * mov eax, cr4; or eax, 20h; mov cr4, eax; mov eax, 2000h; mov cr3, eax;
     * mov ecx, C0000080h; rdmsr; or eax, 100h; wrmsr; mov eax, cr0; or eax, 80000000h;
     * mov cr0, eax; hlt
     */
    const uint8_t code[] = {
        0x0f, 0x20, 0xe0, 0x0d, 0x20, 0,    0,    0, 0x0f, 0x22, 0xe0, 0xb8, 0,    0x20, 0,
        0,    0x0f, 0x22, 0xd8, 0xb9, 0x80, 0,    0, 0xc0, 0x0f, 0x32, 0x0d, 0,    1,    0,
        0,    0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0, 0,    0,    0x80, 0x0f, 0x22, 0xc0, 0xf4,
    };
    /* The long-mode setup writes the identity page tables this test then uses. */
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    fixture_set_mode(&fx, FIXTURE_FLAT32, 0);
    fixture_write(&fx, CODE, code, sizeof(code));
    fx.cpu.rip = CODE;
    fx.cpu.exception_intercept = (1u << EXC_GP) | (1u << EXC_UD) | (1u << EXC_PF);
    CHECK(!fx.cpu.long_mode);
    expect_halt();
    CHECK((fx.cpu.paging.efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA));
    CHECK(fx.cpu.long_mode);
    CHECK(!fx.cpu.code64); /* CS.L = 0: compatibility mode */
    CHECK(fx.cpu.paging.cr0 & CR0_PG);

    /* In compatibility mode, clearing CR0.PG leaves IA-32e mode (LMA = 0):
     * mov eax, cr0; and eax, 7fffffffh; mov cr0, eax; hlt */
    const uint8_t leave[] = {0x0f, 0x20, 0xc0, 0x25, 0xff, 0xff,
                             0xff, 0x7f, 0x0f, 0x22, 0xc0, 0xf4};
    fixture_write(&fx, CODE + 0x100, leave, sizeof(leave));
    fx.cpu.rip = CODE + 0x100;
    fx.cpu.halted = false;
    expect_halt();
    CHECK(!(fx.cpu.paging.efer & EFER_LMA));
    CHECK(fx.cpu.paging.efer & EFER_LME);
    CHECK(!fx.cpu.long_mode);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_pg_with_lme_needs_pae(void)
{
    /* EFER.LME = 1, CR4.PAE = 0: mov eax, cr0; or eax, 80000000h; mov cr0, eax -> #GP(0) */
    const uint8_t code[] = {0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0, 0xf4};
    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    fx.cpu.paging.efer = EFER_LME;
    expect_fault(EXC_GP, CODE + 8);
    CHECK(!(fx.cpu.paging.cr0 & CR0_PG));
    CHECK(!(fx.cpu.paging.efer & EFER_LMA));
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_wrmsr_efer_lme_while_paging_faults(void)
{
    /* mov ecx, C0000080h; rdmsr; mov ebx, eax; and eax, FFFFFEFFh; wrmsr -> #GP(0) */
    const uint8_t code[] = {0xb9, 0x80, 0,    0,    0xc0, 0x0f, 0x32, 0x89, 0xc3,
                            0x25, 0xff, 0xfe, 0xff, 0xff, 0x0f, 0x30, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 14);
    /* RDMSR read SCE, LME, LMA (read-only) and NXE as the fixture set them. */
    CHECK_EQ(fx.cpu.regs[R_BX], EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
    CHECK(fx.cpu.paging.efer & EFER_LME);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_wrmsr_efer_reserved_and_lma_ignored(void)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_FLAT32, 0);
    /* Paging off: LME may change; LMA is read-only; bit 1 is reserved. */
    CHECK(msr_write(&fx.cpu, MSR_IA32_EFER, EFER_LME | EFER_LMA | EFER_SCE));
    CHECK_EQ(fx.cpu.paging.efer, EFER_LME | EFER_SCE);
    CHECK(!msr_write(&fx.cpu, MSR_IA32_EFER, 2));
    CHECK_EQ(fx.cpu.paging.efer, EFER_LME | EFER_SCE);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cr4_pae_clear_in_long_mode_faults(void)
{
    /* mov rax, cr4; and eax, FFFFFFDFh; mov cr4, rax -> #GP(0) */
    const uint8_t code[] = {0x0f, 0x20, 0xe0, 0x25, 0xdf, 0xff, 0xff, 0xff, 0x0f, 0x22, 0xe0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 8);
    CHECK(fx.cpu.paging.cr4 & CR4_PAE);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cr4_bits_follow_the_model(void)
{
    /* mov rax, cr4; or eax, 10000h (FSGSBASE); mov cr4, rax; hlt */
    const uint8_t code[] = {0x0f, 0x20, 0xe0, 0x0d, 0, 0, 1, 0, 0x0f, 0x22, 0xe0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 8); /* base does not advertise FSGSBASE: reserved */
    fixture_destroy(&fx);
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_halt();
    CHECK(fx.cpu.paging.cr4 & CR4_FSGSBASE);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_pcide_rules(void)
{
    /* mov rax, cr4; or eax, 20000h (PCIDE); mov cr4, rax; hlt */
    const uint8_t code[] = {0x0f, 0x20, 0xe0, 0x0d, 0, 0, 2, 0, 0x0f, 0x22, 0xe0, 0xf4};
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    fx.cpu.paging.cr3 |= 5; /* CR3[11:0] != 0 */
    expect_fault(EXC_GP, CODE + 8);
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_halt();
    CHECK(fx.cpu.paging.cr4 & CR4_PCIDE);
    fixture_destroy(&fx);

    /* Outside IA-32e mode PCIDE cannot be set. */
    start(FIXTURE_FLAT32, 0, "max", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 8);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cr3_reserved_and_no_flush_bit(void)
{
    /* mov rax, imm64; mov cr3, rax; mov rbx, cr3; hlt */
    uint8_t code[] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xdb, 0xf4};
    uint64_t v = (1ull << 45) | FIXTURE_PAGE_TABLES_ADDR; /* above MAXPHYADDR (40) */
    st_le64(code + 2, v);
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 10);
    fixture_destroy(&fx);

    /* With CR4.PCIDE, bit 63 is the no-flush hint and is not stored. */
    v = (1ull << 63) | FIXTURE_PAGE_TABLES_ADDR | 7;
    st_le64(code + 2, v);
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    fx.cpu.paging.cr4 |= CR4_PCIDE;
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_BX], FIXTURE_PAGE_TABLES_ADDR | 7);
    fixture_destroy(&fx);

    /* Without PCIDE the same bit 63 is reserved. */
    start(FIXTURE_LONG64, 0, "max", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 10);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_mov_cr_privilege_and_encoding(void)
{
    /* mov rax, cr0 at CPL 3 -> #GP(0) */
    const uint8_t read_cr0[] = {0x0f, 0x20, 0xc0};
    start(FIXTURE_LONG64, 3, "base", read_cr0, sizeof(read_cr0));
    expect_fault(EXC_GP, CODE);
    fixture_destroy(&fx);
    /* mov cr1, rax -> #UD; mov rax, cr5 -> #UD */
    const uint8_t cr1[] = {0x0f, 0x22, 0xc8};
    start(FIXTURE_LONG64, 0, "base", cr1, sizeof(cr1));
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);
    const uint8_t cr5[] = {0x0f, 0x20, 0xe8};
    start(FIXTURE_LONG64, 0, "base", cr5, sizeof(cr5));
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cr8_tpr(void)
{
    /* mov eax, 9; mov cr8, rax; mov rbx, cr8; mov eax, 10h; mov cr8, rax (#GP: bits 63:4) */
    const uint8_t code[] = {0xb8, 9,    0,    0, 0, 0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20,
                            0xc3, 0xb8, 0x10, 0, 0, 0,    0x44, 0x0f, 0x22, 0xc0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 18);
    CHECK_EQ(fx.cpu.regs[R_BX], 9);
    CHECK_EQ(fx.cpu.cr8, 9);
    fixture_destroy(&fx);
}

/* PAE paging: PDPT at 30000h, its first entry -> PD at 40000h mapping 0-2 MiB. */
static void write_pae_tables(uint64_t pdpte0)
{
    for (unsigned i = 0; i < 4; i++) {
        write_u64(0x30000 + 8 * i, i == 0 ? pdpte0 : 0);
    }
    write_u64(0x40000, 0x83); /* 2 MiB page at 0, present, writable */
}

static void test_cpu_sysreg_pae_pdpte_load(void)
{
    /* CR4.PAE = 1, CR3 = 30000h: mov eax, cr0; or eax, 80000000h; mov cr0, eax; hlt */
    const uint8_t code[] = {0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0, 0xf4};
    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    write_pae_tables(0x40000 | 1 | 2); /* bit 1 is reserved in a PAE PDPTE */
    fx.cpu.paging.cr4 = CR4_PAE;
    fx.cpu.paging.cr3 = 0x30000;
    expect_fault(EXC_GP, CODE + 8);
    CHECK(!(fx.cpu.paging.cr0 & CR0_PG));
    fixture_destroy(&fx);

    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    write_pae_tables(0x40000 | 1);
    fx.cpu.paging.cr4 = CR4_PAE;
    fx.cpu.paging.cr3 = 0x30000;
    expect_halt();
    CHECK(fx.cpu.paging.cr0 & CR0_PG);
    CHECK_EQ(fx.cpu.paging.pdpte[0], 0x40001);
    CHECK(!fx.cpu.long_mode);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_invlpg_makes_changed_pte_visible(void)
{
    /*
     * mov eax, 200000h; mov rbx, [rax]; mov edx, PDE1; mov rcx, 400087h (PDE: 2 MiB page at
     * 4 MiB); mov [rdx], rcx; invlpg [rax]; mov rcx, [rax]; hlt
     */
    uint64_t pde1 = FIXTURE_PAGE_TABLES_ADDR + 0x2000 + 8;
    const uint8_t code[] = {
        0xb8, 0,    0,    0x20, 0,    0x48, 0x8b, 0x18, 0xba, (uint8_t)pde1, (uint8_t)(pde1 >> 8),
        0,    0,    0x48, 0xc7, 0xc1, 0x87, 0,    0x40, 0,    0x48,          0x89,
        0x0a, 0x0f, 0x01, 0x38, 0x48, 0x8b, 0x08, 0xf4,
    };
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    write_u64(0x200000, 0x1111);
    write_u64(0x400000, 0x2222);
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_BX], 0x1111);
    CHECK_EQ(fx.cpu.regs[R_CX], 0x2222);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_debug_registers(void)
{
    /* mov rax, dr4 (aliases DR6 with CR4.DE = 0); hlt */
    const uint8_t alias[] = {0x0f, 0x21, 0xe0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", alias, sizeof(alias));
    expect_halt();
    CHECK_EQ(fx.cpu.regs[R_AX], 0xffff0ff0ull); /* DR6 at reset */
    fixture_destroy(&fx);

    start(FIXTURE_LONG64, 0, "base", alias, sizeof(alias));
    fx.cpu.paging.cr4 |= CR4_DE;
    expect_fault(EXC_UD, CODE);
    fixture_destroy(&fx);

    /* DR7.GD: mov rax, dr6 is a #DB fault (RIP at the MOV), DR6.BD set, GD cleared. */
    const uint8_t read_dr6[] = {0x0f, 0x21, 0xf0, 0xf4};
    start(FIXTURE_LONG64, 0, "base", read_dr6, sizeof(read_dr6));
    fx.cpu.dr[7] |= DR7_GD;
    expect_fault(EXC_DB, CODE);
    CHECK(fx.cpu.dr[6] & DR6_BD);
    CHECK(!(fx.cpu.dr[7] & DR7_GD));
    fixture_destroy(&fx);

    /* mov rax, 1 << 32; mov dr7, rax -> #GP(0): bits 63:32 of DR7 */
    const uint8_t high[] = {0x48, 0xb8, 0, 0, 0, 0, 1, 0, 0, 0, 0x0f, 0x23, 0xf8, 0xf4};
    start(FIXTURE_LONG64, 0, "base", high, sizeof(high));
    expect_fault(EXC_GP, CODE + 10);
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_lmsw_smsw_clts(void)
{
    /* CR0.TS = 1: clts; smsw eax; xor eax, eax; lmsw ax (PE stays 1); hlt */
    const uint8_t code[] = {0x0f, 0x06, 0x0f, 0x01, 0xe0, 0x89, 0xc3,
                            0x31, 0xc0, 0x0f, 0x01, 0xf0, 0xf4};
    start(FIXTURE_FLAT32, 0, "base", code, sizeof(code));
    fx.cpu.paging.cr0 |= CR0_TS;
    expect_halt();
    CHECK(!(fx.cpu.paging.cr0 & CR0_TS));
    CHECK_EQ(fx.cpu.regs[R_BX] & 0xffff, (CR0_PE | CR0_ET | CR0_NE | CR0_MP) & 0xffff);
    CHECK(fx.cpu.paging.cr0 & CR0_PE);
    CHECK(!(fx.cpu.paging.cr0 & CR0_MP)); /* LMSW loaded MP = 0 */
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_msr_table(void)
{
    CHECK_EQ(fixture_init(&fx, 16 << 20, CPU_MODEL_X86_64), 0);
    fixture_set_mode(&fx, FIXTURE_LONG64, 0);
    CpuState *cpu = &fx.cpu;
    uint64_t v = 0;
    /* Plain registers read back what was written. */
    CHECK(msr_write(cpu, MSR_IA32_STAR, 0x0023001000000000ull));
    CHECK(msr_read(cpu, MSR_IA32_STAR, &v) && v == 0x0023001000000000ull);
    CHECK(msr_write(cpu, MSR_IA32_KERNEL_GS_BASE, 0xffff800000001000ull));
    CHECK(msr_read(cpu, MSR_IA32_KERNEL_GS_BASE, &v) && v == 0xffff800000001000ull);
    /* Addresses must be canonical. */
    CHECK(!msr_write(cpu, MSR_IA32_LSTAR, 0x0000800000000000ull));
    CHECK(!msr_write(cpu, MSR_IA32_SYSENTER_EIP, 0x8000000000000000ull));
    /* FS.base is the segment cache's base. */
    CHECK(msr_write(cpu, MSR_IA32_FS_BASE, 0x7fff0000ull));
    CHECK_EQ(cpu->seg[SEG_FS].base, 0x7fff0000ull);
    /* IA32_PLATFORM_ID: read-only, platform 0 (Linux's microcode loader reads it). */
    v = 1;
    CHECK(msr_read(cpu, MSR_IA32_PLATFORM_ID, &v) && v == 0);
    CHECK(!msr_write(cpu, MSR_IA32_PLATFORM_ID, 0));
    /* IA32_FMASK: bits 63:32 reserved. */
    CHECK(!msr_write(cpu, MSR_IA32_FMASK, 1ull << 32));
    /* PAT: types 2 and 3 are reserved (SDM Vol. 3A table 12-10). */
    CHECK(!msr_write(cpu, MSR_IA32_PAT, 0x0007040600070402ull));
    CHECK(msr_write(cpu, MSR_IA32_PAT, 0x0007010600070406ull));
    CHECK(msr_read(cpu, MSR_IA32_PAT, &v) && v == 0x0007010600070406ull);
    /* MTRRs: capability, default type, a variable range, a fixed range. */
    CHECK(msr_read(cpu, MSR_IA32_MTRRCAP, &v) && (v & 0xff) == 8 && (v & (1u << 8)));
    CHECK(!msr_write(cpu, MSR_IA32_MTRRCAP, 0));
    CHECK(msr_write(cpu, MSR_IA32_MTRR_DEF_TYPE, 0xc06));
    CHECK(msr_read(cpu, MSR_IA32_MTRR_DEF_TYPE, &v) && v == 0xc06);
    CHECK(!msr_write(cpu, MSR_IA32_MTRR_DEF_TYPE, 0x2));                 /* type 2 reserved */
    CHECK(msr_write(cpu, MSR_IA32_MTRR_PHYSBASE0 + 2, 0x80000006ull));   /* PHYSBASE1 */
    CHECK(msr_write(cpu, MSR_IA32_MTRR_PHYSBASE0 + 3, 0xff80000800ull)); /* PHYSMASK1 */
    CHECK(msr_read(cpu, MSR_IA32_MTRR_PHYSBASE0 + 3, &v) && v == 0xff80000800ull);
    CHECK(!msr_write(cpu, MSR_IA32_MTRR_PHYSBASE0 + 3, 1ull << 45)); /* above MAXPHYADDR */
    CHECK(!msr_write(cpu, MSR_IA32_MTRR_PHYSBASE0 + 1, 0x400));      /* mask bits 10:0 reserved */
    CHECK(msr_write(cpu, MSR_IA32_MTRR_FIX4K_C0000 + 7, 0x0505050505050505ull));
    CHECK(msr_read(cpu, MSR_IA32_MTRR_FIX4K_C0000 + 7, &v) && v == 0x0505050505050505ull);
    CHECK(!msr_write(cpu, MSR_IA32_MTRR_FIX16K_80000, 0x07));
    /* IA32_TSC: a write sets the counter. */
    CHECK(msr_write(cpu, MSR_IA32_TSC, 1000000));
    CHECK(msr_read(cpu, MSR_IA32_TSC, &v) && v == 1000000);
    /* APIC base: BSP is read-only, bits above MAXPHYADDR reserved. */
    CHECK(msr_write(cpu, MSR_IA32_APIC_BASE, 0xfec00000ull | (1u << 11)));
    CHECK(msr_read(cpu, MSR_IA32_APIC_BASE, &v) && v == (0xfec00000ull | (1u << 11) | (1u << 8)));
    CHECK(!msr_write(cpu, MSR_IA32_APIC_BASE, 1ull << 50));
    /* TSC_AUX exists only with RDTSCP or RDPID ("max"). */
    CHECK(!msr_read(cpu, MSR_IA32_TSC_AUX, &v));
    cpu->cpuid = cpuid_find_model("max");
    CHECK(msr_write(cpu, MSR_IA32_TSC_AUX, 3));
    CHECK(!msr_write(cpu, MSR_IA32_TSC_AUX, 1ull << 32));
    /* Unknown MSRs do not exist. */
    CHECK(!msr_read(cpu, 0x12345678, &v));
    CHECK(!msr_write(cpu, 0xc0000200, 0));
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_rdmsr_unknown_and_privilege(void)
{
    /* mov ecx, 12345678h; rdmsr -> #GP(0) */
    const uint8_t code[] = {0xb9, 0x78, 0x56, 0x34, 0x12, 0x0f, 0x32, 0xf4};
    start(FIXTURE_LONG64, 0, "base", code, sizeof(code));
    expect_fault(EXC_GP, CODE + 5);
    fixture_destroy(&fx);
    /* mov ecx, C0000081h (STAR, exists); rdmsr at CPL 3 -> #GP(0) */
    const uint8_t user[] = {0xb9, 0x81, 0, 0, 0xc0, 0x0f, 0x32};
    start(FIXTURE_LONG64, 3, "base", user, sizeof(user));
    expect_fault(EXC_GP, CODE + 5);
    fixture_destroy(&fx);
}

static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    /* cpuid; hlt, run by the CPU so the instruction path is tested */
    const uint8_t code[] = {0x0f, 0xa2, 0xf4};
    fixture_write(&fx, CODE, code, sizeof(code));
    fx.cpu.rip = CODE;
    fx.cpu.halted = false;
    fx.cpu.regs[R_AX] = 0xdead00000000ull | leaf;
    fx.cpu.regs[R_CX] = subleaf;
    expect_halt();
    out[0] = (uint32_t)fx.cpu.regs[R_AX];
    out[1] = (uint32_t)fx.cpu.regs[R_BX];
    out[2] = (uint32_t)fx.cpu.regs[R_CX];
    out[3] = (uint32_t)fx.cpu.regs[R_DX];
    CHECK_EQ(fx.cpu.regs[R_AX] >> 32, 0); /* 32-bit results clear the upper halves */
}

static void test_cpu_sysreg_cpuid_base_model(void)
{
    start(FIXTURE_LONG64, 0, "base", NULL, 0);
    uint32_t r[4], top[4];
    cpuid(0, 0, r);
    CHECK_EQ(r[0], 0xd);
    char vendor[13] = {0};
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    CHECK_STR_EQ(vendor, "GenuineIntel");
    cpuid(1, 0, r);
    CHECK_EQ(r[0], 0x000306a9); /* as EDX after reset */
    CHECK_EQ(r[1] >> 24, 0);    /* initial APIC ID */
    /* FPU, APIC, MMX, FXSR, SSE, SSE2. */
    uint32_t fp = (1u << 0) | (1u << 9) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
    CHECK_EQ(r[3] & fp, fp);
    /* x86-64-v2 (psABI micro-architecture levels): SSE3 0, SSSE3 9, CX16 13, SSE4.1 19,
     * SSE4.2 20, POPCNT 23 in ECX; XSAVE 26. */
    uint32_t v2 = (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23) |
                  (1u << 26);
    CHECK_EQ(r[2] & v2, v2);
    /* TSC, MSR, PAE, CX8, SEP, PGE, CMOV, PAT, CLFSH */
    uint32_t want = (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 11) | (1u << 13) |
                    (1u << 15) | (1u << 16) | (1u << 19);
    CHECK_EQ(r[3] & want, want);
    CHECK_EQ(r[2] & (1u << 30), 0); /* RDRAND only in "max" */
    cpuid(0x80000000, 0, r);
    CHECK_EQ(r[0], 0x80000008);
    cpuid(0x80000001, 0, r);
    CHECK_EQ(r[3] & ((1u << 11) | (1u << 20) | (1u << 29)), (1u << 11) | (1u << 20) | (1u << 29));
    CHECK_EQ(r[2] & 1, 1);    /* LAHF/SAHF in 64-bit mode */
    CHECK(r[3] & (1u << 26)); /* 1-GByte pages: the walker always honours them */
    char brand[49] = {0};
    for (uint32_t i = 0; i < 3; i++) {
        cpuid(0x80000002 + i, 0, r);
        memcpy(brand + 16 * i, r, 16);
    }
    CHECK_STR_EQ(brand, "vireo virtual CPU");
    cpuid(0x80000008, 0, r);
    CHECK_EQ(r[0] & 0xff, 40); /* the fixture's physical address width */
    CHECK_EQ((r[0] >> 8) & 0xff, 48);
    /* A leaf above the maximum answers as the highest basic leaf (Intel). */
    cpuid(0xd, 0, top);
    cpuid(0x40, 0, r);
    CHECK_MEM_EQ(r, top, sizeof(r));
    cpuid(0x80000100, 0, r);
    CHECK_MEM_EQ(r, top, sizeof(r));
    fixture_destroy(&fx);
}

static void test_cpu_sysreg_cpuid_max_model(void)
{
    start(FIXTURE_LONG64, 0, "max", NULL, 0);
    uint32_t r[4];
    cpuid(1, 0, r);
    CHECK(r[2] & (1u << 30)); /* RDRAND */
    CHECK(r[2] & (1u << 17)); /* PCID */
    cpuid(7, 0, r);
    uint32_t want = (1u << 0) | (1u << 7) | (1u << 10) | (1u << 18) | (1u << 20);
    CHECK_EQ(r[1] & want, want);
    CHECK(r[2] & (1u << 22)); /* RDPID */
    cpuid(0x80000001, 0, r);
    CHECK(r[3] & (1u << 27)); /* RDTSCP */
    cpuid(0xb, 0, r);
    CHECK_EQ((r[2] >> 8) & 0xff, 1); /* SMT level */
    CHECK_EQ(r[1], 1);
    fixture_destroy(&fx);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_cpu_sysreg_cr0_pg_without_pe_faults),
    CHECK_TEST(test_cpu_sysreg_cr0_nw_without_cd_faults),
    CHECK_TEST(test_cpu_sysreg_long_mode_activation_sets_lma),
    CHECK_TEST(test_cpu_sysreg_pg_with_lme_needs_pae),
    CHECK_TEST(test_cpu_sysreg_wrmsr_efer_lme_while_paging_faults),
    CHECK_TEST(test_cpu_sysreg_wrmsr_efer_reserved_and_lma_ignored),
    CHECK_TEST(test_cpu_sysreg_cr4_pae_clear_in_long_mode_faults),
    CHECK_TEST(test_cpu_sysreg_cr4_bits_follow_the_model),
    CHECK_TEST(test_cpu_sysreg_pcide_rules),
    CHECK_TEST(test_cpu_sysreg_cr3_reserved_and_no_flush_bit),
    CHECK_TEST(test_cpu_sysreg_mov_cr_privilege_and_encoding),
    CHECK_TEST(test_cpu_sysreg_cr8_tpr),
    CHECK_TEST(test_cpu_sysreg_pae_pdpte_load),
    CHECK_TEST(test_cpu_sysreg_invlpg_makes_changed_pte_visible),
    CHECK_TEST(test_cpu_sysreg_debug_registers),
    CHECK_TEST(test_cpu_sysreg_lmsw_smsw_clts),
    CHECK_TEST(test_cpu_sysreg_msr_table),
    CHECK_TEST(test_cpu_sysreg_rdmsr_unknown_and_privilege),
    CHECK_TEST(test_cpu_sysreg_cpuid_base_model),
    CHECK_TEST(test_cpu_sysreg_cpuid_max_model),
    {0},
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
