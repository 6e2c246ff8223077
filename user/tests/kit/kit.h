// The test kit: helpers shared by the test programs in user/tests, so each
// is written once instead of copied between them. Built as
// build/lib/libtestkit.a (LIBS := rvos testkit); include as "tests/kit/kit.h".
#pragma once

#include <stdint.h>

#include "rvos/channel.h"
#include "rvos/syscall.h"

namespace testkit {

inline constexpr uint64_t kMs = 1'000'000;  // nanoseconds

// Channels in use system-wide as sysinfo reports them (0 if sysinfo fails).
uint32_t channels_in_use();
// Free frames as sysinfo reports them (0 if sysinfo fails).
uint64_t free_frames();
// Sleeps `ms` milliseconds: a timed wait on the boot channel, which init
// never sends on unasked.
void sleep_ms(uint64_t ms);

// A child's side of the shared page a parent steps a test through
// (messages may not get through while the test fills a budget): connects
// to `service`, which the parent registered, and maps the memory object
// the parent sends first. `page` is null if a step failed; `parent` is
// kept open for as long as the test runs.
struct ParentPage {
    rvos::Channel parent;
    volatile uint64_t* page = nullptr;
};
ParentPage join_parent(const char* service);

// How run_child reports a child that did not exit by itself (the kernel
// reports the reason apart from the code; these are the kit's summary).
inline constexpr int32_t kFault = -1000;   // killed by the kernel for a fault
inline constexpr int32_t kKilled = -1001;  // ended through its process handle

// Starts `program` with `args`, waits for it and returns its exit code,
// kFault or kKilled, or -1 if it could not be started or waited for.
int32_t run_child(const char* program, const char* args);
// The same summary of an ExitStatus.
int32_t summary(const rvos::sys::ExitStatus& status);

}  // namespace testkit
