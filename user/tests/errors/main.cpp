// errors: the errors a user sees, checked one by one.
//   errors table       for every rvos Error: its errno (by name) and strerror
//   errors nul         paths (and a service name) with a NUL inside, sent raw
//                      and through the client library: refused, nothing made
//   errors lseek       lseek from the start, the current offset and the end,
//                      and the refusals (a negative offset, the console, ...)
//   errors fill <path> makes <path> a file of the largest size there is
//   errors names       files in /tmp/names whose names have control bytes
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/fs.h"
#include "proto/init.h"
#include "rvos/fs.h"
#include "rvos/ipc.h"
#include "rvos/posix.h"
#include "rvos/service.h"

using rvos::Error;
namespace proto = rvos::proto;

namespace {

struct ErrnoName {
    int value;
    const char* name;
};
#define ERRNO(e) {e, #e}
// The errno values lib/rvos could map an Error to (and then some).
constexpr ErrnoName kErrnos[] = {
    ERRNO(EPERM),     ERRNO(ENOENT),       ERRNO(ESRCH),     ERRNO(EINTR),   ERRNO(EIO),       ERRNO(ENXIO),
    ERRNO(E2BIG),     ERRNO(ENOEXEC),      ERRNO(EBADF),     ERRNO(ECHILD),  ERRNO(EAGAIN),    ERRNO(ENOMEM),
    ERRNO(EACCES),    ERRNO(EFAULT),       ERRNO(EBUSY),     ERRNO(EEXIST),  ERRNO(EXDEV),     ERRNO(ENODEV),
    ERRNO(ENOTDIR),   ERRNO(EISDIR),       ERRNO(EINVAL),    ERRNO(ENFILE),  ERRNO(EMFILE),    ERRNO(ENOTTY),
    ERRNO(EFBIG),     ERRNO(ENOSPC),       ERRNO(ESPIPE),    ERRNO(EROFS),   ERRNO(EPIPE),     ERRNO(EDOM),
    ERRNO(ERANGE),    ERRNO(ENOMSG),       ERRNO(EPROTO),    ERRNO(EBADMSG), ERRNO(ENOSYS),    ERRNO(ENOTEMPTY),
    ERRNO(ENAMETOOLONG), ERRNO(ENOBUFS),   ERRNO(ETIMEDOUT), ERRNO(EMSGSIZE), ERRNO(EDQUOT),   ERRNO(ENOTSUP),
    ERRNO(EOVERFLOW), ERRNO(ECANCELED),    ERRNO(ECONNRESET), ERRNO(ENOTCONN),
    ERRNO(ECONNREFUSED), ERRNO(EADDRINUSE), ERRNO(EHOSTUNREACH), ERRNO(EINPROGRESS), ERRNO(EISCONN), ERRNO(ECONNABORTED),
};

const char* errno_name(int value) {
    for (const ErrnoName& e : kErrnos)
        if (e.value == value) return e.name;
    return "unnamed";
}

int table() {
    for (int32_t value = 1; value <= static_cast<int32_t>(rvos::kLastError); value++) {
        int e = rvos::posix::errno_for(static_cast<Error>(value));
        printf("errors: %d %s %s\n", static_cast<int>(value), errno_name(e), strerror(e));
    }
    return 0;
}

// How a refusal reads: the rvos error and its errno's text.
void report(const char* what, Error error) {
    printf("errors: %s: %s (%s)\n", what, rvos::error_name(error), strerror(rvos::posix::errno_for(error)));
}

int nul_paths() {
    auto fs = rvos::connect("fs");
    if (fs.is_error()) return 1;
    rvos::Handle h = fs.value().handle();
    static const char kPath[] = "/tmp/nul\0tail";  // what a C string would cut to "/tmp/nul"
    proto::Str path(kPath, sizeof kPath - 1);

    // Raw on the wire, as a hostile client sends it: the server refuses.
    proto::InlineBuffer<proto::kRequestHeader + 8 + sizeof kPath + 1> raw;
    uint32_t ordinal = proto::fs::OpenRequest::kOrdinal, flags = proto::kOpenWrite | proto::kOpenCreate,
             length = sizeof kPath - 1;
    uint32_t header[] = {ordinal, flags, length};
    memcpy(raw.data, header, sizeof header);
    raw.length = sizeof header;
    memcpy(raw.data + raw.length, kPath, sizeof kPath);  // the path and its terminating NUL
    raw.length += sizeof kPath;
    proto::fs::OpenReplyBuffer reply;
    Error sent = rvos::UserIpc::write(h, raw);
    auto opened = sent == Error::None ? proto::receive_reply<rvos::UserIpc, proto::fs::OpenReply>(h, reply)
                                      : base::ErrorOr<proto::fs::OpenReply>(sent);
    if (!opened.is_error()) rvos::sys::handle_close(opened.value().file);
    report("open of a path with a NUL, sent raw", opened.is_error() ? opened.error() : Error::None);

    // Through the generated stubs: refused before anything is sent.
    proto::fs::MkdirReplyBuffer mkdir_reply;
    auto made = proto::fs::mkdir<rvos::UserIpc>(h, {path}, mkdir_reply);
    report("mkdir of a path with a NUL", made.is_error() ? made.error() : Error::None);
    proto::fs::StatReplyBuffer stat_reply;
    auto st = proto::fs::stat<rvos::UserIpc>(h, {proto::Str("/tmp/\0", 6)}, stat_reply);
    report("stat of a path with a NUL", st.is_error() ? st.error() : Error::None);
    proto::init::ConnectReplyBuffer connect_reply;
    auto connected = proto::init::connect<rvos::UserIpc>(rvos::kBootHandle, {proto::Str("fs\0x", 4)}, connect_reply);
    if (!connected.is_error()) rvos::sys::handle_close(connected.value().client);
    report("connect to a service name with a NUL", connected.is_error() ? connected.error() : Error::None);

    // Nothing was made under the name the NUL would have cut it to.
    struct stat info;
    printf("errors: /tmp/nul afterwards: %s\n", stat("/tmp/nul", &info) == 0 ? "exists" : strerror(errno));
    return 0;
}

void show_seek(const char* what, off_t result) {
    if (result < 0) printf("errors: lseek %s: %s\n", what, strerror(errno));
    else printf("errors: lseek %s: %ld\n", what, static_cast<long>(result));
}

int seeks() {
    int fd = open("/tmp/seek", O_RDWR | O_CREAT | O_TRUNC);
    if (fd < 0 || write(fd, "hello world\n", 12) != 12) return 1;
    show_seek("0 from the end", lseek(fd, 0, SEEK_END));
    show_seek("-6 from the end", lseek(fd, -6, SEEK_END));
    char word[6] = {};
    printf("errors: read there: '%.*s'\n", static_cast<int>(read(fd, word, 5)), word);
    show_seek("0 from the current offset", lseek(fd, 0, SEEK_CUR));
    show_seek("4 from the start", lseek(fd, 4, SEEK_SET));
    show_seek("-13 from the end", lseek(fd, -13, SEEK_END));
    show_seek("with whence 7", lseek(fd, 0, 7));
    show_seek("on the console", lseek(STDIN_FILENO, 0, SEEK_SET));
    show_seek("on a closed descriptor", lseek(40, 0, SEEK_SET));
    // Past the end and write: the gap reads as zeros.
    show_seek("2 past the end", lseek(fd, 2, SEEK_END));
    if (write(fd, "!", 1) != 1) return 1;
    struct stat st;
    fstat(fd, &st);
    printf("errors: size after writing past the end: %ld\n", static_cast<long>(st.st_size));
    close(fd);
    unlink("/tmp/seek");
    return 0;
}

int fill(const char* path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) return printf("errors: %s: %s\n", path, strerror(errno)), 1;
    static char chunk[64 * 1024];
    memset(chunk, 'x', sizeof chunk);
    size_t total = 0;
    while (total < rvos::kMaxFileSize) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        total += static_cast<size_t>(n);
    }
    ssize_t more = write(fd, "x", 1);
    printf("errors: %s: %zu bytes; one more: %s\n", path, total, more < 0 ? strerror(errno) : "written");
    close(fd);
    return 0;
}

int control_names() {
    mkdir("/tmp/names", 0755);
    static const char* const kNames[] = {"/tmp/names/esc\x1b[2Jx", "/tmp/names/bell\x07", "/tmp/names/tab\tname",
                                         "/tmp/names/high\xff", "/tmp/names/back\\slash", "/tmp/names/plain"};
    for (const char* name : kNames) {
        int fd = open(name, O_WRONLY | O_CREAT);
        if (fd < 0) printf("errors: cannot create a name: %s\n", strerror(errno));
        close(fd);
    }
    puts("errors: names made");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "table") == 0) return table();
    if (argc == 2 && strcmp(argv[1], "nul") == 0) return nul_paths();
    if (argc == 2 && strcmp(argv[1], "lseek") == 0) return seeks();
    if (argc == 3 && strcmp(argv[1], "fill") == 0) return fill(argv[2]);
    if (argc == 2 && strcmp(argv[1], "names") == 0) return control_names();
    puts("usage: errors table | nul | lseek | fill <path> | names");
    return 2;
}
