// The network stack server's own calls (see netinfo.h).
#include "rvos/netinfo.h"

#include "rvos/ipc.h"
#include "rvos/socket.h"

namespace rvos::net {

namespace {

namespace p = proto::net;
proto::InlineBuffer<p::kMaxReplyBytes> reply_buffer;

}  // namespace

base::ErrorOr<p::InterfaceReply> interface_info() { return p::interface<UserIpc>(TRY(stack()), {}, reply_buffer); }

base::ErrorOr<p::StatsReply> stack_stats() { return p::stats<UserIpc>(TRY(stack()), {}, reply_buffer); }

base::ErrorOr<p::PingReply> ping(uint32_t ip, uint16_t sequence, uint32_t size, uint32_t timeout_ms) {
    p::PingRequest r;
    r.ip = ip;
    r.sequence = sequence;
    r.size = size;
    r.timeout_ms = timeout_ms;
    return p::ping<UserIpc>(TRY(stack()), r, reply_buffer);
}

}  // namespace rvos::net
