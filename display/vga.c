/*
 * display/vga.c: the VGA core of the PCI VGA adapter (see vga.h): the registers at 3B0h-3DFh
 * and the memory window at A0000h-BFFFFh with the planar logic (IBM VGA Technical Reference:
 * "Sequencer registers", "Graphics controller registers" with the write modes 0-3, data
 * rotate, function select, set/reset, bit mask and the read modes 0-1 with color compare,
 * "Attribute controller" and its address/data flip-flop reset by reading Input Status 1,
 * "CRT controller" with its write protection of 0-7 by 11h bit 7, "Video DAC" with its
 * auto-incrementing read and write indexes), chain-4 and odd/even addressing. The PCI side:
 * BAR 0 the video memory, BAR 2 the registers as MMIO, the ROM BAR the VGA BIOS.
 *
 * The CRT timing is not emulated; Input Status 1 reports the display-enable and vertical
 * retrace bits of a 70 Hz, 449-line frame from the virtual clock, which is what guests poll.
 */
#include "display/vga.h"

#include <errno.h>
#include <string.h>

#include "util/endian.h"
#include "util/log.h"

#define LEGACY_BASE 0xa0000
#define LEGACY_SIZE 0x20000
#define PORT_BASE 0x3b0
#define PORT_COUNT 0x30
#define ROM_BAR_SIZE 0x10000
#define MMIO_VGA_PORTS 0x400 /* 3C0h-3DFh */
#define MMIO_VBE_REGS 0x500
#define RETRACE_LINES 2

enum {
    MISC_COLOR_IO = 1u << 0, /* CRTC and Input Status 1 at 3Dxh, not 3Bxh */
    ST01_DISPLAY_DISABLED = 1u << 0,
    ST01_VRETRACE = 1u << 3,
    SR4_ODD_EVEN_OFF = 1u << 2,
    SR4_CHAIN4 = 1u << 3,
    GR5_ODD_EVEN = 1u << 4,
    CR11_PROTECT = 1u << 7,
};

/* Writable bits of each register (the bits the VGA defines). */
static const uint8_t sr_mask[VGA_SR_COUNT] = { 0x03, 0x3d, 0x0f, 0x3f, 0x0e };
static const uint8_t gr_mask[VGA_GR_COUNT] = { 0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff };

/* 4 bits to 4 bytes: bit i set makes byte i all ones (planes selected by a 4-bit mask). */
static uint32_t expand4(unsigned v)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < 4; i++) {
        if (v & (1u << i)) {
            r |= 0xffu << (8 * i);
        }
    }
    return r;
}

static uint8_t rotate_right(uint8_t v, unsigned n)
{
    n &= 7;
    return (uint8_t)((v >> n) | (v << ((8 - n) & 7)));
}

/* ---- registers ---------------------------------------------------------------------------- */

static bool is_color_io(const VgaState *s)
{
    return s->misc_output & MISC_COLOR_IO;
}

static uint8_t read_status1(VgaState *s)
{
    s->is_ar_data = false;
    int64_t t = clock_now_ns(s->clock) % VGA_FRAME_NS;
    int64_t line = t / VGA_LINE_NS, in_line = t % VGA_LINE_NS;
    uint8_t v = 0;
    if (line >= VGA_FRAME_LINES - RETRACE_LINES) {
        v |= ST01_VRETRACE | ST01_DISPLAY_DISABLED;
    } else if (in_line >= VGA_LINE_NS * 4 / 5) {
        v |= ST01_DISPLAY_DISABLED; /* horizontal blanking */
    }
    return v;
}

static uint8_t dac_read(VgaState *s)
{
    uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_component];
    if (++s->dac_component == 3) {
        s->dac_component = 0;
        s->dac_read_index++;
    }
    return v;
}

static void dac_write(VgaState *s, uint8_t v)
{
    bool is_8bit = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;
    s->dac_pending[s->dac_component] = is_8bit ? v : (v & 0x3f);
    if (++s->dac_component == 3) {
        memcpy(&s->palette[s->dac_write_index * 3], s->dac_pending, 3);
        s->dac_component = 0;
        s->dac_write_index++;
    }
}

/* One VGA port, 3B0h-3DFh (the CRTC and Input Status 1 answer only at the address the
 * Miscellaneous Output register selects; elsewhere they read as nothing). */
