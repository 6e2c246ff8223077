// Shared memory: a set of zeroed frames that handles name and address
// spaces map. Moving bulk data between processes then costs one copy into
// the shared pages and one message, not a message per 64 bytes. The frames
// are freed when the last handle and the last mapping are gone.
#pragma once

#include "base/error_or.h"
#include "ipc/object.h"

namespace mm {

class MemoryObject final : public ipc::Object {
public:
    // `bytes` rounds up to whole pages; at most rvos::kMaxSharedSize.
    // Starts with one reference (for the creator's handle).
    static base::ErrorOr<MemoryObject*> create(size_t bytes);
    rvos::Signals signals() const override { return 0; }
    void last_reference_gone() override { destroy(); }

    size_t pages() const { return pages_; }
    uintptr_t frame(size_t index) const { return frames_[index]; }

private:
    MemoryObject() : Object(Kind::Memory) {}
    void destroy();

    size_t pages_ = 0;
    uintptr_t* frames_ = nullptr;
};

}  // namespace mm

template <> struct ipc::KindOf<mm::MemoryObject> { static constexpr Object::Kind value = Object::Kind::Memory; };
