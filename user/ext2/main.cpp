// ext2: the file server for the ext2 volume on the first disk (blk0),
// served as "root" with the same fs and file protocols as the RAM file
// system (lib/proto/fs.proto, file.proto), so programs use either the same
// way. The file system itself is lib/ext2; this program is its glue: a
// block device over the block protocol (block_client.*), a clock, one file
// channel per open file (its inode retained while open), and write-back: a
// timer flushes changes at most kWriteBackDelayNs after they were made.
#include <stdlib.h>
#include <time.h>

#include "block_client.h"
#include "ext2/volume.h"
#include "proto/file.h"
#include "proto/fs.h"
#include "rvos/console.h"
#include "rvos/file_server.h"
#include "rvos/server.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "rvos/syscall.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace fsp = rvos::proto::fs;
namespace filep = rvos::proto::file;
using Ext2Server = rvos::FileServerLoop;

constexpr uint32_t kCacheBlocks = 512;  // 2 MiB of 4 KiB blocks
constexpr uint16_t kFileMode = 0644, kDirMode = 0755;

// The time is read once per request (a syscall), however many stamps the
// request makes: a create stamps the new inode and its directory, a write
// the file; they get the same time, as one operation should.
class SystemClock final : public ext2::Clock {
public:
    ext2::Timestamp now() override {
        if (!known_) {
            struct timespec ts {};
            clock_gettime(CLOCK_REALTIME, &ts);
            now_ = {ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)};
            known_ = true;
        }
        return now_;
    }
    uint64_t monotonic_ns() override { return rvos::sys::clock_ns(); }
    // A new request: the next stamp reads the time again.
    void next_request() { known_ = false; }

private:
    ext2::Timestamp now_{};
    bool known_ = false;
};

ext2srv::BlockClient disk;
SystemClock system_clock;
ext2::Volume volume;
Ext2Server server;
Handle flush_timer = rvos::kNoHandle;

struct OpenFile {
    uint32_t ino;
    uint32_t flags;
    rvos::SharedMemory bulk;
};

rvos::proto::FsKind kind_of(ext2::FileType type) {
    if (type == ext2::FileType::Directory) return rvos::proto::FsKind::Directory;
    if (type == ext2::FileType::Symlink) return rvos::proto::FsKind::Symlink;
    return rvos::proto::FsKind::File;
}

fsp::Time time_of(const ext2::Timestamp& t) { return {t.seconds, t.nanoseconds}; }

// The file system's number in Attributes::device (the RAM file system is 1).
constexpr uint32_t kDevice = 2;

// The write-back timer's deadline as last set (0: not known, after it
// fired), so a change that leaves the deadline where it is (every change
// after the first until the write-back) costs no syscall.
uint64_t timer_deadline = 0;

void set_flush_timer(uint64_t deadline) {
    if (deadline == timer_deadline) return;
    rvos::sys::timer_set(flush_timer, deadline);
    timer_deadline = deadline;
}

// After a change: the timer fires when the oldest unwritten change is
// kWriteBackDelayNs old.
void changed() {
    if (volume.has_unwritten()) set_flush_timer(volume.dirty_since_ns() + ext2::kWriteBackDelayNs);
}

void flush_due(Ext2Server&, Handle, void*, Buffer&) {
    timer_deadline = 0;  // fired: whatever comes next is set again
    system_clock.next_request();
    uint64_t now = rvos::sys::clock_ns();
    auto flushed = volume.flush_if_older_than(now - ext2::kWriteBackDelayNs);
    if (flushed.is_error())
        rvos::console::print("ext2: write-back failed: %s\n", rvos::error_name(flushed.error()));
    if (volume.has_unwritten()) changed();
    else set_flush_timer(rvos::kDeadlineNever);
}

// ---- File channels ------------------------------------------------------------------

void file_closed(Ext2Server&, Handle, void* context) {
    auto* file = static_cast<OpenFile*>(context);
    system_clock.next_request();
    (void)volume.release(file->ino);
    changed();
    delete file;
}

struct FileHandler {
    OpenFile& file;

    bool writable() const { return file.flags & rvos::proto::kOpenWrite; }
    bool readable() const { return file.flags & rvos::proto::kOpenRead; }
    bool access_time() const { return !(file.flags & rvos::proto::kOpenNoAccessTime); }

    base::ErrorOr<uint64_t> size() { return TRY(volume.stat(file.ino)).size; }
    base::ErrorOr<uint64_t> write_offset(uint64_t offset) {
        return (file.flags & rvos::proto::kOpenAppend) ? TRY(size()) : offset;
    }

