/* mv source target / mv source... directory: renames (atomic within one
 * volume); between volumes (EXDEV) copies the file or tree — data, modes,
 * times, symbolic links — and then removes the source. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static int remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    DIR *dir = opendir(path);
    if (!dir) return -1;
    struct dirent *e;
    int failed = 0;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *child = tool_join(path, e->d_name);
        if (!child || remove_tree(child) != 0) failed = 1;
        free(child);
    }
    closedir(dir);
    return failed ? -1 : rmdir(path);
}

static int move(const char *from, const char *to) {
    if (rename(from, to) == 0) return 0;
    if (errno != EXDEV) {
        fprintf(stderr, "mv: cannot move '%s' to '%s': %s\n", from, to, strerror(errno));
        return 1;
    }
    struct stat st;
    if (lstat(from, &st) == 0 && S_ISDIR(st.st_mode) && tool_is_directory(to)) {
        /* rename would replace an empty directory; do the same. */
        if (rmdir(to) != 0) {
            fprintf(stderr, "mv: cannot move '%s' to '%s': %s\n", from, to, strerror(errno));
            return 1;
        }
    }
    if (tool_copy_path(from, to, kCopyRecursive | kCopyTimes) != 0) return 1;
    if (remove_tree(from) != 0) {
        fprintf(stderr, "mv: cannot remove '%s': %s\n", from, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "mv";
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--")) i++;
    return tool_into(argc, argv, i, move);
}
