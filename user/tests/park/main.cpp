// park: tries every way of parking a handle where it would keep something
// alive after its owner is gone, and checks that nothing outlives its owner.
//
//   park <mode> [rounds]   runs `park round <mode>` `rounds` times (default
//                          30). Each round starts children, parks their
//                          process handles (or endpoints leading to them)
//                          and exits; after each, the process list (pids
//                          and every process's handle count), free frames,
//                          kernel heap, channels and queued bytes must be
//                          back where they were before the first round.
//                          Prints "park: <mode>: <n> rounds, back at the
//                          baseline after each" or "park: <mode>: FAILED
//                          (...)".
//   park all [rounds]      every mode below, one after the other; then
//                          "park: all: every mode back at the baseline
//                          after every round" if each was.
//
// Where a round parks the process handle of a child that blocks for ever
// (the child's handle 1 is an endpoint `b` whose peer `a` the round keeps):
//   self     in the child's own queue: sent on `a`, queued at `b`
//   held     in the child's own handle table (it receives it)
//   late     as held, but the round keeps a copy of the handle past a
//            collection (a child started and reaped in between): what
//            cuts the child off is that copy closing at the round's exit
//   pair     two children, each holding the other's process handle
//   chain    at the end of a chain of endpoints, each queued in the next;
//            the head is queued at `b`
//   cycle    in a cycle of two endpoints queued on each other, a route into
//            it queued at `b`
//   orphan   in a cycle of two endpoints that nobody holds
//   full     in a full queue at `b` (the message after it is QueueFull)
//   init     the listen endpoint of a registered service leads to the
//            child, whose queue holds its own process handle; other
//            registrations with a process handle, or with an endpoint
//            whose queue holds its own peer, are refused or let go; every
//            name is free again after the round
//   service  duplicates of it sent to kernel services: math (a malformed
//            request), sysinfo (an oversized one), the console, init (a
//            request it does not know)
//   busy     in the child's own queue, for 64 children one after another
//            while the round lives on: the process table fills with
//            children nothing reachable holds, and is collected when full
//   idle     nothing (the warm-up before the baseline)
// Helpers: `park hold` (blocks for ever), `park keep` (receives one message
// on handle 1, keeps what it carries, acknowledges, blocks for ever).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/init.h"
#include "rvos/ipc.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
using rvos::Message;
namespace sys = rvos::sys;

