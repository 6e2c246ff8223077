// poll(): sockets, files and the console together. Sockets ask the
// network stack server, which answers once one is ready or the time is
// up. A file is always ready (its reads and writes never wait for another
// program), as is console output; console input is ready only as far as
// can be told without reading, which is never: a program polling stdin
// with sockets sees it when a socket wakes it or the time is up.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proto/net.h"
#include "rvos/ipc.h"
#include "rvos/posix.h"
#include "rvos/socket.h"

namespace {

// Made on first use: every program links this file, and a static buffer
// (with its constructor) would be in each of them.
rvos::proto::Buffer* reply_buffer = nullptr;

}  // namespace

extern "C" {

int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    namespace p = rvos::proto::net;
    if (count > rvos::proto::kNetMaxPoll) return rvos::posix::fail(rvos::Error::BadArgument);
    if (count && !fds) return rvos::posix::fail(rvos::Error::BadAddress);
    p::PollRequest r;
    uint32_t which[rvos::proto::kNetMaxPoll];
    int ready = 0;
    for (nfds_t i = 0; i < count; i++) {
        struct pollfd& f = fds[i];
        f.revents = 0;
        if (f.fd < 0) continue;
        auto socket = rvos::net::socket_of(f.fd);
        if (!socket.is_error()) {
            which[r.sockets_count] = i;
            r.sockets[r.sockets_count++] = socket.value();
            r.events[r.events_count++] = static_cast<uint16_t>(f.events & (POLLIN | POLLOUT));
            continue;
        }
        struct stat st;
        if (fstat(f.fd, &st) != 0) f.revents = POLLNVAL;
        else if (f.fd == STDIN_FILENO) f.revents = 0;
        else f.revents = static_cast<short>(f.events & (POLLIN | POLLOUT));
        if (f.revents) ready++;
    }
    if (r.sockets_count == 0) {
        if (ready == 0 && timeout_ms != 0) {
            // Nothing can become ready: wait out the time (for ever: an error).
            if (timeout_ms < 0) return rvos::posix::fail(rvos::Error::BadArgument);
            struct timespec t{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
            nanosleep(&t, nullptr);
        }
        return ready;
    }
    r.timeout_ms = ready ? 0 : timeout_ms;
    auto handle = rvos::net::stack();
    if (handle.is_error()) return rvos::posix::fail(handle.error());
    if (!reply_buffer) reply_buffer = new rvos::proto::InlineBuffer<p::kMaxReplyBytes>;
    if (!reply_buffer) return rvos::posix::fail(rvos::Error::NoMemory);
    auto got = p::poll<rvos::UserIpc>(handle.value(), r, *reply_buffer);
    if (got.is_error()) return rvos::posix::fail(got.error());
    for (uint32_t i = 0; i < got.value().revents_count && i < r.sockets_count; i++) {
        struct pollfd& f = fds[which[i]];
        f.revents = static_cast<short>(got.value().revents[i]);
        if (f.revents) ready++;
    }
    return ready;
}

}  // extern "C"
