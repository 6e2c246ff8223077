// This process and the processes it starts, for the C library: its parent's
// pid, its children (started with posix_spawn or system, and waited for
// with waitpid) and the CPU time of the children it has waited for.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "rvos/syscall.h"

namespace rvos::process {

// At start-up: the pid of the process that started this one.
void start(uint32_t parent_pid);
// CPU time of every child waitpid or system has reaped, in nanoseconds
// (times() reports it as the children's time).
uint64_t children_cpu_ns();
// The process handle of a child posix_spawn started and nobody has waited
// for yet (kNoHandle otherwise): to wait on it together with other objects.
// It stays the library's: waitpid reaps it.
Handle handle_of(int pid);
// The wait status (as <sys/wait.h> reads it) of a process that ended so:
// an exit code in bits 8-15, or the signal that ended it in bits 0-6 (a
// fault reads as SIGSEGV, a kill that named no signal as SIGKILL).
int wait_status(const sys::ExitStatus& status);

}  // namespace rvos::process
