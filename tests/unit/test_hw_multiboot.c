/*
 * Tests of hw/fw/multiboot.c against images built here byte by byte from the Multiboot 0.6.96
 * specification (§3.1 header, §3.3 boot information), and hostile variants of them.
 */
#include "check.h"
#include "hw/fw/multiboot.h"
#include "util/endian.h"

#define RAM_SIZE (8u << 20)

static PhysMap *new_map(void)
{
    PhysMap *m = phys_map_new(36);
    CHECK(m != NULL);
    CHECK(phys_map_add_ram(m, "ram", 0, RAM_SIZE, NULL, 0) != NULL);
    return m;
}

/* An a.out-kludge image: header at 0, loaded at 1 MiB, 16 bytes of code, 4 KiB of bss. */
static size_t build_kludge(uint8_t *img)
{
    memset(img, 0, 64);
    uint32_t flags = 1u << 16 | 1u << 1;
    st_le32(img, MULTIBOOT_HEADER_MAGIC);
    st_le32(img + 4, flags);
    st_le32(img + 8, (uint32_t)(0u - MULTIBOOT_HEADER_MAGIC - flags));
    st_le32(img + 12, 0x100000);       /* header_addr */
    st_le32(img + 16, 0x100000);       /* load_addr */
    st_le32(img + 20, 0x100000 + 48);  /* load_end_addr */
    st_le32(img + 24, 0x101000 + 48);  /* bss_end_addr */
    st_le32(img + 28, 0x100020);       /* entry */
    memset(img + 32, 0x90, 16);
    return 48;
}

/* A minimal ELF32 with the header in its one PT_LOAD segment at 2 MiB. */
static size_t build_elf(uint8_t *img)
{
    memset(img, 0, 256);
    memcpy(img, "\177ELF", 4);
    img[4] = 1; /* ELFCLASS32 */
    img[5] = 1; /* little-endian */
    img[6] = 1;
    st_le16(img + 16, 2);          /* ET_EXEC */
    st_le16(img + 18, 3);          /* EM_386 */
    st_le32(img + 24, 0x200080);   /* e_entry */
    st_le32(img + 28, 52);         /* e_phoff */
    st_le16(img + 42, 32);         /* e_phentsize */
    st_le16(img + 44, 1);          /* e_phnum */
    uint8_t *ph = img + 52;
    st_le32(ph, 1);                /* PT_LOAD */
    st_le32(ph + 4, 0);            /* p_offset */
    st_le32(ph + 8, 0x200000);     /* p_vaddr */
    st_le32(ph + 12, 0x200000);    /* p_paddr */
    st_le32(ph + 16, 256);         /* p_filesz */
    st_le32(ph + 20, 0x2000);      /* p_memsz */
    uint8_t *h = img + 96;
    st_le32(h, MULTIBOOT_HEADER_MAGIC);
    st_le32(h + 4, 0);
    st_le32(h + 8, 0u - MULTIBOOT_HEADER_MAGIC);
    img[0x80] = 0xf4;
    return 256;
}

static void test_multiboot_kludge_load(void)
{
    uint8_t img[64];
    size_t n = build_kludge(img);
    PhysMap *m = new_map();
    phys_write(m, 0x100000 + 48, "XXXX", 4); /* bss must be zeroed */
    MultibootEntry e;
    Error err;
    CHECK(multiboot_detect(img, n));
    CHECK_EQ(multiboot_load(m, img, n, RAM_SIZE, 0, "k", "a b", &e, &err), 0);
    CHECK_EQ(e.entry, 0x100020);
    CHECK_EQ(e.eax, 0x2badb002);
    CHECK_EQ(phys_ld8(m, 0x100020), 0x90);
    CHECK_EQ(phys_ld32(m, 0x100000), MULTIBOOT_HEADER_MAGIC);
    CHECK_EQ(phys_ld32(m, 0x100000 + 48), 0);
    /* Boot information: flags with memory (0), cmdline (2), mmap (6), loader name (9). */
    uint32_t info = e.ebx;
    CHECK_EQ(phys_ld32(m, info) & 0x245, 0x245);
    CHECK_EQ(phys_ld32(m, info + 4), 640);
    CHECK_EQ(phys_ld32(m, info + 8), (RAM_SIZE - 0x100000) >> 10);
    char cmd[8] = { 0 };
    phys_read(m, phys_ld32(m, info + 16), cmd, 4);
    CHECK_STR_EQ(cmd, "k a ");
    uint32_t mmap_len = phys_ld32(m, info + 44), mmap = phys_ld32(m, info + 48);
    CHECK_EQ(mmap_len % 24, 0);
    /* The last entry is the RAM above 1 MiB, type 1. */
    uint32_t last = mmap + mmap_len - 24;
    CHECK_EQ(phys_ld64(m, last + 4), 0x100000);
    CHECK_EQ(phys_ld64(m, last + 12), RAM_SIZE - 0x100000);
    CHECK_EQ(phys_ld32(m, last + 20), 1);
    phys_map_free(m);
}

