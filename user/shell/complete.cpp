// Tab completion of the word before the cursor: the first word of a line
// completes to a builtin or a program in a PATH directory, any other word
// (or one with a '/') to a path. One candidate is completed whole (a
// directory with '/', anything else with a space); several are completed
// as far as they agree, and a second Tab with nothing to add lists them.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "shell.h"

namespace shell {

namespace {

constexpr size_t kMaxCandidates = 256;
constexpr size_t kNameBytes = 16 * 1024;

// The names that match, in a fixed pool (mapped at start: completing takes
// no memory for good); past the pool, names are left out.
struct Candidates {
    char* names[kMaxCandidates];
    bool directory[kMaxCandidates];
    char pool[kNameBytes];
    size_t used;
    size_t count;
    const char* prefix;
    size_t prefix_length;

    void add(const char* name, bool is_directory) {
        if (count == kMaxCandidates || strncmp(name, prefix, prefix_length) != 0) return;
        for (size_t i = 0; i < count; i++)
            if (!strcmp(names[i], name)) return;
        size_t length = strlen(name) + 1;
        if (used + length > kNameBytes) return;
        names[count] = pool + used;
        memcpy(pool + used, name, length);
        used += length;
        directory[count++] = is_directory;
    }
};
Candidates candidates;

void add_directory(Candidates& c, const char* dir, bool programs_only) {
    DIR* d = opendir(dir[0] ? dir : ".");
    if (!d) return;
    while (struct dirent* e = readdir(d)) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        bool is_directory = e->d_type == DT_DIR;
        if (programs_only && is_directory) continue;
        c.add(e->d_name, is_directory);
    }
    closedir(d);
}

void add_builtin(const char* name, void* context) { static_cast<Candidates*>(context)->add(name, false); }

}  // namespace

void complete(LineEditor& editor, LineEditor::Output& out, const char* prompt) {
    const char* line = editor.line();
    size_t end = editor.cursor(), start = end;
    while (start && line[start - 1] != ' ') start--;
    bool first_word = true;
    for (size_t i = 0; i < start; i++) first_word &= line[i] == ' ';
    char word[kMaxPath];
    size_t length = end - start < sizeof word - 1 ? end - start : sizeof word - 1;
    memcpy(word, line + start, length);
    word[length] = 0;
    if (length == 0) return;  // an empty word would list everything
    Candidates* c = &candidates;
    c->used = c->count = 0;
    const char* slash = strrchr(word, '/');
    if (first_word && !slash) {
        c->prefix = word;
        c->prefix_length = length;
        for_each_builtin(add_builtin, c);
        const char* path = getenv("PATH");
        char dir[kMaxPath];
        for (const char* p = path ? path : "/bin"; *p;) {
            size_t n = strcspn(p, ":");
            if (n < sizeof dir) {
                memcpy(dir, p, n);
                dir[n] = 0;
                add_directory(*c, dir, true);
            }
            p += n;
            if (*p == ':') p++;
        }
    } else {
        char dir[kMaxPath];
        size_t dir_length = slash ? static_cast<size_t>(slash - word) + 1 : 0;
        memcpy(dir, word, dir_length);
        dir[dir_length] = 0;
        c->prefix = word + dir_length;
        c->prefix_length = length - dir_length;
        add_directory(*c, dir, false);
    }
    char extension[kMaxPath];
    common_extension(c->prefix, c->names, c->count, extension, sizeof extension);
    if (c->count == 1) {
        editor.insert(extension, out);
        editor.insert(c->directory[0] ? "/" : " ", out);
    } else if (extension[0]) {
        editor.insert(extension, out);
    } else if (c->count > 1) {
        out.put("\n");
        for (size_t i = 0; i < c->count; i++) {
            out.put(c->names[i]);
            out.put(c->directory[i] ? "/  " : "  ");
        }
        out.put("\n");
        out.put(prompt);
        editor.redraw(out);
    }
}

void prefault_completion() { prefault(&candidates, sizeof candidates); }

}  // namespace shell
