/* grep [-EFivxcnlLqhHs] [-e PATTERN]... PATTERN [file...]: prints the lines
 * of each file (standard input for "-" or none) that match, with the C
 * library's regcomp/regexec: basic regular expressions, extended with -E,
 * fixed strings with -F. Options as GNU grep: -i ignore case, -v invert,
 * -x whole line, -w whole word, -c count, -n line numbers, -l / -L names
 * of files with / without a match, -q quiet, -h / -H without / with names,
 * -s no messages about unreadable files. Exit status 0 if a line was
 * selected, 1 if none, 2 on an error (unless -q found a match). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

enum { kMaxPatterns = 64 };
static const char *patterns[kMaxPatterns];
static int pattern_count;
static regex_t compiled[kMaxPatterns];
static int extended, fixed, ignore_case, invert, whole_line, whole_word, count_only, numbers, list_with,
    list_without, quiet, silent;
static int names = -1;  /* -1: when there are several files */

static int word_char(char c) { return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'); }

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Where `needle` first occurs in line[from, length), or -1. */
static long find_fixed(const char *line, size_t length, size_t from, const char *needle) {
    size_t n = strlen(needle);
    for (size_t at = from; at + n <= length; at++) {
        size_t k = 0;
        while (k < n && (ignore_case ? lower((unsigned char)line[at + k]) == lower((unsigned char)needle[k])
                                     : line[at + k] == needle[k]))
            k++;
        if (k == n) return (long)at;
    }
    return -1;
}

/* Whether the match [start, end) satisfies -x / -w. */
static int acceptable(const char *line, size_t length, size_t start, size_t end) {
    if (whole_line) return start == 0 && end == length;
    if (whole_word)
        return (start == 0 || !word_char(line[start - 1])) && (end == length || !word_char(line[end])) &&
               end > start;
    return 1;
}

/* Whether pattern `p` matches the NUL-terminated `line` of `length` bytes. */
static int matches_one(int p, const char *line, size_t length) {
    for (size_t from = 0; from <= length; from++) {
        size_t start, end;
        if (fixed) {
            long at = find_fixed(line, length, from, patterns[p]);
            if (at < 0) return 0;
            start = (size_t)at;
            end = start + strlen(patterns[p]);
        } else {
            regmatch_t m;
            int flags = from > 0 ? REG_NOTBOL : 0;
            if (regexec(&compiled[p], line + from, 1, &m, flags) != 0) return 0;
            start = from + (size_t)m.rm_so;
            end = from + (size_t)m.rm_eo;
        }
        if (acceptable(line, length, start, end)) return 1;
        if (!whole_word) return 0;  /* -x: only the first, longest match can span the line */
        from = start;               /* -w: try the next match */
    }
    return 0;
}

static int selected(const char *line, size_t length) {
    int hit = 0;
    for (int p = 0; p < pattern_count && !hit; p++) hit = matches_one(p, line, length);
    return hit != invert;
}

/* Greps one file: 0 a line selected, 1 none, 2 an error. */
static int grep_one(const char *path) {
    size_t length = 0;
    char *data = tool_read_file(path, &length);
    if (!data) {
        if (!silent) tool_error(path);
        return 2;
    }
    const char *shown = strcmp(path, "-") ? path : "(standard input)";
    unsigned long long count = 0, line_number = 0;
    for (size_t at = 0; at < length;) {
        size_t line_length = tool_line_length(data, length, at);
        char saved = data[at + line_length];
        data[at + line_length] = 0;
        line_number++;
        if (selected(data + at, line_length)) {
            count++;
            if (quiet) break;
            if (!count_only && !list_with && !list_without) {
                if (names) printf("%s:", shown);
                if (numbers) printf("%llu:", line_number);
                fwrite(data + at, 1, line_length, stdout);
                putchar('\n');
            }
        }
        data[at + line_length] = saved;
        if (list_with && count) break;
        at += line_length + 1;
    }
    free(data);
    if (count_only) {
        if (names) printf("%s:", shown);
        printf("%llu\n", count);
    }
    if (list_with && count) printf("%s\n", shown);
    if (list_without && !count) printf("%s\n", shown);
    return count ? 0 : 1;
}

static int usage(void) {
    fprintf(stderr, "Usage: grep [-EFivxwcnlLqhHs] [-e PATTERN]... PATTERN [FILE]...\n");
    return 2;
}

int main(int argc, char **argv) {
    tool_name = "grep";
    struct tool_options o = TOOL_OPTIONS(argc, argv);
    for (int c; (c = tool_option(&o));) {
        switch (c) {
        case 'E': extended = 1; break;
        case 'F': fixed = 1; break;
        case 'G': extended = fixed = 0; break;
        case 'i': ignore_case = 1; break;
        case 'v': invert = 1; break;
        case 'x': whole_line = 1; break;
        case 'w': whole_word = 1; break;
        case 'c': count_only = 1; break;
        case 'n': numbers = 1; break;
        case 'l': list_with = 1; break;
        case 'L': list_without = 1; break;
        case 'q': quiet = 1; break;
        case 'h': names = 0; break;
        case 'H': names = 1; break;
        case 's': silent = 1; break;
        case 'e': {  /* the rest of this word, or the next one, is a pattern */
            const char *value = tool_option_value(&o);
            if (!value || pattern_count == kMaxPatterns) return usage();
            patterns[pattern_count++] = value;
            break;
        }
        default:
            tool_message("invalid option -- '%c'", c);
            return usage();
        }
    }
    int i = o.index;
    if (pattern_count == 0) {
        if (i >= argc) return usage();
        patterns[pattern_count++] = argv[i++];
    }
    if (!fixed) {
        int flags = (extended ? REG_EXTENDED : 0) | (ignore_case ? REG_ICASE : 0);
        for (int p = 0; p < pattern_count; p++) {
            int error = regcomp(&compiled[p], patterns[p], flags);
            if (error) {
                char message[256];
                regerror(error, &compiled[p], message, sizeof message);
                tool_message("%s", message);
                return 2;
            }
        }
    }
    if (names < 0) names = argc - i > 1;
    int count, any_selected = 0, any_error = 0;
    char **paths = tool_operands(argc, argv, i, "-", &count);
    for (int k = 0; k < count; k++) {
        int r = grep_one(paths[k]);
        if (r == 0) any_selected = 1;
        if (r == 2) any_error = 1;
        if (quiet && any_selected) break;
    }
    fflush(stdout);
    if (quiet && any_selected) return 0;
    return any_error ? 2 : any_selected ? 0 : 1;
}
