/*
 * tests/guest/debug/c64_monitor.c: a 64-bit guest with page mappings whose every property the
 * monitor test (check-monitor.py) knows from this source, then halted for ever with interrupts
 * off, so the monitor can look at it.
 *
 * On top of rt/entry64.asm's identity map (first 4 GiB, 2 MiB pages, supervisor, writable,
 * executable: PML4[0]), PML4[1] gets a hierarchy of its own, every level user-accessible and
 * writable (SDM Vol. 3A §4.5, Table 4-15 onwards), with EFER.NXE on (§4.6):
 *   0x8000000000: probe page, user, writable            -> "urwx"
 *   0x8000001000: probe page again, user, read-only     -> "ur-x"
 *   0x8000002000: probe page again, user, writable, XD  -> "urw-"
 *   0x8000003000: not present
 * The probe page starts with the text PROBE_TEXT. The guest prints "MONITOR-READY pa=0x..."
 * (the probe page's physical address) on the debug console and halts.
 */
#include "guest.h"
#include "sys.h"

#define MSR_EFER 0xc0000080u
#define EFER_NXE (1u << 11)
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_XD (1ull << 63)
#define PROBE_TEXT "VIREO-MONITOR-PROBE"

static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static char probe[4096] __attribute__((aligned(4096)));

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    (void)mb_info_gpa;
    for (unsigned i = 0; i < sizeof(PROBE_TEXT); i++) {
        probe[i] = PROBE_TEXT[i];
    }
    uint64_t pa = (uintptr_t)probe;
    pt[0] = pa | PTE_P | PTE_RW | PTE_US;
    pt[1] = pa | PTE_P | PTE_US;
    pt[2] = pa | PTE_P | PTE_RW | PTE_US | PTE_XD;
    pd[0] = (uintptr_t)pt | PTE_P | PTE_RW | PTE_US;
    pdpt[0] = (uintptr_t)pd | PTE_P | PTE_RW | PTE_US;
    guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_NXE);
    uint64_t *pml4 = (uint64_t *)(guest_read_cr3() & ~0xfffull);
    pml4[1] = (uintptr_t)pdpt | PTE_P | PTE_RW | PTE_US;
    guest_write_cr3(guest_read_cr3());
    GUEST_CHECK_EQ("probe-through-new-mapping",
                   *(volatile char *)(uintptr_t)0x8000001000ull, 'V');
    guest_printf("MONITOR-READY pa=0x%llx\n", (unsigned long long)pa);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
