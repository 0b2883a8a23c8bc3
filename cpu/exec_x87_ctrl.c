/*
 * cpu/exec_x87_ctrl.c: the x87 control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW,
 * FLDENV, FNSTENV, FNSAVE, FRSTOR, and FNOP.
 *
 * SDM Vol. 1 §8.1.10 and figures 8-9 to 8-12 (the environment in its 32-bit and 16-bit,
 * protected-mode and real-mode formats), figure 8-13 (FSAVE: the environment then ST(0)-ST(7),
 * 10 bytes each), §8.1.7 (the full tag word FSTENV stores, derived from the registers),
 * §8.3.11 (control instructions: no pending-exception check in the FN forms, the pointers of
 * the last non-control instruction left alone); Vol. 3A §9.1.1 (FNINIT's values).
 */
#include "cpu/exec_x87.h"

#include "util/endian.h"

void exec_fnop(CpuState *cpu, const DecodedInsn *d)
{
    x87_begin(cpu, d);
}

void exec_fninit(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    fpu_check_x87(cpu);
    fpu_init_x87(cpu);
}

void exec_fnclex(CpuState *cpu, const DecodedInsn *d)
{
    (void)d;
    fpu_check_x87(cpu);
    cpu->fpu.fsw &= (uint16_t)~(FSW_FLAGS | FSW_SF | FSW_ES | FSW_B);
}

void exec_fldcw(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87_wait(cpu);
    uint16_t v = (uint16_t)mem_read(cpu, d->seg, insn_effective_address(cpu, d), 2);
    cpu->fpu.fcw = fpu_fcw_loaded(v);
    fpu_update_es(cpu);
}

void exec_fnstcw(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87(cpu);
    mem_write(cpu, d->seg, insn_effective_address(cpu, d), 2, cpu->fpu.fcw);
}

/* FNSTSW m16 or AX. */
void exec_fnstsw(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87(cpu);
    if (d->op[0].loc == LOC_MEM) {
        mem_write(cpu, d->seg, insn_effective_address(cpu, d), 2, fpu_status_word(cpu));
    } else {
        gpr_write(cpu, R_AX, 2, fpu_status_word(cpu));
    }
}

uint16_t cpu_x87_tag_word(const CpuState *cpu)
{
    uint16_t tw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned tag = (cpu->fpu.ftw & (1u << i)) ? x87_tag_of(cpu->fpu.st[i]) : 3;
        tw |= (uint16_t)(tag << (2 * i));
    }
    return tw;
}

static uint8_t abridged_tags(uint16_t tw)
{
    uint8_t ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        if (((tw >> (2 * i)) & 3) != 3) {
            ftw |= (uint8_t)(1u << i);
        }
    }
    return ftw;
}

void cpu_set_x87_tag_word(CpuState *cpu, uint16_t tw)
{
    cpu->fpu.ftw = abridged_tags(tw);
}

/* The environment's layout: 16- or 32-bit operand size, protected or real/virtual-8086. */
typedef struct EnvFormat {
    unsigned size; /* 14 or 28 */
    bool protected_mode;
} EnvFormat;

static EnvFormat env_format(const CpuState *cpu, const DecodedInsn *d)
{
    return (EnvFormat){ d->opsize == 2 ? 14 : 28, !cpu_in_real_mode(cpu) && !cpu_in_v86(cpu) };
}

/* Stores a field of the environment: a word in the 16-bit format, a doubleword (the upper
 * half reserved, written as ones) in the 32-bit one. */
static void put_field(uint8_t *img, EnvFormat fmt, unsigned index, uint32_t v, bool full)
{
    if (fmt.size == 14) {
        st_le16(img + 2 * index, (uint16_t)v);
    } else {
        st_le32(img + 4 * index, full ? v : (v & 0xffff) | 0xffff0000u);
    }
}

static uint32_t get_field(const uint8_t *img, EnvFormat fmt, unsigned index)
{
    return fmt.size == 14 ? ld_le16(img + 2 * index) : ld_le32(img + 4 * index);
}

