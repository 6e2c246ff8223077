// The ext2 library's block device over the block protocol: a connection to
// a virtio-blk driver ("blk0") and a shared buffer for the data. Requests
// go one at a time (the library is synchronous); a request larger than the
// driver's largest transfer is split. When the driver ends (init starts it
// again), a request that finds the channel closed reconnects to the new
// driver and is sent once more; if none comes within kReconnectTimeout the
// request fails (EIO to the client).
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

private:
    // One request and its reply; the reply's status, or the transport's error.
    template <bool kWrite> rvos::Error transfer(uint64_t sector, uint32_t count);
    // A read, sent once more on a new connection if the driver is gone.
    rvos::Error read_again(uint64_t sector, uint32_t count);
    rvos::Error flush_once();
    rvos::Error connect();
    rvos::Error reconnect();

    const char* service_ = nullptr;

    rvos::Channel channel_;
    rvos::SharedMemory buffer_;
    uint64_t sectors_ = 0;
    uint32_t max_sectors_ = 0;
    uint32_t next_tag_ = 1;
    bool read_only_ = false;
};

}  // namespace ext2srv
