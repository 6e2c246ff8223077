// BSD sockets: each socket descriptor names a socket of the network stack
// server ("net", lib/proto/net.proto), reached over one connection per
// program, made on first use. Socket descriptors are numbered from
// kFirstSocket, apart from files; read, write, close and fcntl reach here
// through rvos/socket.h. When the program ends, its connection closes and
// the server closes every socket it still had.
#include "rvos/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "proto/net.h"
#include "rvos/ipc.h"
#include "rvos/posix.h"
#include "rvos/service.h"

namespace rvos::net {

namespace {

namespace p = proto::net;

ServiceConnection server("net");
// The replies' buffer, made on first use: every program links this file
// (read and write come through it), and one that never uses a socket
// should not carry the buffer.
proto::Buffer* reply_buffer = nullptr;

struct Descriptor {
    bool used = false;
    uint32_t socket = 0;
    bool nonblocking = false;
    // Bytes read ahead (in `ahead_block`), not yet received.
    const uint8_t* ahead = nullptr;
    size_t ahead_length = 0;
};
Descriptor descriptors[kMaxSockets];
uint8_t* ahead_block = nullptr;  // made on first use
size_t ahead_held = 0;           // bytes of it not yet received, over all descriptors

Descriptor* descriptor(int fd) {
    if (fd < kFirstSocket || fd >= kFirstSocket + static_cast<int>(kMaxSockets)) return nullptr;
    Descriptor* d = &descriptors[fd - kFirstSocket];
    return d->used ? d : nullptr;
}

int fail(Error error) {
    errno = posix::errno_for(error);
    return -1;
}

// Calls the server: the reply, or the error as errno (-1 returned by the caller).
template <typename Reply, typename Request>
base::ErrorOr<Reply> call(base::ErrorOr<Reply> (*stub)(Handle, const Request&, proto::Buffer&), const Request& r) {
    Handle handle = TRY(stack());
    if (!reply_buffer) reply_buffer = new proto::InlineBuffer<p::kMaxReplyBytes>;
    if (!reply_buffer) return Error::NoMemory;
    return stub(handle, r, *reply_buffer);
}

int close_descriptor(int fd);
ssize_t read_descriptor(int fd, void* buffer, size_t length);
ssize_t write_descriptor(int fd, const void* data, size_t length);
bool is_socket_descriptor(int fd);
constexpr DescriptorOps kOps = {is_socket_descriptor, read_descriptor, write_descriptor, close_descriptor};

int new_descriptor(uint32_t socket) {
    descriptor_ops = &kOps;  // from now on the POSIX layer asks here
    for (size_t i = 0; i < kMaxSockets; i++) {
        if (descriptors[i].used) continue;
        descriptors[i] = Descriptor{};
        descriptors[i].used = true;
        descriptors[i].socket = socket;
        return kFirstSocket + static_cast<int>(i);
    }
    p::CloseRequest r;
    r.socket = socket;
    (void)call(p::close<UserIpc>, r);
    return fail(Error::HandleTableFull);
}

// A sockaddr_in from the caller: its address and port in host order.
Error read_address(const struct sockaddr* address, socklen_t length, uint32_t& ip, uint16_t& port) {
    if (!address || length < sizeof(sockaddr_in)) return Error::BadArgument;
    const sockaddr_in* in = reinterpret_cast<const sockaddr_in*>(address);
    if (in->sin_family != AF_INET) return Error::Unsupported;
    ip = ntohl(in->sin_addr.s_addr);
    port = ntohs(in->sin_port);
    return Error::None;
}

void write_address(uint32_t ip, uint16_t port, struct sockaddr* address, socklen_t* length) {
    if (!address || !length) return;
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl(ip);
    memcpy(address, &in, base::min<size_t>(*length, sizeof in));
    *length = sizeof in;
}

Error set_option(uint32_t socket, uint32_t option, uint64_t value) {
    p::SetOptionRequest r;
    r.socket = socket;
    r.option = option;
    r.value = value;
    auto done = call(p::set_option<UserIpc>, r);
    return done.is_error() ? done.error() : Error::None;
}

bool is_socket_descriptor(int fd) { return is_socket(fd); }
ssize_t read_descriptor(int fd, void* buffer, size_t length) { return read(fd, buffer, length); }
ssize_t write_descriptor(int fd, const void* data, size_t length) { return write(fd, data, length); }
int close_descriptor(int fd) { return close(fd); }

}  // namespace

ErrorOr<Handle> stack() {
    auto handle = server.handle();
    if (handle.is_error()) return handle.error() == Error::NotFound ? Error::Unreachable : handle.error();
    return handle.value();
}

bool is_socket(int fd) { return descriptor(fd) != nullptr; }

size_t read_ahead_held(int fd) {
    Descriptor* d = descriptor(fd);
    return d ? d->ahead_length : 0;
}

uint8_t* read_ahead_block() {
    if (ahead_held) return nullptr;
    if (!ahead_block) ahead_block = static_cast<uint8_t*>(malloc(proto::kNetMaxChunk));
    return ahead_block;
}

void read_ahead_hand_over(int fd, const uint8_t* data, size_t length) {
    Descriptor* d = descriptor(fd);
    if (!d || length == 0) return;
    d->ahead = data;
    d->ahead_length = length;
    ahead_held += length;
}

ErrorOr<uint32_t> socket_of(int fd) {
    Descriptor* d = descriptor(fd);
    if (!d) return Error::BadHandle;
    return d->socket;
}

ssize_t read(int fd, void* buffer, size_t length) { return ::recv(fd, buffer, length, 0); }
ssize_t write(int fd, const void* data, size_t length) { return ::send(fd, data, length, 0); }

int close(int fd) {
    Descriptor* d = descriptor(fd);
    if (!d) return fail(Error::BadHandle);
    d->used = false;
    p::CloseRequest r;
    r.socket = d->socket;
    r.unread = d->ahead_length != 0;
    ahead_held -= d->ahead_length;
    d->ahead_length = 0;
    auto done = call(p::close<UserIpc>, r);
    return done.is_error() ? fail(done.error()) : 0;
}

int fcntl(int fd, int command, long argument) {
    Descriptor* d = descriptor(fd);
    if (!d) return fail(Error::BadHandle);
    if (command == F_GETFL) return O_RDWR | (d->nonblocking ? O_NONBLOCK : 0);
    if (command == F_SETFL) {
        bool nonblocking = (argument & O_NONBLOCK) != 0;
        Error e = set_option(d->socket, proto::kNetOptionNonBlocking, nonblocking);
        if (e != Error::None) return fail(e);
        d->nonblocking = nonblocking;
        return 0;
    }
    if (command == F_GETFD || command == F_SETFD) return 0;
    return fail(Error::BadArgument);
}

// A receive from the bytes a Poll read ahead (there are some): no call,
// unless the peer's address is asked for.
ssize_t receive_read_ahead(int fd, void* buffer, size_t length, int flags, struct sockaddr* from, socklen_t* from_length) {
    Descriptor* d = descriptor(fd);
    size_t n = base::min(length, d->ahead_length);
    memcpy(buffer, d->ahead, n);
    if (!(flags & MSG_PEEK)) {
        d->ahead += n;
        d->ahead_length -= n;
        ahead_held -= n;
    }
    if (from && from_length) {
        p::NamesRequest r;
        r.socket = d->socket;
        auto got = call(p::names<UserIpc>, r);
        if (!got.is_error()) write_address(got.value().peer_ip, got.value().peer_port, from, from_length);
    }
    return static_cast<ssize_t>(n);
}

}  // namespace rvos::net

