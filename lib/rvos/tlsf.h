// The allocator's middle tier: a two-level segregated fit ("TLSF",
// Masmano et al.) over arenas of pages from a PageSource. Free blocks sit
// in lists by size class (32 first-level ranges, each split into 16); two
// bitmaps say which lists are non-empty, so finding a block that fits,
// splitting it, freeing and coalescing with both neighbours are O(1): a
// few bit scans and list operations, whatever the number of blocks (an
// address-ordered free list, as picolibc's malloc keeps, is O(n) per free).
//
// Blocks carry one header word (size | flags) before their payload; a
// free block also stores its size at the start of the next block (the
// "prev_phys" link), so a block can merge with the free block before it.
// Arenas grow by asking for more pages (an eighth of the heap at a time,
// so growing is rare): memory adjacent to an arena's end extends it,
// anything else becomes a new arena; a block at an arena's end can grow in
// place the same way (realloc without a copy). Memory goes back too, once
// the free memory passes a budget (kRetainMin, or a quarter of the heap,
// so a program that frees and allocates again does not map the same pages
// over and over): an arena that becomes entirely free is unmapped, unless
// it is the last one, and a free block of kTrimThreshold or more gives
// back the whole pages inside it: at an arena's end it shrinks the arena
// (keeping kTrimKeep for the next growth), in the middle it splits the
// arena in two.
//
// Hardware-free: its pages come from map_pages/unmap_pages below, which
// lib/rvos's malloc.cpp implements with mmap/munmap and the unit tests
// with a simulated address space.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rvos::alloc {

// Where memory comes from, provided by the allocator's user (a link-time
// seam rather than stored pointers, so an allocator holds no non-zero
// state before its first use and lives in .bss): `length` bytes of whole,
// zeroed pages, or null when there are none; and giving back whole pages,
// possibly a range made of several adjacent map_pages results, or part of
// one.
void* map_pages(size_t length);
void unmap_pages(void* address, size_t length);

inline constexpr size_t kAlign = 16;  // every payload (max_align_t)
inline constexpr size_t kPage = 4096;
// Requests past this are refused (user space is 1 GiB).
inline constexpr size_t kMaxRequest = size_t{1} << 30;

// The header word before every payload, shared by the tiers: TLSF blocks
// keep their size (a multiple of 16) and two flags in it; the other tiers
// tag theirs with a bit TLSF never sets.
inline constexpr uint64_t kFreeBit = 1;      // TLSF: this block is free
inline constexpr uint64_t kPrevFreeBit = 2;  // TLSF: the block before it is free
inline constexpr uint64_t kSmallTag = 4;     // a size-class block: slab address | tag
inline constexpr uint64_t kLargeTag = 8;     // a block with its own mapping: length | tag
inline constexpr uint64_t kFlagMask = 15;

inline uint64_t header_of(const void* payload) { return static_cast<const uint64_t*>(payload)[-1]; }

class Tlsf {
public:

    // A 16-aligned payload of at least `size` bytes, or null if map_pages
    // has no more pages.
    void* allocate(size_t size);
    // The same, aligned to `align` (a power of two above 16).
    void* allocate_aligned(size_t align, size_t size);
    void free(void* payload);
    // Grows or shrinks a block in place to hold `size` bytes (absorbing or
    // splitting off the space after it); false if it cannot grow there.
    bool resize(void* payload, size_t size);
    static size_t usable_size(const void* payload);

    size_t mapped_bytes() const { return mapped_; }
    size_t free_bytes() const { return free_; }
    size_t arena_count() const;
    // Walks every arena and list and checks the structure is consistent
    // (flags, links, no two free neighbours, each free block listed once);
    // for the tests.
    bool consistent() const;

    static constexpr size_t kTrimThreshold = 256 * 1024;
    static constexpr size_t kRetainMin = 1024 * 1024;
    static constexpr size_t kTrimKeep = 64 * 1024;
    static constexpr int kSlLog2 = 4;  // 16 lists per first-level range
    static constexpr int kSlCount = 1 << kSlLog2;
    static constexpr int kFlShift = kSlLog2 + 4;  // sizes below 256 B: one list per 16 B
    static constexpr int kFlCount = 31 - kFlShift + 2;  // up to 2 GiB blocks

private:
    struct Block;
    struct Arena;
    Block* take(size_t size);
    bool grow(size_t size);
    void add_arena(void* memory, size_t length);
    void extend(Arena* arena, size_t length);
    bool extend_by(Arena* arena, size_t bytes);
    void give_back(Block* block);
    void insert(Block* block);
    void remove(Block* block);
    void release(Block* block);
    void trim(Block* block, size_t size);

    uint64_t fl_bitmap_ = 0;
    uint32_t sl_bitmap_[kFlCount] = {};
    Block* heads_[kFlCount][kSlCount] = {};
    Arena* arenas_ = nullptr;
    size_t mapped_ = 0;
    size_t free_ = 0;  // in the lists
};

}  // namespace rvos::alloc
