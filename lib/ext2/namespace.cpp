// Operations on names: lookup, create, mkdir, symlink, readlink, link,
// unlink, rmdir and rename. Each checks everything it can before it changes
// anything, and changes things in an order that keeps the counts right if a
// later step fails for lack of space: the new name first, then the old one
// goes, then link counts.
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

namespace {

ErrorOr<void> check_name(Name name) {
    if (name.length > kMaxNameLength) return Error::TooLong;
    if (!name_valid(name)) return Error::BadArgument;
    return {};
}

// More directories than a path of rvos::kMaxPathLength bytes can nest;
// walking ".." further means a loop in a corrupt image.
constexpr uint32_t kMaxDepth = 65536;

}  // namespace

ErrorOr<uint32_t> Volume::lookup(uint32_t dir_ino, Name name) {
    if (!mounted_) return Error::BadArgument;
    return lookup_in(TRY(read_directory(dir_ino)), name);
}

// `dir` was read and checked by read_directory (or inode plus check_directory).
ErrorOr<uint32_t> Volume::lookup_in(const Inode& dir, Name name) {
    TRY(check_name(name));
    EntryPlace place;
    if (!TRY(find_entry(dir, name, &place))) return Error::NotFound;
    // Reserved inodes (bad blocks, resize, journal...) are never named.
    if (place.inode < layout_.first_ino && place.inode != kRootInode) return kCorrupt;
    return place.inode;
}

// Checks a name for a new entry; returns the first block with room for it.
ErrorOr<uint32_t> Volume::check_new_name(const Inode& dir, Name name) {
    TRY(check_name(name));
    if (dir.raw.links_count == 0) return Error::NotFound;  // removed while open
    EntryPlace place;
    if (TRY(find_entry(dir, name, &place))) return Error::AlreadyExists;
    return place.room;
}

// Makes an inode of `mode` (type and permissions) named `name` in `dir_ino`;
// a directory gets its first block, a symlink its target.
ErrorOr<uint32_t> Volume::make_node(uint32_t dir_ino, Name name, uint16_t mode, const char* target,
                                    size_t target_length) {
    TRY(check_writable());
    Inode dir = TRY(read_directory(dir_ino));
    uint32_t room = TRY(check_new_name(dir, name));
    bool directory = (mode & kModeTypeMask) == kModeDirectory;
    if (directory && dir.raw.links_count >= kLinkMax) return kTooManyLinks;

    Inode inode = TRY(new_inode(dir_ino, mode));
    inode.raw.links_count = directory ? 2 : 1;
    auto filled = [&]() -> ErrorOr<void> {
        if (directory) {
            bool fresh = false;
            uint32_t block = TRY(map_or_allocate(inode, 0, &fresh));
            BlockRef ref = TRY(cache_.get_zeroed(block));
            dir_block_format_first(ref.data(), layout_.block_size, inode.number, dir_ino, layout_.filetype);
            ref.mark_dirty();
            inode.set_size(layout_.block_size);
        } else if (target && target_length <= kFastSymlinkMax) {
            base::mem_copy(inode.raw.block, target, target_length);
            inode.set_size(target_length);
        } else if (target) {
            bool fresh = false;
            uint32_t block = TRY(map_or_allocate(inode, 0, &fresh));
            BlockRef ref = TRY(cache_.get_zeroed(block));
            base::mem_set(ref.data(), 0, layout_.block_size);
            base::mem_copy(ref.data(), target, target_length);
            ref.mark_dirty();
            inode.set_size(target_length);
        }
        TRY(write_inode(inode));
        return add_entry(dir, name, inode.number, file_type_of_mode(mode), room);
    }();
    if (filled.is_error()) {
        // Undo: the inode and whatever it got go back (dir's blocks stay consistent).
        (void)destroy_inode(inode);
        return filled.error();
    }
    if (directory) {
        dir.raw.links_count++;
        TRY(write_inode(dir));
    }
    return inode.number;
}

