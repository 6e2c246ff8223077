// opendir/readdir/closedir: the listing is fetched whole from the fs
// service at opendir (a snapshot, as POSIX allows) and handed out in order.
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "rvos/fs.h"
#include "base/string.h"
#include "rvos/posix.h"

struct rvos_dir {
    struct dirent* entries;
    size_t count;
    size_t capacity;
    size_t next;
    bool failed;
};

static_assert(sizeof(dirent::d_name) == rvos::kMaxFileNameLength + 1, "d_name holds the longest name");

namespace {

void collect(const rvos::fs::DirEntry& entry, void* context) {
    auto* dir = static_cast<rvos_dir*>(context);
    if (dir->failed) return;
    if (dir->count == dir->capacity) {
        size_t capacity = dir->capacity ? dir->capacity * 2 : 16;
        auto* grown = static_cast<struct dirent*>(realloc(dir->entries, capacity * sizeof(struct dirent)));
        if (!grown) {
            dir->failed = true;
            return;
        }
        dir->entries = grown;
        dir->capacity = capacity;
    }
    struct dirent& out = dir->entries[dir->count++];
    out.d_ino = dir->count;
    out.d_type = entry.kind == rvos::fs::Kind::Directory ? DT_DIR
                 : entry.kind == rvos::fs::Kind::Symlink ? DT_LNK
                                                         : DT_REG;
    out.d_size = static_cast<off_t>(entry.size);
    base::str_copy(out.d_name, entry.name, sizeof out.d_name);
}

}  // namespace

extern "C" {

DIR* opendir(const char* path) {
    auto* dir = static_cast<rvos_dir*>(calloc(1, sizeof(rvos_dir)));
    if (!dir) {
        errno = ENOMEM;
        return nullptr;
    }
    rvos::Error error = rvos::fs::read_dir(path, collect, dir);
    if (error == rvos::Error::None && dir->failed) error = rvos::Error::NoMemory;
    if (error != rvos::Error::None) {
        closedir(dir);
        rvos::posix::fail(error);
        return nullptr;
    }
    return dir;
}

struct dirent* readdir(DIR* dir) {
    if (!dir || dir->next == dir->count) return nullptr;
    return &dir->entries[dir->next++];
}

int closedir(DIR* dir) {
    if (!dir) return rvos::posix::fail(rvos::Error::BadArgument);
    free(dir->entries);
    free(dir);
    return 0;
}

}
