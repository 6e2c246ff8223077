// init: the first task and the service directory. It starts the built-in
// services and the shell, answers requests on every task's boot channel, and
// connects clients to services. One generic handler serves every service
// from the registration table (milestone item 4): a built-in service is one
// line in kBuiltinServices; a user program registers itself at run time.
#include "base/string.h"
#include "lib/print.h"
#include "platform/power.h"
#include "services/services.h"
#include "task/process.h"
#include "task/scheduler.h"
#include "wire/wire.h"

namespace services {

namespace {

using base::ErrorOr;
using rvos::proto::Init;
using rvos::proto::Listen;

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
constexpr const char* kFirstProgram = "shell";

// The registration table: every named service init can connect clients to.
struct ServiceEntry {
    char name[rvos::kMaxNameLength + 1];
    Handle listen;  // init's handle to the endpoint the service accepts clients on
};
ServiceEntry registry[rvos::kMaxServices];
size_t service_count = 0;

// init watches every task's boot channel (requests) and every service's
// listen endpoint (to learn when the service is gone).
Server loop;

Task& me() { return self(); }

void handle_request(Server&, Handle client, void*, Message& request);

void add_boot_channel(Handle handle) {
    if (!loop.watch(handle, handle_request, nullptr, nullptr)) ipc::close(me(), handle);
}

ServiceEntry* find_service(const char* name) {
    for (size_t i = 0; i < service_count; i++)
        if (base::str_equal(registry[i].name, name)) return &registry[i];
    return nullptr;
}

// A service's listen endpoint closed: the service is gone and its name is
// free again. (The loop closes the handle.)
void service_gone(Server&, Handle listen, void*) {
    for (size_t i = 0; i < service_count; i++) {
        if (registry[i].listen != listen) continue;
        registry[i] = registry[--service_count];
        return;
    }
}

// Services send nothing on their listen endpoints; anything that arrives
// is dropped.
void ignore(Server&, Handle, void*, Message&) {}

void reply(Handle client, Error status, Handle cap = rvos::kNoHandle, uint32_t value = 0) {
    Message message;
    wire::Writer(message, static_cast<uint32_t>(Init::Reply)).put_i32(static_cast<int32_t>(status)).put_u32(value);
    message.cap = cap;
    if (ipc::send(me(), client, message) != Error::None && cap != rvos::kNoHandle) ipc::close(me(), cap);
}

bool valid_name(const char* name) {
    size_t length = base::str_length(name);
    if (length == 0) return false;
    for (size_t i = 0; i < length; i++)
        if (name[i] <= ' ' || name[i] > '~') return false;
    return true;
}

// The one handler for every service: make a fresh channel, give one end to
// the service (on its listen endpoint) and the other to the client.
void handle_service_request(ServiceEntry& service, Handle client) {
    auto pair = ipc::create_channel(me());
    if (pair.is_error()) return reply(client, pair.error());
    Message hand_over;
    wire::Writer(hand_over, static_cast<uint32_t>(Listen::NewClient));
    hand_over.cap = pair.value().b;
    Error error = ipc::send(me(), service.listen, hand_over);
    if (error != Error::None) {
        ipc::close(me(), pair.value().a);
        ipc::close(me(), pair.value().b);
        if (error == Error::PeerClosed) loop.drop(service.listen);  // the service is gone
        return reply(client, error);
    }
    reply(client, Error::None, pair.value().a);
}

// A listen endpoint must lead to the service, not back to init: one whose
// peer init itself holds (say, the caller's own boot channel) would keep
// the name — and the channel — alive forever.
bool talks_to_init(Handle listen) {
    auto endpoint = me().handles.get<ipc::Endpoint>(listen, 0);
    return endpoint.is_error() || me().handles.holds(&endpoint.value()->peer());
}

void handle_register(Handle client, const char* name, Handle listen) {
    Error error = Error::None;
    if (listen == rvos::kNoHandle) error = Error::BadMessage;
    else if (!valid_name(name)) error = Error::BadArgument;
    else if (talks_to_init(listen)) error = Error::BadArgument;
    else if (find_service(name)) error = Error::AlreadyExists;
    else if (service_count == rvos::kMaxServices) error = Error::ServiceTableFull;
    else if (!loop.watch(listen, ignore, nullptr, service_gone)) error = Error::HandleTableFull;
    if (error != Error::None) {
        if (listen != rvos::kNoHandle) ipc::close(me(), listen);
        return reply(client, error);
    }
    ServiceEntry& entry = registry[service_count++];
    base::str_copy(entry.name, name, sizeof entry.name);
    entry.listen = listen;
    reply(client, Error::None);
}

// The argument block a program starts with: its name, then each
// space-separated argument, every one NUL-terminated.
size_t argument_block(char* block, const char* program, const char* args) {
    size_t length = base::str_length(program) + 1;
    base::mem_copy(block, program, length);
    for (const char* p = args; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        while (*p && *p != ' ') block[length++] = *p++;
        block[length++] = 0;
    }
    return length;
}

ErrorOr<process::Started> start_program(const char* program, const char* args, const Handle* handles,
                                        size_t handle_count) {
    char block[2 * rvos::kMessagePayload + rvos::kMaxNameLength + 2];
    process::Launch launch{block, argument_block(block, program, args), "", 0, handles, handle_count};
    return process::start_user_program(me(), program, launch);
}

// Spawn: a carried handle moves to the new program as its handle 1.
void handle_spawn(Handle client, wire::Reader& reader, Message& request) {
    char program[rvos::kMaxNameLength + 1];
    char args[rvos::kMessagePayload];
    if (!reader.get_str(program, sizeof program) || !reader.get_str(args, sizeof args))
        return reply(client, Error::BadMessage);
    bool carries = request.cap != rvos::kNoHandle;
    auto started = start_program(program, args, &request.cap, carries ? 1 : 0);
    if (started.is_error()) return reply(client, started.error());
    if (carries) request.cap = rvos::kNoHandle;  // the child's now
    add_boot_channel(started.value().boot);
    reply(client, Error::None, started.value().process, started.value().pid);
}

void handle_request(Server&, Handle client, void*, Message& request) {
    wire::Reader reader(request);
    auto tag = static_cast<Init>(reader.tag());
    Handle cap = request.cap;
    char name[rvos::kMaxNameLength + 1];
    if (tag == Init::Spawn) {
        handle_spawn(client, reader, request);
    } else if ((tag == Init::Connect || tag == Init::Register) && !reader.get_str(name, sizeof name)) {
        reply(client, Error::TooLong);
    } else if (tag == Init::Connect) {
        ServiceEntry* service = find_service(name);
        if (service) handle_service_request(*service, client);
        else reply(client, Error::NotFound);
    } else if (tag == Init::Register) {
        request.cap = rvos::kNoHandle;  // the registry's now (or closed)
        handle_register(client, name, cap);
    } else {
        reply(client, reader.ok() ? Error::Unsupported : Error::BadMessage);
    }
}

// Waits for a request on one boot channel and serves it (used at boot, so
// the built-in services are registered before anything can ask for them).
void serve_one(Handle boot) {
    Message request;
    if (ipc::receive(me(), boot, request, true) != Error::None) return;
    handle_request(loop, boot, nullptr, request);
    if (request.cap != rvos::kNoHandle) ipc::close(me(), request.cap);
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
    add_boot_channel(started.value().boot);
    if (is_server) serve_one(started.value().boot);
}

void start_system() {
    for (const BuiltinService& service : kBuiltinServices)
        adopt(service.task_name, process::start_kernel_task(me(), service.task_name, service.entry), true);
    for (const char* program : kBootServers) adopt(program, start_program(program, "", nullptr, 0), true);
    kprint("[boot] services: %lu registered\n", service_count);
    // The shell may power the machine off: it gets a handle to the power
    // object (as its handle 1); nothing else does.
    auto power = me().handles.install(&power::object(), rvos::kRightWrite | rvos::kRightTransfer);
    Handle shell_handles[] = {power.is_error() ? rvos::kNoHandle : power.value()};
    adopt(kFirstProgram, start_program(kFirstProgram, "", shell_handles, power.is_error() ? 0 : 1), false);
}

}  // namespace

void init_main() {
    start_system();
    loop.run();
}

}  // namespace services
