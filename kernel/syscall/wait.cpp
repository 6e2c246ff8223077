// The wait syscall: block on any mix of objects until a signal or a
// deadline.
#include "ipc/wait.h"
#include "syscall/syscall.h"

namespace syscall {

ErrorOr<uint64_t> sys_wait(Call call) {
    uint64_t count = call.arg(1);
    if (count == 0 || count > rvos::kMaxWaitItems) return Error::BadArgument;
    rvos::WaitItem items[rvos::kMaxWaitItems];
    size_t bytes = count * sizeof(rvos::WaitItem);
    TRY(call.task.space.copy_in(items, call.arg(0), bytes));
    TRY(call.task.space.check_writable(call.arg(0), bytes));
    auto ready = ipc::wait(call.task, items, count, call.arg(2));
    // The observed signals go back even on TimedOut.
    if (!ready.is_error() || ready.error() == Error::TimedOut) (void)call.task.space.copy_out(call.arg(0), items, bytes);
    return TRY(ready);
}

}  // namespace syscall