    Error read(Handle, const filep::ReadRequest& r, filep::ReadReply& out) {
        static uint8_t data[rvos::proto::kFileChunk];
        if (!readable()) return Error::BadHandle;
        size_t length = base::min<size_t>(r.length, sizeof data);
        size_t n = TRY(volume.read(file.ino, r.offset, data, length, access_time()));
        out.data = rvos::proto::Bytes(data, n);
        return Error::None;
    }
    Error write(Handle, const filep::WriteRequest& r, filep::WriteReply& out) {
        if (!writable()) return Error::BadHandle;
        uint64_t offset = TRY(write_offset(r.offset));
        out.written = static_cast<uint32_t>(TRY(volume.write(file.ino, offset, r.data.data, r.data.length)));
        out.size = TRY(size());
        changed();
        return Error::None;
    }
    Error stat(Handle, const filep::StatRequest&, filep::StatReply& out) {
        ext2::Stat st = TRY(volume.stat(file.ino));
        out.kind = static_cast<uint8_t>(kind_of(st.type));
        out.size = st.size;
        return Error::None;
    }
    Error attach_buffer(Handle, filep::AttachBufferRequest& r, filep::AttachBufferReply&) {
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;
        file.bulk = TRY(rvos::SharedMemory::map(memory));
        return Error::None;
    }
    Error bulk_check(uint32_t length) const {
        return !file.bulk.valid() || length > file.bulk.size() ? Error::BadArgument : Error::None;
    }
    Error read_bulk(Handle, const filep::ReadBulkRequest& r, filep::ReadBulkReply& out) {
        TRY_STATUS(bulk_check(r.length));
        if (!readable()) return Error::BadHandle;
        out.read = static_cast<uint32_t>(TRY(volume.read(file.ino, r.offset, file.bulk.data(), r.length, access_time())));
        return Error::None;
    }
    Error read_into(Handle, filep::ReadIntoRequest& r, filep::ReadIntoReply& out) {
        if (!readable()) return Error::BadHandle;
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;
        rvos::SharedMemory view = TRY(rvos::SharedMemory::map(memory));  // unmapped before the reply
        if (r.length > view.size()) return Error::BadArgument;
        out.read = static_cast<uint32_t>(TRY(volume.read(file.ino, r.offset, view.data(), r.length, access_time())));
        return Error::None;
    }
    Error write_bulk(Handle, const filep::WriteBulkRequest& r, filep::WriteBulkReply& out) {
        TRY_STATUS(bulk_check(r.length));
        if (!writable()) return Error::BadHandle;
        uint64_t offset = TRY(write_offset(r.offset));
        out.written = static_cast<uint32_t>(TRY(volume.write(file.ino, offset, file.bulk.data(), r.length)));
        out.size = TRY(size());
        changed();
        return Error::None;
    }
};

void handle_file(Ext2Server& loop, Handle client, void* context, Buffer& message) {
    system_clock.next_request();
    FileHandler handler{*static_cast<OpenFile*>(context)};
    filep::dispatch(loop, client, message, handler);
}

// ---- The control channel --------------------------------------------------------------

// The inode a path names, creating a file if asked.
base::ErrorOr<uint32_t> open_inode(const char* path, uint32_t flags) {
    auto found = volume.resolve(path);
    if (!found.is_error()) {
        if ((flags & rvos::proto::kOpenCreate) && (flags & rvos::proto::kOpenExclusive)) return Error::AlreadyExists;
        return found.value();
    }
    if (found.error() != Error::NotFound || !(flags & rvos::proto::kOpenCreate)) return found.error();
    ext2::Name name;
    uint32_t dir = TRY(volume.resolve_parent(path, &name));
    return volume.create(dir, name, kFileMode);
}

// Where the last listing reply stopped (see ControlHandler::read_dir).
struct ListingPlace {
    uint32_t dir = 0;
    uint32_t index = 0;   // the `first` of the request that reads on
    uint64_t cookie = 0;  // the volume's cookie for that entry
};
ListingPlace listing;

