// A pool of fixed-size slots in static storage, for small objects made and
// dropped at a high rate (queued message nodes): allocating and freeing are a
// pop and a push on a free list, where the first-fit kernel heap walks its
// address-ordered free list on both. Slots never used yet are handed out
// from the tail of the storage, so the pool needs no set-up. Exhaustion is a
// null return; callers fall back to the heap. Hardware-free, unit-tested on
// the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mm {

template <size_t kSlotBytes, size_t kSlots>
class SlotPool {
public:
    static_assert(kSlotBytes % 16 == 0, "slots keep 16-byte alignment");
    static constexpr size_t kSlotSize = kSlotBytes;
    static constexpr size_t kCapacity = kSlots;

    void* allocate() {
        void* slot;
        if (free_) {
            slot = free_;
            free_ = free_->next;
        } else if (fresh_ < kSlots) {
            slot = storage_[fresh_++];
        } else {
            return nullptr;
        }
        used_++;
        return slot;
    }
    // Whether `pointer` is one of this pool's slots (so free() takes it).
    bool owns(const void* pointer) const {
        auto address = reinterpret_cast<uintptr_t>(pointer), base = reinterpret_cast<uintptr_t>(storage_);
        return address >= base && address < base + sizeof storage_;
    }
    void free(void* slot) {
        auto* node = static_cast<FreeSlot*>(slot);
        node->next = free_;
        free_ = node;
        used_--;
    }
    size_t used() const { return used_; }

private:
    struct FreeSlot {
        FreeSlot* next;
    };
    alignas(16) unsigned char storage_[kSlots][kSlotBytes];
    FreeSlot* free_ = nullptr;
    size_t fresh_ = 0;  // slots [fresh_, kSlots) have never been handed out
    size_t used_ = 0;
};

}  // namespace mm
