// Fault isolation: a user fault ends only the faulting process.
#pragma once

#include <stdint.h>

#include "task/task.h"

namespace fault {

// Prints one line (pid, name, cause, address, pc) and ends the current
// process with ExitReason::Fault.
[[noreturn]] void kill_current(const char* cause, uint64_t address, uint64_t pc);
// A name for an exception cause (scause).
const char* cause_name(uint64_t cause);
// Any exception from user mode but an ecall: an FP instruction while the
// unit is off for the task claims the FP registers (task/fpu.h), a load or
// store that first touches a stack page maps it, and the instruction is
// retried; everything else kills the process, and the kill line says what
// it was: "stack overflow" for a load or store in the guard gap below the
// stack, "stack page fault: out of memory" for a stack page with no frame
// left, else the cause's name. (Off the syscall path, which it keeps
// short.)
void user_exception(Task& task, uint64_t cause, uint64_t address, uint64_t pc);

}  // namespace fault
