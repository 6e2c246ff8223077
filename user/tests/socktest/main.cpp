// socktest <check>: the BSD socket API as a program sees it, each check
// printing one line per property ("socktest: <what>: ok" or what went
// wrong), over the stack's loopback (127.0.0.1) so no peer is needed.
//   api    addresses as text, getaddrinfo (numbers and /etc/hosts), names,
//          options, non-blocking calls, timeouts, refused connections, poll
//   leak   opens TCP and UDP sockets (listening, connected, bound) and exits
//          without closing any: the stack must release them
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

namespace {

int failures = 0;

void check(bool ok, const char* what, const char* detail = "") {
    if (ok) printf("socktest: %s: ok\n", what);
    else {
        printf("socktest: %s: FAILED %s (errno %s)\n", what, detail, strerror(errno));
        failures++;
    }
}

struct sockaddr_in at(const char* ip, int port) {
    struct sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}
struct sockaddr* sa(struct sockaddr_in& a) { return reinterpret_cast<struct sockaddr*>(&a); }

long elapsed_ms(const struct timespec& since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000;
}

void text_addresses() {
    struct in_addr a;
    char text[INET_ADDRSTRLEN];
    check(inet_pton(AF_INET, "10.0.2.15", &a) == 1 && ntohl(a.s_addr) == 0x0a00020f, "inet_pton 10.0.2.15");
    check(inet_pton(AF_INET, "256.1.1.1", &a) == 0 && inet_pton(AF_INET, "1.2.3", &a) == 0 &&
              inet_pton(AF_INET, "01.2.3.4", &a) == 0 && inet_pton(AF_INET, "1.2.3.4 ", &a) == 0,
          "inet_pton refuses what is not an address");
    check(inet_pton(AF_INET6, "::1", &a) == -1 && errno == EAFNOSUPPORT, "inet_pton of IPv6 is EAFNOSUPPORT");
    a.s_addr = htonl(0xc0a80001);
    check(inet_ntop(AF_INET, &a, text, sizeof text) && !strcmp(text, "192.168.0.1"), "inet_ntop 192.168.0.1");
    check(!inet_ntop(AF_INET, &a, text, 8) && errno == ENOSPC, "inet_ntop into too small a buffer is ENOSPC");
}

void resolving() {
    struct addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* r = nullptr;
    int e = getaddrinfo("10.0.2.2", "8080", &hints, &r);
    auto* in = r ? reinterpret_cast<struct sockaddr_in*>(r->ai_addr) : nullptr;
    check(e == 0 && in && ntohl(in->sin_addr.s_addr) == 0x0a000202 && ntohs(in->sin_port) == 8080 && !r->ai_next,
          "getaddrinfo of a numeric host and port");
    if (r) freeaddrinfo(r);
    r = nullptr;
    e = getaddrinfo("localhost", "80", &hints, &r);
    in = r ? reinterpret_cast<struct sockaddr_in*>(r->ai_addr) : nullptr;
    check(e == 0 && in && ntohl(in->sin_addr.s_addr) == 0x7f000001, "getaddrinfo of localhost from /etc/hosts");
    if (r) freeaddrinfo(r);
    r = nullptr;
    e = getaddrinfo("no-such-host.invalid", "80", &hints, &r);
    check(e == EAI_NONAME && !strcmp(gai_strerror(e), "Name or service not known"), "an unknown name is EAI_NONAME");
}

void stream_on_loopback() {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    check(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "SO_REUSEADDR is taken");
    struct sockaddr_in a = at("127.0.0.1", 5555);
    check(bind(l, sa(a), sizeof a) == 0 && listen(l, 4) == 0, "bind and listen on 127.0.0.1:5555");
    int again = socket(AF_INET, SOCK_STREAM, 0);
    check(bind(again, sa(a), sizeof a) != 0 && errno == EADDRINUSE, "a second bind to the port is EADDRINUSE");
    close(again);
    fcntl(l, F_SETFL, O_NONBLOCK);
    check(accept(l, nullptr, nullptr) < 0 && errno == EAGAIN, "non-blocking accept with no one waiting is EAGAIN");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    check(connect(c, sa(a), sizeof a) == 0, "connect to 127.0.0.1:5555");
    struct pollfd p{l, POLLIN, 0};
    check(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "poll says the listener has a connection");
    struct sockaddr_in peer{};
    socklen_t length = sizeof peer;
    int s = accept(l, sa(peer), &length);
    check(s >= 0 && ntohl(peer.sin_addr.s_addr) == 0x7f000001, "accept gives the peer's address");
    struct sockaddr_in mine{}, theirs{};
    socklen_t ml = sizeof mine, tl = sizeof theirs;
    check(getsockname(c, sa(mine), &ml) == 0 && getpeername(c, sa(theirs), &tl) == 0 && ntohs(theirs.sin_port) == 5555 &&
              ntohs(mine.sin_port) == ntohs(peer.sin_port),
          "getsockname and getpeername name both ends");
    check(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "TCP_NODELAY is taken");
    int v = 0;
    socklen_t vl = sizeof v;
    check(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v == 1, "TCP_NODELAY reads back");
    check(send(c, "ping", 4, 0) == 4, "send 4 bytes");
    char buffer[16] = {};
    check(recv(s, buffer, sizeof buffer, MSG_PEEK) == 4 && recv(s, buffer, sizeof buffer, 0) == 4 &&
              !memcmp(buffer, "ping", 4),
          "recv with MSG_PEEK and then for real");
    check(write(s, "pong", 4) == 4 && read(c, buffer, sizeof buffer) == 4 && !memcmp(buffer, "pong", 4),
          "read and write work on sockets");
    struct timeval tv{0, 300000};
    check(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO is taken");
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    ssize_t n = recv(c, buffer, sizeof buffer, 0);
    long ms = elapsed_ms(start);
    check(n < 0 && (errno == EAGAIN || errno == ETIMEDOUT) && ms >= 250, "recv past SO_RCVTIMEO fails after the time");
    check(recv(c, buffer, sizeof buffer, MSG_DONTWAIT) < 0 && errno == EAGAIN, "MSG_DONTWAIT with nothing queued is EAGAIN");
    check(shutdown(s, SHUT_WR) == 0 && recv(c, buffer, sizeof buffer, 0) == 0, "shutdown(SHUT_WR) is end of stream at the peer");
    close(s);
    close(c);
    close(l);
    int r = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in nobody = at("127.0.0.1", 5556);
    check(connect(r, sa(nobody), sizeof nobody) < 0 && errno == ECONNREFUSED, "connect where no one listens is ECONNREFUSED");
    close(r);
    check(send(r, "x", 1, 0) < 0 && errno == EBADF, "a closed descriptor is EBADF");
}

void datagrams() {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in pa = at("127.0.0.1", 6001), pb = at("127.0.0.1", 6002);
    check(bind(a, sa(pa), sizeof pa) == 0 && bind(b, sa(pb), sizeof pb) == 0, "bind two UDP sockets");
    check(sendto(a, "hello", 5, 0, sa(pb), sizeof pb) == 5, "sendto");
    char buffer[16];
    struct sockaddr_in from{};
    socklen_t fl = sizeof from;
    check(recvfrom(b, buffer, sizeof buffer, 0, sa(from), &fl) == 5 && !memcmp(buffer, "hello", 5) &&
              ntohs(from.sin_port) == 6001,
          "recvfrom gives the datagram and its sender");
    struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLOUT, 0}};
    check(poll(p, 2, 0) == 1 && p[0].revents == 0 && (p[1].revents & POLLOUT), "poll: nothing to read, room to send");
    close(a);
    close(b);
}

