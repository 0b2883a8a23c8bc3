/*
 * display/vga_render.c: what the VGA (or its VBE mode) shows, drawn into a 32-bit surface as
 * the monitor receives it: a VGA mode's dots and scan lines (mode 13h is 640x400, each pixel
 * two dots wide and two lines high), a VBE mode's pixels.
 *
 * IBM VGA Technical Reference: text modes take character codes from plane 0, attributes from
 * plane 1 and glyphs from plane 2 (32 bytes a character, the two fonts of Character Map Select,
 * SR3, chosen by attribute bit 3), 8- or 9-dot characters (SR1 bit 0) whose 9th column repeats
 * the 8th for C0h-DFh with line graphics enabled (AR10 bit 2), blinking (AR10 bit 3) and the
 * cursor (CR0A-CR0F); graphics modes shift planar data out 8 pixels per address (16 colors),
 * 2 bits per pixel from planes 0 and 1 (GR5 bit 5, the CGA modes) or one byte per pixel in
 * chain-4 (GR5 bit 6, 256 colors); CR17 bits 0-1 put the row scan counter on an address bit
 * (CGA and Hercules interleave); the attribute controller maps 4-bit colors through its
 * palette (AR0-AR0F, AR10 bit 7 and AR14 for the high bits, AR12 plane enable); the DAC turns
 * 8-bit indexes, masked by 3C6h, into 6-bit (or, with VBE 8BIT_DAC, 8-bit) RGB. VBE modes read
 * video memory linearly at the virtual line length and X/Y offset.
 *
 * Nothing is drawn when nothing changed: the registers are compared with the last render's,
 * writes through the legacy window are flagged by vga.c, and writes through the linear
 * framebuffer come from the map's dirty log (only the rows on written pages are redrawn).
 */
#include "display/vga.h"

#include <string.h>

#include "util/endian.h"

#define CURSOR_PERIOD_NS (8 * VGA_FRAME_NS) /* 8 frames on, 8 off */
#define BLINK_PERIOD_NS (16 * VGA_FRAME_NS) /* 16 frames on, 16 off */
#define MAX_TEXT_COLUMNS 256
#define MAX_TEXT_ROWS 128

static uint8_t expand6(uint8_t v)
{
    v &= 0x3f;
    return (uint8_t)((v << 2) | (v >> 4));
}

/* The RGB of a DAC entry after the pixel mask. */
static uint32_t dac_rgb(const VgaState *s, uint8_t index)
{
    const uint8_t *p = &s->palette[3 * (index & s->dac_mask)];
    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) {
        return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    }
    return (uint32_t)expand6(p[0]) << 16 | (uint32_t)expand6(p[1]) << 8 | expand6(p[2]);
}

/* A 4-bit color through the attribute controller's palette and the DAC. */
static uint32_t attr_rgb(const VgaState *s, unsigned color)
{
    uint8_t v = s->ar[color & 0xf];
    if (s->ar[0x10] & 0x80) {
        v = (uint8_t)((v & 0xf) | ((s->ar[0x14] & 3) << 4));
    } else {
        v &= 0x3f;
    }
    v |= (uint8_t)((s->ar[0x14] & 0xc) << 4);
    return dac_rgb(s, v);
}

static uint8_t plane(const VgaState *s, uint32_t addr, unsigned p)
{
    return s->vram[(4 * (size_t)addr + p) & (VGA_VRAM_SIZE - 1)];
}

/* Writes one row of pixels, noting whether it differs from what the surface held. */
static bool put_row(DisplaySurface *surf, uint32_t y, const uint32_t *row)
{
    uint32_t *dst = surf->pixels + (size_t)y * surf->width;
    size_t bytes = surf->width * sizeof(*row);
    if (memcmp(dst, row, bytes) == 0) {
        return false;
    }
    memcpy(dst, row, bytes);
    return true;
}

/* ---- text --------------------------------------------------------------------------------- */

