/*
 * debug/gdb_x86.c: registers, memory and break/watchpoints for the GDB stub (gdb_x86.h).
 *
 * The register file is one table: the target description XML is generated from it, and the
 * 'g' packet is the registers in table order, little-endian, each its bitsize wide (GDB manual
 * G.5.1 "i386 Features": core holds the general registers, RIP, EFLAGS, the six selectors,
 * ST0-ST7 as 80-bit values and the eight x87 control registers; sse holds XMM0-15 and MXCSR;
 * segments holds fs_base and gs_base).
 */
#include "debug/gdb_x86.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/fpu.h"
#include "debug/gdb_stub.h"
#include "debug/guest_mem.h"
#include "softmmu/tlb.h"
#include "util/endian.h"

typedef enum RegKind {
    REG_GPR, REG_RIP, REG_EFLAGS, REG_SELECTOR, REG_ST,
    REG_FCTRL, REG_FSTAT, REG_FTAG, REG_FISEG, REG_FIOFF, REG_FOSEG, REG_FOOFF, REG_FOP,
    REG_XMM, REG_MXCSR, REG_SEG_BASE, REG_KGS_BASE, REG_CR, REG_EFER,
} RegKind;

enum { FEATURE_CORE, FEATURE_SSE, FEATURE_SEGMENTS, FEATURE_SYS, FEATURE_COUNT };

static const char *const feature_names[FEATURE_COUNT] = {
    "org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
    "org.vireo.x86.sys",
};

typedef struct RegDesc {
    const char *name;
    uint8_t feature;
    uint8_t bits;
    uint8_t kind;
    uint8_t index; /* GPR, segment, ST(i), XMM or CR number */
    const char *type;
    const char *group; /* NULL: gdb decides from the type */
} RegDesc;

#define GPR(name, i, type) { name, FEATURE_CORE, 64, REG_GPR, i, type, NULL }
#define GPR32(name, i, type) { name, FEATURE_CORE, 32, REG_GPR, i, type, NULL }
#define SEL(name, i) { name, FEATURE_CORE, 32, REG_SELECTOR, i, "int32", NULL }
#define ST(i) { "st" #i, FEATURE_CORE, 80, REG_ST, i, "i387_ext", NULL }
#define FPC(name, kind) { name, FEATURE_CORE, 32, kind, 0, "int", "float" }
#define XMM(i) { "xmm" #i, FEATURE_SSE, 128, REG_XMM, i, "vec128", NULL }
#define SYS(name, kind, i, bits) { name, FEATURE_SYS, bits, kind, i, "int", "general" }
#define X87_REGS                                                                           \
    ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7), FPC("fctrl", REG_FCTRL),      \
        FPC("fstat", REG_FSTAT), FPC("ftag", REG_FTAG), FPC("fiseg", REG_FISEG),          \
        FPC("fioff", REG_FIOFF), FPC("foseg", REG_FOSEG), FPC("fooff", REG_FOOFF),        \
        FPC("fop", REG_FOP)
#define SELECTORS                                                                          \
    SEL("cs", SEG_CS), SEL("ss", SEG_SS), SEL("ds", SEG_DS), SEL("es", SEG_ES),           \
        SEL("fs", SEG_FS), SEL("gs", SEG_GS)

/* x86-64: GDB's amd64 order (rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8-r15). */
static const RegDesc regs64[] = {
    GPR("rax", R_AX, "int64"), GPR("rbx", R_BX, "int64"), GPR("rcx", R_CX, "int64"),
    GPR("rdx", R_DX, "int64"), GPR("rsi", R_SI, "int64"), GPR("rdi", R_DI, "int64"),
    GPR("rbp", R_BP, "data_ptr"), GPR("rsp", R_SP, "data_ptr"),
    GPR("r8", 8, "int64"), GPR("r9", 9, "int64"), GPR("r10", 10, "int64"),
    GPR("r11", 11, "int64"), GPR("r12", 12, "int64"), GPR("r13", 13, "int64"),
    GPR("r14", 14, "int64"), GPR("r15", 15, "int64"),
    { "rip", FEATURE_CORE, 64, REG_RIP, 0, "code_ptr", NULL },
    { "eflags", FEATURE_CORE, 32, REG_EFLAGS, 0, "i386_eflags", NULL },
    SELECTORS,
    X87_REGS,
    XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
    XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
    { "mxcsr", FEATURE_SSE, 32, REG_MXCSR, 0, "i386_mxcsr", "vector" },
    { "fs_base", FEATURE_SEGMENTS, 64, REG_SEG_BASE, SEG_FS, "int", NULL },
    { "gs_base", FEATURE_SEGMENTS, 64, REG_SEG_BASE, SEG_GS, "int", NULL },
    SYS("k_gs_base", REG_KGS_BASE, 0, 64), SYS("cr0", REG_CR, 0, 64), SYS("cr2", REG_CR, 2, 64),
    SYS("cr3", REG_CR, 3, 64), SYS("cr4", REG_CR, 4, 64), SYS("cr8", REG_CR, 8, 64),
    SYS("efer", REG_EFER, 0, 64),
};

