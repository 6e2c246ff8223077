// Block and inode allocation in the bitmaps (see volume.h). Blocks go near
// a goal (the block after the file's previous one), inodes of files near
// their directory, new directories to a group with room to spare. A bit the
// counts call free but the bitmap does not, a free bit on group metadata, or
// a freed bit that was already clear is a corrupt image (kCorrupt).
#include "ext2/volume.h"

namespace ext2 {

namespace {

// The first clear bit in [from, to), or -1. Full stretches are skipped 64
// bits at a time, then a byte at a time: a block group's bitmap is mostly
// full at its start, where the goal of a file's first block points.
int64_t find_clear(const uint8_t* map, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to;) {
        if ((i & 63) == 0 && to - i >= 64) {
            uint64_t word;
            __builtin_memcpy(&word, map + (i >> 3), sizeof word);
            if (word == ~uint64_t{0}) {
                i += 64;
                continue;
            }
        }
        if ((i & 7) == 0 && to - i >= 8 && map[i >> 3] == 0xFF) {
            i += 8;
            continue;
        }
        if (!(map[i >> 3] & (1u << (i & 7)))) return i;
        i++;
    }
    return -1;
}

bool bit_set(const uint8_t* map, uint32_t bit) { return map[bit >> 3] & (1u << (bit & 7)); }
void set_bit(uint8_t* map, uint32_t bit) { map[bit >> 3] = static_cast<uint8_t>(map[bit >> 3] | (1u << (bit & 7))); }
void clear_bit(uint8_t* map, uint32_t bit) { map[bit >> 3] = static_cast<uint8_t>(map[bit >> 3] & ~(1u << (bit & 7))); }

// Whether `block` of `group` is its superblock copy, descriptor table,
// bitmaps or inode table.
bool is_group_metadata(const Layout& l, uint32_t group, const RawGroupDesc& d, uint32_t block) {
    if (block < l.group_first_free_area(group)) return true;
    if (block == d.block_bitmap || block == d.inode_bitmap) return true;
    return block >= d.inode_table && block - d.inode_table < l.inode_table_blocks;
}

}  // namespace

ErrorOr<uint32_t> Volume::allocate_block(uint32_t goal) {
    uint32_t reserve = options_.use_reserved_blocks ? 0 : super_.r_blocks_count;
    if (super_.free_blocks_count <= reserve) return kNoSpace;
    if (!block_in_range(goal)) goal = layout_.first_data_block;
    uint32_t first_group = layout_.group_of_block(goal);
    for (uint32_t i = 0; i < layout_.group_count; i++) {
        uint32_t group = (first_group + i) % layout_.group_count;
        RawGroupDesc desc = TRY(read_group(group));
        if (desc.free_blocks_count == 0) continue;
        uint32_t bits = layout_.group_block_count(group);
        uint32_t start = i == 0 ? goal - layout_.group_first_block(group) : 0;
        BlockRef map = TRY(cache_.get(desc.block_bitmap));
        int64_t bit = find_clear(map.data(), start, bits);
        if (bit < 0) bit = find_clear(map.data(), 0, start);
        if (bit < 0) return kCorrupt;
        uint32_t block = layout_.group_first_block(group) + static_cast<uint32_t>(bit);
        if (is_group_metadata(layout_, group, desc, block)) return kCorrupt;
        set_bit(map.data(), static_cast<uint32_t>(bit));
        map.mark_dirty();
        map.reset();
        TRY(count_change(group, -1, 0, 0));
        return block;
    }
    return kNoSpace;
}

ErrorOr<void> Volume::free_block(uint32_t block) {
    if (!block_in_range(block)) return kCorrupt;
    uint32_t group = layout_.group_of_block(block);
    RawGroupDesc desc = TRY(read_group(group));
    if (is_group_metadata(layout_, group, desc, block)) return kCorrupt;
    uint32_t bit = block - layout_.group_first_block(group);
    BlockRef map = TRY(cache_.get(desc.block_bitmap));
    if (!bit_set(map.data(), bit)) return kCorrupt;
    clear_bit(map.data(), bit);
    map.mark_dirty();
    map.reset();
    TRY(count_change(group, 1, 0, 0));
    cache_.discard(block);
    return {};
}

ErrorOr<uint32_t> Volume::allocate_inode(uint32_t parent, bool directory) {
    if (super_.free_inodes_count == 0) return kNoSpace;
    uint32_t first_group = parent >= 1 && parent <= layout_.inodes_count ? (parent - 1) / layout_.inodes_per_group : 0;
    if (directory) {
        // Spread directories: among the groups with at least the average
        // number of free inodes, the one with the most free blocks.
        uint32_t average = super_.free_inodes_count / layout_.group_count;
        uint32_t best_blocks = 0;
        bool found = false;
        for (uint32_t g = 0; g < layout_.group_count; g++) {
            RawGroupDesc desc = TRY(read_group(g));
            if (desc.free_inodes_count == 0 || desc.free_inodes_count < average) continue;
            if (!found || desc.free_blocks_count > best_blocks) {
                first_group = g;
                best_blocks = desc.free_blocks_count;
                found = true;
            }
        }
    }
    for (uint32_t i = 0; i < layout_.group_count; i++) {
        uint32_t group = (first_group + i) % layout_.group_count;
        RawGroupDesc desc = TRY(read_group(group));
        if (desc.free_inodes_count == 0) continue;
        // Inodes below first_ino are reserved, whatever the bitmap says.
        uint64_t group_base = uint64_t{group} * layout_.inodes_per_group;
        uint32_t lowest = layout_.first_ino - 1 > group_base ? static_cast<uint32_t>(layout_.first_ino - 1 - group_base) : 0;
        if (lowest >= layout_.inodes_per_group) continue;
        BlockRef map = TRY(cache_.get(desc.inode_bitmap));
        int64_t bit = find_clear(map.data(), lowest, layout_.inodes_per_group);
        if (bit < 0) return kCorrupt;
        set_bit(map.data(), static_cast<uint32_t>(bit));
        map.mark_dirty();
        map.reset();
        TRY(count_change(group, 0, -1, directory ? 1 : 0));
        return static_cast<uint32_t>(group_base + bit + 1);
    }
    return kNoSpace;
}

ErrorOr<void> Volume::free_inode_number(uint32_t ino, bool directory) {
    if (ino == 0 || ino > layout_.inodes_count) return kCorrupt;
    uint32_t group = (ino - 1) / layout_.inodes_per_group;
    uint32_t bit = (ino - 1) % layout_.inodes_per_group;
    RawGroupDesc desc = TRY(read_group(group));
    BlockRef map = TRY(cache_.get(desc.inode_bitmap));
    if (!bit_set(map.data(), bit)) return kCorrupt;
    clear_bit(map.data(), bit);
    map.mark_dirty();
    map.reset();
    return count_change(group, 0, 1, directory ? -1 : 0);
}

}  // namespace ext2
