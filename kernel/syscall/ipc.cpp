// Syscalls on channels: create, send, receive.
#include "ipc/task_ipc.h"
#include "syscall/syscall.h"

namespace syscall {

ErrorOr<uint64_t> sys_chan_create(Call call) {
    ipc::HandlePair pair = TRY(ipc::create_channel(call.task));
    call.set_a1(static_cast<uint64_t>(pair.b));
    return static_cast<uint64_t>(pair.a);
}

ErrorOr<uint64_t> sys_chan_send(Call call) {
    size_t count = call.arg(4);
    if (count > rvos::kMaxMessageHandles) return Error::BadArgument;
    rvos::Handle handles[rvos::kMaxMessageHandles];
    if (count) TRY(call.task.space.copy_in(handles, call.arg(3), count * sizeof(rvos::Handle)));
    Error error = ipc::send(call.task, call.handle(0), ipc::Buffer{call.arg(1), true}, call.arg(2), handles, count);
    if (error != Error::None) return error;
    return 0;
}

ErrorOr<uint64_t> sys_chan_recv(Call call) {
    uint64_t capacity = call.arg(2), handle_capacity = call.arg(4);
    if (handle_capacity > rvos::kMaxMessageHandles) handle_capacity = rvos::kMaxMessageHandles;
    // Both destinations are checked before a message leaves the queue.
    if (handle_capacity) TRY(call.task.space.check_writable(call.arg(3), handle_capacity * sizeof(rvos::Handle)));
    rvos::Handle handles[rvos::kMaxMessageHandles];
    ipc::Received info;
    Error error = ipc::receive(call.task, call.handle(0), ipc::Buffer{call.arg(1), true}, capacity, handles,
                               handle_capacity, call.arg(5), info);
    if (error == Error::BufferTooSmall) {
        call.set_a1(info.length);
        call.set_a2(info.handle_count);
        return error;
    }
    if (error != Error::None && error != Error::HandleTableFull) return error;
    call.set_a2(info.sender_pid);
    if (error == Error::HandleTableFull) {  // delivered, without its handles
        call.set_a1(info.length);
        return error;
    }
    if (info.handle_count) (void)call.task.space.copy_out(call.arg(3), handles, info.handle_count * sizeof(rvos::Handle));
    call.set_a1(info.handle_count);
    return info.length;
}

}  // namespace syscall
