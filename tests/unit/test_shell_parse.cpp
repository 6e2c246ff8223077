// The shell's command language (user/shell/parse.h): quoting, variables,
// pipelines, redirections, background, and the errors for what it cannot run.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../../user/shell/parse.h"

namespace {

using shell::parse::Pipeline;
using shell::parse::RedirectKind;

std::map<std::string, std::string> variables = {{"HOME", "/home"}, {"?", "3"}, {"SPACED", "a  b"}, {"EMPTY", ""}};

const char* lookup(const char* name, void*) {
    auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
}

struct Parsed {
    bool ok;
    std::string error;
    Pipeline pipeline;
    char storage[64 * 1024];
};

std::unique_ptr<Parsed> parse(const char* line) {
    auto parsed = std::make_unique<Parsed>();
    char error[128];
    parsed->ok = shell::parse::parse_line(line, lookup, nullptr, parsed->pipeline, parsed->storage,
                                          sizeof parsed->storage, error, sizeof error);
    parsed->error = error;
    return parsed;
}

std::vector<std::string> words(const Parsed& parsed, size_t stage = 0) {
    std::vector<std::string> out;
    const auto& command = parsed.pipeline.stages[stage];
    for (size_t i = 0; i < command.word_count; i++) out.push_back(command.words[i]);
    EXPECT_EQ(command.words[command.word_count], nullptr);
    return out;
}

using Words = std::vector<std::string>;

TEST(ShellParseTest, BlanksSeparateWords) {
    auto p = parse("  echo   a\tb  ");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(p->pipeline.stage_count, 1u);
    EXPECT_EQ(words(*p), (Words{"echo", "a", "b"}));
    EXPECT_FALSE(p->pipeline.background);
}

TEST(ShellParseTest, EmptyLineAndCommentAreNoCommand) {
    EXPECT_EQ(parse("")->pipeline.stage_count, 0u);
    EXPECT_EQ(parse("   # just a comment | > x")->pipeline.stage_count, 0u);
    auto p = parse("echo a # not b");
    EXPECT_EQ(words(*p), (Words{"echo", "a"}));
    EXPECT_EQ(words(*parse("echo a#b")), (Words{"echo", "a#b"}));
}

TEST(ShellParseTest, SingleQuotesKeepEverythingLiterally) {
    auto p = parse("echo 'a  b' '$HOME \\ \"' x'y'z");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "a  b", "$HOME \\ \"", "xyz"}));
}

TEST(ShellParseTest, DoubleQuotesExpandVariablesAndKeepEscapes) {
    auto p = parse("echo \"$HOME  x\" \"a\\\"b\" \"\\$HOME\" \"back\\\\slash\" \"keep\\n\"");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "/home  x", "a\"b", "$HOME", "back\\slash", "keep\\n"}));
}

TEST(ShellParseTest, BackslashKeepsTheNextCharacter) {
    auto p = parse("echo a\\ b \\| \\$HOME \\'");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "a b", "|", "$HOME", "'"}));
}

TEST(ShellParseTest, VariablesAndStatusExpand) {
    auto p = parse("echo $HOME ${HOME}/x $? x$?y $NOPE end $ a$");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "/home", "/home/x", "3", "x3y", "end", "$", "a$"}));
}

TEST(ShellParseTest, AValueStaysOneWordAndAnEmptyUnquotedOneIsNoWord) {
    auto p = parse("echo $SPACED $EMPTY \"$EMPTY\" ''");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "a  b", "", ""}));
}

TEST(ShellParseTest, PipelinesSplitIntoStages) {
    auto p = parse("lua gen.lua|wc -c | hello x");
    ASSERT_TRUE(p->ok) << p->error;
    ASSERT_EQ(p->pipeline.stage_count, 3u);
    EXPECT_EQ(words(*p, 0), (Words{"lua", "gen.lua"}));
    EXPECT_EQ(words(*p, 1), (Words{"wc", "-c"}));
    EXPECT_EQ(words(*p, 2), (Words{"hello", "x"}));
}

