// The handle table (see handle_table.h).
#include "ipc/handle_table.h"

namespace ipc {


ErrorOr<rvos::Handle> HandleTable::install(Object* object, rvos::Rights rights) {
    if (full()) return Error::HandleTableFull;
    int slot = lowest_set_bit(~used_);
    used_ |= 1ull << slot;
    slots_[slot] = HandleEntry{object, rights & rvos::kRightsAll};
    if (object->kind() == Object::Kind::Endpoint) static_cast<Endpoint*>(object)->holder = owner_;
    return rvos::Handle{slot};
}

ErrorOr<HandleEntry> HandleTable::lookup(rvos::Handle handle) const {
    if (!valid(handle)) return Error::BadHandle;
    return slots_[handle];
}

ErrorOr<rvos::Handle> HandleTable::duplicate(rvos::Handle handle, rvos::Rights rights) {
    if (!valid(handle)) return Error::BadHandle;
    HandleEntry entry = slots_[handle];
    if (!(entry.rights & rvos::kRightDuplicate) || (rights & ~entry.rights)) return Error::AccessDenied;
    if (full()) return Error::HandleTableFull;
    entry.object->ref();
    // Cannot fail now: a tail call, where unwrapping install's answer and
    // wrapping it again went through the stack.
    return install(entry.object, rights);
}

ErrorOr<HandleEntry> HandleTable::take(rvos::Handle handle) {
    if (!valid(handle)) return Error::BadHandle;
    used_ &= ~(1ull << handle);
    HandleEntry entry = slots_[handle];  // (the slot is left as it is: a slot not in used_ is never read)
    // Sent away or closed: what the system sends there is no longer ours
    // to pay for (unless another handle here installs it again).
    if (entry.object->kind() == Object::Kind::Endpoint) {
        auto* endpoint = static_cast<Endpoint*>(entry.object);
        if (endpoint->holder == owner_) endpoint->holder = Holder{};
    }
    return entry;
}

Error HandleTable::close(rvos::Handle handle) {
    auto entry = take(handle);
    if (entry.is_error()) return entry.error();
    note_dropped(*entry.value().object);
    entry.value().object->unref();
    return Error::None;
}

bool HandleTable::holds(const Object* object) const {
    for (uint64_t used = used_; used; used &= used - 1)
        if (slots_[lowest_set_bit(used)].object == object) return true;
    return false;
}

void HandleTable::close_all() {
    while (used_) close(lowest_set_bit(used_));
}

}  // namespace ipc
