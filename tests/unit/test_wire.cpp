// The wire format: Writer/Reader round trips and the bounds they enforce.
#include <gtest/gtest.h>

#include <cstring>

#include "wire/wire.h"

using rvos::kMessagePayload;
using rvos::Message;
using wire::Reader;
using wire::Writer;

namespace {

// A message followed by guard bytes, to catch writes past the payload.
struct Guarded {
    Message message;
    uint8_t guard[32];
};

Message dirty_message() {
    Message m;
    std::memset(&m, 0xEE, sizeof m);
    return m;
}

TEST(Wire, WriterStartsWithTagAndClearsCapAndReserved) {
    Message m = dirty_message();
    Writer w(m, 0xA1B2C3D4);
    EXPECT_TRUE(w.ok());
    EXPECT_EQ(m.len, 4u);
    EXPECT_EQ(m.cap, rvos::kNoHandle);
    EXPECT_EQ(m.reserved, 0u);
    EXPECT_EQ(w.remaining(), kMessagePayload - 4);
    // Little-endian on the wire.
    EXPECT_EQ(m.data[0], 0xD4);
    EXPECT_EQ(m.data[3], 0xA1);
}

TEST(Wire, AllFieldTypesRoundTrip) {
    Message m = dirty_message();
    Writer w(m, 42);
    w.put_u8(0xFE).put_u16(0xBEEF).put_u32(0xDEADBEEF).put_u64(0x0123456789ABCDEFull).put_i32(-123456);
    w.put_str("hello").put_str("");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(m.len, 4u + 1 + 2 + 4 + 8 + 4 + (1 + 5) + 1);

    Reader r(m);
    EXPECT_EQ(r.tag(), 42u);
    EXPECT_EQ(r.get_u8(), 0xFE);
    EXPECT_EQ(r.get_u16(), 0xBEEF);
    EXPECT_EQ(r.get_u32(), 0xDEADBEEFu);
    EXPECT_EQ(r.get_u64(), 0x0123456789ABCDEFull);
    EXPECT_EQ(r.get_i32(), -123456);
    char s[16];
    ASSERT_TRUE(r.get_str(s, sizeof s));
    EXPECT_STREQ(s, "hello");
    ASSERT_TRUE(r.get_str(s, sizeof s));
    EXPECT_STREQ(s, "");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.rest_length(), 0u);
}

TEST(Wire, ExtremeIntegerValuesRoundTrip) {
    Message m;
    Writer(m, 0).put_u64(UINT64_MAX).put_i32(INT32_MIN).put_i32(INT32_MAX).put_u32(0);
    Reader r(m);
    r.tag();
    EXPECT_EQ(r.get_u64(), UINT64_MAX);
    EXPECT_EQ(r.get_i32(), INT32_MIN);
    EXPECT_EQ(r.get_i32(), INT32_MAX);
    EXPECT_EQ(r.get_u32(), 0u);
    EXPECT_TRUE(r.ok());
}

TEST(Wire, PutBytesAndRestExposeRawPayload) {
    Message m;
    const uint8_t raw[] = {1, 2, 3, 4, 5};
    Writer(m, 7).put_bytes(raw, sizeof raw);
    Reader r(m);
    EXPECT_EQ(r.tag(), 7u);
    ASSERT_EQ(r.rest_length(), sizeof raw);
    EXPECT_EQ(std::memcmp(r.rest(), raw, sizeof raw), 0);
}

TEST(Wire, WriterFillsPayloadExactly) {
    Message m;
    Writer w(m, 1);
    for (size_t i = 0; i < (kMessagePayload - 4) / 4; i++) w.put_u32(static_cast<uint32_t>(i));
    EXPECT_TRUE(w.ok());
    EXPECT_EQ(w.remaining(), 0u);
    EXPECT_EQ(m.len, kMessagePayload);
}

TEST(Wire, WriterOverflowFailsAndNeverWritesPastPayload) {
    Guarded g;
    std::memset(&g, 0x77, sizeof g);
    Writer w(g.message, 1);
    for (int i = 0; i < 7; i++) w.put_u64(0x1111111111111111ull * static_cast<uint64_t>(i));  // 4 + 56 = 60
    ASSERT_TRUE(w.ok());
    w.put_u64(0xFFFFFFFFFFFFFFFFull);  // 8 more do not fit in the last 4
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(g.message.len, 60u);
    for (uint8_t byte : g.guard) ASSERT_EQ(byte, 0x77);
    for (size_t i = 60; i < kMessagePayload; i++) EXPECT_EQ(g.message.data[i], 0x77) << i;
}

