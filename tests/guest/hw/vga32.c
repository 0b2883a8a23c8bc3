/*
 * tests/guest/hw/vga32.c: the PCI VGA adapter driven without a BIOS, one picture per run, chosen
 * by the multiboot command line; tests/guest/check-display.py takes a screendump of each under
 * QEMU (the reference) and vireo and compares them pixel by pixel.
 *
 *   vbe32  Bochs VBE 640x480 at 32 bpp through the linear framebuffer (BAR 0, placed by the
 *          guest as no firmware ran): color bars, gradients, a diagonal.
 *   vbe16  800x600 at 16 bpp (5:6:5), drawn with a virtual width of 1024 and shown with an X/Y
 *          offset, so the pitch and panning registers matter.
 *   vbe8   640x400 at 8 bpp through 64 KiB banks at A0000h (no LFB), a DAC palette of 256.
 *   vga13  VGA mode 13h programmed register by register (320x200, 256 colors, chain-4).
 *   vga12  VGA mode 12h (640x480, 16 colors, planar), drawn with write modes 0 and 2, set/reset,
 *          the bit mask and the map mask, and one read-modify-write through the latches.
 *
 * Sources: PCI Local Bus 3.0 §6.2.5 (BAR sizing); Bochs vbe.h (the DISPI registers); IBM VGA
 * Technical Reference (mode 13h and 12h register values, write modes, latches, DAC). The guest
 * checks the PCI identity, the BAR size and the VBE identification, prints "DISPLAY-READY" when
 * its picture is complete, and then waits to be stopped.
 */
#include "sys.h"

#define VBE_INDEX 0x1ce
#define VBE_DATA 0x1cf
#define LFB 0xe0000000u

static void vbe_set(unsigned index, uint16_t v)
{
    guest_out16(VBE_INDEX, (uint16_t)index);
    guest_out16(VBE_DATA, v);
}

static uint16_t vbe_get(unsigned index)
{
    guest_out16(VBE_INDEX, (uint16_t)index);
    return guest_in16(VBE_DATA);
}

/* Finds 1234:1111, checks its BAR 0 size, places it at LFB and enables memory decoding. */
static void setup_pci(void)
{
    unsigned dev = 256; /* devfn */
    for (unsigned d = 0; d < 32; d++) {
        if (guest_pci_read32(d << 3, 0) == 0x11111234u) {
            dev = d << 3;
            break;
        }
    }
    GUEST_CHECK("vga-found", dev < 256);
    if (dev == 256) {
        guest_exit(guest_finish_checks());
    }
    GUEST_CHECK_EQ("vga-class", guest_pci_read32(dev, 8) >> 8, 0x030000);
    guest_pci_write32(dev, 0x10, 0xffffffffu);
    GUEST_CHECK_EQ("vga-bar0-size", guest_pci_read32(dev, 0x10) & ~0xfu, ~(16u << 20) + 1);
    guest_pci_write32(dev, 0x10, LFB);
    guest_pci_write32(dev, 4, guest_pci_read32(dev, 4) | 2);
}

static void vbe_mode(unsigned w, unsigned h, unsigned bpp, uint16_t flags)
{
    vbe_set(0, 0xb0c5);
    GUEST_CHECK_EQ("vbe-id", vbe_get(0), 0xb0c5);
    GUEST_CHECK_EQ("vbe-memory-64k", vbe_get(10), 256);
    vbe_set(4, 0);
    vbe_set(1, (uint16_t)w);
    vbe_set(2, (uint16_t)h);
    vbe_set(3, (uint16_t)bpp);
    vbe_set(4, (uint16_t)(1 | flags));
    GUEST_CHECK_EQ("vbe-enabled", vbe_get(4) & 1, 1);
}

static uint32_t rgb(unsigned r, unsigned g, unsigned b)
{
    return (r & 255) << 16 | (g & 255) << 8 | (b & 255);
}

/* The picture as 24-bit colors: bars on top, gradients below, a white diagonal. */
static uint32_t pattern(unsigned x, unsigned y, unsigned w, unsigned h)
{
    static const uint32_t bars[8] = { 0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
                                      0xff00ff, 0xff0000, 0x0000ff, 0x000000 };
    if (x == y || x == y + 1) {
        return 0xffffff;
    }
    if (y < h / 2) {
        return bars[x * 8 / w];
    }
    return rgb(x * 255 / w, (y - h / 2) * 255 / (h / 2), (x + y) & 255);
}

