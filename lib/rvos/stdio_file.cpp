// File streams for picolibc's stdio: fopen, fdopen, freopen, fileno and
// tmpfile make FILEs of this kind (the console's are in stdio_console.c).
// picolibc 1.8's own file streams report a failed read as end of file and
// refuse a write to a stream opened for reading without any error; these
// report both (ferror, and errno: EISDIR reading a directory, EBADF writing
// a read-only stream, as POSIX asks). They buffer kBufferSize bytes, one
// bulk transfer of the file server's protocol, so file data crosses to the
// file server in large blocks.
//
// picolibc's stdio calls put/get per byte; fread, fwrite and fgets
// move whole runs of bytes through the same buffer instead (stdio_file.h).
// The stream keeps one buffer that is either read ahead (the descriptor is
// `len - off` bytes past the reader) or written behind (`len` bytes not yet
// written), never both. Open streams are listed, so that exit() and
// fflush(NULL) write out every one (picolibc 1.8's fflush(NULL)
// dereferences the null).
#define _DEFAULT_SOURCE  // mkstemp, fileno
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/protocol.h"
#include "rvos/stdio_file.h"

namespace {

// 64 KiB: 1 MiB through 1 KiB fread calls took 1,459,350 instructions with
// a 16 KiB buffer, 1,230,537 with this (fwrite 1,833,500 and 1,582,775).
constexpr size_t kBufferSize = rvos::proto::kBulkBufferSize;

enum class State : uint8_t { Idle, Reading, Writing };

struct Stream {
    __file_ext ext;  // first: the FILE* stdio holds points here
    int fd;
    bool readable;
    bool writable;
    State state;
    int buffering;  // _IOFBF, _IOLBF or _IONBF
    char* buffer;   // made at the first transfer
    size_t size;
    bool owned;  // buffer came from malloc
    size_t off, len;
    char byte;  // the buffer of an unbuffered stream
    Stream* next;  // the list of open streams
};

Stream* open_streams = nullptr;

Stream* of(FILE* file) { return reinterpret_cast<Stream*>(file); }
FILE* file_of(Stream* s) { return &s->ext.cfile.file; }

bool is_ours(FILE* file);

int fail(Stream* s, int error) {
    errno = error;
    file_of(s)->flags |= __SERR;
    return _FDEV_ERR;
}

bool have_buffer(Stream* s) {
    if (s->buffer) return true;
    if (s->buffering != _IONBF) {
        s->buffer = static_cast<char*>(malloc(kBufferSize));
        s->size = kBufferSize;
        s->owned = true;
    }
    if (!s->buffer) {  // unbuffered, or no memory for a buffer: one byte at a time still works
        s->buffer = &s->byte;
        s->size = 1;
        s->owned = false;
    }
    return true;
}

// Writes out what is buffered; -1 (and the error flag) if the descriptor fails.
int write_behind(Stream* s) {
    size_t done = 0;
    while (done < s->len) {
        ssize_t n = write(s->fd, s->buffer + done, s->len - done);
        if (n <= 0) {
            s->len = 0;  // as glibc: what could not be written is dropped
            s->state = State::Idle;
            fail(s, n < 0 ? errno : EIO);
            return -1;
        }
        done += static_cast<size_t>(n);
    }
    s->len = 0;
    s->state = State::Idle;
    return 0;
}

// Gives back what was read ahead: the descriptor goes back to the reader.
int drop_read_ahead(Stream* s) {
    size_t ahead = s->len - s->off;
    s->off = s->len = 0;
    s->state = State::Idle;
    if (ahead && lseek(s->fd, -static_cast<off_t>(ahead), SEEK_CUR) < 0) return fail(s, errno);
    return 0;
}

int stream_put(char c, FILE* file) {
    Stream* s = of(file);
    if (!s->writable) return fail(s, EBADF);
    if (s->state == State::Reading && drop_read_ahead(s) < 0) return _FDEV_ERR;
    have_buffer(s);
    s->state = State::Writing;
    s->buffer[s->len++] = c;
    bool out = s->len == s->size || (s->buffering == _IOLBF && c == '\n');
    if (out && write_behind(s) < 0) return _FDEV_ERR;
    return static_cast<unsigned char>(c);
}

int stream_get(FILE* file) {
    Stream* s = of(file);
    if (!s->readable) return fail(s, EBADF);
    if (s->state == State::Writing && write_behind(s) < 0) return _FDEV_ERR;
    if (s->state != State::Reading || s->off == s->len) {
        have_buffer(s);
        ssize_t n = read(s->fd, s->buffer, s->size);
        s->off = s->len = 0;
        s->state = State::Idle;
        if (n < 0) return fail(s, errno);
        if (n == 0) return _FDEV_EOF;
        s->len = static_cast<size_t>(n);
        s->state = State::Reading;
    }
    return static_cast<unsigned char>(s->buffer[s->off++]);
}

// fflush: writes out what is buffered; on a stream being read, gives back
// the read-ahead, so the descriptor stands where the reader does (POSIX).
int stream_flush(FILE* file) {
    Stream* s = of(file);
    if (s->state == State::Writing) return write_behind(s) < 0 ? EOF : 0;
    if (s->state == State::Reading) return drop_read_ahead(s) < 0 ? EOF : 0;
    return 0;
}

// fseek and ftell. A byte pushed back with ungetc that is the byte just read
// (the usual case) goes back into the buffer first, so the position counts
// it as unread however stdio treats its pushed-back byte afterwards.
off_t stream_seek(FILE* file, off_t offset, int whence) {
    Stream* s = of(file);
    if (s->state == State::Writing && write_behind(s) < 0) return -1;
    if (file->unget && s->state == State::Reading && s->off > 0 &&
        static_cast<unsigned char>(s->buffer[s->off - 1]) == (file->unget & 0xff)) {
        s->off--;
        file->unget = 0;
    }
    off_t unread = static_cast<off_t>(s->len - s->off) + (file->unget ? 1 : 0);
    if (whence == SEEK_CUR) {
        off_t here = lseek(s->fd, 0, SEEK_CUR);
        if (here < 0) return -1;
        if (offset == 0) return here - unread;  // ftell: nothing moves
        offset += here - unread;
        whence = SEEK_SET;
    }
    s->off = s->len = 0;
    s->state = State::Idle;
    return lseek(s->fd, offset, whence);
}

int stream_setvbuf(FILE* file, char* buffer, int mode, size_t size) {
    Stream* s = of(file);
    if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
        errno = EINVAL;
        return -1;
    }
    if (s->state != State::Idle && stream_flush(file) != 0) return -1;
    if (s->owned) free(s->buffer);
    s->buffer = nullptr;
    s->owned = false;
    s->buffering = mode;
    if (mode != _IONBF && buffer && size > 0) {
        s->buffer = buffer;
        s->size = size;
    }
    return 0;
}

