// The ELF checks the loader makes before it copies anything (kernel/task/elf):
// a well-formed executable is described exactly, and every kind of bad
// image — cut short, wrong machine, segments outside the file or user
// space, overlapping segments, an entry point outside executable code — is
// BadExecutable, whether the image is contiguous (embedded in the kernel)
// or in scattered pages (read from a file). Damaged images never read
// outside the image (ASan checks).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "task/elf.h"

namespace {

using rvos::Error;

using elf::Header;
using elf::ProgramHeader;

constexpr uint32_t kR = 4, kW = 2, kX = 1;
constexpr uint64_t kCode = 0x4000'0000, kData = 0x4001'0000;

// A small executable: code at kCode (R+X, 0x200 bytes from file offset
// 0x1000), data at kData (R+W, 0x100 bytes in the file, 0x2000 in memory).
struct Builder {
    Header header{};
    std::vector<ProgramHeader> segments;
    size_t size = 0x1400;

    Builder() {
        const uint8_t magic[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
        std::memcpy(header.ident, magic, sizeof magic);
        header.type = 2;
        header.machine = 243;
        header.version = 1;
        header.entry = kCode + 0x10;
        header.phoff = sizeof(Header);
        header.ehsize = sizeof(Header);
        header.phentsize = sizeof(ProgramHeader);
        segments.push_back({1, kR | kX, 0x1000, kCode, kCode, 0x200, 0x200, 0x1000});
        segments.push_back({1, kR | kW, 0x1200, kData, kData, 0x100, 0x2000, 0x1000});
    }
    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out(size);
        for (size_t i = 0x1000; i < out.size(); i++) out[i] = static_cast<uint8_t>(i * 7);
        Header h = header;
        h.phnum = static_cast<uint16_t>(segments.size());
        std::memcpy(out.data(), &h, std::min(sizeof h, out.size()));
        for (size_t i = 0; i < segments.size(); i++) {
            size_t at = h.phoff + i * sizeof(ProgramHeader);
            if (at <= out.size() && sizeof(ProgramHeader) <= out.size() - at) std::memcpy(&out[at], &segments[i], sizeof(ProgramHeader));
        }
        return out;
    }
};

// The same bytes in separately allocated pages, as a memory object holds them.
struct Paged {
    std::vector<std::vector<uint8_t>> pages;
    explicit Paged(const std::vector<uint8_t>& bytes) {
        for (size_t at = 0; at < bytes.size(); at += rvos::kPageSize) {
            std::vector<uint8_t> page(std::min<size_t>(rvos::kPageSize, bytes.size() - at));
            std::memcpy(page.data(), &bytes[at], page.size());
            pages.push_back(std::move(page));  // exactly as long as the image: ASan sees any read past it
        }
    }
    static const uint8_t* page(const void* self, size_t index) {
        return static_cast<const Paged*>(self)->pages.at(index).data();
    }
    elf::Source source(size_t size) const { return elf::Source{size, nullptr, this, page}; }
};

Error parse_error(const std::vector<uint8_t>& bytes) {
    auto contiguous = elf::parse(bytes.data(), bytes.size());
    Paged paged(bytes);
    auto scattered = elf::parse(paged.source(bytes.size()));
    EXPECT_EQ(contiguous.is_error(), scattered.is_error());
    if (!contiguous.is_error()) return Error::None;
    EXPECT_EQ(contiguous.error(), scattered.error());
    return contiguous.error();
}

TEST(Elf, AWellFormedExecutableIsDescribedExactly) {
    auto bytes = Builder().bytes();
    auto image = elf::parse(bytes.data(), bytes.size());
    ASSERT_FALSE(image.is_error());
    EXPECT_EQ(image.value().entry, kCode + 0x10);
    ASSERT_EQ(image.value().segment_count, 2u);
    const elf::Segment& code = image.value().segments[0];
    EXPECT_EQ(code.vaddr, kCode);
    EXPECT_EQ(code.file_offset, 0x1000u);
    EXPECT_EQ(code.file_size, 0x200u);
    EXPECT_TRUE(code.readable && code.executable && !code.writable);
    const elf::Segment& data = image.value().segments[1];
    EXPECT_EQ(data.memory_size, 0x2000u);
    EXPECT_TRUE(data.readable && data.writable && !data.executable);
}

TEST(Elf, PagedAndContiguousImagesReadTheSame) {
    auto bytes = Builder().bytes();
    Paged paged(bytes);
    elf::Source source = paged.source(bytes.size());
    // A copy across the page boundary gives the same bytes.
    std::vector<uint8_t> copied(0x300);
    source.copy(0xf00, copied.data(), copied.size());
    EXPECT_TRUE(std::equal(copied.begin(), copied.end(), bytes.begin() + 0xf00));
    size_t run = 0;
    EXPECT_EQ(source.at(0xff0, 0x100, run), paged.pages[0].data() + 0xff0);
    EXPECT_EQ(run, 0x10u);  // only to the page's end
    EXPECT_EQ(parse_error(bytes), Error::None);
}

TEST(Elf, ProgramHeadersStraddlingAPageAreReadWhole) {
    Builder b;
    b.header.phoff = rvos::kPageSize - 20;  // the table crosses into the second page
    b.segments[0].offset = 0x2000;
    b.segments[1].offset = 0x2200;
    b.size = 0x2400;
    auto bytes = b.bytes();
    EXPECT_EQ(parse_error(bytes), Error::None);
    Paged paged(bytes);
    auto image = elf::parse(paged.source(bytes.size()));
    ASSERT_FALSE(image.is_error());
    EXPECT_EQ(image.value().segments[1].vaddr, kData);
    EXPECT_EQ(image.value().segments[1].file_offset, 0x2200u);
}

TEST(Elf, AnImageCutShortIsRefused) {
    auto bytes = Builder().bytes();
    for (size_t size : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{64 + 56}, size_t{0x1100}, size_t{0x1250}}) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + size);
        EXPECT_EQ(parse_error(cut), Error::BadExecutable) << size << " bytes";
    }
}

