#include "mm/memory_object.h"

#include "base/string.h"
#include "lib/print.h"
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
    auto* object = new (memory) MemoryObject(Backing::Frames);
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

base::ErrorOr<MemoryObject*> MemoryObject::create_run(Backing backing, uintptr_t physical, size_t pages) {
    void* memory = kernel_heap().allocate(sizeof(MemoryObject));
    if (!memory) return Error::NoMemory;
    auto* object = new (memory) MemoryObject(backing);
    object->base_ = physical;
    object->pages_ = pages;
    return object;
}

base::ErrorOr<MemoryObject*> MemoryObject::create_device(uintptr_t physical, size_t bytes) {
    if (bytes == 0 || physical % rvos::kPageSize != 0) return Error::BadArgument;
    return create_run(Backing::Device, physical, base::align_up(bytes, rvos::kPageSize) / rvos::kPageSize);
}

base::ErrorOr<MemoryObject*> MemoryObject::create_contiguous(size_t bytes) {
    if (bytes == 0 || bytes > rvos::kDmaPoolSize) return Error::BadArgument;
    size_t pages = base::align_up(bytes, rvos::kPageSize) / rvos::kPageSize;
    uintptr_t physical = TRY(dma_pool().allocate(pages));
    auto object = create_run(Backing::Contiguous, physical, pages);
    if (object.is_error()) {
        dma_pool().free(physical, pages);
        return object.error();
    }
    base::mem_set(reinterpret_cast<void*>(physical), 0, pages * rvos::kPageSize);
    return object;
}

void MemoryObject::destroy() {
    if (backing_ == Backing::Contiguous && !dma_pool().free(base_, pages_))
        panic("DMA run %p (%lu pages) freed twice", (void*)base_, pages_);
    for (size_t i = 0; frames_ && i < pages_; i++) mm::frames().free(reinterpret_cast<void*>(frames_[i]));
    kernel_heap().free(frames_);
    this->~MemoryObject();
    kernel_heap().free(this);
}

}  // namespace mm