TEST(ShellParseTest, RedirectionsNameTheirDescriptorAndFile) {
    auto p = parse("cmd <in >out 2> err a >> \"app end\" 2>&1 3<x");
    ASSERT_TRUE(p->ok) << p->error;
    const auto& c = p->pipeline.stages[0];
    EXPECT_EQ(words(*p), (Words{"cmd", "a"}));
    ASSERT_EQ(c.redirect_count, 6u);
    EXPECT_EQ(c.redirects[0].fd, 0);
    EXPECT_EQ(c.redirects[0].kind, RedirectKind::In);
    EXPECT_STREQ(c.redirects[0].path, "in");
    EXPECT_EQ(c.redirects[1].fd, 1);
    EXPECT_EQ(c.redirects[1].kind, RedirectKind::Out);
    EXPECT_STREQ(c.redirects[1].path, "out");
    EXPECT_EQ(c.redirects[2].fd, 2);
    EXPECT_STREQ(c.redirects[2].path, "err");
    EXPECT_EQ(c.redirects[3].kind, RedirectKind::Append);
    EXPECT_STREQ(c.redirects[3].path, "app end");
    EXPECT_EQ(c.redirects[4].fd, 2);
    EXPECT_EQ(c.redirects[4].kind, RedirectKind::Dup);
    EXPECT_EQ(c.redirects[4].from, 1);
    EXPECT_EQ(c.redirects[5].fd, 3);
    EXPECT_EQ(c.redirects[5].kind, RedirectKind::In);
}

TEST(ShellParseTest, AQuotedOrSpacedDigitIsAWordNotADescriptor) {
    auto p = parse("echo '2'>f 2 >g");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_EQ(words(*p), (Words{"echo", "2", "2"}));
    EXPECT_EQ(p->pipeline.stages[0].redirects[0].fd, 1);
    EXPECT_EQ(p->pipeline.stages[0].redirects[1].fd, 1);
}

TEST(ShellParseTest, TrailingAmpersandRunsInTheBackground) {
    auto p = parse("hello a &");
    ASSERT_TRUE(p->ok) << p->error;
    EXPECT_TRUE(p->pipeline.background);
    EXPECT_EQ(words(*p), (Words{"hello", "a"}));
    EXPECT_TRUE(parse("a|b&")->pipeline.background);
}

TEST(ShellParseTest, LeadingAssignmentsAreNotWords) {
    auto p = parse("X=1 Y=\"a b\" cmd Z=2");
    ASSERT_TRUE(p->ok) << p->error;
    const auto& c = p->pipeline.stages[0];
    ASSERT_EQ(c.assignment_count, 2u);
    EXPECT_STREQ(c.assignments[0], "X=1");
    EXPECT_STREQ(c.assignments[1], "Y=a b");
    EXPECT_EQ(words(*p), (Words{"cmd", "Z=2"}));
    // A quoted '=' or a bad name is an ordinary word.
    EXPECT_EQ(words(*parse("'X=1' cmd")), (Words{"X=1", "cmd"}));
    EXPECT_EQ(words(*parse("1X=1")), (Words{"1X=1"}));
    auto only = parse("A=$HOME");
    EXPECT_EQ(only->pipeline.stages[0].assignment_count, 1u);
    EXPECT_STREQ(only->pipeline.stages[0].assignments[0], "A=/home");
}

void expect_error(const char* line, const char* message) {
    auto p = parse(line);
    EXPECT_FALSE(p->ok) << line;
    EXPECT_EQ(p->error, message) << line;
}

TEST(ShellParseTest, ErrorsSayWhatIsWrong) {
    expect_error("echo 'abc", "unterminated single quote");
    expect_error("echo \"abc", "unterminated double quote");
    expect_error("echo abc\\", "a backslash at the end of the line");
    expect_error("echo ${HOME", "unterminated ${");
    expect_error("| a", "syntax error near '|'");
    expect_error("a | | b", "syntax error near '|'");
    expect_error("a |", "syntax error near '|'");
    expect_error("&", "syntax error near '&'");
    expect_error("a & b", "'&' must end the line");
    expect_error("a >", "'>' needs a file name");
    expect_error("a > | b", "'>' needs a file name");
    expect_error("a 2>> ", "'>>' needs a file name");
    expect_error("a < > b", "'<' needs a file name");
    expect_error("a 2>&x", "'>&' needs a descriptor number");
    expect_error("a ; b", "';' is not supported");
    expect_error("a && b", "'&&' is not supported");
    expect_error("a || b", "'||' is not supported");
    expect_error("echo `x`", "'`' is not supported");
    expect_error("(a)", "'(' is not supported");
}

TEST(ShellParseTest, LimitsAreErrorsNotOverflows) {
    std::string many = "x";
    for (int i = 0; i < 4100; i++) many += " w";
    expect_error(many.c_str(), "too many words (at most 4096)");
    std::string stages = "a";
    for (int i = 0; i < 9; i++) stages += " | a";
    expect_error(stages.c_str(), "too many commands in a pipeline (at most 8)");
    Pipeline pipeline;
    char storage[8], error[64];
    EXPECT_FALSE(shell::parse::parse_line("echo abcdefgh", lookup, nullptr, pipeline, storage, sizeof storage, error,
                                          sizeof error));
    EXPECT_STREQ(error, "line too long");
}

}  // namespace
