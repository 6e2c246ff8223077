/* The helpers every small tool shares (see tool.h). */
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tool_name = "tool";

void tool_error(const char *what) {
    int saved = errno;
    fflush(stdout);
    fprintf(stderr, "%s: %s: %s\n", tool_name, what, strerror(saved));
}

void tool_message(const char *format, ...) {
    va_list args;
    fflush(stdout);
    fprintf(stderr, "%s: ", tool_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
}

int tool_option(struct tool_options *o) {
    while (!*o->next) {  /* this word is read: the next one */
        const char *word = ++o->index < o->argc ? o->argv[o->index] : NULL;
        if (!word || word[0] != '-' || !word[1]) return 0;
        if (!strcmp(word, "--")) {
            o->index++;
            return 0;
        }
        o->next = word + 1;
    }
    return (unsigned char)*o->next++;
}

const char *tool_option_value(struct tool_options *o) {
    const char *value = *o->next ? o->next : (o->index + 1 < o->argc ? o->argv[++o->index] : NULL);
    o->next = "";
    return value;
}

int tool_flags(int argc, char **argv, const char *letters, int *const flags[]) {
    struct tool_options o = TOOL_OPTIONS(argc, argv);
    for (int c; (c = tool_option(&o));) {
        const char *at = strchr(letters, c);
        if (!at) {
            tool_message("invalid option -- '%c'", c);
            return -1;
        }
        *flags[at - letters] = 1;
    }
    return o.index;
}

const char *tool_option_word(struct tool_options *o) {
    if (!tool_option(o)) return NULL;
    o->next = "";  /* the word is read whole */
    return o->argv[o->index];
}

int tool_words(int argc, char **argv, const char *const words[], int *const flags[]) {
    struct tool_options o = TOOL_OPTIONS(argc, argv);
    for (const char *word; (word = tool_option_word(&o));) {
        int k = 0;
        while (words[k] && strcmp(words[k], word)) k++;
        if (!words[k]) {
            tool_message("invalid option -- '%s'", word + 1);
            return -1;
        }
        *flags[k] = 1;
    }
    return o.index;
}

int tool_span_options(int argc, char **argv, struct tool_span *span, int signs) {
    struct tool_options o = TOOL_OPTIONS(argc, argv);
    for (int c; (c = tool_option(&o));) {
        if (c >= '0' && c <= '9') {
            o.next--;  /* -N: the digits are the value */
        } else if (c == 'n' || c == 'c') {
            span->bytes = c == 'c';
        } else {
            tool_message("invalid option -- '%c'", c);
            return -1;
        }
        const char *value = tool_option_value(&o), *digits = value;
        span->from_start = 0;
        if (signs && digits && (*digits == '+' || *digits == '-')) span->from_start = *digits++ == '+';
        span->count = digits ? tool_count(digits) : -1;
        if (span->count < 0) {
            tool_message("invalid number of %s: '%s'", span->bytes ? "bytes" : "lines", value ? value : "");
            return -1;
        }
    }
    return o.index;
}

char **tool_operands(int argc, char **argv, int first, const char *none, int *count) {
    static char *alone[1];
    alone[0] = (char *)none;
    *count = first < argc ? argc - first : 1;
    return first < argc ? argv + first : alone;
}

static int several;  /* tool_each was given several files */

int tool_each(int argc, char **argv, int first, int (*one)(const char *path)) {
    if (first >= argc) return one("-");
    several = argc - first > 1;
    int status = 0;
    for (int i = first; i < argc; i++) status |= one(argv[i]);
    return status;
}

void tool_header(const char *path) {
    static int first = 1;
    if (!several) return;
    printf("%s==> %s <==\n", first ? "" : "\n", strcmp(path, "-") ? path : "standard input");
    fflush(stdout);
    first = 0;
}

int tool_into(int argc, char **argv, int first, int (*one)(const char *from, const char *to)) {
    int operands = argc - first;
    if (operands < 2) {
        tool_message(operands ? "missing destination file operand after '%s'" : "missing file operand",
                     operands ? argv[first] : "");
        return 1;
    }
    const char *target = argv[argc - 1];
    if (!tool_is_directory(target)) {
        if (operands > 2) {
            tool_message("target '%s' is not a directory", target);
            return 1;
        }
        return one(argv[first], target);
    }
    int status = 0;
    for (int i = first; i < argc - 1; i++) {
        char *into = tool_join(target, argv[i]);
        if (!into) {
            tool_error(target);
            return 1;
        }
        status |= one(argv[i], into);
        free(into);
    }
    return status;
}

int tool_open(const char *path) {
    if (strcmp(path, "-") == 0) return STDIN_FILENO;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    return fd;
}

void tool_close(int fd) {
    if (fd != STDIN_FILENO) close(fd);
}

char *tool_read_all(int fd, size_t *length) {
    size_t capacity = 64 * 1024, used = 0;
    char *data = malloc(capacity + 1);
    if (!data) return NULL;
    for (;;) {
        if (used == capacity) {
            char *grown = realloc(data, capacity * 2 + 1);
            if (!grown) {
                free(data);
                errno = ENOMEM;
                return NULL;
            }
            data = grown;
            capacity *= 2;
        }
        ssize_t n = read(fd, data + used, capacity - used);
        if (n < 0) {
            free(data);
            return NULL;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    data[used] = 0;
    *length = used;
    return data;
}

char *tool_read_file(const char *path, size_t *length) {
    int fd = tool_open(path);
    if (fd < 0) return NULL;
    char *data = tool_read_all(fd, length);
    int saved = errno;
    tool_close(fd);
    errno = saved;
    return data;
}

size_t tool_line_length(const char *data, size_t length, size_t at) {
    const char *end = memchr(data + at, '\n', length - at);
    return end ? (size_t)(end - (data + at)) : length - at;
}

int tool_write_all(int fd, const void *data, size_t length) {
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0) return -1;
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int tool_each_block(int fd, const char *path, int (*take)(const char *block, size_t n)) {
    enum { kBlock = 64 * 1024 };
    static char block[kBlock];
    for (;;) {
        ssize_t n = read(fd, block, kBlock);
        if (n < 0) {
            tool_error(path);
            return 1;
        }
        if (n == 0 || take(block, (size_t)n)) return 0;
    }
}

int tool_copy(int in, int out) {
    enum { kBlock = 64 * 1024 };
    static char block[kBlock];
    for (;;) {
        ssize_t n = read(in, block, kBlock);
        if (n < 0) return -1;
        if (n == 0) return 0;
        if (tool_write_all(out, block, (size_t)n) < 0) return -1;
    }
}

int tool_is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *tool_join(const char *dir, const char *name) {
    size_t nl = strlen(name);
    while (nl > 1 && name[nl - 1] == '/') nl--;  /* "a/" is "a" */
    const char *base = name + nl;
    while (base > name && base[-1] != '/') base--;
    size_t bl = (size_t)(name + nl - base);
    size_t dl = strlen(dir);
    char *out = malloc(dl + 1 + bl + 1);
    if (!out) return NULL;
    memcpy(out, dir, dl);
    size_t at = dl;
    if (dl == 0 || dir[dl - 1] != '/') out[at++] = '/';
    memcpy(out + at, base, bl);
    out[at + bl] = 0;
    return out;
}

long long tool_count(const char *text) {
    if (!*text) return -1;
    long long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (value > (0x7fffffffffffffffLL - 9) / 10) return -1;
        value = value * 10 + (*p - '0');
    }
    return value;
}

static int copy_times(const char *to, const struct stat *st) {
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    return utimensat(AT_FDCWD, to, times, 0);
}

static int copy_file(const char *from, const char *to, const struct stat *st, int flags) {
    int in = open(from, O_RDONLY);
    if (in < 0) {
        tool_error(from);
        return 1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 07777);
    if (out < 0) {
        tool_error(to);
        close(in);
        return 1;
    }
    int failed = tool_copy(in, out);
    if (failed) tool_error(to);
    close(in);
    if (close(out) != 0 && !failed) {
        tool_error(to);
        failed = 1;
    }
    if (!failed && chmod(to, st->st_mode & 07777) != 0) failed = 1, tool_error(to);
    if (!failed && (flags & kCopyTimes) && copy_times(to, st) != 0) failed = 1, tool_error(to);
    return failed ? 1 : 0;
}

static int copy_link(const char *from, const char *to) {
    static char target[4097];
    ssize_t n = readlink(from, target, sizeof target - 1);
    if (n < 0) {
        tool_error(from);
        return 1;
    }
    target[n] = 0;
    unlink(to);  /* replaced, as a file would be */
    if (symlink(target, to) != 0) {
        tool_error(to);
        return 1;
    }
    return 0;
}

static int copy_directory(const char *from, const char *to, const struct stat *st, int flags) {
    if (mkdir(to, 0755) != 0 && !(errno == EEXIST && tool_is_directory(to))) {
        tool_error(to);
        return 1;
    }
    DIR *dir = opendir(from);
    if (!dir) {
        tool_error(from);
        return 1;
    }
    int status = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *source = tool_join(from, e->d_name);
        char *target = tool_join(to, e->d_name);
        if (!source || !target) {
            tool_error(from);
            status = 1;
        } else {
            status |= tool_copy_path(source, target, flags);
        }
        free(source);
        free(target);
    }
    closedir(dir);
    if (chmod(to, st->st_mode & 07777) != 0) status = 1, tool_error(to);
    if ((flags & kCopyTimes) && copy_times(to, st) != 0) status = 1, tool_error(to);
    return status;
}

int tool_copy_path(const char *from, const char *to, int flags) {
    struct stat st;
    /* At the top a link is followed unless copying a tree (cp -r keeps links). */
    if (((flags & kCopyRecursive) ? lstat(from, &st) : stat(from, &st)) != 0) {
        tool_error(from);
        return 1;
    }
    if (S_ISLNK(st.st_mode)) return copy_link(from, to);
    if (S_ISDIR(st.st_mode)) {
        if (!(flags & kCopyRecursive)) {
            fflush(stdout);
            fprintf(stderr, "%s: -r not specified; omitting directory '%s'\n", tool_name, from);
            return 1;
        }
        return copy_directory(from, to, &st, flags);
    }
    return copy_file(from, to, &st, flags);
}
