// The syscall layer: one table declares every syscall; each handler checks
// its arguments and copies user memory through the caller's address space.
#pragma once

#include "task/task.h"

namespace syscall {

// Dispatches the ecall in `frame` (number in a7). An unknown number kills
// the caller, like any other fault.
void dispatch(Task& task, arch::TrapFrame& frame);

}  // namespace syscall
