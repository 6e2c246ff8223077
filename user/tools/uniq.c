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
    int i = tool_flags(argc, argv, "cdui", (int *const[]){&counts, &repeated_only, &unique_only, &ignore_case});
    if (i < 0) return 1;
    const char *input = i < argc ? argv[i] : "-";
    FILE *out = stdout;
    if (i + 1 < argc) {
        out = fopen(argv[i + 1], "w");
        if (!out) {
            tool_error(argv[i + 1]);
            return 1;
        }
    }
    size_t length = 0;
    char *data = tool_read_file(input, &length);
    if (!data) {
        tool_error(input);
        return 1;
    }
    const char *previous = NULL;
    size_t previous_length = 0;
    unsigned long long run = 0;
    for (size_t at = 0; at < length;) {
        size_t n = tool_line_length(data, length, at);
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
