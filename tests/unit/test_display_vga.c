/*
 * tests/unit/test_display_vga.c: the VGA adapter from the bus side: its PCI identity and BARs
 * (PCI Local Bus 3.0 §6.2.5), the VGA registers' rules (IBM VGA Technical Reference: CRTC port
 * selection by the Miscellaneous Output register, CR11 write protection, the attribute flip-flop
 * reset by reading Input Status 1, the DAC's auto-incrementing indexes and 6-bit entries), the
 * write modes 0-3 with set/reset, rotate, function select, bit mask and latches, read mode 1's
 * color compare, chain-4 and odd/even addressing, the Bochs VBE registers (identification,
 * GETCAPS, refused modes, banks), rendering of a text cell and a VBE pixel, PNG output read back
 * through zlib, hostile register and memory traffic, and the state round trip.
 *
 * Expected values come from those definitions, worked by hand in the comments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "display/png.h"
#include "display/vga.h"
#include "snapshot/state.h"
#include "util/endian.h"

#define LFB 0xe0000000ull

static PhysMap *map;
static PortSpace *ports;
static PciBus bus;
static VirtualClock clk;
static VgaState vga;
static DisplaySurface surf;

static void setup(void)
{
    static const uint8_t rom[512] = { 0x55, 0xaa, 1 };
    map = phys_map_new(36);
    ports = port_space_new();
    memset(&bus, 0, sizeof(bus));
    CHECK_EQ(pci_bus_init(&bus, ports), 0);
    clock_init(&clk, CLOCK_ICOUNT, 0);
    CHECK_EQ(vga_init(&vga, &bus, ports, map, &clk, rom, sizeof(rom)), 0);
}

static void teardown(void)
{
    surface_free(&surf);
    phys_map_free(map);
    port_space_free(ports);
}

static uint32_t cfg_read(unsigned reg, unsigned size)
{
    return pci_config_read(&bus, VGA_DEVFN, reg, size);
}

static void cfg_write(unsigned reg, uint32_t v, unsigned size)
{
    pci_config_write(&bus, VGA_DEVFN, reg, v, size);
}

static void out8(uint16_t port, uint8_t v)
{
    port_write(ports, port, v, 1);
}

static uint8_t in8(uint16_t port)
{
    return (uint8_t)port_read(ports, port, 1);
}

static void indexed(uint16_t port, uint8_t index, uint8_t v)
{
    out8(port, index);
    out8(port + 1, v);
}

static void vbe(unsigned index, uint16_t v)
{
    port_write(ports, VBE_DISPI_IOPORT_INDEX, index, 2);
    port_write(ports, VBE_DISPI_IOPORT_DATA, v, 2);
}

static uint16_t vbe_get(unsigned index)
{
    port_write(ports, VBE_DISPI_IOPORT_INDEX, index, 2);
    return (uint16_t)port_read(ports, VBE_DISPI_IOPORT_DATA, 2);
}

static void test_display_vga_pci_identity_and_bars(void)
{
    setup();
    CHECK_EQ(cfg_read(PCI_VENDOR_ID, 4), 0x11111234u);
    CHECK_EQ(cfg_read(PCI_REVISION_ID, 4) >> 8, 0x030000u);
    cfg_write(PCI_BAR0, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(PCI_BAR0, 4), 0xff000008u); /* 16 MiB, prefetchable */
    cfg_write(PCI_BAR0 + 8, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(PCI_BAR0 + 8, 4), 0xfffff000u); /* BAR 2: 4 KiB of registers */
    cfg_write(PCI_ROM_ADDRESS, 0xfffffffeu, 4);
    CHECK_EQ(cfg_read(PCI_ROM_ADDRESS, 4), 0xffff0000u);
    /* Placed and enabled, the BARs decode: video memory, the ROM image, the registers. */
    cfg_write(PCI_BAR0, (uint32_t)LFB, 4);
    cfg_write(PCI_BAR0 + 8, 0xfebf0000u, 4);
    cfg_write(PCI_ROM_ADDRESS, 0xfeb00001u, 4);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    phys_st32(map, LFB + 0x123450, 0xcafef00d);
    CHECK_EQ(ld_le32(vga.vram + 0x123450), 0xcafef00du);
    CHECK_EQ(phys_ld16(map, 0xfeb00000u), 0xaa55);
    phys_st16(map, 0xfebf0000u + 0x500 + 2 * VBE_DISPI_INDEX_XRES, 1024);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_XRES), 1024);
    phys_st8(map, 0xfebf0000u + 0x400 + 6, 0x3c); /* 3C6h, the DAC mask */
    CHECK_EQ(in8(0x3c6), 0x3c);
    cfg_write(PCI_COMMAND, 0, 2);
    CHECK_EQ(phys_ld32(map, LFB + 0x123450), 0xffffffffu); /* decoding off: nothing there */
    teardown();
}

