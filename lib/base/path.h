// Paths relative to a working directory: joining and canonical form. The
// working directory lives in the program (lib/rvos); the file server only
// ever sees absolute paths. Hardware-free (host unit tests).
#pragma once

#include <stddef.h>

namespace base {

// `path` as an absolute path: itself if it starts with '/', otherwise
// `directory` (an absolute path), '/', `path`. Written to `out` (`size`
// bytes, NUL included); false if it does not fit. "." and ".." are kept:
// the file server resolves them, and refuses "x/.." when x is a file.
bool path_join(const char* directory, const char* path, char* out, size_t size);

// Rewrites an absolute path in place into canonical form: no "." or ".."
// components, no repeated or trailing '/' ("/" stays "/"); ".." at the
// root stays at the root. Only for a path known to name a directory chain
// (no symbolic links exist, so this is what the file server resolves).
void path_normalize(char* path);

}  // namespace base