static uint8_t vga_read_port(VgaState *s, unsigned port)
{
    bool color = is_color_io(s);
    switch (port) {
    case 0x3c0:
        return s->ar_index;
    case 0x3c1:
        return (s->ar_index & 0x1f) < VGA_AR_COUNT ? s->ar[s->ar_index & 0x1f] : 0;
    case 0x3c2:
        return 0;
    case 0x3c4:
        return s->sr_index;
    case 0x3c5:
        return s->sr[s->sr_index & 7];
    case 0x3c6:
        return s->dac_mask;
    case 0x3c7:
        return s->is_dac_reading ? 3 : 0;
    case 0x3c8:
        return s->dac_write_index;
    case 0x3c9:
        return dac_read(s);
    case 0x3ca:
        return s->feature_control;
    case 0x3cc:
        return s->misc_output;
    case 0x3ce:
        return s->gr_index;
    case 0x3cf:
        return s->gr[s->gr_index & 0xf];
    case 0x3b4:
    case 0x3d4:
        return (port == 0x3d4) == color ? s->cr_index : 0xff;
    case 0x3b5:
    case 0x3d5:
        if ((port == 0x3d5) != color) {
            return 0xff;
        }
        return s->cr[s->cr_index & (VGA_CR_COUNT - 1)];
    case 0x3ba:
    case 0x3da:
        return (port == 0x3da) == color ? read_status1(s) : 0xff;
    default:
        return 0xff;
    }
}

static void write_cr(VgaState *s, uint8_t v)
{
    unsigned i = s->cr_index & (VGA_CR_COUNT - 1);
    if ((s->cr[0x11] & CR11_PROTECT) && i <= 7) {
        if (i == 7) { /* only the line compare bit 8 stays writable */
            s->cr[7] = (uint8_t)((s->cr[7] & ~0x10u) | (v & 0x10u));
        }
        return;
    }
    s->cr[i] = v;
}

static void vga_write_port(VgaState *s, unsigned port, uint8_t v)
{
    bool color = is_color_io(s);
    switch (port) {
    case 0x3c0:
        if (!s->is_ar_data) {
            s->ar_index = v & 0x3f;
        } else if ((s->ar_index & 0x1f) < VGA_AR_COUNT) {
            s->ar[s->ar_index & 0x1f] = v;
        }
        s->is_ar_data = !s->is_ar_data;
        break;
    case 0x3c2:
        s->misc_output = v;
        break;
    case 0x3c4:
        s->sr_index = v & 7;
        break;
    case 0x3c5:
        s->sr[s->sr_index] = v & sr_mask[s->sr_index];
        break;
    case 0x3c6:
        s->dac_mask = v;
        break;
    case 0x3c7:
        s->dac_read_index = v;
        s->dac_component = 0;
        s->is_dac_reading = true;
        break;
    case 0x3c8:
        s->dac_write_index = v;
        s->dac_component = 0;
        s->is_dac_reading = false;
        break;
    case 0x3c9:
        dac_write(s, v);
        break;
    case 0x3ce:
        s->gr_index = v & 0xf;
        break;
    case 0x3cf:
        s->gr[s->gr_index] = v & gr_mask[s->gr_index];
        break;
    case 0x3b4:
    case 0x3d4:
        if ((port == 0x3d4) == color) {
            s->cr_index = v;
        }
        break;
    case 0x3b5:
    case 0x3d5:
        if ((port == 0x3d5) == color) {
            write_cr(s, v);
        }
        break;
    case 0x3ba:
    case 0x3da:
        if ((port == 0x3da) == color) {
            s->feature_control = v & 3;
        }
        break;
    default:
        log_guest_error("vga: write %#x to port %#x", v, port);
        break;
    }
}

static uint64_t ports_read(void *opaque, uint64_t offset, unsigned size)
{
    return vga_read_port(opaque, PORT_BASE + (unsigned)offset);
}

static void ports_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    vga_write_port(opaque, PORT_BASE + (unsigned)offset, (uint8_t)value);
}

static const IoOps ports_ops = {
    .read = ports_read, .write = ports_write, .min_size = 1, .max_size = 1,
};

/* 1CEh index, 1CFh data (and 1D0h, data too, as some old drivers use). */
static uint64_t vbe_ports_read(void *opaque, uint64_t offset, unsigned size)
{
    VgaState *s = opaque;
    return offset == 0 ? s->vbe_index : vbe_read_reg(s, s->vbe_index);
}

