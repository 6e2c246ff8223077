// The fake transport and server the protocol-layer tests (test_codec.cpp,
// test_random_codec.cpp) run the generated code on: FakeIpc is an in-memory
// channel system with the static write/read/try_read/close/wait interface
// lib/proto/codec.h takes as its Ipc parameter, and it counts every handle
// opened and closed, so a test can prove nothing leaked and nothing closed
// twice. FakeServer is the Server the generated dispatch() answers through
// (`using Ipc`, reply(), out()); AnyHandler implements every generated
// handler method of every protocol and does what the test tells it.
#pragma once

#include <gtest/gtest.h>

#include <any>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "proto/codec.h"
#include "proto/console.h"
#include "proto/file.h"
#include "proto/fs.h"
#include "proto/init.h"
#include "proto/listen.h"
#include "proto/math.h"
#include "proto/sysinfo.h"
#include "test_support.h"

namespace codec_test {

// Short names for the generated protocols the codec tests use.
namespace proto = rvos::proto;
namespace console = rvos::proto::console;
namespace file = rvos::proto::file;
namespace fs = rvos::proto::fs;
namespace init = rvos::proto::init;
namespace listen = rvos::proto::listen;
namespace math = rvos::proto::math;
namespace sysinfo = rvos::proto::sysinfo;

using rvos::Error;
using rvos::Handle;
using rvos::kNoHandle;
using rvos::proto::Buffer;
using rvos::proto::InlineBuffer;

// One message as the fake transport holds it.
struct Message {
    std::vector<uint8_t> bytes;
    std::vector<Handle> handles;
};

struct FakeIpcState {
    Handle next_handle = 100;
    std::set<Handle> live;                     // every handle not yet closed
    std::map<Handle, Handle> peer;             // channel end -> other end
    std::map<Handle, std::deque<Message>> queue;  // messages waiting to be read on an end
    size_t opens = 0;
    size_t closes = 0;
    size_t writes = 0;
    std::map<Handle, size_t> writes_on;  // write attempts per channel end, failed ones included
    std::vector<std::string> misuse;  // double closes, sending closed handles, ...
    Error write_error = Error::None;  // when set, every write fails with it
    // When set, every write on `limited` of more than `long_write` bytes
    // fails with it (a budget that only a short message still fits).
    Error long_write_error = Error::None;
    size_t long_write = 0;
    Handle limited = rvos::kNoHandle;
    std::function<void(Handle)> before_read;  // runs when a read finds its queue empty (a loopback server)
};

struct FakeIpc {
    static inline FakeIpcState s;

    static void reset() { s = FakeIpcState{}; }

    // A fresh handle to some object (not a channel).
    static Handle open() {
        Handle h = s.next_handle++;
        s.live.insert(h);
        s.opens++;
        return h;
    }
    // A fresh channel: two connected ends.
    static std::pair<Handle, Handle> channel() {
        Handle a = open(), b = open();
        s.peer[a] = b;
        s.peer[b] = a;
        return {a, b};
    }
    // A fresh transport (reset) with one channel in it: {client end, server end}.
    static std::pair<Handle, Handle> fresh_channel() {
        reset();
        return channel();
    }
    static bool is_live(Handle h) { return s.live.count(h) != 0; }

    // Queues a copy of the message on the peer's end; the handles move with
    // it. A failed write leaves them with the sender.
    static Error write(Handle channel, const Buffer& message) {
        s.writes++;
        s.writes_on[channel]++;
        if (!is_live(channel)) {
            s.misuse.push_back("write on closed handle " + std::to_string(channel));
            return Error::BadHandle;
        }
        if (s.write_error != Error::None) return s.write_error;
        if (s.long_write_error != Error::None && channel == s.limited && message.length > s.long_write)
            return s.long_write_error;
        if (message.length > rvos::kMaxMessageBytes || message.handle_count > rvos::kMaxMessageHandles) {
            s.misuse.push_back("oversized message");
            return Error::TooLong;
        }
        Message m;
        m.bytes.assign(message.data, message.data + message.length);
        for (size_t i = 0; i < message.handle_count; i++) {
            Handle h = message.handles[i];
            if (!is_live(h)) s.misuse.push_back("sent a closed handle " + std::to_string(h));
            m.handles.push_back(h);
        }
        auto found = s.peer.find(channel);
        if (found == s.peer.end() || !is_live(found->second)) {
            return Error::PeerClosed;
        }
        s.queue[found->second].push_back(std::move(m));
        return Error::None;
    }

