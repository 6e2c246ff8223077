/* wc [-lwc] [file...]: newline, word and byte counts of each file
 * (standard input for "-" or none), and a total line for several files.
 * The columns are as wide as GNU wc makes them: one digit for a single
 * count of a single input, else the digits of the regular files' total
 * size (at least 7 if an input is not a regular file). Words are runs of
 * non-space bytes (the C locale). */
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

struct counts {
    unsigned long long lines, words, bytes;
};

static int show_lines, show_words, show_bytes;
static int width = 1;

static int count_fd(int fd, struct counts *c) {
    static char block[16384];
    int in_word = 0;
    for (;;) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0) return -1;
        if (n == 0) return 0;
        c->bytes += (unsigned long long)n;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char b = (unsigned char)block[i];
            if (b == '\n') c->lines++;
            if (isspace(b)) {
                in_word = 0;
            } else if (!in_word && isprint(b)) {
                in_word = 1;
                c->words++;
            }
        }
    }
}

static void print_counts(const struct counts *c, const char *name) {
    const char *sep = "";
    if (show_lines) printf("%s%*llu", sep, width, c->lines), sep = " ";
    if (show_words) printf("%s%*llu", sep, width, c->words), sep = " ";
    if (show_bytes) printf("%s%*llu", sep, width, c->bytes), sep = " ";
    if (name) printf(" %s", name);
    printf("\n");
}

/* GNU wc's compute_number_width. */
static void choose_width(int count, char **names) {
    unsigned long long regular = 0;
    int minimum = 1;
    for (int i = 0; i < count; i++) {
        struct stat st;
        int ok = strcmp(names[i], "-") ? stat(names[i], &st) : fstat(STDIN_FILENO, &st);
        if (ok != 0) {
            if (i == 0) return;  /* the first input cannot be read: width 1 */
            continue;
        }
        if (S_ISREG(st.st_mode)) regular += (unsigned long long)st.st_size;
        else minimum = 7;
    }
    for (width = 1; regular >= 10; regular /= 10) width++;
    if (width < minimum) width = minimum;
}

int main(int argc, char **argv) {
    tool_name = "wc";
    int i = tool_flags(argc, argv, "lwc", (int *const[]){&show_lines, &show_words, &show_bytes});
    if (i < 0) return 1;
    if (!show_lines && !show_words && !show_bytes) show_lines = show_words = show_bytes = 1;
    int count;
    char **names = tool_operands(argc, argv, i, "-", &count);
    if (count == 1 && show_lines + show_words + show_bytes == 1) width = 1;
    else choose_width(count, names);

    struct counts total = {0, 0, 0};
    int status = 0;
    for (int k = 0; k < count; k++) {
        struct counts c = {0, 0, 0};
        int fd = tool_open(names[k]);
        if (fd < 0 || count_fd(fd, &c) < 0) {
            tool_error(names[k]);
            if (fd >= 0) tool_close(fd);
            status = 1;
            continue;
        }
        tool_close(fd);
        print_counts(&c, i < argc ? names[k] : NULL);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
    }
    if (count > 1) print_counts(&total, "total");
    return status;
}
