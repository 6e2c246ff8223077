// Two-level segregated fit over page arenas (see tlsf.h).
#include "rvos/tlsf.h"

namespace rvos::alloc {

// A block starts 8 bytes before its header: the first word belongs to the
// previous block's payload unless that block is free, when it holds its
// address. Payload = this + 16; it runs to the next block's header, so a
// block of `size` bytes gives size - 8. A free block links into its list
// through its first payload words.
struct Tlsf::Block {
    Block* prev_phys;
    uint64_t header;
    Block* next_free;
    Block* prev_free;

    size_t size() const { return header & ~kFlagMask; }
    bool is_free() const { return header & kFreeBit; }
    bool prev_is_free() const { return header & kPrevFreeBit; }
    Block* next() { return reinterpret_cast<Block*>(reinterpret_cast<char*>(this) + size()); }
    void* payload() { return reinterpret_cast<char*>(this) + 16; }
    static Block* of(const void* payload) {
        return reinterpret_cast<Block*>(const_cast<char*>(static_cast<const char*>(payload)) - 16);
    }
};

// An arena: this header, its blocks from kFirst, and a sentinel block of
// size 0 (never free, so nothing merges past it) kSentinel bytes before its
// end, whose next_free holds the arena's address.
struct Tlsf::Arena {
    Arena* next;
    Arena* prev;
    size_t length;
    size_t unused;
};

namespace {

constexpr size_t kOverhead = 8;   // the header word
constexpr size_t kMinBlock = 32;  // a free block's links, and room for the next's prev_phys
constexpr size_t kFirst = 32;     // sizeof(Arena): where the first block starts
constexpr size_t kSentinel = 32;
constexpr size_t kMinGrowth = 4 * 1024;
constexpr size_t kMaxGrowth = 4 * 1024 * 1024;

constexpr size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }
int highest_bit(size_t value) { return 63 - __builtin_clzll(value); }
int lowest_bit(uint64_t value) { return __builtin_ctzll(value); }

size_t block_size_for(size_t request) {
    size_t size = align_up(request + kOverhead, kAlign);
    return size < kMinBlock ? kMinBlock : size;
}

// The list a block of `size` belongs in.
void list_of(size_t size, int& fl, int& sl) {
    if (size < (size_t{1} << Tlsf::kFlShift)) {
        fl = 0;
        sl = static_cast<int>(size / kAlign);
        return;
    }
    int top = highest_bit(size);
    sl = static_cast<int>(size >> (top - Tlsf::kSlLog2)) ^ Tlsf::kSlCount;
    fl = top - (Tlsf::kFlShift - 1);
}

// The first list whose every block holds `size`: rounds up to the next
// list boundary (the "good fit" that keeps allocation O(1)).
void list_for_request(size_t size, int& fl, int& sl) {
    if (size >= (size_t{1} << Tlsf::kFlShift)) size += (size_t{1} << (highest_bit(size) - Tlsf::kSlLog2)) - 1;
    list_of(size, fl, sl);
}

}  // namespace

void Tlsf::insert(Block* block) {
    int fl, sl;
    list_of(block->size(), fl, sl);
    Block* head = heads_[fl][sl];
    block->next_free = head;
    block->prev_free = nullptr;
    if (head) head->prev_free = block;
    heads_[fl][sl] = block;
    free_ += block->size();
    fl_bitmap_ |= uint64_t{1} << fl;
    sl_bitmap_[fl] |= 1u << sl;
}

void Tlsf::remove(Block* block) {
    int fl, sl;
    list_of(block->size(), fl, sl);
    if (block->prev_free) block->prev_free->next_free = block->next_free;
    else heads_[fl][sl] = block->next_free;
    if (block->next_free) block->next_free->prev_free = block->prev_free;
    free_ -= block->size();
    if (!heads_[fl][sl]) {
        sl_bitmap_[fl] &= ~(1u << sl);
        if (!sl_bitmap_[fl]) fl_bitmap_ &= ~(uint64_t{1} << fl);
    }
}

