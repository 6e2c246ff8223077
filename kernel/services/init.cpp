// init: the first task and the service directory. It starts the built-in
// services and the shell, answers requests on every task's boot channel
// (lib/proto/init.proto), and connects clients to services. One generic
// handler serves every service from the registration table (milestone item
// 4): a built-in service is one line in kBuiltinServices; a user program
// registers itself at run time.
#include "base/string.h"
#include "lib/print.h"
#include "platform/power.h"
#include "fdt/machine.h"
#include "mm/memory_object.h"
#include "proto/init.h"
#include "services/services.h"
#include "task/lifecycle.h"
#include "task/process.h"

namespace services {

namespace {

using base::ErrorOr;
namespace init = rvos::proto::init;
using InitServer = Server<init::kMaxRequestBytes, init::kMaxReplyBytes>;

// The services started at boot: task name and entry point. Each registers
// its service name with init when it starts.
struct BuiltinService {
    const char* task_name;
    void (*entry)();
};
constexpr BuiltinService kBuiltinServices[] = {
    {"console", console_main},
    {"sysinfo", sysinfo_main},
    {"math", math_main},
};
// User-space servers started at boot; each registers its service name.
constexpr const char* kBootServers[] = {"fs"};
// The file server of the first disk's ext2 volume, started when there is a
// disk (its driver registered blk0); it serves the volume as "root".
constexpr const char* kDiskServer = "ext2";
constexpr const char* kFirstDisk = "blk0";
constexpr const char* kFirstProgram = "shell";
// The network stack server (lwIP), started when there is a network card
// (its driver registered net0) and the stack was built.
constexpr const char* kNetworkServer = "net";
constexpr const char* kFirstNetworkCard = "net0";

// The control channel: init serves the init protocol on its one end and
// gives the other to the shell (its handle 3). A request that arrives on it
// may stop any program (Kill); on any other channel that is AccessDenied.
// What marks it is the context init watches it with.
int control_channel_marker;
void* const kControl = &control_channel_marker;

// The registration table: every named service init can connect clients to.
struct ServiceEntry {
    char name[rvos::kMaxNameLength + 1];
    Handle listen;  // init's handle to the endpoint the service accepts clients on
};
ServiceEntry registry[rvos::kMaxServices];
size_t service_count = 0;

// init watches every task's boot channel (requests) and every service's
// listen endpoint (to learn when the service is gone). Static: its buffers
// hold the largest request (a spawn).
InitServer loop;

// Processes init watches for their exit (device drivers, to restart them).
struct ExitWatch {
    ExitHandler on_exit;
    void* context;
};
ExitWatch exit_watches[fdt::kMaxVirtioSlots];

Task& me() { return self(); }

void handle_request(InitServer&, Handle client, void*, Buffer& request);

void add_boot_channel(Handle handle) {
    if (!loop.watch(handle, handle_request, nullptr, nullptr)) ipc::close(me(), handle);
}

ServiceEntry* find_service(rvos::proto::Str name) {
    for (size_t i = 0; i < service_count; i++)
        if (base::str_equal(registry[i].name, name.data)) return &registry[i];
    return nullptr;
}

// A service's listen endpoint closed: the service is gone and its name is
// free again. (The loop closes the handle.)
void service_gone(InitServer&, Handle listen, void*) {
    for (size_t i = 0; i < service_count; i++) {
        if (registry[i].listen != listen) continue;
        registry[i] = registry[--service_count];
        return;
    }
}

// Services send nothing on their listen endpoints; anything that arrives
// is dropped (and its handles closed by the loop).
void ignore(InitServer&, Handle, void*, Buffer&) {}

bool valid_name(rvos::proto::Str name) {
    if (name.length == 0) return false;
    for (size_t i = 0; i < name.length; i++)
        if (name.data[i] <= ' ' || name.data[i] > '~') return false;
    return true;
}

// The one handler for every service: make a fresh channel, give one end to
// the service (on its listen endpoint, with the client's pid) and the other
// to the client.
Error handle_service_request(ServiceEntry& service, uint32_t pid, Handle& client_end) {
    ipc::HandlePair pair = TRY(ipc::create_channel(me()));
    rvos::proto::listen::NewClient hand_over;
    hand_over.client = pair.b;
    hand_over.pid = pid;
    Error error = rvos::proto::listen::send_new_client<KernelIpc>(service.listen, hand_over);
    if (error != Error::None) {  // the stub closed the service's end
        ipc::close(me(), pair.a);
        if (error == Error::PeerClosed) loop.drop(service.listen);  // the service is gone
        return error;
    }
    client_end = pair.a;
    return Error::None;
}

// A listen endpoint must lead to the service, not back to init: one whose
// peer init itself holds (say, the caller's own boot channel) would keep
// the name — and the channel — alive forever.
bool talks_to_init(Handle listen) {
    auto endpoint = me().handles.get<ipc::Endpoint>(listen, 0);
    return endpoint.is_error() || me().handles.holds(&endpoint.value()->peer());
}

}  // namespace

ErrorOr<process::Started> start_program(const char* program, const process::Launch& launch) {
    auto started = process::start_user_program(me(), program, launch);
    if (!started.is_error()) add_boot_channel(started.value().boot);
    return started;
}

namespace {

// A program read from a file: its image in a memory object's pages.
const uint8_t* image_page(const void* object, size_t index) {
    return reinterpret_cast<const uint8_t*>(static_cast<const mm::MemoryObject*>(object)->frame(index));
}

ErrorOr<process::Started> start_image(const char* program, Handle image, uint64_t size,
                                      const process::Launch& launch) {
    mm::MemoryObject* memory = TRY(me().handles.get<mm::MemoryObject>(image, rvos::kRightMap));
    if (memory->is_device() || size == 0 || size > memory->pages() * rvos::kPageSize) return Error::BadArgument;
    elf::Source source{size, nullptr, memory, image_page};
    auto started = process::start_user_image(me(), program, source, launch);
    if (!started.is_error()) add_boot_channel(started.value().boot);
    return started;
}

// Ends any user process, for the holder of the control channel.
Error kill_process(uint32_t pid) {
    for (size_t slot = 0; slot < rvos::kMaxProcesses; slot++) {
        Task* task = process::task_at(slot);
        if (!task || task->pid != pid || task->state == TaskState::Exited) continue;
        if (task->is_kernel) return Error::AccessDenied;
        lifecycle::kill(task);
        return Error::None;
    }
    return Error::NotFound;
}

}  // namespace

// A server may ask for other services before it registers its own (the
// disk's file server connects to its disk first): its requests are served
// until its name is registered, it is gone, or it has asked kMaxBootRequests
// times without registering.
void serve_registration(Handle boot) {
    constexpr int kMaxBootRequests = 8;
    size_t registered = service_count;
    for (int i = 0; i < kMaxBootRequests && service_count == registered && loop.watching(boot); i++)
        loop.serve_next(boot);
}

bool watch_exit(Handle process, ExitHandler on_exit, void* context) {
    struct Call {
        static void exited(InitServer&, Handle process, void* context, Buffer&) {
            auto* watch = static_cast<ExitWatch*>(context);
            watch->on_exit(process, watch->context);
        }
    };
    for (ExitWatch& w : exit_watches) {
        if (w.on_exit) continue;
        w = {on_exit, context};
        if (loop.watch_signals(process, rvos::kSignalExited, Call::exited, &w)) return true;
        w = {};
        return false;
    }
    return false;
}

void forget_exit(Handle process, ExitHandler on_exit, void* context) {
    for (ExitWatch& w : exit_watches)
        if (w.on_exit == on_exit && w.context == context) w = {};
    loop.drop(process);
}

namespace {

struct Init {
    uint32_t sender_pid;  // who sent the request (stamped by the kernel)
    bool control;         // it came on the control channel

