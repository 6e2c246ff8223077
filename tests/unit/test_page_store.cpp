// The fs server's page store (user/fs/page_store.h) and what the tree does
// with it: file data is given back to the system when files are truncated
// or deleted, compaction keeps the store close to the pages in use and
// moves pages without changing a byte, and the tree says whose pages went.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

#include "abi/protocol.h"
#include "../../user/fs/page_store.h"
#include "../../user/fs/tree.h"

using fs::PageStore;
using rvos::Error;

namespace {

// An arena source that counts what it handed out.
size_t arenas_out = 0;
void* counted_get(size_t bytes) {
    arenas_out++;
    return fs::heap_arenas().get(bytes);
}
void counted_give_back(void* arena, size_t bytes) {
    arenas_out--;
    fs::heap_arenas().give_back(arena, bytes);
}
fs::ArenaSource counted() { return fs::ArenaSource{counted_get, counted_give_back}; }

// Owners in these tests are a table of pages the store can update.
std::map<uint32_t, uint8_t*> where;
void moved(void*, uint32_t index, uint8_t* page) { where[index] = page; }

TEST(PageStore, AnEmptiedArenaGoesBackAtOnceButOneSpare) {
    arenas_out = 0;
    {
        PageStore store(counted(), 4, moved);
        std::vector<uint8_t*> pages;
        for (uint32_t i = 0; i < 6; i++) pages.push_back(store.allocate(nullptr, i).value());
        EXPECT_EQ(arenas_out, 2u);
        EXPECT_EQ(store.pages_in_use(), 6u);
        for (uint8_t* page : pages)
            for (size_t b = 0; b < fs::kPageSize; b++) ASSERT_EQ(page[b], 0) << "a page starts zeroed";
        for (uint8_t* page : pages) store.free(page);
        EXPECT_EQ(arenas_out, 1u) << "one empty arena is kept, spare";
        EXPECT_EQ(store.pages_in_use(), 0u);
        store.trim();
        EXPECT_EQ(arenas_out, 0u);
        // A freed page comes back zeroed.
        uint8_t* again = store.allocate(nullptr, 0).value();
        std::memset(again, 0xab, fs::kPageSize);
        store.free(again);
        again = store.allocate(nullptr, 0).value();
        EXPECT_EQ(again[100], 0);
    }
    EXPECT_EQ(arenas_out, 0u) << "the store gives everything back when it goes";
}

TEST(PageStore, CompactionMovesPagesIntactAndGivesArenasBack) {
    arenas_out = 0;
    where.clear();
    PageStore store(counted(), 4, moved);
    for (uint32_t i = 0; i < 16; i++) {
        where[i] = store.allocate(nullptr, i).value();
        std::memset(where[i], static_cast<int>(i + 1), fs::kPageSize);
    }
    ASSERT_EQ(arenas_out, 4u);
    // Free three of every four: 12 free pages in 4 arenas.
    for (uint32_t i = 0; i < 16; i++)
        if (i % 4) {
            store.free(where[i]);
            where.erase(i);
        }
    EXPECT_EQ(arenas_out, 4u) << "no arena is empty yet";
    store.compact();
    EXPECT_EQ(arenas_out, 3u) << "4 pages in use in two, less than an arena and a half free, and the spare";
    EXPECT_EQ(store.empty_arenas(), 1u);
    for (auto& [index, page] : where)
        for (size_t b = 0; b < fs::kPageSize; b++)
            ASSERT_EQ(page[b], static_cast<uint8_t>(index + 1)) << "page " << index << " moved intact";
    for (auto& [index, page] : where) store.free(page);
    EXPECT_EQ(arenas_out, 1u);
    store.trim();
    EXPECT_EQ(arenas_out, 0u);
}

// What a tree's release callback heard.
struct Heard {
    uint32_t owner = 0;
    size_t pages = 0;
};
void heard(void* context, uint32_t owner, size_t pages) {
    auto* h = static_cast<Heard*>(context);
    h->owner = owner;
    h->pages += pages;
}

TEST(PageStore, DeletingOrTruncatingAFileGivesItsMemoryBackAndSaysWhose) {
    arenas_out = 0;
    fs::Tree tree(counted(), 8);
    Heard h;
    tree.on_release(heard, &h);
    std::vector<uint8_t> data(5 * fs::kPageSize + 1, 7);
    auto file = tree.open("/tmp/f", rvos::proto::kOpenCreate | rvos::proto::kOpenWrite);
    ASSERT_FALSE(file.is_error());
    tree.set_owner(file.value(), 42);
    ASSERT_EQ(tree.write(file.value(), 0, data.data(), data.size()).value(), data.size());
    EXPECT_EQ(tree.pages(file.value()), 6u);
    EXPECT_EQ(arenas_out, 1u);
    tree.release(file.value());
    // Truncated on open: the pages go back, and the tree says whose.
    file = tree.open("/tmp/f", rvos::proto::kOpenWrite | rvos::proto::kOpenTruncate);
    ASSERT_FALSE(file.is_error());
    EXPECT_EQ(h.owner, 42u);
    EXPECT_EQ(h.pages, 6u);
    EXPECT_EQ(tree.store().pages_in_use(), 0u);
    EXPECT_EQ(arenas_out, 1u) << "only the spare is kept";
    ASSERT_EQ(tree.write(file.value(), 3 * fs::kPageSize, data.data(), 1).value(), 1u);
    EXPECT_EQ(tree.pages(file.value()), 4u) << "a gap takes pages too (zeroed)";
    uint8_t back[16];
    ASSERT_EQ(tree.read(file.value(), fs::kPageSize, back, sizeof back).value(), sizeof back);
    for (uint8_t b : back) EXPECT_EQ(b, 0);
    // Deleted while open: the pages go at the last release.
    ASSERT_EQ(tree.remove("/tmp/f"), Error::None);
    EXPECT_EQ(tree.store().pages_in_use(), 4u) << "still open";
    tree.release(file.value());
    EXPECT_EQ(h.pages, 10u);
    EXPECT_EQ(tree.store().pages_in_use(), 0u);
    EXPECT_EQ(arenas_out, 1u);
}

}  // namespace
