// The name space: which file server serves a path. A program sees one tree:
// /tmp is the RAM file system ("fs"), and everything else is the disk's
// ext2 volume ("root") when the machine has a disk, else the RAM file
// system too. Paths are made absolute and canonical here, lexically (".."
// above the root is BadArgument, as the RAM file system has always said),
// so "/tmp/../etc" reaches the disk and a path never crosses a mount inside
// a server.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace rvos::mounts {

struct Mount {
    const char* path;     // where it is mounted
    const char* service;  // the file server
    const char* kind;     // "ext2" or "ramfs"
};

// The mounts in force, most specific first: `count` of them.
const Mount* table(size_t* count);

// A path as a file server takes it: `path` (relative to the working
// directory, or absolute) made canonical into `out` (kMaxPathLength + 1
// bytes), and the server's channel. NotFound for an empty path, TooLong,
// BadArgument for ".." above the root.
struct Routed {
    Handle server;
    const Mount* mount;
    size_t length;  // of the canonical path in `out`
};
base::ErrorOr<Routed> route(const char* path, char* out);
// The channel to a mount's file server.
base::ErrorOr<Handle> server(const Mount& mount);

}  // namespace rvos::mounts
