// What the kernel's built-in services share: the generic server loop run on
// kernel task IPC, and registration with init.
#pragma once

#include "ipc/task_ipc.h"
#include "ipc/wait.h"
#include "service/server_loop.h"

namespace services {

using rvos::Error;
using rvos::Handle;
using rvos::Message;

// The calling kernel task.
Task& self();

// IPC for ServerLoop: the calling kernel task's own handles.
struct KernelIpc {
    static base::ErrorOr<size_t> wait(rvos::WaitItem* items, size_t count) {
        return ipc::wait(self(), items, count, rvos::kDeadlineNever);
    }
    static Error receive(Handle handle, Message& message) { return ipc::receive(self(), handle, message, false); }
    static Error send(Handle handle, const Message& message) {
        Message copy = message;
        return ipc::send(self(), handle, copy);
    }
    static void close(Handle handle) { ipc::close(self(), handle); }
};
using Server = service::ServerLoop<KernelIpc>;

// Sends `request` on the boot channel and waits for init's reply.
Error call_init(Message& request, Message& reply);
// Registers `name` with init; returns the handle new clients arrive on.
base::ErrorOr<Handle> register_service(const char* name);

}  // namespace services
