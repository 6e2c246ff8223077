// The file system client (see fs.h), on the generated fs and file
// protocols (lib/proto/fs.proto, lib/proto/file.proto).
#include "rvos/fs.h"

#include <stdlib.h>

#include "base/path.h"
#include "proto/file.h"
#include "proto/fs.h"
#include "rvos/cwd.h"
#include "rvos/ipc.h"
#include "rvos/mounts.h"
#include "rvos/service.h"

namespace rvos::fs {

namespace {

namespace fsp = proto::fs;
namespace filep = proto::file;

// A path as its file server takes it (absolute, canonical; see
// rvos/mounts.h) and that server's channel, in a buffer of its own on the
// caller's stack (the stack grows on demand; a malloc and free of 4 KiB
// cost every path operation a few hundred instructions).
class ServerPath {
public:
    explicit ServerPath(const char* path) {
        auto routed = mounts::route(path, path_);
        if (routed.is_error()) error_ = routed.error();
        else routed_ = routed.value();
    }
    ServerPath(const ServerPath&) = delete;
    ServerPath& operator=(const ServerPath&) = delete;

    Error error() const { return error_; }
    // As a request's str: its length is known, and it has no NUL inside.
    proto::Str get() const { return proto::Str::terminated(path_, routed_.length); }
    Handle server() const { return routed_.server; }
    const mounts::Mount* mount() const { return routed_.mount; }

private:
    char path_[kMaxPathLength + 1];
    mounts::Routed routed_{kNoHandle, nullptr, 0};
    Error error_ = Error::None;
};

}  // namespace

base::ErrorOr<size_t> fs::File::read(uint64_t offset, void* buffer, size_t length) {
    auto* out = static_cast<uint8_t*>(buffer);
    if (length >= proto::kBulkThreshold && attach_bulk()) return transfer_bulk(false, offset, out, length);
    return read_messages(offset, out, length);
}

base::ErrorOr<size_t> fs::File::write(uint64_t offset, const void* data, size_t length) {
    auto* in = static_cast<uint8_t*>(const_cast<void*>(data));
    if (length >= proto::kBulkThreshold && attach_bulk()) return transfer_bulk(true, offset, in, length);
    return write_messages(offset, in, length);
}

// Creates the shared buffer and hands it to the server, once per file.
bool fs::File::attach_bulk() {
    if (bulk_.valid()) return true;
    if (bulk_refused_) return false;
    auto shared = SharedMemory::create(proto::kBulkBufferSize);
    if (shared.is_error()) return false;
    bulk_ = shared.release_value();
    filep::AttachBufferRequest request;
    request.memory = bulk_.give_handle();
    filep::AttachBufferReplyBuffer reply;
    if (filep::attach_buffer<UserIpc>(channel_.handle(), request, reply).is_error()) {
        bulk_.reset();
        bulk_refused_ = true;
    }
    return bulk_.valid();
}

base::ErrorOr<size_t> fs::File::read_into(Handle memory, uint64_t offset, size_t length) {
    if (length > kMaxSharedSize) {
        sys::handle_close(memory);
        return Error::FileTooBig;
    }
    filep::ReadIntoRequest request;
    request.memory = memory;  // the server's now (or closed by the stub)
    request.offset = offset;
    request.length = static_cast<uint32_t>(length);
    filep::ReadIntoReplyBuffer buffer;
    auto reply = TRY(filep::read_into<UserIpc>(channel_.handle(), request, buffer));
    return base::min<size_t>(reply.read, length);
}

// Moves data through the shared buffer, one buffer-full per request.
base::ErrorOr<size_t> fs::File::transfer_bulk(bool write, uint64_t offset, uint8_t* data, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t chunk = base::min(length - done, bulk_.size());
        size_t moved = 0;
        if (write) {
            base::mem_copy(bulk_.data(), data + done, chunk);
            filep::WriteBulkReplyBuffer buffer;
            auto reply = filep::write_bulk<UserIpc>(channel_.handle(), {offset + done, static_cast<uint32_t>(chunk)},
                                                    buffer);
            if (reply.is_error()) return done ? base::ErrorOr<size_t>(done) : reply.error();
            moved = base::min<size_t>(reply.value().written, chunk);
        } else {
            filep::ReadBulkReplyBuffer buffer;
            auto reply = filep::read_bulk<UserIpc>(channel_.handle(), {offset + done, static_cast<uint32_t>(chunk)},
                                                   buffer);
            if (reply.is_error()) return done ? base::ErrorOr<size_t>(done) : reply.error();
            moved = base::min<size_t>(reply.value().read, chunk);
            base::mem_copy(data + done, bulk_.data(), moved);
        }
        done += moved;
        if (moved < chunk) break;  // end of file (or the disk is full)
    }
    return done;
}

