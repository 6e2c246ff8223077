// The block protocol client (see block_client.h).
#include "block_client.h"

#include <time.h>

#include "base/string.h"
#include "proto/block.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

namespace ext2srv {

namespace {
namespace blk = rvos::proto::block;
using Ipc = rvos::UserIpc;
constexpr uint32_t kSector = rvos::proto::kBlockSectorSize;
// How long a restarted driver has to register its service again.
constexpr long kReconnectTimeoutMs = 2000, kReconnectPollMs = 10;

bool driver_gone(rvos::Error error) { return error == rvos::Error::PeerClosed || error == rvos::Error::BadHandle; }
}  // namespace

rvos::Error BlockClient::open(const char* service) {
    service_ = service;
    return connect();
}

rvos::Error BlockClient::connect() {
    channel_ = TRY(rvos::connect(service_));
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    blk::InfoReply info = TRY(blk::info<Ipc>(channel_.handle(), blk::InfoRequest{}, in));
    if (info.sector_size != kSector || info.max_transfer < kSector) return rvos::Error::Unsupported;
    sectors_ = info.sectors;
    max_sectors_ = info.max_transfer / kSector;
    depth_ = base::max(1u, base::min(kMaxDepth, info.in_flight));
    read_only_ = info.read_only;
    buffer_ = TRY(rvos::SharedMemory::create(size_t(depth_) * max_sectors_ * kSector));
    blk::AttachBufferRequest attach;
    attach.memory = buffer_.give_handle();
    TRY(blk::attach_buffer<Ipc>(channel_.handle(), attach, in));
    return rvos::Error::None;
}

rvos::Error BlockClient::reconnect() {
    channel_.close();
    for (long waited = 0;; waited += kReconnectPollMs) {
        rvos::Error error = connect();
        if (error != rvos::Error::NotFound || waited >= kReconnectTimeoutMs) return error;
        timespec poll{0, kReconnectPollMs * 1'000'000};
        nanosleep(&poll, nullptr);  // the new driver has not registered yet
    }
}

// The next answer on the channel, as tag and status.
template <typename Reply> base::ErrorOr<BlockClient::Answer> BlockClient::answer() {
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    Reply reply = TRY((rvos::proto::receive_reply<Ipc, Reply>(channel_.handle(), in)));
    return Answer{reply.tag, reply.status};
}

void BlockClient::Memory::copy_out(size_t offset, uint8_t* buffer, size_t n) const {
    if (data) return base::mem_copy(buffer, data + offset, n);
    for (size_t done = 0; done < n; done += block_bytes)
        base::mem_copy(buffer + done, blocks[(offset + done) / block_bytes], block_bytes);
}

void BlockClient::Memory::copy_in(size_t offset, const uint8_t* buffer, size_t n) const {
    if (data) return base::mem_copy(data + offset, buffer, n);
    for (size_t done = 0; done < n; done += block_bytes)
        base::mem_copy(blocks[(offset + done) / block_bytes], buffer + done, block_bytes);
}

BlockClient::Memory BlockClient::Memory::after(size_t bytes) const {
    if (data) return Memory{data + bytes, nullptr, 0};
    return Memory{nullptr, blocks + bytes / block_bytes, block_bytes};
}

template <bool kWrite>
rvos::Error BlockClient::batch(uint64_t sector, uint32_t count, const Memory& data, bool* done) {
    uint32_t pieces = (count + max_sectors_ - 1) / max_sectors_;
    if (pieces > depth_) return rvos::Error::DeviceError;  // a driver of fewer slots took over
    size_t stride = size_t(max_sectors_) * kSector;
    uint32_t tags[kMaxDepth] = {};
    bool sent[kMaxDepth] = {};
    uint32_t waiting = 0;
    rvos::Error result = rvos::Error::None;
    for (uint32_t i = 0; i < pieces && result == rvos::Error::None; i++) {
        if (done[i]) continue;
        uint64_t at = sector + uint64_t(i) * max_sectors_;
        uint32_t n = base::min(max_sectors_, count - i * max_sectors_);
        tags[i] = next_tag_++;
        if constexpr (kWrite) {
            data.copy_out(i * stride, buffer_.data() + i * stride, size_t(n) * kSector);
            result = blk::write_send<Ipc>(channel_.handle(), blk::WriteRequest{tags[i], at, n, i * stride});
        } else {
            result = blk::read_send<Ipc>(channel_.handle(), blk::ReadRequest{tags[i], at, n, i * stride});
        }
        if (result == rvos::Error::None) sent[i] = true, waiting++;
    }
    // Every answer to what was sent is taken, so none is left on the
    // channel for the next call; a read's piece is copied out as it comes.
    for (; waiting > 0; waiting--) {
        auto reply = kWrite ? answer<blk::WriteReply>() : answer<blk::ReadReply>();
        uint32_t i = 0;
        while (!reply.is_error() && i < pieces && !(sent[i] && !done[i] && tags[i] == reply.value().tag)) i++;
        if (reply.is_error() || i == pieces) {
            // The driver is gone (the caller reconnects), or it broke the
            // protocol: the connection is dropped, so no stray answer waits
            // on it, and the next call connects again.
            rvos::Error error = reply.is_error() ? reply.error() : rvos::Error::DeviceError;
            if (!driver_gone(error)) channel_.close();
            return error;
        }
        int32_t status = reply.value().status;
        if (status != 0) {
            if (result == rvos::Error::None) result = rvos::Error::DeviceError;
            continue;
        }
        done[i] = true;
        if constexpr (!kWrite) {
            uint32_t n = base::min(max_sectors_, count - i * max_sectors_);
            data.copy_in(i * stride, buffer_.data() + i * stride, size_t(n) * kSector);
        }
    }
    return result;
}

template <bool kWrite> rvos::Error BlockClient::batch_again(uint64_t sector, uint32_t count, const Memory& data) {
    bool done[kMaxDepth] = {};
    rvos::Error error = batch<kWrite>(sector, count, data, done);
    if (!driver_gone(error) || reconnect() != rvos::Error::None) return error;
    return batch<kWrite>(sector, count, data, done);  // only the pieces not answered
}

template <bool kWrite> ext2::ErrorOr<void> BlockClient::transfer(uint64_t sector, uint32_t count, Memory data) {
    while (count > 0) {
        uint32_t n = base::min(count, max_sectors_ * depth_);
        if (batch_again<kWrite>(sector, n, data) != rvos::Error::None) return rvos::Error::DeviceError;
        data = data.after(size_t(n) * kSector), sector += n, count -= n;
    }
    return {};
}

ext2::ErrorOr<void> BlockClient::read(uint64_t sector, uint32_t count, void* buffer) {
    return transfer<false>(sector, count, Memory{static_cast<uint8_t*>(buffer), nullptr, 0});
}

ext2::ErrorOr<void> BlockClient::write(uint64_t sector, uint32_t count, const void* data) {
    // A write only reads from its memory.
    return transfer<true>(sector, count, Memory{static_cast<uint8_t*>(const_cast<void*>(data)), nullptr, 0});
}

// Pieces are whole transfers, so with blocks that divide a transfer every
// piece is whole blocks; others go through read() and write().
ext2::ErrorOr<bool> BlockClient::read_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count,
                                             uint8_t* const* blocks) {
    if (block_sectors == 0 || max_sectors_ % block_sectors != 0) return false;
    TRY(transfer<false>(sector, count * block_sectors, Memory{nullptr, blocks, block_sectors * kSector}));
    return true;
}

ext2::ErrorOr<bool> BlockClient::write_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count,
                                              const uint8_t* const* blocks) {
    if (block_sectors == 0 || max_sectors_ % block_sectors != 0) return false;
    auto* writable = const_cast<uint8_t* const*>(blocks);  // a write only reads from them
    TRY(transfer<true>(sector, count * block_sectors, Memory{nullptr, writable, block_sectors * kSector}));
    return true;
}

rvos::Error BlockClient::flush_once() {
    uint32_t tag = next_tag_++;
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    auto reply = blk::flush<Ipc>(channel_.handle(), blk::FlushRequest{tag}, in);
    if (reply.is_error()) return reply.error();
    if (reply.value().tag != tag || reply.value().status != 0) return rvos::Error::DeviceError;
    return rvos::Error::None;
}

ext2::ErrorOr<void> BlockClient::flush() {
    rvos::Error error = flush_once();
    if (driver_gone(error) && reconnect() == rvos::Error::None) error = flush_once();
    if (error != rvos::Error::None) return rvos::Error::DeviceError;
    return {};
}

}  // namespace ext2srv
