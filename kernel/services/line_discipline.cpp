// The console's line discipline (see line_discipline.h).
#include "services/line_discipline.h"

#include "base/string.h"

namespace services {

namespace {

constexpr char kCtrlC = 0x03, kCtrlD = 0x04, kCtrlU = 0x15, kBackspace = 0x08, kDelete = 0x7f;

// Moves n bytes down to a lower address (the ranges may overlap).
void move_down(char* to, const char* from, size_t n) {
    for (size_t i = 0; i < n; i++) to[i] = from[i];
}

}  // namespace

void LineDiscipline::input(char c) {
    bool was_cr = last_was_cr_;
    last_was_cr_ = c == '\r';
    if (c == '\n' && was_cr) return;  // "\r\n" is one line end
    if (c == '\r' || c == '\n') {
        finish_line();
    } else if (c == kCtrlC) {
        interrupt();
    } else if (c == kCtrlD) {
        // End of input at the start of a line; elsewhere ignored.
        if (length_ == 0) {
            store("", 0, true);
            deliver();
        }
    } else if (c == kCtrlU) {
        erase(length_);
        length_ = 0;
    } else if (c == kBackspace || c == kDelete) {
        if (length_) {
            length_--;
            erase(1);
        }
    } else if (c >= 0x20 && c < 0x7f && length_ < kMaxLine) {
        line_[length_++] = c;
        output_.echo(&c, 1);
    }
    // Other control bytes and input beyond kMaxLine are ignored.
}

rvos::Error LineDiscipline::read(rvos::Handle client, Owner owner) {
    for (size_t i = 0; i < reader_count_; i++)
        if (readers_[i].client == client) return rvos::Error::Busy;  // one outstanding read per client
    if (reader_count_ == kMaxReaders) return rvos::Error::Busy;
    readers_[reader_count_++] = Reader{client, owner};
    deliver();
    return rvos::Error::None;
}

void LineDiscipline::forget(rvos::Handle client) {
    for (size_t i = 0; i < reader_count_;)
        if (readers_[i].client == client) remove_reader(i);
        else i++;
}

void LineDiscipline::set_foreground(Owner owner) {
    Owner before = foreground_;
    foreground_ = owner;
    if (before != kTerminal && before != owner) drop_lines(before);
    deliver();
}

void LineDiscipline::erase(size_t count) {
    while (count--) output_.echo("\b \b", 3);
}

void LineDiscipline::finish_line() {
    output_.echo("\n", 1);
    store(line_, length_, false);
    length_ = 0;
    deliver();
}

// Ctrl-C: the line being typed and the foreground's typed-ahead lines are
// discarded, its waiting reads end as interrupted, and the terminal hears
// of it (unless its own read just told it).
void LineDiscipline::interrupt() {
    output_.echo("^C\n", 3);
    length_ = 0;
    drop_lines(foreground_);
    bool terminal_told = false;
    for (size_t i = 0; i < reader_count_;) {
        Reader reader = readers_[i];
        if (reader.owner != foreground_) {
            i++;
            continue;
        }
        remove_reader(i);
        output_.answer(reader.client, "", 0, true, false);
        terminal_told |= reader.owner == kTerminal;
    }
    if (!terminal_told) output_.tell_terminal();
}

// A completed line joins the type-ahead; with no room it is dropped, like
// a line typed past a full tty buffer.
void LineDiscipline::store(const char* text, size_t length, bool end_of_file) {
    if (line_count_ == kMaxTypedLines || typed_bytes_ + length > kTypeAhead) return;
    base::mem_copy(typed_ + typed_bytes_, text, length);
    typed_bytes_ += length;
    lines_[line_count_++] = TypedLine{foreground_, static_cast<uint32_t>(length), end_of_file};
}

size_t LineDiscipline::offset_of(size_t line) const {
    size_t offset = 0;
    for (size_t i = 0; i < line; i++) offset += lines_[i].length;
    return offset;
}

void LineDiscipline::remove_line(size_t line) {
    size_t offset = offset_of(line), length = lines_[line].length;
    move_down(typed_ + offset, typed_ + offset + length, typed_bytes_ - offset - length);
    typed_bytes_ -= length;
    for (size_t i = line + 1; i < line_count_; i++) lines_[i - 1] = lines_[i];
    line_count_--;
}

void LineDiscipline::drop_lines(Owner owner) {
    for (size_t i = 0; i < line_count_;)
        if (lines_[i].owner == owner) remove_line(i);
        else i++;
}

void LineDiscipline::remove_reader(size_t reader) {
    for (size_t i = reader + 1; i < reader_count_; i++) readers_[i - 1] = readers_[i];
    reader_count_--;
}

// Hands the foreground's typed-ahead lines to its waiting readers, oldest
// to oldest.
void LineDiscipline::deliver() {
    for (;;) {
        size_t reader = 0, line = 0;
        while (reader < reader_count_ && readers_[reader].owner != foreground_) reader++;
        while (line < line_count_ && lines_[line].owner != foreground_) line++;
        if (reader == reader_count_ || line == line_count_) return;
        rvos::Handle client = readers_[reader].client;
        remove_reader(reader);
        // The text stays put until it has been answered with.
        output_.answer(client, typed_ + offset_of(line), lines_[line].length, false, lines_[line].end_of_file);
        remove_line(line);
    }
}

}  // namespace services
