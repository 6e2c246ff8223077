// The cache of decoded inodes: the last inodes read or written, by number,
// so an operation that needs an inode several times (a create+write+close
// needs its file's about a dozen times: walk, stat, truncate, retain,
// write, size, release) finds it without its group descriptor, a block
// cache pin and a copy out of the inode table. Direct-mapped (inode n in
// entry n mod the entry count), so a lookup is one comparison.
//
// Write-through: the Volume stores every change in the inode table's
// cached block first (write_inode), then here, so the block cache, and so
// write-back, fsync and crash behaviour, are as they would be without this
// cache. An entry only ever holds what the inode table holds; a store that
// fails forgets the entry.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ext2/inode.h"

namespace ext2 {

class InodeCache {
public:
    // Entries a volume keeps; a power of two.
    static constexpr uint32_t kDefaultEntries = 64;

    static size_t bytes_for(uint32_t entries) { return entries * sizeof(Inode); }

    // Lays the cache out in `memory` (bytes_for(entries) bytes, aligned for
    // an Inode); `entries` must be a power of two. Empty afterwards.
    void init(void* memory, uint32_t entries) {
        entries_ = static_cast<Inode*>(memory);
        mask_ = entries - 1;
        clear();
    }
    void clear() {
        for (uint32_t i = 0; i <= mask_ && entries_; i++) entries_[i].number = 0;
    }

    // The cached inode `ino`, or nullptr. Inode number 0 is never cached.
    const Inode* find(uint32_t ino) const {
        const Inode& e = entries_[ino & mask_];
        return e.number == ino && ino != 0 ? &e : nullptr;
    }
    // Keeps `inode` (as the inode table now holds it), replacing whatever
    // shared its entry.
    void put(const Inode& inode) { entries_[inode.number & mask_] = inode; }
    void forget(uint32_t ino) {
        Inode& e = entries_[ino & mask_];
        if (e.number == ino) e.number = 0;
    }

private:
    Inode* entries_ = nullptr;
    uint32_t mask_ = 0;
};

}  // namespace ext2
