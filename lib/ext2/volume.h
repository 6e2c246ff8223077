// An ext2 volume: the file-system operations a server offers, on inode
// numbers (plus a path resolver inside the volume). One Volume is one
// mounted image over a BlockDevice; it is single-threaded and allocates
// nothing: the block cache and the open-inode table live in memory the
// caller passes to mount().
//
// Every operation either completes or returns an error with the volume
// still consistent (bitmaps, group and superblock counters, link counts),
// except that a device error or a corrupt image can stop an operation part
// way; corruption is reported as kCorrupt, never followed out of bounds.
// Changes reach the device when the cache writes them back: sync(),
// flush_if_older_than(), unmount(), or eviction. See docs/ext2.md.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ext2/cache.h"
#include "ext2/device.h"
#include "ext2/dirent.h"
#include "ext2/inode.h"
#include "ext2/inode_cache.h"
#include "ext2/superblock.h"

namespace ext2 {

// A server should write back at most this long after a change (issue 12).
inline constexpr uint64_t kWriteBackDelayNs = 5'000'000'000ull;
// Symbolic links resolve() follows for one path, in all (Linux's limit).
inline constexpr uint32_t kMaxSymlinkHops = 40;
// A name the format holds is a name the ABI carries.
static_assert(kMaxNameLength == rvos::kMaxFileNameLength);

struct MountOptions {
    bool read_only = false;
    // Allocation may use the blocks reserved for the superuser.
    bool use_reserved_blocks = false;
    // Inodes held open (retain) at once; carved from the mount memory.
    uint32_t max_open_inodes = 256;
    // Decoded inodes kept (see inode_cache.h), a power of two; also carved
    // from the mount memory.
    uint32_t cached_inodes = InodeCache::kDefaultEntries;
};

struct Stat {
    uint32_t ino;
    FileType type;
    uint16_t mode;       // type and permission bits, as on disk
    uint16_t links;
    uint32_t uid;
    uint32_t gid;
    uint64_t size;
    uint64_t sectors;    // 512-byte units allocated (indirect blocks included)
    uint32_t flags;      // i_flags
    Timestamp atime;
    Timestamp mtime;
    Timestamp ctime;
};

struct DirEntry {
    uint32_t ino;
    FileType type;
    uint32_t name_length;
    char name[kMaxNameLength + 1];  // NUL-terminated
    uint64_t next;                  // the cookie just past this entry
};

struct VolumeInfo {
    uint32_t block_size;
    uint32_t blocks;
    uint32_t free_blocks;
    uint32_t available_blocks;  // free minus the superuser's reserve
    uint32_t inodes;
    uint32_t free_inodes;
};

class Volume {
public:
    Volume() = default;
    Volume(const Volume&) = delete;
    Volume& operator=(const Volume&) = delete;

    // The memory mount() needs for a cache of `cache_blocks` blocks of
    // `block_size` bytes, a table of `max_open_inodes` and the inode cache
    // of MountOptions::cached_inodes (at its default).
    static size_t memory_for(uint32_t cache_blocks, uint32_t block_size,
                             uint32_t max_open_inodes = MountOptions{}.max_open_inodes,
                             uint32_t cached_inodes = MountOptions{}.cached_inodes);

    // Reads and checks the superblock and every group descriptor. Errors:
    // Unsupported (a feature or block size this library does not serve),
    // kCorrupt, BadArgument (cached_inodes not a power of two, or 0),
    // NoMemory (memory for fewer than BlockCache::kMinSlots blocks), or the
    // device's error. A writable mount marks the volume
    // not clean on disk until unmount().
    ErrorOr<void> mount(BlockDevice& device, Clock& clock, void* memory, size_t memory_bytes,
                        const MountOptions& options = {});
    // Frees inodes that were unlinked while open, writes everything back,
    // marks the volume clean and flushes the device.
    ErrorOr<void> unmount();
    bool mounted() const { return mounted_; }
    bool read_only() const { return options_.read_only; }
    static constexpr uint32_t root() { return kRootInode; }

    // ---- Names ---------------------------------------------------------------
    // Errors common to the calls taking a directory and a name: NotDirectory
    // (dir is not one), BadArgument (an empty name, '/' or NUL in it),
    // TooLong (over kMaxNameLength bytes), kCorrupt.
    ErrorOr<uint32_t> lookup(uint32_t dir, Name name);
    // A '/'-separated path from the volume root ("" and "/" are the root;
    // ".." at the root stays there), at most rvos::kMaxPathLength bytes.
    // Symbolic links are followed (an absolute target from the volume
    // root), the last component only if `follow_last`. NotFound,
    // NotDirectory, TooLong, kSymlinkLoop. Uses 8 KiB of stack.
    ErrorOr<uint32_t> resolve(const char* path, bool follow_last = true);
    // The directory holding the last component of `path`, and that
    // component (pointing into `path`); BadArgument if there is none.
    ErrorOr<uint32_t> resolve_parent(const char* path, Name* last);

