// Waiting: a task sleeps until one of several objects shows a signal it
// asked for, or a deadline on the monotonic clock passes.
#pragma once

#include "task/task.h"

namespace ipc {

// Blocks until an item's object shows one of its wanted signals and
// returns that item's index, with every item's `observed` filled in; or
// TimedOut once `deadline_ns` passes (kDeadlineNow polls, kDeadlineNever
// waits forever). Every handle needs kRightWait. Among ready items, an
// endpoint whose peer is gone and whose queue is drained comes first, so a
// server reclaims what departed clients held before taking on new work.
// A timer's Fired is consumed when it is reported.
ErrorOr<size_t> wait(Task& task, rvos::WaitItem* items, size_t count, uint64_t deadline_ns);

// One sleep on one object the caller has already looked up (and holds a
// handle to, with kRightWait): hooks an observer for `wanted`, arms
// `deadline_ns` (unless kDeadlineNever), blocks until woken, unhooks. The
// caller checks the signals and the deadline itself before and after.
void block_on(Task& task, Object& object, rvos::Signals wanted, uint64_t deadline_ns);

// Unhooks a task killed while it waited.
void abandon_wait(Task& task);

}  // namespace ipc
