// The socket table and the socket protocol (lib/proto/net.proto) over
// lwIP's raw API. A socket belongs to the client connection that made it
// (or, for an accepted one, its listener's); a client's calls name only
// its own sockets, and all of them close when it goes. Calls that must
// wait are deferred: the client's one waiting call is kept in its record
// and answered by complete_waiting() once it can be, or when its deadline
// passes.
#include <stdlib.h>
#include <string.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/memp.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "rvos/syscall.h"
#include "stack.h"

namespace net {

namespace {

using rvos::proto::kDeferred;

// The stack's sockets, and one client's share of them (as many as a
// program's descriptor table holds), so one program cannot take them all.
constexpr size_t kMaxSockets = 128;
constexpr size_t kMaxSocketsPerClient = 64;
constexpr size_t kMaxBacklog = 16;
constexpr size_t kMaxDatagrams = 32;       // queued per UDP socket
constexpr size_t kMaxDatagramBytes = 64 * 1024;
constexpr size_t kMaxChunk = rvos::proto::kNetMaxChunk;
constexpr uint32_t kNone = ~0u;

struct Datagram {
    struct pbuf* data;
    uint32_t ip;
    uint16_t port;
};

struct Socket {
    bool used = false;
    uint32_t kind = 0;
    Handle owner = rvos::kNoHandle;
    struct tcp_pcb* tcp = nullptr;
    struct udp_pcb* udp = nullptr;
    bool listening = false, connecting = false, connected = false, peer_closed = false;
    Error error = Error::None;  // pending: what ended the connection
    // Received stream data not yet read: a pbuf chain, `offset` bytes of
    // its first already read.
    struct pbuf* received = nullptr;
    size_t offset = 0;
    // Connections accepted by lwIP and not yet by the program.
    uint32_t backlog[kMaxBacklog];
    size_t backlog_count = 0, backlog_limit = 1;
    Datagram datagrams[kMaxDatagrams];
    size_t datagram_head = 0, datagram_count = 0, datagram_bytes = 0;
    bool nonblocking = false, reuse = false, nodelay = false;
    uint64_t receive_timeout_ms = 0, send_timeout_ms = 0;
};

// The one call a client waits in.
struct Waiting {
    uint32_t ordinal = 0;  // 0: none
    uint32_t socket = 0;
    uint64_t deadline = rvos::kDeadlineNever;  // ms
    uint32_t max = 0;
    bool peek = false;
    // Send: the bytes still to go.
    uint8_t* data = nullptr;
    uint32_t length = 0;
    bool to = false;
    uint32_t ip = 0;
    uint16_t port = 0;
    // Poll.
    uint32_t poll_sockets[rvos::proto::kNetMaxPoll];
    uint16_t poll_events[rvos::proto::kNetMaxPoll];
    uint32_t poll_count = 0;
    uint32_t poll_read_ahead = 0;
    // Ping: the echo request's identifier and sequence, when it left, and
    // its reply once one came.
    uint16_t ping_id = 0, ping_sequence = 0;
    uint64_t ping_sent_ns = 0, ping_rtt_us = 0;
    uint32_t ping_size = 0;
    uint8_t ping_ttl = 0;
    bool ping_answered = false;
};

struct Client {
    bool connected = false;
    Waiting waiting;
};

Socket sockets[kMaxSockets];
Client clients[rvos::kMaxHandles];
size_t client_count = 0;
// The clients with a waiting call, in the order they began to wait: the
// server loop retries them several times a turn, so it looks at these
// few rather than at every client slot.
Handle waiters[rvos::kMaxHandles];
size_t waiter_count = 0;

// Marks the client's waiting call as begun (its Waiting is filled in).
void start_waiting(Handle client, uint32_t ordinal) {
    clients[client].waiting.ordinal = ordinal;
    waiters[waiter_count++] = client;
}

Socket* find(Handle client, uint32_t id) {
    if (id >= kMaxSockets || !sockets[id].used || sockets[id].owner != client) return nullptr;
    return &sockets[id];
}
uint32_t id_of(const Socket* s) { return static_cast<uint32_t>(s - sockets); }

// A new socket's number, or kNone: the owner holds its share already
// (QuotaExceeded, in `why`) or the table is full (NoMemory).
uint32_t new_socket(Handle owner, uint32_t kind, Error* why = nullptr) {
    size_t held = 0;
    for (const Socket& s : sockets) held += s.used && s.owner == owner;
    if (why) *why = held >= kMaxSocketsPerClient ? Error::QuotaExceeded : Error::NoMemory;
    if (held >= kMaxSocketsPerClient) return kNone;
    for (uint32_t i = 0; i < kMaxSockets; i++) {
        if (sockets[i].used) continue;
        sockets[i] = Socket{};
        sockets[i].used = true;
        sockets[i].owner = owner;
        sockets[i].kind = kind;
        return i;
    }
    return kNone;
}

Error error_of(err_t e) {
    switch (e) {
    case ERR_OK: return Error::None;
    case ERR_MEM: case ERR_BUF: return Error::NoMemory;
    case ERR_TIMEOUT: return Error::TimedOut;
    case ERR_RTE: return Error::Unreachable;
    case ERR_INPROGRESS: return Error::InProgress;
    case ERR_VAL: case ERR_ARG: return Error::BadArgument;
    case ERR_WOULDBLOCK: return Error::WouldBlock;
    case ERR_USE: return Error::AddressInUse;
    case ERR_ALREADY: return Error::Busy;
    case ERR_ISCONN: return Error::IsConnected;
    case ERR_CONN: return Error::NotConnected;
    case ERR_ABRT: return Error::ConnectionAborted;
    case ERR_RST: return Error::ConnectionReset;
    case ERR_CLSD: return Error::NotConnected;
    default: return Error::DeviceError;
    }
}

ip_addr_t address(uint32_t ip) {
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, lwip_htonl(ip));
    return a;
}
uint32_t host_order(const ip_addr_t* a) { return lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(a))); }