static void test_display_vga_register_rules(void)
{
    setup();
    /* Miscellaneous Output bit 0 moves the CRTC between 3Bxh and 3Dxh. */
    out8(0x3c2, 0x01);
    indexed(0x3d4, 0x0c, 0x12);
    CHECK_EQ(in8(0x3d5), 0x12);
    CHECK_EQ(in8(0x3b5), 0xff);
    out8(0x3c2, 0x00);
    indexed(0x3b4, 0x0c, 0x34);
    CHECK_EQ(in8(0x3b5), 0x34);
    out8(0x3c2, 0x01);
    /* CR11 bit 7 protects CR0-CR7, except CR7 bit 4. */
    indexed(0x3d4, 0x01, 0x4f);
    indexed(0x3d4, 0x07, 0x00);
    indexed(0x3d4, 0x11, 0x80);
    indexed(0x3d4, 0x01, 0x27);
    indexed(0x3d4, 0x07, 0xff);
    out8(0x3d4, 0x01);
    CHECK_EQ(in8(0x3d5), 0x4f);
    out8(0x3d4, 0x07);
    CHECK_EQ(in8(0x3d5), 0x10);
    indexed(0x3d4, 0x0a, 0x0d); /* CR8 and above stay writable */
    CHECK_EQ(in8(0x3d5), 0x0d);
    /* The attribute controller: index, data, index...; reading 3DAh returns it to index. */
    (void)in8(0x3da);
    out8(0x3c0, 0x12);
    out8(0x3c0, 0x0f);
    out8(0x3c0, 0x05);
    (void)in8(0x3da);
    out8(0x3c0, 0x06);
    out8(0x3c0, 0x2a);
    CHECK_EQ(vga.ar[0x12], 0x0f);
    CHECK_EQ(vga.ar[0x05], 0x00); /* 05h was an index write, not data */
    CHECK_EQ(vga.ar[0x06], 0x2a);
    CHECK_EQ(in8(0x3c0), 0x06);
    /* The DAC: write index, three 6-bit components, auto-increment; the read index apart. */
    out8(0x3c8, 0x10);
    for (unsigned i = 0; i < 6; i++) {
        out8(0x3c9, (uint8_t)(0xc0 | i));
    }
    CHECK_EQ(in8(0x3c8), 0x12);
    out8(0x3c7, 0x11);
    CHECK_EQ(in8(0x3c7), 3);
    CHECK_EQ(in8(0x3c9), 3);
    CHECK_EQ(in8(0x3c9), 4);
    CHECK_EQ(in8(0x3c9), 5);
    out8(0x3c7, 0x10);
    CHECK_EQ(in8(0x3c9), 0);
    /* Sequencer and graphics registers keep only their defined bits. */
    indexed(0x3c4, 0x04, 0xff);
    CHECK_EQ(in8(0x3c5), 0x0e);
    indexed(0x3ce, 0x05, 0xff);
    CHECK_EQ(in8(0x3cf), 0x7b);
    teardown();
}

