// What the kernel's built-in services share: the generic server loop and
// the generated protocol code run on kernel task IPC, and registration
// with init through the one init client.
#pragma once

#include "ipc/task_ipc.h"
#include "ipc/wait.h"
#include "proto/codec.h"
#include "service/server_loop.h"

namespace services {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;

// The calling kernel task.
Task& self();

// The transport for ServerLoop and generated client stubs: the calling
// kernel task's own handles, kernel buffers.
struct KernelIpc {
    static Error write(Handle channel, const Buffer& message);
    static Error read(Handle channel, Buffer& message) { return receive(channel, message, rvos::kDeadlineNever); }
    static Error try_read(Handle channel, Buffer& message) { return receive(channel, message, rvos::kDeadlineNow); }
    static Error receive(Handle channel, Buffer& message, uint64_t deadline);
    static base::ErrorOr<size_t> wait(rvos::WaitItem* items, size_t count) {
        return ipc::wait(self(), items, count, rvos::kDeadlineNever);
    }
    static void close(Handle handle) { ipc::close(self(), handle); }
};
template <size_t kInBytes, size_t kOutBytes>
using Server = service::ServerLoop<KernelIpc, kInBytes, kOutBytes>;

// Registers `name` with init; returns the handle new clients arrive on.
base::ErrorOr<Handle> register_service(const char* name);

}  // namespace services
