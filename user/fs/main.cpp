// The filesystem server ("fs"): an in-memory tree (tree.cpp) served over
// capability channels, speaking the generated fs and file protocols
// (lib/proto/fs.proto, lib/proto/file.proto). Each client has a control
// channel for path operations; open answers with a fresh per-file channel,
// and closing that channel closes the file. The server keeps exactly one
// handle per open file and none after close (milestone item 3).
#include <stdlib.h>

#include "proto/file.h"
#include "proto/fs.h"
#include "rvos/console.h"
#include "rvos/server.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "tree.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace fsp = rvos::proto::fs;
namespace filep = rvos::proto::file;

constexpr size_t kInBytes = base::max(fsp::kMaxRequestBytes, filep::kMaxRequestBytes);
constexpr size_t kOutBytes = base::max(fsp::kMaxReplyBytes, filep::kMaxReplyBytes);
using FsServer = rvos::Server<kInBytes, kOutBytes>;

fs::Tree* tree;
FsServer server;

struct OpenFile {
    fs::Node* node;
    uint32_t flags;
    rvos::SharedMemory bulk;  // the client's buffer for large transfers, if attached
};

// ---- File channels -------------------------------------------------------------

void file_closed(FsServer&, Handle, void* context) {
    auto* file = static_cast<OpenFile*>(context);
    tree->release(file->node);
    delete file;  // unmaps its buffer
}

// Handles requests on one file channel.
struct FileHandler {
    OpenFile& file;

    bool writable() const { return file.flags & rvos::proto::kOpenWrite; }

    Error read(Handle, const filep::ReadRequest& r, filep::ReadReply& out) {
        static uint8_t data[rvos::proto::kFileChunk];
        size_t length = base::min<size_t>(r.length, sizeof data);
        size_t n = TRY(tree->read(file.node, r.offset, data, length));
        out.data = rvos::proto::Bytes(data, n);
        return Error::None;
    }
    Error write(Handle, const filep::WriteRequest& r, filep::WriteReply& out) {
        if (!writable()) return Error::BadHandle;
        uint64_t offset = (file.flags & rvos::proto::kOpenAppend) ? tree->size(file.node) : r.offset;
        out.written = static_cast<uint32_t>(TRY(tree->write(file.node, offset, r.data.data, r.data.length)));
        out.size = tree->size(file.node);
        return Error::None;
    }
    Error stat(Handle, const filep::StatRequest&, filep::StatReply& out) {
        fs::Stat st = tree->stat(file.node);
        out.kind = static_cast<uint8_t>(st.kind);
        out.size = st.size;
        return Error::None;
    }
    // The client's shared buffer: mapped here for the life of the open file.
    Error attach_buffer(Handle, filep::AttachBufferRequest& r, filep::AttachBufferReply&) {
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;  // SharedMemory owns (and on failure closed) it
        file.bulk = TRY(rvos::SharedMemory::map(memory));
        return Error::None;
    }
    Error bulk_check(uint32_t length) const {
        return !file.bulk.valid() || length > file.bulk.size() ? Error::BadArgument : Error::None;
    }
    Error read_bulk(Handle, const filep::ReadBulkRequest& r, filep::ReadBulkReply& out) {
        TRY_STATUS(bulk_check(r.length));
        out.read = static_cast<uint32_t>(TRY(tree->read(file.node, r.offset, file.bulk.data(), r.length)));
        return Error::None;
    }
    Error write_bulk(Handle, const filep::WriteBulkRequest& r, filep::WriteBulkReply& out) {
        TRY_STATUS(bulk_check(r.length));
        if (!writable()) return Error::BadHandle;
        uint64_t offset = (file.flags & rvos::proto::kOpenAppend) ? tree->size(file.node) : r.offset;
        out.written = static_cast<uint32_t>(TRY(tree->write(file.node, offset, file.bulk.data(), r.length)));
        out.size = tree->size(file.node);
        return Error::None;
    }
};

void handle_file(FsServer& loop, Handle client, void* context, Buffer& message) {
    FileHandler handler{*static_cast<OpenFile*>(context)};
    filep::dispatch(loop, client, message, handler);
}

// ---- The control channel ----------------------------------------------------------

struct ControlHandler {
    // Opens the file and hands the client a fresh channel for it.
    Error open(Handle, const fsp::OpenRequest& r, fsp::OpenReply& out) {
        fs::Node* node = TRY(tree->open(r.path.data, r.flags));
        auto* file = new OpenFile{node, r.flags, {}};
        auto pair = rvos::sys::chan_create();
        if (!file || pair.is_error()) {
            delete file;
            tree->release(node);
            return pair.is_error() ? pair.error() : Error::NoMemory;
        }
        if (!server.watch(pair.value().a, handle_file, file, file_closed)) {
            file_closed(server, pair.value().a, file);
            rvos::sys::handle_close(pair.value().a);
            rvos::sys::handle_close(pair.value().b);
            return Error::HandleTableFull;
        }
        // If the reply cannot be delivered its handle closes, and the file
        // channel then closes the file.
        out.size = tree->size(node);
        out.file = pair.value().b;
        return Error::None;
    }
    Error delete_(Handle, const fsp::DeleteRequest& r, fsp::DeleteReply&) { return tree->remove(r.path.data); }
    Error mkdir(Handle, const fsp::MkdirRequest& r, fsp::MkdirReply&) { return tree->mkdir(r.path.data); }
    Error sync(Handle, const fsp::SyncRequest&, fsp::SyncReply&) { return Error::None; }  // all in memory
    Error rename(Handle, const fsp::RenameRequest& r, fsp::RenameReply&) {
        return tree->rename(r.from.data, r.to.data);
    }
    Error stat(Handle, const fsp::StatRequest& r, fsp::StatReply& out) {
        fs::Stat st = TRY(tree->stat(r.path.data));
        out.kind = static_cast<uint8_t>(st.kind);
        out.size = st.size;
        return Error::None;
    }
    Error read_dir(Handle, const fsp::ReadDirRequest& r, fsp::ReadDirReply& out) {
        // A path that names a file or nothing is an error, not an empty listing.
        fs::Stat st = TRY(tree->stat(r.path.data));
        if (st.kind != fs::Kind::Directory) return Error::NotDirectory;
        for (size_t i = r.first; out.entries_count < rvos::proto::kDirBatch; i++) {
            auto entry = tree->entry(r.path.data, i);
            if (entry.is_error()) {
                if (entry.error() != Error::NotFound) return entry.error();  // NotFound: past the end
                return Error::None;
            }
            fsp::DirEntry& e = out.entries[out.entries_count++];
            e.kind = static_cast<uint8_t>(entry.value().kind);
            e.size = entry.value().size;
            e.name = entry.value().name;  // the tree's node name: alive until the reply is sent
        }
        out.more = !tree->entry(r.path.data, r.first + out.entries_count).is_error();
        return Error::None;
    }
};

void handle_control(FsServer& loop, Handle client, void*, Buffer& message) {
    ControlHandler handler;
    fsp::dispatch(loop, client, message, handler);
}

}  // namespace

int main() {
    tree = new fs::Tree();
    auto listen = rvos::register_service("fs");
    if (listen.is_error()) {
        rvos::console::print("fs: cannot register: %s\n", rvos::error_name(listen.error()));
        return 1;
    }
    server.listen(listen.release_value().release(), handle_control);
    server.run();
}
