// The protocol layer's promises, tested on the real generated headers
// (build/gen/proto/*.h from lib/proto/*.proto) over the fake transport of
// codec_support.h: every message kind round-trips through client stub,
// dispatch and handler at its bounds; every malformed request (each
// truncation, a trailing byte, a NUL inside a string, a length, count or
// handle count off by one) is BadMessage and never reaches the handler;
// malformed replies are BadMessage at the client stub; unknown ordinals are
// Unsupported; kDeferred sends nothing; and no path leaks or double-closes a
// handle (the fake counts every open and close).
#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include "codec_support.h"
#include "proto/console.h"
#include "proto/file.h"
#include "proto/fs.h"
#include "proto/init.h"
#include "proto/listen.h"
#include "proto/math.h"
#include "proto/sysinfo.h"

namespace {

using namespace codec_test;
using proto::kReplyBit;
using proto::Str;

using DispatchFn = void (*)(FakeServer&, Handle, Buffer&, AnyHandler&);
const DispatchFn kConsole = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { console::dispatch(s, c, in, h); };
const DispatchFn kFile = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { file::dispatch(s, c, in, h); };
const DispatchFn kFs = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { fs::dispatch(s, c, in, h); };
const DispatchFn kInit = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { init::dispatch(s, c, in, h); };
const DispatchFn kListen = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { listen::dispatch(s, c, in, h); };
const DispatchFn kMath = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { math::dispatch(s, c, in, h); };
const DispatchFn kSysinfo = [](FakeServer& s, Handle c, Buffer& in, AnyHandler& h) { sysinfo::dispatch(s, c, in, h); };

// Hand-built wire bytes, for messages the encoder refuses to produce.
struct Wire {
    std::vector<uint8_t> bytes;
    Wire& u8(uint8_t v) {
        bytes.push_back(v);
        return *this;
    }
    Wire& u32(uint32_t v) {
        for (int i = 0; i < 4; i++) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    Wire& u64(uint64_t v) {
        for (int i = 0; i < 8; i++) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    Wire& raw(const std::string& s) {
        bytes.insert(bytes.end(), s.begin(), s.end());
        return *this;
    }
    // A well-formed str: length, bytes, NUL.
    Wire& str(const std::string& s) { return u32(static_cast<uint32_t>(s.size())).raw(s).u8(0); }
};

std::string text(size_t n, char first = 'a') {
    std::string s;
    for (size_t i = 0; i < n; i++) s.push_back(static_cast<char>(first + i % 26));
    return s;
}

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(i * 7 + 3);  // NULs included
    return v;
}

std::string as_string(const proto::Str& s) { return std::string(s.data, s.length); }
std::vector<uint8_t> as_vector(const proto::Bytes& b) { return std::vector<uint8_t>(b.data, b.data + b.length); }

class Codec : public ::testing::Test {
protected:
    void SetUp() override {
        std::tie(client, server_end) = FakeIpc::fresh_channel();
        baseline = FakeIpc::s.live;
    }

    void TearDown() override {
        FakeIpc::s.before_read = nullptr;
        FakeIpc::s.write_error = Error::None;
        for (Handle h : handler.kept) FakeIpc::close(h);
        handler.kept.clear();
        FakeIpc::drain(client);
        FakeIpc::drain(server_end);
        FakeIpc::close(client);
        FakeIpc::close(server_end);
        for (const std::string& m : FakeIpc::s.misuse) ADD_FAILURE() << "transport misuse: " << m;
        for (const std::string& p : handler.problems) ADD_FAILURE() << "handler: " << p;
        EXPECT_TRUE(FakeIpc::s.live.empty()) << FakeIpc::s.live.size() << " handles leaked";
        EXPECT_EQ(FakeIpc::s.opens, FakeIpc::s.closes);
    }

    // The server side as service::ServerLoop runs it: dispatch, then close
    // whatever handles the message still holds.
    void serve(DispatchFn dispatch, const std::vector<uint8_t>& bytes, size_t handles) {
        load(*in, bytes, handles);
        handler.received = in.get();
        dispatch(server, server_end, *in, handler);
        handler.received = nullptr;
        proto::close_all<FakeIpc>(*in);
    }

    // Every reply waiting for the client, taken (their handles closed).
    std::vector<ReplyHeader> replies() {
        std::vector<ReplyHeader> out;
        for (const Message& m : FakeIpc::pending(client)) out.push_back(header_of(m));
        FakeIpc::drain(client);
        return out;
    }

    // Exactly one reply: `ordinal` | kReplyBit with `status` and no fields.
    void expect_status_reply(uint32_t ordinal, Error status, const std::string& what) {
        auto got = replies();
        ASSERT_EQ(got.size(), 1u) << what;
        EXPECT_EQ(got[0].ordinal, ordinal | kReplyBit) << what;
        EXPECT_EQ(got[0].status, static_cast<int32_t>(status)) << what;
        EXPECT_EQ(got[0].length, proto::kReplyHeader) << what;
        EXPECT_EQ(got[0].handles, 0u) << what;
    }

    void expect_no_leak(const std::string& what) {
        for (Handle h : handler.kept) FakeIpc::close(h);
        handler.kept.clear();
        EXPECT_EQ(FakeIpc::s.live, baseline) << what << ": handles leaked or closed wrongly";
    }

    // Client stubs talk to the handler through `dispatch`: a read on the
    // client end runs the server on what the client sent.
    void loopback(DispatchFn dispatch) {
        FakeIpc::s.before_read = [this, dispatch](Handle channel) {
            if (channel != client) return;
            while (!FakeIpc::pending(server_end).empty()) {
                ASSERT_EQ(FakeIpc::read(server_end, *in), Error::None);
                handler.received = in.get();
                dispatch(server, server_end, *in, handler);
                handler.received = nullptr;
                proto::close_all<FakeIpc>(*in);
            }
        };
    }

