// Directories at the volume level: finding, adding, removing and
// re-pointing records across a directory's blocks, emptiness, "..", and
// listing. Every block is checked (dir_block_valid) before it is used, and
// again after any change to it or a new read from the device (the cache
// keeps the mark, BlockRef::checked), so a corrupt record is reported,
// never followed. A directory with an
// htree index (kFlagIndex) is read as the plain directory its leaf blocks
// make (index blocks look like empty records); a change clears the flag, as
// Linux's ext2 does, so the stale index is never trusted again.
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

ErrorOr<Inode> Volume::read_directory(uint32_t ino) {
    Inode dir = TRY(read_inode(ino));
    TRY(check_directory(dir));
    return dir;
}

ErrorOr<void> Volume::check_directory(const Inode& dir) {
    if (!dir.is_directory()) return Error::NotDirectory;
    uint64_t size = dir.size();
    uint64_t most = uint64_t{layout_.blocks_count} * layout_.block_size;
    if (size == 0 || size % layout_.block_size != 0 || size > most) return kCorrupt;
    return {};
}

ErrorOr<void> Volume::check_dir_block(BlockRef& ref) {
    if (ref.checked()) return {};
    if (!dir_block_valid(ref.data(), layout_.block_size, layout_.inodes_count, layout_.filetype)) return kCorrupt;
    ref.set_checked();
    return {};
}

ErrorOr<BlockRef> Volume::dir_block(const Inode& dir, uint32_t index) {
    uint32_t block = TRY(map_block(dir, index));
    if (block == 0) return kCorrupt;  // directories have no holes
    BlockRef ref = TRY(cache_.get(block));
    TRY(check_dir_block(ref));
    return ref;
}

ErrorOr<bool> Volume::find_entry(const Inode& dir, Name name, EntryPlace* place) {
    uint32_t blocks = static_cast<uint32_t>(dir.size() / layout_.block_size);
    place->room = kNoOffset;
    for (uint32_t i = 0; i < blocks; i++) {
        BlockRef ref = TRY(dir_block(dir, i));
        uint32_t previous = kNoOffset;
        for (uint32_t offset = 0; offset < layout_.block_size;) {
            DirRecord r = dir_record(ref.data(), offset);
            if (r.inode != 0 && name.equals(r.name, r.name_len)) {
                *place = EntryPlace{ref.block(), offset, previous, r.inode, r.file_type, kNoOffset};
                return true;
            }
            previous = offset;
            offset += r.rec_len;
        }
        // The same pass notes where the name would go (add_entry starts there).
        if (place->room == kNoOffset &&
            dir_block_has_room(ref.data(), layout_.block_size, static_cast<uint32_t>(name.length)))
            place->room = i;
    }
    return false;
}

// Before a directory's records change: its htree index goes (see above).
void Volume::changing_directory(Inode& dir) { dir.raw.flags &= ~kFlagIndex; }

// Adds a record, in the first block from `first_room` with a gap for it
// (kNoOffset: none has one, a block is added).
ErrorOr<void> Volume::add_entry(Inode& dir, Name name, uint32_t ino, FileType type, uint32_t first_room) {
    changing_directory(dir);
    FileType stored = static_cast<FileType>(record_type(type));
    uint32_t blocks = static_cast<uint32_t>(dir.size() / layout_.block_size);
    bool added = false;
    for (uint32_t i = first_room; i < blocks && !added; i++) {
        BlockRef ref = TRY(dir_block(dir, i));
        if (dir_block_insert(ref.data(), layout_.block_size, ino, name, stored)) {
            ref.mark_dirty();
            added = true;
        }
    }
    ErrorOr<void> status;
    if (!added) {
        // A new block at the end. Directory sizes are 32 bits.
        if (dir.size() + layout_.block_size > UINT32_MAX) return Error::FileTooBig;
        bool fresh = false;
        auto block = map_or_allocate(dir, blocks, &fresh);
        if (block.is_error()) {
            status = block.error();
        } else {
            auto ref = cache_.get_zeroed(block.value());
            if (ref.is_error()) {
                status = ref.error();
            } else {
                dir_block_format_empty(ref.value().data(), layout_.block_size);
                dir_block_insert(ref.value().data(), layout_.block_size, ino, name, stored);
                ref.value().mark_dirty();
                dir.set_size(dir.size() + layout_.block_size);
            }
        }
    }
    if (!status.is_error()) stamp_times(dir, now(), false, true, true);
    TRY(write_inode(dir));  // even after an error: a block may have been mapped
    return status;
}

namespace {

// The record at place.offset still names place.inode (the block may have been
// re-read from the device since it was found).
bool place_holds(const uint8_t* block, uint32_t offset, uint32_t inode) {
    return dir_record(block, offset).inode == inode;
}

}  // namespace

ErrorOr<void> Volume::remove_entry(Inode& dir, const EntryPlace& place) {
    changing_directory(dir);
    BlockRef ref = TRY(cache_.get(place.block));
    TRY(check_dir_block(ref));
    if (!place_holds(ref.data(), place.offset, place.inode)) return kCorrupt;
    dir_block_remove(ref.data(), place.offset, place.previous);
    ref.mark_dirty();
    ref.reset();
    stamp_times(dir, now(), false, true, true);
    return write_inode(dir);
}