/* Planes 0-3 at plane address a. */
static uint32_t planes_at(uint32_t a)
{
    return ld_le32(vga.vram + 4 * a);
}

static void planar_setup(void)
{
    indexed(0x3c4, 0x04, 0x06); /* planar: no chain-4, no odd/even */
    indexed(0x3c4, 0x02, 0x0f);
    indexed(0x3ce, 0x06, 0x05); /* graphics, A0000h 64 KiB */
    indexed(0x3ce, 0x08, 0xff);
}

static void test_display_vga_write_and_read_modes(void)
{
    setup();
    planar_setup();
    /* Mode 0 with set/reset 0101b enabled on all planes: planes 0 and 2 all ones. */
    indexed(0x3ce, 0x00, 0x05);
    indexed(0x3ce, 0x01, 0x0f);
    phys_st8(map, 0xa0000, 0x00);
    CHECK_EQ(planes_at(0), 0x00ff00ffu);
    /* Mode 0, no set/reset, rotate right 4: 12h is written as 21h to every plane. */
    indexed(0x3ce, 0x01, 0x00);
    indexed(0x3ce, 0x03, 0x04);
    phys_st8(map, 0xa0001, 0x12);
    CHECK_EQ(planes_at(1), 0x21212121u);
    indexed(0x3ce, 0x03, 0x00);
    /* The bit mask keeps the latched bits: latch AAh, mask 0Fh, data FFh -> AFh. */
    phys_st8(map, 0xa0002, 0xaa);
    (void)phys_ld8(map, 0xa0002);
    indexed(0x3ce, 0x08, 0x0f);
    phys_st8(map, 0xa0002, 0xff);
    CHECK_EQ(planes_at(2), 0xafafafafu);
    indexed(0x3ce, 0x08, 0xff);
    /* Function select AND: latch AAh AND data 0Fh -> 0Ah. */
    phys_st8(map, 0xa0003, 0xaa);
    (void)phys_ld8(map, 0xa0003);
    indexed(0x3ce, 0x03, 0x08);
    phys_st8(map, 0xa0003, 0x0f);
    CHECK_EQ(planes_at(3), 0x0a0a0a0au);
    indexed(0x3ce, 0x03, 0x00);
    /* Mode 1 copies the latches: address 1 (21h x 4) to address 4. */
    indexed(0x3ce, 0x05, 0x01);
    (void)phys_ld8(map, 0xa0001);
    phys_st8(map, 0xa0004, 0x77);
    CHECK_EQ(planes_at(4), 0x21212121u);
    /* Mode 2: color 5 (planes 0 and 2), bit mask F0h over a latch of 0. */
    indexed(0x3ce, 0x05, 0x02);
    (void)phys_ld8(map, 0xa0010);
    indexed(0x3ce, 0x08, 0xf0);
    phys_st8(map, 0xa0010, 0x05);
    CHECK_EQ(planes_at(0x10), 0x00f000f0u);
    /* Mode 3: the rotated data ANDed with the bit mask is the mask for the set/reset color
     * 1010b: planes 1 and 3 get 3Ch. */
    indexed(0x3ce, 0x05, 0x03);
    indexed(0x3ce, 0x08, 0xff);
    indexed(0x3ce, 0x00, 0x0a);
    (void)phys_ld8(map, 0xa0011);
    phys_st8(map, 0xa0011, 0x3c);
    CHECK_EQ(planes_at(0x11), 0x3c003c00u);
    /* Map mask: only plane 2 is written. */
    indexed(0x3ce, 0x05, 0x00);
    indexed(0x3ce, 0x01, 0x00);
    indexed(0x3c4, 0x02, 0x04);
    phys_st8(map, 0xa0012, 0x99);
    CHECK_EQ(planes_at(0x12), 0x00990000u);
    indexed(0x3c4, 0x02, 0x0f);
    /* Read mode 0 returns the plane GR4 selects. */
    st_le32(vga.vram + 4 * 0x20, 0x00aaccf0u);
    indexed(0x3ce, 0x04, 0x01);
    CHECK_EQ(phys_ld8(map, 0xa0020), 0xcc);
    /* Read mode 1: color 0011b against planes F0h, CCh, AAh, 00h: 1 where p0 & p1 & ~p2 & ~p3,
     * F0h & CCh & 55h = 40h. With GR7 = 0 every pixel matches: FFh. */
    indexed(0x3ce, 0x05, 0x08);
    indexed(0x3ce, 0x02, 0x03);
    indexed(0x3ce, 0x07, 0x0f);
    CHECK_EQ(phys_ld8(map, 0xa0020), 0x40);
    indexed(0x3ce, 0x07, 0x00);
    CHECK_EQ(phys_ld8(map, 0xa0020), 0xff);
    /* Chain-4: byte n is plane n & 3 of address n >> 2, video memory byte n. */
    indexed(0x3c4, 0x04, 0x0e);
    phys_st8(map, 0xa0105, 0x5a);
    CHECK_EQ(vga.vram[0x105], 0x5a);
    CHECK_EQ(phys_ld8(map, 0xa0105), 0x5a);
    /* Odd/even (text modes at B8000h): even bytes to plane 0, odd to plane 1. */
    indexed(0x3c4, 0x04, 0x02);
    indexed(0x3ce, 0x05, 0x10);
    indexed(0x3ce, 0x06, 0x0e);
    indexed(0x3ce, 0x04, 0x00);
    phys_st16(map, 0xb8002, 0x1f41);
    CHECK_EQ(vga.vram[4], 0x41);
    CHECK_EQ(vga.vram[5], 0x1f);
    CHECK_EQ(phys_ld16(map, 0xb8002), 0x1f41);
    CHECK_EQ(phys_ld8(map, 0xa0000), 0xff); /* outside the B8000h map */
    teardown();
}

