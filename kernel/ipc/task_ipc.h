// IPC operations as a task performs them, on its own handle numbers. The
// syscall layer calls these with user memory; kernel tasks call them with
// kernel buffers. Both go through the same checks.
#pragma once

#include "task/task.h"

namespace ipc {

struct HandlePair {
    rvos::Handle a;
    rvos::Handle b;
};

// A fresh channel: both ends in the task's table with every channel right.
ErrorOr<HandlePair> create_channel(Task& task);

// Where message bytes come from or go to: kernel memory, or user memory
// checked against the task's address space.
struct Buffer {
    uintptr_t address;
    bool user;
};

// Sends `length` bytes and `count` of the task's handles on `channel`
// (which needs kRightWrite). Each carried handle must exist, appear once,
// have kRightTransfer, and leaves the task's table only if the send
// succeeds. Stamps the sender's pid; the bytes are charged to the task's
// account (see ipc::Payer). Errors: BadHandle, WrongType, AccessDenied,
// BadArgument (limits, duplicates), BadAddress, QuotaExceeded, NoMemory,
// PeerClosed, QueueFull — and nothing is sent.
Error send(Task& task, rvos::Handle channel, Buffer bytes, size_t length, const rvos::Handle* handles,
           size_t count);

struct Received {
    size_t length = 0;
    size_t handle_count = 0;
    uint32_t sender_pid = 0;
};
// Receives the next message into `bytes` (capacity bytes) and its handles,
// installed in the task's table, into `handles` (capacity entries, kernel
// memory). BufferTooSmall leaves the message queued and reports its size in
// `info`. If the table has no room for all its handles, the message is
// received without them (they are closed) and the result is HandleTableFull.
// Blocks until `deadline_ns` (kDeadlineNow: WouldBlock if empty).
Error receive(Task& task, rvos::Handle channel, Buffer bytes, size_t capacity, rvos::Handle* handles,
              size_t handle_capacity, uint64_t deadline_ns, Received& info);
// Drops the next message queued at `channel` (and its handles).
Error discard(Task& task, rvos::Handle channel);

Error close(Task& task, rvos::Handle handle);

}  // namespace ipc