    // Every corruption of a valid request: each truncation, each appended
    // byte value class, one handle missing, one extra. Each is BadMessage
    // (a call) or dropped (an event) without reaching the handler, and
    // leaks nothing.
    template <typename Request>
    void expect_corruptions_rejected(DispatchFn dispatch, const Request& valid, bool event = false) {
        Message m = encoded(valid);
        auto expect_rejected = [&](const std::vector<uint8_t>& bytes, size_t handles, const std::string& what) {
            serve(dispatch, bytes, handles);
            EXPECT_EQ(handler.calls + handler.events, 0u) << what << " reached the handler";
            if (event && bytes.size() >= proto::kRequestHeader)
                EXPECT_TRUE(replies().empty()) << what << ": an event is dropped, not answered";
            else
                expect_status_reply(bytes.size() >= proto::kRequestHeader ? Request::kOrdinal : 0, Error::BadMessage,
                                    what);
            expect_no_leak(what);
        };
        for (size_t length = 0; length < m.bytes.size(); length++) {
            std::vector<uint8_t> prefix(m.bytes.begin(), m.bytes.begin() + length);
            expect_rejected(prefix, m.handles.size(), "prefix of " + std::to_string(length) + " bytes");
        }
        for (uint8_t extra : {uint8_t{0}, uint8_t{1}, uint8_t{0xff}}) {
            std::vector<uint8_t> longer = m.bytes;
            longer.push_back(extra);
            expect_rejected(longer, m.handles.size(), "a trailing byte " + std::to_string(extra));
        }
        if (!m.handles.empty()) expect_rejected(m.bytes, m.handles.size() - 1, "one handle missing");
        if (m.handles.size() < rvos::kMaxMessageHandles) expect_rejected(m.bytes, m.handles.size() + 1, "one extra handle");
        // The valid message itself is accepted: the rejections above are not vacuous.
        serve(dispatch, m.bytes, m.handles.size());
        EXPECT_EQ(handler.calls + handler.events, 1u) << "the valid message was not accepted";
        handler.calls = handler.events = 0;
        FakeIpc::drain(client);
        expect_no_leak("the valid message");
    }

    // One malformed request: BadMessage, handler untouched, nothing leaked.
    void expect_bad(DispatchFn dispatch, uint32_t ordinal, const Wire& wire, size_t handles, const std::string& what,
                    Error status = Error::BadMessage) {
        serve(dispatch, wire.bytes, handles);
        EXPECT_EQ(handler.calls + handler.events, 0u) << what << " reached the handler";
        expect_status_reply(ordinal, status, what);
        expect_no_leak(what);
    }
    void expect_good(DispatchFn dispatch, const Wire& wire, size_t handles, const std::string& what) {
        serve(dispatch, wire.bytes, handles);
        EXPECT_EQ(handler.calls, 1u) << what << " did not reach the handler";
        handler.calls = 0;
        FakeIpc::drain(client);
        expect_no_leak(what);
    }

    // Puts a reply on the client's queue, carrying `handles` fresh handles.
    std::vector<Handle> queue_reply(const std::vector<uint8_t>& bytes, size_t handles) {
        Message m;
        m.bytes = bytes;
        for (size_t i = 0; i < handles; i++) m.handles.push_back(FakeIpc::open());
        std::vector<Handle> carried = m.handles;
        FakeIpc::pending(client).push_back(m);
        return carried;
    }
    void expect_closed(const std::vector<Handle>& handles, const std::string& what) {
        for (Handle h : handles) EXPECT_FALSE(FakeIpc::is_live(h)) << what << ": handle " << h << " not closed";
    }

