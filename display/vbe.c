/*
 * display/vbe.c: the Bochs VBE extensions ("DISPI", Bochs vbe.h and QEMU's stdvga): a mode of
 * XRES x YRES at 8, 15, 16, 24 or 32 bits per pixel in video memory, seen through the linear
 * framebuffer (BAR 0) or through 64 KiB banks at A0000h, with a virtual screen wider or taller
 * than the visible one and an X/Y offset into it (panning, double buffering).
 *
 * ID: writes of B0C0h-B0C5h select the interface version, reads return it. ENABLE with
 * GETCAPS set makes XRES, YRES and BPP read their maxima. Enabling a mode validates it (XRES a
 * multiple of 8, within the maxima, a supported depth, fitting in video memory; otherwise the
 * write is refused and logged), sets the virtual size to the mode, the offsets to 0, and clears
 * the framebuffer unless NOCLEARMEM. VIRT_WIDTH writes keep the virtual screen inside video
 * memory; VIRT_HEIGHT follows from it and is read-only; BANK is kept below the memory size.
 */
#include "display/vga.h"

#include <string.h>

#include "util/endian.h"
#include "util/log.h"

static const uint16_t supported_bpp[] = { 8, 15, 16, 24, 32 };

static unsigned bytes_per_pixel(unsigned bpp)
{
    return (bpp + 7) / 8;
}

bool vbe_is_enabled(const VgaState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

uint32_t vbe_bank_offset(const VgaState *s)
{
    return (uint32_t)s->vbe_regs[VBE_DISPI_INDEX_BANK] << 16;
}

/* The virtual screen's line length in bytes and height in lines for a virtual width. */
static void virt_geometry(VgaState *s, unsigned virt_width)
{
    unsigned bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];
    uint32_t line = virt_width * bytes_per_pixel(bpp);
    s->vbe_regs[VBE_DISPI_INDEX_VIRT_WIDTH] = (uint16_t)virt_width;
    uint32_t lines = line ? VGA_VRAM_SIZE / line : 0;
    s->vbe_regs[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t)(lines > 0xffff ? 0xffff : lines);
}

static bool mode_is_valid(const VgaState *s)
{
    unsigned x = s->vbe_regs[VBE_DISPI_INDEX_XRES], y = s->vbe_regs[VBE_DISPI_INDEX_YRES];
    unsigned bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];
    bool bpp_ok = false;
    for (size_t i = 0; i < sizeof(supported_bpp) / sizeof(supported_bpp[0]); i++) {
        bpp_ok |= bpp == supported_bpp[i];
    }
    return bpp_ok && x && y && x % 8 == 0 && x <= VBE_DISPI_MAX_XRES && y <= VBE_DISPI_MAX_YRES &&
           (uint64_t)x * y * bytes_per_pixel(bpp) <= VGA_VRAM_SIZE;
}

static void write_enable(VgaState *s, uint16_t v)
{
    uint16_t *r = s->vbe_regs;
    if ((v & VBE_DISPI_ENABLED) && !(r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED)) {
        if (r[VBE_DISPI_INDEX_BPP] == 0) {
            r[VBE_DISPI_INDEX_BPP] = 8;
        }
        if (!mode_is_valid(s)) {
            log_guest_error("vbe: refused mode %ux%u at %u bpp", r[VBE_DISPI_INDEX_XRES],
                            r[VBE_DISPI_INDEX_YRES], r[VBE_DISPI_INDEX_BPP]);
            return;
        }
        virt_geometry(s, r[VBE_DISPI_INDEX_XRES]);
        r[VBE_DISPI_INDEX_X_OFFSET] = r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
        r[VBE_DISPI_INDEX_BANK] = 0;
        if (!(v & VBE_DISPI_NOCLEARMEM)) {
            size_t bytes = (size_t)r[VBE_DISPI_INDEX_VIRT_WIDTH] * r[VBE_DISPI_INDEX_YRES] *
                           bytes_per_pixel(r[VBE_DISPI_INDEX_BPP]);
            memset(s->vram, 0, bytes);
        }
        /* The VGA side as a VBE BIOS leaves it: graphics at A0000h, 64 KiB, chain-4. */
        s->gr[6] = (uint8_t)((s->gr[6] & ~0x0cu) | 0x05);
        s->sr[4] |= 0x08;
    }
    r[VBE_DISPI_INDEX_ENABLE] = v & (VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS | VBE_DISPI_8BIT_DAC |
                                     VBE_DISPI_LFB_ENABLED | VBE_DISPI_NOCLEARMEM);
    s->is_vram_written = true;
}

