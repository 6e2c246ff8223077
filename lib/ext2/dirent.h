// Directory blocks: names, the records that tile a block, and the pure
// operations on one block's bytes (check, read a record, insert, remove,
// format). The volume-level directory operations (directory.cpp) stand on
// these; they never touch a block that dir_block_valid() has not passed.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ext2/format.h"

namespace ext2 {

// A file name: bytes and a length, not NUL-terminated (a path component
// points into its path).
struct Name {
    const char* data = nullptr;
    size_t length = 0;

    Name() = default;
    Name(const char* text);  // NUL-terminated (at most kMaxNameLength + 1 bytes are looked at)
    Name(const char* bytes, size_t n) : data(bytes), length(n) {}

    bool equals(const char* bytes, size_t n) const;
    bool is_dot() const { return length == 1 && data[0] == '.'; }
    bool is_dot_dot() const { return length == 2 && data[0] == '.' && data[1] == '.'; }
};

// Whether a name may be stored in a directory: 1..kMaxNameLength bytes, no
// '/' and no NUL.
bool name_valid(Name name);

// One record of a checked directory block.
struct DirRecord {
    uint32_t offset;
    uint32_t inode;  // 0: unused
    uint32_t rec_len;
    uint32_t name_len;
    uint8_t file_type;
    const char* name;
};

inline constexpr uint32_t kNoOffset = ~0u;

// Whether the records tile the block: each at least kMinDirRecord bytes, a
// multiple of 4, holding its name, inside the block, the last one ending at
// its end; inode numbers at most `inodes_count`; a used record has a name.
// Without the filetype feature the type byte is the name length's high
// byte, so it must be 0.
bool dir_block_valid(const uint8_t* block, uint32_t block_size, uint32_t inodes_count, bool filetype);

// The record at `offset` of a checked block.
DirRecord dir_record(const uint8_t* block, uint32_t offset);

// Whether the block has a gap for a record holding `name_length` bytes of name.
bool dir_block_has_room(const uint8_t* block, uint32_t block_size, uint32_t name_length);

// Puts a record for `name` into the first gap big enough (an unused record
// or the slack of a used one, which is split). False if no gap fits.
bool dir_block_insert(uint8_t* block, uint32_t block_size, uint32_t inode, Name name, FileType type);

// Removes the record at `offset`; `previous` is the offset of the record
// before it in the block (kNoOffset for the first, which is only marked
// unused). The previous record absorbs the space, as Linux does.
void dir_block_remove(uint8_t* block, uint32_t offset, uint32_t previous);

// Points the record at `offset` at another inode (rename over an entry).
void dir_block_retarget(uint8_t* block, uint32_t offset, uint32_t inode, FileType type);

// An empty directory block: one unused record spanning it.
void dir_block_format_empty(uint8_t* block, uint32_t block_size);

// The first block of a new directory: "." (12 bytes) and ".." (the rest).
void dir_block_format_first(uint8_t* block, uint32_t block_size, uint32_t self, uint32_t parent, bool filetype);

}  // namespace ext2
