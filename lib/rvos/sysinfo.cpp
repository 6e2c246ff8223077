// The sysinfo client (see sysinfo.h), on lib/proto/sysinfo.proto.
#include "rvos/sysinfo.h"

#include "proto/sysinfo.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

namespace rvos::sysinfo {

namespace {
namespace sp = proto::sysinfo;
ServiceConnection service("sysinfo");
}  // namespace

base::ErrorOr<size_t> processes(ProcessInfo* out, size_t capacity) {
    sp::ProcessesReplyBuffer buffer;
    auto reply = TRY(sp::processes<UserIpc>(TRY(service.handle()), {}, buffer));
    size_t count = 0;
    for (uint32_t i = 0; i < reply.entries_count && count < capacity; i++) {
        const sp::ProcessEntry& entry = reply.entries[i];
        ProcessInfo& info = out[count++];
        info.pid = entry.pid;
        info.state = static_cast<proto::ProcessState>(entry.state);
        info.kind = static_cast<proto::ProcessKind>(entry.kind);
        info.handles = entry.handles;
        base::str_copy(info.name, entry.name.data, sizeof info.name);
    }
    return count;
}

base::ErrorOr<MemoryInfo> memory() {
    sp::MemoryReplyBuffer buffer;
    auto reply = TRY(sp::memory<UserIpc>(TRY(service.handle()), {}, buffer));
    return MemoryInfo{reply.free_frames, reply.total_frames, reply.heap_used, reply.channels_used,
                      reply.channels_max, reply.queued_bytes, reply.kernel_stack_deepest, reply.kernel_stack_size};
}

const char* state_name(proto::ProcessState state) {
    switch (state) {
    case proto::ProcessState::Ready: return "ready";
    case proto::ProcessState::Running: return "running";
    case proto::ProcessState::Blocked: return "blocked";
    case proto::ProcessState::Exited: return "exited";
    }
    return "?";
}

const char* kind_name(proto::ProcessKind kind) { return kind == proto::ProcessKind::Kernel ? "kernel" : "user"; }

}  // namespace rvos::sysinfo
