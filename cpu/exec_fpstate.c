/*
 * cpu/exec_fpstate.c: saving and restoring the x87 and SSE state as a whole: FXSAVE and
 * FXRSTOR (SDM Vol. 1 §10.5.1, tables 10-2 and 10-3; Vol. 2 "FXSAVE", "FXRSTOR"), LDMXCSR and
 * STMXCSR, and the XSAVE family for the two state components vireo has, x87 (0) and SSE (1)
 * (Vol. 1 chapter 13: §13.4 the XSAVE area and its header, §13.6 initial configurations,
 * §13.7-13.11 XSAVE, XRSTOR, XSAVEOPT, XSAVEC).
 *
 * The image is built in a 512-byte buffer and written with one probed block write, so a fault
 * anywhere in the area leaves memory untouched.
 *
 * XINUSE (§13.6), which the XSAVE family reports in XSTATE_BV, is computed exactly: a
 * component is in use when it differs from its initial configuration (x87: FCW 037FH, FSW 0,
 * all tags empty, FOP/FIP/FDP 0, registers 0; SSE: XMM0-15 zero — MXCSR is not part of it).
 * The manual lets a processor report a component in use when it is not; vireo never does, so
 * XSTATE_BV is not compared with the host in the differential test.
 */
#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/fpu.h"
#include "util/endian.h"

#define FXSAVE_SIZE 512u
#define XSAVE_HEADER_OFFSET 512u
#define XSAVE_HEADER_SIZE 64u
#define XCOMP_BV_COMPACTED (1ull << 63)

enum { XFEATURE_X87 = 1u << 0, XFEATURE_SSE = 1u << 1, XFEATURE_AVX = 1u << 2 };

/* Offsets in the legacy region (table 10-2). */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12, FX_FDP = 16,
    FX_FDS = 20, FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160,
};

/* The XMM registers an instruction saves: 16 in 64-bit mode, 8 elsewhere. */
static unsigned xmm_count(const CpuState *cpu)
{
    return cpu->code64 ? 16 : 8;
}

/* x87 part of the legacy region; `wide`: REX.W's 64-bit FIP/FDP layout. */
static void put_x87(const CpuState *cpu, uint8_t *img, bool wide)
{
    const FpuState *f = &cpu->fpu;
    st_le16(img + FX_FCW, f->fcw);
    st_le16(img + FX_FSW, fpu_status_word(cpu));
    img[FX_FTW] = f->ftw;
    st_le16(img + FX_FOP, f->fop);
    if (wide) {
        st_le64(img + FX_FIP, f->fip);
        st_le64(img + FX_FDP, f->fdp);
    } else {
        st_le32(img + FX_FIP, (uint32_t)f->fip);
        st_le16(img + FX_FCS, f->fcs);
        st_le32(img + FX_FDP, (uint32_t)f->fdp);
        st_le16(img + FX_FDS, f->fds);
    }
    for (unsigned i = 0; i < 8; i++) {
        /* The image holds ST(i), not physical register i. */
        const Float80 *r = &f->st[(f->top + i) & 7];
        st_le64(img + FX_ST + 16 * i, r->sig);
        st_le16(img + FX_ST + 16 * i + 8, r->exp);
    }
}

static void put_mxcsr(const CpuState *cpu, uint8_t *img)
{
    st_le32(img + FX_MXCSR, cpu->fpu.mxcsr);
    st_le32(img + FX_MXCSR_MASK, MXCSR_WRITABLE);
}

static void put_xmm(const CpuState *cpu, uint8_t *img)
{
    for (unsigned i = 0; i < xmm_count(cpu); i++) {
        memcpy(img + FX_XMM + 16 * i, &cpu->fpu.xmm[i], 16);
    }
}

