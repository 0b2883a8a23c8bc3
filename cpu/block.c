/*
 * cpu/block.c: the block cache (see block.h). Blocks are found through a hash of (host address
 * of the first byte, decode mode) and listed per guest page for invalidation.
 */
#include "cpu/block.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define BLOCK_HASH_BITS 15
#define BLOCK_HASH_SIZE (1u << BLOCK_HASH_BITS)
#define PAGE_HASH_BITS 12
#define PAGE_HASH_SIZE (1u << PAGE_HASH_BITS)
#define CODE_PAGE_SIZE 4096u
#define JUMP_CACHE_BITS 12
#define JUMP_CACHE_SIZE (1u << JUMP_CACHE_BITS)

/*
 * Direct-mapped cache from the linear address of a block's start to the block, in front of the
 * hash: an entry is used only when its host address and mode match the current fetch, and
 * entries are cleared when their page's blocks are retired.
 */
typedef struct JumpCacheEntry {
    const uint8_t *hva;
    Block *block;
    uint8_t mode_key;
} JumpCacheEntry;

typedef struct PageNode {
    const uint8_t *page; /* host address of the page */
    Block *blocks;       /* linked by page_next */
    struct PageNode *next;
} PageNode;

struct BlockCache {
    CpuState *cpu;
    Block *hash[BLOCK_HASH_SIZE];
    PageNode *pages[PAGE_HASH_SIZE];
    Block *retired; /* linked by hash_next, freed by block_cache_collect */
    JumpCacheEntry jump_cache[JUMP_CACHE_SIZE];
    uint64_t decoded;
    uint64_t retired_count;
    uint64_t retire_generation; /* bumped by every retirement: invalidates chains */
};

static unsigned block_hash(const uint8_t *hva, unsigned mode_key)
{
    uintptr_t v = (uintptr_t)hva ^ ((uintptr_t)mode_key << 1);
    return (unsigned)((v * 0x9e3779b97f4a7c15ull) >> (64 - BLOCK_HASH_BITS));
}