ErrorOr<uint32_t> Volume::create(uint32_t dir, Name name, uint16_t mode) {
    return make_node(dir, name, static_cast<uint16_t>(kModeRegular | (mode & kModePermissionMask)), nullptr, 0);
}

ErrorOr<uint32_t> Volume::mkdir(uint32_t dir, Name name, uint16_t mode) {
    return make_node(dir, name, static_cast<uint16_t>(kModeDirectory | (mode & kModePermissionMask)), nullptr, 0);
}

ErrorOr<uint32_t> Volume::symlink(uint32_t dir, Name name, const char* target, size_t target_length) {
    if (target_length == 0 || !target) return Error::BadArgument;
    if (target_length >= layout_.block_size) return Error::TooLong;
    if (base::mem_find_byte(target, 0, target_length)) return Error::BadArgument;
    return make_node(dir, name, kModeSymlink | 0777, target, target_length);
}

ErrorOr<size_t> Volume::readlink(uint32_t ino, char* buffer, size_t size) {
    if (!mounted_) return Error::BadArgument;
    Inode inode = TRY(read_inode(ino));
    if (!inode.is_symlink()) return Error::BadArgument;
    uint64_t length = inode.size();
    if (length == 0 || length >= layout_.block_size) return kCorrupt;
    size_t n = base::min<size_t>(static_cast<size_t>(length), size);
    uint32_t xattr = inode.raw.file_acl ? layout_.sectors_per_block : 0;
    if (inode.raw.blocks <= xattr) {
        if (length > kFastSymlinkMax) return kCorrupt;
        base::mem_copy(buffer, inode.raw.block, n);
    } else {
        uint32_t block = TRY(map_block(inode, 0));
        if (block == 0) return kCorrupt;
        BlockRef ref = TRY(cache_.get(block));
        base::mem_copy(buffer, ref.data(), n);
    }
    return n;
}

ErrorOr<void> Volume::link(uint32_t dir_ino, Name name, uint32_t ino) {
    TRY(check_writable());
    Inode dir = TRY(read_directory(dir_ino));
    uint32_t room = TRY(check_new_name(dir, name));
    Inode inode = TRY(read_inode(ino));
    if (inode.raw.links_count == 0) return Error::NotFound;
    if (inode.is_directory()) return kNotPermitted;
    if (inode.raw.links_count >= kLinkMax) return kTooManyLinks;
    TRY(add_entry(dir, name, ino, file_type_of_mode(inode.raw.mode), room));
    inode.raw.links_count++;
    stamp_times(inode, now(), false, false, true);
    return write_inode(inode);
}

ErrorOr<void> Volume::unlink(uint32_t dir_ino, Name name) {
    TRY(check_writable());
    TRY(check_name(name));
    Inode dir = TRY(read_directory(dir_ino));
    EntryPlace place;
    if (!TRY(find_entry(dir, name, &place))) return Error::NotFound;
    Inode inode = TRY(read_inode(place.inode));
    if (inode.is_directory()) return Error::IsDirectory;
    TRY(remove_entry(dir, place));
    return drop_link(inode);
}

ErrorOr<void> Volume::rmdir(uint32_t dir_ino, Name name) {
    TRY(check_writable());
    TRY(check_name(name));
    if (name.is_dot() || name.is_dot_dot()) return Error::BadArgument;
    Inode dir = TRY(read_directory(dir_ino));
    EntryPlace place;
    if (!TRY(find_entry(dir, name, &place))) return Error::NotFound;
    Inode victim = TRY(read_inode(place.inode));
    if (!victim.is_directory()) return Error::NotDirectory;
    TRY(read_directory(victim.number));  // its blocks are sound before they are judged
    if (!TRY(directory_empty(victim))) return Error::NotEmpty;
    if (dir.raw.links_count > 1) dir.raw.links_count--;  // its ".." goes
    TRY(remove_entry(dir, place));
    victim.raw.links_count = 0;
    stamp_times(victim, now(), false, false, true);
    if (is_retained(victim.number)) return write_inode(victim);
    return destroy_inode(victim);
}

