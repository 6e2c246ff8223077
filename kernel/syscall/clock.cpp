// Syscalls on time and devices: the clocks (monotonic, real time, the
// caller's CPU time), timer objects and interrupt acknowledgement.
#include "drivers/interrupt.h"
#include "syscall/syscall.h"
#include "task/clock.h"
#include "task/scheduler.h"
#include "task/timer_object.h"

namespace syscall {

namespace {
constexpr rvos::Rights kTimerRights = rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer |
                                      rvos::kRightDuplicate | rvos::kRightWait;
}  // namespace

ErrorOr<uint64_t> sys_clock_get(Call call) {
    switch (static_cast<rvos::ClockId>(call.arg(0))) {
    case rvos::ClockId::Monotonic: return clock::now_ns();
    case rvos::ClockId::RealTime: return clock::real_time_ns();
    case rvos::ClockId::ProcessCpu: return sched::cpu_ns(call.task);
    }
    return Error::BadArgument;
}

ErrorOr<uint64_t> sys_timer_create(Call call) {
    if (call.task.handles.full()) return Error::HandleTableFull;
    timer::TimerObject* timer = timer::TimerObject::create();
    if (!timer) return Error::NoMemory;
    return static_cast<uint64_t>(call.task.handles.install(timer, kTimerRights).value());
}

ErrorOr<uint64_t> sys_timer_set(Call call) {
    auto* timer = TRY(call.task.handles.get<timer::TimerObject>(call.handle(0), rvos::kRightWrite));
    uint64_t period = call.arg(2);
    // A period shorter than 100 us would only keep the CPU in interrupts.
    if (period != 0 && period < 100'000) return Error::BadArgument;
    timer->set(call.arg(1), period);
    return 0;
}

ErrorOr<uint64_t> sys_interrupt_ack(Call call) {
    auto* line = TRY(call.task.handles.get<interrupt::InterruptObject>(call.handle(0), rvos::kRightWrite));
    line->acknowledge();
    return 0;
}

}  // namespace syscall
