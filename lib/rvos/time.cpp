// Time for the C library: clock_gettime(CLOCK_MONOTONIC) on the kernel's
// monotonic clock, and nanosleep as a timed wait on a timer object.
#include <errno.h>
#include <time.h>

#include "rvos/syscall.h"

namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// The timer nanosleep waits on: made on first use, kept for the program's life.
rvos::Handle sleep_timer = rvos::kNoHandle;

}  // namespace

extern "C" {

int clock_gettime(clockid_t clock, struct timespec* tp) {
    if (clock != CLOCK_MONOTONIC) {
        errno = EINVAL;  // the real-time clock arrives with the RTC driver
        return -1;
    }
    uint64_t now = rvos::sys::clock_ns();
    tp->tv_sec = static_cast<time_t>(now / kNsPerSecond);
    tp->tv_nsec = static_cast<long>(now % kNsPerSecond);
    return 0;
}

int nanosleep(const struct timespec* request, struct timespec* remaining) {
    if (!request || request->tv_sec < 0 || request->tv_nsec < 0 || request->tv_nsec >= static_cast<long>(kNsPerSecond)) {
        errno = EINVAL;
        return -1;
    }
    if (sleep_timer == rvos::kNoHandle) {
        auto timer = rvos::sys::timer_create();
        if (timer.is_error()) {
            errno = ENOMEM;
            return -1;
        }
        sleep_timer = timer.value();
    }
    uint64_t length = static_cast<uint64_t>(request->tv_sec) * kNsPerSecond + static_cast<uint64_t>(request->tv_nsec);
    uint64_t deadline = rvos::sys::clock_ns() + length;
    rvos::sys::timer_set(sleep_timer, deadline);
    rvos::WaitItem item{sleep_timer, rvos::kSignalFired, 0};
    (void)rvos::sys::wait(&item, 1, rvos::kDeadlineNever);
    if (remaining) *remaining = timespec{0, 0};
    return 0;
}

}  // extern "C"