static uint32_t font_offset(uint8_t sr3, bool map_a)
{
    unsigned low = map_a ? (sr3 >> 2) & 3 : sr3 & 3;
    unsigned high = map_a ? (sr3 >> 5) & 1 : (sr3 >> 4) & 1;
    return low * 0x4000 + high * 0x2000;
}

static unsigned vertical_display_end(const VgaState *s)
{
    return (s->cr[0x12] | ((s->cr[7] & 0x02u) << 7) | ((s->cr[7] & 0x40u) << 3)) + 1;
}

static bool render_text(VgaState *s, DisplaySurface *surf, const VgaRenderKey *key, bool *resized)
{
    unsigned cw = (s->sr[1] & 1) ? 8 : 9, ch = (s->cr[9] & 0x1f) + 1;
    unsigned dup = (s->sr[1] & 0x08) ? 2 : 1; /* half dot clock: 40-column modes */
    unsigned cols = s->cr[1] + 1u, lines = vertical_display_end(s);
    if (s->cr[9] & 0x80) {
        lines /= 2;
    }
    unsigned rows = lines / ch;
    if (cols > MAX_TEXT_COLUMNS) {
        cols = MAX_TEXT_COLUMNS;
    }
    if (rows == 0) {
        rows = 1;
    }
    if (rows > MAX_TEXT_ROWS) {
        rows = MAX_TEXT_ROWS;
    }
    *resized = surface_resize(surf, cols * cw * dup, rows * ch);
    if (surf->width != cols * cw * dup || surf->height != rows * ch) {
        return false;
    }
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    uint32_t pitch = (uint32_t)s->cr[0x13] * 2;
    uint32_t cursor = ((uint32_t)s->cr[0x0e] << 8 | s->cr[0x0f]) - start;
    unsigned cur_start = s->cr[0x0a] & 0x1f, cur_end = s->cr[0x0b] & 0x1f;
    bool cursor_shown = !(s->cr[0x0a] & 0x20) && key->cursor_on;
    uint32_t font_a = font_offset(s->sr[3], true), font_b = font_offset(s->sr[3], false);
    uint32_t palette[16];
    for (unsigned i = 0; i < 16; i++) {
        palette[i] = attr_rgb(s, i);
    }
    uint32_t row[MAX_TEXT_COLUMNS * 9 * 2];
    bool changed = false;
    for (unsigned r = 0; r < rows; r++) {
        for (unsigned line = 0; line < ch; line++) {
            for (unsigned c = 0; c < cols; c++) {
                uint32_t cell = start + r * pitch + c;
                uint8_t code = plane(s, cell, 0), attr = plane(s, cell, 1);
                unsigned fg = attr & 0xf, bg = attr >> 4;
                if (s->ar[0x10] & 0x08) {
                    bg &= 7;
                    if ((attr & 0x80) && !key->blink_on) {
                        fg = bg;
                    }
                }
                uint32_t font = (attr & 0x08) ? font_a : font_b;
                uint8_t bits = s->vram[(4 * (size_t)(font + code * 32u + line) + 2) &
                                       (VGA_VRAM_SIZE - 1)];
                bool cursor_line = cursor_shown && cell - start == cursor &&
                                   line >= cur_start && line <= cur_end;
                unsigned ninth = (cw == 9 && code >= 0xc0 && code <= 0xdf &&
                                  (s->ar[0x10] & 0x04)) ? (bits & 1) : 0;
                uint32_t *out = row + (size_t)c * cw * dup;
                for (unsigned x = 0; x < cw; x++) {
                    bool on = cursor_line || (x < 8 ? (bits >> (7 - x)) & 1 : ninth);
                    for (unsigned d = 0; d < dup; d++) {
                        out[x * dup + d] = palette[on ? fg : bg];
                    }
                }
            }
            changed |= put_row(surf, r * ch + line, row);
        }
    }
    return changed;
}

/* ---- VGA graphics ------------------------------------------------------------------------- */

typedef enum ShiftMode { SHIFT_PLANAR, SHIFT_CGA, SHIFT_256 } ShiftMode;

