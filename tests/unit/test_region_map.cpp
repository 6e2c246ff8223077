// The region map of a user address space: first fit with reuse inside a
// window, fixed inserts, whole and partial removal, merging of anonymous
// neighbours, and exhaustion as an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include "mm/region_map.h"
#include "test_support.h"

using mm::Region;
using mm::RegionKind;
using mm::RegionMap;
using rvos::Error;

namespace {

constexpr uintptr_t P = rvos::kPageSize;
constexpr uintptr_t kLo = 0x6000'0000;
constexpr uintptr_t kHi = kLo + 64 * P;

Region anonymous(size_t pages) { return Region{0, pages * P, RegionKind::Anonymous}; }
Region shared(size_t pages, void* object = nullptr, bool writable = true) {
    return Region{0, pages * P, RegionKind::Shared, writable, object};
}
Region fixed(uintptr_t start, size_t pages, RegionKind kind) { return Region{start, pages * P, kind}; }

// The map as (start, pages, kind) triples, for whole-state comparisons.
struct Span {
    uintptr_t start;
    size_t pages;
    RegionKind kind;
    bool operator==(const Span&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Span& s) {
    return os << "{0x" << std::hex << s.start << std::dec << ", " << s.pages << " pages, kind "
              << static_cast<int>(s.kind) << "}";
}
std::vector<Span> spans(const RegionMap& map) {
    std::vector<Span> out;
    for (const Region& r : map) out.push_back(Span{r.start, r.length / P, r.kind});
    return out;
}

uintptr_t allocate(RegionMap& map, const Region& region, uintptr_t lo = kLo, uintptr_t hi = kHi) {
    auto at = map.allocate(region, lo, hi);
    EXPECT_FALSE(at.is_error()) << rvos::error_name(at.error());
    return at.is_error() ? 0 : at.value();
}

// RegionMap is 8 KiB: keep it off the test's stack.
class RegionMapTest : public ::testing::Test {
protected:
    std::unique_ptr<RegionMap> owner = std::make_unique<RegionMap>();
    RegionMap& map = *owner;
};

TEST_F(RegionMapTest, FirstFitStartsAtTheBottomOfTheWindowAndMergesAnonymousNeighbours) {
    EXPECT_EQ(allocate(map, anonymous(1)), kLo);
    EXPECT_EQ(allocate(map, anonymous(3)), kLo + P);
    EXPECT_EQ(allocate(map, anonymous(2)), kLo + 4 * P);
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo, 6, RegionKind::Anonymous}}));
}

TEST_F(RegionMapTest, SharedNeighboursStaySeparate) {
    int a = 0, b = 0;
    EXPECT_EQ(allocate(map, shared(2, &a, true)), kLo);
    EXPECT_EQ(allocate(map, shared(1, &b, false)), kLo + 2 * P);
    ASSERT_EQ(map.count(), 2u);
    const Region* second = map.find(kLo + 2 * P);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->object, &b);
    EXPECT_FALSE(second->writable);
    EXPECT_EQ(map.find(kLo + P)->object, &a);
    EXPECT_TRUE(map.find(kLo + P)->writable);
    EXPECT_EQ(map.find(kLo + 3 * P), nullptr);
}

TEST_F(RegionMapTest, FreedAddressesAreHandedOutAgain) {
    for (int i = 0; i < 4; i++) allocate(map, anonymous(1));
    ASSERT_FALSE(map.remove_pages(kLo + P, 2 * P).is_error());
    EXPECT_EQ(map.count(), 2u);
    EXPECT_EQ(allocate(map, anonymous(3)), kLo + 4 * P) << "a 2-page hole does not fit 3 pages";
    EXPECT_EQ(allocate(map, anonymous(1)), kLo + P) << "the lowest hole that fits";
    EXPECT_EQ(allocate(map, anonymous(1)), kLo + 2 * P);
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo, 7, RegionKind::Anonymous}}));
}

