// UserIpc: protocol buffers (lib/proto/codec.h) over the channel syscalls —
// the transport every generated client stub and the server loop use in
// user space.
#pragma once

#include "proto/codec.h"
#include "rvos/syscall.h"

namespace rvos {

struct UserIpc {
    static Error write(Handle channel, const proto::Buffer& message) {
        return sys::chan_write(channel, message.data, message.length, message.handles, message.handle_count);
    }
    // Blocking / non-blocking receive. A message larger than the buffer is
    // taken off the queue and dropped (its handles closed): BadMessage.
    static Error read(Handle channel, proto::Buffer& message) { return receive(channel, message, kDeadlineNever); }
    static Error try_read(Handle channel, proto::Buffer& message) { return receive(channel, message, kDeadlineNow); }
    static Error receive(Handle channel, proto::Buffer& message, uint64_t deadline);
    static base::ErrorOr<size_t> wait(WaitItem* items, size_t count) { return sys::wait(items, count); }
    static void close(Handle handle) { sys::handle_close(handle); }
};

// Calls a generated client stub on the user transport, e.g.
// rvos::call(proto::math::add<UserIpc>, ...) is proto::math::add<UserIpc>(...).

}  // namespace rvos
