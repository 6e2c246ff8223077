// Contiguous page runs (see page_runs.h).
#include "mm/page_runs.h"

#include "base/string.h"

namespace mm {

void PageRuns::init(uintptr_t base, size_t pages, uint8_t* bitmap) {
    base_ = base;
    pages_ = free_ = pages;
    bitmap_ = bitmap;
    base::mem_set(bitmap_, 0, bitmap_bytes(pages));
}

void PageRuns::set(size_t index, bool value) {
    if (value) bitmap_[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
    else bitmap_[index / 8] &= static_cast<uint8_t>(~(1u << (index % 8)));
}

base::ErrorOr<uintptr_t> PageRuns::allocate(size_t pages) {
    if (pages == 0) return rvos::Error::BadArgument;
    if (pages > free_) return rvos::Error::NoMemory;
    size_t run = 0;
    for (size_t i = 0; i < pages_; i++) {
        run = used(i) ? 0 : run + 1;
        if (run < pages) continue;
        size_t first = i + 1 - pages;
        for (size_t j = first; j <= i; j++) set(j, true);
        free_ -= pages;
        return base_ + first * rvos::kPageSize;
    }
    return rvos::Error::NoMemory;
}

bool PageRuns::free(uintptr_t address, size_t pages) {
    if (pages == 0 || address < base_ || (address - base_) % rvos::kPageSize != 0) return false;
    size_t first = (address - base_) / rvos::kPageSize;
    if (first >= pages_ || pages > pages_ - first) return false;
    for (size_t j = first; j < first + pages; j++)
        if (!used(j)) return false;
    for (size_t j = first; j < first + pages; j++) set(j, false);
    free_ += pages;
    return true;
}

}  // namespace mm