/* 80x25 text, 9-dot characters 16 lines high, identity palette, DAC 1 = blue, 15 = white. */
static void text_mode(void)
{
    out8(0x3c2, 0x67);
    indexed(0x3c4, 0x01, 0x00);
    indexed(0x3c4, 0x03, 0x00);
    indexed(0x3c4, 0x04, 0x02);
    indexed(0x3ce, 0x05, 0x10);
    indexed(0x3ce, 0x06, 0x0e);
    static const uint8_t crtc[][2] = { { 0x01, 0x4f }, { 0x07, 0x1f }, { 0x09, 0x4f },
                                       { 0x0a, 0x20 }, { 0x12, 0x8f }, { 0x13, 0x28 } };
    for (size_t i = 0; i < sizeof(crtc) / sizeof(crtc[0]); i++) {
        indexed(0x3d4, crtc[i][0], crtc[i][1]);
    }
    (void)in8(0x3da);
    for (unsigned i = 0; i < 16; i++) {
        out8(0x3c0, (uint8_t)i);
        out8(0x3c0, (uint8_t)i);
    }
    out8(0x3c0, 0x10);
    out8(0x3c0, 0x0c); /* line graphics and blink enabled */
    out8(0x3c0, 0x12);
    out8(0x3c0, 0x0f);
    out8(0x3c0, 0x20);
    out8(0x3c8, 1);
    out8(0x3c9, 0);
    out8(0x3c9, 0);
    out8(0x3c9, 42);
    out8(0x3c8, 15);
    for (int i = 0; i < 3; i++) {
        out8(0x3c9, 63);
    }
}

