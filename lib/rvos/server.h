// Writing a server in user space: the generic server loop over syscalls.
//
//   auto listen = rvos::register_service("name");
//   rvos::Server server;
//   server.listen(listen.release_value().release(), handle_request);
//   server.run();
#pragma once

#include "rvos/syscall.h"
#include "service/server_loop.h"

namespace rvos {

struct UserIpc {
    static base::ErrorOr<size_t> wait(WaitItem* items, size_t count) { return sys::wait(items, count); }
    static Error receive(Handle handle, Message& message) { return sys::chan_recv(handle, message); }
    static Error send(Handle handle, const Message& message) { return sys::chan_send(handle, message); }
    static void close(Handle handle) { sys::chan_close(handle); }
};
using Server = service::ServerLoop<UserIpc>;

}  // namespace rvos
