// The network stack server's shared state: the interface over the driver
// (netif.cpp) and the socket table and protocol (sockets.cpp), both run
// from the one server loop in main.cpp.
#pragma once

#include "lwip/netif.h"
#include "proto/net.h"
#include "proto/netdev.h"
#include "rvos/server.h"

namespace net {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace proto = rvos::proto::net;
constexpr size_t kInBytes = base::max(proto::kMaxRequestBytes, rvos::proto::netdev::kMaxRequestBytes);
using Loop = rvos::Server<kInBytes, proto::kMaxReplyBytes>;

extern Loop loop;
extern struct netif interface;

// netif.cpp: the interface, over the driver's connection `device`.
Error start_interface(Handle device);
bool interface_configured();
// Sends the frames lwIP produced since the last call, as one batch.
void flush_interface();
void interface_counters(proto::InterfaceReply& out);

// sockets.cpp: the socket protocol's handlers.
void serve_client(Loop& loop, Handle client, void*, Buffer& message);
void client_gone(Loop& loop, Handle client, void*);
// Answers every waiting call that can be answered now (or has timed out);
// returns the earliest deadline still waited for (kDeadlineNever if none).
uint64_t complete_waiting();

// The clock in ms as read_clock() last read it (at the top of each turn of
// the loop and when a message comes).
uint64_t now_ms();
void read_clock();

}  // namespace net