// A free block of at least `size` bytes, out of its list (still marked
// free); grows the arenas if none is. The head of the size's own list is
// tried first: the block just freed by a program that allocates the same
// size again (the rounded search would skip that list).
Tlsf::Block* Tlsf::take(size_t size) {
    int fl, sl;
    list_of(size, fl, sl);
    if (fl < kFlCount && heads_[fl][sl] && heads_[fl][sl]->size() >= size) {
        Block* block = heads_[fl][sl];
        remove(block);
        return block;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        list_for_request(size, fl, sl);
        if (fl >= kFlCount) return nullptr;
        uint32_t sl_map = sl_bitmap_[fl] & (~0u << sl);
        if (!sl_map) {
            uint64_t fl_map = fl_bitmap_ & (~uint64_t{0} << (fl + 1));
            if (fl_map) {
                fl = lowest_bit(fl_map);
                sl_map = sl_bitmap_[fl];
            }
        }
        if (sl_map) {
            Block* block = heads_[fl][lowest_bit(sl_map)];
            remove(block);
            return block;
        }
        if (attempt == 0 && !grow(size)) return nullptr;
    }
    return nullptr;
}

// Maps at least enough for a block of `size` plus one list step, so the
// new block lands in a list take() searches; an eighth of the heap if that
// is more (between kMinGrowth and kMaxGrowth), so a growing heap maps
// rarely, and what it maps stays within the free budget.
bool Tlsf::grow(size_t size) {
    size_t step = size >= (size_t{1} << kFlShift) ? size_t{1} << (highest_bit(size) - kSlLog2) : kAlign;
    size_t needed = align_up(size + step + kFirst + kSentinel, kPage);
    size_t eighth = align_up(mapped_ / 8, kPage);
    size_t growth = eighth < kMinGrowth ? kMinGrowth : eighth > kMaxGrowth ? kMaxGrowth : eighth;
    size_t length = needed > growth ? needed : growth;
    void* memory = map_pages(length);
    if (!memory && length > needed) memory = map_pages(length = needed);
    if (!memory) return false;
    mapped_ += length;
    for (Arena* arena = arenas_; arena; arena = arena->next) {
        if (reinterpret_cast<char*>(arena) + arena->length == memory) {
            extend(arena, length);
            return true;
        }
    }
    add_arena(memory, length);
    return true;
}

void Tlsf::add_arena(void* memory, size_t length) {
    auto* arena = static_cast<Arena*>(memory);
    arena->length = length;
    arena->prev = nullptr;
    arena->next = arenas_;
    if (arenas_) arenas_->prev = arena;
    arenas_ = arena;
    auto* base = reinterpret_cast<char*>(arena);
    auto* block = reinterpret_cast<Block*>(base + kFirst);
    auto* sentinel = reinterpret_cast<Block*>(base + length - kSentinel);
    block->header = static_cast<uint64_t>(reinterpret_cast<char*>(sentinel) - reinterpret_cast<char*>(block)) | kFreeBit;
    sentinel->header = kPrevFreeBit;
    sentinel->prev_phys = block;
    sentinel->next_free = reinterpret_cast<Block*>(arena);
    insert(block);
}

// New pages right after the arena's end: the old sentinel's place starts
// a free block up to the new sentinel, merged with a free block before it.
void Tlsf::extend(Arena* arena, size_t length) {
    auto* base = reinterpret_cast<char*>(arena);
    auto* block = reinterpret_cast<Block*>(base + arena->length - kSentinel);
    arena->length += length;
    auto* sentinel = reinterpret_cast<Block*>(base + arena->length - kSentinel);
    block->header = length | kFreeBit | (block->header & kPrevFreeBit);
    if (block->prev_is_free()) {
        Block* before = block->prev_phys;
        remove(before);
        before->header += block->size();
        block = before;
    }
    sentinel->header = kPrevFreeBit;
    sentinel->prev_phys = block;
    sentinel->next_free = reinterpret_cast<Block*>(arena);
    insert(block);
}

// Maps `bytes` more (whole pages) for an arena: true if they landed right
// after it and extend it; memory elsewhere becomes an arena of its own,
// for later requests.
bool Tlsf::extend_by(Arena* arena, size_t bytes) {
    size_t length = align_up(bytes, kPage);
    void* memory = map_pages(length);
    if (!memory) return false;
    mapped_ += length;
    if (reinterpret_cast<char*>(arena) + arena->length == memory) {
        extend(arena, length);
        return true;
    }
    add_arena(memory, length);
    return false;
}

