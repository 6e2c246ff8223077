// The three-tier allocator's slow paths (see allocator.h).
#include "rvos/allocator.h"

#include <string.h>

namespace rvos::alloc {

namespace {
constexpr size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }
// Blocks per slab: what fits in 1, 2, then 4 KiB (so a program that
// allocates little maps little), at least 8.
constexpr uint32_t slab_capacity(uint32_t chunk, uint8_t made_before) {
    size_t bytes = size_t{1024} << (made_before < 2 ? made_before : 2);
    uint32_t fit = static_cast<uint32_t>((bytes - kSlabHeader - 8) / chunk);
    return fit < 8 ? 8 : fit;
}
}  // namespace

// The slab at the head of its list just became full: it leaves the list.
void Allocator::unlist_full(Slab* slab) {
    slabs_[slab->size_class] = slab->next;
    if (slab->next) slab->next->prev = nullptr;
}

void Allocator::slab_changed(Slab* slab) {
    Slab*& head = slabs_[slab->size_class];
    if (slab->used > slab->capacity) {  // freed while the slab was empty
        // Every block was free already, so the slab starts over (its free
        // list, which the bad free may have looped, is dropped).
        invalid_free(slab->free);
        slab->used = 0;
        slab->free = nullptr;
        slab->fresh = reinterpret_cast<char*>(slab) + kSlabHeader;
        return;
    }
    if (slab->used == slab->capacity - 1) {  // was full: has room again
        slab->prev = nullptr;
        slab->next = head;
        if (head) head->prev = slab;
        head = slab;
    }
    // Empty, and not the class's last slab with room, nor built in.
    if (slab->used == 0 && (head != slab || slab->next) && !slab->built_in) {
        if (slab->prev) slab->prev->next = slab->next;
        else head = slab->next;
        if (slab->next) slab->next->prev = slab->prev;
        slab_count_--;
        middle_.free(slab);
    }
}

void* Allocator::allocate_slow(size_t size) {
    if (size > kMaxRequest) return nullptr;
    if (size <= kSmallMax) {  // the class has no slab with room: a new one
        uint8_t size_class = kClasses.of_units[SizeClasses::units(size)];
        uint32_t chunk = kClasses.chunk[size_class];
        uint32_t capacity = slab_capacity(chunk, slabs_made_[size_class]);
        if (slabs_made_[size_class] < 255) slabs_made_[size_class]++;
        size_t bytes = kSlabHeader + size_t{capacity} * chunk;
        bool built_in = built_in_used_ + bytes <= kBuiltInBytes;
        Slab* slab;
        if (built_in) {
            slab = reinterpret_cast<Slab*>(built_in_ + built_in_used_);
            built_in_used_ += align_up(bytes, kAlign);
        } else {
            slab = static_cast<Slab*>(middle_.allocate(bytes));
            if (!slab) return nullptr;
        }
        *slab = Slab{nullptr, nullptr, nullptr, reinterpret_cast<char*>(slab) + kSlabHeader, 0, capacity, chunk,
                     size_class, built_in};
        slabs_[size_class] = slab;
        slab_count_ += !built_in;
        return allocate(size);
    }
    if (size <= kLargeThreshold) return middle_.allocate(size);
    return allocate_large(kAlign, size);
}

void Allocator::free_slow(void* payload, uint64_t header) {
    if (header & kLargeTag) {
        size_t length = header & ~kFlagMask;
        size_t offset = static_cast<uint64_t*>(payload)[-2];
        large_mapped_ -= length;
        unmap_pages(static_cast<char*>(payload) - offset, length);
        return;
    }
    if (header & kFreeBit) {
        invalid_free(payload);
        return;
    }
    middle_.free(payload);
}

// A mapping of its own: the payload at `align` (at least 16) past the
// start, the mapping's length (tagged) and the payload's offset in the two
// words before it.
void* Allocator::allocate_large(size_t align, size_t size) {
    size_t length = align_up(size + kAlign + (align > kAlign ? align : 0), kPage);
    auto* base = static_cast<char*>(map_pages(length));
    if (!base) return nullptr;
    auto at = align_up(reinterpret_cast<uintptr_t>(base) + kAlign, align);
    auto* words = reinterpret_cast<uint64_t*>(at);
    words[-1] = length | kLargeTag;
    words[-2] = at - reinterpret_cast<uintptr_t>(base);
    large_mapped_ += length;
    return words;
}

// A large block's mapping grows by the pages right after it, if that is
// where the new ones land, or gives back its pages past the new end.
bool Allocator::resize_large(void* payload, size_t size) {
    auto* words = static_cast<uint64_t*>(payload);
    size_t length = words[-1] & ~kFlagMask, offset = words[-2];
    char* base = static_cast<char*>(payload) - offset;
    size_t wanted = align_up(offset + size, kPage);
    if (wanted < length) {
        unmap_pages(base + wanted, length - wanted);
    } else if (wanted > length) {
        void* more = map_pages(wanted - length);
        if (!more) return false;
        if (more != base + length) {
            unmap_pages(more, wanted - length);
            return false;
        }
    }
    large_mapped_ += wanted - length;
    words[-1] = wanted | kLargeTag;
    return true;
}

void* Allocator::allocate_aligned(size_t align, size_t size) {
    if (align <= kAlign) return allocate(size);
    if (size > kMaxRequest || align > kMaxRequest) return nullptr;
    if (size + align > kLargeThreshold) return allocate_large(align, size);
    return middle_.allocate_aligned(align, size);
}

void* Allocator::allocate_zeroed(size_t count, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) return nullptr;
    void* block = allocate(bytes);
    // A block with a mapping of its own is fresh from map_pages: zeroed.
    if (block && !(header_of(block) & kLargeTag)) memset(block, 0, bytes);
    return block;
}

size_t Allocator::usable_size(const void* payload) {
    uint64_t header = header_of(payload);
    if (header & kSmallTag) return reinterpret_cast<const Slab*>(header & ~kFlagMask)->chunk - 8;
    if (header & kLargeTag) return (header & ~kFlagMask) - static_cast<const uint64_t*>(payload)[-2];
    return Tlsf::usable_size(payload);
}

void* Allocator::reallocate(void* payload, size_t size) {
    if (!payload) return allocate(size);
    if (size > kMaxRequest) return nullptr;
    uint64_t header = header_of(payload);
    size_t have = usable_size(payload);
    if (header & kSmallTag) {
        // Stays if it keeps its class.
        auto* slab = reinterpret_cast<const Slab*>(header & ~kFlagMask);
        if (size <= kSmallMax && kClasses.of_units[SizeClasses::units(size)] == slab->size_class) return payload;
    } else if (header & kLargeTag) {
        if (size > kLargeThreshold && resize_large(payload, size)) return payload;
    } else if (middle_.resize(payload, size)) {
        return payload;
    }
    void* moved = allocate(size);
    if (!moved) return nullptr;
    memcpy(moved, payload, have < size ? have : size);
    free(payload);
    return moved;
}

}  // namespace rvos::alloc
