// The filesystem client: a control channel to the fs service, and File, an
// owned per-file channel (closing it closes the file). Reads and writes of
// any size are split into messages here, transparently.
#pragma once

#include "abi/protocol.h"
#include "rvos/channel.h"
#include "rvos/shared_memory.h"

namespace rvos::fs {

using Kind = proto::FsKind;

struct Stat {
    Kind kind;
    uint64_t size;
};

class File {
public:
    File() = default;
    explicit File(Channel channel) : channel_(base::move(channel)) {}

    bool valid() const { return channel_.valid(); }
    // The file channel (to hand the open file to another program).
    Handle handle() const { return channel_.handle(); }
    // Read/write at an offset; return the bytes transferred (a short read
    // means end of file). Large transfers go through a shared buffer
    // attached on first use; small ones travel in messages.
    base::ErrorOr<size_t> read(uint64_t offset, void* buffer, size_t length);
    base::ErrorOr<size_t> write(uint64_t offset, const void* data, size_t length);
    base::ErrorOr<Stat> stat() const;
    // Reads [offset, offset+length) straight into a memory object (the
    // handle moves to the server, which needs map and map-write rights),
    // in one request and one copy; the server maps it for that request
    // only, so nothing of the read outlives it. Returns the bytes read.
    base::ErrorOr<size_t> read_into(Handle memory, uint64_t offset, size_t length);
    void close() {
        channel_.close();
        bulk_.reset();
    }

private:
    base::ErrorOr<size_t> read_messages(uint64_t offset, uint8_t* out, size_t length);
    base::ErrorOr<size_t> write_messages(uint64_t offset, const uint8_t* in, size_t length);
    base::ErrorOr<size_t> transfer_bulk(bool write, uint64_t offset, uint8_t* data, size_t length);
    bool attach_bulk();

    Channel channel_;
    SharedMemory bulk_;
    bool bulk_refused_ = false;  // the server could not map a buffer: use messages
};

// Paths may be relative to the working directory (rvos/cwd.h); an empty
// path is NotFound.
base::ErrorOr<File> open(const char* path, uint32_t flags);
Error remove(const char* path);
Error mkdir(const char* path);
// Moves a file or directory (fs.Rename: atomic, replaces a file or an
// empty directory, refuses to move a directory into itself).
Error rename(const char* from, const char* to);
base::ErrorOr<Stat> stat(const char* path);
// A time since 1970-01-01 UTC.
struct Time {
    int64_t seconds;
    uint32_t nanoseconds;
};
// What a file server keeps about a node (fs.GetAttributes).
struct Attributes {
    Kind kind;
    uint32_t mode;  // permission bits
    uint32_t links;
    uint64_t inode;
    uint32_t device;  // which file system
    uint64_t size;
    uint64_t blocks;  // 512-byte units
    Time accessed, modified, changed;
};
// stat (follow) and lstat (!follow: a symbolic link at the end is described).
base::ErrorOr<Attributes> attributes(const char* path, bool follow);
// A hard link `to` naming what `from` names; CrossDevice between two mounts.
Error link(const char* from, const char* to);
Error symlink(const char* target, const char* path);
// The link's target, NUL-terminated, cut to `size` - 1 bytes; returns its
// whole length.
base::ErrorOr<size_t> read_link(const char* path, char* buffer, size_t size);
// Sets the access and/or modification time (nullptr: left as it is);
// `now`: the server's clock instead of the values given.
Error set_times(const char* path, const Time* accessed, const Time* modified, bool now);
// Sets the permission bits (kept by the servers, never enforced).
Error set_mode(const char* path, uint32_t mode);
// The size and use of the file system holding `path` (fs.StatFs).
struct VolumeStat {
    uint32_t block_size;
    uint64_t blocks, free_blocks, available_blocks, files, free_files;
};
base::ErrorOr<VolumeStat> stat_volume(const char* path);
// Reads [offset, offset+length) of a file straight into a memory object
// (the handle moves to the server: map and map-write rights), in one
// request and without opening it: nothing of the read outlives the reply.
base::ErrorOr<size_t> read_file(const char* path, Handle memory, uint64_t offset, size_t length);
// Asks every mounted file server to put what it holds on its storage.
Error sync_all();

struct DirEntry {
    Kind kind;
    uint64_t size;
    char name[kMaxFileNameLength + 1];
};
// Lists a directory: calls visit(entry, context) for each entry in order.
Error read_dir(const char* path, void (*visit)(const DirEntry& entry, void* context), void* context);

}  // namespace rvos::fs
