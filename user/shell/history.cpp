// The shell's history (see history.h). The lines live in a fixed pool
// (kPoolBytes, NUL-separated, oldest dropped first), mapped at start, so
// remembering a line never takes memory for good; a line longer than
// kMaxEntryBytes is run but not remembered. The file stays open for
// appending, one line per line run — when HOME is on a disk: on the RAM
// file system (HOME=/tmp without a disk) a file would not outlive the
// boot, and would take memory with every line, so there the history is
// kept in memory only.
#define _DEFAULT_SOURCE
#include "history.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rvos/mounts.h"
#include "shell.h"

namespace shell::history {

namespace {

constexpr size_t kPoolBytes = 64 * 1024;
constexpr size_t kMaxEntryBytes = 4096;
char pool[kPoolBytes];  // entries, oldest first, each NUL-terminated
size_t used = 0;
size_t count = 0;
size_t position = 0;  // count: at the line being edited
char draft[kMaxEntryBytes + 1];
int file = -1;

// The start of entry i.
const char* entry(size_t i) {
    const char* p = pool;
    while (i--) p += strlen(p) + 1;
    return p;
}

void remember(const char* line) {
    size_t length = strlen(line) + 1;
    if (length > kMaxEntryBytes) return;
    while (used + length > kPoolBytes && count) {  // drop the oldest
        size_t first = strlen(pool) + 1;
        memmove(pool, pool + first, used - first);
        used -= first;
        count--;
    }
    memcpy(pool + used, line, length);
    used += length;
    count++;
}

}  // namespace

void load() {
    prefault(pool, sizeof pool);
    prefault(draft, sizeof draft);
    const char* home = getenv("HOME");
    char path[kMaxPath];
    if (!home || snprintf(path, sizeof path, "%s/.history", home) >= static_cast<int>(sizeof path)) return;
    if (FILE* in = fopen(path, "r")) {
        char* line = static_cast<char*>(malloc(kMaxLine));
        while (line && fgets(line, kMaxLine, in)) {
            line[strcspn(line, "\n")] = 0;
            if (line[0]) remember(line);
        }
        free(line);
        fclose(in);
    }
    char canonical[rvos::kMaxPathLength + 1];
    auto routed = rvos::mounts::route(path, canonical);
    if (routed.is_error() || strcmp(routed.value().mount->kind, "ext2") != 0) return reset();
    file = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);  // none (a read-only HOME): kept in memory only
    reset();
}

void add(const char* line) {
    if (!line[0] || (count && strcmp(entry(count - 1), line) == 0)) return;
    remember(line);
    if (file < 0) return;
    (void)!write(file, line, strlen(line));
    (void)!write(file, "\n", 1);
}

const char* previous(const char* current) {
    if (position == 0) return nullptr;
    if (position == count) {
        strncpy(draft, current, kMaxEntryBytes);
        draft[kMaxEntryBytes] = 0;
    }
    return entry(--position);
}

const char* next() {
    if (position >= count) return nullptr;
    position++;
    return position == count ? draft : entry(position);
}

void reset() {
    position = count;
    draft[0] = 0;
}

}  // namespace shell::history
