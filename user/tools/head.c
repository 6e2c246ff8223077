/* head [-n N] [-c N] [file...]: the first N lines (default 10) or bytes of
 * each file (standard input for "-" or none); with several files, each
 * under a "==> name <==" header, as GNU head. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static struct tool_span span = {10, 0, 0};

static int head_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        tool_message("cannot open '%s' for reading: %s", path, strerror(errno));
        return 1;
    }
    tool_header(path);
    static char block[16384];
    long long left = span.count;
    while (left > 0) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0) {
            tool_error(path);
            tool_close(fd);
            return 1;
        }
        if (n == 0) break;
        size_t take = (size_t)n;
        if (span.bytes) {
            if ((long long)take > left) take = (size_t)left;
            left -= (long long)take;
        } else {
            for (size_t i = 0; i < (size_t)n; i++)
                if (block[i] == '\n' && --left == 0) {
                    take = i + 1;
                    break;
                }
        }
        tool_write_all(STDOUT_FILENO, block, take);
    }
    tool_close(fd);
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "head";
    int first = tool_span_options(argc, argv, &span, 0);
    return first < 0 ? 1 : tool_each(argc, argv, first, head_one);
}
