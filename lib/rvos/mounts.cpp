// The name space (see mounts.h).
#include "rvos/mounts.h"

#include "base/path.h"
#include "base/string.h"
#include "rvos/cwd.h"
#include "rvos/service.h"

namespace rvos::mounts {

namespace {

ServiceConnection ram("fs");
ServiceConnection disk("root");

// Whether the machine has a disk volume: asked once (the disk's server
// registers at boot, before any program runs).
bool have_disk() {
    static int known = -1;
    if (known < 0) known = disk.handle().is_error() ? 0 : 1;
    return known == 1;
}

const Mount kWithDisk[] = {{"/tmp", "fs", "ramfs"}, {"/", "root", "ext2"}};
const Mount kWithoutDisk[] = {{"/", "fs", "ramfs"}};

// Copies an absolute path into `out` (kMaxPathLength + 1 bytes; it may be
// `path` itself: writes never overtake reads) without ".", ".." or
// repeated '/' (a trailing '/' is kept: "/tmp/new/" names a directory).
// One pass over the path, which also bounds it: a separate length check,
// copy and rewrite cost every path operation some 400 instructions.
// TooLong past kMaxPathLength; BadArgument if ".." would go above the root.
Error canonical(const char* path, char* out, size_t* length) {
    const char* in = path;
    const char* const limit = path + kMaxPathLength;
    char* at = out;
    Error error = Error::None;
    for (;;) {
        while (*in == '/') in++;
        if (!*in) break;
        char* component = at;  // at < in: at least one '/' was read
        *at++ = '/';
        for (char c = *in; c && c != '/'; c = *in) {
            if (in == limit) return Error::TooLong;
            *at++ = c;
            in++;
        }
        size_t length = static_cast<size_t>(at - component) - 1;
        if (component[1] != '.' || length > 2 || (length == 2 && component[2] != '.')) continue;
        at = component;  // "." or ".." is not kept
        if (length == 1) continue;
        if (at == out) error = Error::BadArgument;  // read on: a path too long is TooLong first
        while (at > out && *--at != '/') {
        }
    }
    if (in > limit) return Error::TooLong;  // slashes past the bound
    if (error != Error::None) return error;
    if (at == out || in[-1] == '/') *at++ = '/';
    *at = 0;
    *length = static_cast<size_t>(at - out);
    return Error::None;
}

// Whether `path` is `mount` or below it.
bool under(const char* path, const char* mount) {
    if (mount[1] == 0) return true;  // "/"
    size_t i = 0;
    for (; mount[i]; i++)
        if (path[i] != mount[i]) return false;
    return path[i] == 0 || path[i] == '/';
}

}  // namespace

base::ErrorOr<Handle> server(const Mount& mount) {
    return (base::str_equal(mount.service, "root") ? disk : ram).handle();
}

const Mount* table(size_t* count) {
    if (have_disk()) {
        *count = sizeof kWithDisk / sizeof kWithDisk[0];
        return kWithDisk;
    }
    *count = sizeof kWithoutDisk / sizeof kWithoutDisk[0];
    return kWithoutDisk;
}

base::ErrorOr<Routed> route(const char* path, char* out) {
    if (!path[0]) return Error::NotFound;
    if (path[0] != '/') {
        if (!base::path_join(cwd::get(), path, out, kMaxPathLength + 1)) return Error::TooLong;
        path = out;
    }
    size_t length = 0;
    TRY_STATUS(canonical(path, out, &length));
    size_t count = 0;
    const Mount* mounts = table(&count);
    for (size_t i = 0; i < count; i++) {
        if (!under(out, mounts[i].path)) continue;
        return Routed{TRY(server(mounts[i])), &mounts[i], length};
    }
    return Error::NotFound;  // cannot happen: "/" is always mounted
}

}  // namespace rvos::mounts
