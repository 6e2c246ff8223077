// fuzz: issues random syscalls with hostile arguments — null, unmapped,
// kernel, misaligned and straddling pointers; zero, huge and negative
// lengths; handles out of range, closed or of the wrong kind; capabilities
// that are not handles; messages whose length exceeds the payload. Seeded and
// reproducible: `run fuzz <seed> <count>`. The kernel must answer every call
// with a result or an error and never panic. Unknown syscall numbers kill
// the caller, so those are tried in children (`fuzz badnum <n>`).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/service.h"

using rvos::Error;
using rvos::Handle;
using rvos::Syscall;
namespace sys = rvos::sys;

namespace {

uint64_t state;
uint64_t next_random() {
    // xorshift64*: small, fast, reproducible from the seed.
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}
uint64_t below(uint64_t n) { return next_random() % n; }

alignas(16) uint8_t buffer[2 * rvos::kPageSize];

uint64_t hostile_pointer() {
    static const uint64_t kPointers[] = {
        0,
        8,
        0x1000,
        0x1000'0000,                      // the UART, mapped for the kernel only
        0x8000'0000,                      // OpenSBI
        0x8020'0000,                      // kernel text
        0x8700'0000,                      // kernel-owned RAM
        rvos::kUserBase,                  // our own (read-only) code
        0x5000'0000,                      // unmapped user space
        rvos::kUserStackTop - 8,          // straddles the top of the stack
        rvos::kUserStackTop - rvos::kUserStackSize - 8,  // straddles the guard page
        rvos::kUserEnd - 4,               // straddles the end of user space
        ~0ull,
        0x8000'0000'0000'0000ull,
    };
    switch (below(4)) {
    case 0: return kPointers[below(sizeof kPointers / sizeof kPointers[0])];
    case 1: return reinterpret_cast<uint64_t>(buffer) + below(sizeof buffer);  // valid, maybe misaligned
    case 2: return next_random();
    default: return reinterpret_cast<uint64_t>(buffer);
    }
}

// Pointers no user read can succeed through: a blocking wait may be handed
// these, but never readable memory, where stray bytes could name handles of
// ours that will never become readable (and the fuzzer would sleep forever).
uint64_t unreadable_pointer() {
    static const uint64_t kPointers[] = {
        0, 8, 0x1000, 0x1000'0000, 0x8000'0000, 0x8020'0000, 0x8700'0000, 0x5000'0000,
        rvos::kUserStackTop - rvos::kUserStackSize - 8,  // starts in the guard page
        rvos::kUserEnd - 4, ~0ull, 0x8000'0000'0000'0000ull,
    };
    return kPointers[below(sizeof kPointers / sizeof kPointers[0])];
}

uint64_t hostile_length() {
    static const uint64_t kLengths[] = {0, 1, 7, 64, 65, 4096, 1ull << 20, 1ull << 40, ~0ull, ~0ull - 4095,
                                        static_cast<uint64_t>(-1ll << 31)};
    return below(3) == 0 ? next_random() : kLengths[below(sizeof kLengths / sizeof kLengths[0])];
}

// Handles this process created, so most calls reach deep into the kernel.
Handle owned[48];
size_t owned_count = 0;

// Handles the fuzzer itself lives on (boot channel, console): never closed,
// sent away or written to, or the run could not report its result.
bool infrastructure[rvos::kMaxHandles];

void note_infrastructure() {
    rvos::Message probe;
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++)
        infrastructure[h] = sys::chan_recv(h, probe) != Error::BadHandle;
}

bool is_infrastructure(uint64_t handle) { return handle < rvos::kMaxHandles && infrastructure[handle]; }

uint64_t any_handle() {
    switch (below(4)) {
    case 0: return owned_count ? static_cast<uint64_t>(owned[below(owned_count)]) : 1;
    case 1: return below(80);         // in and out of range, closed or never opened
    case 2: return next_random();     // anything, negative included
    default: return static_cast<uint64_t>(-static_cast<int64_t>(below(4)));
    }
}

uint64_t hostile_handle() {
    for (;;) {
        uint64_t handle = any_handle();
        if (!is_infrastructure(handle)) return handle;
    }
}

void forget(Handle handle) {
    for (size_t i = 0; i < owned_count; i++)
        if (owned[i] == handle) owned[i--] = owned[--owned_count];
}

// A message with random header fields: lengths past the payload, caps that
// are not handles, non-zero reserved words.
void fill_message(rvos::Message& m) {
    for (size_t i = 0; i < sizeof m; i++) reinterpret_cast<uint8_t*>(&m)[i] = static_cast<uint8_t>(next_random());
    if (below(2)) m.len = static_cast<uint32_t>(below(rvos::kMessagePayload + 1));
    if (below(2)) m.reserved = 0;
    m.cap = below(3) ? rvos::kNoHandle : static_cast<Handle>(hostile_handle());
}

uint64_t calls = 0, failures = 0;

bool verbose = false;

int64_t call(Syscall number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    calls++;
    if (verbose) {
        printf("call %llu: %llu(%llx, %llx, %llx)\n", static_cast<unsigned long long>(calls),
               static_cast<unsigned long long>(number), static_cast<unsigned long long>(a0),
               static_cast<unsigned long long>(a1), static_cast<unsigned long long>(a2));
        fflush(stdout);
    }
    int64_t result = sys::raw_syscall(static_cast<uint64_t>(number), a0, a1, a2);
    if (result < 0) failures++;
    return result;
}

