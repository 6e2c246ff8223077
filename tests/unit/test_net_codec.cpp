// The network protocols' messages (lib/proto/netdev.proto, net.proto) on
// the wire: a batch of frames at its bound and a full socket chunk round
// trip byte for byte, and one byte past either, a truncated message or a
// poll list past its bound is refused (TooLong to send, BadMessage to
// receive) rather than cut short; batches of frames (lib/proto/frames.h)
// give back exactly the frames put in, and a malformed one stops reading.
#include <gtest/gtest.h>

#include <vector>

#include "proto/frames.h"
#include "proto/net.h"
#include "proto/netdev.h"

namespace {

namespace proto = rvos::proto;
namespace netdev = rvos::proto::netdev;
namespace net = rvos::proto::net;
using rvos::Error;

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(i * 13 + 5);  // NULs included
    return v;
}

template <typename Message> struct Wire {
    proto::InlineBuffer<proto::kRequestHeader + Message::kMaxBytes + 64> buffer;
    // Encodes `m` after its ordinal; the encoder's verdict.
    Error encode(const Message& m) {
        proto::Encoder e(buffer);
        e.u32(Message::kOrdinal);
        proto::net::encode(e, m);
        return e.ok() ? Error::None : e.error();
    }
    // Decodes what is in the buffer; whether it decoded whole.
    bool decode(Message& m) {
        proto::Decoder d(buffer);
        uint32_t ordinal = 0;
        d.u32(ordinal);
        proto::net::decode(d, m);
        return ordinal == Message::kOrdinal && d.finish();
    }
};

// netdev's types live in their own namespace: the same helpers for them.
template <typename Message> struct DevWire {
    proto::InlineBuffer<proto::kRequestHeader + Message::kMaxBytes + 64> buffer;
    Error encode(const Message& m) {
        proto::Encoder e(buffer);
        e.u32(Message::kOrdinal);
        netdev::encode(e, m);
        return e.ok() ? Error::None : e.error();
    }
    bool decode(Message& m) {
        proto::Decoder d(buffer);
        uint32_t ordinal = 0;
        d.u32(ordinal);
        netdev::decode(d, m);
        return ordinal == Message::kOrdinal && d.finish();
    }
};

TEST(NetCodec, ABatchAtItsBoundRoundTripsByteForByte) {
    auto frames = pattern(proto::kNetMaxBatch);
    DevWire<netdev::Transmit> w;
    ASSERT_EQ(w.encode({proto::Bytes(frames.data(), frames.size())}), Error::None);
    netdev::Transmit got;
    ASSERT_TRUE(w.decode(got));
    ASSERT_EQ(got.frames.length, frames.size());
    EXPECT_EQ(std::vector<uint8_t>(got.frames.data, got.frames.data + got.frames.length), frames);
}

TEST(NetCodec, ABatchOneBytePastItsBoundIsRefusedBothWays) {
    auto frames = pattern(proto::kNetMaxBatch + 1);
    DevWire<netdev::Received> w;
    EXPECT_EQ(w.encode({proto::Bytes(frames.data(), frames.size())}), Error::TooLong);
    // Hand-built: the length says one past the bound and the bytes are there.
    uint32_t header[2] = {netdev::Received::kOrdinal, static_cast<uint32_t>(frames.size())};
    memcpy(w.buffer.data, header, sizeof header);
    memcpy(w.buffer.data + sizeof header, frames.data(), frames.size());
    w.buffer.length = sizeof header + frames.size();
    netdev::Received got;
    EXPECT_FALSE(w.decode(got));
}

TEST(NetCodec, ATruncatedBatchMessageIsRefused) {
    auto frames = pattern(100);
    DevWire<netdev::Received> w;
    ASSERT_EQ(w.encode({proto::Bytes(frames.data(), frames.size())}), Error::None);
    for (size_t cut = 1; cut < w.buffer.length; cut += 7) {
        size_t full = w.buffer.length;
        w.buffer.length = full - cut;
        netdev::Received got;
        EXPECT_FALSE(w.decode(got)) << "cut " << cut;
        w.buffer.length = full;
    }
}