namespace {

using testkit::kMs;
using testkit::sleep_ms;
constexpr int kDefaultRounds = 30;
constexpr size_t kChainLength = 24;
constexpr Handle kChildEnd = 1;  // a child's handle 1: its end `b`

// ---- the children -------------------------------------------------------------------------


// Blocks for ever: init never sends on the boot channel unasked.
[[noreturn]] void block_forever() {
    for (;;) {
        Message message;
        sys::chan_recv_wait(rvos::kBootHandle, message);
    }
}

// Receives one message on handle 1 and keeps the handle it carries, then
// acknowledges it on the same channel.
[[noreturn]] void keep() {
    Message message;
    if (sys::chan_recv_wait(kChildEnd, message) == Error::None)
        (void)sys::chan_send(kChildEnd, Message::of(message.cap == rvos::kNoHandle ? 0 : 1));
    block_forever();
}

// ---- a round ----------------------------------------------------------------------------

// A child started with one end of a fresh channel as its handle 1; `near`
// is the other end.
struct Parked {
    rvos::Child child;
    rvos::Channel near;
};

base::ErrorOr<Parked> start(const char* mode) {
    auto pair = sys::chan_create();
    if (pair.is_error()) return pair.error();
    rvos::Channel near(pair.value().a);
    const char* argv[] = {"park", mode, nullptr};
    Handle give[] = {pair.value().b};
    auto child = TRY(rvos::spawn_argv("park", argv, nullptr, give, 1));
    return Parked{static_cast<rvos::Child&&>(child), static_cast<rvos::Channel&&>(near)};
}

Error send_handle(Handle on, Handle carried, uint32_t word = 0) {
    Message message = Message::of(word);
    message.cap = carried;
    return sys::chan_send(on, message);
}

// Sends the child's process handle to it and waits for its acknowledgement.
Error hand_over(Parked& parked, Handle process) {
    TRY_STATUS(send_handle(parked.near.handle(), process));
    Message ack;
    TRY_STATUS(parked.near.receive_wait(ack));
    return ack.word() == 1 ? Error::None : Error::BadMessage;
}

// Each round returns its exit status: 0 when every step went as expected.
// The children outlive it only if the kernel lets them.

int round_self() {
    auto parked = start("hold");
    if (parked.is_error()) return 10;
    return send_handle(parked.value().near.handle(), parked.value().child.process.release()) == Error::None ? 0 : 11;
}

int round_held() {
    auto parked = start("keep");
    if (parked.is_error()) return 10;
    return hand_over(parked.value(), parked.value().child.process.release()) == Error::None ? 0 : 11;
}

int round_late() {
    auto parked = start("keep");
    if (parked.is_error()) return 10;
    Handle process = parked.value().child.process.release();
    auto copy = sys::handle_duplicate(process, rvos::kRightRead | rvos::kRightTransfer | rvos::kRightWait);
    if (copy.is_error()) return 11;
    if (hand_over(parked.value(), copy.value()) != Error::None) return 12;
    // Another program's exit collects: the child is still reachable
    // through `process`, and nothing is freed.
    auto other = rvos::spawn("park", "round idle");
    if (other.is_error()) return 13;
    (void)rvos::wait_exit(other.value());
    return 0;  // `process` closes at exit, the child lives on: cut off now
}

int round_pair() {
    auto first = start("keep");
    auto second = start("keep");
    if (first.is_error() || second.is_error()) return 10;
    Handle first_process = first.value().child.process.release();
    if (hand_over(first.value(), second.value().child.process.release()) != Error::None) return 11;
    if (hand_over(second.value(), first_process) != Error::None) return 12;
    return 0;
}

int round_chain() {
    auto parked = start("hold");
    if (parked.is_error()) return 10;
    // ends[i] receives ends[i + 1]; the last one receives the process handle.
    Handle far[kChainLength];
    Handle near[kChainLength];
    for (size_t i = 0; i < kChainLength; i++) {
        auto pair = sys::chan_create();
        if (pair.is_error()) return 11;
        near[i] = pair.value().a;
        far[i] = pair.value().b;
    }
    if (send_handle(near[kChainLength - 1], parked.value().child.process.release()) != Error::None) return 12;
    for (size_t i = kChainLength - 1; i-- > 0;)
        if (send_handle(near[i], far[i + 1]) != Error::None) return 13;
    if (send_handle(parked.value().near.handle(), far[0]) != Error::None) return 14;
    return 0;  // exiting closes the near ends
}

// Two channels whose receiving ends are queued on each other, the process
// handle queued next to one of them, and no handle to either left here.
Error make_cycle(Handle process) {
    auto x = TRY(sys::chan_create());
    auto y = TRY(sys::chan_create());
    TRY_STATUS(send_handle(x.a, process));  // queued at x.b
    TRY_STATUS(send_handle(y.a, x.b));      // x.b queued at y.b
    TRY_STATUS(send_handle(x.a, y.b));      // y.b queued at x.b: the cycle
    sys::handle_close(x.a);
    sys::handle_close(y.a);
    return Error::None;
}

int round_cycle() {
    auto parked = start("hold");
    if (parked.is_error()) return 10;
    // x.b holds the process handle and a copy of y.b; y.b holds x.b; the
    // child holds y.b's route in: y.b itself, queued at its end `b`.
    auto x = sys::chan_create();
    auto y = sys::chan_create();
    if (x.is_error() || y.is_error()) return 11;
    auto y_copy = sys::handle_duplicate(y.value().b, rvos::kRightRead | rvos::kRightTransfer);
    if (y_copy.is_error()) return 12;
    if (send_handle(x.value().a, parked.value().child.process.release()) != Error::None) return 13;
    if (send_handle(x.value().a, y_copy.value()) != Error::None) return 14;  // y.b queued at x.b
    if (send_handle(y.value().a, x.value().b) != Error::None) return 15;     // x.b queued at y.b: the cycle
    if (send_handle(parked.value().near.handle(), y.value().b) != Error::None) return 16;
    sys::handle_close(x.value().a);
    sys::handle_close(y.value().a);
    return 0;
}

int round_orphan() {
    auto parked = start("hold");
    if (parked.is_error()) return 10;
    return make_cycle(parked.value().child.process.release()) == Error::None ? 0 : 11;
}

int round_full() {
    auto parked = start("hold");
    auto other = start("hold");
    if (parked.is_error() || other.is_error()) return 10;
    Handle near = parked.value().near.handle();
    for (size_t i = 0; i + 1 < rvos::kQueueDepth; i++)
        if (sys::chan_send(near, Message::of(static_cast<uint32_t>(i))) != Error::None) return 11;
    if (send_handle(near, parked.value().child.process.release()) != Error::None) return 12;
    // The queue is full: one more is refused and its capability stays here
    // (closed when this round exits).
    Handle extra = other.value().child.process.handle();
    if (send_handle(near, extra) != Error::QueueFull) return 13;
    auto info = sys::handle_info(extra);
    return !info.is_error() && info.value().kind == rvos::ObjectKind::Process ? 0 : 14;
}

// Names the init round registers; the parent checks they are free again.
constexpr const char* kParkedName = "parked";
constexpr const char* kRefusedName = "parkrefused";
constexpr const char* kLoopName = "parkloop";

template <typename T> Error error_of(const base::ErrorOr<T>& result) {
    return result.is_error() ? result.error() : Error::None;
}

Error register_with(const char* name, Handle listen) {
    rvos::proto::init::RegisterRequest request;
    request.name = name;
    request.listen = listen;  // init's now, or closed by the stub
    rvos::proto::init::RegisterReplyBuffer buffer;
    return error_of(rvos::proto::init::register_<rvos::UserIpc>(rvos::kBootHandle, request, buffer));
}

int round_init() {
    auto parked = start("hold");
    auto refused = start("hold");
    if (parked.is_error() || refused.is_error()) return 10;
    // A process handle is no listen endpoint.
    if (register_with(kRefusedName, refused.value().child.process.release()) != Error::BadArgument) return 11;
    // A listen endpoint whose peer (the service's end) waits in the child's
    // queue, with the child's process handle queued at that end: init
    // holds the listen endpoint, the child is reachable only from itself.
    auto service = sys::chan_create();
    if (service.is_error()) return 12;
    if (send_handle(service.value().b, parked.value().child.process.release()) != Error::None) return 13;
    if (send_handle(parked.value().near.handle(), service.value().a) != Error::None) return 14;
    if (register_with(kParkedName, service.value().b) != Error::None) return 15;
    // A listen endpoint whose own peer waits in its queue: init drains it.
    auto loop = sys::chan_create();
    if (loop.is_error()) return 16;
    if (send_handle(loop.value().b, loop.value().b) != Error::None) return 17;  // b queued at a
    if (register_with(kLoopName, loop.value().a) != Error::None) return 18;
    return 0;
}

// A raw message carrying `carried` (and `length` bytes of junk) to `to`.
Error send_junk(Handle to, Handle carried, size_t length) {
    static uint8_t junk[rvos::kMaxMessageBytes];
    memset(junk, 0xee, length);
    return sys::chan_write(to, junk, length, &carried, 1);
}

// Waits for (and drops) one reply on `from`.
void await_reply(Handle from) {
    rvos::WaitItem item{from, rvos::kSignalReadable | rvos::kSignalPeerClosed, 0};
    (void)sys::wait(&item, 1, sys::clock_ns() + 2000 * kMs);
    static uint8_t reply[4096];
    sys::Received needed{};
    auto got = sys::chan_read(from, reply, sizeof reply, nullptr, 0, rvos::kDeadlineNow, &needed);
    if (got.is_error() && got.error() == Error::BufferTooSmall) sys::chan_drop(from, needed.length);
}

int round_service() {
    auto parked = start("hold");
    if (parked.is_error()) return 10;
    Handle process = parked.value().child.process.handle();
    auto duplicate = [&] { return sys::handle_duplicate(process, rvos::kRightWait | rvos::kRightTransfer); };
    struct Target {
        const char* service;
        size_t length;  // junk bytes: 6 is malformed, 64 KiB is larger than any request
    };
    const Target targets[] = {{"math", 6}, {"sysinfo", rvos::kMaxMessageBytes}, {"stdio", 6}, {"math", 0}};
    for (const Target& target : targets) {
        auto connection = rvos::connect(target.service);
        auto copy = duplicate();
        if (connection.is_error() || copy.is_error()) return 11;
        if (send_junk(connection.value().handle(), copy.value(), target.length) != Error::None) return 12;
        await_reply(connection.value().handle());
    }
    // And to init on the boot channel: a request init does not know.
    auto copy = duplicate();
    if (copy.is_error()) return 13;
    if (send_junk(rvos::kBootHandle, copy.value(), 6) != Error::None) return 14;
    await_reply(rvos::kBootHandle);
    return 0;  // the last handle of ours closes at exit
}

constexpr const char* kModes[] = {"self", "held", "late", "pair", "chain", "cycle", "orphan", "full", "init", "service", "busy"};

// Parks children in their own queues one after another while this round
// lives on, far more than the process table holds: a full table is
// collected, so each spawn gets through after a moment at most.
int round_busy() {
    constexpr int kChildren = 2 * static_cast<int>(rvos::kMaxProcesses);
    for (int i = 0; i < kChildren; i++) {
        bool parked_one = false;
        for (int tries = 0; tries < 200 && !parked_one; tries++) {
            auto parked = start("hold");
            if (parked.is_error()) {
                if (parked.error() != Error::ProcessTableFull) return 10;
                sleep_ms(5);
                continue;
            }
            if (send_handle(parked.value().near.handle(), parked.value().child.process.release()) != Error::None)
                return 11;
            parked_one = true;
        }
        if (!parked_one) return 12;  // the table stayed full
    }
    return 0;
}

int run_round(const char* mode) {
    if (strcmp(mode, "self") == 0) return round_self();
    if (strcmp(mode, "held") == 0) return round_held();
    if (strcmp(mode, "late") == 0) return round_late();
    if (strcmp(mode, "pair") == 0) return round_pair();
    if (strcmp(mode, "chain") == 0) return round_chain();
    if (strcmp(mode, "cycle") == 0) return round_cycle();
    if (strcmp(mode, "orphan") == 0) return round_orphan();
    if (strcmp(mode, "full") == 0) return round_full();
    if (strcmp(mode, "init") == 0) return round_init();
    if (strcmp(mode, "service") == 0) return round_service();
    if (strcmp(mode, "busy") == 0) return round_busy();
    if (strcmp(mode, "idle") == 0) return 0;
    return 2;
}

// ---- the parent: rounds and the baseline ---------------------------------------------------

struct Counters {
    rvos::sysinfo::MemoryInfo memory;
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    size_t process_count;
};

bool read_counters(Counters& out) {
    auto memory = rvos::sysinfo::memory();
    auto count = rvos::sysinfo::processes(out.processes, rvos::kMaxProcesses);
    if (memory.is_error() || count.is_error()) return false;
    out.memory = memory.value();
    out.process_count = count.value();
    return true;
}

// What differs between two readings ("" if nothing).
void difference(const Counters& before, const Counters& now, char* out, size_t size) {
    out[0] = 0;
    const auto& a = before.memory;
    const auto& b = now.memory;
    if (a.free_frames != b.free_frames || a.heap_used != b.heap_used || a.channels_used != b.channels_used ||
        a.queued_bytes != b.queued_bytes) {
        snprintf(out, size, "free frames %lu -> %lu, heap %lu -> %lu, channels %u -> %u, queued %lu -> %lu",
                 (unsigned long)a.free_frames, (unsigned long)b.free_frames, (unsigned long)a.heap_used,
                 (unsigned long)b.heap_used, a.channels_used, b.channels_used, (unsigned long)a.queued_bytes,
                 (unsigned long)b.queued_bytes);
        return;
    }
    if (before.process_count != now.process_count) {
        snprintf(out, size, "%zu processes -> %zu (pid %u %s is new)", before.process_count, now.process_count,
                 now.process_count ? now.processes[now.process_count - 1].pid : 0,
                 now.process_count ? now.processes[now.process_count - 1].name : "");
        return;
    }
    for (size_t i = 0; i < now.process_count; i++) {
        const auto& p = before.processes[i];
        const auto& q = now.processes[i];
        if (p.pid != q.pid || p.handles != q.handles) {
            snprintf(out, size, "pid %u (%s) with %u handles -> pid %u (%s) with %u handles", p.pid, p.name,
                     p.handles, q.pid, q.name, q.handles);
            return;
        }
    }
}

// A reading once the system is quiet: servers may still be answering the
// last child's goodbyes (a message or two queued), so counters are read
// until two readings in a row agree (a bounded number of times).
bool settled_counters(Counters& out) {
    Counters next;
    char what[200];
    if (!read_counters(out)) return false;
    for (int tries = 0; tries < 100; tries++) {
        sleep_ms(10);
        if (!read_counters(next)) return false;
        difference(out, next, what, sizeof what);
        if (!what[0]) return true;
        out = next;
    }
    return true;  // the rounds will say what keeps moving
}

// Whether a name is registered with init.
bool registered(const char* name) {
    auto connection = rvos::connect(name);
    return !connection.is_error();
}

int parent(const char* mode, int rounds) {
    Counters before, now;
    // Everything this program keeps (its sysinfo and console connections)
    // is made before the baseline.
    // A round that parks nothing first, so that what spawning a child costs
    // this program itself (its C heap, stack pages) is in the baseline too.
    printf("park: %s: %d rounds\n", mode, rounds);
    if (testkit::run_child("park", "round idle") != 0 || !settled_counters(before))
        return printf("park: %s: FAILED (sysinfo)\n", mode), 1;
    char args[32];
    snprintf(args, sizeof args, "round %s", mode);
    for (int round = 1; round <= rounds; round++) {
        int32_t status = testkit::run_child("park", args);
        if (status != 0) return printf("park: %s: FAILED (round %d ended with %d)\n", mode, round, status), 1;
        // What the kernel ends takes a moment to run and exit.
        char what[200] = "sysinfo";
        const char* names[] = {kParkedName, kRefusedName, kLoopName};
        for (int tries = 0; tries < 300; tries++) {
            if (read_counters(now)) difference(before, now, what, sizeof what);
            for (const char* name : names)
                if (!what[0] && registered(name)) snprintf(what, sizeof what, "name %s still registered", name);
            if (!what[0]) break;
            sleep_ms(10);
        }
        if (what[0]) return printf("park: %s: FAILED (round %d: %s)\n", mode, round, what), 1;
    }
    printf("park: %s: %d rounds, back at the baseline after each\n", mode, rounds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "hold") == 0) block_forever();
    if (argc == 2 && strcmp(argv[1], "keep") == 0) keep();
    if (argc == 3 && strcmp(argv[1], "round") == 0) return run_round(argv[2]);
    int rounds = argc == 3 ? atoi(argv[2]) : kDefaultRounds;
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "all") == 0) {
        int failed = 0;
        for (const char* mode : kModes) failed += parent(mode, rounds);
        if (!failed) printf("park: all: every mode back at the baseline after every round\n");
        return failed ? 1 : 0;
    }
    if (argc == 2 || argc == 3) return parent(argv[1], rounds);
    printf("usage: park all|self|held|pair|chain|cycle|orphan|full|init|service [rounds]\n");
    return 2;
}
