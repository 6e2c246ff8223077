// Randomized test of every generated dispatch(): per protocol, a real
// service::ServerLoop on the fake transport of codec_support.h serves a
// seeded stream of hostile messages — random byte strings, and valid
// requests (fields up to their bounds) then mutated: cut, extended, bytes
// overwritten, a length or count replaced by an edge value — each with a
// valid or a random number of handles. The handler answers at random (ok,
// an error, deferred; keeping the request's handles or not), and some
// replies fail to send.
//
// After every message: no sanitizer report; a call, an unknown ordinal or a
// malformed message was answered exactly once (a deferred call and an event
// not at all); a message that reached the handler re-encodes to exactly the
// bytes received; a BadMessage answer means the handler never saw it; the
// reply decodes at the client stub as the status the handler chose; and no
// handle leaked or closed twice.
//
// Rerun one seed with RVOS_RANDOM_SEED=<seed>, scale with
// RVOS_RANDOM_SCALE=<factor> (see random_support.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
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
#include "random_support.h"
#include "service/server_loop.h"

namespace {

using namespace codec_test;
using proto::Bytes;
using proto::kReplyBit;
using proto::Str;
using random_support::Rng;

// Random field values: lengths and counts often at, or just under, their
// bounds; contents cheap to make (a pattern from one random number).
struct Gen {
    Rng& rng;
    std::deque<std::string> strings;           // storage the Strs point into
    std::deque<std::vector<uint8_t>> blobs;    // and the Bytes

