// The shell's commands and the small parsing helpers they share.
#pragma once

#include <stddef.h>

namespace shell {

inline constexpr size_t kMaxPath = 256;  // longer than any valid path: the fs server judges

// Copies the next whitespace-separated word of `rest` into `out` and
// advances `rest` past it; false if there is none or it does not fit.
bool next_word(const char*& rest, char* out, size_t size);

void cmd_ls(const char* rest);
void cmd_cat(const char* rest);
void cmd_write(const char* rest);
void cmd_stat(const char* rest);
void cmd_rm(const char* rest);
void cmd_mkdir(const char* rest);

}  // namespace shell