int stream_close(FILE* file) {
    Stream* s = of(file);
    for (Stream** link = &open_streams; *link; link = &(*link)->next) {
        if (*link != s) continue;
        *link = s->next;
        break;
    }
    int result = s->state == State::Writing ? write_behind(s) : 0;
    if (close(s->fd) < 0) result = -1;
    if (s->owned) free(s->buffer);
    free(s);
    return result < 0 ? EOF : 0;
}

// Writes out every stream's buffered output; EOF if any failed.
int flush_all() {
    int result = 0;
    for (Stream* s = open_streams; s; s = s->next)
        if (s->state == State::Writing && write_behind(s) < 0) result = EOF;
    return result;
}

void flush_at_exit() { flush_all(); }

bool is_ours(FILE* file) {
    return (file->flags & __SEXT) && reinterpret_cast<__file_ext*>(file)->seek == stream_seek;
}

// The open(2) flags for an fopen mode; 0 (errno EINVAL) if it is not one.
int open_flags(const char* mode) {
    int flags;
    switch (mode[0]) {
    case 'r': flags = O_RDONLY; break;
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: errno = EINVAL; return -1;
    }
    for (const char* m = mode + 1; *m; m++) {
        if (*m == '+') flags = (flags & ~O_ACCMODE) | O_RDWR;
        else if (*m == 'x') flags |= O_EXCL;
    }
    return flags;
}

