// Randomized, model-based test of the region map: random first-fit
// allocations (anonymous and shared), fixed inserts, whole removals and
// partial removals, each checked against a model that only knows which
// page belongs to what — a vector with one entry per page — for results,
// errors, addresses and the whole resulting region list (anonymous pages
// that touch form one region; every other region stays as inserted).
//
// Every run is seeded and deterministic. A failure names its seed and op;
// rerun just that seed with
//     RVOS_RANDOM_SEED=<seed> ./build/host/unit_tests --gtest_filter='RandomRegionMap*'
// and scale the number of ops with RVOS_RANDOM_SCALE=<factor>.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "mm/region_map.h"
#include "random_support.h"
#include "test_support.h"

using mm::Region;
using mm::RegionKind;
using mm::RegionMap;
using random_support::Rng;
using random_support::scaled;
using random_support::seeds;
using rvos::Error;

namespace {

constexpr uintptr_t P = rvos::kPageSize;
constexpr uintptr_t kBase = 0x4000'0000;  // page 0 of the model
constexpr size_t kFree = 0;               // owner of a free page
constexpr size_t kAnonymous = 1;          // owner of an anonymous page; others are region ids

struct ModelRegion {
    RegionKind kind;
    bool writable;
    void* object;
};

class RegionWorld {
public:
    RegionWorld(uint64_t seed, size_t pages) : rng_(seed), owner_(pages, kFree) {
        // A window somewhere inside the model's pages; fixed regions land in
        // and around it.
        lo_ = rng_.below(pages / 4);
        hi_ = pages - rng_.below(pages / 4);
        max_pages_ = 1 + rng_.below(12);
        ids_.resize(2);
    }

    void run(size_t ops) {
        for (size_t i = 0; i < ops; i++) {
            unsigned op = static_cast<unsigned>(rng_.below(100));
            if (op < 35) do_allocate(RegionKind::Anonymous);
            else if (op < 45) do_allocate(RegionKind::Shared);
            else if (op < 55) do_insert();
            else if (op < 65) do_remove();
            else do_remove_pages();
            compare();
            if (::testing::Test::HasFailure()) {
                ADD_FAILURE() << "the failure above happened in op " << i << " (" << last_op_ << ")";
                return;
            }
        }
    }

    size_t most_regions() const { return most_regions_; }
    size_t full_refusals() const { return full_refusals_; }

private:
    uintptr_t address(size_t page) const { return kBase + page * P; }
    size_t pages() const { return owner_.size(); }

    // The model's region list, in address order: (first page, pages, owner).
    struct Run {
        size_t first, count, owner;
    };
    static std::vector<Run> runs_of(const std::vector<size_t>& owner) {
        std::vector<Run> out;
        for (size_t page = 0; page < owner.size(); page++) {
            size_t who = owner[page];
            if (who == kFree) continue;
            if (!out.empty() && out.back().owner == who && out.back().first + out.back().count == page) out.back().count++;
            else out.push_back(Run{page, 1, who});
        }
        return out;
    }
    std::vector<Run> runs() const { return runs_of(owner_); }
    static bool over_capacity(const std::vector<size_t>& owner) { return runs_of(owner).size() > RegionMap::kCapacity; }

    size_t new_id(RegionKind kind) {
        ids_.push_back(ModelRegion{kind, rng_.percent(50), reinterpret_cast<void*>(0x1000 + ids_.size())});
        return ids_.size() - 1;
    }

    size_t random_length() { return 1 + rng_.below(max_pages_); }

    void expect(Error got, Error want, const char* what) {
        EXPECT_EQ(got, want) << what;
        if (want == Error::NoMemory) full_refusals_++;
    }

    void do_allocate(RegionKind kind) {
        last_op_ = kind == RegionKind::Anonymous ? "allocate anonymous" : "allocate shared";
        size_t n = random_length();
        size_t id = kind == RegionKind::Anonymous ? kAnonymous : new_id(kind);
        Region region{0, n * P, kind};
        if (id != kAnonymous) region.writable = ids_[id].writable, region.object = ids_[id].object;
        // First fit in the model.
        size_t at = lo_, run = 0;
        for (size_t page = lo_; page < hi_ && run < n; page++) {
            if (owner_[page] == kFree) run++;
            else run = 0, at = page + 1;
        }
        auto got = map_->allocate(region, address(lo_), address(hi_));
        if (run < n) return expect(got.error(), Error::NoMemory, "no gap fits");
        std::vector<size_t> after = owner_;
        for (size_t page = at; page < at + n; page++) after[page] = id;
        if (over_capacity(after)) return expect(got.error(), Error::NoMemory, "no slot left");
        ASSERT_FALSE(got.is_error()) << rvos::error_name(got.error());
        EXPECT_EQ(got.value(), address(at)) << "first fit";
        owner_ = after;
    }

