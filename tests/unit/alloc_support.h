// The allocator's pages for the host tests: a simulated address space (a
// page-aligned buffer handed out first fit, a page at a time, like the
// kernel's mmap window), with every page not currently mapped poisoned
// for ASan, so the allocator touching memory it does not hold is a report.
// It implements the allocator's link-time seam (map_pages, unmap_pages,
// invalid_free) for whichever FakeSpace is current.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rvos/allocator.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#endif

namespace alloc_support {

constexpr size_t kPage = rvos::alloc::kPage;

class FakeSpace {
public:
    explicit FakeSpace(size_t bytes) : pages_(bytes / kPage, false) {
        base_ = static_cast<uint8_t*>(std::aligned_alloc(kPage, bytes));
        ASAN_POISON_MEMORY_REGION(base_, bytes);
        current_ = this;
    }
    ~FakeSpace() {
        ASAN_UNPOISON_MEMORY_REGION(base_, pages_.size() * kPage);
        std::free(base_);
        current_ = nullptr;
    }
    FakeSpace(const FakeSpace&) = delete;
    FakeSpace& operator=(const FakeSpace&) = delete;

    void* map(size_t length) {
        maps++;
        if (length == 0 || length % kPage) {
            ADD_FAILURE() << "map_pages(" << length << "): not whole pages";
            return nullptr;
        }
        size_t count = length / kPage;
        if (mapped_pages_ + count > limit_pages) return nullptr;  // out of memory
        for (size_t first = 0; first + count <= pages_.size(); first++) {
            size_t n = 0;
            while (n < count && !pages_[first + n]) n++;
            if (n < count) {
                first += n;
                continue;
            }
            for (size_t i = 0; i < count; i++) pages_[first + i] = true;
            mapped_pages_ += count;
            uint8_t* at = base_ + first * kPage;
            ASAN_UNPOISON_MEMORY_REGION(at, length);
            std::memset(at, 0, length);  // mmap's pages are zeroed
            return at;
        }
        return nullptr;
    }

    void unmap(void* address, size_t length) {
        unmaps++;
        auto* at = static_cast<uint8_t*>(address);
        if (at < base_ || (at - base_) % kPage || length == 0 || length % kPage ||
            at + length > base_ + pages_.size() * kPage) {
            ADD_FAILURE() << "unmap_pages(" << address << ", " << length << "): not whole pages of the space";
            return;
        }
        size_t first = (at - base_) / kPage;
        for (size_t i = 0; i < length / kPage; i++) {
            if (!pages_[first + i]) ADD_FAILURE() << "unmap_pages: page " << first + i << " was not mapped";
            else mapped_pages_--;
            pages_[first + i] = false;
        }
        ASAN_POISON_MEMORY_REGION(at, length);
    }

    size_t mapped_bytes() const { return mapped_pages_ * kPage; }
    static FakeSpace& current() { return *current_; }

    size_t limit_pages = SIZE_MAX;  // map_pages fails past this many mapped pages
    size_t maps = 0, unmaps = 0;
    std::vector<const void*> invalid_frees;

private:
    uint8_t* base_;
    std::vector<bool> pages_;
    size_t mapped_pages_ = 0;
    static inline FakeSpace* current_ = nullptr;
};

}  // namespace alloc_support
