// Fills a Machine record from the device tree (see machine.h). Properties of
// a node arrive in any order, so each node's are collected and judged at its
// end; `#address-cells`/`#size-cells` come from the parent, as the device
// tree specification says, with its defaults (2 and 1).
#include "fdt/machine.h"

#include "base/string.h"
#include "fdt/fdt.h"

namespace fdt {
namespace {

constexpr uint32_t kDefaultAddressCells = 2, kDefaultSizeCells = 1;

struct Cells {
    uint32_t address = kDefaultAddressCells, size = kDefaultSizeCells;
};

class Describer final : public Visitor {
public:
    Machine machine;

    void begin_node(const Node& node) override {
        if (node.depth >= kMaxDepth) return;
        // A node's children read its #cells; start from the defaults.
        own_[node.depth] = {};
        collected_[node.depth] = {};
    }

    void property(const Node& where, const Property& p) override {
        if (where.depth >= kMaxDepth) return;
        Collected& node = collected_[where.depth];
        if (base::str_equal(p.name, "#address-cells")) own_[where.depth].address = p.cell(0);
        else if (base::str_equal(p.name, "#size-cells")) own_[where.depth].size = p.cell(0);
        else if (base::str_equal(p.name, "reg")) node.reg = p;
        else if (base::str_equal(p.name, "interrupts")) node.irq = p.cell(0);
        else if (base::str_equal(p.name, "compatible")) node.compatible = p;
        else if (base::str_equal(p.name, "device_type")) node.device_type = p;
        else if (base::str_equal(p.name, "timebase-frequency")) machine.timebase_hz = p.cells(0, p.length >= 8 ? 2 : 1);
    }

    // A node is judged at its end, when all its properties are known.
    void end_node(const Node& node) override {
        if (node.depth == 0 || node.depth >= kMaxDepth) return;
        if (collected_[node.depth].reg.data != nullptr) judge(collected_[node.depth], own_[node.depth - 1]);
    }

private:
    struct Collected {
        Property reg{};
        Property compatible{};
        Property device_type{};
        uint32_t irq = 0;
    };

    void judge(const Collected& node, Cells parent) {
        uint32_t per_entry = parent.address + parent.size;
        if (parent.address == 0 || parent.address > 2 || parent.size > 2 || node.reg.length < per_entry * 4) return;
        Device d{node.reg.cells(0, parent.address), node.reg.cells(parent.address, parent.size), node.irq};
        const Property& c = node.compatible;
        if (node.device_type.data != nullptr && node.device_type.has_string("memory")) {
            add_ram(node.reg, parent, per_entry);
        } else if (c.has_string("ns16550a")) {
            if (!machine.uart.present()) machine.uart = d;
        } else if (c.has_string("riscv,plic0") || c.has_string("sifive,plic-1.0.0")) {
            machine.plic = d;
        } else if (c.has_string("google,goldfish-rtc")) {
            machine.rtc = d;
        } else if (c.has_string("sifive,test0")) {
            machine.poweroff = d;
        } else if (c.has_string("virtio,mmio") && machine.virtio_count < kMaxVirtioSlots) {
            insert_sorted(d);
        }
    }

    // Every `reg` entry of a memory node is a bank; the kernel runs in the
    // lowest one and uses it alone.
    void add_ram(const Property& reg, Cells parent, uint32_t per_entry) {
        for (uint32_t i = 0; (i + 1) * per_entry * 4 <= reg.length && i < kMaxRamBanks; i++) {
            uint64_t base = reg.cells(i * per_entry, parent.address);
            uint64_t size = reg.cells(i * per_entry + parent.address, parent.size);
            if (size != 0 && (machine.ram_size == 0 || base < machine.ram_base)) {
                machine.ram_base = base;
                machine.ram_size = size;
            }
        }
    }

    void insert_sorted(const Device& d) {
        size_t at = machine.virtio_count++;
        while (at > 0 && machine.virtio[at - 1].base > d.base) {
            machine.virtio[at] = machine.virtio[at - 1];
            at--;
        }
        machine.virtio[at] = d;
    }

    Cells own_[kMaxDepth];
    Collected collected_[kMaxDepth];
};

}  // namespace

base::ErrorOr<Machine> describe(const void* dtb, size_t max_size) {
    Blob blob = TRY(Blob::open(dtb, max_size));
    Describer describer;
    TRY(blob.walk(describer));
    const Machine& m = describer.machine;
    if (m.ram_size == 0 || m.timebase_hz == 0 || !m.uart.present() || !m.plic.present())
        return rvos::Error::NotFound;
    return m;
}

}  // namespace fdt
