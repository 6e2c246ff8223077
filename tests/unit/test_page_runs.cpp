// The contiguous page-run allocator for DMA memory: runs never overlap,
// frees must match what was allocated, and a random model check keeps the
// bitmap and the count honest.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "mm/page_runs.h"

using mm::PageRuns;

namespace {

constexpr uintptr_t kBase = 0x9000'0000;
constexpr size_t kPages = 64;

class PageRunsTest : public ::testing::Test {
protected:
    void SetUp() override { runs.init(kBase, kPages, bitmap.data()); }
    PageRuns runs;
    std::vector<uint8_t> bitmap = std::vector<uint8_t>(PageRuns::bitmap_bytes(kPages), 0xff);
};

TEST_F(PageRunsTest, RunsAreContiguousAndDisjoint) {
    auto a = runs.allocate(3).value(), b = runs.allocate(5).value();
    EXPECT_EQ(a, kBase);
    EXPECT_EQ(b, kBase + 3 * rvos::kPageSize);
    EXPECT_EQ(runs.free_pages(), kPages - 8);
    EXPECT_TRUE(runs.free(a, 3));
    // First fit: a run of 2 reuses the hole, a run of 4 does not fit in it.
    EXPECT_EQ(runs.allocate(2).value(), kBase);
    EXPECT_EQ(runs.allocate(4).value(), kBase + 8 * rvos::kPageSize);
}

TEST_F(PageRunsTest, ExhaustionAndBadRequestsAreNamed) {
    EXPECT_EQ(runs.allocate(0).error(), rvos::Error::BadArgument);
    EXPECT_EQ(runs.allocate(kPages + 1).error(), rvos::Error::NoMemory);
    auto all = runs.allocate(kPages).value();
    EXPECT_EQ(runs.allocate(1).error(), rvos::Error::NoMemory);
    EXPECT_TRUE(runs.free(all, kPages));
    // Fragmented: enough pages in all, no run long enough.
    std::vector<uintptr_t> singles;
    for (size_t i = 0; i < kPages; i++) singles.push_back(runs.allocate(1).value());
    for (size_t i = 0; i < kPages; i += 2) EXPECT_TRUE(runs.free(singles[i], 1));
    EXPECT_EQ(runs.free_pages(), kPages / 2);
    EXPECT_EQ(runs.allocate(2).error(), rvos::Error::NoMemory);
}

TEST_F(PageRunsTest, FreeingWhatWasNotAllocatedChangesNothing) {
    auto a = runs.allocate(4).value();
    EXPECT_FALSE(runs.free(a, 5));                       // longer than the run
    EXPECT_FALSE(runs.free(a + 1, 1));                   // not page-aligned
    EXPECT_FALSE(runs.free(kBase - rvos::kPageSize, 1)); // below the pool
    EXPECT_FALSE(runs.free(kBase + kPages * rvos::kPageSize, 1));  // past it
    EXPECT_FALSE(runs.free(a, 0));
    EXPECT_EQ(runs.free_pages(), kPages - 4);
    EXPECT_TRUE(runs.free(a, 4));
    EXPECT_FALSE(runs.free(a, 4));  // twice
    EXPECT_EQ(runs.free_pages(), kPages);
}

TEST_F(PageRunsTest, RandomModel) {
    std::mt19937 random(99);
    std::map<uintptr_t, size_t> live;  // address -> pages
    for (int step = 0; step < 20000; step++) {
        if (live.empty() || random() % 2) {
            size_t n = 1 + random() % 8;
            auto got = runs.allocate(n);
            if (got.is_error()) continue;
            uintptr_t a = got.value();
            ASSERT_GE(a, kBase);
            ASSERT_LE(a + n * rvos::kPageSize, kBase + kPages * rvos::kPageSize);
            for (auto& [b, m] : live)  // no overlap with any live run
                ASSERT_TRUE(a + n * rvos::kPageSize <= b || b + m * rvos::kPageSize <= a);
            live[a] = n;
        } else {
            auto it = live.begin();
            std::advance(it, random() % live.size());
            ASSERT_TRUE(runs.free(it->first, it->second));
            live.erase(it);
        }
        size_t used = 0;
        for (auto& [b, m] : live) used += m;
        ASSERT_EQ(runs.free_pages(), kPages - used);
    }
}

}  // namespace