using namespace rvos;
using namespace rvos::net;
namespace p = rvos::proto::net;

extern "C" {

int socket(int domain, int type, int) {
    if (domain != AF_INET) return rvos::net::fail(Error::Unsupported);
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM) return rvos::net::fail(Error::Unsupported);
    p::SocketRequest r;
    r.kind = kind == SOCK_STREAM ? proto::kNetStream : proto::kNetDatagram;
    auto made = rvos::net::call(p::socket<UserIpc>, r);
    if (made.is_error()) return rvos::net::fail(made.error());
    int fd = rvos::net::new_descriptor(made.value().socket);
    if (fd >= 0 && (type & SOCK_NONBLOCK)) rvos::net::fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

int bind(int fd, const struct sockaddr* address, socklen_t length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::BindRequest r;
    r.socket = s.value();
    Error e = rvos::net::read_address(address, length, r.ip, r.port);
    if (e != Error::None) return rvos::net::fail(e);
    auto done = rvos::net::call(p::bind<UserIpc>, r);
    return done.is_error() ? rvos::net::fail(done.error()) : 0;
}

int listen(int fd, int backlog) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::ListenRequest r;
    r.socket = s.value();
    r.backlog = backlog < 1 ? 1 : static_cast<uint32_t>(backlog);
    auto done = rvos::net::call(p::listen<UserIpc>, r);
    return done.is_error() ? rvos::net::fail(done.error()) : 0;
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::AcceptRequest r;
    r.socket = s.value();
    auto got = rvos::net::call(p::accept<UserIpc>, r);
    if (got.is_error()) return rvos::net::fail(got.error());
    rvos::net::write_address(got.value().ip, got.value().port, address, length);
    return rvos::net::new_descriptor(got.value().socket);
}