static void get_x87(CpuState *cpu, const uint8_t *img, bool wide)
{
    FpuState *f = &cpu->fpu;
    uint16_t fsw = ld_le16(img + FX_FSW);
    f->fcw = fpu_fcw_loaded(ld_le16(img + FX_FCW));
    f->top = (fsw >> FSW_TOP_SHIFT) & 7;
    f->fsw = fsw & ~(7u << FSW_TOP_SHIFT);
    f->ftw = img[FX_FTW];
    f->fop = ld_le16(img + FX_FOP) & 0x7ff;
    if (wide) {
        f->fip = ld_le64(img + FX_FIP);
        f->fdp = ld_le64(img + FX_FDP);
        f->fcs = f->fds = 0;
    } else {
        f->fip = ld_le32(img + FX_FIP);
        f->fcs = ld_le16(img + FX_FCS);
        f->fdp = ld_le32(img + FX_FDP);
        f->fds = ld_le16(img + FX_FDS);
    }
    for (unsigned i = 0; i < 8; i++) {
        Float80 *r = &f->st[(f->top + i) & 7];
        r->sig = ld_le64(img + FX_ST + 16 * i);
        r->exp = ld_le16(img + FX_ST + 16 * i + 8);
    }
    fpu_update_es(cpu);
}

static void get_xmm(CpuState *cpu, const uint8_t *img)
{
    for (unsigned i = 0; i < xmm_count(cpu); i++) {
        memcpy(&cpu->fpu.xmm[i], img + FX_XMM + 16 * i, 16);
    }
}

/* XRSTOR's initial x87 state: FNINIT's, with the registers cleared too. */
static void init_x87(CpuState *cpu)
{
    fpu_init_x87(cpu);
    memset(cpu->fpu.st, 0, sizeof(cpu->fpu.st));
}

static void init_xmm(CpuState *cpu)
{
    for (unsigned i = 0; i < xmm_count(cpu); i++) {
        memset(&cpu->fpu.xmm[i], 0, sizeof(XmmReg));
    }
}

static bool x87_in_use(const CpuState *cpu)
{
    const FpuState *f = &cpu->fpu;
    if (f->fcw != 0x037f || fpu_status_word(cpu) != 0 || f->ftw != 0 || f->fop != 0 || f->fip ||
        f->fdp || f->fcs || f->fds) {
        return true;
    }
    for (unsigned i = 0; i < 8; i++) {
        if (f->st[i].sig || f->st[i].exp) {
            return true;
        }
    }
    return false;
}

static bool sse_in_use(const CpuState *cpu)
{
    for (unsigned i = 0; i < xmm_count(cpu); i++) {
        if (cpu->fpu.xmm[i].q[0] || cpu->fpu.xmm[i].q[1]) {
            return true;
        }
    }
    return false;
}

/* XINUSE for the components in `rfbm`. */
static uint64_t xinuse(const CpuState *cpu, uint64_t rfbm)
{
    uint64_t in_use = (x87_in_use(cpu) ? XFEATURE_X87 : 0) | (sse_in_use(cpu) ? XFEATURE_SSE : 0);
    return in_use & rfbm;
}

/* The save area's offset, checked: 16-byte (FXSAVE) or 64-byte (XSAVE) alignment, #GP(0). */
static uint64_t area_offset(CpuState *cpu, const DecodedInsn *d, unsigned size, unsigned align,
                            MemAccess acc)
{
    uint64_t ea = insn_effective_address(cpu, d);
    uint64_t lin = mem_linear(cpu, d->seg, ea, size, acc);
    if (lin & (align - 1)) {
        cpu_raise_gp0(cpu);
    }
    return ea;
}

/* FXSAVE, FXRSTOR: #NM on CR0.EM or TS (not #UD: SDM Vol. 2 "FXSAVE" exceptions). */
static void check_fxsr(CpuState *cpu)
{
    if (!cpu_has_feature(cpu, CPUID_FXSR)) {
        cpu_raise_ud(cpu);
    }
    fpu_check_x87(cpu);
}