    Handle client = kNoHandle;      // the client's end
    Handle server_end = kNoHandle;  // the server's end (its handle for this client)
    std::set<Handle> baseline;
    FakeServer server;
    AnyHandler handler;
    std::unique_ptr<InlineBuffer<rvos::kMaxMessageBytes>> in = big_buffer();
};

// ---- Round trips ------------------------------------------------------------------------

TEST_F(Codec, InitConnectRoundTripsANameAtItsBound) {
    loopback(kInit);
    std::string name = text(rvos::kMaxNameLength);
    Handle given = kNoHandle;
    handler.fill_reply = [&](std::any& r) { given = reply_in<init::ConnectReply>(r).client; };
    init::ConnectReplyBuffer buffer;
    auto reply = init::connect<FakeIpc>(client, {Str(name.c_str())}, buffer);
    ASSERT_FALSE(reply.is_error()) << rvos::error_name(reply.error());
    EXPECT_EQ(handler.calls, 1u);
    EXPECT_EQ(as_string(std::any_cast<init::ConnectRequest>(handler.last).name), name);
    EXPECT_NE(given, kNoHandle);
    EXPECT_EQ(reply.value().client, given);
    EXPECT_TRUE(FakeIpc::is_live(given));
    FakeIpc::close(reply.value().client);
}

TEST_F(Codec, InitRegisterRoundTripsItsHandle) {
    loopback(kInit);
    handler.keep_request_handles = true;
    Handle listen_end = FakeIpc::open();
    init::RegisterRequest request;
    request.name = "svc";
    request.listen = listen_end;
    init::RegisterReplyBuffer buffer;
    auto reply = init::register_<FakeIpc>(client, request, buffer);
    ASSERT_FALSE(reply.is_error()) << rvos::error_name(reply.error());
    auto got = std::any_cast<init::RegisterRequest>(handler.last);
    EXPECT_EQ(as_string(got.name), "svc");
    ASSERT_EQ(handler.kept, std::vector<Handle>{listen_end});
    EXPECT_TRUE(FakeIpc::is_live(listen_end));
}

TEST_F(Codec, InitSpawnRoundTripsBytesAndHandlesAtTheirBounds) {
    loopback(kInit);
    handler.keep_request_handles = true;
    std::string program = text(rvos::kMaxNameLength, 'k');
    std::vector<uint8_t> args = pattern(rvos::kMaxSpawnBytes);
    std::vector<uint8_t> env = pattern(rvos::kMaxSpawnBytes - 1);
    std::string cwd = "/" + text(rvos::kMaxPathLength - 1);
    init::SpawnRequest request;
    request.program = Str(program.c_str());
    request.args = proto::Bytes(args.data(), args.size());
    request.env = proto::Bytes(env.data(), env.size());
    request.cwd = Str(cwd.c_str());
    std::vector<Handle> sent;
    for (size_t i = 0; i < rvos::kMaxSpawnHandles; i++) sent.push_back(request.handles[i] = FakeIpc::open());
    request.handles_count = rvos::kMaxSpawnHandles;
    handler.fill_reply = [](std::any& r) { reply_in<init::SpawnReply>(r).pid = 0xfedc'ba98; };
    init::SpawnReplyBuffer buffer;
    auto reply = init::spawn<FakeIpc>(client, request, buffer);
    ASSERT_FALSE(reply.is_error()) << rvos::error_name(reply.error());
    auto got = std::any_cast<init::SpawnRequest>(handler.last);
    EXPECT_EQ(as_string(got.program), program);
    EXPECT_EQ(as_vector(got.args), args);
    EXPECT_EQ(as_vector(got.env), env);
    EXPECT_EQ(as_string(got.cwd), cwd);
    EXPECT_EQ(got.handles_count, rvos::kMaxSpawnHandles);
    EXPECT_EQ(handler.kept, sent);  // in field order
    EXPECT_EQ(reply.value().pid, 0xfedc'ba98u);
    EXPECT_TRUE(FakeIpc::is_live(reply.value().process));
    FakeIpc::close(reply.value().process);
}

TEST_F(Codec, FsRoundTripsPathsAndDirectoryEntriesAtTheirBounds) {
    loopback(kFs);
    std::string path = "/" + text(rvos::kMaxPathLength - 1);
    std::vector<std::string> names;
    for (size_t i = 0; i < proto::kDirBatch; i++) names.push_back(text(rvos::kMaxFileNameLength, static_cast<char>('A' + i)));

    fs::OpenReplyBuffer open_buffer;
    handler.fill_reply = [](std::any& r) { reply_in<fs::OpenReply>(r).size = ~0ull; };
    auto opened = fs::open<FakeIpc>(client, {0x5a5a'5a5a, Str(path.c_str())}, open_buffer);
    ASSERT_FALSE(opened.is_error()) << rvos::error_name(opened.error());
    auto open_request = std::any_cast<fs::OpenRequest>(handler.last);
    EXPECT_EQ(open_request.flags, 0x5a5a'5a5au);
    EXPECT_EQ(as_string(open_request.path), path);
    EXPECT_EQ(opened.value().size, ~0ull);
    EXPECT_TRUE(FakeIpc::is_live(opened.value().file));
    FakeIpc::close(opened.value().file);

    handler.fill_reply = nullptr;
    fs::DeleteReplyBuffer delete_buffer;
    ASSERT_FALSE(fs::delete_<FakeIpc>(client, {Str(path.c_str())}, delete_buffer).is_error());
    EXPECT_EQ(as_string(std::any_cast<fs::DeleteRequest>(handler.last).path), path);
    fs::MkdirReplyBuffer mkdir_buffer;
    ASSERT_FALSE(fs::mkdir<FakeIpc>(client, {Str(path.c_str())}, mkdir_buffer).is_error());
    EXPECT_EQ(as_string(std::any_cast<fs::MkdirRequest>(handler.last).path), path);

    handler.fill_reply = [](std::any& r) {
        reply_in<fs::StatReply>(r).kind = 2;
        reply_in<fs::StatReply>(r).size = 1ull << 40;
    };
    fs::StatReplyBuffer stat_buffer;
    auto stat = fs::stat<FakeIpc>(client, {Str(path.c_str())}, stat_buffer);
    ASSERT_FALSE(stat.is_error());
    EXPECT_EQ(stat.value().kind, 2);
    EXPECT_EQ(stat.value().size, 1ull << 40);

    handler.fill_reply = [&](std::any& r) {
        auto& reply = reply_in<fs::ReadDirReply>(r);
        reply.more = true;
        reply.entries_count = proto::kDirBatch;
        for (size_t i = 0; i < proto::kDirBatch; i++)
            reply.entries[i] = fs::DirEntry{static_cast<uint8_t>(i), i * 1000003, Str(names[i].c_str())};
    };
    fs::ReadDirReplyBuffer dir_buffer;
    auto dir = fs::read_dir<FakeIpc>(client, {7, Str(path.c_str())}, dir_buffer);
    ASSERT_FALSE(dir.is_error()) << rvos::error_name(dir.error());
    EXPECT_EQ(std::any_cast<fs::ReadDirRequest>(handler.last).first, 7u);
    EXPECT_TRUE(dir.value().more);
    ASSERT_EQ(dir.value().entries_count, proto::kDirBatch);
    for (size_t i = 0; i < proto::kDirBatch; i++) {
        EXPECT_EQ(dir.value().entries[i].kind, i);
        EXPECT_EQ(dir.value().entries[i].size, i * 1000003);
        EXPECT_EQ(as_string(dir.value().entries[i].name), names[i]);
    }
    EXPECT_EQ(handler.calls, 5u);
}

TEST_F(Codec, FileRoundTripsChunksAndTheBufferHandle) {
    loopback(kFile);
    std::vector<uint8_t> chunk = pattern(proto::kFileChunk);
    handler.fill_reply = [&](std::any& r) { reply_in<file::ReadReply>(r).data = proto::Bytes(chunk.data(), chunk.size()); };
    file::ReadReplyBuffer read_buffer;
    auto read = file::read<FakeIpc>(client, {1ull << 33, 77}, read_buffer);
    ASSERT_FALSE(read.is_error());
    EXPECT_EQ(as_vector(read.value().data), chunk);
    EXPECT_EQ(std::any_cast<file::ReadRequest>(handler.last).offset, 1ull << 33);
    EXPECT_EQ(std::any_cast<file::ReadRequest>(handler.last).length, 77u);

    handler.fill_reply = [](std::any& r) {
        reply_in<file::WriteReply>(r).written = 5;
        reply_in<file::WriteReply>(r).size = 6;
    };
    file::WriteReplyBuffer write_buffer;
    auto written = file::write<FakeIpc>(client, {3, proto::Bytes(chunk.data(), chunk.size())}, write_buffer);
    ASSERT_FALSE(written.is_error());
    EXPECT_EQ(as_vector(std::any_cast<file::WriteRequest>(handler.last).data), chunk);
    EXPECT_EQ(written.value().written, 5u);
    EXPECT_EQ(written.value().size, 6u);

    handler.fill_reply = nullptr;
    handler.keep_request_handles = true;
    Handle memory = FakeIpc::open();
    file::AttachBufferReplyBuffer attach_buffer;
    ASSERT_FALSE(file::attach_buffer<FakeIpc>(client, {memory}, attach_buffer).is_error());
    EXPECT_EQ(handler.kept, std::vector<Handle>{memory});
}

TEST_F(Codec, SysinfoRoundTripsEveryProcessEntry) {
    loopback(kSysinfo);
    std::vector<std::string> names;
    for (size_t i = 0; i < rvos::kMaxProcesses; i++) names.push_back(text(rvos::kMaxNameLength, static_cast<char>('a' + i % 20)));
    handler.fill_reply = [&](std::any& r) {
        auto& reply = reply_in<sysinfo::ProcessesReply>(r);
        reply.entries_count = rvos::kMaxProcesses;
        for (uint32_t i = 0; i < rvos::kMaxProcesses; i++)
            reply.entries[i] = {i + 1, static_cast<uint8_t>(i % 4), static_cast<uint8_t>(i % 2),
                                static_cast<uint16_t>(60000 + i), Str(names[i].c_str())};
    };
    sysinfo::ProcessesReplyBuffer buffer;
    auto list = sysinfo::processes<FakeIpc>(client, {}, buffer);
    ASSERT_FALSE(list.is_error()) << rvos::error_name(list.error());
    ASSERT_EQ(list.value().entries_count, rvos::kMaxProcesses);
    for (uint32_t i = 0; i < rvos::kMaxProcesses; i++) {
        const auto& e = list.value().entries[i];
        EXPECT_EQ(e.pid, i + 1);
        EXPECT_EQ(e.state, i % 4);
        EXPECT_EQ(e.kind, i % 2);
        EXPECT_EQ(e.handles, 60000 + i);
        EXPECT_EQ(as_string(e.name), names[i]);
    }

    handler.fill_reply = [](std::any& r) {
        auto& m = reply_in<sysinfo::MemoryReply>(r);
        m = {~0ull, 1, 2, 0xffff'ffff, 4, 1ull << 63};
    };
    sysinfo::MemoryReplyBuffer memory_buffer;
    auto memory = sysinfo::memory<FakeIpc>(client, {}, memory_buffer);
    ASSERT_FALSE(memory.is_error());
    EXPECT_EQ(memory.value().free_frames, ~0ull);
    EXPECT_EQ(memory.value().total_frames, 1u);
    EXPECT_EQ(memory.value().heap_used, 2u);
    EXPECT_EQ(memory.value().channels_used, 0xffff'ffffu);
    EXPECT_EQ(memory.value().channels_max, 4u);
    EXPECT_EQ(memory.value().queued_bytes, 1ull << 63);
}

TEST_F(Codec, ConsoleRoundTripsWritesLinesForegroundAndInterrupts) {
    loopback(kConsole);
    std::vector<uint8_t> output = pattern(proto::kMaxConsoleWrite);
    console::WriteReplyBuffer write_buffer;
    ASSERT_FALSE(console::write<FakeIpc>(client, {proto::Bytes(output.data(), output.size())}, write_buffer).is_error());
    EXPECT_EQ(as_vector(std::any_cast<console::WriteRequest>(handler.last).text), output);

    std::string line = text(proto::kMaxConsoleLine);
    handler.fill_reply = [&](std::any& r) {
        reply_in<console::ReadLineReply>(r).interrupted = true;
        reply_in<console::ReadLineReply>(r).end_of_file = true;
        reply_in<console::ReadLineReply>(r).line = Str(line.c_str());
    };
    auto read_buffer = std::make_unique<console::ReadLineReplyBuffer>();
    auto read = console::read_line<FakeIpc>(client, {}, *read_buffer);
    ASSERT_FALSE(read.is_error()) << rvos::error_name(read.error());
    EXPECT_TRUE(read.value().interrupted);
    EXPECT_TRUE(read.value().end_of_file);
    EXPECT_EQ(as_string(read.value().line), line);
    EXPECT_EQ(read.value().line.data[line.size()], '\0');  // a C string into the buffer

    // SetForeground carries a process handle to the server.
    handler.fill_reply = nullptr;
    handler.keep_request_handles = true;
    Handle process = FakeIpc::open();
    console::SetForegroundReplyBuffer set_buffer;
    ASSERT_FALSE(console::set_foreground<FakeIpc>(client, {process}, set_buffer).is_error());
    EXPECT_EQ(handler.kept, std::vector<Handle>{process});
    handler.keep_request_handles = false;

    handler.fill_reply = [](std::any& r) { reply_in<console::ForegroundReply>(r).pid = 0xffff'fffe; };
    console::ForegroundReplyBuffer foreground_buffer;
    auto foreground = console::foreground<FakeIpc>(client, {}, foreground_buffer);
    ASSERT_FALSE(foreground.is_error());
    EXPECT_EQ(foreground.value().pid, 0xffff'fffeu);
    EXPECT_EQ(handler.calls, 4u);

    // An event: delivered to the handler, never answered.
    ASSERT_EQ(console::send_interrupt<FakeIpc>(client, {}), Error::None);
    ASSERT_EQ(FakeIpc::read(server_end, *in), Error::None);
    console::dispatch(server, server_end, *in, handler);
    EXPECT_EQ(handler.events, 1u);
    EXPECT_TRUE(replies().empty());
}

TEST_F(Codec, MathAndListenRoundTrip) {
    loopback(kMath);
    handler.fill_reply = [](std::any& r) { reply_in<math::MulReply>(r).result = 42; };
    math::MulReplyBuffer buffer;
    auto product = math::mul<FakeIpc>(client, {6, 7}, buffer);
    ASSERT_FALSE(product.is_error());
    EXPECT_EQ(product.value().result, 42u);
    EXPECT_EQ(std::any_cast<math::MulRequest>(handler.last).a, 6u);
    EXPECT_EQ(std::any_cast<math::MulRequest>(handler.last).b, 7u);

    handler.fill_reply = nullptr;
    handler.status = Error::Overflow;
    math::AddReplyBuffer add_buffer;
    auto sum = math::add<FakeIpc>(client, {0xffff'ffff, 1}, add_buffer);
    ASSERT_TRUE(sum.is_error());
    EXPECT_EQ(sum.error(), Error::Overflow);

    Handle handed = FakeIpc::open();
    ASSERT_EQ(listen::send_new_client<FakeIpc>(client, {handed}), Error::None);
    ASSERT_EQ(FakeIpc::read(server_end, *in), Error::None);
    handler.keep_request_handles = true;
    listen::dispatch(server, server_end, *in, handler);
    EXPECT_EQ(handler.events, 1u);
    EXPECT_EQ(handler.kept, std::vector<Handle>{handed});
    EXPECT_TRUE(replies().empty());
}

// ---- Malformed requests ---------------------------------------------------------------

TEST_F(Codec, EveryCorruptionOfAnInitRequestIsBadMessage) {
    expect_corruptions_rejected(kInit, init::ConnectRequest{Str("console")});
    init::RegisterRequest reg;
    reg.name = "svc";
    reg.listen = 1;  // a placeholder: the test sends fresh handles
    expect_corruptions_rejected(kInit, reg);
    std::vector<uint8_t> args = pattern(40);
    init::SpawnRequest spawn;
    spawn.program = "hello";
    spawn.args = proto::Bytes(args.data(), args.size());
    spawn.handles_count = 3;
    spawn.handles[0] = spawn.handles[1] = spawn.handles[2] = 1;
    expect_corruptions_rejected(kInit, spawn);
}

TEST_F(Codec, EveryCorruptionOfAnFsFileMathOrSysinfoRequestIsBadMessage) {
    expect_corruptions_rejected(kFs, fs::OpenRequest{3, Str("/a/b")});
    expect_corruptions_rejected(kFs, fs::DeleteRequest{Str("/x")});
    expect_corruptions_rejected(kFs, fs::StatRequest{Str("/")});
    expect_corruptions_rejected(kFs, fs::ReadDirRequest{9, Str("/dir")});
    expect_corruptions_rejected(kFs, fs::MkdirRequest{Str("/new")});
    uint8_t data[5] = {1, 0, 2, 0, 3};
    expect_corruptions_rejected(kFile, file::ReadRequest{1, 2});
    expect_corruptions_rejected(kFile, file::WriteRequest{1, proto::Bytes(data, sizeof data)});
    expect_corruptions_rejected(kFile, file::StatRequest{});
    expect_corruptions_rejected(kFile, file::AttachBufferRequest{1});
    expect_corruptions_rejected(kFile, file::ReadBulkRequest{1, 2});
    expect_corruptions_rejected(kFile, file::WriteBulkRequest{1, 2});
    expect_corruptions_rejected(kMath, math::AddRequest{1, 2});
    expect_corruptions_rejected(kMath, math::SubRequest{1, 2});
    expect_corruptions_rejected(kMath, math::MulRequest{1, 2});
    expect_corruptions_rejected(kSysinfo, sysinfo::ProcessesRequest{});
    expect_corruptions_rejected(kSysinfo, sysinfo::MemoryRequest{});
}

TEST_F(Codec, EveryCorruptionOfAConsoleMessageIsRejected) {
    uint8_t text_bytes[3] = {'h', 0, 'i'};
    expect_corruptions_rejected(kConsole, console::WriteRequest{proto::Bytes(text_bytes, sizeof text_bytes)});
    expect_corruptions_rejected(kConsole, console::ReadLineRequest{});
    expect_corruptions_rejected(kConsole, console::SetForegroundRequest{1});
    expect_corruptions_rejected(kConsole, console::ForegroundRequest{});
    expect_corruptions_rejected(kConsole, console::Interrupt{}, /*event=*/true);
    expect_corruptions_rejected(kListen, listen::NewClient{1}, /*event=*/true);
}

TEST_F(Codec, StringsAreCheckedForNulsBoundsAndTermination) {
    const uint32_t c = init::ConnectRequest::kOrdinal;
    expect_good(kInit, Wire().u32(c).str(text(rvos::kMaxNameLength)), 0, "a name at its bound");
    expect_good(kInit, Wire().u32(c).str(""), 0, "an empty name");
    expect_bad(kInit, c, Wire().u32(c).str(text(rvos::kMaxNameLength + 1)), 0, "a name one byte over its bound");
    // A NUL inside is an invalid argument in a well-formed message.
    expect_bad(kInit, c, Wire().u32(c).u32(5).raw(std::string("ab\0cd", 5)).u8(0), 0, "a NUL inside a name",
               Error::BadArgument);
    expect_bad(kInit, c, Wire().u32(c).u32(3).raw("abc").u8('x'), 0, "a name without its NUL");
    expect_bad(kInit, c, Wire().u32(c).u32(3).raw("abc"), 0, "a name cut before its NUL");
    expect_bad(kInit, c, Wire().u32(c).u32(100).raw("abc").u8(0), 0, "a length past the message");
    expect_bad(kInit, c, Wire().u32(c).u32(0xffff'ffff).raw("abc").u8(0), 0, "a length of 2^32-1");
    const uint32_t o = fs::OpenRequest::kOrdinal;
    expect_good(kFs, Wire().u32(o).u32(0).str("/" + text(rvos::kMaxPathLength - 1)), 0, "a path at its bound");
    expect_bad(kFs, o, Wire().u32(o).u32(0).str("/" + text(rvos::kMaxPathLength)), 0, "a path one byte over");
    expect_bad(kFs, o, Wire().u32(o).u32(0).u32(7).raw(std::string("/tmp/a\0", 7)).u8(0), 0,
               "a path ending in a NUL", Error::BadArgument);
    expect_bad(kFs, o, Wire().u32(o).u32(0).u32(8).raw(std::string("/tmp/\0ab", 8)).u8(0), 0,
               "a path with a NUL inside", Error::BadArgument);
}

TEST_F(Codec, BytesArraysAndHandlesAreCheckedAgainstTheirBounds) {
    const uint32_t w = console::WriteRequest::kOrdinal;
    std::string full(proto::kMaxConsoleWrite, '\0');
    expect_good(kConsole, Wire().u32(w).u32(static_cast<uint32_t>(full.size())).raw(full), 0, "bytes at their bound");
    expect_bad(kConsole, w, Wire().u32(w).u32(static_cast<uint32_t>(full.size() + 1)).raw(full + "x"), 0,
               "bytes one over their bound");
    expect_bad(kConsole, w, Wire().u32(w).u32(10).raw("short"), 0, "a bytes length past the message");

    const uint32_t s = init::SpawnRequest::kOrdinal;
    auto spawn = [&](uint32_t count) { return Wire().u32(s).str("p").u32(0).u32(0).str("/").u32(count); };
    expect_good(kInit, spawn(rvos::kMaxSpawnHandles), rvos::kMaxSpawnHandles, "handles at their bound");
    expect_good(kInit, spawn(0), 0, "no handles");
    expect_bad(kInit, s, spawn(rvos::kMaxSpawnHandles + 1), rvos::kMaxSpawnHandles, "a handle count over its bound");
    expect_bad(kInit, s, spawn(0xffff'ffff), rvos::kMaxSpawnHandles, "a handle count of 2^32-1");
    expect_bad(kInit, s, spawn(3), 2, "a handle count above the handles carried");
    expect_bad(kInit, s, spawn(2), 3, "a handle count below the handles carried");
    expect_bad(kInit, s, spawn(0), 1, "a handle nobody declared");

    const uint32_t r = init::RegisterRequest::kOrdinal;
    expect_good(kInit, Wire().u32(r).str("svc"), 1, "register with its handle");
    expect_bad(kInit, r, Wire().u32(r).str("svc"), 0, "register without its handle");
    expect_bad(kInit, r, Wire().u32(r).str("svc"), 2, "register with an extra handle");
    // A bad field before the handle: the handle is still closed.
    expect_bad(kInit, r, Wire().u32(r).u32(99).raw("svc").u8(0), 1, "register with a bad name");
}

TEST_F(Codec, UnknownOrdinalsAreUnsupportedAndShortHeadersBadMessage) {
    for (uint32_t ordinal : {0u, 6u, 99u, 0x7fff'ffffu, kReplyBit | 1u, 0xffff'ffffu}) {
        serve(kInit, Wire().u32(ordinal).raw("junk").bytes, 2);
        expect_status_reply(ordinal, Error::Unsupported, "ordinal " + std::to_string(ordinal));
        expect_no_leak("ordinal " + std::to_string(ordinal));
    }
    serve(kMath, Wire().u32(math::AddRequest::kOrdinal).bytes, 0);  // a known ordinal, fields missing
    expect_status_reply(math::AddRequest::kOrdinal, Error::BadMessage, "fields missing");
    for (size_t length = 0; length < 4; length++) {
        serve(kListen, std::vector<uint8_t>(length, 1), 1);
        expect_status_reply(0, Error::BadMessage, "a header of " + std::to_string(length) + " bytes");
        expect_no_leak("short header");
    }
    EXPECT_EQ(handler.calls + handler.events, 0u);
}

// ---- Handler answers --------------------------------------------------------------------

TEST_F(Codec, ADeferredAnswerSendsNothing) {
    handler.status = proto::kDeferred;
    handler.fill_reply_handles = false;
    serve(kMath, encoded(math::AddRequest{1, 2}).bytes, 0);
    EXPECT_EQ(handler.calls, 1u);
    EXPECT_EQ(server.replies, 0u);
    EXPECT_TRUE(replies().empty());
    // The request's handles still close unless kept.
    serve(kInit, Wire().u32(init::RegisterRequest::kOrdinal).str("x").bytes, 1);
    EXPECT_EQ(server.replies, 0u);
    expect_no_leak("deferred register");
}

TEST_F(Codec, ADeferredAnswerClosesHandlesLeftInTheReply) {
    // The reply a deferring handler filled is never sent: its handles must
    // not outlive it.
    handler.status = proto::kDeferred;
    serve(kInit, encoded(init::ConnectRequest{Str("x")}).bytes, 0);
    EXPECT_EQ(server.replies, 0u);
    expect_no_leak("deferred connect with a reply handle");
}

TEST_F(Codec, AnErrorStatusSendsOnlyTheHeaderAndClosesReplyHandles) {
    handler.status = Error::NotFound;
    serve(kInit, encoded(init::ConnectRequest{Str("nope")}).bytes, 0);
    expect_status_reply(init::ConnectRequest::kOrdinal, Error::NotFound, "not found");
    expect_no_leak("error reply");
}

TEST_F(Codec, AReplyThatCannotBeEncodedIsTooLong) {
    std::string line = text(proto::kMaxConsoleLine + 1);
    handler.fill_reply = [&](std::any& r) { reply_in<console::ReadLineReply>(r).line = Str(line.c_str()); };
    serve(kConsole, encoded(console::ReadLineRequest{}).bytes, 0);
    expect_status_reply(console::ReadLineRequest::kOrdinal, Error::TooLong, "a line over its bound");
    // A handle field left empty cannot be sent either.
    handler.fill_reply = nullptr;
    handler.fill_reply_handles = false;
    serve(kInit, encoded(init::ConnectRequest{Str("x")}).bytes, 0);
    expect_status_reply(init::ConnectRequest::kOrdinal, Error::TooLong, "a reply without its handle");
}

// ---- Handle ownership ---------------------------------------------------------------------

TEST_F(Codec, AHandlerKeepsARequestHandleOnlyByTakingIt) {
    Message reg = encoded(init::RegisterRequest{Str("svc"), 1});
    // Not kept: dispatch itself closes it (no server loop clean-up needed).
    load(*in, reg.bytes, 1);
    Handle sent = in->handles[0];
    init::dispatch(server, server_end, *in, handler);
    EXPECT_EQ(handler.calls, 1u);
    EXPECT_FALSE(FakeIpc::is_live(sent)) << "an unkept request handle was not closed by dispatch";
    // Kept: it stays open, and the server loop's clean-up does not close it.
    handler.keep_request_handles = true;
    load(*in, reg.bytes, 1);
    sent = in->handles[0];
    init::dispatch(server, server_end, *in, handler);
    proto::close_all<FakeIpc>(*in);
    ASSERT_EQ(handler.kept, std::vector<Handle>{sent});
    EXPECT_TRUE(FakeIpc::is_live(sent));
    replies();
}

TEST_F(Codec, AReplyThatCannotBeSentClosesItsHandles) {
    FakeIpc::s.write_error = Error::QueueFull;
    serve(kInit, encoded(init::ConnectRequest{Str("svc")}).bytes, 0);
    EXPECT_EQ(server.replies, 1u);
    handler.fill_reply = [](std::any& r) { reply_in<init::SpawnReply>(r).pid = 3; };
    serve(kInit, encoded(init::SpawnRequest{Str("p"), {}, {}, {}, 0}).bytes, 0);
    EXPECT_EQ(server.replies, 2u);
    FakeIpc::s.write_error = Error::None;
    EXPECT_TRUE(replies().empty());
    expect_no_leak("unsent replies");
}

TEST_F(Codec, ARequestThatCannotBeSentClosesItsHandles) {
    FakeIpc::s.write_error = Error::PeerClosed;
    Handle listen_end = FakeIpc::open();
    init::RegisterReplyBuffer buffer;
    auto reg = init::register_<FakeIpc>(client, {Str("svc"), listen_end}, buffer);
    ASSERT_TRUE(reg.is_error());
    EXPECT_EQ(reg.error(), Error::PeerClosed);
    EXPECT_FALSE(FakeIpc::is_live(listen_end));

    init::SpawnRequest spawn;
    spawn.program = "p";
    spawn.handles_count = 5;
    for (uint32_t i = 0; i < 5; i++) spawn.handles[i] = FakeIpc::open();
    EXPECT_EQ(init::spawn_send<FakeIpc>(client, spawn), Error::PeerClosed);
    for (uint32_t i = 0; i < 5; i++) EXPECT_FALSE(FakeIpc::is_live(spawn.handles[i]));
    FakeIpc::s.write_error = Error::None;

    // One that cannot be encoded (a name over its bound) is TooLong, and
    // its handles close too.
    std::string name = text(rvos::kMaxNameLength + 1);
    listen_end = FakeIpc::open();
    EXPECT_EQ(init::register_send<FakeIpc>(client, {Str(name.c_str()), listen_end}), Error::TooLong);
    EXPECT_FALSE(FakeIpc::is_live(listen_end));
    Handle memory = FakeIpc::open();
    std::string bad("a\0b", 3);
    fs::OpenRequest open{0, Str(bad.data(), bad.size())};
    EXPECT_EQ(fs::open_send<FakeIpc>(client, open), Error::BadArgument) << "a NUL inside a string is not sent";
    EXPECT_EQ(file::attach_buffer_send<FakeIpc>(client, {memory}), Error::None);
    EXPECT_EQ(FakeIpc::drain(server_end), 1u);
    expect_no_leak("unsent requests");
}

TEST_F(Codec, AnEventThatCannotBeSentClosesItsHandles) {
    // Like a request: the event's handles are the stub's once it is called.
    FakeIpc::s.write_error = Error::QueueFull;
    Handle handed = FakeIpc::open();
    EXPECT_EQ(listen::send_new_client<FakeIpc>(client, {handed}), Error::QueueFull);
    EXPECT_FALSE(FakeIpc::is_live(handed));
}

// ---- Malformed replies at the client ------------------------------------------------------

TEST_F(Codec, AReplyWithTheWrongOrdinalIsBadMessageAndItsHandlesClose) {
    for (uint32_t ordinal : {init::RegisterRequest::kOrdinal | kReplyBit, init::ConnectRequest::kOrdinal, 0u}) {
        auto carried = queue_reply(Wire().u32(ordinal).u32(0).bytes, 1);
        init::ConnectReplyBuffer buffer;
        auto reply = init::connect_receive<FakeIpc>(client, buffer);
        ASSERT_TRUE(reply.is_error());
        EXPECT_EQ(reply.error(), Error::BadMessage);
        expect_closed(carried, "wrong ordinal");
    }
}

TEST_F(Codec, AReplyWithAnUnknownStatusIsBadMessage) {
    const uint32_t o = init::ConnectRequest::kOrdinal | kReplyBit;
    for (int32_t status : {static_cast<int32_t>(rvos::kLastError) + 1, -1, INT_MIN, INT_MAX,
                           static_cast<int32_t>(proto::kDeferred)}) {
        ASSERT_FALSE(rvos::is_error_code(status));
        for (size_t handles : {0, 1}) {  // a bare header, and one whose handle must close
            auto carried = queue_reply(Wire().u32(o).u32(static_cast<uint32_t>(status)).bytes, handles);
            init::ConnectReplyBuffer buffer;
            auto reply = init::connect_receive<FakeIpc>(client, buffer);
            ASSERT_TRUE(reply.is_error());
            EXPECT_EQ(reply.error(), Error::BadMessage) << "status " << status << ", " << handles << " handles";
            expect_closed(carried, "unknown status");
        }
    }
    // A known error status is that error; with anything after it, BadMessage.
    queue_reply(Wire().u32(o).u32(static_cast<uint32_t>(Error::NotFound)).bytes, 0);
    init::ConnectReplyBuffer buffer;
    EXPECT_EQ(init::connect_receive<FakeIpc>(client, buffer).error(), Error::NotFound);
    queue_reply(Wire().u32(o).u32(static_cast<uint32_t>(Error::NotFound)).u8(0).bytes, 0);
    EXPECT_EQ(init::connect_receive<FakeIpc>(client, buffer).error(), Error::BadMessage);
    auto carried = queue_reply(Wire().u32(o).u32(static_cast<uint32_t>(Error::NotFound)).bytes, 1);
    EXPECT_EQ(init::connect_receive<FakeIpc>(client, buffer).error(), Error::BadMessage);
    expect_closed(carried, "an error reply with a handle");
}

TEST_F(Codec, EveryTruncationOfAReplyIsBadMessageAndClosesItsHandles) {
    const uint32_t o = init::SpawnRequest::kOrdinal | kReplyBit;
    Wire valid = Wire().u32(o).u32(0).u32(1234);
    for (size_t length = 0; length < valid.bytes.size(); length++) {
        auto carried = queue_reply(std::vector<uint8_t>(valid.bytes.begin(), valid.bytes.begin() + length), 1);
        init::SpawnReplyBuffer buffer;
        auto reply = init::spawn_receive<FakeIpc>(client, buffer);
        ASSERT_TRUE(reply.is_error()) << "prefix " << length;
        EXPECT_EQ(reply.error(), Error::BadMessage) << "prefix " << length;
        expect_closed(carried, "prefix " + std::to_string(length));
    }
    init::SpawnReplyBuffer buffer;
    for (size_t handles : {0, 2}) {
        auto carried = queue_reply(valid.bytes, handles);
        EXPECT_EQ(init::spawn_receive<FakeIpc>(client, buffer).error(), Error::BadMessage) << handles << " handles";
        expect_closed(carried, std::to_string(handles) + " handles");
    }
    Wire longer = valid;
    auto carried = queue_reply(longer.u8(0).bytes, 1);
    EXPECT_EQ(init::spawn_receive<FakeIpc>(client, buffer).error(), Error::BadMessage);
    expect_closed(carried, "a trailing byte");
    carried = queue_reply(valid.bytes, 1);
    auto good = init::spawn_receive<FakeIpc>(client, buffer);
    ASSERT_FALSE(good.is_error());
    EXPECT_EQ(good.value().pid, 1234u);
    EXPECT_EQ(good.value().process, carried[0]);
    FakeIpc::close(carried[0]);
    expect_no_leak("spawn replies");
}

TEST_F(Codec, EveryTruncationOfADirectoryListingIsBadMessage) {
    const uint32_t o = fs::ReadDirRequest::kOrdinal | kReplyBit;
    Wire valid = Wire().u32(o).u32(0).u8(1).u32(2).u8(1).u64(10).str("a").u8(2).u64(0).str("bb");
    fs::ReadDirReplyBuffer buffer;
    for (size_t length = 0; length <= valid.bytes.size(); length++) {
        queue_reply(std::vector<uint8_t>(valid.bytes.begin(), valid.bytes.begin() + length), 0);
        auto reply = fs::read_dir_receive<FakeIpc>(client, buffer);
        if (length == valid.bytes.size()) {
            ASSERT_FALSE(reply.is_error());
            ASSERT_EQ(reply.value().entries_count, 2u);
            EXPECT_EQ(as_string(reply.value().entries[1].name), "bb");
        } else {
            EXPECT_EQ(reply.error(), Error::BadMessage) << "prefix " << length;
        }
    }
    auto bad = [&](const Wire& w, const char* what) {
        queue_reply(w.bytes, 0);
        EXPECT_EQ(fs::read_dir_receive<FakeIpc>(client, buffer).error(), Error::BadMessage) << what;
    };
    bad(Wire().u32(o).u32(0).u8(2).u32(0), "a bool of 2");
    bad(Wire().u32(o).u32(0).u8(0).u32(proto::kDirBatch + 1), "a count over the array bound");
    bad(Wire().u32(o).u32(0).u8(0).u32(1).u8(1).u64(0).str(text(rvos::kMaxFileNameLength + 1)), "a name over its bound");
    Wire full = Wire().u32(o).u32(0).u8(0).u32(proto::kDirBatch);
    for (size_t i = 0; i < proto::kDirBatch; i++) full.u8(1).u64(i).str(text(rvos::kMaxFileNameLength));
    queue_reply(full.bytes, 0);
    EXPECT_FALSE(fs::read_dir_receive<FakeIpc>(client, buffer).is_error()) << "a full batch at every bound";
    // One entry more than the array holds, every one of them well formed.
    Wire over = Wire().u32(o).u32(0).u8(0).u32(proto::kDirBatch + 1);
    for (size_t i = 0; i <= proto::kDirBatch; i++) over.u8(1).u64(i).str("n");
    auto big = big_buffer();
    queue_reply(over.bytes, 0);
    EXPECT_EQ(fs::read_dir_receive<FakeIpc>(client, *big).error(), Error::BadMessage) << "a count over the bound";
}

TEST_F(Codec, OtherMalformedRepliesAreBadMessage) {
    const uint32_t p = sysinfo::ProcessesRequest::kOrdinal | kReplyBit;
    sysinfo::ProcessesReplyBuffer processes;
    queue_reply(Wire().u32(p).u32(0).u32(rvos::kMaxProcesses + 1).bytes, 0);
    EXPECT_EQ(sysinfo::processes_receive<FakeIpc>(client, processes).error(), Error::BadMessage);
    Wire over = Wire().u32(p).u32(0).u32(rvos::kMaxProcesses + 1);
    for (uint32_t i = 0; i <= rvos::kMaxProcesses; i++) over.u32(i).u8(0).u8(0).u8(0).u8(0).str("p");
    auto big = big_buffer();
    queue_reply(over.bytes, 0);
    EXPECT_EQ(sysinfo::processes_receive<FakeIpc>(client, *big).error(), Error::BadMessage)
        << "one well-formed entry more than the array holds";
    const uint32_t r = console::ReadLineRequest::kOrdinal | kReplyBit;
    auto line = std::make_unique<console::ReadLineReplyBuffer>();
    queue_reply(Wire().u32(r).u32(0).u8(3).str("x").bytes, 0);
    EXPECT_EQ(console::read_line_receive<FakeIpc>(client, *line).error(), Error::BadMessage) << "a bool of 3";
    queue_reply(Wire().u32(r).u32(0).u8(0).u32(2).raw(std::string("\0x", 2)).u8(0).bytes, 0);
    EXPECT_EQ(console::read_line_receive<FakeIpc>(client, *line).error(), Error::BadMessage) << "a NUL in the line";
    // A reply larger than the caller's buffer is dropped by the transport.
    const uint32_t c = init::ConnectRequest::kOrdinal | kReplyBit;
    auto carried = queue_reply(Wire().u32(c).u32(0).raw(text(100)).bytes, 1);
    init::ConnectReplyBuffer small;
    EXPECT_EQ(init::connect_receive<FakeIpc>(client, small).error(), Error::BadMessage);
    expect_closed(carried, "an oversized reply");
    // No reply at all.
    EXPECT_EQ(init::connect_receive<FakeIpc>(client, small).error(), Error::PeerClosed);
}

// A struct of integers is moved as one run (one bounds check, each field at
// its offset; a whole-word move when the run starts aligned). Its wire
// bytes are still the fields in order, little-endian, aligned or not; a
// message that ends inside the run is BadMessage, and nothing past its end
// is read (each prefix sits in a heap block of exactly its length, which
// ASan guards).
TEST_F(Codec, AStructOfIntegersIsItsFieldsInOrderAndNeverReadPastTheMessage) {
    fs::Attributes a;
    a.inode = 0x0102030405060708;
    a.size = 9;
    a.blocks = 10;
    a.accessed = {-11, 12};
    a.mode = 0755;
    a.modified = {13, 14};
    a.links = 15;
    a.changed = {0x7fffffffffffffff, 999999999};
    a.device = 16;
    a.kind = 2;
    Wire fields = Wire().u64(a.inode).u64(a.size).u64(a.blocks).u64(static_cast<uint64_t>(a.accessed.seconds))
                      .u32(a.accessed.nanoseconds).u32(a.mode).u64(static_cast<uint64_t>(a.modified.seconds))
                      .u32(a.modified.nanoseconds).u32(a.links).u64(static_cast<uint64_t>(a.changed.seconds))
                      .u32(a.changed.nanoseconds).u32(a.device).u8(a.kind);
    for (size_t skew : {0, 1, 4}) {  // the run at an aligned and at unaligned offsets
        std::vector<uint8_t> storage(skew + fs::Attributes::kMaxBytes + 8);
        proto::Buffer out(storage.data(), storage.size());
        proto::Encoder encoder(out);
        for (size_t i = 0; i < skew; i++) encoder.u8(0xee);
        encode(encoder, a);
        ASSERT_TRUE(encoder.ok());
        ASSERT_EQ(out.length, skew + fields.bytes.size());
        EXPECT_EQ(std::vector<uint8_t>(storage.begin() + static_cast<long>(skew), storage.begin() + static_cast<long>(out.length)),
                  fields.bytes)
            << "skew " << skew;
        for (size_t length = skew; length <= out.length; length++) {
            std::vector<uint8_t> message(storage.begin(), storage.begin() + static_cast<long>(length));
            message.shrink_to_fit();
            proto::Buffer in(message.data(), message.size());
            in.length = message.size();
            proto::Decoder decoder(in);
            uint8_t byte = 0;
            for (size_t i = 0; i < skew; i++) decoder.u8(byte);
            fs::Attributes back;
            decode(decoder, back);
            if (length < out.length) {
                EXPECT_FALSE(decoder.finish()) << "a message of " << length << " bytes, skew " << skew;
                continue;
            }
            ASSERT_TRUE(decoder.finish()) << "skew " << skew;
            EXPECT_EQ(back.inode, a.inode);
            EXPECT_EQ(back.accessed.seconds, a.accessed.seconds);
            EXPECT_EQ(back.changed.seconds, a.changed.seconds);
            EXPECT_EQ(back.changed.nanoseconds, a.changed.nanoseconds);
            EXPECT_EQ(back.mode, a.mode);
            EXPECT_EQ(back.links, a.links);
            EXPECT_EQ(back.device, a.device);
            EXPECT_EQ(back.kind, a.kind);
        }
    }
    // No room for the run: the encoding fails, and writes nothing past the buffer.
    std::vector<uint8_t> small(fs::Attributes::kMaxBytes - 1);
    proto::Buffer out(small.data(), small.size());
    proto::Encoder encoder(out);
    encode(encoder, a);
    EXPECT_FALSE(encoder.ok());
    EXPECT_EQ(encoder.error(), Error::TooLong);
}

}  // namespace