/* i386: GDB's i386 order (eax, ecx, edx, ebx, esp, ebp, esi, edi), 32-bit registers. */
static const RegDesc regs32[] = {
    GPR32("eax", R_AX, "int32"), GPR32("ecx", R_CX, "int32"), GPR32("edx", R_DX, "int32"),
    GPR32("ebx", R_BX, "int32"), GPR32("esp", R_SP, "data_ptr"), GPR32("ebp", R_BP, "data_ptr"),
    GPR32("esi", R_SI, "int32"), GPR32("edi", R_DI, "int32"),
    { "eip", FEATURE_CORE, 32, REG_RIP, 0, "code_ptr", NULL },
    { "eflags", FEATURE_CORE, 32, REG_EFLAGS, 0, "i386_eflags", NULL },
    SELECTORS,
    X87_REGS,
    XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
    { "mxcsr", FEATURE_SSE, 32, REG_MXCSR, 0, "i386_mxcsr", "vector" },
    /* gdb 13's i386 (not amd64) architecture cannot number the segments feature's bases:
     * here they are plain system registers. */
    SYS("fs_base", REG_SEG_BASE, SEG_FS, 32), SYS("gs_base", REG_SEG_BASE, SEG_GS, 32),
    SYS("cr0", REG_CR, 0, 32), SYS("cr2", REG_CR, 2, 32), SYS("cr3", REG_CR, 3, 32),
    SYS("cr4", REG_CR, 4, 32), SYS("efer", REG_EFER, 0, 64),
};

typedef struct RegFile {
    const char *architecture;
    const RegDesc *regs;
    unsigned count;
} RegFile;

static const RegFile reg_files[] = {
    [GDB_X86_64] = { "i386:x86-64", regs64, sizeof(regs64) / sizeof(regs64[0]) },
    [GDB_X86_I386] = { "i386", regs32, sizeof(regs32) / sizeof(regs32[0]) },
};

/* Flag fields of the types the description defines (SDM Vol. 1 §3.4.3, §10.2.3). */
typedef struct FlagField {
    const char *name;
    uint8_t bit;
} FlagField;

static const FlagField eflags_fields[] = {
    { "CF", 0 }, { "", 1 }, { "PF", 2 }, { "AF", 4 }, { "ZF", 6 }, { "SF", 7 }, { "TF", 8 },
    { "IF", 9 }, { "DF", 10 }, { "OF", 11 }, { "NT", 14 }, { "RF", 16 }, { "VM", 17 },
    { "AC", 18 }, { "VIF", 19 }, { "VIP", 20 }, { "ID", 21 }, { NULL, 0 },
};

static const FlagField mxcsr_fields[] = {
    { "IE", 0 }, { "DE", 1 }, { "ZE", 2 }, { "OE", 3 }, { "UE", 4 }, { "PE", 5 }, { "DAZ", 6 },
    { "IM", 7 }, { "DM", 8 }, { "ZM", 9 }, { "OM", 10 }, { "UM", 11 }, { "PM", 12 },
    { "FZ", 15 }, { NULL, 0 },
};

typedef struct XmlWriter {
    char *buf;
    size_t size, len;
} XmlWriter;

static void xml_put(XmlWriter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xml_put(XmlWriter *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        w->len = w->len + (size_t)n < w->size ? w->len + (size_t)n : w->size - 1;
    }
}

