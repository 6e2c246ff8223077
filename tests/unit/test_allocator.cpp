// lib/rvos's allocator (allocator.h, tlsf.h) on a simulated address space
// (alloc_support.h): alignment, every size class, the three tiers, memory
// given back, realloc in place and across tiers, aligned blocks, running
// out, and frees it can tell are wrong.
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

#include "alloc_support.h"
#include "rvos/allocator.h"

using alloc_support::FakeSpace;
using alloc_support::kPage;
using rvos::alloc::Allocator;

namespace {

constexpr size_t kKiB = 1024, kMiB = 1024 * 1024;

class AllocatorTest : public ::testing::Test {
protected:
    // What the allocator and the space agree it holds.
    size_t held() {
        EXPECT_EQ(heap.mapped_bytes(), space.mapped_bytes());
        return space.mapped_bytes();
    }
    void* fill(size_t size, uint8_t value) {
        void* p = heap.allocate(size);
        EXPECT_NE(p, nullptr) << size;
        if (!p) return nullptr;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
        EXPECT_GE(Allocator::usable_size(p), size);
        std::memset(p, value, size);
        return p;
    }
    static bool holds(const void* p, size_t size, uint8_t value) {
        for (size_t i = 0; i < size; i++)
            if (static_cast<const uint8_t*>(p)[i] != value) return false;
        return true;
    }

