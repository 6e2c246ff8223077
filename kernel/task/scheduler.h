// The scheduler on one hart: which ready task runs next, switching between
// tasks, and the idle loop. The kernel itself is not preemptible (it runs
// with interrupts disabled); user processes are preempted by interrupts.
//
// Policy (decay usage, as in classic Unix): the ready task that has used the
// least CPU recently runs next. Each task is charged exactly the CPU time it
// used (the clock is read at every switch), and its recent use halves every
// decay period (about 134 ms). A task that mostly waits — the shell, a
// server, a program talking to them — so has less recent use than a busy
// loop and runs as soon as it is woken, instead of queueing behind busy
// loops for their whole slices; busy loops share what is left in turns (the
// one that just ran has the most use). Nothing starves: a task kept waiting
// uses no CPU, so its recent use falls until it is the least.
//
// When the CPU changes hands: a task that blocks or yields hands it to that
// pick (a yield lets every other ready task go first); at each 10 ms tick
// the running user process gives way to a ready task whose recent use is no
// more than its own; an interrupt that wakes a task with less recent use
// than the running one (console input, a deadline) switches to it at once.
#pragma once

#include "task/task.h"

namespace sched {

// The task on the CPU: read on every trap and syscall, so inline; only
// scheduler.cpp changes it.
namespace detail {
extern Task* running;
}
inline Task* current() { return detail::running; }
// Makes a task runnable (appends it to the ready list).
void make_ready(Task* task);
// Gives up the CPU to every other ready task; the caller stays runnable.
void yield();
// After an interrupt taken in user mode: switches to a ready task with less
// recent use than the running one (or no more, when the tick ended the
// slice). The running task stays runnable.
void preempt(bool slice_over);
// Sleeps until task_wake(current()). The caller must have registered itself
// as an observer (or armed a deadline) first. A task killed meanwhile ends
// instead of returning.
void block();
// For an exited task: leaves the CPU for good (the scheduler reaps it).
[[noreturn]] void leave_for_good();
// The scheduler loop; moves off the boot stack onto a guarded stack of its
// own (mm/kernel_stack.h). Never returns.
[[noreturn]] void run();
// The CPU time a task has used, in nanoseconds: every stretch it held the
// CPU (in user mode or in the kernel on its behalf), up to now if it is
// the running task.
uint64_t cpu_ns(const Task& task);

}  // namespace sched
