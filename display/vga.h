/*
 * display/vga.h: the PCI VGA adapter of QEMU's "-vga std" (PCI 1234:1111, class 0300): a VGA
 * core (vga.c) with the Bochs VBE extensions (vbe.c), 16 MiB of video memory behind a
 * prefetchable BAR 0 (the linear framebuffer), the registers again as MMIO in BAR 2 (VGA
 * ports 3C0h-3DFh at 400h, the VBE registers at 500h: what Linux's bochs-drm uses), and the
 * VGA BIOS in the expansion ROM BAR. The renderer (vga_render.c) draws the current mode into a
 * 32-bit surface.
 *
 * Video memory is planar as on the VGA: byte 4*a + p is plane p at address a (IBM VGA Technical
 * Reference, "Video memory organization"); chain-4 and VBE modes see it as one linear array.
 */
#ifndef VIREO_DISPLAY_VGA_H
#define VIREO_DISPLAY_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "display/surface.h"
#include "hw/pci/pci.h"
#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "softmmu/memory.h"
#include "system/clock.h"

#define VGA_VRAM_SIZE (16u << 20)
#define VGA_DEVFN (2u << 3) /* 00:02.0, as on QEMU's pc machine */
#define VGA_PCI_VENDOR 0x1234
#define VGA_PCI_DEVICE 0x1111
#define VGA_MMIO_BAR_SIZE 0x1000
/* The frame the CRT timing would give (449 lines of 31.778 us, 70.09 Hz): Input Status 1's
 * retrace and the blink rates count in it. */
#define VGA_FRAME_LINES 449
#define VGA_LINE_NS 31778
#define VGA_FRAME_NS ((int64_t)VGA_FRAME_LINES * VGA_LINE_NS)

/* Register file sizes (VGA Technical Reference: sequencer 0-4, graphics controller 0-8,
 * attribute controller 0-14h, CRT controller 0-18h). */
#define VGA_SR_COUNT 8
#define VGA_GR_COUNT 16
#define VGA_AR_COUNT 21
#define VGA_CR_COUNT 64

/* Bochs VBE "DISPI" registers (index port 1CEh, data port 1CFh; Bochs vbe.h). */
enum {
    VBE_DISPI_INDEX_ID,
    VBE_DISPI_INDEX_XRES,
    VBE_DISPI_INDEX_YRES,
    VBE_DISPI_INDEX_BPP,
    VBE_DISPI_INDEX_ENABLE,
    VBE_DISPI_INDEX_BANK,
    VBE_DISPI_INDEX_VIRT_WIDTH,
    VBE_DISPI_INDEX_VIRT_HEIGHT,
    VBE_DISPI_INDEX_X_OFFSET,
    VBE_DISPI_INDEX_Y_OFFSET,
    VBE_DISPI_INDEX_VIDEO_MEMORY_64K,
    VBE_DISPI_INDEX_COUNT,
};

enum {
    VBE_DISPI_ENABLED = 0x01,
    VBE_DISPI_GETCAPS = 0x02,
    VBE_DISPI_8BIT_DAC = 0x20,
    VBE_DISPI_LFB_ENABLED = 0x40,
    VBE_DISPI_NOCLEARMEM = 0x80,
    VBE_DISPI_ID0 = 0xb0c0,
    VBE_DISPI_ID5 = 0xb0c5,
    VBE_DISPI_MAX_XRES = 2560,
    VBE_DISPI_MAX_YRES = 1600,
    VBE_DISPI_MAX_BPP = 32,
    VBE_DISPI_IOPORT_INDEX = 0x1ce,
    VBE_DISPI_IOPORT_DATA = 0x1cf,
};

/* Everything besides video memory that decides the picture: a render with the same key and no
 * memory written since draws the same picture (vga_render.c). */
