/*
 * cpu/excp.c: raising exceptions, the double-fault rules, and real-address-mode delivery.
 *
 * cpu_raise() records the vector and unwinds to the exec loop (longjmp): the instruction's
 * state is as before it started (cpu/exec.h). The loop calls excp_handle_raised(), which
 * classifies the event against one being delivered (SDM Vol. 3A §6.15 interrupt 8, table
 * 6-5: benign, contributory, page fault) and delivers it.
 *
 * Real-address mode (SDM Vol. 3A §20.1.4): push FLAGS, CS, IP; clear IF, TF, AC; load CS:IP
 * from the 4-byte IVT entry at IDTR.base + 4 * vector. An entry beyond the IDTR limit is a #GP
 * (then #DF, then shutdown, as on the 80286 and later).
 */
#include <stdio.h>

#include "cpu/excp.h"

#include "cpu/exec.h"
#include "util/log.h"

bool excp_has_error_code(unsigned vector)
{
    switch (vector) {
    case EXC_DF:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP:
    case EXC_PF:
    case EXC_AC:
        return true;
    default:
        return false;
    }
}

_Noreturn void cpu_raise(CpuState *cpu, unsigned vector, uint32_t error_code)
{
    cpu->exc.vector = (int16_t)vector;
    cpu->exc.error_code = error_code;
    longjmp(cpu->exception_jmp, 1);
}

_Noreturn void cpu_raise_ud(CpuState *cpu)
{
    cpu_raise(cpu, EXC_UD, 0);
}

_Noreturn void cpu_raise_gp0(CpuState *cpu)
{
    cpu_raise(cpu, EXC_GP, 0);
}

void exec_unimplemented(CpuState *cpu, const DecodedInsn *d)
{
    log_unimp("instruction %s (opcode map %x, byte %02x) at %llx", mnemonic_names[d->mnemonic],
              d->map, d->opcode, (unsigned long long)cpu->rip);
    cpu_raise_ud(cpu);
}

static bool is_contributory(int vector)
{
    return vector == EXC_DE || vector == EXC_TS || vector == EXC_NP || vector == EXC_SS ||
           vector == EXC_GP;
}

static void deliver_real(CpuState *cpu, unsigned vector, uint64_t return_rip)
{
    uint64_t entry = (uint64_t)vector * 4;
    if (entry + 3 > cpu->idtr.limit) {
        cpu_raise(cpu, EXC_GP, (uint32_t)(vector * 8 + 2));
    }
    uint32_t target = (uint32_t)mem_read_linear(cpu, cpu->idtr.base + entry, 4, true);
    uint64_t flags = cpu_get_rflags(cpu);
    /* All three words are written only if the whole frame fits (precise #SS). */
    uint64_t sp = cpu->regs[R_SP] & 0xffff;
    if (cpu->model != CPU_MODEL_8086) {
        mem_probe_write(cpu, SEG_SS, (sp - 6) & 0xffff, 2);
        mem_probe_write(cpu, SEG_SS, (sp - 2) & 0xffff, 2);
    }
    mem_write(cpu, SEG_SS, (sp - 2) & 0xffff, 2, flags);
    mem_write(cpu, SEG_SS, (sp - 4) & 0xffff, 2, cpu->seg[SEG_CS].selector);
    mem_write(cpu, SEG_SS, (sp - 6) & 0xffff, 2, return_rip);
    gpr_write(cpu, R_SP, 2, sp - 6);
    cpu_set_rflags(cpu, flags & ~(uint64_t)(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF));
    cpu_load_segment_real(cpu, SEG_CS, (uint16_t)(target >> 16));
    cpu->rip = target & 0xffff;
    cpu->next_rip = cpu->rip;
}

static const char *const int_kind_names[] = {
    [INT_KIND_FAULT] = "fault",
    [INT_KIND_TRAP] = "trap",
    [INT_KIND_SOFTWARE] = "software",
    [INT_KIND_EXTERNAL] = "external",
    [INT_KIND_ICEBP] = "icebp",
};

/*
 * The -d int line: "int: vector 0x0e fault error 0x0002 at 0008:00000000001000f4 cpl 0
 * cr2 00000000deadbeef"; the error code only when one is pushed, CR2 only for #PF.
 */
static void log_delivery(const CpuState *cpu, unsigned vector, IntKind kind,
                         bool has_error_code, uint32_t error_code)
{
    char error[24] = "";
    char cr2[32] = "";
    if (has_error_code) {
        snprintf(error, sizeof(error), " error 0x%04x", error_code);
    }
    if (vector == EXC_PF && kind == INT_KIND_FAULT) {
        snprintf(cr2, sizeof(cr2), " cr2 %016llx", (unsigned long long)cpu->cr2);
    }
    log_cat(LOG_CAT_INT, "int: vector 0x%02x %s%s at %04x:%016llx cpl %u%s", vector,
            int_kind_names[kind], error, cpu->seg[SEG_CS].selector,
            (unsigned long long)cpu->rip, cpu->cpl, cr2);
}

void excp_deliver(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                  uint32_t error_code, uint64_t return_rip)
{
    if (log_enabled(LOG_CAT_INT)) {
        log_delivery(cpu, vector, kind, has_error_code, error_code);
    }
    cpu->halted = false;
    if (cpu_in_real_mode(cpu)) {
        deliver_real(cpu, vector, return_rip);
        return;
    }
    excp_deliver_protected(cpu, vector, kind, has_error_code, error_code, return_rip);
}

