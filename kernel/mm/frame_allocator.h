// The physical frame allocator: a free list threaded through the free frames
// themselves (O(1) alloc and free), plus a bitmap of allocated frames so a
// double free or a foreign address is caught instead of corrupting the list.
// Such a free is a kernel bug (a frame freed twice may already belong to
// someone else): the kernel installs a handler that panics; without one,
// free() refuses it. Hardware-free: the host unit tests run it over an
// ordinary buffer.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace mm {

using base::ErrorOr;
using rvos::Error;
using rvos::kPageSize;

class FrameAllocator {
public:
    // Manages the page-aligned frames in [begin, end). The bitmap needs
    // bitmap_bytes(n) bytes of storage, which the caller provides.
    static size_t bitmap_bytes(size_t frames) { return (frames + 7) / 8; }
    void init(uintptr_t begin, uintptr_t end, uint8_t* bitmap);

    // A zero-filled frame, or NoMemory.
    ErrorOr<void*> allocate();
    // A frame as its last user left it, or NoMemory: only for a caller that
    // writes every byte of it before anything can read it (the loader,
    // copying a program's pages; zeroing them first was wasted work).
    ErrorOr<void*> allocate_unzeroed();
    // Returns false (and changes nothing) for an address that is not an
    // allocated frame of this allocator, after calling the bad-free
    // handler if one is set.
    bool free(void* frame);
    // What a bad free calls: the address, and "freed twice" or "not a
    // frame". The kernel's panics.
    using BadFreeHandler = void (*)(uintptr_t address, const char* what);
    void on_bad_free(BadFreeHandler handler) { bad_free_ = handler; }

    size_t free_count() const { return free_count_; }
    size_t total() const { return total_; }

private:
    struct FreeFrame {
        FreeFrame* next;
    };
    size_t index_of(uintptr_t address) const { return (address - begin_) / kPageSize; }
    bool allocated(size_t index) const { return bitmap_[index / 8] >> (index % 8) & 1; }
    void set_allocated(size_t index, bool value);

    uintptr_t begin_ = 0;
    uintptr_t end_ = 0;
    uint8_t* bitmap_ = nullptr;
    FreeFrame* free_ = nullptr;
    size_t free_count_ = 0;
    size_t total_ = 0;
    BadFreeHandler bad_free_ = nullptr;
};

}  // namespace mm
