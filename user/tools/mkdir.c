/* mkdir [-p] dir...: makes directories; -p makes missing parents too and
 * is content with a directory that exists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

static int parents;

static int make_one(const char *path) {
    if (mkdir(path, 0755) == 0) return 0;
    if (parents && errno == EEXIST && tool_is_directory(path)) return 0;
    if (parents && errno == ENOENT) {
        char *parent = strdup(path);
        if (!parent) return -1;
        char *slash = strrchr(parent, '/');
        while (slash && slash > parent && slash[1] == 0) {  /* "a/b/" */
            *slash = 0;
            slash = strrchr(parent, '/');
        }
        int made = -1;
        if (slash && slash > parent) {
            *slash = 0;
            made = make_one(parent);
        }
        free(parent);
        if (made == 0) return mkdir(path, 0755) == 0 || (errno == EEXIST && tool_is_directory(path)) ? 0 : -1;
        errno = ENOENT;
    }
    return -1;
}

int main(int argc, char **argv) {
    tool_name = "mkdir";
    int i = tool_words(argc, argv, (const char *const[]){"-p", NULL}, (int *const[]){&parents});
    if (i < 0) return 1;
    if (i >= argc) {
        tool_message("missing operand");
        return 1;
    }
    int status = 0;
    for (; i < argc; i++) {
        if (make_one(argv[i]) != 0) {
            fprintf(stderr, "mkdir: cannot create directory '%s': %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
