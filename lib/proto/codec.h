// The runtime under the generated protocol code (harness/protogen.py turns
// lib/proto/<name>.proto into build/gen/proto/<name>.h). A Buffer is one
// message — bytes plus handles — being built or received; Encoder and
// Decoder move fields in and out of it. The Decoder validates everything:
// a length past the message, a string past its bound, a count past its
// array, a missing or extra handle, a trailing byte — any of them makes the
// whole message BadMessage, never a default value. A string with a NUL
// inside (say, a path "/tmp/a\0b") is a well-formed message with an invalid
// argument: BadArgument, from the Encoder and the Decoder alike, never a
// string cut short at the NUL.
//
// Wire format: little-endian integers; str and bytes as a u32 length and
// the bytes (a str also carries a terminating NUL, so a decoded Str is a C
// string pointing into the received buffer); arrays as a u32 count and the
// elements; handles in the message's handle list, in field order. Requests
// and events start with the ordinal; replies with ordinal|kReplyBit and an
// i32 status, followed by the fields only when the status is 0.
//
// Hardware-free: the transport is a template parameter (Ipc) with
//   static Error write(Handle, const Buffer&);
//   static Error read(Handle, Buffer&);   // blocking; a message larger than
//                                         // the buffer is dropped: BadMessage
//   static void close(Handle);
// so kernel tasks and user programs share one implementation. Replies are
// decoded in a buffer the caller provides (each call's generated
// <Call>ReplyBuffer type is big enough), since their strings point into it.
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"
#include "base/error_or.h"
#include "base/string.h"

namespace rvos::proto {

// The constants .proto files name as bounds.
namespace limit {
using namespace ::rvos;
using namespace ::rvos::proto;
}  // namespace limit

inline constexpr uint32_t kReplyBit = 0x8000'0000;
inline constexpr size_t kRequestHeader = 4;  // ordinal
inline constexpr size_t kReplyHeader = 8;    // ordinal | kReplyBit, status
// A handler's answer meaning "no reply now": it will send one later.
inline constexpr Error kDeferred = static_cast<Error>(0x7fff);

struct Buffer {
    uint8_t* data;
    size_t capacity;
    size_t length = 0;
    // Only the first handle_count are ever read, so a new buffer leaves the
    // array as it is (zeroing it cost a mem_set in every call).
    Handle handles[kMaxMessageHandles];
    size_t handle_count = 0;
    uint32_t sender_pid = 0;

    Buffer(uint8_t* storage, size_t size) : data(storage), capacity(size) {}
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    void clear() {
        length = 0;
        handle_count = 0;
    }
};

// A Buffer with its storage inline (on the stack, or static for big ones).
// Word-aligned, like the kernel's message nodes, so messages are copied in
// and out a word at a time.
template <size_t N>
struct InlineBuffer : Buffer {
    InlineBuffer() : Buffer(storage, N) {}
    alignas(8) uint8_t storage[N];
};

// Text: at most its bound, no NUL inside, NUL-terminated.
struct Str {
    const char* data = "";
    uint32_t length = 0;
    bool clean = false;  // no NUL inside, by construction: the Encoder need not look
    Str() = default;
    Str(const char* text) : data(text), length(static_cast<uint32_t>(base::str_length(text))), clean(true) {}
    Str(const char* text, size_t size) : data(text), length(static_cast<uint32_t>(size)) {}
    // A C string whose length is already known (the first NUL is at `size`).
    static Str terminated(const char* text, size_t size) {
        Str s(text, size);
        s.clean = true;
        return s;
    }
};

struct Bytes {
    const uint8_t* data = nullptr;
    uint32_t length = 0;
    Bytes() = default;
    Bytes(const void* bytes, size_t size) : data(static_cast<const uint8_t*>(bytes)), length(static_cast<uint32_t>(size)) {}
};

// One little-endian integer in or out of a message, inline: most fields sit
// at an aligned position (one load or store), the rest go a byte at a time.
// A call to mem_copy for each 4-byte field cost ten times as much.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire format is the target's byte order");
// A 64-bit field after the 4-byte ordinal sits at a 4-byte boundary: two
// word moves, not eight byte moves.
template <typename V> inline void store_le(uint8_t* at, V v) {
    if ((reinterpret_cast<uintptr_t>(at) & (sizeof v - 1)) == 0) {
        __builtin_memcpy(__builtin_assume_aligned(at, sizeof v), &v, sizeof v);
        return;
    }
    if constexpr (sizeof v == 8) {
        if ((reinterpret_cast<uintptr_t>(at) & 3) == 0) {
            auto* words = static_cast<uint32_t*>(__builtin_assume_aligned(at, 4));
            words[0] = static_cast<uint32_t>(static_cast<uint64_t>(v));
            words[1] = static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32);
            return;
        }
    }
    for (size_t i = 0; i < sizeof v; i++) at[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
}
template <typename V> inline V load_le(const uint8_t* at) {
    V v;
    if ((reinterpret_cast<uintptr_t>(at) & (sizeof v - 1)) == 0) {
        __builtin_memcpy(&v, __builtin_assume_aligned(at, sizeof v), sizeof v);
        return v;
    }
    if constexpr (sizeof v == 8) {
        if ((reinterpret_cast<uintptr_t>(at) & 3) == 0) {
            auto* words = static_cast<const uint32_t*>(__builtin_assume_aligned(at, 4));
            return static_cast<V>(words[0] | static_cast<uint64_t>(words[1]) << 32);
        }
    }
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof v; i++) bits |= static_cast<uint64_t>(at[i]) << (8 * i);
    return static_cast<V>(bits);
}

