// Processes for the C library (see process.h): getpid, getppid, kill,
// posix_spawn, waitpid and system.
//
// A program names only the processes it holds handles to: kill reaches this
// process and its own children, and any other pid is EPERM (it exists) or
// ESRCH (it does not); there are no process groups. A signal sent to a
// child always takes its default action there (it ends the child, or is
// ignored if it is a signal ignored by default): handlers run only for the
// signals a process raises itself (see signal.cpp).
//
// system(command) does not go through a shell: it splits the command into
// words as a shell does for a simple command (quotes and backslashes work;
// pipes, redirections, variables and the like are refused with ENOTSUP)
// and starts the program the first word names, directly.
#include "rvos/process.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/command.h"
#include "base/string.h"
#include "rvos/posix.h"
#include "rvos/service.h"
#include "rvos/signals.h"
#include "rvos/spawn_actions.h"
#include "rvos/sysinfo.h"

extern "C" char** environ;

namespace rvos::process {

namespace {

uint32_t parent = 0;
uint64_t reaped_cpu_ns = 0;

// The children not yet waited for: their pids and process handles.
struct ChildEntry {
    pid_t pid;
    Handle process;
};
ChildEntry* children = nullptr;
size_t child_count = 0, child_capacity = 0;

bool remember(pid_t pid, Handle process) {
    if (child_count == child_capacity) {
        size_t capacity = child_capacity ? child_capacity * 2 : 8;
        auto* grown = static_cast<ChildEntry*>(realloc(children, capacity * sizeof(ChildEntry)));
        if (!grown) return false;
        children = grown;
        child_capacity = capacity;
    }
    children[child_count++] = ChildEntry{pid, process};
    return true;
}

ChildEntry* find(pid_t pid) {
    for (size_t i = 0; i < child_count; i++)
        if (children[i].pid == pid) return &children[i];
    return nullptr;
}

// The child ended: its status, its CPU time counted, its handle closed.
int reap(ChildEntry* child) {
    auto status = sys::process_status(child->process);
    sys::handle_close(child->process);
    *child = children[--child_count];
    if (status.is_error()) return posix::fail(status.error());
    reaped_cpu_ns += status.value().cpu_ns;
    return wait_status(status.value());
}

// The errno for a spawn that failed.
int spawn_errno(Error error) {
    switch (error) {
    case Error::TooLong: return E2BIG;  // arguments or environment past kMaxSpawnBytes
    case Error::ProcessTableFull: return EAGAIN;
    default: return posix::errno_for(error);
    }
}

// Starts a program and remembers it as a child; 0 or an errno value. A
// path with a '/' is that file; a bare name is searched for in $PATH and
// then among the embedded programs (rvos/exec.cpp). `stdio`: its
// descriptors 0-2 (null: this program's).
int start_child(const char* path, const char* const* argv, const char* const* envp, pid_t* pid,
                fd::Open* const* stdio = nullptr) {
    if (base::str_length_bounded(path, kMaxPathLength + 1) > kMaxPathLength) return ENAMETOOLONG;
    fd::Open* own[3] = {fd::get(0), fd::get(1), fd::get(2)};
    auto child = spawn_with_stdio(path, argv, envp ? envp : environ, nullptr, 0, stdio ? stdio : own);
    if (child.is_error()) return spawn_errno(child.error());
    Child started = child.release_value();
    if (!remember(static_cast<pid_t>(started.pid), started.process.handle())) {
        (void)rvos::kill(started);  // nobody could wait for it
        return ENOMEM;
    }
    started.process.release();
    if (pid) *pid = static_cast<pid_t>(started.pid);
    return 0;
}

}  // namespace

void start(uint32_t parent_pid) { parent = parent_pid; }

uint64_t children_cpu_ns() { return reaped_cpu_ns; }

Handle handle_of(int pid) {
    ChildEntry* child = find(pid);
    return child ? child->process : kNoHandle;
}

int wait_status(const sys::ExitStatus& status) {
    switch (status.reason) {
    case ExitReason::Exited: return (status.code & 0xff) << 8;
    case ExitReason::Killed: return status.code > 0 && status.code < 0x7f ? status.code : SIGKILL;
    case ExitReason::Fault: return SIGSEGV;
    default: return 0;
    }
}

}  // namespace rvos::process

using namespace rvos;
using rvos::posix::fail;

