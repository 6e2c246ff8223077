// What the network stack server tells beyond BSD sockets: the interface's
// configuration and counters (ifconfig), the stack's own counts (netstat)
// and ICMP echo (ping). See lib/proto/net.proto.
#pragma once

#include "base/error_or.h"
#include "proto/net.h"

namespace rvos::net {

base::ErrorOr<proto::net::InterfaceReply> interface_info();
base::ErrorOr<proto::net::StatsReply> stack_stats();
// One echo request to `ip` (host order); TimedOut if no reply in time.
base::ErrorOr<proto::net::PingReply> ping(uint32_t ip, uint16_t sequence, uint32_t size, uint32_t timeout_ms);

}  // namespace rvos::net