static bool render_graphics(VgaState *s, DisplaySurface *surf, bool *resized)
{
    ShiftMode mode = (s->gr[5] & 0x40) ? SHIFT_256 : (s->gr[5] & 0x20) ? SHIFT_CGA : SHIFT_PLANAR;
    /* Dots per pixel: a 256-color pixel takes two dot clocks; the halved dot clock (SR1 bit 3)
     * doubles the others. */
    unsigned dots = mode == SHIFT_256 ? 2 : (s->sr[1] & 0x08) ? 2 : 1;
    unsigned per_addr = mode == SHIFT_256 ? 4 : 8;
    unsigned addrs = s->cr[1] + 1u, width = addrs * per_addr * dots;
    unsigned double_scan = s->cr[9] >> 7, max_scan = s->cr[9] & 0x1f;
    bool cga = !(s->cr[0x17] & 1), herc = !(s->cr[0x17] & 2);
    unsigned height = vertical_display_end(s);
    *resized = surface_resize(surf, width, height);
    if (surf->width != width || surf->height != height) {
        return false;
    }
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    uint32_t pitch = (uint32_t)s->cr[0x13] * 2;
    unsigned cga_bit = 12 + ((s->cr[0x17] >> 6) & 1);
    uint32_t palette[16];
    for (unsigned i = 0; i < 16; i++) {
        palette[i] = attr_rgb(s, i);
    }
    uint32_t row[SURFACE_MAX_WIDTH];
    bool changed = false;
    for (unsigned y = 0; y < height; y++) {
        unsigned scan = y >> double_scan;
        unsigned rsc = scan % (max_scan + 1);
        uint32_t addr = start + (scan / (max_scan + 1)) * pitch;
        if (cga) {
            addr = (addr & ~(1u << cga_bit)) | ((rsc & 1u) << cga_bit);
        }
        if (herc) {
            addr = (addr & ~(1u << 13)) | (((rsc >> 1) & 1u) << 13);
        }
        uint32_t *out = row;
        for (unsigned a = 0; a < addrs; a++) {
            uint8_t p[4];
            for (unsigned i = 0; i < 4; i++) {
                p[i] = plane(s, addr + a, i);
            }
            for (unsigned i = 0; i < per_addr; i++) {
                uint32_t c;
                if (mode == SHIFT_256) {
                    c = dac_rgb(s, p[i]);
                } else if (mode == SHIFT_CGA) {
                    c = palette[((p[i / 4] >> (6 - 2 * (i % 4))) & 3) & s->ar[0x12]];
                } else {
                    unsigned v = 0;
                    for (unsigned k = 0; k < 4; k++) {
                        v |= ((p[k] >> (7 - i)) & 1u) << k;
                    }
                    c = palette[v & s->ar[0x12]];
                }
                for (unsigned d = 0; d < dots; d++) {
                    *out++ = c;
                }
            }
        }
        changed |= put_row(surf, y, row);
    }
    return changed;
}

/* ---- VBE ---------------------------------------------------------------------------------- */