void excp_handle_raised(CpuState *cpu)
{
    int vector = cpu->exc.vector;
    uint32_t error_code = cpu->exc.error_code;
    int first = cpu->exc.delivering;
    cpu->exc.vector = -1;
    if (vector == EXC_WAIT_FERR) {
        /* The instruction is not executed: the CPU waits on it for the interrupt FERR# asked
         * for, and its handler's IRET comes back to it (SDM Vol. 1 §8.7). */
        cpu->halted = true;
        return;
    }
    if (first >= 0) {
        if (first == EXC_DF) {
            log_guest_error("triple fault (vector %#x while delivering #DF)", vector);
            cpu->shutdown = true;
            cpu->exc.delivering = -1;
            return;
        }
        if ((is_contributory(first) && is_contributory(vector)) ||
            (first == EXC_PF && (vector == EXC_PF || is_contributory(vector)))) {
            vector = EXC_DF;
            error_code = 0;
        }
    }
    if (vector < 32 && (cpu->exception_intercept & (1u << vector))) {
        cpu->intercepted.vector = (uint8_t)vector;
        cpu->intercepted.error_code = error_code;
        cpu->exc.delivering = -1;
        cpu->exception_stop = true;
        return;
    }
    cpu->exc.delivering = (int16_t)vector;
    /* A fault's frame records the faulting instruction: cpu->rip was never advanced. */
    IntKind kind = (vector == EXC_DB || vector == EXC_BP || vector == EXC_OF) ? INT_KIND_TRAP
                                                                               : INT_KIND_FAULT;
    uint64_t ret = kind == INT_KIND_TRAP ? cpu->next_rip : cpu->rip;
    excp_deliver(cpu, (unsigned)vector, kind, excp_has_error_code((unsigned)vector), error_code,
                 ret);
    cpu->exc.delivering = -1;
}

/*
 * INIT: the processor state of a RESET (SDM Vol. 3A table 9-1, "INIT" column), except that the
 * MSRs, the x87/SSE state and the caches keep their contents. An application processor then
 * waits for a SIPI; the bootstrap processor starts at the reset vector.
 */
static void take_init(CpuState *cpu)
{
    uint64_t efer_keep = 0, star = cpu->star, lstar = cpu->lstar, cstar = cpu->cstar;
    uint64_t sfmask = cpu->sfmask, kgs = cpu->kernel_gs_base, pat = cpu->pat;
    uint64_t apic_base = cpu->apic_base, misc = cpu->misc_enable, tsc_aux = cpu->tsc_aux;
    uint64_t se_cs = cpu->sysenter_cs, se_esp = cpu->sysenter_esp, se_eip = cpu->sysenter_eip;
    FpuState fpu = cpu->fpu;
    cpu_reset(cpu);
    cpu->fpu = fpu;
    cpu->paging.efer = efer_keep;
    cpu->star = star;
    cpu->lstar = lstar;
    cpu->cstar = cstar;
    cpu->sfmask = sfmask;
    cpu->kernel_gs_base = kgs;
    cpu->pat = pat;
    cpu->apic_base = apic_base;
    cpu->misc_enable = misc;
    cpu->tsc_aux = tsc_aux;
    cpu->sysenter_cs = se_cs;
    cpu->sysenter_esp = se_esp;
    cpu->sysenter_eip = se_eip;
    cpu->is_waiting_for_sipi = !cpu->is_bsp;
    cpu->halted = cpu->is_waiting_for_sipi;
}

/* SIPI: start in real mode at VV00:0000 (SDM Vol. 3A §8.4.4.1). */
static void take_sipi(CpuState *cpu)
{
    cpu->is_waiting_for_sipi = false;
    cpu->halted = false;
    cpu->seg[SEG_CS].selector = (uint16_t)(cpu->sipi_vector << 8);
    cpu->seg[SEG_CS].base = (uint64_t)cpu->sipi_vector << 12;
    cpu->rip = 0;
    cpu_update_mode(cpu);
}

bool excp_take_interrupt(CpuState *cpu)
{
    uint32_t req = cpu->interrupt_request;
    if (req & CPU_INTERRUPT_INIT) {
        cpu->interrupt_request &= ~(uint32_t)(CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI);
        take_init(cpu);
        return true;
    }
    if (req & CPU_INTERRUPT_SIPI) {
        cpu->interrupt_request &= ~(uint32_t)CPU_INTERRUPT_SIPI;
        if (cpu->is_waiting_for_sipi) {
            take_sipi(cpu);
            return true;
        }
        /* A SIPI to a processor not waiting for one is ignored (SDM Vol. 3A §10.6.1). */
    }
    if (cpu->is_waiting_for_sipi || cpu->inhibit_irq) {
        return false;
    }
    if ((req & CPU_INTERRUPT_NMI) && !cpu->nmi_blocked) {
        cpu->interrupt_request &= ~(uint32_t)CPU_INTERRUPT_NMI;
        cpu->nmi_blocked = true;
        excp_deliver(cpu, EXC_NMI, INT_KIND_EXTERNAL, false, 0, cpu->rip);
        return true;
    }
    if ((req & CPU_INTERRUPT_INTR) && (cpu->rflags & FLAG_IF) && cpu->irq_ack) {
        int vector = cpu->irq_ack(cpu->irq_opaque);
        if (vector < 0 || vector > 255) {
            return false; /* the request was withdrawn before acknowledge */
        }
        excp_deliver(cpu, (unsigned)vector, INT_KIND_EXTERNAL, false, 0, cpu->rip);
        return true;
    }
    return false;
}
