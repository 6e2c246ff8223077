// The ext2 library's block device over the block protocol: a connection to
// a virtio-blk driver ("blk0") and a shared buffer for the data. A call
// larger than the driver's largest transfer is split into pieces, and up
// to kMaxDepth pieces are in flight at once (each in its own part of the
// buffer), so the device works on several while the driver answers
// another; the call returns when all are done. When the driver ends (init
// starts it again), the pieces not yet answered are sent again on a new
// connection (none lost; a piece answered is never sent twice); if no
// driver comes within kReconnectTimeout the call fails (EIO to the client).
#pragma once

#include "ext2/device.h"
#include "rvos/channel.h"
#include "rvos/shared_memory.h"

namespace ext2srv {

class BlockClient final : public ext2::BlockDevice {
public:
    // Connects to `service` and attaches the buffer.
    rvos::Error open(const char* service);
    bool read_only() const { return read_only_; }

    uint64_t sector_count() override { return sectors_; }
    ext2::ErrorOr<void> read(uint64_t sector, uint32_t count, void* buffer) override;
    ext2::ErrorOr<void> write(uint64_t sector, uint32_t count, const void* data) override;
    ext2::ErrorOr<void> flush() override;
    // Each piece's bytes go between the shared buffer and the blocks
    // directly (the cache's slots): one copy, not two.
    ext2::ErrorOr<bool> read_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count,
                                    uint8_t* const* blocks) override;
    ext2::ErrorOr<bool> write_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count,
                                     const uint8_t* const* blocks) override;

    // Pieces in flight at once, at most.
    static constexpr uint32_t kMaxDepth = 4;

private:
    // The caller's side of a call: one buffer, or blocks of `block_bytes`
    // each at its own address. Offsets count from the call's first sector.
    struct Memory {
        uint8_t* data = nullptr;
        uint8_t* const* blocks = nullptr;
        uint32_t block_bytes = 0;
        // `n` bytes at `offset` to (out) or from (in) `buffer`; with blocks,
        // offset and n are whole blocks.
        void copy_out(size_t offset, uint8_t* buffer, size_t n) const;
        void copy_in(size_t offset, const uint8_t* buffer, size_t n) const;
        Memory after(size_t bytes) const;
    };

    // One batch of up to depth_ pieces of `count` sectors from `sector`
    // (data at `data`), all sent before any answer is awaited. A piece
    // answered is marked in `done`; the first error is returned (a
    // transport error as it is, the driver's status as DeviceError).
    template <bool kWrite> rvos::Error batch(uint64_t sector, uint32_t count, const Memory& data, bool* done);
    // A batch, whose unanswered pieces are sent again on a new connection
    // if the driver is gone.
    struct Answer {
        uint32_t tag;
        int32_t status;
    };
    template <typename Reply> base::ErrorOr<Answer> answer();
    template <bool kWrite> rvos::Error batch_again(uint64_t sector, uint32_t count, const Memory& data);
    template <bool kWrite> ext2::ErrorOr<void> transfer(uint64_t sector, uint32_t count, Memory data);
    rvos::Error flush_once();
    rvos::Error connect();
    rvos::Error reconnect();

    const char* service_ = nullptr;

    rvos::Channel channel_;
    rvos::SharedMemory buffer_;
    uint64_t sectors_ = 0;
    uint32_t max_sectors_ = 0;
    uint32_t depth_ = 1;
    uint32_t next_tag_ = 1;
    bool read_only_ = false;
};

}  // namespace ext2srv
