// Splitting a command line into words, as a POSIX shell does for a simple
// command: what system() runs (lib/rvos runs programs directly, not through
// a shell). Hardware-free (host unit tests).
#pragma once

#include <stddef.h>

#include "base/error_or.h"

namespace base {

// Splits `line` into words written one after another (NUL-terminated) into
// `storage` (`storage_size` bytes) and pointed to by `words` (room for
// `max_words` plus the terminating null). Blanks (space, tab, newline)
// separate words; '...' keeps everything literally; "..." keeps everything
// but a backslash before " \ $ ` or a newline; a backslash outside quotes
// keeps the next character; a word starting with # begins a comment.
// Returns the number of words, or:
//   BadArgument  an unterminated quote or a trailing backslash;
//   Unsupported  shell syntax this splitter does not run: an operator
//                (| & ; < > ( )), an expansion ($ or `) outside single
//                quotes, or a leading NAME=value assignment;
//   TooLong      more words or bytes than fit.
ErrorOr<size_t> split_command(const char* line, char* storage, size_t storage_size, char** words, size_t max_words);

}  // namespace base
