// nc: TCP and UDP, connecting or listening.
//   nc [-u] <host> <port>          send the lines typed (to Ctrl-D), print what comes back
//   nc [-u] -l [-k] <port>         wait for a peer (TCP: a connection), print what it sends
//   --echo (with either)           send back everything received, until the peer closes
//                                  (UDP: each datagram to its sender); -k: then the next one
//   --discard (TCP, with -l)       count what arrives instead of printing it
//   --bytes N (TCP, connecting)    send N bytes (a pattern) instead of the lines typed
// --discard and --bytes end with one line: the bytes and the milliseconds
// from the first byte to the end of the stream (make bench uses them).
// A TCP peer's end of stream ends a connection; the exit status is 0 when
// everything was sent and received.
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

bool udp = false, listening = false, keep = false, echo = false, discard = false;
long long send_bytes = -1;

long long now_us() {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}
char buffer[32 * 1024];

int usage() {
    printf("usage: nc [-u] [--echo | --bytes N] <host> <port> | nc [-u] [--echo | --discard] -l [-k] <port>\n");
    return 2;
}

bool resolve(const char* host, const char* port, struct sockaddr_in& out) {
    struct addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = host ? 0 : AI_PASSIVE;
    struct addrinfo* found = nullptr;
    int e = getaddrinfo(host, port, &hints, &found);
    if (e != 0) {
        printf("nc: %s:%s: %s\n", host ? host : "*", port, gai_strerror(e));
        return false;
    }
    memcpy(&out, found->ai_addr, sizeof out);
    freeaddrinfo(found);
    return true;
}

bool send_all(int fd, const char* data, size_t length) {
    while (length) {
        ssize_t n = send(fd, data, length, 0);
        if (n <= 0) return false;
        data += n;
        length -= static_cast<size_t>(n);
    }
    return true;
}

// Receives to the end of the stream and says how much and how fast.
int count(int fd) {
    long long total = 0, first = 0;
    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            printf("nc: receive: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) break;
        if (total == 0) first = now_us();
        total += n;
    }
    printf("nc: received %lld bytes in %lld ms\n", total, total ? (now_us() - first) / 1000 : 0);
    return 0;
}

// Sends `total` bytes and ends the stream.
int generate(int fd, long long total) {
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = static_cast<char>(i * 31);
    long long start = now_us(), left = total;
    while (left > 0) {
        size_t n = left < static_cast<long long>(sizeof buffer) ? static_cast<size_t>(left) : sizeof buffer;
        if (!send_all(fd, buffer, n)) {
            printf("nc: send: %s\n", strerror(errno));
            return 1;
        }
        left -= static_cast<long long>(n);
    }
    shutdown(fd, SHUT_WR);
    while (recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
    printf("nc: sent %lld bytes in %lld ms\n", total, (now_us() - start) / 1000);
    return 0;
}

// Serves one TCP connection: echo it back, or print it.
int stream(int fd) {
    if (discard) return count(fd);
    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            printf("nc: receive: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) return 0;
        if (echo ? !send_all(fd, buffer, static_cast<size_t>(n)) : fwrite(buffer, 1, static_cast<size_t>(n), stdout) == 0) {
            printf("nc: send: %s\n", strerror(errno));
            return 1;
        }
        fflush(stdout);
    }
}

// Prints what has arrived (without waiting).
bool drain(int fd) {
    struct pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return false;
        fwrite(buffer, 1, static_cast<size_t>(n), stdout);
    }
    fflush(stdout);
    return true;
}

int connect_mode(const char* host, const char* port) {
    struct sockaddr_in to;
    if (!resolve(host, port, to)) return 1;
    int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<struct sockaddr*>(&to), sizeof to) != 0) {
        printf("nc: %s:%s: %s\n", host, port, strerror(errno));
        return 1;
    }
    if (echo) return stream(fd);
    if (send_bytes >= 0) return generate(fd, send_bytes);
    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        if (!send_all(fd, line, strlen(line))) {
            printf("nc: send: %s\n", strerror(errno));
            return 1;
        }
        if (udp) {  // a moment for the answer
            struct timespec t{0, 100000000};
            nanosleep(&t, nullptr);
        }
        drain(fd);
    }
    if (udp) return drain(fd) ? 0 : 1;
    shutdown(fd, SHUT_WR);
    int status = stream(fd);
    close(fd);
    return status;
}

int udp_listen(int fd) {
    for (;;) {
        struct sockaddr_in from;
        socklen_t length = sizeof from;
        ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<struct sockaddr*>(&from), &length);
        if (n < 0) {
            printf("nc: receive: %s\n", strerror(errno));
            return 1;
        }
        if (echo) sendto(fd, buffer, static_cast<size_t>(n), 0, reinterpret_cast<struct sockaddr*>(&from), length);
        else {
            fwrite(buffer, 1, static_cast<size_t>(n), stdout);
            fflush(stdout);
        }
    }
}

int listen_mode(const char* port) {
    struct sockaddr_in at;
    if (!resolve(nullptr, port, at)) return 1;
    int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, reinterpret_cast<struct sockaddr*>(&at), sizeof at) != 0 || (!udp && listen(fd, 4) != 0)) {
        printf("nc: port %s: %s\n", port, strerror(errno));
        return 1;
    }
    printf("nc: listening on %s port %s\n", udp ? "udp" : "tcp", port);
    fflush(stdout);
    if (udp) return udp_listen(fd);
    int status = 0;
    do {
        int c = accept(fd, nullptr, nullptr);
        if (c < 0) {
            printf("nc: accept: %s\n", strerror(errno));
            return 1;
        }
        status = stream(c);
        close(c);
    } while (keep);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    const char* words[2] = {nullptr, nullptr};
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-u")) udp = true;
        else if (!strcmp(argv[i], "-l")) listening = true;
        else if (!strcmp(argv[i], "-k")) keep = true;
        else if (!strcmp(argv[i], "--echo")) echo = true;
        else if (!strcmp(argv[i], "--discard")) discard = true;
        else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) send_bytes = atoll(argv[++i]);
        else if (count < 2) words[count++] = argv[i];
        else return usage();
    }
    if (listening) return count == 1 ? listen_mode(words[0]) : usage();
    return count == 2 ? connect_mode(words[0], words[1]) : usage();
}