base::ErrorOr<size_t> fs::File::read_messages(uint64_t offset, uint8_t* out, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t want = base::min(length - done, proto::kFileChunk);
        filep::ReadReplyBuffer buffer;
        auto reply = filep::read<UserIpc>(channel_.handle(), {offset + done, static_cast<uint32_t>(want)}, buffer);
        if (reply.is_error()) return done ? base::ErrorOr<size_t>(done) : reply.error();
        size_t got = base::min<size_t>(reply.value().data.length, want);
        base::mem_copy(out + done, reply.value().data.data, got);
        done += got;
        if (got < want) break;  // end of file
    }
    return done;
}

base::ErrorOr<size_t> fs::File::write_messages(uint64_t offset, const uint8_t* in, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t chunk = base::min(length - done, proto::kFileChunk);
        filep::WriteRequest request;
        request.offset = offset + done;
        request.data = proto::Bytes(in + done, chunk);
        filep::WriteReplyBuffer buffer;
        auto reply = filep::write<UserIpc>(channel_.handle(), request, buffer);
        if (reply.is_error()) return done ? base::ErrorOr<size_t>(done) : reply.error();
        size_t wrote = base::min<size_t>(reply.value().written, chunk);
        done += wrote;
        if (wrote < chunk) break;
    }
    return done;
}

base::ErrorOr<Stat> fs::File::stat() const {
    filep::StatReplyBuffer buffer;
    auto reply = TRY(filep::stat<UserIpc>(channel_.handle(), {}, buffer));
    return Stat{static_cast<Kind>(reply.kind), reply.size};
}

base::ErrorOr<fs::File> open(const char* path, uint32_t flags) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::OpenRequest request;
    request.flags = flags;
    request.path = at.get();
    fsp::OpenReplyBuffer buffer;
    auto reply = TRY(fsp::open<UserIpc>(at.server(), request, buffer));
    return fs::File(Channel(reply.file));
}

