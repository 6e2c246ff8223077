// The dispatch table, generated from lib/abi/syscalls.h: the syscall
// number indexes it, and a handler's ErrorOr becomes a0 here and nowhere
// else.
#include "syscall/syscall.h"

#include "task/fault.h"

namespace syscall {

namespace {

using Handler = ErrorOr<uint64_t> (*)(Call);

constexpr Handler kHandlers[] = {
#define RVOS_SYSCALL_HANDLER(number, Name, name, group, args) sys_##name,
    RVOS_SYSCALLS(RVOS_SYSCALL_HANDLER)
#undef RVOS_SYSCALL_HANDLER
};
static_assert(sizeof kHandlers / sizeof kHandlers[0] == rvos::kSyscallCount, "one handler per syscall");

}  // namespace

void dispatch(Task& task, arch::TrapFrame& frame) {
    uint64_t number = frame.a(7);
    if (number >= rvos::kSyscallCount) fault::kill_current("bad syscall", number, frame.sepc);
    task.last_syscall = number;
    frame.sepc += 4;  // resume after the ecall
    ErrorOr<uint64_t> result = kHandlers[number](Call{task, frame});
    frame.a(0) = result.is_error() ? static_cast<uint64_t>(-static_cast<int64_t>(result.error())) : result.value();
}

}  // namespace syscall
