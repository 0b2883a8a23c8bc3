/* hw/pci/pci.c: PCI bus 0, configuration mechanism #1 and the type 0 header (see pci.h). */
#include "hw/pci/pci.h"

#include <errno.h>
#include <string.h>

#include "util/endian.h"
#include "util/log.h"

#define CONFIG_ENABLE (1u << 31)
#define COMMAND_WRITABLE 0x0547u /* I/O, memory, master, parity, SERR, INTx disable */
#define STATUS_W1C 0xf900u       /* parity, SERR, master/target aborts (§6.2.3) */

static uint32_t config_read_raw(const PciDevice *d, unsigned offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && offset + i < PCI_CONFIG_SIZE; i++) {
        v |= (uint32_t)d->config[offset + i] << (8 * i);
    }
    return v;
}

/* The configuration offset of BAR n (the ROM's is apart from the others). */
static unsigned bar_offset(unsigned n)
{
    return n == PCI_ROM_BAR ? PCI_ROM_ADDRESS : PCI_BAR0 + 4 * n;
}

/* Where BAR n decodes now, from its register and the command register. */
static uint64_t bar_address(const PciDevice *d, unsigned n)
{
    const PciBar *b = &d->bars[n];
    uint16_t cmd = (uint16_t)config_read_raw(d, PCI_COMMAND, 2);
    uint32_t lo = config_read_raw(d, bar_offset(n), 4);
    if (n == PCI_ROM_BAR) {
        uint64_t addr = lo & ~0x7ffu;
        bool on = (cmd & PCI_COMMAND_MEMORY) && (lo & PCI_ROM_ENABLE);
        return on && addr != 0 && addr + b->size < (1ull << 32) ? addr : PCI_BAR_UNMAPPED;
    }
    if (b->flags & PCI_BAR_IO) {
        uint64_t addr = lo & ~3u;
        if (!(cmd & PCI_COMMAND_IO) || addr == 0 || addr + b->size > 0x10000) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }
    uint64_t addr = lo & ~15u;
    if (b->flags & PCI_BAR_MEM64) {
        addr |= (uint64_t)config_read_raw(d, PCI_BAR0 + 4 * (n + 1), 4) << 32;
    }
    uint64_t limit = (b->flags & PCI_BAR_MEM64) ? (1ull << 52) : (1ull << 32);
    /* A BAR being sized (all ones written: it would end at 4 GiB) or never set decodes
     * nothing. */
    if (!(cmd & PCI_COMMAND_MEMORY) || addr == 0 || addr + b->size >= limit) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

void pci_device_update_mappings(PciDevice *d)
{
    for (unsigned n = 0; n < PCI_BARS; n++) {
        PciBar *b = &d->bars[n];
        if (!b->size) {
            continue;
        }
        uint64_t addr = bar_address(d, n);
        if (addr != b->mapped) {
            b->mapped = addr;
            if (d->map_bar) {
                d->map_bar(d, n, addr);
            }
        }
    }
}

void pci_device_setup(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_code,
                      uint8_t revision, uint8_t header_type)
{
    st_le16(d->config + PCI_VENDOR_ID, vendor);
    st_le16(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    st_le16(d->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    d->config[PCI_HEADER_TYPE] = header_type;
    st_le16(d->wmask + PCI_COMMAND, COMMAND_WRITABLE);
    st_le16(d->w1cmask + PCI_STATUS, STATUS_W1C);
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (unsigned n = 0; n < PCI_BARS; n++) {
        PciBar *b = &d->bars[n];
        b->mapped = PCI_BAR_UNMAPPED;
        if (!b->size) {
            continue;
        }
        uint64_t mask = ~(b->size - 1) & ((b->flags & PCI_BAR_IO) ? ~3ull : ~15ull);
        if (n == PCI_ROM_BAR) {
            mask = (~(b->size - 1) & ~0x7ffull) | PCI_ROM_ENABLE;
        }
        st_le32(d->wmask + bar_offset(n), (uint32_t)mask);
        if (b->flags & PCI_BAR_MEM64) {
            st_le32(d->wmask + PCI_BAR0 + 4 * (n + 1), (uint32_t)(mask >> 32));
        }
    }
}

void pci_device_reset(PciDevice *d)
{
    st_le16(d->config + PCI_COMMAND, 0);
    st_le16(d->config + PCI_STATUS, 0);
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (unsigned n = 0; n < PCI_BARS; n++) {
        if (d->bars[n].size) {
            st_le32(d->config + bar_offset(n), d->bars[n].flags);
            if (d->bars[n].flags & PCI_BAR_MEM64) {
                st_le32(d->config + PCI_BAR0 + 4 * (n + 1), 0);
            }
        }
    }
    pci_device_update_mappings(d);
}

int pci_register(PciBus *bus, PciDevice *d)
{
    if (bus->devices[d->devfn]) {
        return -EBUSY;
    }
    bus->devices[d->devfn] = d;
    return 0;
}

uint32_t pci_config_read(PciBus *bus, uint8_t devfn, unsigned offset, unsigned size)
{
    const PciDevice *d = bus->devices[devfn];
    if (!d) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; /* master abort */
    }
    return config_read_raw(d, offset, size);
}

void pci_config_write(PciBus *bus, uint8_t devfn, unsigned offset, uint32_t value, unsigned size)
{
    PciDevice *d = bus->devices[devfn];
    if (!d) {
        return;
    }
    for (unsigned i = 0; i < size && offset + i < PCI_CONFIG_SIZE; i++) {
        unsigned o = offset + i;
        uint8_t v = (uint8_t)(value >> (8 * i));
        d->config[o] = (uint8_t)((d->config[o] & ~d->wmask[o]) | (v & d->wmask[o]));
        d->config[o] &= (uint8_t)~(v & d->w1cmask[o]);
    }
    if (offset < PCI_ROM_ADDRESS + 4 && offset + size > PCI_COMMAND) {
        pci_device_update_mappings(d);
    }
    if (d->config_written) {
        d->config_written(d, offset, size);
    }
}

/* CONFIG_ADDRESS: enable (31), bus (23:16), device (15:11), function (10:8), register (7:2). */
static bool decode_address(const PciBus *bus, uint8_t *devfn, unsigned *reg)
{
    uint32_t a = bus->config_address;
    if (!(a & CONFIG_ENABLE) || ((a >> 16) & 0xff) != 0) {
        return false;
    }
    *devfn = (uint8_t)(a >> 8);
    *reg = a & 0xfc;
    return true;
}

#define RESET_CONTROL_OFFSET 1
#define RC_HARD (1u << 1)
#define RC_RESET_CPU (1u << 2)
#define RC_WRITABLE 0x0eu

/* Mechanism #1 decodes only dword accesses to 0CF8h (§3.2.2.3.2); a byte at 0CF9h is the
 * reset control register; anything else there reaches nothing. */
static uint64_t address_read(void *opaque, uint64_t offset, unsigned size)
{
    PciBus *bus = opaque;
    if (offset == 0 && size == 4) {
        return bus->config_address;
    }
    if (offset == RESET_CONTROL_OFFSET && size == 1) {
        return bus->reset_control;
    }
    return (1ull << (8 * size)) - 1;
}

static void address_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PciBus *bus = opaque;
    if (offset == 0 && size == 4) {
        bus->config_address = (uint32_t)value & 0x80fffffcu;
    } else if (offset == RESET_CONTROL_OFFSET && size == 1) {
        uint8_t old = bus->reset_control;
        bus->reset_control = (uint8_t)value & RC_WRITABLE;
        if ((value & RC_RESET_CPU) && !(old & RC_RESET_CPU) && bus->reset_request) {
            bus->reset_request(bus->reset_opaque, (value & RC_HARD) != 0);
        }
    } else {
        log_guest_error("pci: %u-byte write to port %#llx", size,
                        (unsigned long long)(PCI_CONFIG_ADDRESS + offset));
    }
}

static const IoOps address_ops = {
    .read = address_read, .write = address_write, .min_size = 1, .max_size = 4,
};

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
    PciBus *bus = opaque;
    uint8_t devfn;
    unsigned reg;
    if (!decode_address(bus, &devfn, &reg)) {
        return (1ull << (8 * size)) - 1;
    }
    return pci_config_read(bus, devfn, reg + (unsigned)offset, size);
}

