// Syscalls on handles themselves: close, duplicate with fewer rights, and
// what a handle names.
#include "syscall/syscall.h"

namespace syscall {

ErrorOr<uint64_t> sys_handle_close(Call call) {
    Error error = call.task.handles.close(call.handle(0));
    if (error != Error::None) return error;
    return 0;
}

ErrorOr<uint64_t> sys_handle_duplicate(Call call) {
    uint64_t rights = call.arg(1);
    if (rights > rvos::kRightsAll) return Error::BadArgument;
    rvos::Handle copy = TRY(call.task.handles.duplicate(call.handle(0), static_cast<rvos::Rights>(rights)));
    return static_cast<uint64_t>(copy);
}

ErrorOr<uint64_t> sys_handle_info(Call call) {
    ipc::HandleEntry entry = TRY(call.task.handles.lookup(call.handle(0)));
    call.set_a1(entry.rights);
    return static_cast<uint64_t>(entry.object->kind());
}

}  // namespace syscall