void exec_fxsave(CpuState *cpu, const DecodedInsn *d)
{
    check_fxsr(cpu);
    uint64_t ea = area_offset(cpu, d, FXSAVE_SIZE, 16, MEM_WRITE);
    uint8_t img[FXSAVE_SIZE];
    /* Bytes 288-511 (and 160-511 outside 64-bit mode) are not written: read them back. */
    mem_read_bytes(cpu, d->seg, ea, img, FXSAVE_SIZE);
    memset(img, 0, FX_ST);
    for (unsigned i = 0; i < 8; i++) {
        memset(img + FX_ST + 16 * i + 10, 0, 6);
    }
    put_x87(cpu, img, (d->rex & 8) != 0);
    put_mxcsr(cpu, img);
    put_xmm(cpu, img);
    mem_write_bytes(cpu, d->seg, ea, img, FXSAVE_SIZE);
}

void exec_fxrstor(CpuState *cpu, const DecodedInsn *d)
{
    check_fxsr(cpu);
    uint64_t ea = area_offset(cpu, d, FXSAVE_SIZE, 16, MEM_READ);
    uint8_t img[FXSAVE_SIZE];
    mem_read_bytes(cpu, d->seg, ea, img, FXSAVE_SIZE);
    uint32_t mxcsr = ld_le32(img + FX_MXCSR);
    if (mxcsr & ~(uint32_t)MXCSR_WRITABLE) {
        cpu_raise_gp0(cpu);
    }
    get_x87(cpu, img, (d->rex & 8) != 0);
    cpu->fpu.mxcsr = mxcsr;
    get_xmm(cpu, img);
}

void exec_ldmxcsr(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    uint32_t v = (uint32_t)mem_read(cpu, d->seg, insn_effective_address(cpu, d), 4);
    if (v & ~(uint32_t)MXCSR_WRITABLE) {
        cpu_raise_gp0(cpu);
    }
    cpu->fpu.mxcsr = v;
}

void exec_stmxcsr(CpuState *cpu, const DecodedInsn *d)
{
    fpu_check_sse(cpu);
    mem_write(cpu, d->seg, insn_effective_address(cpu, d), 4, cpu->fpu.mxcsr);
}

/* XSAVE family: #UD without CR4.OSXSAVE (or the feature), #NM on CR0.TS (SDM Vol. 2 "XSAVE"). */
static uint64_t xsave_rfbm(CpuState *cpu)
{
    if (!cpu_has_feature(cpu, CPUID_XSAVE) || !(cpu->paging.cr4 & CR4_OSXSAVE)) {
        cpu_raise_ud(cpu);
    }
    if (cpu->paging.cr0 & CR0_TS) {
        cpu_raise(cpu, EXC_NM, 0);
    }
    uint64_t mask = ((cpu->regs[R_DX] & 0xffffffffull) << 32) | (cpu->regs[R_AX] & 0xffffffffull);
    return cpu->xcr0 & mask;
}

typedef enum XsaveKind { XSAVE_STANDARD, XSAVE_OPT, XSAVE_COMPACTED } XsaveKind;

/*
 * XSAVE writes every requested component and XSTATE_BV[i] = XINUSE[i] for them; XSAVEOPT and
 * XSAVEC skip components in their initial configuration (their memory keeps what it had);
 * XSAVEC also writes XCOMP_BV (bit 63 and RFBM) and a zero XSTATE_BV for what it skipped.
 * MXCSR goes with the SSE (or AVX) request whatever XINUSE says (SDM §13.7, §13.9, §13.10).
 */
static void xsave_common(CpuState *cpu, const DecodedInsn *d, XsaveKind kind)
{
    uint64_t rfbm = xsave_rfbm(cpu);
    unsigned size = XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE;
    uint64_t ea = area_offset(cpu, d, size, 64, MEM_WRITE);
    uint8_t img[XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE];
    mem_read_bytes(cpu, d->seg, ea, img, size);
    uint64_t in_use = xinuse(cpu, rfbm);
    uint64_t write = kind == XSAVE_STANDARD ? rfbm : in_use;
    bool wide = (d->rex & 8) != 0;
    if (write & XFEATURE_X87) {
        uint8_t fx[FXSAVE_SIZE] = { 0 };
        put_x87(cpu, fx, wide);
        /* Bytes 0-23 and the register slots; MXCSR belongs to the SSE request. */
        memcpy(img, fx, FX_MXCSR);
        memcpy(img + FX_ST, fx + FX_ST, FX_XMM - FX_ST);
    }
    if (rfbm & (XFEATURE_SSE | XFEATURE_AVX)) {
        put_mxcsr(cpu, img);
    }
    if (write & XFEATURE_SSE) {
        put_xmm(cpu, img);
    }
    uint8_t *hdr = img + XSAVE_HEADER_OFFSET;
    uint64_t xstate_bv = ld_le64(hdr);
    if (kind == XSAVE_COMPACTED) {
        st_le64(hdr, in_use);
        st_le64(hdr + 8, XCOMP_BV_COMPACTED | rfbm);
    } else {
        st_le64(hdr, (xstate_bv & ~rfbm) | in_use);
    }
    mem_write_bytes(cpu, d->seg, ea, img, size);
}

