// The shell's programs: starting a pipeline's commands (posix_spawnp, with
// file actions for pipes and redirections), waiting for them in the
// foreground, the background jobs (`&`, jobs, kill). A pipeline in the
// foreground has the console: its first command reads what is typed, and
// Ctrl-C (which the console always tells the shell about) stops every
// command of it. A background program may write but never reads a line;
// the shell reports its end before the next prompt.
#define _POSIX_C_SOURCE 200809L  // kill
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/string.h"
#include "rvos/console.h"
#include "rvos/process.h"
#include "rvos/service.h"
#include "shell.h"

namespace shell {

namespace {

namespace terminal = rvos::console::terminal;

struct Job {
    pid_t pids[parse::kMaxStages];
    size_t count;  // commands not yet reaped
    pid_t first;
    char name[rvos::kMaxNameLength + 1];
};
constexpr size_t kMaxJobs = 8;
Job jobs[kMaxJobs];
size_t job_count = 0;

// How a command ended, after `prefix`; its status for $?.
int report(const char* prefix, int status, bool quiet_success) {
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code != 0) printf("%s: exited with status %d\n", prefix, code);
        else if (!quiet_success) printf("%s: done\n", prefix);
        return code;
    }
    int signal = WTERMSIG(status);
    if (signal == SIGSEGV) printf("%s: killed by fault\n", prefix);
    else printf("%s: stopped\n", prefix);
    return 128 + signal;
}

void forget_job(size_t index) {
    Job& job = jobs[index];
    char prefix[rvos::kMaxNameLength + 16];
    snprintf(prefix, sizeof prefix, "[%d] %s", static_cast<int>(job.first), job.name);
    int status = 0, last = 0;
    for (size_t i = 0; i < job.count; i++)
        if (waitpid(job.pids[i], &status, 0) == job.pids[i]) last = status;
    report(prefix, last, false);
    jobs[index] = jobs[--job_count];
}

// Waits for every command, stopping them all if Ctrl-C is typed meanwhile;
// the last command's wait status.
int wait_foreground(const pid_t* pids, size_t count) {
    while (terminal::take_interrupt(kTerminalHandle)) {
    }  // Ctrl-Cs typed before these started are not for them
    // From now on what is typed is the first command's, until it ends.
    rvos::Handle first = rvos::process::handle_of(pids[0]);
    rvos::Error given = terminal::give_foreground(kTerminalHandle, first);
    if (given != rvos::Error::None) printf("shell: cannot give the console: %s\n", rvos::error_name(given));
    int last = 0;
    bool running[parse::kMaxStages];
    for (size_t i = 0; i < count; i++) running[i] = true;
    for (size_t left = count; left;) {
        rvos::WaitItem watched[parse::kMaxStages + 1];
        size_t index[parse::kMaxStages];
        size_t n = 0;
        for (size_t i = 0; i < count; i++) {
            if (!running[i]) continue;
            watched[n] = {rvos::process::handle_of(pids[i]), rvos::kSignalExited, 0};
            index[n++] = i;
        }
        watched[n] = {kTerminalHandle, rvos::kSignalReadable, 0};
        auto ready = rvos::sys::wait(watched, n + 1);
        if (!ready.is_error() && ready.value() == n) {
            // Ctrl-C: SIGINT, whose default ends each of them.
            if (terminal::take_interrupt(kTerminalHandle))
                for (size_t i = 0; i < count; i++)
                    if (running[i]) kill(pids[i], SIGINT);
            continue;
        }
        size_t ended = ready.is_error() ? 0 : index[ready.value()];
        int status = 0;
        if (waitpid(pids[ended], &status, 0) < 0) status = 127 << 8;
        running[ended] = false;
        left--;
        if (ended == count - 1) last = status;
    }
    return last;
}

}  // namespace

size_t spawn_stages(const StageSetup* stages, size_t count, pid_t* pids, int* failed) {
    size_t started = 0;
    *failed = 0;
    fflush(stdout);
    for (size_t i = 0; i < count; i++) {
        const StageSetup& s = stages[i];
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        for (int fd = 0; fd < 3; fd++)
            if (s.fds[fd] >= 0) posix_spawn_file_actions_adddup2(&actions, s.fds[fd], fd);
        pid_t pid = -1;
        int error = posix_spawnp(&pid, s.argv[0], &actions, nullptr, const_cast<char* const*>(s.argv),
                                 const_cast<char* const*>(s.envp));
        posix_spawn_file_actions_destroy(&actions);
        // A name too long to be a program's names none, either.
        if ((error == ENOENT || error == ENAMETOOLONG) && !s.via_run) {
            printf("unknown command: %s (type 'help')\n", s.argv[0]);
            *failed = 127;
        } else if (error == ENOENT) {
            printf("run: %s: not found\n", s.argv[0]);
            *failed = 127;
        } else if (error) {
            // Arguments past kMaxSpawnBytes (E2BIG) say "too long", as init does.
            printf("run: %s: %s\n", s.argv[0],
                   error == E2BIG ? rvos::error_name(rvos::Error::TooLong) : strerror(error));
            *failed = 126;
        } else {
            pids[started++] = pid;
        }
    }
    return started;
}

int finish_pipeline(const pid_t* pids, size_t started, int failed, bool background, const char* name) {
    if (started == 0) return failed;
    if (background) {
        if (job_count == kMaxJobs) {
            printf("shell: %zu jobs in the background already; waiting for this one\n", kMaxJobs);
        } else {
            Job& job = jobs[job_count++];
            memcpy(job.pids, pids, started * sizeof(pid_t));
            job.count = started;
            job.first = pids[0];
            base::str_copy(job.name, name, sizeof job.name);
            printf("[%d] %s\n", static_cast<int>(pids[0]), job.name);
            return 0;
        }
    }
    int status = wait_foreground(pids, started);
    if (failed) return failed;
    return report(name, status, true);
}

void cmd_jobs(const char*) {
    for (size_t i = 0; i < job_count; i++) printf("[%d] %s\n", static_cast<int>(jobs[i].first), jobs[i].name);
}

void cmd_kill(const char* rest) {
    char word[16], extra[2];
    uint32_t pid = 0;
    if (!next_word(rest, word, sizeof word) || next_word(rest, extra, sizeof extra) || !base::parse_u32(word, &pid))
        return (void)puts("usage: kill <pid>");
    for (size_t i = 0; i < job_count; i++) {
        bool member = false;
        for (size_t j = 0; j < jobs[i].count; j++) member |= jobs[i].pids[j] == static_cast<pid_t>(pid);
        if (!member) continue;
        for (size_t j = 0; j < jobs[i].count; j++) kill(jobs[i].pids[j], SIGKILL);
        return forget_job(i);
    }
    // Not one of ours: any other program (a server, a driver) through init.
    rvos::Error error = rvos::kill_process(kControlHandle, pid);
    if (error == rvos::Error::NotFound) printf("kill: %u: no such process\n", static_cast<unsigned>(pid));
    else if (error != rvos::Error::None) printf("kill: %u: %s\n", static_cast<unsigned>(pid), rvos::error_name(error));
}

void report_finished_jobs() {
    for (size_t i = 0; i < job_count;) {
        bool all_ended = true;
        for (size_t j = 0; j < jobs[i].count; j++) {
            auto status = rvos::sys::process_status(rvos::process::handle_of(jobs[i].pids[j]));
            all_ended &= status.is_error() || status.value().reason != rvos::ExitReason::Running;
        }
        if (all_ended) forget_job(i);
        else i++;
    }
}

}  // namespace shell