TEST(Elf, AnotherKindOfFileIsRefused) {
    auto check = [](auto change, const char* what) {
        Builder b;
        change(b);
        EXPECT_EQ(parse_error(b.bytes()), Error::BadExecutable) << what;
    };
    check([](Builder& b) { b.header.ident[1] = 'X'; }, "magic");
    check([](Builder& b) { b.header.ident[4] = 1; }, "32-bit");
    check([](Builder& b) { b.header.ident[5] = 2; }, "big-endian");
    check([](Builder& b) { b.header.type = 3; }, "shared object");
    check([](Builder& b) { b.header.machine = 62; }, "x86-64");
    check([](Builder& b) { b.header.phentsize = 32; }, "program header size");
}

TEST(Elf, ProgramHeadersOutsideTheImageAreRefused) {
    auto check = [](auto change, const char* what) {
        Builder b;
        change(b);
        EXPECT_EQ(parse_error(b.bytes()), Error::BadExecutable) << what;
    };
    check([](Builder& b) { b.header.phoff = 0x1400; }, "table at the end");
    check([](Builder& b) { b.header.phoff = ~0ull; }, "table far past the end");
    check([](Builder& b) { b.header.phoff = 0x1400 - 56; }, "table cut at the end");
    check([](Builder& b) { b.segments.resize(200, b.segments[0]); }, "more headers than the image holds");
}

