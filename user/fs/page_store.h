// The pages file data lives in: 4 KiB pages carved from arenas (runs of
// zeroed pages the system gives the fs server, as memory objects), and
// given back to the system whole. A freed page makes its arena emptier;
// an arena with nothing left in it is given back at once — but one, kept
// spare, so that rewriting a small file does not fetch and return an arena
// every time — and compact() moves the pages of the emptiest arena into
// the others' free pages when more than an arena and a half of them is
// free, so the memory the store holds is never much more than the file
// data in it. Hardware-free: the host unit tests run it on malloc'd
// arenas.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace fs {

using base::ErrorOr;
using rvos::Error;

inline constexpr size_t kPageSize = rvos::kPageSize;

// Where the store's arenas come from and go back to.
struct ArenaSource {
    // A run of `bytes` zeroed bytes (whole pages), or null when there is no
    // memory for it.
    void* (*get)(size_t bytes);
    void (*give_back)(void* arena, size_t bytes);
};
// Arenas from malloc (the host tests).
ArenaSource heap_arenas();

class PageStore {
public:
    // Tells a page's owner that compaction moved it (owner and index are
    // what allocate() was given).
    using Moved = void (*)(void* owner, uint32_t index, uint8_t* page);

    PageStore(ArenaSource source, size_t arena_pages, Moved moved);
    ~PageStore();  // gives every arena back
    PageStore(const PageStore&) = delete;
    PageStore& operator=(const PageStore&) = delete;

    // A zeroed page for `owner`'s page `index`, or NoMemory.
    ErrorOr<uint8_t*> allocate(void* owner, uint32_t index);
    // Gives a page back; its arena goes back to the system once empty.
    void free(uint8_t* page);
    // Moves pages out of the emptiest arenas while more than an arena and a
    // half of their pages is free, and gives those arenas back. Callers
    // free a batch, then compact once.
    void compact();

    // Gives the spare arena back too (the store keeps none).
    void trim();

    size_t pages_in_use() const { return in_use_; }
    size_t arena_count() const { return count_; }
    size_t empty_arenas() const;  // 0 or 1: the spare
    size_t arena_pages() const { return arena_pages_; }

private:
    struct Owner {
        void* owner;
        uint32_t index;
    };
    struct Arena {
        uint8_t* base;
        size_t used;
        uint64_t* free_map;  // a set bit per free page
        Owner* owners;
    };

    ErrorOr<Arena*> add_arena();
    void remove_arena(size_t at);
    // An arena has just become empty: all empty ones go back but one, the
    // spare.
    void emptied();
    size_t arena_of(const uint8_t* page) const;
    // Takes a free page of `arena` for `owner` (null if it has none).
    uint8_t* take_page(Arena& arena, void* owner, uint32_t index);
    bool evacuate(size_t victim);

    ArenaSource source_;
    size_t arena_pages_;
    Moved moved_;
    Arena* arenas_ = nullptr;  // malloc'd, count_ used of capacity_
    size_t count_ = 0;
    size_t capacity_ = 0;
    size_t in_use_ = 0;
};

}  // namespace fs
