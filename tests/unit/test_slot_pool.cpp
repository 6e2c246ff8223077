// Unit tests for mm::SlotPool, the fixed-slot pool behind small message
// nodes: every slot is handed out once, exhaustion is null, freed slots are
// reused, and owns() tells the pool's slots from anything else.
#include <gtest/gtest.h>

#include <set>

#include "mm/slot_pool.h"

namespace {

using Pool = mm::SlotPool<32, 8>;

TEST(SlotPool, HandsOutEverySlotOnceThenNull) {
    static Pool pool;
    std::set<void*> seen;
    for (size_t i = 0; i < Pool::kCapacity; i++) {
        void* slot = pool.allocate();
        ASSERT_NE(slot, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(slot) % 16, 0u);
        EXPECT_TRUE(pool.owns(slot));
        EXPECT_TRUE(seen.insert(slot).second) << "slot handed out twice";
    }
    EXPECT_EQ(pool.used(), Pool::kCapacity);
    EXPECT_EQ(pool.allocate(), nullptr);
    // Slots do not overlap.
    for (void* a : seen)
        for (void* b : seen)
            if (a != b) {
                auto x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
                EXPECT_TRUE(x + Pool::kSlotSize <= y || y + Pool::kSlotSize <= x);
            }
}

TEST(SlotPool, FreedSlotsAreReused) {
    static Pool pool;
    void* slots[Pool::kCapacity];
    for (void*& slot : slots) slot = pool.allocate();
    pool.free(slots[3]);
    pool.free(slots[5]);
    EXPECT_EQ(pool.used(), Pool::kCapacity - 2);
    void* again_a = pool.allocate();
    void* again_b = pool.allocate();
    EXPECT_EQ(pool.allocate(), nullptr);
    EXPECT_EQ(std::set<void*>({again_a, again_b}), std::set<void*>({slots[3], slots[5]}));
    for (void* slot : slots) pool.free(slot);
    EXPECT_EQ(pool.used(), 0u);
}

TEST(SlotPool, OwnsOnlyItsSlots) {
    static Pool pool;
    int outside = 0;
    EXPECT_FALSE(pool.owns(&outside));
    EXPECT_FALSE(pool.owns(nullptr));
    void* slot = pool.allocate();
    EXPECT_TRUE(pool.owns(slot));
    EXPECT_FALSE(pool.owns(static_cast<unsigned char*>(slot) + Pool::kSlotSize * Pool::kCapacity));
    pool.free(slot);
}

}  // namespace
