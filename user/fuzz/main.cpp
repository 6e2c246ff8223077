// fuzz: the syscall fuzzer. `run fuzz <seed> <count>` makes <count> random
// syscalls, each picked uniformly from rvos::kSyscallInfo (lib/abi/
// syscalls.h) and each argument generated from its shape letter: handles
// from a pool of the fuzzer's own objects mixed with hostile numbers;
// kernel, unmapped, misaligned and straddling pointers mixed with valid
// buffers; lengths around every limit; rights with invalid bits; deadlines
// that never block for long; random values. A syscall added to the table is
// fuzzed without a line changed here (a shape letter without a generator
// fails the build). The kernel must answer every call with a result or an
// error and never panic, hang or leak.
//
// Exit is made by short-lived children (`fuzz child <code> <ms>`), whose
// exit code the parent checks; unknown syscall numbers kill the caller, so
// those are tried in children too (`fuzz badnum <n>`). Reproducible from the
// seed, up to what timing decides (whether a child ended, a wait timed out).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/fs.h"
#include "rvos/service.h"

using rvos::Error;
using rvos::Handle;
using rvos::Syscall;
namespace sys = rvos::sys;

namespace {

// ---- Argument shapes ---------------------------------------------------------
// h handle, p user pointer, n length/count, r rights, d deadline, v value.
constexpr const char kShapeLetters[] = "hpnrdv";
constexpr size_t kMaxArgs = 6;  // a0..a5

constexpr bool has_generator(char letter) {
    for (const char* l = kShapeLetters; *l; l++)
        if (*l == letter) return true;
    return false;
}

constexpr bool every_shape_has_a_generator() {
    for (const rvos::SyscallInfo& info : rvos::kSyscallInfo) {
        size_t n = 0;
        for (const char* a = info.args; *a; a++, n++)
            if (!has_generator(*a) || n >= kMaxArgs) return false;
    }
    return true;
}
static_assert(every_shape_has_a_generator(),
              "a syscall in lib/abi/syscalls.h has an argument shape the fuzzer cannot generate (or > 6 args)");

constexpr uint64_t number_of(Syscall s) { return static_cast<uint64_t>(s); }

// ---- Randomness -----------------------------------------------------------------
uint64_t state;
uint64_t next_random() {
    // xorshift64*: small, fast, reproducible from the seed.
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}
uint64_t below(uint64_t n) { return next_random() % n; }
template <typename T, size_t N> T pick(const T (&list)[N]) { return list[below(N)]; }

bool verbose = false;

// ---- Memory the kernel may read and write ------------------------------------------
// Every valid pointer the fuzzer hands out lands in the first kReach bytes
// of this arena, and the most the kernel writes through one is a message
// (kMaxMessageBytes), so no kernel write can reach the fuzzer's own state.
constexpr size_t kReach = 3 * rvos::kPageSize;
alignas(4096) uint8_t arena[kReach + rvos::kMaxMessageBytes + rvos::kPageSize];
// A handle list for sends (refreshed from the pool when handed out) and
// wait items (refreshed likewise), inside the reach.
Handle* const handle_list = reinterpret_cast<Handle*>(arena + 2 * rvos::kPageSize);
constexpr size_t kHandleListLength = rvos::kMaxMessageHandles + 4;
rvos::WaitItem* const wait_items = reinterpret_cast<rvos::WaitItem*>(arena + 2 * rvos::kPageSize + 256);
constexpr size_t kWaitItemsLength = rvos::kMaxWaitItems + 4;
static_assert(256 + kWaitItemsLength * sizeof(rvos::WaitItem) <= rvos::kPageSize, "both lists fit the third page");

// Regions this process mapped with mmap (start, length) and mem_map
// (start); only these may be unmapped. Kept few, so memory keeps flowing.
struct Region {
    uint64_t start;
    uint64_t length;  // 0: a shared mapping (unmapped by its start alone)
};
constexpr size_t kMaxRegions = 6;
Region regions[2 * kMaxRegions];
size_t region_count = 0;

// ---- Handles ---------------------------------------------------------------------
// The pool: every handle this process holds except the reserved ones, in
// the order it learnt of them. `reserved`: the handles the fuzzer lives on
// (boot channel, console connection: `infrastructure`) and the keepers of
// its children's process handles. Reserved handles are only ever passed to
// calls that cannot change them (info, duplicate, wait, and calls on other
// kinds of objects).
Handle pool[rvos::kMaxHandles];
size_t pool_count = 0;
constexpr size_t kPoolLimit = 56;  // beyond this the fuzzer closes some: churn, and room to spawn
bool infrastructure[rvos::kMaxHandles];
bool reserved[rvos::kMaxHandles];

bool is_reserved(uint64_t handle) { return handle < rvos::kMaxHandles && reserved[handle]; }

bool in_pool(Handle handle) {
    for (size_t i = 0; i < pool_count; i++)
        if (pool[i] == handle) return true;
    return false;
}

// What each pool handle names (rvos::ObjectKind), learnt when it joins.
uint8_t kind_of[rvos::kMaxHandles];

void pool_add(Handle handle) {
    if (handle < 0 || static_cast<size_t>(handle) >= rvos::kMaxHandles || reserved[handle] || in_pool(handle)) return;
    auto info = sys::handle_info(handle);
    kind_of[handle] = info.is_error() ? 0 : static_cast<uint8_t>(info.value().kind);
    pool[pool_count++] = handle;
}

void forget(uint64_t handle) {
    for (size_t i = 0; i < pool_count; i++)
        if (static_cast<uint64_t>(pool[i]) == handle) pool[i--] = pool[--pool_count];
}

// Learns the handle table again from the kernel: after calls that move or
// create handles whose numbers the fuzzer cannot see (a receive into a
// hostile buffer, a send of a list it did not prepare).
uint64_t resyncs = 0;
void resync() {
    resyncs++;
    pool_count = 0;
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++) {
        if (reserved[h]) continue;
        auto info = sys::handle_info(h);
        if (info.is_error()) continue;
        kind_of[h] = static_cast<uint8_t>(info.value().kind);
        pool[pool_count++] = h;
    }
}

