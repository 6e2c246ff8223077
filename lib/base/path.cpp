// Joining and normalising paths (see path.h).
#include "base/path.h"

#include "base/string.h"

namespace base {

bool path_join(const char* directory, const char* path, char* out, size_t size) {
    size_t path_length = str_length(path);
    if (path[0] == '/') {
        if (path_length + 1 > size) return false;
        mem_copy(out, path, path_length + 1);
        return true;
    }
    size_t dir_length = str_length(directory);
    while (dir_length > 0 && directory[dir_length - 1] == '/') dir_length--;  // "/" joins as ""
    if (dir_length + 1 + path_length + 1 > size) return false;
    mem_copy(out, directory, dir_length);
    out[dir_length] = '/';
    mem_copy(out + dir_length + 1, path, path_length + 1);
    return true;
}

void path_normalize(char* path) {
    // Components are copied down over the path itself: `out` never passes
    // `in`, since every component written was read first.
    size_t out = 0;
    const char* in = path;
    for (;;) {
        while (*in == '/') in++;
        if (!*in) break;
        const char* start = in;
        while (*in && *in != '/') in++;
        size_t length = static_cast<size_t>(in - start);
        if (length == 1 && start[0] == '.') continue;
        if (length == 2 && start[0] == '.' && start[1] == '.') {
            while (out > 0 && path[out - 1] != '/') out--;  // drop the last component...
            if (out > 0) out--;                              // ...and its '/' (the root stays)
            continue;
        }
        path[out] = '/';
        for (size_t i = 0; i < length; i++) path[out + 1 + i] = start[i];
        out += 1 + length;
    }
    if (out == 0) path[out++] = '/';
    path[out] = 0;
}

}  // namespace base
