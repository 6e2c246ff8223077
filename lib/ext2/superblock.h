// The superblock checked and turned into the volume's geometry (Layout):
// block and group sizes, where the group descriptor table is, which
// features are on. Everything the rest of the library computes from the
// superblock is computed here, once, from validated numbers.
#pragma once

#include <stdint.h>

#include "ext2/errors.h"
#include "ext2/format.h"

namespace ext2 {

struct Layout {
    uint32_t block_size;
    uint32_t sectors_per_block;
    uint32_t blocks_count;
    uint32_t inodes_count;
    uint32_t first_data_block;
    uint32_t blocks_per_group;
    uint32_t inodes_per_group;
    uint32_t group_count;
    uint32_t inode_size;
    uint32_t inode_table_blocks;   // per group
    uint32_t first_ino;            // first inode a file may get
    uint32_t superblock_block;     // the block holding byte 1024...
    uint32_t superblock_offset;    // ...and where in it
    uint32_t gdt_block;            // first block of the group descriptor table
    uint32_t gdt_blocks;
    uint32_t reserved_gdt_blocks;  // kept free after each table copy (resize_inode)
    uint32_t pointers_per_block;   // block numbers in an indirect block
    uint32_t new_extra_isize;      // i_extra_isize for new inodes (0: 128-byte inodes)
    bool filetype;                 // directory records carry a file type
    bool sparse_super;             // backups only in groups 0, 1 and powers of 3, 5, 7
    bool large_file;               // files may pass 2 GiB (set on demand)
    bool dynamic;                  // revision 1: has feature fields
    bool writable;                 // every incompat and ro_compat feature is known

    uint32_t group_of_block(uint32_t block) const { return (block - first_data_block) / blocks_per_group; }
    uint32_t group_first_block(uint32_t group) const { return first_data_block + group * blocks_per_group; }
    // Blocks in `group` (the last group may be short).
    uint32_t group_block_count(uint32_t group) const;
    // Whether `group` holds a copy of the superblock and descriptor table.
    bool group_has_super(uint32_t group) const;
    // The first block of `group` after its superblock copy, descriptor table
    // and reserved descriptor blocks.
    uint32_t group_first_free_area(uint32_t group) const;
    // Logical blocks one file can map (12 direct + three indirect trees).
    uint64_t max_file_blocks() const;
    uint64_t max_file_size() const { return max_file_blocks() * block_size; }
};

// Checks the superblock against the format and this library: Unsupported for
// a valid volume it cannot serve (an unknown incompat feature, blocks over
// kMaxBlockSize, an unknown ro_compat feature unless `read_only`), kCorrupt
// for numbers that do not fit together or do not fit the device.
ErrorOr<Layout> parse_superblock(const RawSuperblock& sb, uint64_t device_sectors, bool read_only);

// Checks one group descriptor against the layout: bitmaps and inode table
// inside their group, clear of its superblock copy and of each other; counts
// in range.
bool group_desc_valid(const Layout& layout, uint32_t group, const RawGroupDesc& desc);

}  // namespace ext2
