// Paths inside the volume: '/'-separated components from the root, "." and
// "..", symbolic links followed (absolute targets from the volume root).
// Iterative: a link's target and the rest of the path are joined into the
// other of two path buffers, so nesting costs no stack; the walk is bounded
// by kMaxSymlinkHops and the buffers' length (TooLong past it).
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

namespace {

// A path being walked: the bytes, and the two buffers they live in.
struct PathBuffers {
    char bytes[2][rvos::kMaxPathLength];
    int current = 0;
    size_t length = 0;
    char* path() { return bytes[current]; }
    char* other() { return bytes[1 - current]; }
};

}  // namespace

ErrorOr<uint32_t> Volume::walk(uint32_t start, const char* path, size_t length, bool follow_last, uint32_t* hops) {
    if (length > rvos::kMaxPathLength) return Error::TooLong;
    PathBuffers buffers;
    base::mem_copy(buffers.path(), path, length);
    buffers.length = length;
    uint32_t current = start;
    // current's inode once read: a component's inode, read to see whether
    // it is a link, is the next lookup's directory (not read again).
    Inode dir;
    bool have_dir = false;
    size_t i = 0;
    while (true) {
        const char* p = buffers.path();
        size_t n = buffers.length;
        while (i < n && p[i] == '/') i++;
        if (i >= n) return current;
        size_t end = i;
        while (end < n && p[end] != '/') end++;
        Name name(p + i, end - i);
        bool last = end == n;  // a trailing '/' asks for a directory: followed
        i = end;
        if (name.length > kMaxNameLength) return Error::TooLong;
        if (!have_dir) dir = TRY(read_inode(current));
        have_dir = false;
        TRY(check_directory(dir));
        if (name.is_dot()) {
            have_dir = true;
            continue;
        }
        if (name.is_dot_dot()) {
            if (current != kRootInode) current = TRY(parent_of(dir));
            else have_dir = true;
            continue;
        }
        uint32_t next = TRY(lookup_in(dir, name));
        if (last && !follow_last) return next;
        Inode inode = TRY(read_inode(next));
        if (!inode.is_symlink()) {
            current = next;
            dir = inode;
            have_dir = true;
            continue;
        }
        // The target, then the rest of the path, in the other buffer; the
        // walk goes on from the link's directory (or the root).
        if (++*hops > kMaxSymlinkHops) return kSymlinkLoop;
        char* joined = buffers.other();
        size_t target = TRY(readlink(next, joined, rvos::kMaxPathLength));
        size_t rest = n - end;
        if (target + 1 + rest > rvos::kMaxPathLength) return Error::TooLong;
        joined[target] = '/';
        base::mem_copy(joined + target + 1, p + end, rest);
        buffers.current = 1 - buffers.current;
        buffers.length = target + 1 + rest;
        i = 0;
        if (joined[0] == '/') current = kRootInode;
    }
}

ErrorOr<uint32_t> Volume::resolve(const char* path, bool follow_last) {
    if (!mounted_) return Error::BadArgument;
    size_t length = base::str_length_bounded(path, rvos::kMaxPathLength + 1);
    uint32_t hops = 0;
    return walk(kRootInode, path, length, follow_last, &hops);
}

ErrorOr<uint32_t> Volume::resolve_parent(const char* path, Name* last) {
    if (!mounted_) return Error::BadArgument;
    size_t length = base::str_length_bounded(path, rvos::kMaxPathLength + 1);
    if (length > rvos::kMaxPathLength) return Error::TooLong;
    size_t end = length;
    while (end > 0 && path[end - 1] == '/') end--;
    size_t begin = end;
    while (begin > 0 && path[begin - 1] != '/') begin--;
    if (begin == end) return Error::BadArgument;  // the root has no parent entry
    *last = Name(path + begin, end - begin);
    if (last->length > kMaxNameLength) return Error::TooLong;
    uint32_t hops = 0;
    uint32_t parent = TRY(walk(kRootInode, path, begin, true, &hops));
    TRY(read_directory(parent));
    return parent;
}

}  // namespace ext2