static void xml_flags(XmlWriter *w, const char *id, const FlagField *f)
{
    xml_put(w, "<flags id=\"%s\" size=\"4\">", id);
    for (; f->name; f++) {
        xml_put(w, "<field name=\"%s\" start=\"%u\" end=\"%u\"/>", f->name, f->bit, f->bit);
    }
    xml_put(w, "</flags>");
}

static void build_xml(const RegFile *rf, char *buf, size_t size)
{
    XmlWriter w = { buf, size, 0 };
    xml_put(&w, "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
                "<target><architecture>%s</architecture>", rf->architecture);
    for (unsigned f = 0; f < FEATURE_COUNT; f++) {
        bool is_used = false;
        for (unsigned i = 0; i < rf->count; i++) {
            is_used |= rf->regs[i].feature == f;
        }
        if (!is_used) {
            continue; /* gdb takes a listed feature as a promise of its registers */
        }
        xml_put(&w, "<feature name=\"%s\">", feature_names[f]);
        if (f == FEATURE_CORE) {
            xml_flags(&w, "i386_eflags", eflags_fields);
        } else if (f == FEATURE_SSE) {
            xml_put(&w, "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
                        "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
                        "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
                        "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
                        "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
                        "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
                        "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
                        "<field name=\"v2_double\" type=\"v2d\"/>"
                        "<field name=\"v16_int8\" type=\"v16i8\"/>"
                        "<field name=\"v8_int16\" type=\"v8i16\"/>"
                        "<field name=\"v4_int32\" type=\"v4i32\"/>"
                        "<field name=\"v2_int64\" type=\"v2i64\"/>"
                        "<field name=\"uint128\" type=\"uint128\"/></union>");
            xml_flags(&w, "i386_mxcsr", mxcsr_fields);
        }
        for (unsigned i = 0; i < rf->count; i++) {
            const RegDesc *r = &rf->regs[i];
            if (r->feature != f) {
                continue;
            }
            xml_put(&w, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"", r->name, r->bits,
                    r->type);
            if (r->group) {
                xml_put(&w, " group=\"%s\"", r->group);
            }
            xml_put(&w, "/>");
        }
        xml_put(&w, "</feature>");
    }
    xml_put(&w, "</target>");
}

void gdb_x86_init(GdbX86 *g, CpuState *cpu, GdbX86Arch arch)
{
    memset(g, 0, sizeof(*g));
    g->cpu = cpu;
    g->arch = arch;
    build_xml(&reg_files[arch], g->xml, sizeof(g->xml));
}

static uint64_t read_cr(const CpuState *cpu, unsigned n)
{
    switch (n) {
    case 0:
        return cpu->paging.cr0;
    case 2:
        return cpu->cr2;
    case 3:
        return cpu->paging.cr3;
    case 4:
        return cpu->paging.cr4;
    default:
        return cpu->apic ? cpu->apic->get_cr8(cpu->apic_opaque) : cpu->cr8;
    }
}

/* The register as gdb sees it, little-endian, bits / 8 bytes. */
static void reg_get(const CpuState *cpu, const RegDesc *r, uint8_t *out)
{
    const FpuState *f = &cpu->fpu;
    uint64_t v = 0;
    switch ((RegKind)r->kind) {
    case REG_ST: {
        const Float80 *st = &f->st[(f->top + r->index) & 7];
        st_le64(out, st->sig);
        st_le16(out + 8, st->exp);
        return;
    }
    case REG_XMM:
        memcpy(out, f->xmm[r->index].b, 16);
        return;
    case REG_GPR: v = cpu->regs[r->index]; break;
    case REG_RIP: v = cpu->rip; break;
    case REG_EFLAGS: v = cpu_get_rflags(cpu); break;
    case REG_SELECTOR: v = cpu->seg[r->index].selector; break;
    case REG_FCTRL: v = f->fcw; break;
    case REG_FSTAT: v = fpu_status_word(cpu); break;
    case REG_FTAG: v = cpu_x87_tag_word(cpu); break;
    case REG_FISEG: v = f->fcs; break;
    case REG_FIOFF: v = (uint32_t)f->fip; break;
    case REG_FOSEG: v = f->fds; break;
    case REG_FOOFF: v = (uint32_t)f->fdp; break;
    case REG_FOP: v = f->fop; break;
    case REG_MXCSR: v = f->mxcsr; break;
    case REG_SEG_BASE: v = cpu->seg[r->index].base; break;
    case REG_KGS_BASE: v = cpu->kernel_gs_base; break;
    case REG_CR: v = read_cr(cpu, r->index); break;
    case REG_EFER: v = cpu->paging.efer; break;
    }
    uint8_t le[8];
    st_le64(le, v);
    memcpy(out, le, r->bits / 8);
}

