// abi: checks the properties ABI v2 promises, one subcommand per property
// (`run abi <check>`; tests/acceptance/test_abi_v2.py runs each). Every
// check prints its figures and then "abi: <check>: ok" or
// "abi: <check>: FAILED (<first thing that went wrong>)", and exits 0 only
// if it passed:
//   rights     duplicate never raises rights; a handle without
//              kRightDuplicate cannot be duplicated; rights are enforced
//   transfer   a handle without kRightTransfer cannot be sent and stays;
//              with it, it moves and arrives with exactly its rights
//   process    nothing can be sent on a process handle (WrongType);
//              process_status tells Exited(code) apart from Fault and Killed
//   readonly   mem_map needs kRightMap (and kRightMapWrite to write); a
//              read-only mapping reads, and a store to it kills the child
//              `abi rostore` with a store page fault
//   timeout    timed waits end with TimedOut no earlier than the deadline
//              and at most one timer tick (10 ms) after it; kDeadlineNow
//              never blocks
//   timer      a one-shot timer fires once, a periodic one every period
//   message    a kMaxMessageBytes message with kMaxMessageHandles handles
//              goes to a child (`abi echo`) and back unchanged; one byte
//              more is BadArgument; too small a buffer is BufferTooSmall
//              with the size needed, and the message stays queued
//   queue      a child (`abi queue-hold`) fills every channel it can make
//              with maximal messages until its own quota says
//              QuotaExceeded, then starts fillers (`abi queue-fill`) until
//              the system-wide budget says NoMemory; with it all queued the
//              kernel keeps answering (sysinfo, spawning hello); then the
//              holder is told to exit
//   starve     while a child (`abi starve-hold`), its fillers (`abi
//              starve-fill`) and floods (`abi starve-flood`: sysinfo
//              replies left unread) hold every part of the budget full to
//              a few bytes, a request whose reply does not fit is answered
//              with the error; once the budget is free the same
//              connections answer again
//   shutdown   sys::shutdown on every handle number of a program is refused
// Helpers started by the checks: `abi sleep` (blocks until killed),
// `abi exit <code>`, `abi rostore`, `abi echo`, `abi queue-hold`,
// `abi queue-fill`, `abi starve-hold`, `abi starve-fill`, `abi starve-flood`.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "abi/protocol.h"
#include "proto/sysinfo.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::ExitReason;
using rvos::Handle;
using rvos::Message;
using rvos::ObjectKind;
using rvos::Rights;
namespace sys = rvos::sys;

namespace {

// One check's verdict: the first failed expectation is the one reported.
class Check {
public:
    explicit Check(const char* name) : name_(name) {}

    __attribute__((format(printf, 3, 4))) bool expect(bool condition, const char* format, ...) {
        if (condition) return true;
        if (ok_) {
            va_list args;
            va_start(args, format);
            vsnprintf(detail_, sizeof detail_, format, args);
            va_end(args);
        }
        ok_ = false;
        return false;
    }
    bool ok() const { return ok_; }
    const char* name() const { return name_; }

