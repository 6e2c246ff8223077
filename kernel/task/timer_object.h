// Timer objects: a one-shot or periodic deadline a task can wait on. The
// Fired signal rises when the deadline passes; a wait that reports it
// consumes it (a periodic timer then fires again one period later).
#pragma once

#include "ipc/object.h"
#include "task/clock.h"

namespace timer {

class TimerObject final : public ipc::Object {
public:
    static TimerObject* create();  // null when out of memory
    rvos::Signals signals() const override { return fired_ ? rvos::kSignalFired : 0; }
    void last_reference_gone() override;

    // Arms for `deadline_ns` (kDeadlineNever cancels), repeating every
    // `period_ns` if not zero. Clears Fired.
    void set(uint64_t deadline_ns, uint64_t period_ns);
    void consume() { fired_ = false; }

private:
    TimerObject() : Object(Kind::Timer) {}
    static void expired(clock::Deadline& deadline);

    clock::Deadline deadline_;
    uint64_t period_ns_ = 0;
    bool fired_ = false;
};

}  // namespace timer

template <> struct ipc::KindOf<timer::TimerObject> { static constexpr Object::Kind value = Object::Kind::Timer; };
