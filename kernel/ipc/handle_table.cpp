#include "ipc/handle_table.h"

namespace ipc {

ErrorOr<rvos::Handle> HandleTable::install(Endpoint* endpoint) {
    if (full()) return Error::HandleTableFull;
    int slot = __builtin_ctzll(~used_);
    used_ |= 1ull << slot;
    slots_[slot] = endpoint;
    return rvos::Handle{slot};
}

ErrorOr<Endpoint*> HandleTable::get(rvos::Handle handle) const {
    if (!valid(handle)) return Error::BadHandle;
    return slots_[handle];
}

ErrorOr<Endpoint*> HandleTable::take(rvos::Handle handle) {
    if (!valid(handle)) return Error::BadHandle;
    used_ &= ~(1ull << handle);
    Endpoint* endpoint = slots_[handle];
    slots_[handle] = nullptr;
    return endpoint;
}

Error HandleTable::close(rvos::Handle handle) {
    auto endpoint = take(handle);
    if (endpoint.is_error()) return endpoint.error();
    unref(*endpoint.value());
    return Error::None;
}

void HandleTable::clear_waiter(const Task* task) {
    for (uint64_t used = used_; used; used &= used - 1) {
        Endpoint* endpoint = slots_[__builtin_ctzll(used)];
        if (endpoint->waiter == task) endpoint->waiter = nullptr;
    }
}

void HandleTable::close_all() {
    while (used_) close(__builtin_ctzll(used_));
}

}  // namespace ipc
