// The POSIX layer under picolibc: file descriptors over fs channels, the
// console as descriptors 0-2, and the mapping from rvos errors to errno.
#pragma once

#include "abi/abi.h"

namespace rvos::posix {

// The errno value for an rvos error (ENOENT for NotFound, ...).
int errno_for(Error error);
// Sets errno for `error` and returns -1, the POSIX failure value.
int fail(Error error);
// Writes out buffered standard output (called before exit).
void flush_stdout();
// Whether read(0) on the console has bytes of a line already taken (poll).
bool console_input_buffered();

}  // namespace rvos::posix
