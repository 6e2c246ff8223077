// spinners: runs a program while busy loops compete with it for the CPU, to
// prove that programs which never block cannot starve one that does, and
// that the loops still share the rest among themselves.
//   spinners [-s ms] <n> <program> [args]
//                                  starts n busy loops, lets them run for
//                                  two seconds (or ms), runs the program,
//                                  prints how long it took and whether every
//                                  loop got the CPU, then kills and reaps
//                                  the loops
//   spinners spin <i>              (a child) counts in slot i of the shared
//                                  page it gets as handle 1, never blocking
// The shell has no background jobs, so the loops are children of this
// program; their process handles die with it, and with them the loops.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "tests/kit/kit.h"

namespace {

constexpr int kMaxLoops = 8;
// Background loops have been running a while when a program starts: their
// recent CPU use (what the scheduler weighs) is at its steady level by then.
constexpr long kDefaultSettleMs = 2000;
constexpr rvos::Handle kCountersHandle = 1;

uint64_t now_us() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000 + static_cast<uint64_t>(t.tv_nsec) / 1000;
}

[[noreturn]] void spin(int slot) {
    auto counters = rvos::SharedMemory::map(kCountersHandle);
    if (counters.is_error() || slot < 0 || slot >= kMaxLoops) exit(1);
    volatile uint64_t* count = reinterpret_cast<volatile uint64_t*>(counters.value().data()) + slot;
    for (;;) *count = *count + 1;
}

// Starts loop `slot`, handing it a duplicate of the counters' handle.
base::ErrorOr<rvos::Child> start_loop(rvos::Handle counters, int slot) {
    rvos::Handle copy = TRY(rvos::sys::handle_duplicate(counters, rvos::kRightMap | rvos::kRightMapWrite | rvos::kRightTransfer));
    char index[4];
    snprintf(index, sizeof index, "%d", slot);
    const char* argv[] = {"spinners", "spin", index, nullptr};
    return rvos::spawn_argv("spinners", argv, nullptr, &copy, 1);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "spin") == 0) spin(atoi(argv[2]));
    long settle_ms = kDefaultSettleMs;
    if (argc >= 3 && strcmp(argv[1], "-s") == 0) {  // a shorter settle, for the soak runs
        settle_ms = atol(argv[2]);
        argc -= 2;
        argv += 2;
    }
    int count = argc >= 3 ? atoi(argv[1]) : -1;
    if (count < 0 || count > kMaxLoops || settle_ms < 0) {
        printf("usage: spinners [-s ms] <0..%d> <program> [args]\n", kMaxLoops);
        return 2;
    }
    auto shared = rvos::SharedMemory::create(rvos::kPageSize);
    if (shared.is_error()) return printf("spinners: shared memory: %s\n", rvos::error_name(shared.error())), 1;
    auto* counters = reinterpret_cast<volatile uint64_t*>(shared.value().data());
    rvos::Channel counters_handle(shared.value().give_handle());  // closed at exit; the mapping stays
    rvos::Child loops[kMaxLoops];
    for (int i = 0; i < count; i++) {
        auto child = start_loop(counters_handle.handle(), i);
        if (child.is_error()) return printf("spinners: spawn: %s\n", rvos::error_name(child.error())), 1;
        loops[i] = child.release_value();
    }
    timespec settle = {settle_ms / 1000, settle_ms % 1000 * 1'000'000};
    nanosleep(&settle, nullptr);
    int ran = 0;
    for (int i = 0; i < count; i++) ran += counters[i] > 0;
    printf("spinners: %d of %d busy loops ran\n", ran, count);

    // The program's arguments: everything after its name, as one string.
    char args[256] = "";
    for (int i = 3; i < argc; i++) {
        if (i > 3) strncat(args, " ", sizeof args - strlen(args) - 1);
        strncat(args, argv[i], sizeof args - strlen(args) - 1);
    }
    uint64_t start = now_us();
    int32_t status = testkit::run_child(argv[2], args);
    uint64_t took = now_us() - start;
    printf("spinners: %s took %llu ms with %d busy loops, status %d\n", argv[2],
           static_cast<unsigned long long>(took / 1000), count, static_cast<int>(status));
    int stopped = 0;
    for (int i = 0; i < count; i++) {
        rvos::kill(loops[i]);
        auto ended = rvos::wait_exit(loops[i]);
        if (!ended.is_error() && testkit::summary(ended.value()) == testkit::kKilled) stopped++;
    }
    printf("spinners: %d of %d busy loops stopped\n", stopped, count);
    return status == 0 && ran == count && stopped == count ? 0 : 1;
}