    Error connect(Handle, init::ConnectRequest& r, init::ConnectReply& out) {
        ServiceEntry* service = find_service(r.name);
        if (!service) return Error::NotFound;
        return handle_service_request(*service, sender_pid, out.client);
    }

    Error register_(Handle, init::RegisterRequest& r, init::RegisterReply&) {
        if (!valid_name(r.name)) return Error::BadArgument;
        if (talks_to_init(r.listen)) return Error::BadArgument;
        if (find_service(r.name)) return Error::AlreadyExists;
        if (service_count == rvos::kMaxServices) return Error::ServiceTableFull;
        if (!loop.watch(r.listen, ignore, nullptr, service_gone)) return Error::HandleTableFull;
        ServiceEntry& entry = registry[service_count++];
        base::str_copy(entry.name, r.name.data, sizeof entry.name);
        entry.listen = r.listen;
        r.listen = rvos::kNoHandle;  // the registry's now
        return Error::None;
    }

    template <typename Request> process::Launch launch_for(const Request& r) const {
        return process::Launch{reinterpret_cast<const char*>(r.args.data),
                               r.args.length,
                               reinterpret_cast<const char*>(r.env.data),
                               r.env.length,
                               r.handles,
                               r.handles_count,
                               r.cwd.data,
                               r.cwd.length,
                               sender_pid};
    }