class Encoder {
public:
    explicit Encoder(Buffer& buffer) : b_(buffer) {}
    bool ok() const { return ok_; }
    // Why encoding failed: BadArgument for a string with a NUL inside,
    // TooLong for anything past its bound or the buffer.
    Error error() const { return error_; }

    void u8(uint8_t v) { scalar(v); }
    void u16(uint16_t v) { scalar(v); }
    void u32(uint32_t v) { scalar(v); }
    void u64(uint64_t v) { scalar(v); }
    void i32(int32_t v) { scalar(static_cast<uint32_t>(v)); }
    void i64(int64_t v) { scalar(static_cast<uint64_t>(v)); }
    void bool_(bool v) { u8(v ? 1 : 0); }
    void str(const Str& s, size_t bound) {
        if (s.length > bound) return fail();
        if (!s.clean && base::mem_find_byte(s.data, 0, s.length)) return fail(Error::BadArgument);
        u32(s.length);
        raw(s.data, s.length);
        u8(0);
    }
    void bytes(const Bytes& v, size_t bound) {
        if (v.length > bound) return fail();
        u32(v.length);
        raw(v.data, v.length);
    }
    void count(uint32_t n, size_t bound) {
        if (n > bound) return fail();
        u32(n);
    }
    void handle(Handle h) {
        if (b_.handle_count == kMaxMessageHandles || h == kNoHandle) return fail();
        b_.handles[b_.handle_count++] = h;
    }
    void handles(const Handle* hs, uint32_t n, size_t bound) {
        count(n, bound);
        for (uint32_t i = 0; i < n && ok_; i++) handle(hs[i]);
    }
    // Room for a run of n bytes of fixed-size integers, which the generated
    // code then stores at their offsets: one check for the run instead of
    // one a field. Null (and the encoding failed) if they do not fit.
    uint8_t* reserve(size_t n) {
        if (!ok_ || n > b_.capacity - b_.length) {
            fail();
            return nullptr;
        }
        uint8_t* at = b_.data + b_.length;
        b_.length += n;
        return at;
    }

private:
    void fail(Error error = Error::TooLong) {
        if (ok_) error_ = error;
        ok_ = false;
    }
    void raw(const void* bytes, size_t n) {
        if (!ok_ || n > b_.capacity - b_.length) return fail();
        base::mem_copy(b_.data + b_.length, bytes, n);
        b_.length += n;
    }
    template <typename V> void scalar(V v) {
        if (!ok_ || sizeof v > b_.capacity - b_.length) return fail();
        store_le(b_.data + b_.length, v);
        b_.length += sizeof v;
    }

    Buffer& b_;
    bool ok_ = true;
    Error error_ = Error::None;
};

