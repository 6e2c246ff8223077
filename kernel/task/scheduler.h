// Round-robin scheduling on one hart. The kernel itself is not preemptible
// (it runs with interrupts disabled); user processes are preempted at the
// end of their slice, and tasks give up the CPU when they block in a wait.
#pragma once

#include "task/task.h"

namespace sched {

// The task on the CPU: read on every trap and syscall, so inline; only
// scheduler.cpp changes it.
namespace detail {
extern Task* running;
}
inline Task* current() { return detail::running; }
// Makes a task runnable (appends it to the run queue).
void make_ready(Task* task);
// Gives up the CPU; the caller stays runnable.
void yield();
// Sleeps until task_wake(current()). The caller must have registered itself
// as an observer (or armed a deadline) first. A task killed meanwhile ends
// instead of returning.
void block();
// For an exited task: leaves the CPU for good (the scheduler reaps it).
[[noreturn]] void leave_for_good();
// The scheduler loop, on the boot stack. Never returns.
[[noreturn]] void run();

}  // namespace sched
