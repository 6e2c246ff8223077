// wget [-O file] http://host[:port]/path: fetches a URL to a file (by
// default the path's last component, or index.html). HTTP/1.0 GET; a
// status other than 200, or a body shorter than its Content-Length, is
// an error and leaves no file behind.
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

char buffer[32 * 1024];

int fail(const char* what, const char* detail) {
    printf("wget: %s: %s\n", what, detail);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    const char* output = nullptr;
    const char* url = nullptr;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-O") && i + 1 < argc) output = argv[++i];
        else url = argv[i];
    }
    if (!url || strncmp(url, "http://", 7)) {
        printf("usage: wget [-O file] http://host[:port]/path\n");
        return 2;
    }
    char host[256], port[8] = "80";
    const char* rest = url + 7;
    const char* path = strchr(rest, '/');
    if (!path) path = "/";
    size_t host_length = static_cast<size_t>((*path == '/' && path != rest + strlen(rest) ? path : rest + strlen(rest)) - rest);
    if (host_length == 0 || host_length >= sizeof host) return fail(url, "bad host");
    memcpy(host, rest, host_length);
    host[host_length] = 0;
    if (char* colon = strchr(host, ':')) {
        *colon = 0;
        snprintf(port, sizeof port, "%s", colon + 1);
    }
    if (!output) {
        const char* slash = strrchr(path, '/');
        output = slash && slash[1] ? slash + 1 : "index.html";
    }
    struct addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* found = nullptr;
    int e = getaddrinfo(host, port, &hints, &found);
    if (e) return fail(host, gai_strerror(e));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen) != 0) return fail(url, strerror(errno));
    freeaddrinfo(found);
    int n = snprintf(buffer, sizeof buffer, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: rvos-wget\r\nConnection: close\r\n\r\n",
                     path, host);
    if (send(fd, buffer, static_cast<size_t>(n), 0) != n) return fail(url, strerror(errno));
    // The header, then the body.
    size_t have = 0;
    char* end = nullptr;
    while (!end) {
        if (have == sizeof buffer - 1) return fail(url, "header too long");
        ssize_t got = recv(fd, buffer + have, sizeof buffer - 1 - have, 0);
        if (got <= 0) return fail(url, got < 0 ? strerror(errno) : "connection closed in the header");
        have += static_cast<size_t>(got);
        buffer[have] = 0;
        end = strstr(buffer, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buffer, "HTTP/%*d.%*d %d", &status) != 1) return fail(url, "not an HTTP answer");
    long long expected = -1;
    for (char* h = strstr(buffer, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
        if (!strncasecmp(h + 2, "Content-Length:", 15)) expected = atoll(h + 17);
    if (status != 200) {
        char reason[32];
        snprintf(reason, sizeof reason, "server answered %d", status);
        return fail(url, reason);
    }
    FILE* f = fopen(output, "wb");
    if (!f) return fail(output, strerror(errno));
    size_t body = static_cast<size_t>(end + 4 - buffer);
    long long total = static_cast<long long>(have - body);
    bool ok = fwrite(buffer + body, 1, have - body, f) == have - body || have == body;
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) {
            ok = false;
            break;
        }
        if (got == 0) break;
        ok = ok && fwrite(buffer, 1, static_cast<size_t>(got), f) == static_cast<size_t>(got);
        total += got;
    }
    close(fd);
    ok = fclose(f) == 0 && ok;
    if (!ok || (expected >= 0 && total != expected)) {
        remove(output);
        return fail(url, ok ? "body shorter than its Content-Length" : "write or receive failed");
    }
    printf("wget: saved %s (%lld bytes)\n", output, total);
    return 0;
}
