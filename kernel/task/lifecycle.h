// How tasks end: exiting, being killed, and being reaped. An ending task
// closes its handles, unhooks any wait, reports how it ended on its process
// object (reason apart from code) and leaves the CPU; the scheduler's own
// context frees its stack and memory afterwards.
#pragma once

#include "task/task.h"

namespace lifecycle {

// Ends the current task and never returns.
[[noreturn]] void exit_current(rvos::ExitReason reason, int32_t code);
// Marks another task to end (ExitReason::Killed, with `code`: the signal
// number a process_kill gave, 0 for none) the next time it would run; a
// blocked task is woken for it. Kernel tasks cannot be killed.
void kill(Task* task, int32_t code = 0);
// Frees an exited task's memory (on the scheduler's stack).
void reap(Task* task);

}  // namespace lifecycle
