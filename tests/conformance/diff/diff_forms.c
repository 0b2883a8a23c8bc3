/*
 * tests/conformance/diff/diff_forms.c: the forms of vireo's opcode table (cpu/opcode_table.c)
 * as the differential test sees them, each put in an instruction class or excluded with the
 * reason. Forms are leaves of the table: every opcode of the one-, two- and three-byte maps,
 * expanded through its groups (ModRM.reg, mod, rm) and mandatory-prefix selections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "diff_gen.h"

const char *const diff_class_names[DIFF_CLASS_COUNT] = {
    [DIFF_CLASS_ALU] = "alu",         [DIFF_CLASS_INCDEC] = "incdec",
    [DIFF_CLASS_MUL] = "mul",         [DIFF_CLASS_DIV] = "div",
    [DIFF_CLASS_SHIFT] = "shift",     [DIFF_CLASS_ROTATE] = "rotate",
    [DIFF_CLASS_SHIFTD] = "shiftd",   [DIFF_CLASS_BITTEST] = "bittest",
    [DIFF_CLASS_BITSCAN] = "bitscan", [DIFF_CLASS_MOVX] = "movx",
    [DIFF_CLASS_CMOV] = "cmov",       [DIFF_CLASS_STACK] = "stack",
    [DIFF_CLASS_BRANCH] = "branch",   [DIFF_CLASS_STRING] = "string",
    [DIFF_CLASS_MISC] = "misc",       [DIFF_CLASS_INVALID] = "invalid",
};

/* Class of each tested mnemonic; anything not listed here is excluded (see exclusion()). */
static const struct {
    uint16_t mnemonic;
    uint8_t cls;
} mnemonic_classes[] = {
    {MN_ADD, DIFF_CLASS_ALU},        {MN_OR, DIFF_CLASS_ALU},
    {MN_ADC, DIFF_CLASS_ALU},        {MN_SBB, DIFF_CLASS_ALU},
    {MN_AND, DIFF_CLASS_ALU},        {MN_SUB, DIFF_CLASS_ALU},
    {MN_XOR, DIFF_CLASS_ALU},        {MN_CMP, DIFF_CLASS_ALU},
    {MN_TEST, DIFF_CLASS_ALU},       {MN_INC, DIFF_CLASS_INCDEC},
    {MN_DEC, DIFF_CLASS_INCDEC},     {MN_NEG, DIFF_CLASS_INCDEC},
    {MN_NOT, DIFF_CLASS_INCDEC},     {MN_MUL, DIFF_CLASS_MUL},
    {MN_IMUL1, DIFF_CLASS_MUL},      {MN_IMUL2, DIFF_CLASS_MUL},
    {MN_IMUL3, DIFF_CLASS_MUL},      {MN_DIV, DIFF_CLASS_DIV},
    {MN_IDIV, DIFF_CLASS_DIV},       {MN_SHL, DIFF_CLASS_SHIFT},
    {MN_SHR, DIFF_CLASS_SHIFT},      {MN_SAL, DIFF_CLASS_SHIFT},
    {MN_SAR, DIFF_CLASS_SHIFT},      {MN_ROL, DIFF_CLASS_ROTATE},
    {MN_ROR, DIFF_CLASS_ROTATE},     {MN_RCL, DIFF_CLASS_ROTATE},
    {MN_RCR, DIFF_CLASS_ROTATE},     {MN_SHLD, DIFF_CLASS_SHIFTD},
    {MN_SHRD, DIFF_CLASS_SHIFTD},    {MN_BT, DIFF_CLASS_BITTEST},
    {MN_BTS, DIFF_CLASS_BITTEST},    {MN_BTR, DIFF_CLASS_BITTEST},
    {MN_BTC, DIFF_CLASS_BITTEST},    {MN_BSF, DIFF_CLASS_BITSCAN},
    {MN_BSR, DIFF_CLASS_BITSCAN},    {MN_TZCNT, DIFF_CLASS_BITSCAN},
    {MN_LZCNT, DIFF_CLASS_BITSCAN},  {MN_POPCNT, DIFF_CLASS_BITSCAN},
    {MN_MOV, DIFF_CLASS_MOVX},       {MN_MOVSXD, DIFF_CLASS_MOVX},
    {MN_MOVZX, DIFF_CLASS_MOVX},     {MN_MOVSX, DIFF_CLASS_MOVX},
    {MN_LEA, DIFF_CLASS_MOVX},       {MN_XCHG, DIFF_CLASS_MOVX},
    {MN_XADD, DIFF_CLASS_MOVX},      {MN_CMPXCHG, DIFF_CLASS_MOVX},
    {MN_CMPXCHG8B, DIFF_CLASS_MOVX}, {MN_MOVBE, DIFF_CLASS_MOVX},
    {MN_MOVNTI, DIFF_CLASS_MOVX},    {MN_CMOV, DIFF_CLASS_CMOV},
    {MN_SETCC, DIFF_CLASS_CMOV},     {MN_PUSH, DIFF_CLASS_STACK},
    {MN_POP, DIFF_CLASS_STACK},      {MN_PUSHF, DIFF_CLASS_STACK},
    {MN_POPF, DIFF_CLASS_STACK},     {MN_ENTER, DIFF_CLASS_STACK},
    {MN_LEAVE, DIFF_CLASS_STACK},    {MN_JMP, DIFF_CLASS_BRANCH},
    {MN_JCC, DIFF_CLASS_BRANCH},     {MN_JMP_IND, DIFF_CLASS_BRANCH},
    {MN_CALL, DIFF_CLASS_BRANCH},    {MN_CALL_IND, DIFF_CLASS_BRANCH},
    {MN_RET, DIFF_CLASS_BRANCH},     {MN_LOOP, DIFF_CLASS_BRANCH},
    {MN_LOOPE, DIFF_CLASS_BRANCH},   {MN_LOOPNE, DIFF_CLASS_BRANCH},
    {MN_JCXZ, DIFF_CLASS_BRANCH},    {MN_MOVS, DIFF_CLASS_STRING},
    {MN_CMPS, DIFF_CLASS_STRING},    {MN_STOS, DIFF_CLASS_STRING},
    {MN_LODS, DIFF_CLASS_STRING},    {MN_SCAS, DIFF_CLASS_STRING},
    {MN_CBW, DIFF_CLASS_MISC},       {MN_CWD, DIFF_CLASS_MISC},
    {MN_LAHF, DIFF_CLASS_MISC},      {MN_SAHF, DIFF_CLASS_MISC},
    {MN_CLC, DIFF_CLASS_MISC},       {MN_STC, DIFF_CLASS_MISC},
    {MN_CMC, DIFF_CLASS_MISC},       {MN_CLD, DIFF_CLASS_MISC},
    {MN_STD, DIFF_CLASS_MISC},       {MN_BSWAP, DIFF_CLASS_MISC},
    {MN_NOP, DIFF_CLASS_MISC},       {MN_PAUSE, DIFF_CLASS_MISC},
    {MN_WAIT, DIFF_CLASS_MISC},      {MN_UD, DIFF_CLASS_MISC},
    {MN_CLFLUSH, DIFF_CLASS_MISC},   {MN_FENCE, DIFF_CLASS_MISC},
    {MN_PREFETCH, DIFF_CLASS_MISC},  {MN_XLAT, DIFF_CLASS_MISC},
};

