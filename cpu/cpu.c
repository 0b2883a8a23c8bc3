/*
 * cpu/cpu.c: creating, resetting and mode bookkeeping of the CPU.
 *
 * Reset state: SDM Vol. 3A §9.1.1 table 9-1 (CS selector F000h with base FFFF0000h, IP FFF0h,
 * CR0 60000010h, RFLAGS 2, EDX = processor signature, data segments base 0 limit FFFFh).
 */
#include "cpu/cpu.h"

#include <errno.h>
#include <string.h>

#include "cpu/block.h"
#include "cpu/cpuid.h"
#include "cpu/exec.h"
#include "cpu/fpu.h"

/* Processor signature in EDX after reset: family 6, model 0x3a, stepping 9 (CPUID leaf 1). */
#define CPU_RESET_EDX 0x000306a9u

/* Data-segment attributes for real mode: present, writable, accessed (type 3), DPL 0. */
#define ATTR_REAL_DATA (SEG_ATTR_P | SEG_ATTR_S | 3)
/* Code segment at reset: present, execute/read, accessed (type Bh). */
#define ATTR_REAL_CODE (SEG_ATTR_P | SEG_ATTR_S | 0xb)

int cpu_init(CpuState *cpu, PhysMap *map, PortSpace *ports, CpuModel model)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->map = map;
    cpu->ports = ports;
    cpu->model = model;
    cpu->cpuid = cpuid_default_model();
    cpu->is_bsp = true;
    cpu->maxphyaddr = phys_map_phys_bits(map);
    cpu->tlb = tlb_new(map, cpu->maxphyaddr);
    if (!cpu->tlb) {
        return -ENOMEM;
    }
    cpu->blocks = block_cache_new(cpu);
    if (!cpu->blocks) {
        tlb_free(cpu->tlb);
        cpu->tlb = NULL;
        return -ENOMEM;
    }
    cpu_debug_init(cpu);
    cpu_reset(cpu);
    return 0;
}

void cpu_destroy(CpuState *cpu)
{
    if (cpu->blocks) {
        block_cache_free(cpu->blocks);
        cpu->blocks = NULL;
    }
    if (cpu->tlb) {
        tlb_free(cpu->tlb);
        cpu->tlb = NULL;
    }
}

void cpu_reset(CpuState *cpu)
{
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_DX] = CPU_RESET_EDX;
    cpu->rip = 0xfff0;
    cpu_set_rflags(cpu, FLAG_FIXED1);
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        cpu->seg[i] = (SegmentCache){ .base = 0, .limit = 0xffff, .selector = 0,
                                      .attr = ATTR_REAL_DATA };
    }
    cpu->seg[SEG_CS] = (SegmentCache){ .base = 0xffff0000ull, .limit = 0xffff,
                                       .selector = 0xf000, .attr = ATTR_REAL_CODE };
    cpu->ldtr = (SegmentCache){ .limit = 0xffff, .attr = SEG_ATTR_P | 2 };
    cpu->tr = (SegmentCache){ .limit = 0xffff, .attr = SEG_ATTR_P | 0xb };
    cpu->gdtr = (TableRegister){ 0, 0xffff };
    cpu->idtr = (TableRegister){ 0, 0xffff };
    memset(&cpu->paging, 0, sizeof(cpu->paging));
    cpu->paging.cr0 = 0x60000010ull;
    cpu->cr2 = 0;
    cpu->cr8 = 0;
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = 0xffff0ff0ull;
    cpu->dr[7] = 0x400;
    cpu->xcr0 = 1;
    fpu_reset(cpu);
    cpu->kernel_gs_base = 0;
    cpu->star = cpu->lstar = cpu->cstar = cpu->sfmask = 0;
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    cpu->tsc_aux = 0;
    cpu->pat = 0x0007040600070406ull;
    cpu->apic_base = 0xfee00000ull | (1u << 11) | (1u << 8);
    cpu->misc_enable = 1;
    cpu->mtrr_def_type = 0;
    memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
    memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
    cpu->mcg_status = 0;
    cpu->halted = false;
    cpu->inhibit_irq = false;
    cpu->shutdown = false;
    cpu->interrupt_request = 0;
    cpu->nmi_blocked = false;
    cpu->is_waiting_for_sipi = false;
    cpu->exc.vector = -1;
    cpu->exc.delivering = -1;
    cpu_update_mode(cpu);
    tlb_flush_all(cpu->tlb);
}

void cpu_request_exit(CpuState *cpu)
{
    cpu->exit_request = true;
    cpu->exit_block = true; /* after the current instruction, not at the end of its block */
}

void cpu_set_interrupt(CpuState *cpu, uint32_t mask)
{
    cpu->interrupt_request |= mask;
}

void cpu_clear_interrupt(CpuState *cpu, uint32_t mask)
{
    cpu->interrupt_request &= ~mask;
}

void cpu_send_sipi(CpuState *cpu, uint8_t vector)
{
    cpu->sipi_vector = vector;
    cpu->interrupt_request |= CPU_INTERRUPT_SIPI;
}

void cpu_update_mode(CpuState *cpu)
{
    bool was_code64 = cpu->code64;
    cpu->long_mode = (cpu->paging.efer & EFER_LMA) != 0;
    cpu->code64 = cpu->long_mode && (cpu->seg[SEG_CS].attr & SEG_ATTR_L);
    if (!(cpu->paging.cr0 & CR0_PE)) {
        cpu->cpl = 0;
    } else if (cpu->rflags & FLAG_VM) {
        cpu->cpl = 3;
    } else {
        /* SS.DPL always equals CPL in protected mode (SDM Vol. 3A §5.5), also with a
         * conforming CS whose DPL is lower. */
        cpu->cpl = (cpu->seg[SEG_SS].attr >> SEG_ATTR_DPL_SHIFT) & 3;
    }
    if (was_code64 != cpu->code64) {
        cpu->exit_block = true;
    }
}

void cpu_load_segment_real(CpuState *cpu, unsigned seg, uint16_t selector)
{
    SegmentCache *s = &cpu->seg[seg];
    s->selector = selector;
    s->base = (uint64_t)selector << 4;
}
