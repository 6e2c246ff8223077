// poll(): sockets, pipes, files and the console together.
//
// - A socket asks the network stack server, which answers once one is
//   ready or the time is up. A readable TCP socket's queued bytes come
//   with that answer (read ahead, rvos/socket.h), so the receive after the
//   poll costs no second call; a socket holding such bytes is readable.
// - A pipe's read end is a kernel channel: readable when a message is
//   queued (or part of one is still held), hung up (POLLHUP) when every
//   writer is gone — the kernel's wait tells without reading.
// - A pipe's write end: the kernel tells whether the reader is gone
//   (POLLERR, as on Linux) but not whether the queue has room, so it is
//   always writable; a write into a full pipe waits for the reader.
// - Console input: poll sends a line read ahead (console::start_read_line)
//   and waits for its answer, which the next read(0) takes. Console output
//   and files are always ready: they never wait for another program.
//
// Pipes and the console are handles the kernel's wait watches; with
// sockets as well, poll alternates between a wait on the handles of at
// most kSocketSlice and a look at the sockets without waiting, until one
// is ready or the caller's time is up (the stack's poll is a call on the
// connection every socket call shares, so it cannot be left waiting).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proto/net.h"
#include "rvos/console.h"
#include "rvos/descriptors.h"
#include "rvos/ipc.h"
#include "rvos/posix.h"
#include "rvos/socket.h"

