// The user-space memory allocator behind malloc (lib/rvos/malloc.cpp), in
// three tiers by request size, each O(1) per call:
//   - small (up to kSmallMax bytes): 28 size classes. Each class carves
//     slabs (1 KiB for its first, growing to 4 KiB, at least 8 blocks;
//     the first few from a 4 KiB area inside the allocator, the rest from
//     the middle tier) into equal blocks and
//     keeps the slabs that have room in a list; a block comes from the
//     first slab's free list (or its untouched tail) and goes back to its
//     own slab's. A slab whose blocks are all free returns to the middle
//     tier, unless it is the class's only slab.
//   - middle (up to kLargeThreshold): two-level segregated fit (tlsf.h).
//   - large: a mapping of its own, unmapped when freed (realloc grows it in
//     place when the pages after it are free, shrinks it by unmapping).
// The word before every payload says which tier owns it (tlsf.h's tags),
// so free() needs no lookup. All zero until first used (.bss, nothing to
// construct). Hardware-free: the unit tests run it on a simulated address
// space under ASan; lib/rvos backs it with mmap/munmap (tlsf.h's seam).
#pragma once

#include "rvos/tlsf.h"

namespace rvos::alloc {

// Told of a free the allocator can tell is wrong (a block freed twice);
// provided by the allocator's user, like map_pages. May not return.
void invalid_free(const void* payload);

inline constexpr size_t kSmallMax = 2048 - 8;             // the largest class's payload
inline constexpr size_t kLargeThreshold = 1024 * 1024;    // above: a mapping of its own
inline constexpr size_t kClassCount = 28;

// A slab: this header, then blocks of `chunk` bytes (an 8-byte header and
// the payload) from kSlabHeader on, so every payload is 16-aligned.
struct Slab {
    Slab* next;  // in its class's list of slabs with room
    Slab* prev;
    void* free;   // freed blocks, linked through their first word
    char* fresh;  // blocks never handed out start here
    uint32_t used;  // blocks handed out now
    uint32_t capacity;
    uint32_t chunk;
    uint16_t size_class;
    uint16_t built_in;  // carved from the allocator's own area: never given back
};
inline constexpr size_t kSlabHeader = sizeof(Slab) + 8;
static_assert(kSlabHeader % kAlign == 8, "payloads after the slab header are 16-aligned");

// The class serving a request of `size` <= kSmallMax bytes, and its block
// size: sixteen classes 16 bytes apart up to 256 B, then four per doubling.
struct SizeClasses {
    uint8_t of_units[(kSmallMax + 8) / 16 + 1];  // by (size + 8 + 15) / 16
    uint32_t chunk[kClassCount];
    constexpr SizeClasses() : of_units(), chunk() {
        size_t n = 0;
        for (uint32_t size = 16; size <= 256; size += 16) chunk[n++] = size;
        for (uint32_t base = 256; base < 2048; base *= 2)
            for (uint32_t quarter = 1; quarter <= 4; quarter++) chunk[n++] = base + base / 4 * quarter;
        size_t c = 0;
        for (size_t units = 0; units < sizeof of_units; units++) {
            while (chunk[c] < units * 16) c++;
            of_units[units] = static_cast<uint8_t>(c);
        }
    }
    static constexpr size_t units(size_t size) { return (size + 8 + 15) / 16; }
};
inline constexpr SizeClasses kClasses;
static_assert(kClasses.chunk[kClassCount - 1] == kSmallMax + 8);

class Allocator {
public:
    // malloc: at least `size` bytes (0 counts as 1), 16-aligned; null when
    // out of memory.
    void* allocate(size_t size) {
        if (size <= kSmallMax) {
            Slab* slab = slabs_[kClasses.of_units[SizeClasses::units(size)]];
            if (slab) {
                void* block = slab->free;
                if (block) slab->free = *static_cast<void**>(block);
                else block = carve(slab);
                if (++slab->used == slab->capacity) unlist_full(slab);
                return block;
            }
        }
        return allocate_slow(size);
    }

    void free(void* payload) {
        if (!payload) return;
        uint64_t header = header_of(payload);
        if (header & kSmallTag) {
            auto* slab = reinterpret_cast<Slab*>(header & ~kFlagMask);
            *static_cast<void**>(payload) = slab->free;
            slab->free = payload;
            // Now empty, or full until now (or freed once too often): the
            // slab's place in its list may change.
            uint32_t used = --slab->used;
            if (used == 0 || used >= slab->capacity - 1) slab_changed(slab);
            return;
        }
        free_slow(payload, header);
    }

    // calloc: `count` blocks of `size` bytes, zeroed; null if the product
    // overflows or memory is out.
    void* allocate_zeroed(size_t count, size_t size);
    // realloc: `payload` moved or resized to hold `size` bytes, its contents
    // kept; null (and `payload` untouched) when out of memory.
    void* reallocate(void* payload, size_t size);
    // At least `size` bytes aligned to `align` (a power of two).
    void* allocate_aligned(size_t align, size_t size);
    static size_t usable_size(const void* payload);

    // Bytes the allocator holds from its PageSource now.
    size_t mapped_bytes() const { return middle_.mapped_bytes() + large_mapped_; }
    const Tlsf& middle() const { return middle_; }
    // Slabs from the middle tier, in use or kept (for the tests).
    size_t slab_count() const { return slab_count_; }

private:
    static void* carve(Slab* slab) {
        char* at = slab->fresh;
        slab->fresh = at + slab->chunk;
        *reinterpret_cast<uint64_t*>(at) = reinterpret_cast<uint64_t>(slab) | kSmallTag;
        return at + 8;
    }
    void unlist_full(Slab* slab);
    void slab_changed(Slab* slab);
    void* allocate_slow(size_t size);
    void free_slow(void* payload, uint64_t header);
    void* allocate_large(size_t align, size_t size);
    bool resize_large(void* payload, size_t size);

    Tlsf middle_;
    Slab* slabs_[kClassCount] = {};  // per class, the slabs with room (full ones are in no list)
    uint8_t slabs_made_[kClassCount] = {};  // per class, for the slab size
    // The first slabs come from here: a program that allocates little maps
    // nothing for its heap, and a new process runs (so QEMU translates)
    // little of the allocator: spawn costs less.
    static constexpr size_t kBuiltInBytes = 4096;
    alignas(16) char built_in_[kBuiltInBytes] = {};
    size_t built_in_used_ = 0;
    size_t large_mapped_ = 0;
    size_t slab_count_ = 0;
};

}  // namespace rvos::alloc
