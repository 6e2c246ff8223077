// Shared by the host unit tests: the fake Task and wake-up record.
//
// The scheduler stand-in: channel.h declares `struct Task` and
// `void task_wake(Task*)`; the tests define both here and record every
// wake-up so they can assert who was woken.
#pragma once

#include <ostream>
#include <vector>

#include "abi/abi.h"

struct Task {
    int id;
};

namespace fake {
// Every Task* passed to task_wake since the last clear_wakes(), in order.
const std::vector<Task*>& wakes();
void clear_wakes();
}  // namespace fake

// GoogleTest prints an Error by name in failure messages.
namespace rvos {
inline void PrintTo(Error e, std::ostream* os) { *os << "Error::" << static_cast<int>(e) << " (" << error_name(e) << ")"; }
}  // namespace rvos
