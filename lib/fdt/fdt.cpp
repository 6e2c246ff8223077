// The flattened device tree walker (see fdt.h). The format: a 40-byte
// big-endian header, a structure block of 4-byte tokens (begin node + name,
// property + length + name offset + value, end node, nop, end) and a block
// of NUL-terminated property names.
#include "fdt/fdt.h"

#include "base/string.h"

namespace fdt {
namespace {

enum Token : uint32_t { kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9 };
constexpr size_t kHeaderSize = 40;
constexpr uint32_t kFirstVersion = 16;

// Length of the NUL-terminated string at `text`, or -1 if there is no NUL
// within `room` bytes.
long bounded_length(const uint8_t* text, size_t room) {
    for (size_t i = 0; i < room; i++)
        if (text[i] == 0) return static_cast<long>(i);
    return -1;
}

}  // namespace

uint32_t load_be32(const uint8_t* b) {
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

uint32_t Property::cell(size_t index) const {
    if ((index + 1) * 4 > length) return 0;
    return load_be32(data + index * 4);
}

uint64_t Property::cells(size_t index, uint32_t count) const {
    uint64_t value = 0;
    for (uint32_t i = 0; i < count; i++) value = (value << 32) | cell(index + i);
    return value;
}

bool Property::has_string(const char* text) const {
    size_t want = base::str_length(text);
    for (uint32_t at = 0; at < length;) {
        long n = bounded_length(data + at, length - at);
        if (n < 0) return false;
        if (static_cast<size_t>(n) == want && base::mem_equal(data + at, text, want)) return true;
        at += static_cast<uint32_t>(n) + 1;
    }
    return false;
}

base::ErrorOr<Blob> Blob::open(const void* base, size_t max_size) {
    if (base == nullptr || max_size < kHeaderSize) return rvos::Error::BadArgument;
    auto* b = static_cast<const uint8_t*>(base);
    if (load_be32(b) != kMagic) return rvos::Error::BadArgument;
    Blob blob;
    blob.base_ = b;
    blob.size_ = load_be32(b + 4);
    blob.struct_offset_ = load_be32(b + 8);
    blob.strings_offset_ = load_be32(b + 12);
    uint32_t version = load_be32(b + 20);
    blob.strings_size_ = load_be32(b + 32);
    blob.struct_size_ = load_be32(b + 36);
    auto inside = [&](uint64_t offset, uint64_t size) { return offset >= kHeaderSize && offset + size <= blob.size_; };
    if (blob.size_ > max_size || blob.size_ < kHeaderSize || version < kFirstVersion ||
        !inside(blob.struct_offset_, blob.struct_size_) || !inside(blob.strings_offset_, blob.strings_size_) ||
        blob.struct_offset_ % 4 != 0)
        return rvos::Error::BadArgument;
    return blob;
}

base::ErrorOr<void> Blob::walk(Visitor& visitor) const {
    const uint8_t* start = base_ + struct_offset_;
    const char* strings = reinterpret_cast<const char*>(base_ + strings_offset_);
    const char* names[kMaxDepth + 1];
    uint32_t depth = 0;  // open nodes
    size_t at = 0;
    auto room = [&] { return struct_size_ - at; };
    for (;;) {
        if (room() < 4) return rvos::Error::BadArgument;
        uint32_t token = load_be32(start + at);
        at += 4;
        switch (token) {
        case kBeginNode: {
            long n = bounded_length(start + at, room());
            if (n < 0 || depth > kMaxDepth) return rvos::Error::BadArgument;
            names[depth] = reinterpret_cast<const char*>(start + at);
            at = base::align_up(at + static_cast<size_t>(n) + 1, 4);
            if (at > struct_size_) return rvos::Error::BadArgument;
            visitor.begin_node({depth, names[depth]});
            depth++;
            break;
        }
        case kEndNode:
            if (depth == 0) return rvos::Error::BadArgument;
            depth--;
            visitor.end_node({depth, names[depth]});
            break;
        case kProp: {
            if (room() < 8 || depth == 0) return rvos::Error::BadArgument;
            uint32_t length = load_be32(start + at), name = load_be32(start + at + 4);
            at += 8;
            if (length > room() || name >= strings_size_ ||
                bounded_length(reinterpret_cast<const uint8_t*>(strings) + name, strings_size_ - name) < 0)
                return rvos::Error::BadArgument;
            visitor.property({depth - 1, names[depth - 1]}, {strings + name, start + at, length});
            at = base::align_up(at + length, 4);
            if (at > struct_size_) return rvos::Error::BadArgument;
            break;
        }
        case kNop:
            break;
        case kEnd:
            if (depth != 0) return rvos::Error::BadArgument;
            return {};
        default:
            return rvos::Error::BadArgument;
        }
    }
}

}  // namespace fdt