TEST(Elf, SegmentsOutsideTheFileOrUserSpaceAreRefused) {
    auto check = [](auto change, const char* what) {
        Builder b;
        change(b.segments[1]);
        EXPECT_EQ(parse_error(b.bytes()), Error::BadExecutable) << what;
    };
    check([](ProgramHeader& s) { s.offset = 0x1400; s.filesz = 1; }, "data past the file");
    check([](ProgramHeader& s) { s.offset = ~0ull - 4; }, "offset wrapping");
    check([](ProgramHeader& s) { s.filesz = ~0ull; }, "size wrapping");
    check([](ProgramHeader& s) { s.filesz = 0x3000; }, "file size above memory size");
    check([](ProgramHeader& s) { s.vaddr = 0x1000; }, "below user space");
    check([](ProgramHeader& s) { s.vaddr = 0x8000'0000; }, "the kernel's RAM");
    check([](ProgramHeader& s) { s.vaddr = 0x7fff'f000; s.memsz = 0x2000; }, "running off user space");
    check([](ProgramHeader& s) { s.vaddr = 0x7fff'f000; s.memsz = ~0ull; }, "memory size wrapping");
}

TEST(Elf, OverlappingSegmentsAreRefused) {
    Builder same_page;
    same_page.segments[1].vaddr = kCode + 0x800;  // shares the code's page
    EXPECT_EQ(parse_error(same_page.bytes()), Error::BadExecutable);
    Builder inside;
    inside.segments[1].vaddr = kCode - 0x1000;  // its 0x2000 bytes run over the code
    EXPECT_EQ(parse_error(inside.bytes()), Error::BadExecutable);
    Builder apart;
    apart.segments[1].vaddr = kCode + 0x1000;  // the next page: fine
    EXPECT_EQ(parse_error(apart.bytes()), Error::None);
}

TEST(Elf, AnEntryPointOutsideExecutableCodeIsRefused) {
    for (uint64_t entry : {kData + 0x10, kCode + 0x200, uint64_t{0}, uint64_t{0x9000'0000}}) {
        Builder b;
        b.header.entry = entry;
        EXPECT_EQ(parse_error(b.bytes()), Error::BadExecutable) << std::hex << entry;
    }
    Builder nothing_loadable;
    for (auto& s : nothing_loadable.segments) s.type = 4;  // notes only
    EXPECT_EQ(parse_error(nothing_loadable.bytes()), Error::BadExecutable);
}

TEST(Elf, MoreSegmentsThanTheLoaderTakesAreRefused) {
    Builder b;
    b.segments.clear();
    for (size_t i = 0; i <= elf::Image::kMaxSegments; i++)
        b.segments.push_back({1, kR | kX, 0x1000, kCode + i * 0x1000, 0, 0x10, 0x10, 0x1000});
    b.header.entry = kCode;
    EXPECT_EQ(parse_error(b.bytes()), Error::BadExecutable);
    b.segments.pop_back();
    EXPECT_EQ(parse_error(b.bytes()), Error::None);
}

// Random damage: every result is a clean refusal or an image whose
// segments lie inside the file and user space (ASan checks the reads).
TEST(Elf, DamagedImagesAreRefusedOrDescribeOnlyTheirOwnBytes) {
    std::mt19937_64 random(2026);
    auto good = Builder().bytes();
    for (int round = 0; round < 20000; round++) {
        auto bytes = good;
        int flips = 1 + static_cast<int>(random() % 8);
        for (int i = 0; i < flips; i++) {
            size_t at = random() % (random() % 2 ? 64 + 2 * 56 : bytes.size());
            bytes[at] = static_cast<uint8_t>(random());
        }
        if (random() % 4 == 0) bytes.resize(random() % bytes.size());
        Paged paged(bytes);
        auto image = elf::parse(paged.source(bytes.size()));
        if (image.is_error()) {
            ASSERT_EQ(image.error(), Error::BadExecutable);
            continue;
        }
        for (size_t i = 0; i < image.value().segment_count; i++) {
            const elf::Segment& s = image.value().segments[i];
            ASSERT_LE(s.file_offset + s.file_size, bytes.size());
            ASSERT_GE(s.vaddr, rvos::kUserBase);
            ASSERT_LE(s.vaddr + s.memory_size, rvos::kUserEnd);
        }
    }
}

// Every program the build made (when it has made them) passes the checks.
TEST(Elf, EveryProgramTheBuildMadeIsAccepted) {
    const char* names[] = {"shell", "fs", "ext2", "virtio-blk", "hello", "crash", "bench", "lua"};
    int found = 0;
    for (const char* name : names) {
        std::ifstream in(std::string("build/user/") + name + ".elf", std::ios::binary);
        if (!in) continue;
        std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        found++;
        EXPECT_EQ(parse_error(bytes), Error::None) << name;
    }
    if (found == 0) GTEST_SKIP() << "no programs built yet (make build)";
}

}  // namespace
