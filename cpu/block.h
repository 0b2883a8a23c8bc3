/*
 * cpu/block.h: tier 0 of DESIGN.md's execution model: blocks of pre-decoded instructions,
 * decoded once and run by the dispatch loop in cpu/cpu_exec.c.
 *
 * A block holds the instructions from its first byte up to a control transfer or mode change
 * (OPF_BLOCK_END), the end of its guest page, or BLOCK_MAX_INSNS. It is keyed by the host
 * address of its first byte (guest RAM is one host mapping, so that names the physical page
 * even when RAM is seen at two guest addresses) and the decode mode. Its page is marked as a
 * code page in the physical map; the map calls block_cache_invalidate_page() before any write
 * to it, which retires the page's blocks (freed when no block is running) and stops the
 * running block after the writing instruction.
 */
#ifndef VIREO_CPU_BLOCK_H
#define VIREO_CPU_BLOCK_H

#include <stdint.h>

#include "cpu/exec.h"

#define BLOCK_MAX_INSNS 64

typedef struct BlockInsn {
    ExecFn exec;
    DecodedInsn d;
} BlockInsn;

/* A remembered successor: valid while neither the TLB nor the block set changed since. */
typedef struct BlockChain {
    struct Block *block;
    uint64_t rip;
    uint64_t tlb_generation;
    uint64_t retire_generation;
} BlockChain;

typedef struct Block {
    const uint8_t *hva;     /* first byte */
    uint64_t gpa;           /* guest-physical address of the first byte */
    struct Block *hash_next;
    struct Block *page_next;
    uint32_t bytes;         /* guest bytes covered */
    uint16_t ninsns;
    uint8_t mode_key;
    bool is_retired;
    bool is_chainable;      /* ends in a way that cannot change the decode mode */
    uint8_t chain_victim;   /* which of chain[] the next new successor replaces */
    BlockChain chain[2];    /* the last two successors (taken and fall-through) */
    BlockInsn insns[];
} Block;

typedef struct BlockCache BlockCache;

BlockCache *block_cache_new(CpuState *cpu);
void block_cache_free(BlockCache *bc);
/* Every block (paging-independent: blocks are physical, so only a mode-table change needs it). */
void block_cache_flush(BlockCache *bc);

/*
 * The block for the instruction at cpu->rip, decoding it if needed. Returns NULL when the
 * instruction must run uncached (it crosses a page, or executes from MMIO); then
 * block_build_single fills *scratch with that one instruction. Raises fetch faults.
 */
Block *block_find(BlockCache *bc, CpuState *cpu);
void block_build_single(CpuState *cpu, BlockInsn *scratch);

/*
 * The block to run after `b` when execution continued at cpu->rip: a remembered successor if
 * still valid, else block_find()'s answer, remembered. NULL when the loop must go through
 * block_find itself (b may end in a mode change, or the code is uncached).
 */
Block *block_next(BlockCache *bc, CpuState *cpu, Block *b);

/* Free blocks retired by invalidation; called when no block is running. */
void block_cache_collect(BlockCache *bc);

/* Blocks decoded and retired so far (tests, statistics). */
uint64_t block_cache_decoded(const BlockCache *bc);
uint64_t block_cache_retired(const BlockCache *bc);

/* Decode mode for the CPU's current state. */
DecodeMode cpu_decode_mode(const CpuState *cpu);

#endif
