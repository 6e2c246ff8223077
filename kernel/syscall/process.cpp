// Syscalls on processes: exit, yield, pid, process handles (kill, status)
// and powering off through the power capability.
#include "platform/power.h"
#include "syscall/syscall.h"
#include "task/lifecycle.h"
#include "task/process_object.h"
#include "task/scheduler.h"

namespace syscall {

// exit(code, signal): signal 0 is an ordinary exit; a signal number ends the
// process as killed by it (how raise() and abort() end a program).
ErrorOr<uint64_t> sys_exit(Call call) {
    uint64_t signal = call.arg(1);
    if (signal > static_cast<uint64_t>(rvos::kMaxSignal)) return Error::BadArgument;
    if (signal != 0) lifecycle::exit_current(rvos::ExitReason::Killed, static_cast<int32_t>(signal));
    lifecycle::exit_current(rvos::ExitReason::Exited, static_cast<int32_t>(call.arg(0)));
}

ErrorOr<uint64_t> sys_yield(Call) {
    sched::yield();
    return 0;
}

ErrorOr<uint64_t> sys_getpid(Call call) { return call.task.pid; }

ErrorOr<uint64_t> sys_process_kill(Call call) {
    auto* process = TRY(call.task.handles.get<process::ProcessObject>(call.handle(0), rvos::kRightSignal));
    uint64_t signal = call.arg(1);
    if (signal > static_cast<uint64_t>(rvos::kMaxSignal)) return Error::BadArgument;
    Task* target = process->task();
    if (!target) return 0;  // already ended
    if (target->is_kernel) return Error::AccessDenied;
    if (target == &call.task) lifecycle::exit_current(rvos::ExitReason::Killed, static_cast<int32_t>(signal));
    lifecycle::kill(target, static_cast<int32_t>(signal));
    return 0;
}

ErrorOr<uint64_t> sys_process_status(Call call) {
    auto* process = TRY(call.task.handles.get<process::ProcessObject>(call.handle(0), rvos::kRightRead));
    call.set_a1(static_cast<uint64_t>(static_cast<int64_t>(process->code())));
    call.set_a2(process->cpu_ns());
    return static_cast<uint64_t>(process->reason());
}

ErrorOr<uint64_t> sys_shutdown(Call call) {
    TRY(call.task.handles.get<power::PowerObject>(call.handle(0), rvos::kRightWrite));
    power::off();
}

}  // namespace syscall