TEST_F(RegionMapTest, EndlessMapUnmapCyclesKeepReusingTheSameAddresses) {
    uintptr_t highest = 0;
    for (size_t cycle = 0; cycle < 200'000; cycle++) {
        size_t pages = 1 + cycle % 4;
        auto at = map.allocate(anonymous(pages), kLo, kHi);
        ASSERT_FALSE(at.is_error()) << "cycle " << cycle;
        highest = std::max(highest, at.value() + pages * P);
        ASSERT_FALSE(map.remove_pages(at.value(), pages * P).is_error()) << "cycle " << cycle;
    }
    EXPECT_EQ(highest, kLo + 4 * P);
    EXPECT_EQ(map.count(), 0u);
}

TEST_F(RegionMapTest, PartialRemovalSplitsTrimsAndSkipsHoles) {
    allocate(map, anonymous(8));
    ASSERT_FALSE(map.remove_pages(kLo + 3 * P, 2 * P).is_error());  // the middle: split
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo, 3, RegionKind::Anonymous}, {kLo + 5 * P, 3, RegionKind::Anonymous}}));
    ASSERT_FALSE(map.remove_pages(kLo, P).is_error());  // the head
    ASSERT_FALSE(map.remove_pages(kLo + 7 * P, P).is_error());  // the tail
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo + P, 2, RegionKind::Anonymous}, {kLo + 5 * P, 2, RegionKind::Anonymous}}));
    // Across both regions and the hole between them, and past the end.
    ASSERT_FALSE(map.remove_pages(kLo + 2 * P, 10 * P).is_error());
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo + P, 1, RegionKind::Anonymous}}));
    ASSERT_FALSE(map.remove_pages(kLo + 20 * P, 3 * P).is_error()) << "nothing there: nothing to do";
    EXPECT_EQ(map.count(), 1u);
}

TEST_F(RegionMapTest, PartialRemovalRefusesOtherKindsAndChangesNothing) {
    ASSERT_FALSE(map.insert(fixed(kLo + 4 * P, 2, RegionKind::Code)).is_error());
    ASSERT_FALSE(map.insert(fixed(kLo + 8 * P, 1, RegionKind::Stack)).is_error());
    allocate(map, anonymous(4));
    allocate(map, anonymous(2));  // [6, 8)
    EXPECT_EQ(allocate(map, shared(1)), kLo + 9 * P);
    auto before = spans(map);
    EXPECT_EQ(map.remove_pages(kLo + 3 * P, 2 * P).error(), Error::BadArgument);  // into the code
    EXPECT_EQ(map.remove_pages(kLo + 7 * P, 2 * P).error(), Error::BadArgument);  // into the stack
    EXPECT_EQ(map.remove_pages(kLo + 9 * P, P).error(), Error::BadArgument);      // shared
    EXPECT_EQ(map.remove_pages(kLo + 1, P).error(), Error::BadArgument);          // not page-aligned
    EXPECT_EQ(map.remove_pages(kLo, P + 1).error(), Error::BadArgument);
    EXPECT_EQ(map.remove_pages(kLo, 0).error(), Error::BadArgument);
    EXPECT_EQ(map.remove_pages(UINTPTR_MAX - P + 1, 2 * P).error(), Error::BadArgument);  // wraps
    EXPECT_EQ(spans(map), before);
}

TEST_F(RegionMapTest, FixedInsertRefusesOverlapAndBadShapes) {
    ASSERT_FALSE(map.insert(fixed(kLo + 2 * P, 2, RegionKind::Code)).is_error());
    for (uintptr_t start : {kLo + P, kLo + 2 * P, kLo + 3 * P})
        EXPECT_EQ(map.insert(fixed(start, 2, RegionKind::Code)).error(), Error::BadArgument) << start;
    EXPECT_EQ(map.insert(fixed(kLo, 8, RegionKind::Stack)).error(), Error::BadArgument) << "covers it";
    EXPECT_EQ(map.insert(fixed(kLo + 1, 1, RegionKind::Code)).error(), Error::BadArgument);
    EXPECT_EQ(map.insert(Region{kLo + 8 * P, P - 1, RegionKind::Code}).error(), Error::BadArgument);
    EXPECT_EQ(map.insert(fixed(kLo + 8 * P, 0, RegionKind::Code)).error(), Error::BadArgument);
    EXPECT_EQ(map.insert(Region{UINTPTR_MAX - P + 1, 2 * P, RegionKind::Code}).error(), Error::BadArgument);
    // Touching is not overlapping.
    EXPECT_FALSE(map.insert(fixed(kLo + 4 * P, 1, RegionKind::Code)).is_error());
    EXPECT_FALSE(map.insert(fixed(kLo + P, 1, RegionKind::Code)).is_error());
    EXPECT_EQ(spans(map), (std::vector<Span>{{kLo + P, 1, RegionKind::Code},
                                             {kLo + 2 * P, 2, RegionKind::Code},
                                             {kLo + 4 * P, 1, RegionKind::Code}}));
}

