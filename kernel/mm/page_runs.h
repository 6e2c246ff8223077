// Physically contiguous runs of pages, for memory a device reads and writes
// by physical address (DMA). A small pool is set aside at boot and handed
// out first fit from a bitmap: runs are few and long-lived (one per device
// driver), so the linear scan costs nothing that matters. Hardware-free;
// host-tested.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace mm {

class PageRuns {
public:
    static constexpr size_t bitmap_bytes(size_t pages) { return (pages + 7) / 8; }
    // Manages `pages` pages from the page-aligned `base`; the bitmap storage
    // is the caller's.
    void init(uintptr_t base, size_t pages, uint8_t* bitmap);

    // The first free run of `pages` pages (zeroed by the caller if needed):
    // BadArgument for 0, NoMemory if no run is long enough.
    base::ErrorOr<uintptr_t> allocate(size_t pages);
    // False (and nothing changes) unless [address, +pages) is wholly
    // allocated here.
    bool free(uintptr_t address, size_t pages);

    size_t free_pages() const { return free_; }
    size_t total_pages() const { return pages_; }

private:
    bool used(size_t index) const { return bitmap_[index / 8] >> (index % 8) & 1; }
    void set(size_t index, bool value);

    uintptr_t base_ = 0;
    size_t pages_ = 0, free_ = 0;
    uint8_t* bitmap_ = nullptr;
};

}  // namespace mm
