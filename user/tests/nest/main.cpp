// nest: nests channel endpoints as deep as the channel table allows, each
// queued inside the next (two per channel: a channel's first end inside its
// second, the previous chain inside the first), then lets go of the
// outermost, to prove that releasing them is iterative: the kernel stack
// that does it stays shallow however deep the nesting, and every channel
// comes back.
//   nest close    closes the outermost endpoint (released in the syscall)
//   nest exit     exits holding it (released on the way out)
//   nest cycle    closes the chain into a cycle (the innermost endpoint
//                 holds the outermost) and drops every handle: only the
//                 collector can free it, which the next channel made runs
//   nest service  sends it to the math service, a kernel task, which
//                 closes the handles a request carries on its own stack
#include <stdio.h>
#include <string.h>

#include "rvos/service.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
namespace sys = rvos::sys;

namespace {

struct Chain {
    Handle head = rvos::kNoHandle;        // the outermost endpoint
    Handle innermost = rvos::kNoHandle;   // for a cycle: a copy of the first channel's second end
    size_t depth = 0;                     // endpoints nested
};

// Builds the chain until the channel table is full. With `cycle`, keeps a
// copy of the innermost chain end to send the head through at the end.
Error build(Chain& chain, bool cycle) {
    for (;;) {
        auto pair = sys::chan_create();
        if (pair.is_error()) return pair.error() == Error::ChannelTableFull && chain.depth ? Error::None : pair.error();
        Handle first = pair.value().a, second = pair.value().b;
        if (chain.head != rvos::kNoHandle) {
            // The chain so far goes into the first end's queue...
            if (Error e = sys::chan_write(second, nullptr, 0, &chain.head, 1); e != Error::None) return e;
            chain.depth++;
        } else if (cycle) {
            auto copy = sys::handle_duplicate(second, rvos::kRightWrite | rvos::kRightTransfer);
            if (copy.is_error()) return copy.error();
            chain.innermost = copy.value();
        }
        // ...and the first end into the second's.
        if (Error e = sys::chan_write(first, nullptr, 0, &first, 1); e != Error::None) return e;
        chain.depth++;
        chain.head = second;
    }
}

// Channels in use must come back to `start`; a kernel task releasing them
// does so before it next blocks, so a few yields are plenty.
bool channels_back(uint32_t start) {
    for (int i = 0; i < 100; i++) {
        if (testkit::channels_in_use() == start) return true;
        sys::yield();
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const char* mode = argc == 2 ? argv[1] : "";
    bool known = !strcmp(mode, "close") || !strcmp(mode, "exit") || !strcmp(mode, "cycle") || !strcmp(mode, "service");
    if (!known) return puts("usage: nest close|exit|cycle|service"), 2;
    // Connections first (the console's too, by printing): once the chain has
    // taken every channel, none can be made.
    printf("nest: %s\n", mode);
    fflush(stdout);
    uint32_t start = testkit::channels_in_use();
    auto math = rvos::connect("math");
    if (math.is_error()) return printf("nest: connect math: %s\n", rvos::error_name(math.error())), 1;
    start++;  // the math connection

    Chain chain;
    if (Error e = build(chain, !strcmp(mode, "cycle")); e != Error::None)
        return printf("nest: building the chain: %s\n", rvos::error_name(e)), 1;
    printf("nest: %zu endpoints deep, each queued inside the next\n", chain.depth);
    fflush(stdout);

    if (!strcmp(mode, "exit")) return 0;
    if (!strcmp(mode, "close")) {
        sys::handle_close(chain.head);
    } else if (!strcmp(mode, "cycle")) {
        if (Error e = sys::chan_write(chain.innermost, nullptr, 0, &chain.head, 1); e != Error::None)
            return printf("nest: closing the cycle: %s\n", rvos::error_name(e)), 1;
        sys::handle_close(chain.innermost);
        // Nothing names the cycle now; the table is full of it until a new
        // channel is asked for, which runs the collector.
        auto pair = sys::chan_create();
        if (pair.is_error()) return printf("nest: no channel after the cycle: %s\n", rvos::error_name(pair.error())), 1;
        sys::handle_close(pair.value().a);
        sys::handle_close(pair.value().b);
    } else {
        // Any request will do: the server closes the handles it carries.
        uint8_t request[8] = {};
        if (Error e = sys::chan_write(math.value().handle(), request, sizeof request, &chain.head, 1); e != Error::None)
            return printf("nest: sending to math: %s\n", rvos::error_name(e)), 1;
        rvos::Message reply;
        if (Error e = math.value().receive_wait(reply); e != Error::None)
            return printf("nest: math did not answer: %s\n", rvos::error_name(e)), 1;
    }
    if (!channels_back(start)) return printf("nest: %u channels in use, %u before\n", testkit::channels_in_use(), start), 1;
    printf("nest: every channel back\n");
    return 0;
}
