#include "rvos/sysinfo.h"

#include "rvos/service.h"
#include "wire/wire.h"

namespace rvos::sysinfo {

namespace {

using proto::SysInfo;

ServiceConnection sysinfo("sysinfo");

Error request(Handle handle, SysInfo what) {
    Message message;
    wire::Writer(message, static_cast<uint32_t>(what));
    return sys::chan_send(handle, message);
}

}  // namespace

base::ErrorOr<size_t> processes(ProcessInfo* out, size_t capacity) {
    Handle handle = TRY(sysinfo.handle());
    Error error = request(handle, SysInfo::Processes);
    if (error != Error::None) return error;
    size_t count = 0;
    for (;;) {
        Message message;
        error = sys::chan_recv_wait(handle, message);
        if (error != Error::None) return error;
        wire::Reader reader(message);
        auto tag = static_cast<SysInfo>(reader.tag());
        if (tag == SysInfo::End) return count;
        if (tag != SysInfo::ProcessEntry) return Error::BadMessage;
        ProcessInfo info;
        info.pid = reader.get_u32();
        info.state = static_cast<proto::ProcessState>(reader.get_u8());
        info.kind = static_cast<proto::ProcessKind>(reader.get_u8());
        info.handles = reader.get_u16();
        reader.get_str(info.name, sizeof info.name);
        if (!reader.ok()) return Error::BadMessage;
        if (count < capacity) out[count++] = info;
    }
}

base::ErrorOr<MemoryInfo> memory() {
    Handle handle = TRY(sysinfo.handle());
    Error error = request(handle, SysInfo::Memory);
    if (error != Error::None) return error;
    Message message;
    error = sys::chan_recv_wait(handle, message);
    if (error != Error::None) return error;
    wire::Reader reader(message);
    if (static_cast<SysInfo>(reader.tag()) != SysInfo::MemoryStats) return Error::BadMessage;
    MemoryInfo info;
    info.free_frames = reader.get_u64();
    info.total_frames = reader.get_u64();
    info.heap_used = reader.get_u64();
    info.channels_used = reader.get_u32();
    info.channels_max = reader.get_u32();
    if (!reader.ok()) return Error::BadMessage;
    return info;
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
