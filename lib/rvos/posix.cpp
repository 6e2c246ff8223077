// POSIX hooks picolibc calls (open, read, write, lseek, close, unlink,
// rmdir, fstat, mkdir, rename, access, isatty, _exit, sbrk), implemented on
// lib/rvos (stat, links and times: file_attributes.cpp). A descriptor names
// the console, a file (an fs file channel plus an offset and the access it
// was opened for) or a pipe end (descriptors.h, pipe.h); 0-2 start as the
// console. Paths may be relative to the working directory (rvos::fs
// resolves them).
#include "rvos/posix.h"
#include "rvos/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/string.h"
#include "rvos/console.h"
#include "rvos/descriptors.h"
#include "rvos/fs.h"
#include "rvos/pipe.h"

namespace rvos::posix {

namespace {

uint32_t open_flags(int flags) {
    uint32_t result = 0;
    int access = flags & O_ACCMODE;
    if (access == O_RDONLY || access == O_RDWR) result |= proto::kOpenRead;
    if (access == O_WRONLY || access == O_RDWR) result |= proto::kOpenWrite;
    if (flags & O_CREAT) result |= proto::kOpenCreate;
    if (flags & O_TRUNC) result |= proto::kOpenTruncate;
    if (flags & O_EXCL) result |= proto::kOpenExclusive;
    if (flags & O_APPEND) result |= proto::kOpenAppend;
    return result;
}

void fill_stat(struct stat* st, const fs::Stat& info) {
    base::mem_set(st, 0, sizeof *st);
    st->st_mode = info.kind == fs::Kind::Directory ? (S_IFDIR | 0755) : (S_IFREG | 0644);
    st->st_size = static_cast<off_t>(info.size);
    st->st_nlink = 1;
    st->st_blksize = 512;
}

// Console input for read(0): one line at a time, handed out as bytes.
// Ctrl-D at the start of a line is end of file (0 bytes); a read Ctrl-C
// interrupted fails with EINTR.
char input_line[512];
size_t input_length = 0, input_used = 0;

ssize_t read_console(void* buffer, size_t length) {
    if (length == 0) return 0;
    if (input_used == input_length) {
        auto line = console::read_line(input_line, sizeof input_line - 1);
        if (line.is_error()) return fail(line.error());
        if (line.value().end_of_file) return 0;
        if (line.value().interrupted) {
            errno = EINTR;
            return -1;
        }
        input_length = line.value().length;
        input_line[input_length++] = '\n';
        input_used = 0;
    }
    size_t n = base::min(length, input_length - input_used);
    base::mem_copy(buffer, input_line + input_used, n);
    input_used += n;
    return static_cast<ssize_t>(n);
}

// The break for malloc: anonymous pages from mmap, which hands out
// consecutive addresses, so the heap stays contiguous.
uintptr_t heap_start = 0, heap_end = 0, heap_mapped = 0;

// Maps at least `bytes` more at the end of the heap.
bool grow_heap(size_t bytes) {
    size_t length = base::align_up(bytes, kPageSize);
    auto pages = sys::mmap(length);
    if (pages.is_error()) return false;
    auto at = reinterpret_cast<uintptr_t>(pages.value());
    if (heap_start && at != heap_mapped) {  // someone else mapped memory in between
        sys::munmap(pages.value(), length);
        return false;
    }
    if (!heap_start) heap_start = heap_end = heap_mapped = at;
    heap_mapped += length;
    return true;
}

void* no_memory() {
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
}

}  // namespace

// Every Error has its standard errno (picolibc's values, so strerror gives
// the standard text). No default case: a new Error draws a -Wswitch warning
// until it is mapped here, and fails the table tests/acceptance/test_errors.py
// checks until it is listed there.
int errno_for(Error error) {
    switch (error) {
    case Error::None: return 0;
    case Error::BadSyscall: return ENOSYS;
    case Error::BadAddress: return EFAULT;
    case Error::BadArgument: return EINVAL;
    case Error::BadHandle: return EBADF;
    case Error::HandleTableFull: return EMFILE;
    case Error::ChannelTableFull: return ENFILE;
    case Error::NoMemory: return ENOMEM;
    case Error::QueueFull: return EAGAIN;
    case Error::WouldBlock: return EWOULDBLOCK;
    case Error::PeerClosed: return EPIPE;
    case Error::NotFound: return ENOENT;
    case Error::AlreadyExists: return EEXIST;
    case Error::TooLong: return ENAMETOOLONG;
    case Error::Busy: return EBUSY;
    case Error::ProcessTableFull: return EAGAIN;  // as fork says it
    case Error::ServiceTableFull: return ENOSPC;  // as a full System V id table says it
    case Error::BadMessage: return EBADMSG;
    case Error::BadExecutable: return ENOEXEC;
    case Error::Overflow: return EOVERFLOW;
    case Error::Unsupported: return ENOTSUP;
    case Error::IsDirectory: return EISDIR;
    case Error::NotDirectory: return ENOTDIR;
    case Error::NotEmpty: return ENOTEMPTY;
    case Error::FileTooBig: return EFBIG;
    case Error::WrongType: return EBADF;  // a descriptor of the wrong kind for the call
    case Error::AccessDenied: return EACCES;
    case Error::TimedOut: return ETIMEDOUT;
    case Error::BufferTooSmall: return EMSGSIZE;  // the next message is longer than the buffer
    case Error::DeviceError: return EIO;
    case Error::CrossDevice: return EXDEV;
    case Error::QuotaExceeded: return EDQUOT;
    case Error::NoSpace: return ENOSPC;
    case Error::ConnectionRefused: return ECONNREFUSED;
    case Error::ConnectionReset: return ECONNRESET;
    case Error::AddressInUse: return EADDRINUSE;
    case Error::NotConnected: return ENOTCONN;
    case Error::Unreachable: return EHOSTUNREACH;
    case Error::InProgress: return EINPROGRESS;
    case Error::IsConnected: return EISCONN;
    case Error::ConnectionAborted: return ECONNABORTED;
    }
    return EIO;  // not an Error (a status a broken peer made up)
}

int fail(Error error) {
    errno = errno_for(error);
    return -1;
}

bool console_input_buffered() { return input_used < input_length; }

}  // namespace rvos::posix