static void vbe_ports_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    VgaState *s = opaque;
    if (offset == 0) {
        s->vbe_index = (uint16_t)value;
    } else {
        vbe_write_reg(s, s->vbe_index, (uint16_t)value);
    }
}

static const IoOps vbe_ports_ops = {
    .read = vbe_ports_read, .write = vbe_ports_write, .min_size = 2, .max_size = 2,
};

/* BAR 2: the VGA ports 3C0h-3DFh at 400h (bytes), the VBE registers at 500h (16-bit). */
static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    VgaState *s = opaque;
    if (offset >= MMIO_VGA_PORTS && offset < MMIO_VGA_PORTS + 0x20 && size == 1) {
        return vga_read_port(s, 0x3c0 + (unsigned)(offset - MMIO_VGA_PORTS));
    }
    if (offset >= MMIO_VBE_REGS && offset < MMIO_VBE_REGS + 2 * VBE_DISPI_INDEX_COUNT &&
        size == 2) {
        return vbe_read_reg(s, (unsigned)(offset - MMIO_VBE_REGS) / 2);
    }
    return 0;
}

static void mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    VgaState *s = opaque;
    if (offset >= MMIO_VGA_PORTS && offset < MMIO_VGA_PORTS + 0x20) {
        for (unsigned i = 0; i < size && offset + i < MMIO_VGA_PORTS + 0x20; i++) {
            vga_write_port(s, 0x3c0 + (unsigned)(offset + i - MMIO_VGA_PORTS),
                           (uint8_t)(value >> (8 * i)));
        }
    } else if (offset >= MMIO_VBE_REGS && offset < MMIO_VBE_REGS + 2 * VBE_DISPI_INDEX_COUNT &&
               size == 2) {
        vbe_write_reg(s, (unsigned)(offset - MMIO_VBE_REGS) / 2, (uint16_t)value);
    } else {
        log_guest_error("vga: %u-byte MMIO write at %#llx", size, (unsigned long long)offset);
    }
}

static const IoOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_size = 1, .max_size = 2,
};

/* ---- the memory window -------------------------------------------------------------------- */

/* The window offset (0..1FFFFh from A0000h) as an address in the memory map GR6 selects, or
 * -1 outside it. */
static int64_t window_address(const VgaState *s, uint64_t offset)
{
    static const uint32_t base[4] = { 0, 0, 0x10000, 0x18000 };
    static const uint32_t size[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned map = (s->gr[6] >> 2) & 3;
    if (offset < base[map] || offset >= base[map] + size[map]) {
        return -1;
    }
    return (int64_t)(offset - base[map]);
}

static uint32_t plane_word(const VgaState *s, uint32_t addr)
{
    return ld_le32(s->vram + 4 * (size_t)addr);
}

static uint8_t window_read(VgaState *s, uint64_t offset)
{
    if (vbe_is_enabled(s)) {
        return offset < 0x10000 ? s->vram[vbe_bank_offset(s) + offset] : 0xff;
    }
    int64_t a = window_address(s, offset);
    if (a < 0) {
        return 0xff;
    }
    uint32_t addr = (uint32_t)a;
    if (s->sr[4] & SR4_CHAIN4) {
        return s->vram[addr];
    }
    if (s->gr[5] & GR5_ODD_EVEN) { /* reads follow the graphics controller's mode */
        unsigned plane = (s->gr[4] & 2) | (addr & 1);
        return s->vram[((addr & ~1u) << 1) | plane];
    }
    s->latch = plane_word(s, addr);
    if (!(s->gr[5] & 0x08)) {
        return (uint8_t)(s->latch >> (8 * (s->gr[4] & 3)));
    }
    /* read mode 1: color compare against GR2 over the planes GR7 cares about */
    uint32_t diff = (s->latch ^ expand4(s->gr[2])) & expand4(s->gr[7]);
    diff |= diff >> 16;
    diff |= diff >> 8;
    return (uint8_t)~diff;
}

static void window_write(VgaState *s, uint64_t offset, uint8_t v)
{
    s->is_vram_written = true;
    if (vbe_is_enabled(s)) {
        if (offset < 0x10000) {
            s->vram[vbe_bank_offset(s) + offset] = v;
        }
        return;
    }
    int64_t a = window_address(s, offset);
    if (a < 0) {
        return;
    }
    uint32_t addr = (uint32_t)a;
    unsigned map_mask = s->sr[2] & 0xf;
    if (s->sr[4] & SR4_CHAIN4) {
        if (map_mask & (1u << (addr & 3))) {
            s->vram[addr] = v;
        }
        return;
    }
    if (!(s->sr[4] & SR4_ODD_EVEN_OFF)) { /* writes follow the sequencer's */
        unsigned plane = (s->gr[4] & 2) | (addr & 1);
        if (map_mask & (1u << plane)) {
            s->vram[((addr & ~1u) << 1) | plane] = v;
        }
        return;
    }
    uint32_t data, bit_mask = s->gr[8];
    switch (s->gr[5] & 3) {
    case 0: {
        data = rotate_right(v, s->gr[3]) * 0x01010101u;
        uint32_t set_enable = expand4(s->gr[1]);
        data = (data & ~set_enable) | (expand4(s->gr[0]) & set_enable);
        break;
    }
    case 1:
        data = s->latch;
        bit_mask = 0xff;
        break;
    case 2:
        data = expand4(v);
        break;
    default:
        bit_mask &= rotate_right(v, s->gr[3]);
        data = expand4(s->gr[0]);
        break;
    }
    if ((s->gr[5] & 3) != 1) {
        switch (s->gr[3] >> 3) {
        case 1:
            data &= s->latch;
            break;
        case 2:
            data |= s->latch;
            break;
        case 3:
            data ^= s->latch;
            break;
        default:
            break;
        }
    }
    uint32_t bits = bit_mask * 0x01010101u;
    data = (data & bits) | (s->latch & ~bits);
    uint32_t planes = expand4(map_mask);
    uint32_t old = plane_word(s, addr);
    st_le32(s->vram + 4 * (size_t)addr, (old & ~planes) | (data & planes));
}

static uint64_t legacy_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)window_read(opaque, offset + i) << (8 * i);
    }
    return v;
}

