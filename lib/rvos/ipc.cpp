// The user-space transport (see ipc.h).
#include "rvos/ipc.h"

namespace rvos {

namespace {
// Takes an oversized message off the queue so it cannot wedge the reader.
void drop_oversized(Handle channel, size_t length) {
    size_t size = length ? length : 1;
    auto space = sys::mmap(size);
    if (space.is_error()) return;
    Handle handles[kMaxMessageHandles];
    auto dropped = sys::chan_read(channel, space.value(), size, handles, kMaxMessageHandles, kDeadlineNow);
    if (!dropped.is_error())
        for (size_t i = 0; i < dropped.value().handle_count; i++) sys::handle_close(handles[i]);
    sys::munmap(space.value(), size);
}
}  // namespace

Error UserIpc::receive(Handle channel, proto::Buffer& message, uint64_t deadline) {
    message.clear();
    sys::Received needed{};
    auto got = sys::chan_read(channel, message.data, message.capacity, message.handles, kMaxMessageHandles, deadline,
                              &needed);
    if (got.is_error() && got.error() == Error::BufferTooSmall) {
        drop_oversized(channel, needed.length);
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
