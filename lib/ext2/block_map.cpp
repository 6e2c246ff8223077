// The block map of an inode: logical block n of a file is found through
// i_block's 12 direct pointers, then a single, a double and a triple
// indirect tree of pointer blocks (block size / 4 pointers each). A zero
// pointer is a hole. Every pointer read from disk is range-checked before
// use (kCorrupt otherwise); the walk has a fixed depth, so a corrupt map
// cannot make it loop.
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

namespace {

// Where logical block n is: index[0] in i_block, then one index per level
// of indirection.
struct MapPath {
    uint32_t depth;
    uint32_t index[4];
};

bool path_for(const Layout& l, uint64_t logical, MapPath* path) {
    uint64_t a = l.pointers_per_block;
    if (logical < kDirectBlocks) {
        *path = {0, {static_cast<uint32_t>(logical), 0, 0, 0}};
        return true;
    }
    uint64_t n = logical - kDirectBlocks;
    if (n < a) {
        *path = {1, {kSingleIndirect, static_cast<uint32_t>(n), 0, 0}};
        return true;
    }
    n -= a;
    if (n < a * a) {
        *path = {2, {kDoubleIndirect, static_cast<uint32_t>(n / a), static_cast<uint32_t>(n % a), 0}};
        return true;
    }
    n -= a * a;
    if (n < a * a * a) {
        *path = {3, {kTripleIndirect, static_cast<uint32_t>(n / (a * a)), static_cast<uint32_t>(n / a % a),
                     static_cast<uint32_t>(n % a)}};
        return true;
    }
    return false;
}

uint32_t pointer_at(const uint8_t* block, uint32_t index) {
    uint32_t value;
    base::mem_copy(&value, block + index * 4, 4);
    return value;
}

void set_pointer(uint8_t* block, uint32_t index, uint32_t value) { base::mem_copy(block + index * 4, &value, 4); }

bool block_mapped_inode(const Inode& inode) { return !(inode.raw.flags & (kFlagExtents | kFlagInlineData)); }

}  // namespace

ErrorOr<uint32_t> Volume::map_block(const Inode& inode, uint32_t logical) {
    if (!block_mapped_inode(inode)) return kCorrupt;
    MapPath path;
    if (!path_for(layout_, logical, &path)) return Error::FileTooBig;
    uint32_t block = inode.raw.block[path.index[0]];
    for (uint32_t level = 1; level <= path.depth; level++) {
        if (block == 0) return 0u;
        if (!block_in_range(block)) return kCorrupt;
        BlockRef ref = TRY(cache_.get(block));
        block = pointer_at(ref.data(), path.index[level]);
    }
    if (block != 0 && !block_in_range(block)) return kCorrupt;
    return block;
}

// A new block for `inode` near `goal`, counted in i_blocks; an indirect
// block (`zero`) is zero-filled in the cache.
ErrorOr<uint32_t> Volume::allocate_for(Inode& inode, uint32_t goal, bool zero) {
    if (inode.raw.blocks > UINT32_MAX - layout_.sectors_per_block) return Error::FileTooBig;
    uint32_t block = TRY(allocate_block(goal));
    inode.raw.blocks += layout_.sectors_per_block;
    if (zero) {
        BlockRef ref = TRY(cache_.get_zeroed(block));
        base::mem_set(ref.data(), 0, layout_.block_size);
        ref.mark_dirty();
    }
    return block;
}

ErrorOr<uint32_t> Volume::map_or_allocate(Inode& inode, uint32_t logical, bool* fresh) {
    *fresh = false;
    if (!block_mapped_inode(inode)) return kCorrupt;
    MapPath path;
    if (!path_for(layout_, logical, &path)) return Error::FileTooBig;
    // New blocks go right after the previous pointer's block, so a file
    // written in order lies in order; the first near the inode's group.
    uint32_t goal = layout_.group_first_block((inode.number - 1) / layout_.inodes_per_group);
    if (path.index[0] > 0 && inode.raw.block[path.index[0] - 1] != 0) goal = inode.raw.block[path.index[0] - 1] + 1;
    uint32_t& root = inode.raw.block[path.index[0]];
    if (root == 0) {
        root = TRY(allocate_for(inode, goal, path.depth > 0));
        *fresh = path.depth == 0;
    } else if (!block_in_range(root)) {
        return kCorrupt;
    }
    uint32_t block = root;
    for (uint32_t level = 1; level <= path.depth; level++) {
        BlockRef ref = TRY(cache_.get(block));
        uint32_t next = pointer_at(ref.data(), path.index[level]);
        if (next == 0) {
            uint32_t index = path.index[level];
            uint32_t before = index > 0 ? pointer_at(ref.data(), index - 1) : 0;
            next = TRY(allocate_for(inode, before != 0 ? before + 1 : block + 1, level < path.depth));
            set_pointer(ref.data(), path.index[level], next);
            ref.mark_dirty();
            *fresh = level == path.depth;
        } else if (!block_in_range(next)) {
            return kCorrupt;
        }
        block = next;
    }
    return block;
}

ErrorOr<void> Volume::release_block(Inode& inode, uint32_t block) {
    TRY(free_block(block));
    if (inode.raw.blocks < layout_.sectors_per_block) return kCorrupt;
    inode.raw.blocks -= layout_.sectors_per_block;
    return {};
}

// Frees the blocks of the tree at `block` (depth levels of pointer blocks
// above the data) from its logical block `first` on. Returns whether the
// whole tree is gone (and `block` itself was freed).
ErrorOr<bool> Volume::free_subtree(Inode& inode, uint32_t block, uint32_t depth, uint64_t first) {
    if (!block_in_range(block)) return kCorrupt;
    if (depth == 0) {
        TRY(release_block(inode, block));
        return true;
    }
    uint64_t span = 1;
    for (uint32_t i = 1; i < depth; i++) span *= layout_.pointers_per_block;
    uint64_t start = first / span;
    bool kept = false;
    {
        BlockRef ref = TRY(cache_.get(block));
        for (uint32_t i = 0; i < layout_.pointers_per_block; i++) {
            uint32_t child = pointer_at(ref.data(), i);
            if (child == 0) continue;
            if (i < start) {
                kept = true;
                continue;
            }
            bool gone = TRY(free_subtree(inode, child, depth - 1, i == start ? first % span : 0));
            if (gone) {
                set_pointer(ref.data(), i, 0);
                ref.mark_dirty();
            } else {
                kept = true;
            }
        }
    }
    if (kept) return false;
    TRY(release_block(inode, block));
    return true;
}

ErrorOr<void> Volume::free_blocks_from(Inode& inode, uint64_t first) {
    if (!block_mapped_inode(inode)) return kCorrupt;
    for (uint64_t i = first; i < kDirectBlocks; i++) {
        if (inode.raw.block[i] == 0) continue;
        TRY(release_block(inode, inode.raw.block[i]));
        inode.raw.block[i] = 0;
    }
    uint64_t a = layout_.pointers_per_block;
    uint64_t base = kDirectBlocks;
    uint64_t span = a;
    for (uint32_t depth = 1; depth <= 3; depth++) {
        uint32_t& root = inode.raw.block[kDirectBlocks + depth - 1];
        if (root != 0 && first < base + span) {
            bool gone = TRY(free_subtree(inode, root, depth, first > base ? first - base : 0));
            if (gone) root = 0;
        }
        base += span;
        span *= a;
    }
    return {};
}

}  // namespace ext2