TEST(FrameBatch, GivesBackExactlyTheFramesPutInUpToItsCapacity) {
    std::vector<uint8_t> storage(proto::kNetMaxBatch);
    proto::FrameBatchWriter writer(storage.data(), storage.size());
    std::vector<std::vector<uint8_t>> put;
    for (size_t n = 14;; n = n * 7 % proto::kNetMaxFrame + 14) {
        auto frame = pattern(n);
        if (!writer.fits(n)) {
            EXPECT_FALSE(writer.add(frame.data(), n)) << "a frame past the capacity is refused";
            break;
        }
        ASSERT_TRUE(writer.add(frame.data(), n));
        put.push_back(frame);
    }
    EXPECT_EQ(writer.count(), put.size());
    EXPECT_GT(put.size(), 20u);
    proto::FrameBatchReader reader(writer.data(), writer.size());
    const uint8_t* data = nullptr;
    size_t length = 0;
    for (const auto& frame : put) {
        ASSERT_TRUE(reader.next(data, length));
        EXPECT_EQ(std::vector<uint8_t>(data, data + length), frame);
    }
    EXPECT_FALSE(reader.next(data, length));
    EXPECT_FALSE(reader.broken());
    std::vector<uint8_t> frame = pattern(1);
    EXPECT_FALSE(writer.add(frame.data(), 0)) << "an empty frame is refused";
}

TEST(FrameBatch, AMalformedBatchStopsAtTheFirstBadLengthAndSaysSo) {
    // A good frame, then a length past the end.
    std::vector<uint8_t> bytes = {3, 0, 'a', 'b', 'c', 200, 0, 'x'};
    proto::FrameBatchReader reader(bytes.data(), bytes.size());
    const uint8_t* data = nullptr;
    size_t length = 0;
    ASSERT_TRUE(reader.next(data, length));
    EXPECT_EQ(length, 3u);
    EXPECT_FALSE(reader.next(data, length));
    EXPECT_TRUE(reader.broken());
    EXPECT_FALSE(reader.next(data, length)) << "nothing more is read after a break";
    for (auto bad : {std::vector<uint8_t>{0, 0}, std::vector<uint8_t>{1}, std::vector<uint8_t>{2, 0, 'a'}}) {
        proto::FrameBatchReader r(bad.data(), bad.size());
        EXPECT_FALSE(r.next(data, length));
        EXPECT_TRUE(r.broken());
    }
}

TEST(NetCodec, ASendOfAFullChunkRoundTripsAndOneMoreByteIsTooLong) {
    auto data = pattern(proto::kNetMaxChunk);
    Wire<net::SendRequest> w;
    net::SendRequest r;
    r.socket = 7;
    r.to = true;
    r.ip = 0x0a000202;
    r.port = 8080;
    r.data = proto::Bytes(data.data(), data.size());
    ASSERT_EQ(w.encode(r), Error::None);
    net::SendRequest got;
    ASSERT_TRUE(w.decode(got));
    EXPECT_EQ(got.socket, 7u);
    EXPECT_TRUE(got.to);
    EXPECT_EQ(got.ip, 0x0a000202u);
    EXPECT_EQ(got.port, 8080);
    EXPECT_EQ(std::vector<uint8_t>(got.data.data, got.data.data + got.data.length), data);
    auto more = pattern(proto::kNetMaxChunk + 1);
    r.data = proto::Bytes(more.data(), more.size());
    Wire<net::SendRequest> w2;
    EXPECT_EQ(w2.encode(r), Error::TooLong);
}

TEST(NetCodec, APollListRoundTripsAtItsBoundAndIsRefusedPastIt) {
    net::PollRequest r;
    for (uint32_t i = 0; i < proto::kNetMaxPoll; i++) {
        r.sockets[i] = i * 3;
        r.events[i] = static_cast<uint16_t>(i & 5);
    }
    r.sockets_count = r.events_count = proto::kNetMaxPoll;
    r.timeout_ms = -1;
    Wire<net::PollRequest> w;
    ASSERT_EQ(w.encode(r), Error::None);
    net::PollRequest got;
    ASSERT_TRUE(w.decode(got));
    EXPECT_EQ(got.sockets_count, proto::kNetMaxPoll);
    EXPECT_EQ(got.sockets[proto::kNetMaxPoll - 1], (proto::kNetMaxPoll - 1) * 3);
    EXPECT_EQ(got.timeout_ms, -1);
    // A count one past the bound, written by hand after the ordinal.
    uint32_t past = proto::kNetMaxPoll + 1;
    memcpy(w.buffer.data + 4, &past, 4);
    EXPECT_FALSE(w.decode(got));
}

}  // namespace
