// Randomized, model-based test of lib/rvos's allocator: random malloc,
// calloc, realloc, aligned allocations and frees of sizes in every tier,
// against a model (std::map of the live blocks, each filled with its own
// byte). After every operation: the result is aligned, holds its size,
// overlaps no other live block, and every block touched kept its bytes;
// periodically the middle tier's structure is checked whole and the
// allocator's count of mapped bytes matches the simulated address space.
// The space is ASan-poisoned wherever nothing is mapped (alloc_support.h).
// At the end everything is freed and the memory must be back but the kept
// slabs. Runs out of memory on purpose in some seeds.
//
// Every run is seeded and deterministic. A failure names its seed and op;
// rerun just that seed with
//     RVOS_RANDOM_SEED=<seed> ./build/host/unit_tests --gtest_filter='RandomAllocator*'
// and scale the number of ops with RVOS_RANDOM_SCALE=<factor>.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>

#include "alloc_support.h"
#include "random_support.h"
#include "rvos/allocator.h"

using alloc_support::FakeSpace;
using random_support::Rng;
using random_support::scaled;
using random_support::seeds;
using rvos::alloc::Allocator;

namespace {

constexpr size_t kKiB = 1024, kMiB = 1024 * 1024;

struct Live {
    size_t size;
    uint8_t fill;
};

class AllocatorWorld {
public:
    explicit AllocatorWorld(uint64_t seed) : rng_(seed), space_(128 * kMiB) {
        if (rng_.percent(25)) space_.limit_pages = (8 + rng_.below(56)) * kMiB / alloc_support::kPage;
    }

    void run(size_t ops) {
        for (op_ = 0; op_ < ops && !::testing::Test::HasFailure(); op_++) {
            unsigned pick = static_cast<unsigned>(rng_.below(100));
            if (live_.empty() || pick < 40) allocate(rng_.below(100) < 8 ? Kind::Calloc : Kind::Malloc);
            else if (pick < 48) allocate(Kind::Aligned);
            else if (pick < 60) reallocate();
            else release();
            if (op_ % 512 == 0) check_structure();
        }
        check_structure();
        while (!live_.empty()) release_at(live_.begin());
        check_structure();
        EXPECT_LE(heap_.slab_count(), rvos::alloc::kClassCount);
        EXPECT_TRUE(space_.invalid_frees.empty());
    }

private:
    enum class Kind { Malloc, Calloc, Aligned };

    // Mostly small, some middle, a few large: the tiers' boundaries too.
    size_t random_size() {
        unsigned tier = static_cast<unsigned>(rng_.below(100));
        if (tier < 55) return rng_.below(300);
        if (tier < 75) return rng_.below(rvos::alloc::kSmallMax + 64);
        if (tier < 93) return rng_.below(64 * kKiB);
        if (tier < 98) return rng_.below(rvos::alloc::kLargeThreshold + 64 * kKiB);
        return rvos::alloc::kLargeThreshold - 4 * kKiB + rng_.below(3 * kMiB);
    }

    void allocate(Kind kind) {
        size_t size = random_size();
        size_t align = 16;
        void* p;
        if (kind == Kind::Aligned) {
            align = size_t{1} << rng_.below(17);
            p = heap_.allocate_aligned(align, size);
        } else if (kind == Kind::Calloc) {
            size_t count = 1 + rng_.below(8);
            size = size / count;
            p = heap_.allocate_zeroed(count, size);
            size *= count;
        } else {
            p = heap_.allocate(size);
        }
        if (!p) return;  // out of memory (a limited space): allowed, changes nothing
        check_new(p, size, align < 16 ? 16 : align);
        if (kind == Kind::Calloc) {
            for (size_t i = 0; i < size; i++) ASSERT_EQ(static_cast<uint8_t*>(p)[i], 0) << where() << " calloc byte " << i;
        }
        add(p, size);
    }

    void reallocate() {
        auto it = pick();
        void* old = reinterpret_cast<void*>(it->first);
        Live was = it->second;
        size_t size = rng_.percent(50) ? random_size() : was.size + rng_.below(was.size + 1);
        void* p = heap_.reallocate(old, size);
        if (!p) {  // out of memory: the old block stays as it was
            check_bytes(old, was);
            return;
        }
        live_.erase(it);
        Live kept{was.size < size ? was.size : size, was.fill};
        check_bytes(p, kept);
        check_new(p, size, 16);
        add(p, size);
    }

    void release() { release_at(pick()); }

    void release_at(std::map<uintptr_t, Live>::iterator it) {
        check_bytes(reinterpret_cast<void*>(it->first), it->second);
        heap_.free(reinterpret_cast<void*>(it->first));
        live_.erase(it);
    }

    std::map<uintptr_t, Live>::iterator pick() {
        auto it = live_.lower_bound(rng_.next());
        return it == live_.end() ? live_.begin() : it;
    }

    // Aligned, big enough, and clear of every other live block.
    void check_new(void* p, size_t size, size_t align) {
        auto at = reinterpret_cast<uintptr_t>(p);
        ASSERT_EQ(at % align, 0u) << where() << " alignment " << align;
        ASSERT_GE(Allocator::usable_size(p), size) << where();
        size_t span = size ? size : 1;
        auto next = live_.lower_bound(at);
        if (next != live_.end()) {
            ASSERT_GE(next->first, at + span) << where() << " overlaps the block after it";
        }
        if (next != live_.begin()) {
            auto before = std::prev(next);
            ASSERT_LE(before->first + (before->second.size ? before->second.size : 1), at)
                << where() << " overlaps the block before it";
        }
    }

    void add(void* p, size_t size) {
        auto fill = static_cast<uint8_t>(rng_.next());
        std::memset(p, fill, size);
        live_[reinterpret_cast<uintptr_t>(p)] = Live{size, fill};
    }

    void check_bytes(const void* p, const Live& live) {
        // The first and last few bytes and a sample between: all of a big
        // block would make the test slow without finding more.
        auto* bytes = static_cast<const uint8_t*>(p);
        for (size_t i = 0; i < live.size; i += (i < 64 || i + 64 >= live.size) ? 1 : 509)
            ASSERT_EQ(bytes[i], live.fill) << where() << " byte " << i << " of " << live.size;
    }

    void check_structure() {
        ASSERT_TRUE(heap_.middle().consistent()) << where();
        ASSERT_EQ(heap_.mapped_bytes(), space_.mapped_bytes()) << where();
    }

    std::string where() const { return "seed op " + std::to_string(op_); }

    Rng rng_;
    FakeSpace space_;
    Allocator heap_;
    std::map<uintptr_t, Live> live_;
    size_t op_ = 0;
};

TEST(RandomAllocator, MatchesTheModelAndGivesMemoryBack) {
    for (uint64_t seed : seeds(1100, 12)) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        AllocatorWorld world(seed);
        world.run(scaled(6000));
        if (::testing::Test::HasFailure()) return;
    }
}

}  // namespace
