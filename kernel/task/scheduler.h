// Round-robin scheduling on one hart. The kernel itself is not preemptible
// (it runs with interrupts disabled); user processes are preempted by the
// timer, and tasks give up the CPU when they block on a receive.
#pragma once

#include "task/task.h"

namespace sched {

Task* current();
// Makes a task runnable (appends it to the run queue).
void make_ready(Task* task);
// Gives up the CPU; the caller stays runnable.
void yield();
// Sleeps until task_wake(current()). The caller must have registered itself
// as a waiter first.
void block();
// Ends the current task: closes its handles, reports `status` on its process
// handle and never returns. Its memory is reclaimed by the scheduler.
[[noreturn]] void exit_current(int32_t status);
// Marks another task to end (status kExitKilled) the next time it would
// run; a blocked task is woken for it.
void kill(Task* task);
// The scheduler loop, on the boot stack. Never returns.
[[noreturn]] void run();

// Timer interrupts drive preemption.
void start_timer();
// Handles pending timer and external interrupts; true if the time slice
// ended and the current task should yield.
bool handle_interrupts();

}  // namespace sched