void exec_xsave(CpuState *cpu, const DecodedInsn *d)
{
    xsave_common(cpu, d, XSAVE_STANDARD);
}

void exec_xsaveopt(CpuState *cpu, const DecodedInsn *d)
{
    xsave_common(cpu, d, XSAVE_OPT);
}

void exec_xsavec(CpuState *cpu, const DecodedInsn *d)
{
    xsave_common(cpu, d, XSAVE_COMPACTED);
}

/*
 * XRSTOR (SDM §13.8): the header is checked first (#GP(0): standard form with XSTATE_BV bits
 * outside XCR0 or bytes 8-23 not zero; compacted form with XCOMP_BV bits outside XCR0,
 * XSTATE_BV bits outside XCOMP_BV, or bytes 16-63 not zero), and MXCSR's reserved bits. Then
 * each requested component is loaded when its XSTATE_BV bit is set, else initialized.
 */
void exec_xrstor(CpuState *cpu, const DecodedInsn *d)
{
    uint64_t rfbm = xsave_rfbm(cpu);
    unsigned size = XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE;
    uint64_t ea = area_offset(cpu, d, size, 64, MEM_READ);
    uint8_t img[XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE];
    mem_read_bytes(cpu, d->seg, ea, img, size);
    const uint8_t *hdr = img + XSAVE_HEADER_OFFSET;
    uint64_t xstate_bv = ld_le64(hdr), xcomp_bv = ld_le64(hdr + 8);
    bool compacted = (xcomp_bv & XCOMP_BV_COMPACTED) != 0;
    unsigned reserved_from = compacted ? 16 : 8;
    if (compacted ? ((xcomp_bv & ~XCOMP_BV_COMPACTED & ~cpu->xcr0) || (xstate_bv & ~xcomp_bv))
                  : (xstate_bv & ~cpu->xcr0) != 0) {
        cpu_raise_gp0(cpu);
    }
    for (unsigned i = reserved_from; i < (compacted ? XSAVE_HEADER_SIZE : 24u); i++) {
        if (hdr[i]) {
            cpu_raise_gp0(cpu);
        }
    }
    bool load_mxcsr = (rfbm & (XFEATURE_SSE | XFEATURE_AVX)) &&
                      (!compacted || (xstate_bv & (XFEATURE_SSE | XFEATURE_AVX)));
    uint32_t mxcsr = ld_le32(img + FX_MXCSR);
    if (load_mxcsr && (mxcsr & ~(uint32_t)MXCSR_WRITABLE)) {
        cpu_raise_gp0(cpu);
    }
    bool wide = (d->rex & 8) != 0;
    if (rfbm & XFEATURE_X87) {
        if (xstate_bv & XFEATURE_X87) {
            get_x87(cpu, img, wide);
        } else {
            init_x87(cpu);
        }
    }
    if (rfbm & XFEATURE_SSE) {
        if (xstate_bv & XFEATURE_SSE) {
            get_xmm(cpu, img);
        } else {
            init_xmm(cpu);
        }
    }
    if (load_mxcsr) {
        cpu->fpu.mxcsr = mxcsr;
    } else if (compacted && (rfbm & XFEATURE_SSE)) {
        cpu->fpu.mxcsr = MXCSR_RESET;
    }
}
