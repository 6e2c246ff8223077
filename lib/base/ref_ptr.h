// Intrusive reference counting: RefCounted<T> keeps a private count, and
// RefPtr<T> is the owning pointer that moves it. A fresh object starts with
// one reference, which `adopt` takes over; nothing else ever sets a count.
// When the last reference goes, T::last_reference_gone() runs (it frees the
// object, closes a channel end, ends a process...). Hardware-free, tested on
// the host.
#pragma once

#include "base/types.h"

namespace base {

class RefCountedBase {
public:
    RefCountedBase(const RefCountedBase&) = delete;
    RefCountedBase& operator=(const RefCountedBase&) = delete;

    uint32_t ref_count() const { return refs_; }

protected:
    RefCountedBase() = default;
    ~RefCountedBase() = default;
    void add_ref() { refs_++; }
    // True when this was the last reference.
    bool release_ref() { return --refs_ == 0; }

private:
    uint32_t refs_ = 1;
};

// T derives from RefCounted<T> and defines last_reference_gone().
template <typename T>
class RefCounted : public RefCountedBase {
public:
    void ref() { add_ref(); }
    void unref() {
        if (release_ref()) static_cast<T*>(this)->last_reference_gone();
    }
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(decltype(nullptr)) {}
    // Shares an object: adds a reference.
    explicit RefPtr(T* object) : object_(object) {
        if (object_) object_->ref();
    }
    RefPtr(const RefPtr& other) : RefPtr(other.object_) {}
    RefPtr(RefPtr&& other) : object_(other.leak()) {}
    template <typename U>
    RefPtr(RefPtr<U>&& other) : object_(other.leak()) {}
    ~RefPtr() { clear(); }

    RefPtr& operator=(const RefPtr& other) {
        if (this != &other) {
            RefPtr copy(other);
            swap(copy);
        }
        return *this;
    }
    RefPtr& operator=(RefPtr&& other) {
        if (this != &other) {
            // Take the incoming reference before dropping ours: dropping
            // may destroy the object that holds `other` (head = head->next).
            T* incoming = other.leak();
            clear();
            object_ = incoming;
        }
        return *this;
    }

    // Takes over the one reference a freshly made object starts with (or
    // one handed over by leak()).
    static RefPtr adopt(T* object) {
        RefPtr pointer;
        pointer.object_ = object;
        return pointer;
    }
    // Gives up the reference without dropping it; the caller owns it now.
    [[nodiscard]] T* leak() {
        T* object = object_;
        object_ = nullptr;
        return object;
    }
    void clear() {
        if (T* object = leak()) object->unref();
    }
    void swap(RefPtr& other) {
        T* mine = object_;
        object_ = other.object_;
        other.object_ = mine;
    }

    T* get() const { return object_; }
    T* operator->() const { return object_; }
    T& operator*() const { return *object_; }
    explicit operator bool() const { return object_ != nullptr; }
    bool operator==(const RefPtr& other) const { return object_ == other.object_; }

private:
    T* object_ = nullptr;
};

}  // namespace base
