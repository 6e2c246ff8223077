// Waits with deadlines (see wait.h).
#include "ipc/wait.h"

#include "base/types.h"
#include "ipc/channel.h"
#include "task/scheduler.h"
#include "task/timer_object.h"

namespace ipc {

namespace {

// The signals of one watched object; an endpoint's without the virtual call.
rvos::Signals signals_of(const Object& object) {
    if (object.kind() == Object::Kind::Endpoint) return static_cast<const Endpoint&>(object).Endpoint::signals();
    return object.signals();
}

size_t pick_ready(Object* const* objects, rvos::WaitItem* items, size_t count) {
    // One pass: every item's `observed` is filled in; a drained endpoint
    // whose peer left takes precedence over the first ready item.
    size_t first = count;
    for (size_t i = 0; i < count; i++) {
        rvos::Signals observed = signals_of(*objects[i]);
        items[i].observed = observed;
        rvos::Signals hit = observed & items[i].wanted;
        if (!hit) continue;
        if ((hit & rvos::kSignalPeerClosed) && !(observed & rvos::kSignalReadable)) {
            for (size_t k = i + 1; k < count; k++) items[k].observed = signals_of(*objects[k]);
            return i;
        }
        if (first == count) first = i;
    }
    return first;
}

void deadline_passed(clock::Deadline& deadline) {
    auto* task = static_cast<Task*>(deadline.owner);
    task->wait.timed_out = true;
    task_wake(task);
}

void unhook(Task& task) {
    for (size_t i = 0; i < task.wait.count; i++)
        if (task.wait.observers[i].object) task.wait.observers[i].object->forget(task.wait.observers[i]);
    task.wait.count = 0;
    task.wait.observers = nullptr;
    clock::disarm(task.wait.deadline);
}

// Sleeps with `count` observers already hooked (recorded in task.wait so a
// kill can unhook them) and the deadline armed; unhooks everything after.
void sleep_observed(Task& task, Observer* observers, size_t count, uint64_t deadline_ns) {
    task.wait.observers = observers;
    task.wait.count = count;
    task.wait.timed_out = false;
    if (deadline_ns != rvos::kDeadlineNever) {
        task.wait.deadline.expired = deadline_passed;
        task.wait.deadline.owner = &task;
        clock::arm(task.wait.deadline, deadline_ns);
    }
    sched::block();
    unhook(task);
}

// wait() with its working arrays in the caller's frame, so that this
// frame stays small enough for every local to be one 12-bit offset away
// (with 3 KiB of arrays in it, each spill took three instructions).
[[gnu::noinline]] ErrorOr<size_t> wait_with(Task& task, rvos::WaitItem* items, size_t count, uint64_t deadline_ns,
                                            Object** objects, Observer* observers) {
    for (size_t i = 0; i < count; i++) {
        HandleEntry entry = TRY(task.handles.lookup(items[i].handle));
        if (!(entry.rights & rvos::kRightWait)) return Error::AccessDenied;
        objects[i] = entry.object;  // our handles keep them alive while we sleep
    }
    for (;;) {
        size_t ready = pick_ready(objects, items, count);
        if (ready != count) {
            if (objects[ready]->kind() == Object::Kind::Timer &&
                (items[ready].observed & items[ready].wanted & rvos::kSignalFired))
                static_cast<timer::TimerObject*>(objects[ready])->consume();
            return ready;
        }
        if (deadline_ns == rvos::kDeadlineNow ||
            (deadline_ns != rvos::kDeadlineNever && clock::now_ns() >= deadline_ns))
            return Error::TimedOut;
        for (size_t i = 0; i < count; i++) {
            new (&observers[i]) Observer{&task, items[i].wanted};
            objects[i]->observe(observers[i]);
        }
        sleep_observed(task, observers, count, deadline_ns);
    }
}

}  // namespace

ErrorOr<size_t> wait(Task& task, rvos::WaitItem* items, size_t count, uint64_t deadline_ns) {
    if (count == 0 || count > rvos::kMaxWaitItems) return Error::BadArgument;
    Object* objects[rvos::kMaxWaitItems];
    // Only the first `count` observers are used, each constructed when it is
    // hooked; the rest of the array stays raw (constructing all
    // kMaxWaitItems of them zeroed 2.5 KiB on every blocking receive).
    union Observers {
        Observers() {}
        Observer items[rvos::kMaxWaitItems];
    } storage;
    return wait_with(task, items, count, deadline_ns, objects, storage.items);
}

void block_on(Task& task, Object& object, rvos::Signals wanted, uint64_t deadline_ns) {
    Observer observer{&task, wanted};
    object.observe(observer);
    sleep_observed(task, &observer, 1, deadline_ns);
}

void abandon_wait(Task& task) {
    if (task.wait.count) unhook(task);
}

}  // namespace ipc
