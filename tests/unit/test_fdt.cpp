// The device tree reader and the machine description, against the device
// trees QEMU's virt machine really produces (dumped by the build with
// `-machine virt,dumpdtb=`, at several RAM sizes), and against damaged
// copies of them: every read must stay inside the blob (ASan checks).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fdt/fdt.h"
#include "fdt/machine.h"

namespace {

// The blob, cut to its header's totalsize (QEMU pads the file).
std::vector<uint8_t> load(const std::string& name) {
    std::ifstream in("build/host/dtb/" + name, std::ios::binary);
    std::vector<uint8_t> file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (file.size() >= 8) file.resize(std::min<size_t>(file.size(), fdt::load_be32(file.data() + 4)));
    return file;
}

void store_be32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    b[at] = uint8_t(v >> 24), b[at + 1] = uint8_t(v >> 16), b[at + 2] = uint8_t(v >> 8), b[at + 3] = uint8_t(v);
}

// Parses from an exact-size heap copy, so ASan catches any read past it.
base::ErrorOr<fdt::Machine> describe_copy(const std::vector<uint8_t>& blob, size_t max_size) {
    size_t size = std::min(max_size, blob.size());
    auto* copy = new uint8_t[size];
    std::copy(blob.begin(), blob.begin() + long(size), copy);
    auto result = fdt::describe(copy, size);
    delete[] copy;
    return result;
}

// Reads every byte of every name and property the walk hands out, so a
// length or offset that lies is caught by ASan.
struct TouchEverything final : fdt::Visitor {
    uint64_t sum = 0;
    void begin_node(const fdt::Node& n) override { sum += std::strlen(n.name); }
    void property(const fdt::Node&, const fdt::Property& p) override {
        sum += std::strlen(p.name);
        for (uint32_t i = 0; i < p.length; i++) sum += p.data[i];
    }
};

bool walk_copy(const std::vector<uint8_t>& blob) {
    auto* copy = new uint8_t[blob.size()];
    std::copy(blob.begin(), blob.end(), copy);
    bool ok = false;
    if (auto opened = fdt::Blob::open(copy, blob.size()); !opened.is_error()) {
        TouchEverything touch;
        ok = !opened.value().walk(touch).is_error();
    }
    delete[] copy;
    return ok;
}