static void test_display_vga_text_render(void)
{
    setup();
    text_mode();
    /* Glyph rows of 'A' (41h) and of C4h (a line-graphics character) in plane 2: 81h. */
    for (unsigned line = 0; line < 16; line++) {
        vga.vram[4 * (0x41 * 32 + line) + 2] = 0x81;
        vga.vram[4 * (0xc4 * 32 + line) + 2] = 0x81;
    }
    vga.vram[0] = 0x41; /* cell 0: 'A', white on blue */
    vga.vram[1] = 0x1f;
    vga.vram[4] = 0xc4; /* cell 1: C4h, white on blue */
    vga.vram[5] = 0x1f;
    vga.is_vram_written = true;
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.width, 720);
    CHECK_EQ(surf.height, 400);
    uint32_t white = 0xffffff, blue = 0x0000aa; /* 42 -> 42 << 2 | 42 >> 4 = 170 */
    CHECK_EQ(surf.pixels[0], white);
    CHECK_EQ(surf.pixels[1], blue);
    CHECK_EQ(surf.pixels[7], white);
    CHECK_EQ(surf.pixels[8], blue);  /* the 9th column of an ordinary character */
    CHECK_EQ(surf.pixels[9 + 7], white);
    CHECK_EQ(surf.pixels[9 + 8], white); /* C0h-DFh repeat the 8th column */
    CHECK_EQ(surf.pixels[15 * 720 + 9 + 8], white);
    CHECK(!vga_render(&vga, &surf)); /* nothing changed */
    /* The cursor (CR0A bit 5 clear): lines 14-15 of cell 2 in the foreground of its attribute
     * while the blink phase is on (time 0). */
    vga.vram[8] = ' ';
    vga.vram[9] = 0x1f;
    indexed(0x3d4, 0x0a, 14);
    indexed(0x3d4, 0x0b, 15);
    indexed(0x3d4, 0x0e, 0);
    indexed(0x3d4, 0x0f, 2);
    vga.is_vram_written = true;
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.pixels[14 * 720 + 18], white);
    CHECK_EQ(surf.pixels[15 * 720 + 26], white);
    CHECK_EQ(surf.pixels[13 * 720 + 18], blue);
    indexed(0x3d4, 0x0a, 0x20 | 14); /* cursor off */
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.pixels[14 * 720 + 18], blue);
    /* Blinking: with the blink attribute the foreground shows only half the time. */
    vga.vram[1] = 0x9f;
    vga.is_vram_written = true;
    vga_render(&vga, &surf);
    CHECK_EQ(surf.pixels[0], white); /* time 0: the blink phase is on */
    clock_set_ns(&clk, 16 * VGA_FRAME_NS + 1);
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.pixels[0], blue);
    /* The screen off (SR1 bit 5) shows black. */
    indexed(0x3c4, 0x01, 0x20);
    vga_render(&vga, &surf);
    CHECK_EQ(surf.pixels[0], 0u);
    teardown();
}

