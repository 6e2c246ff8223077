// IPC as a task performs it (see task_ipc.h).
#include "ipc/task_ipc.h"

#include "base/string.h"
#include "ipc/wait.h"
#include "task/process.h"

namespace ipc {

namespace {

constexpr rvos::Rights kChannelRights = rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer |
                                        rvos::kRightDuplicate | rvos::kRightWait;

base::ErrorOr<void> copy_from(Task& task, void* to, Buffer from, size_t length) {
    if (!from.user) {
        base::mem_copy(to, reinterpret_cast<const void*>(from.address), length);
        return {};
    }
    return task.space.copy_in(to, from.address, length);
}

// Who pays for what `task` sends to `to` (see ipc::Payer).
Payer payer_for(const Task& task, const Endpoint& to) {
    if (task.account != kSystemAccount) return Payer{task.pid, task.account, task.pid, false};
    return Payer{task.pid, to.holder.account, to.holder.pid, true};
}

}  // namespace

ErrorOr<HandlePair> create_channel(Task& task) {
    // Check room first so a half-installed pair never has to be undone.
    if (!task.handles.has_free(2)) return Error::HandleTableFull;
    Channel* channel = TRY(process::new_channel());
    rvos::Handle a = task.handles.install(&channel->ends[0], kChannelRights).value();
    rvos::Handle b = task.handles.install(&channel->ends[1], kChannelRights).value();
    return HandlePair{a, b};
}

Error send(Task& task, rvos::Handle channel, Buffer bytes, size_t length, const rvos::Handle* handles,
           size_t count) {
    auto from = task.handles.get<Endpoint>(channel, rvos::kRightWrite);
    if (from.is_error()) return from.error();
    if (length > rvos::kMaxMessageBytes || count > rvos::kMaxMessageHandles) return Error::BadArgument;
    rvos::Handle carried[rvos::kMaxMessageHandles];
    HandleEntry entries[rvos::kMaxMessageHandles];
    for (size_t i = 0; i < count; i++) {
        carried[i] = handles[i];
        auto entry = task.handles.lookup(handles[i]);
        if (entry.is_error()) return entry.error();
        entries[i] = entry.value();
        if (!(entries[i].rights & rvos::kRightTransfer)) return Error::AccessDenied;
        for (size_t k = 0; k < i; k++)
            if (carried[k] == handles[i]) return Error::BadArgument;
    }
    Endpoint& to = from.value()->peer();
    auto allocated = MessageNode::allocate(length, count, payer_for(task, to), to.queue.empty());
    if (allocated.is_error()) return allocated.error();
    MessageNode* node = allocated.value();
    if (auto copied = copy_from(task, node->bytes(), bytes, length); copied.is_error()) {
        MessageNode::free(node, false);
        return copied.error();
    }
    for (size_t i = 0; i < count; i++) node->handles()[i] = entries[i];  // looked up above; the table has not changed
    Error error = ipc::send(*from.value(), node);
    if (error != Error::None) {
        MessageNode::free(node, false);  // the references stay with the task's handles
        return error;
    }
    for (size_t i = 0; i < count; i++) {
        if (!task.is_kernel) note_sent_by_program(*entries[i].object);
        (void)task.handles.take(carried[i]);  // they travel with the message
    }
    return Error::None;
}

namespace {

Error receive_now(Task& task, Endpoint& at, Buffer bytes, size_t capacity, rvos::Handle* handles,
                  size_t handle_capacity, Received& info) {
    if (at.queue.empty()) return at.peer().closed ? Error::PeerClosed : Error::WouldBlock;
    MessageNode* node = at.queue.front();
    info.length = node->length;
    info.handle_count = node->handle_count;
    info.sender_pid = node->sender_pid;
    if (node->length > capacity || node->handle_count > handle_capacity) return Error::BufferTooSmall;
    // Copy before taking the message off the queue, so a bad pointer cannot
    // lose it: copy_out checks the whole destination before it writes a
    // byte (one page walk, where a separate check walked it twice).
    if (bytes.user) {
        if (auto copied = task.space.copy_out(bytes.address, node->bytes(), node->length); copied.is_error())
            return copied.error();
    } else {
        base::mem_copy(reinterpret_cast<void*>(bytes.address), node->bytes(), node->length);
    }
    at.queue.pop();  // the node at the front, which this task now owns
    // The handles need free slots. Without room for all, the message is
    // still received — it must not block the queue forever — but its
    // handles are closed, and the caller learns it from HandleTableFull.
    Error result = Error::None;
    if (node->handle_count && !task.handles.has_free(node->handle_count)) {
        info.handle_count = 0;
        MessageNode::free(node, true);
        return Error::HandleTableFull;
    }
    for (size_t i = 0; i < node->handle_count; i++) {
        HandleEntry entry = node->handles()[i];
        handles[i] = task.handles.install(entry.object, entry.rights).value();
    }
    MessageNode::free(node, false);  // the references are the task's handles now
    return result;
}

}  // namespace

Error receive(Task& task, rvos::Handle channel, Buffer bytes, size_t capacity, rvos::Handle* handles,
              size_t handle_capacity, uint64_t deadline_ns, Received& info) {
    // Looked up once: only this task changes its own handle table, and the
    // handle keeps the endpoint alive while the task sleeps.
    HandleEntry entry = TRY(task.handles.lookup(channel));
    if (entry.object->kind() != Object::Kind::Endpoint) return Error::WrongType;
    if (!(entry.rights & rvos::kRightRead)) return Error::AccessDenied;
    Endpoint& at = *static_cast<Endpoint*>(entry.object);
    for (;;) {
        Error error = receive_now(task, at, bytes, capacity, handles, handle_capacity, info);
        if (error != Error::WouldBlock || deadline_ns == rvos::kDeadlineNow) return error;
        // What wait() on this one endpoint would do: it needs kRightWait;
        // the endpoint is not ready (receive_now just found it empty with
        // its peer open), so time out once the deadline has passed, else
        // sleep until it shows Readable or PeerClosed, or the deadline.
        if (!(entry.rights & rvos::kRightWait)) return Error::AccessDenied;
        if (deadline_ns != rvos::kDeadlineNever && clock::now_ns() >= deadline_ns) return Error::TimedOut;
        block_on(task, at, rvos::kSignalReadable | rvos::kSignalPeerClosed, deadline_ns);
    }
}

Error discard(Task& task, rvos::Handle channel) {
    auto at = task.handles.get<Endpoint>(channel, rvos::kRightRead);
    if (at.is_error()) return at.error();
    auto node = receive(*at.value());
    if (node.is_error()) return node.error();
    MessageNode::free(node.value(), true);
    return Error::None;
}

Error close(Task& task, rvos::Handle handle) { return task.handles.close(handle); }

}  // namespace ipc
