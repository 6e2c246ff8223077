// The block cache: a bounded set of file-system blocks in memory the caller
// gives, with write-back. A block is used through a BlockRef, which pins it
// (a pinned block is never evicted); a change is kept in memory until
// write_back() writes every dirty block, in block order, runs of adjacent
// blocks in one device request. Taking a slot for a new block evicts the
// least recently used unpinned one; if that one is dirty, every dirty block
// is written back first (one sorted pass instead of one block at a time).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ext2/device.h"

namespace ext2 {

class BlockCache;

// A pinned block in the cache. Moving transfers the pin; destruction (or
// reset()) drops it. Call mark_dirty() after changing data().
class BlockRef {
public:
    BlockRef() = default;
    BlockRef(BlockRef&& other) : cache_(other.cache_), slot_(other.slot_) { other.cache_ = nullptr; }
    BlockRef& operator=(BlockRef&& other);
    BlockRef(const BlockRef&) = delete;
    BlockRef& operator=(const BlockRef&) = delete;
    ~BlockRef() { reset(); }

    void reset();
    bool valid() const { return cache_ != nullptr; }
    uint8_t* data() const;
    uint32_t block() const;
    void mark_dirty();
    // A caller's check of the block's contents (a directory block's records)
    // holds until the block changes (mark_dirty) or is read again, so a block
    // used unchanged many times is checked once.
    bool checked() const;
    void set_checked();

private:
    friend class BlockCache;
    BlockRef(BlockCache* cache, uint32_t slot) : cache_(cache), slot_(slot) {}
    BlockCache* cache_ = nullptr;
    uint32_t slot_ = 0;
};

struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t device_reads = 0;   // read requests (a prefetched run is one)
    uint64_t device_writes = 0;  // write requests (a run of adjacent blocks is one)
    uint64_t blocks_written = 0;
    uint64_t evictions = 0;
};

class BlockCache {
public:
    // A cache smaller than this cannot serve an operation's pins.
    static constexpr uint32_t kMinSlots = 16;
    // The most bytes one prefetch or one write-back request carries (a
    // device may split it; the server's sends its pieces at once).
    static constexpr uint32_t kMaxRunBytes = 256 * 1024;

    BlockCache() = default;
    BlockCache(const BlockCache&) = delete;
    BlockCache& operator=(const BlockCache&) = delete;

    // The memory init() needs for `slots` blocks of `block_size` bytes.
    static size_t bytes_for(uint32_t slots, uint32_t block_size);

    // Lays the cache out in `memory` (as many slots as fit; NoMemory below
    // kMinSlots). Blocks are numbered from 0; block n is the sectors from
    // n * block_size / 512, and no block at or past block_count is touched.
    ErrorOr<void> init(BlockDevice& device, Clock& clock, uint32_t block_size, uint32_t block_count, void* memory,
                       size_t bytes);

    // The block, read from the device unless cached.
    ErrorOr<BlockRef> get(uint32_t block);
    // The block for a caller that overwrites all of it: if it is not cached
    // it is not read but zero-filled.
    ErrorOr<BlockRef> get_zeroed(uint32_t block);
    // The block, all zeros whether it was cached or not (a new block that
    // a write fills in part).
    ErrorOr<BlockRef> get_cleared(uint32_t block);
    // Reads the uncached blocks from `block` on (stopping at the first cached
    // one, at most `count` and kMaxRunBytes) in one device request.
    ErrorOr<void> prefetch(uint32_t block, uint32_t count);
    // Forgets a block that was freed: its unwritten contents are dropped.
    void discard(uint32_t block);
    bool contains(uint32_t block) const { return find(block) >= 0; }
    // The most blocks one prefetch reads (the staging buffer's).
    uint32_t max_run_blocks() const { return run_blocks_; }

    // Writes every dirty block (sorted, adjacent ones in one request). On a
    // device error the blocks not yet written stay dirty.
    ErrorOr<void> write_back();
    bool has_dirty() const { return dirty_count_ > 0; }
    // The monotonic time at which the oldest unwritten change was made.
    uint64_t dirty_since_ns() const { return dirty_since_; }

    uint32_t block_size() const { return block_size_; }
    uint32_t slot_count() const { return slot_count_; }
    uint32_t dirty_count() const { return dirty_count_; }
    uint32_t pinned_count() const;
    const CacheStats& stats() const { return stats_; }

private:
    friend class BlockRef;
    struct Slot {
        uint32_t block;
        uint16_t pins;
        bool valid;
        bool dirty;
        bool checked;  // see BlockRef::checked()
        int32_t prev;  // LRU list: head is the most recently used
        int32_t next;
        int32_t hash_next;
    };

    int32_t find(uint32_t block) const;
    uint32_t hash(uint32_t block) const { return (block * 2654435761u) & hash_mask_; }
    void hash_insert(int32_t slot);
    void hash_remove(int32_t slot);
    void lru_unlink(int32_t slot);
    void lru_push_front(int32_t slot);
    void lru_push_back(int32_t slot);
    ErrorOr<int32_t> take_slot();
    void install(int32_t slot, uint32_t block);
    BlockRef pin(int32_t slot);
    void unpin(uint32_t slot);
    void mark_dirty(uint32_t slot);
    uint8_t* data(uint32_t slot) const { return data_ + static_cast<size_t>(slot) * block_size_; }
    uint64_t sector(uint32_t block) const { return static_cast<uint64_t>(block) * sectors_per_block_; }
    void sort_by_block(int32_t* order, uint32_t count) const;
    ErrorOr<void> write_run(const int32_t* order, uint32_t count);

    BlockDevice* device_ = nullptr;
    Clock* clock_ = nullptr;
    uint32_t block_size_ = 0;
    uint32_t sectors_per_block_ = 0;
    uint32_t block_count_ = 0;
    uint32_t slot_count_ = 0;
    uint32_t run_blocks_ = 0;  // staging capacity in blocks
    Slot* slots_ = nullptr;
    int32_t* heads_ = nullptr;  // hash buckets
    uint32_t hash_mask_ = 0;
    int32_t* order_ = nullptr;  // scratch for write_back's sort
    int32_t* taken_ = nullptr;  // scratch for prefetch: the slots it fills
    uint8_t** blocks_ = nullptr;  // scratch: their data, for the device's read_blocks/write_blocks
    uint8_t* staging_ = nullptr;
    uint8_t* data_ = nullptr;
    int32_t lru_head_ = -1;
    int32_t lru_tail_ = -1;
    uint32_t dirty_count_ = 0;
    uint64_t dirty_since_ = 0;
    CacheStats stats_;
};

}  // namespace ext2
