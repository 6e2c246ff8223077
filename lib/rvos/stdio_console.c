/* stdin, stdout and stderr for picolibc's tinystdio, bound to the console
 * through the POSIX layer: output is buffered per line, input comes a line
 * at a time from the console server. */
#include <stdio.h>
#include <unistd.h>

static char out_buffer[256];
static size_t out_used;

static int console_flush(FILE *stream) {
    (void)stream;
    if (out_used) write(STDOUT_FILENO, out_buffer, out_used);
    out_used = 0;
    return 0;
}

static int console_put(char c, FILE *stream) {
    out_buffer[out_used++] = c;
    if (c == '\n' || out_used == sizeof out_buffer) console_flush(stream);
    return (unsigned char)c;
}

static int console_get(FILE *stream) {
    (void)stream;
    unsigned char c;
    console_flush(stream);
    return read(STDIN_FILENO, &c, 1) == 1 ? c : EOF;
}

static FILE console_stream = FDEV_SETUP_STREAM(console_put, console_get, console_flush, _FDEV_SETUP_RW);
FILE *const stdin = &console_stream;
FILE *const stdout = &console_stream;
FILE *const stderr = &console_stream;

void rvos_flush_stdout(void) { console_flush(&console_stream); }
