// Talking to init (see service.h), on the generated init protocol
// (lib/proto/init.proto) — the same client code the kernel's services use.
#include "rvos/service.h"

#include <stdlib.h>

#include "proto/init.h"
#include "rvos/cwd.h"
#include "rvos/handoff.h"
#include "rvos/ipc.h"

extern "C" char** environ;

namespace rvos {

namespace {

namespace ip = proto::init;

// Bytes of NUL-terminated strings back to back.
size_t packed_size(const char* const* strings) {
    size_t size = 0;
    for (size_t i = 0; strings && strings[i]; i++) size += base::str_length(strings[i]) + 1;
    return size;
}

void pack(const char* const* strings, char* out) {
    for (size_t i = 0; strings && strings[i]; i++) {
        size_t length = base::str_length(strings[i]) + 1;
        base::mem_copy(out, strings[i], length);
        out += length;
    }
}

}  // namespace

base::ErrorOr<Channel> connect(const char* name) {
    if (base::str_length_bounded(name, kMaxNameLength + 1) > kMaxNameLength) return Error::TooLong;
    ip::ConnectRequest request;
    request.name = name;
    ip::ConnectReplyBuffer buffer;
    auto reply = TRY(ip::connect<UserIpc>(kBootHandle, request, buffer));
    return Channel(reply.client);
}

base::ErrorOr<Handle> ServiceConnection::handle() {
    if (handle_ == kNoHandle) {
        Channel channel = TRY(connect(name_));
        handle_ = channel.release();
    }
    return handle_;
}

base::ErrorOr<Channel> register_service(const char* name) {
    if (base::str_length_bounded(name, kMaxNameLength + 1) > kMaxNameLength) return Error::TooLong;
    Channel service_end;
    Channel listen = TRY(Channel::create_pair(service_end));
    ip::RegisterRequest request;
    request.name = name;
    request.listen = service_end.release();  // init's now (or closed by the stub)
    ip::RegisterReplyBuffer buffer;
    TRY(ip::register_<UserIpc>(kBootHandle, request, buffer));
    return listen;
}

namespace {

// Frees what with_stdio made.
struct StdioArguments {
    Handle handles[kMaxSpawnHandles];
    size_t handle_count = 0;
    const char** envp = nullptr;
    char entry[handoff::kEntrySize];
    ~StdioArguments() { free(envp); }
};

// The start-up handles and environment that hand `stdio` to the child
// (handoff.h): the caller's handles and environment, plus one handle per
// pipe end or file and the RVOS_FDS entry.
Error with_stdio(fd::Open* const stdio[3], const char* const* envp, const Handle* handles, size_t handle_count,
                 StdioArguments& out) {
    for (size_t i = 0; i < handle_count; i++) out.handles[out.handle_count++] = handles[i];
    bool needed = TRY(handoff::prepare(stdio, out.handles, &out.handle_count, kMaxSpawnHandles, out.entry));
    if (!needed) return Error::None;
    size_t n = 0;
    while (envp && envp[n]) n++;
    out.envp = static_cast<const char**>(malloc((n + 2) * sizeof(char*)));
    if (!out.envp) return Error::NoMemory;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!base::str_starts_with(envp[i], "RVOS_FDS=")) out.envp[kept++] = envp[i];
    out.envp[kept++] = out.entry;
    out.envp[kept] = nullptr;
    return Error::None;
}

}  // namespace

base::ErrorOr<Child> spawn_argv(const char* program, const char* const* argv, const char* const* envp,
                                const Handle* handles, size_t handle_count) {
    fd::Open* stdio[3] = {fd::get(0), fd::get(1), fd::get(2)};
    return spawn_with_stdio(program, argv, envp, handles, handle_count, stdio);
}

base::ErrorOr<Child> spawn_with_stdio(const char* program, const char* const* argv, const char* const* envp,
                                      const Handle* handles, size_t handle_count, fd::Open* const stdio[3]) {
    if (base::str_length_bounded(program, kMaxNameLength + 1) > kMaxNameLength) return Error::TooLong;
    if (handle_count > kMaxSpawnHandles) return Error::BadArgument;
    if (!envp) envp = environ;
    StdioArguments given;
    Error error = with_stdio(stdio, envp, handles, handle_count, given);
    if (error != Error::None) {
        for (size_t i = 0; i < given.handle_count; i++) sys::handle_close(given.handles[i]);
        return error;
    }
    if (given.envp) envp = given.envp;
    handles = given.handles;
    handle_count = given.handle_count;
    size_t args = packed_size(argv), env = packed_size(envp);
    auto* block = args > kMaxSpawnBytes || env > kMaxSpawnBytes ? nullptr : static_cast<char*>(malloc(args + env + 1));
    if (!block) {
        for (size_t i = 0; i < handle_count; i++) sys::handle_close(handles[i]);  // gone, as if sent
        return args > kMaxSpawnBytes || env > kMaxSpawnBytes ? Error::TooLong : Error::NoMemory;
    }
    pack(argv, block);
    pack(envp, block + args);
    ip::SpawnRequest request;
    request.program = program;
    request.args = proto::Bytes(block, args);
    request.env = proto::Bytes(block + args, env);
    request.cwd = cwd::get();
    request.handles_count = static_cast<uint32_t>(handle_count);
    for (size_t i = 0; i < handle_count; i++) request.handles[i] = handles[i];
    ip::SpawnReplyBuffer buffer;
    auto reply = ip::spawn<UserIpc>(kBootHandle, request, buffer);
    free(block);
    if (reply.is_error()) return reply.error();
    return Child{reply.value().pid, Channel(reply.value().process)};
}

base::ErrorOr<Child> spawn(const char* program, const char* args) {
    // argv[0] is the program; then every space-separated word.
    size_t length = base::str_length(args);
    auto* copy = static_cast<char*>(malloc(length + 1));
    auto** argv = static_cast<const char**>(malloc((length / 2 + 3) * sizeof(char*)));
    if (!copy || !argv) {
        free(copy);
        free(argv);
        return Error::NoMemory;
    }
    base::mem_copy(copy, args, length + 1);
    size_t argc = 0;
    argv[argc++] = program;
    for (char* p = copy; *p;) {
        while (*p == ' ') *p++ = 0;
        if (!*p) break;
        argv[argc++] = p;
        while (*p && *p != ' ') p++;
    }
    argv[argc] = nullptr;
    auto child = spawn_argv(program, argv);
    free(copy);
    free(argv);
    return child;
}

base::ErrorOr<ExitStatus> wait_exit(Child& child) {
    WaitItem item{child.process.handle(), kSignalExited, 0};
    TRY(sys::wait(&item, 1));
    return sys::process_status(child.process.handle());
}

}  // namespace rvos