// ---- lwIP's callbacks ----------------------------------------------------------

void close_socket(Socket& s);

err_t on_tcp_receive(void* arg, struct tcp_pcb*, struct pbuf* p, err_t) {
    Socket* s = static_cast<Socket*>(arg);
    if (!p) {
        s->peer_closed = true;
        return ERR_OK;
    }
    if (s->received) pbuf_cat(s->received, p);
    else s->received = p;
    return ERR_OK;
}

void on_tcp_error(void* arg, err_t err) {
    Socket* s = static_cast<Socket*>(arg);
    s->tcp = nullptr;  // lwIP freed it
    s->error = s->connecting ? (err == ERR_RST ? Error::ConnectionRefused : error_of(err)) : error_of(err);
    s->connecting = false;
}

err_t on_tcp_connected(void* arg, struct tcp_pcb*, err_t) {
    Socket* s = static_cast<Socket*>(arg);
    s->connecting = false;
    s->connected = true;
    return ERR_OK;
}

void attach(Socket& s, struct tcp_pcb* pcb) {
    s.tcp = pcb;
    tcp_arg(pcb, &s);
    tcp_recv(pcb, on_tcp_receive);
    tcp_err(pcb, on_tcp_error);
}

err_t on_tcp_accept(void* arg, struct tcp_pcb* pcb, err_t err) {
    Socket* listener = static_cast<Socket*>(arg);
    if (err != ERR_OK || !pcb) return ERR_VAL;
    uint32_t id = listener->backlog_count < listener->backlog_limit ? new_socket(listener->owner, rvos::proto::kNetStream)
                                                                     : kNone;
    if (id == kNone) {  // the queue or the table is full: refused
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    Socket& s = sockets[id];
    attach(s, pcb);
    s.connected = true;
    listener->backlog[listener->backlog_count++] = id;
    tcp_backlog_delayed(pcb);  // counted against the backlog until accepted
    return ERR_OK;
}

void on_udp_receive(void* arg, struct udp_pcb*, struct pbuf* p, const ip_addr_t* from, u16_t port) {
    Socket* s = static_cast<Socket*>(arg);
    if (s->datagram_count == kMaxDatagrams || s->datagram_bytes + p->tot_len > kMaxDatagramBytes) {
        pbuf_free(p);  // a full queue drops, as UDP may
        return;
    }
    s->datagrams[(s->datagram_head + s->datagram_count) % kMaxDatagrams] = Datagram{p, host_order(from), port};
    s->datagram_count++;
    s->datagram_bytes += p->tot_len;
}

void close_socket(Socket& s) {
    if (s.tcp) {
        tcp_arg(s.tcp, nullptr);
        if (s.listening) {
            tcp_accept(s.tcp, nullptr);
        } else {
            tcp_recv(s.tcp, nullptr);
            tcp_err(s.tcp, nullptr);
        }
        // Unread data, or a close lwIP cannot do now: reset, as Linux does.
        if (s.received || tcp_close(s.tcp) != ERR_OK) tcp_abort(s.tcp);
        s.tcp = nullptr;
    }
    if (s.received) pbuf_free(s.received);
    s.received = nullptr;
    for (size_t i = 0; i < s.backlog_count; i++) close_socket(sockets[s.backlog[i]]);
    s.backlog_count = 0;
    if (s.udp) udp_remove(s.udp);
    s.udp = nullptr;
    for (size_t i = 0; i < s.datagram_count; i++) pbuf_free(s.datagrams[(s.datagram_head + i) % kMaxDatagrams].data);
    s.datagram_count = 0;
    s.used = false;
}

// ---- Readiness -------------------------------------------------------------------

size_t queued(const Socket& s) { return s.received ? s.received->tot_len - s.offset : 0; }

uint16_t readiness(const Socket& s) {
    uint16_t r = 0;
    if (s.kind == rvos::proto::kNetDatagram) {
        if (s.datagram_count) r |= rvos::proto::kNetPollIn;
        return r | rvos::proto::kNetPollOut;
    }
    if (s.listening) return s.backlog_count ? rvos::proto::kNetPollIn : 0;
    if (queued(s) || s.peer_closed || s.error != Error::None) r |= rvos::proto::kNetPollIn;
    if (s.error != Error::None) r |= rvos::proto::kNetPollError | rvos::proto::kNetPollHangUp | rvos::proto::kNetPollOut;
    else if (s.connected && s.tcp && tcp_sndbuf(s.tcp) > 0) r |= rvos::proto::kNetPollOut;
    if (s.peer_closed && !s.tcp) r |= rvos::proto::kNetPollHangUp;
    return r;
}

// Up to `max` of a stream's queued bytes into `out` (taken from the queue
// unless `peek`): how many.
size_t take(Socket& s, uint8_t* out, size_t max, bool peek) {
    size_t n = base::min<size_t>(queued(s), max);
    if (n == 0) return 0;
    pbuf_copy_partial(s.received, out, static_cast<u16_t>(n), static_cast<u16_t>(s.offset));
    if (peek) return n;
    // Free the pbufs read whole; keep the offset into the next.
    size_t skip = s.offset + n;
    while (s.received && skip >= s.received->len) {
        skip -= s.received->len;
        struct pbuf* rest = s.received->next;
        if (rest) pbuf_ref(rest);
        pbuf_free(s.received);
        s.received = rest;
    }
    s.offset = skip;
    if (s.tcp) tcp_recved(s.tcp, static_cast<u16_t>(n));
    return n;
}

// ---- Ping -------------------------------------------------------------------------

struct raw_pcb* icmp = nullptr;

// An ICMP message arrived: an echo reply a client waits for is noted
// (and eaten); anything else goes on to lwIP's own ICMP.
u8_t on_icmp(void*, struct raw_pcb*, struct pbuf* p, const ip_addr_t*) {
    uint8_t header[20 + 8];
    if (pbuf_copy_partial(p, header, sizeof header, 0) != sizeof header) return 0;
    size_t ip_length = (header[0] & 0x0f) * 4u;
    struct icmp_echo_hdr echo;
    if (ip_length < 20 || pbuf_copy_partial(p, &echo, sizeof echo, static_cast<u16_t>(ip_length)) != sizeof echo)
        return 0;
    if (echo.type != ICMP_ER) return 0;
    for (Client& c : clients) {
        Waiting& w = c.waiting;
        if (!c.connected || w.ordinal != proto::PingRequest::kOrdinal || w.ping_answered) continue;
        if (lwip_ntohs(echo.id) != w.ping_id || lwip_ntohs(echo.seqno) != w.ping_sequence) continue;
        w.ping_answered = true;
        w.ping_rtt_us = (rvos::sys::clock_ns() - w.ping_sent_ns) / 1000;
        w.ping_ttl = header[8];
        w.ping_size = p->tot_len - static_cast<uint32_t>(ip_length) - sizeof echo;
        pbuf_free(p);
        return 1;
    }
    return 0;
}

Error send_echo(Waiting& w, uint32_t ip) {
    if (!icmp) {
        icmp = raw_new(IP_PROTO_ICMP);
        if (!icmp) return Error::NoMemory;
        raw_recv(icmp, on_icmp, nullptr);
    }
    struct pbuf* p = pbuf_alloc(PBUF_IP, static_cast<u16_t>(sizeof(struct icmp_echo_hdr) + w.ping_size), PBUF_RAM);
    if (!p) return Error::NoMemory;
    auto* echo = static_cast<struct icmp_echo_hdr*>(p->payload);
    ICMPH_TYPE_SET(echo, ICMP_ECHO);
    ICMPH_CODE_SET(echo, 0);
    echo->id = lwip_htons(w.ping_id);
    echo->seqno = lwip_htons(w.ping_sequence);
    uint8_t* payload = static_cast<uint8_t*>(p->payload) + sizeof *echo;
    for (uint32_t i = 0; i < w.ping_size; i++) payload[i] = static_cast<uint8_t>(i);
    echo->chksum = 0;
    echo->chksum = inet_chksum(echo, p->len);
    ip_addr_t a = address(ip);
    w.ping_sent_ns = rvos::sys::clock_ns();
    err_t e = raw_sendto(icmp, p, &a);
    pbuf_free(p);
    return error_of(e);
}

bool try_ping(Handle client, Waiting& w, bool timed_out) {
    if (!w.ping_answered && !timed_out) return false;
    if (!w.ping_answered) {
        rvos::proto::reply_status(loop, client, proto::PingRequest::kOrdinal, Error::TimedOut);
        return true;
    }
    proto::PingReply reply;
    reply.rtt_us = w.ping_rtt_us;
    reply.ttl = w.ping_ttl;
    reply.size = w.ping_size;
    rvos::proto::send_reply(loop, client, Error::None, reply);
    return true;
}

// ---- The calls that may wait ----------------------------------------------------
// Each returns true once it has answered (with data or an error), false
// while it must wait.

bool try_accept(Handle client, Socket& s) {
    if (s.backlog_count == 0) return false;
    uint32_t id = s.backlog[0];
    memmove(s.backlog, s.backlog + 1, (s.backlog_count - 1) * sizeof s.backlog[0]);
    s.backlog_count--;
    Socket& a = sockets[id];
    proto::AcceptReply reply;
    reply.socket = id;
    if (a.tcp) {
        tcp_backlog_accepted(a.tcp);
        reply.ip = host_order(&a.tcp->remote_ip);
        reply.port = a.tcp->remote_port;
    }
    rvos::proto::send_reply(loop, client, Error::None, reply);
    return true;
}

bool try_connect(Handle client, Socket& s) {
    if (s.connecting) return false;
    proto::ConnectReply reply;
    Error e = s.connected ? Error::None : (s.error != Error::None ? s.error : Error::NotConnected);
    if (e != Error::None) s.error = Error::None;
    rvos::proto::send_reply(loop, client, e, reply);
    return true;
}

bool try_receive(Handle client, Socket& s, uint32_t max, bool peek) {
    proto::ReceiveReply reply;
    static uint8_t data[kMaxChunk];
    max = static_cast<uint32_t>(base::min<size_t>(max, kMaxChunk));
    if (s.kind == rvos::proto::kNetDatagram) {
        if (!s.datagram_count) return false;
        Datagram& d = s.datagrams[s.datagram_head];
        u16_t n = pbuf_copy_partial(d.data, data, static_cast<u16_t>(base::min<size_t>(max, d.data->tot_len)), 0);
        reply.ip = d.ip;
        reply.port = d.port;
        reply.data = rvos::proto::Bytes(data, n);
        if (!peek) {
            s.datagram_bytes -= d.data->tot_len;
            pbuf_free(d.data);
            s.datagram_head = (s.datagram_head + 1) % kMaxDatagrams;
            s.datagram_count--;
        }
        rvos::proto::send_reply(loop, client, Error::None, reply);
        return true;
    }
    size_t have = queued(s);
    if (have) {
        size_t n = take(s, data, max, peek);
        reply.data = rvos::proto::Bytes(data, n);
        if (s.tcp) {
            reply.ip = host_order(&s.tcp->remote_ip);
            reply.port = s.tcp->remote_port;
        }
        rvos::proto::send_reply(loop, client, Error::None, reply);
        return true;
    }
    if (s.peer_closed) {
        reply.end_of_stream = true;
        rvos::proto::send_reply(loop, client, Error::None, reply);
        return true;
    }
    if (s.error != Error::None) {
        Error e = s.error;
        if (e != Error::ConnectionReset) s.error = Error::None;
        else reply.end_of_stream = false;
        rvos::proto::send_reply(loop, client, e, reply);
        return true;
    }
    if (!s.tcp || !s.connected) {
        rvos::proto::send_reply(loop, client, Error::NotConnected, reply);
        return true;
    }
    return false;
}

// Sends what the buffer takes; answers once some was taken (or an error).
bool try_send(Handle client, Socket& s, const uint8_t* data, uint32_t length, bool to, uint32_t ip, uint16_t port) {
    proto::SendReply reply;
    if (s.kind == rvos::proto::kNetDatagram) {
        if (!s.udp) s.udp = udp_new();
        if (!s.udp) {
            rvos::proto::send_reply(loop, client, Error::NoMemory, reply);
            return true;
        }
        udp_recv(s.udp, on_udp_receive, &s);
        struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(length), PBUF_RAM);
        if (!p) {
            rvos::proto::send_reply(loop, client, Error::NoMemory, reply);
            return true;
        }
        pbuf_take(p, data, static_cast<u16_t>(length));
        err_t e;
        if (to) {
            ip_addr_t a = address(ip);
            e = udp_sendto(s.udp, p, &a, port);
        } else if (!(s.udp->flags & UDP_FLAGS_CONNECTED)) {
            e = ERR_CONN;
        } else {
            e = udp_send(s.udp, p);
        }
        pbuf_free(p);
        // The datagram goes to the driver, and the driver gets the CPU to
        // send it, before the client runs again (its next call would come
        // first: the scheduler prefers it to the busier driver).
        flush_interface();
        rvos::sys::yield();
        reply.sent = e == ERR_OK ? length : 0;
        rvos::proto::send_reply(loop, client, error_of(e), reply);
        return true;
    }
    Error e = s.error != Error::None ? s.error : (!s.tcp || !s.connected) ? Error::NotConnected : Error::None;
    if (e == Error::None && length == 0) {
        rvos::proto::send_reply(loop, client, Error::None, reply);
        return true;
    }
    if (e != Error::None) {
        rvos::proto::send_reply(loop, client, e == Error::NotConnected && s.peer_closed ? Error::PeerClosed : e, reply);
        return true;
    }
    uint32_t n = base::min<uint32_t>(length, tcp_sndbuf(s.tcp));
    while (n > 0 && tcp_write(s.tcp, data, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY) == ERR_MEM) n /= 2;
    if (n == 0) {
        tcp_output(s.tcp);
        return false;
    }
    tcp_output(s.tcp);
    flush_interface();  // the segments go to the driver before the client is answered
    reply.sent = n;
    rvos::proto::send_reply(loop, client, Error::None, reply);
    return true;
}

