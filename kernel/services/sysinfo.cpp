// The sysinfo service: the process list and resource counts, read straight
// from the kernel's tables.
#include "ipc/channel.h"
#include "mm/memory.h"
#include "services/services.h"
#include "task/process.h"
#include "wire/wire.h"

namespace services {

namespace {

using rvos::proto::SysInfo;

void send_processes(Server& server, Handle client) {
    // Snapshot first: the replies themselves wake the client, and the list
    // should show the system as it was when asked.
    Message entries[rvos::kMaxProcesses];
    size_t count = 0;
    for (size_t slot = 0; slot < rvos::kMaxProcesses; slot++) {
        Task* task = process::task_at(slot);
        if (!task) continue;
        wire::Writer(entries[count++], static_cast<uint32_t>(SysInfo::ProcessEntry))
            .put_u32(task->pid)
            .put_u8(static_cast<uint8_t>(task->state))
            .put_u8(static_cast<uint8_t>(task->is_kernel ? rvos::proto::ProcessKind::Kernel
                                                         : rvos::proto::ProcessKind::User))
            .put_u16(static_cast<uint16_t>(task->handles.count()))
            .put_str(task->name);
    }
    for (size_t i = 0; i < count && server.watching(client); i++) server.reply(client, entries[i]);
    Message end;
    wire::Writer(end, static_cast<uint32_t>(SysInfo::End));
    if (server.watching(client)) server.reply(client, end);
}

void send_memory(Server& server, Handle client) {
    Message stats;
    wire::Writer(stats, static_cast<uint32_t>(SysInfo::MemoryStats))
        .put_u64(mm::frames().free_count())
        .put_u64(mm::frames().total())
        .put_u64(mm::kernel_heap().used())
        .put_u32(static_cast<uint32_t>(ipc::channels().in_use()))
        .put_u32(static_cast<uint32_t>(rvos::kMaxChannels));
    server.reply(client, stats);
}

void handle_request(Server& server, Handle client, void*, Message& request) {
    wire::Reader reader(request);
    switch (static_cast<SysInfo>(reader.tag())) {
    case SysInfo::Processes: send_processes(server, client); break;
    case SysInfo::Memory: send_memory(server, client); break;
    default: {
        Message end;  // an unknown request gets an empty answer
        wire::Writer(end, static_cast<uint32_t>(SysInfo::End));
        server.reply(client, end);
    }
    }
}

}  // namespace

void sysinfo_main() {
    auto listen = register_service("sysinfo");
    if (listen.is_error()) return;
    Server server;
    server.listen(listen.value(), handle_request);
    server.run();
}

}  // namespace services