struct ControlHandler {
    Error open(Handle, const fsp::OpenRequest& r, fsp::OpenReply& out) {
        uint32_t ino = TRY(open_inode(r.path.data, r.flags));
        ext2::Stat st = TRY(volume.stat(ino));
        bool writing = r.flags & (rvos::proto::kOpenWrite | rvos::proto::kOpenTruncate | rvos::proto::kOpenAppend);
        if (st.type == ext2::FileType::Directory && writing) return Error::IsDirectory;
        if ((r.flags & rvos::proto::kOpenTruncate) && (r.flags & rvos::proto::kOpenWrite)) TRY(volume.truncate(ino, 0));
        TRY(volume.retain(ino));
        auto* file = new OpenFile{ino, r.flags, {}};
        auto pair = rvos::sys::chan_create();
        if (!file || pair.is_error() || !server.watch(pair.value().a, handle_file, file, file_closed)) {
            if (!pair.is_error()) {
                rvos::sys::handle_close(pair.value().a);
                rvos::sys::handle_close(pair.value().b);
            }
            delete file;
            (void)volume.release(ino);
            return pair.is_error() ? pair.error() : Error::HandleTableFull;
        }
        changed();
        out.size = TRY(volume.stat(ino)).size;
        out.file = pair.value().b;
        return Error::None;
    }
    Error delete_(Handle, const fsp::DeleteRequest& r, fsp::DeleteReply&) {
        ext2::Name name;
        uint32_t dir = TRY(volume.resolve_parent(r.path.data, &name));
        uint32_t ino = TRY(volume.lookup(dir, name));
        ext2::Stat st = TRY(volume.stat(ino));
        TRY(st.type == ext2::FileType::Directory ? volume.rmdir(dir, name) : volume.unlink(dir, name));
        changed();
        return Error::None;
    }
    Error mkdir(Handle, const fsp::MkdirRequest& r, fsp::MkdirReply&) {
        ext2::Name name;
        uint32_t dir = TRY(volume.resolve_parent(r.path.data, &name));
        TRY(volume.mkdir(dir, name, kDirMode));
        changed();
        return Error::None;
    }
    Error sync(Handle, const fsp::SyncRequest&, fsp::SyncReply&) {
        TRY(volume.sync());
        set_flush_timer(rvos::kDeadlineNever);
        return Error::None;
    }
    Error rename(Handle, const fsp::RenameRequest& r, fsp::RenameReply&) {
        ext2::Name from, to;
        uint32_t from_dir = TRY(volume.resolve_parent(r.from.data, &from));
        uint32_t to_dir = TRY(volume.resolve_parent(r.to.data, &to));
        TRY(volume.rename(from_dir, from, to_dir, to));
        changed();
        return Error::None;
    }
    Error read_file(Handle, fsp::ReadFileRequest& r, fsp::ReadFileReply& out) {
        Handle memory = r.memory;
        r.memory = rvos::kNoHandle;
        rvos::SharedMemory view = TRY(rvos::SharedMemory::map(memory));  // unmapped before the reply
        if (r.length > view.size()) return Error::BadArgument;
        uint32_t ino = TRY(volume.resolve(r.path.data));
        out.read = static_cast<uint32_t>(TRY(volume.read(ino, r.offset, view.data(), r.length, false)));
        return Error::None;
    }
    Error stat(Handle, const fsp::StatRequest& r, fsp::StatReply& out) {
        ext2::Stat st = TRY(volume.stat(TRY(volume.resolve(r.path.data))));
        out.kind = static_cast<uint8_t>(kind_of(st.type));
        out.size = st.size;
        return Error::None;
    }
    Error get_attributes(Handle, const fsp::GetAttributesRequest& r, fsp::GetAttributesReply& out) {
        ext2::Stat st = TRY(volume.stat(TRY(volume.resolve(r.path.data, r.follow))));
        fsp::Attributes& a = out.attributes;
        a.kind = static_cast<uint8_t>(kind_of(st.type));
        a.mode = st.mode & 07777;
        a.links = st.links;
        a.inode = st.ino;
        a.device = kDevice;
        a.size = st.size;
        a.blocks = st.sectors;
        a.accessed = time_of(st.atime);
        a.modified = time_of(st.mtime);
        a.changed = time_of(st.ctime);
        return Error::None;
    }
    Error link(Handle, const fsp::LinkRequest& r, fsp::LinkReply&) {
        uint32_t ino = TRY(volume.resolve(r.from.data, false));
        ext2::Name name;
        uint32_t dir = TRY(volume.resolve_parent(r.to.data, &name));
        TRY(volume.link(dir, name, ino));
        changed();
        return Error::None;
    }
    Error symlink(Handle, const fsp::SymlinkRequest& r, fsp::SymlinkReply&) {
        ext2::Name name;
        uint32_t dir = TRY(volume.resolve_parent(r.path.data, &name));
        TRY(volume.symlink(dir, name, r.target.data, base::str_length(r.target.data)));
        changed();
        return Error::None;
    }
    Error read_link(Handle, const fsp::ReadLinkRequest& r, fsp::ReadLinkReply& out) {
        static char target[rvos::kMaxPathLength + 1];
        uint32_t ino = TRY(volume.resolve(r.path.data, false));
        if (TRY(volume.stat(ino)).type != ext2::FileType::Symlink) return Error::BadArgument;
        size_t n = TRY(volume.readlink(ino, target, sizeof target - 1));
        target[n] = 0;
        out.target = target;
        return Error::None;
    }
    Error set_times(Handle, const fsp::SetTimesRequest& r, fsp::SetTimesReply&) {
        uint32_t ino = TRY(volume.resolve(r.path.data));
        ext2::Timestamp now = system_clock.now();
        ext2::Timestamp accessed = r.now ? now : ext2::Timestamp{r.accessed.seconds, r.accessed.nanoseconds};
        ext2::Timestamp modified = r.now ? now : ext2::Timestamp{r.modified.seconds, r.modified.nanoseconds};
        TRY(volume.set_times(ino, r.set_accessed ? &accessed : nullptr, r.set_modified ? &modified : nullptr));
        changed();
        return Error::None;
    }
    Error set_mode(Handle, const fsp::SetModeRequest& r, fsp::SetModeReply&) {
        TRY(volume.set_mode(TRY(volume.resolve(r.path.data)), static_cast<uint16_t>(r.mode & 07777)));
        changed();
        return Error::None;
    }
    Error stat_fs(Handle, const fsp::StatFsRequest&, fsp::StatFsReply& out) {
        ext2::VolumeInfo info = volume.info();
        out.block_size = info.block_size;
        out.blocks = info.blocks;
        out.free_blocks = info.free_blocks;
        out.available_blocks = info.available_blocks;
        out.files = info.inodes;
        out.free_files = info.free_inodes;
        return Error::None;
    }
    // Entries from the `first`-th on, "." and ".." left out as the RAM
    // file system does. A client reading on where the last reply stopped
    // (the next `first` of the same directory) resumes at that reply's
    // cookie instead of counting entries from the start again, so listing
    // a directory is linear in its size, not quadratic.
    Error read_dir(Handle, const fsp::ReadDirRequest& r, fsp::ReadDirReply& out) {
        static ext2::DirEntry entries[rvos::proto::kDirBatch + 1];
        uint32_t dir = TRY(volume.resolve(r.path.data));
        if (TRY(volume.stat(dir)).type != ext2::FileType::Directory) return Error::NotDirectory;
        uint64_t cookie = 0;
        uint32_t index = 0;
        if (r.first != 0 && listing.dir == dir && listing.index == r.first) {
            cookie = listing.cookie;
            index = r.first;
        }
        size_t kept = 0;  // entries[0, kept) are the reply's, and one more says `more`
        while (kept <= rvos::proto::kDirBatch) {
            size_t n = TRY(volume.read_dir(dir, &cookie, entries + kept, rvos::proto::kDirBatch + 1 - kept));
            if (n == 0) break;
            size_t from = kept;
            for (size_t i = from; i < from + n; i++) {
                if (base::str_equal(entries[i].name, ".") || base::str_equal(entries[i].name, "..")) continue;
                if (index++ < r.first) continue;
                if (kept != i) entries[kept] = entries[i];
                kept++;
            }
        }
        out.more = kept > rvos::proto::kDirBatch;
        size_t got = out.more ? rvos::proto::kDirBatch : kept;
        listing = out.more ? ListingPlace{dir, r.first + static_cast<uint32_t>(got), entries[got - 1].next}
                           : ListingPlace{};
        for (size_t i = 0; i < got; i++) {
            fsp::DirEntry& d = out.entries[out.entries_count++];
            ext2::Stat st = TRY(volume.stat(entries[i].ino));
            d.kind = static_cast<uint8_t>(kind_of(st.type));
            d.size = st.size;
            d.name = entries[i].name;
        }
        return Error::None;
    }
};

