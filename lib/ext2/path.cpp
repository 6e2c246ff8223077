// Paths inside the volume: '/'-separated components from the root, "." and
// "..", symbolic links followed (absolute targets from the volume root).
// The walk is bounded by the path's length and kMaxSymlinkHops.
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

ErrorOr<uint32_t> Volume::walk(uint32_t start, const char* path, size_t length, bool follow_last, uint32_t* hops) {
    uint32_t current = start;
    size_t i = 0;
    while (true) {
        while (i < length && path[i] == '/') i++;
        if (i >= length) return current;
        size_t end = i;
        while (end < length && path[end] != '/') end++;
        Name name(path + i, end - i);
        size_t rest = end;
        while (rest < length && path[rest] == '/') rest++;
        bool last = rest >= length && end == length;  // a trailing '/' asks for a directory
        i = end;
        if (name.length > kMaxNameLength) return Error::TooLong;
        if (name.is_dot()) {
            TRY(read_directory(current));
            continue;
        }
        if (name.is_dot_dot()) {
            Inode dir = TRY(read_directory(current));
            if (current != kRootInode) current = TRY(parent_of(dir));
            continue;
        }
        uint32_t next = TRY(lookup(current, name));
        if (!last || follow_last) {
            Inode inode = TRY(read_inode(next));
            if (inode.is_symlink()) {
                if (++*hops > kMaxSymlinkHops) return kSymlinkLoop;
                char target[kMaxPathBytes];
                size_t n = TRY(readlink(next, target, sizeof(target)));
                next = TRY(walk(target[0] == '/' ? kRootInode : current, target, n, true, hops));
            }
        }
        current = next;
    }
}

ErrorOr<uint32_t> Volume::resolve(const char* path, bool follow_last) {
    if (!mounted_) return Error::BadArgument;
    size_t length = base::str_length_bounded(path, kMaxPathBytes + 1);
    if (length > kMaxPathBytes) return Error::TooLong;
    uint32_t hops = 0;
    return walk(kRootInode, path, length, follow_last, &hops);
}

ErrorOr<uint32_t> Volume::resolve_parent(const char* path, Name* last) {
    if (!mounted_) return Error::BadArgument;
    size_t length = base::str_length_bounded(path, kMaxPathBytes + 1);
    if (length > kMaxPathBytes) return Error::TooLong;
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