class Decoder {
public:
    explicit Decoder(Buffer& buffer) : b_(buffer) {}
    bool ok() const { return ok_; }
    // Everything read, every handle taken: the message was exactly right.
    bool finish() const { return ok_ && position_ == b_.length && next_handle_ == b_.handle_count; }
    // What a message that did not finish is: BadArgument for a string with
    // a NUL inside, BadMessage for anything else.
    Error error() const { return ok_ || error_ == Error::None ? Error::BadMessage : error_; }

    void u8(uint8_t& v) { scalar(v); }
    void u16(uint16_t& v) { scalar(v); }
    void u32(uint32_t& v) { scalar(v); }
    void u64(uint64_t& v) { scalar(v); }
    void i32(int32_t& v) { scalar(reinterpret_cast<uint32_t&>(v)); }
    void i64(int64_t& v) { scalar(reinterpret_cast<uint64_t&>(v)); }
    void bool_(bool& v) {
        uint8_t byte = 0;
        u8(byte);
        if (byte > 1) fail();
        v = byte == 1;
    }
    void str(Str& s, size_t bound) {
        uint32_t n = 0;
        u32(n);
        if (!ok_ || n > bound || n >= b_.length - position_ || b_.data[position_ + n] != 0) return fail();
        if (base::mem_find_byte(b_.data + position_, 0, n)) return fail(Error::BadArgument);
        s.data = reinterpret_cast<const char*>(b_.data + position_);
        s.length = n;
        position_ += n + 1;
    }
    void bytes(Bytes& v, size_t bound) {
        uint32_t n = 0;
        u32(n);
        if (!ok_ || n > bound || n > b_.length - position_) return fail();
        v.data = b_.data + position_;
        v.length = n;
        position_ += n;
    }
    void count(uint32_t& n, size_t bound) {
        u32(n);
        if (n > bound) {
            n = 0;
            fail();
        }
    }
    void handle(Handle& h) {
        if (!ok_ || next_handle_ == b_.handle_count) return fail();
        h = b_.handles[next_handle_];
        b_.handles[next_handle_++] = kNoHandle;  // the decoded message owns it now
    }
    // On failure `n` is the number of handles already taken out of the
    // message, so whoever closes the decoded message's handles closes them.
    void handles(Handle* hs, uint32_t& n, size_t bound) {
        count(n, bound);
        uint32_t taken = 0;
        while (taken < n && ok_) {
            handle(hs[taken]);
            if (ok_) taken++;
        }
        n = taken;
    }
    // The next n bytes, a run of fixed-size integers the generated code
    // loads from their offsets; null (and the message is bad) if the
    // message is shorter.
    const uint8_t* take(size_t n) {
        if (!ok_ || n > b_.length - position_) {
            fail();
            return nullptr;
        }
        const uint8_t* at = b_.data + position_;
        position_ += n;
        return at;
    }

private:
    void fail(Error error = Error::BadMessage) {
        if (ok_) error_ = error;
        ok_ = false;
    }
    template <typename V> void scalar(V& v) {
        if (!ok_ || sizeof v > b_.length - position_) return fail();
        v = load_le<V>(b_.data + position_);
        position_ += sizeof v;
    }

    Buffer& b_;
    size_t position_ = 0;
    size_t next_handle_ = 0;
    bool ok_ = true;
    Error error_ = Error::None;
};

// Closes every handle a message still holds (one that failed to decode,
// or one its handler did not keep).
template <typename Ipc>
void close_all(Buffer& buffer) {
    for (size_t i = 0; i < buffer.handle_count; i++)
        if (buffer.handles[i] != kNoHandle) Ipc::close(buffer.handles[i]);
    buffer.handle_count = 0;
}

template <typename Ipc, typename Message>
void close_handles(Message& message) {
    for_each_handle(message, [](Handle& h) {
        if (h != kNoHandle) Ipc::close(h);
        h = kNoHandle;
    });
}

// ---- Clients --------------------------------------------------------------------

// Sends a request. Its handles go with it, or are closed if it cannot be
// sent (the request's handles are the stub's).
template <typename Ipc, typename Request>
Error send_request(Handle channel, const Request& request) {
    InlineBuffer<kRequestHeader + Request::kMaxBytes> out;
    Encoder encoder(out);
    encoder.u32(Request::kOrdinal);
    encode(encoder, request);
    Error sent = encoder.ok() ? Ipc::write(channel, out) : encoder.error();
    if (sent != Error::None) {
        for_each_handle(request, [](Handle h) {
            if (h != kNoHandle) Ipc::close(h);
        });
    }
    return sent;
}

