// The generic server loop (lib/service/server_loop.h) over the fake
// transport: a reply the message budgets cannot take is answered with that
// error, and the client keeps its connection; a client that cannot take
// even a status (it does not read, or it is gone) is dropped.
#include <gtest/gtest.h>

#include <memory>

#include "codec_support.h"
#include "service/server_loop.h"

namespace {

using namespace codec_test;
using Loop = service::ServerLoop<FakeIpc, math::kMaxRequestBytes, math::kMaxReplyBytes>;

struct Adder {
    Error add(Handle, const math::AddRequest& r, math::AddReply& out) {
        out.result = r.a + r.b;
        return Error::None;
    }
    Error sub(Handle, const math::SubRequest&, math::SubReply&) { return Error::Unsupported; }
    Error mul(Handle, const math::MulRequest&, math::MulReply&) { return Error::Unsupported; }
};

void serve_math(Loop& loop, Handle client, void*, Buffer& message) {
    Adder adder;
    math::dispatch(loop, client, message, adder);
}

class ServerLoopTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::tie(client, server_end) = FakeIpc::fresh_channel();
        ASSERT_TRUE(loop->watch(server_end, serve_math, nullptr, nullptr));
        FakeIpc::s.limited = server_end;  // what the server sends
    }
    void TearDown() override {
        FakeIpc::s.long_write_error = Error::None;
        FakeIpc::drain(client);
        FakeIpc::close(client);
        if (loop->watching(server_end)) loop->drop(server_end);
        for (const std::string& m : FakeIpc::s.misuse) ADD_FAILURE() << "transport misuse: " << m;
        EXPECT_TRUE(FakeIpc::s.live.empty());
    }
    // Sends add(2, 3) and lets the loop serve it; the reply's header.
    ReplyHeader ask() {
        EXPECT_EQ(math::add_send<FakeIpc>(client, {2, 3}), Error::None);
        loop->run_once();
        auto& pending = FakeIpc::pending(client);
        EXPECT_EQ(pending.size(), 1u);
        ReplyHeader header = pending.empty() ? ReplyHeader{} : header_of(pending.front());
        FakeIpc::drain(client);
        return header;
    }
    std::unique_ptr<Loop> loop = std::make_unique<Loop>();
    Handle client = kNoHandle;
    Handle server_end = kNoHandle;
};

TEST_F(ServerLoopTest, AReplyTheBudgetCannotTakeIsAnsweredWithTheErrorAndTheClientStays) {
    for (Error error : {Error::NoMemory, Error::QuotaExceeded}) {
        FakeIpc::s.long_write_error = error;
        FakeIpc::s.long_write = proto::kReplyHeader;  // only a status fits
        ReplyHeader got = ask();
        EXPECT_EQ(got.ordinal, math::AddReply::kOrdinal | proto::kReplyBit);
        EXPECT_EQ(got.status, static_cast<int32_t>(error));
        EXPECT_EQ(got.length, proto::kReplyHeader);
        EXPECT_TRUE(loop->watching(server_end)) << "the client keeps its connection";
        // Once the budget has room, the same connection answers in full.
        FakeIpc::s.long_write_error = Error::None;
        got = ask();
        EXPECT_EQ(got.status, 0);
        EXPECT_GT(got.length, proto::kReplyHeader);
    }
}

TEST_F(ServerLoopTest, AClientThatCannotTakeEvenAStatusIsDropped) {
    FakeIpc::s.long_write_error = Error::QueueFull;  // it does not read
    FakeIpc::s.long_write = 0;
    EXPECT_EQ(math::add_send<FakeIpc>(client, {2, 3}), Error::None);
    loop->run_once();
    EXPECT_FALSE(loop->watching(server_end));
    EXPECT_FALSE(FakeIpc::is_live(server_end));
}

}  // namespace