namespace {

namespace p = rvos::proto::net;
using rvos::Error;

// How long sockets go unlooked at while poll waits on pipes and the
// console with them.
constexpr uint64_t kSocketSlice = 5'000'000;  // ns

// Made on first use: every program links this file, and a static buffer
// (with its constructor) would be in each of them.
rvos::proto::Buffer* reply_buffer = nullptr;

struct Watch {
    p::PollRequest sockets;
    uint32_t socket_fd[rvos::proto::kNetMaxPoll];  // index into fds
    rvos::WaitItem items[rvos::proto::kNetMaxPoll];
    uint32_t item_fd[rvos::proto::kNetMaxPoll];
    size_t item_count = 0;
};

void add_item(Watch& w, uint32_t index, rvos::Handle handle, rvos::Signals wanted) {
    w.items[w.item_count] = rvos::WaitItem{handle, wanted, 0};
    w.item_fd[w.item_count++] = index;
}

// What is known of fds[i] without waiting; what needs watching joins `w`.
// -1 (errno set) if the console cannot be asked.
int look(struct pollfd& f, uint32_t index, Watch& w) {
    f.revents = 0;
    if (f.fd < 0) return 0;
    auto socket = rvos::net::socket_of(f.fd);
    if (!socket.is_error()) {
        uint16_t events = static_cast<uint16_t>(f.events & (POLLIN | POLLOUT));
        if ((events & POLLIN) && rvos::net::read_ahead_held(f.fd)) {
            f.revents = POLLIN;  // bytes read ahead wait for it
            events &= static_cast<uint16_t>(~POLLIN);
        } else if (events & POLLIN) {
            events |= rvos::proto::kNetPollReadAhead;
        }
        w.socket_fd[w.sockets.sockets_count] = index;
        w.sockets.sockets[w.sockets.sockets_count++] = socket.value();
        w.sockets.events[w.sockets.events_count++] = events;
        return 0;
    }
    rvos::fd::Open* open = rvos::fd::get(f.fd);
    if (!open) {
        f.revents = POLLNVAL;
        return 0;
    }
    switch (open->kind) {
    case rvos::fd::Kind::File: f.revents = static_cast<short>(f.events & (POLLIN | POLLOUT)); break;
    case rvos::fd::Kind::Console:
        f.revents = static_cast<short>(f.events & POLLOUT);
        if (!(f.events & POLLIN)) break;
        if (rvos::posix::console_input_buffered()) {
            f.revents |= POLLIN;
        } else {
            auto input = rvos::console::start_read_line();
            if (input.is_error()) return rvos::posix::fail(input.error());
            add_item(w, index, input.value(), rvos::kSignalReadable | rvos::kSignalPeerClosed);
        }
        break;
    case rvos::fd::Kind::PipeReader:
        if ((f.events & POLLIN) && open->pending_used < open->pending_length) f.revents = POLLIN;
        else add_item(w, index, open->channel, rvos::kSignalReadable | rvos::kSignalPeerClosed);
        break;
    case rvos::fd::Kind::PipeWriter:
        f.revents = static_cast<short>(f.events & POLLOUT);
        add_item(w, index, open->channel, rvos::kSignalPeerClosed);
        break;
    }
    return 0;
}

short revents_of(const rvos::WaitItem& item, short events) {
    short revents = 0;
    if (item.observed & rvos::kSignalReadable) revents |= static_cast<short>(events & POLLIN);
    if (item.observed & rvos::kSignalPeerClosed)
        revents |= (item.wanted & rvos::kSignalReadable) ? POLLHUP : POLLERR;  // reader: writers gone
    return revents;
}

// Waits on the handles until `deadline` (kDeadlineNow: a look); adds what
// they show to fds. The number of descriptors newly ready.
int wait_items(Watch& w, struct pollfd* fds, uint64_t deadline) {
    if (w.item_count == 0) {
        if (deadline != rvos::kDeadlineNow) {
            uint64_t now = rvos::sys::clock_ns();
            if (deadline > now) {
                uint64_t ns = deadline - now;
                struct timespec t{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
                nanosleep(&t, nullptr);
            }
        }
        return 0;
    }
    if (rvos::sys::wait(w.items, w.item_count, deadline).is_error()) return 0;  // TimedOut: none
    int ready = 0;
    for (size_t i = 0; i < w.item_count; i++) {
        struct pollfd& f = fds[w.item_fd[i]];
        short before = f.revents;
        f.revents |= revents_of(w.items[i], f.events);
        if (f.revents && !before) ready++;
    }
    return ready;
}

// Asks the stack about the sockets, waiting at most timeout_ms. The number
// of sockets ready, or -1 with errno.
int ask_sockets(Watch& w, struct pollfd* fds, int timeout_ms) {
    if (w.sockets.sockets_count == 0) return 0;
    w.sockets.timeout_ms = timeout_ms;
    auto handle = rvos::net::stack();
    if (handle.is_error()) return rvos::posix::fail(handle.error());
    if (!reply_buffer) reply_buffer = new rvos::proto::InlineBuffer<p::kMaxReplyBytes>;
    if (!reply_buffer) return rvos::posix::fail(Error::NoMemory);
    // Bytes are read ahead only into an empty block (the bytes of the
    // last poll that brought some have all been received).
    uint8_t* block = rvos::net::read_ahead_block();
    w.sockets.read_ahead = block ? static_cast<uint32_t>(rvos::proto::kNetMaxChunk) : 0;
    auto got = p::poll<rvos::UserIpc>(handle.value(), w.sockets, *reply_buffer);
    if (got.is_error()) return rvos::posix::fail(got.error());
    const p::PollReply& reply = got.value();
    size_t data_used = 0;
    int ready = 0;
    for (uint32_t i = 0; i < reply.revents_count && i < w.sockets.sockets_count; i++) {
        struct pollfd& f = fds[w.socket_fd[i]];
        short before = f.revents;
        f.revents |= static_cast<short>(reply.revents[i]);
        if (f.revents && !before) ready++;
        size_t taken = i < reply.taken_count ? reply.taken[i] : 0;
        if (taken && block && data_used + taken <= reply.data.length) {
            memcpy(block + data_used, reply.data.data + data_used, taken);
            rvos::net::read_ahead_hand_over(f.fd, block + data_used, taken);
            data_used += taken;
        }
    }
    return ready;
}

uint64_t deadline_of(int timeout_ms) {
    if (timeout_ms < 0) return rvos::kDeadlineNever;
    return rvos::sys::clock_ns() + static_cast<uint64_t>(timeout_ms) * 1'000'000;
}

}  // namespace

extern "C" {

int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    if (count > rvos::proto::kNetMaxPoll) return rvos::posix::fail(Error::BadArgument);
    if (count && !fds) return rvos::posix::fail(Error::BadAddress);
    uint64_t deadline = deadline_of(timeout_ms);
    Watch w;
    int ready = 0;
    for (nfds_t i = 0; i < count; i++) {
        if (look(fds[i], static_cast<uint32_t>(i), w) < 0) return -1;
        if (fds[i].revents) ready++;
    }
    bool sockets = w.sockets.sockets_count != 0;
    if (!sockets && w.item_count == 0 && ready == 0 && timeout_ms < 0)
        return rvos::posix::fail(Error::BadArgument);  // nothing could ever wake it
    ready += wait_items(w, fds, rvos::kDeadlineNow);
    if (ready || timeout_ms == 0) {
        int more = ask_sockets(w, fds, 0);
        return more < 0 ? -1 : ready + more;
    }
    if (!sockets) return wait_items(w, fds, deadline);
    if (w.item_count == 0) return ask_sockets(w, fds, timeout_ms);
    // Both: the handles in slices, the sockets between them.
    for (;;) {
        uint64_t now = rvos::sys::clock_ns();
        uint64_t slice = deadline - now < kSocketSlice ? deadline : now + kSocketSlice;
        ready = wait_items(w, fds, now >= deadline ? rvos::kDeadlineNow : slice);
        int more = ask_sockets(w, fds, 0);
        if (more < 0) return -1;
        if (ready + more || rvos::sys::clock_ns() >= deadline) return ready + more;
    }
}

}  // extern "C"
