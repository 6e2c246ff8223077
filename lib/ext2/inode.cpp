// Inode records: reading and writing them in the inode tables, making new
// ones, dropping links and destroying an inode with everything it owns
// (data and indirect blocks, its extended-attribute block reference, its
// bitmap bit). Timestamps with the large-inode extra words.
#include "ext2/inode.h"

#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

// ---- Field helpers ---------------------------------------------------------------

FileType file_type_of_mode(uint16_t mode) {
    switch (mode & kModeTypeMask) {
    case kModeRegular: return FileType::Regular;
    case kModeDirectory: return FileType::Directory;
    case kModeSymlink: return FileType::Symlink;
    case kModeCharDevice: return FileType::CharDevice;
    case kModeBlockDevice: return FileType::BlockDevice;
    case kModeFifo: return FileType::Fifo;
    case kModeSocket: return FileType::Socket;
    default: return FileType::Unknown;
    }
}

namespace {

// The extra word: two epoch bits (seconds past 2^31 in units of 2^32) and
// the nanoseconds.
uint32_t encode_extra(Timestamp t) {
    uint32_t epoch = static_cast<uint32_t>((t.seconds - static_cast<int32_t>(t.seconds)) >> 32) & 3;
    uint32_t nanoseconds = t.nanoseconds < 1'000'000'000 ? t.nanoseconds : 999'999'999;  // a caller's value
    return epoch | (nanoseconds << 2);
}

Timestamp decode(uint32_t seconds, uint32_t extra, bool has_extra) {
    Timestamp t{static_cast<int32_t>(seconds), 0};
    if (has_extra) {
        t.seconds += static_cast<int64_t>(extra & 3) << 32;
        t.nanoseconds = extra >> 2;
    }
    return t;
}

constexpr uint32_t kCtimeExtraEnd = offsetof(RawInode, ctime_extra) + 4;
constexpr uint32_t kMtimeExtraEnd = offsetof(RawInode, mtime_extra) + 4;
constexpr uint32_t kAtimeExtraEnd = offsetof(RawInode, atime_extra) + 4;
constexpr uint32_t kCrtimeExtraEnd = offsetof(RawInode, crtime_extra) + 4;

}  // namespace

void set_atime(Inode& inode, Timestamp t) {
    inode.raw.atime = static_cast<uint32_t>(t.seconds);
    if (inode.has_extra(kAtimeExtraEnd)) inode.raw.atime_extra = encode_extra(t);
}

void set_mtime(Inode& inode, Timestamp t) {
    inode.raw.mtime = static_cast<uint32_t>(t.seconds);
    if (inode.has_extra(kMtimeExtraEnd)) inode.raw.mtime_extra = encode_extra(t);
}

void stamp_times(Inode& inode, Timestamp now, bool atime, bool mtime, bool ctime) {
    if (atime) set_atime(inode, now);
    if (mtime) set_mtime(inode, now);
    if (ctime) {
        inode.raw.ctime = static_cast<uint32_t>(now.seconds);
        if (inode.has_extra(kCtimeExtraEnd)) inode.raw.ctime_extra = encode_extra(now);
    }
}

Timestamp get_atime(const Inode& i) { return decode(i.raw.atime, i.raw.atime_extra, i.has_extra(kAtimeExtraEnd)); }
Timestamp get_mtime(const Inode& i) { return decode(i.raw.mtime, i.raw.mtime_extra, i.has_extra(kMtimeExtraEnd)); }
Timestamp get_ctime(const Inode& i) { return decode(i.raw.ctime, i.raw.ctime_extra, i.has_extra(kCtimeExtraEnd)); }
Timestamp get_crtime(const Inode& i) { return decode(i.raw.crtime, i.raw.crtime_extra, i.has_extra(kCrtimeExtraEnd)); }

// ---- Records in the inode table ---------------------------------------------------

namespace {

// Bytes of an on-disk record that Inode::raw mirrors.
uint32_t mirrored_bytes(const Layout& l) { return l.inode_size < sizeof(RawInode) ? l.inode_size : sizeof(RawInode); }

}  // namespace

ErrorOr<Inode> Volume::read_inode(uint32_t ino) {
    if (ino == 0 || ino > layout_.inodes_count) return kCorrupt;
    if (const Inode* cached = inodes_.find(ino)) return *cached;
    uint32_t index = (ino - 1) % layout_.inodes_per_group;
    RawGroupDesc desc = TRY(read_group((ino - 1) / layout_.inodes_per_group));
    uint64_t byte = uint64_t{index} * layout_.inode_size;
    BlockRef ref = TRY(cache_.get(desc.inode_table + static_cast<uint32_t>(byte / layout_.block_size)));
    Inode inode;
    inode.number = ino;
    base::mem_copy(&inode.raw, ref.data() + byte % layout_.block_size, mirrored_bytes(layout_));
    // A 128-byte record has no extra fields, whatever its last bytes hold.
    if (layout_.inode_size == kGoodOldInodeSize) inode.raw.extra_isize = 0;
    inodes_.put(inode);
    return inode;
}

