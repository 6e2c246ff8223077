// fread and fwrite in blocks. picolibc 1.8's call the stream's
// get/put once per byte, so 1 MiB through fread was a million indirect
// calls; on the file streams (stdio_file.cpp) these copy whole runs to and
// from the stream's buffer, and requests of a buffer or more go straight
// to read/write. Other streams (the console's, picolibc's string streams)
// keep the byte-at-a-time path, which is theirs.
//
// A size * nmemb that does not fit a size_t cannot describe the caller's
// memory: nothing moves, 0 is returned and errno is EOVERFLOW (glibc and
// musl multiply without checking and move what the wrapped product says).
#include <errno.h>
#include <stdio.h>

#include "rvos/stdio_file.h"

namespace {

// The bytes of `size` * `nmemb`; false (errno EOVERFLOW) if they overflow.
bool request_bytes(size_t size, size_t nmemb, size_t* bytes) {
    if (!__builtin_mul_overflow(size, nmemb, bytes)) return true;
    errno = EOVERFLOW;
    return false;
}

}  // namespace

extern "C" {

size_t fread(void* buffer, size_t size, size_t nmemb, FILE* stream) {
    size_t bytes;
    if (size == 0 || nmemb == 0 || !request_bytes(size, nmemb, &bytes)) return 0;
    auto* out = static_cast<char*>(buffer);
    if (rvos::stdio::is_file_stream(stream)) return rvos::stdio::read_bytes(stream, out, bytes) / size;
    if (!(stream->flags & __SRD)) return 0;
    for (size_t done = 0; done < bytes; done++) {
        int c = getc(stream);
        if (c == EOF) return done / size;
        out[done] = static_cast<char>(c);
    }
    return nmemb;
}

size_t fwrite(const void* data, size_t size, size_t nmemb, FILE* stream) {
    size_t bytes;
    if (size == 0 || nmemb == 0 || !request_bytes(size, nmemb, &bytes)) return 0;
    const auto* in = static_cast<const char*>(data);
    if (rvos::stdio::is_file_stream(stream)) return rvos::stdio::write_bytes(stream, in, bytes) / size;
    if (!(stream->flags & __SWR)) return 0;
    for (size_t done = 0; done < bytes; done++)
        if (stream->put(in[done], stream) < 0) return done / size;
    return nmemb;
}

}  // extern "C"
