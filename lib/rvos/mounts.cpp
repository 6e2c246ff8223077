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

// Rewrites an absolute path in place without ".", ".." or repeated '/'
// (a trailing '/' is kept: "/tmp/new/" names a directory). False if ".."
// would go above the root.
bool canonical(char* path) {
    char* out = path;  // writes never overtake reads
    const char* in = path;
    bool trailing = false;
    while (*in) {
        while (*in == '/') in++;
        const char* start = in;
        while (*in && *in != '/') in++;
        size_t length = static_cast<size_t>(in - start);
        trailing = length == 0 || *in == '/';
        if (length == 0 || (length == 1 && start[0] == '.')) continue;
        if (length == 2 && start[0] == '.' && start[1] == '.') {
            if (out == path) return false;
            while (out > path && *--out != '/') {
            }
            continue;
        }
        *out++ = '/';
        for (size_t i = 0; i < length; i++) *out++ = start[i];  // out never passes start
    }
    if (out == path) *out++ = '/';
    else if (trailing && in > path && in[-1] == '/') *out++ = '/';
    *out = 0;
    return true;
}

bool under(const char* path, const char* mount) {
    size_t n = base::str_length(mount);
    if (n == 1) return true;  // "/"
    return base::str_starts_with(path, mount) && (path[n] == 0 || path[n] == '/');
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
    if (base::str_length_bounded(path, kMaxPathLength + 1) > kMaxPathLength) return Error::TooLong;
    if (path[0] == '/') base::str_copy(out, path, kMaxPathLength + 1);
    else if (!base::path_join(cwd::get(), path, out, kMaxPathLength + 1)) return Error::TooLong;
    if (!canonical(out)) return Error::BadArgument;
    size_t count = 0;
    const Mount* mounts = table(&count);
    for (size_t i = 0; i < count; i++) {
        if (!under(out, mounts[i].path)) continue;
        return Routed{TRY(server(mounts[i])), &mounts[i]};
    }
    return Error::NotFound;  // cannot happen: "/" is always mounted
}

}  // namespace rvos::mounts
