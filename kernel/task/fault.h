// Fault isolation: a user fault ends only the faulting process.
#pragma once

#include <stdint.h>

namespace fault {

// Prints one line (pid, name, cause, address, pc) and ends the current
// process with ExitReason::Fault.
[[noreturn]] void kill_current(const char* cause, uint64_t address, uint64_t pc);
// A name for an exception cause (scause).
const char* cause_name(uint64_t cause);

}  // namespace fault