static void draw_vbe32(void)
{
    vbe_mode(640, 480, 32, 0x40);
    volatile uint32_t *fb = (volatile uint32_t *)LFB;
    for (unsigned y = 0; y < 480; y++) {
        for (unsigned x = 0; x < 640; x++) {
            fb[y * 640 + x] = pattern(x, y, 640, 480);
        }
    }
}

static void draw_vbe16(void)
{
    vbe_mode(800, 600, 16, 0x40);
    vbe_set(6, 1024); /* virtual width */
    GUEST_CHECK_EQ("vbe-virt-width", vbe_get(6), 1024);
    vbe_set(8, 16); /* X offset */
    vbe_set(9, 8);  /* Y offset */
    volatile uint16_t *fb = (volatile uint16_t *)LFB;
    for (unsigned y = 0; y < 608; y++) {
        for (unsigned x = 0; x < 816; x++) {
            uint32_t c = pattern(x, y, 816, 608);
            fb[y * 1024 + x] =
                (uint16_t)(((c >> 19) & 31) << 11 | ((c >> 10) & 63) << 5 | ((c >> 3) & 31));
        }
    }
}

static void dac_gradient(unsigned entries)
{
    guest_out8(0x3c8, 0);
    for (unsigned i = 0; i < entries; i++) {
        guest_out8(0x3c9, (uint8_t)((i * 7) & 63));
        guest_out8(0x3c9, (uint8_t)((i >> 2) & 63));
        guest_out8(0x3c9, (uint8_t)(63 - (i & 63)));
    }
}

static void draw_vbe8(void)
{
    vbe_mode(640, 400, 8, 0);
    dac_gradient(256);
    volatile uint8_t *win = (volatile uint8_t *)0xa0000;
    unsigned bank = ~0u;
    for (unsigned y = 0; y < 400; y++) {
        for (unsigned x = 0; x < 640; x++) {
            uint32_t off = y * 640 + x;
            if (off >> 16 != bank) {
                bank = off >> 16;
                vbe_set(5, (uint16_t)bank);
            }
            win[off & 0xffff] = (uint8_t)(x / 3 + y / 2 + (x == y ? 128 : 0));
        }
    }
}

/* A VGA mode's register values: Miscellaneous Output, sequencer, CRTC, graphics and
 * attribute controllers. */
typedef struct VgaModeRegs {
    uint8_t misc;
    uint8_t seq[5], crtc[25], gc[9], ac[21];
} VgaModeRegs;

static const VgaModeRegs mode13 = {
    0x63,
    { 0x03, 0x01, 0x0f, 0x00, 0x0e },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
      0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00 },
};