    FakeSpace space{64 * kMiB};
    Allocator heap;
};

TEST_F(AllocatorTest, EverySizeUpToSixteenKibIsAlignedUsableAndKeepsItsBytes) {
    std::vector<void*> blocks;
    for (size_t size = 0; size <= 16 * kKiB; size += size < 4200 ? 1 : 61)
        blocks.push_back(fill(size, static_cast<uint8_t>(size)));
    size_t i = 0;
    for (size_t size = 0; size <= 16 * kKiB; size += size < 4200 ? 1 : 61, i++)
        EXPECT_TRUE(holds(blocks[i], size, static_cast<uint8_t>(size))) << size;
    for (void* p : blocks) heap.free(p);
    EXPECT_TRUE(heap.middle().consistent());
    EXPECT_TRUE(space.invalid_frees.empty());
}

TEST_F(AllocatorTest, SizeClassesCoverEverySmallSizeWithTheSmallestFittingBlock) {
    using rvos::alloc::kClasses;
    for (size_t size = 0; size <= rvos::alloc::kSmallMax; size++) {
        size_t c = kClasses.of_units[rvos::alloc::SizeClasses::units(size)];
        ASSERT_LT(c, rvos::alloc::kClassCount);
        EXPECT_GE(kClasses.chunk[c] - 8, size) << size;
        if (c > 0) {
            EXPECT_LT(kClasses.chunk[c - 1] - 8, size == 0 ? 1 : size) << size;
        }
    }
}

TEST_F(AllocatorTest, FreeOfNullDoesNothing) {
    heap.free(nullptr);
    EXPECT_EQ(held(), 0u);
}

TEST_F(AllocatorTest, ASmallBlockFreedIsTheNextOneHandedOut) {
    void* a = fill(64, 1);
    heap.free(a);
    EXPECT_EQ(heap.allocate(64), a);  // LIFO: the cache-warm block
}

TEST_F(AllocatorTest, ALargeBlockHasItsOwnMappingAndGivesItBackWhenFreed) {
    size_t before = held();
    void* big = fill(3 * kMiB, 7);
    EXPECT_GE(held(), before + 3 * kMiB);
    EXPECT_LE(held(), before + 3 * kMiB + 2 * kPage);
    heap.free(big);
    EXPECT_EQ(held(), before);
}

TEST_F(AllocatorTest, FreeingEverythingGivesBackAllButTheKeptSlabs) {
    std::vector<void*> blocks;
    for (int round = 0; round < 4000; round++) blocks.push_back(fill(8 + (round * 37) % 20000, 3));
    for (int round = 0; round < 40; round++) blocks.push_back(fill(100 * kKiB + round * 7000, 4));
    size_t peak = held();
    EXPECT_GT(peak, 30 * kMiB);
    for (size_t i = 0; i < blocks.size(); i += 2) heap.free(blocks[i]);
    for (size_t i = 1; i < blocks.size(); i += 2) heap.free(blocks[i]);
    EXPECT_TRUE(heap.middle().consistent());
    // What stays: each class keeps its last slab (so a loop of malloc and
    // free does not make and unmake one), and free space between them
    // smaller than kTrimThreshold stays mapped. 28 classes: 1.4 MiB here.
    EXPECT_LE(heap.slab_count(), rvos::alloc::kClassCount);
    EXPECT_LE(held(), peak / 20) << "of " << peak;
    EXPECT_LE(heap.middle().arena_count(), rvos::alloc::kClassCount + 1);
}

TEST_F(AllocatorTest, FreeMemoryPastTheBudgetGoesBackFromTheMiddleOfArenas) {
    // Eight 900 KiB blocks, each pinned in place by a block after it.
    std::vector<void*> big, pins;
    for (int i = 0; i < 8; i++) {
        big.push_back(fill(900 * kKiB, 2));
        pins.push_back(fill(5000, 3));
    }
    size_t before = held();
    for (void* p : big) heap.free(p);
    EXPECT_TRUE(heap.middle().consistent());
    // Free memory stays up to the budget (kRetainMin, or a quarter of the
    // heap); past it, each freed block's inner pages go back.
    using rvos::alloc::Tlsf;
    size_t budget = std::max(Tlsf::kRetainMin, held() / 4);
    EXPECT_LE(heap.middle().free_bytes(), budget + Tlsf::kTrimThreshold);
    EXPECT_LE(held(), before - 8 * 900 * kKiB + budget + Tlsf::kTrimThreshold);
    for (void* p : pins) EXPECT_TRUE(holds(p, 5000, 3));
    void* again = fill(900 * kKiB, 4);  // and the space can be had again
    EXPECT_TRUE(heap.middle().consistent());
    heap.free(again);
    for (void* p : pins) heap.free(p);
    EXPECT_TRUE(heap.middle().consistent());
}

TEST_F(AllocatorTest, FreeMemoryWithinTheBudgetStaysForTheNextRequests) {
    void* p = fill(600 * kKiB, 1);
    void* pin = fill(5000, 2);
    size_t before = held();
    size_t unmaps = space.unmaps;
    heap.free(p);
    EXPECT_EQ(held(), before);
    EXPECT_EQ(space.unmaps, unmaps);
    size_t maps = space.maps;
    heap.free(fill(600 * kKiB, 3));
    EXPECT_EQ(space.maps, maps);  // the same memory, no new pages
    heap.free(pin);
}

TEST_F(AllocatorTest, ReallocGrowsABlockAtTheArenaEndInPlace) {
    void* p = fill(100 * kKiB, 9);
    size_t maps = space.maps;
    void* q = heap.reallocate(p, 900 * kKiB);
    EXPECT_EQ(q, p);
    EXPECT_GT(space.maps, maps);  // the arena grew under it
    EXPECT_TRUE(holds(q, 100 * kKiB, 9));
    std::memset(q, 9, 900 * kKiB);
    heap.free(q);
    EXPECT_TRUE(heap.middle().consistent());
}

TEST_F(AllocatorTest, ReallocMovesAcrossTiersKeepingTheBytes) {
    size_t sizes[] = {10, 200, 2000, 5000, 300 * kKiB, 2 * kMiB, 5 * kMiB, 40, 3 * kMiB, 1};
    void* p = fill(1, 0x5a);
    size_t have = 1;
    for (size_t size : sizes) {
        p = heap.reallocate(p, size);
        ASSERT_NE(p, nullptr) << size;
        size_t kept = have < size ? have : size;
        EXPECT_TRUE(holds(p, kept, 0x5a)) << size;
        std::memset(p, 0x5a, size);
        have = size;
    }
    heap.free(p);
    EXPECT_TRUE(heap.middle().consistent());
}

TEST_F(AllocatorTest, ALargeBlockShrinksInPlaceGivingBackItsTail) {
    void* p = fill(8 * kMiB, 1);
    size_t before = held();
    EXPECT_EQ(heap.reallocate(p, 2 * kMiB), p);
    EXPECT_LE(held(), before - 6 * kMiB + kPage);
    EXPECT_TRUE(holds(p, 2 * kMiB, 1));
    heap.free(p);
}

TEST_F(AllocatorTest, AlignedBlocksForEveryAlignment) {
    std::vector<void*> blocks;
    for (size_t align = 1; align <= 4 * kMiB; align *= 2) {
        for (size_t size : {size_t{1}, size_t{100}, size_t{5000}, 200 * kKiB, 2 * kMiB}) {
            void* p = heap.allocate_aligned(align, size);
            ASSERT_NE(p, nullptr) << align << " " << size;
            EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (align < 16 ? 16 : align), 0u) << align << " " << size;
            EXPECT_GE(Allocator::usable_size(p), size);
            std::memset(p, 0xab, size);
            if (size < kMiB) blocks.push_back(p);  // the rest stay live together
            else heap.free(p);
        }
    }
    EXPECT_TRUE(heap.middle().consistent());
    for (void* p : blocks) heap.free(p);
    EXPECT_TRUE(heap.middle().consistent());
    EXPECT_LE(held(), 1 * kMiB);
}

