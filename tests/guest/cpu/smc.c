/*
 * tests/guest/cpu/smc.c: self-modifying code: a store into the next instruction of the same
 * block, a store into hot code of the same page, a store from one page into code on the next,
 * and a store into either half of an instruction that straddles two pages.
 *
 * Source: SDM Vol. 3A §11.6 "Self-Modifying Code": a write to a code location that is about to
 * be executed (linear address = physical here) is seen by the fetch of that instruction on P6 and
 * later processors, so no serializing instruction is needed; vireo's DESIGN.md: "Writes to a guest
 * page that holds code drop that page's blocks before the write becomes visible to execution".
 * Code runs from a two-page buffer in .bss (paging is off, so it is executable). Each routine is
 * called many times first, so that a translating emulator has translated it before the store.
 */
#include "sys.h"

static uint8_t code[2][4096] __attribute__((aligned(4096)));
typedef uint32_t (*Routine)(void);
enum { HOT_CALLS = 3000 };

static uint32_t call_at(uint8_t *p)
{
    return ((Routine)(uintptr_t)p)();
}

static uint32_t call_hot(uint8_t *p)
{
    uint32_t r = 0;
    for (int i = 0; i < HOT_CALLS; i++) {
        r = call_at(p);
    }
    return r;
}

static uint8_t *emit_mov_eax(uint8_t *p, uint32_t imm) /* B8 id: MOV EAX, imm32 */
{
    *p++ = 0xb8;
    for (int i = 0; i < 4; i++) {
        *p++ = (uint8_t)(imm >> (8 * i));
    }
    return p;
}

static uint8_t *emit_store_imm32(uint8_t *p, uintptr_t addr, uint32_t imm) /* C7 05: MOV m32, imm32 */
{
    *p++ = 0xc7;
    *p++ = 0x05;
    for (int i = 0; i < 4; i++) {
        *p++ = (uint8_t)(addr >> (8 * i));
    }
    for (int i = 0; i < 4; i++) {
        *p++ = (uint8_t)(imm >> (8 * i));
    }
    return p;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    guest_sys_init();

    /* 1. Same block: the first instruction rewrites the immediate of the second. The routine
     * stores the same value every time, so first restore the original immediate from C. */
    uint8_t *r1 = code[0];
    uint8_t *target = r1 + 10;
    uint8_t *p = emit_store_imm32(r1, (uintptr_t)(target + 1), 0x2222);
    p = emit_mov_eax(p, 0x1111);
    *p++ = 0xc3;
    GUEST_CHECK_EQ("same-block-first-run", call_at(r1), 0x2222);
    uint32_t last = 0;
    for (int i = 0; i < HOT_CALLS; i++) {
        put32(target + 1, 0x1111);
        last = call_at(r1);
    }
    GUEST_CHECK_EQ("same-block-hot", last, 0x2222);

    /* 2. Same page, from C: a hot routine gets a new immediate between two calls. */
    uint8_t *r2 = code[0] + 0x100;
    p = emit_mov_eax(r2, 0x3333);
    *p++ = 0xc3;
    GUEST_CHECK_EQ("same-page-before", call_hot(r2), 0x3333);
    put32(r2 + 1, 0x4444);
    GUEST_CHECK_EQ("same-page-after-store", call_at(r2), 0x4444);
    /* The routine in the same page as the store (r1 lives there too) still runs right. */
    put32(target + 1, 0x1111);
    GUEST_CHECK_EQ("same-page-neighbour-intact", call_at(r1), 0x2222);

    /* 3. Across pages: code on page 0 stores into code on page 1 and jumps there. */
    uint8_t *r3_tail = code[1] + 0x200;
    p = emit_mov_eax(r3_tail, 0x5555);
    *p++ = 0xc3;
    uint8_t *r3 = code[0] + 0x200;
    p = emit_store_imm32(r3, (uintptr_t)(r3_tail + 1), 0x6666);
    *p++ = 0xe9; /* JMP rel32 */
    put32(p, (uint32_t)((uintptr_t)r3_tail - (uintptr_t)(p + 4)));
    GUEST_CHECK_EQ("tail-hot-before", call_hot(r3_tail), 0x5555);
    GUEST_CHECK_EQ("cross-page-store-then-jump", call_at(r3), 0x6666);

    /* 4. An instruction straddling the pages: B8 at the last byte of page 0, its immediate on
     * page 1, then RET. Change the immediate (page 1 only), then the opcode (page 0 only). */
    uint8_t *r4 = code[0] + 4095;
    p = emit_mov_eax(r4, 0x7777);
    *p++ = 0xc3;
    GUEST_CHECK_EQ("straddle-before", call_hot(r4), 0x7777);
    put32(code[1], 0x8888);
    GUEST_CHECK_EQ("straddle-second-page-modified", call_at(r4), 0x8888);
    GUEST_CHECK_EQ("straddle-hot-again", call_hot(r4), 0x8888);
    /* B8 -> B9 makes it MOV ECX, imm32, EAX then keeps the value of the EAX setup below.
     * QEMU 7.2 aborts here (README), hence the word qemu-skip-straddle-opcode. */
    if (!guest_has_word(mb_info_gpa, "qemu-skip-straddle-opcode")) {
        code[0][4095] = 0xb9;
        uint32_t eax;
        /* Early clobber: r4 must not be given EAX, which the asm overwrites first. */
        __asm__ volatile("mov $0x9999, %%eax; call *%1"
                         : "=&a"(eax) : "r"(r4) : "ecx", "edx", "memory");
        GUEST_CHECK_EQ("straddle-first-page-modified", eax, 0x9999);
    }
    return guest_finish_checks();
}