void set_up(Stream* s, int fd, int flags) {
    int access = flags & O_ACCMODE;
    s->fd = fd;
    s->readable = access == O_RDONLY || access == O_RDWR;
    s->writable = access == O_WRONLY || access == O_RDWR;
    s->state = State::Idle;
    int saved = errno;  // isatty's ENOTTY is no failure
    s->buffering = isatty(fd) ? _IOLBF : _IOFBF;
    errno = saved;
    s->off = s->len = 0;
    // stdio checks these before calling put/get; the stream itself refuses
    // the wrong direction with EBADF, so both are set.
    file_of(s)->flags = __SRD | __SWR | __SCLOSE | __SEXT;
    file_of(s)->unget = 0;
}

}  // namespace

namespace rvos::stdio {

bool is_file_stream(FILE* file) { return is_ours(file); }

size_t read_bytes(FILE* file, char* out, size_t length) {
    Stream* s = of(file);
    if (!s->readable) return fail(s, EBADF), 0;
    size_t done = 0;
    if (file->unget && length > 0) {  // picolibc keeps the byte as c | 0x100
        out[done++] = static_cast<char>(file->unget & 0xff);
        file->unget = 0;
    }
    if (s->state == State::Writing && write_behind(s) < 0) return done;
    have_buffer(s);
    while (done < length) {
        if (s->state == State::Reading && s->off < s->len) {
            size_t part = s->len - s->off < length - done ? s->len - s->off : length - done;
            memcpy(out + done, s->buffer + s->off, part);
            s->off += part;
            done += part;
            continue;
        }
        // Nothing read ahead: a request of a buffer or more goes straight
        // into the caller's memory, a smaller one refills the buffer.
        s->off = s->len = 0;
        s->state = State::Idle;
        bool direct = length - done >= s->size;
        ssize_t n = direct ? read(s->fd, out + done, length - done) : read(s->fd, s->buffer, s->size);
        if (n < 0) return fail(s, errno), done;
        if (n == 0) {
            file->flags |= __SEOF;
            return done;
        }
        if (direct) {
            done += static_cast<size_t>(n);
        } else {
            s->len = static_cast<size_t>(n);
            s->state = State::Reading;
        }
    }
    return done;
}

size_t write_bytes(FILE* file, const char* data, size_t length) {
    Stream* s = of(file);
    if (!s->writable) return fail(s, EBADF), 0;
    if (s->state == State::Reading && drop_read_ahead(s) < 0) return 0;
    have_buffer(s);
    size_t done = 0;
    if (s->buffering == _IOLBF) {  // a terminal: put writes out at each newline
        while (done < length && stream_put(data[done], file) != _FDEV_ERR) done++;
        return done;
    }
    while (done < length) {
        if (s->len == 0 && length - done >= s->size) {  // a buffer or more: straight from the caller
            ssize_t n = write(s->fd, data + done, length - done);
            if (n <= 0) return fail(s, n < 0 ? errno : EIO), done;
            done += static_cast<size_t>(n);
            continue;
        }
        size_t part = s->size - s->len < length - done ? s->size - s->len : length - done;
        memcpy(s->buffer + s->len, data + done, part);
        s->len += part;
        s->state = State::Writing;
        done += part;
        // A failed write drops the buffer, with this call's `part` in it.
        if (s->len == s->size && write_behind(s) < 0) return done - part;
    }
    return done;
}

size_t take_buffered_line(FILE* file, char* out, size_t most) {
    if (!is_ours(file) || file->unget) return 0;
    Stream* s = of(file);
    if (s->state != State::Reading || s->off == s->len) return 0;
    const char* start = s->buffer + s->off;
    size_t part = s->len - s->off < most ? s->len - s->off : most;
    auto* newline = static_cast<const char*>(memchr(start, '\n', part));
    if (newline) part = static_cast<size_t>(newline - start) + 1;
    memcpy(out, start, part);
    s->off += part;
    return part;
}

}  // namespace rvos::stdio

