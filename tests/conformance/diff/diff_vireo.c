/* tests/conformance/diff/diff_vireo.c: see diff_vireo.h. */
#include "diff_vireo.h"

#include <string.h>

#include "cpu/cpuid.h"
#include "softmmu/paging.h"
#include "util/endian.h"

/* Guest-physical layout inside the fixture's RAM, above FIXTURE_RESERVED_END. */
#define PT_BASE 0x10000ull /* PML4, PDPT, PD, code PT, data PT: five pages */
#define CODE_GPA 0x20000ull
#define DATA_GPA 0x30000ull
#define RAM_SIZE 0x100000ull

static void put_entry(DiffVireo *v, uint64_t table, unsigned index, uint64_t entry)
{
    uint8_t e[8];
    st_le64(e, entry);
    fixture_write(&v->fx, table + 8ull * index, e, 8);
}

static void write_page_tables(DiffVireo *v)
{
    uint64_t pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000;
    uint64_t pt_code = PT_BASE + 0x3000, pt_data = PT_BASE + 0x4000;
    uint8_t zero[0x5000] = {0};
    fixture_write(&v->fx, PT_BASE, zero, sizeof(zero));
    const uint64_t upper = PTE_P | PTE_RW | PTE_US;
    put_entry(v, pml4, (unsigned)((NATIVE_CODE_ADDR >> 39) & 511), pdpt | upper);
    put_entry(v, pdpt, (unsigned)((NATIVE_CODE_ADDR >> 30) & 511), pd | upper);
    put_entry(v, pd, (unsigned)((NATIVE_CODE_ADDR >> 21) & 511), pt_code | upper);
    put_entry(v, pd, (unsigned)((NATIVE_DATA_ADDR >> 21) & 511), pt_data | upper);
    put_entry(v, pt_code, (unsigned)((NATIVE_CODE_ADDR >> 12) & 511), CODE_GPA | PTE_P | PTE_US);
    for (unsigned i = 0; i < NATIVE_DATA_SIZE / 0x1000; i++) {
        put_entry(v, pt_data, (unsigned)((NATIVE_DATA_ADDR >> 12) & 511) + i,
                  (DATA_GPA + 0x1000ull * i) | PTE_P | PTE_RW | PTE_US | PTE_XD);
    }
}

int diff_vireo_open(DiffVireo *v)
{
    memset(v, 0, sizeof(*v));
    if (fixture_init(&v->fx, RAM_SIZE, CPU_MODEL_X86_64) != 0) {
        return -1;
    }
    fixture_set_mode(&v->fx, FIXTURE_LONG64, 3);
    write_page_tables(v);
    CpuState *cpu = &v->fx.cpu;
    /*
     * The host runs POPCNT, MOVBE, LZCNT, CMPXCHG16B and TZCNT: compare with the max model, plus
     * BMI1 so that F3 0F BC is TZCNT as on the host (no shipped model has BMI1: its VEX
     * instructions are not implemented).
     */
    v->model = *cpuid_find_model("max");
    v->model.features[CPUID_W_7_EBX] |= 1u << (CPUID_BMI1 & 31);
    cpu->cpuid = &v->model;
    cpu->paging.cr0 |= CR0_AM | CR0_WP;
    cpu->paging.cr3 = PT_BASE;
    cpu->exception_intercept = ~0u;
    cpu_update_mode(cpu);
    tlb_flush_all(cpu->tlb);
    tlb_write_cr3(cpu->tlb, &cpu->paging);
    v->data = v->fx.ram + DATA_GPA;
    return 0;
}

void diff_vireo_close(DiffVireo *v)
{
    fixture_destroy(&v->fx);
}

void diff_vireo_run(DiffVireo *v, const uint8_t *code, size_t len, const NativeCpuState *in,
                    uint64_t max_insns, DiffVireoResult *r)
{
    static uint8_t page[NATIVE_CODE_SIZE];
    memset(page, 0xcc, sizeof(page));
    memcpy(page, code, len);
    /* phys_write: the code page's blocks are dropped before the new bytes become visible. */
    fixture_write(&v->fx, CODE_GPA, page, sizeof(page));

    CpuState *cpu = &v->fx.cpu;
    memcpy(cpu->regs, in->gpr, sizeof(cpu->regs));
    cpu->rip = in->rip;
    cpu_set_rflags(cpu, in->rflags);
    cpu->cr2 = 0;
    cpu->halted = false;
    cpu->inhibit_irq = false;

    memset(r, 0, sizeof(*r));
    CpuExit e = fixture_run(&v->fx, NATIVE_CODE_ADDR + len, max_insns);
    memcpy(r->out.gpr, cpu->regs, sizeof(r->out.gpr));
    r->out.rip = cpu->rip;
    r->out.rflags = cpu_get_rflags(cpu);
    switch (e) {
    case CPU_EXIT_REQUEST:
        r->outcome = NATIVE_OUTCOME_DONE;
        break;
    case CPU_EXIT_EXCEPTION:
        r->outcome = NATIVE_OUTCOME_EXCEPTION;
        r->vector = cpu->intercepted.vector;
        r->error_code = cpu->intercepted.error_code;
        r->cr2 = r->vector == EXC_PF ? cpu->cr2 : 0;
        break;
    default:
        r->outcome = NATIVE_OUTCOME_TIMEOUT;
        break;
    }
}