    // Takes the next message on `channel`. A message larger than the buffer
    // is dropped and its handles closed (BadMessage), as the real transports
    // do. An empty queue is PeerClosed (a fake never blocks).
    static Error read(Handle channel, Buffer& message) {
        if (!is_live(channel)) {
            s.misuse.push_back("read on closed handle " + std::to_string(channel));
            return Error::BadHandle;
        }
        if (s.queue[channel].empty() && s.before_read) s.before_read(channel);
        auto& q = s.queue[channel];
        if (q.empty()) return Error::PeerClosed;
        Message m = std::move(q.front());
        q.pop_front();
        message.clear();
        if (m.bytes.size() > message.capacity) {
            for (Handle h : m.handles) close(h);
            return Error::BadMessage;
        }
        if (!m.bytes.empty()) std::memcpy(message.data, m.bytes.data(), m.bytes.size());
        message.length = m.bytes.size();
        for (Handle h : m.handles) message.handles[message.handle_count++] = h;
        return Error::None;
    }
    static Error try_read(Handle channel, Buffer& message) { return read(channel, message); }

    static base::ErrorOr<size_t> wait(rvos::WaitItem*, size_t count) {
        if (count == 0) return Error::BadArgument;
        return size_t{0};
    }

    // Closing a channel end destroys the messages queued on it, and with
    // them the handles they carry.
    static void close(Handle h) {
        s.closes++;
        if (!s.live.erase(h)) {
            s.misuse.push_back("close of a handle not open: " + std::to_string(h));
            return;
        }
        auto q = s.queue.find(h);
        if (q != s.queue.end()) {
            std::deque<Message> dead = std::move(q->second);
            s.queue.erase(q);
            for (Message& m : dead)
                for (Handle carried : m.handles) close(carried);
        }
    }

    // Messages waiting on `end`, without taking them.
    static std::deque<Message>& pending(Handle end) { return s.queue[end]; }
    // Takes every message waiting on `end` and closes the handles they carry.
    static size_t drain(Handle end) {
        std::deque<Message> all = std::move(s.queue[end]);
        s.queue[end].clear();
        for (Message& m : all)
            for (Handle h : m.handles) close(h);
        return all.size();
    }
};

// The server the generated dispatch() answers through, like
// service::ServerLoop: reply() writes to the client (counting replies),
// out() is a buffer for the largest reply.
struct FakeServer {
    using Ipc = FakeIpc;
    size_t replies = 0;
    Error reply(Handle client, const Buffer& message) {
        replies++;
        return Ipc::write(client, message);
    }
    Buffer& out() { return *out_; }
    std::unique_ptr<InlineBuffer<rvos::kMaxMessageBytes>> out_ = std::make_unique<InlineBuffer<rvos::kMaxMessageBytes>>();
};

// A reply's header, as the client will see it.
struct ReplyHeader {
    uint32_t ordinal = 0;
    int32_t status = 0;
    size_t length = 0;
    size_t handles = 0;
};
inline ReplyHeader header_of(const Message& m) {
    ReplyHeader h;
    if (m.bytes.size() >= 4) std::memcpy(&h.ordinal, m.bytes.data(), 4);
    if (m.bytes.size() >= 8) std::memcpy(&h.status, m.bytes.data() + 4, 4);
    h.length = m.bytes.size();
    h.handles = m.handles.size();
    return h;
}

// Implements every handler method of every generated protocol (the methods
// are named after the messages, in snake_case). Each call counts, keeps
// the decoded request (std::any) for the test to inspect, checks that the
// decoded request encodes back to exactly the bytes received (a validating
// decoder accepts only canonical messages), optionally keeps the request's
// handles, fills the reply's handles with fresh ones, and answers `status`.
struct AnyHandler {
    // What to do.
    Error status = Error::None;
    bool keep_request_handles = false;
    bool fill_reply_handles = true;
    std::function<void(std::any& reply)> fill_reply;  // sets reply fields (reply is a Reply&, in the any as a pointer)
    const Buffer* received = nullptr;                 // the message being dispatched, for the canonical check
    // What happened.
    size_t calls = 0;
    size_t events = 0;
    std::any last;                 // a copy of the last request or event
    std::vector<Handle> kept;      // request handles the handler kept
    std::vector<std::string> problems;

    template <typename Message>
    void take(Message& message) {
        check_canonical(message);
        last = message;
        if (keep_request_handles) {
            for_each_handle(message, [&](Handle& h) {
                if (h != kNoHandle) kept.push_back(h);
                h = kNoHandle;
            });
        }
    }