int connect(int fd, const struct sockaddr* address, socklen_t length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::ConnectRequest r;
    r.socket = s.value();
    Error e = rvos::net::read_address(address, length, r.ip, r.port);
    if (e != Error::None) return rvos::net::fail(e);
    auto done = rvos::net::call(p::connect<UserIpc>, r);
    return done.is_error() ? rvos::net::fail(done.error()) : 0;
}

ssize_t sendto(int fd, const void* data, size_t length, int flags, const struct sockaddr* to, socklen_t to_length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::SendRequest r;
    r.socket = s.value();
    if (to) {
        Error e = rvos::net::read_address(to, to_length, r.ip, r.port);
        if (e != Error::None) return rvos::net::fail(e);
        r.to = true;
    }
    bool toggled = (flags & MSG_DONTWAIT) && !rvos::net::descriptor(fd)->nonblocking;
    if (toggled) rvos::net::set_option(s.value(), proto::kNetOptionNonBlocking, 1);
    // A stream sends everything (in chunks) unless non-blocking; a datagram goes whole.
    const uint8_t* bytes = static_cast<const uint8_t*>(data);
    size_t sent = 0;
    Error error = Error::None;
    do {
        size_t chunk = base::min(length - sent, proto::kNetMaxChunk);
        if (r.to && chunk < length) {
            error = Error::TooLong;
            break;
        }
        r.data = proto::Bytes(bytes + sent, chunk);
        auto done = rvos::net::call(p::send<UserIpc>, r);
        if (done.is_error()) {
            error = done.error();
            break;
        }
        sent += done.value().sent;
        if (rvos::net::descriptor(fd)->nonblocking || toggled) break;
    } while (sent < length);
    if (toggled) rvos::net::set_option(s.value(), proto::kNetOptionNonBlocking, 0);
    if (sent > 0) return static_cast<ssize_t>(sent);
    if (error == Error::None) return 0;
    return rvos::net::fail(error);
}

ssize_t send(int fd, const void* data, size_t length, int flags) { return sendto(fd, data, length, flags, nullptr, 0); }

ssize_t recvfrom(int fd, void* buffer, size_t length, int flags, struct sockaddr* from, socklen_t* from_length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    if (rvos::net::read_ahead_held(fd)) return rvos::net::receive_read_ahead(fd, buffer, length, flags, from, from_length);
    p::ReceiveRequest r;
    r.socket = s.value();
    r.max = static_cast<uint32_t>(base::min(length, proto::kNetMaxChunk));
    r.peek = (flags & MSG_PEEK) != 0;
    bool toggled = (flags & MSG_DONTWAIT) && !rvos::net::descriptor(fd)->nonblocking;
    if (toggled) rvos::net::set_option(s.value(), proto::kNetOptionNonBlocking, 1);
    auto got = rvos::net::call(p::receive<UserIpc>, r);
    if (toggled) rvos::net::set_option(s.value(), proto::kNetOptionNonBlocking, 0);
    if (got.is_error()) return rvos::net::fail(got.error());
    size_t n = base::min<size_t>(got.value().data.length, length);
    memcpy(buffer, got.value().data.data, n);
    rvos::net::write_address(got.value().ip, got.value().port, from, from_length);
    return static_cast<ssize_t>(n);
}

ssize_t recv(int fd, void* buffer, size_t length, int flags) { return recvfrom(fd, buffer, length, flags, nullptr, nullptr); }

int shutdown(int fd, int how) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    p::ShutdownRequest r;
    r.socket = s.value();
    r.how = static_cast<uint32_t>(how);
    auto done = rvos::net::call(p::shutdown<UserIpc>, r);
    return done.is_error() ? rvos::net::fail(done.error()) : 0;
}

