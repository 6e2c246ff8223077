// A process's handle table: small integers naming object references
// (endpoints, memory). User code only ever sees these numbers; another
// process's numbers mean nothing here. Hardware-free, unit-tested on the host.
#pragma once

#include "ipc/channel.h"

namespace ipc {

class HandleTable {
public:
    // Takes over one reference to `object`; lowest free number first, so
    // the boot channel is handle 0.
    ErrorOr<rvos::Handle> install(Object* object);
    // The endpoint a handle names: BadHandle, or WrongType for another kind.
    ErrorOr<Endpoint*> get(rvos::Handle handle) const;
    ErrorOr<Object*> get_object(rvos::Handle handle) const;
    // Removes the handle and hands its reference to the caller.
    ErrorOr<Object*> take(rvos::Handle handle);
    // Drops the handle's reference.
    Error close(rvos::Handle handle);
    void close_all();
    // Forgets `task` as the waiter of every endpoint in this table.
    void clear_waiter(const Task* task);
    // Whether any handle here names `object`.
    bool holds(const Object* object) const;
    template <typename Visitor> void for_each(Visitor&& visit) const {
        for (uint64_t used = used_; used; used &= used - 1) visit(*slots_[__builtin_ctzll(used)]);
    }
    size_t count() const { return static_cast<size_t>(__builtin_popcountll(used_)); }
    bool full() const { return used_ == kAllUsed; }

private:
    static_assert(rvos::kMaxHandles == 64, "the used-slot bitmap is one 64-bit word");
    static constexpr uint64_t kAllUsed = ~0ull;
    bool valid(rvos::Handle handle) const {
        return handle >= 0 && static_cast<size_t>(handle) < rvos::kMaxHandles && (used_ >> handle & 1);
    }

    Object* slots_[rvos::kMaxHandles] = {};
    uint64_t used_ = 0;
};

}  // namespace ipc