extern "C" {

pid_t getpid(void) { return static_cast<pid_t>(sys::getpid()); }

pid_t getppid(void) { return static_cast<pid_t>(process::parent); }

int kill(pid_t pid, int sig) {
    if (sig < 0 || sig >= NSIG) return fail(Error::BadArgument);
    if (pid == getpid()) return signals::deliver_to_self(sig);
    if (process::ChildEntry* child = pid > 0 ? process::find(pid) : nullptr) {
        if (sig == 0 || signals::ignored_by_default(sig)) return 0;
        Error error = sys::process_kill(child->process, sig);
        return error == Error::None ? 0 : fail(error);
    }
    // Not ours to signal: EPERM if it exists at all, ESRCH if not.
    sysinfo::ProcessInfo list[kMaxProcesses];
    auto count = pid > 0 ? sysinfo::processes(list, kMaxProcesses) : base::ErrorOr<size_t>(size_t{0});
    for (size_t i = 0; !count.is_error() && i < count.value(); i++) {
        if (static_cast<pid_t>(list[i].pid) == pid && list[i].state != proto::ProcessState::Exited) {
            errno = EPERM;
            return -1;
        }
    }
    errno = ESRCH;
    return -1;
}

// pid > 0: that child; -1 or 0: any child (there are no process groups, so
// every child is in the caller's); below -1: no such group. WNOHANG: 0 if
// none has ended yet. Stopped children do not exist, so WUNTRACED changes
// nothing.
pid_t waitpid(pid_t pid, int* status, int options) {
    if (options & ~(WNOHANG | WUNTRACED)) return fail(Error::BadArgument);
    WaitItem items[kMaxHandles];
    process::ChildEntry* wanted[kMaxHandles];
    size_t count = 0;
    for (size_t i = 0; i < process::child_count && count < kMaxHandles; i++) {
        process::ChildEntry& child = process::children[i];
        if (pid > 0 ? child.pid != pid : pid < -1) continue;
        items[count] = WaitItem{child.process, kSignalExited, 0};
        wanted[count++] = &child;
    }
    if (count == 0) {
        errno = ECHILD;
        return -1;
    }
    auto ready = sys::wait(items, count, (options & WNOHANG) ? kDeadlineNow : kDeadlineNever);
    if (ready.is_error()) return ready.error() == Error::TimedOut ? 0 : fail(ready.error());
    process::ChildEntry* child = wanted[ready.value()];
    pid_t ended = child->pid;
    int code = process::reap(child);
    if (code < 0) return -1;
    if (status) *status = code;
    return ended;
}

pid_t wait(int* status) { return waitpid(-1, status, 0); }

// Attributes cannot be made (lib/rvos has none of their functions); a
// program that passes some anyway gets ENOSYS. File actions set the
// child's descriptors 0-2 (spawn_actions.h).
int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
    if (attributes) return ENOSYS;
    fd::Open* stdio[3] = {};
    int error = spawn_actions::apply(actions, stdio);
    if (error) return error;
    error = process::start_child(path, argv, envp, pid, stdio);
    spawn_actions::release(stdio);
    return error;
}

// posix_spawn already searches $PATH for a bare name (as posix_spawnp
// does): a program is found the same way however it is started.
int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
    return posix_spawn(pid, file, actions, attributes, argv, envp);
}

int system(const char* command) {
    if (!command) return 1;  // programs can be run
    size_t length = base::str_length(command);
    auto* storage = static_cast<char*>(malloc(length + 1));
    auto** words = static_cast<char**>(malloc((length / 2 + 2) * sizeof(char*)));
    int result = -1;
    auto split = storage && words ? base::split_command(command, storage, length + 1, words, length / 2 + 1)
                                  : base::ErrorOr<size_t>(Error::NoMemory);
    if (split.is_error()) {
        errno = split.error() == Error::Unsupported ? ENOTSUP : split.error() == Error::NoMemory ? ENOMEM : EINVAL;
    } else if (split.value() == 0) {
        result = 0;  // as `sh -c ""`
    } else {
        pid_t pid = 0;
        int error = process::start_child(words[0], words, nullptr, &pid);
        if (error == ENOENT) {
            fprintf(stderr, "%s: not found\n", words[0]);
            result = 127 << 8;  // what a shell answers for a command it cannot find
        } else if (error) {
            errno = error;
        } else if (waitpid(pid, &result, 0) < 0) {
            result = -1;
        }
    }
    free(storage);
    free(words);
    return result;
}

}  // extern "C"