static void legacy_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        window_write(opaque, offset + i, (uint8_t)(value >> (8 * i)));
    }
}

static const IoOps legacy_ops = {
    .read = legacy_read, .write = legacy_write, .min_size = 1, .max_size = 1,
};

/* ---- PCI ---------------------------------------------------------------------------------- */

static void map_bar(PciDevice *d, unsigned bar, uint64_t addr)
{
    VgaState *s = d->opaque;
    MemRegion *r = bar == 0 ? s->vram_region : bar == 2 ? s->mmio_region
                 : bar == PCI_ROM_BAR ? s->rom_region : NULL;
    if (!r) {
        return;
    }
    if (addr == PCI_BAR_UNMAPPED) {
        phys_map_set_region_enabled(s->map, r, false);
        return;
    }
    if (phys_map_move_region(s->map, r, addr) == 0) {
        phys_map_set_region_enabled(s->map, r, true);
    } else {
        log_guest_error("vga: BAR %u at %#llx does not fit", bar, (unsigned long long)addr);
        phys_map_set_region_enabled(s->map, r, false);
    }
}

/* Where the BARs wait while unmapped (disabled; the firmware places them). */
#define PARK_VRAM 0xfd000000ull
#define PARK_MMIO 0xfebf0000ull
#define PARK_ROM 0xfebe0000ull