static const VgaModeRegs mode12 = {
    0xe3,
    { 0x03, 0x01, 0x0f, 0x00, 0x06 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0xea, 0x0c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
      0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

static void vga_program(const VgaModeRegs *m)
{
    const uint8_t *seq = m->seq, *crtc = m->crtc, *gc = m->gc, *ac = m->ac;
    guest_out8(0x3c2, m->misc);
    for (unsigned i = 0; i < 5; i++) {
        guest_out8(0x3c4, (uint8_t)i);
        guest_out8(0x3c5, seq[i]);
    }
    guest_out8(0x3d4, 0x11); /* unlock CRTC 0-7 */
    guest_out8(0x3d5, crtc[0x11] & 0x7f);
    for (unsigned i = 0; i < 25; i++) {
        guest_out8(0x3d4, (uint8_t)i);
        guest_out8(0x3d5, i == 0x11 ? crtc[i] & 0x7f : crtc[i]);
    }
    for (unsigned i = 0; i < 9; i++) {
        guest_out8(0x3ce, (uint8_t)i);
        guest_out8(0x3cf, gc[i]);
    }
    (void)guest_in8(0x3da); /* the attribute flip-flop to "index" */
    for (unsigned i = 0; i < 21; i++) {
        guest_out8(0x3c0, (uint8_t)i);
        guest_out8(0x3c0, ac[i]);
    }
    guest_out8(0x3c0, 0x20); /* palette address source: the screen shows */
}

static void draw_vga13(void)
{
    vga_program(&mode13);
    dac_gradient(256);
    volatile uint8_t *win = (volatile uint8_t *)0xa0000;
    for (unsigned y = 0; y < 200; y++) {
        for (unsigned x = 0; x < 320; x++) {
            win[y * 320 + x] = (uint8_t)(x + y * 3 + (x == y ? 100 : 0));
        }
    }
}

static void gc_set(unsigned index, uint8_t v)
{
    guest_out8(0x3ce, (uint8_t)index);
    guest_out8(0x3cf, v);
}

/* Writes `v` to every address of a rectangle of the planar screen (80 bytes a line), after a
 * read that loads the latches when `load` says so. */
static void planar_rect(unsigned y0, unsigned y1, unsigned x0, unsigned x1, uint8_t v, bool load)
{
    volatile uint8_t *win = (volatile uint8_t *)0xa0000;
    for (unsigned y = y0; y < y1; y++) {
        for (unsigned x = x0; x < x1; x += 8) {
            if (load) {
                (void)win[y * 80 + x / 8];
            }
            win[y * 80 + x / 8] = v;
        }
    }
}

static void draw_vga12(void)
{
    vga_program(&mode12);
    dac_gradient(64);
    volatile uint8_t *win = (volatile uint8_t *)0xa0000;
    /* Video memory holds whatever it held: clear the four planes (write mode 0, map mask 0Fh). */
    for (unsigned i = 0; i < 0x10000; i++) {
        win[i] = 0;
    }
    /* Write mode 2: each CPU byte's low nibble is a color, the bit mask picks pixels. */
    gc_set(5, 0x02);
    for (unsigned y = 0; y < 480; y++) {
        for (unsigned x = 0; x < 640; x += 8) {
            unsigned color = (x / 40 + y / 30) & 15;
            gc_set(8, (uint8_t)(y & 1 ? 0xff : 0xaa));
            (void)win[y * 80 + x / 8]; /* load the latches */
            win[y * 80 + x / 8] = (uint8_t)color;
        }
    }
    /* Write mode 0 with set/reset on planes 0 and 2 and a rotate of 0, bit mask 0x0f. */
    gc_set(5, 0x00);
    gc_set(0, 0x05);
    gc_set(1, 0x05);
    gc_set(8, 0x0f);
    planar_rect(100, 200, 100, 300, 0xff, true);
    /* Map mask: plane 3 only, plain CPU data (no set/reset), full bit mask. */
    gc_set(1, 0x00);
    gc_set(8, 0xff);
    guest_out8(0x3c4, 2);
    guest_out8(0x3c5, 0x08);
    for (unsigned y = 300; y < 400; y++) {
        for (unsigned x = 320; x < 560; x += 8) {
            win[y * 80 + x / 8] = (uint8_t)(0x81 | (y << 1));
        }
    }
    /* XOR through the latches: function select 3. */
    guest_out8(0x3c5, 0x0f);
    gc_set(3, 0x18);
    planar_rect(250, 350, 200, 440, 0xf0, true);
    gc_set(3, 0x00);
}

static bool word_is(const char *cmdline, const char *word)
{
    for (const char *p = cmdline; *p; p++) {
        const char *a = p, *b = word;
        while (*b && *a == *b) {
            a++;
            b++;
        }
        if (!*b && (*a == 0 || *a == ' ') && (p == cmdline || p[-1] == ' ')) {
            return true;
        }
    }
    return false;
}

int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
{
    (void)mb_magic;
    const MultibootInfo *mbi = (const MultibootInfo *)(uintptr_t)mb_info_gpa;
    const char *cmdline = (mbi->flags & 4) ? (const char *)(uintptr_t)mbi->cmdline_gpa : "";
    setup_pci();
    if (word_is(cmdline, "vbe32")) {
        draw_vbe32();
    } else if (word_is(cmdline, "vbe16")) {
        draw_vbe16();
    } else if (word_is(cmdline, "vbe8")) {
        draw_vbe8();
    } else if (word_is(cmdline, "vga13")) {
        draw_vga13();
    } else if (word_is(cmdline, "vga12")) {
        draw_vga12();
    } else {
        guest_fail("picture", "no picture named on the command line '%s'", cmdline);
    }
    guest_finish_checks();
    guest_puts("DISPLAY-READY\n");
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
