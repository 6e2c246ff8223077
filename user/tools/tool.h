/* tool.h: what the small tools share (tool.c): the POSIX way of reporting
 * an error ("<tool>: <path>: <strerror>"), reading options, reading a named
 * file or standard input ("-" or no name), and whole-file reads and copies. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* The tool's name for messages: each tool sets it first thing in main. */
extern const char *tool_name;

/* "<tool>: <what>: <strerror(errno)>" on standard error. */
void tool_error(const char *what);
/* "<tool>: <message>" on standard error (printf format). */
void tool_message(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Options are the words before the operands that start with '-' (but are
 * not "-" alone), up to "--". A tool reads them a letter at a time:
 *     struct tool_options o = TOOL_OPTIONS(argc, argv);
 *     for (int c; (c = tool_option(&o));) ...
 * after which o.index is the first operand. */
struct tool_options {
    int argc;
    char **argv;
    int index;        /* the word being read; at the end, the first operand */
    const char *next; /* the letters of that word not read yet */
};
#define TOOL_OPTIONS(argc, argv) {(argc), (argv), 0, ""}
/* The next option letter; 0 after the last. */
int tool_option(struct tool_options *o);
/* The value of the letter just read: the rest of its word, else the next
 * word; NULL if there is none. */
const char *tool_option_value(struct tool_options *o);
/* For a tool whose options are flags only: each letter of `letters` sets
 * the int its place in `flags` points to. The first operand's index, or -1
 * after "<tool>: invalid option -- 'x'". */
int tool_flags(int argc, char **argv, const char *letters, int *const flags[]);
/* The same for options that are whole words ("-p", not "-pq"): `words`
 * ends with NULL; an unknown word is "invalid option -- 'word'". */
int tool_words(int argc, char **argv, const char *const words[], int *const flags[]);
/* The next option word whole (for a tool with options of its own kind, as
 * stat's "-c FORMAT" or "--format=FORMAT"); NULL after the last. */
const char *tool_option_word(struct tool_options *o);
/* head's and tail's options: -n N (lines), -c N (bytes), -N (N of the
 * kind last named); with `signs`, N may start with '+' (from the Nth on:
 * span->from_start) or '-'. The first operand's index, or -1 after a
 * message. */
struct tool_span {
    long long count;
    int bytes, from_start;
};
int tool_span_options(int argc, char **argv, struct tool_span *span, int signs);

/* The operands from argv[first] on, or `none` alone when there are none
 * (e.g. "-": standard input); *count is how many. */
char **tool_operands(int argc, char **argv, int first, const char *none, int *count);
/* Calls `one` for each operand from argv[first] on (standard input, "-",
 * for none); the OR of what it returned. */
int tool_each(int argc, char **argv, int first, int (*one)(const char *path));
/* head's and tail's "==> name <==" over each file's output, when tool_each
 * was given several (a blank line before all but the first, as GNU's). */
void tool_header(const char *path);
/* `tool source target` or `tool source... directory` (cp, mv, ln): calls
 * `one` with each source and the path it goes to (in the directory when
 * the last operand is one); the usual messages when an operand is
 * missing. The OR of what `one` returned, or 1. */
int tool_into(int argc, char **argv, int first, int (*one)(const char *from, const char *to));

/* Opens `path` for reading, standard input for "-"; -1 (errno set) on
 * failure. tool_close closes what tool_open opened (never descriptor 0). */
int tool_open(const char *path);
void tool_close(int fd);

/* Reads all of `fd` into a malloc'd buffer (one extra byte, a NUL, past
 * the end); *length is its size. NULL with errno set on failure. */
char *tool_read_all(int fd, size_t *length);

/* tool_open, tool_read_all and tool_close in one: a whole file, or
 * standard input for "-". NULL with errno set on failure. */
char *tool_read_file(const char *path, size_t *length);
/* The length of the line at data[at] (up to a '\n' or the end). */
size_t tool_line_length(const char *data, size_t length, size_t at);

/* Reads `fd` to its end a block at a time, handing each block to `take`,
 * which returns nonzero to stop there. A read error is reported
 * ("<tool>: <path>: <strerror>"): 1, else 0. */
int tool_each_block(int fd, const char *path, int (*take)(const char *block, size_t n));

/* Writes all of `data` to `fd`; -1 with errno set on failure. */
int tool_write_all(int fd, const void *data, size_t length);

/* Copies all of `in` to `out` in large blocks; -1 with errno set. */
int tool_copy(int in, int out);

/* Whether `path` names an existing directory (following links). */
int tool_is_directory(const char *path);

/* dir + "/" + the last component of `name`, in a malloc'd string. */
char *tool_join(const char *dir, const char *name);

/* Parses a non-negative decimal count (all of `text`); -1 if it is not one. */
long long tool_count(const char *text);

/* cp and mv: copies `from` to `to` (which is replaced if it is a file).
 * A file's data and mode are copied; with kCopyTimes its access and
 * modification times too; with kCopyRecursive a directory and all it holds
 * (symbolic links inside are copied as links), else a directory is an
 * error (cp's "-r not specified"). Errors are reported as
 * "<tool>: <path>: <strerror>"; returns 0 or 1. */
enum { kCopyRecursive = 1, kCopyTimes = 2 };
int tool_copy_path(const char *from, const char *to, int flags);
