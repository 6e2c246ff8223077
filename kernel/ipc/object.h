// Kernel objects: what handles name. Every object is reference counted
// (handles, queued messages, mappings, the kernel's own pointers hold
// references through RefPtr or explicit ref/unref), has a kind, and shows
// signals — what it is ready for — that tasks can wait on. Hardware-free:
// it reaches the scheduler only through task_wake().
#pragma once

#include "abi/abi.h"
#include "base/ref_ptr.h"

struct Task;
// Provided by the scheduler: make a task blocked in a wait runnable.
void task_wake(Task* task);

namespace ipc {

using rvos::Signals;

class Object;
class Marker;

// One task waiting for one object to show any of `wanted`. Observers live
// in the waiting task's kernel stack frame for the duration of the wait.
struct Observer {
    Task* task = nullptr;
    Signals wanted = 0;
    Object* object = nullptr;
    Observer* prev = nullptr;
    Observer* next = nullptr;
};

class Object : public base::RefCounted<Object> {
public:
    using Kind = rvos::ObjectKind;

    Kind kind() const { return kind_; }
    // What the object is ready for now.
    virtual Signals signals() const = 0;
    // Runs when the last reference goes: close, free, end.
    virtual void last_reference_gone() = 0;

    void observe(Observer& observer);
    void forget(Observer& observer);
    // Wakes every observer that wants one of the current signals. Objects
    // call it whenever their signals may have risen.
    void notify();
    bool observed() const { return observers_ != nullptr; }

    // Garbage collection (Marker, channel.h). An object that can lead to
    // others — an open endpoint to what is queued at it, a live process to
    // what its handles name — is `traced`: once reached it is marked and
    // trace() marks what it leads to. Other objects lead nowhere.
    virtual bool traced() const { return false; }
    virtual void trace(Marker&) {}
    bool gc_marked = false;  // reached, during a collection

protected:
    explicit Object(Kind kind) : kind_(kind) {}
    ~Object() = default;

private:
    Kind kind_;
    Observer* observers_ = nullptr;
};

// The type behind each object kind, for HandleTable::get<T>().
template <typename T> struct KindOf;

}  // namespace ipc
