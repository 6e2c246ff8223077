// Which program a spawn starts (spawn_resolved, see spawn_argv in service.h): a path names
// an executable file, a bare name is looked for in $PATH and then among the
// programs embedded in the kernel. A file is read whole into a fresh memory
// object (by the file server, in one request that opens nothing:
// fs.ReadFile), and init loads the program from it; nothing is kept, so the next spawn reads the file again and a
// program replaced on disk runs in its new version.
#include <stdlib.h>

#include "base/string.h"
#include "rvos/fs.h"
#include "rvos/service.h"

namespace rvos {

namespace {

constexpr const char* kDefaultPath = "/bin";

// The last component of a path: the program's name.
const char* base_name(const char* path) {
    const char* name = path;
    for (const char* p = path; *p; p++)
        if (*p == '/') name = p + 1;
    return name;
}

bool has_slash(const char* s) {
    for (; *s; s++)
        if (*s == '/') return true;
    return false;
}

// What makes the search go on to the next directory.
bool not_there(Error error) { return error == Error::NotFound || error == Error::NotDirectory; }

struct Image {
    Handle memory;
    size_t size;
};

// The executable file at `path`, read into a memory object. NotFound if
// there is no such file (a directory is not one either).
base::ErrorOr<Image> read_program(const char* path) {
    fs::Stat stat = TRY(fs::stat(path));
    if (stat.kind != fs::Kind::File) return Error::NotFound;
    if (stat.size == 0) return Error::BadExecutable;
    if (stat.size > kMaxSharedSize) return Error::FileTooBig;
    Channel memory(TRY(sys::mem_create(stat.size)));
    // The server reads from its cache straight into the object, in one
    // request that opens nothing: an open file's channel, or a shared
    // buffer, would go only when the server got to the close, after the
    // program runs, and a caller measuring around a spawn would see them.
    Handle lent = TRY(sys::handle_duplicate(memory.handle(), kRightMap | kRightMapWrite | kRightTransfer));
    size_t read = TRY(fs::read_file(path, lent, 0, stat.size));
    if (read != stat.size) return Error::DeviceError;  // shorter than its size said: changed meanwhile
    // init needs to map it for reading only.
    Handle image = TRY(sys::handle_duplicate(memory.handle(), kRightMap | kRightTransfer));
    return Image{image, stat.size};
}

base::ErrorOr<Child> spawn_file(const char* path, const char* const* argv, const char* const* envp,
                                const Handle* handles, size_t handle_count) {
    Image image = TRY(read_program(path));
    return spawn_image(base_name(path), image.memory, image.size, argv, envp, handles, handle_count);
}

// Each directory of $PATH in turn: the first file of that name is the
// program; NotFound if no directory has one.
base::ErrorOr<Child> search_path(const char* name, const char* const* argv, const char* const* envp,
                                 const Handle* handles, size_t handle_count) {
    const char* dirs = getenv("PATH");
    if (!dirs) dirs = kDefaultPath;
    size_t name_length = base::str_length(name);
    auto* path = static_cast<char*>(malloc(kMaxPathLength + 1));
    if (!path) return Error::NoMemory;
    base::ErrorOr<Child> result = Error::NotFound;
    for (const char* dir = dirs;; dir++) {
        const char* end = dir;
        while (*end && *end != ':') end++;
        auto dir_length = static_cast<size_t>(end - dir);
        if (dir_length == 0) {  // an empty entry is the working directory, as in a shell
            dir = ".";
            dir_length = 1;
        }
        if (dir_length + 1 + name_length <= kMaxPathLength) {
            base::mem_copy(path, dir, dir_length);
            path[dir_length] = '/';
            base::mem_copy(path + dir_length + 1, name, name_length + 1);
            result = spawn_file(path, argv, envp, handles, handle_count);
            if (!result.is_error() || !not_there(result.error())) break;
            result = Error::NotFound;
        }
        if (!*end) break;
        dir = end;
    }
    free(path);
    return result;
}

}  // namespace

base::ErrorOr<Child> spawn_resolved(const char* program, const char* const* argv, const char* const* envp,
                                    const Handle* handles, size_t handle_count) {
    if (!program || !*program) return Error::NotFound;
    if (has_slash(program)) return spawn_file(program, argv, envp, handles, handle_count);
    auto found = search_path(program, argv, envp, handles, handle_count);
    if (!found.is_error() || !not_there(found.error())) return found;
    return spawn_embedded(program, argv, envp, handles, handle_count);
}

}  // namespace rvos