TEST(Fdt, DescribesQemuVirtMachine) {
    auto blob = load("virt-128M.dtb");
    ASSERT_GT(blob.size(), 1000u) << "run `make unit` (it dumps the device trees)";
    EXPECT_TRUE(walk_copy(blob));
    auto result = describe_copy(blob, blob.size());
    ASSERT_FALSE(result.is_error()) << rvos::error_name(result.error());
    const fdt::Machine& m = result.value();
    EXPECT_EQ(m.ram_base, 0x8000'0000u);
    EXPECT_EQ(m.ram_size, 128u << 20);
    EXPECT_EQ(m.timebase_hz, 10'000'000u);
    EXPECT_EQ(m.uart.base, 0x1000'0000u);
    EXPECT_EQ(m.uart.size, 0x100u);
    EXPECT_EQ(m.uart.irq, 10u);
    EXPECT_EQ(m.plic.base, 0x0c00'0000u);
    EXPECT_EQ(m.plic.size, 0x60'0000u);
    EXPECT_EQ(m.rtc.base, 0x10'1000u);
    EXPECT_EQ(m.rtc.irq, 11u);
    EXPECT_EQ(m.poweroff.base, 0x10'0000u);
    ASSERT_EQ(m.virtio_count, 8u);
    for (size_t i = 0; i < m.virtio_count; i++) {
        EXPECT_EQ(m.virtio[i].base, 0x1000'1000u + 0x1000u * i) << i;
        EXPECT_EQ(m.virtio[i].size, 0x1000u) << i;
        EXPECT_EQ(m.virtio[i].irq, 1u + i) << i;
    }
}

TEST(Fdt, RamSizeFollowsTheMachine) {
    for (auto [name, size] : {std::pair{"virt-256M.dtb", 256ull << 20}, std::pair{"virt-1G.dtb", 1ull << 30}}) {
        auto blob = load(name);
        ASSERT_GT(blob.size(), 1000u) << name;
        auto result = describe_copy(blob, blob.size());
        ASSERT_FALSE(result.is_error()) << name;
        EXPECT_EQ(result.value().ram_size, size) << name;
        EXPECT_EQ(result.value().ram_base, 0x8000'0000u) << name;
    }
}

TEST(Fdt, RefusesBadHeaders) {
    auto blob = load("virt-128M.dtb");
    ASSERT_GT(blob.size(), 40u);
    EXPECT_EQ(describe_copy(blob, 39).error(), rvos::Error::BadArgument);        // shorter than a header
    EXPECT_EQ(describe_copy(blob, blob.size() - 1).error(), rvos::Error::BadArgument);  // totalsize past the room
    auto bad = blob;
    bad[0] ^= 1;  // magic
    EXPECT_EQ(describe_copy(bad, bad.size()).error(), rvos::Error::BadArgument);
    bad = blob;
    store_be32(bad, 20, 15);  // version too old
    EXPECT_EQ(describe_copy(bad, bad.size()).error(), rvos::Error::BadArgument);
    bad = blob;
    store_be32(bad, 36, uint32_t(blob.size()));  // structure block overruns
    EXPECT_EQ(describe_copy(bad, bad.size()).error(), rvos::Error::BadArgument);
    bad = blob;
    store_be32(bad, 12, 0xffff'fff0u);  // strings block far outside
    EXPECT_EQ(describe_copy(bad, bad.size()).error(), rvos::Error::BadArgument);
}

TEST(Fdt, TruncatedStructureIsAnErrorNotAnOverrun) {
    auto blob = load("virt-128M.dtb");
    ASSERT_GT(blob.size(), 40u);
    uint32_t struct_size = fdt::load_be32(blob.data() + 36);
    for (uint32_t cut = 0; cut < struct_size; cut += 4) {
        auto bad = blob;
        store_be32(bad, 36, cut);
        EXPECT_TRUE(describe_copy(bad, bad.size()).is_error()) << cut;
    }
}

TEST(Fdt, MissingEssentialsAreNotFound) {
    auto blob = load("virt-128M.dtb");
    ASSERT_GT(blob.size(), 40u);
    // Rename every "ns16550a" so the tree has no UART.
    std::string needle = "ns16550a";
    auto bad = blob;
    for (size_t i = 0; i + needle.size() <= bad.size(); i++)
        if (std::equal(needle.begin(), needle.end(), bad.begin() + long(i))) bad[i] = 'X';
    EXPECT_EQ(describe_copy(bad, bad.size()).error(), rvos::Error::NotFound);
}

TEST(Fdt, RandomDamageNeverReadsOutsideTheBlob) {
    auto blob = load("virt-128M.dtb");
    ASSERT_GT(blob.size(), 40u);
    std::mt19937 random(12345);
    for (int round = 0; round < 3000; round++) {
        auto bad = blob;
        int flips = 1 + int(random() % 8);
        for (int i = 0; i < flips; i++) {
            // Damage the header and structure block more often than the rest.
            size_t at = (random() % 4 == 0) ? random() % 64 : random() % bad.size();
            bad[at] = uint8_t(random());
        }
        (void)describe_copy(bad, bad.size());  // any verdict; never a fault
        (void)walk_copy(bad);
    }
}

TEST(Fdt, PropertyHelpers) {
    const uint8_t strings[] = "sifive,plic-1.0.0\0riscv,plic0";
    fdt::Property list{"compatible", strings, sizeof strings};
    EXPECT_TRUE(list.has_string("riscv,plic0"));
    EXPECT_TRUE(list.has_string("sifive,plic-1.0.0"));
    EXPECT_FALSE(list.has_string("riscv"));
    EXPECT_FALSE(list.has_string("plic0"));
    const uint8_t unterminated[] = {'a', 'b'};
    EXPECT_FALSE((fdt::Property{"x", unterminated, 2}.has_string("ab")));
    const uint8_t cells[] = {0, 0, 0, 1, 0x80, 0, 0, 0, 0xde, 0xad};
    fdt::Property reg{"reg", cells, sizeof cells};
    EXPECT_EQ(reg.cells(0, 2), 0x1'8000'0000ull);
    EXPECT_EQ(reg.cell(1), 0x8000'0000u);
    EXPECT_EQ(reg.cell(2), 0u);  // only 2 bytes left: not a cell
}

}  // namespace