// Waits for the reply to a request and validates it. The reply's strings
// and bytes point into `in`. A reply of the wrong ordinal, with an unknown
// status or malformed fields is BadMessage (and any handles it carried are
// closed).
template <typename Ipc, typename Reply>
base::ErrorOr<Reply> receive_reply(Handle channel, Buffer& in) {
    in.clear();
    TRY_STATUS(Ipc::read(channel, in));
    Decoder decoder(in);
    uint32_t ordinal = 0;
    int32_t status = 0;
    decoder.u32(ordinal);
    decoder.i32(status);
    Reply reply;
    if (ordinal != (Reply::kOrdinal | kReplyBit) || !is_error_code(status)) {
        close_all<Ipc>(in);
        return Error::BadMessage;
    }
    if (status != 0) {
        bool exact = decoder.finish();
        close_all<Ipc>(in);
        return exact ? static_cast<Error>(status) : Error::BadMessage;
    }
    decode(decoder, reply);
    if (!decoder.finish()) {
        close_handles<Ipc>(reply);
        close_all<Ipc>(in);
        return Error::BadMessage;
    }
    return reply;
}

// One call: send the request, wait for its reply in `in`.
template <typename Ipc, typename Request, typename Reply>
base::ErrorOr<Reply> call(Handle channel, const Request& request, Buffer& in) {
    TRY_STATUS((send_request<Ipc, Request>(channel, request)));
    return receive_reply<Ipc, Reply>(channel, in);
}

// An event goes like a request, with nothing to wait for.
template <typename Ipc, typename Event>
Error send_event(Handle channel, const Event& event) {
    return send_request<Ipc, Event>(channel, event);
}

// ---- Servers ----------------------------------------------------------------------

// A Server provides: `using Ipc`, reply(Handle client, Buffer&) -> Error
// (dropping a client that cannot take it) and out() -> a Buffer big enough
// for its largest reply.
template <typename Server>
void reply_status(Server& server, Handle client, uint32_t ordinal, Error status) {
    InlineBuffer<kReplyHeader> out;
    Encoder encoder(out);
    encoder.u32(ordinal | kReplyBit);
    encoder.i32(static_cast<int32_t>(status));
    server.reply(client, out);
}

// Sends a reply; on an error status only the header goes. Handles that
// cannot be delivered are closed.
template <typename Server, typename Reply>
void send_reply(Server& server, Handle client, Error status, Reply& reply) {
    using Ipc = typename Server::Ipc;
    if (status != Error::None) {
        close_handles<Ipc>(reply);
        return reply_status(server, client, Reply::kOrdinal, status);
    }
    Buffer& out = server.out();
    out.clear();
    Encoder encoder(out);
    encoder.u32(Reply::kOrdinal | kReplyBit);
    encoder.i32(0);
    encode(encoder, reply);
    if (!encoder.ok()) {
        close_handles<Ipc>(reply);
        return reply_status(server, client, Reply::kOrdinal, encoder.error());
    }
    if (server.reply(client, out) != Error::None) close_handles<Ipc>(reply);
}

template <typename Request, typename Reply, typename Server, typename Fn>
void serve_call(Server& server, Handle client, Decoder& decoder, Fn&& handle) {
    using Ipc = typename Server::Ipc;
    Request request;
    decode(decoder, request);
    if (!decoder.finish()) {
        close_handles<Ipc>(request);
        return reply_status(server, client, Request::kOrdinal, decoder.error());
    }
    Reply reply;
    Error status = handle(request, reply);
    close_handles<Ipc>(request);  // those the handler did not keep (set to kNoHandle)
    if (status == kDeferred) {
        close_handles<Ipc>(reply);  // never sent: the answer comes later, in another reply
        return;
    }
    send_reply(server, client, status, reply);
}

// Malformed events are dropped; handles the handler did not keep close.
template <typename Event, typename Server, typename Fn>
void serve_event(Server&, Decoder& decoder, Fn&& handle) {
    using Ipc = typename Server::Ipc;
    Event event;
    decode(decoder, event);
    if (decoder.finish()) handle(event);
    close_handles<Ipc>(event);
}

}  // namespace rvos::proto
