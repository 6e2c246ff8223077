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
