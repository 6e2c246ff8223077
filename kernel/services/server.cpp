// Kernel task IPC for protocol buffers, and registration with init (see
// server.h).
#include "services/server.h"

#include "proto/init.h"
#include "task/scheduler.h"

namespace services {

Task& self() { return *sched::current(); }

Error KernelIpc::write(Handle channel, const Buffer& message) {
    return ipc::send(self(), channel, ipc::Buffer{reinterpret_cast<uintptr_t>(message.data), false}, message.length,
                     message.handles, message.handle_count);
}

Error KernelIpc::receive(Handle channel, Buffer& message, uint64_t deadline) {
    message.clear();
    ipc::Received info;
    Error error = ipc::receive(self(), channel, ipc::Buffer{reinterpret_cast<uintptr_t>(message.data), false},
                               message.capacity, message.handles, rvos::kMaxMessageHandles, deadline, info);
    if (error == Error::BufferTooSmall) {
        (void)ipc::discard(self(), channel);  // too big for this reader: dropped
        return Error::BadMessage;
    }
    if (error != Error::None && error != Error::HandleTableFull) return error;
    message.length = info.length;
    message.handle_count = info.handle_count;
    message.sender_pid = info.sender_pid;
    return error;
}

base::ErrorOr<Handle> register_service(const char* name) {
    auto pair = TRY(ipc::create_channel(self()));
    rvos::proto::init::RegisterRequest request;
    request.name = name;
    request.listen = pair.b;
    rvos::proto::init::RegisterReplyBuffer reply;
    auto registered = rvos::proto::init::register_<KernelIpc>(rvos::kBootHandle, request, reply);
    if (registered.is_error()) {
        ipc::close(self(), pair.a);
        return registered.error();
    }
    return pair.a;
}

}  // namespace services
