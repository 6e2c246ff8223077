// The test kit's helpers (see kit.h).
#include "tests/kit/kit.h"

#include "rvos/service.h"
#include "rvos/sysinfo.h"

namespace testkit {

uint32_t channels_in_use() {
    auto memory = rvos::sysinfo::memory();
    return memory.is_error() ? 0 : memory.value().channels_used;
}

int32_t run_child(const char* program, const char* args) {
    auto child = rvos::spawn(program, args);
    if (child.is_error()) return -1;
    auto status = rvos::wait_exit(child.value());
    return status.is_error() ? -1 : summary(status.value());
}

int32_t summary(const rvos::sys::ExitStatus& status) {
    switch (status.reason) {
    case rvos::ExitReason::Exited: return status.code;
    case rvos::ExitReason::Fault: return kFault;
    case rvos::ExitReason::Killed: return kKilled;
    case rvos::ExitReason::Running: break;
    }
    return -1;
}

}  // namespace testkit
