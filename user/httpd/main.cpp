// httpd [-p port] [root]: an HTTP/1.1 server for the files under root
// (default /, port 80). GET and HEAD; a directory is listed; a missing
// path is 404; every answer has a Content-Length; connections are kept
// alive (HTTP/1.1 unless "Connection: close", HTTP/1.0 only when asked)
// and many clients are served at once from one poll() loop, each socket
// non-blocking. A client that sends a malformed request gets 400, a
// request header past 8 KiB 431, and one idle 10 s is closed.
//
// Each request costs round trips to other programs (the network stack,
// the file server), and under QEMU every one is two address-space
// switches: so a GET first reads the file whole with one fs.ReadFile
// straight into a buffer shared with the file server (no stat, no file
// opened, so nothing to close; a directory or a missing file is what the
// request answers), and a file shorter than kChunk goes out with its
// header in one send. A larger file is stated, opened and sent a chunk at
// a time, the first chunk with the header.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rvos/fs.h"
#include "rvos/syscall.h"

namespace {

constexpr size_t kMaxClients = 48;
constexpr size_t kMaxRequest = 8 * 1024;
constexpr size_t kChunk = 32 * 1024;
constexpr long kIdleMs = 10'000;

struct Client {
    int fd = -1;
    char request[kMaxRequest + 1];
    size_t have = 0;
    // The answer being sent: a header and body in `out`, then the file.
    char* out = nullptr;
    size_t out_length = 0, out_sent = 0;
    int file = -1;
    size_t file_left = 0;
    bool keep_alive = false;
    long last_ms = 0;
};

Client clients[kMaxClients];
size_t base_min(size_t a, size_t b) { return a < b ? a : b; }
const char* root = "/";
// Where file data is read to: a memory object the file server can map for
// a ReadFile (small_files), or, if it could not be made, a static buffer.
char fallback[kChunk];
char* chunk = fallback;
rvos::Handle chunk_memory = rvos::kNoHandle;

void make_chunk() {
    auto memory = rvos::sys::mem_create(kChunk);
    if (memory.is_error()) return;
    auto mapping = rvos::sys::mem_map(memory.value());
    if (mapping.is_error() || mapping.value().size < kChunk) {
        rvos::sys::handle_close(memory.value());
        return;
    }
    chunk_memory = memory.value();
    chunk = static_cast<char*>(mapping.value().address);
}

// The whole file at `path` into `chunk` with one request that opens
// nothing, if it is shorter than kChunk: its length; -1 for a directory
// (IsDirectory), -2 for no such file, -3 otherwise (a larger file, or one
// that cannot be read so: the caller stats and opens it instead).
constexpr ssize_t kIsDirectory = -1, kMissing = -2, kOpenInstead = -3;
ssize_t read_small(const char* path) {
    if (chunk_memory == rvos::kNoHandle) return kOpenInstead;
    auto lent = rvos::sys::handle_duplicate(chunk_memory, rvos::kRightMap | rvos::kRightMapWrite | rvos::kRightTransfer);
    if (lent.is_error()) return kOpenInstead;
    auto read = rvos::fs::read_file(path, lent.value(), 0, kChunk);  // the handle goes with the request
    if (read.is_error()) {
        if (read.error() == rvos::Error::IsDirectory) return kIsDirectory;
        if (read.error() == rvos::Error::NotFound) return kMissing;
        return kOpenInstead;
    }
    return read.value() < kChunk ? static_cast<ssize_t>(read.value()) : kOpenInstead;
}

long now_ms() {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1'000'000;
}

void drop(Client& c) {
    close(c.fd);
    if (c.file >= 0) close(c.file);
    free(c.out);
    c = Client{};
}

// Appends to the client's pending output.
void put(Client& c, const char* data, size_t length) {
    char* grown = static_cast<char*>(realloc(c.out, c.out_length + length));
    if (!grown) return;
    c.out = grown;
    memcpy(c.out + c.out_length, data, length);
    c.out_length += length;
}

void header(Client& c, int status, const char* reason, const char* type, size_t length) {
    char h[512];
    int n = snprintf(h, sizeof h,
                     "HTTP/1.1 %d %s\r\nServer: rvos-httpd\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n\r\n",
                     status, reason, type, length, c.keep_alive ? "keep-alive" : "close");
    put(c, h, static_cast<size_t>(n));
}

void error_page(Client& c, int status, const char* reason, bool head) {
    char body[256];
    int n = snprintf(body, sizeof body, "<html><body><h1>%d %s</h1></body></html>\n", status, reason);
    header(c, status, reason, "text/html", static_cast<size_t>(n));
    if (!head) put(c, body, static_cast<size_t>(n));
}

const char* content_type(const char* path) {
    const char* dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")) return "text/html";
    if (!strcasecmp(dot, ".txt") || !strcasecmp(dot, ".lua") || !strcasecmp(dot, ".c")) return "text/plain";
    return "application/octet-stream";
}

// %XX decoding in place; false for a bad escape or a NUL.
bool decode(char* s) {
    char* out = s;
    for (; *s; s++) {
        if (*s != '%') {
            *out++ = *s;
            continue;
        }
        unsigned value = 0;
        if (sscanf(s + 1, "%2x", &value) != 1 || value == 0 || !s[1] || !s[2]) return false;
        *out++ = static_cast<char>(value);
        s += 2;
    }
    *out = 0;
    return true;
}

// Appends formatted text to a growing buffer.
void append(char*& text, size_t& length, const char* format, ...) {
    char piece[1024];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(piece, sizeof piece, format, args);
    va_end(args);
    if (n < 0) return;
    size_t add = base_min(static_cast<size_t>(n), sizeof piece - 1);
    char* grown = static_cast<char*>(realloc(text, length + add + 1));
    if (!grown) return;
    text = grown;
    memcpy(text + length, piece, add + 1);
    length += add;
}

void listing(Client& c, const char* path, const char* url, bool head) {
    DIR* d = opendir(path);
    if (!d) return error_page(c, 404, "Not Found", head);
    char* body = nullptr;
    size_t length = 0;
    append(body, length, "<html><head><title>Index of %s</title></head><body><h1>Index of %s</h1><ul>\n", url, url);
    bool slash = url[strlen(url) - 1] == '/';
    while (struct dirent* e = readdir(d)) {
        if (!strcmp(e->d_name, ".")) continue;
        append(body, length, "<li><a href=\"%s%s%s\">%s</a></li>\n", url, slash ? "" : "/", e->d_name, e->d_name);
    }
    append(body, length, "</ul></body></html>\n");
    closedir(d);
    header(c, 200, "OK", "text/html", length);
    if (!head) put(c, body, length);
    free(body);
}

// Appends the open file's next chunk to the output (closing the file at
// its end); false if the file shrank: the answer cannot be finished.
bool next_chunk(Client& c) {
    if (c.file_left == 0) {
        close(c.file);
        c.file = -1;
        return true;
    }
    ssize_t n = read(c.file, chunk, c.file_left < kChunk ? c.file_left : kChunk);
    if (n <= 0) return false;
    c.file_left -= static_cast<size_t>(n);
    put(c, chunk, static_cast<size_t>(n));
    return true;
}

// Answers the request at the start of c.request (its header ends at `end`).
void answer(Client& c, size_t end) {
    char* line = c.request;
    char* eol = strstr(line, "\r\n");
    *eol = 0;
    char method[16], target[kMaxRequest], version[16];
    c.keep_alive = false;
    if (sscanf(line, "%15s %8191s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7) ||
        target[0] != '/')
        return error_page(c, 400, "Bad Request", false);
    bool http11 = !strcmp(version, "HTTP/1.1");
    c.keep_alive = http11;
    for (char* h = eol + 2; h < c.request + end;) {
        char* next = strstr(h, "\r\n");
        if (!next) break;
        *next = 0;
        if (!strncasecmp(h, "Connection:", 11)) {
            const char* v = h + 11;
            while (*v == ' ') v++;
            if (!strcasecmp(v, "close")) c.keep_alive = false;
            if (!strcasecmp(v, "keep-alive")) c.keep_alive = true;
        }
        h = next + 2;
    }
    bool head = !strcmp(method, "HEAD");
    if (!head && strcmp(method, "GET")) return error_page(c, 501, "Not Implemented", false);
    char* query = strchr(target, '?');
    if (query) *query = 0;
    if (!decode(target) || strstr(target, "/..") || strstr(target, "../")) return error_page(c, 400, "Bad Request", head);
    char path[kMaxRequest + 256];
    snprintf(path, sizeof path, "%s%s", strcmp(root, "/") ? root : "", target);
    // A GET first tries to read the file whole: one request to the file
    // server, which also tells a directory or a missing file. The length
    // is what the read found.
    ssize_t small = head ? kOpenInstead : read_small(path);
    if (small >= 0) {
        header(c, 200, "OK", content_type(path), static_cast<size_t>(small));
        return put(c, chunk, static_cast<size_t>(small));
    }
    if (small == kMissing) return error_page(c, 404, "Not Found", head);
    if (small == kIsDirectory) return listing(c, path, target, head);
    struct stat st;
    if (stat(path, &st) != 0) return error_page(c, 404, "Not Found", head);
    if (S_ISDIR(st.st_mode)) return listing(c, path, target, head);
    if (head || st.st_size == 0) return header(c, 200, "OK", content_type(path), static_cast<size_t>(st.st_size));
    int fd = open(path, O_RDONLY);
    if (fd < 0) return error_page(c, 404, "Not Found", head);
    header(c, 200, "OK", content_type(path), static_cast<size_t>(st.st_size));
    c.file = fd;
    c.file_left = static_cast<size_t>(st.st_size);
    // The first chunk goes out with the header.
    if (!next_chunk(c)) c.keep_alive = false;
}

// A request's header is complete: answer it and keep what follows (a
// pipelined request) for next time.
void on_request(Client& c) {
    char* end = strstr(c.request, "\r\n\r\n");
    size_t used = static_cast<size_t>(end - c.request) + 4;
    answer(c, used);
    memmove(c.request, c.request + used, c.have - used);
    c.have -= used;
    c.request[c.have] = 0;
}

// Sends what it can without waiting; false when the client is done with.
bool flush(Client& c) {
    for (;;) {
        if (c.out_sent < c.out_length) {
            ssize_t n = send(c.fd, c.out + c.out_sent, c.out_length - c.out_sent, 0);
            if (n < 0) return errno == EWOULDBLOCK || errno == EAGAIN;
            c.out_sent += static_cast<size_t>(n);
            continue;
        }
        free(c.out);
        c.out = nullptr;
        c.out_length = c.out_sent = 0;
        if (c.file < 0) return c.keep_alive;
        if (!next_chunk(c)) return false;
    }
}

bool busy(const Client& c) { return c.out_length > c.out_sent || c.file >= 0; }

// Reads what has arrived; false when the client is done with.
bool receive(Client& c) {
    if (c.have == kMaxRequest) return false;
    ssize_t n = recv(c.fd, c.request + c.have, kMaxRequest - c.have, 0);
    if (n < 0) return errno == EWOULDBLOCK || errno == EAGAIN;
    if (n == 0) return false;
    c.have += static_cast<size_t>(n);
    c.request[c.have] = 0;
    if (memchr(c.request, 0, c.have)) {  // a NUL in a request header
        c.keep_alive = false;
        error_page(c, 400, "Bad Request", false);
        c.have = 0;
        return true;
    }
    while (!busy(c) && strstr(c.request, "\r\n\r\n")) on_request(c);
    if (!busy(c) && c.have == kMaxRequest) {
        c.keep_alive = false;
        error_page(c, 431, "Request Header Fields Too Large", false);
        c.have = 0;
    }
    return true;
}

void accept_clients(int listener) {
    for (;;) {
        int fd = accept(listener, nullptr, nullptr);
        if (fd < 0) return;
        Client* slot = nullptr;
        for (Client& c : clients)
            if (c.fd < 0) {
                slot = &c;
                break;
            }
        if (!slot) {  // full: refuse this one, serve the others
            close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        slot->fd = fd;
        slot->last_ms = now_ms();
    }
}

}  // namespace

int main(int argc, char** argv) {
    int port = 80;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) port = atoi(argv[++i]);
        else root = argv[i];
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<uint16_t>(port));
    if (listener < 0 || bind(listener, reinterpret_cast<struct sockaddr*>(&at), sizeof at) != 0 ||
        listen(listener, 16) != 0) {
        printf("httpd: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    fcntl(listener, F_SETFL, O_NONBLOCK);
    make_chunk();
    printf("httpd: serving %s on port %d\n", root, port);
    fflush(stdout);
    struct pollfd fds[kMaxClients + 1];
    Client* owners[kMaxClients + 1];
    for (;;) {
        nfds_t n = 0;
        fds[n++] = {listener, POLLIN, 0};
        for (Client& c : clients) {
            if (c.fd < 0) continue;
            owners[n] = &c;
            fds[n++] = {c.fd, static_cast<short>(busy(c) ? POLLOUT : POLLIN), 0};
        }
        int ready = poll(fds, n, 1000);
        if (ready < 0) {
            printf("httpd: poll: %s\n", strerror(errno));
            return 1;
        }
        long now = now_ms();
        for (nfds_t i = 1; i < n; i++) {
            Client& c = *owners[i];
            bool keep = true;
            if (fds[i].revents & (POLLERR | POLLNVAL)) keep = false;
            else if (fds[i].revents & POLLIN) keep = receive(c);
            if (keep && busy(c) && (fds[i].revents & (POLLOUT | POLLIN))) keep = flush(c);
            if (keep && !busy(c) && c.have && strstr(c.request, "\r\n\r\n")) {
                on_request(c);
                keep = flush(c);
            }
            if (fds[i].revents) c.last_ms = now;
            else if (now - c.last_ms > kIdleMs) keep = false;
            if (!keep) drop(c);
        }
        if (fds[0].revents & POLLIN) accept_clients(listener);
    }
}
