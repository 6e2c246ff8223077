// Mounting, unmounting, write-back, attributes and the open-inode table of
// a Volume (see volume.h). The other operations live in the files named
// after their concept: groups, alloc, inode, block_map, file, directory,
// namespace, path.
#include "ext2/volume.h"

#include "base/string.h"

namespace ext2 {

namespace {

constexpr uintptr_t kAlign = 16;

uintptr_t align(uintptr_t p) { return (p + kAlign - 1) & ~(kAlign - 1); }

}  // namespace

size_t Volume::memory_for(uint32_t cache_blocks, uint32_t block_size, uint32_t max_open_inodes,
                          uint32_t cached_inodes) {
    return max_open_inodes * sizeof(OpenInode) + InodeCache::bytes_for(cached_inodes) + 3 * kAlign +
           BlockCache::bytes_for(cache_blocks, block_size);
}

ErrorOr<void> Volume::check_writable() const {
    if (!mounted_) return Error::BadArgument;
    if (options_.read_only) return kReadOnly;
    return {};
}

// ---- Mount and unmount ------------------------------------------------------------

ErrorOr<void> Volume::mount(BlockDevice& device, Clock& clock, void* memory, size_t memory_bytes,
                            const MountOptions& options) {
    if (mounted_) return Error::Busy;
    device_ = &device;
    clock_ = &clock;
    options_ = options;
    uint64_t sectors = device.sector_count();
    if (sectors < (kSuperblockOffset + kSuperblockSize) / kSectorSize) return kCorrupt;
    TRY(device.read(kSuperblockOffset / kSectorSize, kSuperblockSize / kSectorSize, &super_));
    layout_ = TRY(parse_superblock(super_, sectors, options.read_only));

    // The open-inode table, the inode cache, then the block cache, in the
    // caller's memory.
    uint32_t cached = options.cached_inodes;
    if (cached == 0 || (cached & (cached - 1)) != 0) return Error::BadArgument;
    uintptr_t start = align(reinterpret_cast<uintptr_t>(memory));
    size_t open_bytes = static_cast<size_t>(options.max_open_inodes) * sizeof(OpenInode);
    uintptr_t inodes_start = align(start + open_bytes);
    uintptr_t cache_start = align(inodes_start + InodeCache::bytes_for(cached));
    uintptr_t end = reinterpret_cast<uintptr_t>(memory) + memory_bytes;
    if (!memory || cache_start >= end) return Error::NoMemory;
    open_ = reinterpret_cast<OpenInode*>(start);
    open_count_ = 0;
    inodes_.init(reinterpret_cast<void*>(inodes_start), cached);
    TRY(cache_.init(device, clock, layout_.block_size, layout_.blocks_count, reinterpret_cast<void*>(cache_start),
                    end - cache_start));

    mounted_ = true;  // the helpers below check it
    auto checked = [&]() -> ErrorOr<void> {
        for (uint32_t g = 0; g < layout_.group_count; g++) TRY(read_group(g));
        TRY(read_directory(kRootInode));
        if (options_.read_only) return {};
        mount_state_ = super_.state;
        super_.state = static_cast<uint16_t>(super_.state & ~kStateValid);
        super_.mnt_count++;
        super_.mtime = super_.wtime = static_cast<uint32_t>(now().seconds);
        TRY(store_super());
        return sync();
    }();
    if (checked.is_error()) mounted_ = false;
    return checked;
}

ErrorOr<void> Volume::unmount() {
    if (!mounted_) return Error::BadArgument;
    if (!options_.read_only) {
        // Inodes unlinked while open go now, as at their last release.
        while (open_count_ > 0) {
            uint32_t ino = open_[--open_count_].ino;
            Inode inode = TRY(read_inode(ino));
            if (inode.raw.links_count == 0) TRY(destroy_inode(inode));
        }
        super_.state = mount_state_;
        super_.wtime = static_cast<uint32_t>(now().seconds);
        TRY(store_super());
    }
    TRY(sync());
    mounted_ = false;
    inodes_.clear();
    return {};
}

// ---- Write-back ----------------------------------------------------------------------

ErrorOr<void> Volume::sync() {
    if (!mounted_) return Error::BadArgument;
    TRY(cache_.write_back());
    if (!options_.read_only) TRY(device_->flush());
    return {};
}

ErrorOr<bool> Volume::flush_if_older_than(uint64_t cutoff_ns) {
    if (!cache_.has_dirty() || cache_.dirty_since_ns() > cutoff_ns) return false;
    TRY(sync());
    return true;
}

VolumeInfo Volume::info() const {
    VolumeInfo v{};
    v.block_size = layout_.block_size;
    v.blocks = layout_.blocks_count;
    v.free_blocks = super_.free_blocks_count;
    v.available_blocks = super_.free_blocks_count > super_.r_blocks_count
                             ? super_.free_blocks_count - super_.r_blocks_count
                             : 0;
    v.inodes = layout_.inodes_count;
    v.free_inodes = super_.free_inodes_count;
    return v;
}

// ---- Attributes --------------------------------------------------------------------------

ErrorOr<Stat> Volume::stat(uint32_t ino) {
    if (!mounted_) return Error::BadArgument;
    Inode inode = TRY(read_inode(ino));
    Stat s{};
    s.ino = ino;
    s.type = file_type_of_mode(inode.raw.mode);
    s.mode = inode.raw.mode;
    s.links = inode.raw.links_count;
    s.uid = inode.raw.uid | static_cast<uint32_t>(inode.raw.uid_high) << 16;
    s.gid = inode.raw.gid | static_cast<uint32_t>(inode.raw.gid_high) << 16;
    s.size = inode.size();
    s.sectors = inode.raw.blocks;
    s.flags = inode.raw.flags;
    s.atime = get_atime(inode);
    s.mtime = get_mtime(inode);
    s.ctime = get_ctime(inode);
    return s;
}

ErrorOr<void> Volume::set_mode(uint32_t ino, uint16_t mode) {
    TRY(check_writable());
    Inode inode = TRY(read_inode(ino));
    if (inode.raw.links_count == 0 && !is_retained(ino)) return Error::NotFound;
    inode.raw.mode = static_cast<uint16_t>(inode.type() | (mode & kModePermissionMask));
    stamp_times(inode, now(), false, false, true);
    return write_inode(inode);
}

ErrorOr<void> Volume::set_times(uint32_t ino, const Timestamp* atime, const Timestamp* mtime) {
    TRY(check_writable());
    Inode inode = TRY(read_inode(ino));
    if (inode.raw.links_count == 0 && !is_retained(ino)) return Error::NotFound;
    if (atime) set_atime(inode, *atime);
    if (mtime) set_mtime(inode, *mtime);
    stamp_times(inode, now(), false, false, true);
    return write_inode(inode);
}

// ---- Open inodes ---------------------------------------------------------------------------

bool Volume::is_retained(uint32_t ino) const {
    for (uint32_t i = 0; i < open_count_; i++)
        if (open_[i].ino == ino) return true;
    return false;
}

ErrorOr<void> Volume::retain(uint32_t ino) {
    if (!mounted_) return Error::BadArgument;
    for (uint32_t i = 0; i < open_count_; i++) {
        if (open_[i].ino == ino) {
            open_[i].count++;
            return {};
        }
    }
    Inode inode = TRY(read_inode(ino));
    if (inode.raw.links_count == 0) return Error::NotFound;
    if (open_count_ == options_.max_open_inodes) return Error::NoMemory;
    open_[open_count_++] = OpenInode{ino, 1};
    return {};
}

ErrorOr<void> Volume::release(uint32_t ino) {
    if (!mounted_) return Error::BadArgument;
    for (uint32_t i = 0; i < open_count_; i++) {
        if (open_[i].ino != ino) continue;
        if (--open_[i].count > 0) return {};
        open_[i] = open_[--open_count_];
        if (options_.read_only) return {};
        Inode inode = TRY(read_inode(ino));
        if (inode.raw.links_count == 0) TRY(destroy_inode(inode));
        return {};
    }
    return Error::BadArgument;
}

}  // namespace ext2
