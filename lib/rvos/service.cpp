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

namespace ip = proto::init;

namespace {

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

// The strings of a spawn request, packed.
class Packed {
public:
    Packed(const char* const* argv, const char* const* envp)
        : args_(packed_size(argv)), env_(packed_size(envp ? envp : environ)) {
        if (args_ > kMaxSpawnBytes || env_ > kMaxSpawnBytes) {
            error_ = Error::TooLong;
            return;
        }
        block_ = static_cast<char*>(malloc(args_ + env_ + 1));
        if (!block_) {
            error_ = Error::NoMemory;
            return;
        }
        pack(argv, block_);
        pack(envp ? envp : environ, block_ + args_);
    }
    ~Packed() { free(block_); }
    Packed(const Packed&) = delete;
    Packed& operator=(const Packed&) = delete;

    Error error() const { return error_; }
    template <typename Request> void fill(Request& request, const Handle* handles, size_t handle_count) const {
        request.args = proto::Bytes(block_, args_);
        request.env = proto::Bytes(block_ + args_, env_);
        request.cwd = cwd::get();
        request.handles_count = static_cast<uint32_t>(handle_count);
        for (size_t i = 0; i < handle_count; i++) request.handles[i] = handles[i];
    }

private:
    size_t args_, env_;
    char* block_ = nullptr;
    Error error_ = Error::None;
};

}  // namespace

base::ErrorOr<Child> spawn_argv(const char* program, const char* const* argv, const char* const* envp,
                                const Handle* handles, size_t handle_count) {
    fd::Open* stdio[3] = {fd::get(0), fd::get(1), fd::get(2)};
    return spawn_with_stdio(program, argv, envp, handles, handle_count, stdio);
}

base::ErrorOr<Child> spawn_with_stdio(const char* program, const char* const* argv, const char* const* envp,
                                      const Handle* handles, size_t handle_count, fd::Open* const stdio[3]) {
    if (handle_count > kMaxSpawnHandles) return Error::BadArgument;
    if (!envp) envp = environ;
    StdioArguments given;
    Error error = with_stdio(stdio, envp, handles, handle_count, given);
    if (error == Error::None) {
        auto child = spawn_resolved(program, argv, given.envp ? given.envp : envp, given.handles, given.handle_count);
        if (!child.is_error()) return child;
        error = child.error();
    }
    // The handles are gone, as if sent: those a request carried are closed
    // already (BadHandle here), and nothing was made since.
    for (size_t i = 0; i < given.handle_count; i++) sys::handle_close(given.handles[i]);
    return error;
}


base::ErrorOr<Child> spawn_embedded(const char* program, const char* const* argv, const char* const* envp,
                                    const Handle* handles, size_t handle_count) {
    if (base::str_length_bounded(program, kMaxNameLength + 1) > kMaxNameLength) return Error::TooLong;
    if (handle_count > kMaxSpawnHandles) return Error::BadArgument;
    Packed packed(argv, envp);
    if (packed.error() != Error::None) return packed.error();
    ip::SpawnRequest request;
    request.program = program;
    packed.fill(request, handles, handle_count);
    ip::SpawnReplyBuffer buffer;
    auto reply = TRY(ip::spawn<UserIpc>(kBootHandle, request, buffer));
    return Child{reply.pid, Channel(reply.process)};
}

base::ErrorOr<Child> spawn_image(const char* name, Handle image, size_t size, const char* const* argv,
                                 const char* const* envp, const Handle* handles, size_t handle_count) {
    Packed packed(argv, envp);
    Error error = packed.error();
    if (handle_count > kMaxSpawnImageHandles) error = Error::BadArgument;
    if (error != Error::None) {
        sys::handle_close(image);
        return error;
    }
    // The process's name: the file's, cut to what a process name holds.
    char short_name[kMaxNameLength + 1];
    base::str_copy(short_name, name, sizeof short_name);
    ip::SpawnImageRequest request;
    request.program = short_name;
    request.image = image;
    request.size = size;
    packed.fill(request, handles, handle_count);
    ip::SpawnImageReplyBuffer buffer;
    auto reply = TRY(ip::spawn_image<UserIpc>(kBootHandle, request, buffer));
    return Child{reply.pid, Channel(reply.process)};
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

Error kill_process(Handle control, uint32_t pid) {
    ip::KillReplyBuffer buffer;
    auto reply = ip::kill<UserIpc>(control, ip::KillRequest{pid}, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

base::ErrorOr<ExitStatus> wait_exit(Child& child) {
    WaitItem item{child.process.handle(), kSignalExited, 0};
    TRY(sys::wait(&item, 1));
    return sys::process_status(child.process.handle());
}

}  // namespace rvos
