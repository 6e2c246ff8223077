/* head [-n N] [-c N] [file...]: the first N lines (default 10) or bytes of
 * each file (standard input for "-" or none); with several files, each
 * under a "==> name <==" header, as GNU head. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static struct tool_span span = {10, 0, 0};

static long long left;  /* lines or bytes of this file still to write */

/* Writes what of `block` is still wanted; nonzero once that is all. */
static int write_wanted(const char *block, size_t n) {
    size_t keep = n;
    if (span.bytes) {
        if ((long long)keep > left) keep = (size_t)left;
        left -= (long long)keep;
    } else {
        for (size_t i = 0; i < n; i++)
            if (block[i] == '\n' && --left == 0) {
                keep = i + 1;
                break;
            }
    }
    tool_write_all(STDOUT_FILENO, block, keep);
    return left == 0;
}

static int head_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        tool_message("cannot open '%s' for reading: %s", path, strerror(errno));
        return 1;
    }
    tool_header(path);
    left = span.count;
    int status = left > 0 ? tool_each_block(fd, path, write_wanted) : 0;
    tool_close(fd);
    return status;
}

int main(int argc, char **argv) {
    tool_name = "head";
    int first = tool_span_options(argc, argv, &span, 0);
    return first < 0 ? 1 : tool_each(argc, argv, first, head_one);
}
