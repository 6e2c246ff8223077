// The console client: formatted output and line input through the stdio
// service (lib/proto/console.proto), and the terminal, the console
// connection the shell holds. Connects on first use.
#pragma once

#include "base/error_or.h"
#include "rvos/channel.h"

namespace rvos::console {

Error write(const char* text, size_t length);
// Formatted output on descriptor 1 (the console unless redirected).
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

struct Line {
    size_t length;     // bytes stored (the rest of a longer line is dropped)
    bool interrupted;  // Ctrl-C discarded the line
    bool end_of_file;  // Ctrl-D at the start of a line
};
// Reads the next line typed for this program (without its newline) into
// buffer, NUL-terminated. It waits while the program is not in the
// foreground: only lines typed while it is are its.
base::ErrorOr<Line> read_line(char* buffer, size_t size);
// What poll needs to watch console input without reading it: sends a
// ReadLine ahead on the input connection (unless one is on its way
// already) and returns that connection, readable once the line is
// answered. The next read_line takes that answer instead of asking again,
// so no line is lost or read twice.
base::ErrorOr<Handle> start_read_line();
// The pid of the program in the foreground; 0 while the shell is.
base::ErrorOr<uint32_t> foreground();

// The terminal: the console connection init gives the shell (its handle
// 2). Its holder reads the lines typed while no program is in the
// foreground, puts a program there until it ends, and hears every Ctrl-C
// typed meanwhile as an Interrupt event.
namespace terminal {

base::ErrorOr<Line> read_line(Handle terminal, char* buffer, size_t size);
// `process` (a process handle; it stays the caller's) is in the foreground
// until it ends.
Error give_foreground(Handle terminal, Handle process);
// From now on the terminal reads keys, not lines (console.proto KeysMode).
Error keys_mode(Handle terminal);
// Waits for keys typed while the terminal is in the foreground (raw bytes,
// no echo: the caller edits its own line); their count, at most `size`.
base::ErrorOr<size_t> read_keys(Handle terminal, char* buffer, size_t size);
// Takes one Interrupt event that has arrived, without waiting: whether there was one.
bool take_interrupt(Handle terminal);

}  // namespace terminal

}  // namespace rvos::console
