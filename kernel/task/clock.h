// Time: the monotonic clock, deadlines (timed waits and timer objects) and
// the preemption tick. The SBI timer is always programmed for whichever
// comes first, the end of the running task's slice or the earliest
// deadline, so a deadline fires on time rather than at the next tick.
#pragma once

#include <stdint.h>

namespace clock {

// Nanoseconds since boot (rdtime at the platform's timebase).
uint64_t now_ns();
// A span of clock ticks (rdtime) in nanoseconds.
uint64_t ns_from_ticks(uint64_t ticks);
// The real-time clock: nanoseconds since the Unix epoch. Set once at boot
// from the RTC; from then on it advances with the monotonic clock.
void set_real_time(uint64_t epoch_ns);
uint64_t real_time_ns();

// A point in time that calls `expired` once it has passed. Armed deadlines
// sit in one list sorted by time.
struct Deadline {
    uint64_t at_ns = 0;
    void (*expired)(Deadline& deadline) = nullptr;
    void* owner = nullptr;  // what `expired` acts on
    Deadline* next = nullptr;
    bool armed = false;
};

void arm(Deadline& deadline, uint64_t at_ns);
void disarm(Deadline& deadline);

// Starts the tick (timer interrupts enabled).
void start();
// A new slice for the task about to run.
void start_slice();
// On a timer interrupt: fires every expired deadline, reprograms the timer;
// true if the running task's slice is over.
bool handle_timer();

}  // namespace clock
