// The sysinfo service: the process list and resource counts, read straight
// from the kernel's tables. The protocol is lib/proto/sysinfo.proto.
#include "ipc/channel.h"
#include "mm/kernel_stack.h"
#include "mm/memory.h"
#include "proto/sysinfo.h"
#include "services/services.h"
#include "task/process.h"

namespace services {

namespace {

namespace sysinfo = rvos::proto::sysinfo;
using SysinfoServer = Server<sysinfo::kMaxRequestBytes, sysinfo::kMaxReplyBytes>;

struct Sysinfo {
    Error processes(Handle, const sysinfo::ProcessesRequest&, sysinfo::ProcessesReply& out) {
        for (size_t slot = 0; slot < rvos::kMaxProcesses; slot++) {
            Task* task = process::task_at(slot);
            if (!task) continue;
            sysinfo::ProcessEntry& entry = out.entries[out.entries_count++];
            entry.pid = task->pid;
            entry.state = static_cast<uint8_t>(task->state);
            entry.kind = static_cast<uint8_t>(task->is_kernel ? rvos::proto::ProcessKind::Kernel
                                                              : rvos::proto::ProcessKind::User);
            entry.handles = static_cast<uint16_t>(task->handles.count());
            entry.name = task->name;  // lives as long as the task; encoded before anything runs
        }
        return Error::None;
    }
    Error memory(Handle, const sysinfo::MemoryRequest&, sysinfo::MemoryReply& out) {
        out.free_frames = mm::frames().free_count();
        out.total_frames = mm::frames().total();
        out.heap_used = mm::kernel_heap().used();
        out.channels_used = static_cast<uint32_t>(ipc::channels().in_use());
        out.channels_max = static_cast<uint32_t>(rvos::kMaxChannels);
        out.queued_bytes = ipc::queued_bytes();
        out.kernel_stack_deepest = static_cast<uint32_t>(mm::deepest_kernel_stack_use());
        out.kernel_stack_size = static_cast<uint32_t>(mm::kKernelStackSize);
        return Error::None;
    }
};

SysinfoServer server;

void handle_request(SysinfoServer& loop, Handle client, void*, Buffer& request) {
    Sysinfo handler;
    sysinfo::dispatch(loop, client, request, handler);
}

}  // namespace

void sysinfo_main() {
    auto listen = register_service("sysinfo");
    if (listen.is_error()) return;
    server.listen(listen.value(), handle_request);
    server.run();
}

}  // namespace services