    // Prints the verdict; the program's exit status.
    int finish() const {
        if (ok_) printf("abi: %s: ok\n", name_);
        else printf("abi: %s: FAILED (%s)\n", name_, detail_);
        return ok_ ? 0 : 1;
    }

private:
    const char* name_;
    bool ok_ = true;
    char detail_[200] = "";
};

template <typename T> Error error_of(const base::ErrorOr<T>& result) {
    return result.is_error() ? result.error() : Error::None;
}
const char* name(Error error) { return rvos::error_name(error); }

using testkit::kMs;
// The preemption timer's period: how late a deadline may be noticed.
constexpr uint64_t kTick = 10 * kMs;

// Duplicates and, if the kernel wrongly allowed it, closes the copy again.
Error duplicate_refused(Handle handle, Rights rights) {
    auto copy = sys::handle_duplicate(handle, rights);
    if (copy.is_error()) return copy.error();
    sys::handle_close(copy.value());
    return Error::None;
}

// Rights of a handle, or 0 if it has none or is not valid.
Rights rights_of(Handle handle) {
    auto info = sys::handle_info(handle);
    return info.is_error() ? 0 : info.value().rights;
}

// The message pattern: every byte depends on its offset in three ways, so
// a dropped, repeated or moved chunk of any size shows.
uint8_t pattern(size_t i) { return static_cast<uint8_t>(i * 131 + (i >> 8) * 7 + (i >> 16) + 1); }

alignas(8) uint8_t big_out[rvos::kMaxMessageBytes + 1];
alignas(8) uint8_t big_in[rvos::kMaxMessageBytes];

void fill_pattern() {
    for (size_t i = 0; i < sizeof big_out; i++) big_out[i] = pattern(i);
}

// ---- 1. rights cannot be raised --------------------------------------------------

int check_rights() {
    Check c("rights");
    auto pair = sys::chan_create();
    if (!c.expect(!pair.is_error(), "chan_create: %s", name(error_of(pair)))) return c.finish();
    Handle a = pair.value().a, b = pair.value().b;
    auto info = sys::handle_info(a);
    c.expect(!info.is_error() && info.value().kind == ObjectKind::Endpoint, "handle_info of a channel end: %s",
             name(error_of(info)));
    const Rights full = rights_of(a);
    const Rights sub = rvos::kRightRead | rvos::kRightWait | rvos::kRightDuplicate;
    c.expect((full & sub) == sub && (full & rvos::kRightWrite), "a new channel end has rights 0x%x", full);
    printf("abi: rights: channel end has 0x%x\n", full);

    // Every right the handle lacks, added alone or all at once, is refused.
    unsigned refused = 0, raised = 0;
    for (Rights bit = 1; bit & rvos::kRightsAll; bit <<= 1) {
        if (full & bit) continue;
        Error error = duplicate_refused(a, full | bit);
        c.expect(error == Error::AccessDenied, "duplicate 0x%x with 0x%x added: %s", full, bit, name(error));
        error == Error::AccessDenied ? refused++ : raised++;
    }
    Error all = duplicate_refused(a, rvos::kRightsAll);
    c.expect(all == Error::AccessDenied, "duplicate 0x%x as kRightsAll: %s", full, name(all));
    printf("abi: rights: %u supersets refused, %u allowed\n", refused + (all == Error::AccessDenied),
           raised + (all != Error::AccessDenied));

    // A subset works and is exactly that subset.
    auto reader = sys::handle_duplicate(a, sub);
    if (!c.expect(!reader.is_error(), "duplicate with subset 0x%x: %s", sub, name(error_of(reader))))
        return c.finish();
    Handle r = reader.value();
    auto sub_info = sys::handle_info(r);
    c.expect(!sub_info.is_error() && sub_info.value().kind == ObjectKind::Endpoint && sub_info.value().rights == sub,
             "the subset duplicate shows rights 0x%x, wanted 0x%x", rights_of(r), sub);
    // A right the original had but the duplicate does not cannot come back.
    Error back = duplicate_refused(r, sub | rvos::kRightWrite);
    c.expect(back == Error::AccessDenied, "duplicate of the 0x%x copy with kRightWrite: %s", sub, name(back));
    // Without kRightDuplicate nothing can be duplicated, not even fewer rights.
    auto bare = sys::handle_duplicate(r, rvos::kRightRead);
    if (c.expect(!bare.is_error(), "duplicate to kRightRead: %s", name(error_of(bare)))) {
        Handle only_read = bare.value();
        c.expect(rights_of(only_read) == rvos::kRightRead, "kRightRead copy shows 0x%x", rights_of(only_read));
        Error same = duplicate_refused(only_read, rvos::kRightRead);
        Error none = duplicate_refused(only_read, 0);
        c.expect(same == Error::AccessDenied && none == Error::AccessDenied,
                 "a handle without kRightDuplicate duplicated: same rights %s, no rights %s", name(same), name(none));
        // Rights are enforced, not just shown: no write, no wait.
        Error write = sys::chan_write(only_read, "x", 1);
        c.expect(write == Error::AccessDenied, "chan_write without kRightWrite: %s", name(write));
        rvos::WaitItem item{only_read, rvos::kSignalReadable, 0};
        Error waited = error_of(sys::wait(&item, 1, rvos::kDeadlineNow));
        c.expect(waited == Error::AccessDenied, "wait without kRightWait: %s", name(waited));
        sys::handle_close(only_read);
    }
    // ... and the subset still does what it may: read.
    char got = 0;
    c.expect(sys::chan_write(b, "y", 1) == Error::None, "chan_write on the full end");
    auto read = sys::chan_read(r, &got, 1, nullptr, 0, rvos::kDeadlineNow);
    c.expect(!read.is_error() && got == 'y', "reading through the 0x%x copy: %s", sub, name(error_of(read)));
    sys::handle_close(r);

    // The same for a memory object.
    auto memory = sys::mem_create(rvos::kPageSize);
    if (c.expect(!memory.is_error(), "mem_create: %s", name(error_of(memory)))) {
        Handle m = memory.value();
        Rights mem_full = rights_of(m);
        for (Rights bit = 1; bit & rvos::kRightsAll; bit <<= 1) {
            if (mem_full & bit) continue;
            Error error = duplicate_refused(m, mem_full | bit);
            c.expect(error == Error::AccessDenied, "memory 0x%x with 0x%x added: %s", mem_full, bit, name(error));
        }
        auto fewer = sys::handle_duplicate(m, mem_full & ~rvos::kRightMapWrite);
        if (c.expect(!fewer.is_error(), "memory duplicate without kRightMapWrite: %s", name(error_of(fewer)))) {
            c.expect(rights_of(fewer.value()) == (mem_full & ~rvos::kRightMapWrite),
                     "memory duplicate shows 0x%x, wanted 0x%x", rights_of(fewer.value()),
                     mem_full & ~rvos::kRightMapWrite);
            Error regain = duplicate_refused(fewer.value(), mem_full);
            c.expect(regain == Error::AccessDenied, "kRightMapWrite regained by duplicate: %s", name(regain));
            sys::handle_close(fewer.value());
        }
        sys::handle_close(m);
    }
    sys::handle_close(a);
    sys::handle_close(b);
    return c.finish();
}

// ---- 2. a handle without kRightTransfer stays -------------------------------------

int check_transfer() {
    Check c("transfer");
    auto carrier = sys::chan_create();
    auto target = sys::chan_create();
    if (!c.expect(!carrier.is_error() && !target.is_error(), "chan_create")) return c.finish();
    Handle send_end = carrier.value().a, receive_end = carrier.value().b;
    Handle t1 = target.value().a, t2 = target.value().b;
    const Rights full = rights_of(t1);
    c.expect(full & rvos::kRightTransfer, "a new channel end lacks kRightTransfer (0x%x)", full);

    auto kept = sys::handle_duplicate(t1, full & ~rvos::kRightTransfer);
    auto movable = sys::handle_duplicate(t1, rvos::kRightWrite | rvos::kRightTransfer);
    if (!c.expect(!kept.is_error() && !movable.is_error(), "duplicate: %s / %s", name(error_of(kept)),
                  name(error_of(movable))))
        return c.finish();
    Handle stay = kept.value(), go = movable.value();

    // Alone, and together with a transferable handle: refused, nothing moves.
    Error alone = sys::chan_write(send_end, "n", 1, &stay, 1);
    c.expect(alone == Error::AccessDenied, "sending a handle without kRightTransfer: %s", name(alone));
    const Handle both[] = {go, stay};
    Error mixed = sys::chan_write(send_end, "m", 1, both, 2);
    c.expect(mixed == Error::AccessDenied, "sending it next to a transferable one: %s", name(mixed));
    c.expect(rights_of(stay) == (full & ~rvos::kRightTransfer), "the refused handle left the table (0x%x)",
             rights_of(stay));
    c.expect(rights_of(go) == (rvos::kRightWrite | rvos::kRightTransfer),
             "the transferable handle of a refused message left the table (0x%x)", rights_of(go));
    char byte = 0;
    Handle arrived[rvos::kMaxMessageHandles];
    Error queued = error_of(sys::chan_read(receive_end, &byte, 1, arrived, rvos::kMaxMessageHandles, rvos::kDeadlineNow));
    c.expect(queued == Error::WouldBlock, "a refused message was queued anyway: %s", name(queued));
    // The kept handle still works.
    c.expect(sys::chan_write(stay, "s", 1) == Error::None, "the kept handle no longer sends");
    c.expect(sys::chan_read(t2, &byte, 1, nullptr, 0, rvos::kDeadlineNow).is_error() == false && byte == 's',
             "what the kept handle sent did not arrive");

    // With kRightTransfer it moves: gone here, there with exactly its rights.
    Error sent = sys::chan_write(send_end, "g", 1, &go, 1);
    c.expect(sent == Error::None, "sending a handle with kRightTransfer: %s", name(sent));
    Error gone = error_of(sys::handle_info(go));
    c.expect(gone == Error::BadHandle, "a sent handle is still in the sender's table: %s", name(gone));
    auto got = sys::chan_read(receive_end, &byte, 1, arrived, rvos::kMaxMessageHandles, rvos::kDeadlineNow);
    if (c.expect(!got.is_error() && got.value().handle_count == 1 && byte == 'g', "receiving the handle: %s",
                 name(error_of(got)))) {
        Handle h = arrived[0];
        auto info = sys::handle_info(h);
        c.expect(!info.is_error() && info.value().kind == ObjectKind::Endpoint &&
                     info.value().rights == (rvos::kRightWrite | rvos::kRightTransfer),
                 "the moved handle has rights 0x%x, sent with 0x%x", rights_of(h),
                 rvos::kRightWrite | rvos::kRightTransfer);
        // It names the same channel end.
        c.expect(sys::chan_write(h, "t", 1) == Error::None, "the moved handle does not send");
        byte = 0;
        c.expect(!sys::chan_read(t2, &byte, 1, nullptr, 0, rvos::kDeadlineNow).is_error() && byte == 't',
                 "the moved handle names another object");
        sys::handle_close(h);
    }
    const Handle mine[] = {send_end, receive_end, t1, t2, stay};
    for (Handle h : mine) sys::handle_close(h);
    return c.finish();
}

// ---- 3. process handles --------------------------------------------------------------

const char* reason_name(ExitReason reason) {
    switch (reason) {
    case ExitReason::Running: return "running";
    case ExitReason::Exited: return "exited";
    case ExitReason::Fault: return "fault";
    case ExitReason::Killed: return "killed";
    }
    return "?";
}

// Waits for a child and checks how it ended (the code only for Exited).
void expect_end(Check& c, const char* what, rvos::Child& child, ExitReason reason, int32_t code) {
    auto status = rvos::wait_exit(child);
    if (!c.expect(!status.is_error(), "%s: waiting: %s", what, name(error_of(status)))) return;
    ExitReason got = status.value().reason;
    int32_t got_code = status.value().code;
    printf("abi: process: %s (pid %u): %s, code %d\n", what, child.pid, reason_name(got), static_cast<int>(got_code));
    c.expect(got == reason && (reason != ExitReason::Exited || got_code == code), "%s: %s with code %d, wanted %s %d",
             what, reason_name(got), static_cast<int>(got_code), reason_name(reason), static_cast<int>(code));
}

int check_process() {
    Check c("process");
    auto hello = rvos::spawn("hello", "");
    if (!c.expect(!hello.is_error(), "spawn hello: %s", name(error_of(hello)))) return c.finish();
    Handle process = hello.value().process.handle();
    auto info = sys::handle_info(process);
    c.expect(!info.is_error() && info.value().kind == ObjectKind::Process, "spawn gave no process handle");
    // Nothing can be sent on (or read from) a process.
    Error sent = sys::chan_write(process, "x", 1);
    c.expect(sent == Error::WrongType, "chan_write on a process handle: %s", name(sent));
    Message message = Message::of(1);
    Error small = sys::chan_send(process, message);
    c.expect(small == Error::WrongType, "chan_send on a process handle: %s", name(small));
    char byte;
    Error read = error_of(sys::chan_read(process, &byte, 1, nullptr, 0, rvos::kDeadlineNow));
    c.expect(read == Error::WrongType, "chan_read on a process handle: %s", name(read));
    expect_end(c, "hello", hello.value(), ExitReason::Exited, 0);  // hello's output first
    printf("abi: process: on a process handle: chan_write %s, chan_send %s, chan_read %s\n", name(sent), name(small),
           name(read));

    // Codes that equal the test kit's fault/kill summaries are still exits.
    const int32_t codes[] = {testkit::kFault, testkit::kKilled, 3};
    for (int32_t code : codes) {
        char args[24];
        snprintf(args, sizeof args, "exit %d", static_cast<int>(code));
        auto child = rvos::spawn("abi", args);
        if (!c.expect(!child.is_error(), "spawn abi %s: %s", args, name(error_of(child)))) continue;
        expect_end(c, args, child.value(), ExitReason::Exited, code);
    }

    // A killed child is Killed; Running before that. Without kRightSignal
    // a process handle cannot kill.
    auto sleeper = rvos::spawn("abi", "sleep");
    if (c.expect(!sleeper.is_error(), "spawn abi sleep: %s", name(error_of(sleeper)))) {
        Handle p = sleeper.value().process.handle();
        auto running = sys::process_status(p);
        c.expect(!running.is_error() && running.value().reason == ExitReason::Running, "a sleeping child is %s",
                 running.is_error() ? name(running.error()) : reason_name(running.value().reason));
        auto weak = sys::handle_duplicate(p, rights_of(p) & ~rvos::kRightSignal);
        if (c.expect(!weak.is_error(), "duplicate without kRightSignal: %s", name(error_of(weak)))) {
            Error denied = sys::process_kill(weak.value());
            c.expect(denied == Error::AccessDenied, "process_kill without kRightSignal: %s", name(denied));
            sys::handle_close(weak.value());
        }
        Error killed = rvos::kill(sleeper.value());
        c.expect(killed == Error::None, "process_kill: %s", name(killed));
        expect_end(c, "abi sleep, killed", sleeper.value(), ExitReason::Killed, 0);
    }

    // A faulting child is Fault.
    fflush(stdout);
    auto crash = rvos::spawn("crash", "null");
    if (c.expect(!crash.is_error(), "spawn crash null: %s", name(error_of(crash))))
        expect_end(c, "crash null", crash.value(), ExitReason::Fault, 0);
    return c.finish();
}

// A kill names a signal, which the status reports as the Killed code; one
// out of range is BadArgument and kills nothing. So is an exit by a signal
// out of range, and a clock that does not exist. A process that ran has
// used CPU time, and its status says how much.
int check_kill_codes() {
    Check c("killcodes");
    auto sleeper = rvos::spawn("abi", "sleep");
    if (!c.expect(!sleeper.is_error(), "spawn abi sleep: %s", name(error_of(sleeper)))) return c.finish();
    Handle p = sleeper.value().process.handle();
    Error too_big = sys::process_kill(p, rvos::kMaxSignal + 1);
    c.expect(too_big == Error::BadArgument, "process_kill with signal kMaxSignal+1: %s", name(too_big));
    Error negative = sys::process_kill(p, -1);
    c.expect(negative == Error::BadArgument, "process_kill with signal -1: %s", name(negative));
    auto running = sys::process_status(p);
    c.expect(!running.is_error() && running.value().reason == ExitReason::Running, "after refused kills it is %s",
             running.is_error() ? name(running.error()) : reason_name(running.value().reason));
    Error killed = sys::process_kill(p, 15);
    c.expect(killed == Error::None, "process_kill with signal 15: %s", name(killed));
    expect_end(c, "abi sleep, killed with 15", sleeper.value(), ExitReason::Killed, 15);
    auto ended = sys::process_status(p);
    c.expect(!ended.is_error() && ended.value().code == 15, "the killed child's code is %d, wanted 15",
             ended.is_error() ? -1 : static_cast<int>(ended.value().code));
    Error self = sys::exit_by_signal(rvos::kMaxSignal + 1);
    c.expect(self == Error::BadArgument, "exit with signal kMaxSignal+1: %s", name(self));
    int64_t no_clock = sys::raw_syscall(static_cast<uint64_t>(rvos::Syscall::ClockGet), 3);
    c.expect(no_clock == -static_cast<int64_t>(Error::BadArgument), "clock_get(3): %lld",
             static_cast<long long>(no_clock));
    // A process that has run has used CPU time; the kernel reports it.
    uint64_t cpu = sys::clock_ns(rvos::ClockId::ProcessCpu), monotonic = sys::clock_ns();
    c.expect(cpu > 0 && cpu <= monotonic, "own CPU time %llu ns, %llu ns since boot", static_cast<unsigned long long>(cpu),
             static_cast<unsigned long long>(monotonic));
    auto hello = rvos::spawn("hello", "");
    if (c.expect(!hello.is_error(), "spawn hello: %s", name(error_of(hello)))) {
        auto status = rvos::wait_exit(hello.value());
        c.expect(!status.is_error() && status.value().cpu_ns > 0 && status.value().cpu_ns < 1'000'000'000,
                 "hello's CPU time: %llu ns",
                 status.is_error() ? 0ull : static_cast<unsigned long long>(status.value().cpu_ns));
    }
    printf("abi: killcodes: refused kills %s and %s, killed child code %d\n", name(too_big), name(negative),
           ended.is_error() ? -1 : static_cast<int>(ended.value().code));
    return c.finish();
}

// ---- 4. read-only mappings ---------------------------------------------------------------

constexpr uint8_t kMemoryFill = 0x5a;

// `abi rostore`: maps a memory object read-only, reads it, stores to it.
// Only the store's fault should end it.
int rostore() {
    auto memory = sys::mem_create(rvos::kPageSize);
    if (memory.is_error()) return 10;
    auto writable = sys::mem_map(memory.value(), true);
    if (writable.is_error()) return 11;
    memset(writable.value().address, kMemoryFill, writable.value().size);
    auto readable = sys::mem_map(memory.value(), false);
    if (readable.is_error()) return 12;
    auto* bytes = static_cast<volatile uint8_t*>(readable.value().address);
    for (size_t i = 0; i < readable.value().size; i++)
        if (bytes[i] != kMemoryFill) return 13;
    printf("abi: rostore: read %zu bytes, storing to 0x%lx\n", readable.value().size,
           reinterpret_cast<unsigned long>(bytes));
    fflush(stdout);
    bytes[0] = 1;
    printf("abi: rostore: the store to a read-only mapping went through\n");
    return 14;
}

int check_readonly() {
    Check c("readonly");
    auto memory = sys::mem_create(rvos::kPageSize);
    if (!c.expect(!memory.is_error(), "mem_create: %s", name(error_of(memory)))) return c.finish();
    Handle m = memory.value();
    const Rights full = rights_of(m);
    c.expect((full & (rvos::kRightMap | rvos::kRightMapWrite)) == (rvos::kRightMap | rvos::kRightMapWrite),
             "a new memory object has rights 0x%x", full);
    auto writable = sys::mem_map(m, true);
    if (!c.expect(!writable.is_error(), "mem_map writable: %s", name(error_of(writable)))) return c.finish();
    memset(writable.value().address, kMemoryFill, writable.value().size);

    // Without kRightMapWrite: read-only mappings only.
    auto read_only = sys::handle_duplicate(m, full & ~rvos::kRightMapWrite);
    if (c.expect(!read_only.is_error(), "duplicate without kRightMapWrite: %s", name(error_of(read_only)))) {
        Handle h = read_only.value();
        Error denied = error_of(sys::mem_map(h, true));
        c.expect(denied == Error::AccessDenied, "writable mem_map without kRightMapWrite: %s", name(denied));
        auto mapped = sys::mem_map(h, false);
        if (c.expect(!mapped.is_error(), "read-only mem_map with kRightMap: %s", name(error_of(mapped)))) {
            auto* bytes = static_cast<const uint8_t*>(mapped.value().address);
            size_t same = 0;
            for (size_t i = 0; i < mapped.value().size; i++) same += bytes[i] == kMemoryFill;
            c.expect(same == mapped.value().size, "the read-only mapping shows %zu of %zu bytes", same,
                     mapped.value().size);
            sys::munmap(mapped.value().address, mapped.value().size);
        }
        printf("abi: readonly: writable map without kRightMapWrite: %s\n", name(denied));
        sys::handle_close(h);
    }
    // Without kRightMap: no mapping at all.
    auto no_map = sys::handle_duplicate(m, full & ~(rvos::kRightMap | rvos::kRightMapWrite));
    if (c.expect(!no_map.is_error(), "duplicate without kRightMap: %s", name(error_of(no_map)))) {
        Error ro = error_of(sys::mem_map(no_map.value(), false));
        Error rw = error_of(sys::mem_map(no_map.value(), true));
        c.expect(ro == Error::AccessDenied && rw == Error::AccessDenied,
                 "mem_map without kRightMap: read-only %s, writable %s", name(ro), name(rw));
        printf("abi: readonly: map without kRightMap: %s / %s\n", name(ro), name(rw));
        sys::handle_close(no_map.value());
    }
    // kRightMapWrite alone is not enough either.
    auto write_only = sys::handle_duplicate(m, full & ~rvos::kRightMap);
    if (c.expect(!write_only.is_error(), "duplicate without kRightMap: %s", name(error_of(write_only)))) {
        Error rw = error_of(sys::mem_map(write_only.value(), true));
        c.expect(rw == Error::AccessDenied, "writable mem_map with kRightMapWrite but not kRightMap: %s", name(rw));
        sys::handle_close(write_only.value());
    }
    sys::munmap(writable.value().address, writable.value().size);
    sys::handle_close(m);

    // The store itself, in a child.
    fflush(stdout);
    auto child = rvos::spawn("abi", "rostore");
    if (c.expect(!child.is_error(), "spawn abi rostore: %s", name(error_of(child)))) {
        printf("abi: readonly: child pid %u\n", child.value().pid);
        auto status = rvos::wait_exit(child.value());
        c.expect(!status.is_error() && status.value().reason == ExitReason::Fault,
                 "abi rostore ended %s (code %d), not by a fault",
                 status.is_error() ? name(status.error()) : reason_name(status.value().reason),
                 status.is_error() ? 0 : static_cast<int>(status.value().code));
    }
    return c.finish();
}

// ---- 5. timed waits and timers --------------------------------------------------------------

// One timed wait on an empty channel: wait() on even samples, chan_read()
// on odd ones. Returns the time it took; `error` says how it ended.
uint64_t timed_wait(Handle empty, uint64_t timeout, int sample, Error& error) {
    uint64_t start = sys::clock_ns();
    uint64_t deadline = start + timeout;
    if (sample % 2 == 0) {
        rvos::WaitItem item{empty, rvos::kSignalReadable, 0};
        error = error_of(sys::wait(&item, 1, deadline));
    } else {
        char byte;
        error = error_of(sys::chan_read(empty, &byte, 1, nullptr, 0, deadline));
    }
    return sys::clock_ns() - start;
}

int check_timeout() {
    Check c("timeout");
    auto pair = sys::chan_create();
    if (!c.expect(!pair.is_error(), "chan_create: %s", name(error_of(pair)))) return c.finish();
    Handle empty = pair.value().a;
    const uint64_t timeouts[] = {1 * kMs, 5 * kMs, 20 * kMs};
    // Samples per timeout. QEMU runs on a shared host, which may stall it
    // now and then: a sample more than a tick late is taken again, up to
    // kRetries times per timeout. An early one never is.
    constexpr int kSamples = 4, kRetries = 2;
    for (uint64_t timeout : timeouts) {
        uint64_t least = ~uint64_t{0}, most = 0, worst_late = 0;
        int retried = 0;
        for (int sample = 0; sample < kSamples; sample++) {
            Error error;
            uint64_t elapsed = timed_wait(empty, timeout, sample, error);
            c.expect(error == Error::TimedOut, "%s with a %lu ms deadline on an empty channel: %s",
                     sample % 2 ? "chan_read" : "wait", timeout / kMs, name(error));
            c.expect(elapsed >= timeout, "a %lu ms timeout ended after %lu us: early", timeout / kMs, elapsed / 1000);
            if (elapsed > timeout + kTick && retried < kRetries) {
                retried++;
                if (elapsed > worst_late) worst_late = elapsed;
                sample--;
                continue;
            }
            c.expect(elapsed <= timeout + kTick, "a %lu ms timeout ended after %lu us: more than a tick late",
                     timeout / kMs, elapsed / 1000);
            if (elapsed < least) least = elapsed;
            if (elapsed > most) most = elapsed;
        }
        printf("abi: timeout: %lu ms: elapsed %lu..%lu us, late by %lu..%lu us (bound %lu us)", timeout / kMs,
               least / 1000, most / 1000, (least - timeout) / 1000, (most - timeout) / 1000, kTick / 1000);
        if (retried) printf("; %d samples retried, the latest after %lu us", retried, worst_late / 1000);
        printf("\n");
    }
    // kDeadlineNow never blocks.
    uint64_t start = sys::clock_ns();
    rvos::WaitItem item{empty, rvos::kSignalReadable, 0};
    Error waited = error_of(sys::wait(&item, 1, rvos::kDeadlineNow));
    char byte;
    Error read = error_of(sys::chan_read(empty, &byte, 1, nullptr, 0, rvos::kDeadlineNow));
    uint64_t now_elapsed = sys::clock_ns() - start;
    c.expect(waited == Error::TimedOut, "wait with kDeadlineNow on an empty channel: %s", name(waited));
    c.expect(read == Error::WouldBlock, "chan_read with kDeadlineNow on an empty channel: %s", name(read));
    c.expect(now_elapsed < kTick, "kDeadlineNow took %lu us", now_elapsed / 1000);
    printf("abi: timeout: kDeadlineNow: wait %s, chan_read %s, both in %lu us\n", name(waited), name(read),
           now_elapsed / 1000);
    // A deadline already in the past is the same as now.
    Error past = error_of(sys::wait(&item, 1, 1));
    c.expect(past == Error::TimedOut, "wait with a deadline in the past: %s", name(past));
    sys::handle_close(pair.value().a);
    sys::handle_close(pair.value().b);
    return c.finish();
}

int check_timer() {
    Check c("timer");
    auto created = sys::timer_create();
    if (!c.expect(!created.is_error(), "timer_create: %s", name(error_of(created)))) return c.finish();
    Handle timer = created.value();
    auto info = sys::handle_info(timer);
    c.expect(!info.is_error() && info.value().kind == ObjectKind::Timer, "timer_create gave no timer handle");
    rvos::WaitItem item{timer, rvos::kSignalFired, 0};
    constexpr uint64_t kPeriod = 5 * kMs;

    // An unset timer does not fire.
    Error unset = error_of(sys::wait(&item, 1, sys::clock_ns() + kPeriod));
    c.expect(unset == Error::TimedOut, "an unset timer: %s", name(unset));

    // As for timeouts, a run more than a tick late (the host stalled QEMU)
    // is taken again, up to kRetries times; an early one never is.
    constexpr int kRetries = 2;

    // One-shot: fires once, at its deadline.
    uint64_t elapsed = 0;
    int late_runs = 0;
    for (int attempt = 0; attempt <= kRetries; attempt++) {
        uint64_t start = sys::clock_ns();
        c.expect(sys::timer_set(timer, start + kPeriod) == Error::None, "timer_set one-shot");
        auto fired = sys::wait(&item, 1, start + 1000 * kMs);
        elapsed = sys::clock_ns() - start;
        c.expect(!fired.is_error() && fired.value() == 0 && (item.observed & rvos::kSignalFired),
                 "a one-shot timer did not fire: %s", name(error_of(fired)));
        c.expect(elapsed >= kPeriod, "a %lu ms one-shot timer fired early, after %lu us", kPeriod / kMs,
                 elapsed / 1000);
        if (elapsed <= kPeriod + kTick) break;
        late_runs++;
    }
    c.expect(elapsed <= kPeriod + kTick, "a %lu ms one-shot timer fired after %lu us", kPeriod / kMs, elapsed / 1000);
    Error again = error_of(sys::wait(&item, 1, sys::clock_ns() + 4 * kPeriod));
    c.expect(again == Error::TimedOut, "a one-shot timer fired a second time: %s", name(again));
    printf("abi: timer: one-shot %lu ms fired after %lu us, then not again (%s)", kPeriod / kMs, elapsed / 1000,
           name(again));
    if (late_runs) printf("; %d late runs retried", late_runs);
    printf("\n");

    // Periodic: fires every period.
    constexpr int kPeriods = 3;
    int count = 0;
    uint64_t at[kPeriods] = {};
    late_runs = 0;
    for (int attempt = 0; attempt <= kRetries; attempt++) {
        uint64_t start = sys::clock_ns();
        c.expect(sys::timer_set(timer, start + kPeriod, kPeriod) == Error::None, "timer_set periodic");
        count = 0;
        for (int i = 0; i < kPeriods; i++) {
            auto tick = sys::wait(&item, 1, sys::clock_ns() + 1000 * kMs);
            if (!c.expect(!tick.is_error() && tick.value() == 0, "period %d: %s", i + 1, name(error_of(tick)))) break;
            at[i] = sys::clock_ns() - start;
            c.expect(at[i] >= (i + 1) * kPeriod, "period %d fired early, after %lu us", i + 1, at[i] / 1000);
            count++;
        }
        c.expect(sys::timer_set(timer, rvos::kDeadlineNever) == Error::None, "timer_set cancel");
        if (count < kPeriods || at[kPeriods - 1] <= kPeriods * kPeriod + kTick) break;
        late_runs++;
    }
    c.expect(count == kPeriods && at[kPeriods - 1] <= kPeriods * kPeriod + kTick,
             "%d periods of %lu ms took %lu us", count, kPeriod / kMs, at[kPeriods - 1] / 1000);
    printf("abi: timer: periodic %lu ms fired %d times, at %lu, %lu, %lu us", kPeriod / kMs, count, at[0] / 1000,
           at[1] / 1000, at[2] / 1000);
    if (late_runs) printf("; %d late runs retried", late_runs);
    printf("\n");
    // Cancelled (above), it stays quiet.
    Error quiet = error_of(sys::wait(&item, 1, sys::clock_ns() + 4 * kPeriod));
    c.expect(quiet == Error::TimedOut, "a cancelled timer fired: %s", name(quiet));
    sys::handle_close(timer);
    return c.finish();
}

// ---- 6. the largest message -------------------------------------------------------------------

constexpr const char* kEchoService = "abiecho";

// `abi echo`: receives one message on a connection to the parent's
// service and sends it back, bytes and handles. Exit codes say what broke.
int echo() {
    auto parent = rvos::connect(kEchoService);
    if (parent.is_error()) return 10;
    Handle ch = parent.value().handle();
    Handle handles[rvos::kMaxMessageHandles];
    sys::Received needed{};
    auto small = sys::chan_read(ch, big_in, rvos::kMaxMessageBytes - 1, handles, rvos::kMaxMessageHandles,
                                rvos::kDeadlineNever, &needed);
    if (error_of(small) != Error::BufferTooSmall || needed.length != rvos::kMaxMessageBytes ||
        needed.handle_count != rvos::kMaxMessageHandles)
        return 11;
    auto got = sys::chan_read(ch, big_in, sizeof big_in, handles, rvos::kMaxMessageHandles, rvos::kDeadlineNow);
    if (got.is_error() || got.value().length != rvos::kMaxMessageBytes ||
        got.value().handle_count != rvos::kMaxMessageHandles)
        return 12;
    Error sent = sys::chan_write(ch, big_in, got.value().length, handles, got.value().handle_count);
    return sent == Error::None ? 0 : 13;
}

// A memory object's tag: its index at the first and the last byte.
uint8_t tag(size_t i, bool last) { return static_cast<uint8_t>(0xa0 + i * 2 + last); }

int check_message() {
    Check c("message");
    fill_pattern();

    // On a channel of our own: limits and BufferTooSmall.
    auto pair = sys::chan_create();
    if (!c.expect(!pair.is_error(), "chan_create: %s", name(error_of(pair)))) return c.finish();
    Handle a = pair.value().a, b = pair.value().b;
    Error over = sys::chan_write(a, big_out, rvos::kMaxMessageBytes + 1);
    c.expect(over == Error::BadArgument, "a kMaxMessageBytes+1 message: %s", name(over));
    Handle many[rvos::kMaxMessageHandles + 1];
    for (Handle& h : many) h = b;
    Error too_many = sys::chan_write(a, "x", 1, many, rvos::kMaxMessageHandles + 1);
    c.expect(too_many == Error::BadArgument, "kMaxMessageHandles+1 handles: %s", name(too_many));
    Error nothing = error_of(sys::chan_read(b, big_in, sizeof big_in, nullptr, 0, rvos::kDeadlineNow));
    c.expect(nothing == Error::WouldBlock, "a refused message was queued: %s", name(nothing));
    printf("abi: message: %zu bytes: %s; %zu handles: %s\n", rvos::kMaxMessageBytes + 1, name(over),
           rvos::kMaxMessageHandles + 1, name(too_many));

    constexpr size_t kSmall = 1000;
    c.expect(sys::chan_write(a, big_out, kSmall) == Error::None, "sending %zu bytes", kSmall);
    sys::Received needed{};
    Error too_small = error_of(sys::chan_read(b, big_in, kSmall - 1, nullptr, 0, rvos::kDeadlineNow, &needed));
    c.expect(too_small == Error::BufferTooSmall && needed.length == kSmall,
             "reading %zu bytes into %zu: %s, needed %zu", kSmall, kSmall - 1, name(too_small), needed.length);
    memset(big_in, 0, sizeof big_in);
    auto second = sys::chan_read(b, big_in, kSmall, nullptr, 0, rvos::kDeadlineNow);
    c.expect(!second.is_error() && second.value().length == kSmall && memcmp(big_in, big_out, kSmall) == 0,
             "the message left queued by BufferTooSmall: %s", name(error_of(second)));
    printf("abi: message: %zu bytes into %zu: %s (needed %zu); then read whole\n", kSmall, kSmall - 1,
           name(too_small), needed.length);
    sys::handle_close(a);
    sys::handle_close(b);

    // The largest message, with the most handles, to a child and back.
    auto listen = rvos::register_service(kEchoService);
    if (!c.expect(!listen.is_error(), "register %s: %s", kEchoService, name(error_of(listen)))) return c.finish();
    auto child = rvos::spawn("abi", "echo");
    if (!c.expect(!child.is_error(), "spawn abi echo: %s", name(error_of(child)))) return c.finish();
    Message hello;
    Error arrived = listen.value().receive_wait(hello);
    if (!c.expect(arrived == Error::None && hello.cap != rvos::kNoHandle, "the child did not connect: %s",
                  name(arrived)))
        return c.finish();
    rvos::Channel ch(hello.cap);

    Handle handles[rvos::kMaxMessageHandles];
    Rights rights[rvos::kMaxMessageHandles];
    for (size_t i = 0; i < rvos::kMaxMessageHandles; i++) {
        auto memory = sys::mem_create(rvos::kPageSize);
        if (!c.expect(!memory.is_error(), "mem_create %zu: %s", i, name(error_of(memory)))) return c.finish();
        auto mapped = sys::mem_map(memory.value(), true);
        if (!c.expect(!mapped.is_error(), "mem_map %zu: %s", i, name(error_of(mapped)))) return c.finish();
        auto* bytes = static_cast<uint8_t*>(mapped.value().address);
        bytes[0] = tag(i, false);
        bytes[mapped.value().size - 1] = tag(i, true);
        sys::munmap(mapped.value().address, mapped.value().size);
        // Every other handle goes with fewer rights, which it must keep.
        handles[i] = memory.value();
        if (i % 2) {
            auto fewer = sys::handle_duplicate(memory.value(), rights_of(memory.value()) & ~rvos::kRightMapWrite);
            if (!c.expect(!fewer.is_error(), "duplicate %zu: %s", i, name(error_of(fewer)))) return c.finish();
            sys::handle_close(memory.value());
            handles[i] = fewer.value();
        }
        rights[i] = rights_of(handles[i]);
    }
    Error sent = sys::chan_write(ch.handle(), big_out, rvos::kMaxMessageBytes, handles, rvos::kMaxMessageHandles);
    c.expect(sent == Error::None, "sending %zu bytes and %zu handles: %s", rvos::kMaxMessageBytes,
             rvos::kMaxMessageHandles, name(sent));
    size_t still_here = 0;
    for (Handle h : handles) still_here += !sys::handle_info(h).is_error();
    c.expect(still_here == 0, "%zu sent handles are still in the sender's table", still_here);

    // Back: one byte or one handle slot too few leaves it queued.
    memset(big_in, 0, sizeof big_in);
    Handle back[rvos::kMaxMessageHandles];
    needed = {};
    Error short_bytes = error_of(sys::chan_read(ch.handle(), big_in, rvos::kMaxMessageBytes - 1, back,
                                                rvos::kMaxMessageHandles, rvos::kDeadlineNever, &needed));
    c.expect(short_bytes == Error::BufferTooSmall && needed.length == rvos::kMaxMessageBytes &&
                 needed.handle_count == rvos::kMaxMessageHandles,
             "reading the echo into %zu bytes: %s, needed %zu bytes %zu handles", rvos::kMaxMessageBytes - 1,
             name(short_bytes), needed.length, needed.handle_count);
    sys::Received needed_handles{};
    Error short_handles = error_of(sys::chan_read(ch.handle(), big_in, sizeof big_in, back,
                                                  rvos::kMaxMessageHandles - 1, rvos::kDeadlineNow, &needed_handles));
    c.expect(short_handles == Error::BufferTooSmall && needed_handles.handle_count == rvos::kMaxMessageHandles,
             "reading the echo with %zu handle slots: %s", rvos::kMaxMessageHandles - 1, name(short_handles));
    auto got = sys::chan_read(ch.handle(), big_in, sizeof big_in, back, rvos::kMaxMessageHandles, rvos::kDeadlineNow);
    if (c.expect(!got.is_error(), "reading the echo: %s", name(error_of(got)))) {
        size_t length = got.value().length, count = got.value().handle_count;
        size_t differ = 0, first = length;
        for (size_t i = 0; i < length && i < sizeof big_in; i++)
            if (big_in[i] != big_out[i]) {
                differ++;
                if (first == length) first = i;
            }
        c.expect(length == rvos::kMaxMessageBytes && differ == 0, "the echo has %zu bytes, %zu differ (first at %zu)",
                 length, differ, first);
        c.expect(count == rvos::kMaxMessageHandles, "the echo carries %zu handles", count);
        size_t good = 0;
        for (size_t i = 0; i < count && i < rvos::kMaxMessageHandles; i++) {
            auto info = sys::handle_info(back[i]);
            bool same = !info.is_error() && info.value().kind == ObjectKind::Memory && info.value().rights == rights[i];
            auto mapped = sys::mem_map(back[i], false);
            if (same && !mapped.is_error()) {
                auto* bytes = static_cast<const uint8_t*>(mapped.value().address);
                same = bytes[0] == tag(i, false) && bytes[mapped.value().size - 1] == tag(i, true);
                sys::munmap(mapped.value().address, mapped.value().size);
            } else {
                same = false;
            }
            good += same;
            sys::handle_close(back[i]);
        }
        c.expect(good == rvos::kMaxMessageHandles, "%zu of %zu handles came back as the same objects with the same rights",
                 good, rvos::kMaxMessageHandles);
        printf("abi: message: %zu bytes and %zu handles there and back: %zu bytes differ, %zu handles intact\n",
               length, count, differ, good);
    }
    auto status = rvos::wait_exit(child.value());
    c.expect(!status.is_error() && status.value().reason == ExitReason::Exited && status.value().code == 0,
             "abi echo ended %s with code %d", status.is_error() ? name(status.error()) : reason_name(status.value().reason),
             status.is_error() ? 0 : static_cast<int>(status.value().code));
    return c.finish();
}

// ---- 7. queued messages and the kernel heap ----------------------------------------------------

constexpr const char* kHoldService = "abiqhold";
enum class Hold : uint32_t { Report = 1, Exit = 2, Figures = 3 };

struct Figures {
    uint32_t channels = 0;        // channels the holder made
    uint32_t endpoints_full = 0;  // endpoints that said QueueFull
    uint32_t messages = 0;        // maximal messages queued
    uint32_t least = 0, most = 0; // per full endpoint
    uint64_t bytes = 0;           // payload bytes queued
    Error stop = Error::None;     // what ended the filling
};

// Makes channels until the handle table is full (or `most` channels);
// both ends of each go in `ends`. Returns how many handles that is.
size_t create_all_channels(Handle (&ends)[rvos::kMaxHandles], size_t most = rvos::kMaxHandles) {
    size_t count = 0;
    while (count + 2 <= rvos::kMaxHandles && count < 2 * most) {
        auto pair = sys::chan_create();
        if (pair.is_error()) break;
        ends[count++] = pair.value().a;
        ends[count++] = pair.value().b;
    }
    return count;
}

// Writes `size`-byte messages on each of `ends` in turn until it says
// QueueFull, and stops at any other refusal (recorded in `f.stop`).
void fill_ends(const Handle* ends, size_t count, size_t size, Figures& f) {
    f.least = ~0u;
    for (size_t i = 0; i < count && f.stop == Error::None; i++) {
        uint32_t here = 0;
        for (;;) {
            Error error = sys::chan_write(ends[i], big_out, size);
            if (error == Error::None) {
                here++;
                f.messages++;
                f.bytes += size;
                continue;
            }
            if (error == Error::QueueFull) {
                f.endpoints_full++;
                if (here < f.least) f.least = here;
                if (here > f.most) f.most = here;
            } else {
                f.stop = error;
            }
            break;
        }
    }
    if (f.stop == Error::None) f.stop = Error::QueueFull;  // every endpoint full first
    if (f.least == ~0u) f.least = 0;
}

// Message sizes for filling to the last byte: maximal ones, then smaller.
constexpr size_t kFillSizes[] = {rvos::kMaxMessageBytes, 16384, 4096, 1024, 256, 64, 16, 1};

// Fills `ends` with every size of kFillSizes in turn. The stop is the
// last size's, unless a size met the system-wide budget (NoMemory): that
// is what stopped the filling; the smaller sizes after it only top the
// budget up, and can run out of queue depth (QueueFull) first, by how
// much the other programs happen to hold at that moment.
void fill_to_the_byte(const Handle* ends, size_t count, Figures& f) {
    for (size_t size : kFillSizes) {
        Figures step;
        fill_ends(ends, count, size, step);
        f.messages += step.messages;
        f.bytes += step.bytes;
        if (f.stop != Error::NoMemory) f.stop = step.stop;
    }
}

// Channels one filler (or holder) makes: room for its quota twice over,
// and few enough that all of them, and the floods' connections, find
// channels in the system's table.
constexpr size_t kFillChannels = 4;
static_assert(2 * kFillChannels * rvos::kQueueBytes >= 2 * rvos::kMaxQueuedBytesPerProcess);

// The holders' helpers are started before the holder fills its own quota
// (past it, even a spawn request would be refused) and wait for a word on
// their handle 1; they report there. Both fit the kernel's small-message
// reserve, which takes a message of a few bytes into an empty queue
// whatever the budgets say.
constexpr Handle kCrewChannel = 1;

[[noreturn]] void keep_queued() {
    Message never;
    for (;;) sys::chan_recv_wait(rvos::kBootHandle, never);
}

// `abi queue-fill` / `abi starve-fill`: once told to go, fills every
// channel it can make (maximal messages, or every size down to one byte),
// reports what it queued and what stopped it, then keeps it all queued
// until it is ended.
int filler(bool to_the_byte) {
    fill_pattern();
    Message go;
    if (sys::chan_recv_wait(kCrewChannel, go) != Error::None) return 10;
    Handle ends[rvos::kMaxHandles];
    size_t count = create_all_channels(ends, kFillChannels);
    Figures f;
    if (to_the_byte) fill_to_the_byte(ends, count, f);
    else fill_ends(ends, count, rvos::kMaxMessageBytes, f);
    uint32_t report[3] = {static_cast<uint32_t>(f.bytes), static_cast<uint32_t>(f.bytes >> 32),
                          static_cast<uint32_t>(f.stop)};
    (void)sys::chan_write(kCrewChannel, report, sizeof report);
    keep_queued();
}
int queue_fill() { return filler(false); }
int starve_fill() { return filler(true); }

// Children started with one end of a channel each, told to go one by one.
struct Crew {
    static constexpr size_t kMax = 12;
    rvos::Child children[kMax];
    rvos::Channel channels[kMax];
    size_t count = 0;
};

// Starts `n` `abi <helper>` children into `crew`; false if one did not start.
bool start_crew(const char* helper, size_t n, Crew& crew) {
    for (size_t i = 0; i < n && crew.count < Crew::kMax; i++) {
        auto pair = sys::chan_create();
        if (pair.is_error()) return false;
        crew.channels[crew.count] = rvos::Channel(pair.value().a);
        const char* argv[] = {"abi", helper, nullptr};
        Handle give[] = {pair.value().b};
        auto child = rvos::spawn_argv("abi", argv, nullptr, give, 1);
        if (child.is_error()) return false;
        crew.children[crew.count++] = child.release_value();
    }
    return true;
}

// Tells member `i` to go and waits for its report (up to 12 bytes).
base::ErrorOr<sys::Received> run_member(Crew& crew, size_t i, uint32_t (&report)[3]) {
    uint32_t go = 1;
    TRY_STATUS(sys::chan_write(crew.channels[i].handle(), &go, sizeof go));
    rvos::WaitItem item{crew.channels[i].handle(), rvos::kSignalReadable | rvos::kSignalPeerClosed, 0};
    TRY(sys::wait(&item, 1));
    return sys::chan_read(crew.channels[i].handle(), report, sizeof report, nullptr, 0, rvos::kDeadlineNow);
}

// What the fillers of one holder queued together.
struct Fillers {
    uint32_t count = 0;
    uint64_t bytes = 0;
    Error stop = Error::None;  // what stopped the last one
};

// Tells the crew's fillers from `first` on to go, one at a time, until one
// reports that the system-wide budget (NoMemory), not its own quota,
// stopped it: the programs' part of the budget is then full.
Fillers run_fillers(Crew& crew, size_t first, size_t end) {
    Fillers all;
    for (size_t i = first; i < end && all.stop != Error::NoMemory; i++) {
        uint32_t report[3] = {};
        auto got = run_member(crew, i, report);
        if (got.is_error()) {
            all.stop = got.error();
            break;
        }
        all.count++;
        all.bytes += report[0] | static_cast<uint64_t>(report[1]) << 32;
        all.stop = static_cast<Error>(report[2]);
    }
    return all;
}

// Fillers a holder starts: enough to fill what programs may queue after
// its own quota, and one more.
constexpr size_t kFillers =
    (rvos::kMaxQueuedBytes - rvos::kSystemQueueReserve) / rvos::kMaxQueuedBytesPerProcess + 1;
static_assert(kFillers + 2 <= Crew::kMax);

// `abi queue-hold`: queues maximal messages until its own quota stops it,
// then starts fillers until the programs' part of the budget is full, then
// serves Report and Exit on kHoldService.
int queue_hold() {
    printf("abi: queue-hold: pid %u filling every channel it can make\n", sys::getpid());  // stdout connects now
    fflush(stdout);
    auto listen = rvos::register_service(kHoldService);
    if (listen.is_error()) return 10;
    static Crew crew;
    if (!start_crew("queue-fill", kFillers, crew)) return 12;
    fill_pattern();
    Handle ends[rvos::kMaxHandles];
    size_t count = create_all_channels(ends, kFillChannels);
    Figures figures;
    figures.channels = static_cast<uint32_t>(count / 2);
    fill_ends(ends, count, rvos::kMaxMessageBytes, figures);
    // Maximal messages leave almost one of them free in the quota: room
    // for the report below.
    Fillers fillers = run_fillers(crew, 0, crew.count);

    Message hello;
    if (listen.value().receive_wait(hello) != Error::None || hello.cap == rvos::kNoHandle) return 11;
    rvos::Channel client(hello.cap);
    for (;;) {
        Message request;
        if (client.receive_wait(request) != Error::None) return 13;
        auto what = static_cast<Hold>(request.word());
        if (what == Hold::Exit) return 0;
        if (what != Hold::Report) continue;
        Message reply = Message::of(static_cast<uint32_t>(Hold::Figures))
                            .put(figures.channels)
                            .put(figures.endpoints_full)
                            .put(figures.messages)
                            .put(figures.least)
                            .put(figures.most)
                            .put(static_cast<uint32_t>(figures.bytes))
                            .put(static_cast<uint32_t>(figures.bytes >> 32))
                            .put(static_cast<uint32_t>(figures.stop))
                            .put(fillers.count)
                            .put(static_cast<uint32_t>(fillers.bytes))
                            .put(static_cast<uint32_t>(fillers.bytes >> 32))
                            .put(static_cast<uint32_t>(fillers.stop));
        client.send(reply);
    }
}

// Connects to a service that a child is about to register.
base::ErrorOr<rvos::Channel> connect_soon(const char* service) {
    for (int i = 0;; i++) {
        auto channel = rvos::connect(service);
        if (!channel.is_error() || channel.error() != Error::NotFound || i == 1000) return channel;
        testkit::sleep_ms(5);
    }
}

int check_queue() {
    Check c("queue");
    auto before = rvos::sysinfo::memory();
    if (!c.expect(!before.is_error(), "sysinfo memory: %s", name(error_of(before)))) return c.finish();
    auto child = rvos::spawn("abi", "queue-hold");
    if (!c.expect(!child.is_error(), "spawn abi queue-hold: %s", name(error_of(child)))) return c.finish();
    auto holder = connect_soon(kHoldService);
    if (!c.expect(!holder.is_error(), "connect to %s: %s", kHoldService, name(error_of(holder)))) return c.finish();
    Message reply;
    Error sent = holder.value().send(Message::of(static_cast<uint32_t>(Hold::Report)));
    if (!c.expect(sent == Error::None, "sending the report request: %s", name(sent))) return c.finish();
    Error answered = holder.value().receive_wait(reply);
    if (!c.expect(answered == Error::None, "the holder's report: %s", name(answered))) return c.finish();
    Figures f;
    f.channels = reply.word(1);
    f.endpoints_full = reply.word(2);
    f.messages = reply.word(3);
    f.least = reply.word(4);
    f.most = reply.word(5);
    f.bytes = reply.word(6) | static_cast<uint64_t>(reply.word(7)) << 32;
    f.stop = static_cast<Error>(reply.word(8));
    Fillers fillers;
    fillers.count = reply.word(9);
    fillers.bytes = reply.word(10) | static_cast<uint64_t>(reply.word(11)) << 32;
    fillers.stop = static_cast<Error>(reply.word(12));
    c.expect(reply.len == 52, "a malformed report (%u bytes)", reply.len);

    // With every byte programs may queue queued, the kernel still answers.
    auto full = rvos::sysinfo::memory();
    c.expect(!full.is_error(), "sysinfo memory with the queues full: %s", name(error_of(full)));
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto listed = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    bool holder_listed = false;
    for (size_t i = 0; !listed.is_error() && i < listed.value(); i++)
        holder_listed |= processes[i].pid == child.value().pid;
    c.expect(!listed.is_error() && holder_listed, "sysinfo processes with the queues full: %s",
             name(error_of(listed)));
    fflush(stdout);
    int32_t hello = testkit::run_child("hello", "");
    c.expect(hello == 0, "run hello with the queues full: %d", static_cast<int>(hello));
    uint64_t heap_before = before.value().heap_used;
    uint64_t heap_full = full.is_error() ? 0 : full.value().heap_used;
    uint64_t total = f.bytes + fillers.bytes;
    constexpr size_t kProgramsMay = rvos::kMaxQueuedBytes - rvos::kSystemQueueReserve;
    printf("abi: queue: holder pid %u made %u channels, queued %u messages of %zu bytes (%lu bytes) on %u full "
           "endpoints (%u..%u each), then: %s\n",
           child.value().pid, f.channels, f.messages, rvos::kMaxMessageBytes, f.bytes, f.endpoints_full, f.least, f.most,
           name(f.stop));
    printf("abi: queue: %u fillers queued %lu bytes more, then: %s; programs queued %lu bytes of the %zu they may\n",
           fillers.count, fillers.bytes, name(fillers.stop), total, kProgramsMay);
    printf("abi: queue: kernel heap %lu bytes before, %lu with the queues full (+%lu); budget %zu queued bytes\n",
           heap_before, heap_full, heap_full - heap_before, rvos::kMaxQueuedBytes);

    // The holder's own quota stopped it, far short of the system's budget...
    c.expect(f.stop == Error::QuotaExceeded, "the holder stopped with %s, not its own quota", name(f.stop));
    c.expect(f.bytes <= rvos::kMaxQueuedBytesPerProcess &&
                 f.bytes + 2 * rvos::kMaxMessageBytes > rvos::kMaxQueuedBytesPerProcess,
             "the holder queued %lu bytes against its quota of %zu", f.bytes, rvos::kMaxQueuedBytesPerProcess);
    // ...and the system-wide budget stopped the fillers, short of the heap's end.
    c.expect(fillers.stop == Error::NoMemory, "the fillers stopped with %s, not the system-wide budget's NoMemory",
             name(fillers.stop));
    c.expect(total <= kProgramsMay && total + 2 * rvos::kMaxMessageBytes > kProgramsMay,
             "%lu bytes queued against the programs' part of the budget, %zu", total, kProgramsMay);
    c.expect(heap_full >= heap_before + total && heap_full - heap_before <= rvos::kMaxQueuedBytes + 1024 * 1024,
             "the heap grew by %lu bytes for %lu queued", heap_full - heap_before, total);
    // Each endpoint stopped at its byte budget, before its depth.
    c.expect(f.endpoints_full > 0 && f.least > 0 &&
                 f.most * rvos::kMaxMessageBytes <= rvos::kQueueBytes && f.most < rvos::kQueueDepth,
             "%u..%u maximal messages per endpoint against kQueueBytes %zu", f.least, f.most, rvos::kQueueBytes);

    // Told to exit, the holder goes, and its fillers with it.
    Error told = holder.value().send(Message::of(static_cast<uint32_t>(Hold::Exit)));
    auto status = rvos::wait_exit(child.value());
    c.expect(told == Error::None && !status.is_error() && status.value().reason == ExitReason::Exited &&
                 status.value().code == 0,
             "the holder did not exit cleanly: %s", told != Error::None ? name(told) : "see its status");
    return c.finish();
}

// ---- 7b. a full budget must not cost a client its service ---------------------------------------

constexpr const char* kStarveService = "abistarve";
// The shared page both sides use to step through the test without messages
// (the budget is full in between): [0] the step, [1] bytes the holder
// queued, [2] its stop, [3] fillers, [4] bytes they queued, [5] their stop,
// [6] sysinfo replies left unread by the floods, [7] whether the budget
// refused the last flood a reply.
enum Step : uint64_t { kFilling = 0, kFull = 1, kRelease = 2, kReleased = 3 };
// Floods enough that they cannot all stop at their own quotas: past the
// first, what is left of the system's part is less than a quota, so the
// last flood's replies are refused by the system-wide budget.
constexpr size_t kFloods = rvos::kSystemQueueReserve / rvos::kMaxQueuedBytesPerProcess + 1;
// Connections each flood makes: all of them fit sysinfo's own handle table
// beside its few others (and the system's channel table beside the
// fillers' channels).
constexpr size_t kFloodConnections = (rvos::kMaxHandles - 8) / kFloods;
// Unread replies one connection holds: one short of its queue's depth, so
// a reply is refused for the budget, never for a full queue; the depth
// binds before the queue's bytes do, even for the largest reply.
constexpr size_t kRepliesPerConnection = rvos::kQueueDepth - 1;
static_assert(rvos::kQueueDepth * 2 * rvos::proto::sysinfo::kMaxReplyBytes <= rvos::kQueueBytes);

// `abi starve-flood`: connects to sysinfo as often as it may; once told to
// go, asks for the process list on its connections, one request at a time,
// and reads none of the replies: they are charged to it, and what it
// makes sysinfo queue fills the system's part of the budget. A reply the
// budget refuses (its own quota or the system's part) is answered with
// the error, which cannot be queued behind unread replies either, so
// sysinfo drops that connection: the flood stops at the first dropped
// connection (refused), or when its connections hold all they may.
// Reports how many replies it left unread and whether one was refused,
// then keeps them until it is ended.
int starve_flood() {
    Handle connections[kFloodConnections];
    size_t count = 0;
    for (; count < kFloodConnections; count++) {
        auto connection = rvos::connect("sysinfo");
        if (connection.is_error()) break;
        connections[count] = connection.release_value().release();
    }
    Message go;
    if (sys::chan_recv_wait(kCrewChannel, go) != Error::None) return 10;
    uint32_t unread = 0;
    bool refused = false;
    uint64_t give_up = sys::clock_ns() + 30'000 * kMs;  // a sysinfo that never takes a request
    uint8_t request[4] = {1, 0, 0, 0};  // sysinfo.Processes: its ordinal alone
    for (size_t i = 0; i < count && !refused; i++) {
        for (size_t sent = 0; sent < kRepliesPerConnection && !refused;) {
            // A request goes only to an empty queue (the small-message
            // reserve takes it with every budget full): until sysinfo has
            // taken the one before, it is refused, and tried again.
            Error error = sys::chan_write(connections[i], request, sizeof request);
            if (error == Error::None) {
                sent++;
                unread++;
            } else if (error == Error::PeerClosed) {
                refused = true;
                unread--;  // the request it answered with the drop
            } else if ((error != Error::NoMemory && error != Error::QuotaExceeded) || sys::clock_ns() > give_up) {
                return 11;
            }
            sys::yield();
        }
    }
    uint32_t report[3] = {unread, refused ? 1u : 0u, 0};
    (void)sys::chan_write(kCrewChannel, report, sizeof report);
    keep_queued();
}

// `abi starve-hold`: starts its crew, fills its own quota to the last
// byte, tells fillers to go until the programs' part of the budget is full
// to the last byte, then floods until the system's part is full too; waits
// for the parent, then frees everything (its crew ends with it).
int starve_hold() {
    testkit::ParentPage joined = testkit::join_parent(kStarveService);
    if (!joined.page) return 10;
    volatile uint64_t* shared = joined.page;
    static Crew crew;
    if (!start_crew("starve-fill", kFillers, crew) || !start_crew("starve-flood", kFloods, crew)) return 13;
    fill_pattern();
    Handle ends[rvos::kMaxHandles];
    size_t count = create_all_channels(ends, kFillChannels);
    Figures own;
    fill_to_the_byte(ends, count, own);
    Fillers fillers = run_fillers(crew, 0, kFillers);
    uint64_t unread = 0;
    bool refused = false;  // the last flood's: a reply the budget refused
    for (size_t i = kFillers; i < crew.count; i++) {
        uint32_t report[3] = {};
        if (run_member(crew, i, report).is_error()) return 14;
        unread += report[0];
        refused = report[1] != 0;
    }
    shared[1] = own.bytes;
    shared[2] = static_cast<uint64_t>(own.stop);
    shared[3] = fillers.count;
    shared[4] = fillers.bytes;
    shared[5] = static_cast<uint64_t>(fillers.stop);
    shared[6] = unread;
    shared[7] = refused;
    shared[0] = kFull;
    while (shared[0] != kRelease) testkit::sleep_ms(1);
    for (size_t i = 0; i < count; i++) sys::handle_close(ends[i]);
    shared[0] = kReleased;
    return 0;  // the crew's process handles close: they end
}

int check_starve() {
    Check c("starve");
    // Connect to a kernel service (sysinfo) and a user-space one (fs).
    struct stat st;
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto first = rvos::sysinfo::memory();
    if (!c.expect(!first.is_error(), "sysinfo memory: %s", name(error_of(first)))) return c.finish();
    if (!c.expect(stat("/", &st) == 0, "stat /: errno %d", errno)) return c.finish();
    auto listen = rvos::register_service(kStarveService);
    auto memory = sys::mem_create(rvos::kPageSize);
    if (!c.expect(!listen.is_error() && !memory.is_error(), "register / mem_create")) return c.finish();
    auto page = sys::mem_map(memory.value(), true);
    auto lent = sys::handle_duplicate(memory.value(), rights_of(memory.value()));
    if (!c.expect(!page.is_error() && !lent.is_error(), "mem_map / duplicate")) return c.finish();
    auto* shared = static_cast<volatile uint64_t*>(page.value().address);
    fflush(stdout);
    auto child = rvos::spawn("abi", "starve-hold");
    if (!c.expect(!child.is_error(), "spawn abi starve-hold: %s", name(error_of(child)))) return c.finish();
    Message hello, page_message;
    if (!c.expect(listen.value().receive_wait(hello) == Error::None && hello.cap != rvos::kNoHandle,
                  "starve-hold did not connect"))
        return c.finish();
    rvos::Channel holder(hello.cap);
    page_message = Message::of(1);
    page_message.cap = lent.value();
    c.expect(holder.send(page_message) == Error::None, "sending the shared page");
    uint64_t give_up = sys::clock_ns() + 30'000 * kMs;
    while (shared[0] != kFull && sys::clock_ns() < give_up) testkit::sleep_ms(1);
    bool full = shared[0] == kFull;
    // Every part of the budget is full: a reply as big as the process list
    // cannot be queued, so sysinfo answers with the error instead; the
    // smaller ones may go or fail alike.
    Error list_during = full ? error_of(rvos::sysinfo::processes(processes, rvos::kMaxProcesses)) : Error::None;
    Error during = full ? error_of(rvos::sysinfo::memory()) : Error::None;
    errno = 0;
    int fs_during = full ? stat("/", &st) : 0;
    int fs_during_errno = errno;
    shared[0] = kRelease;
    auto status = rvos::wait_exit(child.value());
    Error list_after = error_of(rvos::sysinfo::processes(processes, rvos::kMaxProcesses));
    Error after = error_of(rvos::sysinfo::memory());
    errno = 0;
    int fs_after = stat("/", &st);
    int fs_after_errno = errno;
    printf("abi: starve: holder queued %lu bytes, then: %s; %lu fillers queued %lu bytes, then: %s; "
           "floods left %lu sysinfo replies unread, the last refused: %s\n",
           static_cast<unsigned long>(shared[1]), name(static_cast<Error>(shared[2])),
           static_cast<unsigned long>(shared[3]), static_cast<unsigned long>(shared[4]),
           name(static_cast<Error>(shared[5])), static_cast<unsigned long>(shared[6]), shared[7] ? "yes" : "no");
    printf("abi: starve: sysinfo with the budget full: processes %s, memory %s; once it is free: processes %s, "
           "memory %s\n",
           name(list_during), name(during), name(list_after), name(after));
    printf("abi: starve: fs stat with the budget full: %s; once it is free: %s\n",
           fs_during == 0 ? "ok" : strerror(fs_during_errno), fs_after == 0 ? "ok" : strerror(fs_after_errno));
    c.expect(full, "the holder did not fill the budget (it ended %s, code %d)",
             status.is_error() ? name(status.error()) : reason_name(status.value().reason),
             status.is_error() ? 0 : static_cast<int>(status.value().code));
    c.expect(static_cast<Error>(shared[2]) == Error::QuotaExceeded && shared[1] <= rvos::kMaxQueuedBytesPerProcess,
             "the holder alone queued %lu bytes, then: %s", static_cast<unsigned long>(shared[1]),
             name(static_cast<Error>(shared[2])));
    c.expect(static_cast<Error>(shared[5]) == Error::NoMemory, "the fillers stopped with %s, not NoMemory",
             name(static_cast<Error>(shared[5])));
    c.expect(shared[7] != 0, "the floods' connections held all they may before the budget refused a reply");
    c.expect(list_during == Error::NoMemory,
             "with the budget full, the process list should fail with the error as its answer: %s",
             name(list_during));
    c.expect(list_after == Error::None && after == Error::None,
             "sysinfo no longer answers this client once the budget is free again: processes %s, memory %s",
             name(list_after), name(after));
    c.expect(fs_after == 0, "fs no longer answers this client once the budget is free again: %s",
             strerror(fs_after_errno));
    return c.finish();
}

// ---- 8. no power capability -------------------------------------------------------------------

int check_shutdown() {
    Check c("shutdown");
    // Handles of every kind a program can hold, so the loop meets them all.
    printf("abi: shutdown: trying every handle number\n");  // stdout's handle too
    fflush(stdout);
    auto pair = sys::chan_create();
    auto memory = sys::mem_create(rvos::kPageSize);
    auto timer = sys::timer_create();
    auto sleeper = rvos::spawn("abi", "sleep");
    c.expect(!pair.is_error() && !memory.is_error() && !timer.is_error() && !sleeper.is_error(),
             "making handles to try");
    auto one = sys::handle_info(1);
    c.expect(one.is_error() || one.value().kind != ObjectKind::Power, "handle 1 of a program is a power handle");
    unsigned bad_handle = 0, wrong_type = 0, denied = 0, other = 0;
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++) {
        Error error = sys::shutdown(h);  // returning at all means refused
        switch (error) {
        case Error::BadHandle: bad_handle++; break;
        case Error::WrongType: wrong_type++; break;
        case Error::AccessDenied: denied++; break;
        default:
            other++;
            c.expect(false, "shutdown(%d): %s", static_cast<int>(h), name(error));
        }
    }
    const Handle outside[] = {-1, static_cast<Handle>(rvos::kMaxHandles), 1 << 30};
    for (Handle h : outside) {
        Error error = sys::shutdown(h);
        c.expect(error == Error::BadHandle, "shutdown(%d): %s", static_cast<int>(h), name(error));
    }
    // boot channel, stdout, both channel ends, memory, timer, process
    c.expect(wrong_type >= 7, "only %u handles of other kinds were refused as WrongType", wrong_type);
    printf("abi: shutdown: %zu handle numbers refused: %u bad handle, %u wrong type, %u access denied, %u other\n",
           rvos::kMaxHandles, bad_handle, wrong_type, denied, other);
    if (!sleeper.is_error()) {
        rvos::kill(sleeper.value());
        (void)rvos::wait_exit(sleeper.value());
    }
    return c.finish();
}

