// Observers: the wait lists every object keeps (see object.h).
#include "ipc/object.h"

namespace ipc {

void Object::observe(Observer& observer) {
    observer.object = this;
    observer.prev = nullptr;
    observer.next = observers_;
    if (observers_) observers_->prev = &observer;
    observers_ = &observer;
}

void Object::forget(Observer& observer) {
    if (observer.prev) observer.prev->next = observer.next;
    else if (observers_ == &observer) observers_ = observer.next;
    if (observer.next) observer.next->prev = observer.prev;
    observer.prev = observer.next = nullptr;
    observer.object = nullptr;
}

void Object::notify() {
    Signals now = signals();
    for (Observer* o = observers_; o; o = o->next)
        if (now & o->wanted) task_wake(o->task);
}

}  // namespace ipc
