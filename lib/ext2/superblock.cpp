// Superblock checks and the volume geometry (see superblock.h).
#include "ext2/superblock.h"

namespace ext2 {

namespace {

bool is_power_of(uint32_t n, uint32_t base) {
    while (n > 1 && n % base == 0) n /= base;
    return n == 1;
}

uint32_t divide_up(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

}  // namespace

uint32_t Layout::group_block_count(uint32_t group) const {
    if (group + 1 < group_count) return blocks_per_group;
    return blocks_count - group_first_block(group);
}

bool Layout::group_has_super(uint32_t group) const {
    if (!sparse_super || group <= 1) return true;
    return is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

uint32_t Layout::group_first_free_area(uint32_t group) const {
    uint32_t first = group_first_block(group);
    if (group_has_super(group)) first += 1 + gdt_blocks + reserved_gdt_blocks;
    return first;
}

uint64_t Layout::max_file_blocks() const {
    uint64_t a = pointers_per_block;
    return kDirectBlocks + a + a * a + a * a * a;
}

ErrorOr<Layout> parse_superblock(const RawSuperblock& sb, uint64_t device_sectors, bool read_only) {
    if (sb.magic != kMagic) return kCorrupt;
    if (sb.rev_level > kRevisionDynamic) return Error::Unsupported;
    if (sb.log_block_size > 6) return kCorrupt;  // 64 KiB is the format's largest
    Layout l{};
    l.block_size = kMinBlockSize << sb.log_block_size;
    if (l.block_size > kMaxBlockSize) return Error::Unsupported;
    l.sectors_per_block = l.block_size / 512;
    l.dynamic = sb.rev_level == kRevisionDynamic;

    uint32_t incompat = l.dynamic ? sb.feature_incompat : 0;
    uint32_t ro_compat = l.dynamic ? sb.feature_ro_compat : 0;
    if (incompat & ~kIncompatSupported) return Error::Unsupported;
    if (l.dynamic && (sb.feature_compat & kCompatSparseSuper2)) return Error::Unsupported;
    l.writable = (ro_compat & ~kRoCompatSupported) == 0;
    if (!l.writable && !read_only) return Error::Unsupported;
    l.filetype = incompat & kIncompatFiletype;
    l.sparse_super = ro_compat & kRoCompatSparseSuper;
    l.large_file = ro_compat & kRoCompatLargeFile;

    l.blocks_count = sb.blocks_count;
    l.inodes_count = sb.inodes_count;
    l.first_data_block = sb.first_data_block;
    l.blocks_per_group = sb.blocks_per_group;
    l.inodes_per_group = sb.inodes_per_group;
    if (l.first_data_block != (l.block_size == 1024 ? 1u : 0u)) return kCorrupt;
    if (l.blocks_per_group < 8 || l.blocks_per_group > 8 * l.block_size || l.blocks_per_group % 8) return kCorrupt;
    if (l.inodes_per_group < 1 || l.inodes_per_group > 8 * l.block_size) return kCorrupt;
    if (l.blocks_count <= l.first_data_block + 1) return kCorrupt;
    if (static_cast<uint64_t>(l.blocks_count) * l.sectors_per_block > device_sectors) return kCorrupt;
    l.group_count = divide_up(l.blocks_count - l.first_data_block, l.blocks_per_group);
    if (static_cast<uint64_t>(l.group_count) * l.inodes_per_group != l.inodes_count) return kCorrupt;

    l.inode_size = l.dynamic ? sb.inode_size : kGoodOldInodeSize;
    if (l.inode_size < kGoodOldInodeSize || l.inode_size > l.block_size || (l.inode_size & (l.inode_size - 1)))
        return kCorrupt;
    l.first_ino = l.dynamic ? sb.first_ino : kGoodOldFirstInode;
    if (l.first_ino < kGoodOldFirstInode || l.first_ino > l.inodes_count) return kCorrupt;
    l.inode_table_blocks = divide_up(l.inodes_per_group * l.inode_size, l.block_size);
    if (l.inode_size > kGoodOldInodeSize) {
        uint32_t room = l.inode_size - kGoodOldInodeSize;
        uint32_t want = sb.want_extra_isize;
        if (want < 4 || want > room || want % 4) want = kDefaultExtraIsize;
        l.new_extra_isize = want <= room ? want : 0;
    }

    l.superblock_block = kSuperblockOffset / l.block_size;
    l.superblock_offset = kSuperblockOffset % l.block_size;
    l.gdt_block = l.superblock_block + 1;
    l.gdt_blocks = divide_up(l.group_count, l.block_size / sizeof(RawGroupDesc));
    l.reserved_gdt_blocks = l.dynamic ? sb.reserved_gdt_blocks : 0;
    // Group 0 holds the superblock, the table and its reserve, two bitmaps
    // and the inode table.
    uint64_t group0_meta = 1ull + l.gdt_blocks + l.reserved_gdt_blocks + 2 + l.inode_table_blocks;
    if (group0_meta > l.group_block_count(0)) return kCorrupt;
    l.pointers_per_block = l.block_size / 4;

    if (sb.r_blocks_count > l.blocks_count || sb.free_blocks_count > l.blocks_count) return kCorrupt;
    if (sb.free_inodes_count > l.inodes_count) return kCorrupt;
    return l;
}

bool group_desc_valid(const Layout& l, uint32_t group, const RawGroupDesc& d) {
    uint32_t first = l.group_first_free_area(group);
    uint32_t end = l.group_first_block(group) + l.group_block_count(group);
    auto inside = [&](uint32_t b) { return b >= first && b < end; };
    if (!inside(d.block_bitmap) || !inside(d.inode_bitmap) || d.block_bitmap == d.inode_bitmap) return false;
    if (!inside(d.inode_table) || l.inode_table_blocks > end - d.inode_table) return false;
    auto in_table = [&](uint32_t b) { return b >= d.inode_table && b < d.inode_table + l.inode_table_blocks; };
    if (in_table(d.block_bitmap) || in_table(d.inode_bitmap)) return false;
    if (d.free_blocks_count > l.group_block_count(group)) return false;
    if (d.free_inodes_count > l.inodes_per_group || d.used_dirs_count > l.inodes_per_group) return false;
    return true;
}

}  // namespace ext2