static uint32_t vbe_pixel(const VgaState *s, const uint8_t *p, unsigned bpp)
{
    switch (bpp) {
    case 8:
        return dac_rgb(s, p[0]);
    case 15: {
        unsigned v = ld_le16(p), r = (v >> 10) & 31, g = (v >> 5) & 31, b = v & 31;
        return (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
    }
    case 16: {
        unsigned v = ld_le16(p), r = v >> 11, g = (v >> 5) & 63, b = v & 31;
        return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
    }
    default: /* 24 and 32: blue, green, red (and unused) in memory order */
        return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
    }
}

/* Whether any page of [offset, offset + len) of video memory is in the dirty bitmap. */
static bool range_dirty(const VgaState *s, uint64_t offset, uint64_t len)
{
    for (uint64_t page = offset >> 12; page <= (offset + len - 1) >> 12; page++) {
        if (page < VGA_VRAM_SIZE / 4096 && (s->dirty[page / 8] & (1u << (page % 8)))) {
            return true;
        }
    }
    return false;
}

static bool render_vbe(VgaState *s, DisplaySurface *surf, bool full, bool *resized)
{
    const uint16_t *r = s->vbe_regs;
    unsigned width = r[VBE_DISPI_INDEX_XRES], height = r[VBE_DISPI_INDEX_YRES];
    unsigned bpp = r[VBE_DISPI_INDEX_BPP], bytes = (bpp + 7) / 8;
    *resized = surface_resize(surf, width, height);
    if (surf->width != width || surf->height != height) {
        return false;
    }
    uint64_t pitch = (uint64_t)r[VBE_DISPI_INDEX_VIRT_WIDTH] * bytes;
    uint64_t start = r[VBE_DISPI_INDEX_Y_OFFSET] * pitch + (uint64_t)r[VBE_DISPI_INDEX_X_OFFSET] * bytes;
    uint32_t row[SURFACE_MAX_WIDTH];
    bool changed = false;
    for (unsigned y = 0; y < height; y++) {
        uint64_t line = start + y * pitch;
        if (!full && !range_dirty(s, line, (uint64_t)width * bytes)) {
            continue;
        }
        for (unsigned x = 0; x < width; x++) {
            uint64_t at = line + (uint64_t)x * bytes;
            row[x] = at + 4 <= VGA_VRAM_SIZE ? vbe_pixel(s, s->vram + at, bpp) : 0;
        }
        changed |= put_row(surf, y, row);
    }
    return changed;
}

/* ---- the frame ---------------------------------------------------------------------------- */

static void make_key(const VgaState *s, VgaRenderKey *k)
{
    memset(k, 0, sizeof(*k));
    k->misc_output = s->misc_output;
    k->dac_mask = s->dac_mask;
    k->ar_index = s->ar_index & 0x20;
    memcpy(k->sr, s->sr, sizeof(k->sr));
    memcpy(k->gr, s->gr, sizeof(k->gr));
    memcpy(k->ar, s->ar, sizeof(k->ar));
    memcpy(k->cr, s->cr, sizeof(k->cr));
    memcpy(k->palette, s->palette, sizeof(k->palette));
    memcpy(k->vbe_regs, s->vbe_regs, sizeof(k->vbe_regs));
    int64_t now = clock_now_ns(s->clock);
    k->cursor_on = (now / CURSOR_PERIOD_NS) % 2 == 0;
    k->blink_on = (now / BLINK_PERIOD_NS) % 2 == 0;
}

bool vga_render(VgaState *s, DisplaySurface *surf)
{
    VgaRenderKey key;
    make_key(s, &key);
    bool full = s->is_vram_written || memcmp(&key, &s->last_key, sizeof(key)) != 0;
    s->is_vram_written = false;
    s->last_key = key;
    bool lfb_dirty = false;
    if (s->pci.bars[0].mapped != PCI_BAR_UNMAPPED) {
        lfb_dirty = phys_map_dirty_get_and_clear(s->map, DIRTY_CLIENT_VGA, s->pci.bars[0].mapped,
                                                 VGA_VRAM_SIZE, s->dirty) != 0;
    }
    bool resized = false, changed;
    if (vbe_is_enabled(s)) {
        if (!full && !lfb_dirty && surf->pixels) {
            return false;
        }
        changed = render_vbe(s, surf, full, &resized);
    } else if (!full && !lfb_dirty && surf->pixels) {
        return false;
    } else if (!(s->ar_index & 0x20) || (s->sr[1] & 0x20)) {
        /* palette address source clear or screen off: the display shows black */
        resized = surface_resize(surf, surf->width ? surf->width : 640,
                                 surf->height ? surf->height : 480);
        changed = false;
        for (size_t i = 0; i < (size_t)surf->width * surf->height; i++) {
            changed |= surf->pixels[i] != 0;
            surf->pixels[i] = 0;
        }
    } else if (s->gr[6] & 1) {
        changed = render_graphics(s, surf, &resized);
    } else {
        changed = render_text(s, surf, &key, &resized);
    }
    return changed || resized;
}