TEST(Wire, WriterStaysFailedEvenIfLaterFieldsWouldFit) {
    Message m;
    Writer w(m, 1);
    static const uint8_t big[kMessagePayload] = {};
    w.put_bytes(big, sizeof big);  // 64 bytes cannot follow the 4-byte tag
    EXPECT_FALSE(w.ok());
    w.put_u8(1);
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(m.len, 4u);
}

TEST(Wire, StringTooLongForPayloadFailsWithoutOverrun) {
    Guarded g;
    std::memset(&g, 0x77, sizeof g);
    char text[100];
    std::memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = 0;
    Writer w(g.message, 1);
    w.put_str(text);
    EXPECT_FALSE(w.ok());
    EXPECT_LE(g.message.len, kMessagePayload);
    for (uint8_t byte : g.guard) ASSERT_EQ(byte, 0x77);
}

TEST(Wire, StringLongerThan255IsRefused) {
    Message m;
    static char text[300];
    Writer w(m, 1);
    w.put_str(text, sizeof text);
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(m.len, 4u);
}

TEST(Wire, ReaderPastLenFails) {
    Message m;
    Writer(m, 9).put_u16(5);
    Reader r(m);
    EXPECT_EQ(r.tag(), 9u);
    EXPECT_EQ(r.get_u32(), 0u);  // only 2 bytes left
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.get_u8(), 0u);  // and it stays failed
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.rest_length(), 0u);
}

TEST(Wire, ReaderIgnoresStaleBytesBeyondLen) {
    Message m;
    std::memset(m.data, 0x55, sizeof m.data);
    Writer(m, 3);
    Reader r(m);
    r.tag();
    EXPECT_EQ(r.get_u8(), 0u);
    EXPECT_FALSE(r.ok());
}

TEST(Wire, GetStrIntoTooSmallBufferFails) {
    Message m;
    Writer(m, 1).put_str("hello");
    Reader r(m);
    r.tag();
    char s[5] = {'x', 'x', 'x', 'x', 'x'};  // needs 6 with the NUL
    EXPECT_FALSE(r.get_str(s, sizeof s));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(s[0], 0);  // left as an empty string
}

TEST(Wire, GetStrIntoExactlyFittingBufferSucceeds) {
    Message m;
    Writer(m, 1).put_str("hello");
    Reader r(m);
    r.tag();
    char s[6];
    EXPECT_TRUE(r.get_str(s, sizeof s));
    EXPECT_STREQ(s, "hello");
}

TEST(Wire, GetStrWithZeroSizeBufferFailsWithoutWriting) {
    Message m;
    Writer(m, 1).put_str("");
    Reader r(m);
    r.tag();
    char s = 'z';
    EXPECT_FALSE(r.get_str(&s, 0));
    EXPECT_EQ(s, 'z');
}

TEST(Wire, GetStrWhoseLengthRunsPastLenFails) {
    Message m;
    Writer(m, 1).put_u8(50).put_bytes("abc", 3);  // claims 50 bytes, has 3
    Reader r(m);
    r.tag();
    char s[64];
    EXPECT_FALSE(r.get_str(s, sizeof s));
    EXPECT_FALSE(r.ok());
}

TEST(Wire, MessageWithLenOverPayloadIsRejectedByReader) {
    Message m;
    Writer(m, 1).put_u32(2);
    for (uint32_t len : {uint32_t{kMessagePayload + 1}, uint32_t{1000}, uint32_t{UINT32_MAX}}) {
        m.len = len;
        Reader r(m);
        EXPECT_FALSE(r.ok()) << len;
        EXPECT_EQ(r.tag(), 0u);
        EXPECT_EQ(r.rest_length(), 0u);
    }
}

TEST(Wire, MessageWithLenExactlyPayloadIsAccepted) {
    Message m;
    std::memset(m.data, 0, sizeof m.data);
    m.len = kMessagePayload;
    Reader r(m);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.rest_length(), kMessagePayload);
}

}  // namespace
