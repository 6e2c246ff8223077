// base::split_command: the words system() starts a program with, split as
// a POSIX shell splits a simple command, and the shell syntax it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/command.h"

namespace {

using rvos::Error;

// The words, or the error as "<error N>".
std::vector<std::string> split(const char* line, size_t storage_size = 256, size_t max_words = 16) {
    char storage[256];
    char* words[17];
    auto result = base::split_command(line, storage, storage_size, words, max_words);
    if (result.is_error()) return {"<error " + std::to_string(static_cast<int>(result.error())) + ">"};
    std::vector<std::string> out;
    for (size_t i = 0; i < result.value(); i++) out.push_back(words[i]);
    EXPECT_EQ(words[result.value()], nullptr);
    return out;
}

std::vector<std::string> error(Error e) { return {"<error " + std::to_string(static_cast<int>(e)) + ">"}; }

using Words = std::vector<std::string>;

TEST(SplitCommand, BlanksSeparateWords) {
    EXPECT_EQ(split("lua  script.lua\t3\n"), (Words{"lua", "script.lua", "3"}));
    EXPECT_EQ(split(""), Words{});
    EXPECT_EQ(split("   "), Words{});
}

TEST(SplitCommand, QuotesAndBackslashesKeepTheirText) {
    EXPECT_EQ(split("echo 'a b' \"c d\" e\\ f"), (Words{"echo", "a b", "c d", "e f"}));
    EXPECT_EQ(split("x 'it''s' \"say \\\"hi\\\"\""), (Words{"x", "its", "say \"hi\""}));
    EXPECT_EQ(split("x '$HOME|;' \"\\$x\" \\$y"), (Words{"x", "$HOME|;", "$x", "$y"}));
    EXPECT_EQ(split("x \"a\\b\""), (Words{"x", "a\\b"}));  // a backslash before other bytes stays
    EXPECT_EQ(split("x '' \"\""), (Words{"x", "", ""}));
    EXPECT_EQ(split("lua -e \"print(1+1)\""), (Words{"lua", "-e", "print(1+1)"}));
}

TEST(SplitCommand, HashStartsACommentOnlyAtAWord) {
    EXPECT_EQ(split("a b#c # d e"), (Words{"a", "b#c"}));
}

TEST(SplitCommand, UnterminatedQuotesAreBadArguments) {
    EXPECT_EQ(split("x 'abc"), error(Error::BadArgument));
    EXPECT_EQ(split("x \"abc"), error(Error::BadArgument));
    EXPECT_EQ(split("x abc\\"), error(Error::BadArgument));
}

TEST(SplitCommand, ShellSyntaxIsRefusedNotRunWrongly) {
    for (const char* line : {"a | b", "a > f", "a < f", "a; b", "a && b", "a &", "(a)", "echo $HOME",
                             "echo `date`", "echo \"$HOME\"", "X=1 prog", "_x9=1"})
        EXPECT_EQ(split(line), error(Error::Unsupported)) << line;
    // Not assignments: a quoted name, a digit first, '=' later in a word.
    EXPECT_EQ(split("'X'=1"), Words{"X=1"});
    EXPECT_EQ(split("9x=1"), Words{"9x=1"});
    EXPECT_EQ(split("prog X=1"), (Words{"prog", "X=1"}));
}

TEST(SplitCommand, TooManyWordsOrBytesAreTooLong) {
    EXPECT_EQ(split("a b c", 256, 3), (Words{"a", "b", "c"}));
    EXPECT_EQ(split("a b c d", 256, 3), error(Error::TooLong));
    EXPECT_EQ(split("abc de", 7), (Words{"abc", "de"}));
    EXPECT_EQ(split("abc def", 7), error(Error::TooLong));
    EXPECT_EQ(split("abc ''", 4), error(Error::TooLong));
}

}  // namespace
