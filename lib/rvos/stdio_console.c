/* stdin, stdout and stderr for picolibc's tinystdio, on descriptors 0, 1
 * and 2 through the POSIX layer (the console, unless the parent handed
 * this program a pipe or a file there). stdout is buffered by line on a
 * terminal and in 4 KiB blocks otherwise (as glibc does), so output into a
 * pipe or a file moves in large messages; stderr is written at each line
 * end (and by fflush and exit), after whatever stdout holds. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static char out_buffer[4096];
static size_t out_used;

static int out_flush(FILE *stream) {
    (void)stream;
    size_t done = 0;
    while (done < out_used) {
        ssize_t n = write(STDOUT_FILENO, out_buffer + done, out_used - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    out_used = 0;
    return 0;
}

static int out_put(char c, FILE *stream) {
    out_buffer[out_used++] = c;
    if (out_used == sizeof out_buffer) {
        out_flush(stream);
    } else if (c == '\n') {
        int saved = errno; /* isatty sets ENOTTY; a put must not */
        if (isatty(STDOUT_FILENO)) out_flush(stream);
        errno = saved;
    }
    return (unsigned char)c;
}

static char err_buffer[256];
static size_t err_used;

static int err_flush(FILE *stream) {
    out_flush(stream); /* what was printed before stays before */
    if (err_used) write(STDERR_FILENO, err_buffer, err_used);
    err_used = 0;
    return 0;
}

static int err_put(char c, FILE *stream) {
    err_buffer[err_used++] = c;
    if (c == '\n' || err_used == sizeof err_buffer) err_flush(stream);
    return (unsigned char)c;
}

/* End of input is _FDEV_EOF, a failed read _FDEV_ERR (tinystdio's EOF is
 * its error value: returned at the end, it would set ferror). */
static int in_get(FILE *stream) {
    unsigned char c;
    out_flush(stream);  /* a prompt shows before the program waits for input */
    ssize_t n = read(STDIN_FILENO, &c, 1);
    return n == 1 ? c : n == 0 ? _FDEV_EOF : _FDEV_ERR;
}

static FILE in_stream = FDEV_SETUP_STREAM(NULL, in_get, out_flush, _FDEV_SETUP_READ);
static FILE out_stream = FDEV_SETUP_STREAM(out_put, NULL, out_flush, _FDEV_SETUP_WRITE);
static FILE err_stream = FDEV_SETUP_STREAM(err_put, NULL, err_flush, _FDEV_SETUP_WRITE);
FILE *const stdin = &in_stream;
FILE *const stdout = &out_stream;
FILE *const stderr = &err_stream;

void rvos_flush_stdout(void) { err_flush(&err_stream); }
