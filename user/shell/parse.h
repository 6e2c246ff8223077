// The shell's command language: one line becomes a pipeline of commands,
// each with its words, leading NAME=value assignments and redirections.
// Hardware-free (host unit tests: tests/unit/test_shell_parse.cpp).
//
//   'text'       literally                 "text"  with $ expanded; \ keeps " \ $ `
//   \c           the character c           $NAME ${NAME} $?  a variable's value
//   a | b | c    a pipeline                 cmd &  in the background
//   < f  > f  >> f  2> f  2>> f  2>&1       redirections ([n] is a descriptor)
//   # ...        a comment (at a word's start)
//
// A variable's value stays one word (no field splitting, as in zsh); an
// unquoted expansion that is empty gives no word at all. What the shell
// does not run — `;`, `&&`, `||`, `( )`, backquotes — is an error that says
// so, never something else run instead.
#pragma once

#include <stddef.h>

namespace shell::parse {

inline constexpr size_t kMaxWords = 4096;  // kMaxSpawnBytes of 5-byte words
inline constexpr size_t kMaxStages = 8;
inline constexpr size_t kMaxRedirects = 8;
inline constexpr size_t kMaxAssignments = 8;

enum class RedirectKind { In, Out, Append, Dup };

struct Redirect {
    int fd;            // the command's descriptor it sets
    RedirectKind kind;
    const char* path;  // In, Out, Append
    int from;          // Dup: n>&from
};

struct Command {
    const char* words[kMaxWords + 1];  // null-terminated
    size_t word_count;
    const char* assignments[kMaxAssignments];  // "NAME=value"
    size_t assignment_count;
    Redirect redirects[kMaxRedirects];
    size_t redirect_count;
};

struct Pipeline {
    Command stages[kMaxStages];
    size_t stage_count;  // 0: an empty line (or only a comment)
    bool background;
};

// A variable's value ("?" is the last status), or null when unset.
using Lookup = const char* (*)(const char* name, void* context);

// Parses `line`; the words are written into `storage`. False with a message
// in `error` (e.g. "unterminated double quote") on a syntax error.
bool parse_line(const char* line, Lookup lookup, void* context, Pipeline& out, char* storage, size_t storage_size,
                char* error, size_t error_size);

// Whether `name` (up to `length` bytes) is a valid variable name.
bool is_name(const char* name, size_t length);

}  // namespace shell::parse
