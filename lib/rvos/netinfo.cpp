// The network stack server's own calls (see netinfo.h).
#include "rvos/netinfo.h"

#include "rvos/ipc.h"
#include "rvos/socket.h"

namespace rvos::net {

namespace {

namespace p = proto::net;

// Made on first use: every program links this file, and a static buffer
// (with its constructor) would be in each of them.
proto::Buffer& reply_buffer() {
    static proto::Buffer* buffer = nullptr;
    if (!buffer) buffer = new proto::InlineBuffer<p::kMaxReplyBytes>;
    return *buffer;
}

}  // namespace

base::ErrorOr<p::InterfaceReply> interface_info() { return p::interface<UserIpc>(TRY(stack()), {}, reply_buffer()); }

base::ErrorOr<p::StatsReply> stack_stats() { return p::stats<UserIpc>(TRY(stack()), {}, reply_buffer()); }

base::ErrorOr<p::PingReply> ping(uint32_t ip, uint16_t sequence, uint32_t size, uint32_t timeout_ms) {
    p::PingRequest r;
    r.ip = ip;
    r.sequence = sequence;
    r.size = size;
    r.timeout_ms = timeout_ms;
    return p::ping<UserIpc>(TRY(stack()), r, reply_buffer());
}

}  // namespace rvos::net
