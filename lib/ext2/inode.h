// An inode in memory: its number and a copy of its on-disk record (the
// first 128 bytes, plus the large-inode fields when the volume has them).
// Field helpers: type, 64-bit size, timestamps with their extra bits.
#pragma once

#include <stdint.h>

#include "ext2/device.h"
#include "ext2/format.h"

namespace ext2 {

struct Inode {
    uint32_t number = 0;
    RawInode raw{};

    uint16_t type() const { return raw.mode & kModeTypeMask; }
    bool is_directory() const { return type() == kModeDirectory; }
    bool is_regular() const { return type() == kModeRegular; }
    bool is_symlink() const { return type() == kModeSymlink; }
    // Regular files keep the size's high half in size_high; for others it
    // is i_dir_acl, not part of the size.
    uint64_t size() const { return is_regular() ? (static_cast<uint64_t>(raw.size_high) << 32) | raw.size : raw.size; }
    void set_size(uint64_t size) {
        raw.size = static_cast<uint32_t>(size);
        if (is_regular()) raw.size_high = static_cast<uint32_t>(size >> 32);
    }
    // The large-inode field ending at byte `end` is present.
    bool has_extra(uint32_t end) const { return uint32_t{kGoodOldInodeSize} + raw.extra_isize >= end; }
};

// The directory-record type of an inode mode.
FileType file_type_of_mode(uint16_t mode);

// Sets the times whose flag is given to `now` (extra fields when present).
void stamp_times(Inode& inode, Timestamp now, bool atime, bool mtime, bool ctime);
void set_atime(Inode& inode, Timestamp t);
void set_mtime(Inode& inode, Timestamp t);
// A time field with its extra word (epoch bits and nanoseconds) if present.
Timestamp get_atime(const Inode& inode);
Timestamp get_mtime(const Inode& inode);
Timestamp get_ctime(const Inode& inode);
Timestamp get_crtime(const Inode& inode);

}  // namespace ext2