static unsigned page_hash(const uint8_t *page)
{
    return (unsigned)((((uintptr_t)page >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - PAGE_HASH_BITS));
}

static const uint8_t *page_of(const uint8_t *hva)
{
    return (const uint8_t *)((uintptr_t)hva & ~(uintptr_t)(CODE_PAGE_SIZE - 1));
}

/*
 * What decoding depends on, packed without branches: 64-bit code, CS.D (which selects 32-bit
 * code in protected mode, and in real mode with a 32-bit CS cache left from protected mode),
 * virtual-8086 mode (always 16-bit), and the CPU model.
 */
static unsigned mode_key_of(const CpuState *cpu)
{
    return (unsigned)cpu->code64 | (((unsigned)cpu->seg[SEG_CS].attr >> 13) & 2) |
           (unsigned)((cpu->rflags >> 15) & 4) | ((unsigned)cpu->model << 3);
}

static DecodeMode decode_mode_of_key(unsigned key)
{
    if (key & 1) {
        return DECODE_64;
    }
    return (key & 6) == 2 ? DECODE_32 : DECODE_16;
}

DecodeMode cpu_decode_mode(const CpuState *cpu)
{
    return decode_mode_of_key(mode_key_of(cpu));
}

/* Retire every block of the page holding `hva`. */
static void retire_page(BlockCache *bc, const uint8_t *page)
{
    PageNode **pp = &bc->pages[page_hash(page)];
    while (*pp && (*pp)->page != page) {
        pp = &(*pp)->next;
    }
    PageNode *node = *pp;
    if (!node) {
        return;
    }
    *pp = node->next;
    bc->retire_generation++;
    for (unsigned i = 0; i < JUMP_CACHE_SIZE; i++) {
        if (page_of(bc->jump_cache[i].hva) == page) {
            bc->jump_cache[i] = (JumpCacheEntry){ 0 };
        }
    }
    for (Block *b = node->blocks; b; b = b->page_next) {
        Block **hp = &bc->hash[block_hash(b->hva, b->mode_key)];
        while (*hp != b) {
            hp = &(*hp)->hash_next;
        }
        *hp = b->hash_next;
        b->is_retired = true;
        b->hash_next = bc->retired;
        bc->retired = b;
        bc->retired_count++;
    }
    free(node);
}

/* The map calls this before a write to a code page becomes visible. */
static void on_code_write(void *opaque, uint64_t gpa, unsigned len)
{
    BlockCache *bc = opaque;
    PhysPage pg = phys_map_page(bc->cpu->map, gpa & ~(uint64_t)(CODE_PAGE_SIZE - 1));
    if (pg.hva) {
        retire_page(bc, pg.hva);
    }
    phys_map_set_code_page(bc->cpu->map, gpa, false);
    bc->cpu->exit_block = true;
}

BlockCache *block_cache_new(CpuState *cpu)
{
    BlockCache *bc = calloc(1, sizeof(*bc));
    if (!bc) {
        return NULL;
    }
    bc->cpu = cpu;
    phys_map_set_code_write_hook(cpu->map, on_code_write, bc);
    return bc;
}

static unsigned jump_cache_index(uint64_t lin)
{
    return (unsigned)((lin ^ (lin >> JUMP_CACHE_BITS)) & (JUMP_CACHE_SIZE - 1));
}

void block_cache_collect(BlockCache *bc)
{
    while (bc->retired) {
        Block *b = bc->retired;
        bc->retired = b->hash_next;
        free(b);
    }
}

void block_cache_flush(BlockCache *bc)
{
    for (unsigned i = 0; i < PAGE_HASH_SIZE; i++) {
        while (bc->pages[i]) {
            retire_page(bc, bc->pages[i]->page);
        }
    }
}

void block_cache_free(BlockCache *bc)
{
    block_cache_flush(bc);
    block_cache_collect(bc);
    phys_map_set_code_write_hook(bc->cpu->map, NULL, NULL);
    free(bc);
}

uint64_t block_cache_decoded(const BlockCache *bc)
{
    return bc->decoded;
}

uint64_t block_cache_retired(const BlockCache *bc)
{
    return bc->retired_count;
}

static ExecFn exec_of(const DecodedInsn *d)
{
    ExecFn fn = exec_table[d->mnemonic];
    return fn ? fn : exec_unimplemented;
}

static MmuMode fetch_mode(const CpuState *cpu)
{
    return (MmuMode){ .is_user = cpu->cpl == 3, .ac = (cpu->rflags & FLAG_AC) != 0 };
}

/* Linear address of CS:RIP; #GP(0) when RIP is beyond the CS limit. */
static uint64_t code_linear(CpuState *cpu)
{
    if (cpu->code64) {
        return cpu->rip;
    }
    if (cpu->model != CPU_MODEL_8086 && cpu->rip > cpu->seg[SEG_CS].limit) {
        cpu_raise_gp0(cpu);
    }
    return (cpu->seg[SEG_CS].base + cpu->rip) & 0xffffffffull;
}

/* Bytes of code allowed from RIP by the CS limit (all of them in 64-bit mode). */
static uint64_t limit_room(const CpuState *cpu)
{
    if (cpu->code64 || cpu->model == CPU_MODEL_8086) {
        return UINT64_MAX;
    }
    return (uint64_t)cpu->seg[SEG_CS].limit - cpu->rip + 1;
}

static void raise_decode_status(CpuState *cpu, DecodeStatus st)
{
    cpu_raise(cpu, st == DECODE_UD ? EXC_UD : EXC_GP, 0);
}

void block_build_single(CpuState *cpu, BlockInsn *scratch)
{
    uint64_t lin = code_linear(cpu);
    uint64_t room = limit_room(cpu);
    uint8_t buf[INSN_MAX_LEN];
    unsigned have = 0;
    unsigned want = (unsigned)(CODE_PAGE_SIZE - (lin & (CODE_PAGE_SIZE - 1)));
    if (cpu->model == CPU_MODEL_8086) {
        want = 1;
    }
    if (want > INSN_MAX_LEN) {
        want = INSN_MAX_LEN;
    }
    for (;;) {
        if (want > room) {
            if (have >= room) {
                cpu_raise_gp0(cpu);
            }
            want = (unsigned)room;
        }
        if (cpu->model == CPU_MODEL_8086) {
            /* IP wraps within the code segment. */
            for (unsigned i = have; i < want; i++) {
                uint64_t a = cpu->seg[SEG_CS].base + ((cpu->rip + i) & 0xffff);
                mem_fetch_linear(cpu, a, &buf[i], 1);
            }
        } else if (want > have) {
            mem_fetch_linear(cpu, (lin + have) & (cpu->code64 ? ~0ull : 0xffffffffull),
                             buf + have, want - have);
        }
        have = want;
        unsigned need = 0;
        DecodeStatus st = decode_insn(&scratch->d, buf, have, cpu_decode_mode(cpu), cpu->model,
                                      &need);
        if (st == DECODE_OK) {
            break;
        }
        if (st != DECODE_NEED_MORE) {
            raise_decode_status(cpu, st);
        }
        want = need;
    }
    scratch->exec = exec_of(&scratch->d);
    if (cpu->trace) {
        cpu->trace->block_new(cpu->trace_opaque, cpu, buf, scratch->d.len);
    }
}

static void link_block(BlockCache *bc, Block *b)
{
    unsigned h = block_hash(b->hva, b->mode_key);
    b->hash_next = bc->hash[h];
    bc->hash[h] = b;
    const uint8_t *page = page_of(b->hva);
    PageNode **pp = &bc->pages[page_hash(page)];
    PageNode *node = *pp;
    while (node && node->page != page) {
        node = node->next;
    }
    if (!node) {
        node = calloc(1, sizeof(*node));
        if (!node) {
            return; /* unlinked from pages: cannot be invalidated, so not kept */
        }
        node->page = page;
        node->next = *pp;
        *pp = node;
    }
    b->page_next = node->blocks;
    node->blocks = b;
}

static Block *lookup(BlockCache *bc, const uint8_t *hva, unsigned mode_key)
{
    for (Block *b = bc->hash[block_hash(hva, mode_key)]; b; b = b->hash_next) {
        if (b->hva == hva && b->mode_key == mode_key) {
            return b;
        }
    }
    return NULL;
}

/*
 * Near branches, and blocks cut by the page end or the size limit, leave the decode mode as it
 * was; other block-ending instructions (far transfers, MOV CR0, POPF, ...) may not.
 */
static bool is_chainable_end(const DecodedInsn *d)
{
    if (!(d->entry->flags & OPF_BLOCK_END)) {
        return true;
    }
    switch (d->mnemonic) {
    case MN_JCC:
    case MN_JMP:
    case MN_JMP_IND:
    case MN_CALL:
    case MN_CALL_IND:
    case MN_RET:
    case MN_LOOP:
    case MN_LOOPE:
    case MN_LOOPNE:
    case MN_JCXZ:
        return true;
    default:
        return false;
    }
}

/* Decode a block from host memory; NULL when even the first instruction does not fit. */
static Block *build(BlockCache *bc, CpuState *cpu, const uint8_t *hva, uint64_t gpa,
                    uint64_t room)
{
    unsigned mode_key = mode_key_of(cpu);
    DecodeMode mode = decode_mode_of_key(mode_key);
    unsigned page_left = (unsigned)(CODE_PAGE_SIZE - ((uintptr_t)hva & (CODE_PAGE_SIZE - 1)));
    uint64_t avail_total = page_left < room ? page_left : room;
    BlockInsn insns[BLOCK_MAX_INSNS];
    unsigned n = 0, pos = 0;
    while (n < BLOCK_MAX_INSNS && pos < avail_total) {
        unsigned need;
        unsigned avail = (unsigned)(avail_total - pos);
        DecodeStatus st = decode_insn(&insns[n].d, hva + pos, avail, mode, cpu->model, &need);
        if (st != DECODE_OK) {
            if (n == 0 && st != DECODE_NEED_MORE) {
                raise_decode_status(cpu, st);
            }
            break;
        }
        insns[n].exec = exec_of(&insns[n].d);
        pos += insns[n].d.len;
        n++;
        if (insns[n - 1].d.entry->flags & OPF_BLOCK_END) {
            break;
        }
    }
    if (n == 0) {
        return NULL;
    }
    Block *b = malloc(sizeof(*b) + n * sizeof(BlockInsn));
    if (!b) {
        return NULL;
    }
    b->hva = hva;
    b->gpa = gpa;
    b->bytes = pos;
    b->ninsns = (uint16_t)n;
    b->mode_key = (uint8_t)mode_key;
    b->is_retired = false;
    b->chain_victim = 0;
    memset(b->chain, 0, sizeof(b->chain));
    b->is_chainable = is_chainable_end(&insns[n - 1].d);
    memcpy(b->insns, insns, n * sizeof(BlockInsn));
    phys_map_set_code_page(cpu->map, gpa, true);
    link_block(bc, b);
    bc->decoded++;
    if (cpu->trace) {
        cpu->trace->block_new(cpu->trace_opaque, cpu, hva, pos);
    }
    return b;
}

Block *block_find(BlockCache *bc, CpuState *cpu)
{
    if (cpu->model == CPU_MODEL_8086) {
        return NULL; /* IP wrap-around within the segment: always decoded afresh */
    }
    uint64_t lin = code_linear(cpu);
    unsigned idx = cpu_mmu_index(cpu);
    const uint8_t *hva = tlb_lookup(cpu->tlb, idx, lin, 1, MEM_FETCH);
    uint64_t gpa = 0;
    bool has_gpa = false;
    if (!hva) {
        MmuMode mode = fetch_mode(cpu);
        PageFault pf;
        if (!tlb_translate(cpu->tlb, &cpu->paging, lin, MEM_FETCH, &mode, &gpa, &pf)) {
            cpu->cr2 = pf.cr2;
            cpu_raise(cpu, EXC_PF, pf.error_code);
        }
        has_gpa = true;
        hva = tlb_lookup(cpu->tlb, idx, lin, 1, MEM_FETCH);
        if (!hva) {
            PhysPage pg = phys_map_page(cpu->map, gpa);
            if (pg.kind != PHYS_PAGE_RAM && pg.kind != PHYS_PAGE_ROM) {
                return NULL; /* executing from MMIO: no caching */
            }
            hva = pg.hva + (gpa & (CODE_PAGE_SIZE - 1));
        }
    }
    unsigned key = mode_key_of(cpu);
    uint64_t room = limit_room(cpu);
    JumpCacheEntry *jc = &bc->jump_cache[jump_cache_index(lin)];
    if (jc->hva == hva && jc->mode_key == key && jc->block->bytes <= room) {
        return jc->block;
    }
    Block *b = lookup(bc, hva, key);
    if (b) {
        *jc = (JumpCacheEntry){ hva, b, (uint8_t)key };
        return b->bytes <= room ? b : NULL;
    }
    if (!has_gpa) {
        MmuMode mode = fetch_mode(cpu);
        PageFault pf;
        if (!tlb_translate(cpu->tlb, &cpu->paging, lin, MEM_FETCH, &mode, &gpa, &pf)) {
            cpu->cr2 = pf.cr2;
            cpu_raise(cpu, EXC_PF, pf.error_code);
        }
    }
    b = build(bc, cpu, hva, gpa, room);
    if (b) {
        *jc = (JumpCacheEntry){ hva, b, (uint8_t)key };
    }
    return b;
}

Block *block_next(BlockCache *bc, CpuState *cpu, Block *b)
{
    if (!b->is_chainable) {
        return NULL;
    }
    uint64_t tlb_gen = cpu->tlb->generation;
    for (unsigned k = 0; k < 2; k++) {
        const BlockChain *c = &b->chain[k];
        if (c->block && c->rip == cpu->rip && c->tlb_generation == tlb_gen &&
            c->retire_generation == bc->retire_generation && c->block->bytes <= limit_room(cpu)) {
            return c->block;
        }
    }
    Block *n = block_find(bc, cpu);
    if (n && !b->is_retired) {
        BlockChain *c = &b->chain[b->chain_victim];
        b->chain_victim ^= 1;
        *c = (BlockChain){ n, cpu->rip, cpu->tlb->generation, bc->retire_generation };
    }
    return n;
}
