// The region map: a sorted array of regions, searched by binary search and
// kept sorted by shifting. kCapacity is small enough that shifting costs
// less than a page-table walk, and a fixed array never fails to grow.
#include "mm/region_map.h"

namespace mm {

using rvos::Error;
using rvos::kPageSize;

namespace {

bool whole_pages(uintptr_t start, size_t length) {
    return start % kPageSize == 0 && length % kPageSize == 0 && length > 0 && length <= UINTPTR_MAX - start;
}

bool merges(const Region& low, const Region& high) {
    return low.kind == RegionKind::Anonymous && high.kind == RegionKind::Anonymous && low.end() == high.start;
}

// Whether [candidate, candidate + length) ends at or below next's start.
bool fits_below(const Region& next, uintptr_t candidate, size_t length) {
    return next.start >= candidate && next.start - candidate >= length;
}

}  // namespace

size_t RegionMap::first_ending_above(uintptr_t va) const {
    size_t low = 0, high = count_;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (regions_[middle].end() > va) high = middle;
        else low = middle + 1;
    }
    return low;
}

void RegionMap::open_slot(size_t index) {
    for (size_t i = count_; i > index; i--) regions_[i] = regions_[i - 1];
    count_++;
}

void RegionMap::close_slots(size_t index, size_t count) {
    if (count == 0) return;  // (a trimmed region closes none: no need to move the rest onto themselves)
    for (size_t i = index; i + count < count_; i++) regions_[i] = regions_[i + count];
    count_ -= count;
}

base::ErrorOr<void> RegionMap::place(size_t index, const Region& region) {
    bool with_previous = index > 0 && merges(regions_[index - 1], region);
    bool with_next = index < count_ && merges(region, regions_[index]);
    if (with_previous && with_next) {
        regions_[index - 1].length += region.length + regions_[index].length;
        close_slots(index, 1);
    } else if (with_previous) {
        regions_[index - 1].length += region.length;
    } else if (with_next) {
        regions_[index].start = region.start;
        regions_[index].length += region.length;
    } else {
        if (count_ == kCapacity) return Error::NoMemory;
        open_slot(index);
        regions_[index] = region;
    }
    return {};
}

base::ErrorOr<void> RegionMap::insert(const Region& region) {
    if (!whole_pages(region.start, region.length)) return Error::BadArgument;
    size_t index = first_ending_above(region.start);
    if (index < count_ && regions_[index].start < region.end()) return Error::BadArgument;  // overlaps
    return place(index, region);
}

base::ErrorOr<uintptr_t> RegionMap::allocate(Region region, uintptr_t lo, uintptr_t hi) {
    if (!whole_pages(lo, region.length) || hi % kPageSize || hi < lo) return Error::BadArgument;
    // Walk the gaps upwards from lo; `index` stops at the first region
    // above the gap found, which is where the new one goes.
    uintptr_t candidate = lo;
    size_t index = first_ending_above(lo);
    for (; index < count_ && !fits_below(regions_[index], candidate, region.length); index++) {
        candidate = regions_[index].end();  // sorted and disjoint: ends only grow
        if (candidate > hi) return Error::NoMemory;
    }
    if (region.length > hi - candidate) return Error::NoMemory;
    region.start = candidate;
    TRY(place(index, region));
    return candidate;
}

const Region* RegionMap::find(uintptr_t va) const {
    size_t index = first_ending_above(va);
    return index < count_ && regions_[index].start <= va ? &regions_[index] : nullptr;
}

base::ErrorOr<Region> RegionMap::remove(uintptr_t start) {
    size_t index = first_ending_above(start);
    if (index == count_ || regions_[index].start != start) return Error::BadArgument;
    Region removed = regions_[index];
    close_slots(index, 1);
    return removed;
}

base::ErrorOr<void> RegionMap::remove_pages(uintptr_t start, size_t length) {
    if (!whole_pages(start, length)) return Error::BadArgument;
    uintptr_t end = start + length;
    size_t first = first_ending_above(start);
    size_t last = first;  // one past the last region the range touches
    for (; last < count_ && regions_[last].start < end; last++)
        if (regions_[last].kind != RegionKind::Anonymous) return Error::BadArgument;
    if (first == last) return {};
    Region& low = regions_[first];
    if (low.start < start && low.end() > end) {  // a hole in the middle: split
        if (count_ == kCapacity) return Error::NoMemory;
        open_slot(first + 1);
        regions_[first + 1] = Region{end, low.end() - end, RegionKind::Anonymous};
        low.length = start - low.start;
        return {};
    }
    if (low.start < start) {  // keeps its head
        low.length = start - low.start;
        first++;
    }
    if (first < last && regions_[last - 1].end() > end) {  // keeps its tail
        Region& high = regions_[last - 1];
        high.length = high.end() - end;
        high.start = end;
        last--;
    }
    close_slots(first, last - first);
    return {};
}

}  // namespace mm
