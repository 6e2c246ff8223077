/* rm [-rf] path...: removes files (and symbolic links, not what they name);
 * directories only with -r, with everything in them. -f: a missing path
 * is not an error and nothing is asked. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static int recursive, force;

static int remove_path(const char *path);

static int remove_tree(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) {
        tool_error(path);
        return 1;
    }
    int status = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *child = tool_join(path, e->d_name);
        if (!child) {
            tool_error(path);
            status = 1;
            break;
        }
        status |= remove_path(child);
        free(child);
    }
    closedir(dir);
    if (rmdir(path) != 0) {
        tool_error(path);
        return 1;
    }
    return status;
}

static int remove_path(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (force && errno == ENOENT) return 0;
        fprintf(stderr, "rm: cannot remove '%s': %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!recursive) {
            fprintf(stderr, "rm: cannot remove '%s': Is a directory\n", path);
            return 1;
        }
        return remove_tree(path);
    }
    if (unlink(path) != 0) {
        fprintf(stderr, "rm: cannot remove '%s': %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "rm";
    int i = tool_flags(argc, argv, "rRf", (int *const[]){&recursive, &recursive, &force});
    if (i < 0) return 1;
    if (i >= argc) {
        if (force) return 0;
        tool_message("missing operand");
        return 1;
    }
    int status = 0;
    for (; i < argc; i++) status |= remove_path(argv[i]);
    return status;
}
