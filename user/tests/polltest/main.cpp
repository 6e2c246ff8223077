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
#include <arpa/inet.h>
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

void one(const char* name, int fd, short events) {
    struct pollfd f{fd, events, 0};
    int n = poll(&f, 1, 1000);
    printf("polltest: %s: returned %d %s\n", name, n, names(f.revents));
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
    printf("polltest: done\n");
    return 0;
}
