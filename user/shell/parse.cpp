// The shell's lexer and parser (see parse.h).
#include "parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

namespace shell::parse {

namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Parser {
public:
    Parser(const char* line, Lookup lookup, void* context, Pipeline& out, char* storage, size_t size, char* error,
           size_t error_size)
        : p_(line), lookup_(lookup), context_(context), out_(out), storage_(storage), size_(size), error_(error),
          error_size_(error_size) {}

    bool run();

private:
    bool fail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    bool put(char c);
    bool put_text(const char* text);
    bool expand();
    bool single_quoted();
    bool double_quoted();
    bool word();
    bool finish_word();
    bool redirect();
    bool end_stage(const char* op);
    Command& command() { return out_.stages[out_.stage_count - 1]; }

    const char* p_;
    Lookup lookup_;
    void* context_;
    Pipeline& out_;
    char* storage_;
    size_t size_, used_ = 0;
    char* error_;
    size_t error_size_;
    // The word being read: where it starts in storage, whether any of it
    // was quoted, and where the first quoted or expanded byte is (an
    // assignment's name and '=' come before it).
    size_t start_ = 0;
    bool quoted_ = false;
    size_t literal_end_ = 0;
    // A redirection waiting for its file name.
    bool pending_ = false;
    const char* pending_op_ = "";
};

bool Parser::fail(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(error_, error_size_, fmt, args);
    va_end(args);
    return false;
}

bool Parser::put(char c) {
    if (used_ + 1 >= size_) return fail("line too long");
    storage_[used_++] = c;
    return true;
}

bool Parser::put_text(const char* text) {
    for (; *text; text++)
        if (!put(*text)) return false;
    return true;
}

// After a '$': $? $NAME ${NAME}; a '$' before anything else is itself.
bool Parser::expand() {
    char name[64];
    size_t length = 0;
    if (*p_ == '?') {
        p_++;
        name[length++] = '?';
    } else if (*p_ == '{') {
        const char* close = strchr(p_, '}');
        if (!close) return fail("unterminated ${");
        length = static_cast<size_t>(close - p_ - 1);
        if (!is_name(p_ + 1, length) || length >= sizeof name) return fail("bad variable name in ${...}");
        memcpy(name, p_ + 1, length);
        p_ = close + 1;
    } else if (name_start(*p_)) {
        while (name_char(*p_) && length + 1 < sizeof name) name[length++] = *p_++;
    } else {
        return put('$');
    }
    name[length] = 0;
    const char* value = lookup_(name, context_);
    return value ? put_text(value) : true;
}

bool Parser::single_quoted() {
    const char* close = strchr(p_, '\'');
    if (!close) return fail("unterminated single quote");
    while (p_ < close)
        if (!put(*p_++)) return false;
    p_++;
    return true;
}

bool Parser::double_quoted() {
    for (;;) {
        char c = *p_++;
        if (c == 0) return fail("unterminated double quote");
        if (c == '"') return true;
        if (c == '\\' && (*p_ == '"' || *p_ == '\\' || *p_ == '$' || *p_ == '`')) c = *p_++;
        else if (c == '$') {
            if (!expand()) return false;
            continue;
        } else if (c == '`') {
            return fail("'`' is not supported");
        }
        if (!put(c)) return false;
    }
}

// Reads one word (quotes, escapes, expansions) up to a blank or operator.
bool Parser::word() {
    start_ = used_;
    quoted_ = false;
    literal_end_ = static_cast<size_t>(-1);
    auto mark = [&] {
        if (literal_end_ == static_cast<size_t>(-1)) literal_end_ = used_;
    };
    for (;;) {
        char c = *p_;
        if (c == 0 || blank(c) || strchr("|&<>;()", c)) break;
        p_++;
        if (c == '\'') {
            mark();
            quoted_ = true;
            if (!single_quoted()) return false;
        } else if (c == '"') {
            mark();
            quoted_ = true;
            if (!double_quoted()) return false;
        } else if (c == '\\') {
            mark();
            quoted_ = true;
            if (*p_ == 0) return fail("a backslash at the end of the line");
            if (!put(*p_++)) return false;
        } else if (c == '$') {
            mark();
            if (!expand()) return false;
        } else if (c == '`') {
            return fail("'`' is not supported");
        } else if (!put(c)) {
            return false;
        }
    }
    // "2>": a descriptor number right before a redirection.
    if ((*p_ == '<' || *p_ == '>') && !quoted_ && literal_end_ == static_cast<size_t>(-1) && used_ > start_) {
        bool digits = true;
        for (size_t i = start_; i < used_; i++) digits &= storage_[i] >= '0' && storage_[i] <= '9';
        if (digits && used_ - start_ <= 2) return redirect();
    }
    return finish_word();
}

bool Parser::finish_word() {
    size_t length = used_ - start_;
    if (length == 0 && !quoted_) return true;  // an empty unquoted expansion: no word
    if (!put(0)) return false;
    const char* text = storage_ + start_;
    Command& c = command();
    if (pending_) {
        pending_ = false;
        Redirect& r = c.redirects[c.redirect_count - 1];
        if (r.kind != RedirectKind::Dup) {
            r.path = text;
            return true;
        }
        int from = 0;
        for (const char* d = text; *d; d++) {
            if (*d < '0' || *d > '9' || from > 99) return fail("'%s' needs a descriptor number", pending_op_);
            from = from * 10 + (*d - '0');
        }
        r.from = from;
        return true;
    }
    const char* equals = strchr(text, '=');
    size_t literal = literal_end_ == static_cast<size_t>(-1) ? length : literal_end_ - start_;
    if (c.word_count == 0 && equals && static_cast<size_t>(equals - text) < literal &&
        is_name(text, static_cast<size_t>(equals - text))) {
        if (c.assignment_count == kMaxAssignments) return fail("too many assignments");
        c.assignments[c.assignment_count++] = text;
        return true;
    }
    if (c.word_count == kMaxWords) return fail("too many words (at most %zu)", kMaxWords);
    c.words[c.word_count++] = text;
    c.words[c.word_count] = nullptr;
    return true;
}

// At '<' or '>' (a descriptor number, if any, is in storage at start_).
bool Parser::redirect() {
    int fd = -1;
    if (used_ > start_) {
        fd = 0;
        for (size_t i = start_; i < used_; i++) fd = fd * 10 + (storage_[i] - '0');
        used_ = start_;
    }
    if (pending_) return fail("'%s' needs a file name", pending_op_);
    Command& c = command();
    if (c.redirect_count == kMaxRedirects) return fail("too many redirections");
    Redirect r{fd, RedirectKind::Out, nullptr, -1};
    if (*p_ == '<') {
        p_++;
        r.kind = RedirectKind::In;
        pending_op_ = "<";
        if (fd < 0) r.fd = 0;
    } else {
        p_++;
        pending_op_ = ">";
        if (*p_ == '>') {
            p_++;
            r.kind = RedirectKind::Append;
            pending_op_ = ">>";
        } else if (*p_ == '&') {
            p_++;
            r.kind = RedirectKind::Dup;
            pending_op_ = ">&";
        }
        if (fd < 0) r.fd = 1;
    }
    c.redirects[c.redirect_count++] = r;
    pending_ = true;
    return true;
}

bool Parser::end_stage(const char* op) {
    if (pending_) return fail("'%s' needs a file name", pending_op_);
    if (command().word_count == 0 && command().redirect_count == 0 && command().assignment_count == 0)
        return fail("syntax error near '%s'", op);
    return true;
}

bool Parser::run() {
    memset(&out_, 0, sizeof out_);
    out_.stage_count = 1;
    for (;;) {
        while (blank(*p_)) p_++;
        char c = *p_;
        if (c == 0 || (c == '#' && !pending_)) break;
        if (out_.background) return fail("'&' must end the line");
        if (c == '|') {
            if (p_[1] == '|') return fail("'||' is not supported");
            if (!end_stage("|")) return false;
            if (out_.stage_count == kMaxStages) return fail("too many commands in a pipeline (at most %zu)", kMaxStages);
            out_.stage_count++;
            p_++;
            continue;
        }
        if (c == '&') {
            if (p_[1] == '&') return fail("'&&' is not supported");
            if (!end_stage("&")) return false;
            out_.background = true;
            p_++;
            continue;
        }
        if (c == ';' || c == '(' || c == ')') return fail("'%c' is not supported", c);
        if (c == '<' || c == '>') {
            start_ = used_;
            if (!redirect()) return false;
            continue;
        }
        if (!word()) return false;
    }
    if (pending_) return fail("'%s' needs a file name", pending_op_);
    Command& last = command();
    bool empty = last.word_count == 0 && last.redirect_count == 0 && last.assignment_count == 0;
    if (empty && out_.stage_count > 1) return fail("syntax error near '|'");
    if (empty) out_.stage_count = 0;
    return true;
}

}  // namespace

bool is_name(const char* name, size_t length) {
    if (length == 0 || !name_start(name[0])) return false;
    for (size_t i = 1; i < length; i++)
        if (!name_char(name[i])) return false;
    return true;
}

bool parse_line(const char* line, Lookup lookup, void* context, Pipeline& out, char* storage, size_t storage_size,
                char* error, size_t error_size) {
    if (error_size) error[0] = 0;
    Parser parser(line, lookup, context, out, storage, storage_size, error, error_size);
    return parser.run();
}

}  // namespace shell::parse