TEST_F(RegionMapTest, AllocationGoesAroundFixedRegions) {
    ASSERT_FALSE(map.insert(fixed(kLo + P, 1, RegionKind::Code)).is_error());
    ASSERT_FALSE(map.insert(fixed(kLo + 3 * P, 1, RegionKind::Code)).is_error());
    EXPECT_EQ(allocate(map, anonymous(2)), kLo + 4 * P);
    EXPECT_EQ(allocate(map, anonymous(1)), kLo);
    EXPECT_EQ(allocate(map, anonymous(1)), kLo + 2 * P);
    EXPECT_EQ(allocate(map, anonymous(1)), kLo + 6 * P);
}

TEST_F(RegionMapTest, AllocationStaysInsideItsWindow) {
    // Regions below and above the window do not matter; the window's ends do.
    ASSERT_FALSE(map.insert(fixed(kLo - 2 * P, 2, RegionKind::Code)).is_error());
    ASSERT_FALSE(map.insert(fixed(kHi, 2, RegionKind::Stack)).is_error());
    EXPECT_EQ(map.allocate(anonymous(65), kLo, kHi).error(), Error::NoMemory);
    EXPECT_EQ(allocate(map, anonymous(60)), kLo);
    EXPECT_EQ(map.allocate(anonymous(5), kLo, kHi).error(), Error::NoMemory);
    EXPECT_EQ(allocate(map, anonymous(4)), kHi - 4 * P) << "the last pages of the window";
    EXPECT_EQ(map.allocate(anonymous(1), kLo, kHi).error(), Error::NoMemory);
    // A window starting inside a region begins at its end.
    EXPECT_EQ(allocate(map, shared(1), kLo - P, kHi + 4 * P), kHi + 2 * P);
    // Bad shapes.
    EXPECT_EQ(map.allocate(anonymous(0), kLo, kHi).error(), Error::BadArgument);
    EXPECT_EQ(map.allocate(Region{0, P + 1, RegionKind::Anonymous}, kLo, kHi).error(), Error::BadArgument);
    EXPECT_EQ(map.allocate(anonymous(1), kLo + 1, kHi).error(), Error::BadArgument);
    EXPECT_EQ(map.allocate(anonymous(1), kHi, kLo).error(), Error::BadArgument);
    EXPECT_EQ(map.allocate(Region{0, SIZE_MAX - P + 1, RegionKind::Anonymous}, kLo, kHi).error(), Error::BadArgument);
}

TEST_F(RegionMapTest, RemoveTakesAWholeRegionByItsStart) {
    int object = 0;
    uintptr_t at = allocate(map, shared(3, &object, false));
    EXPECT_EQ(map.remove(at + P).error(), Error::BadArgument) << "not its start";
    EXPECT_EQ(map.remove(at + 3 * P).error(), Error::BadArgument) << "nothing there";
    auto removed = map.remove(at);
    ASSERT_FALSE(removed.is_error());
    EXPECT_EQ(removed.value().start, at);
    EXPECT_EQ(removed.value().length, 3 * P);
    EXPECT_EQ(removed.value().object, &object);
    EXPECT_FALSE(removed.value().writable);
    EXPECT_EQ(map.count(), 0u);
    EXPECT_EQ(allocate(map, shared(1)), at) << "its address is free again";
}

