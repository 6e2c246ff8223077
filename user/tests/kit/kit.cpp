// The test kit's helpers (see kit.h).
#include "tests/kit/kit.h"

#include "rvos/service.h"
#include "rvos/sysinfo.h"

namespace testkit {

uint32_t channels_in_use() {
    auto memory = rvos::sysinfo::memory();
    return memory.is_error() ? 0 : memory.value().channels_used;
}

uint64_t free_frames() {
    auto memory = rvos::sysinfo::memory();
    return memory.is_error() ? 0 : memory.value().free_frames;
}

void sleep_ms(uint64_t ms) {
    rvos::WaitItem item{rvos::kBootHandle, rvos::kSignalReadable, 0};
    (void)rvos::sys::wait(&item, 1, rvos::sys::clock_ns() + ms * kMs);
}

ParentPage join_parent(const char* service) {
    ParentPage joined;
    auto parent = rvos::connect(service);
    if (parent.is_error()) return joined;
    joined.parent = parent.release_value();
    rvos::Message hello;
    if (joined.parent.receive_wait(hello) != rvos::Error::None || hello.cap == rvos::kNoHandle) return joined;
    auto page = rvos::sys::mem_map(hello.cap, true);
    if (!page.is_error()) joined.page = static_cast<volatile uint64_t*>(page.value().address);
    return joined;
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
