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
    read_only_ = info.read_only;
    buffer_ = TRY(rvos::SharedMemory::create(info.max_transfer));
    blk::AttachBufferRequest attach;
    attach.memory = buffer_.give_handle();
    TRY(blk::attach_buffer<Ipc>(channel_.handle(), attach, in));
    return rvos::Error::None;
}

template <bool kWrite> rvos::Error BlockClient::transfer(uint64_t sector, uint32_t count) {
    uint32_t tag = next_tag_++;
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    if constexpr (kWrite) {
        blk::WriteReply reply = TRY(blk::write<Ipc>(channel_.handle(), blk::WriteRequest{tag, sector, count, 0}, in));
        if (reply.tag != tag) return rvos::Error::DeviceError;
        return static_cast<rvos::Error>(reply.status);
    } else {
        blk::ReadReply reply = TRY(blk::read<Ipc>(channel_.handle(), blk::ReadRequest{tag, sector, count, 0}, in));
        if (reply.tag != tag) return rvos::Error::DeviceError;
        return static_cast<rvos::Error>(reply.status);
    }
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

rvos::Error BlockClient::read_again(uint64_t sector, uint32_t count) {
    rvos::Error error = transfer<false>(sector, count);
    if (!driver_gone(error) || reconnect() != rvos::Error::None) return error;
    return transfer<false>(sector, count);
}

ext2::ErrorOr<void> BlockClient::read(uint64_t sector, uint32_t count, void* buffer) {
    auto* out = static_cast<uint8_t*>(buffer);
    while (count > 0) {
        uint32_t n = base::min(count, max_sectors_);
        if (read_again(sector, n) != rvos::Error::None) return rvos::Error::DeviceError;
        base::mem_copy(out, buffer_.data(), size_t(n) * kSector);
        out += size_t(n) * kSector, sector += n, count -= n;
    }
    return {};
}

ext2::ErrorOr<void> BlockClient::write(uint64_t sector, uint32_t count, const void* data) {
    auto* in = static_cast<const uint8_t*>(data);
    while (count > 0) {
        uint32_t n = base::min(count, max_sectors_);
        base::mem_copy(buffer_.data(), in, size_t(n) * kSector);
        rvos::Error error = transfer<true>(sector, n);
        if (driver_gone(error) && reconnect() == rvos::Error::None) {
            base::mem_copy(buffer_.data(), in, size_t(n) * kSector);  // the new connection's buffer
            error = transfer<true>(sector, n);
        }
        if (error != rvos::Error::None) return rvos::Error::DeviceError;
        in += size_t(n) * kSector, sector += n, count -= n;
    }
    return {};
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
