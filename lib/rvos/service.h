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
// Starts a program in this program's working directory. argv (argv[0]
// first) and envp are NULL-terminated arrays; envp null means this
// program's environment. `handles` move to the child as its handles 1, 2,
// ... (each needs the transfer right; they are gone even if the spawn
// fails). TooLong past kMaxSpawnBytes.
//
// Which program (rvos/exec.cpp): a name with a '/' is the executable file
// at that path; a bare name is looked for in each directory of $PATH
// ("/bin" when PATH is unset), and then among the programs embedded in the
// kernel. NotFound if it is nowhere; BadExecutable for a file that is not
// a program. The file is read afresh at every spawn: a program replaced
// on disk runs in its new version.
base::ErrorOr<Child> spawn_argv(const char* program, const char* const* argv, const char* const* envp = nullptr,
                                const Handle* handles = nullptr, size_t handle_count = 0);
// The same with the child's descriptors 0-2 given (null: closed) instead of
// this program's own (handoff.h: pipe ends and files travel as extra
// start-up handles after `handles`).
base::ErrorOr<Child> spawn_with_stdio(const char* program, const char* const* argv, const char* const* envp,
                                      const Handle* handles, size_t handle_count, fd::Open* const stdio[3]);
// What spawn_with_stdio does once the start-up handles and environment
// are final: finds the program (rvos/exec.cpp) and starts it.
base::ErrorOr<Child> spawn_resolved(const char* program, const char* const* argv, const char* const* envp,
                                    const Handle* handles, size_t handle_count);
// The two ways init starts a program: one embedded in the kernel, by name
// (NotFound if none); one from its ELF image, the first `size` bytes of the
// memory object `image` (which moves to init), named `name` (cut to
// kMaxNameLength), with at most kMaxSpawnImageHandles handles.
base::ErrorOr<Child> spawn_embedded(const char* program, const char* const* argv, const char* const* envp,
                                    const Handle* handles, size_t handle_count);
base::ErrorOr<Child> spawn_image(const char* name, Handle image, size_t size, const char* const* argv,
                                 const char* const* envp, const Handle* handles, size_t handle_count);
// The same with the arguments as one space-separated string.
base::ErrorOr<Child> spawn(const char* program, const char* args);
// Asks init to end any process, over `control`: the control channel init
// gives the shell (its handle 3). On any other channel, such as a
// program's boot channel, init answers AccessDenied.
Error kill_process(Handle control, uint32_t pid);
// Waits for a child to end and says how: exit code, fault or kill.
base::ErrorOr<ExitStatus> wait_exit(Child& child);
// Ends a child; its wait_exit then reports ExitReason::Killed.
inline Error kill(Child& child) { return sys::process_kill(child.process.handle()); }

}  // namespace rvos