static bool set_selector(CpuState *cpu, unsigned seg, uint16_t sel)
{
    if (cpu->seg[seg].selector == sel) {
        return true;
    }
    bool is_real = !(cpu->paging.cr0 & CR0_PE);
    if (!is_real && !(cpu->rflags & FLAG_VM)) {
        return false;
    }
    cpu_load_segment_real(cpu, seg, sel);
    if (seg == SEG_CS) {
        cpu_update_mode(cpu);
    }
    return true;
}

static bool reg_set(CpuState *cpu, const RegDesc *r, const uint8_t *in)
{
    FpuState *f = &cpu->fpu;
    uint8_t le[8] = { 0 };
    if (r->kind == REG_ST) {
        Float80 *st = &f->st[(f->top + r->index) & 7];
        st->sig = ld_le64(in);
        st->exp = ld_le16(in + 8);
        return true;
    }
    if (r->kind == REG_XMM) {
        memcpy(f->xmm[r->index].b, in, 16);
        return true;
    }
    memcpy(le, in, r->bits / 8);
    uint64_t v = ld_le64(le);
    switch ((RegKind)r->kind) {
    case REG_GPR: cpu->regs[r->index] = v; return true;
    case REG_RIP: cpu->rip = v; return true;
    case REG_EFLAGS:
        cpu_set_rflags(cpu, v);
        cpu_update_mode(cpu);
        return true;
    case REG_SELECTOR: return set_selector(cpu, r->index, (uint16_t)v);
    case REG_FCTRL:
        f->fcw = fpu_fcw_loaded((uint16_t)v);
        fpu_update_es(cpu);
        return true;
    case REG_FSTAT:
        f->fsw = (uint16_t)(v & ~(7u << FSW_TOP_SHIFT));
        f->top = (uint8_t)((v >> FSW_TOP_SHIFT) & 7);
        fpu_update_es(cpu);
        return true;
    case REG_FTAG: cpu_set_x87_tag_word(cpu, (uint16_t)v); return true;
    case REG_FISEG: f->fcs = (uint16_t)v; return true;
    case REG_FIOFF: f->fip = (uint32_t)v; return true;
    case REG_FOSEG: f->fds = (uint16_t)v; return true;
    case REG_FOOFF: f->fdp = (uint32_t)v; return true;
    case REG_FOP: f->fop = (uint16_t)(v & 0x7ff); return true;
    case REG_MXCSR:
        if (v & ~(uint64_t)MXCSR_WRITABLE) {
            return false;
        }
        f->mxcsr = (uint32_t)v;
        return true;
    case REG_SEG_BASE: cpu->seg[r->index].base = v; return true;
    case REG_KGS_BASE: cpu->kernel_gs_base = v; return true;
    case REG_CR:
        if (r->index == 2) {
            cpu->cr2 = v;
            return true;
        }
        return read_cr(cpu, r->index) == v;
    case REG_EFER: return cpu->paging.efer == v;
    default: return false;
    }
}

size_t gdb_x86_read_registers(GdbX86 *g, uint8_t *buf, size_t size)
{
    const RegFile *rf = &reg_files[g->arch];
    size_t pos = 0;
    for (unsigned i = 0; i < rf->count && pos + rf->regs[i].bits / 8 <= size; i++) {
        reg_get(g->cpu, &rf->regs[i], buf + pos);
        pos += rf->regs[i].bits / 8;
    }
    return pos;
}

/* A 'G' packet may stop short (gdb sends what it has); whole registers only. */
bool gdb_x86_write_registers(GdbX86 *g, const uint8_t *buf, size_t len)
{
    const RegFile *rf = &reg_files[g->arch];
    size_t pos = 0;
    bool is_ok = true;
    for (unsigned i = 0; i < rf->count && pos + rf->regs[i].bits / 8 <= len; i++) {
        is_ok &= reg_set(g->cpu, &rf->regs[i], buf + pos);
        pos += rf->regs[i].bits / 8;
    }
    return is_ok && pos == len;
}