    Error spawn(Handle, init::SpawnRequest& r, init::SpawnReply& out) {
        process::Started started = TRY(start_program(r.program.data, launch_for(r)));
        r.handles_count = 0;  // they are the child's now
        out.pid = started.pid;
        out.process = started.process;
        return Error::None;
    }

    Error spawn_image(Handle, init::SpawnImageRequest& r, init::SpawnImageReply& out) {
        if (!valid_name(r.program)) return Error::BadArgument;
        process::Started started = TRY(start_image(r.program.data, r.image, r.size, launch_for(r)));
        r.handles_count = 0;  // the child's now; the image is closed with the request
        out.pid = started.pid;
        out.process = started.process;
        return Error::None;
    }

    Error kill(Handle, init::KillRequest& r, init::KillReply&) {
        if (!control) return Error::AccessDenied;
        return kill_process(r.pid);
    }
};

void handle_request(InitServer& server, Handle client, void* context, Buffer& request) {
    Init handler{request.sender_pid, context == kControl};
    init::dispatch(server, client, request, handler);
}

// Takes over a task init started for the life of the system: init keeps
// its process handle (a process nobody holds a handle to would end) and its
// boot channel joins the wait list. A server's first request is its
// registration, served right away so its name is known before anything can
// ask for it.
void adopt(const char* name, ErrorOr<process::Started> started, bool is_server) {
    if (started.is_error()) {
        kprint("[init] cannot start %s: %s\n", name, rvos::error_name(started.error()));
        return;
    }
    if (is_server) serve_registration(started.value().boot);
}

// A program with no arguments but its name.
process::Launch bare(const char* program, const Handle* handles, size_t count) {
    return process::Launch{program, base::str_length(program) + 1, "", 0, handles, count, "", 0, me().pid};
}

void start_system() {
    // The terminal: a channel the console serves at one end (its handle 1)
    // and the shell holds the other of (its handle 2). Its holder reads
    // what is typed while no program is in the foreground, and puts
    // programs there (lib/proto/console.proto).
    auto terminal = ipc::create_channel(me());
    for (const BuiltinService& service : kBuiltinServices) {
        bool serves_terminal = service.entry == console_main && !terminal.is_error();
        Handle handles[] = {serves_terminal ? terminal.value().a : rvos::kNoHandle};
        auto started = process::start_kernel_task(me(), service.task_name, service.entry, handles,
                                                  serves_terminal ? 1 : 0);
        if (!started.is_error()) add_boot_channel(started.value().boot);
        adopt(service.task_name, started, true);
    }
    start_drivers();
    for (const char* program : kBootServers) {
        process::Launch launch = bare(program, nullptr, 0);
        launch.system_server = true;
        adopt(program, start_program(program, launch), true);
    }
    if (find_service(rvos::proto::Str(kFirstDisk))) {
        process::Launch launch = bare(kDiskServer, nullptr, 0);
        launch.system_server = true;
        adopt(kDiskServer, start_program(kDiskServer, launch), true);
    }
    if (find_service(rvos::proto::Str(kFirstNetworkCard)) && process::find_program(kNetworkServer)) {
        process::Launch launch = bare(kNetworkServer, nullptr, 0);
        launch.system_server = true;
        adopt(kNetworkServer, start_program(kNetworkServer, launch), true);
    }
    kprint("[boot] services: %lu registered\n", service_count);
    // The shell may power the machine off: it gets a handle to the power
    // object (as its handle 1); nothing else does. Its handle 2 is the terminal.
    auto power = me().handles.install(&power::object(), rvos::kRightWrite | rvos::kRightTransfer);
    // Its handle 3 is the control channel (kControl).
    auto control = ipc::create_channel(me());
    if (!control.is_error() && !loop.watch(control.value().a, handle_request, kControl, nullptr)) {
        ipc::close(me(), control.value().a);
        ipc::close(me(), control.value().b);
        control = Error::HandleTableFull;
    }
    Handle shell_handles[3];
    size_t shell_handle_count = 0;
    if (!power.is_error()) shell_handles[shell_handle_count++] = power.value();
    if (!power.is_error() && !terminal.is_error()) shell_handles[shell_handle_count++] = terminal.value().b;
    if (shell_handle_count == 2 && !control.is_error()) shell_handles[shell_handle_count++] = control.value().b;
    adopt(kFirstProgram, start_program(kFirstProgram, bare(kFirstProgram, shell_handles, shell_handle_count)), false);
}

}  // namespace

void init_main() {
    start_system();
    loop.run();
}

}  // namespace services
