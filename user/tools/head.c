/* head [-n N] [-c N] [file...]: the first N lines (default 10) or bytes of
 * each file (standard input for "-" or none); with several files, each
 * under a "==> name <==" header, as GNU head. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static long long count = 10;
static int bytes = 0;

static int headers = 0;  /* several files: each under a header */

/* GNU's header: a blank line before every one but the first printed. */
static void header(const char *path) {
    static int first = 1;
    if (!headers) return;
    printf("%s==> %s <==\n", first ? "" : "\n", strcmp(path, "-") ? path : "standard input");
    fflush(stdout);
    first = 0;
}

static int head_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        fflush(stdout);
        fprintf(stderr, "head: cannot open '%s' for reading: %s\n", path, strerror(errno));
        return 1;
    }
    header(path);
    static char block[16384];
    long long left = count;
    while (left > 0) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0) {
            tool_error(path);
            tool_close(fd);
            return 1;
        }
        if (n == 0) break;
        size_t take = (size_t)n;
        if (bytes) {
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
        count = value ? tool_count(value) : -1;
        if (count < 0) {
            tool_message("invalid number of %s: '%s'", bytes ? "bytes" : "lines", value ? value : "");
            return 1;
        }
    }
    if (i >= argc) return head_one("-");
    int status = 0;
    headers = argc - i > 1;
    for (; i < argc; i++) {
        status |= head_one(argv[i]);
    }
    return status;
}
