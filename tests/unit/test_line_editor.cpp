// The shell's line editor (user/shell/line_editor.h): keys in, the line
// and what the terminal is told out. A tiny terminal model replays the
// output to check that what is shown is the line, with the cursor where
// the editor says.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../../user/shell/line_editor.h"

namespace {

using shell::LineEditor;
using Action = LineEditor::Action;

// Replays printable bytes, ESC [ n C / D and ESC [ K on one line.
struct Screen {
    std::string text;
    size_t cursor = 0;
    void play(const char* data, size_t length) {
        for (size_t i = 0; i < length; i++) {
            if (data[i] == '\x1b') {
                ASSERT_EQ(data[i + 1], '[');
                size_t j = i + 2, n = 0;
                while (isdigit(static_cast<unsigned char>(data[j]))) n = n * 10 + (data[j++] - '0');
                if (data[j] == 'C') cursor += n;
                else if (data[j] == 'D') cursor -= n;
                else if (data[j] == 'K') text.resize(cursor);
                else FAIL() << "unexpected sequence";
                i = j;
                continue;
            }
            if (cursor < text.size()) text[cursor] = data[i];
            else text.push_back(data[i]);
            cursor++;
        }
    }
};

class LineEditorTest : public ::testing::Test {
protected:
    std::unique_ptr<LineEditor> editor = std::make_unique<LineEditor>();
    std::unique_ptr<LineEditor::Output> out = std::make_unique<LineEditor::Output>();
    Screen screen;

    Action type(const std::string& keys) {
        Action last = Action::None;
        for (char c : keys) {
            out->length = 0;
            Action a = editor->feed(c, *out);
            screen.play(out->data, out->length);
            if (a != Action::None) last = a;
        }
        return last;
    }
    void expect_shown(const std::string& line, size_t cursor) {
        EXPECT_EQ(std::string(editor->line()), line);
        EXPECT_EQ(editor->cursor(), cursor);
        EXPECT_EQ(screen.text, line) << "the terminal shows something else";
        EXPECT_EQ(screen.cursor, cursor) << "the terminal's cursor is elsewhere";
    }
};

TEST_F(LineEditorTest, TypedKeysAreEchoedAndEnterSubmits) {
    EXPECT_EQ(type("echo hi"), Action::None);
    expect_shown("echo hi", 7);
    EXPECT_EQ(type("\r"), Action::Submit);
    EXPECT_EQ(type("\n"), Action::None) << "\\r\\n is one Enter";
}

TEST_F(LineEditorTest, ArrowsMoveAndTypingInsertsInTheMiddle) {
    type("ac");
    type("\x1b[D");  // left
    expect_shown("ac", 1);
    type("b");
    expect_shown("abc", 2);
    type("\x1b[C\x1b[C");  // right twice: stops at the end
    expect_shown("abc", 3);
    type("\x1b[H");  // Home
    expect_shown("abc", 0);
    type("\x1b[D");  // left at the start: stays
    expect_shown("abc", 0);
    type("\x1b[F");  // End
    expect_shown("abc", 3);
    type("\x1b[1~x\x1b[4~y\x1bOHz");  // Home/End as ESC [ 1 ~, ESC [ 4 ~, ESC O H
    expect_shown("zxabcy", 1);
}

TEST_F(LineEditorTest, ControlKeysMoveAndDelete) {
    type("one two three");
    type("\x01");  // Ctrl-A
    expect_shown("one two three", 0);
    type("\x05");  // Ctrl-E
    expect_shown("one two three", 13);
    type("\x17");  // Ctrl-W: the word before the cursor
    expect_shown("one two ", 8);
    type("\x02\x02\x02");  // Ctrl-B x3
    type("\x0b");  // Ctrl-K: to the end
    expect_shown("one t", 5);
    type("\x15");  // Ctrl-U: to the start
    expect_shown("", 0);
}

TEST_F(LineEditorTest, BackspaceAndDeleteEraseAroundTheCursor) {
    type("abcd\x1b[D\x1b[D");
    type("\x7f");
    expect_shown("acd", 1);
    type("\x1b[3~");  // Delete
    expect_shown("ad", 1);
    type("\x08\x08");  // backspace at the start does nothing more
    expect_shown("d", 0);
}

TEST_F(LineEditorTest, HistoryTabCtrlCAndCtrlDAreActions) {
    EXPECT_EQ(type("\x1b[A"), Action::HistoryPrevious);
    EXPECT_EQ(type("\x1b[B"), Action::HistoryNext);
    EXPECT_EQ(type("\t"), Action::Complete);
    EXPECT_EQ(type("\x04"), Action::EndOfInput);
    type("x");
    EXPECT_EQ(type("\x04"), Action::None) << "Ctrl-D inside a line is ignored";
    EXPECT_EQ(type("\x03"), Action::Interrupt);
}

TEST_F(LineEditorTest, AnEscapeSequenceMaySplitAcrossFeedsAndUnknownOnesAreIgnored) {
    type("ab");
    type("\x1b");
    type("[");
    type("D");
    expect_shown("ab", 1);
    type("\x1b[5~\x1b[1;5C\x1b[Z");  // Page Up, Ctrl-right, Shift-Tab
    expect_shown("ab", 2);
    type("\x80\x01" "c");  // a byte past 0x7e is ignored
    expect_shown("cab", 1);
}

TEST_F(LineEditorTest, ReplaceAndInsertShowTheNewLine) {
    type("a long line");
    out->length = 0;
    editor->replace("short", *out);
    screen.play(out->data, out->length);
    expect_shown("short", 5);
    type("\x01");
    out->length = 0;
    editor->insert("pre ", *out);
    screen.play(out->data, out->length);
    expect_shown("pre short", 4);
}

TEST_F(LineEditorTest, ALineStopsAtTheLongestTheConsoleTakes) {
    std::string many(LineEditor::kMaxLine + 10, 'x');
    for (char c : many) editor->feed(c, *(out = std::make_unique<LineEditor::Output>()));
    EXPECT_EQ(editor->length(), LineEditor::kMaxLine);
}

TEST(CommonExtensionTest, IsTheLongestSharedContinuation) {
    const char* names[] = {"hello", "hello-std", "help", "ls"};
    char out[64];
    shell::common_extension("he", names, 4, out, sizeof out);
    EXPECT_STREQ(out, "l");
    shell::common_extension("hello-", names, 4, out, sizeof out);
    EXPECT_STREQ(out, "std");
    shell::common_extension("x", names, 4, out, sizeof out);
    EXPECT_STREQ(out, "");
    shell::common_extension("", names + 3, 1, out, sizeof out);
    EXPECT_STREQ(out, "ls");
}

}  // namespace
