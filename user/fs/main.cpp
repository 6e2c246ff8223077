// The filesystem server ("fs"): an in-memory tree (tree.cpp) served over
// capability channels, speaking the generated fs and file protocols
// (lib/proto/fs.proto, lib/proto/file.proto). Each client has a control
// channel for path operations; open answers with a fresh per-file channel,
// and closing that channel closes the file. The server keeps exactly one
// handle per open file and none after close (milestone item 3).
//
// File data lives in arenas of memory objects (page_store.h), given back
// to the system as files are deleted or truncated. Each client — one
// program, by the pid init names — has a fair share (lib/abi/abi.h):
// kFsMaxConnections, kFsMaxOpenFiles and kFsMaxBytesHeld of file data
// (the files it created or last grew); past one, QuotaExceeded.
#include <stdlib.h>
#include <time.h>

#include "proto/file.h"
#include "proto/fs.h"
#include "rvos/console.h"
#include "rvos/file_server.h"
#include "rvos/server.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "rvos/sysinfo.h"
#include "tree.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace fsp = rvos::proto::fs;
namespace filep = rvos::proto::file;
using FsServer = rvos::FileServerLoop;

fs::Tree* tree;
FsServer server;
// The file system's number in Attributes::device (the disk's volume is 2).
constexpr uint32_t kDevice = 1;

// ---- Clients and their shares ----------------------------------------------------

// One program talking to the server and what it holds here. A record
// lives while the program holds connections or files here, or file data is
// charged to it; one with neither handles nor charges is forgotten.
struct Client {
    uint32_t pid = 0;  // 0: a free record
    uint32_t connections = 0;
    uint32_t open_files = 0;
    size_t pages = 0;  // pages of file data charged to it
    bool idle() const { return connections == 0 && open_files == 0; }
};
// Each record with handles holds one of the server's handles at least;
// records without handles (only charges) give way when the table is full.
Client clients[rvos::kMaxHandles];
constexpr size_t kMaxPagesHeld = rvos::kFsMaxBytesHeld / fs::kPageSize;

Client* find_client(uint32_t pid) {
    for (Client& c : clients)
        if (c.pid == pid) return &c;
    return nullptr;
}

Client* add_client(uint32_t pid) {
    if (Client* c = find_client(pid)) return c;
    Client* slot = find_client(0);
    for (Client& c : clients)  // none free: one whose charges are all it has here
        if (!slot && c.idle()) slot = &c;
    if (!slot) return nullptr;
    *slot = Client{pid};
    return slot;
}

void forget_if_done(Client& client) {
    if (client.idle() && client.pages == 0) client = Client{};
}

// The tree gave a file's pages back: its owner is charged that much less.
void pages_released(void*, uint32_t owner, size_t pages) {
    Client* client = owner ? find_client(owner) : nullptr;
    if (!client) return;
    client->pages -= base::min(client->pages, pages);
    forget_if_done(*client);
}

// Whether `client` may make `node` hold data up to `end`: a file's pages
// are charged to whoever created or last grew it, so growing someone
// else's file takes all of its pages into one's own share.
Error check_growth(const Client& client, fs::Node* node, uint64_t end) {
    size_t before = tree->pages(node);
    size_t after = fs::Tree::pages_for(end);
    if (after <= before || end > rvos::kMaxFileSize) return Error::None;  // (the tree refuses the latter)
    size_t more = tree->owner(node) == client.pid ? after - before : after;
    return client.pages + more > kMaxPagesHeld ? Error::QuotaExceeded : Error::None;
}

// After a write that made `node` hold `before` pages and now more.
void charge_growth(Client& client, fs::Node* node, size_t before) {
    size_t after = tree->pages(node);
    if (after <= before) return;
    if (tree->owner(node) == client.pid) {
        client.pages += after - before;
        return;
    }
    pages_released(nullptr, tree->owner(node), before);
    tree->set_owner(node, client.pid);
    client.pages += after;
}

// Arenas are memory objects mapped here: given back, they are unmapped and
// their frames go back to the system.
void* map_arena(size_t bytes) {
    auto memory = rvos::sys::mem_create(bytes);
    if (memory.is_error()) return nullptr;
    auto mapping = rvos::sys::mem_map(memory.value(), true);
    rvos::sys::handle_close(memory.value());  // the mapping keeps the object
    return mapping.is_error() ? nullptr : mapping.value().address;
}
void unmap_arena(void* arena, size_t bytes) { rvos::sys::munmap(arena, bytes); }