uint16_t vbe_read_reg(VgaState *s, unsigned i)
{
    const uint16_t *r = s->vbe_regs;
    if (i >= VBE_DISPI_INDEX_COUNT) {
        return 0;
    }
    if (r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        switch (i) {
        case VBE_DISPI_INDEX_XRES:
            return VBE_DISPI_MAX_XRES;
        case VBE_DISPI_INDEX_YRES:
            return VBE_DISPI_MAX_YRES;
        case VBE_DISPI_INDEX_BPP:
            return VBE_DISPI_MAX_BPP;
        default:
            break;
        }
    }
    if (i == VBE_DISPI_INDEX_VIDEO_MEMORY_64K) {
        return VGA_VRAM_SIZE >> 16;
    }
    return r[i];
}

void vbe_write_reg(VgaState *s, unsigned index, uint16_t v)
{
    uint16_t *r = s->vbe_regs;
    bool enabled = vbe_is_enabled(s);
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (v >= VBE_DISPI_ID0 && v <= VBE_DISPI_ID5) {
            r[VBE_DISPI_INDEX_ID] = v;
        }
        break;
    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
    case VBE_DISPI_INDEX_BPP:
        if (!enabled) { /* the mode changes only while disabled */
            r[index] = v;
        }
        break;
    case VBE_DISPI_INDEX_ENABLE:
        write_enable(s, v);
        break;
    case VBE_DISPI_INDEX_BANK:
        if ((uint32_t)v << 16 < VGA_VRAM_SIZE) {
            r[VBE_DISPI_INDEX_BANK] = v;
        }
        break;
    case VBE_DISPI_INDEX_VIRT_WIDTH:
        if (enabled && v >= r[VBE_DISPI_INDEX_XRES] &&
            (uint64_t)v * r[VBE_DISPI_INDEX_YRES] * bytes_per_pixel(r[VBE_DISPI_INDEX_BPP]) <=
                VGA_VRAM_SIZE) {
            virt_geometry(s, v);
        }
        break;
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = v;
        break;
    default:
        log_guest_error("vbe: write %#x to read-only or unknown register %u", v, index);
        return;
    }
    s->is_vram_written = true;
}

void vbe_reset(VgaState *s)
{
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_index = 0;
}

uint32_t vga_boot_linear_mode(VgaState *s, uint32_t lfb, uint16_t width, uint16_t height)
{
    st_le32(s->pci.config + PCI_BAR0, lfb | s->pci.bars[0].flags);
    uint16_t cmd = ld_le16(s->pci.config + PCI_COMMAND);
    st_le16(s->pci.config + PCI_COMMAND, (uint16_t)(cmd | PCI_COMMAND_MEMORY));
    pci_device_update_mappings(&s->pci);
    const uint16_t writes[][2] = {
        { VBE_DISPI_INDEX_ENABLE, 0 },
        { VBE_DISPI_INDEX_XRES, width },
        { VBE_DISPI_INDEX_YRES, height },
        { VBE_DISPI_INDEX_BPP, 32 },
        { VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED },
    };
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        vbe_write_reg(s, writes[i][0], writes[i][1]);
    }
    if (!vbe_is_enabled(s)) {
        return 0;
    }
    return (uint32_t)s->vbe_regs[VBE_DISPI_INDEX_VIRT_WIDTH] * 4;
}
