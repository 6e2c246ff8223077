// format_to (the freestanding printf) and the string helpers.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/format.h"
#include "base/string.h"

using base::format_to;

namespace {

// format_to into a roomy buffer, as a std::string.
template <typename... Args>
std::string fmt(const char* f, Args... args) {
    char buffer[256];
    size_t n = format_to(buffer, sizeof buffer, f, args...);
    EXPECT_EQ(n, std::char_traits<char>::length(buffer));
    return std::string(buffer, n);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

TEST(Format, PlainTextAndPercentEscape) {
    EXPECT_EQ(fmt("hello"), "hello");
    EXPECT_EQ(fmt(""), "");
    EXPECT_EQ(fmt("100%%"), "100%");
    EXPECT_EQ(fmt("%%d"), "%d");
}

TEST(Format, StringsAndChars) {
    EXPECT_EQ(fmt("[%s]", "abc"), "[abc]");
    EXPECT_EQ(fmt("[%s]", ""), "[]");
    EXPECT_EQ(fmt("[%s]", static_cast<const char*>(nullptr)), "[(null)]");
    EXPECT_EQ(fmt("%c%c%c", 'a', 'b', 'c'), "abc");
}

TEST(Format, SignedDecimal) {
    EXPECT_EQ(fmt("%d", 0), "0");
    EXPECT_EQ(fmt("%d", 42), "42");
    EXPECT_EQ(fmt("%d", -42), "-42");
    EXPECT_EQ(fmt("%d", INT_MAX), "2147483647");
    EXPECT_EQ(fmt("%d", INT_MIN), "-2147483648");
}

TEST(Format, LongSignedDecimalIncludingInt64Min) {
    EXPECT_EQ(fmt("%ld", 5000000000L), "5000000000");
    EXPECT_EQ(fmt("%ld", -5000000000L), "-5000000000");
    EXPECT_EQ(fmt("%ld", static_cast<long>(INT64_MAX)), "9223372036854775807");
    EXPECT_EQ(fmt("%ld", static_cast<long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(INT64_MIN)), "-9223372036854775808");
}

TEST(Format, UnsignedDecimalAndHex) {
    EXPECT_EQ(fmt("%u", 0u), "0");
    EXPECT_EQ(fmt("%u", UINT_MAX), "4294967295");
    EXPECT_EQ(fmt("%x", 0xdeadbeefu), "deadbeef");
    EXPECT_EQ(fmt("%x", 0u), "0");
    EXPECT_EQ(fmt("%lu", static_cast<unsigned long>(UINT64_MAX)), "18446744073709551615");
    EXPECT_EQ(fmt("%lx", 0x123456789abcdefUL), "123456789abcdef");
    EXPECT_EQ(fmt("%zu", static_cast<size_t>(12345)), "12345");
}

TEST(Format, IntArgumentsAreNotSignExtendedForUnsignedConversions) {
    EXPECT_EQ(fmt("%x", -1), "ffffffff");
    EXPECT_EQ(fmt("%u", -1), "4294967295");
}

TEST(Format, Pointers) {
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x80001000)), "0x80001000");
    EXPECT_EQ(fmt("%p", static_cast<void*>(nullptr)), "0x0");
}

TEST(Format, WidthPadsOnTheLeftWithSpaces) {
    EXPECT_EQ(fmt("[%5d]", 42), "[   42]");
    EXPECT_EQ(fmt("[%5s]", "ab"), "[   ab]");
    EXPECT_EQ(fmt("[%3c]", 'x'), "[  x]");
    EXPECT_EQ(fmt("[%5d]", -42), "[  -42]");
    EXPECT_EQ(fmt("[%2d]", 12345), "[12345]");  // never truncates a field
}

TEST(Format, ZeroPad) {
    EXPECT_EQ(fmt("%08x", 0xbeefu), "0000beef");
    EXPECT_EQ(fmt("%05u", 42u), "00042");
    EXPECT_EQ(fmt("%016lx", 0x1234UL), "0000000000001234");
    EXPECT_EQ(fmt("%03d", 7), "007");
}

TEST(Format, ZeroPadPutsTheSignFirst) {
    EXPECT_EQ(fmt("%05d", -42), "-0042");
    EXPECT_EQ(fmt("%04ld", -1L), "-001");
}

TEST(Format, LeftAlignPadsOnTheRightWithSpaces) {
    EXPECT_EQ(fmt("[%-5d]", 42), "[42   ]");
    EXPECT_EQ(fmt("[%-6s]", "ab"), "[ab    ]");
    EXPECT_EQ(fmt("[%-5d]", -42), "[-42  ]");
    EXPECT_EQ(fmt("[%-05d]", 42), "[42   ]");  // '-' wins over '0'
}

