// Block transfers on the file streams of stdio_file.cpp, for the stdio
// functions that move many bytes at once (fread, fwrite and fgets in
// stdio_blocks.cpp and stdio_lines.cpp): picolibc 1.8 moves those a byte at
// a time through the stream's get/put, these copy whole runs to and from
// the stream's buffer and hand large requests to read/write directly.
#pragma once

#include <stddef.h>
#include <stdio.h>

namespace rvos::stdio {

// Whether `file` is one of the file streams fopen, fdopen, freopen and
// tmpfile make (not the console's, nor picolibc's own string streams).
bool is_file_stream(FILE* file);

// Reads up to `length` bytes into `out`, a byte pushed back by ungetc
// first; fewer only at end of file (which sets feof) or on an error (which
// sets ferror and errno). Returns the bytes read.
size_t read_bytes(FILE* file, char* out, size_t length);

// Writes `length` bytes (buffered as putc would); fewer only on an error,
// which sets ferror and errno. Returns the bytes taken.
size_t write_bytes(FILE* file, const char* data, size_t length);

// Copies what is already read ahead in the buffer, up to and including the
// first newline and at most `most` bytes; 0 when nothing is (then getc
// reads on). For fgets.
size_t take_buffered_line(FILE* file, char* out, size_t most);

}  // namespace rvos::stdio