/*
 * Why a mnemonic is not compared with the host. Each is privileged (its CPL-3 fault is the
 * system-instruction tests' subject), host-dependent, or outside what native_exec can mirror.
 */
static const char *exclusion(uint16_t mn)
{
    switch (mn) {
    case MN_CPUID:
    case MN_RDTSC:
    case MN_RDTSCP:
    case MN_RDPMC:
    case MN_RDRAND:
    case MN_RDSEED:
    case MN_RDPID:
    case MN_XGETBV:
        return "host-dependent result (CPUID, time stamp, random numbers, XCR0, TSC_AUX)";
    case MN_SGDT:
    case MN_SIDT:
    case MN_SLDT:
    case MN_STR:
    case MN_SMSW:
        return "UMIP-dependent: #GP or the host kernel's descriptor tables";
    case MN_LAR:
    case MN_LSL:
    case MN_VERR:
    case MN_VERW:
        return "depends on the host's GDT/LDT contents";
    case MN_IN:
    case MN_OUT:
    case MN_INS:
    case MN_OUTS:
        return "I/O ports: permission comes from the host's TSS bitmap and IOPL";
    case MN_INT:
    case MN_INT3:
    case MN_INTO:
    case MN_INT1:
    case MN_IRET:
        return "interrupts: delivered through the host kernel's IDT";
    case MN_SYSCALL:
    case MN_SYSENTER:
    case MN_SYSRET:
    case MN_SYSEXIT:
        return "system calls: the native side stops them with seccomp";
    case MN_JMPF:
    case MN_JMPF_IND:
    case MN_CALLF:
    case MN_CALLF_IND:
    case MN_RETF:
        return "far transfers: depend on the host's GDT";
    case MN_MOV_SEG_LOAD:
    case MN_MOV_SEG_STORE:
    case MN_PUSH_SEG:
    case MN_POP_SEG:
    case MN_LDS:
    case MN_LES:
    case MN_LSS:
    case MN_LFS:
    case MN_LGS:
        return "segment registers: the host's selectors differ from the fixture's";
    case MN_RDFSBASE:
    case MN_RDGSBASE:
    case MN_WRFSBASE:
    case MN_WRGSBASE:
        return "FS/GS base is not part of native_exec's state";
    case MN_HLT:
    case MN_CLI:
    case MN_STI:
    case MN_LLDT:
    case MN_LTR:
    case MN_LGDT:
    case MN_LIDT:
    case MN_LMSW:
    case MN_INVLPG:
    case MN_CLTS:
    case MN_INVD:
    case MN_WBINVD:
    case MN_MOV_CR_LOAD:
    case MN_MOV_CR_STORE:
    case MN_MOV_DR_LOAD:
    case MN_MOV_DR_STORE:
    case MN_RDMSR:
    case MN_WRMSR:
    case MN_SWAPGS:
    case MN_XSETBV:
    case MN_INVPCID:
    case MN_RSM:
    case MN_MONITOR:
    case MN_MWAIT:
    case MN_CLAC:
    case MN_STAC:
        return "privileged or IOPL-sensitive (system-instruction tests)";
    case MN_FXSAVE:
    case MN_FXRSTOR:
    case MN_LDMXCSR:
    case MN_STMXCSR:
    case MN_XSAVE:
    case MN_XRSTOR:
    case MN_XSAVEOPT:
        return "x87/MMX/SSE: compared with the floating-point unit (a later issue)";
    default:
        return NULL;
    }
}

