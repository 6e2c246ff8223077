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
    if (deadline_ns != rvos::kDeadlineNever) clock::arm(deadline_, deadline_ns);
}

void TimerObject::expired(clock::Deadline& deadline) {
    auto* timer = static_cast<TimerObject*>(deadline.owner);
    timer->fired_ = true;
    if (timer->period_ns_) {
        // The next period after now: a late tick does not queue a burst.
        uint64_t next = deadline.at_ns + timer->period_ns_;
        uint64_t now = clock::now_ns();
        if (next <= now) next = now + timer->period_ns_ - (now - deadline.at_ns) % timer->period_ns_;
        clock::arm(deadline, next);
    }
    timer->notify();
}

}  // namespace timer
