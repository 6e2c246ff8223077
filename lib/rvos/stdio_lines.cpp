// fgets: picolibc 1.8's returns NULL when end of file comes before a
// newline, losing the last line of a file that does not end in one; this
// one returns that line, as the C standard asks (NULL only when nothing was
// read, or on a read error).
#include <stdio.h>

extern "C" char* fgets(char* buffer, int size, FILE* stream) {
    if (size <= 0) return nullptr;
    int i = 0;
    while (i < size - 1) {
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
