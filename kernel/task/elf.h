// Validating reader for the ELF64 executables user programs are built as.
// Hardware-free: it only checks and describes an image in memory, whether
// the image is one contiguous run of bytes (a program embedded in the
// kernel) or the pages of a memory object (a program read from a file).
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace elf {

// The ELF64 file layout (System V gABI): the file header and one program
// header, as the file holds them (little-endian). Declared here so the
// host tests build images with the reader's own layout.
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
static_assert(sizeof(Header) == 64 && sizeof(ProgramHeader) == 56);

// Where an image's bytes are: `size` bytes, either contiguous at `data` or
// in pages of rvos::kPageSize whose addresses page(context, index) gives.
struct Source {
    size_t size = 0;
    const uint8_t* data = nullptr;
    const void* context = nullptr;
    const uint8_t* (*page)(const void* context, size_t index) = nullptr;

    static Source contiguous(const uint8_t* data, size_t size) { return Source{size, data, nullptr, nullptr}; }
    // The bytes at `offset` (< size): a pointer to them and how many of
    // the `wanted` follow it contiguously (at least 1).
    const uint8_t* at(uint64_t offset, size_t wanted, size_t& run) const;
    // Copies [offset, offset+length), which the caller checked lies inside.
    void copy(uint64_t offset, void* out, size_t length) const;
};

struct Segment {
    uint64_t vaddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t memory_size;
    bool readable, writable, executable;
};

struct Image {
    uint64_t entry;
    size_t segment_count;
    static constexpr size_t kMaxSegments = 8;
    Segment segments[kMaxSegments];
};

// Checks the header and every loadable segment: a RISC-V 64-bit
// little-endian executable whose segments lie inside the image and inside
// user space [kUserBase, kUserEnd), do not overlap, and whose entry point
// is in an executable segment. Anything else is BadExecutable.
base::ErrorOr<Image> parse(const Source& source);
inline base::ErrorOr<Image> parse(const uint8_t* data, size_t size) { return parse(Source::contiguous(data, size)); }

}  // namespace elf
