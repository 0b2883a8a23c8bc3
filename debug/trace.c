/*
 * debug/trace.c: the -d exec, cpu and in_asm trace (see trace.h). Lines:
 *   exec: "exec CS:RIP" for each block (or uncached instruction) that starts;
 *   cpu:  the general registers, RIP, RFLAGS, segment selectors and CR0/CR2/CR3/CR4/EFER;
 *   in_asm: "in_asm CS:RIP (N bytes)" then "  ADDRESS: mnemonic operands" per instruction.
 */
#include "debug/trace.h"

#include <stdio.h>

#include "cpu/block.h"
#include "util/log.h"

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

void trace_format_registers(const CpuState *cpu, void (*emit)(void *opaque, const char *line),
                            void *opaque)
{
    char line[160];
    for (unsigned i = 0; i < 16; i += 4) {
        snprintf(line, sizeof(line), "%-3s=%016llx %-3s=%016llx %-3s=%016llx %-3s=%016llx",
                 gpr_names[i], (unsigned long long)cpu->regs[i], gpr_names[i + 1],
                 (unsigned long long)cpu->regs[i + 1], gpr_names[i + 2],
                 (unsigned long long)cpu->regs[i + 2], gpr_names[i + 3],
                 (unsigned long long)cpu->regs[i + 3]);
        emit(opaque, line);
    }
    snprintf(line, sizeof(line), "rip=%016llx rfl=%08llx cpl=%u cs=%04x ss=%04x ds=%04x "
             "es=%04x fs=%04x gs=%04x", (unsigned long long)cpu->rip,
             (unsigned long long)cpu_get_rflags(cpu), cpu->cpl, cpu->seg[SEG_CS].selector,
             cpu->seg[SEG_SS].selector, cpu->seg[SEG_DS].selector, cpu->seg[SEG_ES].selector,
             cpu->seg[SEG_FS].selector, cpu->seg[SEG_GS].selector);
    emit(opaque, line);
    snprintf(line, sizeof(line), "cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx efer=%08llx",
             (unsigned long long)cpu->paging.cr0, (unsigned long long)cpu->cr2,
             (unsigned long long)cpu->paging.cr3, (unsigned long long)cpu->paging.cr4,
             (unsigned long long)cpu->paging.efer);
    emit(opaque, line);
}

static void emit_log_line(void *opaque, const char *line)
{
    (void)opaque;
    log_cat(LOG_CAT_CPU, "%s", line);
}

static void trace_block_start(void *opaque, const CpuState *cpu)
{
    (void)opaque;
    log_cat(LOG_CAT_EXEC, "exec %04x:%016llx", cpu->seg[SEG_CS].selector,
            (unsigned long long)cpu->rip);
    if (log_enabled(LOG_CAT_CPU)) {
        trace_format_registers(cpu, emit_log_line, NULL);
    }
}

/* Capstone handles for 16-, 32- and 64-bit code, opened when first needed. */
static bool open_capstone(Tracer *t)
{
    static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    for (unsigned k = 0; k < 3 && !t->has_cs[k]; k++) {
        if (cs_open(CS_ARCH_X86, modes[k], &t->cs[k]) != CS_ERR_OK) {
            return false;
        }
        t->has_cs[k] = true;
    }
    return true;
}

int trace_disassemble(Tracer *t, DecodeMode mode, const uint8_t *code, size_t len,
                      uint64_t addr, unsigned max_insns,
                      void (*emit)(void *opaque, const char *line), void *opaque)
{
    unsigned k = mode == DECODE_16 ? 0 : mode == DECODE_32 ? 1 : 2;
    if (!open_capstone(t)) {
        return -1;
    }
    cs_insn *insn;
    size_t n = cs_disasm(t->cs[k], code, len, addr, max_insns, &insn);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char line[256];
        snprintf(line, sizeof(line), "  %016llx: %s %s", (unsigned long long)insn[i].address,
                 insn[i].mnemonic, insn[i].op_str);
        emit(opaque, line);
        used += insn[i].size;
    }
    if (n) {
        cs_free(insn, n);
    }
    return (int)used;
}

static void emit_in_asm_line(void *opaque, const char *line)
{
    (void)opaque;
    log_cat(LOG_CAT_IN_ASM, "%s", line);
}

static void trace_block_new(void *opaque, const CpuState *cpu, const uint8_t *code,
                            unsigned len)
{
    Tracer *t = opaque;
    if (!log_enabled(LOG_CAT_IN_ASM)) {
        return;
    }
    log_cat(LOG_CAT_IN_ASM, "in_asm %04x:%016llx (%u bytes)", cpu->seg[SEG_CS].selector,
            (unsigned long long)cpu->rip, len);
    trace_disassemble(t, cpu_decode_mode(cpu), code, len, cpu->rip, 0, emit_in_asm_line, NULL);
}

static const CpuTraceHooks trace_hooks = {
    .block_start = trace_block_start,
    .block_new = trace_block_new,
};

int trace_update(Tracer *t, CpuState *cpu)
{
    if (log_enabled(LOG_CAT_IN_ASM) && !open_capstone(t)) {
        trace_detach(t, cpu);
        return -1;
    }
    bool is_wanted = log_enabled(LOG_CAT_EXEC | LOG_CAT_CPU | LOG_CAT_IN_ASM);
    cpu->trace = is_wanted ? &trace_hooks : NULL;
    cpu->trace_opaque = is_wanted ? t : NULL;
    t->is_attached = is_wanted;
    return 0;
}

int trace_attach(Tracer *t, CpuState *cpu)
{
    *t = (Tracer){ 0 };
    return trace_update(t, cpu);
}

void trace_detach(Tracer *t, CpuState *cpu)
{
    for (unsigned k = 0; k < 3; k++) {
        if (t->has_cs[k]) {
            cs_close(&t->cs[k]);
            t->has_cs[k] = false;
        }
    }
    if (t->is_attached) {
        cpu->trace = NULL;
        cpu->trace_opaque = NULL;
        t->is_attached = false;
    }
}