namespace {

// The server's option for a (level, name) pair, or 0.
uint32_t option_of(int level, int name) {
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR: return proto::kNetOptionReuseAddress;
        case SO_RCVTIMEO: return proto::kNetOptionReceiveTimeoutMs;
        case SO_SNDTIMEO: return proto::kNetOptionSendTimeoutMs;
        case SO_ERROR: return proto::kNetOptionError;
        case SO_TYPE: return proto::kNetOptionKind;
        }
    }
    if (level == IPPROTO_TCP && name == TCP_NODELAY) return proto::kNetOptionNoDelay;
    return 0;
}

bool is_timeout(uint32_t option) {
    return option == proto::kNetOptionReceiveTimeoutMs || option == proto::kNetOptionSendTimeoutMs;
}

}  // namespace

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    if (level == SOL_SOCKET && name == SO_KEEPALIVE) return 0;  // accepted, not used
    uint32_t option = option_of(level, name);
    if (!option || option == proto::kNetOptionError || option == proto::kNetOptionKind)
        return rvos::net::fail(Error::Unsupported);
    if (!value) return rvos::net::fail(Error::BadAddress);
    uint64_t v = 0;
    if (is_timeout(option)) {
        if (length < sizeof(struct timeval)) return rvos::net::fail(Error::BadArgument);
        const struct timeval* tv = static_cast<const struct timeval*>(value);
        if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000) return rvos::net::fail(Error::BadArgument);
        v = static_cast<uint64_t>(tv->tv_sec) * 1000 + static_cast<uint64_t>(tv->tv_usec + 999) / 1000;
    } else {
        if (length < sizeof(int)) return rvos::net::fail(Error::BadArgument);
        v = *static_cast<const int*>(value) != 0;
    }
    Error e = rvos::net::set_option(s.value(), option, v);
    return e == Error::None ? 0 : rvos::net::fail(e);
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    uint32_t option = option_of(level, name);
    if (!option) return rvos::net::fail(Error::Unsupported);
    if (!value || !length) return rvos::net::fail(Error::BadAddress);
    p::GetOptionRequest r;
    r.socket = s.value();
    r.option = option;
    auto got = rvos::net::call(p::get_option<UserIpc>, r);
    if (got.is_error()) return rvos::net::fail(got.error());
    uint64_t v = got.value().value;
    if (is_timeout(option)) {
        if (*length < sizeof(struct timeval)) return rvos::net::fail(Error::BadArgument);
        struct timeval tv{static_cast<time_t>(v / 1000), static_cast<suseconds_t>((v % 1000) * 1000)};
        memcpy(value, &tv, sizeof tv);
        *length = sizeof tv;
        return 0;
    }
    if (*length < sizeof(int)) return rvos::net::fail(Error::BadArgument);
    int out = static_cast<int>(v);
    if (option == proto::kNetOptionError) out = v ? rvos::posix::errno_for(static_cast<Error>(v)) : 0;
    if (option == proto::kNetOptionKind) out = v == proto::kNetStream ? SOCK_STREAM : SOCK_DGRAM;
    memcpy(value, &out, sizeof out);
    *length = sizeof out;
    return 0;
}

static int names(int fd, struct sockaddr* address, socklen_t* length, bool peer) {
    auto s = socket_of(fd);
    if (s.is_error()) return rvos::net::fail(s.error());
    if (!address || !length) return rvos::net::fail(Error::BadAddress);
    p::NamesRequest r;
    r.socket = s.value();
    auto got = rvos::net::call(p::names<UserIpc>, r);
    if (got.is_error()) return rvos::net::fail(got.error());
    if (peer && got.value().peer_port == 0) return rvos::net::fail(Error::NotConnected);
    if (peer) rvos::net::write_address(got.value().peer_ip, got.value().peer_port, address, length);
    else rvos::net::write_address(got.value().local_ip, got.value().local_port, address, length);
    return 0;
}

int getsockname(int fd, struct sockaddr* address, socklen_t* length) { return names(fd, address, length, false); }
int getpeername(int fd, struct sockaddr* address, socklen_t* length) { return names(fd, address, length, true); }

// fcntl: O_NONBLOCK on sockets; files take the flags and ignore them.
int fcntl(int fd, int command, ...) {
    va_list args;
    va_start(args, command);
    long argument = va_arg(args, long);
    va_end(args);
    if (rvos::net::is_socket(fd)) return rvos::net::fcntl(fd, command, argument);
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    if (command == F_GETFL) return O_RDWR;
    if (command == F_SETFL || command == F_GETFD || command == F_SETFD) return 0;
    return rvos::posix::fail(rvos::Error::BadArgument);
}

}  // extern "C"