Error remove(const char* path) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::DeleteRequest request;
    request.path = at.get();
    fsp::DeleteReplyBuffer buffer;
    auto reply = fsp::delete_<UserIpc>(at.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

Error mkdir(const char* path) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::MkdirRequest request;
    request.path = at.get();
    fsp::MkdirReplyBuffer buffer;
    auto reply = fsp::mkdir<UserIpc>(at.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

namespace {

// A request naming two paths (`from`, `to`) that one volume carries out:
// both are routed, and a pair on two volumes is CrossDevice (there is no
// atomic rename or link across two).
template <typename Request, typename ReplyBuffer, typename Call>
Error on_one_volume(const char* from, const char* to, Call call) {
    ServerPath source(from), target(to);
    TRY_STATUS(source.error());
    TRY_STATUS(target.error());
    if (source.mount() != target.mount()) return Error::CrossDevice;
    Request request;
    request.from = source.get();
    request.to = target.get();
    ReplyBuffer buffer;
    auto reply = call(source.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

}  // namespace

Error rename(const char* from, const char* to) {
    return on_one_volume<fsp::RenameRequest, fsp::RenameReplyBuffer>(
        from, to, [](auto server, auto& request, auto& buffer) { return fsp::rename<UserIpc>(server, request, buffer); });
}

Error sync_all() {
    size_t count = 0;
    const mounts::Mount* table = mounts::table(&count);
    Error first = Error::None;
    for (size_t i = 0; i < count; i++) {
        auto server = mounts::server(table[i]);
        fsp::SyncReplyBuffer buffer;
        auto reply = server.is_error() ? base::ErrorOr<fsp::SyncReply>(server.error())
                                       : fsp::sync<UserIpc>(server.value(), fsp::SyncRequest{}, buffer);
        if (reply.is_error() && first == Error::None) first = reply.error();
    }
    return first;
}

base::ErrorOr<Stat> stat(const char* path) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::StatRequest request;
    request.path = at.get();
    fsp::StatReplyBuffer buffer;
    auto reply = TRY(fsp::stat<UserIpc>(at.server(), request, buffer));
    return Stat{static_cast<Kind>(reply.kind), reply.size};
}

base::ErrorOr<Attributes> attributes(const char* path, bool follow) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::GetAttributesRequest request;
    request.follow = follow;
    request.path = at.get();
    fsp::GetAttributesReplyBuffer buffer;
    fsp::Attributes a = TRY(fsp::get_attributes<UserIpc>(at.server(), request, buffer)).attributes;
    return Attributes{static_cast<Kind>(a.kind), a.mode, a.links, a.inode, a.device, a.size, a.blocks,
                      {a.accessed.seconds, a.accessed.nanoseconds},
                      {a.modified.seconds, a.modified.nanoseconds},
                      {a.changed.seconds, a.changed.nanoseconds}};
}

Error link(const char* from, const char* to) {
    return on_one_volume<fsp::LinkRequest, fsp::LinkReplyBuffer>(
        from, to, [](auto server, auto& request, auto& buffer) { return fsp::link<UserIpc>(server, request, buffer); });
}

Error symlink(const char* target, const char* path) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::SymlinkRequest request;
    request.target = target;
    request.path = at.get();
    fsp::SymlinkReplyBuffer buffer;
    auto reply = fsp::symlink<UserIpc>(at.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

base::ErrorOr<size_t> read_link(const char* path, char* out, size_t size) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::ReadLinkRequest request;
    request.path = at.get();
    auto* buffer = new fsp::ReadLinkReplyBuffer;  // a path's worth: not on the stack
    if (!buffer) return Error::NoMemory;
    auto reply = fsp::read_link<UserIpc>(at.server(), request, *buffer);
    if (reply.is_error()) {
        delete buffer;
        return reply.error();
    }
    size_t length = reply.value().target.length;
    if (size) base::str_copy(out, reply.value().target.data, base::min(size, length + 1));
    delete buffer;
    return length;
}

Error set_times(const char* path, const Time* accessed, const Time* modified, bool now) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::SetTimesRequest request;
    request.set_accessed = accessed != nullptr;
    if (accessed) request.accessed = {accessed->seconds, accessed->nanoseconds};
    request.set_modified = modified != nullptr;
    if (modified) request.modified = {modified->seconds, modified->nanoseconds};
    request.now = now;
    request.path = at.get();
    fsp::SetTimesReplyBuffer buffer;
    auto reply = fsp::set_times<UserIpc>(at.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

Error set_mode(const char* path, uint32_t mode) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::SetModeRequest request;
    request.mode = mode;
    request.path = at.get();
    fsp::SetModeReplyBuffer buffer;
    auto reply = fsp::set_mode<UserIpc>(at.server(), request, buffer);
    return reply.is_error() ? reply.error() : Error::None;
}

base::ErrorOr<VolumeStat> stat_volume(const char* path) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    fsp::StatFsReplyBuffer buffer;
    auto r = TRY(fsp::stat_fs<UserIpc>(at.server(), fsp::StatFsRequest{}, buffer));
    return VolumeStat{r.block_size, r.blocks, r.free_blocks, r.available_blocks, r.files, r.free_files};
}

base::ErrorOr<size_t> read_file(const char* path, Handle memory, uint64_t offset, size_t length) {
    ServerPath at(path);
    if (at.error() != Error::None || length > kMaxSharedSize) {
        sys::handle_close(memory);
        return at.error() != Error::None ? at.error() : Error::FileTooBig;
    }
    fsp::ReadFileRequest request;
    request.path = at.get();
    request.memory = memory;  // the server's now (or closed by the stub)
    request.offset = offset;
    request.length = static_cast<uint32_t>(length);
    fsp::ReadFileReplyBuffer buffer;
    auto reply = TRY(fsp::read_file<UserIpc>(at.server(), request, buffer));
    return base::min<size_t>(reply.read, length);
}

Error read_dir(const char* path, void (*visit)(const DirEntry& entry, void* context), void* context) {
    ServerPath at(path);
    TRY_STATUS(at.error());
    Handle handle = at.server();
    fsp::ReadDirRequest request;
    request.path = at.get();
    // One batch per request, into a buffer made on first use (not a static
    // one: that would be zeroed pages in every program's image).
    static fsp::ReadDirReplyBuffer* buffer = nullptr;
    if (!buffer) buffer = new fsp::ReadDirReplyBuffer;
    if (!buffer) return Error::NoMemory;
    for (;;) {
        auto reply = TRY(fsp::read_dir<UserIpc>(handle, request, *buffer));
        for (uint32_t i = 0; i < reply.entries_count; i++) {
            DirEntry entry;
            entry.kind = static_cast<Kind>(reply.entries[i].kind);
            entry.size = reply.entries[i].size;
            base::str_copy(entry.name, reply.entries[i].name.data, sizeof entry.name);
            visit(entry, context);
        }
        if (!reply.more) return Error::None;
        request.first += reply.entries_count;
    }
}

}  // namespace rvos::fs
