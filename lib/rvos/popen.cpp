// popen and pclose. There is no shell interpreter in the C library: the
// command is split into words as system() splits it (quotes and
// backslashes work; pipes, redirections and variables are refused with
// ENOTSUP) and the program the first word names runs directly (PATH is
// searched), with a pipe as its standard output ("r") or input ("w").
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/command.h"
#include "base/string.h"

namespace {

// The streams popen made, and their children.
struct Opened {
    FILE* stream;
    pid_t pid;
    Opened* next;
};
Opened* opened = nullptr;

// The command's words (storage and the array freed by the caller); an
// errno value on failure.
int split(const char* command, char** storage, char*** words) {
    size_t length = base::str_length(command);
    *storage = static_cast<char*>(malloc(length + 1));
    *words = static_cast<char**>(malloc((length / 2 + 2) * sizeof(char*)));
    if (!*storage || !*words) return ENOMEM;
    auto count = base::split_command(command, *storage, length + 1, *words, length / 2 + 1);
    if (count.is_error()) return count.error() == rvos::Error::Unsupported ? ENOTSUP : EINVAL;
    return count.value() == 0 ? EINVAL : 0;
}

// Starts the command with `child_end` as its descriptor `fd`; 0 or an errno value.
int start(char** words, int child_end, int fd, int parent_end, pid_t* pid) {
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error) return error;
    error = posix_spawn_file_actions_adddup2(&actions, child_end, fd);
    if (!error) error = posix_spawn_file_actions_addclose(&actions, parent_end);
    if (!error) error = posix_spawnp(pid, words[0], &actions, nullptr, words, nullptr);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}

}  // namespace

extern "C" {

FILE* popen(const char* command, const char* mode) {
    bool reading = mode && mode[0] == 'r' && (mode[1] == 0 || (mode[1] == 'e' && mode[2] == 0));
    bool writing = mode && mode[0] == 'w' && (mode[1] == 0 || (mode[1] == 'e' && mode[2] == 0));
    if (!command || (!reading && !writing)) {
        errno = EINVAL;
        return nullptr;
    }
    char* storage = nullptr;
    char** words = nullptr;
    int fds[2] = {-1, -1};
    pid_t pid = 0;
    FILE* stream = nullptr;
    auto* entry = static_cast<Opened*>(malloc(sizeof(Opened)));
    int error = entry ? split(command, &storage, &words) : ENOMEM;
    if (!error && pipe(fds) != 0) error = errno;
    // "r": the child writes the pipe (its stdout); "w": it reads it (its stdin).
    int child_end = reading ? fds[1] : fds[0], parent_end = reading ? fds[0] : fds[1];
    if (!error) error = start(words, child_end, reading ? 1 : 0, parent_end, &pid);
    if (!error) {
        close(child_end);
        fds[reading ? 1 : 0] = -1;
        stream = fdopen(parent_end, reading ? "r" : "w");
        if (!stream) error = errno;
    }
    free(storage);
    free(words);
    if (error) {
        if (fds[0] >= 0) close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
        if (pid > 0) waitpid(pid, nullptr, 0);
        free(entry);
        errno = error;
        return nullptr;
    }
    *entry = Opened{stream, pid, opened};
    opened = entry;
    return stream;
}

// Closes the stream (the child then sees end of file, or EPIPE), waits for
// the child and returns its wait status; -1 (ECHILD) for a stream popen did
// not make.
int pclose(FILE* stream) {
    for (Opened** at = &opened; *at; at = &(*at)->next) {
        Opened* entry = *at;
        if (entry->stream != stream) continue;
        *at = entry->next;
        pid_t pid = entry->pid;
        free(entry);
        fclose(stream);
        int status = 0;
        if (waitpid(pid, &status, 0) < 0) return -1;
        return status;
    }
    errno = ECHILD;
    return -1;
}

}  // extern "C"