TEST(Format, MixedConversionsInOneString) {
    EXPECT_EQ(fmt("pid %u: %s exited with %d (%c) at %p %%", 3u, "init", -1, 'k', reinterpret_cast<void*>(0x10)),
              "pid 3: init exited with -1 (k) at 0x10 %");
}

TEST(Format, UnknownConversionIsMarked) {
    EXPECT_EQ(fmt("a%qb"), "a%?b");
    EXPECT_EQ(fmt("end%"), "end%?");
}

TEST(Format, TruncatesToBufferSizeAndAlwaysTerminates) {
    char buffer[8];
    std::memset(buffer, 'X', sizeof buffer);
    size_t n = format_to(buffer, sizeof buffer, "%s-%d", "abcdef", 12345);
    EXPECT_EQ(n, 7u);
    EXPECT_STREQ(buffer, "abcdef-");
}

TEST(Format, TruncationInsidePaddingAndNumbers) {
    char buffer[4];
    EXPECT_EQ(format_to(buffer, sizeof buffer, "%10d", 1), 3u);
    EXPECT_STREQ(buffer, "   ");
    EXPECT_EQ(format_to(buffer, sizeof buffer, "%lu", 123456789UL), 3u);
    EXPECT_STREQ(buffer, "123");
}

TEST(Format, BufferOfOneHoldsOnlyTheTerminator) {
    char buffer[1] = {'X'};
    EXPECT_EQ(format_to(buffer, sizeof buffer, "abc"), 0u);
    EXPECT_EQ(buffer[0], 0);
}

TEST(Format, BufferOfZeroIsNeverTouched) {
    char buffer[1] = {'X'};
    EXPECT_EQ(format_to(buffer, 0, "abc%d", 1), 0u);
    EXPECT_EQ(buffer[0], 'X');
}

class CollectingSink final : public base::FormatSink {
public:
    void put(const char* text, size_t length) override { out.append(text, length); }
    std::string out;
};

TEST(Format, FormatWritesToAnySinkWithoutLimit) {
    CollectingSink sink;
    std::string expected;
    for (int i = 0; i < 100; i++) expected += "0123456789";
    base::format(sink, "%s|%d", expected.c_str(), 7);
    EXPECT_EQ(sink.out, expected + "|7");
}

#pragma GCC diagnostic pop

// ---- String helpers -------------------------------------------------------------

TEST(ParseU32, AcceptsZeroAndMaximum) {
    uint32_t v = 1;
    ASSERT_TRUE(base::parse_u32("0", &v));
    EXPECT_EQ(v, 0u);
    ASSERT_TRUE(base::parse_u32("4294967295", &v));
    EXPECT_EQ(v, 4294967295u);
    ASSERT_TRUE(base::parse_u32("0004294967295", &v));
    EXPECT_EQ(v, 4294967295u);
    ASSERT_TRUE(base::parse_u32("123", &v));
    EXPECT_EQ(v, 123u);
}

TEST(ParseU32, RejectsOverflowEmptyJunkAndSignsWithoutWriting) {
    for (const char* bad : {"4294967296", "99999999999999999999999", "", "12a", "a12", "-1", "+1", " 1", "1 ",
                            "0x10"}) {
        uint32_t v = 777;
        EXPECT_FALSE(base::parse_u32(bad, &v)) << '"' << bad << '"';
        EXPECT_EQ(v, 777u) << '"' << bad << '"';
    }
}

TEST(NextWord, SplitsOnAnyWhitespaceAndAdvancesTheCursor) {
    const char* line = "  spawn\tshell  \r\n 42 ";
    const char* cursor = line;
    base::Word w = base::next_word(&cursor);
    EXPECT_TRUE(base::word_is(w, "spawn"));
    EXPECT_EQ(w.start, line + 2);
    EXPECT_EQ(w.length, 5u);
    EXPECT_TRUE(base::word_is(base::next_word(&cursor), "shell"));
    EXPECT_TRUE(base::word_is(base::next_word(&cursor), "42"));
    w = base::next_word(&cursor);
    EXPECT_EQ(w.length, 0u);
    EXPECT_EQ(*cursor, '\0');
    EXPECT_EQ(base::next_word(&cursor).length, 0u);  // stays at the end
}

TEST(NextWord, EmptyAndBlankLinesHaveNoWords) {
    for (const char* line : {"", "   ", "\t\r\n"}) {
        const char* cursor = line;
        EXPECT_EQ(base::next_word(&cursor).length, 0u);
    }
}