    template <typename Message>
    void check_canonical(const Message& message) {
        if (!received) return;
        auto again = std::make_unique<InlineBuffer<rvos::kMaxMessageBytes>>();
        rvos::proto::Encoder encoder(*again);
        encoder.u32(Message::kOrdinal);
        encode(encoder, message);
        if (!encoder.ok()) problems.push_back("a decoded message does not encode");
        else if (again->length != received->length ||
                 std::memcmp(again->data, received->data, again->length) != 0)
            problems.push_back("a decoded message encodes to other bytes than were received");
        else if (again->handle_count != received->handle_count)
            problems.push_back("a decoded message carries another number of handles than were received");
    }

    template <typename Request, typename Reply>
    Error on_call(Handle, Request& request, Reply& reply) {
        calls++;
        take(request);
        if (fill_reply_handles) for_each_handle(reply, [](Handle& h) { h = FakeIpc::open(); });
        if (fill_reply) {
            std::any boxed = &reply;
            fill_reply(boxed);
        }
        return status;
    }
    template <typename Event>
    void on_event(Handle, Event& event) {
        events++;
        take(event);
    }

#define CODEC_TEST_CALL(name) \
    template <typename Q, typename P> \
    Error name(Handle client, Q& request, P& reply) { return on_call(client, request, reply); }
#define CODEC_TEST_EVENT(name) \
    template <typename E> \
    void name(Handle client, E& event) { on_event(client, event); }
    // console
    CODEC_TEST_CALL(write)
    CODEC_TEST_CALL(read_line)
    CODEC_TEST_CALL(set_foreground)
    CODEC_TEST_CALL(foreground)
    CODEC_TEST_CALL(read_keys)
    CODEC_TEST_CALL(keys_mode)
    CODEC_TEST_EVENT(interrupt)
    // file
    CODEC_TEST_CALL(read)
    CODEC_TEST_CALL(stat)
    CODEC_TEST_CALL(attach_buffer)
    CODEC_TEST_CALL(read_bulk)
    CODEC_TEST_CALL(write_bulk)
    CODEC_TEST_CALL(read_into)
    // fs
    CODEC_TEST_CALL(open)
    CODEC_TEST_CALL(delete_)
    CODEC_TEST_CALL(read_dir)
    CODEC_TEST_CALL(mkdir)
    CODEC_TEST_CALL(rename)
    CODEC_TEST_CALL(sync)
    CODEC_TEST_CALL(get_attributes)
    CODEC_TEST_CALL(link)
    CODEC_TEST_CALL(symlink)
    CODEC_TEST_CALL(read_link)
    CODEC_TEST_CALL(set_times)
    CODEC_TEST_CALL(stat_fs)
    CODEC_TEST_CALL(set_mode)
    CODEC_TEST_CALL(read_file)
    // init
    CODEC_TEST_CALL(connect)
    CODEC_TEST_CALL(register_)
    CODEC_TEST_CALL(spawn)
    CODEC_TEST_CALL(spawn_image)
    CODEC_TEST_CALL(kill)
    // listen
    CODEC_TEST_EVENT(new_client)
    // math
    CODEC_TEST_CALL(add)
    CODEC_TEST_CALL(sub)
    CODEC_TEST_CALL(mul)
    // sysinfo
    CODEC_TEST_CALL(processes)
    CODEC_TEST_CALL(memory)
#undef CODEC_TEST_CALL
#undef CODEC_TEST_EVENT
};

// Sets the fields of the reply inside AnyHandler::fill_reply.
template <typename Reply>
Reply& reply_in(std::any& boxed) {
    return *std::any_cast<Reply*>(boxed);
}

// A buffer for any message, on the heap (ASan sees overruns).
inline std::unique_ptr<InlineBuffer<rvos::kMaxMessageBytes>> big_buffer() {
    return std::make_unique<InlineBuffer<rvos::kMaxMessageBytes>>();
}

// Encodes ordinal + message into a byte string and a handle count; the
// message's handles are written as they are (any values but kNoHandle).
template <typename M>
Message encoded(const M& message, uint32_t ordinal = M::kOrdinal) {
    auto b = big_buffer();
    rvos::proto::Encoder encoder(*b);
    encoder.u32(ordinal);
    encode(encoder, message);
    EXPECT_TRUE(encoder.ok());
    Message m;
    m.bytes.assign(b->data, b->data + b->length);
    m.handles.assign(b->handles, b->handles + b->handle_count);
    return m;
}

// Fills `in` with `bytes` and `handles` fresh handles, as a transport would.
inline void load(Buffer& in, const std::vector<uint8_t>& bytes, size_t handles) {
    in.clear();
    if (!bytes.empty()) std::memcpy(in.data, bytes.data(), bytes.size());
    in.length = bytes.size();
    for (size_t i = 0; i < handles; i++) in.handles[in.handle_count++] = FakeIpc::open();
}

}  // namespace codec_test