bool try_poll(Handle client, Waiting& w, bool timed_out) {
    proto::PollReply reply;
    bool any = false;
    reply.revents_count = w.poll_count;
    for (uint32_t i = 0; i < w.poll_count; i++) {
        Socket* s = find(client, w.poll_sockets[i]);
        uint16_t r = s ? readiness(*s) : rvos::proto::kNetPollInvalid;
        r &= static_cast<uint16_t>(w.poll_events[i] | rvos::proto::kNetPollError | rvos::proto::kNetPollHangUp |
                                   rvos::proto::kNetPollInvalid);
        reply.revents[i] = r;
        any |= r != 0;
    }
    if (!any && !timed_out) return false;
    // Read ahead: the readable streams' queued bytes go with the reply.
    static uint8_t ahead[kMaxChunk];
    size_t budget = base::min<size_t>(w.poll_read_ahead, sizeof ahead), used = 0;
    reply.taken_count = w.poll_count;
    for (uint32_t i = 0; i < w.poll_count; i++) {
        Socket* s = find(client, w.poll_sockets[i]);
        if (!s || !(w.poll_events[i] & rvos::proto::kNetPollReadAhead) || !(reply.revents[i] & rvos::proto::kNetPollIn) ||
            s->kind != rvos::proto::kNetStream || s->listening)
            continue;
        reply.taken[i] = static_cast<uint32_t>(take(*s, ahead + used, budget - used, false));
        used += reply.taken[i];
    }
    reply.data = rvos::proto::Bytes(ahead, used);
    rvos::proto::send_reply(loop, client, Error::None, reply);
    return true;
}

