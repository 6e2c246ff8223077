// Directory blocks and names (see dirent.h).
#include "ext2/dirent.h"

#include "base/string.h"

namespace ext2 {

namespace {

// Fixed-size copies the compiler inlines (a few loads, not a call per
// record: checking and searching a block read every record's header).
RawDirEntry header_at(const uint8_t* block, uint32_t offset) {
    RawDirEntry e;
    __builtin_memcpy(&e, block + offset, sizeof(e));
    return e;
}

void put_header(uint8_t* block, uint32_t offset, const RawDirEntry& e) {
    __builtin_memcpy(block + offset, &e, sizeof(e));
}

}  // namespace

Name::Name(const char* text) : data(text), length(base::str_length_bounded(text, kMaxNameLength + 1)) {}

bool Name::equals(const char* bytes, size_t n) const { return n == length && base::mem_equal(bytes, data, n); }

bool name_valid(Name name) {
    if (name.length == 0 || name.length > kMaxNameLength) return false;
    for (size_t i = 0; i < name.length; i++)
        if (name.data[i] == '/' || name.data[i] == '\0') return false;
    return true;
}

bool dir_block_valid(const uint8_t* block, uint32_t block_size, uint32_t inodes_count, bool filetype) {
    uint32_t offset = 0;
    // Each record is at least kMinDirRecord bytes, so this ends within
    // block_size / kMinDirRecord steps.
    while (offset < block_size) {
        if (block_size - offset < kMinDirRecord) return false;
        RawDirEntry e = header_at(block, offset);
        if (e.rec_len < kMinDirRecord || e.rec_len % 4 != 0 || e.rec_len > block_size - offset) return false;
        if (!filetype && e.file_type != 0) return false;
        if (8u + e.name_len > e.rec_len) return false;
        if (e.inode > inodes_count) return false;
        if (e.inode != 0 && e.name_len == 0) return false;
        offset += e.rec_len;
    }
    return true;
}

DirRecord dir_record(const uint8_t* block, uint32_t offset) {
    RawDirEntry e = header_at(block, offset);
    return DirRecord{offset, e.inode, e.rec_len, e.name_len, e.file_type,
                     reinterpret_cast<const char*>(block + offset + sizeof(RawDirEntry))};
}

namespace {

// The bytes a record does not need: all of an unused one, the slack of a used one.
uint32_t record_gap(const RawDirEntry& e) { return e.rec_len - (e.inode ? dir_record_length(e.name_len) : 0); }

}  // namespace

bool dir_block_has_room(const uint8_t* block, uint32_t block_size, uint32_t name_length) {
    uint32_t needed = dir_record_length(name_length);
    for (uint32_t offset = 0; offset < block_size;) {
        RawDirEntry e = header_at(block, offset);
        if (record_gap(e) >= needed) return true;
        offset += e.rec_len;
    }
    return false;
}

bool dir_block_insert(uint8_t* block, uint32_t block_size, uint32_t inode, Name name, FileType type) {
    uint32_t needed = dir_record_length(static_cast<uint32_t>(name.length));
    for (uint32_t offset = 0; offset < block_size;) {
        RawDirEntry e = header_at(block, offset);
        uint32_t used = e.rec_len - record_gap(e);
        if (record_gap(e) >= needed) {
            uint32_t at = offset + used;
            uint32_t length = e.rec_len - used;
            if (used) {
                e.rec_len = static_cast<uint16_t>(used);
                put_header(block, offset, e);
            }
            RawDirEntry added{inode, static_cast<uint16_t>(length), static_cast<uint8_t>(name.length),
                              static_cast<uint8_t>(type)};
            put_header(block, at, added);
            base::mem_copy(block + at + sizeof(RawDirEntry), name.data, name.length);
            // The name's padding is zeroed so the block's bytes are defined.
            base::mem_set(block + at + sizeof(RawDirEntry) + name.length, 0, needed - sizeof(RawDirEntry) - name.length);
            return true;
        }
        offset += e.rec_len;
    }
    return false;
}

void dir_block_remove(uint8_t* block, uint32_t offset, uint32_t previous) {
    RawDirEntry e = header_at(block, offset);
    if (previous != kNoOffset) {
        RawDirEntry p = header_at(block, previous);
        p.rec_len = static_cast<uint16_t>(p.rec_len + e.rec_len);
        put_header(block, previous, p);
    }
    e.inode = 0;
    put_header(block, offset, e);
}

void dir_block_retarget(uint8_t* block, uint32_t offset, uint32_t inode, FileType type) {
    RawDirEntry e = header_at(block, offset);
    e.inode = inode;
    e.file_type = static_cast<uint8_t>(type);
    put_header(block, offset, e);
}

void dir_block_format_empty(uint8_t* block, uint32_t block_size) {
    base::mem_set(block, 0, block_size);
    put_header(block, 0, RawDirEntry{0, static_cast<uint16_t>(block_size), 0, 0});
}

void dir_block_format_first(uint8_t* block, uint32_t block_size, uint32_t self, uint32_t parent, bool filetype) {
    base::mem_set(block, 0, block_size);
    uint8_t dir_type = filetype ? static_cast<uint8_t>(FileType::Directory) : 0;
    put_header(block, 0, RawDirEntry{self, 12, 1, dir_type});
    block[8] = '.';
    put_header(block, 12, RawDirEntry{parent, static_cast<uint16_t>(block_size - 12), 2, dir_type});
    block[20] = '.';
    block[21] = '.';
}

}  // namespace ext2
