// The console's line discipline (kernel/services/line_discipline.h): line
// editing, and above all whose a typed line is — only a read of the owner
// in the foreground when the line was typed ever gets it; Ctrl-C always
// reaches the terminal; Ctrl-D at the start of a line is end of file. A
// seeded random run checks the same against a model.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "random_support.h"
#include "services/line_discipline.h"

using rvos::Error;
using rvos::Handle;
using services::LineDiscipline;

namespace {

constexpr LineDiscipline::Owner kTerminal = LineDiscipline::kTerminal;

struct Answer {
    Handle reader;
    std::string line;
    bool interrupted;
    bool end_of_file;
    bool operator==(const Answer&) const = default;
};

struct Recorder final : LineDiscipline::Output {
    std::string echoed;
    std::vector<Answer> answers;
    int terminal_told = 0;
    void echo(const char* text, size_t length) override { echoed.append(text, length); }
    void answer(Handle reader, const char* line, size_t length, bool interrupted, bool end_of_file) override {
        answers.push_back({reader, std::string(line, length), interrupted, end_of_file});
    }
    void tell_terminal() override { terminal_told++; }
};

class LineDisciplineTest : public ::testing::Test {
protected:
    Recorder out;
    std::unique_ptr<LineDiscipline> lines = std::make_unique<LineDiscipline>(out);

    void type(const std::string& text) {
        for (char c : text) lines->input(c);
    }
    std::vector<Answer> take() { return std::exchange(out.answers, {}); }
    static Answer line(Handle reader, const std::string& text) { return {reader, text, false, false}; }
    static Answer interrupted(Handle reader) { return {reader, "", true, false}; }
    static Answer end_of_file(Handle reader) { return {reader, "", false, true}; }
};

constexpr Handle kShell = 1, kProgram = 5, kOther = 6, kBackground = 7;
constexpr LineDiscipline::Owner kProgramPid = 10, kBackgroundPid = 11;

TEST_F(LineDisciplineTest, EchoesAndEditsTheLine) {
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    type("ab\x7f" "c\x08" "d\x15" "xy\r\n");
    EXPECT_EQ(out.echoed, "ab\b \bc\b \bd\b \b\b \bxy\n");
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, "xy")});
    // "\r\n" was one line end: no empty line is waiting.
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    EXPECT_TRUE(take().empty());
    type("\x01\x1b\x80z\n");  // other control bytes and bytes past 0x7e are ignored
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, "z")});
}