// Through the inode table's cached block (so write-back is what it would
// be without the inode cache), then the inode cache.
ErrorOr<void> Volume::write_inode(const Inode& inode) {
    if (inode.number == 0 || inode.number > layout_.inodes_count) return kCorrupt;
    uint32_t index = (inode.number - 1) % layout_.inodes_per_group;
    auto desc = read_group((inode.number - 1) / layout_.inodes_per_group);
    auto ref = desc.is_error() ? ErrorOr<BlockRef>(desc.error())
                               : cache_.get(desc.value().inode_table +
                                            static_cast<uint32_t>(uint64_t{index} * layout_.inode_size / layout_.block_size));
    if (ref.is_error()) {
        inodes_.forget(inode.number);  // the table keeps what it held; the cache must not differ
        return ref.error();
    }
    uint8_t* record = ref.value().data() + uint64_t{index} * layout_.inode_size % layout_.block_size;
    base::mem_copy(record, &inode.raw, mirrored_bytes(layout_));
    ref.value().mark_dirty();
    if (mirrored_bytes(layout_) == sizeof(RawInode)) {
        inodes_.put(inode);
    } else {  // kept as read_inode decodes a 128-byte record: nothing past it
        Inode stored;
        stored.number = inode.number;
        base::mem_copy(&stored.raw, &inode.raw, mirrored_bytes(layout_));
        stored.raw.extra_isize = 0;
        inodes_.put(stored);
    }
    return {};
}

ErrorOr<Inode> Volume::new_inode(uint32_t parent, uint16_t mode) {
    bool directory = (mode & kModeTypeMask) == kModeDirectory;
    uint32_t ino = TRY(allocate_inode(parent, directory));
    Inode inode;
    inode.number = ino;
    inode.raw.mode = mode;
    inode.raw.extra_isize = static_cast<uint16_t>(layout_.new_extra_isize);
    Timestamp t = now();
    stamp_times(inode, t, true, true, true);
    if (inode.has_extra(kCrtimeExtraEnd)) {
        inode.raw.crtime = static_cast<uint32_t>(t.seconds);
        inode.raw.crtime_extra = encode_extra(t);
    }
    inode.raw.generation = static_cast<uint32_t>(ino * 2654435761u) ^ t.nanoseconds ^ static_cast<uint32_t>(t.seconds);
    // Zero the whole record first: bytes past Inode::raw (in-inode extended
    // attributes of a former owner) must not survive.
    uint32_t index = (ino - 1) % layout_.inodes_per_group;
    RawGroupDesc desc = TRY(read_group((ino - 1) / layout_.inodes_per_group));
    uint64_t byte = uint64_t{index} * layout_.inode_size;
    BlockRef ref = TRY(cache_.get(desc.inode_table + static_cast<uint32_t>(byte / layout_.block_size)));
    base::mem_set(ref.data() + byte % layout_.block_size, 0, layout_.inode_size);
    ref.mark_dirty();
    ref.reset();
    inodes_.forget(ino);  // the record changed under it
    TRY(write_inode(inode));
    return inode;
}

// ---- Links and destruction -----------------------------------------------------------

namespace {

// i_block holds data pointers (not a fast symlink's text or a device
// number): Linux's rule, a symlink is fast when only its xattr block is
// counted in i_blocks.
bool has_data_blocks(const Inode& inode, uint32_t sectors_per_block) {
    if (inode.is_regular() || inode.is_directory()) return true;
    if (!inode.is_symlink()) return false;
    uint32_t xattr = inode.raw.file_acl ? sectors_per_block : 0;
    return inode.raw.blocks > xattr;
}

}  // namespace

ErrorOr<void> Volume::release_xattr_block(Inode& inode) {
    uint32_t block = inode.raw.file_acl;
    if (block == 0) return {};
    if (!block_in_range(block)) return kCorrupt;
    BlockRef ref = TRY(cache_.get(block));
    uint32_t header[3];  // magic, reference count, blocks
    base::mem_copy(header, ref.data(), sizeof(header));
    if (header[0] != kXattrMagic || header[1] == 0 || header[2] != 1) return kCorrupt;
    if (header[1] > 1) {
        header[1]--;
        base::mem_copy(ref.data(), header, sizeof(header));
        ref.mark_dirty();
    } else {
        ref.reset();
        TRY(free_block(block));
    }
    inode.raw.file_acl = 0;
    inode.raw.blocks = inode.raw.blocks >= layout_.sectors_per_block ? inode.raw.blocks - layout_.sectors_per_block : 0;
    return {};
}

ErrorOr<void> Volume::destroy_inode(Inode& inode) {
    bool directory = inode.is_directory();
    auto released = [&]() -> ErrorOr<void> {
        if (has_data_blocks(inode, layout_.sectors_per_block)) TRY(free_blocks_from(inode, 0));
        return release_xattr_block(inode);
    }();
    if (released.is_error()) {
        (void)write_inode(inode);  // the pointers left match the bitmap
        return released.error();
    }
    inode.raw.links_count = 0;
    inode.raw.size = 0;
    inode.raw.size_high = 0;
    inode.raw.blocks = 0;
    base::mem_set(inode.raw.block, 0, sizeof(inode.raw.block));
    inode.raw.dtime = static_cast<uint32_t>(now().seconds);
    TRY(write_inode(inode));
    return free_inode_number(inode.number, directory);
}

ErrorOr<void> Volume::drop_link(Inode& inode) {
    if (inode.raw.links_count == 0) return kCorrupt;
    inode.raw.links_count--;
    stamp_times(inode, now(), false, false, true);
    if (inode.raw.links_count == 0 && !is_retained(inode.number)) return destroy_inode(inode);
    return write_inode(inode);
}

}  // namespace ext2
