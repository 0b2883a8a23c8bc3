/*
 * tests/guest/samples/c32_runtime.c: a 32-bit C guest that checks what the multiboot loader
 * hands over and what the runtime prints.
 *
 * Loader handoff per Multiboot Specification 0.6.96: EAX magic (§3.2), boot information with
 * memory sizes and command line (§3.3), segments loaded from the ELF program headers with .data
 * from the file and .bss zeroed (§3.1.3 via the ELF format). The printf lines are compared with
 * hand-written text in c32_runtime.expect, so printf-lite is checked against a human, not
 * against itself; they include 64-bit decimal values, which on i386 take the runtime's
 * libgcc-free division path.
 *
 * The word "guest-fail-on-purpose" on the command line adds a failing check; the test runner's
 * own tests use it to prove that a FAIL line fails a run (tests/guest/CMakeLists.txt).
 */
#include "guest.h"

static volatile uint32_t initialized_word = 0x12345678;
static volatile uint8_t zeroed_bytes[8192];

static bool has_word(const char *text, const char *word)
{
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

static bool is_bss_zero(void)
{
    for (size_t i = 0; i < sizeof(zeroed_bytes); i++) {
        if (zeroed_bytes[i]) {
            return false;
        }
    }
    return true;
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    const MultibootInfo *info = (const MultibootInfo *)(uintptr_t)mb_info_gpa;

    guest_printf("mode: 32-bit protected, sizeof(void *) = %u\n", (unsigned)sizeof(void *));
    GUEST_CHECK_EQ("multiboot-magic", mb_magic, MULTIBOOT_BOOT_MAGIC);
    GUEST_CHECK("multiboot-memory-info", info->flags & MULTIBOOT_INFO_MEMORY);
    /* Both QEMU and vireo default to 128 MiB; any test machine has more than 16 MiB. */
    GUEST_CHECK("multiboot-mem-upper", info->mem_upper_kib >= 16 * 1024);
    GUEST_CHECK("multiboot-cmdline", info->flags & MULTIBOOT_INFO_CMDLINE);
    GUEST_CHECK_EQ("elf-data-loaded", initialized_word, 0x12345678);
    GUEST_CHECK("elf-bss-zeroed", is_bss_zero());

    guest_printf("printf: %d %i %u %x %c %s %%\n", -42, 7, 4294967295u, 0xbeefu, 'x', "str");
    guest_printf("printf: [%5d] [%05d] [%08x] [%3s] [%2u]\n", 42, -42, 0xabcu, "ab", 12345u);
    guest_printf("printf: %llu %lld %llx\n", 18446744073709551615ull,
                 (long long)(-9223372036854775807ll - 1), 0x123456789abcdefull);
    guest_printf("printf: %lu %zu %p\n", 123456789ul, sizeof(MultibootInfo),
                 (void *)(uintptr_t)0x100000);

    const char *cmdline =
        info->flags & MULTIBOOT_INFO_CMDLINE ? (const char *)(uintptr_t)info->cmdline_gpa : "";
    if (has_word(cmdline, "guest-fail-on-purpose")) {
        GUEST_CHECK("fail-on-purpose", false);
    }
    return guest_finish_checks();
}
