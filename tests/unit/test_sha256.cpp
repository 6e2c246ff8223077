// SHA-256 (lib/base/sha256.cpp) against the FIPS 180-4 / NIST example
// digests, and fed in pieces of every size as in one piece.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/sha256.h"

namespace {

std::string hex_of(const std::string& data, size_t piece = 0) {
    struct sha256 s;
    sha256_init(&s);
    if (piece == 0) piece = data.size() ? data.size() : 1;
    for (size_t at = 0; at < data.size(); at += piece)
        sha256_update(&s, data.data() + at, std::min(piece, data.size() - at));
    unsigned char digest[32];
    sha256_final(&s, digest);
    char hex[65];
    sha256_hex(digest, hex);
    return hex;
}

TEST(Sha256, MatchesTheNistExampleDigests) {
    EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hex_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, GivesTheSameDigestWhateverPiecesTheDataComesIn) {
    std::string data;
    for (int i = 0; i < 300; i++) data.push_back(static_cast<char>(i * 37 + 11));
    const std::string whole = hex_of(data);
    for (size_t piece = 1; piece <= 130; piece++) EXPECT_EQ(hex_of(data, piece), whole) << "pieces of " << piece;
}

// The lengths where the padding and the 8-byte length just fit in the
// last block, just do not, or fill it (digests from Python's hashlib).
TEST(Sha256, PadsTheLengthsAroundTheBlockBoundary) {
    EXPECT_EQ(hex_of(std::string(55, 'x')), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
    EXPECT_EQ(hex_of(std::string(56, 'x')), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
    EXPECT_EQ(hex_of(std::string(63, 'x')), "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
    EXPECT_EQ(hex_of(std::string(64, 'x')), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
    EXPECT_EQ(hex_of(std::string(65, 'x')), "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9");
    EXPECT_EQ(hex_of(std::string(120, 'x')), "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98");
}

}  // namespace
