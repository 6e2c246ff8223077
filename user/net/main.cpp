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

uint64_t now_ms() { return rvos::sys::clock_ns() / 1'000'000; }

namespace {

Handle timer = rvos::kNoHandle;

void on_timer(Loop&, Handle, void*, Buffer&) {}  // the loop below does the work

// Arms the timer for the earlier of lwIP's next timeout and `deadline_ms`.
void arm(uint64_t deadline_ms) {
    u32_t sleep = sys_timeouts_sleeptime();
    if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE) deadline_ms = base::min(deadline_ms, now_ms() + sleep);
    if (deadline_ms == rvos::kDeadlineNever) return;
    rvos::sys::timer_set(timer, deadline_ms * 1'000'000);
}

}  // namespace
}  // namespace net

extern "C" u32_t sys_now(void) { return static_cast<u32_t>(net::now_ms()); }

int main() {
    using namespace net;
    srand(static_cast<unsigned>(rvos::sys::clock_ns()));
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
    loop.listen(listen.release_value().release(), serve_client, client_gone);
    for (;;) {
        sys_check_timeouts();
        // What a call sent to this machine's own addresses is looped back
        // (netif_poll_all), which may answer more waiting calls, and so on.
        uint64_t earliest = rvos::kDeadlineNever;
        for (int round = 0; round < 4; round++) {
            netif_poll_all();
            earliest = complete_waiting();
        }
        flush_interface();
        arm(earliest);
        loop.run_once();
    }
}