namespace rvos::net {
const DescriptorOps* descriptor_ops = nullptr;
}

using namespace rvos;
using rvos::posix::fail;

extern "C" {

int open(const char* path, int flags, ...) {
    auto file = fs::open(path, posix::open_flags(flags));
    // The server's open-file quota is this process's limit on open files.
    if (file.is_error() && file.error() == Error::QuotaExceeded) return fail(Error::HandleTableFull);
    if (file.is_error()) return fail(file.error());
    fd::Open* open = fd::make(fd::Kind::File);
    auto* owned = open ? new fs::File(file.release_value()) : nullptr;
    if (!owned) {
        free(open);
        return fail(Error::NoMemory);
    }
    int access = flags & O_ACCMODE;
    open->file = owned;
    open->append = (flags & O_APPEND) != 0;
    open->readable = access == O_RDONLY || access == O_RDWR;
    open->writable = access == O_WRONLY || access == O_RDWR;
    int fd = fd::install(open);
    fd::release(open);  // the descriptor holds it now (or nothing does: closed)
    return fd < 0 ? fail(Error::HandleTableFull) : fd;
}

int close(int fd) {
    if (net::socket_descriptor(fd)) return net::descriptor_ops->close(fd);
    return fd::close(fd) ? 0 : fail(Error::BadHandle);
}

int dup(int fd) {
    fd::Open* open = fd::get(fd);
    if (!open) return fail(Error::BadHandle);
    int copy = fd::install(open);
    return copy < 0 ? fail(Error::HandleTableFull) : copy;
}

int dup2(int fd, int to) {
    fd::Open* open = fd::get(fd);
    if (!open || to < 0 || to >= fd::kMaxDescriptors) return fail(Error::BadHandle);
    if (fd != to) fd::replace(to, open);
    return to;
}

ssize_t read(int fd, void* buffer, size_t length) {
    if (net::socket_descriptor(fd)) return net::descriptor_ops->read(fd, buffer, length);
    fd::Open* d = fd::get(fd);
    if (!d || !d->readable) return fail(Error::BadHandle);
    if (d->kind == fd::Kind::Console) return posix::read_console(buffer, length);
    if (d->kind == fd::Kind::PipeReader) return pipe::read(d, buffer, length);
    auto n = d->file->read(d->offset, buffer, length);
    if (n.is_error()) return fail(n.error());
    d->offset += n.value();
    return static_cast<ssize_t>(n.value());
}

ssize_t write(int fd, const void* data, size_t length) {
    if (net::socket_descriptor(fd)) return net::descriptor_ops->write(fd, data, length);
    fd::Open* d = fd::get(fd);
    if (!d || !d->writable) return fail(Error::BadHandle);
    if (d->kind == fd::Kind::Console) {
        Error error = console::write(static_cast<const char*>(data), length);
        return error == Error::None ? static_cast<ssize_t>(length) : fail(error);
    }
    if (d->kind == fd::Kind::PipeWriter) return pipe::write(d, data, length);
    if (d->append) {
        auto st = d->file->stat();
        if (st.is_error()) return fail(st.error());
        d->offset = st.value().size;
    }
    auto n = d->file->write(d->offset, data, length);
    if (n.is_error()) return fail(n.error());
    d->offset += n.value();
    return static_cast<ssize_t>(n.value());
}

off_t lseek(int fd, off_t offset, int whence) {
    fd::Open* open = fd::get(fd);
    if (!open) return fail(Error::BadHandle);
    if (open->kind != fd::Kind::File) {  // a terminal or a pipe: no position
        errno = ESPIPE;
        return -1;
    }
    fd::Open* d = open;
    int64_t base = 0;
    if (whence == SEEK_CUR) {
        base = static_cast<int64_t>(d->offset);
    } else if (whence == SEEK_END) {
        auto st = d->file->stat();
        if (st.is_error()) return fail(st.error());
        base = static_cast<int64_t>(st.value().size);
    } else if (whence != SEEK_SET) {
        return fail(Error::BadArgument);
    }
    int64_t target = base + offset;
    if (target < 0) return fail(Error::BadArgument);
    d->offset = static_cast<uint64_t>(target);
    return static_cast<off_t>(target);
}

// Every file server puts what it holds on its storage (the RAM file system
// has nothing to do). fsync does the same for one open file: the servers
// write a volume back as a whole.
void sync(void) { (void)fs::sync_all(); }

int fsync(int fd) {
    fd::Open* open = fd::get(fd);
    if (!open) return fail(Error::BadHandle);
    if (open->kind != fd::Kind::File) return 0;  // the console and pipes keep nothing
    Error error = fs::sync_all();
    return error == Error::None ? 0 : fail(error);
}

int unlink(const char* path) {
    Error error = fs::remove(path);
    return error == Error::None ? 0 : fail(error);
}

// Removes an empty directory; anything else is ENOTDIR.
int rmdir(const char* path) {
    auto info = fs::attributes(path, false);
    if (info.is_error()) return fail(info.error());
    if (info.value().kind != fs::Kind::Directory) return fail(Error::NotDirectory);
    Error error = fs::remove(path);
    return error == Error::None ? 0 : fail(error);
}

int rename(const char* from, const char* to) {
    Error error = fs::rename(from, to);
    return error == Error::None ? 0 : fail(error);
}

// Every existing file can be read, written and run (there are no
// permissions), so access() is whether the path exists.
int access(const char* path, int mode) {
    if (mode & ~(R_OK | W_OK | X_OK)) return fail(Error::BadArgument);
    auto info = fs::stat(path);
    return info.is_error() ? fail(info.error()) : 0;
}

int mkdir(const char* path, mode_t) {
    Error error = fs::mkdir(path);
    return error == Error::None ? 0 : fail(error);
}

int fstat(int fd, struct stat* st) {
    if (net::socket_descriptor(fd)) {
        base::mem_set(st, 0, sizeof *st);
        st->st_mode = S_IFSOCK | 0600;
        return 0;
    }
    fd::Open* open = fd::get(fd);
    if (!open) return fail(Error::BadHandle);
    if (open->kind != fd::Kind::File) {
        base::mem_set(st, 0, sizeof *st);
        st->st_mode = open->kind == fd::Kind::Console ? (S_IFCHR | 0600) : (S_IFIFO | 0600);
        return 0;
    }
    fd::Open* d = open;
    if (!d) return fail(Error::BadHandle);
    auto info = d->file->stat();
    if (info.is_error()) return fail(info.error());
    posix::fill_stat(st, info.value());
    return 0;
}

int isatty(int fd) {
    fd::Open* open = fd::get(fd);
    if (open && open->kind == fd::Kind::Console) return 1;
    errno = open ? ENOTTY : EBADF;
    return 0;
}

void _exit(int status) {
    posix::flush_stdout();
    sys::exit(status);
}

void* sbrk(ptrdiff_t increment) {
    using posix::heap_end;
    using posix::heap_start;
    if (!heap_start && !posix::grow_heap(kPageSize)) return posix::no_memory();
    uintptr_t new_end = heap_end + static_cast<uintptr_t>(increment);
    if (increment < 0 && static_cast<uintptr_t>(-increment) > heap_end - heap_start) {
        errno = EINVAL;
        return reinterpret_cast<void*>(-1);
    }
    if (new_end > posix::heap_mapped && !posix::grow_heap(new_end - posix::heap_mapped)) return posix::no_memory();
    uintptr_t old_end = heap_end;
    heap_end = new_end;
    return reinterpret_cast<void*>(old_end);
}

}  // extern "C"

extern "C" void rvos_flush_stdout(void);
void rvos::posix::flush_stdout() { rvos_flush_stdout(); }
