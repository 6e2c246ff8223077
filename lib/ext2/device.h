// What the ext2 library stands on: a block device and a clock, both supplied
// by the program that mounts a volume (the file server over its virtio-blk
// client, the host tests over an image file).
#pragma once

#include <stdint.h>

#include "ext2/errors.h"

namespace ext2 {

inline constexpr uint32_t kSectorSize = 512;  // the device's unit: LBAs count these

// A disk of 512-byte sectors. Every call is synchronous; a failure is
// reported as kDeviceError and reaches the caller of the file-system
// operation unchanged. The library never asks for a sector at or past
// sector_count().
class BlockDevice {
public:
    virtual uint64_t sector_count() = 0;
    virtual ErrorOr<void> read(uint64_t sector, uint32_t count, void* buffer) = 0;
    virtual ErrorOr<void> write(uint64_t sector, uint32_t count, const void* data) = 0;
    // Makes every completed write durable.
    virtual ErrorOr<void> flush() = 0;
    // Optional: `count` blocks of `block_sectors` sectors each from `sector`
    // on, block i read into (or written from) blocks[i], so a cache moves
    // its slots without a staging copy. A device that does not offer it
    // returns false having done nothing, and the caller goes through
    // read() or write() instead.
    virtual ErrorOr<bool> read_blocks(uint64_t, uint32_t, uint32_t, uint8_t* const*) { return false; }
    virtual ErrorOr<bool> write_blocks(uint64_t, uint32_t, uint32_t, const uint8_t* const*) { return false; }

protected:
    ~BlockDevice() = default;
};

// A point in real time (seconds since 1970, UTC).
struct Timestamp {
    int64_t seconds = 0;
    uint32_t nanoseconds = 0;
};

class Clock {
public:
    // Real time, for the inode timestamps (atime, mtime, ctime, crtime).
    virtual Timestamp now() = 0;
    // Monotonic nanoseconds, for the age of unwritten blocks.
    virtual uint64_t monotonic_ns() = 0;

protected:
    ~Clock() = default;
};

}  // namespace ext2
