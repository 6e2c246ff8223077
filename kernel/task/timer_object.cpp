// Timer objects (see timer_object.h).
#include "task/timer_object.h"

#include "mm/memory.h"

namespace timer {

TimerObject* TimerObject::create() {
    void* memory = mm::kernel_heap().allocate(sizeof(TimerObject));
    if (!memory) return nullptr;
    auto* timer = new (memory) TimerObject();
    timer->deadline_.expired = expired;
    timer->deadline_.owner = timer;
    return timer;
}

void TimerObject::last_reference_gone() {
    clock::disarm(deadline_);
    this->~TimerObject();
    mm::kernel_heap().free(this);
}

void TimerObject::set(uint64_t deadline_ns, uint64_t period_ns) {
    clock::disarm(deadline_);
    fired_ = false;
    period_ns_ = period_ns;
    if (deadline_ns == rvos::kDeadlineNever) return;
    if (deadline_ns <= clock::now_ns()) {
        // Already past: fire now, as the interrupt the armed deadline would
        // raise at once does (a periodic timer is re-armed for its next
        // period from here), without programming the SBI timer for it.
        deadline_.at_ns = deadline_ns;
        expired(deadline_);
        return;
    }
    clock::arm(deadline_, deadline_ns);
}

void TimerObject::expired(clock::Deadline& deadline) {
    auto* timer = static_cast<TimerObject*>(deadline.owner);
    timer->fired_ = true;
    if (timer->period_ns_) {
        // The next period after now: a late tick does not queue a burst. A
        // period too long for the clock (the sum overflows) never comes
        // round: re-armed at the wrapped time, which has passed, the
        // deadline would fire again at once, for ever, in this interrupt.
        uint64_t period = timer->period_ns_, now = clock::now_ns(), next;
        bool overflow = __builtin_add_overflow(deadline.at_ns, period, &next);
        if (!overflow && next <= now)
            overflow = __builtin_add_overflow(now, period - (now - deadline.at_ns) % period, &next);
        if (!overflow) clock::arm(deadline, next);
    }
    timer->notify();
}

}  // namespace timer
