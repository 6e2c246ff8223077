// The console client: formatted output and line input through the stdio
// service. Connects on first use.
#pragma once

#include "base/error_or.h"
#include "rvos/channel.h"

namespace rvos::console {

Error write(const char* text, size_t length);
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

struct Line {
    size_t length;     // bytes stored (the rest of a longer line is dropped)
    bool interrupted;  // Ctrl-C discarded the line
};
// Reads one line (without its newline) into buffer, NUL-terminated. With
// an interrupt channel (see watch_interrupts), a Ctrl-C reported there also
// ends the wait as an interrupted (empty) line.
base::ErrorOr<Line> read_line(char* buffer, size_t size, Handle interrupts = kNoHandle);

// A separate console connection on which an Interrupt message arrives for
// every Ctrl-C typed while no line is being read.
base::ErrorOr<Channel> watch_interrupts();

}  // namespace rvos::console
