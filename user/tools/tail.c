/* tail [-n [+]N] [-c [+]N] [file...]: the last N lines (default 10) or
 * bytes of each file, or from the Nth on with "+N" (standard input for "-"
 * or none); with several files, each under a "==> name <==" header. The
 * whole input is read first (no -f). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static struct tool_span span = {10, 0, 0};

static int tail_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        tool_message("cannot open '%s' for reading: %s", path, strerror(errno));
        return 1;
    }
    size_t length = 0;
    char *data = tool_read_all(fd, &length);
    if (!data) tool_error(path);
    tool_close(fd);
    if (!data) return 1;
    tool_header(path);
    long long count = span.count;
    size_t start;
    if (span.bytes) {
        if (span.from_start) start = count > 0 ? (size_t)(count - 1) : 0;
        else start = (long long)length > count ? length - (size_t)count : 0;
        if (start > length) start = length;
    } else if (span.from_start) {
        long long line = 1;
        start = 0;
        while (start < length && line < count) {
            if (data[start++] == '\n') line++;
        }
    } else {
        /* Back from the end: a last line without '\n' counts as a line. */
        start = length;
        long long lines = 0;
        if (start > 0 && data[start - 1] == '\n') start--;
        while (start > 0) {
            if (data[start - 1] == '\n' && ++lines == count) break;
            start--;
        }
        if (count == 0) start = length;
    }
    tool_write_all(STDOUT_FILENO, data + start, length - start);
    free(data);
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "tail";
    int first = tool_span_options(argc, argv, &span, 1);
    return first < 0 ? 1 : tool_each(argc, argv, first, tail_one);
}