    void do_insert() {
        last_op_ = "insert";
        static constexpr RegionKind kKinds[] = {RegionKind::Code, RegionKind::Stack, RegionKind::Shared,
                                                RegionKind::Anonymous};
        RegionKind kind = kKinds[rng_.below(4)];
        size_t n = random_length();
        size_t first = rng_.below(pages() - n + 1);
        size_t id = kind == RegionKind::Anonymous ? kAnonymous : new_id(kind);
        Region region{address(first), n * P, kind};
        if (id != kAnonymous) region.writable = ids_[id].writable, region.object = ids_[id].object;
        auto got = map_->insert(region);
        bool overlaps = false;
        for (size_t page = first; page < first + n; page++) overlaps |= owner_[page] != kFree;
        if (overlaps) return expect(got.error(), Error::BadArgument, "overlaps");
        std::vector<size_t> after = owner_;
        for (size_t page = first; page < first + n; page++) after[page] = id;
        if (over_capacity(after)) return expect(got.error(), Error::NoMemory, "no slot left");
        EXPECT_FALSE(got.is_error()) << rvos::error_name(got.error());
        owner_ = after;
    }

    // A whole region by its start: a region's first page, or any page.
    void do_remove() {
        last_op_ = "remove";
        auto list = runs();
        size_t page = !list.empty() && rng_.percent(80) ? list[rng_.below(list.size())].first : rng_.below(pages());
        auto got = map_->remove(address(page));
        const Run* hit = nullptr;
        for (const Run& r : list)
            if (r.first == page) hit = &r;
        if (!hit) return expect(got.error(), Error::BadArgument, "no region starts there");
        ASSERT_FALSE(got.is_error()) << rvos::error_name(got.error());
        EXPECT_EQ(got.value().start, address(hit->first));
        EXPECT_EQ(got.value().length, hit->count * P);
        if (hit->owner != kAnonymous) EXPECT_EQ(got.value().object, ids_[hit->owner].object);
        for (size_t p = hit->first; p < hit->first + hit->count; p++) owner_[p] = kFree;
    }

    void do_remove_pages() {
        last_op_ = "remove_pages";
        size_t n = random_length();
        size_t first = rng_.below(pages() - n + 1);
        auto got = map_->remove_pages(address(first), n * P);
        bool foreign = false;
        for (size_t page = first; page < first + n; page++) foreign |= owner_[page] > kAnonymous;
        if (foreign) return expect(got.error(), Error::BadArgument, "touches another kind");
        std::vector<size_t> after = owner_;
        for (size_t page = first; page < first + n; page++) after[page] = kFree;
        if (over_capacity(after)) return expect(got.error(), Error::NoMemory, "a split with no slot left");
        EXPECT_FALSE(got.is_error()) << rvos::error_name(got.error());
        owner_ = after;
    }

    void compare() {
        auto want = runs();
        most_regions_ = std::max(most_regions_, want.size());
        ASSERT_EQ(map_->count(), want.size()) << "region count";
        size_t i = 0;
        for (const Region& got : *map_) {
            const Run& r = want[i++];
            ASSERT_EQ(got.start, address(r.first)) << "region " << i - 1;
            ASSERT_EQ(got.length, r.count * P) << "region " << i - 1;
            if (r.owner == kAnonymous) {
                ASSERT_EQ(got.kind, RegionKind::Anonymous) << "region " << i - 1;
                continue;
            }
            const ModelRegion& m = ids_[r.owner];
            ASSERT_EQ(got.kind, m.kind) << "region " << i - 1;
            if (m.kind == RegionKind::Shared) {
                ASSERT_EQ(got.object, m.object) << "region " << i - 1;
                ASSERT_EQ(got.writable, m.writable) << "region " << i - 1;
            }
        }
        // find() agrees page by page on a sample.
        for (int k = 0; k < 8; k++) {
            size_t page = rng_.below(pages());
            const Region* found = map_->find(address(page) + rng_.below(P));
            ASSERT_EQ(found != nullptr, owner_[page] != kFree) << "find page " << page;
        }
    }

    Rng rng_;
    std::vector<size_t> owner_;
    std::vector<ModelRegion> ids_;
    std::unique_ptr<RegionMap> map_ = std::make_unique<RegionMap>();
    size_t lo_ = 0, hi_ = 0, max_pages_ = 1;
    const char* last_op_ = "";
    size_t most_regions_ = 0, full_refusals_ = 0;
};

TEST(RandomRegionMap, MatchesAPageModel) {
    size_t most = 0, refusals = 0;
    for (uint64_t seed : seeds(1, 24)) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        // Small spaces fill up; large ones run out of slots, not pages.
        size_t pages = seed % 3 == 0 ? 1200 : 64 + seed % 5 * 40;
        RegionWorld world(seed, pages);
        world.run(scaled(4000));
        if (::testing::Test::HasFailure()) return;
        most = std::max(most, world.most_regions());
        refusals += world.full_refusals();
    }
    if (!std::getenv("RVOS_RANDOM_SEED")) {
        EXPECT_EQ(most, RegionMap::kCapacity) << "some run should fill every slot";
        EXPECT_GT(refusals, 0u) << "some run should be refused for want of room";
    }
}

}  // namespace