int vga_init(VgaState *s, PciBus *bus, PortSpace *ports, PhysMap *map, const VirtualClock *clock,
             const uint8_t *rom, size_t rom_size)
{
    memset(s, 0, sizeof(*s));
    s->map = map;
    s->clock = clock;
    if (rom_size > ROM_BAR_SIZE) {
        return -EFBIG;
    }
    s->vram_region = phys_map_add_ram(map, "vga.vram", PARK_VRAM, VGA_VRAM_SIZE, NULL, 1);
    s->mmio_region = phys_map_add_mmio(map, "vga.mmio", PARK_MMIO, VGA_MMIO_BAR_SIZE, &mmio_ops,
                                       s, 1);
    MemRegion *legacy = phys_map_add_mmio(map, "vga.legacy", LEGACY_BASE, LEGACY_SIZE,
                                          &legacy_ops, s, 1);
    if (!s->vram_region || !s->mmio_region || !legacy) {
        return -ENOMEM;
    }
    s->vram = phys_region_host_ptr(s->vram_region);
    phys_map_set_region_enabled(map, s->vram_region, false);
    phys_map_set_region_enabled(map, s->mmio_region, false);
    s->pci.devfn = VGA_DEVFN;
    s->pci.name = "vga";
    s->pci.opaque = s;
    s->pci.map_bar = map_bar;
    s->pci.bars[0] = (PciBar){ .size = VGA_VRAM_SIZE, .flags = PCI_BAR_PREFETCH };
    s->pci.bars[2] = (PciBar){ .size = VGA_MMIO_BAR_SIZE };
    if (rom && rom_size) {
        s->rom_region = phys_map_add_rom(map, "vga.rom", PARK_ROM, ROM_BAR_SIZE, 1);
        if (!s->rom_region) {
            return -ENOMEM;
        }
        memcpy(phys_region_host_ptr(s->rom_region), rom, rom_size);
        phys_map_set_region_enabled(map, s->rom_region, false);
        s->pci.bars[PCI_ROM_BAR] = (PciBar){ .size = ROM_BAR_SIZE };
    }
    pci_device_setup(&s->pci, VGA_PCI_VENDOR, VGA_PCI_DEVICE, 0x030000, 2, 0);
    st_le16(s->pci.config + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4); /* as QEMU: Red Hat, QEMU */
    st_le16(s->pci.config + PCI_SUBSYSTEM_ID, 0x1100);
    int r = pci_register(bus, &s->pci);
    if (r == 0) {
        r = port_space_register(ports, PORT_BASE, PORT_COUNT, &ports_ops, s);
    }
    if (r == 0) {
        r = port_space_register(ports, VBE_DISPI_IOPORT_INDEX, 3, &vbe_ports_ops, s);
    }
    if (r == 0) {
        vga_reset(s);
    }
    return r;
}

void vga_reset(VgaState *s)
{
    s->misc_output = 0;
    s->feature_control = 0;
    s->sr_index = s->gr_index = s->ar_index = s->cr_index = 0;
    memset(s->sr, 0, sizeof(s->sr));
    memset(s->gr, 0, sizeof(s->gr));
    memset(s->ar, 0, sizeof(s->ar));
    memset(s->cr, 0, sizeof(s->cr));
    s->is_ar_data = false;
    s->dac_mask = 0xff;
    s->dac_read_index = s->dac_write_index = s->dac_component = 0;
    s->is_dac_reading = false;
    memset(s->palette, 0, sizeof(s->palette));
    s->latch = 0;
    vbe_reset(s);
    s->is_vram_written = true;
    pci_device_reset(&s->pci);
}

static const StateField vga_fields[] = {
    STATE_STRUCT(VgaState, pci, pci_device_state_desc),
    STATE_U8(VgaState, misc_output),
    STATE_U8(VgaState, feature_control),
    STATE_U8(VgaState, sr_index),
    STATE_UINT_ARRAY(VgaState, sr, VGA_SR_COUNT),
    STATE_U8(VgaState, gr_index),
    STATE_UINT_ARRAY(VgaState, gr, VGA_GR_COUNT),
    STATE_U8(VgaState, ar_index),
    STATE_BOOL(VgaState, is_ar_data),
    STATE_UINT_ARRAY(VgaState, ar, VGA_AR_COUNT),
    STATE_U8(VgaState, cr_index),
    STATE_UINT_ARRAY(VgaState, cr, VGA_CR_COUNT),
    STATE_U8(VgaState, dac_mask),
    STATE_U8(VgaState, dac_read_index),
    STATE_U8(VgaState, dac_write_index),
    STATE_U8(VgaState, dac_component),
    STATE_BOOL(VgaState, is_dac_reading),
    STATE_UINT_ARRAY(VgaState, dac_pending, 3),
    STATE_UINT_ARRAY(VgaState, palette, 768),
    STATE_U32(VgaState, latch),
    STATE_U16(VgaState, vbe_index),
    STATE_UINT_ARRAY(VgaState, vbe_regs, VBE_DISPI_INDEX_COUNT),
    STATE_END,
};

static int vga_post_load(void *opaque, char *err, size_t err_size)
{
    VgaState *s = opaque;
    if (s->dac_component > 2) {
        snprintf(err, err_size, "DAC component %u out of range", s->dac_component);
        return -1;
    }
    if (s->sr_index >= VGA_SR_COUNT || s->gr_index >= VGA_GR_COUNT) {
        snprintf(err, err_size, "register index out of range");
        return -1;
    }
    pci_device_update_mappings(&s->pci);
    s->is_vram_written = true;
    return 0;
}

const StateDesc vga_state_desc = {
    .name = "vga", .version = 1, .min_version = 1, .fields = vga_fields,
    .post_load = vga_post_load,
};