// Tries the client's waiting call again: true once it is answered.
bool retry(Handle client, bool timed_out) {
    Waiting& w = clients[client].waiting;
    if (w.ordinal == proto::PollRequest::kOrdinal) return try_poll(client, w, timed_out);
    if (w.ordinal == proto::PingRequest::kOrdinal) return try_ping(client, w, timed_out);
    Socket* s = find(client, w.socket);
    bool done = true;
    if (!s) rvos::proto::reply_status(loop, client, w.ordinal, Error::BadHandle);
    else if (w.ordinal == proto::AcceptRequest::kOrdinal) done = try_accept(client, *s);
    else if (w.ordinal == proto::ConnectRequest::kOrdinal) done = try_connect(client, *s);
    else if (w.ordinal == proto::ReceiveRequest::kOrdinal) done = try_receive(client, *s, w.max, w.peek);
    else if (w.ordinal == proto::SendRequest::kOrdinal) done = try_send(client, *s, w.data, w.length, w.to, w.ip, w.port);
    if (!done && timed_out) {
        rvos::proto::reply_status(loop, client, w.ordinal, Error::TimedOut);
        done = true;
    }
    return done;
}

void stop_waiting(Handle client) {
    Waiting& w = clients[client].waiting;
    free(w.data);
    w.data = nullptr;
    if (!w.ordinal) return;
    w.ordinal = 0;
    for (size_t i = 0; i < waiter_count; i++) {
        if (waiters[i] != client) continue;
        memmove(waiters + i, waiters + i + 1, (waiter_count - i - 1) * sizeof waiters[0]);
        waiter_count--;
        break;
    }
}