TEST_F(RegionMapTest, RunningOutOfSlotsIsAnErrorThatChangesNothing) {
    static_assert(RegionMap::kCapacity > 16);
    // One page every other page, so nothing merges: code at even i,
    // anonymous memory at odd i.
    for (size_t i = 0; i < RegionMap::kCapacity; i++) {
        RegionKind kind = i % 2 ? RegionKind::Anonymous : RegionKind::Code;
        ASSERT_FALSE(map.insert(fixed(kLo + 2 * i * P, 1, kind)).is_error()) << i;
    }
    uintptr_t top = kLo + 2 * RegionMap::kCapacity * P;  // one page above the last region
    auto before = spans(map);
    EXPECT_EQ(map.insert(fixed(top, 1, RegionKind::Code)).error(), Error::NoMemory);
    EXPECT_EQ(map.allocate(shared(1), top, top + 16 * P).error(), Error::NoMemory);
    EXPECT_EQ(map.allocate(anonymous(1), top, top + 16 * P).error(), Error::NoMemory);
    EXPECT_EQ(spans(map), before);
    // Anonymous memory right after anonymous memory needs no slot.
    EXPECT_EQ(allocate(map, anonymous(1), kLo + 3 * P, kLo + 4 * P), kLo + 3 * P);
    EXPECT_EQ(map.count(), RegionMap::kCapacity);
    EXPECT_EQ(map.find(kLo + 3 * P)->start, kLo + 2 * P);
    // A freed slot is usable again.
    ASSERT_FALSE(map.remove(kLo).is_error());
    EXPECT_EQ(allocate(map, shared(1), top, top + 16 * P), top);
    EXPECT_EQ(map.count(), RegionMap::kCapacity);
    map.clear();
    EXPECT_EQ(map.count(), 0u);
}

TEST_F(RegionMapTest, SplitWithNoFreeSlotIsRefusedAndChangesNothing) {
    EXPECT_EQ(allocate(map, anonymous(3)), kLo);
    for (size_t i = 1; i < RegionMap::kCapacity; i++)
        ASSERT_FALSE(map.insert(fixed(kHi + 2 * i * P, 1, RegionKind::Code)).is_error()) << i;
    auto before = spans(map);
    EXPECT_EQ(map.remove_pages(kLo + P, P).error(), Error::NoMemory) << "a hole in the middle needs a slot";
    EXPECT_EQ(spans(map), before);
    ASSERT_FALSE(map.remove_pages(kLo + 2 * P, P).is_error()) << "trimming the tail needs none";
    EXPECT_EQ(allocate(map, anonymous(1)), kLo + 2 * P);
    ASSERT_FALSE(map.remove(kHi + 2 * P).is_error());  // frees a slot
    ASSERT_FALSE(map.remove_pages(kLo + P, P).is_error()) << "now it splits";
    EXPECT_EQ(map.count(), RegionMap::kCapacity);
    EXPECT_EQ(map.find(kLo)->length, P);
    EXPECT_EQ(map.find(kLo + 2 * P)->length, P);
    EXPECT_EQ(map.find(kLo + P), nullptr);
}

}  // namespace

// Only the Stack region's pages are mapped on first touch: not its guard
// page below (no region), not the page above its top, not code,
// anonymous or shared memory next to it.
TEST_F(RegionMapTest, OnlyStackPagesAreMappedOnTouch) {
    constexpr uintptr_t kTop = rvos::kUserStackTop;
    constexpr uintptr_t kBottom = kTop - rvos::kUserStackSize;
    EXPECT_FALSE(map.insert(fixed(kBottom, rvos::kUserStackSize / P, RegionKind::Stack)).is_error());
    EXPECT_FALSE(map.insert(fixed(0x1'0000, 2, RegionKind::Code)).is_error());
    EXPECT_EQ(allocate(map, anonymous(2)), kLo);
    EXPECT_TRUE(map.maps_on_touch(kBottom));
    EXPECT_TRUE(map.maps_on_touch(kBottom + 123));
    EXPECT_TRUE(map.maps_on_touch(kTop - 1));
    EXPECT_TRUE(map.maps_on_touch(kTop - 16));
    EXPECT_FALSE(map.maps_on_touch(kBottom - 1));  // the guard page
    EXPECT_FALSE(map.maps_on_touch(kBottom - P));
    EXPECT_FALSE(map.maps_on_touch(kTop));
    EXPECT_FALSE(map.maps_on_touch(0x1'0000));
    EXPECT_FALSE(map.maps_on_touch(kLo + P));
    EXPECT_FALSE(map.maps_on_touch(0));
}