// `block`, free, merged and not yet listed, holds kTrimThreshold or more:
// its arena gives back the whole pages inside it. What stays below them
// ends the arena (the block, shrunk, and a new sentinel); what stays above
// starts a new arena (a header and a free first block up to the block's
// successor). The block keeps kTrimKeep bytes at an arena's end, for the
// next growth, and nothing if it is its arena's first block.
void Tlsf::give_back(Block* block) {
    Arena* arena = arenas_;
    while (reinterpret_cast<char*>(block) < reinterpret_cast<char*>(arena) ||
           reinterpret_cast<char*>(block) >= reinterpret_cast<char*>(arena) + arena->length)
        arena = arena->next;
    auto* base = reinterpret_cast<char*>(arena);
    char* arena_end = base + arena->length;
    auto* start = reinterpret_cast<char*>(block);
    Block* after = block->next();
    auto* end = reinterpret_cast<char*>(after);
    bool last = after->size() == 0;
    bool first = start == base + kFirst;
    char* low_end = first && !last ? base : base + align_up(start - base + (last ? kTrimKeep : kMinBlock) + kSentinel, kPage);
    char* high_start = last ? arena_end : base + ((end - base - kFirst - kMinBlock) & ~(kPage - 1));
    if (high_start <= low_end) {
        insert(block);
        return;
    }
    if (high_start < arena_end) {  // the part above becomes an arena
        auto* upper = reinterpret_cast<Arena*>(high_start);
        upper->length = static_cast<size_t>(arena_end - high_start);
        upper->prev = arena;
        upper->next = arena->next;
        if (arena->next) arena->next->prev = upper;
        arena->next = upper;
        auto* head = reinterpret_cast<Block*>(high_start + kFirst);
        head->header = static_cast<uint64_t>(end - high_start - kFirst) | kFreeBit;
        after->prev_phys = head;
        reinterpret_cast<Block*>(arena_end - kSentinel)->next_free = reinterpret_cast<Block*>(upper);
        insert(head);
    }
    if (low_end > base) {  // the part below keeps the arena, with a new end
        arena->length = static_cast<size_t>(low_end - base);
        auto* sentinel = reinterpret_cast<Block*>(low_end - kSentinel);
        block->header = static_cast<uint64_t>(reinterpret_cast<char*>(sentinel) - start) | (block->header & kFlagMask);
        sentinel->header = kPrevFreeBit;
        sentinel->prev_phys = block;
        sentinel->next_free = reinterpret_cast<Block*>(arena);
        insert(block);
    } else {  // nothing below: the old header goes with the pages
        if (arena->prev) arena->prev->next = arena->next;
        else arenas_ = arena->next;
        if (arena->next) arena->next->prev = arena->prev;
    }
    unmap_pages(low_end, static_cast<size_t>(high_start - low_end));
    mapped_ -= static_cast<size_t>(high_start - low_end);
}

// Frees a block: merges it with free neighbours, then lists it; past the
// free budget, gives the arena back if the block now spans all of it and
// another arena remains, and the pages inside a large free block.
void Tlsf::release(Block* block) {
    block->header |= kFreeBit;
    if (block->prev_is_free()) {
        Block* before = block->prev_phys;
        remove(before);
        before->header += block->size();
        block = before;
    }
    Block* after = block->next();
    if (after->is_free()) {
        remove(after);
        block->header += after->size();
        after = block->next();
    }
    after->header |= kPrevFreeBit;
    after->prev_phys = block;
    // Within the budget, free memory stays for the next requests.
    size_t budget = mapped_ / 4 > kRetainMin ? mapped_ / 4 : kRetainMin;
    if (free_ + block->size() <= budget) {
        insert(block);
        return;
    }
    if (after->size() == 0) {  // the sentinel: is the arena all free?
        auto* arena = reinterpret_cast<Arena*>(after->next_free);
        bool whole = reinterpret_cast<char*>(block) == reinterpret_cast<char*>(arena) + kFirst;
        if (whole && (arena->prev || arena->next)) {
            if (arena->prev) arena->prev->next = arena->next;
            else arenas_ = arena->next;
            if (arena->next) arena->next->prev = arena->prev;
            mapped_ -= arena->length;
            unmap_pages(arena, arena->length);
            return;
        }
    }
    if (block->size() >= kTrimThreshold) give_back(block);
    else insert(block);
}

// Cuts a used block down to `size`, freeing the rest if it can hold a block.
void Tlsf::trim(Block* block, size_t size) {
    size_t rest = block->size() - size;
    if (rest < kMinBlock) return;
    block->header = size | (block->header & kFlagMask);
    auto* tail = reinterpret_cast<Block*>(reinterpret_cast<char*>(block) + size);
    tail->header = rest;  // used, after a used block, until released
    release(tail);
}