static void store_env(CpuState *cpu, EnvFormat fmt, uint8_t *img)
{
    const FpuState *f = &cpu->fpu;
    put_field(img, fmt, 0, f->fcw, false);
    put_field(img, fmt, 1, fpu_status_word(cpu), false);
    put_field(img, fmt, 2, cpu_x87_tag_word(cpu), false);
    if (fmt.protected_mode) {
        put_field(img, fmt, 3, (uint32_t)f->fip, true);
        put_field(img, fmt, 4, f->fcs | (fmt.size == 28 ? (uint32_t)f->fop << 16 : 0), true);
        put_field(img, fmt, 5, (uint32_t)f->fdp, true);
        put_field(img, fmt, 6, f->fds, false);
        return;
    }
    /* Real and virtual-8086 mode: linear pointers, split at bit 16. */
    uint32_t ip = (uint32_t)(f->fcs * 16u + f->fip);
    uint32_t dp = (uint32_t)(f->fds * 16u + f->fdp);
    put_field(img, fmt, 3, ip & 0xffff, false);
    put_field(img, fmt, 4, f->fop | (ip >> 16) << 12, fmt.size == 28);
    put_field(img, fmt, 5, dp & 0xffff, false);
    put_field(img, fmt, 6, (dp >> 16) << 12, fmt.size == 28);
}

static void load_env(CpuState *cpu, EnvFormat fmt, const uint8_t *img)
{
    FpuState *f = &cpu->fpu;
    uint16_t fsw = (uint16_t)get_field(img, fmt, 1);
    f->fcw = fpu_fcw_loaded((uint16_t)get_field(img, fmt, 0));
    f->top = (fsw >> FSW_TOP_SHIFT) & 7;
    f->fsw = fsw & (uint16_t)~(7u << FSW_TOP_SHIFT);
    f->ftw = abridged_tags((uint16_t)get_field(img, fmt, 2));
    uint32_t w3 = get_field(img, fmt, 3), w4 = get_field(img, fmt, 4);
    uint32_t w5 = get_field(img, fmt, 5), w6 = get_field(img, fmt, 6);
    if (fmt.protected_mode) {
        f->fip = w3;
        f->fcs = (uint16_t)w4;
        f->fop = fmt.size == 28 ? (uint16_t)((w4 >> 16) & 0x7ff) : 0;
        f->fdp = w5;
        f->fds = (uint16_t)w6;
    } else {
        f->fip = (w3 & 0xffff) | (w4 >> 12) << 16;
        f->fop = (uint16_t)(w4 & 0x7ff);
        f->fdp = (w5 & 0xffff) | (w6 >> 12) << 16;
        f->fcs = f->fds = 0;
    }
    fpu_update_es(cpu);
}

enum { X87_SAVE_MAX = 28 + 80 };

void exec_fnstenv(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87(cpu);
    EnvFormat fmt = env_format(cpu, d);
    uint8_t img[X87_SAVE_MAX];
    store_env(cpu, fmt, img);
    mem_write_bytes(cpu, d->seg, insn_effective_address(cpu, d), img, fmt.size);
    cpu->fpu.fcw |= FCW_MASKS;
}

void exec_fldenv(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87_wait(cpu);
    EnvFormat fmt = env_format(cpu, d);
    uint8_t img[X87_SAVE_MAX];
    mem_read_bytes(cpu, d->seg, insn_effective_address(cpu, d), img, fmt.size);
    load_env(cpu, fmt, img);
}

void exec_fnsave(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87(cpu);
    EnvFormat fmt = env_format(cpu, d);
    uint8_t img[X87_SAVE_MAX];
    store_env(cpu, fmt, img);
    for (unsigned i = 0; i < 8; i++) {
        Float80 v = x87_get(cpu, i);
        st_le64(img + fmt.size + 10 * i, v.sig);
        st_le16(img + fmt.size + 10 * i + 8, v.exp);
    }
    mem_write_bytes(cpu, d->seg, insn_effective_address(cpu, d), img, fmt.size + 80);
    fpu_init_x87(cpu);
}

void exec_frstor(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_x87_wait(cpu);
    EnvFormat fmt = env_format(cpu, d);
    uint8_t img[X87_SAVE_MAX];
    mem_read_bytes(cpu, d->seg, insn_effective_address(cpu, d), img, fmt.size + 80);
    load_env(cpu, fmt, img);
    for (unsigned i = 0; i < 8; i++) {
        Float80 *r = &cpu->fpu.st[x87_phys(cpu, i)];
        r->sig = ld_le64(img + fmt.size + 10 * i);
        r->exp = ld_le16(img + fmt.size + 10 * i + 8);
    }
}