    // The entry at or after `*cookie` (0 for the first); advances the
    // cookie. Returns false at the end. "." and ".." are entries.
    ErrorOr<bool> read_dir(uint32_t dir, uint64_t* cookie, DirEntry* entry);
    // Up to `max` entries from `*cookie` on, in one pass; advances the
    // cookie past the last. Returns how many (0 at the end).
    ErrorOr<size_t> read_dir(uint32_t dir, uint64_t* cookie, DirEntry* entries, size_t max);

    // New inodes: AlreadyExists if the name is taken, kNoSpace without a
    // free inode or block, kTooManyLinks for a directory under a parent
    // with kLinkMax links. `mode` gives the permission bits.
    ErrorOr<uint32_t> create(uint32_t dir, Name name, uint16_t mode);
    ErrorOr<uint32_t> mkdir(uint32_t dir, Name name, uint16_t mode);
    // A target shorter than 60 bytes is kept in the inode; longer ones (up
    // to block size - 1, else TooLong) in one block. Empty: BadArgument.
    ErrorOr<uint32_t> symlink(uint32_t dir, Name name, const char* target, size_t target_length);
    ErrorOr<size_t> readlink(uint32_t ino, char* buffer, size_t size);
    // A hard link: kNotPermitted for a directory, kTooManyLinks.
    ErrorOr<void> link(uint32_t dir, Name name, uint32_t ino);
    // Removes a name that is not a directory (IsDirectory). The inode is
    // freed with its last link unless it is retained.
    ErrorOr<void> unlink(uint32_t dir, Name name);
    // Removes an empty directory (NotEmpty); "." and ".." are BadArgument.
    ErrorOr<void> rmdir(uint32_t dir, Name name);
    // Renames within the volume, replacing an existing target the way POSIX
    // does (a file over a file, a directory over an empty directory; else
    // IsDirectory / NotDirectory / NotEmpty). Moving a directory into itself
    // or below itself is BadArgument. The new name exists before the old
    // one goes; if adding it fails nothing has changed.
    ErrorOr<void> rename(uint32_t from_dir, Name from, uint32_t to_dir, Name to);

    // ---- Inodes ----------------------------------------------------------------
    ErrorOr<Stat> stat(uint32_t ino);
    // Sets the permission bits (ctime = now).
    ErrorOr<void> set_mode(uint32_t ino, uint16_t mode);
    // Sets atime and/or mtime (nullptr leaves one as it is; ctime = now).
    ErrorOr<void> set_times(uint32_t ino, const Timestamp* atime, const Timestamp* mtime);

    // ---- File data (regular files; IsDirectory for a directory, BadArgument
    // for other types) --------------------------------------------------------------
    // Up to `length` bytes at `offset` (fewer at the end; holes read as
    // zeros). Updates atime the relatime way, unless not `access_time`.
    ErrorOr<size_t> read(uint32_t ino, uint64_t offset, void* buffer, size_t length, bool access_time = true);
    // Writes, allocating blocks as needed (a gap becomes a hole). FileTooBig
    // past the format's largest file. If space runs out part way, the bytes
    // written so far are kept and counted; kNoSpace if none were.
    ErrorOr<size_t> write(uint32_t ino, uint64_t offset, const void* data, size_t length);
    // Sets the size; shrinking frees the blocks past it, indirect blocks
    // included; growing leaves a hole.
    ErrorOr<void> truncate(uint32_t ino, uint64_t size);
    uint64_t max_file_size() const { return layout_.max_file_size(); }

    // ---- Open inodes -------------------------------------------------------------
    // A retained inode outlives its last link until its last release.
    // retain: NoMemory when max_open_inodes are retained.
    ErrorOr<void> retain(uint32_t ino);
    ErrorOr<void> release(uint32_t ino);

    // ---- Write-back ----------------------------------------------------------------
    // Every change to the device, then a device flush.
    ErrorOr<void> sync();
    ErrorOr<void> fsync(uint32_t) { return sync(); }
    // sync() if the oldest unwritten change was made at or before `cutoff_ns`
    // (monotonic); returns whether it synced. A server calls it with
    // now - kWriteBackDelayNs, at the latest dirty_since_ns() + kWriteBackDelayNs.
    ErrorOr<bool> flush_if_older_than(uint64_t cutoff_ns);
    bool has_unwritten() const { return cache_.has_dirty(); }
    uint64_t dirty_since_ns() const { return cache_.dirty_since_ns(); }

