// The shell's line editor: a pure function from (state, key) to (state,
// what to write on the terminal, what happened). Hardware-free (host unit
// tests: tests/unit/test_line_editor.cpp); the shell feeds it the keys the
// console hands the terminal (console.proto ReadKeys) and writes its output.
//
//   left/right, Ctrl-B/Ctrl-F   move a character    Home/End, Ctrl-A/Ctrl-E  to the start/end
//   backspace                   delete before       Delete                   delete under
//   Ctrl-K                      delete to the end   Ctrl-U                   delete to the start
//   Ctrl-W                      delete the word before the cursor
//   up/down                     history (Action::HistoryPrevious/Next)
//   Tab                         Action::Complete    Enter  Action::Submit
//   Ctrl-C                      Action::Interrupt (the line is dropped)
//   Ctrl-D on an empty line     Action::EndOfInput (inside a line: ignored)
// Escape sequences (ESC [ A, ESC [ 1 ~, ESC O H, ...) may arrive split over
// several calls; an unknown one is ignored whole.
#pragma once

#include <stddef.h>

namespace shell {

class LineEditor {
public:
    static constexpr size_t kMaxLine = 32 * 1024;  // the console's longest line
    static constexpr size_t kMaxOutput = 2 * kMaxLine + 64;

    enum class Action { None, Submit, Interrupt, EndOfInput, Complete, HistoryPrevious, HistoryNext };

    // Bytes for the terminal (cursor movement as ANSI sequences).
    struct Output {
        char data[kMaxOutput];
        size_t length = 0;
        void put(const char* text, size_t n);
        void put(const char* text);
    };

    // Feeds one key byte; appends what to write to `out`.
    Action feed(char key, Output& out);
    // Replaces the whole line (history), cursor at the end.
    void replace(const char* text, Output& out);
    // Inserts text at the cursor (completion).
    void insert(const char* text, Output& out);
    // Forgets the line (after Submit or Interrupt), for the next prompt.
    void clear();
    // Writes the line again after other output (e.g. completion candidates),
    // with the cursor where it was.
    void redraw(Output& out) const;

    const char* line() const { return line_; }  // NUL-terminated
    size_t length() const { return length_; }
    size_t cursor() const { return cursor_; }

private:
    enum class Escape { None, Started, Bracket, Letter };
    Action key(char c, Output& out);
    Action escape_end(char c, Output& out);
    void insert_char(char c, Output& out);
    void move_to(size_t position, Output& out);
    void erase_range(size_t from, size_t to, Output& out);
    void rewrite_from(size_t from, size_t old_length, Output& out);

    char line_[kMaxLine + 1] = {};
    size_t length_ = 0;
    size_t cursor_ = 0;
    Escape escape_ = Escape::None;
    char parameter_ = 0;  // the digit of ESC [ n ~
    bool last_was_cr_ = false;
};

// Tab completion: the longest common extension of `prefix` among
// `candidates` (count of them); writes it into out (size bytes).
void common_extension(const char* prefix, const char* const* candidates, size_t count, char* out, size_t size);

}  // namespace shell
