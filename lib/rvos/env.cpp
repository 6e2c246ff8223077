// setenv and unsetenv on `environ` (built by rvos_start from the strings the
// parent passed at spawn; spawn_argv, posix_spawn and system pass it on).
// picolibc's accept an empty name; POSIX, and these, refuse it (EINVAL) as
// they refuse one containing '='. getenv is picolibc's.
#include <errno.h>
#include <stdlib.h>

#include "base/string.h"

extern "C" char** environ;

namespace {

bool environ_is_ours = false;  // the array (not its strings) came from malloc here

bool valid_name(const char* name) {
    if (!name || !name[0]) return false;
    for (const char* p = name; *p; p++)
        if (*p == '=') return false;
    return true;
}

// The entry for `name` ("name=..."), or null.
char** find(const char* name) {
    size_t length = base::str_length(name);
    for (char** entry = environ; entry && *entry; entry++)
        if (base::str_starts_with(*entry, name) && (*entry)[length] == '=') return entry;
    return nullptr;
}

size_t count() {
    size_t n = 0;
    while (environ && environ[n]) n++;
    return n;
}

// Room for one more entry: the array is copied to the heap the first time.
bool grow() {
    size_t n = count();
    auto** grown = static_cast<char**>(environ_is_ours ? realloc(environ, (n + 2) * sizeof(char*))
                                                       : malloc((n + 2) * sizeof(char*)));
    if (!grown) return false;
    if (!environ_is_ours) base::mem_copy(grown, environ, n * sizeof(char*));
    grown[n] = nullptr;
    grown[n + 1] = nullptr;
    environ = grown;
    environ_is_ours = true;
    return true;
}

}  // namespace

extern "C" {

// A replaced string is not freed: a program may still hold what getenv gave.
int setenv(const char* name, const char* value, int overwrite) {
    if (!valid_name(name)) {
        errno = EINVAL;
        return -1;
    }
    char** entry = find(name);
    if (entry && !overwrite) return 0;
    size_t name_length = base::str_length(name), value_length = base::str_length(value);
    auto* text = static_cast<char*>(malloc(name_length + value_length + 2));
    if (!text || (!entry && !grow())) {
        free(text);
        errno = ENOMEM;
        return -1;
    }
    base::mem_copy(text, name, name_length);
    text[name_length] = '=';
    base::mem_copy(text + name_length + 1, value, value_length + 1);
    if (!entry) entry = &environ[count()];
    *entry = text;
    return 0;
}

int unsetenv(const char* name) {
    if (!valid_name(name)) {
        errno = EINVAL;
        return -1;
    }
    while (char** entry = find(name)) {
        do entry[0] = entry[1];
        while (*entry++);
    }
    return 0;
}

}  // extern "C"