static void data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PciBus *bus = opaque;
    uint8_t devfn;
    unsigned reg;
    if (decode_address(bus, &devfn, &reg)) {
        pci_config_write(bus, devfn, reg + (unsigned)offset, (uint32_t)value, size);
    }
}

static const IoOps data_ops = {
    .read = data_read, .write = data_write, .min_size = 1, .max_size = 4,
};

void pci_bus_reset(PciBus *bus)
{
    bus->config_address = 0;
    bus->reset_control = 0;
}

static const StateField pci_bus_fields[] = {
    STATE_U32(PciBus, config_address),
    STATE_U8(PciBus, reset_control),
    STATE_END,
};

const StateDesc pci_bus_state_desc = {
    .name = "pci-bus", .version = 1, .min_version = 1, .fields = pci_bus_fields,
};

static int pci_device_post_load(void *opaque, char *err, size_t err_size)
{
    PciDevice *d = opaque;
    (void)err;
    (void)err_size;
    pci_device_update_mappings(d);
    return 0;
}

static const StateField pci_device_fields[] = {
    STATE_BUFFER(PciDevice, config),
    STATE_END,
};

const StateDesc pci_device_state_desc = {
    .name = "pci", .version = 1, .min_version = 1, .fields = pci_device_fields,
    .post_load = pci_device_post_load,
};

int pci_bus_init(PciBus *bus, PortSpace *ports)
{
    memset(bus->devices, 0, sizeof(bus->devices));
    pci_bus_reset(bus);
    int r = port_space_register(ports, PCI_CONFIG_ADDRESS, 4, &address_ops, bus);
    if (r == 0) {
        r = port_space_register(ports, PCI_CONFIG_DATA, 4, &data_ops, bus);
    }
    return r;
}
