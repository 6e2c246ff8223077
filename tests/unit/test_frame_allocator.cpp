// The physical frame allocator, run over an ordinary page-aligned buffer.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "mm/frame_allocator.h"
#include "test_support.h"

using mm::FrameAllocator;
using rvos::Error;
using rvos::kPageSize;

namespace {

constexpr size_t kFrames = 16;

class FrameAllocatorTest : public ::testing::Test {
protected:
    void SetUp() override {
        memory = static_cast<uint8_t*>(std::aligned_alloc(kPageSize, kFrames * kPageSize));
        ASSERT_NE(memory, nullptr);
        std::memset(memory, 0xAB, kFrames * kPageSize);  // dirty, to prove zero-fill
        bitmap.assign(FrameAllocator::bitmap_bytes(kFrames), 0xFF);
        frames.init(begin(), end(), bitmap.data());
    }
    void TearDown() override { std::free(memory); }

    uintptr_t begin() const { return reinterpret_cast<uintptr_t>(memory); }
    uintptr_t end() const { return begin() + kFrames * kPageSize; }
    void* alloc() {
        auto frame = frames.allocate();
        EXPECT_FALSE(frame.is_error());
        return frame.is_error() ? nullptr : frame.value();
    }

    uint8_t* memory = nullptr;
    std::vector<uint8_t> bitmap;
    FrameAllocator frames;
};

TEST(FrameAllocatorBitmap, BitmapBytesRoundsUpToWholeBytes) {
    EXPECT_EQ(FrameAllocator::bitmap_bytes(0), 0u);
    EXPECT_EQ(FrameAllocator::bitmap_bytes(1), 1u);
    EXPECT_EQ(FrameAllocator::bitmap_bytes(8), 1u);
    EXPECT_EQ(FrameAllocator::bitmap_bytes(9), 2u);
}

TEST_F(FrameAllocatorTest, InitCountsEveryFrameAsFree) {
    EXPECT_EQ(frames.total(), kFrames);
    EXPECT_EQ(frames.free_count(), kFrames);
}

TEST_F(FrameAllocatorTest, AllocatedFrameIsZeroFilledPageAlignedAndInRange) {
    auto* frame = static_cast<uint8_t*>(alloc());
    ASSERT_NE(frame, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(frame) % kPageSize, 0u);
    EXPECT_GE(reinterpret_cast<uintptr_t>(frame), begin());
    EXPECT_LT(reinterpret_cast<uintptr_t>(frame), end());
    for (size_t i = 0; i < kPageSize; i++) ASSERT_EQ(frame[i], 0) << "byte " << i;
    EXPECT_EQ(frames.free_count(), kFrames - 1);
}

TEST_F(FrameAllocatorTest, LowAddressesComeOutFirst) {
    EXPECT_EQ(alloc(), memory);
    EXPECT_EQ(alloc(), memory + kPageSize);
}

TEST_F(FrameAllocatorTest, AllocatesEveryFrameOnceThenNoMemory) {
    std::set<void*> seen;
    for (size_t i = 0; i < kFrames; i++) {
        void* frame = alloc();
        ASSERT_NE(frame, nullptr);
        EXPECT_TRUE(seen.insert(frame).second) << "frame handed out twice";
    }
    EXPECT_EQ(frames.free_count(), 0u);
    auto none = frames.allocate();
    ASSERT_TRUE(none.is_error());
    EXPECT_EQ(none.error(), Error::NoMemory);
    EXPECT_EQ(frames.free_count(), 0u);
}

TEST_F(FrameAllocatorTest, FreedFrameReturnsToThePoolZeroedOnReuse) {
    std::vector<void*> all;
    for (size_t i = 0; i < kFrames; i++) all.push_back(alloc());
    auto* victim = static_cast<uint8_t*>(all[5]);
    std::memset(victim, 0x5A, kPageSize);
    ASSERT_TRUE(frames.free(victim));
    EXPECT_EQ(frames.free_count(), 1u);
    auto* again = static_cast<uint8_t*>(alloc());
    EXPECT_EQ(again, victim);
    for (size_t i = 0; i < kPageSize; i++) ASSERT_EQ(again[i], 0) << "byte " << i;
    EXPECT_TRUE(frames.allocate().is_error());
}

TEST_F(FrameAllocatorTest, UnzeroedFrameIsTrackedLikeAnyOtherAndFreedAlike) {
    auto frame = frames.allocate_unzeroed();
    ASSERT_FALSE(frame.is_error());
    EXPECT_EQ(frame.value(), memory);  // the same list as allocate()
    EXPECT_EQ(frames.free_count(), kFrames - 1);
    EXPECT_TRUE(frames.free(frame.value()));
    EXPECT_FALSE(frames.free(frame.value()));  // a double free is still caught
    EXPECT_EQ(frames.free_count(), kFrames);
    for (size_t i = 0; i < kFrames; i++) ASSERT_FALSE(frames.allocate_unzeroed().is_error());
    EXPECT_EQ(frames.allocate_unzeroed().error(), Error::NoMemory);
}

TEST_F(FrameAllocatorTest, FreeingEverythingRestoresFreeCount) {
    std::vector<void*> all;
    for (size_t i = 0; i < kFrames; i++) all.push_back(alloc());
    for (void* f : all) EXPECT_TRUE(frames.free(f));
    EXPECT_EQ(frames.free_count(), kFrames);
    for (size_t i = 0; i < kFrames; i++) EXPECT_NE(alloc(), nullptr);
    EXPECT_TRUE(frames.allocate().is_error());
}

TEST_F(FrameAllocatorTest, DoubleFreeIsRejectedWithoutChangingFreeCount) {
    void* frame = alloc();
    ASSERT_TRUE(frames.free(frame));
    EXPECT_FALSE(frames.free(frame));
    EXPECT_EQ(frames.free_count(), kFrames);
    // The list is not corrupted: every frame, this one included, comes out once.
    std::set<void*> seen;
    for (auto f = frames.allocate(); !f.is_error(); f = frames.allocate())
        EXPECT_TRUE(seen.insert(f.value()).second) << "frame handed out twice";
    EXPECT_EQ(seen.size(), kFrames);
}

// The kernel's handler panics (mm/memory.cpp); these record, or abort.
struct BadFree {
    uintptr_t address;
    std::string what;
};
std::vector<BadFree> bad_frees;
void record_bad_free(uintptr_t address, const char* what) { bad_frees.push_back({address, what}); }

TEST_F(FrameAllocatorTest, DoubleFreeCallsTheBadFreeHandlerWithTheFrame) {
    bad_frees.clear();
    frames.on_bad_free(record_bad_free);
    void* frame = alloc();
    ASSERT_TRUE(frames.free(frame));
    EXPECT_TRUE(bad_frees.empty()) << "a good free is not reported";
    EXPECT_FALSE(frames.free(frame));
    ASSERT_EQ(bad_frees.size(), 1u);
    EXPECT_EQ(bad_frees[0].address, reinterpret_cast<uintptr_t>(frame));
    EXPECT_EQ(bad_frees[0].what, "freed twice");
    EXPECT_EQ(frames.free_count(), kFrames);
}

TEST_F(FrameAllocatorTest, FreeOfAForeignAddressCallsTheBadFreeHandler) {
    bad_frees.clear();
    frames.on_bad_free(record_bad_free);
    alloc();
    EXPECT_FALSE(frames.free(memory + 1));
    EXPECT_FALSE(frames.free(memory + kFrames * kPageSize));
    ASSERT_EQ(bad_frees.size(), 2u);
    EXPECT_EQ(bad_frees[0].what, "not a frame");
    EXPECT_EQ(bad_frees[1].address, end());
    EXPECT_EQ(frames.free_count(), kFrames - 1);
}

void abort_on_bad_free(uintptr_t, const char* what) {
    std::fprintf(stderr, "frame allocator: %s\n", what);
    std::abort();
}

TEST_F(FrameAllocatorTest, DoubleFreeStopsAKernelWhoseHandlerPanics) {
    frames.on_bad_free(abort_on_bad_free);
    void* frame = alloc();
    ASSERT_TRUE(frames.free(frame));
    EXPECT_DEATH(frames.free(frame), "frame allocator: freed twice");
}

TEST_F(FrameAllocatorTest, FreeOfNeverAllocatedFrameIsRejected) {
    alloc();
    EXPECT_FALSE(frames.free(memory + 3 * kPageSize));
    EXPECT_EQ(frames.free_count(), kFrames - 1);
}

TEST_F(FrameAllocatorTest, FreeOfForeignOrMisalignedAddressIsRejected) {
    std::vector<void*> all;
    for (size_t i = 0; i < kFrames; i++) all.push_back(alloc());
    int on_stack = 0;
    void* bad[] = {
        nullptr,
        &on_stack,
        memory + 1,
        memory + kPageSize + 8,
        memory + kPageSize - 1,
        memory - kPageSize,                  // just below the region
        memory + kFrames * kPageSize,        // one past the end
        memory + (kFrames + 5) * kPageSize,  // well past the end
    };
    for (void* p : bad) {
        EXPECT_FALSE(frames.free(p)) << p;
        EXPECT_EQ(frames.free_count(), 0u);
    }
}

TEST(FrameAllocatorInit, UnalignedRegionIsShrunkToWholePages) {
    constexpr size_t kBytes = 8 * kPageSize;
    auto* memory = static_cast<uint8_t*>(std::aligned_alloc(kPageSize, kBytes));
    uint8_t bitmap[1];
    FrameAllocator frames;
    // [memory+100, memory+8 pages-100) holds the whole pages 1..6.
    frames.init(reinterpret_cast<uintptr_t>(memory) + 100, reinterpret_cast<uintptr_t>(memory) + kBytes - 100,
                bitmap);
    EXPECT_EQ(frames.total(), 6u);
    auto first = frames.allocate();
    ASSERT_FALSE(first.is_error());
    EXPECT_EQ(first.value(), memory + kPageSize);
    EXPECT_FALSE(frames.free(memory));                        // below the rounded begin
    EXPECT_FALSE(frames.free(memory + 7 * kPageSize));        // the partial last page
    std::free(memory);
}

TEST(FrameAllocatorInit, EmptyRegionHasNoFrames) {
    FrameAllocator frames;
    uint8_t bitmap[1] = {};
    frames.init(0x10000, 0x10000, bitmap);
    EXPECT_EQ(frames.total(), 0u);
    EXPECT_EQ(frames.allocate().error(), Error::NoMemory);
}

TEST(FrameAllocatorInit, RegionInsideOnePageHasNoFrames) {
    FrameAllocator frames;
    uint8_t bitmap[1] = {};
    frames.init(0x10010, 0x10ff0, bitmap);  // no whole page in between
    EXPECT_EQ(frames.total(), 0u);
    EXPECT_EQ(frames.allocate().error(), Error::NoMemory);
}

}  // namespace
