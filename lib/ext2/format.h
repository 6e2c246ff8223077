// The ext2 on-disk format: the superblock, group descriptors, inodes and
// directory records as they lie on disk (little-endian, naturally aligned),
// and the constants this library relies on. Nothing here reads a device;
// see docs/ext2.md for the layout facts in prose.
#pragma once

#include <stddef.h>
#include <stdint.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ext2 structures are read in place: little-endian only");

namespace ext2 {

// ---- Fixed places and numbers -------------------------------------------------
inline constexpr uint32_t kSuperblockOffset = 1024;  // bytes from the start of the volume
inline constexpr uint32_t kSuperblockSize = 1024;
inline constexpr uint16_t kMagic = 0xEF53;
inline constexpr uint32_t kMinBlockSize = 1024;
inline constexpr uint32_t kMaxBlockSize = 4096;  // larger blocks are refused (Unsupported)

inline constexpr uint32_t kRootInode = 2;
inline constexpr uint32_t kGoodOldFirstInode = 11;  // revision 0: first non-reserved inode
inline constexpr uint16_t kGoodOldInodeSize = 128;
inline constexpr uint32_t kMaxNameLength = 255;
inline constexpr uint16_t kLinkMax = 32000;  // EXT2_LINK_MAX: links of one inode

// i_block: 12 direct pointers, then one single, one double, one triple
// indirect pointer.
inline constexpr uint32_t kDirectBlocks = 12;
inline constexpr uint32_t kSingleIndirect = 12;
inline constexpr uint32_t kDoubleIndirect = 13;
inline constexpr uint32_t kTripleIndirect = 14;
inline constexpr uint32_t kBlockPointers = 15;
// A symlink target shorter than this lives in i_block itself ("fast").
inline constexpr uint32_t kFastSymlinkMax = kBlockPointers * 4 - 1;

// s_state
inline constexpr uint16_t kStateValid = 1;   // cleanly unmounted
inline constexpr uint16_t kStateErrors = 2;  // errors detected

// s_rev_level
inline constexpr uint32_t kRevisionGoodOld = 0;
inline constexpr uint32_t kRevisionDynamic = 1;

// ---- Features ------------------------------------------------------------------
// compat: a driver that does not know them may still write.
inline constexpr uint32_t kCompatDirPrealloc = 0x1;
inline constexpr uint32_t kCompatImagicInodes = 0x2;
inline constexpr uint32_t kCompatHasJournal = 0x4;
inline constexpr uint32_t kCompatExtAttr = 0x8;
inline constexpr uint32_t kCompatResizeInode = 0x10;
inline constexpr uint32_t kCompatDirIndex = 0x20;
inline constexpr uint32_t kCompatSparseSuper2 = 0x200;  // backups in two chosen groups: refused
// incompat: a driver that does not know one must not mount at all.
inline constexpr uint32_t kIncompatCompression = 0x1;
inline constexpr uint32_t kIncompatFiletype = 0x2;
inline constexpr uint32_t kIncompatRecover = 0x4;
inline constexpr uint32_t kIncompatMetaBg = 0x10;
inline constexpr uint32_t kIncompatExtents = 0x40;
inline constexpr uint32_t kIncompat64Bit = 0x80;
inline constexpr uint32_t kIncompatFlexBg = 0x200;
// The only incompat feature this library implements.
inline constexpr uint32_t kIncompatSupported = kIncompatFiletype;
// ro_compat: a driver that does not know one may only read.
inline constexpr uint32_t kRoCompatSparseSuper = 0x1;
inline constexpr uint32_t kRoCompatLargeFile = 0x2;
inline constexpr uint32_t kRoCompatBtreeDir = 0x4;
inline constexpr uint32_t kRoCompatHugeFile = 0x8;
inline constexpr uint32_t kRoCompatGdtCsum = 0x10;
inline constexpr uint32_t kRoCompatDirNlink = 0x20;
inline constexpr uint32_t kRoCompatExtraIsize = 0x40;
inline constexpr uint32_t kRoCompatMetadataCsum = 0x400;
// The ro_compat features a writable mount keeps right: sparse backups (only
// read), large files (set when a file passes 2 GiB), the unused btree flag,
// and the extra inode size (new inodes get s_want_extra_isize).
inline constexpr uint32_t kRoCompatSupported =
    kRoCompatSparseSuper | kRoCompatLargeFile | kRoCompatBtreeDir | kRoCompatExtraIsize;

// ---- Inode fields --------------------------------------------------------------
// i_mode: the file type in the top four bits, permissions below.
inline constexpr uint16_t kModeTypeMask = 0xF000;
inline constexpr uint16_t kModeFifo = 0x1000;
inline constexpr uint16_t kModeCharDevice = 0x2000;
inline constexpr uint16_t kModeDirectory = 0x4000;
inline constexpr uint16_t kModeBlockDevice = 0x6000;
inline constexpr uint16_t kModeRegular = 0x8000;
inline constexpr uint16_t kModeSymlink = 0xA000;
inline constexpr uint16_t kModeSocket = 0xC000;
inline constexpr uint16_t kModePermissionMask = 07777;

// i_flags
inline constexpr uint32_t kFlagIndex = 0x1000;         // EXT2_INDEX_FL: directory has an htree
inline constexpr uint32_t kFlagExtents = 0x80000;      // ext4 extents: not ext2
inline constexpr uint32_t kFlagInlineData = 0x10000000;  // ext4 inline data: not ext2

// Directory record file types (with the filetype feature).
enum class FileType : uint8_t {
    Unknown = 0,
    Regular = 1,
    Directory = 2,
    CharDevice = 3,
    BlockDevice = 4,
    Fifo = 5,
    Socket = 6,
    Symlink = 7,
};

// Extended attribute block header (only its reference count is touched).
inline constexpr uint32_t kXattrMagic = 0xEA020000;

// ---- The superblock (1024 bytes at byte 1024) ------------------------------------
struct RawSuperblock {
    uint32_t inodes_count;
    uint32_t blocks_count;
    uint32_t r_blocks_count;       // reserved for the superuser
    uint32_t free_blocks_count;
    uint32_t free_inodes_count;
    uint32_t first_data_block;     // 1 with 1 KiB blocks, else 0
    uint32_t log_block_size;       // block size = 1024 << this
    uint32_t log_frag_size;
    uint32_t blocks_per_group;
    uint32_t frags_per_group;
    uint32_t inodes_per_group;
    uint32_t mtime;                // last mount
    uint32_t wtime;                // last write
    uint16_t mnt_count;
    int16_t max_mnt_count;
    uint16_t magic;
    uint16_t state;
    uint16_t errors;
    uint16_t minor_rev_level;
    uint32_t lastcheck;
    uint32_t checkinterval;
    uint32_t creator_os;
    uint32_t rev_level;
    uint16_t def_resuid;
    uint16_t def_resgid;
    // Revision 1 (dynamic) from here.
    uint32_t first_ino;
    uint16_t inode_size;
    uint16_t block_group_nr;
    uint32_t feature_compat;
    uint32_t feature_incompat;
    uint32_t feature_ro_compat;
    uint8_t uuid[16];
    char volume_name[16];
    char last_mounted[64];
    uint32_t algorithm_usage_bitmap;
    uint8_t prealloc_blocks;
    uint8_t prealloc_dir_blocks;
    uint16_t reserved_gdt_blocks;
    uint8_t journal_uuid[16];
    uint32_t journal_inum;
    uint32_t journal_dev;
    uint32_t last_orphan;
    uint32_t hash_seed[4];
    uint8_t def_hash_version;
    uint8_t jnl_backup_type;
    uint16_t desc_size;
    uint32_t default_mount_opts;
    uint32_t first_meta_bg;
    uint32_t mkfs_time;
    uint32_t jnl_blocks[17];
    uint32_t blocks_count_hi;
    uint32_t r_blocks_count_hi;
    uint32_t free_blocks_hi;
    uint16_t min_extra_isize;
    uint16_t want_extra_isize;
    uint8_t rest[1024 - 0x160];
};
static_assert(sizeof(RawSuperblock) == kSuperblockSize);
static_assert(offsetof(RawSuperblock, magic) == 0x38);
static_assert(offsetof(RawSuperblock, first_ino) == 0x54);
static_assert(offsetof(RawSuperblock, feature_ro_compat) == 0x64);
static_assert(offsetof(RawSuperblock, reserved_gdt_blocks) == 0xCE);
static_assert(offsetof(RawSuperblock, desc_size) == 0xFE);
static_assert(offsetof(RawSuperblock, want_extra_isize) == 0x15E);

// ---- A group descriptor (32 bytes; the table starts in the block after the
// superblock's) -----------------------------------------------------------------
struct RawGroupDesc {
    uint32_t block_bitmap;
    uint32_t inode_bitmap;
    uint32_t inode_table;
    uint16_t free_blocks_count;
    uint16_t free_inodes_count;
    uint16_t used_dirs_count;
    uint16_t flags;
    uint32_t exclude_bitmap;
    uint16_t block_bitmap_csum;
    uint16_t inode_bitmap_csum;
    uint16_t itable_unused;
    uint16_t checksum;
};
static_assert(sizeof(RawGroupDesc) == 32);

// ---- An inode (128 bytes, then the "large inode" fields when s_inode_size
// is bigger and i_extra_isize covers them) ------------------------------------------
struct RawInode {
    uint16_t mode;
    uint16_t uid;
    uint32_t size;          // low 32 bits
    uint32_t atime;
    uint32_t ctime;
    uint32_t mtime;
    uint32_t dtime;         // deletion time; 0 while in use
    uint16_t gid;
    uint16_t links_count;
    uint32_t blocks;        // 512-byte sectors in use, indirect and xattr blocks included
    uint32_t flags;
    uint32_t version;
    uint32_t block[kBlockPointers];
    uint32_t generation;
    uint32_t file_acl;      // extended attribute block
    uint32_t size_high;     // regular files: high 32 bits of the size
    uint32_t faddr;
    uint16_t blocks_high;   // huge_file only
    uint16_t file_acl_high;
    uint16_t uid_high;
    uint16_t gid_high;
    uint16_t checksum_lo;
    uint16_t reserved;
    // Large inode fields (offset 128).
    uint16_t extra_isize;   // bytes used past 128
    uint16_t checksum_hi;
    uint32_t ctime_extra;   // (nanoseconds << 2) | epoch bits
    uint32_t mtime_extra;
    uint32_t atime_extra;
    uint32_t crtime;
    uint32_t crtime_extra;
    uint32_t version_hi;
    uint32_t projid;
};
static_assert(sizeof(RawInode) == 160);
static_assert(offsetof(RawInode, block) == 40);
static_assert(offsetof(RawInode, extra_isize) == 128);
// Bytes of RawInode past 128 that a large inode's i_extra_isize of 32 covers.
inline constexpr uint16_t kDefaultExtraIsize = sizeof(RawInode) - kGoodOldInodeSize;

// ---- A directory record ------------------------------------------------------------
// Records tile each directory block; rec_len reaches the next one, the last
// reaches the block's end. inode 0 marks an unused record.
struct RawDirEntry {
    uint32_t inode;
    uint16_t rec_len;
    uint8_t name_len;
    uint8_t file_type;  // high byte of a 16-bit name_len without the filetype feature
};
static_assert(sizeof(RawDirEntry) == 8);

// The smallest record that holds a name of `name_length` bytes.
constexpr uint32_t dir_record_length(uint32_t name_length) { return (8 + name_length + 3) & ~3u; }
inline constexpr uint32_t kMinDirRecord = dir_record_length(1);

}  // namespace ext2
