// A process's handle table: small integers naming an object reference plus
// the rights this handle grants. User code only ever sees these numbers;
// another process's numbers mean nothing here. Lookups are typed:
// get<T>(handle, rights) is BadHandle, WrongType or AccessDenied unless the
// handle names a T with every right asked for. Hardware-free, unit-tested
// on the host.
#pragma once

#include "ipc/channel.h"

namespace ipc {

// The index of the lowest set bit of a non-zero word: a de Bruijn
// multiply, inline (without the Zbb extension __builtin_ctzll is a call to
// libgcc's table lookup; the garbage collector walks every table with it).
inline int lowest_set_bit(uint64_t word) {
    static constexpr uint8_t kIndex[64] = {
        0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,  62, 55, 59, 36, 53, 51,
        43, 22, 45, 39, 33, 30, 24, 18, 12, 5,  63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21,
        44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6};
    return kIndex[((word & -word) * 0x03f79d71b4cb0a89ull) >> 58];
}

class HandleTable {
public:
    // The program whose table this is: an endpoint installed here is
    // charged to it for what the system's servers send there (Holder).
    void set_owner(Holder owner) { owner_ = owner; }
    // Takes over one reference to `object`; lowest free number first, so
    // the boot channel is handle 0.
    ErrorOr<rvos::Handle> install(Object* object, rvos::Rights rights);
    ErrorOr<HandleEntry> lookup(rvos::Handle handle) const;
    // The object a handle names, checked for kind and rights.
    template <typename T> ErrorOr<T*> get(rvos::Handle handle, rvos::Rights needed) const {
        HandleEntry entry = TRY(lookup(handle));
        if (entry.object->kind() != KindOf<T>::value) return Error::WrongType;
        if ((entry.rights & needed) != needed) return Error::AccessDenied;
        return static_cast<T*>(entry.object);
    }
    // A second handle to the same object with `rights`, which must be a
    // subset of the original's (AccessDenied otherwise, or without
    // kRightDuplicate).
    ErrorOr<rvos::Handle> duplicate(rvos::Handle handle, rvos::Rights rights);
    // Removes the handle and hands its reference to the caller.
    ErrorOr<HandleEntry> take(rvos::Handle handle);
    // Drops the handle's reference.
    Error close(rvos::Handle handle);
    void close_all();
    // Whether any handle here names `object`.
    bool holds(const Object* object) const;
    template <typename Visitor> void for_each(Visitor&& visit) const {
        for (uint64_t used = used_; used; used &= used - 1) visit(*slots_[lowest_set_bit(used)].object);
    }
    size_t count() const { return static_cast<size_t>(__builtin_popcountll(used_)); }
    size_t free_slots() const { return rvos::kMaxHandles - count(); }
    // free_slots() >= n, without counting every bit (the target has no
    // popcount instruction: __builtin_popcountll is a library call).
    bool has_free(size_t n) const {
        uint64_t free = ~used_;
        for (; n; n--, free &= free - 1)
            if (!free) return false;
        return true;
    }
    bool full() const { return used_ == kAllUsed; }

private:
    static_assert(rvos::kMaxHandles == 64, "the used-slot bitmap is one 64-bit word");
    static constexpr uint64_t kAllUsed = ~0ull;
    bool valid(rvos::Handle handle) const {
        return handle >= 0 && static_cast<size_t>(handle) < rvos::kMaxHandles && (used_ >> handle & 1);
    }

    HandleEntry slots_[rvos::kMaxHandles] = {};
    uint64_t used_ = 0;
    Holder owner_;
};

}  // namespace ipc
