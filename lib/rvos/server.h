// Writing a server in user space: the generic server loop over syscalls,
// and UserIpc, the transport generated protocol code uses in user space.
//
//   auto listen = rvos::register_service("name");
//   static rvos::Server<proto::x::kMaxRequestBytes, proto::x::kMaxReplyBytes> server;
//   server.listen(listen.release_value().release(), handle_request);
//   server.run();
#pragma once

#include "rvos/ipc.h"
#include "service/server_loop.h"

namespace rvos {

template <size_t kInBytes, size_t kOutBytes>
using Server = service::ServerLoop<UserIpc, kInBytes, kOutBytes>;

}  // namespace rvos
