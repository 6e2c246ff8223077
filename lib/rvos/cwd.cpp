// The working directory (see cwd.h), and chdir/getcwd for the C library.
#include "rvos/cwd.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/path.h"
#include "base/string.h"
#include "rvos/fs.h"
#include "rvos/posix.h"

namespace rvos::cwd {

namespace {

// Made on first change (most programs never leave "/": no bss, no heap).
char* directory = nullptr;

// Replaces the working directory with `path` (length bytes, canonical).
Error store(const char* path, size_t length) {
    auto* copy = static_cast<char*>(malloc(length + 1));
    if (!copy) return Error::NoMemory;
    base::mem_copy(copy, path, length);
    copy[length] = 0;
    free(directory);
    directory = copy;
    return Error::None;
}

}  // namespace

const char* get() { return directory ? directory : "/"; }

void start(const char* path, size_t length) {
    if (length == 0 || length > kMaxPathLength || path[0] != '/') return;
    if (store(path, length) != Error::None) return;
    base::path_normalize(directory);
}

Error change(const char* path) {
    if (!path[0]) return Error::NotFound;
    auto* joined = static_cast<char*>(malloc(kMaxPathLength + 1));
    if (!joined) return Error::NoMemory;
    Error error = Error::None;
    if (!base::path_join(get(), path, joined, kMaxPathLength + 1)) {
        error = Error::TooLong;
    } else if (auto st = fs::stat(joined); st.is_error()) {  // the server resolves "." and ".." strictly
        error = st.error();
    } else if (st.value().kind != fs::Kind::Directory) {
        error = Error::NotDirectory;
    } else {
        base::path_normalize(joined);
        error = store(joined, base::str_length(joined));
    }
    free(joined);
    return error;
}

}  // namespace rvos::cwd

extern "C" {

int chdir(const char* path) {
    rvos::Error error = rvos::cwd::change(path);
    return error == rvos::Error::None ? 0 : rvos::posix::fail(error);
}

char* getcwd(char* buffer, size_t size) {
    const char* current = rvos::cwd::get();
    size_t length = base::str_length(current);
    if (!buffer) {  // as glibc: a buffer of the size needed (or of `size`) from malloc
        size_t wanted = size ? size : length + 1;
        if (wanted < length + 1) {
            errno = ERANGE;
            return nullptr;
        }
        buffer = static_cast<char*>(malloc(wanted));
        if (!buffer) {
            errno = ENOMEM;
            return nullptr;
        }
    } else if (size == 0) {
        errno = EINVAL;
        return nullptr;
    } else if (size < length + 1) {
        errno = ERANGE;
        return nullptr;
    }
    base::mem_copy(buffer, current, length + 1);
    return buffer;
}

}  // extern "C"
