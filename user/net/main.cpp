// net: the TCP/IP stack server. It connects to the first network card's
// driver ("net0"), runs lwIP on it (netif.cpp), and serves the socket
// protocol (lib/proto/net.proto) as "net". One loop does everything: it
// waits for a frame, a client's request or the timer, whichever comes
// first; the timer is set to lwIP's next timeout or the earliest deadline
// a waiting call has, so lwIP's timers run on the kernel's timed waits.
#include <stdlib.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "rvos/console.h"
#include "rvos/service.h"
#include "rvos/syscall.h"
#include "stack.h"

namespace net {

Loop loop;

namespace {

// The clock, read once per turn of the loop and once per message served
// rather than at each of the loop's and lwIP's many looks (each a system
// call): nothing in one turn waits, so they all agree on one reading.
uint64_t clock_ms = 0;

Handle timer = rvos::kNoHandle;
// What the timer is set for, or kDeadlineNever once it fired: setting it
// costs the kernel a reprogramming of the hardware timer (an SBI call), so
// it is set only when the loop needs it sooner than that.
uint64_t armed_ms = rvos::kDeadlineNever;

void on_timer(Loop&, Handle, void*, Buffer&) { armed_ms = rvos::kDeadlineNever; }  // the loop does the work

// Arms the timer for the earlier of lwIP's next timeout and `deadline_ms`.
// A timer set for earlier than needed is left: it fires, finds nothing
// due, and is set again then.
void arm(uint64_t deadline_ms) {
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE) deadline_ms = base::min(deadline_ms, now_ms() + sleep);
    if (deadline_ms == rvos::kDeadlineNever || deadline_ms >= armed_ms) return;
    rvos::sys::timer_set(timer, deadline_ms * 1'000'000);
    armed_ms = deadline_ms;
}

// Serves a message with the clock read when it came.
void serve(Loop& l, Handle client, void* context, Buffer& message) {
    read_clock();
    serve_client(l, client, context, message);
}

// Whether frames sent to this machine's own addresses wait to be looped back.
bool looped_back() {
    struct netif* n;
    NETIF_FOREACH(n) if (n->loop_first) return true;
    return false;
}

}  // namespace

uint64_t now_ms() { return clock_ms; }
void read_clock() { clock_ms = rvos::sys::clock_ns() / 1'000'000; }

}  // namespace net

extern "C" u32_t sys_now(void) { return static_cast<u32_t>(net::now_ms()); }

int main() {
    using namespace net;
    srand(static_cast<unsigned>(rvos::sys::clock_ns()));
    read_clock();
    lwip_init();
    auto device = rvos::connect("net0");
    if (device.is_error()) {
        rvos::console::print("net: no network card (net0: %s)\n", rvos::error_name(device.error()));
        return 1;
    }
    Error error = start_interface(device.release_value().release());
    if (error != Error::None) {
        rvos::console::print("net: cannot start the interface: %s\n", rvos::error_name(error));
        return 1;
    }
    auto made = rvos::sys::timer_create();
    if (made.is_error()) return 1;
    timer = made.value();
    loop.watch_signals(timer, rvos::kSignalFired, on_timer, nullptr);
    auto listen = rvos::register_service("net");
    if (listen.is_error()) {
        rvos::console::print("net: cannot register: %s\n", rvos::error_name(listen.error()));
        return 1;
    }
    loop.listen(listen.release_value().release(), serve, client_gone);
    for (;;) {
        read_clock();
        sys_check_timeouts();
        // What a call sent to this machine's own addresses is looped back
        // (netif_poll_all), which may answer more waiting calls, and so on.
        uint64_t earliest = rvos::kDeadlineNever;
        int round = 0;
        do {
            netif_poll_all();
            // Frames first (ACKs, window updates, a reply's datagram): the
            // peer gets them before this loop answers its clients, whose
            // next requests would otherwise come first.
            flush_interface();
            earliest = complete_waiting();
        } while (looped_back() && ++round < 4);
        flush_interface();
        arm(earliest);
        loop.run_once();
    }
}
