// The shell's program commands: run (in the foreground, or in the
// background with a trailing `&`), jobs and kill. A program in the
// foreground has the console: it reads what is typed, and Ctrl-C (which
// the console always tells the shell about) stops it. A background
// program may write but never reads a line; the shell keeps its process
// handle and reports its end before the next prompt.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/string.h"
#include "rvos/console.h"
#include "rvos/service.h"
#include "shell.h"

namespace shell {

namespace {

namespace terminal = rvos::console::terminal;

struct Job {
    rvos::Child child;
    char program[rvos::kMaxNameLength + 1];
};
constexpr size_t kMaxJobs = 8;
Job jobs[kMaxJobs];
size_t job_count = 0;

// How a program ended, after `prefix` (its name, or "[pid] name" for a job).
void report(const char* prefix, const rvos::ExitStatus& ended, bool quiet_success) {
    if (ended.reason == rvos::ExitReason::Fault) printf("%s: killed by fault\n", prefix);
    else if (ended.reason == rvos::ExitReason::Killed) printf("%s: stopped\n", prefix);
    else if (ended.code != 0) printf("%s: exited with status %d\n", prefix, static_cast<int>(ended.code));
    else if (!quiet_success) printf("%s: done\n", prefix);
}

void forget_job(size_t index) {
    Job& job = jobs[index];
    char prefix[rvos::kMaxNameLength + 16];
    snprintf(prefix, sizeof prefix, "[%u] %s", static_cast<unsigned>(job.child.pid), job.program);
    auto status = rvos::wait_exit(job.child);
    if (status.is_error()) printf("%s: %s\n", prefix, rvos::error_name(status.error()));
    else report(prefix, status.value(), false);
    job.child.process.close();
    jobs[index] = base::move(jobs[--job_count]);
}

// Waits for the child, stopping it if Ctrl-C is typed meanwhile.
base::ErrorOr<rvos::ExitStatus> wait_foreground(rvos::Child& child, const char* program) {
    while (terminal::take_interrupt(kTerminalHandle)) {
    }  // Ctrl-Cs typed before this program started are not for it
    // From now on what is typed is the program's, until it ends.
    rvos::Error given = terminal::give_foreground(kTerminalHandle, child.process.handle());
    if (given != rvos::Error::None) printf("run: %s: cannot have the console: %s\n", program, rvos::error_name(given));
    for (;;) {
        rvos::WaitItem watched[2] = {{child.process.handle(), rvos::kSignalExited, 0},
                                     {kTerminalHandle, rvos::kSignalReadable | rvos::kSignalPeerClosed, 0}};
        auto ready = rvos::sys::wait(watched, 2);
        if (ready.is_error() || ready.value() == 0 || (watched[1].observed & rvos::kSignalPeerClosed))
            return rvos::wait_exit(child);
        // Ctrl-C. (With signals, this becomes SIGINT, whose default ends it.)
        if (terminal::take_interrupt(kTerminalHandle)) rvos::kill(child);
    }
}

// The length of the arguments without a trailing "&" word, and whether
// there was one.
size_t arguments_length(const char* args, bool& background) {
    size_t length = strlen(args);
    while (length && args[length - 1] == ' ') length--;
    background = length && args[length - 1] == '&' && (length == 1 || args[length - 2] == ' ');
    if (!background) return length;
    length--;
    while (length && args[length - 1] == ' ') length--;
    return length;
}

}  // namespace

void cmd_run(const char* rest) {
    char program[rvos::kMaxNameLength + 1];
    if (!next_word(rest, program, sizeof program)) return (void)puts("usage: run <program> [args] [&]");
    while (*rest == ' ') rest++;
    bool background = false;
    size_t length = arguments_length(rest, background);
    auto* args = static_cast<char*>(malloc(length + 1));
    if (args) {
        memcpy(args, rest, length);
        args[length] = 0;
    }
    if (!args) return (void)printf("run: %s: %s\n", program, rvos::error_name(rvos::Error::NoMemory));
    if (background && job_count == kMaxJobs) {
        free(args);
        return (void)printf("run: %s: %zu programs in the background already\n", program, kMaxJobs);
    }
    fflush(stdout);
    auto child = rvos::spawn(program, args);
    free(args);
    if (child.is_error()) {
        if (child.error() == rvos::Error::NotFound) return (void)printf("run: %s: not found\n", program);
        return (void)printf("run: %s: %s\n", program, rvos::error_name(child.error()));
    }
    if (background) {
        Job& job = jobs[job_count++];
        job.child = child.release_value();
        strcpy(job.program, program);
        return (void)printf("[%u] %s\n", static_cast<unsigned>(job.child.pid), program);
    }
    auto status = wait_foreground(child.value(), program);
    if (status.is_error()) return (void)printf("run: %s: %s\n", program, rvos::error_name(status.error()));
    report(program, status.value(), true);
}

void cmd_jobs(const char*) {
    for (size_t i = 0; i < job_count; i++)
        printf("[%u] %s\n", static_cast<unsigned>(jobs[i].child.pid), jobs[i].program);
}

void cmd_kill(const char* rest) {
    char word[16], extra[2];
    uint32_t pid = 0;
    if (!next_word(rest, word, sizeof word) || next_word(rest, extra, sizeof extra) || !base::parse_u32(word, &pid))
        return (void)puts("usage: kill <pid>");
    for (size_t i = 0; i < job_count; i++) {
        if (jobs[i].child.pid != pid) continue;
        rvos::Error error = rvos::kill(jobs[i].child);
        if (error != rvos::Error::None) printf("kill: %u: %s\n", static_cast<unsigned>(pid), rvos::error_name(error));
        return forget_job(i);
    }
    // Not one of ours: any other program (a server, a driver) through init.
    rvos::Error error = rvos::kill_process(kControlHandle, pid);
    if (error == rvos::Error::NotFound) printf("kill: %u: no such process\n", static_cast<unsigned>(pid));
    else if (error != rvos::Error::None) printf("kill: %u: %s\n", static_cast<unsigned>(pid), rvos::error_name(error));
}

void report_finished_jobs() {
    for (size_t i = 0; i < job_count;) {
        auto status = rvos::sys::process_status(jobs[i].child.process.handle());
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Running) i++;
        else forget_job(i);
    }
}

}  // namespace shell