static void test_multiboot_elf_load(void)
{
    uint8_t img[256];
    size_t n = build_elf(img);
    PhysMap *m = new_map();
    MultibootEntry e;
    Error err;
    CHECK_EQ(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err), 0);
    CHECK_EQ(e.entry, 0x200080);
    CHECK_EQ(phys_ld8(m, 0x200080), 0xf4);
    CHECK_EQ(phys_ld32(m, 0x200000 + 0x1ff0), 0);
    phys_map_free(m);
}

static void test_multiboot_rejects_bad_images(void)
{
    uint8_t img[256];
    PhysMap *m = new_map();
    MultibootEntry e;
    Error err;

    size_t n = build_kludge(img);
    img[8] ^= 1; /* checksum */
    CHECK(!multiboot_detect(img, n));
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    CHECK(strstr(err.msg, "no multiboot header") != NULL);

    n = build_kludge(img);
    st_le32(img + 20, 0x100000 + 4096); /* load end beyond the file */
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    CHECK(strstr(err.msg, "beyond the end of the file") != NULL);

    n = build_kludge(img);
    st_le32(img + 24, 0xf0000000u); /* bss beyond RAM */
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    CHECK(strstr(err.msg, "does not fit") != NULL);

    n = build_elf(img);
    st_le32(img + 52 + 12, RAM_SIZE - 16); /* segment crossing the end of RAM */
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    CHECK(strstr(err.msg, "does not fit") != NULL);

    n = build_elf(img);
    st_le16(img + 18, 62); /* EM_X86_64 */
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    CHECK(strstr(err.msg, "not i386") != NULL);

    n = build_elf(img);
    st_le16(img + 44, 0xffff); /* program headers past the end */
    CHECK(multiboot_load(m, img, n, RAM_SIZE, 0, "k", NULL, &e, &err) < 0);
    phys_map_free(m);
}

/*
 * Seeded mutations of valid images under ASan: no crash, no access outside the image or RAM;
 * both outcomes must occur, or the mutations were not exercising the checks.
 */
static void test_multiboot_mutation_storm(void)
{
    uint64_t rng = 12345;
    unsigned loaded = 0, refused = 0;
    PhysMap *m = new_map();
    for (int round = 0; round < 20000; round++) {
        uint8_t img[256];
        size_t n = (round & 1) ? build_elf(img) : build_kludge(img);
        for (int k = 0; k < 2; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            img[(rng >> 33) % n] = (uint8_t)(rng >> 13);
        }
        MultibootEntry e;
        Error err;
        size_t size = ((rng >> 50) & 3) == 0 ? (rng >> 40) % (n + 1) : n;
        if (multiboot_load(m, img, size, RAM_SIZE, 0, "k", "x", &e, &err) == 0) {
            loaded++;
        } else {
            refused++;
        }
    }
    phys_map_free(m);
    CHECK(loaded > 100);
    CHECK(refused > 100);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_multiboot_kludge_load),
    CHECK_TEST(test_multiboot_elf_load),
    CHECK_TEST(test_multiboot_rejects_bad_images),
    CHECK_TEST(test_multiboot_mutation_storm),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