void* Tlsf::allocate(size_t request) {
    if (request > kMaxRequest) return nullptr;
    size_t size = block_size_for(request);
    Block* block = take(size);
    if (!block) return nullptr;
    block->header &= ~kFreeBit;
    block->next()->header &= ~kPrevFreeBit;
    trim(block, size);
    return block->payload();
}

void* Tlsf::allocate_aligned(size_t align, size_t request) {
    if (request > kMaxRequest || align > kMaxRequest) return nullptr;
    size_t size = block_size_for(request);
    Block* block = take(size + align + kMinBlock);
    if (!block) return nullptr;
    block->header &= ~kFreeBit;
    block->next()->header &= ~kPrevFreeBit;
    auto payload = reinterpret_cast<uintptr_t>(block->payload());
    uintptr_t aligned = align_up(payload, align);
    if (aligned != payload) {
        if (aligned - payload < kMinBlock) aligned += align;  // the gap before must hold a block
        size_t gap = aligned - payload;
        auto* moved = reinterpret_cast<Block*>(reinterpret_cast<char*>(block) + gap);
        moved->header = block->size() - gap;  // used; its predecessor is freed next
        block->header = gap | (block->header & kPrevFreeBit);
        release(block);  // its predecessor is used (it was a free block), its successor `moved`
        block = moved;
    }
    trim(block, size);
    return block->payload();
}

void Tlsf::free(void* payload) { release(Block::of(payload)); }

bool Tlsf::resize(void* payload, size_t request) {
    if (request > kMaxRequest) return false;
    Block* block = Block::of(payload);
    size_t size = block_size_for(request);
    if (size > block->size()) {
        Block* after = block->next();
        size_t room = block->size() + (after->is_free() ? after->size() : 0);
        if (room < size) {
            // At its arena's end, the arena may grow under it.
            Block* end = after->is_free() ? after->next() : after;
            if (end->size() != 0 || !extend_by(reinterpret_cast<Arena*>(end->next_free), size - room)) return false;
            after = block->next();
        }
        if (!after->is_free() || block->size() + after->size() < size) return false;
        remove(after);
        block->header += after->size();
        block->next()->header &= ~kPrevFreeBit;
    }
    trim(block, size);
    return true;
}

size_t Tlsf::usable_size(const void* payload) { return Block::of(payload)->size() - kOverhead; }

size_t Tlsf::arena_count() const {
    size_t count = 0;
    for (Arena* arena = arenas_; arena; arena = arena->next) count++;
    return count;
}

bool Tlsf::consistent() const {
    size_t free_walked = 0;
    for (Arena* arena = arenas_; arena; arena = arena->next) {
        auto* base = reinterpret_cast<char*>(arena);
        auto* block = reinterpret_cast<Block*>(base + kFirst);
        auto* end = reinterpret_cast<Block*>(base + arena->length - kSentinel);
        if (block->prev_is_free()) return false;
        bool previous_free = false;
        while (block != end) {
            if (block->size() < kMinBlock || block->size() % kAlign) return false;
            if (block->prev_is_free() != previous_free) return false;
            if (block->is_free()) {
                if (previous_free) return false;  // two free neighbours
                if (block->next()->prev_phys != block) return false;
                free_walked++;
            }
            previous_free = block->is_free();
            block = block->next();
            if (reinterpret_cast<char*>(block) > reinterpret_cast<char*>(end)) return false;
        }
        if (end->size() != 0 || end->is_free() || end->prev_is_free() != previous_free) return false;
        if (end->next_free != reinterpret_cast<Block*>(arena)) return false;
    }
    size_t free_listed = 0;
    for (int fl = 0; fl < kFlCount; fl++) {
        for (int sl = 0; sl < kSlCount; sl++) {
            bool listed = heads_[fl][sl] != nullptr;
            if (listed != bool(sl_bitmap_[fl] & (1u << sl))) return false;
            Block* previous = nullptr;
            for (Block* block = heads_[fl][sl]; block; block = block->next_free) {
                int f, s;
                list_of(block->size(), f, s);
                if (f != fl || s != sl || !block->is_free() || block->prev_free != previous) return false;
                previous = block;
                free_listed++;
            }
        }
        if (bool(sl_bitmap_[fl]) != bool(fl_bitmap_ & (uint64_t{1} << fl))) return false;
    }
    return free_listed == free_walked;
}

}  // namespace rvos::alloc
