#include "ipc/handle_table.h"

namespace ipc {

ErrorOr<rvos::Handle> HandleTable::install(Object* object) {
    if (full()) return Error::HandleTableFull;
    int slot = __builtin_ctzll(~used_);
    used_ |= 1ull << slot;
    slots_[slot] = object;
    return rvos::Handle{slot};
}

ErrorOr<Object*> HandleTable::get_object(rvos::Handle handle) const {
    if (!valid(handle)) return Error::BadHandle;
    return slots_[handle];
}

ErrorOr<Endpoint*> HandleTable::get(rvos::Handle handle) const {
    Object* object = TRY(get_object(handle));
    if (object->kind() != Object::Kind::Endpoint) return Error::WrongType;
    return static_cast<Endpoint*>(object);
}

ErrorOr<Object*> HandleTable::take(rvos::Handle handle) {
    if (!valid(handle)) return Error::BadHandle;
    used_ &= ~(1ull << handle);
    Object* object = slots_[handle];
    slots_[handle] = nullptr;
    return object;
}

Error HandleTable::close(rvos::Handle handle) {
    auto object = take(handle);
    if (object.is_error()) return object.error();
    object.value()->unref();
    return Error::None;
}

void HandleTable::clear_waiter(const Task* task) {
    for (uint64_t used = used_; used; used &= used - 1) {
        Object* object = slots_[__builtin_ctzll(used)];
        if (object->kind() != Object::Kind::Endpoint) continue;
        auto* endpoint = static_cast<Endpoint*>(object);
        if (endpoint->waiter == task) endpoint->waiter = nullptr;
    }
}

bool HandleTable::holds(const Object* object) const {
    for (uint64_t used = used_; used; used &= used - 1)
        if (slots_[__builtin_ctzll(used)] == object) return true;
    return false;
}

void HandleTable::close_all() {
    while (used_) close(__builtin_ctzll(used_));
}

}  // namespace ipc
