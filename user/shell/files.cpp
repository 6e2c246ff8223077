// The shell's file commands, written against the C library like any
// program: ls, cat, write, append, stat, rm, mkdir. Errors print the path
// and the reason, e.g. "cat: /nope: No such file or directory".
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell.h"

namespace shell {

namespace {

void fail(const char* command, const char* path) { printf("%s: %s: %s\n", command, path, strerror(errno)); }

// Copies the next word of `rest` into `out`; false (after printing usage) if
// there is none or it is too long.
bool path_argument(const char*& rest, char* out, size_t size, const char* usage) {
    if (!next_word(rest, out, size)) {
        printf("usage: %s\n", usage);
        return false;
    }
    return true;
}

// A name as ls shows it: printable ASCII as it is, a backslash doubled,
// every other byte (control bytes, ESC, bytes past 0x7e) as \xHH, so a
// name can neither drive the terminal nor pass for another.
void print_name(const char* name) {
    for (const unsigned char* c = reinterpret_cast<const unsigned char*>(name); *c; c++) {
        if (*c == '\\') fputs("\\\\", stdout);
        else if (*c >= 0x20 && *c < 0x7f) putchar(*c);
        else printf("\\x%02x", *c);
    }
}

}  // namespace

void cmd_ls(const char* rest) {
    char path[kMaxPath];
    if (!next_word(rest, path, sizeof path)) strcpy(path, "/");
    DIR* dir = opendir(path);
    if (!dir) return fail("ls", path);
    while (struct dirent* entry = readdir(dir)) {
        printf("%-4s %8ld ", entry->d_type == DT_DIR ? "dir" : "file", static_cast<long>(entry->d_size));
        print_name(entry->d_name);
        putchar('\n');
    }
    closedir(dir);
}

void cmd_cat(const char* rest) {
    char path[kMaxPath];
    if (!path_argument(rest, path, sizeof path, "cat <path>")) return;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail("cat", path);
    char buffer[256];
    ssize_t n;
    bool ends_with_newline = true;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        fwrite(buffer, 1, static_cast<size_t>(n), stdout);
        ends_with_newline = buffer[n - 1] == '\n';
    }
    if (n < 0) fail("cat", path);
    if (!ends_with_newline) putchar('\n');
    close(fd);
}

namespace {

// write and append: the text as typed, one line. A write that fails after
// the open succeeded is reported like a failed open.
void write_line(const char* command, const char* rest, int flags) {
    char path[kMaxPath];
    char usage[32];
    snprintf(usage, sizeof usage, "%s <path> <text>", command);
    if (!path_argument(rest, path, sizeof path, usage)) return;
    while (*rest == ' ') rest++;
    int fd = open(path, O_WRONLY | O_CREAT | flags);
    if (fd < 0) return fail(command, path);
    size_t length = strlen(rest);
    if (write(fd, rest, length) != static_cast<ssize_t>(length) || write(fd, "\n", 1) != 1) fail(command, path);
    close(fd);
}

}  // namespace

void cmd_write(const char* rest) { write_line("write", rest, O_TRUNC); }

void cmd_append(const char* rest) { write_line("append", rest, O_APPEND); }

void cmd_stat(const char* rest) {
    char path[kMaxPath];
    if (!path_argument(rest, path, sizeof path, "stat <path>")) return;
    struct stat st;
    if (stat(path, &st) != 0) return fail("stat", path);
    if (S_ISDIR(st.st_mode)) printf("%s: directory, %ld entries\n", path, static_cast<long>(st.st_size));
    else printf("%s: file, %ld bytes\n", path, static_cast<long>(st.st_size));
}

void cmd_rm(const char* rest) {
    char path[kMaxPath];
    if (!path_argument(rest, path, sizeof path, "rm <path>")) return;
    if (unlink(path) != 0) fail("rm", path);
}

void cmd_mkdir(const char* rest) {
    char path[kMaxPath];
    if (!path_argument(rest, path, sizeof path, "mkdir <path>")) return;
    if (mkdir(path, 0755) != 0) fail("mkdir", path);
}

}  // namespace shell
