// The regions of one user address space — code segments, the stack, runs of
// anonymous memory, shared mappings — sorted by address, with first-fit
// allocation inside a window, so freed addresses are handed out again. It
// only keeps the books: AddressSpace maps the pages and owns the layout
// policy. Hardware-free (no page tables), so the host unit tests run it.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace mm {

enum class RegionKind : uint8_t { Code, Stack, Anonymous, Shared };

struct Region {
    // Trivial on purpose: a map's 256 unused slots are left unwritten, so
    // creating a task does not zero 8 KiB it may never use.
    Region() = default;
    constexpr Region(uintptr_t start, size_t length, RegionKind kind, bool writable = true, void* object = nullptr)
        : start(start), length(length), kind(kind), writable(writable), object(object) {}

    uintptr_t start;
    size_t length;  // bytes, whole pages
    RegionKind kind;
    bool writable;  // Shared: mapped with write permission
    void* object;   // Shared: the memory object (opaque here)

    uintptr_t end() const { return start + length; }
};

// Adjacent Anonymous regions are kept merged: which mmap call produced a
// page does not matter to munmap, and a program that maps one page at a
// time (a growing heap) then takes one slot, not one per page.
class RegionMap {
public:
    static constexpr size_t kCapacity = rvos::kMaxMappings;

    // Records a region at its own address (the loader's segments, the
    // stack). BadArgument unless it is whole pages, not empty, and overlaps
    // no region; NoMemory if it needs a slot and all kCapacity are taken.
    base::ErrorOr<void> insert(const Region& region);
    // First fit: records `region` (its start is ignored) at the lowest
    // address in [lo, hi) where it fits between the regions and returns
    // that address. BadArgument unless the length and window are whole
    // pages; NoMemory if no gap is big enough or no slot is free.
    base::ErrorOr<uintptr_t> allocate(Region region, uintptr_t lo, uintptr_t hi);
    // The region containing va, or null.
    const Region* find(uintptr_t va) const;
    // Whether the page holding va is mapped on first touch rather than up
    // front: it lies in the Stack region (not its guard page below, which
    // no region covers). Only the pages a program uses cost a frame, so a
    // 256 KiB stack does not make every spawn map and zero 64 pages.
    bool maps_on_touch(uintptr_t va) const {
        const Region* region = find(va);
        return region && region->kind == RegionKind::Stack;
    }
    // Removes the region that starts at `start`, whole, and returns it;
    // BadArgument if no region starts there.
    base::ErrorOr<Region> remove(uintptr_t start);
    // Removes the whole pages [start, start + length) from Anonymous
    // regions, trimming or splitting them; pages no region covers are
    // skipped. BadArgument if the range is not whole pages or touches a
    // region of another kind; NoMemory if a split needs a slot and none is
    // free. Nothing changes on error.
    base::ErrorOr<void> remove_pages(uintptr_t start, size_t length);
    void clear() { count_ = 0; }

    size_t count() const { return count_; }
    const Region* begin() const { return regions_; }
    const Region* end() const { return regions_ + count_; }

private:
    // The index of the first region that ends above va (count_ if none).
    size_t first_ending_above(uintptr_t va) const;
    // Puts `region` at index (the sorted position), merging Anonymous
    // neighbours; NoMemory if it needs a slot and none is free.
    base::ErrorOr<void> place(size_t index, const Region& region);
    void open_slot(size_t index);
    void close_slots(size_t index, size_t count);

    Region regions_[kCapacity];
    size_t count_ = 0;
};

}  // namespace mm