struct OpenFile {
    fs::Node* node;
    uint32_t flags;
    Client* client;           // who opened it
    rvos::SharedMemory bulk;  // the client's buffer for large transfers, if attached
};

// ---- File channels -------------------------------------------------------------

void file_closed(FsServer&, Handle, void* context) {
    auto* file = static_cast<OpenFile*>(context);
    Client& client = *file->client;
    tree->release(file->node);
    delete file;  // unmaps its buffer
    client.open_files--;
    forget_if_done(client);
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
    // Writes within the client's share of file data.
    base::ErrorOr<size_t> write_shared(uint64_t offset, const void* data, size_t length) {
        TRY_STATUS(check_growth(*file.client, file.node, offset + length));
        size_t before = tree->pages(file.node);
        size_t written = TRY(tree->write(file.node, offset, data, length));
        charge_growth(*file.client, file.node, before);
        return written;
    }
    Error write(Handle, const filep::WriteRequest& r, filep::WriteReply& out) {
        if (!writable()) return Error::BadHandle;
        uint64_t offset = (file.flags & rvos::proto::kOpenAppend) ? tree->size(file.node) : r.offset;
        out.written = static_cast<uint32_t>(TRY(write_shared(offset, r.data.data, r.data.length)));
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
    Error read_into(Handle, filep::ReadIntoRequest& r, filep::ReadIntoReply& out) {
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;
        rvos::SharedMemory view = TRY(rvos::SharedMemory::map(memory));  // unmapped before the reply
        if (r.length > view.size()) return Error::BadArgument;
        out.read = static_cast<uint32_t>(TRY(tree->read(file.node, r.offset, view.data(), r.length)));
        return Error::None;
    }
    Error write_bulk(Handle, const filep::WriteBulkRequest& r, filep::WriteBulkReply& out) {
        TRY_STATUS(bulk_check(r.length));
        if (!writable()) return Error::BadHandle;
        uint64_t offset = (file.flags & rvos::proto::kOpenAppend) ? tree->size(file.node) : r.offset;
        out.written = static_cast<uint32_t>(TRY(write_shared(offset, file.bulk.data(), r.length)));
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
    Client& client;

    // Opens the file and hands the client a fresh channel for it.
    Error open(Handle, const fsp::OpenRequest& r, fsp::OpenReply& out) {
        if (client.open_files >= rvos::kFsMaxOpenFiles) return Error::QuotaExceeded;
        fs::Node* node = TRY(tree->open(r.path.data, r.flags));
        auto* file = new OpenFile{node, r.flags, &client, {}};
        auto pair = rvos::sys::chan_create();
        if (!file || pair.is_error()) {
            delete file;
            tree->release(node);
            return pair.is_error() ? pair.error() : Error::NoMemory;
        }
        client.open_files++;
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
    Error read_file(Handle, fsp::ReadFileRequest& r, fsp::ReadFileReply& out) {
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;
        rvos::SharedMemory view = TRY(rvos::SharedMemory::map(memory));  // unmapped before the reply
        if (r.length > view.size()) return Error::BadArgument;
        fs::Node* node = TRY(tree->open(r.path.data, rvos::proto::kOpenRead));
        auto read = tree->read(node, r.offset, view.data(), r.length);
        tree->release(node);
        out.read = static_cast<uint32_t>(TRY(read));
        return Error::None;
    }
    Error stat(Handle, const fsp::StatRequest& r, fsp::StatReply& out) {
        fs::Stat st = TRY(tree->stat(r.path.data));
        out.kind = static_cast<uint8_t>(st.kind);
        out.size = st.size;
        return Error::None;
    }
    Error get_attributes(Handle, const fsp::GetAttributesRequest& r, fsp::GetAttributesReply& out) {
        fs::Attributes a = TRY(tree->attributes(r.path.data, r.follow));
        fsp::Attributes& o = out.attributes;
        o.kind = static_cast<uint8_t>(a.kind);
        o.mode = a.mode;
        o.links = a.links;
        o.inode = a.inode;
        o.device = kDevice;
        o.size = a.size;
        o.blocks = a.blocks;
        o.accessed = {a.accessed.seconds, a.accessed.nanoseconds};
        o.modified = {a.modified.seconds, a.modified.nanoseconds};
        o.changed = {a.changed.seconds, a.changed.nanoseconds};
        return Error::None;
    }
    Error link(Handle, const fsp::LinkRequest& r, fsp::LinkReply&) { return tree->link(r.from.data, r.to.data); }
    Error symlink(Handle, const fsp::SymlinkRequest& r, fsp::SymlinkReply&) {
        return tree->symlink(r.target.data, r.path.data);
    }
    Error read_link(Handle, const fsp::ReadLinkRequest& r, fsp::ReadLinkReply& out) {
        out.target = TRY(tree->read_link(r.path.data));  // alive until the reply is sent
        return Error::None;
    }
    Error set_times(Handle, const fsp::SetTimesRequest& r, fsp::SetTimesReply&) {
        struct timespec ts {};
        clock_gettime(CLOCK_REALTIME, &ts);
        fs::Time now{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)};
        fs::Time accessed = r.now ? now : fs::Time{r.accessed.seconds, r.accessed.nanoseconds};
        fs::Time modified = r.now ? now : fs::Time{r.modified.seconds, r.modified.nanoseconds};
        return tree->set_times(r.path.data, r.set_accessed ? &accessed : nullptr,
                               r.set_modified ? &modified : nullptr);
    }
    Error set_mode(Handle, const fsp::SetModeRequest& r, fsp::SetModeReply&) {
        return tree->set_mode(r.path.data, r.mode & 07777);
    }
    // Its size is what memory the system could still give it: reported as
    // the pages it holds and the system's free frames.
    Error stat_fs(Handle, const fsp::StatFsRequest&, fsp::StatFsReply& out) {
        uint64_t used = tree->store().pages_in_use();
        auto memory = rvos::sysinfo::memory();
        uint64_t free = memory.is_error() ? 0 : memory.value().free_frames;
        out.block_size = static_cast<uint32_t>(fs::kPageSize);
        out.blocks = used + free;
        out.free_blocks = out.available_blocks = free;
        out.files = tree->node_count() + free;
        out.free_files = free;
        return Error::None;
    }
    Error read_dir(Handle, const fsp::ReadDirRequest& r, fsp::ReadDirReply& out) {
        // A path that names a file or nothing is an error, not an empty listing.
        const fs::Node* dir = TRY(tree->directory(r.path.data));
        for (size_t i = r.first; out.entries_count < rvos::proto::kDirBatch; i++) {
            auto entry = tree->entry(dir, i);
            if (entry.is_error()) return Error::None;  // past the end
            fsp::DirEntry& e = out.entries[out.entries_count++];
            e.kind = static_cast<uint8_t>(entry.value().kind);
            e.size = entry.value().size;
            e.name = entry.value().name;  // the tree's entry name: alive until the reply is sent
        }
        out.more = !tree->entry(dir, r.first + out.entries_count).is_error();
        return Error::None;
    }
};

void handle_control(FsServer& loop, Handle channel, void* context, Buffer& message) {
    ControlHandler handler{*static_cast<Client*>(context)};
    fsp::dispatch(loop, channel, message, handler);
}

// A new control channel, for the program init names: refused (closed)
// past kFsMaxConnections, or when no record is left for a new program.
bool accept_client(FsServer&, Handle, uint32_t pid, void** context) {
    Client* client = add_client(pid);
    if (!client || client->connections >= rvos::kFsMaxConnections) return false;
    client->connections++;
    *context = client;
    return true;
}

void control_closed(FsServer&, Handle, void* context) {
    Client& client = *static_cast<Client*>(context);
    client.connections--;
    forget_if_done(client);
}

}  // namespace

int main() {
    tree = new fs::Tree(fs::ArenaSource{map_arena, unmap_arena});
    tree->on_release(pages_released, nullptr);
    // StatFs asks the system's free memory: connect to sysinfo now, so the
    // connection is there from boot rather than opened by the first client
    // that asks (it would count as a channel that client left behind).
    (void)rvos::sysinfo::memory();
    auto listen = rvos::register_service("fs");
    if (listen.is_error()) {
        rvos::console::print("fs: cannot register: %s\n", rvos::error_name(listen.error()));
        return 1;
    }
    server.listen(listen.release_value().release(), handle_control, control_closed, accept_client);
    server.run();
}
