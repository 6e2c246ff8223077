/* cat [file...]: writes each file (standard input for "-" or none) to
 * standard output, in order. Exit status 1 if any file could not be read. */
#include <unistd.h>

#include "tool.h"

static int cat_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0 || tool_copy(fd, STDOUT_FILENO) < 0) {
        tool_error(path);
        if (fd >= 0) tool_close(fd);
        return 1;
    }
    tool_close(fd);
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "cat";
    int first = 1;
    if (first < argc && argv[first][0] == '-' && argv[first][1] == '-' && !argv[first][2]) first++;
    return tool_each(argc, argv, first, cat_one);
}
