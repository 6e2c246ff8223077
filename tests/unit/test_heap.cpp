// The kernel heap (first fit, address-ordered free list, coalescing), run
// over an ordinary malloc'd buffer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "mm/heap.h"

using mm::Heap;

namespace {

constexpr size_t kHeapBytes = 64 * 1024;
constexpr size_t kHeader = 16;

size_t block_bytes(size_t n) { return (n + kHeader + 15) / 16 * 16; }

class HeapTest : public ::testing::Test {
protected:
    void SetUp() override {
        memory = static_cast<uint8_t*>(std::malloc(kHeapBytes));
        ASSERT_NE(memory, nullptr);
        heap.init(memory, kHeapBytes);
    }
    void TearDown() override { std::free(memory); }

    bool in_heap(const void* p, size_t n) const {
        auto* b = static_cast<const uint8_t*>(p);
        return b >= memory && b + n <= memory + kHeapBytes;
    }
    // The largest single allocation an empty heap can satisfy.
    size_t whole() const { return heap.size() - kHeader; }

    uint8_t* memory = nullptr;
    Heap heap;
};

TEST_F(HeapTest, FreshHeapIsEmptyAndSpansTheBuffer) {
    EXPECT_EQ(heap.used(), 0u);
    EXPECT_EQ(heap.size(), kHeapBytes);  // malloc memory is already 16-aligned
}

TEST_F(HeapTest, AllocationsAreSixteenByteAlignedAndInsideTheRegion) {
    for (size_t n : {1, 2, 15, 16, 17, 31, 33, 100, 1000}) {
        void* p = heap.allocate(n);
        ASSERT_NE(p, nullptr) << n;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << n;
        EXPECT_TRUE(in_heap(p, n));
        std::memset(p, 0xCC, n);
    }
}

TEST(HeapInit, MisalignedRegionIsAlignedAndShrunk) {
    auto* memory = static_cast<uint8_t*>(std::malloc(4096 + 16));
    Heap heap;
    heap.init(memory + 3, 4096);
    EXPECT_EQ(heap.size() % 16, 0u);
    EXPECT_LE(heap.size(), 4096u - 13);
    void* p = heap.allocate(heap.size() - kHeader);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    std::memset(p, 0xEE, heap.size() - kHeader);  // ASan: stays inside the buffer
    EXPECT_LE(static_cast<uint8_t*>(p) + heap.size() - kHeader, memory + 3 + 4096);
    std::free(memory);
}

TEST_F(HeapTest, ZeroAndOversizedRequestsReturnNull) {
    EXPECT_EQ(heap.allocate(0), nullptr);
    EXPECT_EQ(heap.allocate(kHeapBytes), nullptr);
    EXPECT_EQ(heap.allocate(SIZE_MAX), nullptr);
    EXPECT_EQ(heap.allocate(SIZE_MAX - 8), nullptr);
    EXPECT_EQ(heap.used(), 0u);
}

TEST_F(HeapTest, UsedCountsHeaderAndRoundingAndReturnsToZero) {
    void* a = heap.allocate(1);
    EXPECT_EQ(heap.used(), block_bytes(1));
    void* b = heap.allocate(100);
    EXPECT_EQ(heap.used(), block_bytes(1) + block_bytes(100));
    heap.free(a);
    heap.free(b);
    EXPECT_EQ(heap.used(), 0u);
}

TEST_F(HeapTest, FreeOfNullIsANoOp) {
    heap.free(nullptr);
    EXPECT_EQ(heap.used(), 0u);
}

TEST_F(HeapTest, ManySizesAllocateAndFreeBackToZero) {
    std::vector<void*> blocks;
    for (size_t n = 1; n <= 600; n += 7) {
        void* p = heap.allocate(n);
        ASSERT_NE(p, nullptr) << n;
        std::memset(p, static_cast<int>(n), n);
        blocks.push_back(p);
    }
    for (void* p : blocks) heap.free(p);
    EXPECT_EQ(heap.used(), 0u);
    EXPECT_NE(heap.allocate(whole()), nullptr);
}

TEST_F(HeapTest, WholeHeapFitsInOneAllocationButNotOneByteMore) {
    EXPECT_EQ(heap.allocate(whole() + 1), nullptr);
    void* p = heap.allocate(whole());
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x11, whole());
    EXPECT_EQ(heap.used(), heap.size());
    EXPECT_EQ(heap.allocate(1), nullptr);
    heap.free(p);
    EXPECT_EQ(heap.used(), 0u);
}

TEST_F(HeapTest, ExhaustionReturnsNullAndAFreeMakesRoomAgain) {
    std::vector<void*> blocks;
    while (void* p = heap.allocate(64)) blocks.push_back(p);
    EXPECT_EQ(blocks.size(), kHeapBytes / block_bytes(64));
    EXPECT_EQ(heap.allocate(64), nullptr);
    heap.free(blocks[10]);
    void* again = heap.allocate(64);
    EXPECT_EQ(again, blocks[10]);  // first fit reuses the hole
    blocks[10] = again;
    for (void* p : blocks) heap.free(p);
    EXPECT_EQ(heap.used(), 0u);
}

