#include "rvos/fs.h"

#include "rvos/service.h"
#include "wire/wire.h"

namespace rvos::fs {

namespace {

using FileOp = proto::File;
using proto::Fs;

ServiceConnection control("fs");

// Sends a request carrying a path on the control channel; the reply's
// status is checked and the reader left after it.
Error path_call(Fs op, const char* path, uint32_t flags, bool with_flags, Message& reply) {
    Handle handle = TRY(control.handle());
    Message request;
    wire::Writer writer(request, static_cast<uint32_t>(op));
    if (with_flags) writer.put_u32(flags);
    writer.put_str(path);
    if (!writer.ok()) return Error::TooLong;
    Error error = sys::chan_send(handle, request);
    if (error == Error::None) error = sys::chan_recv_wait(handle, reply);
    return error;
}

Error status_of(wire::Reader& reader) {
    reader.tag();
    auto status = static_cast<Error>(reader.get_i32());
    return reader.ok() ? status : Error::BadMessage;
}

// A stat reply: status, kind, size.
base::ErrorOr<Stat> stat_of(const Message& reply) {
    wire::Reader reader(reply);
    Error error = status_of(reader);
    if (error != Error::None) return error;
    Stat st{static_cast<Kind>(reader.get_u8()), reader.get_u64()};
    if (!reader.ok()) return Error::BadMessage;
    return st;
}

}  // namespace

// Large transfers keep up to kWindow requests in flight on the file channel
// (well under kQueueDepth either way), so the cost is one pair of context
// switches per window instead of per message.
constexpr size_t kWindow = 32;

base::ErrorOr<size_t> fs::File::read(uint64_t offset, void* buffer, size_t length) {
    auto* out = static_cast<uint8_t*>(buffer);
    if (length >= proto::kBulkThreshold && attach_bulk()) return transfer_bulk(FileOp::ReadBulk, offset, out, length);
    return read_messages(offset, out, length);
}

base::ErrorOr<size_t> fs::File::write(uint64_t offset, const void* data, size_t length) {
    auto* in = static_cast<uint8_t*>(const_cast<void*>(data));
    if (length >= proto::kBulkThreshold && attach_bulk()) return transfer_bulk(FileOp::WriteBulk, offset, in, length);
    return write_messages(offset, in, length);
}

// Creates the shared buffer and hands it to the server, once per file.
bool fs::File::attach_bulk() {
    if (bulk_.valid()) return true;
    if (bulk_refused_) return false;
    auto shared = SharedMemory::create(proto::kBulkBufferSize);
    if (shared.is_error()) return false;
    bulk_ = shared.release_value();
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(FileOp::AttachBuffer));
    request.cap = bulk_.give_handle();
    Error error = channel_.call(request, reply);
    if (error == Error::None) {
        wire::Reader reader(reply);
        error = status_of(reader);
    } else {
        sys::chan_close(request.cap);  // the send failed: the handle is still ours
    }
    if (error != Error::None) {
        bulk_.reset();
        bulk_refused_ = true;
    }
    return bulk_.valid();
}

// Moves data through the shared buffer, one buffer-full per request.
base::ErrorOr<size_t> fs::File::transfer_bulk(FileOp op, uint64_t offset, uint8_t* data, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t chunk = base::min(length - done, bulk_.size());
        if (op == FileOp::WriteBulk) base::mem_copy(bulk_.data(), data + done, chunk);
        Message request, reply;
        wire::Writer(request, static_cast<uint32_t>(op)).put_u64(offset + done).put_u32(static_cast<uint32_t>(chunk));
        Error error = channel_.call(request, reply);
        if (error != Error::None) return error;
        wire::Reader reader(reply);
        error = status_of(reader);
        size_t moved = base::min<size_t>(reader.get_u32(), chunk);
        if (error != Error::None) return done ? base::ErrorOr<size_t>(done) : error;
        if (op == FileOp::ReadBulk) base::mem_copy(data + done, bulk_.data(), moved);
        done += moved;
        if (moved < chunk) break;  // end of file
    }
    return done;
}

