// IPC operations as a task performs them, on its own handle numbers. The
// syscall layer calls these after copying arguments in from user memory;
// kernel tasks call them directly.
#pragma once

#include "task/task.h"

namespace ipc {

struct HandlePair {
    rvos::Handle a;
    rvos::Handle b;
};

ErrorOr<HandlePair> create_channel(Task& task);
// Sends a kernel copy of a message. Stamps sender_pid; if message.cap names
// a handle, that handle moves with the message (it leaves the sender's table
// only if the send succeeds).
Error send(Task& task, rvos::Handle handle, Message& message);
// Receives into `out`; a carried capability is installed in the task's
// table and out.cap holds its number. If the table is full, the message is
// received without it (the capability is closed) and the result is
// HandleTableFull. With `block`, sleeps while the queue is empty and the
// peer is open.
Error receive(Task& task, rvos::Handle handle, Message& out, bool block);
Error close(Task& task, rvos::Handle handle);
// Sleeps until one of the handles is readable (a message waits or the peer
// closed) and returns its index; closed peers are reported first.
ErrorOr<size_t> wait(Task& task, const rvos::Handle* handles, size_t count);

}  // namespace ipc