static void test_display_vbe_registers(void)
{
    setup();
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(VBE_DISPI_INDEX_ID, 0x1234); /* not an interface version: ignored */
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(VBE_DISPI_INDEX_ID, VBE_DISPI_ID0);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ID), VBE_DISPI_ID0);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_VIDEO_MEMORY_64K), 256);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_XRES), VBE_DISPI_MAX_XRES);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_BPP), VBE_DISPI_MAX_BPP);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    /* Refused: width not a multiple of 8, a depth VBE lacks, beyond the maxima, empty. */
    static const uint16_t bad[][3] = { { 641, 480, 32 }, { 640, 480, 7 }, { 2560, 1601, 32 },
                                       { 2568, 480, 8 }, { 0, 480, 8 } };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vbe(VBE_DISPI_INDEX_XRES, bad[i][0]);
        vbe(VBE_DISPI_INDEX_YRES, bad[i][1]);
        vbe(VBE_DISPI_INDEX_BPP, bad[i][2]);
        vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
        CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ENABLE) & VBE_DISPI_ENABLED, 0);
    }
    vbe(VBE_DISPI_INDEX_XRES, 64);
    vbe(VBE_DISPI_INDEX_YRES, 48);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    memset(vga.vram, 0x77, 4096);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ENABLE) & VBE_DISPI_ENABLED, 1);
    CHECK_EQ(vga.vram[0], 0); /* cleared without NOCLEARMEM */
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_VIRT_WIDTH), 64);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_VIRT_HEIGHT), 0xffff); /* 16 MiB / 256 bytes, capped */
    vbe(VBE_DISPI_INDEX_XRES, 800); /* the mode is fixed while enabled */
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_XRES), 64);
    /* A pixel through the banked window at A0000h: bank 1, offset 4 = byte 65540. */
    vbe(VBE_DISPI_INDEX_BANK, 1);
    phys_st32(map, 0xa0004, 0x00123456);
    CHECK_EQ(ld_le32(vga.vram + 0x10004), 0x00123456u);
    vbe(VBE_DISPI_INDEX_BANK, 0x100); /* past video memory: kept at 1 */
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_BANK), 1);
    /* Rendered: pixel (1, 256) is byte 65540 = (65540 / 4) = row 256 col 1 of a 64-wide mode:
     * beyond 48 rows; pixel (1, 0) instead. */
    st_le32(vga.vram + 4, 0x00abcdef);
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.width, 64);
    CHECK_EQ(surf.height, 48);
    CHECK_EQ(surf.pixels[1], 0xabcdefu);
    /* Through the linear framebuffer the dirty log says what changed: a write shows at the next
     * render, and without one nothing is redrawn. */
    cfg_write(PCI_BAR0, (uint32_t)LFB, 4);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    vga_render(&vga, &surf);
    CHECK(!vga_render(&vga, &surf));
    phys_st32(map, LFB + 4 * (64 * 47 + 63), 0x00fedcba); /* the last pixel */
    CHECK(vga_render(&vga, &surf));
    CHECK_EQ(surf.pixels[64 * 47 + 63], 0xfedcbau);
    CHECK(!vga_render(&vga, &surf));
    /* Panning far beyond video memory: black, no read outside it. */
    vbe(VBE_DISPI_INDEX_Y_OFFSET, 0xffff);
    vbe(VBE_DISPI_INDEX_X_OFFSET, 0xffff);
    vga_render(&vga, &surf);
    CHECK_EQ(surf.pixels[0], 0u);
    teardown();
}

