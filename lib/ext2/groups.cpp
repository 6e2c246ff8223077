// Group descriptors and the free counters (see volume.h): every change to a
// bitmap goes with count_change(), which keeps the group's counts and the
// superblock's totals in step, as e2fsck checks them.
#include <stddef.h>

#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

namespace {

uint32_t descs_per_block(const Layout& l) { return l.block_size / sizeof(RawGroupDesc); }

}  // namespace

ErrorOr<RawGroupDesc> Volume::read_group(uint32_t group) {
    if (group >= layout_.group_count) return kCorrupt;
    BlockRef ref = TRY(cache_.get(layout_.gdt_block + group / descs_per_block(layout_)));
    RawGroupDesc desc;
    base::mem_copy(&desc, ref.data() + (group % descs_per_block(layout_)) * sizeof(RawGroupDesc), sizeof(desc));
    // Checked at every read: the cached table can be re-read from the device.
    if (!group_desc_valid(layout_, group, desc)) return kCorrupt;
    return desc;
}

// The in-memory superblock into its cached block (only the primary copy is
// kept current, as Linux does; the backups keep mkfs-time counts).
ErrorOr<void> Volume::store_super() {
    BlockRef ref = TRY(cache_.get(layout_.superblock_block));
    base::mem_copy(ref.data() + layout_.superblock_offset, &super_, sizeof(super_));
    ref.mark_dirty();
    return {};
}

// The descriptor and the superblock's totals change in their cached blocks
// directly: one pin of the descriptor table's block, and only the two free
// counters copied into the superblock's (every other change to super_ goes
// through store_super()).
ErrorOr<void> Volume::count_change(uint32_t group, int32_t blocks, int32_t inodes, int32_t dirs) {
    if (group >= layout_.group_count) return kCorrupt;
    BlockRef table = TRY(cache_.get(layout_.gdt_block + group / descs_per_block(layout_)));
    uint8_t* at = table.data() + (group % descs_per_block(layout_)) * sizeof(RawGroupDesc);
    RawGroupDesc desc;
    base::mem_copy(&desc, at, sizeof(desc));
    if (!group_desc_valid(layout_, group, desc)) return kCorrupt;
    int64_t free_blocks = int64_t{desc.free_blocks_count} + blocks;
    int64_t free_inodes = int64_t{desc.free_inodes_count} + inodes;
    int64_t used_dirs = int64_t{desc.used_dirs_count} + dirs;
    int64_t total_blocks = int64_t{super_.free_blocks_count} + blocks;
    int64_t total_inodes = int64_t{super_.free_inodes_count} + inodes;
    if (free_blocks < 0 || free_blocks > layout_.group_block_count(group) || free_inodes < 0 ||
        free_inodes > layout_.inodes_per_group || used_dirs < 0 || used_dirs > layout_.inodes_per_group ||
        total_blocks < 0 || total_blocks > layout_.blocks_count || total_inodes < 0 ||
        total_inodes > layout_.inodes_count)
        return kCorrupt;
    desc.free_blocks_count = static_cast<uint16_t>(free_blocks);
    desc.free_inodes_count = static_cast<uint16_t>(free_inodes);
    desc.used_dirs_count = static_cast<uint16_t>(used_dirs);
    base::mem_copy(at, &desc, sizeof(desc));
    table.mark_dirty();
    table.reset();
    super_.free_blocks_count = static_cast<uint32_t>(total_blocks);
    super_.free_inodes_count = static_cast<uint32_t>(total_inodes);
    BlockRef super = TRY(cache_.get(layout_.superblock_block));
    uint8_t* fields = super.data() + layout_.superblock_offset;
    constexpr size_t kBlocksAt = offsetof(RawSuperblock, free_blocks_count);
    constexpr size_t kInodesAt = offsetof(RawSuperblock, free_inodes_count);
    static_assert(kInodesAt == kBlocksAt + 4, "the two counters are adjacent");
    base::mem_copy(fields + kBlocksAt, &super_.free_blocks_count, 8);
    super.mark_dirty();
    return {};
}

}  // namespace ext2