// Answers at once if it can; otherwise WouldBlock on a non-blocking
// socket, or waits (until the socket's timeout, if it has one).
Error begin(Handle client, uint32_t ordinal, Socket& s, uint64_t timeout_ms, bool (*attempt)(Handle, Socket&, void*),
            void* context, Waiting* setup) {
    if (attempt(client, s, context)) return kDeferred;
    if (s.nonblocking) return ordinal == proto::ConnectRequest::kOrdinal ? Error::InProgress : Error::WouldBlock;
    Waiting& w = clients[client].waiting;
    if (w.ordinal) return Error::Busy;
    w = *setup;
    w.socket = id_of(&s);
    w.deadline = timeout_ms ? now_ms() + timeout_ms : rvos::kDeadlineNever;
    start_waiting(client, ordinal);
    return kDeferred;
}

// ---- The protocol ----------------------------------------------------------------

struct Handler {
    Handle client;

    Error socket(Handle, const proto::SocketRequest& r, proto::SocketReply& out) {
        if (r.kind != rvos::proto::kNetStream && r.kind != rvos::proto::kNetDatagram) return Error::Unsupported;
        Error why = Error::None;
        uint32_t id = new_socket(client, r.kind, &why);
        if (id == kNone) return why;
        Socket& s = sockets[id];
        if (r.kind == rvos::proto::kNetStream) {
            struct tcp_pcb* pcb = tcp_new();
            if (!pcb) {
                s.used = false;
                return Error::NoMemory;
            }
            attach(s, pcb);
        } else {
            s.udp = udp_new();
            if (!s.udp) {
                s.used = false;
                return Error::NoMemory;
            }
            udp_recv(s.udp, on_udp_receive, &s);
        }
        out.socket = id;
        return Error::None;
    }
    Error close(Handle, const proto::CloseRequest& r, proto::CloseReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (r.unread && s->tcp && !s->listening) {  // bytes read ahead were never read: reset, as Linux does
            tcp_arg(s->tcp, nullptr);
            tcp_recv(s->tcp, nullptr);
            tcp_err(s->tcp, nullptr);
            tcp_abort(s->tcp);
            s->tcp = nullptr;
        }
        close_socket(*s);
        return Error::None;
    }
    Error bind(Handle, const proto::BindRequest& r, proto::BindReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        ip_addr_t a = address(r.ip);
        if (s->tcp) {
            if (s->reuse) ip_set_option(s->tcp, SOF_REUSEADDR);
            return error_of(tcp_bind(s->tcp, &a, r.port));
        }
        if (s->udp) {
            if (s->reuse) ip_set_option(s->udp, SOF_REUSEADDR);
            return error_of(udp_bind(s->udp, &a, r.port));
        }
        return Error::BadArgument;
    }
    Error listen(Handle, const proto::ListenRequest& r, proto::ListenReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (s->kind != rvos::proto::kNetStream) return Error::Unsupported;
        s->backlog_limit = base::min<size_t>(base::max<size_t>(r.backlog, 1), kMaxBacklog);
        if (s->listening) return Error::None;
        if (!s->tcp || s->connected || s->connecting) return Error::BadArgument;
        err_t e = ERR_OK;
        struct tcp_pcb* l = tcp_listen_with_backlog_and_err(s->tcp, static_cast<u8_t>(s->backlog_limit), &e);
        if (!l) return error_of(e);
        s->tcp = l;  // the old block was freed
        s->listening = true;
        tcp_arg(l, s);
        tcp_accept(l, on_tcp_accept);
        return Error::None;
    }
    Error accept(Handle, const proto::AcceptRequest& r, proto::AcceptReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (!s->listening) return Error::BadArgument;
        Waiting w;
        return begin(client, proto::AcceptRequest::kOrdinal, *s, s->receive_timeout_ms,
                     [](Handle c, Socket& so, void*) { return try_accept(c, so); }, nullptr, &w);
    }
    Error connect(Handle, const proto::ConnectRequest& r, proto::ConnectReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        ip_addr_t a = address(r.ip);
        if (s->udp) {
            if (r.ip == 0 && r.port == 0) {
                udp_disconnect(s->udp);
                return Error::None;
            }
            return error_of(udp_connect(s->udp, &a, r.port));
        }
        if (s->listening) return Error::BadArgument;
        if (s->connected) return Error::IsConnected;
        if (!s->connecting) {
            if (!s->tcp) return s->error != Error::None ? s->error : Error::BadArgument;
            err_t e = tcp_connect(s->tcp, &a, r.port, on_tcp_connected);
            if (e != ERR_OK) return error_of(e);
            s->connecting = true;
        }
        Waiting w;
        return begin(client, proto::ConnectRequest::kOrdinal, *s, s->send_timeout_ms,
                     [](Handle c, Socket& so, void*) { return try_connect(c, so); }, nullptr, &w);
    }
    Error send(Handle, const proto::SendRequest& r, proto::SendReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        struct Args {
            const proto::SendRequest& r;
        } args{r};
        Waiting w;
        auto attempt = [](Handle c, Socket& so, void* context) {
            auto& q = static_cast<Args*>(context)->r;
            return try_send(c, so, q.data.data, q.data.length, q.to, q.ip, q.port);
        };
        if (attempt(client, *s, &args)) return kDeferred;
        if (s->nonblocking) return Error::WouldBlock;
        w.data = static_cast<uint8_t*>(malloc(r.data.length));
        if (!w.data) return Error::NoMemory;
        memcpy(w.data, r.data.data, r.data.length);
        w.length = r.data.length;
        w.to = r.to;
        w.ip = r.ip;
        w.port = r.port;
        Error e = begin(client, proto::SendRequest::kOrdinal, *s, s->send_timeout_ms,
                        [](Handle, Socket&, void*) { return false; }, nullptr, &w);
        if (e != kDeferred) free(w.data);
        return e;
    }
    Error receive(Handle, const proto::ReceiveRequest& r, proto::ReceiveReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (s->listening) return Error::NotConnected;
        Waiting w;
        w.max = r.max;
        w.peek = r.peek;
        return begin(client, proto::ReceiveRequest::kOrdinal, *s, s->receive_timeout_ms,
                     [](Handle c, Socket& so, void* context) {
                         auto* q = static_cast<const proto::ReceiveRequest*>(context);
                         return try_receive(c, so, q->max, q->peek);
                     },
                     const_cast<proto::ReceiveRequest*>(&r), &w);
    }
    Error shutdown(Handle, const proto::ShutdownRequest& r, proto::ShutdownReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (r.how > 2) return Error::BadArgument;
        if (!s->tcp || !s->connected) return Error::NotConnected;
        return error_of(tcp_shutdown(s->tcp, r.how != 1, r.how != 0));
    }
    Error set_option(Handle, const proto::SetOptionRequest& r, proto::SetOptionReply&) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        switch (r.option) {
        case rvos::proto::kNetOptionNonBlocking: s->nonblocking = r.value != 0; return Error::None;
        case rvos::proto::kNetOptionReceiveTimeoutMs: s->receive_timeout_ms = r.value; return Error::None;
        case rvos::proto::kNetOptionSendTimeoutMs: s->send_timeout_ms = r.value; return Error::None;
        case rvos::proto::kNetOptionReuseAddress: s->reuse = r.value != 0; return Error::None;
        case rvos::proto::kNetOptionNoDelay:
            s->nodelay = r.value != 0;
            if (s->tcp && !s->listening) {
                if (s->nodelay) tcp_nagle_disable(s->tcp);
                else tcp_nagle_enable(s->tcp);
            }
            return Error::None;
        default: return Error::Unsupported;
        }
    }
    Error get_option(Handle, const proto::GetOptionRequest& r, proto::GetOptionReply& out) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        switch (r.option) {
        case rvos::proto::kNetOptionNonBlocking: out.value = s->nonblocking; return Error::None;
        case rvos::proto::kNetOptionReceiveTimeoutMs: out.value = s->receive_timeout_ms; return Error::None;
        case rvos::proto::kNetOptionSendTimeoutMs: out.value = s->send_timeout_ms; return Error::None;
        case rvos::proto::kNetOptionReuseAddress: out.value = s->reuse; return Error::None;
        case rvos::proto::kNetOptionNoDelay: out.value = s->nodelay; return Error::None;
        case rvos::proto::kNetOptionKind: out.value = s->kind; return Error::None;
        case rvos::proto::kNetOptionError:
            out.value = static_cast<uint64_t>(s->connecting ? Error::None : s->error);
            if (!s->connecting && s->error != Error::ConnectionReset) s->error = Error::None;
            return Error::None;
        default: return Error::Unsupported;
        }
    }
    Error names(Handle, const proto::NamesRequest& r, proto::NamesReply& out) {
        Socket* s = find(client, r.socket);
        if (!s) return Error::BadHandle;
        if (s->tcp) {
            out.local_ip = host_order(&s->tcp->local_ip);
            out.local_port = s->tcp->local_port;
            if (!s->listening) {
                out.peer_ip = host_order(&s->tcp->remote_ip);
                out.peer_port = s->tcp->remote_port;
            }
        } else if (s->udp) {
            out.local_ip = host_order(&s->udp->local_ip);
            out.local_port = s->udp->local_port;
            out.peer_ip = host_order(&s->udp->remote_ip);
            out.peer_port = s->udp->remote_port;
        }
        if (out.local_ip == 0 && (s->connected || (s->udp && out.local_port)))
            out.local_ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&net::interface)));
        return Error::None;
    }
    Error poll(Handle, const proto::PollRequest& r, proto::PollReply&) {
        if (r.sockets_count != r.events_count) return Error::BadArgument;
        Waiting& w = clients[client].waiting;
        if (w.ordinal) return Error::Busy;
        Waiting setup;
        setup.poll_count = r.sockets_count;
        setup.poll_read_ahead = r.read_ahead;
        for (uint32_t i = 0; i < r.sockets_count; i++) {
            setup.poll_sockets[i] = r.sockets[i];
            setup.poll_events[i] = r.events[i];
        }
        if (try_poll(client, setup, r.timeout_ms == 0)) return kDeferred;
        w = setup;
        w.deadline = r.timeout_ms < 0 ? rvos::kDeadlineNever : now_ms() + static_cast<uint64_t>(r.timeout_ms);
        start_waiting(client, proto::PollRequest::kOrdinal);
        return kDeferred;
    }
    Error ping(Handle, const proto::PingRequest& r, proto::PingReply&) {
        Waiting& w = clients[client].waiting;
        if (w.ordinal) return Error::Busy;
        if (r.size > 1400 || r.timeout_ms == 0) return Error::BadArgument;
        Waiting setup;
        setup.ping_id = static_cast<uint16_t>(0x7200 + client);
        setup.ping_sequence = r.sequence;
        setup.ping_size = r.size;
        Error e = send_echo(setup, r.ip);
        if (e != Error::None) return e;
        w = setup;
        w.deadline = now_ms() + r.timeout_ms;
        start_waiting(client, proto::PingRequest::kOrdinal);
        return kDeferred;
    }
    Error interface(Handle, const proto::InterfaceRequest&, proto::InterfaceReply& out) {
        interface_counters(out);
        return Error::None;
    }
    Error stats(Handle, const proto::StatsRequest&, proto::StatsReply& out) {
        for (const Socket& s : sockets) {
            if (!s.used) continue;
            out.sockets++;
            out.queued_bytes += queued(s) + s.datagram_bytes;
        }
        out.tcp_pcbs = lwip_stats.memp[MEMP_TCP_PCB]->used + lwip_stats.memp[MEMP_TCP_PCB_LISTEN]->used;
        out.udp_pcbs = lwip_stats.memp[MEMP_UDP_PCB]->used;
        out.clients = static_cast<uint32_t>(client_count);
        out.memory_used = lwip_stats.mem.used;
        out.pbufs_used = lwip_stats.memp[MEMP_PBUF_POOL]->used;
        return Error::None;
    }
};

}  // namespace