// BadArgument if `moved` is `dir` or one of its ancestors.
ErrorOr<void> Volume::check_is_ancestor(uint32_t dir, uint32_t moved) {
    uint32_t current = dir;
    for (uint32_t depth = 0; depth < kMaxDepth; depth++) {
        if (current == moved) return Error::BadArgument;
        if (current == kRootInode) return {};
        Inode inode = TRY(read_directory(current));
        current = TRY(parent_of(inode));
    }
    return kCorrupt;
}

ErrorOr<void> Volume::rename(uint32_t from_ino, Name from, uint32_t to_ino, Name to) {
    TRY(check_writable());
    TRY(check_name(from));
    TRY(check_name(to));
    if (from.is_dot() || from.is_dot_dot() || to.is_dot() || to.is_dot_dot()) return Error::BadArgument;
    bool same_dir = from_ino == to_ino;
    Inode from_dir = TRY(read_directory(from_ino));
    Inode other_dir;
    if (!same_dir) other_dir = TRY(read_directory(to_ino));
    Inode& to_dir = same_dir ? from_dir : other_dir;
    if (to_dir.raw.links_count == 0) return Error::NotFound;

    EntryPlace source;
    if (!TRY(find_entry(from_dir, from, &source))) return Error::NotFound;
    Inode moved = TRY(read_inode(source.inode));
    bool moving_dir = moved.is_directory();
    EntryPlace target;
    bool replacing = TRY(find_entry(to_dir, to, &target));
    Inode old;
    if (replacing) {
        if (target.inode == moved.number) return {};  // two names of one inode: nothing to do
        old = TRY(read_inode(target.inode));
        if (moving_dir && !old.is_directory()) return Error::NotDirectory;
        if (!moving_dir && old.is_directory()) return Error::IsDirectory;
        if (old.is_directory()) {
            TRY(read_directory(old.number));
            if (!TRY(directory_empty(old))) return Error::NotEmpty;
        }
    }
    if (moving_dir && !same_dir) {
        TRY(check_is_ancestor(to_ino, moved.number));
        if (!replacing && to_dir.raw.links_count >= kLinkMax) return kTooManyLinks;
    }

    // 1. The new name (the only step that can run out of space).
    FileType type = file_type_of_mode(moved.raw.mode);
    if (replacing) {
        TRY(retarget_entry(to_dir, target, moved.number, type));
    } else {
        TRY(add_entry(to_dir, to, moved.number, type, target.room));
    }
    // 2. The old name, found again: adding may have split its block's records.
    if (!TRY(find_entry(from_dir, from, &source)) || source.inode != moved.number) return kCorrupt;
    TRY(remove_entry(from_dir, source));
    // 3. Link counts: a replaced directory's ".." leaves the target parent; a
    // directory moving between parents takes its ".." along.
    if (replacing && old.is_directory() && to_dir.raw.links_count > 1) to_dir.raw.links_count--;
    if (moving_dir && !same_dir) {
        TRY(set_parent(moved, to_ino));
        if (from_dir.raw.links_count > 1) from_dir.raw.links_count--;
        to_dir.raw.links_count++;
    }
    TRY(write_inode(from_dir));
    if (!same_dir) TRY(write_inode(to_dir));
    stamp_times(moved, now(), false, false, true);
    TRY(write_inode(moved));
    // 4. What the new name pointed at loses that link.
    if (replacing) {
        if (old.is_directory()) {
            old.raw.links_count = 0;
            stamp_times(old, now(), false, false, true);
            if (is_retained(old.number)) return write_inode(old);
            return destroy_inode(old);
        }
        return drop_link(old);
    }
    return {};
}

}  // namespace ext2
