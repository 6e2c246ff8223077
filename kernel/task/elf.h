// Validating reader for the ELF64 executables user programs are built as.
// Hardware-free: it only checks and describes an image in memory.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace elf {

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
// user space [kUserBase, kUserEnd). Anything else is BadExecutable.
base::ErrorOr<Image> parse(const uint8_t* data, size_t size);

}  // namespace elf
