/* tail [-n [+]N] [-c [+]N] [file...]: the last N lines (default 10) or
 * bytes of each file, or from the Nth on with "+N" (standard input for "-"
 * or none); with several files, each under a "==> name <==" header. The
 * whole input is read first (no -f). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static long long count = 10;
static int bytes = 0, from_start = 0;

static int headers = 0;  /* several files: each under a header */

/* GNU's header: a blank line before every one but the first printed. */
static void header(const char *path) {
    static int first = 1;
    if (!headers) return;
    printf("%s==> %s <==\n", first ? "" : "\n", strcmp(path, "-") ? path : "standard input");
    fflush(stdout);
    first = 0;
}

static int tail_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        fflush(stdout);
        fprintf(stderr, "tail: cannot open '%s' for reading: %s\n", path, strerror(errno));
        return 1;
    }
    size_t length = 0;
    char *data = fd < 0 ? NULL : tool_read_all(fd, &length);
    if (!data) {
        tool_error(path);
        if (fd >= 0) tool_close(fd);
        return 1;
    }
    tool_close(fd);
    header(path);
    size_t start;
    if (bytes) {
        if (from_start) start = count > 0 ? (size_t)(count - 1) : 0;
        else start = (long long)length > count ? length - (size_t)count : 0;
        if (start > length) start = length;
    } else if (from_start) {
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
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *value = NULL;
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (argv[i][1] == 'n' || argv[i][1] == 'c') {
            bytes = argv[i][1] == 'c';
            value = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : NULL);
        } else if (argv[i][1] >= '0' && argv[i][1] <= '9') {
            value = argv[i] + 1;
        } else {
            tool_message("invalid option -- '%c'", argv[i][1]);
            return 1;
        }
        const char *digits = value;
        from_start = 0;
        if (digits && (*digits == '+' || *digits == '-')) from_start = *digits++ == '+';
        count = digits ? tool_count(digits) : -1;
        if (count < 0) {
            tool_message("invalid number of %s: '%s'", bytes ? "bytes" : "lines", value ? value : "");
            return 1;
        }
    }
    if (i >= argc) return tail_one("-");
    int status = 0;
    headers = argc - i > 1;
    for (; i < argc; i++) {
        status |= tail_one(argv[i]);
    }
    return status;
}