extern "C" {

FILE* fdopen(int fd, const char* mode) {
    int flags = open_flags(mode);
    if (flags < 0) return nullptr;
    if (fd < 0) {
        errno = EBADF;
        return nullptr;
    }
    auto* s = static_cast<Stream*>(calloc(1, sizeof(Stream)));
    if (!s) {
        errno = ENOMEM;
        return nullptr;
    }
    FILE* file = file_of(s);
    file->put = stream_put;
    file->get = stream_get;
    file->flush = stream_flush;
    s->ext.cfile.close = stream_close;
    s->ext.seek = stream_seek;
    s->ext.setvbuf = stream_setvbuf;
    set_up(s, fd, flags);
    // "a" starts at the end, so ftell tells where writing goes; "a+" reads
    // from the start (writes still go to the end), as glibc and musl do.
    if ((flags & O_APPEND) && (flags & O_ACCMODE) == O_WRONLY) lseek(fd, 0, SEEK_END);
    static bool flushed_at_exit = false;  // exit() writes out what is buffered, as C asks
    if (!flushed_at_exit) flushed_at_exit = atexit(flush_at_exit) == 0;
    s->next = open_streams;
    open_streams = s;
    return file;
}

FILE* fopen(const char* path, const char* mode) {
    int flags = open_flags(mode);
    if (flags < 0) return nullptr;
    int fd = open(path, flags, 0666);
    if (fd < 0) return nullptr;
    FILE* file = fdopen(fd, mode);
    if (!file) close(fd);
    return file;
}

// Only a file stream can be reopened (the console's cannot: EBADF).
FILE* freopen(const char* path, const char* mode, FILE* file) {
    if (!is_ours(file)) {
        errno = EBADF;
        return nullptr;
    }
    Stream* s = of(file);
    int flags = open_flags(mode);
    if (flags < 0 || !path) {  // changing the mode of the same file is not supported
        if (flags >= 0) errno = EBADF;
        return nullptr;
    }
    stream_flush(file);
    close(s->fd);
    int fd = open(path, flags, 0666);
    if (fd < 0) {
        int error = errno;
        stream_close(file);  // the old stream is closed whatever happens (POSIX)
        errno = error;
        return nullptr;
    }
    set_up(s, fd, flags);
    return file;
}

// fflush(NULL) writes out every output stream: the console's and the files'.
int fflush(FILE* file) {
    if (file) return file->flush ? file->flush(file) : 0;
    int result = stdout->flush ? stdout->flush(stdout) : 0;
    if (stderr->flush) stderr->flush(stderr);
    return flush_all() == 0 ? result : EOF;
}

int fileno(FILE* file) {
    if (is_ours(file)) return of(file)->fd;
    if (file == stdin) return STDIN_FILENO;
    if (file == stdout) return STDOUT_FILENO;
    if (file == stderr) return STDERR_FILENO;
    errno = EBADF;
    return -1;
}

// An anonymous file in /tmp, removed from the directory at once and freed
// by the file server when it is closed (picolibc's makes it in the working
// directory).
FILE* tmpfile(void) {
    char name[] = "/tmp/tmpfile-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) return nullptr;
    unlink(name);
    FILE* file = fdopen(fd, "w+");
    if (!file) close(fd);
    return file;
}

// A name in /tmp that names nothing yet. picolibc's L_tmpnam is 8 bytes, so
// a name is "/tmp/" and two characters: 3,844 names, far more than its
// TMP_MAX of 32 (picolibc's own tmpnam names files in the working
// directory). Where the search starts depends on the pid, so two programs
// rarely try the same names.
char* tmpnam(char* buffer) {
    static_assert(L_tmpnam >= sizeof "/tmp/ab", "a name fits a caller's buffer");
    static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    constexpr unsigned kBase = sizeof kLetters - 1, kNames = kBase * kBase;
    static char internal[L_tmpnam];
    static unsigned next = static_cast<unsigned>(getpid()) * 97;
    char* name = buffer ? buffer : internal;
    int saved = errno;
    for (unsigned tries = 0; tries < kNames; tries++) {
        unsigned n = next++ % kNames;
        char candidate[] = {'/', 't', 'm', 'p', '/', kLetters[n / kBase], kLetters[n % kBase], 0};
        if (access(candidate, F_OK) == 0 || errno != ENOENT) continue;
        errno = saved;
        for (size_t i = 0; i < sizeof candidate; i++) name[i] = candidate[i];
        return name;
    }
    return nullptr;
}

}  // extern "C"
