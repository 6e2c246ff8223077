// The shell's commands and the small parsing helpers they share.
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "abi/abi.h"
#include "abi/protocol.h"
#include "parse.h"

namespace shell {

// Longer than any valid path, so an overlong one reaches the file server,
// which judges it; a line holds the longest line the console delivers.
inline constexpr size_t kMaxPath = rvos::kMaxPathLength + 2;
inline constexpr size_t kMaxLine = rvos::proto::kMaxConsoleLine + 1;
// The handles init gives the shell: the power capability, and the terminal
// (the console connection that reads while no program is in the
// foreground, and puts programs there).
inline constexpr rvos::Handle kPowerHandle = 1;
inline constexpr rvos::Handle kTerminalHandle = 2;
// The control channel to init: stops any program (`kill <pid>`).
inline constexpr rvos::Handle kControlHandle = 3;

// Copies the next whitespace-separated word of `rest` into `out` and
// advances `rest` past it; false if there is none or it does not fit.
bool next_word(const char*& rest, char* out, size_t size);

// Maps the pages of a static buffer now (main.cpp): the kernel maps a page
// at its first touch and it stays, so a buffer first touched by a command
// would read as memory that command kept (`mem` before and after).
void prefault(void* buffer, size_t size);
// The same for exec.cpp's buffers.
void prefault_exec();
// The interactive prompt (main.cpp): returns only if the terminal is gone.
void interact();
// Runs one line (exec.cpp): parse, expand, run builtins and programs.
void run_line(const char* line);
// Runs a script file's lines, or one command line (sh -c); its status.
int run_script(const char* path);
// The status of the last command ($?), and whether `exit` asked the
// script (or shell) to end.
int last_status();
bool exit_requested();
// A builtin of main.cpp's table, given its arguments as one string (the
// words joined by spaces); false if there is none of that name.
bool run_builtin(const char* name, const char* rest);
bool is_builtin(const char* name);
// Calls visit for each builtin's name (tab completion).
void for_each_builtin(void (*visit)(const char* name, void* context), void* context);

// A command of a pipeline to start: its words, environment, and the
// descriptors (the shell's) that become its 0, 1 and 2 (-1: the shell's own).
struct StageSetup {
    const char* const* argv;
    const char* const* envp;
    int fds[3];
    bool via_run;  // typed as `run <program>`: errors say "run: ..."
};
// Starts the commands (pids of those that started; `failed` is 127 if one
// was not found, 126 if one could not start).
size_t spawn_stages(const StageSetup* stages, size_t count, pid_t* pids, int* failed);
// Waits for them in the foreground (or makes them a job): the status for $?.
int finish_pipeline(const pid_t* pids, size_t started, int failed, bool background, const char* name);

void cmd_jobs(const char* rest);
void cmd_kill(const char* rest);
// Reports the background programs that have ended since the last call.
void report_finished_jobs();

void cmd_ls(const char* rest);
void cmd_cat(const char* rest);
void cmd_write(const char* rest);
void cmd_append(const char* rest);
void cmd_stat(const char* rest);
void cmd_rm(const char* rest);
void cmd_mkdir(const char* rest);

}  // namespace shell
