/*
 * tests/guest/rt/sys.c: descriptor tables, TSS and the exception dispatcher of rt/sys.h, for
 * 32-bit and 64-bit guests. Descriptor formats: SDM Vol. 3A §3.4.5 (segments), §6.11 and
 * §6.14.1 (IDT gates), §7.2.2 and §8.2.3 (TSS descriptors), §5.8.3.1 (64-bit call gates).
 */
#include "sys.h"

extern char guest_exc_stubs[];
extern uintptr_t guest_trap_top;

volatile GuestExc guest_exc;
GuestExcHandler guest_exc_handlers[256];

__attribute__((aligned(16))) uint8_t guest_kstack[16384];
__attribute__((aligned(16))) uint8_t guest_ustack[8192];

#ifdef __x86_64__
#define IDT_ENTRY_BYTES 16
GuestTss64 guest_tss;
#else
#define IDT_ENTRY_BYTES 8
GuestTss32Io guest_tss;
#endif
__attribute__((aligned(16))) uint8_t guest_idt[256 * IDT_ENTRY_BYTES];
__attribute__((aligned(16))) uint64_t guest_gdt[GUEST_GDT_ENTRIES];

uint64_t guest_seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
           (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
           (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

uint64_t guest_gate32(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl, unsigned params)
{
    return (uint64_t)(offset & 0xffff) | (uint64_t)sel << 16 | (uint64_t)(params & 0x1f) << 32 |
           (uint64_t)(0x80 | (dpl & 3) << 5 | type) << 40 | (uint64_t)(offset >> 16) << 48;
}

void guest_idt_set_gate(unsigned vector, uint16_t sel, uintptr_t offset, unsigned type,
                        unsigned dpl, unsigned ist)
{
    uint64_t *e = (uint64_t *)(guest_idt + vector * IDT_ENTRY_BYTES);
    e[0] = guest_gate32(sel, (uint32_t)offset, type, dpl, 0) | (uint64_t)(ist & 7) << 32;
#ifdef __x86_64__
    e[1] = (uint64_t)offset >> 32;
#endif
}

uintptr_t guest_idt_stub(unsigned vector)
{
    return (uintptr_t)guest_exc_stubs + 16 * vector;
}

void guest_idt_restore(unsigned vector)
{
    bool is_user = vector == VEC_BP || vector == VEC_OF || vector == GUEST_VEC_SYSCALL ||
                   vector == GUEST_VEC_USER_DONE;
    guest_idt_set_gate(vector, SEL_KCODE, guest_idt_stub(vector), DESC_INT_GATE, is_user ? 3 : 0,
                       0);
}

#ifdef __x86_64__
void guest_gdt_set_system64(unsigned idx, uint64_t base, uint32_t limit, unsigned type,
                            unsigned dpl, uint16_t gate_sel)
{
    if (type == DESC_CALL_GATE) {
        guest_gdt[idx] = guest_gate32(gate_sel, (uint32_t)base, type, dpl, 0);
    } else {
        guest_gdt[idx] = guest_seg_desc((uint32_t)base, limit, (uint8_t)(0x80 | dpl << 5 | type), 0);
    }
    guest_gdt[idx + 1] = base >> 32;
}

/* Sets U in every level of entry64.asm's identity map (PML4[0], PDPT[0..3], the 2 MiB PDEs). */
static void make_identity_map_user(void)
{
    uint64_t *pml4 = (uint64_t *)(guest_read_cr3() & ~0xfffull);
    pml4[0] |= 4;
    uint64_t *pdpt = (uint64_t *)(pml4[0] & 0xffffffffff000ull);
    for (int i = 0; i < 4; i++) {
        pdpt[i] |= 4;
        uint64_t *pd = (uint64_t *)(pdpt[i] & 0xffffffffff000ull);
        for (int j = 0; j < 512; j++) {
            pd[j] |= 4;
        }
    }
    guest_write_cr3(guest_read_cr3());
}
#endif

void guest_sys_init(void)
{
    /* Mask both 8259s: the firmware leaves IRQ 0 on vector 8, which would pass for #DF once a
     * test runs with IF = 1 (8259A datasheet, OCW1). */
    guest_out8(0x21, 0xff);
    guest_out8(0xa1, 0xff);
    guest_gdt[0] = 0;
#ifdef __x86_64__
    guest_gdt[1] = guest_seg_desc(0, 0xfffff, 0x9a, 0xa); /* L = 1 */
    guest_gdt[5] = guest_seg_desc(0, 0xfffff, 0xfa, 0xa);
    guest_tss.rsp[0] = (uintptr_t)GUEST_KSTACK_TOP;
    guest_tss.iomap_base = sizeof(GuestTss64); /* no bitmap: every port is beyond the limit */
    guest_gdt_set_system64(SEL_TSS >> 3, (uintptr_t)&guest_tss, sizeof(GuestTss64) - 1,
                           DESC_TSS_AVAIL, 0, 0);
#else
    guest_gdt[1] = guest_seg_desc(0, 0xfffff, 0x9a, 0xc);
    guest_gdt[5] = guest_seg_desc(0, 0xfffff, 0xfa, 0xc);
    guest_tss.tss.esp0 = (uintptr_t)GUEST_KSTACK_TOP;
    guest_tss.tss.ss0 = SEL_KDATA;
    guest_tss.tss.iomap_base = offsetof(GuestTss32Io, iomap);
    guest_tss.iomap_end = 0xff;
    guest_gdt[SEL_TSS >> 3] = guest_seg_desc((uintptr_t)&guest_tss, sizeof(GuestTss32Io) - 1,
                                             0x80 | DESC_TSS_AVAIL, 0);
#endif
    guest_gdt[2] = guest_seg_desc(0, 0xfffff, 0x92, 0xc);
    guest_gdt[3] = guest_seg_desc(0, 0xfffff, 0xfa, 0xc);
    guest_gdt[4] = guest_seg_desc(0, 0xfffff, 0xf2, 0xc);
    guest_gdt[6] = guest_seg_desc(0, 0xfffff, 0xf2, 0xc);
    guest_gdt[SEL_KCODE32 >> 3] = guest_seg_desc(0, 0xfffff, 0x9a, 0xc);

    for (unsigned v = 0; v < 256; v++) {
        guest_idt_restore(v);
    }

    struct __attribute__((packed)) {
        uint16_t limit;
        uintptr_t base;
    } gdtr = { sizeof(guest_gdt) - 1, (uintptr_t)guest_gdt },
      idtr = { sizeof(guest_idt) - 1, (uintptr_t)guest_idt };
    __asm__ volatile("lgdt %0; lidt %1" : : "m"(gdtr), "m"(idtr) : "memory");
#ifdef __x86_64__
    __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
                     : : "i"(SEL_KCODE) : "rax", "memory");
#else
    __asm__ volatile("ljmp %0, $1f; 1:" : : "i"(SEL_KCODE) : "memory");
#endif
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs; mov %0, %%ss"
                     : : "r"(SEL_KDATA) : "memory");
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
#ifdef __x86_64__
    make_identity_map_user();
#endif
}