void handle_control(Ext2Server& loop, Handle client, void*, Buffer& message) {
    system_clock.next_request();
    ControlHandler handler;
    fsp::dispatch(loop, client, message, handler);
}

}  // namespace

int main() {
    Error error = disk.open("blk0");
    if (error != Error::None) {
        rvos::console::print("ext2: no disk (blk0): %s\n", rvos::error_name(error));
        return 1;
    }
    size_t bytes = ext2::Volume::memory_for(kCacheBlocks, 4096);
    void* memory = malloc(bytes);
    ext2::MountOptions options;
    options.read_only = disk.read_only();
    auto mounted = memory ? volume.mount(disk, system_clock, memory, bytes, options)
                          : base::ErrorOr<void>(Error::NoMemory);
    if (mounted.is_error()) {
        rvos::console::print("ext2: cannot mount blk0: %s\n", rvos::error_name(mounted.error()));
        return 1;
    }
    auto timer = rvos::sys::timer_create();
    auto listen = rvos::register_service("root");
    if (timer.is_error() || listen.is_error()) {
        rvos::console::print("ext2: cannot start: %s\n",
                             rvos::error_name(timer.is_error() ? timer.error() : listen.error()));
        return 1;
    }
    flush_timer = timer.value();
    server.watch_signals(flush_timer, rvos::kSignalFired, flush_due, nullptr);
    server.listen(listen.release_value().release(), handle_control);
    server.run();
}
