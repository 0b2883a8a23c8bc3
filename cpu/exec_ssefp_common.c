/*
 * cpu/exec_ssefp_common.c: the exception reporting of SSE floating-point instructions (SDM
 * Vol. 1 §11.5.1, see cpu/exec_ssefp.h) and the checks of the forms with an MMX operand
 * (SDM Vol. 2 CVTPI2PS and related: "Exception Conditions for Legacy SIMD/MMX Instructions
 * with XMM and FP Exception", Vol. 3A table 23-5 in the SDM's numbering of 2016).
 */
#include "cpu/exec_ssefp.h"

/* The flags a stage reports: only the pre-computation ones when one of those is unmasked. */
static uint8_t stage_flags(const SseFp *s)
{
    return (s->pre & ~s->env.masks) ? s->pre : (uint8_t)(s->pre | s->post);
}

void ssefp_end_stage(CpuState *cpu, SseFp *s)
{
    s->committed |= stage_flags(s);
    s->pre = 0;
    s->post = 0;
    if (s->committed & ~s->env.masks) {
        ssefp_finish(cpu, s);
    }
}

void ssefp_finish(CpuState *cpu, SseFp *s)
{
    FloatEnv env = s->env;
    env.flags = s->committed | stage_flags(s);
    sse_finish(cpu, &env);
}

static bool has_mmx_register(const DecodedInsn *d)
{
    for (unsigned i = 0; i < d->nops; i++) {
        if (d->op[i].loc == LOC_MMX) {
            return true;
        }
    }
    return false;
}

/*
 * The SSE checks come first (CR4.OSFXSR); an MMX register operand then makes the instruction an
 * MMX one as well: a pending x87 exception is reported (#MF). With a memory source instead
 * (CVTPI2PS xmm, m64) neither happens, as the host shows (tests/unit/test_ssefp.c).
 */
void ssefp_check_mmx_form(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    if (has_mmx_register(d)) {
        fpu_check_mmx(cpu);
    }
}

/* After the instruction: an MMX register operand puts the x87 in MMX mode (SDM Vol. 1 §9.5.1:
 * TOP = 0, every tag valid). */
void ssefp_end_mmx_form(CpuState *cpu, const DecodedInsn *d)
{
    if (has_mmx_register(d)) {
        cpu->fpu.top = 0;
        cpu->fpu.ftw = 0xff;
    }
}
