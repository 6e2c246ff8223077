// The shell's line editor (see line_editor.h).
#include "line_editor.h"

#include <stdio.h>
#include <string.h>

namespace shell {

namespace {

constexpr char kCtrlA = 1, kCtrlB = 2, kCtrlC = 3, kCtrlD = 4, kCtrlE = 5, kCtrlF = 6, kBackspace = 8, kTab = 9,
               kCtrlK = 11, kCtrlU = 21, kCtrlW = 23, kEscape = 27, kDelete = 127;

}  // namespace

void LineEditor::Output::put(const char* text, size_t n) {
    if (n > kMaxOutput - length) n = kMaxOutput - length;
    memcpy(data + length, text, n);
    length += n;
}

void LineEditor::Output::put(const char* text) { put(text, strlen(text)); }

void LineEditor::clear() {
    length_ = cursor_ = 0;
    line_[0] = 0;
    escape_ = Escape::None;
}

void LineEditor::move_to(size_t position, Output& out) {
    char sequence[24];
    if (position < cursor_) snprintf(sequence, sizeof sequence, "\x1b[%zuD", cursor_ - position);
    else if (position > cursor_) snprintf(sequence, sizeof sequence, "\x1b[%zuC", position - cursor_);
    else return;
    out.put(sequence);
    cursor_ = position;
}

// The line changed from `from` on (it was `old_length` long): writes it
// from there, clears what is left of the old one, puts the cursor back.
void LineEditor::rewrite_from(size_t from, size_t old_length, Output& out) {
    size_t wanted = cursor_;
    cursor_ = from;  // the terminal's cursor is at `from` (callers moved it)
    out.put(line_ + from, length_ - from);
    cursor_ = length_;
    if (old_length > length_) out.put("\x1b[K");
    move_to(wanted, out);
}

void LineEditor::erase_range(size_t from, size_t to, Output& out) {
    if (from >= to) return;
    size_t old_length = length_;
    move_to(from, out);
    memmove(line_ + from, line_ + to, length_ - to);
    length_ -= to - from;
    line_[length_] = 0;
    rewrite_from(from, old_length, out);
}

void LineEditor::insert_char(char c, Output& out) {
    if (length_ == kMaxLine) return;  // past the longest line: ignored, as the console did
    memmove(line_ + cursor_ + 1, line_ + cursor_, length_ - cursor_);
    line_[cursor_] = c;
    length_++;
    line_[length_] = 0;
    size_t at = cursor_;
    cursor_ = at + 1;
    if (cursor_ == length_) {
        out.put(&c, 1);
        return;
    }
    size_t wanted = cursor_;
    cursor_ = at;
    rewrite_from(at, length_, out);
    move_to(wanted, out);
}

void LineEditor::insert(const char* text, Output& out) {
    for (; *text; text++) insert_char(*text, out);
}

void LineEditor::replace(const char* text, Output& out) {
    size_t old_length = length_;
    move_to(0, out);
    size_t n = strlen(text);
    if (n > kMaxLine) n = kMaxLine;
    memcpy(line_, text, n);
    length_ = cursor_ = n;
    line_[n] = 0;
    out.put(line_, n);
    if (old_length > n) out.put("\x1b[K");
}

void LineEditor::redraw(Output& out) const {
    out.put(line_, length_);
    char sequence[24];
    if (length_ > cursor_) {
        snprintf(sequence, sizeof sequence, "\x1b[%zuD", length_ - cursor_);
        out.put(sequence);
    }
}

LineEditor::Action LineEditor::feed(char c, Output& out) {
    bool was_cr = last_was_cr_;
    last_was_cr_ = c == '\r';
    if (c == '\n' && was_cr && escape_ == Escape::None) return Action::None;  // "\r\n" is one Enter
    switch (escape_) {
    case Escape::Started:
        escape_ = c == '[' ? Escape::Bracket : c == 'O' ? Escape::Letter : Escape::None;
        parameter_ = 0;
        return Action::None;
    case Escape::Bracket:
        if (c >= '0' && c <= '9') {
            parameter_ = c;
            return Action::None;
        }
        if (c == ';') return Action::None;  // modifiers (ESC [ 1 ; 5 C): the key is what counts
        escape_ = Escape::None;
        return escape_end(c, out);
    case Escape::Letter:
        escape_ = Escape::None;
        return escape_end(c, out);
    case Escape::None: break;
    }
    return key(c, out);
}

LineEditor::Action LineEditor::escape_end(char c, Output& out) {
    if (c == '~') {
        if (parameter_ == '1' || parameter_ == '7') c = 'H';
        else if (parameter_ == '4' || parameter_ == '8') c = 'F';
        else if (parameter_ == '3') {  // Delete: the byte under the cursor
            if (cursor_ < length_) erase_range(cursor_, cursor_ + 1, out);
            return Action::None;
        }
        else return Action::None;
    }
    switch (c) {
    case 'A': return Action::HistoryPrevious;
    case 'B': return Action::HistoryNext;
    case 'C': return key(kCtrlF, out);
    case 'D': return key(kCtrlB, out);
    case 'H': return key(kCtrlA, out);
    case 'F': return key(kCtrlE, out);
    default: return Action::None;
    }
}

LineEditor::Action LineEditor::key(char c, Output& out) {
    switch (c) {
    case '\r':
    case '\n': return Action::Submit;
    case kCtrlC: return Action::Interrupt;
    case kCtrlD: return length_ == 0 ? Action::EndOfInput : Action::None;
    case kTab: return Action::Complete;
    case kEscape: escape_ = Escape::Started; return Action::None;
    case kCtrlA: move_to(0, out); return Action::None;
    case kCtrlE: move_to(length_, out); return Action::None;
    case kCtrlB:
        if (cursor_) move_to(cursor_ - 1, out);
        return Action::None;
    case kCtrlF:
        if (cursor_ < length_) move_to(cursor_ + 1, out);
        return Action::None;
    case kBackspace:
    case kDelete:
        if (cursor_) erase_range(cursor_ - 1, cursor_, out);
        return Action::None;
    case kCtrlK: erase_range(cursor_, length_, out); return Action::None;
    case kCtrlU: erase_range(0, cursor_, out); return Action::None;
    case kCtrlW: {
        size_t start = cursor_;
        while (start && line_[start - 1] == ' ') start--;
        while (start && line_[start - 1] != ' ') start--;
        erase_range(start, cursor_, out);
        return Action::None;
    }
    default:
        if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) insert_char(c, out);
        return Action::None;  // other control bytes and bytes past 0x7e are ignored, as the console did
    }
}

void common_extension(const char* prefix, const char* const* candidates, size_t count, char* out, size_t size) {
    out[0] = 0;
    size_t skip = strlen(prefix);
    size_t length = 0;
    bool first = true;
    for (size_t i = 0; i < count; i++) {
        const char* c = candidates[i];
        if (strncmp(c, prefix, skip) != 0) continue;
        const char* rest = c + skip;
        if (first) {
            length = strlen(rest);
            if (length >= size) length = size - 1;
            memcpy(out, rest, length);
            first = false;
            continue;
        }
        size_t same = 0;
        while (same < length && rest[same] == out[same]) same++;
        length = same;
    }
    out[length] = 0;
}

}  // namespace shell
