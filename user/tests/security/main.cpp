// security: a process gets nowhere it was not given a capability for. Each
// check prints "security: <check>: ok" or "... FAILED (<detail>)":
//   handles      handle numbers never given, closed or sent away are refused
//   sender       the kernel writes sender_pid; it cannot be forged
//   names        nobody can take over a served name
//   kill         only a process handle from spawn can end a process
//   kernel       loads and stores to kernel memory, OpenSBI and MMIO kill
//                only the program doing them
//   pointers     syscalls given kernel, MMIO or read-only pointers fail
//                with BadAddress and lose nothing
//   unmap        munmap cannot take away the program's code or stack
//   stale        an unmapped page is gone at once (no stale TLB entry, and
//                no stale translation in the kernel's copies)
//   forge        ... so its frame, reused as a page table, is not writable
//   isolation    another process's memory is unreachable at the same address
// Exit status 0 if every check passed. The checks run children:
// `security kread|kwrite|sbi|mmio|forger|unmapstack|stale|forge|peek <addr>`.
// `security cycle` is separate (it leaks today): two channels that hold
// each other's far ends, then every handle closed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/protocol.h"
#include "rvos/fs.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
using rvos::Message;
using testkit::channels_in_use;
namespace sys = rvos::sys;

namespace {

constexpr uint64_t kKernelText = 0x8020'0000;
constexpr uint64_t kKernelRam = 0x8700'0000;
constexpr uint64_t kOpenSbi = 0x8000'0000;
constexpr uint64_t kUart = 0x1000'0000;
constexpr uint64_t kSecret = 0x5ec7'e7ab'1e5e'c7e7ull;
constexpr int kSawSecret = 7;

int failures = 0;

void report(const char* check, bool ok, const char* detail = "") {
    if (ok) {
        printf("security: %s: ok\n", check);
    } else {
        failures++;
        printf("security: %s: FAILED (%s)\n", check, detail);
    }
}

Message small_message() {
    Message message;
    message = Message::of(1).put(42);
    return message;
}

int64_t raw(rvos::Syscall number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
            uint64_t a4 = 0, uint64_t a5 = 0) {
    return sys::raw_syscall(static_cast<uint64_t>(number), a0, a1, a2, a3, a4, a5);
}
constexpr int64_t refused(Error e) { return -static_cast<int64_t>(e); }

// Runs `security <args>` and returns its exit status (-1 if it did not run).
int32_t run_child(const char* args) { return testkit::run_child("security", args); }

// ---- handles ------------------------------------------------------------------

// Done first, before anything (printf included) has opened a handle: every
// number but 0 (the boot channel) was never given to this process.
int never_given_refused() {
    Message message = small_message();
    int accepted = 0;
    for (uint64_t h = 1; h < rvos::kMaxHandles; h++) {
        accepted += raw(rvos::Syscall::ChanSend, h, reinterpret_cast<uint64_t>(message.data), message.len) !=
                    refused(Error::BadHandle);
        accepted += raw(rvos::Syscall::ChanRecv, h, reinterpret_cast<uint64_t>(message.data), sizeof message.data) !=
                    refused(Error::BadHandle);
        accepted += raw(rvos::Syscall::HandleClose, h) != refused(Error::BadHandle);
    }
    const uint64_t out_of_range[] = {rvos::kMaxHandles, 1000, uint64_t{1} << 31, ~uint64_t{0}};
    for (uint64_t h : out_of_range) {
        accepted += raw(rvos::Syscall::ChanSend, h, reinterpret_cast<uint64_t>(message.data), message.len) !=
                    refused(Error::BadHandle);
        accepted += raw(rvos::Syscall::HandleClose, h) != refused(Error::BadHandle);
    }
    return accepted;
}

void check_handles(int accepted_before_start) {
    char detail[64];
    snprintf(detail, sizeof detail, "%d calls on never-given handles accepted", accepted_before_start);
    bool ok = accepted_before_start == 0;
    // A closed handle is dead.
    auto pair = sys::chan_create();
    if (pair.is_error()) return report("handles", false, "chan_create");
    Handle a = pair.value().a, b = pair.value().b;
    sys::chan_close(a);
    if (sys::chan_send(a, small_message()) != Error::BadHandle) ok = false, snprintf(detail, sizeof detail, "closed handle still sends");
    // A capability sent away is no longer the sender's.
    auto other = sys::chan_create();
    if (other.is_error()) return report("handles", false, "chan_create");
    Handle c = other.value().a, d = other.value().b;
    auto carrier = sys::chan_create();
    if (carrier.is_error()) return report("handles", false, "chan_create");
    Message with_cap = small_message();
    with_cap.cap = c;
    if (sys::chan_send(carrier.value().a, with_cap) != Error::None) ok = false, snprintf(detail, sizeof detail, "cap send failed");
    else if (sys::chan_send(c, small_message()) != Error::BadHandle) ok = false, snprintf(detail, sizeof detail, "sent-away handle still works");
    const Handle mine[] = {b, d, carrier.value().a, carrier.value().b};
    for (Handle h : mine) sys::chan_close(h);
    report("handles", ok, detail);
}

// ---- sender_pid -------------------------------------------------------------------

// `security forger`: connects to the parent's probe service and sends a
// message that claims to come from init (pid 1).
int forger() {
    auto probe = rvos::connect("secprobe");
    if (probe.is_error()) return 1;
    Message message = small_message();
    message.sender_pid = 1;
    return probe.value().send(message) == Error::None ? 0 : 1;
}

void check_sender() {
    // On our own channel.
    auto pair = sys::chan_create();
    if (pair.is_error()) return report("sender", false, "chan_create");
    Message forged = small_message(), got;
    forged.sender_pid = 12345;
    bool local = sys::chan_send(pair.value().a, forged) == Error::None &&
                 sys::chan_recv(pair.value().b, got) == Error::None && got.sender_pid == sys::getpid();
    sys::chan_close(pair.value().a);
    sys::chan_close(pair.value().b);
    // From another process, through a service we offer.
    bool remote = false;
    uint32_t seen = 0, child_pid = 0;
    auto listen = rvos::register_service("secprobe");
    if (!listen.is_error()) {
        auto child = rvos::spawn("security", "forger");
        if (!child.is_error()) {
            child_pid = child.value().pid;
            auto status = rvos::wait_exit(child.value());  // everything it sent is queued by now
            Message hello;
            if (!status.is_error() && testkit::summary(status.value()) == 0 && listen.value().receive(hello) == Error::None &&
                hello.cap != rvos::kNoHandle) {
                rvos::Channel client(hello.cap);
                if (client.receive(got) == Error::None) seen = got.sender_pid;
                remote = seen == child_pid;
            }
        }
    }
    char detail[80];
    snprintf(detail, sizeof detail, "local %s, remote: sender_pid %u for child pid %u", local ? "ok" : "forged", seen,
             child_pid);
    report("sender", local && remote, detail);
}

// ---- names ----------------------------------------------------------------------

void check_names() {
    bool ok = true;
    char detail[64] = "";
    static const char* const kServed[] = {"fs", "stdio", "sysinfo", "math"};
    for (const char* name : kServed) {
        auto taken = rvos::register_service(name);
        Error error = taken.is_error() ? taken.error() : Error::None;
        if (error != Error::AlreadyExists) {
            ok = false;
            snprintf(detail, sizeof detail, "registering %s: %s", name, rvos::error_name(error));
        }
    }
    static const char* const kInvalid[] = {"", "two words", "tab\tname"};
    for (const char* name : kInvalid) {
        auto bad = rvos::register_service(name);
        if (!bad.is_error() || bad.error() != Error::BadArgument) {
            ok = false;
            snprintf(detail, sizeof detail, "invalid name '%s' accepted", name);
        }
    }
    report("names", ok, detail);
}

// ---- kill -----------------------------------------------------------------------------

void check_kill() {
    auto pair = sys::chan_create();
    if (pair.is_error()) return report("kill", false, "chan_create");
    bool ok = sys::process_kill(rvos::kBootHandle) == Error::WrongType &&  // init is no process handle
              sys::process_kill(pair.value().a) == Error::WrongType &&     // nor is a plain channel
              sys::process_kill(40) == Error::BadHandle && sys::process_kill(-1) == Error::BadHandle;
    sys::chan_close(pair.value().a);
    sys::chan_close(pair.value().b);
    // The services are all still there.
    auto math = rvos::connect("math");
    report("kill", ok && !math.is_error(), "a non-process handle ended something");
}

// ---- kernel memory ------------------------------------------------------------------------

void check_kernel_memory() {
    bool ok = true;
    char detail[80] = "";
    static const char* const kModes[] = {"kread", "kwrite", "sbi", "mmio"};
    for (const char* mode : kModes) {
        int32_t status = run_child(mode);
        if (status != testkit::kFault) {
            ok = false;
            snprintf(detail, sizeof detail, "security %s exited with status %d", mode, static_cast<int>(status));
        }
    }
    report("kernel", ok, detail);
}

// ---- pointers -----------------------------------------------------------------------------

void check_pointers() {
    auto pair = sys::chan_create();
    if (pair.is_error()) return report("pointers", false, "chan_create");
    uint64_t a = static_cast<uint64_t>(pair.value().a), b = static_cast<uint64_t>(pair.value().b);
    int wrong = 0;
    const uint64_t unreadable[] = {kKernelText, kKernelRam, kOpenSbi, kUart, 0};
    for (uint64_t bad : unreadable) {
        wrong += raw(rvos::Syscall::ChanSend, a, bad, 16) != refused(Error::BadAddress);
        wrong += raw(rvos::Syscall::ChanSend, a, reinterpret_cast<uint64_t>(&a), 8, bad, 1) != refused(Error::BadAddress);
    }
    // A message waits; receiving it into memory we may not write fails and
    // leaves it queued.
    Message sent = small_message(), got;
    sys::chan_send(pair.value().a, sent);
    uint64_t own_code = reinterpret_cast<uint64_t>(&check_pointers);
    const uint64_t unwritable[] = {kKernelText, kKernelRam, kUart, own_code, 0};
    for (uint64_t bad : unwritable) {
        wrong += raw(rvos::Syscall::ChanRecv, b, bad, 64, 0, 0, rvos::kDeadlineNow) != refused(Error::BadAddress);
        wrong += raw(rvos::Syscall::ChanRecv, b, bad, 64, 0, 0, rvos::kDeadlineNever) != refused(Error::BadAddress);
        wrong += raw(rvos::Syscall::ChanRecv, b, reinterpret_cast<uint64_t>(got.data), 64, bad, 1,
                     rvos::kDeadlineNow) != refused(Error::BadAddress);
    }
    bool kept = sys::chan_recv(pair.value().b, got) == Error::None && got.len == sent.len &&
                memcmp(got.data, sent.data, sent.len) == 0;
    // wait() reads its handle list from user memory too.
    wrong += raw(rvos::Syscall::Wait, kKernelText, 1) != refused(Error::BadAddress);
    sys::chan_close(pair.value().a);
    sys::chan_close(pair.value().b);
    char detail[64];
    snprintf(detail, sizeof detail, "%d calls not refused with bad address, message %s", wrong, kept ? "kept" : "LOST");
    report("pointers", wrong == 0 && kept, detail);
}

// ---- unmap ----------------------------------------------------------------------------------

// `security unmapstack`: asks to unmap the page its own stack is on; exits
// 0 if that is refused (if it is not, returning faults).
int unmap_own_stack() {
    volatile int on_stack = 1;
    uint64_t stack = reinterpret_cast<uint64_t>(&on_stack) & ~uint64_t{rvos::kPageSize - 1};
    bool refused_it = raw(rvos::Syscall::Munmap, stack, rvos::kPageSize) == refused(Error::BadArgument);
    on_stack = 2;
    return refused_it && on_stack == 2 ? 0 : 1;
}

void check_unmap() {
    uint64_t code = reinterpret_cast<uint64_t>(&check_unmap) & ~uint64_t{rvos::kPageSize - 1};
    bool code_kept = raw(rvos::Syscall::Munmap, code, rvos::kPageSize) == refused(Error::BadArgument);
    bool kernel_kept = raw(rvos::Syscall::Munmap, kKernelText, rvos::kPageSize) == refused(Error::BadArgument);
    int32_t stack_status = run_child("unmapstack");
    char detail[80];
    snprintf(detail, sizeof detail, "code %s, kernel %s, stack: child status %d", code_kept ? "kept" : "UNMAPPED",
             kernel_kept ? "kept" : "UNMAPPED", static_cast<int>(stack_status));
    report("unmap", code_kept && kernel_kept && stack_status == 0, detail);
}

// ---- stale mappings ---------------------------------------------------------------------------

// After munmap the page must be gone at once. `security stale` maps two
// pages just below a 2 MiB boundary with one more page above them, touches
// the two, unmaps them and maps three pages: too many for the hole (mmap
// is first fit), so they go past the boundary, and the kernel reuses the
// two freed frames for the first of them and for its new page-table page.
// Then it reads the old address (exit 8 if that works); before that, the
// kernel must refuse the old address too, although a syscall had used the
// page just before it went (exit 10 if a send from it or a receive into it
// works: the kernel keeps the last page it translated). `security forge`
// goes further: if the old address still reaches the freed frame (a TLB
// entry nobody flushed), the new page table is writable from user mode, so
// it writes a PTE that maps kernel text with the U bit and reads the kernel
// through it (exit 9).
constexpr int kStaleRead = 8, kKernelRead = 9, kStaleCopy = 10;

int stale_mapping(bool forge) {
    constexpr uint64_t kRegion = 2 * 1024 * 1024;
    auto first = sys::mmap(rvos::kPageSize);
    if (first.is_error()) return 1;
    uint64_t next = reinterpret_cast<uint64_t>(first.value()) + rvos::kPageSize;
    uint64_t boundary = (next + 3 * rvos::kPageSize + kRegion - 1) / kRegion * kRegion;
    if (boundary - 3 * rvos::kPageSize > next && sys::mmap(boundary - 3 * rvos::kPageSize - next).is_error()) return 1;
    auto pair = sys::mmap(2 * rvos::kPageSize);
    if (pair.is_error() || reinterpret_cast<uint64_t>(pair.value()) != boundary - 3 * rvos::kPageSize) return 1;
    if (sys::mmap(rvos::kPageSize).is_error()) return 1;  // keeps the hole the pair leaves at two pages
    auto* old = static_cast<volatile uint64_t*>(pair.value());
    old[0] = 1;
    old[rvos::kPageSize / 8] = 1;
    auto channel = sys::chan_create();
    if (channel.is_error()) return 1;
    uint64_t a = static_cast<uint64_t>(channel.value().a), b = static_cast<uint64_t>(channel.value().b);
    uint64_t old_address = reinterpret_cast<uint64_t>(pair.value());
    if (raw(rvos::Syscall::ChanSend, a, old_address, 8) != 0) return 1;  // the kernel reads the page
    sys::munmap(pair.value(), 2 * rvos::kPageSize);
    auto past = sys::mmap(3 * rvos::kPageSize);  // at the boundary: a new page-table page
    if (past.is_error() || reinterpret_cast<uint64_t>(past.value()) != boundary) return 1;
    if (!forge) {
        if (raw(rvos::Syscall::ChanSend, a, old_address, 8) != refused(Error::BadAddress) ||
            raw(rvos::Syscall::ChanRecv, b, old_address, 64, 0, 0, rvos::kDeadlineNow) != refused(Error::BadAddress)) {
            printf("security: stale: the kernel still copies to or from an unmapped page\n");
            return kStaleCopy;
        }
        uint64_t seen = old[0];  // must fault
        printf("security: stale: an unmapped page still reads: 0x%llx\n", static_cast<unsigned long long>(seen));
        return kStaleRead;
    }
    // old[] is now the page table for [boundary, boundary + 2 MiB).
    constexpr uint64_t kPteUserRead = 0x1 | 0x2 | 0x10 | 0x40 | 0x80;  // V R U A D
    old[1] = (kKernelText >> 12) << 10 | kPteUserRead;  // must fault
    uint32_t word = *reinterpret_cast<volatile uint32_t*>(boundary + rvos::kPageSize);
    printf("security: forge: read kernel text at 0x%llx through a forged page-table entry: 0x%08x\n",
           static_cast<unsigned long long>(kKernelText), static_cast<unsigned>(word));
    return kKernelRead;
}

void check_stale() {
    static const char* const kModes[] = {"stale", "forge"};
    for (const char* mode : kModes) {
        int32_t status = run_child(mode);
        char detail[64];
        snprintf(detail, sizeof detail, "security %s exited with status %d", mode, static_cast<int>(status));
        report(mode, status == testkit::kFault, detail);
    }
}

// ---- isolation -------------------------------------------------------------------------------

// The same virtual address in another process is that process's own memory.
volatile uint64_t secret = 0;

// `security peek <address>`: reads the address in this process's space
// (faulting if it is not mapped here) and overwrites it.
int peek(uint64_t address) {
    auto* word = reinterpret_cast<volatile uint64_t*>(address);
    bool saw = *word == kSecret;
    *word = 0;
    return saw ? kSawSecret : 0;
}

void check_isolation() {
    secret = kSecret;
    auto page = sys::mmap(rvos::kPageSize);
    if (page.is_error()) return report("isolation", false, "mmap");
    auto* mapped = static_cast<volatile uint64_t*>(page.value());
    *mapped = kSecret;
    bool ok = true;
    char detail[80] = "";
    const uint64_t addresses[] = {reinterpret_cast<uint64_t>(&secret), reinterpret_cast<uint64_t>(mapped)};
    for (uint64_t address : addresses) {
        char args[40];
        snprintf(args, sizeof args, "peek %llu", static_cast<unsigned long long>(address));
        int32_t status = run_child(args);
        // Its own copy (exit 0) or nothing mapped there (fault): both fine.
        if (status != 0 && status != testkit::kFault) {
            ok = false;
            snprintf(detail, sizeof detail, "child read 0x%llx: status %d", static_cast<unsigned long long>(address),
                     static_cast<int>(status));
        }
    }
    if (secret != kSecret || *mapped != kSecret) ok = false, snprintf(detail, sizeof detail, "our memory changed");
    sys::munmap(page.value(), rvos::kPageSize);
    report("isolation", ok, detail);
}

// ---- fresh pages ---------------------------------------------------------------------------------

// Where the loaded text and read-only data end (linker/user.ld): the rest
// of each one's last page is no part of the image, and must be zero.
extern "C" const char __text_end[], __rodata_end[];

// `security dirty`: fills many pages with a pattern and exits. Its pages
// are freed in address order, these after its image, so they are the
// first the next program's image is made of.
int dirty() {
    constexpr size_t kBytes = 256 * rvos::kPageSize;
    auto pages = sys::mmap(kBytes);
    if (pages.is_error()) return 1;
    memset(pages.value(), 0xA5, kBytes);
    return 0;
}

// `security clean`: 0 if the rest of its text's and read-only data's last
// pages are zero, kSawSecret if any byte there is not.
int clean() {
    const char* const ends[] = {__text_end, __rodata_end};
    for (const char* end : ends) {
        auto* byte = reinterpret_cast<const volatile uint8_t*>(end);
        for (; reinterpret_cast<uintptr_t>(byte) % rvos::kPageSize; byte++)
            if (*byte) return kSawSecret;
    }
    return 0;
}

// A new program's pages hold its image and zeroes, never what a program
// before it left in the same frames.
void check_fresh() {
    int32_t dirtied = run_child("dirty");
    int32_t status = run_child("clean");
    char detail[64];
    snprintf(detail, sizeof detail, "dirty exited %d, clean exited %d", static_cast<int>(dirtied),
             static_cast<int>(status));
    report("fresh", dirtied == 0 && status == 0, detail);
}

// ---- capability cycle ------------------------------------------------------------------------

// Channel 1's far end is queued on channel 2, and channel 2's far end on
// channel 1; then the process closes every handle it has to either and
// exits. Reference counting alone would keep both channels forever; the
// kernel collects such cycles when a process exits (and whenever the
// channel table runs short).
int build_cycle() {
    auto one = sys::chan_create();
    auto two = sys::chan_create();
    if (one.is_error() || two.is_error()) return 1;
    Message m1 = small_message(), m2 = small_message();
    m1.cap = two.value().a;  // queued at one.b
    m2.cap = one.value().b;  // queued at two.a
    Error e1 = sys::chan_send(one.value().a, m1);
    Error e2 = sys::chan_send(two.value().b, m2);
    sys::chan_close(one.value().a);
    sys::chan_close(two.value().b);
    return e1 == Error::None && e2 == Error::None ? 0 : 1;
}

int capability_cycle() {
    // Spawning reads /bin/security: the connection to the file server that
    // takes (kept for the program's life) is made before the count.
    (void)rvos::fs::stat("/bin");
    uint32_t before = channels_in_use();
    auto child = rvos::spawn("security", "cyclechild");
    int32_t status = -1;
    if (!child.is_error()) {
        auto exited = rvos::wait_exit(child.value());
        if (!exited.is_error()) status = testkit::summary(exited.value());
        child.value().process.close();  // its process handle is a channel too
    }
    // The child's boot channel goes when init, woken by its close, drops its
    // end; which of init and sysinfo runs first is the scheduler's choice,
    // so give init its turn (a yield lets every ready task go first). A
    // leaked cycle stays however long this waits.
    uint32_t after = channels_in_use();
    for (int i = 0; i < 100 && after != before; i++) {
        sys::yield();
        after = channels_in_use();
    }
    const char* sent = status == 0 ? "ok" : "FAILED";
    printf("security: capability cycle (sends: %s, %s): channels in use %u before, %u after closing\n", sent, sent,
           before, after);
    report("cycle", status == 0 && after == before, "channels leaked");
    return status == 0 && after == before ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "kread") == 0) return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(kKernelText));
    if (argc == 2 && strcmp(argv[1], "kwrite") == 0) return *reinterpret_cast<volatile uint64_t*>(kKernelRam) = 0, 0;
    if (argc == 2 && strcmp(argv[1], "sbi") == 0) return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(kOpenSbi));
    if (argc == 2 && strcmp(argv[1], "mmio") == 0) return *reinterpret_cast<volatile uint8_t*>(kUart) = '!', 0;
    if (argc == 3 && strcmp(argv[1], "peek") == 0) return peek(strtoull(argv[2], nullptr, 10));
    if (argc == 2 && strcmp(argv[1], "forger") == 0) return forger();
    if (argc == 2 && strcmp(argv[1], "unmapstack") == 0) return unmap_own_stack();
    if (argc == 2 && strcmp(argv[1], "stale") == 0) return stale_mapping(false);
    if (argc == 2 && strcmp(argv[1], "forge") == 0) return stale_mapping(true);
    if (argc == 2 && strcmp(argv[1], "cycle") == 0) return capability_cycle();
    if (argc == 2 && strcmp(argv[1], "dirty") == 0) return dirty();
    if (argc == 2 && strcmp(argv[1], "clean") == 0) return clean();
    if (argc == 2 && strcmp(argv[1], "cyclechild") == 0) return build_cycle();

    int accepted = never_given_refused();  // before printf opens the console
    check_handles(accepted);
    check_sender();
    check_names();
    check_kill();
    check_kernel_memory();
    check_pointers();
    check_unmap();
    check_stale();
    check_isolation();
    check_fresh();
    printf("security: %d checks failed\n", failures);
    return failures ? 1 : 0;
}
