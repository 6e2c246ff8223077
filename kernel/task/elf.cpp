// The ELF64 checks (see elf.h): nothing in an image is trusted; every
// offset, count and address is checked before it is used.
#include "task/elf.h"

#include "base/string.h"

namespace elf {

namespace {

constexpr uint16_t kTypeExec = 2;
constexpr uint16_t kMachineRiscV = 243;
constexpr uint32_t kLoad = 1;
constexpr uint32_t kFlagX = 1, kFlagW = 2, kFlagR = 4;

bool inside_user(uint64_t va, uint64_t size) {
    return va >= rvos::kUserBase && va < rvos::kUserEnd && size <= rvos::kUserEnd - va;
}

// The whole pages a segment is loaded into (the loader maps those).
uint64_t first_page(const Segment& s) { return base::align_down(s.vaddr, rvos::kPageSize); }
uint64_t end_page(const Segment& s) { return base::align_up(s.vaddr + s.memory_size, rvos::kPageSize); }

bool overlaps_earlier(const Image& image, const Segment& s) {
    for (size_t i = 0; i < image.segment_count; i++) {
        const Segment& other = image.segments[i];
        if (first_page(s) < end_page(other) && first_page(other) < end_page(s)) return true;
    }
    return false;
}

bool entry_is_executable(const Image& image) {
    for (size_t i = 0; i < image.segment_count; i++) {
        const Segment& s = image.segments[i];
        if (s.executable && image.entry >= s.vaddr && image.entry - s.vaddr < s.memory_size) return true;
    }
    return false;
}

}  // namespace

const uint8_t* Source::at(uint64_t offset, size_t wanted, size_t& run) const {
    if (data) {
        run = wanted;
        return data + offset;
    }
    size_t in_page = offset % rvos::kPageSize;
    run = rvos::kPageSize - in_page < wanted ? rvos::kPageSize - in_page : wanted;
    return page(context, offset / rvos::kPageSize) + in_page;
}

void Source::copy(uint64_t offset, void* out, size_t length) const {
    auto* to = static_cast<uint8_t*>(out);
    while (length) {
        size_t run = 0;
        const uint8_t* from = at(offset, length, run);
        base::mem_copy(to, from, run);
        to += run;
        offset += run;
        length -= run;
    }
}

base::ErrorOr<Image> parse(const Source& source) {
    using rvos::Error;
    size_t size = source.size;
    Header header;
    if (size < sizeof header) return Error::BadExecutable;
    source.copy(0, &header, sizeof header);
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
        source.copy(header.phoff + i * sizeof ph, &ph, sizeof ph);
        if (ph.type != kLoad || ph.memsz == 0) continue;
        if (image.segment_count == Image::kMaxSegments || ph.filesz > ph.memsz || ph.offset > size ||
            ph.filesz > size - ph.offset || !inside_user(ph.vaddr, ph.memsz))
            return Error::BadExecutable;
        Segment segment{ph.vaddr,
                        ph.offset,
                        ph.filesz,
                        ph.memsz,
                        (ph.flags & kFlagR) != 0,
                        (ph.flags & kFlagW) != 0,
                        (ph.flags & kFlagX) != 0};
        if (overlaps_earlier(image, segment)) return Error::BadExecutable;
        image.segments[image.segment_count++] = segment;
    }
    if (image.segment_count == 0 || !entry_is_executable(image)) return Error::BadExecutable;
    return image;
}

}  // namespace elf
