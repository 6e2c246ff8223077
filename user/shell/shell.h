// The shell's commands and the small parsing helpers they share.
#pragma once

#include <stddef.h>

#include "abi/abi.h"
#include "abi/protocol.h"

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

void cmd_run(const char* rest);
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
