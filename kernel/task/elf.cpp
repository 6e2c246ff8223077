#include "task/elf.h"

#include "base/string.h"

namespace elf {

namespace {

struct Header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct ProgramHeader {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

constexpr uint16_t kTypeExec = 2;
constexpr uint16_t kMachineRiscV = 243;
constexpr uint32_t kLoad = 1;
constexpr uint32_t kFlagX = 1, kFlagW = 2, kFlagR = 4;

bool inside_user(uint64_t va, uint64_t size) {
    return va >= rvos::kUserBase && va < rvos::kUserEnd && size <= rvos::kUserEnd - va;
}

}  // namespace

base::ErrorOr<Image> parse(const uint8_t* data, size_t size) {
    using rvos::Error;
    Header header;
    if (size < sizeof header) return Error::BadExecutable;
    base::mem_copy(&header, data, sizeof header);
    static const uint8_t kMagic[] = {0x7f, 'E', 'L', 'F', 2 /*64-bit*/, 1 /*little-endian*/};
    if (!base::mem_equal(header.ident, kMagic, sizeof kMagic) || header.type != kTypeExec ||
        header.machine != kMachineRiscV || header.phentsize != sizeof(ProgramHeader))
        return Error::BadExecutable;
    if (header.phoff > size || header.phnum > (size - header.phoff) / sizeof(ProgramHeader))
        return Error::BadExecutable;

    Image image{};
    image.entry = header.entry;
    for (size_t i = 0; i < header.phnum; i++) {
        ProgramHeader ph;
        base::mem_copy(&ph, data + header.phoff + i * sizeof ph, sizeof ph);
        if (ph.type != kLoad || ph.memsz == 0) continue;
        if (image.segment_count == Image::kMaxSegments || ph.filesz > ph.memsz || ph.offset > size ||
            ph.filesz > size - ph.offset || !inside_user(ph.vaddr, ph.memsz))
            return Error::BadExecutable;
        image.segments[image.segment_count++] = Segment{ph.vaddr, ph.offset, ph.filesz, ph.memsz,
                                                        (ph.flags & kFlagR) != 0, (ph.flags & kFlagW) != 0,
                                                        (ph.flags & kFlagX) != 0};
    }
    if (image.segment_count == 0 || !inside_user(image.entry, 4)) return Error::BadExecutable;
    return image;
}

}  // namespace elf
