#include "mm/memory_object.h"

#include "mm/memory.h"

namespace mm {

// The frame list costs 8 bytes of kernel heap a page, 1/512 of the memory
// it describes (64 KiB for the largest object), so memory objects run out
// of frames long before they run out of heap.
static_assert(rvos::kMaxSharedSize / rvos::kPageSize * sizeof(uintptr_t) <= kKernelHeapSize / 32,
              "the largest memory object's frame list is a small share of the kernel heap");

base::ErrorOr<MemoryObject*> MemoryObject::create(size_t bytes) {
    if (bytes == 0 || bytes > rvos::kMaxSharedSize) return Error::BadArgument;
    size_t pages = base::align_up(bytes, rvos::kPageSize) / rvos::kPageSize;
    void* memory = kernel_heap().allocate(sizeof(MemoryObject));
    auto* frames = static_cast<uintptr_t*>(kernel_heap().allocate(pages * sizeof(uintptr_t)));
    if (!memory || !frames) {
        kernel_heap().free(memory);
        kernel_heap().free(frames);
        return Error::NoMemory;
    }
    auto* object = new (memory) MemoryObject();
    object->frames_ = frames;
    for (; object->pages_ < pages; object->pages_++) {
        auto frame = mm::frames().allocate();
        if (frame.is_error()) {
            object->destroy();
            return Error::NoMemory;
        }
        frames[object->pages_] = reinterpret_cast<uintptr_t>(frame.value());
    }
    return object;
}

void MemoryObject::destroy() {
    for (size_t i = 0; i < pages_; i++) mm::frames().free(reinterpret_cast<void*>(frames_[i]));
    kernel_heap().free(frames_);
    this->~MemoryObject();
    kernel_heap().free(this);
}

}  // namespace mm