TEST(WordIs, ComparesWholeWordsOnly) {
    const char* line = "echo";
    const char* cursor = line;
    base::Word w = base::next_word(&cursor);
    EXPECT_TRUE(base::word_is(w, "echo"));
    EXPECT_FALSE(base::word_is(w, "ech"));
    EXPECT_FALSE(base::word_is(w, "echoes"));
    EXPECT_FALSE(base::word_is(w, "ECHO"));
    EXPECT_FALSE(base::word_is(w, ""));
    EXPECT_TRUE(base::word_is(base::Word{line, 0}, ""));
}

TEST(StringHelpers, LengthEqualityAndPrefix) {
    EXPECT_EQ(base::str_length(""), 0u);
    EXPECT_EQ(base::str_length("abc"), 3u);
    EXPECT_EQ(base::str_length_bounded("abcdef", 4), 4u);
    EXPECT_EQ(base::str_length_bounded("ab", 4), 2u);
    EXPECT_TRUE(base::str_equal("abc", "abc"));
    EXPECT_FALSE(base::str_equal("abc", "abd"));
    EXPECT_FALSE(base::str_equal("abc", "ab"));
    EXPECT_FALSE(base::str_equal("ab", "abc"));
    EXPECT_TRUE(base::str_starts_with("/bin/sh", "/bin/"));
    EXPECT_TRUE(base::str_starts_with("abc", ""));
    EXPECT_FALSE(base::str_starts_with("/bi", "/bin/"));
}

TEST(StringHelpers, StrCopyTruncatesAndAlwaysTerminates) {
    char buffer[4] = {'X', 'X', 'X', 'X'};
    base::str_copy(buffer, "abcdef", sizeof buffer);
    EXPECT_STREQ(buffer, "abc");
    base::str_copy(buffer, "z", sizeof buffer);
    EXPECT_STREQ(buffer, "z");
    char untouched = 'Q';
    base::str_copy(&untouched, "abc", 0);
    EXPECT_EQ(untouched, 'Q');
}

// Every pair of source and destination alignments, lengths across the
// word loops' edges, each buffer exactly as long as the copy (ASan sees a
// read or write past either end): every byte arrives, none around it moves.
TEST(StringHelpers, MemCopyCopiesEveryByteBetweenAnyTwoAlignments) {
    for (size_t from = 0; from < 8; from++) {
        for (size_t to = 0; to < 8; to++) {
            for (size_t n : {0, 1, 7, 8, 15, 16, 31, 32, 33, 39, 40, 41, 63, 64, 65, 100, 1023, 1500}) {
                std::vector<uint8_t> src_buffer(from + n), dst_buffer(to + n + 1, 0xEE);
                for (size_t i = 0; i < n; i++) src_buffer[from + i] = static_cast<uint8_t>(i * 13 + from + 1);
                uint8_t* src = src_buffer.data() + from;
                uint8_t* dst = dst_buffer.data() + to;
                base::mem_copy(dst, src, n);
                for (size_t i = 0; i < to; i++) ASSERT_EQ(dst_buffer[i], 0xEE) << "wrote before the destination";
                for (size_t i = 0; i < n; i++)
                    ASSERT_EQ(dst[i], src[i]) << "byte " << i << " of " << n << ", from " << from << " to " << to;
                ASSERT_EQ(dst[n], 0xEE) << "wrote past n";
            }
        }
    }
}

TEST(StringHelpers, MemCopySetAndEqualAtAnyAlignment) {
    alignas(8) uint8_t src[40];
    alignas(8) uint8_t dst[40];
    for (size_t i = 0; i < sizeof src; i++) src[i] = static_cast<uint8_t>(i * 7 + 1);
    for (size_t offset : {0, 1, 3, 8}) {
        for (size_t n : {0, 1, 7, 8, 9, 31}) {
            std::memset(dst, 0, sizeof dst);
            base::mem_copy(dst + offset, src + offset, n);
            EXPECT_TRUE(base::mem_equal(dst + offset, src + offset, n));
            EXPECT_EQ(dst[offset + n], 0) << "copied past n";
            base::mem_set(dst + offset, 0xA5, n);
            for (size_t i = 0; i < n; i++) ASSERT_EQ(dst[offset + i], 0xA5);
            EXPECT_EQ(dst[offset + n], 0) << "set past n";
        }
    }
    EXPECT_FALSE(base::mem_equal("abc", "abd", 3));
    EXPECT_TRUE(base::mem_equal("abc", "abd", 2));
}

}  // namespace
