// The file server's page store (see page_store.h).
#include "page_store.h"

#include <stdlib.h>
#include <string.h>

namespace fs {

namespace {

void* heap_get(size_t bytes) {
    void* arena = aligned_alloc(kPageSize, bytes);
    if (arena) memset(arena, 0, bytes);
    return arena;
}
void heap_give_back(void* arena, size_t) { ::free(arena); }

size_t map_words(size_t pages) { return (pages + 63) / 64; }

}  // namespace

ArenaSource heap_arenas() { return ArenaSource{heap_get, heap_give_back}; }

PageStore::PageStore(ArenaSource source, size_t arena_pages, Moved moved)
    : source_(source), arena_pages_(arena_pages), moved_(moved) {}

PageStore::~PageStore() {
    while (count_) remove_arena(count_ - 1);
    ::free(arenas_);
}

ErrorOr<PageStore::Arena*> PageStore::add_arena() {
    if (count_ == capacity_) {
        size_t capacity = capacity_ ? 2 * capacity_ : 8;
        auto* grown = static_cast<Arena*>(realloc(arenas_, capacity * sizeof(Arena)));
        if (!grown) return Error::NoMemory;
        arenas_ = grown;
        capacity_ = capacity;
    }
    auto* free_map = static_cast<uint64_t*>(malloc(map_words(arena_pages_) * sizeof(uint64_t)));
    auto* owners = static_cast<Owner*>(malloc(arena_pages_ * sizeof(Owner)));
    void* base = free_map && owners ? source_.get(arena_pages_ * kPageSize) : nullptr;
    if (!base) {
        ::free(free_map);
        ::free(owners);
        return Error::NoMemory;
    }
    for (size_t w = 0; w < map_words(arena_pages_); w++) free_map[w] = ~0ull;
    if (arena_pages_ % 64) free_map[map_words(arena_pages_) - 1] = (1ull << (arena_pages_ % 64)) - 1;
    arenas_[count_] = Arena{static_cast<uint8_t*>(base), 0, free_map, owners};
    return &arenas_[count_++];
}

void PageStore::remove_arena(size_t at) {
    Arena& arena = arenas_[at];
    source_.give_back(arena.base, arena_pages_ * kPageSize);
    ::free(arena.free_map);
    ::free(arena.owners);
    arenas_[at] = arenas_[--count_];
}

size_t PageStore::arena_of(const uint8_t* page) const {
    for (size_t i = 0; i < count_; i++)
        if (page >= arenas_[i].base && page < arenas_[i].base + arena_pages_ * kPageSize) return i;
    return count_;
}

uint8_t* PageStore::take_page(Arena& arena, void* owner, uint32_t index) {
    for (size_t w = 0; w < map_words(arena_pages_); w++) {
        if (!arena.free_map[w]) continue;
        size_t bit = static_cast<size_t>(__builtin_ctzll(arena.free_map[w]));
        arena.free_map[w] &= arena.free_map[w] - 1;
        size_t page = w * 64 + bit;
        arena.used++;
        in_use_++;
        arena.owners[page] = Owner{owner, index};
        return arena.base + page * kPageSize;
    }
    return nullptr;
}

ErrorOr<uint8_t*> PageStore::allocate(void* owner, uint32_t index) {
    // The fullest arena with room: the emptier ones stay empty enough to
    // be given back.
    Arena* best = nullptr;
    for (size_t i = 0; i < count_; i++)
        if (arenas_[i].used < arena_pages_ && (!best || arenas_[i].used > best->used)) best = &arenas_[i];
    if (!best) best = TRY(add_arena());
    uint8_t* page = take_page(*best, owner, index);
    memset(page, 0, kPageSize);  // it may hold a freed page's bytes
    return page;
}

void PageStore::free(uint8_t* page) {
    size_t at = arena_of(page);
    if (at == count_) return;  // not ours
    Arena& arena = arenas_[at];
    size_t index = static_cast<size_t>(page - arena.base) / kPageSize;
    uint64_t bit = 1ull << (index % 64);
    if (arena.free_map[index / 64] & bit) return;  // already free
    arena.free_map[index / 64] |= bit;
    arena.used--;
    in_use_--;
    if (arena.used == 0) emptied();
}

size_t PageStore::empty_arenas() const {
    size_t empty = 0;
    for (size_t i = 0; i < count_; i++) empty += arenas_[i].used == 0;
    return empty;
}

void PageStore::emptied() {
    // The spare is the empty arena at the lowest address: where the next
    // one would be mapped anyway, so what the store keeps does not depend
    // on the order files went in.
    size_t spare = count_;
    for (size_t i = 0; i < count_; i++)
        if (arenas_[i].used == 0 && (spare == count_ || arenas_[i].base < arenas_[spare].base)) spare = i;
    for (size_t i = count_; i-- > 0;)
        if (i != spare && arenas_[i].used == 0) {
            remove_arena(i);
            if (spare == count_) spare = i;  // (remove_arena moved the last arena into i)
        }
}

void PageStore::trim() {
    for (size_t i = count_; i-- > 0;)
        if (arenas_[i].used == 0) remove_arena(i);
}

bool PageStore::evacuate(size_t victim) {
    for (size_t page = 0; page < arena_pages_ && arenas_[victim].used; page++) {
        Arena& from = arenas_[victim];
        if (from.free_map[page / 64] >> (page % 64) & 1) continue;
        Arena* to = nullptr;  // one with room, the spare last
        for (size_t i = 0; i < count_; i++)
            if (i != victim && arenas_[i].used < arena_pages_ && (!to || to->used == 0)) to = &arenas_[i];
        if (!to) return false;
        Owner owner = from.owners[page];
        uint8_t* old_page = from.base + page * kPageSize;
        uint8_t* new_page = take_page(*to, owner.owner, owner.index);
        memcpy(new_page, old_page, kPageSize);
        moved_(owner.owner, owner.index, new_page);
        from.free_map[page / 64] |= 1ull << (page % 64);
        from.used--;
        in_use_--;
    }
    if (arenas_[victim].used) return false;
    emptied();
    return true;
}

void PageStore::compact() {
    for (;;) {
        // The spare arena aside: it is empty on purpose.
        size_t spare = empty_arenas() ? 1 : 0;
        size_t free_pages = (count_ - spare) * arena_pages_ - in_use_;
        if (count_ - spare < 2 || free_pages < arena_pages_ + arena_pages_ / 2) return;
        size_t victim = count_;
        for (size_t i = 0; i < count_; i++)
            if (arenas_[i].used && (victim == count_ || arenas_[i].used < arenas_[victim].used)) victim = i;
        if (victim == count_ || !evacuate(victim)) return;
    }
}

}  // namespace fs