    VolumeInfo info() const;
    const Layout& layout() const { return layout_; }
    const CacheStats& cache_stats() const { return cache_.stats(); }
    const BlockCache& cache() const { return cache_; }
    const InodeCache& inode_cache() const { return inodes_; }

private:
    struct OpenInode {
        uint32_t ino;
        uint32_t count;
    };
    // Where a directory record is: for changing or removing it.
    struct EntryPlace {
        uint32_t block;     // physical block
        uint32_t offset;
        uint32_t previous;  // offset of the record before it, or kNoOffset
        uint32_t inode;
        uint8_t file_type;
        // When the name was not found: the first block (index) with room
        // for it, or kNoOffset.
        uint32_t room;
    };

    // groups.cpp: descriptors and counters.
    ErrorOr<RawGroupDesc> read_group(uint32_t group);
    ErrorOr<void> store_super();
    ErrorOr<void> count_change(uint32_t group, int32_t blocks, int32_t inodes, int32_t dirs);

    // alloc.cpp: bitmaps.
    ErrorOr<uint32_t> allocate_block(uint32_t goal);
    ErrorOr<void> free_block(uint32_t block);
    ErrorOr<uint32_t> allocate_inode(uint32_t parent, bool directory);
    ErrorOr<void> free_inode_number(uint32_t ino, bool directory);

    // inode.cpp: inode records.
    ErrorOr<Inode> read_inode(uint32_t ino);
    ErrorOr<void> write_inode(const Inode& inode);
    ErrorOr<Inode> new_inode(uint32_t parent, uint16_t mode);
    ErrorOr<void> destroy_inode(Inode& inode);
    ErrorOr<void> drop_link(Inode& inode);
    ErrorOr<void> release_xattr_block(Inode& inode);
    bool is_retained(uint32_t ino) const;
    Timestamp now() { return clock_->now(); }

    // block_map.cpp: logical to physical blocks.
    ErrorOr<uint32_t> map_block(const Inode& inode, uint32_t logical);
    ErrorOr<uint32_t> map_or_allocate(Inode& inode, uint32_t logical, bool* fresh);
    ErrorOr<void> free_blocks_from(Inode& inode, uint64_t first);
    ErrorOr<bool> free_subtree(Inode& inode, uint32_t block, uint32_t depth, uint64_t first);
    ErrorOr<void> release_block(Inode& inode, uint32_t block);
    ErrorOr<uint32_t> allocate_for(Inode& inode, uint32_t goal, bool zero);
    bool block_in_range(uint32_t block) const { return block >= layout_.first_data_block && block < layout_.blocks_count; }

    // file.cpp: data.
    ErrorOr<void> zero_tail(Inode& inode, uint64_t from);
    ErrorOr<void> allow_size(uint64_t size);

    // directory.cpp: records in directories.
    ErrorOr<Inode> read_directory(uint32_t ino);
    // The checks read_directory makes, on an inode already read.
    ErrorOr<void> check_directory(const Inode& dir);
    ErrorOr<uint32_t> lookup_in(const Inode& dir, Name name);
    // Checks a directory block's records unless checked since it last changed.
    ErrorOr<void> check_dir_block(BlockRef& ref);
    ErrorOr<BlockRef> dir_block(const Inode& dir, uint32_t index);
    ErrorOr<bool> find_entry(const Inode& dir, Name name, EntryPlace* place);
    ErrorOr<void> add_entry(Inode& dir, Name name, uint32_t ino, FileType type, uint32_t first_room);
    ErrorOr<void> remove_entry(Inode& dir, const EntryPlace& place);
    ErrorOr<void> retarget_entry(Inode& dir, const EntryPlace& place, uint32_t ino, FileType type);
    ErrorOr<bool> directory_empty(const Inode& dir);
    ErrorOr<uint32_t> parent_of(const Inode& dir);
    ErrorOr<void> set_parent(Inode& dir, uint32_t parent);
    void changing_directory(Inode& dir);
    uint8_t record_type(FileType type) const { return layout_.filetype ? static_cast<uint8_t>(type) : 0; }

    // namespace.cpp: names.
    ErrorOr<uint32_t> check_new_name(const Inode& dir, Name name);
    ErrorOr<void> check_is_ancestor(uint32_t dir, uint32_t moved);
    ErrorOr<uint32_t> make_node(uint32_t dir, Name name, uint16_t mode, const char* target, size_t target_length);

    // path.cpp
    ErrorOr<uint32_t> walk(uint32_t start, const char* path, size_t length, bool follow_last, uint32_t* hops);

    ErrorOr<void> check_writable() const;

    BlockDevice* device_ = nullptr;
    Clock* clock_ = nullptr;
    BlockCache cache_;
    InodeCache inodes_;
    Layout layout_{};
    RawSuperblock super_{};
    MountOptions options_;
    bool mounted_ = false;
    uint16_t mount_state_ = 0;  // s_state found at mount, restored at unmount
    OpenInode* open_ = nullptr;
    uint32_t open_count_ = 0;
    // Where the last read ended, to tell a sequential reader (file.cpp).
    struct {
        uint32_t ino = 0;
        uint64_t next = 0;
    } read_ahead_;
};

}  // namespace ext2