base::ErrorOr<size_t> fs::File::read_messages(uint64_t offset, uint8_t* out, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t wants[kWindow];
        size_t asked = 0, requested = 0;
        for (; asked < kWindow && done + requested < length; asked++) {
            Message request;
            wants[asked] = base::min(length - done - requested, proto::kFileReadChunk);
            wire::Writer(request, static_cast<uint32_t>(FileOp::Read))
                .put_u64(offset + done + requested)
                .put_u32(static_cast<uint32_t>(wants[asked]));
            Error error = channel_.send(request);
            if (error != Error::None) return error;
            requested += wants[asked];
        }
        // Every reply is collected; they come back in order, and the first
        // short or failed one ends the transfer.
        bool stopped = false;
        Error failure = Error::None;
        for (size_t i = 0; i < asked; i++) {
            Message reply;
            Error error = channel_.receive_wait(reply);
            if (error != Error::None) return error;
            wire::Reader reader(reply);
            error = status_of(reader);
            if (stopped) continue;
            if (error != Error::None) {
                failure = error;
                stopped = true;
                continue;
            }
            size_t got = base::min(reader.rest_length(), wants[i]);
            base::mem_copy(out + done, reader.rest(), got);
            done += got;
            stopped = got < wants[i];
        }
        if (failure != Error::None) return done ? base::ErrorOr<size_t>(done) : failure;
        if (stopped) break;
    }
    return done;
}

base::ErrorOr<size_t> fs::File::write_messages(uint64_t offset, const uint8_t* in, size_t length) {
    size_t done = 0;
    while (done < length) {
        size_t sent = 0, asked = 0;
        for (; asked < kWindow && done + sent < length; asked++) {
            Message request;
            size_t chunk = base::min(length - done - sent, proto::kFileWriteChunk);
            wire::Writer(request, static_cast<uint32_t>(FileOp::Write))
                .put_u64(offset + done + sent)
                .put_bytes(in + done + sent, chunk);
            Error error = channel_.send(request);
            if (error != Error::None) return error;
            sent += chunk;
        }
        Error failure = Error::None;
        for (size_t i = 0; i < asked; i++) {
            Message reply;
            Error error = channel_.receive_wait(reply);
            if (error != Error::None) return error;
            wire::Reader reader(reply);
            error = status_of(reader);
            if (error != Error::None && failure == Error::None) failure = error;
            if (failure == Error::None) done += reader.get_u32();
        }
        if (failure != Error::None) return done ? base::ErrorOr<size_t>(done) : failure;
    }
    return done;
}

base::ErrorOr<Stat> fs::File::stat() const {
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(FileOp::Stat));
    Error error = channel_.call(request, reply);
    if (error != Error::None) return error;
    return stat_of(reply);
}

base::ErrorOr<fs::File> open(const char* path, uint32_t flags) {
    Message reply;
    Error error = path_call(Fs::Open, path, flags, true, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    error = status_of(reader);
    if (error == Error::None && reply.cap == kNoHandle) error = Error::BadMessage;
    if (error != Error::None) {
        if (reply.cap != kNoHandle) sys::chan_close(reply.cap);
        return error;
    }
    return fs::File(Channel(reply.cap));
}

Error remove(const char* path) {
    Message reply;
    Error error = path_call(Fs::Delete, path, 0, false, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    return status_of(reader);
}

Error mkdir(const char* path) {
    Message reply;
    Error error = path_call(Fs::Mkdir, path, 0, false, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    return status_of(reader);
}

base::ErrorOr<Stat> stat(const char* path) {
    Message reply;
    Error error = path_call(Fs::Stat, path, 0, false, reply);
    if (error != Error::None) return error;
    return stat_of(reply);
}

Error read_dir(const char* path, void (*visit)(const DirEntry& entry, void* context), void* context) {
    Handle handle = TRY(control.handle());
    uint32_t first = 0;
    for (;;) {
        // One batch per request, so the answer always fits our queue.
        Message request, reply;
        wire::Writer writer(request, static_cast<uint32_t>(Fs::ReadDir));
        writer.put_u32(first).put_str(path);
        if (!writer.ok()) return Error::TooLong;
        Error error = sys::chan_send(handle, request);
        for (;;) {
            if (error == Error::None) error = sys::chan_recv_wait(handle, reply);
            if (error != Error::None) return error;
            wire::Reader reader(reply);
            auto tag = static_cast<Fs>(reader.tag());
            if (tag == Fs::DirEnd) {
                auto status = static_cast<Error>(reader.get_i32());
                bool more = reader.get_u8();
                if (!reader.ok()) return Error::BadMessage;
                if (status != Error::None || !more) return status;
                break;
            }
            if (tag != Fs::DirEntry) return Error::BadMessage;
            DirEntry entry;
            entry.kind = static_cast<Kind>(reader.get_u8());
            entry.size = reader.get_u64();
            reader.get_str(entry.name, sizeof entry.name);
            if (!reader.ok()) return Error::BadMessage;
            visit(entry, context);
            first++;
        }
    }
}

}  // namespace rvos::fs