// ---- 9. time in the C library ----------------------------------------------------------------

int check_libc_time() {
    Check c("libctime");
    timespec before{}, after{};
    c.expect(clock_gettime(CLOCK_MONOTONIC, &before) == 0, "clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
    uint64_t kernel_before = sys::clock_ns();
    const long kSleeps[] = {1'000'000, 5'000'000, 20'000'000};
    for (long ns : kSleeps) {
        uint64_t start = sys::clock_ns();
        timespec request{0, ns};
        c.expect(nanosleep(&request, nullptr) == 0, "nanosleep(%ld ns): %s", ns, strerror(errno));
        uint64_t slept = sys::clock_ns() - start;
        printf("abi: libctime: nanosleep %ld us took %llu us\n", ns / 1000, static_cast<unsigned long long>(slept / 1000));
        c.expect(slept >= static_cast<uint64_t>(ns), "nanosleep(%ld ns) returned after %llu ns", ns,
                 static_cast<unsigned long long>(slept));
    }
    c.expect(clock_gettime(CLOCK_MONOTONIC, &after) == 0, "clock_gettime again");
    uint64_t elapsed = (after.tv_sec - before.tv_sec) * 1'000'000'000ull + after.tv_nsec - before.tv_nsec;
    uint64_t kernel_elapsed = sys::clock_ns() - kernel_before;
    c.expect(elapsed >= 26'000'000 && elapsed <= kernel_elapsed + 1'000'000,
             "CLOCK_MONOTONIC advanced %llu ns across 26 ms of sleeps (kernel clock: %llu)",
             static_cast<unsigned long long>(elapsed), static_cast<unsigned long long>(kernel_elapsed));
    timespec bad{0, 1'000'000'000};
    errno = 0;
    c.expect(nanosleep(&bad, nullptr) == -1 && errno == EINVAL, "nanosleep with tv_nsec of a second: errno %d", errno);
    return c.finish();
}

// ---- dispatch -------------------------------------------------------------------------------

struct Command {
    const char* name;
    int (*run)();
};
constexpr Command kChecks[] = {
    {"rights", check_rights},   {"transfer", check_transfer}, {"process", check_process},
    {"killcodes", check_kill_codes},
    {"readonly", check_readonly}, {"timeout", check_timeout},   {"timer", check_timer},
    {"message", check_message}, {"queue", check_queue},       {"starve", check_starve},
    {"shutdown", check_shutdown}, {"libctime", check_libc_time},
};
constexpr Command kHelpers[] = {
    {"rostore", rostore},         {"echo", echo}, {"queue-hold", queue_hold},
    {"queue-fill", queue_fill},   {"starve-hold", starve_hold}, {"starve-fill", starve_fill},
    {"starve-flood", starve_flood},
};

int sleep_forever() {
    Message message;  // init never sends on the boot channel unasked
    sys::chan_recv_wait(rvos::kBootHandle, message);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2) {
        for (const Command& command : kChecks)
            if (strcmp(argv[1], command.name) == 0) return command.run();
        for (const Command& command : kHelpers)
            if (strcmp(argv[1], command.name) == 0) return command.run();
        if (strcmp(argv[1], "sleep") == 0) return sleep_forever();
    }
    if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    printf("usage: abi <check>; checks:");
    for (const Command& command : kChecks) printf(" %s", command.name);
    printf("\n");
    return 2;
}
