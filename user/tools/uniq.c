/* uniq [-cdui] [input [output]]: copies input (standard input for "-" or
 * none) to output (standard output), writing each run of equal adjacent
 * lines once; -c prefixes the run's length (as GNU's "%7d "), -d writes only
 * repeated lines, -u only unrepeated ones, -i compares ignoring case. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static int counts, repeated_only, unique_only, ignore_case;

static int equal(const char *a, size_t an, const char *b, size_t bn) {
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (ignore_case) {
            if (x >= 'A' && x <= 'Z') x += 32;
            if (y >= 'A' && y <= 'Z') y += 32;
        }
        if (x != y) return 0;
    }
    return 1;
}

static void emit(FILE *out, const char *line, size_t length, unsigned long long run) {
    if ((repeated_only && run < 2) || (unique_only && run > 1)) return;
    if (counts) fprintf(out, "%7llu ", run);
    fwrite(line, 1, length, out);
    fputc('\n', out);
}

int main(int argc, char **argv) {
    tool_name = "uniq";
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'c') counts = 1;
            else if (*o == 'd') repeated_only = 1;
            else if (*o == 'u') unique_only = 1;
            else if (*o == 'i') ignore_case = 1;
            else {
                tool_message("invalid option -- '%c'", *o);
                return 1;
            }
        }
    }
    const char *input = i < argc ? argv[i] : "-";
    FILE *out = stdout;
    if (i + 1 < argc) {
        out = fopen(argv[i + 1], "w");
        if (!out) {
            tool_error(argv[i + 1]);
            return 1;
        }
    }
    int fd = tool_open(input);
    size_t length = 0;
    char *data = fd < 0 ? NULL : tool_read_all(fd, &length);
    if (!data) {
        tool_error(input);
        return 1;
    }
    tool_close(fd);
    const char *previous = NULL;
    size_t previous_length = 0;
    unsigned long long run = 0;
    for (size_t at = 0; at < length;) {
        char *end = memchr(data + at, '\n', length - at);
        size_t n = end ? (size_t)(end - (data + at)) : length - at;
        if (previous && equal(previous, previous_length, data + at, n)) {
            run++;
        } else {
            if (previous) emit(out, previous, previous_length, run);
            previous = data + at;
            previous_length = n;
            run = 1;
        }
        at += n + 1;
    }
    if (previous) emit(out, previous, previous_length, run);
    if (out != stdout && fclose(out) != 0) {
        tool_error(argv[i + 1]);
        return 1;
    }
    return 0;
}