typedef struct VgaRenderKey {
    uint8_t misc_output, dac_mask, ar_index;
    uint8_t sr[VGA_SR_COUNT], gr[VGA_GR_COUNT], ar[VGA_AR_COUNT], cr[VGA_CR_COUNT];
    uint8_t palette[768];
    uint16_t vbe_regs[VBE_DISPI_INDEX_COUNT];
    uint8_t cursor_on, blink_on;
} VgaRenderKey;

typedef struct VgaState {
    PciDevice pci;
    /* VGA registers */
    uint8_t misc_output;
    uint8_t feature_control;
    uint8_t sr_index;
    uint8_t sr[VGA_SR_COUNT];
    uint8_t gr_index;
    uint8_t gr[VGA_GR_COUNT];
    uint8_t ar_index;     /* bit 5: palette address source (video enabled) */
    bool is_ar_data;      /* the attribute flip-flop: the next 3C0h write is data */
    uint8_t ar[VGA_AR_COUNT];
    uint8_t cr_index;
    uint8_t cr[VGA_CR_COUNT];
    uint8_t dac_mask;
    uint8_t dac_read_index, dac_write_index;
    uint8_t dac_component; /* 0-2: red, green, blue of the entry being read or written */
    bool is_dac_reading;   /* 3C7h (read mode) was written last, not 3C8h */
    uint8_t dac_pending[3];
    uint8_t palette[768];  /* 256 entries of red, green, blue (6 bits; 8 with VBE 8BIT_DAC) */
    uint32_t latch;        /* the four planes' bytes of the last read */
    /* Bochs VBE */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_COUNT];
    /* Host side, not saved: video memory lives in a RAM region of the map (saved with RAM). */
    uint8_t *vram;
    PhysMap *map;
    MemRegion *vram_region; /* BAR 0, enabled while mapped */
    MemRegion *rom_region;  /* the VGA BIOS, BAR 6 */
    MemRegion *mmio_region; /* BAR 2 */
    const VirtualClock *clock;
    bool is_vram_written;   /* through the legacy window since the last render */
    VgaRenderKey last_key;  /* of the last render */
    uint8_t dirty[VGA_VRAM_SIZE / 4096 / 8]; /* pages of BAR 0 written, from the dirty log */
} VgaState;

extern const StateDesc vga_state_desc;

/*
 * Creates the adapter at 00:02.0: legacy ports, the window at A0000h-BFFFFh, the BARs, and the
 * VGA BIOS image `rom` (copied; size up to 64 KiB, may be NULL for none). Returns 0 or a
 * negative errno.
 */
int vga_init(VgaState *s, PciBus *bus, PortSpace *ports, PhysMap *map, const VirtualClock *clock,
             const uint8_t *rom, size_t rom_size);
void vga_reset(VgaState *s);

/*
 * Renders the current picture into `surface` (resized to the mode), returns whether anything
 * changed since the last call (a new size counts). The blink phases of the cursor and of
 * blinking characters come from the virtual clock.
 */
bool vga_render(VgaState *s, DisplaySurface *surface);

/*
 * What a firmware would leave for a kernel booted without one: BAR 0 placed at `lfb` with
 * memory decoding on, and the VBE mode width x height at 32 bits a pixel on the linear
 * framebuffer. Returns the line length in bytes, or 0 if the mode is not valid.
 */
uint32_t vga_boot_linear_mode(VgaState *s, uint32_t lfb, uint16_t width, uint16_t height);

/* VBE and the VGA core (shared between vga.c, vbe.c and vga_render.c). */
bool vbe_is_enabled(const VgaState *s);
/* The DISPI register `index` (the data port reads and writes the one the index port names). */
uint16_t vbe_read_reg(VgaState *s, unsigned index);
void vbe_write_reg(VgaState *s, unsigned index, uint16_t value);
void vbe_reset(VgaState *s);
/* The VBE bank's offset in video memory, for the legacy window in a banked VBE mode. */
uint32_t vbe_bank_offset(const VgaState *s);

#endif
