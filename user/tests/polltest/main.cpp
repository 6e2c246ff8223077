// polltest: poll() over a pipe, a UDP socket on loopback and stdin
// together. Each step prints one line, "polltest: <step>: pipe=... sock=...
// stdin=..." with the events poll reported for each (names, "-" for none),
// so the same program built for the host gives lines to compare with.
// Plain POSIX only, for that reason. Steps:
//   quiet     nothing is ready: poll waits its 300 ms out and returns 0
//   pipe      bytes written to the pipe: only the pipe is readable
//   socket    a datagram sent to the socket: only the socket is readable
//   writable  a pipe's write end is writable
//   hangup    the pipe's writer closed: its reader sees POLLHUP
//   noreader  a pipe whose reader closed: its writer sees POLLOUT|POLLERR
//   stdin     after "polltest: type a line" a line is typed: stdin alone is
//             readable within 20 s, and read(0) gives that line
//   after     with that line read, nothing is ready (stdin kept open)
//   stream    a TCP connection on loopback: bytes sent to one end make it
//             readable; a peek, a short read and the rest give the bytes
//             once each and in order, readable until all are read, then
//             not (the stack reads ahead with poll: rvos/socket.h)
//   unread    that end closed with bytes it was told of but never read:
//             the connection is reset, as on Linux (the peer's recv fails
//             with ECONNRESET)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

int pipe_fds[2], sock = -1, peer = -1;
struct sockaddr_in to{};

long now_ms() {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

const char* names(short revents) {
    static char texts[3][64];  // three to a line
    static int next = 0;
    char* text = texts[next++ % 3];
    text[0] = 0;
    struct {
        short bit;
        const char* name;
    } known[] = {{POLLIN, "IN"}, {POLLOUT, "OUT"}, {POLLERR, "ERR"}, {POLLHUP, "HUP"}, {POLLNVAL, "NVAL"}};
    for (auto& k : known) {
        if (!(revents & k.bit)) continue;
        if (text[0]) strcat(text, "|");
        strcat(text, k.name);
    }
    return text[0] ? text : "-";
}

// Polls the pipe's read end, the socket and stdin for input.
void step(const char* name, int timeout_ms, long at_least_ms = 0) {
    struct pollfd fds[3] = {{pipe_fds[0], POLLIN, 0}, {sock, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    long start = now_ms();
    int n = poll(fds, 3, timeout_ms);
    long took = now_ms() - start;
    printf("polltest: %s: returned %d pipe=%s sock=%s stdin=%s%s\n", name, n, names(fds[0].revents),
           names(fds[1].revents), names(fds[2].revents), took < at_least_ms ? " (too soon)" : "");
    fflush(stdout);
}

void one(const char* name, int fd, short events, int timeout_ms = 1000) {
    struct pollfd f{fd, events, 0};
    int n = poll(&f, 1, timeout_ms);
    printf("polltest: %s: returned %d %s\n", name, n, names(f.revents));
}

// Receives up to `length` bytes and prints them (or the failure).
void take(const char* name, int fd, size_t length, int flags) {
    char buffer[64] = {};
    ssize_t n = recv(fd, buffer, length < sizeof buffer ? length : sizeof buffer - 1, flags);
    if (n < 0) printf("polltest: %s: -1 %s\n", name, errno == ECONNRESET ? "ECONNRESET" : strerror(errno));
    else printf("polltest: %s: %zd \"%.*s\"\n", name, n, static_cast<int>(n), buffer);
}

// A TCP connection over loopback: `server` is the accepted end.
int stream(int& server) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof at;
    if (listener < 0 || bind(listener, reinterpret_cast<struct sockaddr*>(&at), sizeof at) != 0 ||
        listen(listener, 1) != 0 || getsockname(listener, reinterpret_cast<struct sockaddr*>(&at), &length) != 0)
        return -1;
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, reinterpret_cast<struct sockaddr*>(&at), sizeof at) != 0) return -1;
    server = accept(listener, nullptr, nullptr);
    close(listener);
    return server < 0 ? -1 : client;
}

}  // namespace

int main() {
    signal(SIGPIPE, SIG_IGN);
    if (pipe(pipe_fds) != 0) return perror("pipe"), 1;
    sock = socket(AF_INET, SOCK_DGRAM, 0);
    peer = socket(AF_INET, SOCK_DGRAM, 0);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof to;
    if (sock < 0 || peer < 0 || bind(sock, reinterpret_cast<struct sockaddr*>(&to), sizeof to) != 0 ||
        getsockname(sock, reinterpret_cast<struct sockaddr*>(&to), &length) != 0)
        return perror("socket"), 1;
    char buffer[128];

    step("quiet", 300, 250);

    if (write(pipe_fds[1], "x", 1) != 1) return perror("write"), 1;
    step("pipe", 5000);
    if (read(pipe_fds[0], buffer, sizeof buffer) != 1) return perror("read"), 1;

    if (sendto(peer, "y", 1, 0, reinterpret_cast<struct sockaddr*>(&to), sizeof to) != 1) return perror("sendto"), 1;
    step("socket", 5000);
    if (recv(sock, buffer, sizeof buffer, 0) != 1) return perror("recv"), 1;

    one("writable", pipe_fds[1], POLLOUT);

    int other[2];
    if (pipe(other) != 0) return perror("pipe"), 1;
    close(other[1]);
    one("hangup", other[0], POLLIN);
    close(other[0]);
    if (pipe(other) != 0) return perror("pipe"), 1;
    close(other[0]);
    one("noreader", other[1], POLLOUT);
    close(other[1]);

    printf("polltest: type a line\n");
    fflush(stdout);
    step("stdin", 20000);
    ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer - 1);
    buffer[got > 0 ? got : 0] = 0;
    printf("polltest: read %s", buffer);
    step("after", 0);

    int server = -1, client = stream(server);
    if (client < 0) return perror("stream"), 1;
    if (send(client, "abcdef", 6, 0) != 6) return perror("send"), 1;
    one("stream", server, POLLIN, 5000);
    take("stream peek 3", server, 3, MSG_PEEK);
    take("stream read 2", server, 2, 0);
    one("stream rest", server, POLLIN);
    take("stream read", server, 63, 0);
    one("stream empty", server, POLLIN, 300);
    if (send(client, "ghij", 4, 0) != 4) return perror("send"), 1;
    one("unread", server, POLLIN, 5000);
    close(server);
    take("unread peer", client, 63, 0);
    close(client);
    printf("polltest: done\n");
    return 0;
}