size_t handles_in_use() {
    size_t n = pool_count;
    for (bool r : reserved) n += r;
    return n;
}

// ---- Children ------------------------------------------------------------------------
// Short-lived children: their process handles join the pool (to be killed,
// queried, waited on, duplicated, sent, closed), and a keeper duplicate of
// each lets the fuzzer see how it ended. A child that exits makes the Exit
// syscall with a fuzzed code, which must come back intact.
struct Child {
    Handle keeper;
    int32_t code;
};
constexpr size_t kMaxChildren = 2;
constexpr uint64_t kSpawnOdds = 256;  // one call in this many tries to start a child
Child children[kMaxChildren];
size_t child_count = 0;
uint64_t spawned = 0, exited = 0, killed = 0, wrong_code = 0, spawn_refused = 0;  // exited: with its code

// ---- Statistics ----------------------------------------------------------------------
struct Stat {
    uint64_t calls;
    uint64_t refused;
};
Stat stats[rvos::kSyscallCount];
// Per syscall and argument: the kinds of object a handle argument named in
// calls that succeeded (bit ObjectKind).
uint32_t good_kinds[rvos::kSyscallCount][kMaxArgs];
uint64_t fuzzed = 0;  // calls this process made (the run's length)

// ---- Generators, one per shape letter -----------------------------------------------

uint64_t hostile_pointer() {
    static const uint64_t kPointers[] = {
        0,
        8,
        0x1000,
        0x1000'0000,                                     // the UART, mapped for the kernel only
        0x8000'0000,                                     // OpenSBI
        0x8020'0000,                                     // kernel text
        0x8700'0000,                                     // kernel-owned RAM
        rvos::kUserBase,                                 // our own (read-only) code
        rvos::kUserBase + 3,                             // ... misaligned
        0x5000'0000,                                     // unmapped user space
        rvos::kSharedBase - rvos::kPageSize,             // the end of the mmap area, unmapped
        rvos::kUserStackTop - 8,                         // straddles the top of the stack
        rvos::kUserStackTop - rvos::kUserStackSize - 8,  // straddles the guard page
        rvos::kUserEnd - 4,                              // straddles the end of user space
        ~0ull,
        ~0ull - 4095,
        0x8000'0000'0000'0000ull,
        0x0000'0040'0000'0000ull,                        // beyond Sv39
    };
    return pick(kPointers);
}

