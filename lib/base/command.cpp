// Command-line splitting (see command.h).
#include "base/command.h"

namespace base {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool is_operator(char c) {
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')';
}
bool is_expansion(char c) { return c == '$' || c == '`'; }

// Recognises a shell variable assignment (NAME=...) a byte at a time:
// unquoted letters, digits and '_' (not a digit first), then an unquoted '='.
struct AssignmentScan {
    size_t length = 0;
    bool name = true;  // every byte so far could be part of a name
    bool assignment = false;

    void add(char c, bool quoted) {
        if (assignment || !name) return;
        if (c == '=' && !quoted && length > 0) {
            assignment = true;
            return;
        }
        bool name_char = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (length > 0 && c >= '0' && c <= '9');
        name = name_char && !quoted;
        length++;
    }
};

}  // namespace

ErrorOr<size_t> split_command(const char* line, char* storage, size_t storage_size, char** words, size_t max_words) {
    size_t count = 0, used = 0;
    const char* p = line;
    for (;;) {
        while (is_blank(*p)) p++;
        if (!*p || *p == '#') break;
        if (count == max_words || used >= storage_size) return Error::TooLong;
        char* word = storage + used;
        AssignmentScan scan;
        size_t length = 0;
        auto put = [&](char c, bool quoted) {
            if (used + length + 1 >= storage_size) return false;
            scan.add(c, quoted);
            word[length++] = c;
            return true;
        };
        while (*p && !is_blank(*p)) {
            char c = *p++;
            if (is_operator(c) || is_expansion(c)) return Error::Unsupported;
            if (c == '\\') {
                if (!*p) return Error::BadArgument;
                if (*p == '\n') {  // a line continuation: nothing
                    p++;
                    continue;
                }
                if (!put(*p++, true)) return Error::TooLong;
            } else if (c == '\'') {
                while (*p && *p != '\'')
                    if (!put(*p++, true)) return Error::TooLong;
                if (!*p++) return Error::BadArgument;
            } else if (c == '"') {
                while (*p && *p != '"') {
                    char q = *p++;
                    if (is_expansion(q)) return Error::Unsupported;
                    if (q == '\\' && (*p == '"' || *p == '\\' || *p == '$' || *p == '`' || *p == '\n')) {
                        if (*p++ == '\n') continue;
                        q = p[-1];
                    }
                    if (!put(q, true)) return Error::TooLong;
                }
                if (!*p++) return Error::BadArgument;
            } else if (!put(c, false)) {
                return Error::TooLong;
            }
        }
        word[length] = 0;
        if (count == 0 && scan.assignment) return Error::Unsupported;  // NAME=value program ...
        words[count++] = word;
        used += length + 1;
    }
    words[count] = nullptr;
    return count;
}

}  // namespace base