uintptr_t guest_exc_dispatch(GuestExcFrame *f)
{
    guest_exc.count++;
    guest_exc.vector = (unsigned)f->vector;
    guest_exc.error = f->error;
    guest_exc.ip = f->ip;
    guest_exc.cs = f->cs;
    guest_exc.flags = f->flags;
    guest_exc.cr2 = guest_read_cr2();
    guest_exc.frame_gva = (uintptr_t)&f->ip;
#ifdef __x86_64__
    guest_exc.ax = f->rax;
    guest_exc.bx = f->rbx;
    guest_exc.cx = f->rcx;
    guest_exc.dx = f->rdx;
    guest_exc.sp = f->sp;
    guest_exc.ss = f->ss;
#else
    guest_exc.ax = f->eax;
    guest_exc.bx = f->ebx;
    guest_exc.cx = f->ecx;
    guest_exc.dx = f->edx;
    bool is_v86 = f->flags & EFLAGS_VM;
    bool has_stack = (f->cs & 3) != 0 || is_v86;
    guest_exc.sp = has_stack ? f->sp : 0;
    guest_exc.ss = has_stack ? f->ss : 0;
    guest_exc.v86_seg[0] = is_v86 ? f->v86_es : 0;
    guest_exc.v86_seg[1] = is_v86 ? f->v86_ds : 0;
    guest_exc.v86_seg[2] = is_v86 ? f->v86_fs : 0;
    guest_exc.v86_seg[3] = is_v86 ? f->v86_gs : 0;
#endif
    GuestExcHandler handler = guest_exc_handlers[f->vector & 0xff];
    if (handler && handler(f) == GUEST_EXC_IRET) {
        return GUEST_EXC_IRET;
    }
    if (guest_trap_top) {
        return GUEST_EXC_CATCH;
    }
    guest_fail("unexpected-exception", "vector %u error 0x%lx at %lx:%lx flags 0x%lx cr2 0x%lx",
               (unsigned)f->vector, (unsigned long)f->error, (unsigned long)f->cs,
               (unsigned long)f->ip, (unsigned long)f->flags, (unsigned long)guest_exc.cr2);
    guest_finish_checks();
    guest_exit(1);
}

static void enter_user_thunk(uintptr_t fn)
{
    guest_enter_user(fn, GUEST_USTACK_TOP, EFLAGS_FIXED);
}

int guest_run_user(void (*fn)(void))
{
    return guest_trap(enter_user_thunk, (uintptr_t)fn);
}

bool guest_has_word(uint32_t mb_info_gpa, const char *word)
{
    const MultibootInfo *info = (const MultibootInfo *)(uintptr_t)mb_info_gpa;
    if (!(info->flags & MULTIBOOT_INFO_CMDLINE)) {
        return false;
    }
    const char *text = (const char *)(uintptr_t)info->cmdline_gpa;
    while (*text) {
        const char *t = text, *w = word;
        while (*w && *t == *w) {
            t++;
            w++;
        }
        if (!*w && (*t == ' ' || *t == '\0')) {
            return true;
        }
        while (*text && *text != ' ') {
            text++;
        }
        while (*text == ' ') {
            text++;
        }
    }
    return false;
}

static void join(char *buf, size_t size, const char *a, const char *b)
{
    size_t n = 0;
    for (; *a && n + 1 < size; a++) {
        buf[n++] = *a;
    }
    for (; *b && n + 1 < size; b++) {
        buf[n++] = *b;
    }
    buf[n] = 0;
}

void guest_check_fault(const char *name, int vector, int want_vector, uintptr_t want_ip,
                       uintptr_t want_error)
{
    char buf[80];
    join(buf, sizeof(buf), name, "-vector");
    GUEST_CHECK_EQ(buf, vector, want_vector);
    join(buf, sizeof(buf), name, sizeof(uintptr_t) == 8 ? "-rip" : "-eip");
    GUEST_CHECK_EQ(buf, guest_exc.ip, want_ip);
    join(buf, sizeof(buf), name, "-error");
    GUEST_CHECK_EQ(buf, guest_exc.error, want_error);
}
