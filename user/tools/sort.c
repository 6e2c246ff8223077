/* sort [-rnuf] [file...]: the lines of all the files (standard input for
 * "-" or none) in byte order (the C locale), or with -n by their leading
 * number (lines with equal numbers, or none, then in byte order, as GNU
 * sort's last-resort comparison); -r reverses, -u keeps the first of each
 * run of equal keys, -f folds lower case to upper (then byte order). No keys (-k) or
 * separators (-t). A last line without '\n' is given one. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

struct line {
    const char *text;
    size_t length;
};

static int reverse, numeric, unique, fold;

static int fold_char(unsigned char c) { return fold && c >= 'a' && c <= 'z' ? c - 32 : c; }

/* Byte order, with -f folded if `folding`. */
static int compare_bytes(const struct line *a, const struct line *b, int folding) {
    size_t n = a->length < b->length ? a->length : b->length;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a->text[i], y = (unsigned char)b->text[i];
        int d = folding ? fold_char(x) - fold_char(y) : x - y;
        if (d) return d;
    }
    return a->length < b->length ? -1 : a->length > b->length;
}

/* The leading number of a line (blanks, an optional '-', digits, an
 * optional fraction), as a long double; 0 for none. */
static long double number_of(const struct line *l) {
    size_t i = 0;
    while (i < l->length && (l->text[i] == ' ' || l->text[i] == '\t')) i++;
    int negative = i < l->length && l->text[i] == '-';
    if (negative) i++;
    long double value = 0;
    while (i < l->length && l->text[i] >= '0' && l->text[i] <= '9') value = value * 10 + (l->text[i++] - '0');
    if (i < l->length && l->text[i] == '.') {
        long double scale = 0.1L;
        for (i++; i < l->length && l->text[i] >= '0' && l->text[i] <= '9'; i++, scale /= 10)
            value += scale * (l->text[i] - '0');
    }
    return negative ? -value : value;
}

/* The key (the number with -n, else the line, folded with -f), then, for
 * lines whose keys are equal, GNU's last resort: the lines' bytes. */
static int compare_keys(const struct line *a, const struct line *b) {
    if (numeric) {
        long double x = number_of(a), y = number_of(b);
        if (x != y) return x < y ? -1 : 1;
    } else if (fold) {
        int c = compare_bytes(a, b, 1);
        if (c) return c;
    }
    return compare_bytes(a, b, 0);
}

static int compare(const void *pa, const void *pb) {
    const struct line *a = pa, *b = pb;
    int c = compare_keys(a, b);
    return reverse ? -c : c;
}

/* Equal for -u: the keys compare equal (only the number with -n). */
static int same(const struct line *a, const struct line *b) {
    if (numeric) return number_of(a) == number_of(b);
    return compare_bytes(a, b, fold) == 0;
}

int main(int argc, char **argv) {
    tool_name = "sort";
    int i = tool_flags(argc, argv, "rnuf", (int *const[]){&reverse, &numeric, &unique, &fold});
    if (i < 0) return 2;
    int count;
    char **names = tool_operands(argc, argv, i, "-", &count);

    struct line *lines = NULL;
    size_t used = 0, capacity = 0;
    for (int k = 0; k < count; k++) {
        size_t length = 0;
        char *data = tool_read_file(names[k], &length);
        if (!data) {
            tool_error(names[k]);
            return 2;
        }
        for (size_t at = 0; at < length;) {
            size_t n = tool_line_length(data, length, at);
            if (used == capacity) {
                capacity = capacity ? capacity * 2 : 1024;
                lines = realloc(lines, capacity * sizeof *lines);
                if (!lines) {
                    tool_error("memory");
                    return 2;
                }
            }
            lines[used++] = (struct line){data + at, n};
            at += n + 1;
        }
    }
    /* qsort is not stable; every tie is broken by the bytes, so order is whole. */
    if (used) qsort(lines, used, sizeof *lines, compare);
    for (size_t k = 0; k < used; k++) {
        if (unique && k > 0 && same(&lines[k - 1], &lines[k])) continue;
        fwrite(lines[k].text, 1, lines[k].length, stdout);
        putchar('\n');
    }
    return 0;
}