static uint8_t class_of(uint16_t mn)
{
    for (size_t i = 0; i < sizeof(mnemonic_classes) / sizeof(mnemonic_classes[0]); i++) {
        if (mnemonic_classes[i].mnemonic == mn) {
            return mnemonic_classes[i].cls;
        }
    }
    return DIFF_CLASS_NONE;
}

static bool has_memory_only_operand(const OpcodeEntry *e)
{
    for (unsigned i = 0; i < 3; i++) {
        if (e->op[i].kind == OPK_M) {
            return true;
        }
    }
    return false;
}

static bool has_register_only_operand(const OpcodeEntry *e)
{
    for (unsigned i = 0; i < 3; i++) {
        if (e->op[i].kind == OPK_R) {
            return true;
        }
    }
    return false;
}

typedef struct FormList {
    DiffForm *v;
    unsigned n, cap;
} FormList;

static void add_leaf(FormList *l, const DiffForm *tmpl, const OpcodeEntry *e)
{
    if (e->mnemonic == MN_INVALID) {
        return; /* an empty slot of the table: not a form */
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 512;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (!l->v) {
            abort();
        }
    }
    DiffForm *f = &l->v[l->n++];
    *f = *tmpl;
    f->e = e;
    f->flags |= e->flags;
    if (!(f->flags & OPF_MODRM)) {
        f->modrm = FORM_NO_MODRM;
    } else if (f->modrm == FORM_MODRM_ANY && has_memory_only_operand(e)) {
        f->modrm = FORM_MODRM_MEM;
    } else if (f->modrm == FORM_MODRM_ANY && has_register_only_operand(e)) {
        f->modrm = FORM_MODRM_REG;
    }
    f->cls = class_of(e->mnemonic);
    f->excluded = exclusion(e->mnemonic);
    if ((f->flags & OPF_I64)) {
        f->cls = DIFF_CLASS_INVALID;
        f->excluded = NULL;
        /* C4, C5 and 62 are VEX/EVEX prefixes in 64-bit mode, and this host has AVX and
         * AVX-512: they would run as vector instructions, which vireo does not advertise. */
        if (f->map == 1 && (f->opcode == 0xc4 || f->opcode == 0xc5 || f->opcode == 0x62)) {
            f->cls = DIFF_CLASS_NONE;
            f->excluded = "VEX/EVEX prefix in 64-bit mode (the host has AVX/AVX-512)";
        }
    } else if (f->cls == DIFF_CLASS_NONE && !f->excluded) {
        f->excluded = "no class yet (unknown mnemonic)";
    }
    if (f->cls != DIFF_CLASS_NONE && f->cls != DIFF_CLASS_INVALID && !exec_table[e->mnemonic]) {
        f->pending = true;
    }
}

