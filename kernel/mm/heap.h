// The kernel heap: a first-fit allocator with address-ordered free blocks
// that coalesce on free, over one fixed region. Kernel objects of variable
// lifetime (processes) live here; exhaustion is a null return that callers
// turn into Error::NoMemory. Hardware-free, unit-tested on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mm {

class Heap {
public:
    void init(void* base, size_t size);
    void* allocate(size_t size);
    void free(void* pointer);
    size_t used() const { return used_; }
    size_t size() const { return size_; }

private:
    struct Block {
        size_t size;  // bytes including this header
        Block* next;  // next free block by address (free blocks only)
    };
    static constexpr size_t kAlign = 16;
    static constexpr size_t kHeader = 16;  // keeps payloads 16-byte aligned

    Block* free_ = nullptr;
    size_t used_ = 0;
    size_t size_ = 0;
};

Heap& kernel_heap();

}  // namespace mm
