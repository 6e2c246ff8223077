// The filesystem server ("fs"): an in-memory tree (tree.cpp) served over
// capability channels. Each client has a control channel for path
// operations; open answers with a fresh per-file channel, and closing that
// channel closes the file. The server keeps exactly one handle per open file
// and none after close (milestone item 3).
#include <stdlib.h>

#include "rvos/console.h"
#include "rvos/server.h"
#include "rvos/shared_memory.h"
#include "rvos/service.h"
#include "tree.h"
#include "wire/wire.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::Message;
using rvos::Server;
using rvos::proto::File;
using rvos::proto::Fs;

fs::Tree* tree;

struct OpenFile {
    fs::Node* node;
    uint32_t flags;
    rvos::SharedMemory bulk;  // the client's buffer for large transfers, if attached
};

Message status_reply(uint32_t tag, Error status) {
    Message reply;
    wire::Writer(reply, tag).put_i32(static_cast<int32_t>(status));
    return reply;
}

// ---- File channels -------------------------------------------------------------

void file_closed(Server&, Handle, void* context) {
    auto* file = static_cast<OpenFile*>(context);
    tree->release(file->node);
    delete file;  // unmaps its buffer
}

// The client's shared buffer: mapped here for the life of the open file.
void file_attach(Server& server, Handle client, OpenFile& file, Message& request) {
    Error status = Error::BadMessage;
    if (request.cap != rvos::kNoHandle) {
        auto shared = rvos::SharedMemory::map(request.cap);
        request.cap = rvos::kNoHandle;  // SharedMemory owns (and on failure closed) it
        status = shared.is_error() ? shared.error() : Error::None;
        if (!shared.is_error()) file.bulk = shared.release_value();
    }
    server.reply(client, status_reply(static_cast<uint32_t>(File::Reply), status));
}

// Reads or writes through the attached buffer.
void file_bulk(Server& server, Handle client, OpenFile& file, File op, wire::Reader& request) {
    uint64_t offset = request.get_u64();
    uint32_t length = request.get_u32();
    Error error = Error::None;
    size_t moved = 0;
    if (!request.ok()) error = Error::BadMessage;
    else if (!file.bulk.valid() || length > file.bulk.size()) error = Error::BadArgument;
    else if (op == File::WriteBulk && !(file.flags & rvos::proto::kOpenWrite)) error = Error::BadHandle;
    if (error == Error::None) {
        if (op == File::WriteBulk && (file.flags & rvos::proto::kOpenAppend)) offset = tree->size(file.node);
        auto n = op == File::ReadBulk ? tree->read(file.node, offset, file.bulk.data(), length)
                                      : tree->write(file.node, offset, file.bulk.data(), length);
        if (n.is_error()) error = n.error();
        else moved = n.value();
    }
    Message reply;
    wire::Writer writer(reply, static_cast<uint32_t>(File::Reply));
    writer.put_i32(static_cast<int32_t>(error)).put_u32(static_cast<uint32_t>(moved));
    if (op == File::WriteBulk) writer.put_u64(tree->size(file.node));
    server.reply(client, reply);
}

void file_read(Server& server, Handle client, OpenFile& file, wire::Reader& request) {
    uint64_t offset = request.get_u64();
    uint32_t length = request.get_u32();
    if (!request.ok()) return (void)server.reply(client, status_reply(static_cast<uint32_t>(File::Reply), Error::BadMessage));
    uint8_t data[rvos::proto::kFileReadChunk];
    auto n = tree->read(file.node, offset, data, length < sizeof data ? length : sizeof data);
    Message reply;
    wire::Writer writer(reply, static_cast<uint32_t>(File::Reply));
    writer.put_i32(static_cast<int32_t>(n.is_error() ? n.error() : Error::None));
    if (!n.is_error()) writer.put_bytes(data, n.value());
    server.reply(client, reply);
}

void file_write(Server& server, Handle client, OpenFile& file, wire::Reader& request) {
    uint64_t offset = request.get_u64();
    Error error = request.ok() ? Error::None : Error::BadMessage;
    if (error == Error::None && !(file.flags & rvos::proto::kOpenWrite)) error = Error::BadHandle;
    size_t written = 0;
    if (error == Error::None) {
        if (file.flags & rvos::proto::kOpenAppend) offset = tree->size(file.node);
        auto n = tree->write(file.node, offset, request.rest(), request.rest_length());
        if (n.is_error()) error = n.error();
        else written = n.value();
    }
    Message reply;
    wire::Writer(reply, static_cast<uint32_t>(File::Reply))
        .put_i32(static_cast<int32_t>(error))
        .put_u32(static_cast<uint32_t>(written))
        .put_u64(tree->size(file.node));
    server.reply(client, reply);
}

void handle_file(Server& server, Handle client, void* context, Message& message) {
    auto& file = *static_cast<OpenFile*>(context);
    wire::Reader request(message);
    auto op = static_cast<File>(request.tag());
    switch (op) {
    case File::Read: return file_read(server, client, file, request);
    case File::Write: return file_write(server, client, file, request);
    case File::AttachBuffer: return file_attach(server, client, file, message);
    case File::ReadBulk:
    case File::WriteBulk: return file_bulk(server, client, file, op, request);
    case File::Stat: {
        fs::Stat st = tree->stat(file.node);
        Message reply;
        wire::Writer(reply, static_cast<uint32_t>(File::Reply)).put_i32(0).put_u8(static_cast<uint8_t>(st.kind)).put_u64(st.size);
        server.reply(client, reply);
        return;
    }
    default:
        server.reply(client, status_reply(static_cast<uint32_t>(File::Reply),
                                          request.ok() ? Error::Unsupported : Error::BadMessage));
    }
}

