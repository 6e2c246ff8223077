// fgets: picolibc 1.8's returns NULL when end of file comes before a
// newline, losing the last line of a file that does not end in one; this
// one returns that line, as the C standard asks (NULL only when nothing was
// read, or on a read error). On a file stream it copies what the stream has
// read ahead a line at a time, and calls getc only to refill.
#include <stdio.h>

#include "rvos/stdio_file.h"

extern "C" char* fgets(char* buffer, int size, FILE* stream) {
    if (size <= 0) return nullptr;
    int i = 0;
    while (i < size - 1) {
        size_t run = rvos::stdio::take_buffered_line(stream, buffer + i, static_cast<size_t>(size - 1 - i));
        if (run > 0) {
            i += static_cast<int>(run);
            if (buffer[i - 1] == '\n') break;
            continue;
        }
        int c = getc(stream);
        if (c == EOF) {
            if (i == 0 || ferror(stream)) return nullptr;
            break;
        }
        buffer[i++] = static_cast<char>(c);
        if (c == '\n') break;
    }
    buffer[i] = 0;
    return buffer;
}