static void expand(FormList *l, DiffForm tmpl, const OpcodeEntry *e)
{
    tmpl.flags |= e->flags & (OPF_MODRM | OPF_I64 | OPF_GROUP_REG | OPF_LOCK);
    if (e->flags & OPF_PREFIX_GROUP) {
        for (int i = 0; i < 4; i++) {
            DiffForm t = tmpl;
            t.mprefix = (int8_t)i;
            expand(l, t, &e->sub[i]);
        }
        return;
    }
    if ((e->flags & OPF_GROUP)) {
        for (int r = 0; r < 8; r++) {
            DiffForm t = tmpl;
            t.reg = (int8_t)r;
            if (e->flags & OPF_GROUP_REG) {
                t.modrm = FORM_MODRM_MEM;
                expand(l, t, &e->sub[r]);
                t.modrm = FORM_MODRM_REG;
                expand(l, t, &e->sub[8 + r]);
            } else {
                expand(l, t, &e->sub[r]);
            }
        }
        return;
    }
    if (e->flags & OPF_RM_GROUP) {
        for (int rm = 0; rm < 8; rm++) {
            DiffForm t = tmpl;
            t.rm = (int8_t)rm;
            t.modrm = FORM_MODRM_REG;
            expand(l, t, &e->sub[rm]);
        }
        return;
    }
    add_leaf(l, &tmpl, e);
}

static bool is_prefix_byte(uint8_t b)
{
    switch (b) {
    case 0x26:
    case 0x2e:
    case 0x36:
    case 0x3e:
    case 0x64:
    case 0x65:
    case 0x66:
    case 0x67:
    case 0xf0:
    case 0xf2:
    case 0xf3:
        return true;
    default:
        return (b & 0xf0) == 0x40; /* REX in 64-bit mode */
    }
}

DiffForm *diff_forms(unsigned *count)
{
    static FormList list;
    if (!list.n) {
        static const struct {
            const OpcodeEntry *map;
            uint8_t id;
        } maps[] = {
            {opcode_map1, 1},
            {opcode_map2, 2},
            {opcode_map3_38, 0x38},
            {opcode_map3_3a, 0x3a},
        };
        for (unsigned m = 0; m < 4; m++) {
            for (unsigned op = 0; op < 256; op++) {
                if (maps[m].id == 1 && is_prefix_byte((uint8_t)op)) {
                    continue;
                }
                const OpcodeEntry *e = &maps[m].map[op];
                if (e->flags & OPF_ALT64) {
                    e = e->sub; /* 63: MOVSXD in 64-bit mode */
                }
                DiffForm t = {.map = maps[m].id,
                              .opcode = (uint8_t)op,
                              .mprefix = -1,
                              .reg = -1,
                              .rm = -1,
                              .modrm = FORM_MODRM_ANY};
                expand(&list, t, e);
            }
        }
    }
    *count = list.n;
    return list.v;
}

void diff_form_name(const DiffForm *f, char *buf, unsigned size)
{
    static const char *const mp[4] = {"[none]", "[66]", "[f3]", "[f2]"};
    char esc[8] = "";
    if (f->map == 2) {
        strcpy(esc, "0f ");
    } else if (f->map == 0x38) {
        strcpy(esc, "0f 38 ");
    } else if (f->map == 0x3a) {
        strcpy(esc, "0f 3a ");
    }
    char reg[8] = "";
    if (f->reg >= 0) {
        snprintf(reg, sizeof(reg), " /%d", f->reg);
    }
    char rm[8] = "";
    if (f->rm >= 0) {
        snprintf(rm, sizeof(rm), " rm=%d", f->rm);
    }
    const char *kind = f->modrm == FORM_MODRM_MEM   ? " mem"
                       : f->modrm == FORM_MODRM_REG ? " reg"
                                                    : "";
    snprintf(buf, size, "%s%02x%s%s%s%s%s %s", esc, f->opcode, reg, rm, kind,
             f->mprefix >= 0 ? " " : "", f->mprefix >= 0 ? mp[f->mprefix] : "",
             mnemonic_names[f->e->mnemonic]);
}