TEST_F(AllocatorTest, RunningOutGivesNullAndEverythingStillWorksAfterwards) {
    space.limit_pages = 2 * kMiB / kPage;
    std::vector<void*> blocks;
    for (size_t size : {size_t{24}, size_t{1000}, size_t{9000}, 600 * kKiB}) {
        while (void* p = heap.allocate(size)) {
            std::memset(p, 1, size);
            blocks.push_back(p);
        }
    }
    EXPECT_EQ(heap.allocate(3 * kMiB), nullptr);
    EXPECT_EQ(heap.allocate_aligned(4096, 64 * kKiB), nullptr);
    void* p = blocks.back();
    EXPECT_EQ(heap.reallocate(p, 1 * kMiB + 1), nullptr);  // fails, keeps the block
    EXPECT_EQ(blocks.back(), p);
    EXPECT_TRUE(heap.middle().consistent());
    for (void* b : blocks) heap.free(b);
    EXPECT_NE(heap.allocate(100), nullptr);
    EXPECT_TRUE(heap.middle().consistent());
}

TEST_F(AllocatorTest, RequestsBeyondTheAddressSpaceAreRefused) {
    EXPECT_EQ(heap.allocate(SIZE_MAX), nullptr);
    EXPECT_EQ(heap.allocate(SIZE_MAX - 8), nullptr);
    EXPECT_EQ(heap.allocate(rvos::alloc::kMaxRequest + 1), nullptr);
    EXPECT_EQ(heap.allocate_aligned(64, SIZE_MAX - 16), nullptr);
    void* p = fill(10, 1);
    EXPECT_EQ(heap.reallocate(p, SIZE_MAX), nullptr);
    EXPECT_TRUE(holds(p, 10, 1));
    EXPECT_EQ(held(), space.mapped_bytes());
}

TEST_F(AllocatorTest, AMiddleBlockFreedTwiceIsReportedAndIgnored) {
    void* keep = fill(5000, 1);
    void* p = fill(5000, 2);
    heap.free(p);
    heap.free(p);
    ASSERT_EQ(space.invalid_frees.size(), 1u);
    EXPECT_EQ(space.invalid_frees[0], p);
    EXPECT_TRUE(heap.middle().consistent());
    EXPECT_TRUE(holds(keep, 5000, 1));
}

TEST_F(AllocatorTest, ASmallBlockFreedTwiceInAnEmptySlabIsReported) {
    void* p = fill(32, 1);
    heap.free(p);
    heap.free(p);
    ASSERT_EQ(space.invalid_frees.size(), 1u);
    void* a = heap.allocate(32);
    void* b = heap.allocate(32);
    EXPECT_NE(a, b);  // the bad free left no loop in the free list
}

TEST_F(AllocatorTest, ASlabThatEmptiesGoesBackUnlessItIsItsClassLast) {
    // 1000-byte blocks: slabs of 8, too big for the built-in area, so
    // every one comes from the middle tier.
    std::vector<void*> blocks;
    for (int i = 0; i < 200; i++) blocks.push_back(fill(1000, 5));
    EXPECT_EQ(heap.slab_count(), 25u);
    for (void* p : blocks) heap.free(p);
    EXPECT_EQ(heap.slab_count(), 1u);
    // Allocating and freeing one block over and over keeps that slab.
    for (int i = 0; i < 100; i++) heap.free(fill(1000, 6));
    EXPECT_EQ(heap.slab_count(), 1u);
}

TEST_F(AllocatorTest, AProgramThatAllocatesLittleMapsNothing) {
    // The first slabs of a few classes come from the allocator's own area.
    void* a = fill(24, 1);
    void* b = fill(8, 2);
    void* c = fill(100, 3);
    EXPECT_EQ(held(), 0u);
    EXPECT_EQ(space.maps, 0u);
    heap.free(a);
    heap.free(b);
    heap.free(c);
    EXPECT_EQ(heap.slab_count(), 0u);
}

}  // namespace