void serve_client(Loop& l, Handle client, void*, Buffer& message) {
    if (client < 0 || client >= static_cast<Handle>(rvos::kMaxHandles)) return;
    if (!clients[client].connected) {
        clients[client] = Client{};
        clients[client].connected = true;
        client_count++;
    }
    Handler handler{client};
    proto::dispatch(l, client, message, handler);
}

void client_gone(Loop&, Handle client, void*) {
    if (client < 0 || client >= static_cast<Handle>(rvos::kMaxHandles)) return;
    for (Socket& s : sockets)
        if (s.used && s.owner == client) close_socket(s);
    if (clients[client].connected) client_count--;
    stop_waiting(client);
    clients[client].connected = false;
}

uint64_t complete_waiting() {
    uint64_t earliest = rvos::kDeadlineNever;
    if (waiter_count == 0) return earliest;
    uint64_t now = now_ms();
    // A copy: answering removes the client from the list.
    Handle ready[rvos::kMaxHandles];
    size_t count = waiter_count;
    memcpy(ready, waiters, count * sizeof ready[0]);
    for (size_t i = 0; i < count; i++) {
        Handle c = ready[i];
        Waiting& w = clients[c].waiting;
        if (retry(c, now >= w.deadline)) stop_waiting(c);
        else earliest = base::min(earliest, w.deadline);
    }
    return earliest;
}

}  // namespace net