void poll_mixed() {
    FILE* f = fopen("/tmp/socktest.file", "w");
    fputs("x", f);
    fclose(f);
    int fd = open("/tmp/socktest.file", O_RDONLY);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct pollfd p[3] = {{fd, POLLIN, 0}, {u, POLLIN, 0}, {1, POLLOUT, 0}};
    check(poll(p, 3, 1000) == 2 && (p[0].revents & POLLIN) && p[1].revents == 0 && (p[2].revents & POLLOUT),
          "poll over a file, a socket and the console");
    struct pollfd bad{99, POLLIN, 0};
    check(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL, "poll of a descriptor that is not open is POLLNVAL");
    close(fd);
    close(u);
    unlink("/tmp/socktest.file");
}

int leak() {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = at("0.0.0.0", 5600);
    bind(l, sa(a), sizeof a);
    listen(l, 4);
    struct sockaddr_in to = at("127.0.0.1", 5600);
    for (int i = 0; i < 3; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        connect(c, sa(to), sizeof to);
        send(c, "unread", 6, 0);
    }
    for (int i = 0; i < 3; i++) {
        int u = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in b = at("0.0.0.0", 5700 + i);
        bind(u, sa(b), sizeof b);
    }
    printf("socktest: leaving with 7 sockets open\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const char* what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "leak")) return leak();
    if (strcmp(what, "api")) {
        printf("usage: socktest api|leak\n");
        return 2;
    }
    text_addresses();
    resolving();
    stream_on_loopback();
    datagrams();
    poll_mixed();
    printf("socktest: %d failed\n", failures);
    return failures ? 1 : 0;
}
