// Pipes (see pipe.h) and pipe(2).
#include "rvos/pipe.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/string.h"
#include "rvos/posix.h"
#include "rvos/signals.h"
#include "rvos/syscall.h"

namespace rvos::pipe {

namespace {

// A pipe message is at most kPipeChunk bytes from lib/rvos, but the other
// end may be any program: the reader takes whole messages of any size.
constexpr size_t kReadBuffer = kMaxMessageBytes;
// How long a writer facing a full pipe waits before trying again, unless
// the reader goes away first (it watches for that).
constexpr uint64_t kFullPipeRetryNs = 1'000'000;

bool is_full(Error error) {
    return error == Error::QueueFull || error == Error::QuotaExceeded || error == Error::NoMemory;
}

// Waits until the reader may have made room, or is gone.
void wait_for_room(Handle channel) {
    WaitItem item{channel, kSignalPeerClosed, 0};
    (void)sys::wait(&item, 1, sys::clock_ns() + kFullPipeRetryNs);
}

// Takes the next message into the reader's buffer: its length, 0 at end of
// file, or -1 with errno.
ssize_t next_message(fd::Open* reader) {
    if (!reader->pending) reader->pending = static_cast<uint8_t*>(malloc(kReadBuffer));
    if (!reader->pending) return posix::fail(Error::NoMemory);
    for (;;) {
        Handle handles[kMaxMessageHandles];
        auto got = sys::chan_read(reader->channel, reader->pending, kReadBuffer, handles, kMaxMessageHandles,
                                  kDeadlineNever);
        if (got.is_error()) return got.error() == Error::PeerClosed ? 0 : posix::fail(got.error());
        for (size_t i = 0; i < got.value().handle_count; i++) sys::handle_close(handles[i]);  // not data
        if (got.value().length == 0) continue;
        reader->pending_used = 0;
        reader->pending_length = got.value().length;
        return static_cast<ssize_t>(got.value().length);
    }
}

}  // namespace

ssize_t read(fd::Open* reader, void* buffer, size_t length) {
    if (length == 0) return 0;
    if (reader->pending_used == reader->pending_length) {
        ssize_t got = next_message(reader);
        if (got <= 0) return got;
    }
    size_t n = base::min(length, reader->pending_length - reader->pending_used);
    base::mem_copy(buffer, reader->pending + reader->pending_used, n);
    reader->pending_used += n;
    return static_cast<ssize_t>(n);
}

ssize_t write(fd::Open* writer, const void* data, size_t length) {
    auto* bytes = static_cast<const uint8_t*>(data);
    size_t done = 0;
    while (done < length) {
        size_t chunk = base::min(length - done, kPipeChunk);
        Error error = sys::chan_write(writer->channel, bytes + done, chunk);
        if (is_full(error)) {
            wait_for_room(writer->channel);
            continue;
        }
        if (error != Error::None) {
            if (done) return static_cast<ssize_t>(done);
            // No reader: SIGPIPE, whose default ends the writer; ignored, EPIPE.
            if (error == Error::PeerClosed) signals::deliver_to_self(SIGPIPE);
            return posix::fail(error);
        }
        done += chunk;
    }
    return static_cast<ssize_t>(done);
}

}  // namespace rvos::pipe

using namespace rvos;

extern "C" int pipe(int fds[2]) {
    auto pair = sys::chan_create();
    if (pair.is_error()) return posix::fail(pair.error());
    fd::Open* reader = fd::make(fd::Kind::PipeReader);
    fd::Open* writer = fd::make(fd::Kind::PipeWriter);
    if (!reader || !writer) {
        free(reader);
        free(writer);
        sys::handle_close(pair.value().a);
        sys::handle_close(pair.value().b);
        return posix::fail(Error::NoMemory);
    }
    reader->channel = pair.value().a;
    reader->readable = true;
    writer->channel = pair.value().b;
    writer->writable = true;
    int read_fd = fd::install(reader);
    int write_fd = read_fd < 0 ? -1 : fd::install(writer);
    fd::release(reader);  // the descriptors hold them now (or nothing does)
    fd::release(writer);
    if (write_fd < 0) {
        if (read_fd >= 0) fd::close(read_fd);
        return posix::fail(Error::HandleTableFull);
    }
    fds[0] = read_fd;
    fds[1] = write_fd;
    return 0;
}
