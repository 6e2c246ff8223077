// Signals within one process: the handler table behind signal(),
// sigaction() and raise(), and what a signal does when it arrives.
#pragma once

namespace rvos::signals {

// Delivers `sig` to this process now: runs its handler, ignores it, or ends
// the process as killed by it (the default action of most signals).
// Returns 0, or -1 with errno (EINVAL for stop signals: processes cannot be
// stopped).
int deliver_to_self(int sig);
// SIGCHLD, SIGURG, SIGWINCH and SIGCONT: their default action is none.
bool ignored_by_default(int sig);

}  // namespace rvos::signals
