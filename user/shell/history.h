// The shell's history: the lines run, oldest first, browsed with up/down,
// and kept in $HOME/.history (one line each, appended as they are run)
// when HOME is on the disk (/home), so that it survives a reboot; without
// a disk (HOME=/tmp, in RAM) it is kept in memory only.
#pragma once

#include <stddef.h>

namespace shell::history {

// Reads $HOME/.history (its last kMaxEntries lines).
void load();
// A line was run: remembered, and appended to the file (a repeat of the
// line before it is not).
void add(const char* line);
// Browsing from the line being edited: the one before / after (null: none
// further). `current` is kept as the newest, to come back to.
const char* previous(const char* current);
const char* next();
// Browsing starts again at the newest (each new prompt).
void reset();

}  // namespace shell::history