uint64_t generate_handle(bool reserved_ok, bool sane = false, uint32_t kinds = 0);

// Sane: distinct handles of the pool only (until it runs out), so sends
// that carry handles get through; otherwise hostile numbers mixed in.
void prepare_handle_list(bool sane) {
    size_t taken = 0;
    for (size_t i = 0; i < kHandleListLength; i++) {
        if (sane && taken < pool_count) {
            size_t k = taken + below(pool_count - taken);  // a partial shuffle of the pool
            Handle h = pool[k];
            pool[k] = pool[taken];
            pool[taken++] = h;
            handle_list[i] = h;
        } else {
            handle_list[i] = static_cast<Handle>(below(4) ? generate_handle(false) : ~0ull);
        }
    }
}

void prepare_wait_items(bool sane) {
    static const rvos::Signals kWanted[] = {rvos::kSignalReadable, rvos::kSignalPeerClosed, rvos::kSignalExited,
                                            rvos::kSignalFired,    0xf,                     0};
    for (size_t i = 0; i < kWaitItemsLength; i++) {
        wait_items[i].handle = static_cast<Handle>(sane && pool_count ? pool[below(pool_count)] : generate_handle(true));
        wait_items[i].wanted = sane || below(8) ? pick(kWanted) : static_cast<rvos::Signals>(next_random());
        wait_items[i].observed = static_cast<rvos::Signals>(next_random());
    }
}

uint64_t generate_pointer(bool sane) {
    if (sane) {
        switch (below(4)) {
        case 0: return reinterpret_cast<uint64_t>(arena) + 8 * below(kReach / 8);
        case 1: prepare_handle_list(true); return reinterpret_cast<uint64_t>(handle_list);
        case 2: prepare_wait_items(true); return reinterpret_cast<uint64_t>(wait_items);
        default: return region_count ? regions[below(region_count)].start : reinterpret_cast<uint64_t>(arena);
        }
    }
    switch (below(10)) {
    case 0:
    case 1: return hostile_pointer();
    case 2: return reinterpret_cast<uint64_t>(arena) + below(kReach);  // valid, maybe misaligned
    case 3: return reinterpret_cast<uint64_t>(arena);
    case 4: prepare_handle_list(false); return reinterpret_cast<uint64_t>(handle_list);
    case 5: prepare_wait_items(false); return reinterpret_cast<uint64_t>(wait_items + below(2));
    case 6:
    case 7:
        if (region_count) {
            const Region& r = regions[below(region_count)];
            switch (below(3)) {
            case 0: return r.start;
            case 1: return r.length ? r.start + r.length - 1 - below(16) : r.start + below(rvos::kPageSize);
            default: return r.start + below(2 * rvos::kPageSize);
            }
        }
        return reinterpret_cast<uint64_t>(arena);
    case 8: return next_random();
    default: return rvos::kUserStackTop - 1 - below(16);  // straddles the top of the stack
    }
}

uint64_t generate_length(bool sane) {
    static const uint64_t kLengths[] = {
        0, 1, 2, 4, 7, 12, 16, 64, 65, 80, rvos::kPageSize, rvos::kPageSize + 1,
        rvos::kMaxMessageBytes, rvos::kMaxMessageBytes + 1, rvos::kMaxMessageHandles, rvos::kMaxMessageHandles + 1,
        rvos::kMaxWaitItems, rvos::kMaxWaitItems + 1, rvos::kMaxSharedSize, rvos::kMaxSharedSize + 1, 1ull << 20,
        1ull << 32, 1ull << 40, ~0ull, ~0ull - 4095, static_cast<uint64_t>(-1ll << 31), 1ull << 63,
    };
    if (sane) {
        switch (below(8)) {
        case 0:
        case 1: return below(2);
        case 2: return below(2 * rvos::kPageSize + 1);
        default: return 1 + below(8);
        }
    }
    switch (below(4)) {
    case 0: return below(33);
    case 1: return next_random();
    default: return pick(kLengths);
    }
}

