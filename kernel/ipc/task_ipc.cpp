#include "ipc/task_ipc.h"

#include "task/process.h"
#include "task/scheduler.h"

namespace ipc {

ErrorOr<HandlePair> create_channel(Task& task) {
    // Check room first so a half-installed pair never has to be undone.
    if (rvos::kMaxHandles - task.handles.count() < 2) return Error::HandleTableFull;
    auto created = channels().create();
    // A full table may be full of garbage cycles: collect, then retry once.
    if (created.is_error() && process::collect_channel_garbage() > 0) created = channels().create();
    if (created.is_error()) return created.error();
    Channel* channel = created.value();
    rvos::Handle a = task.handles.install(&channel->ends[0]).value();
    rvos::Handle b = task.handles.install(&channel->ends[1]).value();
    return HandlePair{a, b};
}

Error send(Task& task, rvos::Handle handle, Message& message) {
    auto from = task.handles.get(handle);
    if (from.is_error()) return from.error();
    if (message.len > rvos::kMessagePayload || message.reserved != 0) return Error::BadArgument;
    Object* cap = nullptr;
    if (message.cap != rvos::kNoHandle) {
        auto carried = task.handles.get_object(message.cap);
        if (carried.is_error()) return carried.error();
        cap = carried.value();
    }
    message.sender_pid = task.pid;
    Error error = ipc::send(*from.value(), message, cap);
    if (error != Error::None) return error;
    if (cap) (void)task.handles.take(message.cap);  // the reference now travels with the message
    return Error::None;
}

namespace {
Error receive_now(Task& task, Endpoint& at, Message& out) {
    QueuedMessage queued;
    Error error = ipc::receive(at, queued);
    if (error != Error::None) return error;
    out = queued.message;
    out.cap = rvos::kNoHandle;
    if (!queued.cap) return Error::None;
    // A capability needs a free slot. Without one the message is still
    // received — it must not block the queue forever — but the capability
    // is closed, and the caller learns it from HandleTableFull.
    auto installed = task.handles.install(queued.cap);
    if (installed.is_error()) {
        queued.cap->unref();
        return Error::HandleTableFull;
    }
    out.cap = installed.value();
    return Error::None;
}
}  // namespace

Error receive(Task& task, rvos::Handle handle, Message& out, bool block) {
    for (;;) {
        auto at = task.handles.get(handle);
        if (at.is_error()) return at.error();
        Error error = receive_now(task, *at.value(), out);
        if (error != Error::WouldBlock || !block) return error;
        auto ready = wait(task, &handle, 1);
        if (ready.is_error()) return ready.error();
    }
}

Error close(Task& task, rvos::Handle handle) { return task.handles.close(handle); }

namespace {
// Which handle a wait reports: a handle whose peer is gone (and whose queue
// is drained) comes before any with a message, so a server reclaims what
// departed clients held before it takes on new work.
size_t pick_ready(Endpoint* const* endpoints, size_t count) {
    size_t first_message = count;
    for (size_t i = 0; i < count; i++) {
        if (endpoints[i]->queue.empty() && endpoints[i]->peer().closed) return i;
        if (first_message == count && !endpoints[i]->queue.empty()) first_message = i;
    }
    return first_message;
}
}  // namespace

ErrorOr<size_t> wait(Task& task, const rvos::Handle* handles, size_t count) {
    if (count == 0 || count > rvos::kMaxHandles) return Error::BadArgument;
    Endpoint* endpoints[rvos::kMaxHandles];
    for (size_t i = 0; i < count; i++) {
        endpoints[i] = TRY(task.handles.get(handles[i]));
        if (endpoints[i]->waiter && endpoints[i]->waiter != &task && !endpoints[i]->readable()) return Error::Busy;
    }
    for (;;) {
        size_t ready = pick_ready(endpoints, count);
        if (ready != count) return ready;
        for (size_t i = 0; i < count; i++) endpoints[i]->waiter = &task;
        sched::block();
        // Our handles keep these endpoints alive while we sleep.
        for (size_t i = 0; i < count; i++)
            if (endpoints[i]->waiter == &task) endpoints[i]->waiter = nullptr;
    }
}

}  // namespace ipc