TEST_F(LineDisciplineTest, AReaderInTheBackgroundNeverGetsALine) {
    for (Handle h = 20; h < 36; h++) ASSERT_EQ(lines->read(h, kBackgroundPid), Error::None);  // a keylogger
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    type("for the shell\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, "for the shell")});
    lines->set_foreground(kProgramPid);
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    type("for the program\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kProgram, "for the program")});
    type("typed ahead\r");
    lines->set_foreground(kTerminal);
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    type("the shell's again\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, "the shell's again")})
        << "a line typed for a program that left the foreground was dropped";
}

TEST_F(LineDisciplineTest, ALineIsWhoseverWasInTheForegroundWhenItWasTyped) {
    type("early\r");  // the shell is not reading
    lines->set_foreground(kProgramPid);
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    EXPECT_TRUE(take().empty()) << "a program read a line typed while the shell was in the foreground";
    type("late\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kProgram, "late")});
    lines->set_foreground(kTerminal);
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, "early")}) << "the shell's line waited for it";
}

TEST_F(LineDisciplineTest, CtrlCEndsEveryReadOfTheForegroundAndReachesTheTerminal) {
    lines->set_foreground(kProgramPid);
    for (Handle h : {kProgram, kOther}) ASSERT_EQ(lines->read(h, kProgramPid), Error::None);
    ASSERT_EQ(lines->read(kBackground, kBackgroundPid), Error::None);
    type("half a li");
    type("\x03");
    EXPECT_EQ(take(), (std::vector<Answer>{interrupted(kProgram), interrupted(kOther)}));
    EXPECT_EQ(out.terminal_told, 1);
    EXPECT_NE(out.echoed.find("^C\n"), std::string::npos);
    // The line was discarded; the background reader still waits, untouched.
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    type("next\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kProgram, "next")});
}

TEST_F(LineDisciplineTest, CtrlCAtTheShellsOwnReadTellsItThroughTheRead) {
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    type("abc\x03");
    EXPECT_EQ(take(), std::vector<Answer>{interrupted(kShell)});
    EXPECT_EQ(out.terminal_told, 0);
    type("\x03");  // no read waiting: the terminal hears it as an event
    EXPECT_EQ(out.terminal_told, 1);
}

TEST_F(LineDisciplineTest, CtrlCDropsTheForegroundsTypedAheadLines) {
    lines->set_foreground(kProgramPid);
    type("one\rtwo\r\x03");
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(lines->typed_lines(), 0u);
}

TEST_F(LineDisciplineTest, CtrlDAtTheStartOfALineIsEndOfFile) {
    lines->set_foreground(kProgramPid);
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    type("ab\x04" "c\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kProgram, "abc")}) << "Ctrl-D inside a line is ignored";
    type("\x04");  // typed ahead, then read
    ASSERT_EQ(lines->read(kProgram, kProgramPid), Error::None);
    EXPECT_EQ(take(), std::vector<Answer>{end_of_file(kProgram)});
}

TEST_F(LineDisciplineTest, OneReadPerClientAndAGoneClientIsNeverAnswered) {
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    EXPECT_EQ(lines->read(kShell, kTerminal), Error::Busy);
    ASSERT_EQ(lines->read(kOther, kTerminal), Error::None);
    lines->forget(kShell);
    type("x\r");
    EXPECT_EQ(take(), std::vector<Answer>{line(kOther, "x")});
    for (Handle h = 100; h < 100 + static_cast<Handle>(LineDiscipline::kMaxReaders); h++)
        ASSERT_EQ(lines->read(h, kBackgroundPid), Error::None);
    EXPECT_EQ(lines->read(99, kBackgroundPid), Error::Busy) << "past the list's room";
}

TEST_F(LineDisciplineTest, TypeAheadIsBoundedInLinesAndBytes) {
    for (size_t i = 0; i < LineDiscipline::kMaxTypedLines + 3; i++) type(std::to_string(i) + "\r");
    EXPECT_EQ(lines->typed_lines(), LineDiscipline::kMaxTypedLines);
    for (size_t i = 0; i < LineDiscipline::kMaxTypedLines; i++) {
        ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
        EXPECT_EQ(take(), std::vector<Answer>{line(kShell, std::to_string(i))});
    }
    std::string longest(LineDiscipline::kMaxLine, 'y');
    type(longest + "\r" + longest + "\r");  // the second does not fit beside the first
    EXPECT_EQ(lines->typed_lines(), 1u);
    type(longest + "zzz\r");  // past kMaxLine the rest of a line is dropped
    ASSERT_EQ(lines->read(kShell, kTerminal), Error::None);
    EXPECT_EQ(take(), std::vector<Answer>{line(kShell, longest)});
}

// ---- Random operations against a model ------------------------------------------

// Three owners (the terminal and two processes), each with three clients;
// random typing, reads, client losses, foreground changes and Ctrl-Cs. The
// model: every completed line remembers its owner; a client of owner O only
// ever receives, in order, lines typed while O was in the foreground, each
// once; Ctrl-C ends every read of the foreground.
TEST(RandomLineDiscipline, EveryLineGoesOnlyToItsOwnerInOrderAndOnce) {
    for (uint64_t seed : random_support::seeds(3000, 20)) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        random_support::Rng rng(seed);
        Recorder out;
        auto lines = std::make_unique<LineDiscipline>(out);
        const LineDiscipline::Owner owners[] = {kTerminal, 21, 22};
        std::map<Handle, LineDiscipline::Owner> owner_of;
        for (Handle h = 1; h <= 9; h++) owner_of[h] = owners[(h - 1) / 3];
        std::map<LineDiscipline::Owner, std::vector<std::string>> typed;  // by owner, in order
        std::map<LineDiscipline::Owner, size_t> received;                // how many of them were answered
        std::map<Handle, bool> waiting;
        LineDiscipline::Owner foreground = kTerminal;
        size_t line_number = 0;
        for (size_t op = 0; op < random_support::scaled(3000); op++) {
            SCOPED_TRACE("op " + std::to_string(op));
            size_t roll = rng.below(100);
            if (roll < 35) {
                Handle h = static_cast<Handle>(1 + rng.below(9));
                Error e = lines->read(h, owner_of[h]);
                EXPECT_EQ(e, waiting[h] ? Error::Busy : Error::None);
                waiting[h] = true;
            } else if (roll < 70) {
                std::string text = "line" + std::to_string(line_number++);
                size_t before = lines->typed_lines();
                for (char c : text + "\r") lines->input(c);
                // Kept (or handed out at once) unless the type-ahead was full.
                if (lines->typed_lines() > before || !out.answers.empty()) typed[foreground].push_back(text);
            } else if (roll < 80) {
                Handle h = static_cast<Handle>(1 + rng.below(9));
                lines->forget(h);
                waiting[h] = false;
            } else if (roll < 95) {
                LineDiscipline::Owner next = owners[rng.below(3)];
                // Lines typed for a process leaving the foreground are dropped.
                if (foreground != kTerminal && next != foreground) typed[foreground].resize(received[foreground]);
                foreground = next;
                lines->set_foreground(next);
            } else {
                lines->input(0x03);
                typed[foreground].resize(received[foreground]);
            }
            for (const Answer& a : std::exchange(out.answers, {})) {
                ASSERT_TRUE(waiting[a.reader]) << "an answer to a client that was not waiting";
                waiting[a.reader] = false;
                LineDiscipline::Owner o = owner_of[a.reader];
                ASSERT_EQ(o, foreground) << "a reader got something while not in the foreground";
                if (a.interrupted) continue;
                ASSERT_LT(received[o], typed[o].size()) << "a line its owner never typed: " << a.line;
                EXPECT_EQ(a.line, typed[o][received[o]]) << "not the owner's next line";
                received[o]++;
            }
            if (roll >= 95)
                for (auto& [h, w] : waiting) EXPECT_FALSE(w && owner_of[h] == foreground) << "Ctrl-C left a read waiting";
        }
    }
}

}  // namespace