// One random call. Blocking calls only ever wait on a fresh channel made
// readable first (or an invalid handle), so the fuzzer never sleeps forever.
void fuzz_once() {
    switch (below(11)) {
    case 0: call(Syscall::GetPid); break;
    case 1: call(Syscall::Yield); break;
    case 2: {
        if (owned_count + 2 > sizeof owned / sizeof owned[0]) break;
        auto pair = sys::chan_create();
        calls++;
        if (pair.is_error()) failures++;
        else owned[owned_count++] = pair.value().a, owned[owned_count++] = pair.value().b;
        break;
    }
    case 3: {
        rvos::Message m;
        fill_message(m);
        if (below(2)) {
            memcpy(buffer, &m, sizeof m);
            int64_t r = call(Syscall::ChanSend, hostile_handle(), reinterpret_cast<uint64_t>(buffer));
            if (r == 0 && m.cap != rvos::kNoHandle) forget(m.cap);  // it moved
        } else {
            // Whatever a hostile pointer into the buffer reads, its cap is -1
            // (kNoHandle): only the message at the start is well-formed.
            memset(buffer, 0xff, sizeof buffer);
            m.cap = rvos::kNoHandle;
            memcpy(buffer, &m, sizeof m);
            call(Syscall::ChanSend, hostile_handle(), hostile_pointer());
        }
        break;
    }
    case 4: call(Syscall::ChanRecv, hostile_handle(), hostile_pointer()); break;
    case 5: {
        // Blocking receive on a fresh channel made readable first.
        auto pair = sys::chan_create();
        if (pair.is_error()) break;
        rvos::Message m{};
        sys::chan_send(pair.value().a, m);
        call(Syscall::ChanRecv, static_cast<uint64_t>(pair.value().b), hostile_pointer());
        sys::chan_close(pair.value().a);
        sys::chan_close(pair.value().b);
        break;
    }
    case 6: {
        uint64_t handle = hostile_handle();
        if (call(Syscall::HandleClose, handle) == 0) forget(static_cast<Handle>(handle));
        break;
    }
    case 7: {
        // Wait: the first entry is invalid or readable, the rest anything.
        // The rest of the buffer holds -1s, so a hostile pointer into it
        // finds no handle that could block.
        memset(buffer, 0xff, sizeof buffer);
        Handle* list = reinterpret_cast<Handle*>(buffer);
        auto pair = sys::chan_create();
        list[0] = -1;
        if (!pair.is_error() && below(2)) {
            rvos::Message m{};
            sys::chan_send(pair.value().a, m);
            list[0] = pair.value().b;
        }
        for (size_t k = 1; k < 8; k++) list[k] = static_cast<Handle>(hostile_handle());
        uint64_t count = below(2) ? 1 + below(8) : hostile_length();
        call(Syscall::Wait, below(4) ? reinterpret_cast<uint64_t>(list) : unreadable_pointer(), count);
        if (!pair.is_error()) {
            sys::chan_close(pair.value().a);
            sys::chan_close(pair.value().b);
        }
        break;
    }
    case 8: {
        uint64_t length = below(2) ? hostile_length() : (1 + below(4)) * rvos::kPageSize;
        int64_t address = call(Syscall::Mmap, length);
        if (address > 0) {
            call(Syscall::Munmap, static_cast<uint64_t>(address), hostile_length());
            sys::munmap(reinterpret_cast<void*>(address), length);  // give it all back
        }
        break;
    }
    case 9: call(Syscall::Munmap, hostile_pointer(), hostile_length()); break;
    default: call(Syscall::ProcessKill, hostile_handle()); break;
    }
}

// Unknown syscall numbers are faults: each must kill just the child.
int try_unknown_numbers() {
    constexpr uint64_t kFirstUnknown = rvos::kSyscallCount;
    static const uint64_t kNumbers[] = {kFirstUnknown, kFirstUnknown + 1, 64, 999, 1ull << 32, ~0ull};
    int killed = 0;
    for (uint64_t number : kNumbers) {
        char args[32];
        snprintf(args, sizeof args, "badnum %llu", static_cast<unsigned long long>(number));
        auto child = rvos::spawn("fuzz", args);
        if (child.is_error()) {
            printf("fuzz: spawn: %s\n", rvos::error_name(child.error()));
            continue;
        }
        auto status = rvos::wait_exit(child.value());
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Fault) killed++;
    }
    printf("fuzz: %d of %zu unknown syscall numbers killed only the caller\n", killed,
           sizeof kNumbers / sizeof kNumbers[0]);
    return killed == sizeof kNumbers / sizeof kNumbers[0];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "badnum") == 0) {
        sys::raw_syscall(strtoull(argv[2], nullptr, 10));
        return 0;  // not reached: the kernel kills us
    }
    uint64_t seed = argc > 1 ? strtoull(argv[1], nullptr, 10) : 1;
    uint64_t count = argc > 2 ? strtoull(argv[2], nullptr, 10) : 10000;
    verbose = argc > 3 && strcmp(argv[3], "verbose") == 0;
    printf("fuzz: seed %llu, %llu calls\n", static_cast<unsigned long long>(seed), static_cast<unsigned long long>(count));
    fflush(stdout);  // the console connection exists from here on
    note_infrastructure();
    state = seed * 0x9E3779B97F4A7C15ull + 1;
    while (calls < count) fuzz_once();
    // Close everything the run left open, including capabilities it
    // received without tracking them.
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++)
        if (!is_infrastructure(static_cast<uint64_t>(h))) sys::chan_close(h);
    printf("fuzz: %llu calls made, %llu refused with an error, kernel still up\n",
           static_cast<unsigned long long>(calls), static_cast<unsigned long long>(failures));
    bool unknown_ok = try_unknown_numbers();
    return unknown_ok ? 0 : 1;
}
