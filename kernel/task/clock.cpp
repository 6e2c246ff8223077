// The clock and deadline list (see clock.h).
#include "task/clock.h"

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "lib/print.h"
#include "platform/machine.h"

namespace clock {

namespace {

// rdtime ticks at the device tree's timebase (10 MHz on QEMU virt).
uint64_t ns_per_tick = 0;
constexpr uint64_t kSliceNs = 10'000'000;  // 10 ms

Deadline* armed_list = nullptr;
uint64_t slice_end_ns = 0;

void program_timer() {
    uint64_t next = slice_end_ns;
    if (armed_list && armed_list->at_ns < next) next = armed_list->at_ns;
    // Round up: firing a little late is fine, early would spin.
    sbi::set_timer((next + ns_per_tick - 1) / ns_per_tick);
}

}  // namespace

uint64_t now_ns() { return arch::read_time() * ns_per_tick; }

void arm(Deadline& deadline, uint64_t at_ns) {
    if (deadline.armed) disarm(deadline);
    deadline.at_ns = at_ns;
    deadline.armed = true;
    Deadline** link = &armed_list;
    while (*link && (*link)->at_ns <= at_ns) link = &(*link)->next;
    deadline.next = *link;
    *link = &deadline;
    if (armed_list == &deadline) program_timer();
}

void disarm(Deadline& deadline) {
    if (!deadline.armed) return;
    for (Deadline** link = &armed_list; *link; link = &(*link)->next) {
        if (*link != &deadline) continue;
        *link = deadline.next;
        break;
    }
    deadline.next = nullptr;
    deadline.armed = false;
}

void start() {
    uint64_t hz = platform::machine().timebase_hz;
    if (hz > 1'000'000'000 || 1'000'000'000 % hz != 0) panic("timebase %lu Hz does not divide a second into whole ns", hz);
    ns_per_tick = 1'000'000'000 / hz;
    arch::set_sie(arch::kIntTimer | arch::kIntExternal);
    start_slice();
}

void start_slice() {
    slice_end_ns = now_ns() + kSliceNs;
    program_timer();
}

bool handle_timer() {
    uint64_t now = now_ns();
    while (armed_list && armed_list->at_ns <= now) {
        Deadline* due = armed_list;
        armed_list = due->next;
        due->next = nullptr;
        due->armed = false;
        due->expired(*due);  // may re-arm itself (periodic timers)
    }
    bool slice_over = now >= slice_end_ns;
    if (slice_over) slice_end_ns = now + kSliceNs;
    program_timer();
    return slice_over;
}

}  // namespace clock
