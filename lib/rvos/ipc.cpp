// The user-space transport (see ipc.h).
#include "rvos/ipc.h"

namespace rvos {

Error UserIpc::receive(Handle channel, proto::Buffer& message, uint64_t deadline) {
    message.clear();
    sys::Received needed{};
    auto got = sys::chan_read(channel, message.data, message.capacity, message.handles, kMaxMessageHandles, deadline,
                              &needed);
    if (got.is_error() && got.error() == Error::BufferTooSmall) {
        sys::chan_drop(channel, needed.length);
        return Error::BadMessage;
    }
    if (got.is_error()) {
        if (got.error() == Error::HandleTableFull) {  // delivered without its handles
            message.length = needed.length;
            message.sender_pid = needed.sender_pid;
        }
        return got.error();
    }
    message.length = got.value().length;
    message.handle_count = got.value().handle_count;
    message.sender_pid = got.value().sender_pid;
    return Error::None;
}

}  // namespace rvos