    size_t length(size_t bound) {
        switch (rng.below(6)) {
        case 0: return bound;
        case 1: return bound ? bound - 1 : 0;
        case 2: return 0;
        default: return rng.below(std::min<size_t>(bound, 48) + 1);
        }
    }
    Str str(size_t bound) {
        size_t n = length(bound);
        uint64_t seed = rng.next();
        std::string s(n, 'x');
        for (size_t i = 0; i < n; i++) s[i] = static_cast<char>(1 + (seed + i * 131) % 255);  // never NUL
        strings.push_back(std::move(s));
        return Str(strings.back().c_str(), strings.back().size());
    }
    Bytes bytes(size_t bound) {
        size_t n = length(bound);
        uint64_t seed = rng.next();
        std::vector<uint8_t> b(n);
        for (size_t i = 0; i < n; i++) b[i] = static_cast<uint8_t>((seed >> (i % 56)) + i);
        blobs.push_back(std::move(b));
        return Bytes(blobs.back().data(), blobs.back().size());
    }
    uint8_t u8() { return static_cast<uint8_t>(rng.next()); }
    uint32_t u32() { return rng.percent(30) ? static_cast<uint32_t>(rng.below(4)) : static_cast<uint32_t>(rng.next()); }
    uint64_t u64() { return rng.percent(30) ? rng.below(4) : rng.next(); }
    Handle handle() { return 1; }  // a placeholder: the message goes out with fresh handles
    uint32_t handles(Handle* hs, size_t bound) {
        uint32_t n = static_cast<uint32_t>(length(bound));
        for (uint32_t i = 0; i < n; i++) hs[i] = handle();
        return n;
    }
};

// One message kind of a protocol: how to make a valid one, and how the
// client stub receives its reply.
struct Kind {
    uint32_t ordinal;
    bool event;
    bool reply_has_handles;
    std::function<Message(Gen&)> make;
    Error (*receive)(Handle client);
};

template <typename Reply>
Error receive_as(Handle client) {
    auto buffer = big_buffer();
    auto reply = proto::receive_reply<FakeIpc, Reply>(client, *buffer);
    if (reply.is_error()) return reply.error();
    proto::close_handles<FakeIpc>(reply.value());
    return Error::None;
}

template <typename Reply>
bool has_handles() {
    Reply reply;
    size_t n = 0;
    for_each_handle(reply, [&](Handle&) { n++; });
    return n > 0;
}

template <typename Request, typename Reply, typename Make>
Kind call(Make make) {
    return Kind{Request::kOrdinal, false, has_handles<Reply>(),
                [make](Gen& g) { return encoded(static_cast<Request>(make(g))); }, &receive_as<Reply>};
}
template <typename Event, typename Make>
Kind event(Make make) {
    return Kind{Event::kOrdinal, true, false, [make](Gen& g) { return encoded(static_cast<Event>(make(g))); }, nullptr};
}

std::vector<Kind> console_kinds() {
    return {call<console::WriteRequest, console::WriteReply>(
                [](Gen& g) { return console::WriteRequest{g.bytes(proto::kMaxConsoleWrite)}; }),
            call<console::ReadLineRequest, console::ReadLineReply>([](Gen&) { return console::ReadLineRequest{}; }),
            call<console::SetForegroundRequest, console::SetForegroundReply>(
                [](Gen& g) { return console::SetForegroundRequest{g.handle()}; }),
            call<console::ForegroundRequest, console::ForegroundReply>([](Gen&) { return console::ForegroundRequest{}; }),
            call<console::ReadKeysRequest, console::ReadKeysReply>([](Gen&) { return console::ReadKeysRequest{}; }),
            call<console::KeysModeRequest, console::KeysModeReply>([](Gen&) { return console::KeysModeRequest{}; }),
            event<console::Interrupt>([](Gen&) { return console::Interrupt{}; })};
}
std::vector<Kind> file_kinds() {
    return {call<file::ReadRequest, file::ReadReply>([](Gen& g) { return file::ReadRequest{g.u64(), g.u32()}; }),
            call<file::WriteRequest, file::WriteReply>(
                [](Gen& g) { return file::WriteRequest{g.u64(), g.bytes(proto::kFileChunk)}; }),
            call<file::StatRequest, file::StatReply>([](Gen&) { return file::StatRequest{}; }),
            call<file::AttachBufferRequest, file::AttachBufferReply>(
                [](Gen& g) { return file::AttachBufferRequest{g.handle()}; }),
            call<file::ReadBulkRequest, file::ReadBulkReply>(
                [](Gen& g) { return file::ReadBulkRequest{g.u64(), g.u32()}; }),
            call<file::WriteBulkRequest, file::WriteBulkReply>(
                [](Gen& g) { return file::WriteBulkRequest{g.u64(), g.u32()}; }),
            call<file::ReadIntoRequest, file::ReadIntoReply>(
                [](Gen& g) { return file::ReadIntoRequest{g.handle(), g.u64(), g.u32()}; })};
}
std::vector<Kind> fs_kinds() {
    return {call<fs::OpenRequest, fs::OpenReply>(
                [](Gen& g) { return fs::OpenRequest{g.u32(), g.str(rvos::kMaxPathLength)}; }),
            call<fs::DeleteRequest, fs::DeleteReply>([](Gen& g) { return fs::DeleteRequest{g.str(rvos::kMaxPathLength)}; }),
            call<fs::StatRequest, fs::StatReply>([](Gen& g) { return fs::StatRequest{g.str(rvos::kMaxPathLength)}; }),
            call<fs::ReadDirRequest, fs::ReadDirReply>(
                [](Gen& g) { return fs::ReadDirRequest{g.u32(), g.str(rvos::kMaxPathLength)}; }),
            call<fs::MkdirRequest, fs::MkdirReply>([](Gen& g) { return fs::MkdirRequest{g.str(rvos::kMaxPathLength)}; }),
            call<fs::RenameRequest, fs::RenameReply>([](Gen& g) {
                return fs::RenameRequest{g.str(rvos::kMaxPathLength), g.str(rvos::kMaxPathLength)};
            }),
            call<fs::SyncRequest, fs::SyncReply>([](Gen&) { return fs::SyncRequest{}; }),
            call<fs::GetAttributesRequest, fs::GetAttributesReply>([](Gen& g) {
                return fs::GetAttributesRequest{g.u8() % 2 == 0, g.str(rvos::kMaxPathLength)};
            }),
            call<fs::LinkRequest, fs::LinkReply>([](Gen& g) {
                return fs::LinkRequest{g.str(rvos::kMaxPathLength), g.str(rvos::kMaxPathLength)};
            }),
            call<fs::SymlinkRequest, fs::SymlinkReply>([](Gen& g) {
                return fs::SymlinkRequest{g.str(rvos::kMaxPathLength), g.str(rvos::kMaxPathLength)};
            }),
            call<fs::ReadLinkRequest, fs::ReadLinkReply>(
                [](Gen& g) { return fs::ReadLinkRequest{g.str(rvos::kMaxPathLength)}; }),
            call<fs::SetTimesRequest, fs::SetTimesReply>([](Gen& g) {
                return fs::SetTimesRequest{g.u8() % 2 == 0, {static_cast<int64_t>(g.u64()), g.u32()},
                                           g.u8() % 2 == 0, {static_cast<int64_t>(g.u64()), g.u32()},
                                           g.u8() % 2 == 0, g.str(rvos::kMaxPathLength)};
            }),
            call<fs::StatFsRequest, fs::StatFsReply>([](Gen&) { return fs::StatFsRequest{}; }),
            call<fs::SetModeRequest, fs::SetModeReply>(
                [](Gen& g) { return fs::SetModeRequest{g.u32(), g.str(rvos::kMaxPathLength)}; }),
            call<fs::ReadFileRequest, fs::ReadFileReply>([](Gen& g) {
                return fs::ReadFileRequest{g.str(rvos::kMaxPathLength), g.handle(), g.u64(), g.u32()};
            })};
}
std::vector<Kind> init_kinds() {
    return {call<init::ConnectRequest, init::ConnectReply>(
                [](Gen& g) { return init::ConnectRequest{g.str(rvos::kMaxNameLength)}; }),
            call<init::RegisterRequest, init::RegisterReply>(
                [](Gen& g) { return init::RegisterRequest{g.str(rvos::kMaxNameLength), g.handle()}; }),
            call<init::SpawnRequest, init::SpawnReply>([](Gen& g) {
                init::SpawnRequest r;
                r.program = g.str(rvos::kMaxNameLength);
                r.args = g.bytes(rvos::kMaxSpawnBytes);
                r.env = g.bytes(rvos::kMaxSpawnBytes);
                r.cwd = g.str(rvos::kMaxPathLength);
                r.handles_count = g.handles(r.handles, rvos::kMaxSpawnHandles);
                return r;
            }),
            call<init::SpawnImageRequest, init::SpawnImageReply>([](Gen& g) {
                init::SpawnImageRequest r;
                r.program = g.str(rvos::kMaxNameLength);
                r.image = g.handle();
                r.size = g.u64();
                r.args = g.bytes(rvos::kMaxSpawnBytes);
                r.env = g.bytes(rvos::kMaxSpawnBytes);
                r.cwd = g.str(rvos::kMaxPathLength);
                r.handles_count = g.handles(r.handles, rvos::kMaxSpawnImageHandles);
                return r;
            }),
            call<init::KillRequest, init::KillReply>([](Gen& g) { return init::KillRequest{g.u32()}; })};
}
std::vector<Kind> listen_kinds() {
    return {event<listen::NewClient>([](Gen& g) { return listen::NewClient{g.handle()}; })};
}
std::vector<Kind> math_kinds() {
    return {call<math::AddRequest, math::AddReply>([](Gen& g) { return math::AddRequest{g.u32(), g.u32()}; }),
            call<math::SubRequest, math::SubReply>([](Gen& g) { return math::SubRequest{g.u32(), g.u32()}; }),
            call<math::MulRequest, math::MulReply>([](Gen& g) { return math::MulRequest{g.u32(), g.u32()}; })};
}
std::vector<Kind> sysinfo_kinds() {
    return {call<sysinfo::ProcessesRequest, sysinfo::ProcessesReply>([](Gen&) { return sysinfo::ProcessesRequest{}; }),
            call<sysinfo::MemoryRequest, sysinfo::MemoryReply>([](Gen&) { return sysinfo::MemoryRequest{}; })};
}

// A mutation of a valid message's bytes, or none.
void mutate(Rng& rng, std::vector<uint8_t>& b, size_t max_length) {
    auto put32 = [&](size_t at, uint32_t v) {
        for (size_t i = 0; i < 4 && at + i < b.size(); i++) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    switch (rng.below(8)) {
    case 0:
    case 1:
        return;  // valid
    case 2:
        b.resize(rng.below(b.size() + 1));  // cut
        return;
    case 3:
        for (size_t n = 1 + rng.below(8); n && b.size() < max_length; n--) b.push_back(static_cast<uint8_t>(rng.next()));
        return;
    case 4:
        for (size_t n = 1 + rng.below(4); n && !b.empty(); n--) b[rng.below(b.size())] = static_cast<uint8_t>(rng.next());
        return;
    case 5:
        if (!b.empty()) b.erase(b.begin() + static_cast<long>(rng.below(b.size())));
        return;
    default: {  // a length, count or ordinal replaced by an edge value
        if (b.empty()) return;
        size_t at = rng.percent(50) ? rng.below(b.size()) : (rng.below((b.size() + 3) / 4)) * 4;
        const uint32_t edges[] = {0,    1,    2,    3,      4,      5,      15,     16,          17,
                                  255,  256,  4095, 4096,   4097,   16384,  16385,  24576,       24577,
                                  32768, 32769, 0x7fff'ffff, 0x8000'0000, 0xffff'ffff,
                                  static_cast<uint32_t>(b.size() - at), static_cast<uint32_t>(b.size() - at - 4),
                                  static_cast<uint32_t>(b.size() - at - 5)};
        put32(at, edges[rng.below(sizeof edges / sizeof edges[0])]);
        return;
    }
    }
}

std::vector<uint8_t> random_bytes(Rng& rng, const std::vector<Kind>& kinds) {
    std::vector<uint8_t> b(rng.below(65));
    for (auto& byte : b) byte = static_cast<uint8_t>(rng.next());
    if (b.size() >= 4 && rng.percent(60)) {
        uint32_t ordinal = rng.percent(80) ? kinds[rng.below(kinds.size())].ordinal : static_cast<uint32_t>(rng.below(8));
        std::memcpy(b.data(), &ordinal, 4);
    }
    return b;
}

struct Outcomes {
    size_t handled = 0, rejected = 0, unsupported = 0, dropped_events = 0, too_big = 0, deferred = 0,
           failed_sends = 0;
};

template <typename Dispatch, size_t kIn, size_t kOut>
void run_protocol(const char* name, const std::vector<Kind>& kinds, uint64_t seed, size_t ops, Outcomes& seen) {
    using Loop = service::ServerLoop<FakeIpc, kIn, kOut>;
    SCOPED_TRACE(std::string(name) + " seed " + std::to_string(seed));
    FakeIpc::reset();
    Rng rng(seed);
    AnyHandler handler;
    auto loop = std::make_unique<Loop>();
    auto serve = [](Loop& l, Handle h, void* context, Buffer& message) {
        auto* handler = static_cast<AnyHandler*>(context);
        handler->received = &message;
        Dispatch::go(l, h, message, *handler);
        handler->received = nullptr;
    };
    auto [client, server_end] = FakeIpc::channel();
    ASSERT_TRUE(loop->watch(server_end, serve, &handler, nullptr));
    auto out = big_buffer();

    for (size_t op = 0; op < ops; op++) {
        SCOPED_TRACE("op " + std::to_string(op));
        Gen gen{rng, {}, {}};
        Message m;
        const Kind* kind = nullptr;
        if (rng.percent(15)) {
            m.bytes = random_bytes(rng, kinds);
            m.handles.resize(rng.below(4));
        } else {
            kind = &kinds[rng.below(kinds.size())];
            m = kind->make(gen);
            mutate(rng, m.bytes, rvos::kMaxMessageBytes);
            if (rng.percent(25)) {
                size_t n = m.handles.size();
                n = rng.percent(50) ? rng.below(rvos::kMaxMessageHandles + 1)
                                    : (n == 0 || rng.percent(50) ? n + 1 : n - 1);
                m.handles.resize(std::min(n, rvos::kMaxMessageHandles));
            }
        }
        // The handler's answer.
        const Error errors[] = {Error::NotFound, Error::TooLong, Error::BadArgument, Error::Busy, Error::BadMessage};
        unsigned roll = static_cast<unsigned>(rng.below(100));
        handler.status = roll < 55 ? Error::None : roll < 85 ? errors[rng.below(5)] : proto::kDeferred;
        handler.keep_request_handles = rng.percent(30);
        handler.fill_reply_handles = rng.percent(90);
        bool fail_send = rng.percent(8);

        // The client sends it (fresh handles); the server serves one message.
        load(*out, m.bytes, m.handles.size());
        ASSERT_EQ(FakeIpc::write(client, *out), Error::None);
        size_t calls = handler.calls, events = handler.events, answers = FakeIpc::s.writes_on[server_end];
        FakeIpc::s.write_error = fail_send ? Error::QueueFull : Error::None;
        loop->run_once();
        FakeIpc::s.write_error = Error::None;
        size_t called = handler.calls - calls, evented = handler.events - events;
        size_t answered = FakeIpc::s.writes_on[server_end] - answers;
        ASSERT_LE(called + evented, 1u);

        uint32_t ordinal = 0;
        if (m.bytes.size() >= 4) std::memcpy(&ordinal, m.bytes.data(), 4);
        const Kind* target = nullptr;
        for (const Kind& k : kinds)
            if (k.ordinal == ordinal && m.bytes.size() >= 4) target = &k;
        auto& queue = FakeIpc::pending(client);
        std::deque<Message> got(queue.begin(), queue.end());

        if (m.bytes.size() > Loop::kReceiveBytes) {
            seen.too_big++;  // dropped by the transport, still answered
            EXPECT_EQ(called + evented, 0u);
            EXPECT_EQ(answered, 1u);
        } else if (target && target->event) {
            EXPECT_EQ(answered, 0u) << "an event was answered";
            EXPECT_EQ(called, 0u);
            if (!evented) seen.dropped_events++;
            else seen.handled++;
        } else if (called && handler.status == proto::kDeferred) {
            seen.deferred++;
            EXPECT_EQ(answered, 0u) << "a deferred call was answered";
        } else {
            EXPECT_EQ(answered, 1u) << "ordinal " << ordinal << " was not answered exactly once";
        }
        if (fail_send && answered) {
            seen.failed_sends++;
            EXPECT_TRUE(got.empty());
            EXPECT_FALSE(loop->watching(server_end)) << "a client that cannot take its reply is dropped";
        }
        if (!got.empty()) {
            ASSERT_EQ(got.size(), 1u);
            ReplyHeader h = header_of(got.front());
            ASSERT_GE(h.length, proto::kReplyHeader);
            EXPECT_TRUE(rvos::is_error_code(h.status)) << h.status;
            if (m.bytes.size() > Loop::kReceiveBytes || m.bytes.size() < 4) {
                EXPECT_EQ(h.ordinal, kReplyBit);
                EXPECT_EQ(h.status, static_cast<int32_t>(Error::BadMessage));
            } else {
                EXPECT_EQ(h.ordinal, ordinal | kReplyBit);
            }
            if (!called) {
                // Not the handler's answer: BadMessage or Unsupported, a bare header.
                Error expected = target || m.bytes.size() < 4 || m.bytes.size() > Loop::kReceiveBytes ? Error::BadMessage : Error::Unsupported;
                // A known message whose string has a NUL inside is BadArgument.
                bool has_nul = m.bytes.size() > 4 && std::find(m.bytes.begin() + 4, m.bytes.end(), 0) != m.bytes.end();
                if (target && h.status == static_cast<int32_t>(Error::BadArgument) && has_nul)
                    expected = Error::BadArgument;
                EXPECT_EQ(h.status, static_cast<int32_t>(expected));
                EXPECT_EQ(h.length, proto::kReplyHeader);
                EXPECT_EQ(h.handles, 0u);
                if (expected == Error::Unsupported) seen.unsupported++;
                else seen.rejected++;
                FakeIpc::drain(client);
            } else {
                seen.handled++;
                Error expected = handler.status;
                if (expected == Error::None && target->reply_has_handles && !handler.fill_reply_handles)
                    expected = Error::TooLong;  // a reply handle left empty cannot be encoded
                EXPECT_EQ(target->receive(client), expected) << "the client stub read another answer";
            }
        }
        EXPECT_TRUE(queue.empty());

        for (Handle h : handler.kept) FakeIpc::close(h);
        handler.kept.clear();
        if (!loop->watching(server_end)) {  // dropped: reconnect
            FakeIpc::drain(client);
            FakeIpc::close(client);
            std::tie(client, server_end) = FakeIpc::channel();
            ASSERT_TRUE(loop->watch(server_end, serve, &handler, nullptr));
        }
        ASSERT_EQ(FakeIpc::s.live, (std::set<Handle>{client, server_end})) << "a handle leaked";
        for (const std::string& problem : handler.problems) ADD_FAILURE() << problem;
        for (const std::string& misuse : FakeIpc::s.misuse) ADD_FAILURE() << misuse;
        if (!handler.problems.empty() || !FakeIpc::s.misuse.empty()) return;
    }
    loop->drop(server_end);
    FakeIpc::drain(client);
    FakeIpc::close(client);
    EXPECT_TRUE(FakeIpc::s.live.empty());
}

#define CODEC_DISPATCH(ns)                                                       \
    struct ns##_dispatch {                                                       \
        template <typename Server>                                               \
        static void go(Server& s, Handle c, Buffer& in, AnyHandler& h) { ns::dispatch(s, c, in, h); } \
    };
CODEC_DISPATCH(console)
CODEC_DISPATCH(file)
CODEC_DISPATCH(fs)
CODEC_DISPATCH(init)
CODEC_DISPATCH(listen)
CODEC_DISPATCH(math)
CODEC_DISPATCH(sysinfo)
#undef CODEC_DISPATCH

TEST(RandomCodec, EveryDispatchSurvivesHostileMessagesAndLeaksNothing) {
    Outcomes seen;
    const size_t ops = random_support::scaled(1500);
    for (uint64_t seed : random_support::seeds(1, 8)) {
        run_protocol<console_dispatch, console::kMaxRequestBytes, console::kMaxReplyBytes>("console", console_kinds(), seed, ops, seen);
        run_protocol<file_dispatch, file::kMaxRequestBytes, file::kMaxReplyBytes>("file", file_kinds(), seed, ops, seen);
        run_protocol<fs_dispatch, fs::kMaxRequestBytes, fs::kMaxReplyBytes>("fs", fs_kinds(), seed, ops, seen);
        run_protocol<init_dispatch, init::kMaxRequestBytes, init::kMaxReplyBytes>("init", init_kinds(), seed, ops, seen);
        run_protocol<listen_dispatch, listen::kMaxRequestBytes, listen::kMaxReplyBytes>("listen", listen_kinds(), seed, ops, seen);
        run_protocol<math_dispatch, math::kMaxRequestBytes, math::kMaxReplyBytes>("math", math_kinds(), seed, ops, seen);
        run_protocol<sysinfo_dispatch, sysinfo::kMaxRequestBytes, sysinfo::kMaxReplyBytes>("sysinfo", sysinfo_kinds(), seed, ops, seen);
        if (HasFailure()) return;
    }
    if (std::getenv("RVOS_RANDOM_VERBOSE"))
        std::printf("codec: handled %zu, rejected %zu, unsupported %zu, dropped events %zu, too big %zu, deferred %zu, "
                    "failed sends %zu\n",
                    seen.handled, seen.rejected, seen.unsupported, seen.dropped_events, seen.too_big, seen.deferred,
                    seen.failed_sends);
    // Every outcome was exercised, so none of the checks above is vacuous.
    EXPECT_GT(seen.handled, 0u);
    EXPECT_GT(seen.rejected, 0u);
    EXPECT_GT(seen.unsupported, 0u);
    EXPECT_GT(seen.dropped_events, 0u);
    EXPECT_GT(seen.too_big, 0u);
    EXPECT_GT(seen.deferred, 0u);
    EXPECT_GT(seen.failed_sends, 0u);
}

}  // namespace
