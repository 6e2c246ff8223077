// A reader for the flattened device tree (DTB) that firmware hands the
// kernel: it checks the header once, then walks the structure block and
// calls back for every property of every node, never reading outside the
// blob whatever its contents. Hardware-free; host-tested (tests/unit).
#pragma once

#include "base/error_or.h"
#include "base/types.h"

namespace fdt {

// One property as it sits in the blob: big-endian cells or strings.
struct Property {
    const char* name;
    const uint8_t* data;
    uint32_t length;

    uint32_t cell(size_t index) const;  // 0 past the end
    // `count` cells (1 or 2) starting at cell `index`, as one number.
    uint64_t cells(size_t index, uint32_t count) const;
    // Whether a string list (compatible = "a", "b") holds `text`.
    bool has_string(const char* text) const;
};

// Where a property was found: the node's depth (root = 0) and name
// ("" for the root, "serial@10000000" below it).
struct Node {
    uint32_t depth;
    const char* name;
};

// The visitor is called for each node's start (property == nullptr), each
// of its properties, and its end (property == nullptr, end == true).
class Visitor {
public:
    virtual void begin_node(const Node&) {}
    virtual void property(const Node&, const Property&) {}
    virtual void end_node(const Node&) {}

protected:
    ~Visitor() = default;
};

inline constexpr uint32_t kMagic = 0xd00d'feed;
inline constexpr uint32_t kMaxDepth = 16;

class Blob {
public:
    // Checks the header of the blob at `base`: magic, version 16 or later,
    // and both blocks inside `totalsize`, which must not exceed `max_size`.
    static base::ErrorOr<Blob> open(const void* base, size_t max_size);

    size_t size() const { return size_; }
    // Walks every node and property in order; BadArgument on any malformed
    // token, unterminated name or block overrun, with nothing read outside.
    base::ErrorOr<void> walk(Visitor& visitor) const;

private:
    const uint8_t* base_ = nullptr;
    size_t size_ = 0;
    uint32_t struct_offset_ = 0, struct_size_ = 0;
    uint32_t strings_offset_ = 0, strings_size_ = 0;
};

uint32_t load_be32(const uint8_t* bytes);

}  // namespace fdt
