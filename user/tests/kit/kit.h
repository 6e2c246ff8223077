// The test kit: helpers shared by the test programs in user/tests, so each
// is written once instead of copied between them. Built as
// build/lib/libtestkit.a (LIBS := rvos testkit); include as "tests/kit/kit.h".
#pragma once

#include <stdint.h>

namespace testkit {

// Channels in use system-wide as sysinfo reports them (0 if sysinfo fails).
uint32_t channels_in_use();

// Starts `program` with `args`, waits for it and returns its exit status
// (rvos::kExitFault if the kernel killed it), or -1 if it could not be
// started or waited for.
int32_t run_child(const char* program, const char* args);

}  // namespace testkit