ErrorOr<void> Volume::retarget_entry(Inode& dir, const EntryPlace& place, uint32_t ino, FileType type) {
    changing_directory(dir);
    BlockRef ref = TRY(cache_.get(place.block));
    TRY(check_dir_block(ref));
    if (!place_holds(ref.data(), place.offset, place.inode)) return kCorrupt;
    dir_block_retarget(ref.data(), place.offset, ino, static_cast<FileType>(record_type(type)));
    ref.mark_dirty();
    ref.reset();
    stamp_times(dir, now(), false, true, true);
    return write_inode(dir);
}

ErrorOr<bool> Volume::directory_empty(const Inode& dir) {
    uint32_t blocks = static_cast<uint32_t>(dir.size() / layout_.block_size);
    for (uint32_t i = 0; i < blocks; i++) {
        BlockRef ref = TRY(dir_block(dir, i));
        for (uint32_t offset = 0; offset < layout_.block_size;) {
            DirRecord r = dir_record(ref.data(), offset);
            Name name(r.name, r.name_len);
            if (r.inode != 0 && !name.is_dot() && !name.is_dot_dot()) return false;
            offset += r.rec_len;
        }
    }
    return true;
}

namespace {

// The ".." record of a directory's first block: the second record, after ".".
bool find_dot_dot(const uint8_t* block, uint32_t block_size, DirRecord* out) {
    DirRecord dot = dir_record(block, 0);
    if (!Name(dot.name, dot.name_len).is_dot() || dot.rec_len >= block_size) return false;
    DirRecord dot_dot = dir_record(block, dot.rec_len);
    if (!Name(dot_dot.name, dot_dot.name_len).is_dot_dot() || dot_dot.inode == 0) return false;
    *out = dot_dot;
    return true;
}

}  // namespace

ErrorOr<uint32_t> Volume::parent_of(const Inode& dir) {
    BlockRef ref = TRY(dir_block(dir, 0));
    DirRecord dot_dot;
    if (!find_dot_dot(ref.data(), layout_.block_size, &dot_dot)) return kCorrupt;
    return dot_dot.inode;
}

// Re-points ".." (a directory moved to another parent). An htree root keeps
// its index: the record's inode is not part of it.
ErrorOr<void> Volume::set_parent(Inode& dir, uint32_t parent) {
    BlockRef ref = TRY(dir_block(dir, 0));
    DirRecord dot_dot;
    if (!find_dot_dot(ref.data(), layout_.block_size, &dot_dot)) return kCorrupt;
    dir_block_retarget(ref.data(), dot_dot.offset, parent, static_cast<FileType>(record_type(FileType::Directory)));
    ref.mark_dirty();
    return {};
}

ErrorOr<bool> Volume::read_dir(uint32_t ino, uint64_t* cookie, DirEntry* entry) {
    return TRY(read_dir(ino, cookie, entry, 1)) == 1;
}

// One pass over the blocks from the cookie on: each block is checked once
// per call, not once per entry, so listing a directory is linear in its size.
ErrorOr<size_t> Volume::read_dir(uint32_t ino, uint64_t* cookie, DirEntry* entries, size_t max) {
    if (!mounted_) return Error::BadArgument;
    Inode dir = TRY(read_directory(ino));
    if (dir.raw.links_count == 0) return size_t{0};  // removed while open: empty
    uint64_t size = dir.size();
    size_t got = 0;
    uint64_t pos = *cookie;
    while (pos < size && got < max) {
        uint32_t index = static_cast<uint32_t>(pos / layout_.block_size);
        uint32_t within = static_cast<uint32_t>(pos % layout_.block_size);
        BlockRef ref = TRY(dir_block(dir, index));
        // Used records at or after the cookie (which may point inside a
        // record merged away since).
        pos = uint64_t{index + 1} * layout_.block_size;
        for (uint32_t offset = 0; offset < layout_.block_size && got < max;) {
            DirRecord r = dir_record(ref.data(), offset);
            if (offset >= within && r.inode != 0) {
                DirEntry* entry = &entries[got++];
                entry->ino = r.inode;
                entry->name_length = r.name_len;
                base::mem_copy(entry->name, r.name, r.name_len);
                entry->name[r.name_len] = '\0';
                entry->type = r.file_type <= static_cast<uint8_t>(FileType::Symlink) ? static_cast<FileType>(r.file_type)
                                                                                     : FileType::Unknown;
                entry->next = uint64_t{index} * layout_.block_size + offset + r.rec_len;
                if (got == max) pos = entry->next;
            }
            offset += r.rec_len;
        }
    }
    // Without the filetype feature the type is the inode's (read once the
    // directory block is no longer pinned).
    if (!layout_.filetype)
        for (size_t i = 0; i < got; i++) entries[i].type = file_type_of_mode(TRY(read_inode(entries[i].ino)).raw.mode);
    *cookie = got == max ? pos : size;
    return got;
}

}  // namespace ext2