uint64_t generate_rights(bool sane) {
    if (sane) return below(2) ? rvos::kRightsAll : below(rvos::kRightsAll + 1);
    switch (below(6)) {
    case 0: return 0;
    case 1: return rvos::kRightsAll;
    case 2:
    case 3: return below(rvos::kRightsAll + 1);                        // a random subset
    case 4: return below(rvos::kRightsAll + 1) | (1ull << (8 + below(56)));  // with an invalid bit
    default: return next_random();
    }
}

// Deadlines for a call that may block are at most a few milliseconds ahead
// (or passed): the fuzzer must never sleep for long, let alone forever.
uint64_t generate_deadline(bool may_block) {
    uint64_t now = sys::clock_ns();
    switch (below(may_block ? 5 : 8)) {
    case 0: return rvos::kDeadlineNow;
    case 1: return 1;                                                  // long past
    case 2: return now - (now < 1'000'000 ? now : 1'000'000);          // just past
    case 3: return now;
    case 4: return now + (1 + below(3)) * 1'000'000;                   // a few ms ahead
    case 5: return rvos::kDeadlineNever;
    case 6: return ~0ull - below(1'000'000'000);
    default: return next_random();
    }
}

uint64_t generate_value(bool sane) {
    static const uint64_t kValues[] = {0,       1,         2,     ~0ull,     ~0ull - 1,  1ull << 63, 1ull << 31,
                                       ~0u,     99'999,    100'000, 1'000'000, 0x7fffffff, 0x80000000,
                                       static_cast<uint64_t>(-1'000'000'000ll)};
    if (sane) return below(3) ? below(2) : 100'000 + below(10'000'000);
    return below(2) ? next_random() : pick(kValues);
}

// Sane: a pool handle, most often of a kind this argument of this syscall
// has succeeded with before (`kinds`, learnt as the run goes).
uint64_t generate_handle(bool reserved_ok, bool sane, uint32_t kinds) {
    if (sane && pool_count) {
        size_t start = below(pool_count);
        if (kinds && below(4))
            for (size_t i = 0; i < pool_count; i++) {
                Handle h = pool[(start + i) % pool_count];
                if (kinds >> kind_of[h] & 1) return static_cast<uint64_t>(h);
            }
        return static_cast<uint64_t>(pool[start]);
    }
    static const uint64_t kHostile[] = {~0ull, rvos::kMaxHandles, rvos::kMaxHandles - 1, 1ull << 31, 0x7fffffff,
                                        1ull << 32, ~0ull - 1, 0xffffffff};
    for (;;) {
        uint64_t handle;
        switch (below(8)) {
        case 0:
        case 1:
        case 2:
        case 3:
            if (!pool_count) continue;
            handle = static_cast<uint64_t>(pool[below(pool_count)]);
            break;
        case 4: handle = below(rvos::kMaxHandles); break;  // reserved, closed or never opened
        case 5: handle = pick(kHostile); break;
        case 6: handle = below(80); break;
        default: handle = next_random(); break;
        }
        if (reserved_ok || !is_reserved(handle)) return handle;
    }
}

// ---- Per-syscall knowledge the table does not carry --------------------------------------
// Kept to safety: which calls may block (their deadlines stay finite and
// short), which cannot change a handle passed to them (so the fuzzer's own
// channels may be used), and which change the handle table in ways the
// bookkeeping below follows. A new syscall gets the safe default: no
// reserved handles, short deadlines, and the pool relearnt after it.

bool may_block(Syscall s) { return s != Syscall::TimerSet; }

bool harmless_to_reserved(Syscall s) {
    switch (s) {
    case Syscall::HandleInfo:
    case Syscall::HandleDuplicate:  // the copy of a reserved handle is closed at once
    case Syscall::Wait:
    case Syscall::ProcessKill:      // kills a child at worst
    case Syscall::ProcessStatus:
    case Syscall::MemMap:
    case Syscall::TimerSet:
    case Syscall::InterruptAck:
    case Syscall::Shutdown:         // none of ours is a power handle (checked)
        return true;
    default: return false;
    }
}

void track_region(uint64_t start, uint64_t length) {
    if (region_count == sizeof regions / sizeof regions[0] ||
        (region_count >= kMaxRegions && below(2))) {  // give the oldest back
        sys::munmap(reinterpret_cast<void*>(regions[0].start), regions[0].length ? regions[0].length : 1);
        memmove(regions, regions + 1, --region_count * sizeof regions[0]);
    }
    regions[region_count++] = Region{start, length};
}

// After a successful munmap: whatever overlapped the range is given back
// whole and forgotten, so no region left is half-mapped.
void untrack_regions(uint64_t start, uint64_t length) {
    uint64_t end = start + length < start ? ~0ull : start + length;
    for (size_t i = 0; i < region_count; i++) {
        Region& r = regions[i];
        bool hit = r.length ? (r.start < end && start < r.start + r.length) : r.start == start;
        if (!hit) continue;
        if (r.length) sys::munmap(reinterpret_cast<void*>(r.start), r.length);
        memmove(regions + i, regions + i + 1, (region_count - i - 1) * sizeof regions[0]);
        region_count--;
        i--;
    }
}

// Brings the pool and regions up to date after a call.
void account(Syscall s, const uint64_t* a, int64_t result) {
    bool ok = result >= 0;
    switch (s) {
    case Syscall::Yield:
    case Syscall::GetPid:
    case Syscall::HandleInfo:
    case Syscall::Wait:
    case Syscall::ProcessKill:
    case Syscall::ProcessStatus:
    case Syscall::ClockGet:
    case Syscall::TimerSet:
    case Syscall::InterruptAck:
    case Syscall::Shutdown: break;
    case Syscall::HandleClose:
        if (ok) forget(a[0]);
        break;
    case Syscall::HandleDuplicate:
        if (!ok) break;
        if (a[0] < rvos::kMaxHandles && infrastructure[a[0]]) sys::handle_close(static_cast<Handle>(result));
        else pool_add(static_cast<Handle>(result));
        break;
    case Syscall::TimerCreate:
    case Syscall::MemCreate:
        if (ok) pool_add(static_cast<Handle>(result));
        break;
    case Syscall::ChanSend:
        if (!ok || a[4] == 0) break;
        if (a[3] == reinterpret_cast<uint64_t>(handle_list) && a[4] <= kHandleListLength) {
            for (size_t i = 0; i < a[4]; i++) forget(static_cast<uint64_t>(static_cast<int64_t>(handle_list[i])));
        } else {
            resync();
        }
        break;
    case Syscall::Mmap:
        if (ok) track_region(static_cast<uint64_t>(result), (a[0] + rvos::kPageSize - 1) & ~(rvos::kPageSize - 1));
        break;
    case Syscall::MemMap:
        if (ok) track_region(static_cast<uint64_t>(result), 0);
        break;
    case Syscall::Munmap:
        if (ok) untrack_regions(a[0], a[1]);
        break;
    default:  // ChanCreate, ChanRecv, and anything new: relearn the table
        if (ok) resync();
        break;
    }
    while (pool_count > kPoolLimit) {  // churn: close one
        Handle h = pool[below(pool_count)];
        sys::handle_close(h);
        forget(static_cast<uint64_t>(h));
    }
}

// ---- Children ------------------------------------------------------------------------------

void reap() {
    for (size_t i = 0; i < child_count; i++) {
        auto status = sys::process_status(children[i].keeper);
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Running) continue;
        if (status.is_error()) {
            printf("fuzz: process_status on a keeper: %s\n", rvos::error_name(status.error()));
            wrong_code++;
        } else if (status.value().reason == rvos::ExitReason::Exited) {
            // The child made one Exit call with a fuzzed code.
            stats[number_of(Syscall::Exit)].calls++;
            if (status.value().code == children[i].code) {
                exited++;
            } else {
                printf("fuzz: a child exited with %d, not %d\n", status.value().code, children[i].code);
                wrong_code++;
            }
        } else {
            killed++;
        }
        sys::handle_close(children[i].keeper);
        reserved[children[i].keeper] = false;
        children[i--] = children[--child_count];
    }
}

void maybe_spawn() {
    if (below(kSpawnOdds) != 0) return;
    uint64_t code = generate_value(false);
    uint64_t ms = 1 + below(3);
    if (child_count == kMaxChildren || handles_in_use() + 3 > rvos::kMaxHandles) return;
    char args[48];
    snprintf(args, sizeof args, "child %llu %llu", static_cast<unsigned long long>(code),
             static_cast<unsigned long long>(ms));
    auto child = rvos::spawn("fuzz", args);
    if (child.is_error()) {
        spawn_refused++;
        return;
    }
    Handle process = child.value().process.release();
    auto keeper = sys::handle_duplicate(process, rvos::kRightRead | rvos::kRightSignal | rvos::kRightWait);
    if (keeper.is_error()) {
        sys::handle_close(process);  // the child ends with it
        spawn_refused++;
        return;
    }
    reserved[keeper.value()] = true;
    children[child_count++] = Child{keeper.value(), static_cast<int32_t>(code)};
    pool_add(process);
    spawned++;
}

void end_children() {
    for (size_t i = 0; i < child_count; i++) {
        sys::process_kill(children[i].keeper);
        rvos::WaitItem item{children[i].keeper, rvos::kSignalExited, 0};
        (void)sys::wait(&item, 1, sys::clock_ns() + 1'000'000'000);
    }
    reap();
}

// ---- The C library's memory ------------------------------------------------------------
// malloc maps its memory on demand, and a hostile munmap that succeeds takes
// every anonymous page from its address to the end of its range, malloc's
// included. So malloc maps all the fuzzer will need before the run, at the
// bottom of the mmap window (which is first fit), below every region the
// run maps and so out of reach of its munmap calls: a block of every small
// size (each size class keeps its last slab) and one from the middle tier
// (the arena stays, within the free budget), all freed again.
void warm_allocator() {
    void* blocks[64];
    size_t n = 0;
    for (size_t size = 8; size <= 2048 && n < 63; size += size < 256 ? 16 : size / 4) blocks[n++] = malloc(size);
    blocks[n++] = malloc(16 * 1024);
    for (size_t i = 0; i < n; i++) free(blocks[i]);
}

// ---- One call ----------------------------------------------------------------------------------

void fuzz_once() {
    uint64_t number;
    do number = below(rvos::kSyscallCount);
    while (number == number_of(Syscall::Exit));  // children make it (see reap)
    auto s = static_cast<Syscall>(number);
    const char* shape = rvos::kSyscallInfo[number].args;
    bool reserved_ok = harmless_to_reserved(s), blocks = may_block(s);

    // A third of the calls are hostile throughout. The others are sane but
    // for at most one argument (half of them entirely sane), so calls also
    // get past the first checks and reach deep into the kernel.
    size_t arity = strlen(shape);
    bool hostile_call = below(3) == 0;
    size_t hostile_arg = below(2) && arity ? below(arity) : arity;  // arity: none
    uint64_t a[kMaxArgs];
    for (uint64_t& arg : a) arg = next_random();  // registers the call does not use hold garbage
    for (size_t i = 0; i < arity; i++) {
        bool sane = !hostile_call && i != hostile_arg;
        switch (shape[i]) {
        case 'h': a[i] = generate_handle(reserved_ok, sane, good_kinds[number][i]); break;
        case 'p': a[i] = generate_pointer(sane); break;
        case 'n': a[i] = generate_length(sane); break;
        case 'r': a[i] = generate_rights(sane); break;
        case 'd': a[i] = generate_deadline(blocks); break;
        case 'v': a[i] = generate_value(sane); break;
        default:  // unreachable: every_shape_has_a_generator() holds
            printf("fuzz: no generator for shape '%c' of %s\n", shape[i], rvos::kSyscallInfo[number].name);
            exit(2);
        }
    }

    // A receive on a channel made readable first may wait forever: it
    // cannot block.
    sys::HandlePair ready{rvos::kNoHandle, rvos::kNoHandle};
    if (s == Syscall::ChanRecv && below(8) == 0) {
        auto pair = sys::chan_create();
        if (!pair.is_error()) {
            ready = pair.value();
            size_t length = below(2) ? below(80) : below(rvos::kMaxMessageBytes + 1);
            Handle carried = pool_count && below(2) ? pool[below(pool_count)] : rvos::kNoHandle;
            Error sent = sys::chan_write(ready.a, arena, length, &carried, carried == rvos::kNoHandle ? 0 : 1);
            if (sent == Error::None && carried != rvos::kNoHandle) forget(static_cast<uint64_t>(carried));
            a[0] = static_cast<uint64_t>(ready.b);
            if (below(2) && sent == Error::None) a[5] = rvos::kDeadlineNever;  // not if the queue stayed empty
        }
    }
    if (s == Syscall::Shutdown && a[0] < rvos::kMaxHandles) {
        auto info = sys::handle_info(static_cast<Handle>(a[0]));
        if (!info.is_error() && info.value().kind == rvos::ObjectKind::Power) a[0] = ~0ull;  // never ours
    }

    if (verbose) {
        printf("call %llu: %s(%llx, %llx, %llx, %llx, %llx, %llx)\n", static_cast<unsigned long long>(fuzzed + 1),
               rvos::kSyscallInfo[number].name, static_cast<unsigned long long>(a[0]),
               static_cast<unsigned long long>(a[1]), static_cast<unsigned long long>(a[2]),
               static_cast<unsigned long long>(a[3]), static_cast<unsigned long long>(a[4]),
               static_cast<unsigned long long>(a[5]));
        fflush(stdout);
    }
    int64_t result = sys::raw_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    fuzzed++;
    stats[number].calls++;
    if (result < 0) stats[number].refused++;
    for (size_t i = 0; i < arity && result >= 0; i++)
        if (shape[i] == 'h' && a[i] < rvos::kMaxHandles && in_pool(static_cast<Handle>(a[i])))
            good_kinds[number][i] |= 1u << kind_of[a[i]];  // before account() forgets a closed one
    account(s, a, result);
    if (ready.a != rvos::kNoHandle) {
        sys::handle_close(ready.a);
        sys::handle_close(ready.b);
        forget(static_cast<uint64_t>(ready.a));
        forget(static_cast<uint64_t>(ready.b));
    }
}

// ---- Set-up ----------------------------------------------------------------------------------

// Finds the handles the fuzzer lives on and takes kRightTransfer from each,
// keeping its number (the libraries know them by number): no list of
// handles the kernel reads from arbitrary memory can then send one away.
bool note_infrastructure() {
    int top = -1;
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++) {
        infrastructure[h] = reserved[h] = !sys::handle_info(h).is_error();
        if (infrastructure[h]) top = h;
    }
    // Fill the gaps below the last one, so a freed number is the lowest free.
    Handle fillers[rvos::kMaxHandles];
    size_t filler_count = 0;
    for (;;) {
        auto timer = sys::timer_create();
        if (timer.is_error()) return false;
        if (timer.value() > top) {
            sys::handle_close(timer.value());
            break;
        }
        fillers[filler_count++] = timer.value();
    }
    bool ok = true;
    for (Handle h = 0; h <= top && ok; h++) {
        if (!infrastructure[h]) continue;
        auto info = sys::handle_info(h);
        if (info.is_error() || !(info.value().rights & rvos::kRightTransfer)) continue;
        rvos::Rights rights = info.value().rights & ~rvos::kRightTransfer;
        auto copy = sys::handle_duplicate(h, rights);
        if (copy.is_error()) {
            ok = false;
            break;
        }
        sys::handle_close(h);
        auto back = sys::handle_duplicate(copy.value(), rights);
        sys::handle_close(copy.value());
        ok = !back.is_error() && back.value() == h;
    }
    for (size_t i = 0; i < filler_count; i++) sys::handle_close(fillers[i]);
    return ok;
}

// Unknown syscall numbers are faults: each must kill just the child.
int try_unknown_numbers() {
    constexpr uint64_t kFirstUnknown = rvos::kSyscallCount;
    static const uint64_t kNumbers[] = {kFirstUnknown, kFirstUnknown + 1, 64, 999, 1ull << 32, ~0ull};
    int killed_only_caller = 0;
    for (uint64_t number : kNumbers) {
        char args[32];
        snprintf(args, sizeof args, "badnum %llu", static_cast<unsigned long long>(number));
        auto child = rvos::spawn("fuzz", args);
        if (child.is_error()) {
            printf("fuzz: spawn: %s\n", rvos::error_name(child.error()));
            continue;
        }
        auto status = rvos::wait_exit(child.value());
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Fault) killed_only_caller++;
    }
    printf("fuzz: %d of %zu unknown syscall numbers killed only the caller\n", killed_only_caller,
           sizeof kNumbers / sizeof kNumbers[0]);
    return killed_only_caller == sizeof kNumbers / sizeof kNumbers[0];
}

// `fuzz child <code> <ms>`: lives a few milliseconds, then exits with the code.
[[noreturn]] void be_child(uint64_t code, uint64_t ms) {
    rvos::WaitItem item{rvos::kBootHandle, 0, 0};  // nothing wanted: sleeps until the deadline
    (void)sys::wait(&item, 1, sys::clock_ns() + ms * 1'000'000);
    sys::raw_syscall(number_of(Syscall::Exit), code);
    __builtin_unreachable();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "badnum") == 0) {
        sys::raw_syscall(strtoull(argv[2], nullptr, 10));
        return 0;  // not reached: the kernel kills us
    }
    if (argc == 4 && strcmp(argv[1], "child") == 0) be_child(strtoull(argv[2], nullptr, 10), strtoull(argv[3], nullptr, 10));
    uint64_t seed = argc > 1 ? strtoull(argv[1], nullptr, 10) : 1;
    uint64_t count = argc > 2 ? strtoull(argv[2], nullptr, 10) : 10000;
    verbose = argc > 3 && strcmp(argv[3], "verbose") == 0;
    // The heap first, at the bottom of the mmap area: a random munmap runs
    // up from the start of one of the fuzzer's own regions, so whatever it
    // takes past that region is above it, never the heap (start-up makes
    // no heap of its own).
    free(malloc(1));
    printf("fuzz: seed %llu, %llu calls\n", static_cast<unsigned long long>(seed), static_cast<unsigned long long>(count));
    fflush(stdout);  // the console connection exists from here on
    // Children are read from /bin/fuzz: the file system connections that
    // takes exist from here on too, and are infrastructure.
    (void)rvos::fs::stat("/bin/fuzz");
    if (!note_infrastructure()) {
        printf("fuzz: cannot take the transfer right from its own handles\n");
        return 1;
    }
    state = seed * 0x9E3779B97F4A7C15ull + 1;
    warm_allocator();
    while (fuzzed < count) {
        maybe_spawn();
        fuzz_once();
        if (fuzzed % 16 == 0) reap();
    }
    end_children();
    // Close everything the run left open, including capabilities it
    // received without tracking them, and give back what it mapped.
    for (Handle h = 0; h < static_cast<Handle>(rvos::kMaxHandles); h++)
        if (!infrastructure[h]) sys::handle_close(h);
    untrack_regions(0, ~0ull);
    uint64_t made = 0, refused = 0;
    for (const Stat& s : stats) made += s.calls, refused += s.refused;
    printf("fuzz: %llu calls made, %llu refused with an error, kernel still up\n",
           static_cast<unsigned long long>(made), static_cast<unsigned long long>(refused));
    for (size_t i = 0; i < rvos::kSyscallCount; i++)
        printf("fuzz: %s %llu calls %llu refused\n", rvos::kSyscallInfo[i].name,
               static_cast<unsigned long long>(stats[i].calls), static_cast<unsigned long long>(stats[i].refused));
    printf("fuzz: children: %llu spawned, %llu exited with their code, %llu killed, %llu wrong, %llu spawns refused; "
           "%llu resyncs\n",
           static_cast<unsigned long long>(spawned), static_cast<unsigned long long>(exited),
           static_cast<unsigned long long>(killed), static_cast<unsigned long long>(wrong_code),
           static_cast<unsigned long long>(spawn_refused), static_cast<unsigned long long>(resyncs));
    bool unknown_ok = try_unknown_numbers();
    return unknown_ok && wrong_code == 0 ? 0 : 1;
}