// Fills the heap with equal blocks, frees them in `order`, and checks that
// the free space coalesced back into one block.
void fill_free_and_expect_one_block(Heap& heap, size_t whole, const std::vector<size_t>& order) {
    std::vector<void*> blocks;
    while (void* p = heap.allocate(48)) blocks.push_back(p);
    ASSERT_EQ(order.size(), blocks.size());
    for (size_t i : order) heap.free(blocks[i]);
    EXPECT_EQ(heap.used(), 0u);
    void* big = heap.allocate(whole);
    EXPECT_NE(big, nullptr) << "free blocks did not coalesce";
    heap.free(big);
}

std::vector<size_t> indices(size_t n) {
    std::vector<size_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = i;
    return v;
}

TEST_F(HeapTest, CoalescesWhenFreedInAddressOrder) {
    fill_free_and_expect_one_block(heap, whole(), indices(kHeapBytes / block_bytes(48)));
}

TEST_F(HeapTest, CoalescesWhenFreedInReverseOrder) {
    auto order = indices(kHeapBytes / block_bytes(48));
    std::reverse(order.begin(), order.end());
    fill_free_and_expect_one_block(heap, whole(), order);
}

TEST_F(HeapTest, CoalescesWhenTheLastFreeBridgesTwoNeighbours) {
    // Evens first, then odds: each odd free merges with both sides.
    std::vector<size_t> order;
    size_t n = kHeapBytes / block_bytes(48);
    for (size_t i = 0; i < n; i += 2) order.push_back(i);
    for (size_t i = 1; i < n; i += 2) order.push_back(i);
    fill_free_and_expect_one_block(heap, whole(), order);
}

TEST_F(HeapTest, FragmentedHeapRefusesBigAllocationUntilTheGapsAreFreed) {
    std::vector<void*> blocks;
    while (void* p = heap.allocate(1000)) blocks.push_back(p);
    for (size_t i = 0; i < blocks.size(); i += 2) heap.free(blocks[i]);
    // Half the heap is free, but only in 1 KiB pieces.
    EXPECT_EQ(heap.allocate(4000), nullptr);
    void* small = heap.allocate(900);
    EXPECT_NE(small, nullptr);
    heap.free(small);
    for (size_t i = 1; i < blocks.size(); i += 2) heap.free(blocks[i]);
    EXPECT_EQ(heap.used(), 0u);
    EXPECT_NE(heap.allocate(whole()), nullptr);
}

TEST_F(HeapTest, RemainderTooSmallForABlockIsNotSplitOff) {
    // Leaves 16 bytes, less than header + alignment: the allocation gets the
    // whole block instead of leaving a useless sliver on the free list.
    void* p = heap.allocate(whole() - 16);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(heap.used(), heap.size());
    EXPECT_EQ(heap.allocate(1), nullptr);
    heap.free(p);
    EXPECT_EQ(heap.used(), 0u);
    EXPECT_NE(heap.allocate(whole()), nullptr);
}

TEST_F(HeapTest, ExactRemainderOfOneMinimalBlockIsSplitOff) {
    void* big = heap.allocate(whole() - 32);  // leaves exactly header + 16
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(heap.used(), heap.size() - 32);
    void* tail = heap.allocate(16);
    ASSERT_NE(tail, nullptr);
    EXPECT_EQ(static_cast<uint8_t*>(tail), static_cast<uint8_t*>(big) + whole() - 16);
    std::memset(tail, 0x22, 16);
    heap.free(big);
    heap.free(tail);
    EXPECT_EQ(heap.used(), 0u);
}

TEST_F(HeapTest, RandomizedOperationsNeverOverlapAndCleanUp) {
    struct Live {
        uint8_t* p;
        size_t n;
        uint8_t pattern;
    };
    std::mt19937 rng(12345);
    std::vector<Live> live;
    auto check = [&](const Live& l) {
        for (size_t i = 0; i < l.n; i++)
            if (l.p[i] != static_cast<uint8_t>(l.pattern + i)) return false;
        return true;
    };
    size_t failures = 0;
    for (int op = 0; op < 4000; op++) {
        bool do_alloc = live.empty() || rng() % 100 < 55;
        if (do_alloc) {
            size_t n = rng() % 8 == 0 ? 1 + rng() % 4096 : 1 + rng() % 256;
            auto* p = static_cast<uint8_t*>(heap.allocate(n));
            if (!p) {
                failures++;
                continue;
            }
            ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
            ASSERT_TRUE(in_heap(p, n));
            Live l{p, n, static_cast<uint8_t>(rng())};
            for (size_t i = 0; i < n; i++) p[i] = static_cast<uint8_t>(l.pattern + i);
            live.push_back(l);
        } else {
            size_t k = rng() % live.size();
            ASSERT_TRUE(check(live[k])) << "block overwritten at op " << op;
            heap.free(live[k].p);
            live[k] = live.back();
            live.pop_back();
        }
        if (op % 500 == 0) {
            for (const Live& l : live) ASSERT_TRUE(check(l)) << "block overwritten at op " << op;
            auto sorted = live;
            std::sort(sorted.begin(), sorted.end(), [](const Live& a, const Live& b) { return a.p < b.p; });
            for (size_t i = 1; i < sorted.size(); i++)
                ASSERT_LE(sorted[i - 1].p + sorted[i - 1].n, sorted[i].p) << "overlap at op " << op;
        }
    }
    for (const Live& l : live) {
        ASSERT_TRUE(check(l));
        heap.free(l.p);
    }
    EXPECT_EQ(heap.used(), 0u);
    EXPECT_NE(heap.allocate(whole()), nullptr) << "heap did not coalesce back to one block";
    RecordProperty("failed_allocations", static_cast<int>(failures));
}

}  // namespace
