// The block cache (see cache.h for the contract).
//
// Memory layout, all carved from the caller's buffer: the slot records, the
// hash buckets (a power of two, at least the slot count), the write-back
// sort scratch, a staging buffer for multi-block requests, then the block
// data. Slots sit on one LRU list; empty slots are kept at its tail so they
// are taken first.
#include "ext2/cache.h"

#include "base/string.h"

namespace ext2 {

namespace {

constexpr size_t kAlign = 16;
constexpr size_t kSlotBytes = 24;  // sizeof(BlockCache::Slot), checked in init()

size_t round_up(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

uint32_t buckets_for(uint32_t slots) {
    uint32_t n = 1;
    while (n < slots) n <<= 1;
    return n;
}

uint32_t staging_blocks(uint32_t slots, uint32_t block_size) {
    uint32_t most = BlockCache::kMaxRunBytes / block_size;
    uint32_t fair = slots / 8;  // a small cache spends little on staging
    if (fair < 1) fair = 1;
    return fair < most ? fair : most;
}

size_t layout_bytes(uint32_t slots, uint32_t block_size, uint32_t run_blocks) {
    return round_up(slots * kSlotBytes) + round_up(buckets_for(slots) * sizeof(int32_t)) +
           round_up(slots * sizeof(int32_t)) + round_up(run_blocks * sizeof(int32_t)) +
           round_up(run_blocks * sizeof(uint8_t*)) +
           round_up(static_cast<size_t>(run_blocks) * block_size) + static_cast<size_t>(slots) * block_size + kAlign;
}

}  // namespace

// ---- BlockRef --------------------------------------------------------------------

BlockRef& BlockRef::operator=(BlockRef&& other) {
    if (this != &other) {
        reset();
        cache_ = other.cache_;
        slot_ = other.slot_;
        other.cache_ = nullptr;
    }
    return *this;
}

void BlockRef::reset() {
    if (cache_) cache_->unpin(slot_);
    cache_ = nullptr;
}

uint8_t* BlockRef::data() const { return cache_->data(slot_); }
uint32_t BlockRef::block() const { return cache_->slots_[slot_].block; }
void BlockRef::mark_dirty() { cache_->mark_dirty(slot_); }
bool BlockRef::checked() const { return cache_->slots_[slot_].checked; }
void BlockRef::set_checked() { cache_->slots_[slot_].checked = true; }

// ---- Layout ------------------------------------------------------------------------

size_t BlockCache::bytes_for(uint32_t slots, uint32_t block_size) {
    return layout_bytes(slots, block_size, staging_blocks(slots, block_size));
}

ErrorOr<void> BlockCache::init(BlockDevice& device, Clock& clock, uint32_t block_size, uint32_t block_count,
                               void* memory, size_t bytes) {
    static_assert(sizeof(Slot) <= kSlotBytes);
    if (block_size < kSectorSize || block_size % kSectorSize != 0) return Error::BadArgument;
    // The largest slot count whose layout fits.
    uint32_t slots = static_cast<uint32_t>(bytes / (block_size + kSlotBytes + 3 * sizeof(int32_t)));
    while (slots >= kMinSlots && layout_bytes(slots, block_size, staging_blocks(slots, block_size)) > bytes) slots--;
    if (slots < kMinSlots || !memory) return Error::NoMemory;

    device_ = &device;
    clock_ = &clock;
    block_size_ = block_size;
    sectors_per_block_ = block_size / kSectorSize;
    block_count_ = block_count;
    slot_count_ = slots;
    run_blocks_ = staging_blocks(slots, block_size);

    auto at = reinterpret_cast<uintptr_t>(memory);
    at = (at + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1);
    auto carve = [&](size_t n) {
        auto* p = reinterpret_cast<uint8_t*>(at);
        at += round_up(n);
        return p;
    };
    slots_ = reinterpret_cast<Slot*>(carve(slots * kSlotBytes));
    uint32_t buckets = buckets_for(slots);
    heads_ = reinterpret_cast<int32_t*>(carve(buckets * sizeof(int32_t)));
    hash_mask_ = buckets - 1;
    order_ = reinterpret_cast<int32_t*>(carve(slots * sizeof(int32_t)));
    taken_ = reinterpret_cast<int32_t*>(carve(run_blocks_ * sizeof(int32_t)));
    blocks_ = reinterpret_cast<uint8_t**>(carve(run_blocks_ * sizeof(uint8_t*)));
    staging_ = carve(static_cast<size_t>(run_blocks_) * block_size);
    data_ = carve(static_cast<size_t>(slots) * block_size);

    for (uint32_t i = 0; i < buckets; i++) heads_[i] = -1;
    lru_head_ = lru_tail_ = -1;
    for (uint32_t i = 0; i < slots; i++) {
        slots_[i] = Slot{0, 0, false, false, false, -1, -1, -1};
        lru_push_back(static_cast<int32_t>(i));
    }
    dirty_count_ = 0;
    dirty_since_ = 0;
    stats_ = CacheStats{};
    return {};
}

// ---- Lookup and the LRU list ------------------------------------------------------

int32_t BlockCache::find(uint32_t block) const {
    if (!slots_) return -1;
    for (int32_t s = heads_[hash(block)]; s >= 0; s = slots_[s].hash_next)
        if (slots_[s].block == block) return s;
    return -1;
}

void BlockCache::hash_insert(int32_t slot) {
    uint32_t bucket = hash(slots_[slot].block);
    slots_[slot].hash_next = heads_[bucket];
    heads_[bucket] = slot;
}

void BlockCache::hash_remove(int32_t slot) {
    int32_t* link = &heads_[hash(slots_[slot].block)];
    while (*link >= 0 && *link != slot) link = &slots_[*link].hash_next;
    if (*link == slot) *link = slots_[slot].hash_next;
    slots_[slot].hash_next = -1;
}

void BlockCache::lru_unlink(int32_t slot) {
    Slot& s = slots_[slot];
    if (s.prev >= 0) slots_[s.prev].next = s.next; else lru_head_ = s.next;
    if (s.next >= 0) slots_[s.next].prev = s.prev; else lru_tail_ = s.prev;
    s.prev = s.next = -1;
}

void BlockCache::lru_push_front(int32_t slot) {
    Slot& s = slots_[slot];
    s.prev = -1;
    s.next = lru_head_;
    if (lru_head_ >= 0) slots_[lru_head_].prev = slot; else lru_tail_ = slot;
    lru_head_ = slot;
}

void BlockCache::lru_push_back(int32_t slot) {
    Slot& s = slots_[slot];
    s.next = -1;
    s.prev = lru_tail_;
    if (lru_tail_ >= 0) slots_[lru_tail_].next = slot; else lru_head_ = slot;
    lru_tail_ = slot;
}

// The least recently used unpinned slot, emptied: written back first if
// dirty, unhashed if it held a block. The caller installs it.
ErrorOr<int32_t> BlockCache::take_slot() {
    int32_t victim = lru_tail_;
    while (victim >= 0 && slots_[victim].pins > 0) victim = slots_[victim].prev;
    if (victim < 0) return Error::NoMemory;  // every slot pinned: a library bug, reported
    if (slots_[victim].dirty) TRY(write_back());
    if (slots_[victim].valid) {
        hash_remove(victim);
        slots_[victim].valid = false;
        stats_.evictions++;
    }
    return victim;
}

void BlockCache::install(int32_t slot, uint32_t block) {
    slots_[slot].block = block;
    slots_[slot].valid = true;
    slots_[slot].dirty = false;
    slots_[slot].checked = false;
    hash_insert(slot);
}

BlockRef BlockCache::pin(int32_t slot) {
    slots_[slot].pins++;
    lru_unlink(slot);
    lru_push_front(slot);
    return BlockRef(this, static_cast<uint32_t>(slot));
}

void BlockCache::unpin(uint32_t slot) { slots_[slot].pins--; }

void BlockCache::mark_dirty(uint32_t slot) {
    slots_[slot].checked = false;  // changed: a check made before no longer holds
    if (slots_[slot].dirty) return;
    slots_[slot].dirty = true;
    if (dirty_count_++ == 0) dirty_since_ = clock_->monotonic_ns();
}

uint32_t BlockCache::pinned_count() const {
    uint32_t n = 0;
    for (uint32_t i = 0; i < slot_count_; i++) n += slots_[i].pins > 0;
    return n;
}

// ---- Getting blocks --------------------------------------------------------------------

ErrorOr<BlockRef> BlockCache::get(uint32_t block) {
    if (block >= block_count_) return kCorrupt;
    int32_t slot = find(block);
    if (slot >= 0) {
        stats_.hits++;
        return pin(slot);
    }
    stats_.misses++;
    slot = TRY(take_slot());
    stats_.device_reads++;
    auto read = device_->read(sector(block), sectors_per_block_, data(slot));
    if (read.is_error()) {
        lru_unlink(slot);
        lru_push_back(slot);
        return read.error();
    }
    install(slot, block);
    return pin(slot);
}

ErrorOr<BlockRef> BlockCache::get_zeroed(uint32_t block) {
    if (block >= block_count_) return kCorrupt;
    int32_t slot = find(block);
    if (slot >= 0) {
        stats_.hits++;
        return pin(slot);
    }
    slot = TRY(take_slot());
    base::mem_set(data(slot), 0, block_size_);
    install(slot, block);
    return pin(slot);
}

ErrorOr<BlockRef> BlockCache::get_cleared(uint32_t block) {
    bool cached = contains(block);
    BlockRef ref = TRY(get_zeroed(block));
    if (cached) base::mem_set(ref.data(), 0, block_size_);
    return ref;
}

ErrorOr<void> BlockCache::prefetch(uint32_t block, uint32_t count) {
    if (block >= block_count_) return kCorrupt;
    if (count > block_count_ - block) count = block_count_ - block;
    if (count > run_blocks_) count = run_blocks_;
    uint32_t run = 0;
    while (run < count && find(block + run) < 0) run++;
    if (run <= 1) {
        if (run == 1) TRY(get(block));
        return {};
    }
    // Take every slot before reading: taking one may write back dirty
    // blocks through the staging buffer. Taken slots are pinned (and not
    // hashed) so the next take does not pick them again.
    int32_t* taken = taken_;
    uint32_t got = 0;
    ErrorOr<void> status;
    for (; got < run; got++) {
        auto slot = take_slot();
        if (slot.is_error()) {
            status = slot.error();
            break;
        }
        taken[got] = slot.value();
        slots_[taken[got]].pins++;
    }
    bool direct = false;  // read straight into the slots
    if (!status.is_error()) {
        stats_.device_reads++;
        for (uint32_t i = 0; i < run; i++) blocks_[i] = data(taken[i]);
        auto scattered = device_->read_blocks(sector(block), sectors_per_block_, run, blocks_);
        if (scattered.is_error()) status = scattered.error();
        else if (scattered.value()) direct = true;
        else status = device_->read(sector(block), run * sectors_per_block_, staging_);
    }
    for (uint32_t i = 0; i < got; i++) {
        int32_t slot = taken[i];
        slots_[slot].pins--;
        if (status.is_error()) {
            lru_unlink(slot);
            lru_push_back(slot);
            continue;
        }
        if (!direct) base::mem_copy(data(slot), staging_ + static_cast<size_t>(i) * block_size_, block_size_);
        install(slot, block + i);
        lru_unlink(slot);
        lru_push_front(slot);
        stats_.misses++;
    }
    return status;
}

void BlockCache::discard(uint32_t block) {
    int32_t slot = find(block);
    if (slot < 0 || slots_[slot].pins > 0) return;
    if (slots_[slot].dirty && --dirty_count_ == 0) dirty_since_ = 0;
    slots_[slot].dirty = false;
    hash_remove(slot);
    slots_[slot].valid = false;
    lru_unlink(slot);
    lru_push_back(slot);
}

// ---- Write-back ------------------------------------------------------------------------

// Heapsort of slot indices by block number (no C++ library on the target).
void BlockCache::sort_by_block(int32_t* order, uint32_t count) const {
    auto key = [&](uint32_t i) { return slots_[order[i]].block; };
    auto sift = [&](uint32_t root, uint32_t end) {
        while (2 * root + 1 < end) {
            uint32_t child = 2 * root + 1;
            if (child + 1 < end && key(child + 1) > key(child)) child++;
            if (key(root) >= key(child)) return;
            int32_t t = order[root];
            order[root] = order[child];
            order[child] = t;
            root = child;
        }
    };
    for (uint32_t i = count / 2; i-- > 0;) sift(i, count);
    for (uint32_t end = count; end > 1; end--) {
        int32_t t = order[0];
        order[0] = order[end - 1];
        order[end - 1] = t;
        sift(0, end - 1);
    }
}

// Writes `count` slots holding adjacent blocks in one request.
ErrorOr<void> BlockCache::write_run(const int32_t* order, uint32_t count) {
    uint32_t first = slots_[order[0]].block;
    const uint8_t* source = data(order[0]);
    stats_.device_writes++;
    bool direct = false;  // written straight from the slots
    if (count > 1) {
        for (uint32_t i = 0; i < count; i++) blocks_[i] = data(order[i]);
        direct = TRY(device_->write_blocks(sector(first), sectors_per_block_, count, blocks_));
    }
    if (count > 1 && !direct) {
        for (uint32_t i = 0; i < count; i++)
            base::mem_copy(staging_ + static_cast<size_t>(i) * block_size_, data(order[i]), block_size_);
        source = staging_;
    }
    if (!direct) TRY(device_->write(sector(first), count * sectors_per_block_, source));
    stats_.blocks_written += count;
    for (uint32_t i = 0; i < count; i++) slots_[order[i]].dirty = false;
    dirty_count_ -= count;
    return {};
}

ErrorOr<void> BlockCache::write_back() {
    if (dirty_count_ == 0) return {};
    uint32_t count = 0;
    for (uint32_t i = 0; i < slot_count_; i++)
        if (slots_[i].dirty) order_[count++] = static_cast<int32_t>(i);
    sort_by_block(order_, count);
    for (uint32_t i = 0; i < count;) {
        uint32_t run = 1;
        while (i + run < count && run < run_blocks_ &&
               slots_[order_[i + run]].block == slots_[order_[i + run - 1]].block + 1)
            run++;
        TRY(write_run(order_ + i, run));
        i += run;
    }
    dirty_since_ = 0;
    return {};
}

}  // namespace ext2