// ---- The control channel ----------------------------------------------------------

// Opens the file and hands the client a fresh channel for it.
void control_open(Server& server, Handle client, uint32_t flags, const char* path) {
    auto reply_error = [&](Error e) { server.reply(client, status_reply(static_cast<uint32_t>(Fs::Reply), e)); };
    auto node = tree->open(path, flags);
    if (node.is_error()) return reply_error(node.error());
    auto* file = new OpenFile{node.value(), flags, {}};
    auto pair = rvos::sys::chan_create();
    if (!file || pair.is_error()) {
        delete file;
        tree->release(node.value());
        if (!pair.is_error()) {
            rvos::sys::chan_close(pair.value().a);
            rvos::sys::chan_close(pair.value().b);
        }
        return reply_error(pair.is_error() ? pair.error() : Error::NoMemory);
    }
    if (!server.watch(pair.value().a, handle_file, file, file_closed)) {
        file_closed(server, pair.value().a, file);
        rvos::sys::chan_close(pair.value().a);
        rvos::sys::chan_close(pair.value().b);
        return reply_error(Error::HandleTableFull);
    }
    Message reply;
    wire::Writer(reply, static_cast<uint32_t>(Fs::Reply)).put_i32(0).put_u64(tree->size(node.value()));
    reply.cap = pair.value().b;
    if (server.reply(client, reply) != Error::None) {
        // The client is gone: nobody will ever use this file.
        rvos::sys::chan_close(pair.value().b);
        server.drop(pair.value().a);
    }
}

void control_read_dir(Server& server, Handle client, uint32_t first, const char* path) {
    Error status = Error::None;
    bool more = false;
    for (size_t i = first; i < first + rvos::proto::kDirBatch; i++) {
        auto entry = tree->entry(path, i);
        if (entry.is_error()) {
            if (entry.error() != Error::NotFound) status = entry.error();  // NotFound: past the end
            break;
        }
        Message message;
        wire::Writer(message, static_cast<uint32_t>(Fs::DirEntry))
            .put_u8(static_cast<uint8_t>(entry.value().kind))
            .put_u64(entry.value().size)
            .put_str(entry.value().name);
        if (server.reply(client, message) != Error::None) return;
        more = i + 1 == first + rvos::proto::kDirBatch;
    }
    Message end;
    wire::Writer(end, static_cast<uint32_t>(Fs::DirEnd)).put_i32(static_cast<int32_t>(status)).put_u8(more);
    server.reply(client, end);
}

void handle_control(Server& server, Handle client, void*, Message& message) {
    wire::Reader request(message);
    auto tag = static_cast<Fs>(request.tag());
    uint32_t number = (tag == Fs::Open || tag == Fs::ReadDir) ? request.get_u32() : 0;
    char path[rvos::kMaxPathLength + 1];
    bool path_ok = request.get_str(path, sizeof path);
    Error status = Error::None;
    if (!request.ok() || !path_ok) {
        // A path that does not fit is TooLong; anything else malformed is BadMessage.
        status = tag >= Fs::Open && tag <= Fs::Mkdir ? Error::TooLong : Error::BadMessage;
    } else {
        switch (tag) {
        case Fs::Open: return control_open(server, client, number, path);
        case Fs::ReadDir: {
            // A path that names a file or nothing is an error, not an empty listing.
            auto st = tree->stat(path);
            if (st.is_error()) status = st.error();
            else if (st.value().kind != fs::Kind::Directory) status = Error::NotDirectory;
            else return control_read_dir(server, client, number, path);
            Message end;
            wire::Writer(end, static_cast<uint32_t>(Fs::DirEnd)).put_i32(static_cast<int32_t>(status)).put_u8(0);
            server.reply(client, end);
            return;
        }
        case Fs::Delete: status = tree->remove(path); break;
        case Fs::Mkdir: status = tree->mkdir(path); break;
        case Fs::Stat: {
            auto st = tree->stat(path);
            if (st.is_error()) {
                status = st.error();
                break;
            }
            Message reply;
            wire::Writer(reply, static_cast<uint32_t>(Fs::Reply))
                .put_i32(0)
                .put_u8(static_cast<uint8_t>(st.value().kind))
                .put_u64(st.value().size);
            server.reply(client, reply);
            return;
        }
        default: status = Error::Unsupported;
        }
    }
    server.reply(client, status_reply(static_cast<uint32_t>(Fs::Reply), status));
}

}  // namespace

int main() {
    tree = new fs::Tree();
    auto listen = rvos::register_service("fs");
    if (listen.is_error()) {
        rvos::console::print("fs: cannot register: %s\n", rvos::error_name(listen.error()));
        return 1;
    }
    Server server;
    server.listen(listen.release_value().release(), handle_control);
    server.run();
}
