// reader: reads the console, as an ordinary program and as a hostile one,
// to prove that input belongs to the foreground (lib/proto/console.proto).
//   reader loop        for (;;) read(0, ...): prints each line it gets, goes
//                      on after an error (Ctrl-C: EINTR), ends at end of file
//   reader hold <n> [bg]  a would-be keylogger: n console connections,
//                      each with a line request outstanding (plus a second
//                      one on the first connection), renewed whenever
//                      answered; prints whatever it gets; runs until stopped.
//                      `bg`: started in the background, it looks only once
//   reader sleep <ms>  in the foreground, reads nothing, and exits
//   reader steal       tries to put a child in the foreground from an
//                      ordinary console connection (only the terminal may)
// Each first says whether the program was put in the foreground (within a
// second of starting): "reader: in the foreground" / "in the background".
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/console.h"
#include "rvos/console.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

using rvos::Error;
using rvos::Handle;
namespace cp = rvos::proto::console;
namespace sys = rvos::sys;

namespace {

constexpr uint64_t kMillisecond = 1000 * 1000;

// The shell puts a program it runs in the foreground right after starting
// it; a program started with `&` never is.
void report_foreground(uint64_t wait = 1000 * kMillisecond) {
    uint64_t give_up = sys::clock_ns() + wait;
    for (;;) {
        auto pid = rvos::console::foreground();
        if (!pid.is_error() && pid.value() == sys::getpid()) return (void)puts("reader: in the foreground");
        if (pid.is_error() || sys::clock_ns() >= give_up) return (void)puts("reader: in the background");
        struct timespec pause = {0, static_cast<long>(kMillisecond)};
        nanosleep(&pause, nullptr);
    }
}

int read_loop() {
    report_foreground();
    char buffer[64];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0) {
            puts("reader: end of file");
            return 0;
        }
        if (n < 0) {
            printf("reader: read failed: %s\n", strerror(errno));
            continue;
        }
        if (buffer[n - 1] == '\n') n--;
        printf("reader: got '%.*s'\n", static_cast<int>(n), buffer);
    }
}

int hold(int count, bool background) {
    constexpr int kMaxConnections = 32;
    if (count < 1 || count > kMaxConnections) count = kMaxConnections;
    Handle connections[kMaxConnections];
    int held = 0;
    for (; held < count; held++) {
        auto connection = rvos::connect("stdio");
        if (connection.is_error()) break;
        connections[held] = connection.release_value().release();
        if (cp::read_line_send<rvos::UserIpc>(connections[held], {}) != Error::None) break;
    }
    // A second request on a connection that already waits.
    static cp::ReadLineReplyBuffer reply_buffer;
    cp::read_line_send<rvos::UserIpc>(connections[0], {});
    auto second = cp::read_line_receive<rvos::UserIpc>(connections[0], reply_buffer);
    printf("reader: holding %d reads; a second read on one connection: %s\n", held,
           second.is_error() ? rvos::error_name(second.error()) : "answered");
    report_foreground(background ? 0 : 1000 * kMillisecond);
    for (;;) {
        auto ready = sys::wait(connections, static_cast<size_t>(held));
        if (ready.is_error()) return 1;
        size_t i = ready.value();
        auto reply = cp::read_line_receive<rvos::UserIpc>(connections[i], reply_buffer);
        if (reply.is_error()) printf("reader: connection %zu: %s\n", i, rvos::error_name(reply.error()));
        else if (reply.value().interrupted) printf("reader: connection %zu: interrupted\n", i);
        else if (reply.value().end_of_file) printf("reader: connection %zu: end of file\n", i);
        else printf("reader: connection %zu got '%s'\n", i, reply.value().line.data);
        if (reply.is_error() && reply.error() == Error::PeerClosed) return 1;
        cp::read_line_send<rvos::UserIpc>(connections[i], {});
    }
}

int sleep_awhile(long milliseconds) {
    report_foreground();
    struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * static_cast<long>(kMillisecond)};
    nanosleep(&pause, nullptr);
    puts("reader: done sleeping");
    return 0;
}

int steal_foreground() {
    report_foreground();
    auto child = rvos::spawn("hello", "");
    auto connection = rvos::connect("stdio");
    if (child.is_error() || connection.is_error()) return 1;
    cp::SetForegroundRequest request;
    request.process = sys::handle_duplicate(child.value().process.handle(), rvos::kRightWait | rvos::kRightTransfer)
                          .value();
    cp::SetForegroundReplyBuffer buffer;
    auto set = cp::set_foreground<rvos::UserIpc>(connection.value().handle(), request, buffer);
    (void)rvos::wait_exit(child.value());
    auto pid = rvos::console::foreground();
    printf("reader: putting a child in the foreground: %s; the foreground is %s\n",
           set.is_error() ? rvos::error_name(set.error()) : "done",
           pid.is_error() ? "unknown" : pid.value() == sys::getpid() ? "this program" : "another process");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && strcmp(argv[1], "loop") == 0) return read_loop();
    if (argc >= 2 && strcmp(argv[1], "hold") == 0) return hold(argc >= 3 ? atoi(argv[2]) : 16, argc >= 4 && strcmp(argv[3], "bg") == 0);
    if (argc >= 3 && strcmp(argv[1], "sleep") == 0) return sleep_awhile(atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "steal") == 0) return steal_foreground();
    puts("usage: reader loop | reader hold <n> [bg] | reader sleep <ms> | reader steal");
    return 2;
}
