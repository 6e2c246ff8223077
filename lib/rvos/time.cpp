// Time for the C library, on the kernel's clocks (clock_get): the monotonic
// clock, the real-time clock (set from the RTC at boot), this process's CPU
// time; gettimeofday and time on the real-time clock; times and clock on the
// CPU time; nanosleep, sleep and usleep as timed waits on a timer object.
//
// The kernel counts a process's CPU time whole, in user mode and in the
// kernel on its behalf: times() reports it all as tms_utime (tms_stime is
// 0), and the children's time is that of the children waitpid or system
// has reaped.
#include <errno.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "rvos/process.h"
#include "rvos/syscall.h"

namespace {

using rvos::ClockId;

constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kNsPerTick = 100;  // the timebase: 10 MHz on QEMU virt
static_assert(kNsPerSecond % CLOCKS_PER_SEC == 0);
constexpr uint64_t kNsPerClock = kNsPerSecond / CLOCKS_PER_SEC;  // clock() and times() units

// The timer nanosleep waits on: made on first use, kept for the program's life.
rvos::Handle sleep_timer = rvos::kNoHandle;

bool kernel_clock(clockid_t clock, ClockId* out) {
    switch (clock) {
    case CLOCK_MONOTONIC: *out = ClockId::Monotonic; return true;
    case CLOCK_REALTIME: *out = ClockId::RealTime; return true;
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: *out = ClockId::ProcessCpu; return true;  // one thread per process
    default: return false;
    }
}

timespec to_timespec(uint64_t ns) {
    return timespec{static_cast<time_t>(ns / kNsPerSecond), static_cast<long>(ns % kNsPerSecond)};
}

int sleep_ns(uint64_t length) {
    if (sleep_timer == rvos::kNoHandle) {
        auto timer = rvos::sys::timer_create();
        if (timer.is_error()) {
            errno = ENOMEM;
            return -1;
        }
        sleep_timer = timer.value();
    }
    uint64_t deadline = rvos::sys::clock_ns() + length;
    rvos::sys::timer_set(sleep_timer, deadline);
    rvos::WaitItem item{sleep_timer, rvos::kSignalFired, 0};
    (void)rvos::sys::wait(&item, 1, rvos::kDeadlineNever);
    return 0;
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t clock, struct timespec* tp) {
    ClockId id;
    if (!kernel_clock(clock, &id)) {
        errno = EINVAL;
        return -1;
    }
    *tp = to_timespec(rvos::sys::clock_ns(id));
    return 0;
}

int clock_getres(clockid_t clock, struct timespec* resolution) {
    ClockId id;
    if (!kernel_clock(clock, &id)) {
        errno = EINVAL;
        return -1;
    }
    if (resolution) *resolution = to_timespec(kNsPerTick);
    return 0;
}

int gettimeofday(struct timeval* __restrict tv, void* __restrict tz) {
    uint64_t now = rvos::sys::clock_ns(ClockId::RealTime);
    if (tv) *tv = timeval{static_cast<time_t>(now / kNsPerSecond), static_cast<suseconds_t>(now % kNsPerSecond / 1000)};
    if (tz) *static_cast<struct timezone*>(tz) = {0, 0};  // UTC: the machine keeps no time zone
    return 0;
}

clock_t times(struct tms* buffer) {
    buffer->tms_utime = static_cast<clock_t>(rvos::sys::clock_ns(ClockId::ProcessCpu) / kNsPerClock);
    buffer->tms_stime = 0;
    buffer->tms_cutime = static_cast<clock_t>(rvos::process::children_cpu_ns() / kNsPerClock);
    buffer->tms_cstime = 0;
    return static_cast<clock_t>(rvos::sys::clock_ns() / kNsPerClock);
}

// This process's CPU time (as glibc's clock(): without its children's).
clock_t clock(void) { return static_cast<clock_t>(rvos::sys::clock_ns(ClockId::ProcessCpu) / kNsPerClock); }

int nanosleep(const struct timespec* request, struct timespec* remaining) {
    if (!request || request->tv_sec < 0 || request->tv_nsec < 0 || request->tv_nsec >= static_cast<long>(kNsPerSecond)) {
        errno = EINVAL;
        return -1;
    }
    int result = sleep_ns(static_cast<uint64_t>(request->tv_sec) * kNsPerSecond + static_cast<uint64_t>(request->tv_nsec));
    if (result == 0 && remaining) *remaining = timespec{0, 0};  // nothing interrupts a sleep
    return result;
}

unsigned sleep(unsigned seconds) {
    return sleep_ns(static_cast<uint64_t>(seconds) * kNsPerSecond) == 0 ? 0 : seconds;
}

int usleep(useconds_t microseconds) { return sleep_ns(static_cast<uint64_t>(microseconds) * 1000); }

}  // extern "C"