bool gdb_x86_read_register(GdbX86 *g, unsigned n, uint8_t *buf, size_t *len)
{
    const RegFile *rf = &reg_files[g->arch];
    if (n >= rf->count) {
        return false;
    }
    reg_get(g->cpu, &rf->regs[n], buf);
    *len = rf->regs[n].bits / 8;
    return true;
}

bool gdb_x86_write_register(GdbX86 *g, unsigned n, const uint8_t *buf, size_t len)
{
    const RegFile *rf = &reg_files[g->arch];
    return n < rf->count && len == rf->regs[n].bits / 8u && reg_set(g->cpu, &rf->regs[n], buf);
}

bool gdb_x86_read_memory(GdbX86 *g, uint64_t addr, uint8_t *buf, size_t len)
{
    return guest_mem_read_virtual(g->cpu, addr, buf, len);
}

bool gdb_x86_write_memory(GdbX86 *g, uint64_t addr, const uint8_t *buf, size_t len)
{
    return guest_mem_write_virtual(g->cpu, addr, buf, len);
}

static unsigned watch_kinds(unsigned type)
{
    switch (type) {
    case GDB_POINT_WRITE:
        return 1u << MEM_WRITE;
    case GDB_POINT_READ:
        return 1u << MEM_READ;
    default:
        return 1u << MEM_READ | 1u << MEM_WRITE;
    }
}

int gdb_x86_insert_point(GdbX86 *g, unsigned type, uint64_t addr, uint64_t len)
{
    if (type >= GDB_POINT_WRITE) {
        return tlb_watch_insert(g->cpu->tlb, addr, len, watch_kinds(type)) ? 0 : -1;
    }
    for (unsigned i = 0; i < g->npoints; i++) {
        if (g->points[i].addr == addr && g->points[i].type == type) {
            return 0;
        }
    }
    if (g->npoints == CPU_BREAKPOINTS_MAX || !cpu_breakpoint_insert(g->cpu, addr)) {
        return -1;
    }
    g->points[g->npoints].addr = addr;
    g->points[g->npoints].type = (uint8_t)type;
    g->npoints++;
    return 0;
}

int gdb_x86_remove_point(GdbX86 *g, unsigned type, uint64_t addr, uint64_t len)
{
    if (type >= GDB_POINT_WRITE) {
        return tlb_watch_remove(g->cpu->tlb, addr, len, watch_kinds(type)) ? 0 : -1;
    }
    bool is_shared = false;
    int found = -1;
    for (unsigned i = 0; i < g->npoints; i++) {
        if (g->points[i].addr != addr) {
            continue;
        }
        if (g->points[i].type == type) {
            found = (int)i;
        } else {
            is_shared = true;
        }
    }
    if (found < 0) {
        return -1;
    }
    g->points[found] = g->points[--g->npoints];
    if (!is_shared) {
        cpu_breakpoint_remove(g->cpu, addr);
    }
    return 0;
}

void gdb_x86_remove_all(GdbX86 *g)
{
    for (unsigned i = 0; i < g->npoints; i++) {
        cpu_breakpoint_remove(g->cpu, g->points[i].addr);
    }
    g->npoints = 0;
    tlb_watch_clear(g->cpu->tlb);
}

int gdb_x86_stop_reason(const GdbX86 *g, uint64_t *addr)
{
    const CpuDebug *d = &g->cpu->debug;
    if (d->event == CPU_DEBUG_WATCHPOINT) {
        *addr = d->watch_addr;
        if (d->watch_kinds == 1u << MEM_WRITE) {
            return GDB_POINT_WRITE;
        }
        return d->watch_kinds == 1u << MEM_READ ? GDB_POINT_READ : GDB_POINT_ACCESS;
    }
    if (d->event != CPU_DEBUG_BREAKPOINT) {
        return -1;
    }
    uint64_t pc = cpu_linear_pc(g->cpu);
    int type = GDB_POINT_HW;
    for (unsigned i = 0; i < g->npoints; i++) {
        if (g->points[i].addr == pc && g->points[i].type == GDB_POINT_SW) {
            type = GDB_POINT_SW;
        }
    }
    *addr = pc;
    return type;
}