/* What a direct boot leaves: BAR 0 placed and decoding, the VBE mode on the linear framebuffer. */
static void test_display_vga_boot_linear_mode(void)
{
    setup();
    CHECK_EQ(vga_boot_linear_mode(&vga, (uint32_t)LFB, 1024, 768), 4096);
    CHECK_EQ(cfg_read(PCI_BAR0, 4), (uint32_t)LFB | 0x8);
    CHECK(cfg_read(PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_ENABLE), VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    CHECK_EQ(vbe_get(VBE_DISPI_INDEX_BPP), 32);
    phys_st32(map, LFB + 4096 * 767 + 4 * 1023, 0x00445566);
    CHECK(vga_render(&vga, &surf));
    CHECK(surf.width == 1024 && surf.height == 768);
    CHECK_EQ(surf.pixels[1024 * 767 + 1023], 0x445566u);
    CHECK_EQ(vga_boot_linear_mode(&vga, (uint32_t)LFB, 1023, 768), 0); /* not a multiple of 8 */
    teardown();
}

/* Random writes to every register and the window, renders in between: nothing may read or
 * write outside the device's memory (ASan watches). */
static void test_display_vga_hostile_traffic(void)
{
    setup();
    cfg_write(PCI_BAR0, (uint32_t)LFB, 4);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (x % 5) {
        case 0:
            out8((uint16_t)(0x3b0 + (x >> 8) % 0x30), (uint8_t)(x >> 16));
            break;
        case 1:
            (void)in8((uint16_t)(0x3b0 + (x >> 8) % 0x30));
            break;
        case 2:
            vbe((unsigned)(x >> 8) % 12, (uint16_t)(x >> 20));
            break;
        case 3:
            phys_st8(map, 0xa0000 + (x >> 8) % 0x20000, (uint8_t)(x >> 32));
            break;
        default:
            (void)phys_ld8(map, 0xa0000 + (x >> 8) % 0x20000);
            break;
        }
        if (i % 2000 == 0) {
            vga_render(&vga, &surf);
        }
    }
    CHECK(surf.width <= SURFACE_MAX_WIDTH && surf.height <= SURFACE_MAX_HEIGHT);
    StateBuf a = { 0 }, b = { 0 };
    CHECK_EQ(state_save(&vga_state_desc, &vga, &a), 0);
    char err[100];
    CHECK_EQ(state_load(&vga_state_desc, &vga, a.data, a.len, err, sizeof(err)), (long)a.len);
    CHECK_EQ(state_save(&vga_state_desc, &vga, &b), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    state_buf_free(&a);
    state_buf_free(&b);
    teardown();
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A 3x2 picture written as PNG and read back by hand: signature, chunk CRCs, IHDR, and the
 * inflated scanlines (filter byte 0, RGB). */
static void test_display_png_round_trip(void)
{
    DisplaySurface s = { 0 };
    CHECK(surface_resize(&s, 3, 2));
    static const uint32_t px[6] = { 0xff0000, 0x00ff00, 0x0000ff, 0x123456, 0xffffff, 0 };
    memcpy(s.pixels, px, sizeof(px));
    char path[] = "/tmp/vireo-png-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    Error err = { 0 };
    CHECK_EQ(png_write_surface(&s, path, &err), 0);
    FILE *f = fopen(path, "rb");
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    unlink(path);
    CHECK(n > 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0);
    uint8_t raw[64];
    uLongf raw_len = 0;
    unsigned chunks = 0;
    for (size_t pos = 8; pos + 12 <= n; chunks++) {
        uint32_t len = be32(buf + pos);
        CHECK(pos + 12 + len <= n);
        uint32_t crc = (uint32_t)crc32(0, buf + pos + 4, 4 + len);
        CHECK_EQ(be32(buf + pos + 8 + len), crc);
        if (memcmp(buf + pos + 4, "IHDR", 4) == 0) {
            CHECK_EQ(be32(buf + pos + 8), 3);
            CHECK_EQ(be32(buf + pos + 12), 2);
            CHECK_EQ(buf[pos + 16], 8);
            CHECK_EQ(buf[pos + 17], 2);
        } else if (memcmp(buf + pos + 4, "IDAT", 4) == 0) {
            raw_len = sizeof(raw);
            CHECK_EQ(uncompress(raw, &raw_len, buf + pos + 8, len), Z_OK);
        }
        pos += 12 + len;
    }
    CHECK_EQ(chunks, 3);
    CHECK_EQ(raw_len, 2 * (1 + 9));
    static const uint8_t want[20] = { 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,
                                      0, 0x12, 0x34, 0x56, 255, 255, 255, 0, 0, 0 };
    CHECK(memcmp(raw, want, sizeof(want)) == 0);
    CHECK_EQ(png_write_surface(&s, "/nonexistent-dir/x.png", &err), -1);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.png") != NULL);
    surface_free(&s);
}

static const CheckTest tests[] = {
    CHECK_TEST(test_display_vga_pci_identity_and_bars),
    CHECK_TEST(test_display_vga_register_rules),
    CHECK_TEST(test_display_vga_write_and_read_modes),
    CHECK_TEST(test_display_vga_text_render),
    CHECK_TEST(test_display_vbe_registers),
    CHECK_TEST(test_display_vga_boot_linear_mode),
    CHECK_TEST(test_display_vga_hostile_traffic),
    CHECK_TEST(test_display_png_round_trip),
    { 0 },
};

int main(int argc, char **argv)
{
    return check_run_tests(argc, argv, tests);
}
