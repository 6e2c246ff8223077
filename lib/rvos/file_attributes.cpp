// The POSIX calls about a file's attributes rather than its data, on the
// file servers' GetAttributes, Link, Symlink, ReadLink, SetTimes, StatFs
// and SetMode (lib/proto/fs.proto): stat, lstat, link, symlink, readlink,
// utimensat, utimes, utime, chmod and statvfs. There are no owners and
// permissions are not enforced: st_uid and st_gid are 0 and the mode bits
// are what the server keeps.
#define _DEFAULT_SOURCE 1  // AT_FDCWD and friends
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "base/string.h"
#include "rvos/fs.h"
#include "rvos/posix.h"

using namespace rvos;
using rvos::posix::fail;

namespace {

mode_t type_bits(fs::Kind kind) {
    switch (kind) {
    case fs::Kind::Directory: return S_IFDIR;
    case fs::Kind::Symlink: return S_IFLNK;
    case fs::Kind::File: return S_IFREG;
    }
    return S_IFREG;
}

struct timespec timespec_of(const fs::Time& t) {
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(t.seconds);
    ts.tv_nsec = static_cast<long>(t.nanoseconds);
    return ts;
}

int fill(const char* path, struct stat* st, bool follow) {
    auto got = fs::attributes(path, follow);
    if (got.is_error()) return fail(got.error());
    const fs::Attributes& a = got.value();
    *st = {};  // stores inline: a mem_set call cost stat 50 instructions
    st->st_dev = a.device;
    st->st_ino = static_cast<ino_t>(a.inode);
    st->st_mode = type_bits(a.kind) | (a.mode & 07777);
    st->st_nlink = a.links;
    st->st_size = static_cast<off_t>(a.size);
    st->st_blksize = 4096;
    st->st_blocks = static_cast<blkcnt_t>(a.blocks);
    st->st_atim = timespec_of(a.accessed);
    st->st_mtim = timespec_of(a.modified);
    st->st_ctim = timespec_of(a.changed);
    return 0;
}

int result(Error error) { return error == Error::None ? 0 : fail(error); }

// One of utimensat's times: set (value), left alone (UTIME_OMIT) or now.
enum class Want { Set, Omit, Now };
Want want(const struct timespec& t) {
    if (t.tv_nsec == UTIME_OMIT) return Want::Omit;
    if (t.tv_nsec == UTIME_NOW) return Want::Now;
    return Want::Set;
}

}  // namespace

extern "C" {

int stat(const char* path, struct stat* st) { return fill(path, st, true); }
int lstat(const char* path, struct stat* st) { return fill(path, st, false); }

int link(const char* from, const char* to) { return result(fs::link(from, to)); }
int symlink(const char* target, const char* path) {
    if (!target[0]) return fail(Error::NotFound);  // as Linux says it
    return result(fs::symlink(target, path));
}

ssize_t readlink(const char* path, char* buffer, size_t size) {
    static char target[kMaxPathLength + 1];
    auto length = fs::read_link(path, target, sizeof target);
    if (length.is_error()) return fail(length.error());
    size_t n = base::min(size, length.value());  // not NUL-terminated, as POSIX says
    base::mem_copy(buffer, target, n);
    return static_cast<ssize_t>(n);
}

// Only paths (AT_FDCWD, or an absolute path) and no flags: a link's own
// times cannot be set (AT_SYMLINK_NOFOLLOW is ENOTSUP).
int utimensat(int dirfd, const char* path, const struct timespec times[2], int flags) {
    if (flags & AT_SYMLINK_NOFOLLOW) return fail(Error::Unsupported);
    if (flags) return fail(Error::BadArgument);
    if (dirfd != AT_FDCWD && path[0] != '/') return fail(Error::Unsupported);
    fs::Time value[2] = {};
    if (!times) return result(fs::set_times(path, &value[0], &value[1], true));  // both now
    for (int i = 0; i < 2; i++)
        if (want(times[i]) == Want::Set && (times[i].tv_nsec < 0 || times[i].tv_nsec >= 1000000000))
            return fail(Error::BadArgument);
    for (int i = 0; i < 2; i++) value[i] = {times[i].tv_sec, static_cast<uint32_t>(times[i].tv_nsec)};
    // Those set to now in one request, those given in another.
    bool any_now = want(times[0]) == Want::Now || want(times[1]) == Want::Now;
    bool any_set = want(times[0]) == Want::Set || want(times[1]) == Want::Set;
    if (any_now) {
        Error e = fs::set_times(path, want(times[0]) == Want::Now ? &value[0] : nullptr,
                                want(times[1]) == Want::Now ? &value[1] : nullptr, true);
        if (e != Error::None) return fail(e);
    }
    if (any_set || !any_now) {
        Error e = fs::set_times(path, want(times[0]) == Want::Set ? &value[0] : nullptr,
                                want(times[1]) == Want::Set ? &value[1] : nullptr, false);
        if (e != Error::None) return fail(e);
    }
    return 0;
}

int utimes(const char* path, const struct timeval times[2]) {
    if (!times) return utimensat(AT_FDCWD, path, nullptr, 0);
    struct timespec ts[2];
    for (int i = 0; i < 2; i++) {
        if (times[i].tv_usec < 0 || times[i].tv_usec >= 1000000) return fail(Error::BadArgument);
        ts[i].tv_sec = times[i].tv_sec;
        ts[i].tv_nsec = times[i].tv_usec * 1000;
    }
    return utimensat(AT_FDCWD, path, ts, 0);
}

int utime(const char* path, const struct utimbuf* times) {
    if (!times) return utimensat(AT_FDCWD, path, nullptr, 0);
    struct timespec ts[2];
    ts[0].tv_sec = times->actime;
    ts[1].tv_sec = times->modtime;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    return utimensat(AT_FDCWD, path, ts, 0);
}

int chmod(const char* path, mode_t mode) { return result(fs::set_mode(path, mode & 07777)); }

int statvfs(const char* path, struct statvfs* out) {
    auto got = fs::stat_volume(path);
    if (got.is_error()) return fail(got.error());
    // The volume is the one path's server holds; that the path exists is
    // asked separately (POSIX: ENOENT for a missing path).
    auto exists = fs::attributes(path, true);
    if (exists.is_error()) return fail(exists.error());
    const fs::VolumeStat& v = got.value();
    base::mem_set(out, 0, sizeof *out);
    out->f_bsize = out->f_frsize = v.block_size;
    out->f_blocks = v.blocks;
    out->f_bfree = v.free_blocks;
    out->f_bavail = v.available_blocks;
    out->f_files = v.files;
    out->f_ffree = out->f_favail = v.free_files;
    out->f_fsid = exists.value().device;
    out->f_namemax = kMaxFileNameLength;
    return 0;
}

}  // extern "C"
