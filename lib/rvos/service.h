// Talking to init over the boot channel (handle 0): find a service by name,
// offer one, start a program and wait for it.
#pragma once

#include "rvos/channel.h"
#include "rvos/descriptors.h"

namespace rvos {

// A channel to the named service, or NotFound.
base::ErrorOr<Channel> connect(const char* name);

// A connection to a named service, made on first use and kept for the
// program's life. It holds a raw handle, so no static destructor runs at
// exit; the kernel closes it with the process.
class ServiceConnection {
public:
    constexpr explicit ServiceConnection(const char* name) : name_(name) {}
    base::ErrorOr<Handle> handle();

private:
    const char* name_;
    Handle handle_ = kNoHandle;
};

// Registers a service; new clients then arrive on `listen` as
// listen.NewClient events carrying the client's channel.
base::ErrorOr<Channel> register_service(const char* name);

struct Child {
    uint32_t pid;
    Channel process;  // the process handle (an owned handle, not a channel)
};
using ExitStatus = sys::ExitStatus;
// Starts an embedded program in this program's working directory. argv
// (argv[0] first) and envp are NULL-terminated arrays; envp null means this
// program's environment.
// `handles` move to the child as its handles 1, 2, ... (each needs the
// transfer right; they are gone even if the spawn fails). TooLong past
// kMaxSpawnBytes.
base::ErrorOr<Child> spawn_argv(const char* program, const char* const* argv, const char* const* envp = nullptr,
                                const Handle* handles = nullptr, size_t handle_count = 0);
// The same with the child's descriptors 0-2 given (null: closed) instead of
// this program's own (handoff.h: pipe ends and files travel as extra
// start-up handles after `handles`).
base::ErrorOr<Child> spawn_with_stdio(const char* program, const char* const* argv, const char* const* envp,
                                      const Handle* handles, size_t handle_count, fd::Open* const stdio[3]);
// The same with the arguments as one space-separated string.
base::ErrorOr<Child> spawn(const char* program, const char* args);
// Waits for a child to end and says how: exit code, fault or kill.
base::ErrorOr<ExitStatus> wait_exit(Child& child);
// Ends a child; its wait_exit then reports ExitReason::Killed.
inline Error kill(Child& child) { return sys::process_kill(child.process.handle()); }

}  // namespace rvos
