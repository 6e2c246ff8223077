// The sysinfo client: the process list and resource counts.
#pragma once

#include "abi/protocol.h"
#include "base/error_or.h"

namespace rvos::sysinfo {

struct ProcessInfo {
    uint32_t pid;
    proto::ProcessState state;
    proto::ProcessKind kind;
    uint16_t handles;
    char name[kMaxNameLength + 1];
};

struct MemoryInfo {
    uint64_t free_frames;
    uint64_t total_frames;
    uint64_t heap_used;
    uint32_t channels_used;
    uint32_t channels_max;
    uint64_t queued_bytes;  // bytes in message queues system-wide
    uint32_t kernel_stack_deepest;  // the most any kernel stack was used since boot, in bytes
    uint32_t kernel_stack_size;     // of this many each
};

// Fills `out` with up to `capacity` processes; returns how many.
base::ErrorOr<size_t> processes(ProcessInfo* out, size_t capacity);
base::ErrorOr<MemoryInfo> memory();

const char* state_name(proto::ProcessState state);
const char* kind_name(proto::ProcessKind kind);

}  // namespace rvos::sysinfo
